/**
 * Task: dispatches its input to a worker or an integration and waits for the result, within
 * TimeoutSeconds and HeartbeatSeconds. A result counts only for the attempt still running (its
 * token); a step with `Compensate` pushes its compensation on the saga's stack when it succeeds.
 */
import type { CompiledState } from '../compile.js';
import type { TaskState } from '../definition.js';
import type { Thread, Waiting } from '../execution.js';
import type { Json } from '../json.js';
import { evaluateTemplate } from '../payload-template.js';
import { evaluateJsonataTemplate } from '../jsonata/query.js';
import {
  completeWithResult,
  inputPath,
  jsonataInteger,
  jsonataScope,
  seconds,
  sizeError,
  templateScope,
} from './data-flow.js';
import {
  armTaskDeadlines,
  disarmTaskDeadlines,
  heartbeatTime,
  newTaskDeadlines,
  taskDeadlineFired,
} from './deadlines.js';
import type { Decider } from './decider.js';
import { SUSPENDED, type Outcome } from './outcome.js';
import { pushCompensation } from './saga.js';
import { mapRunPoint } from './redrive-point.js';
import { MAP_RUN_RESOURCE, type MapRunOutcome } from '../distributed-map.js';
import { decodeTaskToken, encodeTaskToken, type TaskToken, type TimerId } from './timer-id.js';

type TaskWaiting = Extract<Waiting, { type: 'Task' }>;

/** Runs a Task state: evaluates its input, dispatches it and arms its deadlines. */
export function executeTask(d: Decider, thread: Thread, state: CompiledState, def: TaskState): Outcome {
  const { active } = thread;
  const now = d.env.now;
  const effective = inputPath(d, thread, state, active.input);
  const taskToken: TaskToken = {
    owner: { type: 'state', threadId: thread.id, entryId: active.entryId },
    attempt: active.attempt,
  };
  const token = encodeTaskToken(taskToken);
  let input: Json;
  let timeoutSeconds: number | undefined;
  let heartbeatSeconds: number | undefined;
  const fields = state.jsonata;
  if (fields) {
    const scope = jsonataScope(d, thread, active.input, { token });
    input = fields.arguments ? evaluateJsonataTemplate(fields.arguments, scope) : active.input;
    timeoutSeconds = fields.timeoutSeconds
      ? jsonataInteger(fields.timeoutSeconds, scope, 'TimeoutSeconds', 1)
      : undefined;
    heartbeatSeconds = fields.heartbeatSeconds
      ? jsonataInteger(fields.heartbeatSeconds, scope, 'HeartbeatSeconds', 1)
      : undefined;
  } else {
    const scope = templateScope(d, thread, effective, token);
    input = state.parameters ? evaluateTemplate(state.parameters, scope) : effective;
    timeoutSeconds = seconds(
      d,
      thread,
      def.TimeoutSeconds,
      def.TimeoutSecondsPath,
      effective,
      'TimeoutSecondsPath',
    );
    heartbeatSeconds = seconds(
      d,
      thread,
      def.HeartbeatSeconds,
      def.HeartbeatSecondsPath,
      effective,
      'HeartbeatSecondsPath',
    );
  }
  const tooBig = sizeError(d, input, `The input of task state '${active.name}'`);
  if (tooBig) throw tooBig;
  const deadlines = newTaskDeadlines(now, timeoutSeconds, heartbeatSeconds);
  const waiting: Waiting = {
    type: 'Task',
    token,
    resource: def.Resource,
    lastHeartbeatAt: now,
    ...deadlines,
  };
  d.setActive(thread, { ...active, waiting });
  d.record('TaskScheduled', {
    stateName: active.name,
    threadId: thread.id,
    input,
    resource: def.Resource,
    attempt: active.attempt,
  });
  d.commands.push({
    type: 'DispatchTask',
    token,
    resource: def.Resource,
    input,
    stateName: active.name,
    attempt: active.attempt,
    idempotencyKey: `${d.exec.executionId}:${active.entryId}`,
    compensation: false,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
  });
  armTaskDeadlines(d, taskToken, deadlines);
  return SUSPENDED;
}

/** The task of the attempt `token` succeeded. */
export function onTaskSucceeded(d: Decider, token: string, output: Json): void {
  const found = taskByToken(d, token);
  if (!found) return;
  const { thread, waiting, taskToken } = found;
  const state = d.state(thread.scope, thread.active.name);
  disarmTaskDeadlines(d, taskToken, waiting);
  if (waiting.resource === MAP_RUN_RESOURCE) {
    mapRunStartedBeforeItsEnd(d, thread, waiting);
    recordMapRun(d, thread, { type: 'succeeded' });
  } else
    d.record('TaskSucceeded', {
      stateName: thread.active.name,
      threadId: thread.id,
      output,
      resource: waiting.resource,
    });
  if (state.compensate) pushCompensation(d, thread, output);
  d.enqueue(
    thread.id,
    d.attempt(() => finishTask(d, thread, state, output)),
  );
}

/** The task of the attempt `token` failed: Retry, Catch or failure follow. */
export function onTaskFailed(d: Decider, token: string, error: string, cause: string): void {
  const found = taskByToken(d, token);
  if (!found) return;
  const { thread, waiting, taskToken } = found;
  disarmTaskDeadlines(d, taskToken, waiting);
  if (waiting.resource === MAP_RUN_RESOURCE) {
    mapRunStartedBeforeItsEnd(d, thread, waiting);
    recordMapRun(d, thread, { type: 'failed', error, cause });
    // Kept for a redrive, which redrives this Map Run (its failed and pending items only).
    const unfinished = mapRunPoint(thread);
    if (unfinished) d.setActive(thread, { ...thread.active, unfinished });
  } else
    d.record('TaskFailed', {
      stateName: thread.active.name,
      threadId: thread.id,
      error,
      cause,
      resource: waiting.resource,
    });
  d.enqueue(thread.id, { type: 'failed', error, cause });
}

