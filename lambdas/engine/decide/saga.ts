/**
 * The saga: each Task step with `Compensate` that succeeds pushes its compensation on the
 * execution's stack; when the execution fails with an error no Catch handles (or is stopped with
 * compensation requested, or times out), the stack runs in reverse order, each compensation with
 * its own Retry, TimeoutSeconds and HeartbeatSeconds. The execution ends COMPENSATED, or
 * COMPENSATION_FAILED naming the entry that failed (a redrive resumes there). A compensation never
 * runs twice once it succeeded and is never skipped.
 */
import { errorDetails, type CompensationEntry, type SagaState, type Thread } from '../execution.js';
import type { CompiledCompensation } from '../compile.js';
import type { Json, JsonObject } from '../json.js';
import { evaluateJsonataTemplate } from '../jsonata/query.js';
import { StatesError } from '../errors.js';
import { evaluateTemplate } from '../payload-template.js';
import { decideRetry, type RetryPolicy } from '../retry.js';
import { applyInputPath, compensationScope } from './data-flow.js';
import {
  armTaskDeadlines,
  cancelTimer,
  disarmExecutionTimeout,
  disarmTaskDeadlines,
  heartbeatTime,
  newTaskDeadlines,
  scheduleTimer,
  taskDeadlineFired,
} from './deadlines.js';
import type { Decider } from './decider.js';
import { countRetry } from './retry-catch.js';
import { decodeTaskToken, encodeTaskToken, type TaskToken, type TimerId } from './timer-id.js';

/**
 * The Task state on `thread` succeeded with `output`: its compensation goes on the stack, once
 * per entry into the state (a retry after a data-flow failure must not stack it twice).
 */
export function pushCompensation(d: Decider, thread: Thread, output: Json): void {
  const { active } = thread;
  const saga = d.exec.saga;
  if (saga.stack.some((entry) => entry.entryId === active.entryId)) return;
  const entry: CompensationEntry = {
    entryId: active.entryId,
    scope: thread.scope,
    stateName: active.name,
    document: { Input: active.input, Result: output },
  };
  d.exec.saga = { ...saga, stack: [...saga.stack, entry] };
}

/** The execution failed with compensations pending: the saga unwinds. */
export function startCompensating(d: Decider, error: string | undefined, cause: string | undefined): void {
  d.exec.status = 'COMPENSATING';
  d.record('CompensationStarted', errorDetails(error, cause));
  nextCompensation(d);
}

/** A redrive of a saga whose compensation failed: the compensations resume at the failed one. */
export function redriveCompensations(d: Decider): void {
  const { failed: _failed, ...saga } = d.exec.saga;
  const failedAttempt = saga.active?.attempt ?? 0;
  d.exec.saga = withoutActive(saga);
  d.record('ExecutionRedriven', {});
  // Fresh retries, but attempt numbers (and so task tokens) that go on from the failed run: a late
  // result of an attempt from before the redrive matches nothing.
  nextCompensation(d, failedAttempt);
}

/**
 * StopExecution while compensating: the running compensation is abandoned (its deadlines and retry
 * timer cancelled, its token forgotten, so a late result of it changes nothing) and the saga ends
 * COMPENSATION_FAILED at it, so that it is not skipped silently: a redrive resumes there.
 */
export function stopCompensating(d: Decider, error: string, cause: string): void {
  const saga = d.exec.saga;
  const entry = saga.stack[saga.stack.length - 1 - saga.compensated];
  if (!entry) return;
  disarmCompensation(d);
  const active = d.exec.saga.active;
  if (active) {
    // The attempt in flight ends here, as a forward task's does when its state is aborted.
    if (active.token !== undefined)
      d.record('CompensationTaskFailed', { stateName: entry.stateName, error, cause });
    if (active.timerId !== undefined) cancelTimer(d, active.timerId);
    const { token: _token, timerId: _timerId, ...rest } = active;
    d.exec.saga = { ...d.exec.saga, active: rest };
  }
  compensationFailed(d, entry, error, cause);
}

/** The compensation task of `token` succeeded: the next one runs. */
export function onCompensationSucceeded(d: Decider, token: string): void {
  const entry = activeCompensation(d, token);
  if (!entry) return;
  disarmCompensation(d);
  d.record('CompensationTaskSucceeded', { stateName: entry.stateName });
  d.exec.saga = { ...withoutActive(d.exec.saga), compensated: d.exec.saga.compensated + 1 };
  nextCompensation(d);
}

