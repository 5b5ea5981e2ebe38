/**
 * Conformance: JSONata mode, as the AWS Step Functions Developer Guide documents it ("Transforming
 * data with JSONata in Step Functions", https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html)
 * and as AWS reports it where an execution's recorded output is public. Each test names its source.
 * Runs through runWorkflow: the real orchestrator loop, in process.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runWorkflow, type HistoryEvent } from '../../../../lambdas/index.js';
import { namedError, recordingTask } from '../../../helpers/conformance.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:Work';

/** Seconds between the Wait state's entry and its exit, rounded (the virtual clock may add a millisecond per message). */
function waitedSeconds(history: readonly HistoryEvent[]): number {
  const at = (type: string): number =>
    Date.parse((history.find((e) => e.type === type) as HistoryEvent).timestamp);
  return Math.round((at('WaitStateExited') - at('WaitStateEntered')) / 1000);
}

/** A JSONata machine of one Pass state whose Output is `output`. */
function outputOf(output: unknown) {
  return {
    QueryLanguage: 'JSONata',
    StartAt: 'P',
    States: { P: { Type: 'Pass', Output: output, End: true } },
  };
}

async function evaluate(expression: string, input: unknown = {}): Promise<unknown> {
  const result = await runWorkflow(outputOf(`{% ${expression} %}`), input as never);
  expect(result.status, result.cause).toBe('SUCCEEDED');
  return result.output;
}

describe('JSONata expressions and $states', () => {
  // Guide, "Transforming data with JSONata": the conversion sample. Given input {"title": "Doctor"}
  // and the variable customerName assigned "María", both the JSONPath and the JSONata state give
  // {"static": "Hello", "title": "Doctor", "name": "María", "not-evaluated": "$customerName"}.
  it.each([
    [
      'JSONPath',
      {
        Type: 'Task',
        Resource: FN,
        Parameters: {
          static: 'Hello',
          'title.$': '$.title',
          'name.$': '$customerName',
          'not-evaluated': '$customerName',
        },
        End: true,
      },
    ],
    [
      'JSONata',
      {
        QueryLanguage: 'JSONata',
        Type: 'Task',
        Resource: FN,
        Arguments: {
          static: 'Hello',
          title: '{% $states.input.title %}',
          name: '{% $customerName %}',
          'not-evaluated': '$customerName',
        },
        End: true,
      },
    ],
  ])('gives the documented task input in a %s state', async (_mode, state) => {
    const work = recordingTask();
    const result = await runWorkflow(
      {
        StartAt: 'Remember',
        States: {
          Remember: { Type: 'Pass', Assign: { customerName: 'María' }, Next: 'Call' },
          Call: state,
        },
      },
      { title: 'Doctor' },
      { tasks: { [FN]: work } },
    );
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(work.inputs).toEqual([
      { static: 'Hello', title: 'Doctor', name: 'María', 'not-evaluated': '$customerName' },
    ]);
  });

  it('evaluates nested objects and arrays mixing expressions and constants', async () => {
    const result = await runWorkflow(
      outputOf({
        order: { id: '{% $states.input.id %}', lines: ['{% $count($states.input.items) %}', 'fixed', 3] },
        total: '{% $sum($states.input.items.price) %}',
        literal: '  {% not an expression because of the leading spaces %}',
      }),
      { id: 'o-1', items: [{ price: 2 }, { price: 3.5 }] },
    );
    expect(result.output).toEqual({
      order: { id: 'o-1', lines: [2, 'fixed', 3] },
      total: 5.5,
      literal: '  {% not an expression because of the leading spaces %}',
    });
  });

  it('gives a Task its input unchanged without Arguments, and outputs its result without Output', async () => {
    const work = recordingTask(() => ({ charged: true }));
    const result = await runWorkflow(
      { QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: FN, End: true } } },
      { amount: 5 },
      { tasks: { [FN]: work } },
    );
    expect(work.inputs).toEqual([{ amount: 5 }]);
    expect(result.output).toEqual({ charged: true });
  });

  // Guide: "$states.result: the API or sub-workflow's result (if successful)"; "$states.input
  // always refers to the original state input".
  it('reads $states.input and $states.result in a Task Output and Assign', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: FN,
            Arguments: { n: '{% $states.input.n * 2 %}' },
            Output: { before: '{% $states.input.n %}', after: '{% $states.result.m %}' },
            Assign: { seen: '{% $states.result.m %}' },
            Next: 'After',
          },
          After: { Type: 'Pass', Output: { input: '{% $states.input %}', seen: '{% $seen %}' }, End: true },
        },
      },
      { n: 4 },
      { tasks: { [FN]: (input) => ({ m: (input as { n: number }).n + 1 }) } },
    );
    expect(result.output).toEqual({ input: { before: 4, after: 9 }, seen: 9 });
  });

  // An expression whose value is undefined is an error even inside an object (Step Functions
  // names the field, as in the recorded cause further down), unlike jsonata's own object
  // constructor, which drops such a key.
  it('fails on a nested field whose expression returns nothing', async () => {
    const result = await runWorkflow(outputOf({ seen: '{% $notAssigned %}' }), {});
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toBe(
      "The JSONata expression '$notAssigned' specified for the field 'Output/seen' returned nothing (undefined).",
    );
  });

  it('exposes the context object as $states.context', async () => {
    const output = await runWorkflow(
      outputOf({
        execution: '{% $states.context.Execution.Name %}',
        state: '{% $states.context.State.Name %}',
        machine: '{% $states.context.StateMachine.Name %}',
      }),
      {},
      { name: 'exec-1', stateMachineName: 'Orders' },
    );
    expect(output.output).toEqual({ execution: 'exec-1', state: 'P', machine: 'Orders' });
  });

  it('evaluates $now() and $millis() at the decision time (the virtual clock here)', async () => {
    const result = await runWorkflow(
      outputOf(['{% $now() %}', '{% $millis() %}']),
      {},
      {
        startTime: Date.parse('2025-01-02T03:04:05.000Z'),
      },
    );
    const entered = (result.history.find((e) => e.type === 'PassStateEntered') as HistoryEvent).timestamp;
    expect(entered.startsWith('2025-01-02T03:04:05')).toBe(true);
    expect(result.output).toEqual([entered, Date.parse(entered)]);
  });
});

