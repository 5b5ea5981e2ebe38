/**
 * The invariants a simulated run must keep, checked over what the world recorded: the stored
 * histories, every commit, the workers' own logs of side effects, the queues and the DLQs.
 *
 * Pure: `checkRun(record)` looks at data only, so tests can hand it a broken history, a doubly
 * applied result or a skipped compensation and watch it fail.
 *
 * What "exactly once" means here: workers are at-least-once (they see duplicates and redeliveries),
 * so the simulated workers keep their side effects idempotent on the idempotency key the engine
 * gives them, as a real worker must. The invariants then hold the *engine* to its part: it applies
 * each result at most once, records each completed compensable step once, and asks for each
 * completed step to be undone exactly once, in reverse order of completion, when the saga fails.
 */
import type { StateDefinition, StateMachineDefinition } from '../../lambdas/engine/definition.js';
import {
  eventCause,
  eventError,
  eventThreadId,
  isStateEntered,
  isTerminal,
  type CompensationTaskScheduledEvent,
  type ExecutionStatus,
  type HistoryEvent,
  type HistoryEventType,
  type TaskScheduledEvent,
} from '../../lambdas/engine/execution.js';
import { isJsonObject, type Json, type JsonObject } from '../../lambdas/engine/json.js';
import { WAIT_FOR_EVENT_RESOURCE } from '../../lambdas/contract/task-resources.js';

/** The names of the invariants, as a failing seed reports them. */
export const Invariant = {
  /** Every execution reaches a terminal status. */
  ExecutionTerminal: 'execution-terminal',
  /** Once terminal, an execution is never written again. */
  TerminalStable: 'terminal-stable',
  /** History ids run 1, 2, 3, ... across transitions; ExecutionStarted first; one terminal event, last. */
  HistorySequence: 'history-sequence',
  /** Every TaskScheduled is followed by at most one outcome for its attempt, and by one in the end. */
  TaskOutcomeOnce: 'task-outcome-once',
  /** Each worker result (per task token) and each inbox message is applied by at most one commit. */
  ResultAppliedOnce: 'result-applied-once',
  /** A failed saga undoes each completed step exactly once, in reverse order; nothing else is undone. */
  CompensationExactlyOnce: 'compensation-exactly-once',
  /** The run ends with every queue empty (except the DLQs), within its budget. */
  NoMessageInFlight: 'no-message-in-flight',
  /** Exactly the poison messages reach a DLQ. */
  DlqOnlyPoison: 'dlq-only-poison',
  /** A heartbeat the orchestrator acknowledged for a running task moves that task's deadline. */
  HeartbeatPersisted: 'heartbeat-persisted',
  /** Each execution's Started event and its terminal lifecycle event reach the bus. */
  LifecycleEvents: 'lifecycle-events',
  /** The list/search index shows the final status. */
  IndexAgrees: 'index-agrees',
  /** Each execution ends as `runWorkflow` ends it with the same definition, input and task outcomes. */
  OutputOracle: 'output-oracle',
  /** A stop or redrive that names a run is applied to that run only. */
  ControlBoundToRun: 'control-bound-to-run',
  /**
   * A redrive resumes where the run failed: it never runs again a state that completed, nor a
   * branch or iteration of the failed Parallel or Map that succeeded (as Step Functions redrives).
   */
  RedriveResumes: 'redrive-resumes',
  /** A rerun starts at the state it was asked to start at. */
  RerunStartsAt: 'rerun-starts-at',
  /**
   * A `States.DataLimitExceeded` names the state whose payload was over the limit (in the failing
   * event's state or in its cause), and that payload was over it: the worker returned a result
   * that large, the state's input or result was that large, or the store refused the transition
   * that carried the state's result. A stop with it follows a transition the store refused.
   */
  DataLimitNamesState: 'data-limit-names-state',
  /**
   * A waiting state ends with a matching event (its detail-type, source and matched fields), one
   * that was published, and with the first: the oldest event kept before it waited (events are
   * kept for a while), else the first kept after.
   */
  EventWaitFirstMatch: 'event-wait-first-match',
  /**
   * An event changes nothing by itself: no commit applies an event message (it only completes
   * waiting tasks through their results), and an event no state waits for is no state's result.
   */
  UnawaitedEventInert: 'unawaited-event-changes-nothing',
  /** A Map Run counts each item once, and its results hold each item once, in item order. */
  MapRunItemsOnce: 'map-run-items-once',
  /** A Map Run ends once, as its tolerated failure threshold says, and reports that one end. */
  MapRunEndsOnce: 'map-run-ends-once',
  /** A Distributed Map state starts one Map Run and gets one result from it. */
  MapStateOneResult: 'map-state-one-result',
  /** A Map Run's chain of ticks does not fork for good (no long stretch of ticks each performed twice). */
  MapRunTicksBounded: 'map-run-ticks-bounded',
} as const;
export type Invariant = (typeof Invariant)[keyof typeof Invariant];

/** One broken invariant. */
export interface Violation {
  readonly invariant: Invariant;
  readonly executionId?: string;
  readonly detail: string;
}

/** One committed transition, as the store saw it. */
export interface CommitRecord {
  readonly executionId: string;
  readonly version: number;
  readonly messageId: string;
  readonly status: ExecutionStatus;
  readonly events: readonly { readonly id: number; readonly type: HistoryEventType }[];
  /** The signed task token of the inbox message behind the commit, when it was a task result. */
  readonly resultToken?: string;
  /** The stop or redrive message behind the commit, with the run it named (if any). */
  readonly control?: { readonly kind: 'StopExecution' | 'RedriveExecution'; readonly run?: number };
}

/** A forward side effect a worker applied (once per idempotency key: the worker dedupes). */
export interface EffectRecord {
  readonly executionId: string;
  /** The idempotency key: also the effect's id, which the worker returns as `effectId`. */
  readonly key: string;
  readonly stateName: string;
  /** Global order of side effects (effects and undos share the counter). */
  readonly seq: number;
}

/** An undo a compensation worker applied (once per compensation idempotency key). */
export interface UndoRecord {
  readonly executionId: string;
  readonly effectId: string;
  readonly compensationKey: string;
  readonly seq: number;
}

/** A heartbeat message the orchestrator handled without error. */
export interface HeartbeatRecord {
  readonly executionId: string;
  readonly token: string;
  /**
   * Virtual time its message was sent (SQS's SentTimestamp, if earlier than its first receipt): the
   * time it counts from, so a later redelivery cannot count as a new heartbeat.
   */
  readonly at: number;
  /** `lastHeartbeatAt` stored for that task just after; undefined when the task was no longer running. */
  readonly persistedAt: number | undefined;
}

