/**
 * Conformance: the Pass, Wait, Succeed and Fail states, as the AWS Step Functions Developer Guide
 * documents them (the "... workflow state" pages and "State machine structure").
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { eventTimes, recordingTask } from '../../../helpers/conformance.js';

const NEXT = 'arn:aws:lambda:us-east-1:123456789012:function:NextState';

describe('Pass state', () => {
  // Guide, "State machine structure": the Hello World example outputs "Hello World!".
  it('outputs its Result in the Hello World example', async () => {
    const result = await runWorkflow(
      {
        Comment: 'A Hello World example of the Amazon States Language using a Pass state',
        StartAt: 'HelloWorld',
        States: { HelloWorld: { Type: 'Pass', Result: 'Hello World!', End: true } },
      },
      {},
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('Hello World!');
  });

  // Guide, "Pass workflow state > Pass State Example" (the "No-op" state with ResultPath "$.coords").
  it('places its Result at ResultPath in the No-op example', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'No-op',
        States: {
          'No-op': {
            Type: 'Pass',
            Result: { 'x-datum': 0.381018, 'y-datum': 622.2269926397355 },
            ResultPath: '$.coords',
            Next: 'End',
          },
          End: { Type: 'Succeed' },
        },
      },
      { georefOf: 'Home' },
    );
    expect(result.output).toEqual({
      georefOf: 'Home',
      coords: { 'x-datum': 0.381018, 'y-datum': 622.2269926397355 },
    });
  });

  // Guide, "Pass workflow state": "A Pass state passes its input to its output, without performing work".
  it('passes its input to its output when it has no Result', async () => {
    const result = await runWorkflow(
      { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      { a: [1, { b: 2 }] },
    );
    expect(result.output).toEqual({ a: [1, { b: 2 }] });
  });

  // Guide, "Pass workflow state > Parameters": "Create a collection of key-value pairs that will be
  // passed as input. Values can be static, or selected from the input with a path."
  it('outputs its Parameters payload', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'P',
        States: { P: { Type: 'Pass', Parameters: { static: 'foo', 'picked.$': '$.value' }, End: true } },
      },
      { value: 42, other: true },
    );
    expect(result.output).toEqual({ static: 'foo', picked: 42 });
  });
});

describe('Wait state', () => {
  /** Milliseconds between entering and leaving the Wait state named `name`. */
  function waited(history: Parameters<typeof eventTimes>[0], name: string): number {
    const [entered] = eventTimes(history, 'WaitStateEntered', name);
    const [exited] = eventTimes(history, 'WaitStateExited', name);
    return (exited as number) - (entered as number);
  }

  // Guide, "Wait workflow state > Wait State Examples": "wait_ten_seconds" introduces a 10-second delay.
  it('delays the state machine by Seconds', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'wait_ten_seconds',
        States: {
          wait_ten_seconds: { Type: 'Wait', Seconds: 10, Next: 'NextState' },
          NextState: { Type: 'Succeed' },
        },
      },
      {},
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(waited(result.history, 'wait_ten_seconds')).toBeGreaterThanOrEqual(10_000);
    expect(waited(result.history, 'wait_ten_seconds')).toBeLessThan(11_000);
  });

  // Guide, "Wait workflow state > Wait State Examples": "wait_until" waits until "2016-03-14T01:59:00Z".
  it('waits until the absolute Timestamp', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'wait_until',
        States: {
          wait_until: { Type: 'Wait', Timestamp: '2016-03-14T01:59:00Z', Next: 'NextState' },
          NextState: { Type: 'Succeed' },
        },
      },
      {},
      { startTime: Date.parse('2016-03-14T01:00:00Z') },
    );
    const [exited] = eventTimes(result.history, 'WaitStateExited', 'wait_until');
    expect(exited).toBeGreaterThanOrEqual(Date.parse('2016-03-14T01:59:00Z'));
    expect(exited).toBeLessThan(Date.parse('2016-03-14T01:59:01Z'));
  });

  // Guide, "Wait workflow state > Wait State Examples": "TimestampPath": "$.expirydate" with input
  // { "expirydate": "2016-03-14T01:59:00Z" }.
  it('waits until the timestamp TimestampPath selects', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'wait_until',
        States: {
          wait_until: { Type: 'Wait', TimestampPath: '$.expirydate', Next: 'NextState' },
          NextState: { Type: 'Succeed' },
        },
      },
      { expirydate: '2016-03-14T01:59:00Z' },
      { startTime: Date.parse('2016-03-14T01:00:00Z') },
    );
    const [exited] = eventTimes(result.history, 'WaitStateExited', 'wait_until');
    expect(exited).toBeGreaterThanOrEqual(Date.parse('2016-03-14T01:59:00Z'));
    expect(exited).toBeLessThan(Date.parse('2016-03-14T01:59:01Z'));
  });

  // Guide, "Wait workflow state > SecondsPath": "A time, in seconds, to wait ... specified using a
  // path from the state's input data".
  it('delays by the number of seconds SecondsPath selects', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'pause',
        States: {
          pause: { Type: 'Wait', SecondsPath: '$.delay', Next: 'NextState' },
          NextState: { Type: 'Succeed' },
        },
      },
      { delay: 30 },
    );
    expect(waited(result.history, 'pause')).toBeGreaterThanOrEqual(30_000);
    expect(waited(result.history, 'pause')).toBeLessThan(31_000);
  });

  // Guide, "Wait workflow state": the state "delays the state machine from continuing"; it does
  // not change the data (Wait does not support ResultPath).
  it('passes its input on unchanged', async () => {
    const next = recordingTask();
    await runWorkflow(
      {
        StartAt: 'wait_ten_seconds',
        States: {
          wait_ten_seconds: { Type: 'Wait', Seconds: 10, Next: 'NextState' },
          NextState: { Type: 'Task', Resource: NEXT, End: true },
        },
      },
      { order: 17 },
      { tasks: { [NEXT]: next } },
    );
    expect(next.inputs).toEqual([{ order: 17 }]);
  });
});

