/**
 * {@link LocalControl} over in-process domains: what tests and quick local runs serve through the
 * HTTP API. Every operation becomes an inbox message, exactly as on AWS; a background loop moves
 * each domain's virtual clock along with the wall clock and delivers what is due, so Wait states,
 * retries and timeouts happen in (near) real time.
 *
 * An operation delivers its own message, and whatever that causes, before it returns: a `describe`
 * right after a `start` finds the execution, and a task token that no task waits for is reported
 * to the caller instead of dying quietly in a dead-letter list. Deliveries to one domain never
 * overlap (the loop and the operations take turns), as on an inbox with one consumer.
 */
import { randomUUID } from 'node:crypto';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { parseInboxMessage } from '../../lambdas/runtime/inbox-messages.js';
import { executionIdOf, type HandleResult } from '../../lambdas/runtime/orchestrator.js';
import type { Clock, ExecutionSummary, StoredExecution } from '../../lambdas/runtime/ports.js';
import {
  ConflictError,
  NotFoundError,
  type DomainInfo,
  type ExecutionDescription,
  type ListFilter,
  type LocalControl,
  type PutEventEntry,
} from '../control.js';
import {
  assertRedrivable,
  describeStored,
  isWaitingFor,
  noSuchExecution,
  noSuchTask,
  rerunMessage,
  stopMessage,
  taskNotWaiting,
  taskTokenClaims,
} from '../api/control-rules.js';
import type { InProcessDomain } from './in-process-domain.js';

/** The bus an event goes to when its entry names none, and every domain's bus by default. */
export const DEFAULT_EVENT_BUS = 'baton-local';
/** How often the background loop delivers what became due, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 25;
/** Page size of a listing that sets no limit. */
export const DEFAULT_LIST_LIMIT = 50;

/** An event that starts a workflow, like the domain's trigger rule on EventBridge. */
export interface EventTrigger {
  readonly workflow: string;
  readonly detailType: string;
  /** @default any source */
  readonly source?: string;
  /** JSONPath into the event naming the business key (the execution name). @default the event id */
  readonly businessKeyPath?: string;
}

/** One domain served by {@link InProcessControl}. */
export interface InProcessDomainEntry {
  readonly name: string;
  /** Its workflows must already be deployed on it (`domain.deploy`). */
  readonly domain: InProcessDomain;
  /** The workflows it runs, listed by `domains()` and started by `start()`. */
  readonly workflows: readonly string[];
  /** The bus its rules listen on. @default DEFAULT_EVENT_BUS */
  readonly eventBus?: string;
  /** Events that start its workflows. Every published event also reaches waiting states. @default [] */
  readonly triggers?: readonly EventTrigger[];
}

/** Options of {@link InProcessControl}. */
export interface InProcessControlOptions {
  readonly domains: readonly InProcessDomainEntry[];
  /**
   * The wall clock that each domain's virtual clock is moved up to (never back). Build the domains
   * with `startTime: Date.now()` so that their timestamps read as today.
   * @default the system clock
   */
  readonly clock?: Clock;
  /** Names of executions started without one, and event ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** @default DEFAULT_POLL_INTERVAL_MS */
  readonly pollIntervalMs?: number;
  /** Where failures of the background loop go. @default console.error */
  readonly onError?: (error: unknown) => void;
}

type ChangeListener = Parameters<LocalControl['subscribe']>[0];

/** One served domain and its bookkeeping. */
interface Served {
  readonly entry: InProcessDomainEntry;
  readonly domain: InProcessDomain;
  /** The delivery in progress (or the last one): the next waits for it. */
  turn: Promise<void>;
  /** How many of `domain.results` have been announced to listeners. */
  announced: number;
  /** The index in `domain.results` that the latest delivery of a message will write, by message id. */
  readonly resultIndex: Map<string, number>;
}