/** A message that ended in a dead-letter queue. */
export interface DeadLetterRecord {
  readonly queue: string;
  readonly messageId: string;
  /** True when the fault injector made it malformed or forged on purpose. */
  readonly poison: boolean;
  /** The last error its handling threw. */
  readonly reason?: string;
}

/** A large result a worker returned (once per idempotency key). */
export interface LargeResultRecord {
  readonly executionId: string;
  readonly stateName: string;
  readonly key: string;
  /** The UTF-8 size of the result's JSON. */
  readonly bytes: number;
}

/** A transition the execution store refused as too large (the loop then decides a smaller one). */
export interface RefusedCommitRecord {
  readonly executionId: string;
  readonly version: number;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  /** The task results the refused transition applied. */
  readonly results: readonly { readonly stateName: string; readonly threadId: string }[];
}

/** A write to the correlation store, in the order the store saw them. */
export interface CorrelationOpRecord {
  readonly op: 'register' | 'unregister' | 'keep';
  readonly key: string;
  /** The signed task token (register, unregister). */
  readonly token?: string;
  /** The event id (keep). */
  readonly eventId?: string;
  /** Position in the log. */
  readonly seq: number;
  /** Virtual time of the call. */
  readonly at: number;
  /** The store refused it (threw). */
  readonly failed?: boolean;
}

/** An event the partner domain put on the domain bus. */
export interface PublishedEventRecord {
  readonly id: string;
  readonly at: number;
  readonly source: string;
  readonly detailType: string;
  readonly detail: JsonObject;
  /** Why it was published: for a waiting state, to start an execution, or for no one. */
  readonly purpose: 'signal' | 'broadcast' | 'trigger' | 'decoy';
}

/** An event that reached the domain bus. */
export interface PublishedRecord {
  readonly id: string;
  readonly detailType: string;
}

/** An execution at the end of the run. */
export interface ExecutionRecord {
  readonly executionId: string;
  /** Undefined when the store has no such execution. */
  readonly status: ExecutionStatus | undefined;
  /** The status the list index shows; undefined when it has no entry. */
  readonly indexStatus: ExecutionStatus | undefined;
  readonly history: readonly HistoryEvent[];
  /** Names of its workflow's Task states that carry `Compensate`. */
  readonly compensable: ReadonlySet<string>;
  /** Its definition, when known (what a redrive must resume is read from it). */
  readonly definition?: StateMachineDefinition;
}

/** A rerun the control plane accepted: the new execution and the state it starts at. */
export interface RerunRecord {
  readonly executionId: string;
  readonly fromState: string;
}

/** Everything a run recorded. */
export interface RunRecord {
  readonly executions: readonly ExecutionRecord[];
  readonly commits: readonly CommitRecord[];
  readonly effects: readonly EffectRecord[];
  readonly undos: readonly UndoRecord[];
  readonly heartbeats: readonly HeartbeatRecord[];
  readonly published: readonly PublishedRecord[];
  /** Every message that reached a dead-letter queue during the run, whether or not it expired there since. */
  readonly deadLetters: readonly DeadLetterRecord[];
  /** Poison messages the fault injector sent, by queue and message id. */
  readonly poisonSent: readonly { readonly queue: string; readonly messageId: string }[];
  /** Messages still queued (visible or not) when the run ended. */
  readonly inFlight: readonly { readonly queue: string; readonly messageId: string; readonly body: string }[];
  /** Set when the run stopped on its budget (deliveries or virtual time) instead of going idle. */
  readonly unfinished?: string;
  /** Reruns asked for. @default none */
  readonly reruns?: readonly RerunRecord[];
  /** Large results the workers returned. @default none */
  readonly largeResults?: readonly LargeResultRecord[];
  /** Transitions the store refused as too large. @default none */
  readonly refusedCommits?: readonly RefusedCommitRecord[];
  /** The correlation store's writes, and the inbox messages the domain's rules sent. @default none */
  readonly correlation?: {
    readonly ops: readonly CorrelationOpRecord[];
    /** How long an event is kept for later waits (the orchestrator's setting), ms. */
    readonly retentionMs: number;
    /** Keys (as commits record them) of the inbox messages that carried an event. */
    readonly eventMessages: readonly string[];
  };
  /** Events put on the domain bus by the partner domain. @default none */
  readonly events?: readonly PublishedEventRecord[];
  /** The input each execution was started with, by execution id. @default none */
  readonly startInputs?: ReadonlyMap<string, Json>;
}

const TERMINAL_EVENT: Readonly<Partial<Record<HistoryEventType, ExecutionStatus>>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
  CompensationSucceeded: 'COMPENSATED',
  CompensationFailed: 'COMPENSATION_FAILED',
};

/** What a redrive may resume (the control plane's `REDRIVABLE_STATUSES`). */
const REDRIVABLE: ReadonlySet<ExecutionStatus> = new Set([
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'COMPENSATION_FAILED',
]);

const LIFECYCLE_DETAIL: Readonly<Record<ExecutionStatus, string | undefined>> = {
  RUNNING: undefined,
  COMPENSATING: undefined,
  SUCCEEDED: 'Execution Succeeded',
  FAILED: 'Execution Failed',
  TIMED_OUT: 'Execution Timed Out',
  ABORTED: 'Execution Aborted',
  COMPENSATED: 'Execution Compensated',
  COMPENSATION_FAILED: 'Execution Compensation Failed',
};

/** History events that mean "a worker's result was applied". */
const RESULT_EVENTS = new Set<HistoryEventType>([
  'TaskSucceeded',
  'TaskFailed',
  'CompensationTaskSucceeded',
  'CompensationTaskFailed',
]);

/** Checks every invariant; returns the violations (none for a good run). */
export function checkRun(record: RunRecord): Violation[] {
  const violations: Violation[] = [];
  const report = (invariant: Invariant, detail: string, executionId?: string) =>
    violations.push({ invariant, detail, ...(executionId !== undefined ? { executionId } : {}) });

  checkCommits(record.commits, report);
  checkControlRuns(record.commits, report);
  for (const execution of record.executions) {
    checkTerminal(execution, report);
    checkHistory(execution, report);
    checkTaskOutcomes(execution, report);
    checkCompensation(execution, record, report);
    checkLifecycle(execution, record.published, report);
    checkRedrives(execution, report);
    checkDataLimits(execution, record, report);
  }
  checkEventWaits(record, report);
  checkUnawaitedEvents(record, report);
  checkReruns(record, report);
  checkEffects(record, report);
  checkQueues(record, report);
  checkHeartbeats(record.heartbeats, report);
  return violations;
}

