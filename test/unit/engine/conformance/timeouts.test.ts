/**
 * Conformance: Task TimeoutSeconds / HeartbeatSeconds and the execution-level TimeoutSeconds, as
 * the AWS Step Functions Developer Guide documents them.
 *
 * A task function runs in real time while the virtual clock runs at real speed, so the Task
 * timeouts below cost about a real second each (the minimum TimeoutSeconds / HeartbeatSeconds is
 * 1). They run concurrently to keep the file fast.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { never, recordingTask, sleep } from '../../../helpers/conformance.js';

const SLEEP10 = 'arn:aws:lambda:us-east-1:123456789012:function:sleep10';
const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:HelloWorld';

/** The Guide's sleep10 Lambda function, scaled down: outlives a 1-second TimeoutSeconds. */
async function sleepPastTimeout(): Promise<string> {
  await sleep(1_500);
  return 'finished too late';
}

/** The Guide's timeout examples ("Handling a timeout using Retry / Catch"), with TimeoutSeconds 1. */
function helloWorld(fields: Record<string, unknown>, extraStates: Record<string, unknown> = {}) {
  return {
    Comment: 'Hello World example which invokes a AWS Lambda function',
    StartAt: 'HelloWorld',
    States: {
      HelloWorld: { Type: 'Task', Resource: SLEEP10, TimeoutSeconds: 1, End: true, ...fields },
      ...extraStates,
    },
  };
}

const FALLBACK = { fallback: { Type: 'Pass', Result: 'Hello, AWS Step Functions!', End: true } };

describe.concurrent('Task TimeoutSeconds (real time)', () => {
  // Guide, "Task workflow state > TimeoutSeconds": "If the task runs longer than the specified
  // seconds, this state fails with a States.Timeout error name."
  it('fails the task with States.Timeout when it runs longer than TimeoutSeconds', async ({ expect }) => {
    const result = await runWorkflow(helloWorld({}), {}, { tasks: { [SLEEP10]: sleepPastTimeout } });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
  });

  // Guide, "Handling errors > Handling a timeout using Catch": "When a timeout occurs, the state
  // machine transitions to the fallback state."
  it('catches States.Timeout and goes to the fallback state', async ({ expect }) => {
    const result = await runWorkflow(
      helloWorld({ Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'fallback' }] }, FALLBACK),
      {},
      { tasks: { [SLEEP10]: sleepPastTimeout } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('Hello, AWS Step Functions!');
  });

  // Guide, "Error names > States.TaskFailed": "acts as a wildcard that matches any known error name
  // except for States.Timeout".
  it('does not catch States.Timeout with States.TaskFailed', async ({ expect }) => {
    const result = await runWorkflow(
      helloWorld({ Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'fallback' }] }, FALLBACK),
      {},
      { tasks: { [SLEEP10]: sleepPastTimeout } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
  });

  // Guide, "Error names > States.ALL": "A wildcard that matches any known error name" (States.Timeout included).
  it('catches States.Timeout with States.ALL', async ({ expect }) => {
    const result = await runWorkflow(
      helloWorld({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'fallback' }] }, FALLBACK),
      {},
      { tasks: { [SLEEP10]: sleepPastTimeout } },
    );
    expect(result.output).toBe('Hello, AWS Step Functions!');
  });

  // Guide, "Retry field examples > Example 3 – Retry all errors except States.Timeout".
  it('does not retry States.Timeout when its retrier has MaxAttempts 0', async ({ expect }) => {
    const task = recordingTask(sleepPastTimeout);
    const result = await runWorkflow(
      helloWorld({
        Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'] }],
      }),
      {},
      { tasks: { [SLEEP10]: task } },
    );
    expect(task.inputs).toHaveLength(1);
    expect(result.error).toBe('States.Timeout');
  });

  // Guide, "Handling errors > Error names > States.HeartbeatTimeout": "A Task state failed to send a
  // heartbeat for a period longer than the HeartbeatSeconds value."
  it('fails the task with States.HeartbeatTimeout when it sends no heartbeat', async ({ expect }) => {
    const result = await runWorkflow(
      {
        StartAt: 'ActivityState',
        States: {
          ActivityState: {
            Type: 'Task',
            Resource: ACTIVITY,
            TimeoutSeconds: 300,
            HeartbeatSeconds: 1,
            End: true,
          },
        },
      },
      {},
      { tasks: { [ACTIVITY]: () => never() } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.HeartbeatTimeout');
  });

  // Guide, "Task workflow state > HeartbeatSeconds": the state fails only "if more time than the
  // specified seconds elapses between heartbeats from the task".
  it('keeps a task that sends heartbeats alive past HeartbeatSeconds', async ({ expect }) => {
    const result = await runWorkflow(
      {
        StartAt: 'ActivityState',
        States: {
          ActivityState: {
            Type: 'Task',
            Resource: ACTIVITY,
            TimeoutSeconds: 300,
            HeartbeatSeconds: 1,
            End: true,
          },
        },
      },
      {},
      {
        tasks: {
          [ACTIVITY]: async (_input, context) => {
            for (let i = 0; i < 4; i++) {
              await sleep(400);
              context.heartbeat();
            }
            return 'alive';
          },
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('alive');
  });
});

describe('Task TimeoutSeconds (no real wait)', () => {
  // Guide, "Task workflow state > TimeoutSeconds": only a task that runs longer fails.
  it('lets a task that finishes within TimeoutSeconds succeed', async () => {
    const result = await runWorkflow(helloWorld({}), {}, { tasks: { [SLEEP10]: () => 'on time' } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('on time');
  });
});

describe('Execution TimeoutSeconds', () => {
  // Guide, "State machine structure > TimeoutSeconds": "The maximum number of seconds an execution
  // of the state machine can run. If it runs longer than the specified time, the execution fails
  // with a States.Timeout Error Name"; the execution status is TIMED_OUT.
  it('times the execution out with States.Timeout when it runs longer than TimeoutSeconds', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'wait_ten_seconds',
        TimeoutSeconds: 5,
        States: {
          wait_ten_seconds: { Type: 'Wait', Seconds: 10, Next: 'NextState' },
          NextState: { Type: 'Succeed' },
        },
      },
      {},
    );
    expect(result.status).toBe('TIMED_OUT');
    expect(result.error).toBe('States.Timeout');
  });

  // Same field: an execution that ends in time is not affected.
  it('lets an execution that ends within TimeoutSeconds succeed', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'wait_ten_seconds',
        TimeoutSeconds: 20,
        States: {
          wait_ten_seconds: { Type: 'Wait', Seconds: 10, Next: 'NextState' },
          NextState: { Type: 'Succeed' },
        },
      },
      { ok: true },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ ok: true });
  });

  // Guide, "Handling errors": "Step Functions catchers are available for Task, Parallel and Map
  // states, but not for top-level state machine execution failures" — a catcher inside the machine
  // does not catch the execution timeout.
  it('is not caught by the Catch of the running state', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        TimeoutSeconds: 5,
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'Slow', States: { Slow: { Type: 'Wait', Seconds: 10, End: true } } }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'fallback' }],
            End: true,
          },
          ...FALLBACK,
        },
      },
      {},
    );
    expect(result.status).toBe('TIMED_OUT');
    expect(result.error).toBe('States.Timeout');
  });
});