/** The compensation task of `token` failed: its Retry decides. */
export function onCompensationFailed(d: Decider, token: string, error: string, cause: string): void {
  const entry = activeCompensation(d, token);
  if (!entry) return;
  disarmCompensation(d);
  d.record('CompensationTaskFailed', { stateName: entry.stateName, error, cause });
  retryOrFailCompensation(d, entry, error, cause);
}

/** The compensation task of `token` is alive: its heartbeat deadline moves (no history, no command). */
export function onCompensationHeartbeat(d: Decider, token: string, sentAt: number | undefined): void {
  const active = d.exec.saga.active;
  if (!active || active.token !== token) return;
  const at = heartbeatTime(d, sentAt);
  if (active.lastHeartbeatAt !== undefined && at <= active.lastHeartbeatAt) return;
  d.exec.saga = { ...d.exec.saga, active: { ...active, lastHeartbeatAt: at } };
  d.touch();
}

/** A compensation's timer fired: its retry interval ended, or one of its deadlines passed. */
export function onCompensationTimer(d: Decider, timer: TimerId, timerId: string): void {
  if (d.exec.status !== 'COMPENSATING') return;
  const active = d.exec.saga.active;
  if (!active) return;
  const entry = d.exec.saga.stack.find((candidate) => candidate.entryId === active.entryId);
  if (!entry) return;
  if (active.timerId === timerId) {
    dispatchCompensation(d, entry, active.attempt + 1, active.retryCounts);
    return;
  }
  const token = active.token === undefined ? undefined : decodeTaskToken(active.token);
  if (!token) return;
  const expired = taskDeadlineFired(d, timer, token, active);
  if (!expired) return;
  if (expired.type === 'rescheduled') {
    d.exec.saga = { ...d.exec.saga, active: { ...active, heartbeatTimerAt: expired.at } };
    return;
  }
  d.record('CompensationTaskTimedOut', { stateName: entry.stateName, error: expired.error });
  disarmCompensation(d);
  retryOrFailCompensation(d, entry, expired.error, expired.cause.replace('task', 'compensation'));
}

/** Runs the compensation on top of the stack, or ends the saga when none is left. */
function nextCompensation(d: Decider, attemptsBefore = 0): void {
  const saga = d.exec.saga;
  const index = saga.stack.length - 1 - saga.compensated;
  if (index < 0) {
    d.exec.saga = withoutActive(saga);
    d.exec.status = 'COMPENSATED';
    d.exec.stopTime = d.env.now;
    disarmExecutionTimeout(d);
    d.record('CompensationSucceeded', { error: d.exec.error, cause: d.exec.cause });
    d.publish('Execution Compensated');
    return;
  }
  const entry = saga.stack[index] as CompensationEntry;
  const previous = saga.active?.entryId === entry.entryId ? saga.active : undefined;
  const attempt = previous ? previous.attempt + 1 : attemptsBefore + 1;
  const retryCounts = previous ? previous.retryCounts : [];
  dispatchCompensation(d, entry, attempt, retryCounts);
}

/**
 * The input of a compensation: JSONPath, its InputPath and Parameters over `{ Input, Result }`;
 * JSONata, its Arguments, seeing the step's input and result as `$states.input` and
 * `$states.result` (both modes default to `{ Input, Result }`).
 */
function compensationInput(
  d: Decider,
  entry: CompensationEntry,
  compensate: CompiledCompensation,
  token: string,
): Json {
  const state = d.state(entry.scope, entry.stateName);
  const scope = compensationScope(d, entry, entry.document, token);
  if (state.jsonata) {
    const args = state.jsonata.compensateArguments;
    if (!args) return entry.document;
    const doc = entry.document as JsonObject;
    return evaluateJsonataTemplate(args, {
      states: { input: doc.Input ?? null, result: doc.Result ?? null, context: scope.context() },
      variables: d.exec.variables?.root ?? {},
      functions: d.jsonataFunctions(),
      now: d.env.now,
    });
  }
  const contextual = compensate.inputPath?.root === 'context' ? scope.context() : null;
  const effective = applyInputPath(
    compensate.inputPath,
    entry.document,
    contextual,
    entry.stateName,
    'Compensate.InputPath',
  );
  const effectiveScope = { ...scope, input: effective };
  return compensate.parameters ? evaluateTemplate(compensate.parameters, effectiveScope) : effective;
}