// Expressions of LocalStack's AWS-validated JSONata tests (localstack/localstack,
// tests/aws/services/stepfunctions/templates/evaluatejsonata/evaluate_jsonata_templates.py).
describe('expressions LocalStack validated against AWS', () => {
  it.each([
    ['$contains("hello$world", /^hello\\$/)', true],
    ['$contains("hello$world", /^hello\\ /)', false],
    ["$contains('hello$world', /^hello\\$/)", true],
    ['$variable := 1', 1],
  ])('%s gives %s', async (expression, expected) => {
    expect(await evaluate(expression)).toBe(expected);
  });

  it('takes Map Items mixing constants and expressions, and MaxConcurrency from an expression', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Start',
        States: {
          Start: {
            Type: 'Map',
            Items: [1, '{% $number("2") %}', 3],
            MaxConcurrency: '{% $variable := 1 %}',
            ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      {},
    );
    expect(result.output).toEqual([1, 2, 3]);
  });
});

describe('functions Step Functions adds', () => {
  // Guide, "JSONata functions provided by Step Functions".
  it('$partition splits an array into chunks', async () => {
    expect(await evaluate('$partition([1,2,3,4], 2)')).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await evaluate('$partition([1,2,3,4,5], 2)')).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('$range counts from start to end inclusive by step', async () => {
    expect(await evaluate('$range(0, 10, 2)')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await evaluate('$range(5, 1, -2)')).toEqual([5, 3, 1]);
  });

  // Behaviours Floci's documentation records as AWS's (its Step Functions page, "JSONata functions").
  it('rounds non-integer arguments towards zero', async () => {
    expect(await evaluate('$range(-1.7, 2, 1)')).toEqual([-1, 0, 1, 2]);
    expect(await evaluate('$partition([1,2,3,4,5], 2.9)')).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('collapses a one-item $range to the item, as jsonata sequences do', async () => {
    expect(await evaluate('$range(7, 7, 1)')).toBe(7);
  });

  it.each(['$range(5, 1, 1)', '$range(1, 5)', '$partition([], 2)', '$partition([1], 0)', "$hash('x')"])(
    '%s gives nothing, so the field fails',
    async (expression) => {
      const result = await runWorkflow(outputOf(`{% ${expression} %}`), {});
      expect(result.error).toBe('States.QueryEvaluationError');
      expect(result.cause).toContain('returned nothing (undefined)');
    },
  );

  it.each(['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'])(
    '$hash computes %s as hex',
    async (algorithm) => {
      const expected = createHash(algorithm.replace('-', '').toLowerCase())
        .update('input data')
        .digest('hex');
      expect(await evaluate(`$hash('input data', '${algorithm}')`)).toBe(expected);
    },
  );

  it('$parse reads JSON text', async () => {
    expect(await evaluate('$parse($states.input.text)', { text: '{"a":[1,{"b":null}]}' })).toEqual({
      a: [1, { b: null }],
    });
  });

  it('$uuid gives a version 4 UUID, $random a number in [0, 1), the same for the same seed', async () => {
    const output = (await evaluate(
      '{"id": $uuid(), "r": $random(), "s1": $random(42), "s2": $random(42)}',
    )) as {
      id: string;
      r: number;
      s1: number;
      s2: number;
    };
    expect(output.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(output.r).toBeGreaterThanOrEqual(0);
    expect(output.r).toBeLessThan(1);
    expect(output.s1).toBe(output.s2);
  });

  it('draws the same ids for the same execution seed (replay gives the same decisions)', async () => {
    const run = () =>
      runWorkflow(outputOf('{% [$uuid(), $shuffle([1,2,3,4,5,6])] %}'), {}, { seed: 'seed-1' });
    expect((await run()).output).toEqual((await run()).output);
  });

  // Guide: "$eval is not available — use $parse instead".
  it('does not offer $eval', async () => {
    const result = await runWorkflow(outputOf("{% $eval('1 + 1') %}"), {});
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toContain('$eval is not available');
  });
});

describe('States.QueryEvaluationError', () => {
  // The cause text AWS gave for an expression that returned nothing, as recorded from a real
  // execution ("The JSONata expression '$states.input.pushLocation' specified for the field
  // 'Arguments/Input/pushLocation' returned nothing (undefined).") minus the
  // "An error occurred while executing the state ..." prefix, which Baton does not add to any cause.
  it('fails a state whose expression returns nothing, naming the expression and the field', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Run S3 Data Push',
        States: {
          'Run S3 Data Push': {
            Type: 'Task',
            Resource: FN,
            Arguments: { Input: { pushLocation: '{% $states.input.pushLocation %}' } },
            End: true,
          },
        },
      },
      {},
      { tasks: { [FN]: () => 'never called' } },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toBe(
      "The JSONata expression '$states.input.pushLocation' specified for the field 'Arguments/Input/pushLocation' returned nothing (undefined).",
    );
  });

  // Field names: '/' before an object key, '[i]' for an array element, rules and catchers by index
  // (as Floci's documentation of AWS's causes has them: `Output/a/b[0]`, `Choices[1]/Condition`).
  it('names an array element of a field as field[i]', async () => {
    const result = await runWorkflow(outputOf({ list: ['fixed', '{% $states.input.none %}'] }), {});
    expect(result.cause).toBe(
      "The JSONata expression '$states.input.none' specified for the field 'Output/list[1]' returned nothing (undefined).",
    );
  });

  it('fails on a type error, with jsonata error code and message', async () => {
    const result = await runWorkflow(outputOf('{% $states.input.a + 1 %}'), { a: 'text' });
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toContain('T2001');
  });

  // Step Functions bounds an evaluation (Floci's documentation: 5 seconds, depth 100); the engine
  // has no clock and counts jsonata's evaluation steps, so an endless loop cannot hold a decision.
  it('stops an expression that loops forever', async () => {
    const result = await runWorkflow(outputOf('{% ($f := function($x) { $f($x + 1) }; $f(0)) %}'), {});
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toContain('U1001');
  }, 60_000);

  it('fails an expression that recurses too deeply', async () => {
    const result = await runWorkflow(
      outputOf('{% ($f := function($x) { $x = 0 ? 0 : 1 + $f($x - 1) }; $f(100000)) %}'),
      {},
    );
    expect(result.error).toBe('States.QueryEvaluationError');
  });

  it('is caught by a Catch naming it, with the error output as $states.errorOutput', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: FN,
            Arguments: '{% $states.input.missing %}',
            Catch: [
              {
                ErrorEquals: ['States.QueryEvaluationError'],
                Output: { caught: '{% $states.errorOutput.Error %}', input: '{% $states.input %}' },
                Assign: { failedAt: 'T' },
                Next: 'Handled',
              },
            ],
            End: true,
          },
          Handled: { Type: 'Pass', Output: { out: '{% $states.input %}', at: '{% $failedAt %}' }, End: true },
        },
      },
      { x: 1 },
      { tasks: { [FN]: () => 'unused' } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      out: { caught: 'States.QueryEvaluationError', input: { x: 1 } },
      at: 'T',
    });
    // Step Functions records an EvaluationFailed event (state, error, cause, location) first.
    const failed = result.history.filter((event) => event.type === 'EvaluationFailed');
    expect(failed).toMatchObject([
      { stateName: 'T', error: 'States.QueryEvaluationError', location: 'Arguments' },
    ]);
    const types = result.history.map((event) => event.type);
    expect(types.indexOf('EvaluationFailed')).toBeLessThan(types.indexOf('TaskStateExited'));
  });

  it('is retried by a Retry naming it', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: FN,
            Output: '{% $states.result.value %}',
            Retry: [{ ErrorEquals: ['States.QueryEvaluationError'], MaxAttempts: 2, IntervalSeconds: 1 }],
            End: true,
          },
        },
      },
      {},
      { tasks: { [FN]: (_input, context) => (context.attempt < 3 ? {} : { value: 'third' }) } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('third');
  });

  it('fails a Choice whose Condition is not a boolean', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [{ Condition: '{% $states.input.n %}', Next: 'Done' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      { n: 1 },
    );
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toContain("specified for the field 'Choices[0]/Condition'");
  });
});

