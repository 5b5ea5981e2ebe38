/**
 * Conformance: the Context object (`$$`), as the AWS Step Functions Developer Guide documents it on
 * "Accessing execution data from the Context object in Step Functions".
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { failingTask, recordingTask } from '../../../helpers/conformance.js';

const QUEUE = 'arn:aws:states:::sqs:sendMessage';
const TASK = 'arn:aws:lambda:us-east-1:123456789012:function:Test';
const NAMES = { name: 'executionName', stateMachineName: 'stateMachineName' } as const;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A machine whose single Pass state outputs `Parameters`. */
function passParameters(parameters: Record<string, unknown>, stateName = 'Test') {
  return { StartAt: stateName, States: { [stateName]: { Type: 'Pass', Parameters: parameters, End: true } } };
}

describe('Context object fields', () => {
  // Guide, "Accessing the Context object": the "Order Flight Ticket Queue" SQS example passes the
  // execution ARN with "Execution.$": "$$.Execution.Id".
  it('passes the execution ARN to a task with "Execution.$": "$$.Execution.Id"', async () => {
    const send = recordingTask(() => ({}));
    const result = await runWorkflow(
      {
        StartAt: 'Order Flight Ticket Queue',
        States: {
          'Order Flight Ticket Queue': {
            Type: 'Task',
            Resource: QUEUE,
            Parameters: {
              QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/flight-purchase',
              MessageBody: { From: 'YVR', To: 'SEA', 'Execution.$': '$$.Execution.Id' },
            },
            Next: 'NEXT_STATE',
          },
          NEXT_STATE: { Type: 'Succeed' },
        },
      },
      {},
      { ...NAMES, tasks: { [QUEUE]: send } },
    );
    expect(send.inputs).toEqual([
      {
        QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/flight-purchase',
        MessageBody: { From: 'YVR', To: 'SEA', Execution: result.executionId },
      },
    ]);
  });

  // Guide, "Context object fields": "Id": "arn:aws:states:region:123456789012:execution:stateMachineName:executionName".
  // Baton runs no Step Functions state machine, so there is no execution ARN: the id is the one the
  // orchestrator, the CLI, the API and the table use, `<workflow>:<execution name>` (README, "Context
  // object"), the same in runWorkflow as on AWS.
  it('gives $$.Execution.Id the execution id the orchestrator keys it by', async () => {
    const result = await runWorkflow(passParameters({ 'id.$': '$$.Execution.Id' }), {}, NAMES);
    expect(result.output).toEqual({ id: 'stateMachineName:executionName' });
    expect(result.executionId).toBe('stateMachineName:executionName');
  });

  // Guide, "Context object fields": "Name": "executionName".
  it('gives the execution name in $$.Execution.Name', async () => {
    const result = await runWorkflow(passParameters({ 'name.$': '$$.Execution.Name' }), {}, NAMES);
    expect(result.output).toEqual({ name: 'executionName' });
  });

  // Guide, "Context object fields": "Input": { "key": "value" } is the execution input, whatever
  // earlier states did to the data.
  it('keeps the original execution input in $$.Execution.Input', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Replace',
        States: {
          Replace: { Type: 'Pass', Result: { replaced: true }, Next: 'Test' },
          Test: { Type: 'Pass', Parameters: { 'input.$': '$$.Execution.Input' }, End: true },
        },
      },
      { key: 'value' },
    );
    expect(result.output).toEqual({ input: { key: 'value' } });
  });

  // Guide, "Context object fields": "StartTime": "Format: ISO 8601".
  it('gives the execution start time in ISO 8601 in $$.Execution.StartTime', async () => {
    const startTime = Date.parse('2019-03-26T20:14:13.192Z');
    const result = await runWorkflow(
      passParameters({ 'start.$': '$$.Execution.StartTime' }),
      {},
      { startTime },
    );
    const start = (result.output as { start: string }).start;
    expect(start).toMatch(ISO_8601);
    expect(Date.parse(start) - startTime).toBeGreaterThanOrEqual(0);
    expect(Date.parse(start) - startTime).toBeLessThan(1000);
  });

  // Guide, "Context object fields": "RedriveCount": Number (0 for an execution never redriven).
  it('gives 0 in $$.Execution.RedriveCount for an execution that was not redriven', async () => {
    const result = await runWorkflow(passParameters({ 'count.$': '$$.Execution.RedriveCount' }), {});
    expect(result.output).toEqual({ count: 0 });
  });

  // Guide, "Context object fields": "State": { "Name": "Test", ... }.
  it('gives the current state name in $$.State.Name', async () => {
    const result = await runWorkflow(passParameters({ 'state.$': '$$.State.Name' }, 'Test'), {});
    expect(result.output).toEqual({ state: 'Test' });
  });

  // Guide, "Context object fields": "EnteredTime": "Format: ISO 8601" is when the state was entered.
  it('gives the time the state was entered in $$.State.EnteredTime', async () => {
    const startTime = Date.parse('2025-08-27T10:04:42.001Z');
    const result = await runWorkflow(
      {
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', Seconds: 10, Next: 'Test' },
          Test: { Type: 'Pass', Parameters: { 'entered.$': '$$.State.EnteredTime' }, End: true },
        },
      },
      {},
      { startTime },
    );
    const entered = (result.output as { entered: string }).entered;
    expect(entered).toMatch(ISO_8601);
    expect(Date.parse(entered) - startTime).toBeGreaterThanOrEqual(10_000);
    expect(Date.parse(entered) - startTime).toBeLessThan(11_000);
  });

  // Guide, "Context object fields": "RetryCount": Number (3 in the documented example): how many
  // times the state has been retried.
  it('counts the retries of the state in $$.State.RetryCount', async () => {
    const task = failingTask(['Flaky', 'Flaky']);
    await runWorkflow(
      {
        StartAt: 'Test',
        States: {
          Test: {
            Type: 'Task',
            Resource: TASK,
            Parameters: { 'retry.$': '$$.State.RetryCount' },
            Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 3 }],
            End: true,
          },
        },
      },
      {},
      { tasks: { [TASK]: task } },
    );
    expect(task.inputs).toEqual([{ retry: 0 }, { retry: 1 }, { retry: 2 }]);
  });

  // Guide, "Context object fields": "StateMachine": { "Id": "arn:aws:states:region:123456789012:stateMachine:stateMachineName", ... }.
  it('gives the state machine ARN in $$.StateMachine.Id', async () => {
    const result = await runWorkflow(passParameters({ 'id.$': '$$.StateMachine.Id' }), {}, NAMES);
    expect((result.output as { id: string }).id).toMatch(
      /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:stateMachineName$/,
    );
  });

  // Guide, "Context object fields": "StateMachine": { "Name": "stateMachineName" }.
  it('gives the state machine name in $$.StateMachine.Name', async () => {
    const result = await runWorkflow(passParameters({ 'name.$': '$$.StateMachine.Name' }), {}, NAMES);
    expect(result.output).toEqual({ name: 'stateMachineName' });
  });

  // Guide, "Context object fields": "Task": { "Token": "String" } inside a Task state.
  it('gives the task token of the attempt in $$.Task.Token', async () => {
    const task = recordingTask(() => null);
    await runWorkflow(
      {
        StartAt: 'Test',
        States: {
          Test: { Type: 'Task', Resource: TASK, Parameters: { 'token.$': '$$.Task.Token' }, End: true },
        },
      },
      {},
      { tasks: { [TASK]: task } },
    );
    expect(task.inputs).toEqual([{ token: task.contexts[0]?.taskToken }]);
    expect(typeof task.contexts[0]?.taskToken).toBe('string');
  });
});

