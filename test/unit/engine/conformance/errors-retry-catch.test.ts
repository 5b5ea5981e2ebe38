/**
 * Conformance: Retry and Catch, as the AWS Step Functions Developer Guide documents them
 * ("Handling errors in Step Functions workflows"). Waits between attempts are read from the
 * execution history (TaskScheduled events) on the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { failingTask, namedError, recordingTask, retryWaitsSeconds } from '../../../helpers/conformance.js';

const FAIL_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:FailFunction';
const TASK_X = 'arn:aws:states:us-east-1:123456789012:task:X';

/** A one-Task machine named HelloWorld; `fields` are added to the Task state. */
function helloWorld(fields: Record<string, unknown>, extraStates: Record<string, unknown> = {}) {
  return {
    Comment: 'A Hello World example invoking Lambda function',
    StartAt: 'HelloWorld',
    States: { HelloWorld: { Type: 'Task', Resource: FAIL_FUNCTION, End: true, ...fields }, ...extraStates },
  };
}

/** FailFunction of the Guide: always fails, here with the given error name. */
function alwaysFails(name: string) {
  return recordingTask(() => {
    throw namedError(name, 'error');
  });
}

describe('Retry', () => {
  // Guide, "Handling errors > State machine examples > Handling a failure using Retry": retried
  // "twice with an exponential backoff between retries" (IntervalSeconds 1, MaxAttempts 2, BackoffRate 2.0).
  it('retries HandledError twice, after 1 and 2 seconds, then fails', async () => {
    const fail = alwaysFails('HandledError');
    const result = await runWorkflow(
      helloWorld({
        Retry: [{ ErrorEquals: ['HandledError'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2.0 }],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(fail.inputs).toHaveLength(3);
    expect(retryWaitsSeconds(result.history, 'HelloWorld')).toEqual([1, 2]);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HandledError');
  });

  // Same section, variant: "States.TaskFailed, which matches any error that a Lambda function outputs".
  it('retries any task error with States.TaskFailed', async () => {
    const fail = alwaysFails('HandledError');
    await runWorkflow(
      helloWorld({
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2.0 }],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(fail.inputs).toHaveLength(3);
  });

  // Guide (Amazon States Language > Errors): "a Retry field that will make four retry attempts
  // after waits of 3, 4.5, 6.75 and 10.125 seconds".
  it('waits 3, 4.5, 6.75 and 10.125 seconds with IntervalSeconds 3 and BackoffRate 1.5', async () => {
    const fail = alwaysFails('Flaky');
    const result = await runWorkflow(
      helloWorld({
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 3, MaxAttempts: 4, BackoffRate: 1.5 }],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(fail.inputs).toHaveLength(5);
    expect(retryWaitsSeconds(result.history, 'HelloWorld')).toEqual([3, 4.5, 6.75, 10.125]);
  });

  // Guide, "Retry field examples > Example 1 – Retry with BackoffRate" (BackoffRate 1: the second
  // retry also waits three seconds).
  it('keeps the interval constant with BackoffRate 1', async () => {
    const fail = alwaysFails('Flaky');
    const result = await runWorkflow(
      helloWorld({ Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 3, MaxAttempts: 2, BackoffRate: 1 }] }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(retryWaitsSeconds(result.history, 'HelloWorld')).toEqual([3, 3]);
  });

  // Guide, "Retrying after an error": IntervalSeconds "1 by default", MaxAttempts "3 by default",
  // BackoffRate "2.0" by default.
  it('retries three times after 1, 2 and 4 seconds by default', async () => {
    const fail = alwaysFails('Flaky');
    const result = await runWorkflow(
      helloWorld({ Retry: [{ ErrorEquals: ['Flaky'] }] }),
      {},
      {
        tasks: { [FAIL_FUNCTION]: fail },
      },
    );
    expect(fail.inputs).toHaveLength(4);
    expect(retryWaitsSeconds(result.history, 'HelloWorld')).toEqual([1, 2, 4]);
  });

  // Guide, "Retry field examples > Example 2 – Retry with MaxDelaySeconds": "The first retry takes
  // place after waiting for three seconds. The second and third retry attempts take place after
  // waiting for five seconds" (the example without its JitterStrategy, which randomizes the waits).
  it('caps the waits at MaxDelaySeconds', async () => {
    const fail = alwaysFails('Flaky');
    const result = await runWorkflow(
      helloWorld({
        Retry: [
          { ErrorEquals: ['Flaky'], IntervalSeconds: 3, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 5 },
        ],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(retryWaitsSeconds(result.history, 'HelloWorld')).toEqual([3, 5, 5]);
  });

  // Guide, "Retrying after an error > JitterStrategy": with MaxAttempts 3, IntervalSeconds 2 and
  // BackoffRate 2 "the first retry interval is randomized between 0 and 2 seconds, the second ...
  // between 0 and 4 seconds, and the third ... between 0 and 8 seconds".
  it('randomizes each wait between 0 and the backoff interval with JitterStrategy FULL', async () => {
    const fail = alwaysFails('Flaky');
    const result = await runWorkflow(
      helloWorld({
        Retry: [
          {
            ErrorEquals: ['Flaky'],
            IntervalSeconds: 2,
            MaxAttempts: 3,
            BackoffRate: 2,
            JitterStrategy: 'FULL',
          },
        ],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    const waits = retryWaitsSeconds(result.history, 'HelloWorld');
    expect(waits).toHaveLength(3);
    const [first, second, third] = waits as [number, number, number];
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(2);
    expect(second).toBeLessThanOrEqual(4);
    expect(third).toBeLessThanOrEqual(8);
    expect(first + second + third).toBeLessThan(14);
  });

  // Guide, "Retrying after an error > MaxAttempts": "A value of 0 specifies that the error is never retried."
  it('never retries an error whose retrier has MaxAttempts 0', async () => {
    const fail = alwaysFails('ErrorA');
    const result = await runWorkflow(
      helloWorld({ Retry: [{ ErrorEquals: ['ErrorA'], MaxAttempts: 0 }] }),
      {},
      {
        tasks: { [FAIL_FUNCTION]: fail },
      },
    );
    expect(fail.inputs).toHaveLength(1);
    expect(result.error).toBe('ErrorA');
  });

  // Guide, "Retry field examples > Example 3 – Retry all errors except States.Timeout": the
  // States.ALL retrier after the MaxAttempts 0 one still retries other errors (default 3 times).
  it('retries other errors with the States.ALL retrier that follows a MaxAttempts 0 retrier', async () => {
    const fail = alwaysFails('ErrorA');
    await runWorkflow(
      helloWorld({
        Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'] }],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(fail.inputs).toHaveLength(4);
  });

  // ASL specification, "Retrying after error": the interpreter applies the retry policy of the
  // Retrier whose ErrorEquals matches first; an exhausted retrier does not hand over to a later one.
  it('applies only the first matching retrier, even once it is exhausted', async () => {
    const fail = alwaysFails('ErrorA');
    await runWorkflow(
      helloWorld({
        Retry: [
          { ErrorEquals: ['ErrorA'], MaxAttempts: 1 },
          { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
        ],
      }),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(fail.inputs).toHaveLength(2);
  });

  // Guide, "Retry field examples > Example 4 – Complex retry scenario": errors ErrorA, ErrorB,
  // ErrorC, ErrorB cause waits of 1, 2 and 5 seconds, then "that retrier fails and the execution
  // redirects the workflow to the Z state through the Catch field".
  const COMPLEX = {
    StartAt: 'X',
    States: {
      X: {
        Type: 'Task',
        Resource: TASK_X,
        Next: 'Y',
        Retry: [
          { ErrorEquals: ['ErrorA', 'ErrorB'], IntervalSeconds: 1, BackoffRate: 2.0, MaxAttempts: 2 },
          { ErrorEquals: ['ErrorC'], IntervalSeconds: 5 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Z' }],
      },
      Y: { Type: 'Pass', Result: 'Y', End: true },
      Z: { Type: 'Pass', End: true },
    },
  };

  it('waits 1, 2 and 5 seconds in the complex retry scenario', async () => {
    const task = failingTask(['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB']);
    const result = await runWorkflow(COMPLEX, {}, { tasks: { [TASK_X]: task } });
    expect(task.inputs).toHaveLength(4);
    expect(retryWaitsSeconds(result.history, 'X')).toEqual([1, 2, 5]);
  });

  it('goes to Z through the Catch when the fourth error finds its retrier exhausted', async () => {
    const task = failingTask(['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB']);
    const result = await runWorkflow(COMPLEX, {}, { tasks: { [TASK_X]: task } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ Error: 'ErrorB', Cause: 'attempt 4 failed with ErrorB' });
  });

  // Guide (Amazon States Language > Errors > Complex Retry Scenarios): "once the system transitions
  // to another state, no matter how, all Retrier parameters are reset".
  it('resets the retry counts when the state is entered again', async () => {
    // Each entry into Work fails once, then its single retry (MaxAttempts 1) succeeds; without the
    // reset the second entry's failure would find the retrier exhausted.
    const task = failingTask(['Flaky', null, 'Flaky', null]);
    const result = await runWorkflow(
      {
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: TASK_X,
            ResultPath: null,
            Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }],
            Next: 'Again',
          },
          Again: {
            Type: 'Choice',
            Choices: [{ Variable: '$.round', NumericEquals: 1, Next: 'Second' }],
            Default: 'Done',
          },
          Second: { Type: 'Pass', Result: 2, ResultPath: '$.round', Next: 'Work' },
          Done: { Type: 'Succeed' },
        },
      },
      { round: 1 },
      { tasks: { [TASK_X]: task } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(task.inputs).toHaveLength(4);
  });
});

describe('Catch', () => {
  // Guide, "Handling errors > Handling a failure using Catch": HandledError goes to "fallback".
  it('goes to the fallback state when the catcher matches', async () => {
    const result = await runWorkflow(
      helloWorld(
        { Catch: [{ ErrorEquals: ['HandledError'], Next: 'fallback' }] },
        { fallback: { Type: 'Pass', Result: 'Hello, AWS Step Functions!', End: true } },
      ),
      {},
      { tasks: { [FAIL_FUNCTION]: alwaysFails('HandledError') } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('Hello, AWS Step Functions!');
  });

  // Same section, variant with States.TaskFailed; Guide, "Error names > States.TaskFailed": "acts
  // as a wildcard that matches any known error name except for States.Timeout".
  it('catches any task error with States.TaskFailed', async () => {
    const result = await runWorkflow(
      helloWorld(
        { Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'fallback' }] },
        { fallback: { Type: 'Pass', Result: 'Hello, AWS Step Functions!', End: true } },
      ),
      {},
      { tasks: { [FAIL_FUNCTION]: alwaysFails('SomeCustomError') } },
    );
    expect(result.output).toBe('Hello, AWS Step Functions!');
  });

  // Guide, "Fallback states": a Catch field that "transitions to the state named RecoveryState
  // when a Lambda function outputs an unhandled Java exception. Otherwise ... EndState"; "for the
  // first catcher the error output is added to the input as a field named error-info".
  const JAVA_CATCH = helloWorld(
    {
      Catch: [
        { ErrorEquals: ['java.lang.Exception'], ResultPath: '$.error-info', Next: 'RecoveryState' },
        { ErrorEquals: ['States.ALL'], Next: 'EndState' },
      ],
    },
    {
      RecoveryState: { Type: 'Pass', Parameters: { 'state.$': '$$.State.Name', 'input.$': '$' }, End: true },
      EndState: { Type: 'Pass', Parameters: { 'state.$': '$$.State.Name', 'input.$': '$' }, End: true },
    },
  );

  it('adds the error output to the input at the first catcher ResultPath', async () => {
    const result = await runWorkflow(
      JAVA_CATCH,
      { order: 7 },
      {
        tasks: { [FAIL_FUNCTION]: alwaysFails('java.lang.Exception') },
      },
    );
    expect(result.output).toEqual({
      state: 'RecoveryState',
      input: { order: 7, 'error-info': { Error: 'java.lang.Exception', Cause: 'error' } },
    });
  });

  // Same section: "For the second catcher, the error output overwrites the input and only the
  // error output is sent to EndState" (ResultPath defaults to $).
  it('sends only the error output to the States.ALL catcher without ResultPath', async () => {
    const result = await runWorkflow(
      JAVA_CATCH,
      { order: 7 },
      {
        tasks: { [FAIL_FUNCTION]: alwaysFails('SomethingElse') },
      },
    );
    expect(result.output).toEqual({ state: 'EndState', input: { Error: 'SomethingElse', Cause: 'error' } });
  });

  // Guide, "Fallback states": "When a state has both Retry and Catch fields, Step Functions uses any
  // appropriate retriers first. If the retry policy fails to resolve the error, Step Functions
  // applies the matching catcher transition."
  it('exhausts the retriers before it applies the catcher', async () => {
    const fail = alwaysFails('HandledError');
    const result = await runWorkflow(
      helloWorld(
        {
          Retry: [{ ErrorEquals: ['HandledError'], IntervalSeconds: 1, MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['HandledError'], Next: 'fallback' }],
        },
        { fallback: { Type: 'Pass', End: true } },
      ),
      {},
      { tasks: { [FAIL_FUNCTION]: fail } },
    );
    expect(fail.inputs).toHaveLength(3);
    expect(result.output).toEqual({ Error: 'HandledError', Cause: 'error' });
  });

  // Guide, "Error names > States.Runtime": "A States.Runtime error isn't retriable, and will always
  // cause the execution to fail. A retry or catch on States.ALL won't catch States.Runtime errors."
  it('does not catch States.Runtime with States.ALL', async () => {
    const task = recordingTask();
    const result = await runWorkflow(
      helloWorld(
        { InputPath: '$.missing', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'fallback' }] },
        { fallback: { Type: 'Pass', End: true } },
      ),
      {},
      { tasks: { [FAIL_FUNCTION]: task } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
  });

  // Same paragraph: States.Runtime is not retried by a States.ALL retrier.
  it('does not retry States.Runtime with States.ALL', async () => {
    const result = await runWorkflow(
      helloWorld({ OutputPath: '$.missing', Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 5 }] }),
      {},
      { tasks: { [FAIL_FUNCTION]: () => ({}) } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.history.filter((event) => event.type === 'TaskScheduled')).toHaveLength(1);
  });

  // Guide, "Error names > States.DataLimitExceeded": "A terminal error which cannot be caught by the
  // States.ALL error type", reported when the "output of a state is larger than payload size quota"
  // (256 KiB, "Step Functions service quotas").
  it('does not catch States.DataLimitExceeded with States.ALL', async () => {
    const result = await runWorkflow(
      helloWorld(
        { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'fallback' }] },
        { fallback: { Type: 'Pass', End: true } },
      ),
      {},
      { tasks: { [FAIL_FUNCTION]: () => ({ blob: 'x'.repeat(300 * 1024) }) } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
  });

  // Guide, "Step Functions service quotas": the payload quota is 256 KiB "of data as a UTF-8 encoded
  // string", so the size the cause states is in bytes, not characters.
  it('states the size of a payload over the limit in UTF-8 bytes', async () => {
    const result = { blob: '\u00e9'.repeat(300 * 1024) + '\u{1F600}' };
    const outcome = await runWorkflow(helloWorld({}), {}, { tasks: { [FAIL_FUNCTION]: () => result } });
    const bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
    expect(outcome.error).toBe('States.DataLimitExceeded');
    expect(outcome.cause).toBe(
      `The result of task state 'HelloWorld' has ${bytes} bytes, more than the limit of 262144`,
    );
  });

  // Guide, "Handling errors > Error names": errors are identified by case-sensitive error names.
  it('matches error names case-sensitively', async () => {
    const result = await runWorkflow(
      helloWorld(
        { Catch: [{ ErrorEquals: ['handlederror'], Next: 'fallback' }] },
        { fallback: { Type: 'Pass', End: true } },
      ),
      {},
      { tasks: { [FAIL_FUNCTION]: alwaysFails('HandledError') } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HandledError');
  });
});
