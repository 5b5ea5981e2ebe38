/**
 * The persisted state of an execution, the events that drive it, the commands it emits and the
 * history it records. Everything here is plain JSON-serialisable data: the orchestrator stores it
 * in DynamoDB, the simulation replays it, tests assert on it.
 */
import type { StateType } from './definition.js';
import type { Json } from './json.js';

/** Every status an execution can have. Terminal: all but RUNNING and COMPENSATING. */
export const ExecutionStatus = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'ABORTED',
  /** The saga failed and its compensations are running. */
  COMPENSATING: 'COMPENSATING',
  /** The saga failed and every compensation succeeded. */
  COMPENSATED: 'COMPENSATED',
  /** The saga failed and a compensation failed after its retries. */
  COMPENSATION_FAILED: 'COMPENSATION_FAILED',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

/** The statuses in which an execution no longer changes (except by redrive). */
export type TerminalStatus = Exclude<ExecutionStatus, 'RUNNING' | 'COMPENSATING'>;

/** True when `status` is terminal. */
export function isTerminal(status: ExecutionStatus): status is TerminalStatus {
  return status !== ExecutionStatus.RUNNING && status !== ExecutionStatus.COMPENSATING;
}

/** The state of one execution. */
export interface Execution {
  readonly executionId: string;
  readonly name: string;
  readonly stateMachineName: string;
  readonly status: ExecutionStatus;
  readonly input: Json;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** Epoch milliseconds. */
  readonly startTime: number;
  readonly stopTime?: number;
  /** Seed of every random draw (jitter, States.MathRandom, States.UUID). */
  readonly seed: string;
  /** Counter behind every generated id and random draw, so that the same inputs give the same ids. */
  readonly sequence: number;
  /** Id of the last history event. */
  readonly lastEventId: number;
  /** Running threads: the machine itself, each Parallel branch and each Map iteration. */
  readonly threads: Readonly<Record<string, Thread>>;
  readonly saga: SagaState;
  readonly redriveCount: number;
  /** Where the execution failed, so that a redrive can resume there. */
  readonly failure?: FailurePoint;
  /**
   * Workflow variables (`Assign`), one frame per thread that assigned some: the machine's under
   * `root`, each Parallel branch's and Map iteration's under its thread id (a thread reads its own
   * frame, then its ancestors'). Absent until a state assigns a variable.
   */
  readonly variables?: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  /** The execution that started this one (`states:startExecution`). @default none: started on its own */
  readonly parent?: ParentLink;
}

/**
 * The execution that started another as its child (`arn:aws:states:::states:startExecution`), as
 * the child keeps it: what the console and the CLI show, and where the child's end is reported
 * when the parent waits for it.
 */
export interface ParentLink {
  readonly executionId: string;
  /** The parent's domain, when it is another domain's execution. @default the child's own domain */
  readonly domain?: string;
  /** How the parent waits: not (`requestResponse`), for the end (`sync`, `sync:2`), for a token. */
  readonly integration: 'requestResponse' | 'sync' | 'sync:2' | 'waitForTaskToken';
  /** The state machine ARN the parent named the child by (its qualifier, if any, left out). */
  readonly stateMachineArn: string;
  /** The child's own ARN, as the parent's task result gave it. */
  readonly executionArn: string;
  /**
   * Where the child reports its end, for a parent in another domain whose inbox the child's wiring
   * does not know by name (on AWS: the parent's public inbox URL). @default the parent's domain
   */
  readonly replyTo?: string;
  /**
   * The parent task's token, when the parent waits for the child to end (`.sync`, `.sync:2`): the
   * child's end is reported with it. @default none: the parent does not wait for the end
   */
  readonly taskToken?: string;
  /**
   * Set for a Distributed Map's child: its end is recorded in the Map Run (its chunk, its number
   * and its items). @default none
   */
  readonly mapRun?: {
    readonly mapRunId: string;
    readonly chunk: number;
    readonly child: number;
    readonly firstItem: number;
    readonly items: number;
  };
}

