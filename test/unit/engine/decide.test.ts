import { describe, expect, it } from 'vitest';
import { compileWorkflow, decide } from '../../../lambdas/engine/index.js';
import { dispatches, Driver, T0, timers } from '../../helpers/decide.js';

const twoTasks = {
  StartAt: 'A',
  States: {
    A: { Type: 'Task', Resource: 'baton:worker:a', Next: 'B' },
    B: { Type: 'Task', Resource: 'baton:worker:b', End: true },
  },
};

describe('decide', () => {
  it('starts an execution by dispatching its first task', () => {
    const driver = new Driver(twoTasks);
    const decision = driver.start({ x: 1 });
    expect(decision.execution.status).toBe('RUNNING');
    expect(dispatches(decision)).toEqual([
      expect.objectContaining({
        resource: 'baton:worker:a',
        input: { x: 1 },
        attempt: 1,
        stateName: 'A',
        compensation: false,
      }),
    ]);
    expect(decision.history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
    ]);
  });

  it('gives the same decision for the same inputs', () => {
    const workflow = compileWorkflow(twoTasks);
    const event = { type: 'StartExecution', executionId: 'e', name: 'e', input: {} } as const;
    expect(decide(undefined, event, { now: T0, workflow })).toEqual(
      decide(undefined, event, { now: T0, workflow }),
    );
  });

  it('gives $$.Task.Token as the env signs it, in a Task and in a compensation, so a callback can complete it', () => {
    const workflow = compileWorkflow({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token' } },
          Compensate: { Resource: 'baton:worker:undo', Parameters: { 'token.$': '$$.Task.Token' } },
          Next: 'Boom',
        },
        Boom: { Type: 'Fail', Error: 'Boom' },
      },
    });
    const env = { now: T0, workflow, taskToken: (engineToken: string) => `signed(${engineToken})` };
    const started = decide(
      undefined,
      { type: 'StartExecution', executionId: 'e', name: 'e', input: {} },
      env,
    );
    const [ask] = dispatches(started);
    expect(ask?.input).toEqual({ QueueUrl: 'q', MessageBody: { token: `signed(${ask?.token})` } });
    const failed = decide(
      started.execution,
      { type: 'TaskSucceeded', token: ask?.token as string, output: {} },
      env,
    );
    const [undo] = dispatches(failed);
    expect(undo?.compensation).toBe(true);
    expect(undo?.input).toEqual({ token: `signed(${undo?.token})` });
    // Without a signer (in-process runs), the engine's own token.
    const plain = decide(
      undefined,
      { type: 'StartExecution', executionId: 'e', name: 'e', input: {} },
      { now: T0, workflow },
    );
    expect(dispatches(plain)[0]?.input).toEqual({
      QueueUrl: 'q',
      MessageBody: { token: dispatches(plain)[0]?.token },
    });
  });

  it('does not modify the execution it is given', () => {
    const driver = new Driver(twoTasks);
    const started = driver.start();
    const frozen = JSON.stringify(started.execution);
    const token = dispatches(started)[0]?.token as string;
    decide(
      started.execution,
      { type: 'TaskSucceeded', token, output: { ok: true } },
      { now: T0, workflow: driver.workflowRef },
    );
    expect(JSON.stringify(started.execution)).toBe(frozen);
  });

  it('ignores a repeated start, so a redelivered start message creates nothing', () => {
    const driver = new Driver(twoTasks);
    driver.start();
    const again = driver.start();
    expect(again.commands).toEqual([]);
    expect(again.history).toEqual([]);
  });

  it('applies a task result once and ignores its redelivery', () => {
    const driver = new Driver(twoTasks);
    const token = dispatches(driver.start())[0]?.token as string;
    const first = driver.apply({ type: 'TaskSucceeded', token, output: 1 });
    expect(dispatches(first)).toHaveLength(1);
    const duplicate = driver.apply({ type: 'TaskSucceeded', token, output: 1 });
    expect(duplicate.commands).toEqual([]);
    expect(duplicate.history).toEqual([]);
  });

  it('ignores a result for a token it never issued', () => {
    const driver = new Driver(twoTasks);
    driver.start();
    const forged = driver.apply({ type: 'TaskSucceeded', token: 'root:999:1', output: 1 });
    expect(forged.history).toEqual([]);
  });

  it('ignores a late result from an attempt that timed out', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'baton:worker:a',
          TimeoutSeconds: 5,
          Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 1, IntervalSeconds: 1 }],
          End: true,
        },
      },
    };
    const driver = new Driver(definition);
    const started = driver.start();
    const firstToken = dispatches(started)[0]?.token as string;
    const timeout = timers(started)[0];
    expect(timeout?.fireAt).toBe(T0 + 5000);
    const timedOut = driver.apply({ type: 'TimerFired', timerId: timeout?.timerId as string }, T0 + 5000);
    const retryTimer = timers(timedOut)[0];
    const retried = driver.apply({ type: 'TimerFired', timerId: retryTimer?.timerId as string }, T0 + 6000);
    expect(dispatches(retried)[0]?.attempt).toBe(2);
    const late = driver.apply({ type: 'TaskSucceeded', token: firstToken, output: 'late' }, T0 + 6001);
    expect(late.history).toEqual([]);
    expect(driver.execution?.status).toBe('RUNNING');
  });

  it('keeps the idempotency key across retries of one state entry', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'baton:worker:a', Retry: [{ ErrorEquals: ['Flaky'] }], End: true },
      },
    };
    const driver = new Driver(definition);
    const first = dispatches(driver.start())[0];
    const failed = driver.apply({ type: 'TaskFailed', token: first?.token as string, error: 'Flaky' });
    const retry = timers(failed)[0];
    expect(retry?.fireAt).toBe(T0 + 1000);
    const second = dispatches(
      driver.apply({ type: 'TimerFired', timerId: retry?.timerId as string }, T0 + 1000),
    )[0];
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
    expect(second?.token).not.toBe(first?.token);
  });

  it('persists retry attempts in the execution state', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'baton:worker:a',
          Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }],
          End: true,
        },
      },
    };
    const driver = new Driver(definition);
    const token = dispatches(driver.start())[0]?.token as string;
    driver.apply({ type: 'TaskFailed', token, error: 'Flaky' });
    const restored = JSON.parse(JSON.stringify(driver.execution));
    expect(restored.threads.root.active.retryCounts).toEqual([1]);
    expect(restored.threads.root.active.attempt).toBe(2);
  });

  it('ends the execution ABORTED when stopped, and ignores results afterwards', () => {
    const driver = new Driver(twoTasks);
    const token = dispatches(driver.start())[0]?.token as string;
    const stopped = driver.apply({ type: 'StopExecution', cause: 'operator' });
    expect(stopped.execution.status).toBe('ABORTED');
    expect(stopped.execution.cause).toBe('operator');
    const late = driver.apply({ type: 'TaskSucceeded', token, output: 1 });
    expect(late.history).toEqual([]);
  });

  it('redrives a failed execution from the state that failed, with that state input', () => {
    const driver = new Driver(twoTasks);
    const a = dispatches(driver.start({ n: 1 }))[0]?.token as string;
    const b = dispatches(driver.apply({ type: 'TaskSucceeded', token: a, output: { fromA: true } }))[0]
      ?.token as string;
    driver.apply({ type: 'TaskFailed', token: b, error: 'Boom', cause: 'x' });
    expect(driver.execution?.status).toBe('FAILED');
    const redriven = driver.apply({ type: 'RedriveExecution' });
    expect(redriven.execution.status).toBe('RUNNING');
    expect(redriven.execution.redriveCount).toBe(1);
    expect(dispatches(redriven)).toEqual([
      expect.objectContaining({ stateName: 'B', input: { fromA: true } }),
    ]);
  });

  it('yields after many synchronous transitions instead of looping forever inside one decision', () => {
    const loop = {
      StartAt: 'Spin',
      States: {
        Spin: { Type: 'Pass', Next: 'Check' },
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.done', IsPresent: true, Next: 'Done' }],
          Default: 'Spin',
        },
        Done: { Type: 'Succeed' },
      },
    };
    const workflow = compileWorkflow(loop);
    const decision = decide(
      undefined,
      { type: 'StartExecution', executionId: 'e', name: 'e', input: {} },
      {
        now: T0,
        workflow,
        maxTransitionsPerDecision: 50,
      },
    );
    expect(decision.execution.status).toBe('RUNNING');
    expect(timers(decision)).toHaveLength(1);
  });

  it('times the heartbeat deadline from the last heartbeat', () => {
    const definition = {
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'baton:worker:a', HeartbeatSeconds: 10, End: true } },
    };
    const driver = new Driver(definition);
    const started = driver.start();
    const token = dispatches(started)[0]?.token as string;
    driver.apply({ type: 'TaskHeartbeat', token }, T0 + 8000);
    const early = driver.apply(
      { type: 'TimerFired', timerId: timers(started)[0]?.timerId as string },
      T0 + 10_000,
    );
    expect(timers(early)[0]?.fireAt).toBe(T0 + 18_000);
    const late = driver.apply(
      { type: 'TimerFired', timerId: timers(early)[0]?.timerId as string },
      T0 + 18_000,
    );
    expect(late.execution.status).toBe('FAILED');
    expect(late.execution.error).toBe('States.HeartbeatTimeout');
  });
});

