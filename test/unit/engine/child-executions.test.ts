/**
 * The engine's part in child executions (`states:startExecution`): a child keeps its parent and,
 * when the parent waits for its end, reports that end with the transition that reaches it; a
 * parent records its task as submitted and, aborted while it waits, cancels the task there.
 */
import { describe, expect, it } from 'vitest';
import type { Command, ParentLink } from '../../../lambdas/engine/execution.js';
import { Driver, T0, dispatches, timers } from '../../helpers/decide.js';

const SYNC_RESOURCE = 'arn:aws:states:::states:startExecution.sync:2';
const CHILD_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Child:c-1';

const waitingParent = {
  StartAt: 'StartChild',
  States: {
    StartChild: {
      Type: 'Task',
      Resource: SYNC_RESOURCE,
      Parameters: { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Child' },
      End: true,
    },
  },
};

const link = (taskToken?: string): ParentLink => ({
  executionId: 'Parent:p-1',
  integration: taskToken === undefined ? 'requestResponse' : 'sync:2',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Child',
  executionArn: CHILD_ARN,
  ...(taskToken !== undefined ? { taskToken } : {}),
});

function startChild(definition: unknown, parent: ParentLink, input: unknown = {}) {
  const driver = new Driver(definition);
  const decision = driver.apply({
    type: 'StartExecution',
    executionId: 'Child:c-1',
    name: 'c-1',
    input: input as never,
    parent,
  });
  return { driver, decision };
}

function onlyTask(decision: ReturnType<Driver['start']>) {
  const [task] = dispatches(decision);
  if (!task) throw new Error('no task dispatched');
  return task;
}

function reports(commands: readonly Command[]) {
  return commands.filter(
    (c): c is Extract<Command, { type: 'ReportToParent' }> => c.type === 'ReportToParent',
  );
}

describe('a child execution', () => {
  it('keeps its parent and reports its success with the transition that ends it', () => {
    const { driver, decision } = startChild(
      { StartAt: 'Done', States: { Done: { Type: 'Pass', Result: { ok: 1 }, End: true } } },
      link('v1.token.sig'),
      { n: 1 },
    );
    expect(driver.execution?.parent).toEqual(link('v1.token.sig'));
    expect(reports(decision.commands)).toEqual([
      {
        type: 'ReportToParent',
        parent: link('v1.token.sig'),
        status: 'SUCCEEDED',
        input: { n: 1 },
        output: { ok: 1 },
        startTime: T0,
        stopTime: T0,
        redriveCount: 0,
      },
    ]);
  });

  it('reports a failure with its error and cause', () => {
    const { decision } = startChild(
      { StartAt: 'No', States: { No: { Type: 'Fail', Error: 'Child.Broke', Cause: 'why' } } },
      link('v1.token.sig'),
    );
    expect(reports(decision.commands)).toMatchObject([
      { status: 'FAILED', error: 'Child.Broke', cause: 'why' },
    ]);
  });

  it('reports nothing while running, and its stop once', () => {
    const { driver, decision } = startChild(
      { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 60, End: true } } },
      link('v1.token.sig'),
    );
    expect(reports(decision.commands)).toEqual([]);
    const stopped = driver.apply({ type: 'StopExecution', cause: 'parent stopped' });
    expect(reports(stopped.commands)).toMatchObject([{ status: 'ABORTED', cause: 'parent stopped' }]);
    // A stop delivered again changes nothing, and reports nothing again.
    expect(reports(driver.apply({ type: 'StopExecution' }).commands)).toEqual([]);
  });

  it('reports nothing when its parent does not wait for its end', () => {
    const { decision } = startChild(
      { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
      link(undefined),
    );
    expect(decision.execution.parent).toEqual(link(undefined));
    expect(reports(decision.commands)).toEqual([]);
  });
});

describe('a parent waiting on a child', () => {
  it('records TaskSubmitted once, and keeps waiting for the result', () => {
    const driver = new Driver(waitingParent);
    const task = onlyTask(driver.start());
    const submitted = driver.apply({
      type: 'TaskSubmitted',
      token: task.token,
      output: { ExecutionArn: CHILD_ARN, StartDate: T0 },
    });
    expect(submitted.history).toMatchObject([
      {
        type: 'TaskSubmitted',
        stateName: 'StartChild',
        resource: SYNC_RESOURCE,
        output: { ExecutionArn: CHILD_ARN, StartDate: T0 },
      },
    ]);
    expect(driver.execution?.status).toBe('RUNNING');
    const again = driver.apply({
      type: 'TaskSubmitted',
      token: task.token,
      output: { ExecutionArn: 'other' },
    });
    expect(again.changed).toBe(false);
    const done = driver.apply({ type: 'TaskSucceeded', token: task.token, output: { Status: 'SUCCEEDED' } });
    expect(done.execution.status).toBe('SUCCEEDED');
  });

  it('ignores a TaskSubmitted for a task that is no longer running', () => {
    const driver = new Driver(waitingParent);
    const task = onlyTask(driver.start());
    driver.apply({ type: 'TaskSucceeded', token: task.token, output: {} });
    expect(driver.apply({ type: 'TaskSubmitted', token: task.token, output: {} }).changed).toBe(false);
  });

  it('cancels a submitted task when it is stopped', () => {
    const driver = new Driver(waitingParent);
    const task = onlyTask(driver.start());
    driver.apply({ type: 'TaskSubmitted', token: task.token, output: { ExecutionArn: CHILD_ARN } });
    const stopped = driver.apply({ type: 'StopExecution' });
    expect(stopped.execution.status).toBe('ABORTED');
    expect(stopped.commands.filter((c) => c.type === 'CancelTask')).toEqual([
      {
        type: 'CancelTask',
        token: task.token,
        resource: SYNC_RESOURCE,
        submitted: { ExecutionArn: CHILD_ARN },
      },
    ]);
  });

  it('cancels nothing when stopped before its task was submitted', () => {
    const driver = new Driver(waitingParent);
    driver.start();
    const stopped = driver.apply({ type: 'StopExecution' });
    expect(stopped.commands.filter((c) => c.type === 'CancelTask')).toEqual([]);
  });

  it('cancels a submitted task that times out', () => {
    const driver = new Driver({
      StartAt: 'StartChild',
      States: { StartChild: { ...waitingParent.States.StartChild, TimeoutSeconds: 10 } },
    });
    const started = driver.start();
    const task = onlyTask(started);
    const [deadline] = timers(started);
    if (!deadline) throw new Error('no timeout timer');
    driver.apply({ type: 'TaskSubmitted', token: task.token, output: { ExecutionArn: CHILD_ARN } });
    const fired = driver.apply({ type: 'TimerFired', timerId: deadline.timerId }, deadline.fireAt);
    expect(fired.history.map((event) => event.type)).toContain('TaskTimedOut');
    expect(fired.commands.filter((c) => c.type === 'CancelTask')).toEqual([
      {
        type: 'CancelTask',
        token: task.token,
        resource: SYNC_RESOURCE,
        submitted: { ExecutionArn: CHILD_ARN },
      },
    ]);
  });
});