/** Where a failed execution resumes on redrive: the root thread's state and its input. */
export interface FailurePoint {
  readonly stateName: string;
  readonly input: Json;
  /**
   * When that state is a Parallel or Map that did not finish: what its branches or iterations had
   * done. A redrive runs again only those that failed, were aborted or had not started (as Step
   * Functions' RedriveExecution does), each from where it stood.
   */
  readonly branches?: BranchesPoint;
  /**
   * A Parallel branch's or Map iteration's own variables as they stood, restored when a redrive
   * resumes it (the machine's own variables stay in the execution). @default none assigned
   */
  readonly variables?: Readonly<Record<string, Json>>;
}

/** The branches (Parallel) or iterations (Map) of a state that did not finish. */
export interface BranchesPoint {
  readonly type: 'Parallel' | 'Map';
  /** The indices of the branches or iterations that succeeded, in order. */
  readonly succeeded: readonly number[];
  /** Their outputs, in the same order as `succeeded`. */
  readonly results: readonly Json[];
  /** Where each branch or iteration that started and did not succeed stood, by index. */
  readonly resume: Readonly<Record<string, FailurePoint>>;
  /** Map only: each iteration's input (ItemSelector applied), and MaxConcurrency. */
  readonly itemInputs?: readonly Json[];
  readonly maxConcurrency?: number;
  /**
   * Distributed Map only: the Map Run that failed or was stopped; a redrive redrives it (only its
   * failed and pending items run again). @default none
   */
  readonly mapRunArn?: string;
}

/** A sequence of states being run: the machine (`root`), a Parallel branch or a Map iteration. */
export interface Thread {
  readonly id: string;
  /** Key of the scope (States container) the thread walks. */
  readonly scope: string;
  /** The Parallel or Map state that owns this thread, and the slot of its result. */
  readonly parent?: { readonly threadId: string; readonly index: number };
  /** The state currently being run. */
  readonly active: ActiveState;
}

/** The state a thread is in, and what it waits for. */
export interface ActiveState {
  readonly name: string;
  /** Unique within the execution; tokens and idempotency keys derive from it. */
  readonly entryId: string;
  /** The raw state input. */
  readonly input: Json;
  /** Epoch milliseconds. */
  readonly enteredAt: number;
  /** How often each retrier of the state has fired since the state was entered. */
  readonly retryCounts: readonly number[];
  /** 1 for the first try, then 2, 3, ... across all retriers. */
  readonly attempt: number;
  readonly waiting: Waiting;
  /** A Parallel or Map state that failed: what its branches had done, for a redrive. */
  readonly unfinished?: BranchesPoint;
}

/** What a thread's active state waits for. */
export type Waiting =
  | {
      readonly type: 'Task';
      readonly token: string;
      readonly resource: string;
      /** The task's deadline (TimeoutSeconds), epoch ms. */
      readonly timeoutAt?: number;
      readonly heartbeatMs?: number;
      readonly lastHeartbeatAt: number;
      /** Due time of the heartbeat timer now scheduled: only that timer counts (older ones are stale). */
      readonly heartbeatTimerAt?: number;
      /**
       * What the task's target answered when it took the task (a child execution's ARN): set by
       * TaskSubmitted. A task aborted after it was submitted is cancelled at its target.
       * @default absent: not reported submitted
       */
      readonly submitted?: Json;
    }
  | { readonly type: 'Retry'; readonly timerId: string }
  | { readonly type: 'Wait'; readonly timerId: string }
  | {
      readonly type: 'Parallel';
      readonly children: readonly string[];
      readonly results: readonly (Json | undefined)[];
      readonly remaining: number;
    }
  | {
      readonly type: 'Map';
      readonly items: readonly Json[];
      /** Input each iteration receives (ItemSelector already applied). */
      readonly itemInputs: readonly Json[];
      /** Items from this index on have not started. */
      readonly nextIndex: number;
      /** Items before `nextIndex` that have not started either, started first (a redriven Map). */
      readonly queue?: readonly number[];
      readonly running: number;
      readonly maxConcurrency: number;
      readonly results: readonly (Json | undefined)[];
      readonly remaining: number;
    }
  /** The state is not entered yet: the thread yielded after many synchronous transitions. */
  | { readonly type: 'Yield'; readonly timerId: string }
  /** The state is running synchronously within the current decision. */
  | { readonly type: 'None' };

