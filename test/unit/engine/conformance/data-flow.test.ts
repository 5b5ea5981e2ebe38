/**
 * Conformance: input and output processing (InputPath, Parameters, ResultSelector, ResultPath,
 * OutputPath, ItemsPath, ItemSelector), as the AWS Step Functions Developer Guide documents it.
 * Every example keeps the guide's values; the comment above each test names its page and section.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { namedError, recordingTask } from '../../../helpers/conformance.js';

const HELLO = 'arn:aws:lambda:us-east-1:123456789012:function:HelloFunction';
const PROCESS = 'arn:aws:lambda:us-east-1:123456789012:function:ProcessImage';

/** A one-Task machine; `fields` are added to the Task state. */
function singleTask(fields: Record<string, unknown>, resource = HELLO) {
  return {
    StartAt: 'HelloWorld',
    States: { HelloWorld: { Type: 'Task', Resource: resource, End: true, ...fields } },
  };
}

describe('InputPath, ResultPath and OutputPath', () => {
  // Guide, "Amazon States Language > Input and Output Processing > OutputPath" (worked example).
  it('gives the task only the InputPath selection and adds its result at ResultPath', async () => {
    const add = recordingTask(() => 7);
    const result = await runWorkflow(
      singleTask({ InputPath: '$.numbers', ResultPath: '$.sum', OutputPath: '$' }),
      { title: 'Numbers to add', numbers: { val1: 3, val2: 4 } },
      { tasks: { [HELLO]: add } },
    );
    expect(add.inputs).toEqual([{ val1: 3, val2: 4 }]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ title: 'Numbers to add', numbers: { val1: 3, val2: 4 }, sum: 7 });
  });

  // Guide, "Input and Output Processing > OutputPath": with "OutputPath": "$.sum" the output is 7.
  it('selects the output with OutputPath after ResultPath was applied', async () => {
    const result = await runWorkflow(
      singleTask({ InputPath: '$.numbers', ResultPath: '$.sum', OutputPath: '$.sum' }),
      { numbers: { val1: 3, val2: 4 } },
      { tasks: { [HELLO]: () => 7 } },
    );
    expect(result.output).toBe(7);
  });

  // Guide, "Example: Manipulating state data with paths" (InputPath, ResultPath and OutputPath example).
  it('runs the HelloWorld InputPath / ResultPath / OutputPath example as documented', async () => {
    const hello = recordingTask((input) => `Hello, ${(input as { who: string }).who}!`);
    const result = await runWorkflow(
      {
        Comment: 'A Hello World example of the Amazon States Language using an AWS Lambda function',
        StartAt: 'HelloWorld',
        States: {
          HelloWorld: {
            Type: 'Task',
            Resource: HELLO,
            InputPath: '$.lambda',
            ResultPath: '$.data.lambdaresult',
            OutputPath: '$.data',
            End: true,
          },
        },
      },
      {
        comment: 'An input comment.',
        data: { val1: 23, val2: 17 },
        extra: 'foo',
        lambda: { who: 'AWS Step Functions' },
      },
      { tasks: { [HELLO]: hello } },
    );
    expect(hello.inputs).toEqual([{ who: 'AWS Step Functions' }]);
    expect(result.output).toEqual({ val1: 23, val2: 17, lambdaresult: 'Hello, AWS Step Functions!' });
  });

  // Guide, "Manipulate parameters in Step Functions workflows > InputPath".
  it('passes the node InputPath selects as the effective input', async () => {
    const task = recordingTask();
    await runWorkflow(
      singleTask({ InputPath: '$.dataset2' }),
      {
        comment: 'Example for InputPath.',
        dataset1: { val1: 1, val2: 2, val3: 3 },
        dataset2: { val1: 'a', val2: 'b', val3: 'c' },
      },
      { tasks: { [HELLO]: task } },
    );
    expect(task.inputs).toEqual([{ val1: 'a', val2: 'b', val3: 'c' }]);
  });

  // Guide, "Manipulate parameters > InputPath", note: "$.a[0:2]" applied to { "a": [1, 2, 3, 4] } gives [ 1, 2 ].
  it('lets an InputPath yield a selection of values', async () => {
    const task = recordingTask();
    await runWorkflow(
      singleTask({ InputPath: '$.a[0:2]' }),
      { a: [1, 2, 3, 4] },
      { tasks: { [HELLO]: task } },
    );
    expect(task.inputs).toEqual([[1, 2]]);
  });

  // Guide, "Input and Output Processing > InputPath": "If you use null, the input is discarded
  // ... and the task receives JSON text representing an empty object {}".
  it('gives the task an empty object when InputPath is null', async () => {
    const task = recordingTask();
    await runWorkflow(singleTask({ InputPath: null }), { secret: 1 }, { tasks: { [HELLO]: task } });
    expect(task.inputs).toEqual([{}]);
  });

  // Guide, "Input and Output Processing > OutputPath": "If the OutputPath is null, JSON text
  // representing an empty object {} is sent to the next state."
  it('sends an empty object to the next state when OutputPath is null', async () => {
    const result = await runWorkflow(
      singleTask({ OutputPath: null }),
      { a: 1 },
      { tasks: { [HELLO]: () => 'x' } },
    );
    expect(result.output).toEqual({});
  });

  // Guide, "Input and Output Processing > OutputPath": "If the OutputPath doesn't match an item in
  // the state's input, an exception specifies an invalid path"; "Handling errors > States.Runtime":
  // "attempting to apply InputPath or OutputPath on a null JSON payload" fails with States.Runtime.
  it('fails the execution with States.Runtime when OutputPath matches nothing', async () => {
    const result = await runWorkflow(
      singleTask({ OutputPath: '$.missing' }),
      {},
      { tasks: { [HELLO]: () => ({ present: true }) } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
  });

  // Guide, "Handling errors > States.Runtime" (InputPath that cannot be applied).
  it('fails the execution with States.Runtime when InputPath matches nothing', async () => {
    const task = recordingTask();
    const result = await runWorkflow(
      singleTask({ InputPath: '$.missing' }),
      { a: 1 },
      { tasks: { [HELLO]: task } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(task.inputs).toEqual([]);
  });
});

describe('Parameters', () => {
  // Guide, "Manipulate parameters in Step Functions workflows > Parameters > Key-value pairs".
  it('builds the documented MyDetails object from static values and .$ paths', async () => {
    const task = recordingTask();
    await runWorkflow(
      singleTask({
        Parameters: {
          comment: 'Selecting what I care about.',
          MyDetails: {
            'size.$': '$.product.details.size',
            'exists.$': '$.product.availability',
            StaticValue: 'foo',
          },
        },
      }),
      {
        comment: 'Example for Parameters.',
        product: {
          details: { color: 'blue', size: 'small', material: 'cotton' },
          availability: 'in stock',
          sku: '2317',
          cost: '$23',
        },
      },
      { tasks: { [HELLO]: task } },
    );
    expect(task.inputs).toEqual([
      {
        comment: 'Selecting what I care about.',
        MyDetails: { size: 'small', exists: 'in stock', StaticValue: 'foo' },
      },
    ]);
  });

  // Amazon States Language specification, "Parameters" example (also quoted in
  // awslabs/states-language#12): nested payload template with a slice.
  it('evaluates .$ paths inside nested objects, including slices', async () => {
    const task = recordingTask();
    await runWorkflow(
      singleTask({
        Parameters: { flagged: true, parts: { 'first.$': '$.vals[0]', 'last3.$': '$.vals[3:]' } },
      }),
      { flagged: 7, vals: [0, 10, 20, 30, 40, 50] },
      { tasks: { [HELLO]: task } },
    );
    expect(task.inputs).toEqual([{ flagged: true, parts: { first: 0, last3: [30, 40, 50] } }]);
  });

  // Guide, "Manipulate parameters": "AWS Step Functions applies the InputPath field first, and then
  // the Parameters field."
  it('applies Parameters to the input that InputPath selected', async () => {
    const task = recordingTask();
    await runWorkflow(
      singleTask({ InputPath: '$.product', Parameters: { 'sku.$': '$.sku' } }),
      { product: { sku: '2317' }, sku: 'top-level' },
      { tasks: { [HELLO]: task } },
    );
    expect(task.inputs).toEqual([{ sku: '2317' }]);
  });

  // Real Step Functions reports States.Runtime with the cause "The JSONPath '$.x' specified for the
  // field 'x.$' could not be found in the input '...'" (execution histories quoted in
  // floci-io/floci#2521 and in ManageIQ/floe spec/fixtures/test-pass-fail.asl; the Guide's
  // "Handling errors > States.Runtime" adds that States.Runtime is never retried or caught).
  // The ASL specification names this failure States.ParameterPathFailure instead.
  it('fails with States.Runtime when a Parameters path does not exist', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Pick',
        States: { Pick: { Type: 'Pass', Parameters: { 'missing.$': '$.nope.deep' }, End: true } },
      },
      { other: 1 },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
  });
});

describe('ResultSelector', () => {
  // Guide, "Manipulate parameters in Step Functions workflows > ResultSelector" (EMR createCluster.sync).
  it('selects parts of the task result before ResultPath merges them into the input', async () => {
    const emr = 'arn:aws:states:::elasticmapreduce:createCluster.sync';
    const result = await runWorkflow(
      {
        StartAt: 'Create Cluster',
        States: {
          'Create Cluster': {
            Type: 'Task',
            Resource: emr,
            Parameters: { Name: 'MyCluster' },
            ResultSelector: { 'ClusterId.$': '$.output.ClusterId', 'ResourceType.$': '$.resourceType' },
            ResultPath: '$.EMROutput',
            End: true,
          },
        },
      },
      { OtherDataFromInput: {} },
      {
        tasks: {
          [emr]: () => ({
            resourceType: 'elasticmapreduce',
            resource: 'createCluster.sync',
            output: {
              SdkHttpMetadata: {
                HttpHeaders: {
                  'Content-Length': '1112',
                  'Content-Type': 'application/x-amz-JSON-1.1',
                  Date: 'Mon, 25 Nov 2019 19:41:29 GMT',
                  'x-amzn-RequestId': '1234-5678-9012',
                },
                HttpStatusCode: 200,
              },
              SdkResponseMetadata: { RequestId: '1234-5678-9012' },
              ClusterId: 'AKIAIOSFODNN7EXAMPLE',
            },
          }),
        },
      },
    );
    expect(result.output).toEqual({
      OtherDataFromInput: {},
      EMROutput: { ClusterId: 'AKIAIOSFODNN7EXAMPLE', ResourceType: 'elasticmapreduce' },
    });
  });

  // Guide, "Manipulate parameters > ResultSelector > Flattening an array of arrays":
  // "ResultSelector": { "flattenArray.$": "$[*][*]" } on a Parallel state.
  it('flattens the array of arrays of a Parallel state with $[*][*]', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            ResultSelector: { 'flattenArray.$': '$[*][*]' },
            Branches: [
              { StartAt: 'A', States: { A: { Type: 'Pass', Result: [1, 2], End: true } } },
              { StartAt: 'B', States: { B: { Type: 'Pass', Result: [3], End: true } } },
            ],
            End: true,
          },
        },
      },
      {},
    );
    expect(result.output).toEqual({ flattenArray: [1, 2, 3] });
  });
});