describe('decide reports whether anything changed', () => {
  it('marks a heartbeat as a change although it records no history', () => {
    const driver = new Driver({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'baton:worker:a', HeartbeatSeconds: 10, End: true } },
    });
    const token = dispatches(driver.start())[0]?.token as string;
    const heartbeat = driver.apply({ type: 'TaskHeartbeat', token }, T0 + 1000);
    expect(heartbeat.history).toEqual([]);
    expect(heartbeat.changed).toBe(true);
  });

  it('counts a heartbeat from when it was sent, so that one delivered again, however late, changes nothing', () => {
    const driver = new Driver({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'baton:worker:a', HeartbeatSeconds: 10, End: true } },
    });
    const started = driver.start();
    const token = dispatches(started)[0]?.token as string;
    expect(driver.apply({ type: 'TaskHeartbeat', token, sentAt: T0 + 8000 }, T0 + 8100).changed).toBe(true);
    // The same SQS message again (it keeps its SentTimestamp), long after.
    expect(driver.apply({ type: 'TaskHeartbeat', token, sentAt: T0 + 8000 }, T0 + 17_000).changed).toBe(
      false,
    );
    const early = driver.apply(
      { type: 'TimerFired', timerId: timers(started)[0]?.timerId as string },
      T0 + 10_000,
    );
    expect(timers(early)[0]?.fireAt).toBe(T0 + 18_000);
    const late = driver.apply(
      { type: 'TimerFired', timerId: timers(early)[0]?.timerId as string },
      T0 + 18_000,
    );
    expect(late.execution.error).toBe('States.HeartbeatTimeout');
  });

  it('counts a heartbeat sent with a clock ahead of ours from now', () => {
    const driver = new Driver({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'baton:worker:a', HeartbeatSeconds: 10, End: true } },
    });
    const started = driver.start();
    const token = dispatches(started)[0]?.token as string;
    driver.apply({ type: 'TaskHeartbeat', token, sentAt: T0 + 60_000 }, T0 + 8000);
    const early = driver.apply(
      { type: 'TimerFired', timerId: timers(started)[0]?.timerId as string },
      T0 + 10_000,
    );
    expect(timers(early)[0]?.fireAt).toBe(T0 + 18_000);
  });

  it('marks a stale result as no change', () => {
    const driver = new Driver(twoTasks);
    driver.start();
    expect(driver.apply({ type: 'TaskSucceeded', token: 'root:99:1', output: 1 }).changed).toBe(false);
  });
});