/**
 * A Map Run's end (or its abort) came before the message that it started (the inbox does not keep
 * order): its MapRunStarted is recorded first, as Step Functions' history always has it, without the ARN that
 * message carried.
 */
function mapRunStartedBeforeItsEnd(d: Decider, thread: Thread, waiting: TaskWaiting): void {
  if (waiting.submitted === undefined) recordMapRun(d, thread, { type: 'started', submitted: null });
}

/** The task of the attempt `token` is alive: its heartbeat deadline moves (no history, no command). */
export function onTaskHeartbeat(d: Decider, token: string, sentAt: number | undefined): void {
  const found = taskByToken(d, token);
  if (!found) return;
  const { thread, waiting } = found;
  const at = heartbeatTime(d, sentAt);
  if (at <= waiting.lastHeartbeatAt) return;
  d.setActive(thread, { ...thread.active, waiting: { ...waiting, lastHeartbeatAt: at } });
  d.touch();
}

/** A timer fired for a thread whose state waits on a task: a deadline may have passed. */
export function onTaskDeadline(d: Decider, thread: Thread, waiting: TaskWaiting, timer: TimerId): void {
  const taskToken = decodeTaskToken(waiting.token);
  if (!taskToken) return;
  const expired = taskDeadlineFired(d, timer, taskToken, waiting);
  if (!expired) return;
  const { active } = thread;
  if (expired.type === 'rescheduled') {
    d.setActive(thread, { ...active, waiting: { ...waiting, heartbeatTimerAt: expired.at } });
    return;
  }
  d.record('TaskTimedOut', {
    stateName: active.name,
    threadId: thread.id,
    error: expired.error,
    resource: waiting.resource,
  });
  disarmTaskDeadlines(d, taskToken, waiting);
  cancelSubmitted(d, waiting);
  d.enqueue(thread.id, { type: 'failed', error: expired.error, cause: expired.cause });
}

/**
 * The thread is aborted while its task runs: the task's deadlines are cancelled, its result will be
 * ignored; a task its target already took (a child execution) is cancelled there.
 */
export function abortTask(d: Decider, thread: Thread, waiting: TaskWaiting): void {
  const taskToken = decodeTaskToken(waiting.token);
  if (taskToken) disarmTaskDeadlines(d, taskToken, waiting);
  if (waiting.resource === MAP_RUN_RESOURCE) {
    mapRunStartedBeforeItsEnd(d, thread, waiting);
    recordMapRun(d, thread, { type: 'aborted' });
  } else d.record('TaskStateAborted', { stateName: thread.active.name, threadId: thread.id });
  cancelSubmitted(d, waiting);
}

/**
 * A task that ends without its result (aborted, timed out) after its target took it: the target's
 * work is no longer awaited, so it is cancelled there (a `.sync` child execution is stopped).
 */
function cancelSubmitted(d: Decider, waiting: TaskWaiting): void {
  // A Map Run is found by its task's token: it is cancelled also when the message that it started
  // has not arrived yet (the inbox does not keep order), else it would run on, its children too.
  if (waiting.submitted === undefined && waiting.resource !== MAP_RUN_RESOURCE) return;
  d.commands.push({
    type: 'CancelTask',
    token: waiting.token,
    resource: waiting.resource,
    submitted: waiting.submitted ?? null,
  });
}

/**
 * The task's target took it and answered `output`: recorded once (a second report of the same
 * attempt changes nothing), and kept with the task for its cancellation.
 */
export function onTaskSubmitted(d: Decider, token: string, output: Json): void {
  const found = taskByToken(d, token);
  if (!found || found.waiting.submitted !== undefined) return;
  const { thread, waiting } = found;
  if (waiting.resource === MAP_RUN_RESOURCE) recordMapRun(d, thread, { type: 'started', submitted: output });
  else
    d.record('TaskSubmitted', {
      stateName: thread.active.name,
      threadId: thread.id,
      output,
      resource: waiting.resource,
    });
  d.setActive(thread, { ...thread.active, waiting: { ...waiting, submitted: output } });
}

function finishTask(d: Decider, thread: Thread, state: CompiledState, output: Json): Outcome {
  const tooBig = sizeError(d, output, `The result of task state '${thread.active.name}'`);
  if (tooBig) throw tooBig;
  return completeWithResult(d, thread, state, output);
}

/** The thread whose running task attempt is `token`, if any (a stale or foreign token finds none). */
function taskByToken(
  d: Decider,
  token: string,
): { thread: Thread; waiting: TaskWaiting; taskToken: TaskToken } | undefined {
  const taskToken = decodeTaskToken(token);
  if (!taskToken || taskToken.owner.type !== 'state') return undefined;
  const thread = d.threads[taskToken.owner.threadId];
  if (!thread) return undefined;
  const waiting = thread.active.waiting;
  if (waiting.type !== 'Task' || waiting.token !== token) return undefined;
  return { thread, waiting, taskToken };
}

/** Records a Map Run's events (the Distributed Map executor's), in place of a task's. */
function recordMapRun(d: Decider, thread: Thread, outcome: MapRunOutcome): void {
  d.env.workflow.distributedMap?.record(d, thread, outcome);
}
