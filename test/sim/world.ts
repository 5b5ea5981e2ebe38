/**
 * The simulated world: the orchestrator and the workers of one domain on in-process adapters of
 * the ports, with SQS-like queues, a virtual clock, and a fault injector between every part.
 *
 * - Every Lambda invocation (orchestrator or worker) receives one message; up to
 *   `maxConcurrency` run at once, interleaved on the event loop, so two results for one execution
 *   really race for the same version.
 * - An orchestrator invocation runs in a "container" with its own `Orchestrator` and ports. An
 *   injected crash kills the container: every later port call of that invocation fails too (a dead
 *   process does nothing more), the message is not deleted, and SQS redelivers it after the
 *   visibility timeout. The next invocation gets a fresh container (a cold start).
 * - The store under the faults is the real `InMemoryExecutionStore`, recording every commit.
 *
 * Everything random comes from the seed's {@link Prng}; virtual time only moves when the world
 * says so. A run is a pure function of its seed.
 */
import { isTerminal, type HistoryEventType } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { parseInboxMessage } from '../../lambdas/runtime/inbox-messages.js';
import { Orchestrator } from '../../lambdas/runtime/orchestrator.js';
import {
  TransientStoreError,
  VersionConflictError,
  type ExecutionStore,
  type OrchestratorPorts,
  type TaskDispatch,
  type Transition,
} from '../../lambdas/runtime/ports.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import { parseWorkerTaskMessage, type WorkerTaskMessage } from '../../lambdas/runtime/worker.js';
import { InMemoryDefinitionStore } from '../../local/memory/in-memory-definition-store.js';
import { InMemoryExecutionStore } from '../../local/memory/in-memory-execution-store.js';
import { SimulatedCrash, type FaultRates, type OutcomeWeights } from './faults.js';
import type {
  CommitRecord,
  ExecutionRecord,
  HeartbeatRecord,
  PublishedRecord,
  RunRecord,
} from './invariants.js';
import type { Prng } from './prng.js';
import { SimQueue, type SimMessage } from './sim-queue.js';
import { SimWorkers } from './workers.js';
import { TASK_WORKERS, UNDO_WORKER, type GeneratedWorkflow, type TaskInfo } from './workflow-generator.js';

/** Where the virtual clock starts: 2026-01-01T00:00:00Z. */
export const WORLD_START = Date.UTC(2026, 0, 1);
/** The key the domain signs task tokens with. */
export const SIGNING_KEY = 'simulation-signing-key-0123456789abcdef';
const WORKER_PREFIX = 'baton:worker:';
const RESULT_EVENT_TYPES = new Set<HistoryEventType>([
  'TaskSucceeded',
  'TaskFailed',
  'CompensationTaskSucceeded',
  'CompensationTaskFailed',
]);

/** Options of {@link World}. */
export interface WorldOptions {
  readonly rng: Prng;
  readonly rates: FaultRates;
  readonly outcomes: { readonly tasks: OutcomeWeights; readonly compensations: OutcomeWeights };
  readonly workflows: readonly GeneratedWorkflow[];
  /** The inbox queue's visibility timeout. @default 30000 */
  readonly inboxVisibilityMs?: number;
  /** The worker queues' visibility timeout. @default 60000 */
  readonly workerVisibilityMs?: number;
  /** Receives before a message moves to its queue's DLQ. @default 8 */
  readonly maxReceiveCount?: number;
  /** Lambda invocations running at once. @default 3 */
  readonly maxConcurrency?: number;
  /** Budget of deliveries before the run is declared stuck. @default 40000 */
  readonly maxDeliveries?: number;
  /** Budget of virtual time before the run is declared stuck, ms. @default 120 days */
  readonly maxVirtualMs?: number;
  /** Receives a line per delivery (for replaying a seed by hand). */
  readonly trace?: (line: string) => void;
  /**
   * Wraps the store the orchestrators see (below the fault injector). Only for tests of the
   * simulation itself: a deliberately broken store must make it report violations.
   * @default the store as is
   */
  readonly mutateStore?: (store: ExecutionStore) => ExecutionStore;
}

/** The execution store under the faults: the real in-memory store, recording every commit. */
class RecordingStore extends InMemoryExecutionStore {
  constructor(private readonly onCommit: (transition: Transition) => void) {
    super();
  }

