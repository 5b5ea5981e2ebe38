/**
 * A whole domain in one process: the orchestrator, its inbox, worker queues and workers, timers
 * and the domain bus, on in-memory transports and a virtual clock. Tests, the simulation and
 * quick local runs drive it message by message; the stores are pluggable (in memory, or the real
 * DynamoDB adapter on dynalite).
 *
 * Transports here are deliberately simple FIFO lists with delays and redelivery; they model what
 * the orchestrator relies on (at-least-once delivery, redelivery after a failure, a DLQ after
 * `maxReceiveCount`), not every SQS feature.
 */
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { Json } from '../../lambdas/engine/json.js';
import { parseInboxMessage } from '../../lambdas/runtime/inbox-messages.js';
import {
  Orchestrator,
  type HandleResult,
  type OrchestratorLogger,
} from '../../lambdas/runtime/orchestrator.js';
import type {
  CorrelationStore,
  DefinitionStore,
  DomainEvent,
  ExecutionStore,
  InboxSender,
  OrchestratorPorts,
  TaskDispatch,
  WorkflowRef,
} from '../../lambdas/runtime/ports.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import {
  runTask,
  workerTaskMessage,
  type WorkerHandler,
  type WorkerTaskMessage,
} from '../../lambdas/runtime/worker.js';
import { InMemoryDefinitionStore } from './in-memory-definition-store.js';
import { InMemoryExecutionStore } from './in-memory-execution-store.js';
import { InMemoryCorrelationStore } from './in-memory-correlation-store.js';
import { correlationShapes, type CorrelationShape } from '../../lambdas/runtime/correlation.js';

/** A message on an in-memory queue. */
export interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  visibleAt: number;
  receiveCount: number;
  readonly sentAt: number;
}

/** Options of {@link InProcessDomain}. */
export interface InProcessDomainOptions {
  /** Worker handlers by worker name (`baton:worker:<name>`). @default {} */
  readonly workers?: Readonly<Record<string, WorkerHandler<never>>>;
  /** @default an InMemoryExecutionStore */
  readonly store?: ExecutionStore;
  /** @default an InMemoryDefinitionStore */
  readonly definitions?: DefinitionStore;
  /** @default an InMemoryCorrelationStore */
  readonly correlations?: CorrelationStore;
  /** @default 'baton.local' */
  readonly eventSource?: string;
  /** Epoch ms the virtual clock starts at. @default 2026-01-01T00:00:00Z */
  readonly startTime?: number;
  /** How long a failed message stays invisible before redelivery, ms. @default 30000 */
  readonly visibilityTimeoutMs?: number;
  /** Deliveries before a message moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  readonly logger?: OrchestratorLogger;
}

const WORKER_PREFIX = 'baton:worker:';
const SIGNING_KEY = 'in-process-domain-signing-key-0123456789';

/** A queue with delays, redelivery and a dead-letter list. */
export class MemoryQueue {
  readonly messages: QueuedMessage[] = [];
  readonly deadLetters: QueuedMessage[] = [];
  private sequence = 0;

  constructor(
    readonly name: string,
    private readonly clock: { now(): number },
  ) {}

  send(body: Json | string, delayMs = 0): string {
    const id = `${this.name}-${++this.sequence}`;
    const now = this.clock.now();
    this.messages.push({
      id,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      visibleAt: now + delayMs,
      receiveCount: 0,
      sentAt: now,
    });
    return id;
  }

  /** The visible message that has waited longest, or undefined. */
  nextVisible(now: number): QueuedMessage | undefined {
    let best: QueuedMessage | undefined;
    for (const message of this.messages) {
      if (message.visibleAt <= now && (!best || message.visibleAt < best.visibleAt)) best = message;
    }
    return best;
  }

  delete(message: QueuedMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }

