/**
 * Validation of JSONata mode and workflow variables: every issue names the JSON Pointer of the
 * bad field. Field rules from the AWS Step Functions Developer Guide ("Transforming data with
 * JSONata": a JSONata state has Arguments and Output in place of InputPath, Parameters,
 * ResultSelector, ResultPath and OutputPath, and no `.$` keys; "Passing data between states with
 * variables": which states assign, and scopes).
 */
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../lambdas/engine/validate.js';
import { compileWorkflow } from '../../../lambdas/engine/compile-workflow.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:Work';

function jsonata(states: Record<string, unknown>, startAt = 'S'): Record<string, unknown> {
  return { QueryLanguage: 'JSONata', StartAt: startAt, States: states };
}

function issuesOf(definition: unknown): { pointer: string; message: string }[] {
  return validateDefinition(definition);
}

function expectOnly(definition: unknown, pointer: string, fragment: string): void {
  const issues = issuesOf(definition);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  expect(issues[0]?.pointer).toBe(pointer);
  expect(issues[0]?.message).toContain(fragment);
}

describe('QueryLanguage', () => {
  it('accepts a JSONata machine using every JSONata field', () => {
    const definition = jsonata(
      {
        S: {
          Type: 'Task',
          Resource: FN,
          Arguments: { id: '{% $states.input.id %}', fixed: [1, '{% $now() %}'] },
          Output: '{% $states.result %}',
          Assign: { last: '{% $states.result %}' },
          TimeoutSeconds: '{% 10 %}',
          HeartbeatSeconds: 5,
          Retry: [{ ErrorEquals: ['States.QueryEvaluationError'] }],
          Catch: [
            { ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput %}', Assign: { e: 1 }, Next: 'F' },
          ],
          Next: 'C',
        },
        C: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $last.ok %}', Next: 'W', Assign: { ok: true }, Output: { a: 1 } }],
          Default: 'F',
        },
        W: { Type: 'Wait', Seconds: '{% $states.input.delay %}', Next: 'M' },
        M: {
          Type: 'Map',
          Items: '{% $states.input.items %}',
          ItemSelector: { v: '{% $states.context.Map.Item.Value %}' },
          MaxConcurrency: '{% 2 %}',
          ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
          Next: 'P',
        },
        P: {
          Type: 'Parallel',
          Arguments: '{% $states.input %}',
          Branches: [{ StartAt: 'B', States: { B: { Type: 'Succeed', Output: 1 } } }],
          Next: 'Done',
        },
        Done: { Type: 'Succeed', Output: { done: true } },
        F: { Type: 'Fail', Error: '{% $states.input.Error %}', Cause: 'failed' },
      },
      'S',
    );
    expect(issuesOf(definition)).toEqual([]);
    expect(() => compileWorkflow(definition)).not.toThrow();
  });

  it('accepts a JSONata state in a JSONPath machine', () => {
    expect(
      issuesOf({
        StartAt: 'S',
        States: { S: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 %}', End: true } },
      }),
    ).toEqual([]);
  });

  it('rejects a JSONPath state in a JSONata machine', () => {
    expectOnly(
      jsonata({ S: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } }),
      '/States/S/QueryLanguage',
      "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
    );
  });
});

describe('JSONPath fields in a JSONata state', () => {
  it.each([
    ['InputPath', '$.a'],
    ['OutputPath', '$.a'],
    ['Parameters', { a: 1 }],
    ['ResultSelector', { a: 1 }],
    ['ResultPath', '$.r'],
    ['TimeoutSecondsPath', '$.t'],
  ])('rejects %s on a Task, at its pointer', (field, value) => {
    expectOnly(
      jsonata({ S: { Type: 'Task', Resource: FN, End: true, [field]: value } }),
      `/States/S/${field}`,
      `The QueryLanguage is set to 'JSONata', but field '${field}' is only supported for the 'JSONPath' QueryLanguage`,
    );
  });

  it('rejects Result on a Pass state', () => {
    expectOnly(
      jsonata({ S: { Type: 'Pass', Result: 1, End: true } }),
      '/States/S/Result',
      "field 'Result' is only supported for the 'JSONPath' QueryLanguage",
    );
  });

  it('rejects ErrorPath on a Fail state', () => {
    expectOnly(
      jsonata({ S: { Type: 'Fail', ErrorPath: '$.e' } }),
      '/States/S/ErrorPath',
      "field 'ErrorPath' is only supported for the 'JSONPath' QueryLanguage",
    );
  });

  it('rejects ResultPath in a catcher', () => {
    expectOnly(
      jsonata({
        S: {
          Type: 'Task',
          Resource: FN,
          End: true,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Next: 'F' }],
        },
        F: { Type: 'Fail' },
      }),
      '/States/S/Catch/0/ResultPath',
      "field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage",
    );
  });

  it('rejects a key ending in .$ at any depth, at its pointer', () => {
    expectOnly(
      jsonata({ S: { Type: 'Task', Resource: FN, End: true, Arguments: { a: { 'b.$': '$.x' } } } }),
      '/States/S/Arguments/a/b.$',
      "a key ending in '.$'",
    );
  });

  it('rejects a JSONPath Choice rule', () => {
    const issues = issuesOf(
      jsonata(
        {
          C: { Type: 'Choice', Choices: [{ Variable: '$.x', BooleanEquals: true, Next: 'D' }] },
          D: { Type: 'Succeed' },
        },
        'C',
      ),
    );
    expect(issues.map((issue) => issue.pointer)).toEqual([
      '/States/C/Choices/0/Variable',
      '/States/C/Choices/0/BooleanEquals',
      '/States/C/Choices/0/Condition',
    ]);
  });
});

