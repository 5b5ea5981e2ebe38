/**
 * How an execution ends, is stopped, times out and is redriven, and the lifecycle events it
 * publishes on the way. A failure with compensations on the saga's stack hands over to `saga.ts`.
 */
import { ROOT_SCOPE } from '../compile.js';
import { StatesErrors } from '../errors.js';
import { errorDetails, type ExecutionEvent, type ExecutionStatus } from '../execution.js';
import type { Json } from '../json.js';
import { armExecutionTimeout, disarmExecutionTimeout } from './deadlines.js';
import type { Decider } from './decider.js';
import { ROOT_THREAD } from './outcome.js';
import { livePoint } from './redrive-point.js';
import { redriveCompensations, startCompensating, stopCompensating } from './saga.js';

/** The root thread ended: the execution succeeds with `output`. */
export function succeedExecution(d: Decider, output: Json): void {
  d.exec.status = 'SUCCEEDED';
  d.exec.output = output;
  d.exec.stopTime = d.env.now;
  d.record('ExecutionSucceeded', { output });
  disarmExecutionTimeout(d);
  d.publish('Execution Succeeded');
}

/**
 * The execution failed, timed out or was stopped. With compensations on the stack (and, for a
 * stop, compensation requested) the saga unwinds first; otherwise the execution ends now.
 */
export function failExecution(
  d: Decider,
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED',
  error: string | undefined,
  cause: string | undefined,
  compensate: boolean,
): void {
  setError(d, error, cause);
  const pending = d.exec.saga.stack.length - d.exec.saga.compensated;
  if (compensate && pending > 0) {
    startCompensating(d, error, cause);
    return;
  }
  endExecution(d, status, error, cause);
}

/**
 * Ends the execution in a failed status, with no compensation to run. With no error and no cause
 * (a Fail state that gives neither) the execution, its ExecutionFailed event and its lifecycle
 * event carry none, as Step Functions records it.
 */
export function endExecution(
  d: Decider,
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED',
  error: string | undefined,
  cause: string | undefined,
): void {
  d.exec.status = status;
  setError(d, error, cause);
  d.exec.stopTime = d.env.now;
  disarmExecutionTimeout(d);
  switch (status) {
    case 'FAILED':
      d.record('ExecutionFailed', errorDetails(error, cause));
      d.publish('Execution Failed');
      return;
    case 'TIMED_OUT':
      d.record('ExecutionTimedOut', errorDetails(error, cause));
      d.publish('Execution Timed Out');
      return;
    case 'ABORTED':
      d.record('ExecutionAborted', errorDetails(error, cause));
      d.publish('Execution Aborted');
      return;
  }
  const unknown: never = status;
  throw new Error(`unreachable: status ${String(unknown)}`);
}

/** The execution's error and cause, each removed when absent (no undefined field is stored). */
function setError(d: Decider, error: string | undefined, cause: string | undefined): void {
  if (error === undefined) delete d.exec.error;
  else d.exec.error = error;
  if (cause === undefined) delete d.exec.cause;
  else d.exec.cause = cause;
}

/**
 * StopExecution: a running execution is aborted (compensating first when asked); a compensating
 * one stops compensating and ends COMPENSATION_FAILED at the compensation it was running (a
 * redrive resumes there).
 */
export function stopExecution(d: Decider, event: Extract<ExecutionEvent, { type: 'StopExecution' }>): void {
  if (d.exec.status === 'COMPENSATING') {
    stopCompensating(
      d,
      event.error ?? 'States.Aborted',
      event.cause ?? 'The execution was stopped while compensating',
    );
    return;
  }
  if (d.exec.status !== 'RUNNING') return;
  stopAllThreads(d);
  failExecution(
    d,
    'ABORTED',
    event.error ?? 'States.Aborted',
    event.cause ?? 'The execution was stopped',
    event.compensate === true,
  );
}

/** The execution's TimeoutSeconds passed while it ran: it times out, compensating first. */
export function onExecutionTimeout(d: Decider): void {
  if (d.exec.status !== 'RUNNING') return;
  stopAllThreads(d);
  failExecution(d, 'TIMED_OUT', StatesErrors.Timeout, 'The execution timed out (TimeoutSeconds)', true);
}

/**
 * RedriveExecution: a failed, timed-out or aborted execution resumes at the state where it
 * failed; a saga whose compensation failed resumes its compensations. Anything else is ignored.
 */
export function redrive(d: Decider): void {
  const exec = d.exec;
  const status: ExecutionStatus = exec.status;
  if (status === 'COMPENSATION_FAILED') {
    exec.status = 'COMPENSATING';
    exec.redriveCount += 1;
    delete exec.stopTime;
    redriveCompensations(d);
    return;
  }
  if (status !== 'FAILED' && status !== 'TIMED_OUT' && status !== 'ABORTED') return;
  const failure = exec.failure;
  if (!failure) return;
  exec.status = 'RUNNING';
  exec.redriveCount += 1;
  delete exec.stopTime;
  delete exec.error;
  delete exec.cause;
  delete exec.failure;
  d.record('ExecutionRedriven', {});
  armExecutionTimeout(d, d.env.now);
  d.resumeNext(ROOT_THREAD, failure.branches);
  d.enqueue(ROOT_THREAD, d.enterState(ROOT_THREAD, ROOT_SCOPE, undefined, failure.stateName, failure.input));
}

/** Aborts every thread, remembering where the root thread was for a redrive. */
function stopAllThreads(d: Decider): void {
  const root = d.threads[ROOT_THREAD];
  if (root) {
    d.exec.failure = livePoint(d, root);
    d.abortThread(root);
  }
  for (const thread of Object.values(d.threads)) d.abortThread(thread);
}