/** A compensation waiting on the saga's stack. */
export interface CompensationEntry {
  /** The entry id of the Task state that succeeded. */
  readonly entryId: string;
  readonly scope: string;
  readonly stateName: string;
  /** `{ Input, Result }`: the step's raw input and its result after ResultSelector. */
  readonly document: Json;
}

/** The saga: what to undo, and the compensation under way. */
export interface SagaState {
  /** Compensations of completed steps, in completion order (undone in reverse). */
  readonly stack: readonly CompensationEntry[];
  /** The compensation running now. */
  readonly active?: ActiveCompensation;
  /** How many entries, from the top of the stack, have been compensated. */
  readonly compensated: number;
  /** The compensation that failed, when status is COMPENSATION_FAILED. */
  readonly failed?: { readonly stateName: string; readonly error: string; readonly cause: string };
}

/** A compensation task in flight or waiting to retry. */
export interface ActiveCompensation {
  readonly entryId: string;
  readonly attempt: number;
  readonly retryCounts: readonly number[];
  readonly token?: string;
  readonly timerId?: string;
  readonly timeoutAt?: number;
  readonly heartbeatMs?: number;
  readonly lastHeartbeatAt: number;
  /** Due time of the heartbeat timer now scheduled. */
  readonly heartbeatTimerAt?: number;
  readonly startedAt: number;
}

/** What drives an execution. */
export type ExecutionEvent =
  | {
      readonly type: 'StartExecution';
      readonly executionId: string;
      readonly name: string;
      readonly input: Json;
      /** Seed of random draws. @default the execution id */
      readonly seed?: string;
      /** Start at this top-level state instead of StartAt (a rerun from a state). */
      readonly startAt?: string;
      /** The execution that starts this one as its child. @default none */
      readonly parent?: ParentLink;
    }
  /**
   * The task's target took the task and answered `output` (a child execution started): recorded,
   * and kept so that the task is cancelled there if it is aborted. The result comes later.
   */
  | { readonly type: 'TaskSubmitted'; readonly token: string; readonly output: Json }
  | { readonly type: 'TaskSucceeded'; readonly token: string; readonly output: Json }
  | { readonly type: 'TaskFailed'; readonly token: string; readonly error: string; readonly cause?: string }
  | {
      readonly type: 'TaskHeartbeat';
      readonly token: string;
      /**
       * When the heartbeat was sent (epoch ms; SQS's SentTimestamp, which a redelivery keeps): a
       * heartbeat no later than the last one counted changes nothing, however late it comes again.
       * @default the decision's clock reading
       */
      readonly sentAt?: number;
    }
  | { readonly type: 'TimerFired'; readonly timerId: string }
  | {
      readonly type: 'StopExecution';
      readonly error?: string;
      readonly cause?: string;
      /** Run the saga's compensations before ending. @default false */
      readonly compensate?: boolean;
      /**
       * The run it was meant for (the execution's `redriveCount` when it was asked for): a stop
       * meant for an earlier run, delivered late, changes nothing. @default the current run
       */
      readonly run?: number;
    }
  | {
      readonly type: 'RedriveExecution';
      /** The run it redrives (the `redriveCount` when it was asked for): a second delivery, after
       * the redriven run failed in its turn, changes nothing. @default the current run */
      readonly run?: number;
    };