describe('Succeed state', () => {
  // Guide, "Succeed workflow state": "SuccessState": { "Type": "Succeed" } stops an execution successfully.
  it('stops the execution successfully with its input as output', async () => {
    const result = await runWorkflow(
      { StartAt: 'SuccessState', States: { SuccessState: { Type: 'Succeed' } } },
      { done: true },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ done: true });
  });

  // Guide, "Succeed workflow state": "a useful target for Choice state branches that don't do
  // anything but stop the execution".
  it('ends the execution when a Choice branch targets it', async () => {
    const work = recordingTask();
    const result = await runWorkflow(
      {
        StartAt: 'Decide',
        States: {
          Decide: {
            Type: 'Choice',
            Choices: [{ Variable: '$.skip', BooleanEquals: true, Next: 'SuccessState' }],
            Default: 'Work',
          },
          Work: { Type: 'Task', Resource: NEXT, End: true },
          SuccessState: { Type: 'Succeed' },
        },
      },
      { skip: true },
      { tasks: { [NEXT]: work } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ skip: true });
    expect(work.inputs).toEqual([]);
  });
});

describe('Fail state', () => {
  // Guide, "Fail workflow state": "FailState": { "Type": "Fail", "Cause": "Invalid response.", "Error": "ErrorA" }.
  it('fails the execution with its Error and Cause', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'FailState',
        States: { FailState: { Type: 'Fail', Cause: 'Invalid response.', Error: 'ErrorA' } },
      },
      {},
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ErrorA');
    expect(result.cause).toBe('Invalid response.');
  });

  // Guide, "Fail workflow state > ErrorPath / CausePath": "When resolved, the reference path must
  // select a field that contains a string value."
  it('takes Error and Cause from the input with ErrorPath and CausePath', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'FailState',
        States: {
          FailState: {
            Type: 'Fail',
            Comment: 'my error comment',
            ErrorPath: '$.Error',
            CausePath: '$.Cause',
          },
        },
      },
      { Error: 'ErrorA', Cause: 'Invalid response.' },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ErrorA');
    expect(result.cause).toBe('Invalid response.');
  });
});