describe('Fields that can read the Context object', () => {
  // Guide, "Accessing the Context object": "JSONPath states can refer to the context ($$.) from the
  // following JSONPath fields: InputPath, OutputPath, ItemsPath (in Map states), Variable (in Choice
  // states), ResultSelector, Parameters, Variable to variable comparison operators".
  it('reads the Context object in InputPath', async () => {
    const task = recordingTask();
    await runWorkflow(
      {
        StartAt: 'Test',
        States: { Test: { Type: 'Task', Resource: TASK, InputPath: '$$.Execution.Input', End: true } },
      },
      { key: 'value' },
      { tasks: { [TASK]: task } },
    );
    expect(task.inputs).toEqual([{ key: 'value' }]);
  });

  // Same list: OutputPath.
  it('reads the Context object in OutputPath', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Test',
        States: { Test: { Type: 'Pass', Result: 'ignored', OutputPath: '$$.State.Name', End: true } },
      },
      {},
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('Test');
  });

  // Same list: ItemsPath (in Map states).
  it('reads the Context object in ItemsPath', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$$.Execution.Input.items',
            ItemProcessor: { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      { items: [1, 2, 3] },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([1, 2, 3]);
  });

  // Same list: Variable (in Choice states).
  it('reads the Context object in a Choice Variable', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$$.State.Name', StringEquals: 'Check', Next: 'Yes' }],
            Default: 'No',
          },
          Yes: { Type: 'Pass', Result: 'yes', End: true },
          No: { Type: 'Pass', Result: 'no', End: true },
        },
      },
      {},
    );
    expect(result.output).toBe('yes');
  });

  // Same list: ResultSelector.
  it('reads the Context object in ResultSelector', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Test',
        States: {
          Test: {
            Type: 'Task',
            Resource: TASK,
            ResultSelector: { 'state.$': '$$.State.Name', 'value.$': '$.value' },
            End: true,
          },
        },
      },
      {},
      { tasks: { [TASK]: () => ({ value: 42 }) } },
    );
    expect(result.output).toEqual({ state: 'Test', value: 42 });
  });
});