/** What the shell must do after committing a decision. Each carries a deterministic id. */
export type Command =
  | {
      readonly type: 'DispatchTask';
      /** Identifies this attempt; the result must come back with it. */
      readonly token: string;
      readonly resource: string;
      readonly input: Json;
      readonly stateName: string;
      /** 1-based. */
      readonly attempt: number;
      /** The same for every attempt of one entry into the state: for workers' idempotency. */
      readonly idempotencyKey: string;
      readonly timeoutSeconds?: number;
      readonly heartbeatSeconds?: number;
      /** True for a saga compensation. */
      readonly compensation: boolean;
    }
  | { readonly type: 'ScheduleTimer'; readonly timerId: string; readonly fireAt: number }
  | { readonly type: 'CancelTimer'; readonly timerId: string }
  | {
      readonly type: 'PublishEvent';
      readonly eventId: string;
      readonly detailType: LifecycleDetailType;
      readonly detail: Json;
    }
  /**
   * A child execution ended while its parent waits for it (`.sync`, `.sync:2`): report the end to
   * the parent task (`parent.taskToken`). Emitted with the child's terminal transition.
   */
  | {
      readonly type: 'ReportToParent';
      readonly parent: ParentLink;
      readonly status: TerminalStatus;
      readonly input: Json;
      readonly output?: Json;
      readonly error?: string;
      readonly cause?: string;
      /** Epoch ms. */
      readonly startTime: number;
      readonly stopTime: number;
      readonly redriveCount: number;
    }
  /**
   * A task submitted to its target (a child execution) was aborted with its state: cancel it
   * there (stop the child). `submitted` is what the target answered when it took the task.
   */
  | {
      readonly type: 'CancelTask';
      readonly token: string;
      readonly resource: string;
      readonly submitted: Json;
    };

/** Detail-types of the lifecycle events an execution publishes. */
export type LifecycleDetailType =
  | 'Execution Started'
  | 'Execution Succeeded'
  | 'Execution Failed'
  | 'Execution Timed Out'
  | 'Execution Aborted'
  | 'Execution Compensated'
  | 'Execution Compensation Failed';

/** The fields every history event has. */
interface HistoryEventBase<T extends string> {
  readonly id: number;
  readonly type: T;
  /** ISO 8601. */
  readonly timestamp: string;
}

/** The fields of an event about a state of a thread. */
interface ThreadStateFields {
  readonly stateName: string;
  readonly threadId: string;
}

/** The state types whose Catch may exit them with an error (their exit then carries it). */
type CatchingStateType = 'Task' | 'Parallel' | 'Map';

/** The execution started with `input`. */
export interface ExecutionStartedEvent extends HistoryEventBase<'ExecutionStarted'> {
  readonly input: Json;
  /**
   * Present when the input was over the payload limit: it is not kept (`input` is null) and the
   * execution fails with `States.DataLimitExceeded`. Named as Step Functions' `inputDetails`.
   * @default absent: `input` is the execution's input
   */
  readonly inputDetails?: { readonly truncated: true };
}

/** The execution succeeded with `output`. */
export interface ExecutionSucceededEvent extends HistoryEventBase<'ExecutionSucceeded'> {
  readonly output: Json;
}

/** The execution ended failed, timed out or aborted (no compensation ran, or none was pending). */
export interface ExecutionEndedEvent extends HistoryEventBase<
  'ExecutionFailed' | 'ExecutionTimedOut' | 'ExecutionAborted'
> {
  /** Absent when the execution failed at a Fail state with no Error, as Step Functions records it. */
  readonly error?: string;
  /** Absent when the failure has no cause (a Fail state with no Cause). */
  readonly cause?: string;
}

/** A failed execution (or a saga whose compensation failed) was redriven. */
export type ExecutionRedrivenEvent = HistoryEventBase<'ExecutionRedriven'>;

/** A thread entered a state with its raw `input`. */
export interface StateEnteredEvent extends HistoryEventBase<`${StateType}StateEntered`>, ThreadStateFields {
  readonly input: Json;
}

/**
 * A Task, Parallel or Map state exited with `output`; with `error` and `cause` when a Catch
 * handled its failure.
 */