type Report = (invariant: Invariant, detail: string, executionId?: string) => void;

function checkCommits(commits: readonly CommitRecord[], report: Report): void {
  const byExecution = new Map<string, CommitRecord[]>();
  const byMessage = new Map<string, number>();
  const byToken = new Map<string, CommitRecord[]>();
  for (const commit of commits) {
    const list = byExecution.get(commit.executionId) ?? [];
    list.push(commit);
    byExecution.set(commit.executionId, list);
    const key = `${commit.executionId} ${commit.messageId}`;
    byMessage.set(key, (byMessage.get(key) ?? 0) + 1);
    if (commit.resultToken !== undefined && commit.events.some((event) => RESULT_EVENTS.has(event.type))) {
      const applied = byToken.get(commit.resultToken) ?? [];
      applied.push(commit);
      byToken.set(commit.resultToken, applied);
    }
  }
  for (const [key, count] of byMessage) {
    if (count > 1) {
      const [executionId, messageId] = key.split(' ') as [string, string];
      report(
        Invariant.ResultAppliedOnce,
        `inbox message ${messageId} was committed ${count} times`,
        executionId,
      );
    }
  }
  for (const [token, applied] of byToken) {
    if (applied.length > 1) {
      report(
        Invariant.ResultAppliedOnce,
        `the result of task ${describeToken(token)} was applied ${applied.length} times ` +
          `(versions ${applied.map((commit) => commit.version).join(', ')})`,
        applied[0]?.executionId,
      );
    }
  }
  for (const [executionId, list] of byExecution) {
    list.sort((a, b) => a.version - b.version);
    let terminalAt: number | undefined;
    let lastEventId = 0;
    list.forEach((commit, index) => {
      if (commit.version !== index + 1) {
        report(
          Invariant.HistorySequence,
          `commit versions are not 1, 2, 3, ...: found ${commit.version} at position ${index + 1}`,
          executionId,
        );
      }
      if (terminalAt !== undefined && commit.events[0]?.type === 'ExecutionRedriven') {
        // A redrive moves a failed execution again: its commit starts with ExecutionRedriven.
        terminalAt = undefined;
      }
      if (terminalAt !== undefined) {
        report(
          Invariant.TerminalStable,
          `version ${commit.version} (status ${commit.status}, events ${commit.events.map((e) => e.type).join(', ') || 'none'}) ` +
            `was committed after the execution became terminal at version ${terminalAt}`,
          executionId,
        );
      } else if (isTerminal(commit.status)) {
        terminalAt = commit.version;
      }
      for (const event of commit.events) {
        if (event.id !== lastEventId + 1) {
          report(
            Invariant.HistorySequence,
            `version ${commit.version} carries event id ${event.id} after ${lastEventId}: ids must grow by 1 across transitions`,
            executionId,
          );
        }
        lastEventId = event.id;
      }
    });
  }
}

function checkTerminal(execution: ExecutionRecord, report: Report): void {
  const { executionId, status } = execution;
  if (status === undefined) {
    report(
      Invariant.ExecutionTerminal,
      'the execution was started but the store has no such execution',
      executionId,
    );
    return;
  }
  if (!isTerminal(status)) {
    report(Invariant.ExecutionTerminal, `the run ended with the execution still ${status}`, executionId);
  }
  if (execution.indexStatus !== status) {
    report(
      Invariant.IndexAgrees,
      `the list index shows ${execution.indexStatus ?? 'nothing'} but the execution is ${status}`,
      executionId,
    );
  }
}

function checkHistory(execution: ExecutionRecord, report: Report): void {
  const { executionId, history, status } = execution;
  if (status === undefined) return;
  const first = history[0];
  if (!first || first.type !== 'ExecutionStarted') {
    report(
      Invariant.HistorySequence,
      `the history starts with ${first?.type ?? 'nothing'}, not ExecutionStarted`,
      executionId,
    );
  }
  history.forEach((event, index) => {
    if (event.id !== index + 1) {
      report(Invariant.HistorySequence, `event ${index + 1} (${event.type}) has id ${event.id}`, executionId);
    }
  });
  // Each redrive starts a run: every run but the last ended in a redrivable terminal event, last.
  const runs = splitRuns(history);
  runs.forEach((run, index) => {
    const last = index === runs.length - 1;
    if (!last) {
      const final = run[run.length - 1];
      const ended = final && TERMINAL_EVENT[final.type];
      if (ended === undefined || !REDRIVABLE.has(ended)) {
        report(
          Invariant.HistorySequence,
          `run ${index} was redriven after ${final?.type ?? 'nothing'}, not after a failure (FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED)`,
          executionId,
        );
      }
    }
    checkRunEnding(executionId, run, last ? status : undefined, index, report);
  });
}

/** The history cut into runs: the first from ExecutionStarted, each later one from an ExecutionRedriven. */
function splitRuns(history: readonly HistoryEvent[]): HistoryEvent[][] {
  const runs: HistoryEvent[][] = [[]];
  for (const event of history) {
    if (event.type === 'ExecutionRedriven') runs.push([]);
    (runs[runs.length - 1] as HistoryEvent[]).push(event);
  }
  return runs;
}

/**
 * One terminal event per finished run, as its last event, matching the final status for the last
 * run (`status`; undefined for a run that was redriven).
 */
function checkRunEnding(
  executionId: string,
  run: readonly HistoryEvent[],
  status: ExecutionStatus | undefined,
  index: number,
  report: Report,
): void {
  if (status !== undefined && !isTerminal(status)) return;
  const where = index === 0 ? 'the history' : `run ${index} of the history`;
  const terminals = run
    .map((event, position) => ({ event, position }))
    .filter(({ event }) => TERMINAL_EVENT[event.type] !== undefined);
  if (terminals.length !== 1) {
    report(
      Invariant.HistorySequence,
      `${where} has ${terminals.length} terminal events (${terminals.map(({ event }) => event.type).join(', ')}), not one`,
      executionId,
    );
  }
  const last = terminals[terminals.length - 1];
  if (last && last.position !== run.length - 1) {
    const after = run.slice(last.position + 1).map((event) => event.type);
    report(
      Invariant.HistorySequence,
      `events after the terminal ${last.event.type}: ${after.join(', ')}`,
      executionId,
    );
  }
  if (last && status !== undefined && TERMINAL_EVENT[last.event.type] !== status) {
    report(
      Invariant.HistorySequence,
      `the terminal event ${last.event.type} does not match the status ${status}`,
      executionId,
    );
  }
}