describe('expressions are parsed at validation', () => {
  it('reports a syntax error with the field pointer', () => {
    expectOnly(
      jsonata({ S: { Type: 'Pass', Output: { total: '{% $sum($states.input.x %}' }, End: true } }),
      '/States/S/Output/total',
      'is not a valid JSONata expression',
    );
  });

  it('reports an expression that reads $ at its top level', () => {
    expectOnly(jsonata({ S: { Type: 'Pass', Output: '{% $.a %}', End: true } }), '/States/S/Output', "'$'");
  });

  it('reports an expression that reads a field name at its top level', () => {
    expectOnly(
      jsonata({ S: { Type: 'Pass', Output: '{% order.id %}', End: true } }),
      '/States/S/Output',
      "Reference to 'order' at the top level is not supported.",
    );
  });

  // Floci's documentation records AWS refusing these at CreateStateMachine
  // (UNSUPPORTED_JSONATA_EXPRESSION), with these messages.
  it.each([
    ['{% $$.Execution.Id %}', "Reference to '$$' is not supported."],
    ['{% $states.input.a + b %}', "Reference to 'b' at the top level is not supported."],
    [
      '{% $map($states.input.a, function($x) { b }) %}',
      "Reference to 'b' at the top level is not supported.",
    ],
  ])('refuses %s', (expression, message) => {
    expectOnly(jsonata({ S: { Type: 'Pass', Output: expression, End: true } }), '/States/S/Output', message);
  });

  it.each([
    '{% $states.input.items[price > 3].name %}',
    '{% $map($states.input.a, function($x) { $x.b }) %}',
    '{% $states.input.items.(price * qty) %}',
    '{% ($x := 1; $x + $states.input.n) %}',
  ])('accepts %s (names after the first step of a path are relative)', (expression) => {
    expect(issuesOf(jsonata({ S: { Type: 'Pass', Output: expression, End: true } }))).toEqual([]);
  });

  it('refuses $states.errorOutput outside a catcher, and accepts it in one', () => {
    expectOnly(
      jsonata({
        S: {
          Type: 'Task',
          Resource: FN,
          Output: '{% $states.errorOutput %}',
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Output: '{% $states.errorOutput %}',
              Assign: { e: '{% $states.errorOutput.Error %}' },
              Next: 'F',
            },
          ],
          End: true,
        },
        F: { Type: 'Fail' },
      }),
      '/States/S/Output',
      "Reference to '$states.errorOutput' is not supported here",
    );
  });

  it('reports a Condition that is neither an expression nor a boolean', () => {
    expectOnly(
      jsonata(
        { C: { Type: 'Choice', Choices: [{ Condition: 'yes', Next: 'D' }] }, D: { Type: 'Succeed' } },
        'C',
      ),
      '/States/C/Choices/0/Condition',
      'must be a JSONata expression',
    );
  });

  it('reports a Seconds that is neither an integer nor an expression', () => {
    expectOnly(
      jsonata({ S: { Type: 'Wait', Seconds: 'ten', End: true } }),
      '/States/S/Seconds',
      'non-negative integer',
    );
  });
});

