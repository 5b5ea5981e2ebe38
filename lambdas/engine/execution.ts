/**
 * The persisted state of an execution, the events that drive it, the commands it emits and the
 * history it records. Everything here is plain JSON-serialisable data: the orchestrator stores it
 * in DynamoDB, the simulation replays it, tests assert on it.
 */
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
}

/** Where a failed execution resumes on redrive: the root thread's state and its input. */
export interface FailurePoint {
  readonly stateName: string;
  readonly input: Json;
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
      readonly nextIndex: number;
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
    }
  | { readonly type: 'TaskSucceeded'; readonly token: string; readonly output: Json }
  | { readonly type: 'TaskFailed'; readonly token: string; readonly error: string; readonly cause?: string }
  | { readonly type: 'TaskHeartbeat'; readonly token: string }
  | { readonly type: 'TimerFired'; readonly timerId: string }
  | {
      readonly type: 'StopExecution';
      readonly error?: string;
      readonly cause?: string;
      /** Run the saga's compensations before ending. @default false */
      readonly compensate?: boolean;
    }
  | { readonly type: 'RedriveExecution' };

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

/** History event types, named like Step Functions' where one exists. */
export type HistoryEventType =
  | 'ExecutionStarted'
  | 'ExecutionSucceeded'
  | 'ExecutionFailed'
  | 'ExecutionTimedOut'
  | 'ExecutionAborted'
  | 'ExecutionRedriven'
  | `${'Task' | 'Pass' | 'Choice' | 'Wait' | 'Parallel' | 'Map' | 'Succeed' | 'Fail'}StateEntered`
  | `${'Task' | 'Pass' | 'Choice' | 'Wait' | 'Parallel' | 'Map' | 'Succeed'}StateExited`
  | 'TaskScheduled'
  | 'TaskSucceeded'
  | 'TaskFailed'
  | 'TaskTimedOut'
  | 'TaskStateAborted'
  | 'WaitStateAborted'
  | 'ParallelStateStarted'
  | 'ParallelStateSucceeded'
  | 'ParallelStateFailed'
  | 'ParallelStateAborted'
  | 'MapStateStarted'
  | 'MapStateSucceeded'
  | 'MapStateFailed'
  | 'MapStateAborted'
  | 'MapIterationStarted'
  | 'MapIterationSucceeded'
  | 'MapIterationFailed'
  | 'MapIterationAborted'
  | 'StateRetryScheduled'
  | 'CompensationStarted'
  | 'CompensationTaskScheduled'
  | 'CompensationTaskSucceeded'
  | 'CompensationTaskFailed'
  | 'CompensationTaskTimedOut'
  | 'CompensationSucceeded'
  | 'CompensationFailed';

/** One entry of an execution's history. */
export interface HistoryEvent {
  readonly id: number;
  readonly type: HistoryEventType;
  /** ISO 8601. */
  readonly timestamp: string;
  readonly stateName?: string;
  readonly threadId?: string;
  /** Index of the Map iteration or Parallel branch. */
  readonly index?: number;
  readonly input?: Json;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  readonly resource?: string;
  readonly attempt?: number;
  readonly delayMs?: number;
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