describe('Context object data for Map states', () => {
  // Guide (earlier edition), "The Context Object > Context Object Data For Map States": the
  // ExampleMapState example with "Parameters" (the legacy name of ItemSelector).
  it('inserts $$.Map.Item.Index and $$.Map.Item.Value for each item', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'ExampleMapState',
        States: {
          ExampleMapState: {
            Type: 'Map',
            Parameters: { 'ContextIndex.$': '$$.Map.Item.Index', 'ContextValue.$': '$$.Map.Item.Value' },
            Iterator: { StartAt: 'TestPass', States: { TestPass: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      [{ who: 'bob' }, { who: 'meg' }, { who: 'joe' }],
    );
    expect(result.output).toEqual([
      { ContextValue: { who: 'bob' }, ContextIndex: 0 },
      { ContextValue: { who: 'meg' }, ContextIndex: 1 },
      { ContextValue: { who: 'joe' }, ContextIndex: 2 },
    ]);
  });

  // Guide, "Context object data for Map states" (current edition): the same example with
  // ItemSelector and ItemProcessor, plus "ContextSource.$": "$$.Map.Item.Source", which is
  // "STATE_DATA" for items taken from the state input.
  it('gives STATE_DATA in $$.Map.Item.Source for items from the state input', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'ExampleMapState',
        States: {
          ExampleMapState: {
            Type: 'Map',
            ItemSelector: {
              'ContextIndex.$': '$$.Map.Item.Index',
              'ContextValue.$': '$$.Map.Item.Value',
              'ContextSource.$': '$$.Map.Item.Source',
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'TestPass',
              States: { TestPass: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      [{ who: 'bob' }, { who: 'meg' }, { who: 'joe' }],
    );
    expect(result.output).toEqual([
      { ContextIndex: 0, ContextValue: { who: 'bob' }, ContextSource: 'STATE_DATA' },
      { ContextIndex: 1, ContextValue: { who: 'meg' }, ContextSource: 'STATE_DATA' },
      { ContextIndex: 2, ContextValue: { who: 'joe' }, ContextSource: 'STATE_DATA' },
    ]);
  });
});
