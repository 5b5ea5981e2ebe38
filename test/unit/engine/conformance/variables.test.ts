/**
 * Conformance: workflow variables, as the AWS Step Functions Developer Guide documents them
 * ("Passing data between states with variables",
 * https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html) and as AWS
 * recorded them in LocalStack's snapshot tests (localstack/localstack,
 * tests/aws/services/stepfunctions/v2/assign/test_assign_base.snapshot.json, recorded against AWS).
 * Runs through runWorkflow: the real orchestrator loop, in process.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow, type HistoryEvent, type Json } from '../../../../lambdas/index.js';
import { namedError, recordingTask } from '../../../helpers/conformance.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:Work';

/** Seconds between the Wait state's entry and its exit, rounded (the virtual clock may add a millisecond per message). */
function waitedSeconds(history: readonly HistoryEvent[]): number {
  const at = (type: string): number =>
    Date.parse((history.find((e) => e.type === type) as HistoryEvent).timestamp);
  return Math.round((at('WaitStateExited') - at('WaitStateEntered')) / 1000);
}

function exitOf(history: readonly HistoryEvent[], stateName: string): Record<string, unknown> {
  const event = history.find(
    (e) => e.type.endsWith('StateExited') && (e as { stateName?: string }).stateName === stateName,
  );
  if (!event) throw new Error(`no exit of ${stateName}`);
  return event as unknown as Record<string, unknown>;
}

describe('assignedVariables in the history', () => {
  // LocalStack snapshot BASE_CONSTANT_LITERALS, recorded on AWS: in a JSONPath state, constants
  // are assigned as written (a {% %} string or a path-looking string included), and
  // assignedVariables reports each value as its JSON text.
  it('reports each assigned constant as its JSON text, {% %} and $ strings as plain strings', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'State0',
        States: {
          State0: {
            Type: 'Pass',
            Assign: {
              constant_null: null,
              constant_int: 0,
              constant_float: 0.1,
              constant_bool: true,
              constant_str: 'constant string',
              constant_str_path: '$.no.such.path',
              constant_str_jsonata_expr: '{% $varname.varfield %}',
              constant_lst_empty: [],
              constant_obj_empty: {},
            },
            End: true,
          },
        },
      },
      { input_value: 'input_value_literal' },
    );
    expect(result.output).toEqual({ input_value: 'input_value_literal' });
    expect(exitOf(result.history, 'State0').assignedVariables).toEqual({
      constant_null: 'null',
      constant_int: '0',
      constant_float: '0.1',
      constant_bool: 'true',
      constant_str: '"constant string"',
      constant_str_path: '"$.no.such.path"',
      constant_str_jsonata_expr: '"{% $varname.varfield %}"',
      constant_lst_empty: '[]',
      constant_obj_empty: '{}',
    });
  });

  // LocalStack snapshot BASE_PATHS, recorded on AWS: `.$` keys read paths and intrinsics.
  it('evaluates .$ keys of a JSONPath Assign as paths and intrinsic functions', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'State0',
        States: {
          State0: {
            Type: 'Pass',
            Assign: {
              'str_path_root.$': '$',
              'str_path.$': '$.input_value',
              'str_intrinsic_func.$': "States.Format('Format Func {}', $.input_value)",
            },
            End: true,
          },
        },
      },
      { input_value: 'input_value_literal' },
    );
    expect(exitOf(result.history, 'State0').assignedVariables).toEqual({
      str_path_root: '{"input_value":"input_value_literal"}',
      str_path: '"input_value_literal"',
      str_intrinsic_func: '"Format Func input_value_literal"',
    });
  });

  it('leaves assignedVariables out of the exit of a state without Assign', async () => {
    const result = await runWorkflow({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, {});
    expect(exitOf(result.history, 'P')).not.toHaveProperty('assignedVariables');
  });
});