function dispatchCompensation(
  d: Decider,
  entry: CompensationEntry,
  attempt: number,
  retryCounts: readonly number[],
): void {
  const compensate = d.state(entry.scope, entry.stateName).compensate;
  if (!compensate) throw new Error(`unreachable: state '${entry.stateName}' has no Compensate`);
  const now = d.env.now;
  const taskToken: TaskToken = { owner: { type: 'compensation', entryId: entry.entryId }, attempt };
  const token = encodeTaskToken(taskToken);
  const def = compensate.definition;
  let input: Json;
  try {
    input = compensationInput(d, entry, compensate, token);
  } catch (error) {
    if (!(error instanceof StatesError)) throw error;
    compensationFailed(d, entry, error.code, error.message);
    return;
  }
  const deadlines = newTaskDeadlines(now, def.TimeoutSeconds, def.HeartbeatSeconds);
  d.exec.saga = {
    ...d.exec.saga,
    active: {
      entryId: entry.entryId,
      attempt,
      retryCounts,
      token,
      lastHeartbeatAt: now,
      startedAt: now,
      ...deadlines,
    },
  };
  d.record('CompensationTaskScheduled', {
    stateName: entry.stateName,
    input,
    resource: def.Resource,
    attempt,
  });
  d.commands.push({
    type: 'DispatchTask',
    token,
    resource: def.Resource,
    input,
    stateName: entry.stateName,
    attempt,
    idempotencyKey: `${d.exec.executionId}:c:${entry.entryId}`,
    compensation: true,
    ...(def.TimeoutSeconds !== undefined ? { timeoutSeconds: def.TimeoutSeconds } : {}),
    ...(def.HeartbeatSeconds !== undefined ? { heartbeatSeconds: def.HeartbeatSeconds } : {}),
  });
  armTaskDeadlines(d, taskToken, deadlines);
}

/** The compensation on top of the stack, when `token` is its running attempt. */
function activeCompensation(d: Decider, token: string): CompensationEntry | undefined {
  const active = d.exec.saga.active;
  if (!active || active.token !== token) return undefined;
  return d.exec.saga.stack.find((entry) => entry.entryId === active.entryId);
}

function retryOrFailCompensation(d: Decider, entry: CompensationEntry, error: string, cause: string): void {
  const active = d.exec.saga.active;
  if (!active) return;
  const policies: readonly RetryPolicy[] = d.state(entry.scope, entry.stateName).compensate?.retry ?? [];
  const retry = decideRetry(policies, active.retryCounts, error, () => d.random());
  if (retry.type === 'exhausted') {
    compensationFailed(d, entry, error, cause);
    return;
  }
  const attempt = active.attempt + 1;
  const timerId = scheduleTimer(
    d,
    { type: 'retry', owner: { type: 'compensation', entryId: entry.entryId }, attempt },
    d.env.now + retry.delayMs,
  );
  const { token: _token, ...rest } = active;
  d.exec.saga = {
    ...d.exec.saga,
    active: { ...rest, retryCounts: countRetry(active.retryCounts, retry.retrierIndex), timerId },
  };
  d.record('StateRetryScheduled', {
    stateName: entry.stateName,
    error,
    cause,
    attempt,
    delayMs: retry.delayMs,
  });
}

function compensationFailed(d: Decider, entry: CompensationEntry, error: string, cause: string): void {
  d.exec.saga = { ...d.exec.saga, failed: { stateName: entry.stateName, error, cause } };
  d.exec.status = 'COMPENSATION_FAILED';
  d.exec.stopTime = d.env.now;
  disarmExecutionTimeout(d);
  d.record('CompensationFailed', { stateName: entry.stateName, error, cause });
  d.publish('Execution Compensation Failed');
}

/** Cancels the deadlines of the running compensation attempt. */
function disarmCompensation(d: Decider): void {
  const active = d.exec.saga.active;
  const token = active?.token === undefined ? undefined : decodeTaskToken(active.token);
  if (active && token) disarmTaskDeadlines(d, token, active);
}

function withoutActive(saga: SagaState): SagaState {
  const { active: _active, ...rest } = saga;
  return rest;
}