function checkTaskOutcomes(execution: ExecutionRecord, report: Report): void {
  const { executionId, history } = execution;
  const open = new Map<string, TaskScheduledEvent>();
  const nextAttempt = new Map<string, number>();
  let compensationOpen: CompensationTaskScheduledEvent | undefined;
  for (const event of history) {
    const thread = eventThreadId(event) ?? '?';
    // Every type is listed, so a new one is classed here as a task's outcome or not.
    switch (event.type) {
      case 'TaskStateEntered':
      case 'PassStateEntered':
      case 'ChoiceStateEntered':
      case 'WaitStateEntered':
      case 'ParallelStateEntered':
      case 'MapStateEntered':
      case 'SucceedStateEntered':
      case 'FailStateEntered': {
        const outstanding = open.get(thread);
        if (outstanding) {
          report(
            Invariant.TaskOutcomeOnce,
            `thread ${thread} entered ${event.stateName} (event ${event.id}) while task ${outstanding.stateName} ` +
              `(TaskScheduled ${outstanding.id}) had no outcome`,
            executionId,
          );
          open.delete(thread);
        }
        nextAttempt.set(thread, 1);
        continue;
      }
      case 'TaskScheduled': {
        const outstanding = open.get(thread);
        if (outstanding) {
          report(
            Invariant.TaskOutcomeOnce,
            `TaskScheduled ${event.id} on thread ${thread} while TaskScheduled ${outstanding.id} had no outcome`,
            executionId,
          );
        }
        const expected = nextAttempt.get(thread) ?? 1;
        if (event.attempt !== expected) {
          report(
            Invariant.TaskOutcomeOnce,
            `TaskScheduled ${event.id} (${event.stateName}) is attempt ${event.attempt}, expected ${expected}`,
            executionId,
          );
        }
        nextAttempt.set(thread, event.attempt + 1);
        open.set(thread, event);
        continue;
      }
      case 'TaskSucceeded':
      case 'TaskFailed':
      case 'TaskTimedOut':
      case 'TaskStateAborted':
        if (!open.has(thread)) {
          report(
            Invariant.TaskOutcomeOnce,
            `${event.type} ${event.id} (${event.stateName}, thread ${thread}) has no outstanding TaskScheduled: ` +
              `a second outcome for one attempt`,
            executionId,
          );
        }
        open.delete(thread);
        continue;
      case 'CompensationTaskScheduled':
        if (compensationOpen) {
          report(
            Invariant.TaskOutcomeOnce,
            `CompensationTaskScheduled ${event.id} while CompensationTaskScheduled ${compensationOpen.id} had no outcome`,
            executionId,
          );
        }
        compensationOpen = event;
        continue;
      case 'CompensationTaskSucceeded':
      case 'CompensationTaskFailed':
      case 'CompensationTaskTimedOut':
        if (!compensationOpen) {
          report(
            Invariant.TaskOutcomeOnce,
            `${event.type} ${event.id} (${event.stateName}) has no outstanding CompensationTaskScheduled`,
            executionId,
          );
        }
        compensationOpen = undefined;
        continue;
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionTimedOut':
      case 'ExecutionAborted':
      case 'ExecutionRedriven':
      case 'TaskStateExited':
      case 'PassStateExited':
      case 'ChoiceStateExited':
      case 'WaitStateExited':
      case 'ParallelStateExited':
      case 'MapStateExited':
      case 'SucceedStateExited':
      case 'WaitStateAborted':
      case 'ParallelStateStarted':
      case 'ParallelStateSucceeded':
      case 'ParallelStateFailed':
      case 'ParallelStateAborted':
      case 'MapStateStarted':
      case 'MapStateSucceeded':
      case 'MapStateFailed':
      case 'MapStateAborted':
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
      case 'MapIterationAborted':
      case 'MapRunStarted':
      case 'MapRunSucceeded':
      case 'MapRunFailed':
      case 'MapRunAborted':
      case 'StateRetryScheduled':
      case 'EvaluationFailed':
      case 'TaskSubmitted':
      case 'CompensationStarted':
      case 'CompensationSucceeded':
      case 'CompensationFailed':
        continue;
    }
    const unknown: never = event;
    throw new Error(`unreachable: history event ${(unknown as HistoryEvent).type}`);
  }
  if (execution.status !== undefined && isTerminal(execution.status)) {
    for (const [thread, scheduled] of open) {
      report(
        Invariant.TaskOutcomeOnce,
        `TaskScheduled ${scheduled.id} (${scheduled.stateName}, thread ${thread}) never got an outcome, ` +
          `yet the execution ended ${execution.status}`,
        executionId,
      );
    }
    if (compensationOpen) {
      report(
        Invariant.TaskOutcomeOnce,
        `CompensationTaskScheduled ${compensationOpen.id} never got an outcome, yet the execution ended ${execution.status}`,
        executionId,
      );
    }
  }
}

/**
 * The effects of the compensable steps the history records as completed, in order of first
 * completion. One step entry may succeed more than once (its result failed ResultSelector or
 * ResultPath and Retry ran the task again, with the same idempotency key): its effect is still one.
 */
export function completedEffects(execution: ExecutionRecord): { effectId: string; stateName: string }[] {
  const completed: { effectId: string; stateName: string }[] = [];
  const seen = new Set<string>();
  for (const event of execution.history) {
    if (event.type !== 'TaskSucceeded' || !execution.compensable.has(event.stateName)) continue;
    const output = event.output as { effectId?: unknown } | null | undefined;
    const effectId = typeof output?.effectId === 'string' ? output.effectId : `<no effectId in ${event.id}>`;
    if (seen.has(effectId)) continue;
    seen.add(effectId);
    completed.push({ effectId, stateName: event.stateName });
  }
  return completed;
}