export interface CatchingStateExitedEvent
  extends HistoryEventBase<`${CatchingStateType}StateExited`>, ThreadStateFields {
  readonly output: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The variables the state (or the catcher) assigned, each as its JSON text, as Step Functions reports them. */
  readonly assignedVariables?: Readonly<Record<string, string>>;
}

/**
 * A JSONata expression of a state failed, returned nothing or gave a value its field cannot take
 * (Step Functions' `EvaluationFailed`); `States.QueryEvaluationError` follows, for Retry and Catch.
 */
export interface EvaluationFailedEvent extends HistoryEventBase<'EvaluationFailed'>, ThreadStateFields {
  readonly error: string;
  readonly cause: string;
  /** The field, as Step Functions names it: `Arguments/id`, `Output`, `Choices[0]/Condition`. */
  readonly location: string;
}

/** A Pass, Choice, Wait or Succeed state exited with `output`. */
export interface StateExitedEvent
  extends
    HistoryEventBase<`${Exclude<StateType, CatchingStateType | 'Fail'>}StateExited`>,
    ThreadStateFields {
  readonly output: Json;
  /** The variables the state assigned, each as its JSON text, as Step Functions reports them. */
  readonly assignedVariables?: Readonly<Record<string, string>>;
}

/** A task attempt was dispatched. */
export interface TaskScheduledEvent extends HistoryEventBase<'TaskScheduled'>, ThreadStateFields {
  readonly input: Json;
  readonly resource: string;
  /** 1-based. */
  readonly attempt: number;
}

/** A task attempt was taken by its target, which answered `output` (a child execution's ARN). */
export interface TaskSubmittedEvent extends HistoryEventBase<'TaskSubmitted'>, ThreadStateFields {
  readonly output: Json;
  readonly resource: string;
}

/** A task attempt succeeded with `output` (before ResultSelector). */
export interface TaskSucceededEvent extends HistoryEventBase<'TaskSucceeded'>, ThreadStateFields {
  readonly output: Json;
  readonly resource: string;
}

/** A task attempt failed. */
export interface TaskFailedEvent extends HistoryEventBase<'TaskFailed'>, ThreadStateFields {
  readonly error: string;
  readonly cause: string;
  readonly resource: string;
}

/** A task attempt passed its TimeoutSeconds or HeartbeatSeconds. */
export interface TaskTimedOutEvent extends HistoryEventBase<'TaskTimedOut'>, ThreadStateFields {
  readonly error: string;
  readonly resource: string;
}

/** A state stopped with its thread, or started or succeeded as a whole (Parallel, Map). */
export interface StateProgressEvent
  extends
    HistoryEventBase<
      | 'TaskStateAborted'
      | 'WaitStateAborted'
      | 'ParallelStateAborted'
      | 'MapStateAborted'
      | 'ParallelStateStarted'
      | 'ParallelStateSucceeded'
      | 'MapStateStarted'
      | 'MapStateSucceeded'
    >,
    ThreadStateFields {}

/** A Distributed Map's run started (its ARN), succeeded or was aborted. */
export interface MapRunEvent
  extends HistoryEventBase<'MapRunStarted' | 'MapRunSucceeded' | 'MapRunAborted'>, ThreadStateFields {
  /** MapRunStarted: the Map Run's ARN. */
  readonly mapRunArn?: string;
}

/** A Distributed Map's run failed (`States.ExceedToleratedFailureThreshold`, a reader's failure...). */
export interface MapRunFailedEvent extends HistoryEventBase<'MapRunFailed'>, ThreadStateFields {
  readonly error: string;
  readonly cause: string;
}

/** A Parallel or Map state failed because a branch or an iteration did. */
export interface AggregateStateFailedEvent
  extends HistoryEventBase<'ParallelStateFailed' | 'MapStateFailed'>, ThreadStateFields {
  /** Absent when a branch or iteration failed at a Fail state with no Error. */
  readonly error?: string;
  readonly cause?: string;
}