describe('ResultPath', () => {
  const STATE_INPUT = { comment: 'This is a test', details: 'Default example', who: 'Step Functions' };
  const hello = () => 'Hello, Step Functions!';

  // Guide, "Specifying state output using ResultPath > Use ResultPath to replace input with the task result".
  it('replaces the input with the result when ResultPath is absent', async () => {
    const result = await runWorkflow(singleTask({}), STATE_INPUT, { tasks: { [HELLO]: hello } });
    expect(result.output).toBe('Hello, Step Functions!');
  });

  // Same section: "the default behavior is the same as "ResultPath": "$"".
  it('replaces the input with the result when ResultPath is $', async () => {
    const result = await runWorkflow(singleTask({ ResultPath: '$' }), STATE_INPUT, {
      tasks: { [HELLO]: hello },
    });
    expect(result.output).toBe('Hello, Step Functions!');
  });

  // Guide, "Specifying state output using ResultPath > Discard the result and keep the original input".
  it('passes the original input on when ResultPath is null', async () => {
    const result = await runWorkflow(singleTask({ ResultPath: null }), STATE_INPUT, {
      tasks: { [HELLO]: hello },
    });
    expect(result.output).toEqual({
      comment: 'This is a test',
      details: 'Default example',
      who: 'Step Functions',
    });
  });

  // Guide, "Specifying state output using ResultPath > Use ResultPath to include the result with the input".
  it('adds the result to the input at $.taskresult', async () => {
    const result = await runWorkflow(singleTask({ ResultPath: '$.taskresult' }), STATE_INPUT, {
      tasks: { [HELLO]: hello },
    });
    expect(result.output).toEqual({
      comment: 'This is a test',
      details: 'Default example',
      who: 'Step Functions',
      taskresult: 'Hello, Step Functions!',
    });
  });

  // Same section: "ResultPath": "$.strings.lambdaresult" inserts the result as a child node.
  it('inserts the result as a child of an existing node', async () => {
    const result = await runWorkflow(
      singleTask({ ResultPath: '$.strings.lambdaresult' }),
      {
        comment: 'An input comment.',
        strings: { string1: 'foo', string2: 'bar', string3: 'baz' },
        who: 'AWS Step Functions',
      },
      { tasks: { [HELLO]: hello } },
    );
    expect(result.output).toEqual({
      comment: 'An input comment.',
      strings: { string1: 'foo', string2: 'bar', string3: 'baz', lambdaresult: 'Hello, Step Functions!' },
      who: 'AWS Step Functions',
    });
  });

  // Guide, "Specifying state output using ResultPath > Use ResultPath to update a node in the input with the result".
  it('overwrites an existing node named by ResultPath', async () => {
    const result = await runWorkflow(singleTask({ ResultPath: '$.comment' }), STATE_INPUT, {
      tasks: { [HELLO]: hello },
    });
    expect(result.output).toEqual({
      comment: 'Hello, Step Functions!',
      details: 'Default example',
      who: 'Step Functions',
    });
  });

  // Guide, "Specifying state output using ResultPath > Use ResultPath to include both error and
  // input in a Catch": {"foo": "bar"} becomes {"foo": "bar", "error": {"Error": "Error here", ...}}.
  it('keeps the input and adds the error output at the Catch ResultPath', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: HELLO,
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'NextTask', ResultPath: '$.error' }],
            End: true,
          },
          NextTask: { Type: 'Pass', End: true },
        },
      },
      { foo: 'bar' },
      {
        tasks: {
          [HELLO]: () => {
            throw namedError('Error here', 'A human-readable description');
          },
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      foo: 'bar',
      error: { Error: 'Error here', Cause: 'A human-readable description' },
    });
  });

  // ASL specification, "ResultPath" / Errors appendix: "States.ResultPathMatchFailure: A state's
  // ResultPath field cannot be applied to the input the state received."
  it('fails with States.ResultPathMatchFailure when ResultPath cannot be applied to the input', async () => {
    const result = await runWorkflow(singleTask({ ResultPath: '$.comment.result' }), STATE_INPUT, {
      tasks: { [HELLO]: hello },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.ResultPathMatchFailure');
  });
});