function checkCompensation(execution: ExecutionRecord, record: RunRecord, report: Report): void {
  const { executionId, status, history } = execution;
  if (status === undefined || !isTerminal(status)) return;
  const completed = completedEffects(execution);
  const expected = completed.map((entry) => entry.effectId).reverse();
  const undone = record.undos
    .filter((undo) => undo.executionId === executionId)
    .sort((a, b) => a.seq - b.seq)
    .map((undo) => undo.effectId);
  const compensatedInHistory = history.filter((event) => event.type === 'CompensationTaskSucceeded');
  const historyOrder = compensatedInHistory.map((event) => event.stateName);
  const expectedStates = completed.map((entry) => entry.stateName).reverse();
  const show = (list: readonly (string | undefined)[]) => `[${list.join(', ')}]`;

  switch (status) {
    case 'COMPENSATED':
      if (!sameList(undone, expected)) {
        report(
          Invariant.CompensationExactlyOnce,
          `the saga ended COMPENSATED; workers undid ${show(undone)} but the completed steps, in reverse ` +
            `order, are ${show(expected)}`,
          executionId,
        );
      }
      if (!sameList(historyOrder, expectedStates)) {
        report(
          Invariant.CompensationExactlyOnce,
          `the history compensated ${show(historyOrder)} but the completed compensable steps, in reverse ` +
            `order, are ${show(expectedStates)}`,
          executionId,
        );
      }
      break;
    case 'COMPENSATION_FAILED': {
      const done = compensatedInHistory.length;
      if (!sameList(historyOrder, expectedStates.slice(0, done))) {
        report(
          Invariant.CompensationExactlyOnce,
          `the history compensated ${show(historyOrder)}, not the top of the reversed completed steps ${show(expectedStates)}`,
          executionId,
        );
      }
      // The failing compensation may have undone its effect before it failed (it timed out, say).
      if (!sameList(undone, expected.slice(0, done)) && !sameList(undone, expected.slice(0, done + 1))) {
        report(
          Invariant.CompensationExactlyOnce,
          `the saga ended COMPENSATION_FAILED after ${done} compensations; workers undid ${show(undone)} ` +
            `but the completed steps, in reverse order, are ${show(expected)}`,
          executionId,
        );
      }
      break;
    }
    case 'SUCCEEDED':
    case 'FAILED':
    case 'TIMED_OUT':
    case 'ABORTED':
      if (undone.length > 0 || historyOrder.length > 0) {
        report(
          Invariant.CompensationExactlyOnce,
          `the execution ended ${status} without a saga unwind, yet ${show(undone)} were undone`,
          executionId,
        );
      }
      if (status !== 'SUCCEEDED' && status !== 'ABORTED' && expected.length > 0) {
        report(
          Invariant.CompensationExactlyOnce,
          `the execution ended ${status} with completed steps ${show(expected)} that were never compensated`,
          executionId,
        );
      }
      break;
  }
}