/** A Map iteration (the thread `threadId`) started, succeeded or was aborted. */
export interface MapIterationEvent
  extends
    HistoryEventBase<'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationAborted'>,
    ThreadStateFields {
  /** Index of the item. */
  readonly index: number;
}

/** A Map iteration failed with an error it did not handle. */
export interface MapIterationFailedEvent extends HistoryEventBase<'MapIterationFailed'>, ThreadStateFields {
  /** Index of the item. */
  readonly index: number;
  /** Absent when the iteration failed at a Fail state with no Error. */
  readonly error?: string;
  readonly cause?: string;
}

/** A state's (or a compensation's) retrier fired: `attempt` runs after `delayMs`. */
export interface StateRetryScheduledEvent extends HistoryEventBase<'StateRetryScheduled'> {
  readonly stateName: string;
  /** Absent for a compensation's retry, which runs on no thread. */
  readonly threadId?: string;
  /** Absent when a branch or iteration failed at a Fail state with no Error (States.ALL retries it). */
  readonly error?: string;
  readonly cause?: string;
  readonly attempt: number;
  readonly delayMs: number;
}

/** The saga began to unwind after the execution failed with `error`. */
export interface CompensationStartedEvent extends HistoryEventBase<'CompensationStarted'> {
  /** Absent when the execution failed at a Fail state with no Error. */
  readonly error?: string;
  readonly cause?: string;
}

/** A compensation task attempt was dispatched. */
export interface CompensationTaskScheduledEvent extends HistoryEventBase<'CompensationTaskScheduled'> {
  readonly stateName: string;
  readonly input: Json;
  readonly resource: string;
  readonly attempt: number;
}

/** A compensation task succeeded. */
export interface CompensationTaskSucceededEvent extends HistoryEventBase<'CompensationTaskSucceeded'> {
  readonly stateName: string;
}

/** A compensation task attempt failed, or its saga failed on it. */
export interface CompensationTaskFailedEvent extends HistoryEventBase<
  'CompensationTaskFailed' | 'CompensationFailed'
> {
  readonly stateName: string;
  readonly error: string;
  readonly cause: string;
}

/** A compensation task attempt passed its TimeoutSeconds or HeartbeatSeconds. */
export interface CompensationTaskTimedOutEvent extends HistoryEventBase<'CompensationTaskTimedOut'> {
  readonly stateName: string;
  readonly error: string;
}

/** Every compensation succeeded: the execution is COMPENSATED; the original failure is repeated. */
export interface CompensationSucceededEvent extends HistoryEventBase<'CompensationSucceeded'> {
  readonly error?: string;
  readonly cause?: string;
}

/**
 * One entry of an execution's history: a union discriminated on `type`, named like Step
 * Functions' history events where one exists. Each carries exactly its own fields; stored
 * histories and the HTTP API hold this JSON as is.
 */
export type HistoryEvent =
  | ExecutionStartedEvent
  | ExecutionSucceededEvent
  | ExecutionEndedEvent
  | ExecutionRedrivenEvent
  | StateEnteredEvent
  | CatchingStateExitedEvent
  | StateExitedEvent
  | TaskScheduledEvent
  | TaskSubmittedEvent
  | TaskSucceededEvent
  | TaskFailedEvent
  | TaskTimedOutEvent
  | StateProgressEvent
  | AggregateStateFailedEvent
  | MapIterationEvent
  | MapIterationFailedEvent
  | MapRunEvent
  | MapRunFailedEvent
  | StateRetryScheduledEvent
  | CompensationStartedEvent
  | CompensationTaskScheduledEvent
  | CompensationTaskSucceededEvent
  | CompensationTaskFailedEvent
  | CompensationTaskTimedOutEvent
  | CompensationSucceededEvent
  | EvaluationFailedEvent;

/** History event types. */
export type HistoryEventType = HistoryEvent['type'];