describe('Map state: ItemsPath and ItemSelector', () => {
  // Guide, "ItemsPath (Map, JSONPath only)": the PiratesSay example.
  it('iterates over the array that ItemsPath selects', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'PiratesSay',
        States: {
          PiratesSay: {
            Type: 'Map',
            ItemsPath: '$.ThingsPiratesSay',
            ItemProcessor: { StartAt: 'SayWord', States: { SayWord: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      {
        ThingsPiratesSay: [{ say: 'Avast!' }, { say: 'Yar!' }, { say: 'Walk the Plank!' }],
        ThingsGiantsSay: [{ say: 'Fee!' }, { say: 'Fi!' }, { say: 'Fo!' }, { say: 'Fum!' }],
      },
    );
    expect(result.output).toEqual([{ say: 'Avast!' }, { say: 'Yar!' }, { say: 'Walk the Plank!' }]);
  });

  // Guide, "ItemSelector (Map)": { "size": 10, "value.$": "$$.Map.Item.Value" }.
  it('replaces each item with the ItemSelector payload', async () => {
    const process = recordingTask();
    await runWorkflow(
      {
        StartAt: 'Images',
        States: {
          Images: {
            Type: 'Map',
            ItemSelector: { size: 10, 'value.$': '$$.Map.Item.Value' },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Process',
              States: { Process: { Type: 'Task', Resource: PROCESS, End: true } },
            },
            End: true,
          },
        },
      },
      [
        { resize: 'true', format: 'jpg' },
        { resize: 'false', format: 'png' },
        { resize: 'true', format: 'jpg' },
      ],
      { tasks: { [PROCESS]: process } },
    );
    expect(process.inputs[0]).toEqual({ size: 10, value: { resize: 'true', format: 'jpg' } });
    expect(process.inputs).toHaveLength(3);
  });

  // Guide, "Using Map state in Inline mode > Inline Map state example with ItemSelector" (Validate-All).
  const SHIPMENT = {
    'ship-date': '2016-03-14T01:59:00Z',
    detail: {
      'delivery-partner': 'UQS',
      shipped: [
        { prod: 'R31', 'dest-code': 9511, quantity: 1344 },
        { prod: 'S39', 'dest-code': 9511, quantity: 40 },
        { prod: 'R31', 'dest-code': 9833, quantity: 12 },
        { prod: 'R40', 'dest-code': 9860, quantity: 887 },
        { prod: 'R40', 'dest-code': 9511, quantity: 1220 },
      ],
    },
  };
  const SHIP_VAL = 'arn:aws:lambda:us-east-1:123456789012:function:ship-val';
  const VALIDATE_ALL = {
    StartAt: 'Validate-All',
    States: {
      'Validate-All': {
        Type: 'Map',
        InputPath: '$.detail',
        ItemsPath: '$.shipped',
        MaxConcurrency: 0,
        ResultPath: '$.detail.shipped',
        ItemSelector: { 'parcel.$': '$$.Map.Item.Value', 'courier.$': '$.delivery-partner' },
        ItemProcessor: {
          StartAt: 'Validate',
          States: { Validate: { Type: 'Task', Resource: SHIP_VAL, End: true } },
        },
        End: true,
      },
    },
  };

  it('gives each iteration the item and the courier read from the Map input', async () => {
    const shipVal = recordingTask();
    await runWorkflow(VALIDATE_ALL, SHIPMENT, { tasks: { [SHIP_VAL]: shipVal } });
    expect(shipVal.inputs).toHaveLength(5);
    expect(shipVal.inputs).toContainEqual({
      parcel: { prod: 'R31', 'dest-code': 9511, quantity: 1344 },
      courier: 'UQS',
    });
  });

  it('overwrites detail.shipped with the iteration outputs, in item order', async () => {
    const result = await runWorkflow(VALIDATE_ALL, SHIPMENT, {
      tasks: {
        [SHIP_VAL]: (input) => {
          const parcel = (input as { parcel: { prod: string; quantity: number } }).parcel;
          return { valid: true, prod: parcel.prod, quantity: parcel.quantity };
        },
      },
    });
    expect(result.output).toEqual({
      'ship-date': '2016-03-14T01:59:00Z',
      detail: {
        'delivery-partner': 'UQS',
        shipped: [
          { valid: true, prod: 'R31', quantity: 1344 },
          { valid: true, prod: 'S39', quantity: 40 },
          { valid: true, prod: 'R31', quantity: 12 },
          { valid: true, prod: 'R40', quantity: 887 },
          { valid: true, prod: 'R40', quantity: 1220 },
        ],
      },
    });
  });
});
