/**
 * The reducer: `decide(execution, event, env) -> { execution, commands, history }`.
 *
 * Pure: no I/O, no clock, no randomness. The time of the decision is `env.now`; random draws
 * (retry jitter, States.MathRandom, States.UUID) derive from the execution's seed and a counter
 * kept in its state, so the same inputs always give the same outputs. The input execution is
 * never modified.
 *
 * Where to look: `decider.ts` drives threads and routes events; one module per state type
 * (`task-state.ts`, `pass-state.ts`, `choice-state.ts`, `wait-state.ts`, `parallel-state.ts`,
 * `map-state.ts`, `succeed-state.ts`, `fail-state.ts`); `retry-catch.ts` for Retry and Catch;
 * `saga.ts` for the compensation stack; `deadlines.ts` for every timer; `timer-id.ts` for the
 * text form of timer ids and task tokens; `data-flow.ts` for InputPath, ResultPath and the
 * context object; `execution-lifecycle.ts` for how an execution ends, stops and is redriven.
 */
import {
  isTerminal,
  type Command,
  type Decision,
  type Execution,
  type ExecutionEvent,
} from '../execution.js';
import { Decider } from './decider.js';
import type { DecideEnv } from './env.js';

export { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_TRANSITIONS_PER_DECISION, type DecideEnv } from './env.js';

/** An event was given for an execution that does not exist. */
export class UnknownExecutionError extends Error {
  override readonly name = 'UnknownExecutionError';
}

/**
 * Applies one event to an execution. A `StartExecution` event takes `undefined` and creates the
 * execution; a repeated one returns the execution unchanged (idempotent start). Events that no
 * longer apply (a result for a timed-out task, a timer that was cancelled, anything after the
 * execution ended) change nothing, so redelivered messages are harmless.
 */
export function decide(execution: Execution | undefined, event: ExecutionEvent, env: DecideEnv): Decision {
  if (event.type === 'StartExecution') {
    if (execution) return { changed: false, execution, commands: [], history: [] };
    const decider = new Decider(newExecution(event, env), env);
    decider.start(event.startAt);
    return reportingEnd(true, decider.result());
  }
  if (!execution) throw new UnknownExecutionError(`No execution for event ${event.type}`);
  const decider = new Decider(execution, env);
  decider.handle(event);
  return reportingEnd(!isTerminal(execution.status), decider.result());
}

/**
 * A child execution whose parent waits for its end (`.sync`, `.sync:2`) reports that end with the
 * transition that reaches it, so the report is committed with it (a redrive that ends again
 * reports again: the parent ignores a report for a task it no longer runs).
 */
function reportingEnd(wasRunning: boolean, decision: Decision): Decision {
  const { execution } = decision;
  const parent = execution.parent;
  if (!wasRunning || !parent || !isTerminal(execution.status)) return decision;
  if (parent.taskToken === undefined && parent.mapRun === undefined) return decision;
  const report: Command = {
    type: 'ReportToParent',
    parent,
    status: execution.status,
    input: execution.input,
    ...(execution.output !== undefined ? { output: execution.output } : {}),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
    startTime: execution.startTime,
    stopTime: execution.stopTime ?? execution.startTime,
    redriveCount: execution.redriveCount,
  };
  return { ...decision, commands: [...decision.commands, report] };
}

function newExecution(event: Extract<ExecutionEvent, { type: 'StartExecution' }>, env: DecideEnv): Execution {
  return {
    executionId: event.executionId,
    name: event.name,
    stateMachineName: env.workflow.name,
    status: 'RUNNING',
    input: event.input,
    startTime: env.now,
    seed: event.seed ?? event.executionId,
    sequence: 0,
    lastEventId: 0,
    threads: {},
    saga: { stack: [], compensated: 0 },
    redriveCount: 0,
    ...(event.parent !== undefined ? { parent: event.parent } : {}),
  };
}