  /** The earliest time a hidden message becomes visible. */
  nextVisibleAt(): number | undefined {
    let at: number | undefined;
    for (const message of this.messages)
      if (at === undefined || message.visibleAt < at) at = message.visibleAt;
    return at;
  }
}

/** One domain's orchestrator and workers, in process. */
export class InProcessDomain {
  readonly store: ExecutionStore;
  readonly definitions: DefinitionStore;
  readonly inbox: MemoryQueue;
  readonly workerQueues = new Map<string, MemoryQueue>();
  readonly published: DomainEvent[] = [];
  readonly orchestrator: Orchestrator;
  readonly results: HandleResult[] = [];
  /** Errors thrown by message handling, in order. */
  readonly failures: { queue: string; messageId: string; error: unknown }[] = [];
  private time: number;
  private readonly workers: Readonly<Record<string, WorkerHandler<never>>>;
  private readonly visibilityMs: number;
  private readonly maxReceiveCount: number;
  /** Called around each inbox message; tests use it to inject faults. */
  beforeHandle: ((message: QueuedMessage) => void | Promise<void>) | undefined;
  readonly ports: OrchestratorPorts;
  /** What deployed workflows wait on; grows as workflows are deployed. */
  private readonly shapes: CorrelationShape[] = [];

  constructor(options: InProcessDomainOptions = {}) {
    this.time = options.startTime ?? Date.parse('2026-01-01T00:00:00Z');
    const clock = { now: () => this.time };
    this.store = options.store ?? new InMemoryExecutionStore();
    this.definitions = options.definitions ?? new InMemoryDefinitionStore();
    this.workers = options.workers ?? {};
    this.visibilityMs = options.visibilityTimeoutMs ?? 30_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.inbox = new MemoryQueue('inbox', clock);
    for (const name of Object.keys(this.workers)) this.workerQueues.set(name, new MemoryQueue(name, clock));
    const inboxSender: InboxSender = {
      send: async (body, sendOptions) => {
        this.inbox.send(body, (sendOptions?.delaySeconds ?? 0) * 1000);
      },
    };
    this.ports = {
      store: this.store,
      definitions: this.definitions,
      clock,
      tasks: { dispatch: (task) => this.dispatch(task, inboxSender) },
      events: {
        publish: async (events) => {
          this.published.push(...events);
        },
      },
      correlations: options.correlations ?? new InMemoryCorrelationStore(clock),
      inbox: inboxSender,
      timers: {
        schedule: async ({ executionId, timerId, fireAt }) => {
          this.inbox.send({ kind: 'TimerFired', executionId, timerId }, Math.max(0, fireAt - this.time));
        },
        cancel: async () => {},
      },
    };
    this.orchestrator = new Orchestrator({
      ports: this.ports,
      signer: new TaskTokenSigner(SIGNING_KEY),
      eventSource: options.eventSource ?? 'baton.local',
      correlationShapes: this.shapes,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.inboxSender = inboxSender;
  }

  private readonly inboxSender: InboxSender;

  /** The virtual time, epoch ms. */
  now(): number {
    return this.time;
  }

  async deploy(name: string, definition: StateMachineDefinition): Promise<WorkflowRef> {
    for (const shape of correlationShapes(definition)) {
      if (!this.shapes.some((known) => JSON.stringify(known) === JSON.stringify(shape)))
        this.shapes.push(shape);
    }
    return this.definitions.put(name, definition);
  }

  /** Puts a domain event on the bus as the domain's rule would route it to the inbox. */
  publishEvent(event: { id: string; 'detail-type': string; source: string; detail: Json }): string {
    return this.inbox.send({
      kind: 'EventReceived',
      event: { version: '0', time: new Date(this.time).toISOString(), ...event },
    });
  }

  /** Queues a start message; returns its message id. */
  start(workflow: string, input: Json, name?: string): string {
    return this.inbox.send({
      kind: 'StartExecution',
      workflow,
      input,
      ...(name !== undefined ? { name } : {}),
    });
  }

  private async dispatch(task: TaskDispatch, inbox: InboxSender): Promise<void> {
    const { command } = task;
    const queue = command.resource.startsWith(WORKER_PREFIX)
      ? this.workerQueues.get(command.resource.slice(WORKER_PREFIX.length))
      : undefined;
    if (!queue) {
      await inbox.send({
        kind: 'TaskFailed',
        taskToken: task.taskToken,
        error: 'States.TaskFailed',
        cause: `No worker for resource '${command.resource}'`,
      });
      return;
    }
    const message = workerTaskMessage(task);
    queue.send(message as unknown as Json);
  }

  /**
   * Delivers one visible message (inbox first, then worker queues, oldest first). Returns false
   * when none is visible now.
   */
  async step(): Promise<boolean> {
    const inboxMessage = this.inbox.nextVisible(this.time);
    if (inboxMessage) {
      await this.deliverInbox(inboxMessage);
      return true;
    }
    for (const name of this.workerQueues.keys()) {
      if (await this.stepWorker(name)) return true;
    }
    return false;
  }

  /** Delivers one visible message of a worker's queue to the worker; false when there is none. */
  async stepWorker(name: string): Promise<boolean> {
    const queue = this.workerQueues.get(name);
    const message = queue?.nextVisible(this.time);
    if (!queue || !message) return false;
    await this.deliver(queue, message, async () => {
      const handler = this.workers[name] as WorkerHandler<never>;
      await runTask(JSON.parse(message.body) as WorkerTaskMessage, handler, this.inboxSender);
    });
    return true;
  }

  /** Delivers the visible inbox messages all at once, as concurrent Lambda invocations would. */
  async deliverInboxConcurrently(): Promise<number> {
    const visible = this.inbox.messages.filter((message) => message.visibleAt <= this.time);
    await Promise.all(visible.map((message) => this.deliverInbox(message)));
    return visible.length;
  }

  private async deliverInbox(message: QueuedMessage): Promise<void> {
    await this.deliver(this.inbox, message, async () => {
      await this.beforeHandle?.(message);
      const result = await this.orchestrator.handle(parseInboxMessage(message.body), message.id);
      this.results.push(result);
    });
  }

  private async deliver(
    queue: MemoryQueue,
    message: QueuedMessage,
    work: () => Promise<void>,
  ): Promise<void> {
    message.receiveCount += 1;
    try {
      await work();
      queue.delete(message);
    } catch (error) {
      this.failures.push({ queue: queue.name, messageId: message.id, error });
      if (message.receiveCount >= this.maxReceiveCount) {
        queue.delete(message);
        queue.deadLetters.push(message);
      } else {
        message.visibleAt = this.time + this.visibilityMs;
      }
    }
  }

  /** Delivers every message visible now (and those they cause), without moving the clock. */
  async runVisible(maxDeliveries = 100_000): Promise<void> {
    for (let i = 0; i < maxDeliveries; i++) if (!(await this.step())) return;
    throw new Error(`Still busy after ${maxDeliveries} deliveries`);
  }

  /** Moves the virtual clock forward. */
  advance(ms: number): void {
    this.time += ms;
  }

  /** Delivers messages until none is left, jumping the clock to delayed ones. */
  async runUntilIdle(maxDeliveries = 100_000): Promise<void> {
    for (let i = 0; i < maxDeliveries; i++) {
      if (await this.step()) continue;
      const next = this.nextVisibleAt();
      if (next === undefined) return;
      this.time = Math.max(this.time, next);
    }
    throw new Error(`Still busy after ${maxDeliveries} deliveries`);
  }

  private nextVisibleAt(): number | undefined {
    const times = [
      this.inbox.nextVisibleAt(),
      ...[...this.workerQueues.values()].map((queue) => queue.nextVisibleAt()),
    ];
    const defined = times.filter((time): time is number => time !== undefined);
    return defined.length > 0 ? Math.min(...defined) : undefined;
  }
}
