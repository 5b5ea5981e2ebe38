/**
 * Conformance: the Choice state, run end to end, as the AWS Step Functions Developer Guide
 * documents it ("Choice workflow state"). The rule operators themselves are unit-tested in
 * test/unit/engine/choice.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { recordingTask } from '../../../helpers/conformance.js';

const FOO = 'arn:aws:lambda:us-east-1:123456789012:function:Foo';
const ZERO = 'arn:aws:lambda:us-east-1:123456789012:function:Zero';
const BAR = 'arn:aws:lambda:us-east-1:123456789012:function:Bar';

/** Guide, "Choice workflow state > Choice State Example": ChoiceStateX and the states it goes to. */
const CHOICE_STATE_X = {
  StartAt: 'ChoiceStateX',
  States: {
    ChoiceStateX: {
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.type', StringEquals: 'Private' }, Next: 'Public' },
        { Variable: '$.value', NumericEquals: 0, Next: 'ValueIsZero' },
        {
          And: [
            { Variable: '$.value', NumericGreaterThanEquals: 20 },
            { Variable: '$.value', NumericLessThan: 30 },
          ],
          Next: 'ValueInTwenties',
        },
      ],
      Default: 'DefaultState',
    },
    Public: { Type: 'Task', Resource: FOO, Next: 'NextState' },
    ValueIsZero: { Type: 'Task', Resource: ZERO, Next: 'NextState' },
    ValueInTwenties: { Type: 'Task', Resource: BAR, Next: 'NextState' },
    DefaultState: { Type: 'Fail', Cause: 'No Matches!' },
    NextState: { Type: 'Succeed' },
  },
};

/** Runs ChoiceStateX and says which of its Task states ran. */
async function runChoiceStateX(input: unknown) {
  const ran: string[] = [];
  const result = await runWorkflow(CHOICE_STATE_X, input, {
    tasks: {
      [FOO]: () => void ran.push('Public'),
      [ZERO]: () => void ran.push('ValueIsZero'),
      [BAR]: () => void ran.push('ValueInTwenties'),
    },
  });
  return { result, ran };
}

describe('The ChoiceStateX example', () => {
  // Guide, "Choice State Example": with { "type": "Private", "value": 22 } "Step Functions
  // transitions to the ValueInTwenties state, based on the value field".
  it('goes to ValueInTwenties for the documented input', async () => {
    const { result, ran } = await runChoiceStateX({ type: 'Private', value: 22 });
    expect(ran).toEqual(['ValueInTwenties']);
    expect(result.status).toBe('SUCCEEDED');
  });

  // Same example, first rule: Not StringEquals "Private".
  it('goes to Public when type is not Private', async () => {
    const { ran } = await runChoiceStateX({ type: 'Public', value: 22 });
    expect(ran).toEqual(['Public']);
  });

  // Same example, second rule: NumericEquals 0.
  it('goes to ValueIsZero when value is 0', async () => {
    const { ran } = await runChoiceStateX({ type: 'Private', value: 0 });
    expect(ran).toEqual(['ValueIsZero']);
  });

  // Same example: "If there are no matches for the Choice state's Choices, the state provided in
  // the Default field runs instead" — here a Fail state with "Cause": "No Matches!".
  it('runs the Default state when no rule matches', async () => {
    const { result, ran } = await runChoiceStateX({ type: 'Private', value: 5 });
    expect(ran).toEqual([]);
    expect(result.status).toBe('FAILED');
    expect(result.cause).toBe('No Matches!');
  });

  // Same example, note: "If the state input doesn't contain the $.type field, the execution fails
  // and an error is displayed in the execution history." Step Functions reports States.Runtime
  // ("Invalid path '$.type': The choice state's condition path references an invalid value.").
  it('fails with States.Runtime when the input lacks $.type', async () => {
    const { result, ran } = await runChoiceStateX({ value: 22 });
    expect(ran).toEqual([]);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
  });
});