  override async commit(transition: Transition): Promise<void> {
    await super.commit(transition);
    this.onCommit(transition);
  }
}

/** One orchestrator Lambda container: its own Orchestrator, ports that inject faults, and a life. */
class OrchestratorContainer {
  dead = false;
  /** No injected fault for the current invocation (the message's last chances before the DLQ). */
  calm = false;
  readonly orchestrator: Orchestrator;

  constructor(private readonly world: World) {
    const rates = world.rates;
    const table = world.storeView;
    const store: ExecutionStore = {
      load: async (executionId) => {
        this.alive();
        if (this.fault(rates.loadThrottle, 'load throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (load)');
        return table.load(executionId);
      },
      commit: async (transition) => {
        this.alive();
        if (this.fault(rates.crashBeforeCommit, 'crash before commit')) this.die('after load, before commit');
        if (this.fault(rates.commitThrottle, 'commit throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (commit)');
        if (this.fault(rates.spuriousConflict, 'spurious conditional-check failure'))
          throw new VersionConflictError(transition.executionId, transition.version - 1);
        await table.commit(transition);
        if (this.fault(rates.commitLandedThenTimeout, 'commit landed, then timed out'))
          throw new TransientStoreError('The conditional put timed out (it landed)');
        if (this.fault(rates.commitLandedThenConflict, 'commit landed, SDK retry conflicted'))
          throw new VersionConflictError(transition.executionId, transition.version - 1);
        if (this.fault(rates.crashAfterCommit, 'crash after commit'))
          this.die('after commit, before perform');
      },
      findMessageVersion: async (executionId, messageId, searchVersions) => {
        this.alive();
        if (this.fault(rates.auxiliaryThrottle, 'findMessageVersion throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (findMessageVersion)');
        return table.findMessageVersion(executionId, messageId, searchVersions);
      },
      loadCommands: async (executionId, version) => {
        this.alive();
        if (this.fault(rates.auxiliaryThrottle, 'loadCommands throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (loadCommands)');
        return table.loadCommands(executionId, version);
      },
      history: (executionId, page) => table.history(executionId, page),
      list: (filter) => table.list(filter),
      writeIndex: async (summary, version) => {
        this.alive();
        if (this.fault(rates.auxiliaryThrottle, 'writeIndex throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (writeIndex)');
        if (this.fault(rates.crashDuringPerform, 'crash before the index write'))
          this.die('after perform, before the index write');
        await table.writeIndex(summary, version);
      },
    };
    const ports: OrchestratorPorts = {
      store,
      definitions: world.definitions,
      clock: { now: () => world.now },
      tasks: {
        dispatch: async (task) => {
          this.alive();
          if (this.fault(rates.dispatchFailBefore, 'dispatch failed'))
            throw new TransientStoreError('SendMessage failed (worker queue)');
          world.dispatchToWorker(task);
          if (this.fault(rates.dispatchFailAfter, 'dispatch queued, then failed'))
            throw new TransientStoreError('SendMessage timed out (the message was queued)');
          if (this.fault(rates.crashDuringPerform, 'crash after a dispatch'))
            this.die('while performing, after a dispatch');
        },
      },
      events: {
        publish: async (events) => {
          this.alive();
          if (this.fault(rates.partialPublish, 'partial PutEvents')) {
            for (const event of events)
              if (world.rng.chance(0.5)) world.published.push({ id: event.id, detailType: event.detailType });
            throw new TransientStoreError('PutEvents: FailedEntryCount > 0');
          }
          for (const event of events) world.published.push({ id: event.id, detailType: event.detailType });
          if (this.fault(rates.crashDuringPerform, 'crash after PutEvents'))
            this.die('while performing, after PutEvents');
        },
      },
      timers: {
        schedule: async ({ executionId, timerId, fireAt }) => {
          this.alive();
          if (this.fault(rates.timerFail, 'timer scheduling failed')) {
            if (world.rng.chance(0.5)) world.scheduleTimer(executionId, timerId, fireAt);
            throw new TransientStoreError('CreateSchedule failed');
          }
          world.scheduleTimer(executionId, timerId, fireAt);
        },
        cancel: async ({ executionId, timerId }) => {
          this.alive();
          if (this.fault(rates.timerFail, 'timer cancel failed'))
            throw new TransientStoreError('DeleteSchedule failed');
          if (world.rng.chance(rates.cancelHonoured)) world.inbox.cancelTimer(executionId, timerId);
        },
      },
    };
    this.orchestrator = new Orchestrator({ ports, signer: world.signer, eventSource: 'baton.sim' });
  }

  /** Draws a fault of probability `p` (never when calm), counting it. */
  fault(p: number, what: string): boolean {
    if (this.calm || !this.world.rng.chance(p)) return false;
    this.world.count(what);
    return true;
  }

  die(point: string): never {
    this.dead = true;
    throw new SimulatedCrash(point);
  }

  private alive(): void {
    if (this.dead) throw new SimulatedCrash('the Lambda already died');
  }
}

/** The domain: queues, orchestrator containers, workers, stores and the fault injector. */
export class World {
  now = WORLD_START;
  readonly rng: Prng;
  readonly rates: FaultRates;
  readonly table: RecordingStore;
  /** The store as the orchestrators see it (the table, or a deliberately broken view of it). */
  readonly storeView: ExecutionStore;
  readonly definitions = new InMemoryDefinitionStore();
  readonly signer = new TaskTokenSigner(SIGNING_KEY);
  readonly inbox: SimQueue;
  readonly workerQueues = new Map<string, SimQueue>();
  readonly workers: SimWorkers;
  readonly commits: CommitRecord[] = [];
  readonly heartbeats: HeartbeatRecord[] = [];
  readonly published: PublishedRecord[] = [];
  readonly poisonSent: { queue: string; messageId: string }[] = [];
  /** What happened how often (faults, results, ...), for the summary. */
  readonly counts: Record<string, number> = {};
  deliveries = 0;
  private readonly workflows: ReadonlyMap<string, GeneratedWorkflow>;
  private readonly resultTokens = new Map<string, string>();
  private readonly idle: OrchestratorContainer[] = [];
  private readonly inboxVisibilityMs: number;
  private readonly workerVisibilityMs: number;
  private readonly maxReceiveCount: number;
  private readonly maxConcurrency: number;
  private readonly maxDeliveries: number;
  private readonly maxVirtualMs: number;
  private readonly trace: ((line: string) => void) | undefined;
  private sequence = 0;
  private readonly watched = new Map<string, { lastEventId: number; terminal: boolean }>();
  private readonly appliedTokens = new Set<string>();
  private readonly firstReceivedAt = new Map<string, number>();

  constructor(options: WorldOptions) {
    this.rng = options.rng;
    this.rates = options.rates;
    this.inboxVisibilityMs = options.inboxVisibilityMs ?? 30_000;
    this.workerVisibilityMs = options.workerVisibilityMs ?? 60_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 8;
    this.maxConcurrency = options.maxConcurrency ?? 3;
    this.maxDeliveries = options.maxDeliveries ?? 40_000;
    this.maxVirtualMs = options.maxVirtualMs ?? 120 * 24 * 3600 * 1000;
    this.trace = options.trace;
    this.workflows = new Map(options.workflows.map((workflow) => [workflow.name, workflow]));
    this.table = new RecordingStore((transition) => this.recordCommit(transition));
    this.storeView = options.mutateStore ? options.mutateStore(this.table) : this.table;
    this.inbox = new SimQueue('inbox', this.maxReceiveCount);
    for (const name of [...TASK_WORKERS, UNDO_WORKER])
      this.workerQueues.set(name, new SimQueue(`worker-${name}`, this.maxReceiveCount));
    this.workers = new SimWorkers(
      {
        rng: this.rng,
        now: () => this.now,
        taskInfo: (workflow, stateName) => this.taskInfo(workflow, stateName),
        report: (body, delayMs) => this.enqueue(this.inbox, body, delayMs),
        nextSeq: () => ++this.sequence,
        count: (what) => this.count(what),
      },
      options.outcomes,
    );
  }

  count(what: string, by = 1): void {
    this.counts[what] = (this.counts[what] ?? 0) + by;
  }

  async deploy(): Promise<void> {
    for (const workflow of this.workflows.values())
      await this.definitions.put(workflow.name, workflow.definition);
  }

  /** Sends a legitimate inbox message (a start, a stop) `delayMs` from now. */
  sendInbox(body: Json, delayMs: number): void {
    this.enqueue(this.inbox, body, delayMs);
  }

  /** Sends a message made malformed or forged on purpose: it must end in the DLQ. */
  sendPoison(queue: SimQueue, body: string, delayMs: number): void {
    const message = queue.send(body, this.now, { delayMs, poison: true });
    this.poisonSent.push({ queue: queue.name, messageId: message.id });
  }

  /** A producer's send, through the delivery faults: late, duplicated by the producer or by SQS. */
  enqueue(queue: SimQueue, body: Json, delayMs: number): void {
    const rates = this.rates;
    const text = JSON.stringify(body);
    const extra = () => {
      if (!this.rng.chance(rates.delayedDelivery)) return 0;
      this.count('delayed delivery');
      return this.rng.int(1, rates.maxExtraDelayMs);
    };
    const message = queue.send(text, this.now, { delayMs: delayMs + extra() });
    this.noteResultToken(message, body);
    if (this.rng.chance(rates.duplicateDelivery)) {
      this.count('duplicate delivery (same message id)');
      queue.send(text, this.now, { delayMs: delayMs + extra(), id: message.id });
    }
    if (this.rng.chance(rates.duplicateSend)) {
      this.count('duplicate send (new message id)');
      this.noteResultToken(queue.send(text, this.now, { delayMs: delayMs + extra() }), body);
    }
  }

  /** A timer comes back to the inbox at `fireAt` or later (never earlier), maybe twice. */
  scheduleTimer(executionId: string, timerId: string, fireAt: number): void {
    const rates = this.rates;
    const timer = { executionId, timerId };
    const body = JSON.stringify({ kind: 'TimerFired', executionId, timerId });
    const due = Math.max(0, fireAt - this.now);
    const late = () => {
      if (!this.rng.chance(rates.timerLate)) return 0;
      this.count('timer fired late');
      return this.rng.int(1, rates.maxTimerLatenessMs);
    };
    this.inbox.send(body, this.now, { delayMs: due + late(), timer });
    if (this.rng.chance(rates.timerDuplicate)) {
      this.count('timer fired twice');
      this.inbox.send(body, this.now, { delayMs: due + late(), timer });
    }
  }

  /** Performs a DispatchTask: the task message goes to the worker's queue. */
  dispatchToWorker(task: TaskDispatch): void {
    const { command } = task;
    const queue = command.resource.startsWith(WORKER_PREFIX)
      ? this.workerQueues.get(command.resource.slice(WORKER_PREFIX.length))
      : undefined;
    if (!queue) throw new Error(`No simulated worker for resource '${command.resource}'`);
    const message: WorkerTaskMessage = {
      taskToken: task.taskToken,
      executionId: task.executionId,
      workflow: task.workflow,
      stateName: command.stateName,
      attempt: command.attempt,
      idempotencyKey: command.idempotencyKey,
      input: command.input,
      compensation: command.compensation,
      ...(command.timeoutSeconds !== undefined ? { timeoutSeconds: command.timeoutSeconds } : {}),
      ...(command.heartbeatSeconds !== undefined ? { heartbeatSeconds: command.heartbeatSeconds } : {}),
    };
    this.enqueue(queue, message as unknown as Json, 0);
  }

  /**
   * Delivers messages until every queue is empty (jumping the clock to the next delayed one), or
   * until the budget runs out. Returns why the run stopped early, or undefined when it went idle.
   */
  async run(): Promise<string | undefined> {
    const queues = [this.inbox, ...this.workerQueues.values()];
    for (;;) {
      if (this.deliveries >= this.maxDeliveries)
        return `the run was still busy after ${this.deliveries} deliveries`;
      if (this.now - WORLD_START > this.maxVirtualMs)
        return `the run was still busy after ${Math.round((this.now - WORLD_START) / 86_400_000)} virtual days`;
      const visible: { queue: SimQueue; message: SimMessage }[] = [];
      for (const queue of queues)
        for (const message of queue.visible(this.now)) visible.push({ queue, message });
      if (visible.length === 0) {
        let next: number | undefined;
        for (const queue of queues) {
          const at = queue.nextVisibleAt();
          if (at !== undefined && (next === undefined || at < next)) next = at;
        }
        if (next === undefined) return undefined;
        this.now = Math.max(this.now, next);
        continue;
      }
      // Reordering: any visible message may go next, and several run at once.
      const size = this.rng.int(1, Math.min(this.maxConcurrency, visible.length));
      const batch: { queue: SimQueue; message: SimMessage }[] = [];
      for (let i = 0; i < size; i++)
        batch.push(visible.splice(this.rng.int(0, visible.length - 1), 1)[0] as never);
      for (const { queue, message } of batch) {
        queue.receive(
          message,
          this.now,
          queue === this.inbox ? this.inboxVisibilityMs : this.workerVisibilityMs,
        );
        if (!this.firstReceivedAt.has(message.id)) this.firstReceivedAt.set(message.id, this.now);
      }
      await Promise.all(
        batch.map(({ queue, message }) =>
          queue === this.inbox ? this.deliverInbox(message) : this.deliverWorker(queue, message),
        ),
      );
      this.deliveries += batch.length;
      if (this.rng.chance(0.25)) this.now += this.rng.int(1, 1500);
    }
  }

  private async deliverInbox(message: SimMessage): Promise<void> {
    const container = this.idle.pop() ?? new OrchestratorContainer(this);
    container.calm = message.receiveCount >= this.maxReceiveCount - 1;
    try {
      if (container.fault(this.rates.crashAfterReceive, 'crash after receive'))
        container.die('after receive');
      const parsed = parseInboxMessage(message.body);
      const result = await container.orchestrator.handle(parsed, message.id);
      this.count(`inbox: ${result.type}`);
      this.trace?.(
        `${this.clock()} ${message.id} ${describeBody(message.body)} -> ${JSON.stringify(result)}`,
      );
      if (parsed.kind === 'TaskHeartbeat') await this.recordHeartbeat(parsed.taskToken, message.id);
      if (container.fault(this.rates.crashBeforeAck, 'crash before ack'))
        container.die('before deleting the message');
      this.inbox.delete(message);
    } catch (error) {
      const reason = describeError(error);
      this.trace?.(`${this.clock()} ${message.id} ${describeBody(message.body)} !! ${reason}`);
      this.inbox.failed(message, reason);
    } finally {
      if (!container.dead) this.idle.push(container);
    }
  }

  private async deliverWorker(queue: SimQueue, message: SimMessage): Promise<void> {
    const calm = message.receiveCount >= this.maxReceiveCount - 1;
    const fault = (p: number, what: string) => {
      if (calm || !this.rng.chance(p)) return false;
      this.count(what);
      return true;
    };
    try {
      if (fault(this.rates.workerCrashAfterReceive, 'worker crash after receive'))
        throw new SimulatedCrash('worker died after receive');
      const task = parseWorkerTaskMessage(message.body);
      await this.workers.deliver(task, {
        dieBeforeReport: this.rates.workerCrashBeforeReport,
        reportSendFail: this.rates.reportSendFail,
        calm,
      });
      if (fault(this.rates.workerCrashBeforeAck, 'worker crash before ack'))
        throw new SimulatedCrash('worker died before deleting the message');
      this.trace?.(`${this.clock()} ${message.id} ${describeBody(message.body)} -> done`);
      queue.delete(message);
    } catch (error) {
      const reason = describeError(error);
      this.trace?.(`${this.clock()} ${message.id} ${describeBody(message.body)} !! ${reason}`);
      queue.failed(message, reason);
    }
  }

  private async recordHeartbeat(taskToken: string, messageId: string): Promise<void> {
    let claims;
    try {
      claims = this.signer.verify(taskToken);
    } catch {
      return;
    }
    const stored = await this.table.load(claims.executionId);
    let persistedAt: number | undefined;
    if (stored && !isTerminal(stored.execution.status)) {
      for (const thread of Object.values(stored.execution.threads)) {
        const waiting = thread.active.waiting;
        if (waiting.type === 'Task' && waiting.token === claims.engineToken)
          persistedAt = waiting.lastHeartbeatAt;
      }
      const active = stored.execution.saga.active;
      if (active?.token === claims.engineToken) persistedAt = active.lastHeartbeatAt;
    }
    const at = this.firstReceivedAt.get(messageId) ?? this.now;
    this.heartbeats.push({ executionId: claims.executionId, token: taskToken, at, persistedAt });
  }

  private recordCommit(transition: Transition): void {
    const resultToken = this.resultTokens.get(transition.messageId);
    this.watchCommit(transition, resultToken);
    this.commits.push({
      executionId: transition.executionId,
      version: transition.version,
      messageId: transition.messageId,
      status: transition.execution.status,
      events: transition.history.map((event) => ({ id: event.id, type: event.type })),
      ...(resultToken !== undefined ? { resultToken } : {}),
    });
  }

  /**
   * The cheap invariants, checked as each commit lands (the checker rechecks them at the end):
   * when tracing, a broken one shows at the exact delivery that broke it.
   */
  private watchCommit(transition: Transition, resultToken: string | undefined): void {
    const { executionId } = transition;
    const broken = (what: string) => {
      this.count('watch: invariant broken at commit');
      this.trace?.(`${this.clock()} !! INVARIANT ${what} [${executionId} v${transition.version}]`);
    };
    const watched = this.watched.get(executionId) ?? { lastEventId: 0, terminal: false };
    if (watched.terminal) broken('terminal-stable: a commit after the terminal one');
    for (const event of transition.history) {
      if (event.id !== watched.lastEventId + 1)
        broken(`history-sequence: event id ${event.id} after ${watched.lastEventId}`);
      watched.lastEventId = event.id;
    }
    watched.terminal = isTerminal(transition.execution.status);
    this.watched.set(executionId, watched);
    const applies = transition.history.some((event) => RESULT_EVENT_TYPES.has(event.type));
    if (resultToken !== undefined && applies) {
      if (this.appliedTokens.has(resultToken)) broken('result-applied-once: a task result applied again');
      this.appliedTokens.add(resultToken);
    }
  }

  private noteResultToken(message: SimMessage, body: Json): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    if ((body.kind === 'TaskSucceeded' || body.kind === 'TaskFailed') && typeof body.taskToken === 'string') {
      this.resultTokens.set(message.id, body.taskToken);
    }
  }

  private taskInfo(workflow: string, stateName: string): TaskInfo | undefined {
    return this.workflows.get(workflow)?.tasks.get(stateName);
  }

  private clock(): string {
    return `t=+${((this.now - WORLD_START) / 1000).toFixed(3)}s`;
  }

  /** What the run left behind, for the checker. */
  async record(expectedExecutions: readonly string[], unfinished: string | undefined): Promise<RunRecord> {
    const ids = new Set([...expectedExecutions, ...this.table.executionIds()]);
    const index = await this.table.list({ limit: 100_000 });
    const indexStatus = new Map(index.items.map((item) => [item.executionId, item.status]));
    const executions: ExecutionRecord[] = [];
    for (const executionId of [...ids].sort()) {
      const stored = await this.table.load(executionId);
      const history = [];
      let nextToken: string | undefined;
      do {
        const page = await this.table.history(executionId, {
          limit: 500,
          ...(nextToken ? { nextToken } : {}),
        });
        history.push(...page.events);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      const workflow = stored?.workflow.name ?? executionId.slice(0, executionId.indexOf(':'));
      executions.push({
        executionId,
        status: stored?.execution.status,
        indexStatus: indexStatus.get(executionId),
        history,
        compensable: this.workflows.get(workflow)?.compensable ?? new Set(),
      });
    }
    const queues = [this.inbox, ...this.workerQueues.values()];
    return {
      executions,
      commits: this.commits,
      effects: this.workers.effects,
      undos: this.workers.undos,
      heartbeats: this.heartbeats,
      published: this.published,
      deadLetters: queues.flatMap((queue) =>
        queue.deadLetters.map((message) => ({
          queue: queue.name,
          messageId: message.id,
          poison: message.poison,
          ...(message.lastError !== undefined ? { reason: message.lastError } : {}),
        })),
      ),
      poisonSent: this.poisonSent,
      inFlight: queues.flatMap((queue) =>
        queue.messages.map((message) => ({ queue: queue.name, messageId: message.id, body: message.body })),
      ),
      ...(unfinished !== undefined ? { unfinished } : {}),
    };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function describeBody(body: string): string {
  try {
    const value = JSON.parse(body) as {
      kind?: unknown;
      timerId?: unknown;
      stateName?: unknown;
      attempt?: unknown;
    };
    if (typeof value.kind === 'string')
      return `${value.kind}${typeof value.timerId === 'string' ? ` ${value.timerId}` : ''}`;
    if (typeof value.stateName === 'string') return `task ${value.stateName}#${String(value.attempt)}`;
    return body.slice(0, 60);
  } catch {
    return body.slice(0, 60);
  }
}
