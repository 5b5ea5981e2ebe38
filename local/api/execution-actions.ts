/**
 * Which executions the control's operations apply to, by status: the control plane refuses the
 * others (`control-rules.ts`) and the console disables their buttons. Pure (no Node, no DOM): the
 * console's browser bundle includes it.
 */
import { ExecutionStatus } from '../../lambdas/engine/execution.js';

/** Statuses an execution can be redriven from (the engine ignores a redrive of any other). */
export const REDRIVABLE_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  ExecutionStatus.FAILED,
  ExecutionStatus.TIMED_OUT,
  ExecutionStatus.ABORTED,
  ExecutionStatus.COMPENSATION_FAILED,
]);

/**
 * True when an execution in `status` can be stopped: a RUNNING one is aborted, a COMPENSATING one
 * stops compensating (COMPENSATION_FAILED at the compensation it was running, redrivable).
 */
export function isStoppable(status: ExecutionStatus): boolean {
  return status === ExecutionStatus.RUNNING || status === ExecutionStatus.COMPENSATING;
}