describe('evaluation order', () => {
  // Guide: all the expressions of a state see the variables' values from before the state, so
  // an Assign can swap two variables.
  it.each([
    ['JSONata', { x: '{% $y %}', y: '{% $x %}' }, '{% [$x, $y] %}'],
    ['JSONPath', { 'x.$': '$y', 'y.$': '$x' }, undefined],
  ])('swaps two variables in one Assign (%s)', async (language, swap, output) => {
    const result = await runWorkflow(
      {
        QueryLanguage: language,
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { x: 1, y: 2 }, Next: 'Swap' },
          Swap: { Type: 'Pass', Assign: swap, Next: 'Read' },
          Read:
            language === 'JSONata'
              ? { Type: 'Pass', Output: output, End: true }
              : { Type: 'Pass', Parameters: { 'x.$': '$x', 'y.$': '$y' }, End: true },
        },
      },
      {},
    );
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toEqual(language === 'JSONata' ? [2, 1] : { x: 2, y: 1 });
  });

  it("evaluates a state's Output with the variables from before its own Assign", async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { count: 1 }, Next: 'Bump' },
          Bump: { Type: 'Pass', Assign: { count: '{% $count + 1 %}' }, Output: '{% $count %}', Next: 'Read' },
          Read: { Type: 'Pass', Output: { before: '{% $states.input %}', after: '{% $count %}' }, End: true },
        },
      },
      {},
    );
    expect(result.output).toEqual({ before: 1, after: 2 });
  });

  it('keeps variables across the decisions of a running execution (a task in between)', async () => {
    const work = recordingTask(() => ({ ok: true }));
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { orderId: '{% $states.input.id %}' }, Next: 'Call' },
          Call: { Type: 'Task', Resource: FN, Arguments: { id: '{% $orderId %}' }, Next: 'Done' },
          Done: { Type: 'Pass', Output: { id: '{% $orderId %}', result: '{% $states.input %}' }, End: true },
        },
      },
      { id: 'o-42' },
      { tasks: { [FN]: work } },
    );
    expect(work.inputs).toEqual([{ id: 'o-42' }]);
    expect(result.output).toEqual({ id: 'o-42', result: { ok: true } });
  });
});

describe('where variables are read and assigned', () => {
  it('a JSONPath Choice rule compares a variable, and the matching rule assigns', async () => {
    const definition = {
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Assign: { 'limit.$': '$.limit' }, Next: 'Check' },
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$limit', NumericGreaterThan: 10, Assign: { size: 'big' }, Next: 'Done' }],
          Default: 'Done',
          Assign: { size: 'small' },
        },
        Done: { Type: 'Pass', Parameters: { 'size.$': '$size' }, End: true },
      },
    };
    expect((await runWorkflow(definition, { limit: 50 })).output).toEqual({ size: 'big' });
    expect((await runWorkflow(definition, { limit: 5 })).output).toEqual({ size: 'small' });
  });

  it('a JSONPath ...Path field and an intrinsic read variables', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { delay: 3, who: 'Ada' }, Next: 'Wait' },
          Wait: { Type: 'Wait', SecondsPath: '$delay', Next: 'Greet' },
          Greet: { Type: 'Pass', Parameters: { 'text.$': "States.Format('Hello {}', $who)" }, End: true },
        },
      },
      {},
      { startTime: 0 },
    );
    expect(result.output).toEqual({ text: 'Hello Ada' });
    expect(waitedSeconds(result.history)).toBe(3);
  });

  it('a JSONPath catcher assigns from the error output ($)', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: FN,
            Catch: [{ ErrorEquals: ['States.ALL'], Assign: { 'lastError.$': '$.Error' }, Next: 'Report' }],
            End: true,
          },
          Report: { Type: 'Pass', Parameters: { 'error.$': '$lastError' }, End: true },
        },
      },
      {},
      {
        tasks: {
          [FN]: () => {
            throw namedError('PaymentDeclined');
          },
        },
      },
    );
    expect(result.output).toEqual({ error: 'PaymentDeclined' });
  });

  it('reading a variable that is not set fails the state with States.Runtime (JSONPath)', async () => {
    const result = await runWorkflow(
      { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'x.$': '$missing' }, End: true } } },
      {},
    );
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain("'$missing'");
  });
});