/** What came of delivering one message. */
type Delivery =
  | { readonly type: 'handled'; readonly result: HandleResult | undefined }
  /** It failed in a way a redelivery may fix; it stays on the queue. */
  | { readonly type: 'pending' }
  | { readonly type: 'rejected'; readonly error: unknown };

/** Failures that every redelivery of the message would repeat (a forged token, a malformed message). */
function isPermanent(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'RejectedMessageError' || name === 'MalformedMessageError';
}

/** Serves {@link LocalControl} over in-process domains, delivering their messages in the background. */
export class InProcessControl implements LocalControl {
  private readonly served: readonly Served[];
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly onError: (error: unknown) => void;
  private readonly listeners = new Set<ChangeListener>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: InProcessControlOptions) {
    if (options.domains.length === 0) throw new RangeError('InProcessControl needs at least one domain');
    const names = new Set<string>();
    for (const { name } of options.domains) {
      if (names.has(name)) throw new RangeError(`Two domains are named '${name}'`);
      names.add(name);
    }
    this.clock = options.clock ?? { now: () => Date.now() };
    this.newId = options.newId ?? (() => randomUUID());
    this.onError = options.onError ?? ((error) => console.error('baton: background delivery failed', error));
    this.served = options.domains.map((entry) => this.serve(entry));
    const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const loop = () => {
      void this.tick().finally(() => {
        if (!this.closed) this.timer = setTimeout(loop, interval);
      });
    };
    this.timer = setTimeout(loop, interval);
  }

  /** Ends the background loop once the delivery under way is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all(this.served.map((served) => served.turn));
  }

  async domains(): Promise<DomainInfo[]> {
    return Promise.all(
      this.served.map(async ({ entry, domain }) => ({
        name: entry.name,
        eventBus: entry.eventBus ?? DEFAULT_EVENT_BUS,
        workflows: await Promise.all(
          entry.workflows.map(async (name) => ({
            name,
            version: (await domain.definitions.latest(name))?.version ?? 'not deployed',
          })),
        ),
        workers: [...domain.workerQueues.keys()],
      })),
    );
  }

  async publish(entries: readonly PutEventEntry[]): Promise<string[]> {
    const ids: string[] = [];
    const touched = new Set<Served>();
    for (const entry of entries) {
      const bus = entry.eventBusName ?? DEFAULT_EVENT_BUS;
      const targets = this.served.filter(
        (served) => entry.eventBusName === undefined || (served.entry.eventBus ?? DEFAULT_EVENT_BUS) === bus,
      );
      if (targets.length === 0) throw new NotFoundError(`No event bus named ${bus}`);
      const id = this.newId();
      const event = {
        version: '0',
        id,
        'detail-type': entry.detailType,
        source: entry.source,
        time: new Date(this.clock.now()).toISOString(),
        resources: [],
        detail: entry.detail,
      };
      for (const served of targets) {
        for (const trigger of served.entry.triggers ?? []) {
          if (trigger.detailType !== entry.detailType) continue;
          if (trigger.source !== undefined && trigger.source !== entry.source) continue;
          served.domain.inbox.send({
            kind: 'StartFromEvent',
            workflow: trigger.workflow,
            ...(trigger.businessKeyPath !== undefined ? { businessKeyPath: trigger.businessKeyPath } : {}),
            event,
          });
        }
        served.domain.inbox.send({ kind: 'EventReceived', event });
        touched.add(served);
      }
      ids.push(id);
    }
    await Promise.all([...touched].map((served) => this.turn(served, () => this.deliverDue(served))));
    return ids;
  }

  async start(request: { workflow: string; input: Json; name?: string; domain?: string }): Promise<string> {
    const served = await this.domainOfWorkflow(request.workflow, request.domain);
    const name = request.name ?? this.newId();
    const executionId = executionIdOf(request.workflow, name);
    if (await this.find(executionId))
      throw new ConflictError(`An execution named ${executionId} already exists`);
    await this.send(served, {
      kind: 'StartExecution',
      workflow: request.workflow,
      name,
      input: request.input,
    });
    return executionId;
  }

  async list(filter: ListFilter): Promise<(ExecutionSummary & { domain: string })[]> {
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
    const pages = await Promise.all(
      this.served.map(async ({ entry, domain }) => {
        const { items } = await domain.store.list({ ...filter, limit });
        return items.map((item) => ({ ...item, domain: entry.name }));
      }),
    );
    return pages
      .flat()
      .sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0))
      .slice(0, limit);
  }

  async describe(executionId: string): Promise<ExecutionDescription> {
    const { served, stored } = await this.require(executionId);
    return describeStored(served.entry.name, served.domain.definitions, stored);
  }

  async history(executionId: string): Promise<HistoryEvent[]> {
    const { served } = await this.require(executionId);
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await served.domain.store.history(executionId, nextToken ? { nextToken } : {});
      events.push(...page.events);
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async redrive(executionId: string): Promise<void> {
    const { served, stored } = await this.require(executionId);
    assertRedrivable(executionId, stored.execution.status);
    const result = await this.send(served, { kind: 'RedriveExecution', executionId });
    if (result?.type === 'ignored') throw new ConflictError(`Execution ${executionId}: nothing to redrive`);
  }

  async rerun(executionId: string, request: { fromState: string; input?: Json }): Promise<string> {
    const { served, stored } = await this.require(executionId);
    const rerun = await rerunMessage(
      stored,
      await this.definitionOf(served, stored),
      request,
      () => this.history(executionId),
      async (candidate) => (await this.find(candidate)) !== undefined,
    );
    await this.send(served, rerun.message);
    return rerun.executionId;
  }

  async stop(executionId: string, request: { compensate?: boolean; cause?: string }): Promise<void> {
    const { served, stored } = await this.require(executionId);
    const result = await this.send(served, stopMessage(executionId, stored.execution.status, request));
    if (result?.type === 'ignored')
      throw new ConflictError(`Execution ${executionId} was not running any more`);
  }

  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    await this.sendTaskResult(taskToken, { kind: 'TaskSucceeded', taskToken, output });
  }

  async sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void> {
    await this.sendTaskResult(taskToken, {
      kind: 'TaskFailed',
      taskToken,
      error,
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    await this.sendTaskResult(taskToken, { kind: 'TaskHeartbeat', taskToken });
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- delivery

  private serve(entry: InProcessDomainEntry): Served {
    const served: Served = {
      entry,
      domain: entry.domain,
      turn: Promise.resolve(),
      announced: entry.domain.results.length,
      resultIndex: new Map(),
    };
    // Which result belongs to which message: the orchestrator's result of a message is pushed right
    // after this hook runs for it, and only when handling it succeeded.
    const previous = entry.domain.beforeHandle;
    entry.domain.beforeHandle = async (message) => {
      served.resultIndex.set(message.id, entry.domain.results.length);
      await previous?.(message);
    };
    return served;
  }

  /** Runs `work` when the domain's previous delivery is over. */
  private turn<T>(served: Served, work: () => Promise<T>): Promise<T> {
    const result = served.turn.then(work);
    served.turn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async tick(): Promise<void> {
    await Promise.all(
      this.served.map((served) =>
        this.turn(served, () => this.deliverDue(served)).catch((error: unknown) => this.onError(error)),
      ),
    );
  }

  /** Moves the virtual clock up to the wall clock, delivers what is due and announces the changes. */
  private async deliverDue(served: Served): Promise<void> {
    const lag = this.clock.now() - served.domain.now();
    if (lag > 0) served.domain.advance(lag);
    try {
      await served.domain.runVisible();
    } finally {
      this.announce(served);
    }
  }

  private announce(served: Served): void {
    const { results } = served.domain;
    for (; served.announced < results.length; served.announced++) {
      const result = results[served.announced];
      if (result?.type !== 'applied') continue;
      for (const listener of this.listeners) {
        try {
          listener({ executionId: result.executionId, status: result.status });
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }

  /**
   * Validates and sends one inbox message, delivers it (and what it causes), and says what came of
   * it. Throws MalformedMessageError for a message the inbox would refuse.
   */
  private async send(served: Served, body: Json): Promise<HandleResult | undefined> {
    parseInboxMessage(body);
    const delivery = await this.turn(served, async () => {
      const messageId = served.domain.inbox.send(body);
      await this.deliverDue(served);
      return this.outcome(served, messageId);
    });
    if (delivery.type === 'rejected') throw delivery.error;
    return delivery.type === 'handled' ? delivery.result : undefined;
  }

  private outcome(served: Served, messageId: string): Delivery {
    const { inbox, failures, results } = served.domain;
    const index = served.resultIndex.get(messageId);
    served.resultIndex.delete(messageId);
    const failure = failures.findLast((candidate) => candidate.messageId === messageId);
    const queued = inbox.messages.find((message) => message.id === messageId);
    if (failure && isPermanent(failure.error)) {
      // It would fail the same way on every redelivery: dead-letter it now and say why.
      if (queued) {
        inbox.delete(queued);
        inbox.deadLetters.push(queued);
      }
      return { type: 'rejected', error: failure.error };
    }
    if (queued) return { type: 'pending' };
    if (failure && inbox.deadLetters.some((message) => message.id === messageId)) {
      return { type: 'rejected', error: failure.error };
    }
    return { type: 'handled', result: index === undefined ? undefined : results[index] };
  }

  private async sendTaskResult(taskToken: string, body: Json): Promise<void> {
    const claims = taskTokenClaims(taskToken);
    const found = claims === undefined ? undefined : await this.find(claims.executionId);
    if (!claims || !found) throw noSuchTask();
    if (!isWaitingFor(found.stored.execution, claims.engineToken)) throw taskNotWaiting();
    let result: HandleResult | undefined;
    try {
      result = await this.send(found.served, body);
    } catch (error) {
      if ((error as Error | undefined)?.name === 'RejectedMessageError') {
        throw new NotFoundError('No task is waiting for this task token (it does not verify)', {
          cause: error,
        });
      }
      throw error;
    }
    // A heartbeat changes nothing when the task has no HeartbeatSeconds; a result must apply.
    if (
      result?.type === 'ignored' &&
      body !== null &&
      (body as { kind?: unknown }).kind !== 'TaskHeartbeat'
    ) {
      throw taskNotWaiting();
    }
  }

  // ---------------------------------------------------------------- lookups

  private async find(executionId: string): Promise<{ served: Served; stored: StoredExecution } | undefined> {
    for (const served of this.served) {
      const stored = await served.domain.store.load(executionId);
      if (stored) return { served, stored };
    }
    return undefined;
  }

  private async require(executionId: string): Promise<{ served: Served; stored: StoredExecution }> {
    const found = await this.find(executionId);
    if (!found) throw noSuchExecution(executionId);
    return found;
  }

  private async domainOfWorkflow(workflow: string, domainName: string | undefined): Promise<Served> {
    const candidates =
      domainName === undefined
        ? this.served
        : this.served.filter((served) => served.entry.name === domainName);
    if (candidates.length === 0) throw new NotFoundError(`No domain named ${domainName}`);
    for (const served of candidates) {
      if (!served.entry.workflows.includes(workflow)) continue;
      if (await served.domain.definitions.latest(workflow)) return served;
    }
    throw new NotFoundError(
      `No workflow named ${workflow}${domainName === undefined ? '' : ` in domain ${domainName}`}`,
    );
  }

  private async definitionOf(served: Served, stored: StoredExecution): Promise<StateMachineDefinition> {
    const definition = await served.domain.definitions.get(stored.workflow);
    if (!definition) {
      throw new NotFoundError(`No definition ${stored.workflow.name}@${stored.workflow.version} is deployed`);
    }
    return definition;
  }
}
