/** Helpers to drive the pure reducer by hand in tests. */
import {
  compileWorkflow,
  decide,
  type Command,
  type Decision,
  type Execution,
  type ExecutionEvent,
} from '../../lambdas/engine/index.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Drives one execution event by event, keeping the latest state, as a runtime would. */
export class Driver {
  execution: Execution | undefined;
  last: Decision | undefined;
  private readonly workflow;

  constructor(definition: unknown) {
    this.workflow = compileWorkflow(definition);
  }

  apply(event: ExecutionEvent, now = T0): Decision {
    const decision = decide(this.execution, event, { now, workflow: this.workflow });
    this.execution = decision.execution;
    this.last = decision;
    return decision;
  }

  start(input: unknown = {}, now = T0): Decision {
    return this.apply(
      { type: 'StartExecution', executionId: 'exec-1', name: 'exec-1', input: input as never },
      now,
    );
  }

  get workflowRef() {
    return this.workflow;
  }
}

/** The DispatchTask commands of a decision. */
export function dispatches(decision: Decision): Extract<Command, { type: 'DispatchTask' }>[] {
  return decision.commands.filter(
    (c): c is Extract<Command, { type: 'DispatchTask' }> => c.type === 'DispatchTask',
  );
}

/** The ScheduleTimer commands of a decision. */
export function timers(decision: Decision): Extract<Command, { type: 'ScheduleTimer' }>[] {
  return decision.commands.filter(
    (c): c is Extract<Command, { type: 'ScheduleTimer' }> => c.type === 'ScheduleTimer',
  );
}