describe('JSONPath InputPath and OutputPath read variables', () => {
  // LocalStack template BASE_REFERENCE_IN_INPUTPATH (tests/aws/services/stepfunctions/templates/
  // assign/statemachines/, run against AWS): "InputPath": "$theAnswer" after "Assign": {"theAnswer": 42}.
  it('InputPath selects a variable', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'State0',
        States: {
          State0: { Type: 'Pass', Assign: { theAnswer: 42 }, Next: 'State1' },
          State1: { Type: 'Pass', InputPath: '$theAnswer', End: true },
        },
      },
      {},
    );
    expect(result.output).toBe(42);
  });

  // LocalStack template BASE_EVALUATION_ORDER_PASS_STATE: OutputPath reads the value from before
  // the state's own Assign; JSONPath Assign reads the state's result (here its Result) as `$`.
  it("OutputPath reads the variable's value from before the state's own Assign", async () => {
    const result = await runWorkflow(
      {
        StartAt: 'State0',
        States: {
          State0: {
            Type: 'Pass',
            Result: { theQuestion: 'What is the answer to life the universe and everything?' },
            Assign: { 'question.$': '$.theQuestion', answer: 42 },
            Next: 'State1',
          },
          State1: {
            Type: 'Pass',
            InputPath: '$answer',
            ResultPath: '$.theAnswer',
            OutputPath: '$answer',
            Assign: { answer: '<omitted>' },
            End: true,
          },
        },
      },
      {},
    );
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toBe(42);
    expect(exitOf(result.history, 'State0').assignedVariables).toEqual({
      question: '"What is the answer to life the universe and everything?"',
      answer: '42',
    });
  });
});

describe('scopes', () => {
  // Guide, "Variable scope": Parallel branches and Map iterations read the variables of the
  // outer scope; their own variables end with them.
  it('Parallel branches read outer variables; their own end with them', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { base: 10 }, Next: 'P' },
          P: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'A',
                States: {
                  A: { Type: 'Pass', Assign: { local: '{% $base + 1 %}' }, Next: 'A2' },
                  A2: { Type: 'Pass', Output: '{% $local %}', End: true },
                },
              },
              { StartAt: 'B', States: { B: { Type: 'Pass', Output: '{% $base * 2 %}', End: true } } },
            ],
            Next: 'After',
          },
          After: {
            Type: 'Pass',
            Output: { results: '{% $states.input %}', local: '{% $exists($local) %}' },
            End: true,
          },
        },
      },
      {},
    );
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toEqual({ results: [11, 20], local: false });
  });

  it('Map iterations read outer variables, each with its own scope', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { rate: 2 }, Next: 'M' },
          M: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: {
              StartAt: 'Keep',
              States: {
                Keep: { Type: 'Pass', Assign: { 'item.$': '$' }, Next: 'Scale' },
                Scale: {
                  Type: 'Pass',
                  QueryLanguage: 'JSONata',
                  Output: '{% $item * $rate %}',
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
      { items: [1, 2, 3] },
    );
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toEqual([2, 4, 6]);
  });
});

describe('size limits', () => {
  // Guide, "Passing data between states with variables": a variable holds at most 256 KiB.
  it('fails a state that assigns a variable over 256 KiB', async () => {
    const half = 'a'.repeat(140 * 1024);
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'P',
        States: {
          P: { Type: 'Pass', Assign: { big: '{% $states.input.s & $states.input.s %}' }, End: true },
        },
      },
      { s: half },
    );
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain("variable 'big'");
  });

  it('fails a state whose Assign holds over 256 KiB in all', async () => {
    const value: Json = 'b'.repeat(140 * 1024);
    const result = await runWorkflow(
      { StartAt: 'P', States: { P: { Type: 'Pass', Assign: { 'a.$': '$.s', 'b.$': '$.s' }, End: true } } },
      { s: value },
    );
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain('Assign');
  });
});