function checkHeartbeats(heartbeats: readonly HeartbeatRecord[], report: Report): void {
  const lost = new Map<string, HeartbeatRecord[]>();
  for (const heartbeat of heartbeats) {
    if (heartbeat.persistedAt === undefined || heartbeat.persistedAt >= heartbeat.at) continue;
    const list = lost.get(heartbeat.token) ?? [];
    list.push(heartbeat);
    lost.set(heartbeat.token, list);
  }
  for (const [token, list] of lost) {
    const first = list[0] as HeartbeatRecord;
    const last = list[list.length - 1] as HeartbeatRecord;
    report(
      Invariant.HeartbeatPersisted,
      `${list.length} heartbeat(s) for running task ${describeToken(token)} were acknowledged between ` +
        `${iso(first.at)} and ${iso(last.at)}, but the stored task kept lastHeartbeatAt=${iso(last.persistedAt ?? 0)}: ` +
        `the heartbeats were lost`,
      first.executionId,
    );
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkEffects(record: RunRecord, report: Report): void {
  const applied = new Set(record.effects.map((effect) => effect.key));
  const undoCount = new Map<string, UndoRecord[]>();
  for (const undo of record.undos) {
    const list = undoCount.get(undo.effectId) ?? [];
    list.push(undo);
    undoCount.set(undo.effectId, list);
    if (!applied.has(undo.effectId)) {
      report(
        Invariant.CompensationExactlyOnce,
        `a compensation undid ${undo.effectId}, an effect no worker ever applied`,
        undo.executionId,
      );
    }
  }
  for (const [effectId, undos] of undoCount) {
    if (undos.length > 1) {
      report(
        Invariant.CompensationExactlyOnce,
        `effect ${effectId} was undone ${undos.length} times (compensation keys ${undos.map((u) => u.compensationKey).join(', ')})`,
        undos[0]?.executionId,
      );
    }
  }
}

function checkLifecycle(
  execution: ExecutionRecord,
  published: readonly PublishedRecord[],
  report: Report,
): void {
  const { executionId, status } = execution;
  if (status === undefined) return;
  const ids = new Set(published.map((event) => event.id));
  const started = `${executionId}:Execution Started:0`;
  if (!ids.has(started))
    report(Invariant.LifecycleEvents, `the event ${started} never reached the bus`, executionId);
  // Each run's ending is published, with the run's redrive count in its id.
  let run = 0;
  for (const event of execution.history) {
    if (event.type === 'ExecutionRedriven') run += 1;
    const ended = TERMINAL_EVENT[event.type];
    const detailType = ended === undefined ? undefined : LIFECYCLE_DETAIL[ended];
    if (ended === undefined || detailType === undefined) continue;
    if (!ids.has(`${executionId}:${detailType}:${run}`)) {
      report(
        Invariant.LifecycleEvents,
        `${run === 0 ? 'the execution' : `run ${run} of the execution`} ended ${ended} but '${detailType}' never reached the bus`,
        executionId,
      );
    }
  }
}

/**
 * A stop or redrive that names a run (as the control plane sends them) changes that run only:
 * delivered late, after a redrive, it changes nothing.
 */
function checkControlRuns(commits: readonly CommitRecord[], report: Report): void {
  const byExecution = new Map<string, CommitRecord[]>();
  for (const commit of commits) {
    const list = byExecution.get(commit.executionId) ?? [];
    list.push(commit);
    byExecution.set(commit.executionId, list);
  }
  for (const [executionId, list] of byExecution) {
    let run = 0;
    for (const commit of [...list].sort((a, b) => a.version - b.version)) {
      const named = commit.control?.run;
      if (named !== undefined && named !== run) {
        report(
          Invariant.ControlBoundToRun,
          `a ${commit.control?.kind} meant for run ${named} was applied to run ${run} (version ${commit.version})`,
          executionId,
        );
      }
      run += commit.events.filter((event) => event.type === 'ExecutionRedriven').length;
    }
  }
}

/**
 * What each redrive resumed: never a state that completed before it, nor a Map iteration or a
 * Parallel branch that succeeded in the failed state's last entry (Step Functions "reschedules and
 * redrives only the iterations and branches that failed or aborted"). A redrive of a failed
 * compensation (after CompensationFailed) resumes compensations, checked with the saga.
 */
function checkRedrives(execution: ExecutionRecord, report: Report): void {
  const { executionId, history, definition } = execution;
  history.forEach((event, at) => {
    if (event.type !== 'ExecutionRedriven' || history[at - 1]?.type === 'CompensationFailed') return;
    const before = history.slice(0, at);
    const next = history.findIndex((later, index) => index > at && later.type === 'ExecutionRedriven');
    const after = history.slice(at + 1, next === -1 ? undefined : next);
    const completed = new Set(
      before
        .filter((earlier) => isStateExited(earlier) && eventThreadId(earlier) === 'root')
        .map((earlier) => (earlier as { stateName: string }).stateName),
    );
    for (const later of after) {
      if (isStateEntered(later) && later.threadId === 'root' && completed.has(later.stateName)) {
        report(
          Invariant.RedriveResumes,
          `the redrive at event ${event.id} entered ${later.stateName} again (event ${later.id}), which had completed`,
          executionId,
        );
      }
    }
    const resumed = after.find((later) => isStateEntered(later) && later.threadId === 'root');
    const state = resumed && isStateEntered(resumed) ? definition?.States[resumed.stateName] : undefined;
    if (!resumed || !isStateEntered(resumed) || !state) return;
    const entered = before.findLastIndex(
      (earlier) =>
        isStateEntered(earlier) && earlier.threadId === 'root' && earlier.stateName === resumed.stateName,
    );
    // The state's last run before the redrive: from its last entry, or from its last Retry after it.
    const lastRetry = before.findLastIndex(
      (earlier) =>
        earlier.type === 'StateRetryScheduled' &&
        earlier.threadId === 'root' &&
        earlier.stateName === resumed.stateName,
    );
    const lastEntry = before.slice(Math.max(0, entered, lastRetry));
    // A Retry of the resumed state runs all of it again, as any retry does: only what the redrive
    // itself started counts.
    const retried = after.findIndex(
      (later) =>
        later.type === 'StateRetryScheduled' &&
        later.threadId === 'root' &&
        later.stateName === resumed.stateName,
    );
    const resumedRun = retried === -1 ? after : after.slice(0, retried);
    if (state.Type === 'Map') {
      const succeeded = new Set(
        lastEntry.flatMap((earlier) =>
          earlier.type === 'MapIterationSucceeded' && earlier.stateName === resumed.stateName
            ? [earlier.index]
            : [],
        ),
      );
      for (const later of resumedRun) {
        if (
          later.type === 'MapIterationStarted' &&
          later.stateName === resumed.stateName &&
          succeeded.has(later.index)
        ) {
          report(
            Invariant.RedriveResumes,
            `the redrive at event ${event.id} ran iteration ${later.index} of ${resumed.stateName} again (event ${later.id}), which had succeeded`,
            executionId,
          );
        }
      }
    }
    if (state.Type === 'Parallel') {
      state.Branches.forEach((branch, index) => {
        const names = new Set(Object.keys(branch.States));
        const ends = new Set(
          Object.entries(branch.States)
            .filter(([, inner]) => inner.Type === 'Succeed' || ('End' in inner && inner.End === true))
            .map(([name]) => name),
        );
        const done = lastEntry.some(
          (earlier) => isStateExited(earlier) && ends.has((earlier as { stateName: string }).stateName),
        );
        const again = done
          ? resumedRun.find((later) => isStateEntered(later) && names.has(later.stateName))
          : undefined;
        if (again) {
          report(
            Invariant.RedriveResumes,
            `the redrive at event ${event.id} ran branch ${index} of ${resumed.stateName} again (event ${again.id}), which had succeeded`,
            executionId,
          );
        }
      });
    }
  });
}

/** Each rerun's history starts at the state it was asked to start at. */
function checkReruns(record: RunRecord, report: Report): void {
  const executions = new Map(record.executions.map((execution) => [execution.executionId, execution]));
  for (const rerun of record.reruns ?? []) {
    const history = executions.get(rerun.executionId)?.history ?? [];
    const first = history.find((event) => isStateEntered(event) && event.threadId === 'root');
    if (first && isStateEntered(first) && first.stateName !== rerun.fromState) {
      report(
        Invariant.RerunStartsAt,
        `the rerun was asked to start at ${rerun.fromState}, but it started at ${first.stateName}`,
        rerun.executionId,
      );
    }
  }
}

/** A `<Type>StateExited` event: the state completed. */
function isStateExited(event: HistoryEvent): boolean {
  return event.type.endsWith('StateExited');
}

function checkQueues(record: RunRecord, report: Report): void {
  if (record.unfinished !== undefined) report(Invariant.NoMessageInFlight, record.unfinished);
  for (const message of record.inFlight) {
    report(
      Invariant.NoMessageInFlight,
      `message ${message.messageId} is still on ${message.queue} at the end: ${truncate(message.body)}`,
    );
  }
  const dead = new Set(record.deadLetters.map((letter) => `${letter.queue} ${letter.messageId}`));
  for (const letter of record.deadLetters) {
    if (!letter.poison) {
      report(
        Invariant.DlqOnlyPoison,
        `a legitimate message ${letter.messageId} reached the DLQ of ${letter.queue}: ${letter.reason ?? 'no reason recorded'}`,
      );
    }
  }
  for (const poison of record.poisonSent) {
    if (!dead.has(`${poison.queue} ${poison.messageId}`)) {
      report(
        Invariant.DlqOnlyPoison,
        `poison message ${poison.messageId} on ${poison.queue} was accepted instead of reaching the DLQ`,
      );
    }
  }
}

const DATA_LIMIT = 'States.DataLimitExceeded';
/** The worker SDK's cause for a result over the payload limit (the TaskFailed names the state). */
const WORKER_CAUSE = /^The task result is (\d+) bytes, over the (\d+)-byte limit/;
/** The loop's cause when the store cannot hold a transition (a TaskFailed names the state; a stop has none). */
const STORE_CAUSE = /^The execution's state would be (\d+) bytes stored, over the limit of (\d+) bytes/;
/** The engine's cause for a task's input or result over the payload limit: it names the state. */
const STATE_CAUSE = /^The (input|result) of task state '(.+)' has (\d+) bytes, more than the limit of (\d+)$/;
/** The engine's cause for an execution input over the payload limit. */
const INPUT_CAUSE = /^The execution input has (\d+) bytes, more than the limit of (\d+)$/;

/** Where a DataLimitExceeded came from, and that the payload it names was over the limit. */
function checkDataLimits(execution: ExecutionRecord, record: RunRecord, report: Report): void {
  const { executionId, history, definition } = execution;
  history.forEach((event, at) => {
    if (eventError(event) !== DATA_LIMIT) return;
    const cause = eventCause(event);
    const where = `${event.type} ${event.id}${'stateName' in event ? ` (${event.stateName})` : ''}`;
    const fail = (what: string) =>
      report(
        Invariant.DataLimitNamesState,
        `${where}: ${what} (cause: ${truncate(cause ?? 'none')})`,
        executionId,
      );
    if (cause === undefined) {
      // The saga's end repeats the failure that started it, cause and all, when there was one.
      if (event.type !== 'CompensationSucceeded') fail('a States.DataLimitExceeded without a cause');
      return;
    }
    const before = history.slice(0, at);
    /** The same failure, recorded earlier where it happened (a task's failure that ended its state). */
    const repeated = before.some(
      (earlier) => earlier.type === 'TaskFailed' && earlier.error === DATA_LIMIT && earlier.cause === cause,
    );
    const worker = WORKER_CAUSE.exec(cause);
    const store = STORE_CAUSE.exec(cause);
    const state = STATE_CAUSE.exec(cause);
    const input = INPUT_CAUSE.exec(cause);
    if (worker) {
      const [bytes, limit] = [Number(worker[1]), Number(worker[2])];
      if (bytes <= limit) fail(`a result of ${bytes} bytes is not over the limit of ${limit}`);
      if (event.type !== 'TaskFailed') {
        if (!repeated) fail('it repeats a task failure that no task of the history had');
        return;
      }
      const returned = (record.largeResults ?? []).some(
        (result) =>
          result.executionId === executionId &&
          result.stateName === event.stateName &&
          result.bytes === bytes,
      );
      if (!returned) fail(`no worker of ${event.stateName} returned a result of ${bytes} bytes`);
      return;
    }
    if (store) {
      const [bytes, limit] = [Number(store[1]), Number(store[2])];
      if (bytes <= limit) fail(`a transition of ${bytes} bytes is not over the store's limit of ${limit}`);
      const refused = (record.refusedCommits ?? []).filter((commit) => commit.executionId === executionId);
      if (event.type === 'TaskFailed') {
        const named = refused.some((commit) =>
          commit.results.some(
            (result) => result.stateName === event.stateName && result.threadId === event.threadId,
          ),
        );
        if (!named) fail(`the store refused no transition applying a result of ${event.stateName}`);
        return;
      }
      // The execution stopped with it (no task result to fail): the store refused a transition.
      if (!repeated && refused.length === 0) fail('the store refused no transition of this execution');
      return;
    }
    if (state) {
      const [kind, stateName, bytes, limit] = [
        state[1],
        state[2] as string,
        Number(state[3]),
        Number(state[4]),
      ];
      if (bytes <= limit) fail(`a payload of ${bytes} bytes is not over the limit of ${limit}`);
      const named = definition === undefined ? undefined : findState(definition.States, stateName);
      if (definition !== undefined && named?.Type !== 'Task')
        fail(`it names ${stateName}, no Task state of the workflow`);
      if (kind === 'result') {
        const result = before.findLast(
          (earlier) => earlier.type === 'TaskSucceeded' && earlier.stateName === stateName,
        );
        const size = result?.type === 'TaskSucceeded' ? jsonBytes(result.output) : undefined;
        if (size === undefined || size <= limit)
          fail(`the last result of ${stateName} has ${size ?? 'no'} bytes, not over the limit`);
        else if (size !== bytes) fail(`the last result of ${stateName} has ${size} bytes, not ${bytes}`);
      } else if (named?.Type === 'Task' && named.Parameters === undefined && named.InputPath === undefined) {
        const entered = before.findLast(
          (earlier) => earlier.type === 'TaskStateEntered' && earlier.stateName === stateName,
        );
        const size = entered?.type === 'TaskStateEntered' ? jsonBytes(entered.input) : undefined;
        if (size === undefined || size <= limit)
          fail(`the input ${stateName} was last entered with has ${size ?? 'no'} bytes, not over the limit`);
        else if (size !== bytes)
          fail(`the input ${stateName} was last entered with has ${size} bytes, not ${bytes}`);
      }
      return;
    }
    if (input) {
      const [bytes, limit] = [Number(input[1]), Number(input[2])];
      const started = history[0];
      // An input over the limit is not kept: the size is that of the input the run sent.
      const sent = record.startInputs?.get(executionId);
      const size =
        started?.type !== 'ExecutionStarted'
          ? undefined
          : started.inputDetails?.truncated
            ? sent === undefined
              ? undefined
              : jsonBytes(sent)
            : jsonBytes(started.input);
      if (size === undefined || size <= limit)
        fail(`the execution input has ${size ?? 'no'} bytes, not over ${limit}`);
      else if (size !== bytes) fail(`the execution input has ${size} bytes, not ${bytes}`);
      return;
    }
    fail('the failure names neither a state nor the payload that was too large');
  });
}

/** A state of the definition, at any depth (branches, item processors), by its unique name. */
function findState(
  states: Readonly<Record<string, StateDefinition>>,
  name: string,
): StateDefinition | undefined {
  const own = states[name];
  if (own) return own;
  for (const state of Object.values(states)) {
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches) {
        const found = findState(branch.States, name);
        if (found) return found;
      }
    }
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      const found = processor ? findState(processor.States, name) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** The UTF-8 size of a value's JSON text, as the payload limit counts it. */
function jsonBytes(value: Json): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The wait a result completed: its Parameters as scheduled, and the event it ended with. */
interface WaitResult {
  readonly executionId: string;
  readonly stateName: string;
  readonly token: string;
  readonly version: number;
  readonly parameters: Json;
  readonly event: Json;
}

/** Every wait result a commit applied, with the wait's parameters. */
function waitResults(record: RunRecord): WaitResult[] {
  const executions = new Map(record.executions.map((execution) => [execution.executionId, execution]));
  const results: WaitResult[] = [];
  for (const commit of record.commits) {
    if (commit.resultToken === undefined) continue;
    const history = executions.get(commit.executionId)?.history ?? [];
    for (const { id, type } of commit.events) {
      if (type !== 'TaskSucceeded') continue;
      const succeeded = history[id - 1];
      if (succeeded?.type !== 'TaskSucceeded' || succeeded.resource !== WAIT_FOR_EVENT_RESOURCE) continue;
      const scheduled = history
        .slice(0, id - 1)
        .findLast(
          (earlier) =>
            earlier.type === 'TaskScheduled' &&
            earlier.threadId === succeeded.threadId &&
            earlier.stateName === succeeded.stateName,
        );
      results.push({
        executionId: commit.executionId,
        stateName: succeeded.stateName,
        token: commit.resultToken,
        version: commit.version,
        parameters: scheduled?.type === 'TaskScheduled' ? scheduled.input : null,
        event: succeeded.output,
      });
    }
  }
  return results;
}

/**
 * Whether an event matches a wait's parameters (`DetailType`, `Source`, `Match` of dotted paths to
 * values): the README's rule, written out here apart from the loop's own matching.
 */
export function eventMatches(event: Json, parameters: Json): boolean {
  if (!isJsonObject(event) || !isJsonObject(parameters)) return false;
  if (event['detail-type'] !== parameters.DetailType) return false;
  if (parameters.Source !== undefined && event.source !== parameters.Source) return false;
  const match = parameters.Match;
  if (!isJsonObject(match) || Object.keys(match).length === 0) return false;
  return Object.entries(match).every(([path, value]) => {
    let found: Json | undefined = event;
    for (const part of path.split('.')) found = isJsonObject(found) ? found[part] : undefined;
    return found !== undefined && JSON.stringify(found) === JSON.stringify(value);
  });
}

/** How far from its expiry an event may be when a wait registers and count as either kept or gone, ms. */
const EXPIRY_SLACK_MS = 2_000;

function checkEventWaits(record: RunRecord, report: Report): void {
  const correlation = record.correlation;
  if (correlation === undefined) return;
  const registered = new Map<string, CorrelationOpRecord>();
  /** Every keep of each key: the first of an event id keeps it, a later one is the event arriving again. */
  const keeps = new Map<string, CorrelationOpRecord[]>();
  for (const op of correlation.ops) {
    if (op.failed === true) continue;
    if (op.op === 'register' && op.token !== undefined && !registered.has(op.token))
      registered.set(op.token, op);
    if (op.op === 'keep' && op.eventId !== undefined) {
      const list = keeps.get(op.key) ?? [];
      list.push(op);
      keeps.set(op.key, list);
    }
  }
  const published = new Map((record.events ?? []).map((event) => [event.id, event]));
  const iso = (at: number) => new Date(at).toISOString();
  for (const result of waitResults(record)) {
    const { executionId, stateName, event, parameters } = result;
    const fail = (what: string) =>
      report(
        Invariant.EventWaitFirstMatch,
        `the wait at ${stateName} (version ${result.version}) ${what}`,
        executionId,
      );
    const id = isJsonObject(event) && typeof event.id === 'string' ? event.id : undefined;
    if (!eventMatches(event, parameters)) {
      fail(
        `ended with event ${id ?? truncate(JSON.stringify(event))}, which does not match ${JSON.stringify(parameters)}`,
      );
      continue;
    }
    const sent = id === undefined ? undefined : published.get(id);
    if (
      !sent ||
      !isJsonObject(event) ||
      event.source !== sent.source ||
      event['detail-type'] !== sent.detailType ||
      JSON.stringify(event.detail) !== JSON.stringify(sent.detail)
    ) {
      fail(`ended with event ${id ?? '(no id)'}, which is not an event as it was published`);
      continue;
    }
    const registration = registered.get(result.token);
    if (!registration) {
      fail(`ended with event ${id}, but its task was never registered as waiting`);
      continue;
    }
    const arrivals = keeps.get(registration.key) ?? [];
    const firsts = new Map<string, CorrelationOpRecord>();
    for (const keep of arrivals)
      if (!firsts.has(keep.eventId as string)) firsts.set(keep.eventId as string, keep);
    // Kept before the wait registered (and kept as long as retention says from the first keep).
    const before = [...firsts.values()].filter((keep) => keep.seq < registration.seq);
    const expiry = (keep: CorrelationOpRecord) => keep.at + correlation.retentionMs;
    const visible = before.filter((keep) => expiry(keep) > registration.at + EXPIRY_SLACK_MS);
    const borderline = before.filter((keep) => Math.abs(expiry(keep) - registration.at) <= EXPIRY_SLACK_MS);
    let allowed: CorrelationOpRecord[];
    let rule: string;
    if (visible.length > 0) {
      // The oldest event kept before the wait (ties at the clock's resolution either way).
      const oldest = Math.min(...visible.map((keep) => keep.at));
      allowed = [...visible, ...borderline].filter((keep) => keep.at <= oldest);
      rule = 'the oldest event kept before it registered';
    } else {
      // An event arriving after the wait registered, for the first time or again (a redelivery
      // cannot be told from an arrival): the first one to arrive.
      const after = arrivals.filter((keep) => keep.seq > registration.seq);
      const first = Math.min(...after.map((keep) => keep.at));
      allowed = [...borderline, ...after.filter((keep) => keep.at === first)];
      rule = 'the first event to arrive after it registered';
    }
    if (!allowed.some((keep) => keep.eventId === id)) {
      const mine = firsts.get(id as string);
      fail(
        `registered at ${iso(registration.at)} and ended with event ${id} (kept ${mine ? iso(mine.at) : 'never'}), ` +
          `but ${rule} was ${allowed.map((keep) => `${keep.eventId} (kept ${iso(keep.at)})`).join(' or ') || 'none'}`,
      );
    }
  }
}

function checkUnawaitedEvents(record: RunRecord, report: Report): void {
  const messages = new Set(record.correlation?.eventMessages ?? []);
  for (const commit of record.commits) {
    if (messages.has(commit.messageId)) {
      report(
        Invariant.UnawaitedEventInert,
        `version ${commit.version} was committed by an event message (${commit.messageId}) itself`,
        commit.executionId,
      );
    }
  }
  const waits = record.executions.flatMap((execution) =>
    execution.history.flatMap((event) =>
      event.type === 'TaskScheduled' && event.resource === WAIT_FOR_EVENT_RESOURCE ? [event.input] : [],
    ),
  );
  const results = new Map(
    waitResults(record).flatMap((result) =>
      isJsonObject(result.event) && typeof result.event.id === 'string'
        ? [[result.event.id, result] as const]
        : [],
    ),
  );
  for (const event of record.events ?? []) {
    const result = results.get(event.id);
    if (result === undefined) continue;
    const envelope: Json = { source: event.source, 'detail-type': event.detailType, detail: event.detail };
    if (!waits.some((parameters) => eventMatches(envelope, parameters))) {
      report(
        Invariant.UnawaitedEventInert,
        `event ${event.id} (${event.purpose}), which no state of the run waited for, ended the wait at ${result.stateName}`,
        result.executionId,
      );
    }
  }
}

function sameList(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** A short, readable form of a signed task token (its claims), for messages. */
export function describeToken(token: string): string {
  const payload = token.split('.')[1];
  if (!payload) return truncate(token);
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t?: unknown };
    return typeof claims.t === 'string' ? claims.t : truncate(token);
  } catch {
    return truncate(token);
  }
}

function truncate(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