describe('JSONata states', () => {
  it('Choice: the first rule whose Condition holds, with its Output; Default otherwise', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [
            { Condition: '{% $states.input.total > 1000 %}', Next: 'Big', Output: { size: 'big' } },
            { Condition: '{% $states.input.total > 100 %}', Next: 'Big', Output: { size: 'medium' } },
          ],
          Default: 'Small',
          Output: { size: 'small' },
        },
        Big: { Type: 'Succeed' },
        Small: { Type: 'Succeed', Output: { size: '{% $states.input.size %}', small: true } },
      },
    };
    expect((await runWorkflow(definition, { total: 5000 })).output).toEqual({ size: 'big' });
    expect((await runWorkflow(definition, { total: 500 })).output).toEqual({ size: 'medium' });
    expect((await runWorkflow(definition, { total: 5 })).output).toEqual({ size: 'small', small: true });
  });

  it('Choice: no Condition holds and no Default is States.NoChoiceMatched', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'C',
        States: {
          C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.go %}', Next: 'D' }] },
          D: { Type: 'Succeed' },
        },
      },
      { go: false },
    );
    expect(result.error).toBe('States.NoChoiceMatched');
  });

  it('Fail: Error and Cause from expressions', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'F',
        States: {
          F: { Type: 'Fail', Error: '{% $states.input.code %}', Cause: "{% 'order ' & $states.input.id %}" },
        },
      },
      { code: 'OrderRejected', id: 'o-9' },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'OrderRejected', cause: 'order o-9' });
  });

  it('Wait: Seconds from an expression (on the virtual clock)', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'W',
        States: {
          W: {
            Type: 'Wait',
            Seconds: '{% $states.input.delay %}',
            Output: '{% $states.input.delay %}',
            End: true,
          },
        },
      },
      { delay: 30 },
      { startTime: 0 },
    );
    expect(result.output).toBe(30);
    expect(waitedSeconds(result.history)).toBe(30);
  });

  it('Wait: Timestamp from an expression', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'W',
        States: { W: { Type: 'Wait', Timestamp: '{% $states.input.at %}', End: true } },
      },
      { at: '1970-01-01T00:01:00Z' },
      { startTime: 0 },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(waitedSeconds(result.history)).toBe(60);
  });

  it('Task: TimeoutSeconds from an expression times the task out', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: FN, TimeoutSeconds: '{% $states.input.limit %}', End: true } },
      },
      { limit: 1 },
      { tasks: { [FN]: () => new Promise(() => {}) } },
    );
    expect(result.error).toBe('States.Timeout');
  });

  it('Parallel: Arguments give every branch its input; Output shapes the results', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Arguments: { n: '{% $states.input.n %}' },
            Branches: [
              {
                StartAt: 'A',
                States: { A: { Type: 'Pass', Output: '{% $states.input.n + 1 %}', End: true } },
              },
              {
                StartAt: 'B',
                States: { B: { Type: 'Pass', Output: '{% $states.input.n * 10 %}', End: true } },
              },
            ],
            Output: { sum: '{% $sum($states.result) %}' },
            End: true,
          },
        },
      },
      { n: 2, other: true },
    );
    expect(result.output).toEqual({ sum: 23 });
  });

  it('Map: Items from an expression, ItemSelector with $states.context.Map.Item, MaxConcurrency, Output', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            Items: '{% $states.input.orders %}',
            ItemSelector: {
              index: '{% $states.context.Map.Item.Index %}',
              id: '{% $states.context.Map.Item.Value.id %}',
              currency: '{% $states.input.currency %}',
            },
            MaxConcurrency: '{% 1 %}',
            ItemProcessor: {
              StartAt: 'Label',
              States: {
                Label: {
                  Type: 'Pass',
                  Output: "{% $states.input.id & '#' & $states.input.index & ' ' & $states.input.currency %}",
                  End: true,
                },
              },
            },
            Output: "{% $join($states.result, ', ') %}",
            End: true,
          },
        },
      },
      { currency: 'EUR', orders: [{ id: 'a' }, { id: 'b' }] },
    );
    expect(result.output).toBe('a#0 EUR, b#1 EUR');
  });

  it('Map: a constant Items array', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            Items: [1, 2, 3],
            ItemProcessor: {
              StartAt: 'D',
              States: { D: { Type: 'Pass', Output: '{% $states.input * 2 %}', End: true } },
            },
            End: true,
          },
        },
      },
      {},
    );
    expect(result.output).toEqual([2, 4, 6]);
  });

  // ASL: "a JSONPath machine may have JSONata states".
  it('runs a JSONata state inside a JSONPath machine', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Path',
        States: {
          Path: { Type: 'Pass', Parameters: { 'v.$': '$.value' }, Next: 'Ata' },
          Ata: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.v * 3 %}', End: true },
        },
      },
      { value: 7 },
    );
    expect(result.output).toBe(21);
  });

  it('runs a saga whose JSONata step is compensated with Arguments over its input and result', async () => {
    const UNDO = 'arn:aws:lambda:us-east-1:123456789012:function:Refund';
    const refund = recordingTask(() => 'refunded');
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Charge',
        States: {
          Charge: {
            Type: 'Task',
            Resource: FN,
            Arguments: { amount: '{% $states.input.amount %}' },
            Compensate: {
              Resource: UNDO,
              Arguments: { charge: '{% $states.result.chargeId %}', amount: '{% $states.input.amount %}' },
            },
            Next: 'Ship',
          },
          Ship: { Type: 'Task', Resource: `${FN}:ship`, End: true },
        },
      },
      { amount: 12 },
      {
        tasks: {
          [FN]: () => ({ chargeId: 'ch-1' }),
          [`${FN}:ship`]: () => {
            throw namedError('OutOfStock');
          },
          [UNDO]: refund,
        },
      },
    );
    expect(result.status).toBe('COMPENSATED');
    expect(refund.inputs).toEqual([{ charge: 'ch-1', amount: 12 }]);
  });
});
