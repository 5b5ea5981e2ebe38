/**
 * What a {@link LocalControl} checks before it sends an operation to an inbox, shared by the
 * in-process control and the CLI's deployed-stack control, so that both refuse the same requests
 * with the same messages. Pure functions: the callers load what they check.
 */
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { Execution, ExecutionStatus, HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { MAX_EXECUTION_NAME_LENGTH } from '../../lambdas/runtime/inbox-messages.js';
import type { WorkflowRef } from '../../lambdas/runtime/ports.js';
import { ConflictError, NotFoundError } from '../control.js';

/** Statuses an execution can be redriven from (the engine ignores a redrive of any other). */
export const REDRIVABLE_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'COMPENSATION_FAILED',
]);

/** The message of a lookup that found no execution. */
export function noSuchExecution(executionId: string): NotFoundError {
  return new NotFoundError(`No execution named ${executionId}`);
}

/** Throws ConflictError unless an execution in `status` can be redriven. */
export function assertRedrivable(executionId: string, status: ExecutionStatus): void {
  if (!REDRIVABLE_STATUSES.has(status)) {
    throw new ConflictError(
      `Execution ${executionId} is ${status}: only a FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED execution can be redriven`,
    );
  }
}

/** Throws ConflictError unless an execution in `status` can be stopped (the engine stops RUNNING ones). */
export function assertStoppable(executionId: string, status: ExecutionStatus): void {
  if (status !== 'RUNNING') {
    throw new ConflictError(`Execution ${executionId} is ${status}: only a RUNNING execution can be stopped`);
  }
}

/** Throws ConflictError unless `fromState` is a top-level state of `definition` (a rerun starts there). */
export function assertRerunState(
  definition: StateMachineDefinition,
  workflow: WorkflowRef,
  fromState: string,
): void {
  if (!Object.hasOwn(definition.States, fromState)) {
    throw new ConflictError(
      `${workflow.name} has no top-level state named '${fromState}' (a rerun starts at one of: ${Object.keys(definition.States).join(', ')})`,
    );
  }
}

/**
 * The input a rerun from `stateName` gets when none is given: what the state last received at the
 * top level of the original execution, or the execution's input when it never ran.
 */
export function rerunInput(history: readonly HistoryEvent[], stateName: string, executionInput: Json): Json {
  const entered = history.findLast(
    (event) =>
      event.stateName === stateName &&
      event.threadId === 'root' &&
      event.type.endsWith('StateEntered') &&
      event.input !== undefined,
  );
  return entered?.input ?? executionInput;
}

/** `<name>-rerun-<n>` with the first `n` that `taken` says is free, within Step Functions' 80 characters. */
export async function rerunName(
  name: string,
  taken: (candidate: string) => Promise<boolean>,
): Promise<string> {
  const base = name.replace(/-rerun-\d+$/, '');
  for (let n = 1; ; n++) {
    const suffix = `-rerun-${n}`;
    const candidate = `${base.slice(0, MAX_EXECUTION_NAME_LENGTH - suffix.length)}${suffix}`;
    if (!(await taken(candidate))) return candidate;
  }
}

/**
 * The claims of a task token, read without verifying it (the orchestrator verifies it): the
 * execution tells which domain's inbox the result goes to, the engine token which task it is for.
 * Undefined for a malformed token. Format: `v1.<base64url(JSON { e, t })>.<signature>`.
 */
export function taskTokenClaims(taskToken: string): { executionId: string; engineToken: string } | undefined {
  const payload = taskToken.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      e?: unknown;
      t?: unknown;
    };
    return typeof claims.e === 'string' && typeof claims.t === 'string'
      ? { executionId: claims.e, engineToken: claims.t }
      : undefined;
  } catch {
    return undefined;
  }
}

/** True when a task of `execution` (a state's or a compensation's) waits on the engine token. */
export function isWaitingFor(execution: Execution, engineToken: string): boolean {
  if (execution.saga.active?.token === engineToken) return true;
  return Object.values(execution.threads).some(
    (thread) => thread.active.waiting.type === 'Task' && thread.active.waiting.token === engineToken,
  );
}

/** The error of a task token that names no known execution. */
export function noSuchTask(): NotFoundError {
  return new NotFoundError('No task is waiting for this task token');
}

/** The error of a task token whose task is over (its state moved on, or the execution ended). */
export function taskNotWaiting(): ConflictError {
  return new ConflictError(
    'The task of this token is no longer waiting: its state moved on or the execution ended',
  );
}
