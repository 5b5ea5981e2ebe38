/**
 * The ports of the orchestrator: what the loop needs from the world, as small interfaces. The AWS
 * adapters (`lambdas/aws`) implement them on DynamoDB, SQS, EventBridge, EventBridge Scheduler and
 * S3; the local runtime and the tests implement them in memory. No AWS SDK type appears here.
 *
 * The ports the loop calls return {@link Awaitable} values: a promise from an adapter, a plain
 * value from an in-process wiring that has the answer at once (the loop then needs no microtask).
 */
import type { Awaitable } from './awaitable.js';
import type { StateMachineDefinition } from '../engine/definition.js';
import type { Command, Execution, ExecutionStatus, HistoryEvent } from '../engine/execution.js';
import type { Json } from '../engine/json.js';
import type { MapRunMessage } from './inbox-messages.js';

/** A definition version an execution is pinned to. */
export interface WorkflowRef {
  readonly name: string;
  /** Immutable version id (a content hash). */
  readonly version: string;
}

/** The latest committed state of an execution. */
export interface StoredExecution {
  readonly execution: Execution;
  /** 1 after the first commit, then 2, 3, ...: the guard of the next conditional write. */
  readonly version: number;
  readonly workflow: WorkflowRef;
  readonly businessKey?: string;
  /** Keys of the inbox messages recently applied, with the version each produced (to re-perform an outbox). */
  readonly recentMessages: Readonly<Record<string, number>>;
  /**
   * Keys of every stop and redrive ever applied, with their versions: an operator's message is
   * recognised however late it is delivered again. Few (one per operation). @default {}
   */
  readonly controlMessages?: Readonly<Record<string, number>>;
  /**
   * The X-Ray trace of the invocation that started the execution (`1-xxxxxxxx-...`), so that the
   * CLI and the console can link to it. Each later step is its own trace, linked to this one
   * through the SQS messages between them. @default none: started without tracing
   */
  readonly traceId?: string;
}

/** One transition to commit: the new snapshot, its history events and its commands (the outbox). */
export interface Transition {
  readonly executionId: string;
  /** The version being written: the loaded version + 1 (1 for a new execution). */
  readonly version: number;
  readonly execution: Execution;
  readonly history: readonly HistoryEvent[];
  /** Saved with the commit and performed after it; performed again if a redelivery finds them unperformed. */
  readonly commands: readonly Command[];
  readonly messageId: string;
  readonly workflow: WorkflowRef;
  readonly businessKey?: string;
  readonly recentMessages: Readonly<Record<string, number>>;
  /** See {@link StoredExecution.controlMessages}. */
  readonly controlMessages?: Readonly<Record<string, number>>;
  /** See {@link StoredExecution.traceId}. */
  readonly traceId?: string;
}

/** What the list and search index holds per execution. */
export interface ExecutionSummary {
  readonly executionId: string;
  readonly name: string;
  readonly workflow: string;
  readonly workflowVersion: string;
  readonly status: ExecutionStatus;
  /** ISO 8601. */
  readonly startTime: string;
  readonly stopTime?: string;
  readonly businessKey?: string;
  readonly error?: string;
}

/** Filters of {@link ExecutionStore.list}. Every field narrows the result. */
export interface ExecutionFilter {
  readonly workflow?: string;
  readonly status?: ExecutionStatus;
  /** ISO 8601: only executions started at or after. */
  readonly since?: string;
  readonly businessKey?: string;
  /** @default 50 */
  readonly limit?: number;
  readonly nextToken?: string;
}

/** Persistence of executions. Implementations must make `commit` a single conditional write. */
export interface ExecutionStore {
  /** The latest committed transition, or undefined when the execution does not exist. */
  load(executionId: string): Awaitable<StoredExecution | undefined>;
  /**
   * Writes the transition if and only if the stored version is `transition.version - 1` (or, for
   * version 1, if the execution does not exist). Throws {@link VersionConflictError} otherwise.
   */
  commit(transition: Transition): Awaitable<void>;
  /**
   * The version a message was applied in, searching the `searchVersions` latest versions (a
   * redelivery whose id fell out of `recentMessages`); undefined when not found. Rare path.
   */
  findMessageVersion(
    executionId: string,
    messageId: string,
    searchVersions: number,
  ): Awaitable<number | undefined>;
  /** The commands saved with a past version (to perform them again after a crash). */
  loadCommands(executionId: string, version: number): Awaitable<readonly Command[] | undefined>;
  /** History events in order, page by page; pass the returned `nextToken` to continue. */
  history(executionId: string, page?: { nextToken?: string; limit?: number }): Promise<HistoryPage>;
  list(filter: ExecutionFilter): Promise<{ items: ExecutionSummary[]; nextToken?: string }>;
  /**
   * Writes the list/search index item of an execution. Called after a commit that changed the
   * status, and again when a redelivery re-performs that commit. Never lets an older version
   * overwrite a newer one.
   */
  writeIndex(summary: ExecutionSummary, version: number): Awaitable<void>;
}