/** The history event of type `T`. */
export type HistoryEventOf<T extends HistoryEventType> = HistoryEvent extends infer E
  ? E extends { readonly type: infer K }
    ? T extends K
      ? E
      : never
    : never
  : never;

/** The fields of the history event of type `T` besides those every event has (`id`, `type`, `timestamp`). */
export type HistoryEventFields<T extends HistoryEventType> =
  HistoryEventOf<T> extends infer E
    ? E extends unknown
      ? Omit<E, 'id' | 'type' | 'timestamp'>
      : never
    : never;

/** The scheduling and the outcome of a task's or a compensation's attempt. */
export type TaskAttemptEvent = HistoryEventOf<TaskAttemptType> & { readonly type: TaskAttemptType };
type TaskAttemptType = (typeof TASK_ATTEMPT_TYPES)[number];

const TASK_ATTEMPT_TYPES = [
  'TaskScheduled',
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'CompensationTaskScheduled',
  'CompensationTaskSucceeded',
  'CompensationTaskFailed',
  'CompensationTaskTimedOut',
] as const satisfies readonly HistoryEventType[];
const TASK_ATTEMPT_TYPE_SET: ReadonlySet<HistoryEventType> = new Set(TASK_ATTEMPT_TYPES);

/** Whether the event schedules a task or compensation attempt or records its outcome. */
export function isTaskAttemptEvent(event: HistoryEvent): event is TaskAttemptEvent {
  return TASK_ATTEMPT_TYPE_SET.has(event.type);
}

/** A thread entered a state (of any type): the event that starts each run of a state. */
export function isStateEntered(event: HistoryEvent): event is StateEnteredEvent {
  // No other event type ends so: `${StateType}StateEntered` are StateEnteredEvent's types only.
  return event.type.endsWith('StateEntered');
}

/**
 * The state an event is about: every event of a state, a task or a compensation has one; events
 * of the execution as a whole (its start, end and redrive; the saga's start and success) do not.
 */
export function eventStateName(event: HistoryEvent): string | undefined {
  return 'stateName' in event ? event.stateName : undefined;
}

/** The thread an event happened on (absent for events of the execution as a whole and for compensations). */
export function eventThreadId(event: HistoryEvent): string | undefined {
  return 'threadId' in event ? event.threadId : undefined;
}

/**
 * An error name and a cause, each left out when absent (a Fail state may give neither), so that
 * stored events and lifecycle details carry no undefined fields.
 */
export function errorDetails(
  error: string | undefined,
  cause: string | undefined,
): { readonly error?: string; readonly cause?: string } {
  if (error !== undefined && cause !== undefined) return { error, cause };
  if (error !== undefined) return { error };
  if (cause !== undefined) return { cause };
  return {};
}

/** The error an event carries, if any: a failure, a time-out, an error a Catch took, a retry's cause. */
export function eventError(event: HistoryEvent): string | undefined {
  return 'error' in event ? event.error : undefined;
}

/** The cause that goes with `eventError`, if the event carries one (time-outs carry only the error). */
export function eventCause(event: HistoryEvent): string | undefined {
  return 'cause' in event ? event.cause : undefined;
}

/** What `decide` returns: the new state, the commands to perform after committing it, the new history. */
export interface Decision {
  /**
   * False when the event changed nothing (a duplicate, a stale result or timer): there is nothing
   * to commit. A heartbeat changes the state without recording history or emitting commands.
   */
  readonly changed: boolean;
  readonly execution: Execution;
  readonly commands: readonly Command[];
  readonly history: readonly HistoryEvent[];
}

/**
 * Whether the execution still waits for the task attempt `token` and its target took it (it was
 * reported submitted): what a `.sync` job's next look needs to be worth making.
 */
export function awaitsSubmittedTask(execution: Execution, token: string): boolean {
  if (execution.status !== 'RUNNING') return false;
  for (const thread of Object.values(execution.threads)) {
    const { waiting } = thread.active;
    if (waiting.type === 'Task' && waiting.token === token) return waiting.submitted !== undefined;
  }
  return false;
}