describe('the compensation stack', () => {
  it('holds a step once even when its data flow fails and Retry runs it again', () => {
    const driver = new Driver({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'baton:worker:a',
          // The input's `x` is a string: writing the result under it fails (ResultPathMatchFailure).
          ResultPath: '$.x.result',
          Retry: [{ ErrorEquals: ['States.ResultPathMatchFailure'], MaxAttempts: 1, IntervalSeconds: 1 }],
          Compensate: { Resource: 'baton:worker:undo' },
          End: true,
        },
      },
    });
    const first = dispatches(driver.start({ x: 'text' }))[0]?.token as string;
    const retry = timers(driver.apply({ type: 'TaskSucceeded', token: first, output: { id: 1 } }))[0];
    expect(driver.execution?.saga.stack).toHaveLength(1);
    const second = dispatches(
      driver.apply({ type: 'TimerFired', timerId: retry?.timerId as string }, T0 + 1000),
    )[0];
    const failed = driver.apply(
      { type: 'TaskSucceeded', token: second?.token as string, output: { id: 1 } },
      T0 + 1000,
    );
    expect(failed.execution.status).toBe('COMPENSATING');
    expect(failed.execution.saga.stack).toHaveLength(1);
    expect(dispatches(failed)).toEqual([
      expect.objectContaining({ resource: 'baton:worker:undo', compensation: true }),
    ]);
  });
});