describe('Choice rules', () => {
  /** A Choice state with one rule (going to Matched) and a Default (going to NotMatched). */
  function oneRule(rule: Record<string, unknown>) {
    return {
      StartAt: 'Check',
      States: {
        Check: { Type: 'Choice', Choices: [{ ...rule, Next: 'Matched' }], Default: 'NotMatched' },
        Matched: { Type: 'Pass', Result: 'Matched', End: true },
        NotMatched: { Type: 'Pass', Result: 'NotMatched', End: true },
      },
    };
  }

  // Guide, "Choice Rules (JSONPath)": "the StringEquals rule is only evaluated when
  // $.keyThatMightNotExist exists because of the preceding IsPresent Choice Rule".
  it('does not evaluate the StringEquals after a false IsPresent in an And', async () => {
    const rule = {
      And: [
        { Variable: '$.keyThatMightNotExist', IsPresent: true },
        { Variable: '$.keyThatMightNotExist', StringEquals: 'foo' },
      ],
    };
    const absent = await runWorkflow(oneRule(rule), {});
    const present = await runWorkflow(oneRule(rule), { keyThatMightNotExist: 'foo' });
    expect(absent.status).toBe('SUCCEEDED');
    expect(absent.output).toBe('NotMatched');
    expect(present.output).toBe('Matched');
  });

  // Guide, "Choice Rules (JSONPath)": { "Variable": "$.foo", "StringMatches": "log-*.txt" }.
  it('matches the wildcard pattern log-*.txt', async () => {
    const matched = await runWorkflow(oneRule({ Variable: '$.foo', StringMatches: 'log-*.txt' }), {
      foo: 'log-2024-01-01.txt',
    });
    const notMatched = await runWorkflow(oneRule({ Variable: '$.foo', StringMatches: 'log-*.txt' }), {
      foo: 'log-1.csv',
    });
    expect(matched.output).toBe('Matched');
    expect(notMatched.output).toBe('NotMatched');
  });

  // Guide, "Choice Rules (JSONPath)": { "Variable": "$.foo", "TimestampEquals": "2001-01-01T12:00:00Z" }.
  it('compares timestamps with TimestampEquals', async () => {
    const result = await runWorkflow(
      oneRule({ Variable: '$.foo', TimestampEquals: '2001-01-01T12:00:00Z' }),
      { foo: '2001-01-01T12:00:00Z' },
    );
    expect(result.output).toBe('Matched');
  });

  // Guide, "Choice Rules (JSONPath)": { "Variable": "$.foo", "StringEqualsPath": "$.bar" }
  // "compares a variable with another value from the state input".
  it('compares two input values with StringEqualsPath', async () => {
    const equal = await runWorkflow(oneRule({ Variable: '$.foo', StringEqualsPath: '$.bar' }), {
      foo: 'x',
      bar: 'x',
    });
    const different = await runWorkflow(oneRule({ Variable: '$.foo', StringEqualsPath: '$.bar' }), {
      foo: 'x',
      bar: 'y',
    });
    expect(equal.output).toBe('Matched');
    expect(different.output).toBe('NotMatched');
  });

  // Guide, "Choice Rules (JSONPath)": { "Variable": "$.possiblyNullValue", "IsNull": true }.
  it('tests for null with IsNull', async () => {
    const result = await runWorkflow(oneRule({ Variable: '$.possiblyNullValue', IsNull: true }), {
      possiblyNullValue: null,
    });
    expect(result.output).toBe('Matched');
  });

  // Guide, "Choice workflow state": "Step Functions doesn't attempt to match a numeric field to a
  // string value."
  it('does not match a numeric field against a string value', async () => {
    const result = await runWorkflow(oneRule({ Variable: '$.foo', StringEquals: '1' }), { foo: 1 });
    expect(result.output).toBe('NotMatched');
  });

  // Guide, "Choice workflow state": Step Functions "transitions to the state specified in the Next
  // field of the first Choice Rule in which the variable matches".
  it('takes the first matching rule in Choices order', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [
              { Variable: '$.foo', NumericGreaterThan: 10, Next: 'First' },
              { Variable: '$.foo', NumericGreaterThan: 1, Next: 'Second' },
            ],
          },
          First: { Type: 'Pass', Result: 'First', End: true },
          Second: { Type: 'Pass', Result: 'Second', End: true },
        },
      },
      { foo: 20 },
    );
    expect(result.output).toBe('First');
  });

  // Guide, "Transforming data with JSONata > Choice state": the JSONPath "Check Price" example
  // with NumericLessThanEqualsPath.
  it('runs the Check Price example with NumericLessThanEqualsPath', async () => {
    const definition = {
      StartAt: 'Check Price',
      States: {
        'Check Price': {
          Type: 'Choice',
          Default: 'Pause',
          Choices: [
            {
              Variable: '$.current_price.current_price',
              NumericLessThanEqualsPath: '$.desired_price',
              Next: 'Send Notification',
            },
          ],
        },
        Pause: { Type: 'Pass', Result: 'Pause', End: true },
        'Send Notification': { Type: 'Pass', Result: 'Send Notification', End: true },
      },
    };
    const cheap = await runWorkflow(definition, { current_price: { current_price: 90 }, desired_price: 100 });
    const dear = await runWorkflow(definition, { current_price: { current_price: 120 }, desired_price: 100 });
    expect(cheap.output).toBe('Send Notification');
    expect(dear.output).toBe('Pause');
  });
});

describe('Choice state data flow and errors', () => {
  // Guide, "Processing input and output": a Choice state passes its (InputPath- and
  // OutputPath-filtered) input on; it does not support ResultPath.
  it('passes its input to the next state', async () => {
    const next = recordingTask();
    const resource = 'arn:aws:lambda:us-east-1:123456789012:function:Next';
    await runWorkflow(
      {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Next' }],
            Default: 'Stop',
          },
          Next: { Type: 'Task', Resource: resource, End: true },
          Stop: { Type: 'Succeed' },
        },
      },
      { go: true, payload: [1, 2] },
      { tasks: { [resource]: next } },
    );
    expect(next.inputs).toEqual([{ go: true, payload: [1, 2] }]);
  });

  // Guide, "Choice workflow state": "If no Choices evaluate to true when the workflow runs, and no
  // Default is provided, the state machine will throw an error"; the ASL specification names it
  // States.NoChoiceMatched.
  it('fails with States.NoChoiceMatched when nothing matches and there is no Default', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Check',
        States: {
          Check: { Type: 'Choice', Choices: [{ Variable: '$.value', NumericEquals: 0, Next: 'Zero' }] },
          Zero: { Type: 'Succeed' },
        },
      },
      { value: 1 },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.NoChoiceMatched');
  });
});
