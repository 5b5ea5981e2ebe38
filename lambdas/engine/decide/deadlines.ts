/**
 * Deadlines: the one rule for every timer the engine sets. A timer is a typed `TimerId` due at an
 * epoch-ms time; scheduling and cancelling go through `scheduleTimer` and `cancelTimer` only, and
 * a task attempt's timers (TimeoutSeconds, HeartbeatSeconds) are derived from its deadline fields
 * by `pendingTaskTimers`, so arming and disarming them cannot disagree, for a state's task and a
 * compensation alike.
 *
 * Timers are delivered at least once and may outlive what they were for: each owner persists the
 * id of the timer it waits on, and a fired timer that is not that id changes nothing.
 */
import { StatesErrors } from '../errors.js';
import type { Decider } from './decider.js';
import { encodeTimerId, sameTaskToken, type TaskToken, type TimerId } from './timer-id.js';

/** The deadline fields of a task attempt, persisted in a state's `Waiting` or the saga's active compensation. */
export interface TaskDeadlines {
  /** The attempt's TimeoutSeconds deadline, epoch ms. */
  readonly timeoutAt?: number;
  readonly heartbeatMs?: number;
  readonly lastHeartbeatAt: number;
  /** Due time of the heartbeat timer now scheduled: only that timer counts (older ones are stale). */
  readonly heartbeatTimerAt?: number;
}

/** How a fired task deadline changes the attempt. */
export type DeadlineOutcome =
  | { readonly type: 'expired'; readonly error: string; readonly cause: string }
  /** A heartbeat came since the timer was set: it is set again, due at `at`. */
  | { readonly type: 'rescheduled'; readonly at: number };

const NO_DEADLINES: Omit<TaskDeadlines, 'lastHeartbeatAt'> = {};

/** Schedules `timer` at `fireAt` and returns its persisted id (for the owner to keep). */
export function scheduleTimer(d: Decider, timer: TimerId, fireAt: number): string {
  const timerId = encodeTimerId(timer);
  d.commands.push({ type: 'ScheduleTimer', timerId, fireAt });
  return timerId;
}

/** Cancels a pending timer by the id its owner persisted (a timer that already fired is harmless). */
export function cancelTimer(d: Decider, timerId: string): void {
  d.commands.push({ type: 'CancelTimer', timerId });
}

/**
 * The deadline fields of a new task attempt (besides `lastHeartbeatAt`): present only for the
 * limits the task has, so the persisted state stays as small as before.
 */
export function newTaskDeadlines(
  now: number,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
): Omit<TaskDeadlines, 'lastHeartbeatAt'> {
  if (timeoutSeconds === undefined && heartbeatSeconds === undefined) return NO_DEADLINES;
  return {
    ...(timeoutSeconds !== undefined ? { timeoutAt: now + timeoutSeconds * 1000 } : {}),
    ...(heartbeatSeconds !== undefined
      ? { heartbeatMs: heartbeatSeconds * 1000, heartbeatTimerAt: now + heartbeatSeconds * 1000 }
      : {}),
  };
}

/** Schedules the timers of a task attempt that was just dispatched. */
export function armTaskDeadlines(
  d: Decider,
  token: TaskToken,
  deadlines: Omit<TaskDeadlines, 'lastHeartbeatAt'>,
): void {
  // Most tasks have no deadline: this path runs for every dispatch, so it allocates nothing then.
  if (deadlines.timeoutAt === undefined && deadlines.heartbeatMs === undefined) return;
  for (const pending of pendingTaskTimers(token, deadlines)) scheduleTimer(d, pending.timer, pending.fireAt);
}

/** Cancels the timers of a task attempt that ended (result, failure, time-out or abort). */
export function disarmTaskDeadlines(
  d: Decider,
  token: TaskToken,
  deadlines: Omit<TaskDeadlines, 'lastHeartbeatAt'>,
): void {
  if (deadlines.timeoutAt === undefined && deadlines.heartbeatMs === undefined) return;
  for (const pending of pendingTaskTimers(token, deadlines)) cancelTimer(d, encodeTimerId(pending.timer));
}