describe('Assign', () => {
  it.each(['Succeed', 'Fail'])('is not allowed on a %s state', (type) => {
    expectOnly(
      { StartAt: 'S', States: { S: { Type: type, Assign: { x: 1 } } } },
      '/States/S/Assign',
      'cannot assign variables',
    );
  });

  it('rejects an invalid variable name and the reserved name states', () => {
    const issues = issuesOf({
      StartAt: 'S',
      States: { S: { Type: 'Pass', Assign: { '1x': 1, states: 2 }, End: true } },
    });
    expect(issues.map((issue) => issue.pointer)).toEqual(['/States/S/Assign/1x', '/States/S/Assign/states']);
  });

  it('rejects Assign inside an And rule', () => {
    expectOnly(
      {
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [{ And: [{ Variable: '$.a', IsPresent: true, Assign: { x: 1 } }], Next: 'D' }],
            Default: 'D',
          },
          D: { Type: 'Succeed' },
        },
      },
      '/States/C/Choices/0/And/0/Assign',
      'only top-level Choice rules can have Assign',
    );
  });

  // Guide, "Variable scope": a Parallel branch or Map iteration cannot assign outer variables.
  it('rejects a branch that assigns a variable of the scope around it, at the inner Assign', () => {
    expectOnly(
      {
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { total: 0 }, Next: 'P' },
          P: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Assign: { total: 1 }, End: true } } }],
            End: true,
          },
        },
      },
      '/States/P/Branches/0/States/B/Assign/total',
      'cannot assign the variable "total", which an enclosing scope assigns (/States/Init/Assign/total)',
    );
  });

  it('accepts variable reads in JSONPath templates, Choice, InputPath and ...Path fields, not in ResultPath', () => {
    const issues = issuesOf({
      StartAt: 'S',
      States: {
        S: {
          Type: 'Pass',
          Assign: { x: 1 },
          Parameters: { 'a.$': '$x', 'b.$': "States.Format('{}', $x.y)" },
          InputPath: '$x',
          ResultPath: '$x',
          Next: 'C',
        },
        C: { Type: 'Choice', Choices: [{ Variable: '$x', NumericEquals: 1, Next: 'W' }], Default: 'W' },
        W: { Type: 'Wait', SecondsPath: '$x', End: true },
      },
    });
    expect(issues).toEqual([
      {
        pointer: '/States/S/ResultPath',
        message: 'reads the variable "$x": variables cannot be read in this field',
      },
    ]);
  });
});

/**
 * Distributed Map in JSONata states (developer guide, "ItemReader (Map)": Arguments replaces
 * Parameters in JSONata workflows; "Map state in Distributed mode"; "Setting failure thresholds
 * for Distributed Map states"): the Path forms are JSONPath-only and numbers may be `{% %}`.
 */
describe('Distributed Map in JSONata', () => {
  function dmap(extra: Record<string, unknown>): Record<string, unknown> {
    return jsonata({
      S: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'I',
          States: { I: { Type: 'Pass', End: true } },
        },
        End: true,
        ...extra,
      },
    });
  }

  it('accepts Arguments and expressions in every Distributed Map field', () => {
    expect(
      issuesOf(
        dmap({
          ItemReader: {
            ReaderConfig: {
              InputType: 'CSV',
              CSVHeaderLocation: 'FIRST_ROW',
              MaxItems: '{% $states.input.max %}',
            },
            Resource: 'arn:aws:states:::s3:getObject',
            Arguments: { Bucket: '{% $states.input.bucket %}', Key: 'csvDataset/ratings.csv' },
          },
          ItemBatcher: { MaxItemsPerBatch: '{% 10 %}', BatchInput: { run: '{% $states.input.run %}' } },
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Arguments: '{% {"Bucket": $states.input.out, "Prefix": "runs"} %}',
          },
          ToleratedFailurePercentage: '{% $states.input.pct %}',
          ToleratedFailureCount: '{% 1 %}',
          MaxConcurrency: '{% 100 %}',
          Label: 'ratings',
        }),
      ),
    ).toEqual([]);
  });

  it('rejects Parameters in an ItemReader', () => {
    expectOnly(
      dmap({ ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b' } } }),
      '/States/S/ItemReader/Parameters',
      "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage",
    );
  });

  it('rejects MaxItemsPath, a JSONPath-only field', () => {
    expectOnly(
      dmap({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Arguments: { Bucket: 'b' },
          ReaderConfig: { MaxItemsPath: '$.n' },
        },
      }),
      '/States/S/ItemReader/ReaderConfig/MaxItemsPath',
      "field 'MaxItemsPath' is only supported for the 'JSONPath' QueryLanguage",
    );
  });

  it('rejects ToleratedFailureCountPath, a JSONPath-only field', () => {
    expectOnly(
      dmap({ ToleratedFailureCountPath: '$.c' }),
      '/States/S/ToleratedFailureCountPath',
      "field 'ToleratedFailureCountPath' is only supported for the 'JSONPath' QueryLanguage",
    );
  });

  it('reports a JSONata field on an INLINE Map as needing Mode DISTRIBUTED', () => {
    expectOnly(
      jsonata({
        S: {
          Type: 'Map',
          ToleratedFailureCount: '{% 1 %}',
          ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
          End: true,
        },
      }),
      '/States/S/ToleratedFailureCount',
      'ToleratedFailureCount is a Distributed Map field: it needs "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"',
    );
  });

  it('parses the expressions it is given', () => {
    expectOnly(dmap({ ToleratedFailureCount: '{% 1 + %}' }), '/States/S/ToleratedFailureCount', '');
  });

  it('bounds a literal MaxConcurrency at 10,000', () => {
    expectOnly(dmap({ MaxConcurrency: 20_000 }), '/States/S/MaxConcurrency', 'must be at most 10000');
  });
});