/** Large blobs (snapshots and payloads over the item threshold), by key. */
export interface PayloadStore {
  put(key: string, body: Uint8Array): Promise<void>;
  /** Throws when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
}

/** A page of history. */
export interface HistoryPage {
  readonly events: HistoryEvent[];
  readonly nextToken?: string;
}

/** Immutable, versioned workflow definitions. */
export interface DefinitionStore {
  /** Stores a definition as a new version (or returns the existing one with the same content). */
  put(name: string, definition: StateMachineDefinition): Promise<WorkflowRef>;
  get(ref: WorkflowRef): Awaitable<StateMachineDefinition | undefined>;
  /** The version new executions of `name` start on. */
  latest(name: string): Awaitable<WorkflowRef | undefined>;
}

/** A task to send to a worker (or a service integration). */
export interface TaskDispatch {
  readonly executionId: string;
  readonly workflow: string;
  /** Signed token the worker reports back with. */
  readonly taskToken: string;
  readonly command: Extract<Command, { type: 'DispatchTask' }>;
  /** X-Ray trace header to propagate, when tracing. */
  readonly traceHeader?: string;
}

/** A task aborted after its target took it (a child execution), to cancel there. */
export interface TaskCancellation {
  readonly executionId: string;
  readonly command: Extract<Command, { type: 'CancelTask' }>;
  readonly traceHeader?: string;
}

/** Performs DispatchTask commands. At-least-once: the same dispatch may be performed twice. */
export interface TaskDispatcher {
  dispatch(task: TaskDispatch): Awaitable<void>;
  /**
   * Cancels a task at its target (stops a child execution). At-least-once, and harmless on a task
   * that already ended there. @default tasks are not cancelled at their target
   */
  cancelTask?(task: TaskCancellation): Awaitable<void>;
  /**
   * Looks at a `.sync` job again (a PollTask message, for a task that still waits for it): reports
   * the task's result when the job ended, else sends the next PollTask, delayed.
   * @default jobs are not awaited: such tasks fail when dispatched
   */
  pollTask?(poll: TaskPoll): Awaitable<void>;
}

/** A `.sync` job to look at again. */
export interface TaskPoll {
  readonly executionId: string;
  /** The signed token its result is reported with. */
  readonly taskToken: string;
  readonly resource: string;
  /** What the start call answered (the job's id). */
  readonly started: Json;
  /** How many looks came before this one. */
  readonly polls: number;
  readonly traceHeader?: string;
}

/**
 * Distributed Map runs (`distributed-map/map-runs.ts`): started and cancelled by the task router,
 * driven by their internal inbox messages. A port so that the Lambda loads them on first use.
 */
export interface MapRunPerformer {
  /** Starts the run a Distributed Map state dispatched. At-least-once, idempotent. */
  start(task: TaskDispatch): Promise<void>;
  /** Aborts the run of a task that no longer waits for it. At-least-once. */
  cancel(cancellation: TaskCancellation): Promise<void>;
  /**
   * Performs one internal message; answers what it did, for the log. `deadline` (epoch ms): when
   * the invocation ends; a tick stops reading items well before. @default no limit
   */
  handle(message: MapRunMessage, options?: { readonly deadline?: number }): Promise<string>;
  /** Reports the end of a Map Run's STANDARD child (its terminal transition's ReportToParent). */
  childEnd(command: Extract<Command, { type: 'ReportToParent' }>): Promise<void>;
}

/** An event for the domain bus. */
export interface DomainEvent {
  /** Deterministic id, so consumers can drop duplicates. */
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Json;
  readonly traceHeader?: string;
}

/** Publishes domain events. At-least-once. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Awaitable<void>;
}

/** Durable timers that come back to the inbox as TimerFired messages. At-least-once; firing late is allowed, early is not. */
export interface TimerScheduler {
  schedule(timer: {
    executionId: string;
    timerId: string;
    fireAt: number;
    traceHeader?: string;
  }): Awaitable<void>;
  /** Best effort: a stale timer that fires anyway is ignored by the engine. */
  cancel(timer: { executionId: string; timerId: string }): Awaitable<void>;
}

/** A message for the orchestrator's inbox (task results of service integrations, timers). */
export interface InboxSender {
  /** Sends `body` (an inbox message) to the inbox, after `delaySeconds` (0-900). */
  send(
    body: Json,
    options?: { delaySeconds?: number; traceHeader?: string; deduplicationId?: string },
  ): Promise<void>;
  /**
   * Sends several messages at once (SQS SendMessageBatch, 10 a request). At-least-once: a message
   * may arrive twice. @default each is sent with {@link send}
   */
  sendBatch?(bodies: readonly Json[]): Promise<void>;
}

/** A task waiting for a correlated event. */
export interface WaitingTask {
  readonly taskToken: string;
  /** When the task first registered (epoch ms): the events it may end with are those alive then. */
  readonly registeredAt: number;
}

/** An event kept for waits that come later. */
export interface KeptEvent {
  readonly event: Json;
  /** When it was first kept (epoch ms). */
  readonly keptAt: number;
  /** Until when a wait may end with it (epoch ms): a wait that registered later does not see it. */
  readonly expiresAt: number;
}

/**
 * Tasks waiting for correlated events, and events kept for waits that come later. Both sides
 * write first and read second, so an event and its wait always find each other whatever their
 * order; a duplicate delivery is harmless (the engine applies a result once).
 */
export interface CorrelationStore {
  /**
   * Registers a task waiting on `key` until `expiresAt` (epoch ms). Idempotent: registering again
   * changes nothing and answers the time of the first registration.
   */
  register(key: string, taskToken: string, expiresAt: number): Promise<number>;
  /** Removes a registration once its task was completed. */
  unregister(key: string, taskToken: string): Promise<void>;
  /** The tasks waiting on `key` (registrations not expired). */
  waiting(key: string): Promise<WaitingTask[]>;
  /**
   * Keeps an event for waits on `key` until `expiresAt`. Idempotent per event id: the first keep's
   * time and expiry stay.
   */
  keepEvent(key: string, eventId: string, event: Json, expiresAt: number): Promise<void>;
  /**
   * The events kept for `key`, oldest first (by first keep, ties by event id). Events whose
   * `expiresAt` passed are still answered for a day (`KEPT_EVENT_GRACE_MS`: a wait whose read came
   * late, after a crash, still sees what was alive when it registered); `firstEventFor` picks a
   * wait's event.
   */
  keptEvents(key: string): Promise<KeptEvent[]>;
}

/** Epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** The ports the orchestrator loop needs. */
export interface OrchestratorPorts {
  readonly store: ExecutionStore;
  readonly definitions: DefinitionStore;
  readonly tasks: TaskDispatcher;
  readonly events: EventPublisher;
  readonly timers: TimerScheduler;
  readonly clock: Clock;
  /**
   * Where `baton:waitForEvent` tasks wait for their correlated events. Without it they are
   * dispatched through `tasks` like any other task (runWorkflow's task functions take them).
   */
  readonly correlations?: CorrelationStore;
  /** Where the loop sends results it produces itself (a correlated event's arrival). */
  readonly inbox?: InboxSender;
  /**
   * The inbox of another domain, by name or by the address its parent gave (`replyTo`): where a
   * child execution started by that domain's execution reports its end.
   * @default none: only children of this domain's executions report
   */
  readonly domainInboxes?: (domain: string, replyTo: string | undefined) => InboxSender | undefined;
  /** Distributed Map runs. @default none: their messages are rejected, their states fail */
  readonly mapRuns?: MapRunPerformer;
}

/** The stored version moved on since it was loaded: re-read and decide again. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly executionId: string,
    readonly expectedVersion: number,
    options?: { cause?: unknown },
  ) {
    super(`Execution ${executionId} is no longer at version ${expectedVersion}`, options);
  }
}

/**
 * The store cannot hold a transition (its snapshot is over the item limit and there is nowhere to
 * offload it). The loop then decides a smaller transition instead: the task whose result made the
 * state too large fails with `States.DataLimitExceeded`, or the execution stops with that error.
 */
export class TransitionTooLargeError extends Error {
  override readonly name: string = 'TransitionTooLargeError';
  constructor(
    readonly executionId: string,
    readonly version: number,
    /** Encoded size of the snapshot, in bytes. */
    readonly sizeBytes: number,
    /** The largest size the store holds, in bytes. */
    readonly limitBytes: number,
    message?: string,
  ) {
    super(
      message ??
        `Execution ${executionId} version ${version} is ${sizeBytes} bytes encoded, over the store's limit of ${limitBytes}`,
    );
  }
}

/** A store or transport failed in a way a retry may fix (throttling, a 5xx). */
export class TransientStoreError extends Error {
  override readonly name = 'TransientStoreError';
}