/**
 * Interprets a fired timer for a task attempt (a state's task or a compensation): the
 * TimeoutSeconds timer expires the attempt; a heartbeat timer expires it only when no heartbeat
 * came since it was set, and otherwise is set again for the new deadline. Undefined when the
 * timer is not one of the attempt's or is stale.
 */
export function taskDeadlineFired(
  d: Decider,
  timer: TimerId,
  token: TaskToken,
  deadlines: TaskDeadlines,
): DeadlineOutcome | undefined {
  if (timer.type === 'taskTimeout' && sameTaskToken(timer.token, token)) {
    return {
      type: 'expired',
      error: StatesErrors.Timeout,
      cause: 'The task did not finish within TimeoutSeconds',
    };
  }
  // Only the heartbeat timer scheduled last counts: a redelivered older one changes nothing.
  if (
    timer.type !== 'heartbeat' ||
    deadlines.heartbeatMs === undefined ||
    timer.dueAt !== deadlines.heartbeatTimerAt ||
    !sameTaskToken(timer.token, token)
  )
    return undefined;
  const deadline = deadlines.lastHeartbeatAt + deadlines.heartbeatMs;
  if (d.env.now < deadline) {
    scheduleTimer(d, { type: 'heartbeat', token, dueAt: deadline }, deadline);
    return { type: 'rescheduled', at: deadline };
  }
  return {
    type: 'expired',
    error: StatesErrors.HeartbeatTimeout,
    cause: 'The task sent no heartbeat within HeartbeatSeconds',
  };
}

/**
 * Schedules the execution's TimeoutSeconds timer, when the workflow has one, counted from `from`
 * (the start, or a redrive: Step Functions resets the timeout to 0 when it redrives), for the
 * current run only.
 */
export function armExecutionTimeout(d: Decider, from: number): void {
  const timeoutMs = d.env.workflow.timeoutMs;
  if (timeoutMs !== undefined) scheduleTimer(d, executionTimeout(d), from + timeoutMs);
}

/** Cancels the current run's TimeoutSeconds timer as the run ends. */
export function disarmExecutionTimeout(d: Decider): void {
  if (d.env.workflow.timeoutMs !== undefined) cancelTimer(d, encodeTimerId(executionTimeout(d)));
}

/** Whether a fired execution timeout belongs to the current run (not to one before a redrive). */
export function isCurrentExecutionTimeout(
  d: Decider,
  timer: Extract<TimerId, { type: 'executionTimeout' }>,
): boolean {
  return timer.run === d.exec.redriveCount;
}

function executionTimeout(d: Decider): TimerId {
  return { type: 'executionTimeout', run: d.exec.redriveCount };
}

/** The timers a task attempt has pending: TimeoutSeconds first, then the latest heartbeat timer. */
function pendingTaskTimers(
  token: TaskToken,
  deadlines: Omit<TaskDeadlines, 'lastHeartbeatAt'>,
): { readonly timer: TimerId; readonly fireAt: number }[] {
  const pending: { timer: TimerId; fireAt: number }[] = [];
  if (deadlines.timeoutAt !== undefined)
    pending.push({ timer: { type: 'taskTimeout', token }, fireAt: deadlines.timeoutAt });
  if (deadlines.heartbeatMs !== undefined && deadlines.heartbeatTimerAt !== undefined) {
    const dueAt = deadlines.heartbeatTimerAt;
    pending.push({ timer: { type: 'heartbeat', token, dueAt }, fireAt: dueAt });
  }
  return pending;
}

/**
 * When a heartbeat counts from: when it was sent, never later than now (a sender's clock ahead of
 * ours). A redelivered heartbeat keeps its send time, so it cannot move a deadline twice.
 */
export function heartbeatTime(d: Decider, sentAt: number | undefined): number {
  return sentAt === undefined ? d.env.now : Math.min(sentAt, d.env.now);
}
