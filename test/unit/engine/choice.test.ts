import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHOICE_COMPARISON_OPERATORS,
  CHOICE_OPERAND_TYPES,
  choiceOperandType,
  choiceOperatorNames,
  evaluateChoiceRule,
  isChoiceComparisonOperator,
  isValidStringMatchesPattern,
  parseTimestamp,
  selectChoice,
  type PathReader,
} from '../../../lambdas/engine/choice.js';
import type { ChoiceRule, ChoiceState } from '../../../lambdas/engine/definition.js';
import { StatesRuntimeError } from '../../../lambdas/engine/errors.js';
import { compilePath, readPath } from '../../../lambdas/engine/json-path.js';
import type { Json } from '../../../lambdas/engine/json.js';

/** A reader over a state input and a context object, as the engine builds it. */
function reader(input: Json, context: Json = {}): PathReader {
  return (path) => readPath(compilePath(path), input, context);
}

function matches(rule: ChoiceRule, input: Json, context: Json = {}): boolean {
  return evaluateChoiceRule(rule, reader(input, context));
}

function choice(Choices: ChoiceRule[], Default?: string): ChoiceState {
  return Default === undefined ? { Type: 'Choice', Choices } : { Type: 'Choice', Choices, Default };
}

/** The Choice state example of the Step Functions developer guide ("Choice workflow state"). */
const AWS_EXAMPLE = choice(
  [
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
  'DefaultState',
);

/** The Choice state example of the Amazon States Language specification. */
const SPEC_EXAMPLE = choice(
  [
    { Not: { Variable: '$.type', StringEquals: 'Private' }, Next: 'Public' },
    {
      And: [
        { Variable: '$.value', IsPresent: true },
        { Variable: '$.value', IsNumeric: true },
        { Variable: '$.value', NumericGreaterThanEquals: 20 },
        { Variable: '$.value', NumericLessThan: 30 },
      ],
      Next: 'ValueInTwenties',
    },
    { Variable: '$.rating', NumericGreaterThanPath: '$.auditThreshold', Next: 'StartAudit' },
  ],
  'RecordEvent',
);

describe('the documented Choice state examples', () => {
  it('goes to ValueInTwenties for {"type": "Private", "value": 22}, as the developer guide says', () => {
    expect(selectChoice(AWS_EXAMPLE, reader({ type: 'Private', value: 22 }))).toBe('ValueInTwenties');
  });

  it('goes to ValueIsZero when value is 0', () => {
    expect(selectChoice(AWS_EXAMPLE, reader({ type: 'Private', value: 0 }))).toBe('ValueIsZero');
  });

  it('goes to Public when type is not Private, before looking at value', () => {
    expect(selectChoice(AWS_EXAMPLE, reader({ type: 'Public', value: 22 }))).toBe('Public');
  });

  it('goes to the Default state when no rule matches', () => {
    expect(selectChoice(AWS_EXAMPLE, reader({ type: 'Private', value: 30 }))).toBe('DefaultState');
  });

  it('fails with States.Runtime when the input has no $.type field, as the developer guide notes', () => {
    expect(() => selectChoice(AWS_EXAMPLE, reader({ value: 22 }))).toThrow(StatesRuntimeError);
  });

  it('goes to ValueInTwenties for the spec example input', () => {
    expect(selectChoice(SPEC_EXAMPLE, reader({ type: 'Private', value: 22 }))).toBe('ValueInTwenties');
  });

  it('goes to StartAudit in the spec example when value is absent and rating exceeds auditThreshold', () => {
    const input = { type: 'Private', rating: 9, auditThreshold: 5 };
    expect(selectChoice(SPEC_EXAMPLE, reader(input))).toBe('StartAudit');
  });

  it('goes to RecordEvent in the spec example when nothing matches', () => {
    const input = { type: 'Private', value: 'twenty-two', rating: 1, auditThreshold: 5 };
    expect(selectChoice(SPEC_EXAMPLE, reader(input))).toBe('RecordEvent');
  });

  it.each([
    [{ Variable: '$.foo', NumericEquals: 1 }, { foo: 1 }],
    [{ Variable: '$.foo', StringEquals: 'MyString' }, { foo: 'MyString' }],
    [{ Variable: '$.foo', StringGreaterThan: 'MyStringABC' }, { foo: 'MyStringABD' }],
    [{ Variable: '$.foo', TimestampEquals: '2001-01-01T12:00:00Z' }, { foo: '2001-01-01T12:00:00Z' }],
  ])('matches the developer guide rule %j against %j', (rule, input) => {
    expect(matches(rule, input)).toBe(true);
  });
});

describe('selectChoice', () => {
  it('returns the Next of the first matching rule when several match', () => {
    const state = choice([
      { Variable: '$.n', NumericGreaterThan: 0, Next: 'First' },
      { Variable: '$.n', NumericGreaterThan: 1, Next: 'Second' },
    ]);
    expect(selectChoice(state, reader({ n: 5 }))).toBe('First');
  });

  it('returns undefined when nothing matches and there is no Default', () => {
    const state = choice([{ Variable: '$.n', NumericEquals: 1, Next: 'One' }]);
    expect(selectChoice(state, reader({ n: 2 }))).toBeUndefined();
  });

  it('does not evaluate the rules after the first match', () => {
    const state = choice([
      { Variable: '$.n', NumericEquals: 1, Next: 'One' },
      { Variable: '$.missing', NumericEquals: 1, Next: 'Never' },
    ]);
    expect(selectChoice(state, reader({ n: 1 }))).toBe('One');
  });

  it('gives the same answer when the same state is evaluated again', () => {
    const state = choice([{ Variable: '$.n', NumericLessThan: 10, Next: 'Small' }], 'Large');
    expect(selectChoice(state, reader({ n: 1 }))).toBe('Small');
    expect(selectChoice(state, reader({ n: 100 }))).toBe('Large');
  });
});

describe('string comparisons', () => {
  it.each([
    ['StringEquals', 'abc', 'abc', true],
    ['StringEquals', 'abc', 'abd', false],
    ['StringLessThan', 'abc', 'abd', true],
    ['StringLessThan', 'abc', 'abc', false],
    ['StringGreaterThan', 'abd', 'abc', true],
    ['StringGreaterThan', 'abc', 'abc', false],
    ['StringLessThanEquals', 'abc', 'abc', true],
    ['StringLessThanEquals', 'abd', 'abc', false],
    ['StringGreaterThanEquals', 'abc', 'abc', true],
    ['StringGreaterThanEquals', 'abc', 'abd', false],
  ])('%s of %j against %j is %s', (operator, value, operand, expected) => {
    expect(matches({ Variable: '$.v', [operator]: operand }, { v: value })).toBe(expected);
  });

  it('orders a prefix before the longer string', () => {
    expect(matches({ Variable: '$.v', StringLessThan: 'abc' }, { v: 'ab' })).toBe(true);
  });

  it('is case-sensitive, uppercase letters sorting before lowercase', () => {
    expect(matches({ Variable: '$.v', StringLessThan: 'a' }, { v: 'B' })).toBe(true);
  });

  it('does not normalise Unicode: a precomposed é differs from e plus a combining accent', () => {
    expect(matches({ Variable: '$.v', StringEquals: '\u00e9' }, { v: 'e\u0301' })).toBe(false);
  });

  it('orders by UTF-16 code unit like Java compareTo, so U+FF5E sorts after an astral character', () => {
    // Java's String.compareTo (the developer guide's definition) compares UTF-16 code units: the
    // surrogate 0xD83D of U+1F600 is below 0xFF5E, although the code point U+1F600 is above it.
    expect(matches({ Variable: '$.v', StringGreaterThan: '\u{1F600}' }, { v: '\uFF5E' })).toBe(true);
  });

  it('is false when the variable is a number', () => {
    expect(matches({ Variable: '$.v', StringEquals: '1' }, { v: 1 })).toBe(false);
  });

  it('is false when the variable is null', () => {
    expect(matches({ Variable: '$.v', StringLessThan: 'z' }, { v: null })).toBe(false);
  });

  it('treats a timestamp-like string as a plain string', () => {
    expect(
      matches({ Variable: '$.v', StringEquals: '2016-03-14T01:59:00Z' }, { v: '2016-03-14T01:59:00Z' }),
    ).toBe(true);
  });
});

describe('numeric comparisons', () => {
  it.each([
    ['NumericEquals', 5, 5, true],
    ['NumericEquals', 5, 6, false],
    ['NumericLessThan', 5, 6, true],
    ['NumericLessThan', 5, 5, false],
    ['NumericGreaterThan', 6, 5, true],
    ['NumericGreaterThan', 5, 5, false],
    ['NumericLessThanEquals', 5, 5, true],
    ['NumericLessThanEquals', 6, 5, false],
    ['NumericGreaterThanEquals', 5, 5, true],
    ['NumericGreaterThanEquals', 4, 5, false],
  ])('%s of %j against %j is %s', (operator, value, operand, expected) => {
    expect(matches({ Variable: '$.v', [operator]: operand }, { v: value })).toBe(expected);
  });

  it('treats an integer and the same value written as a decimal as equal', () => {
    expect(matches({ Variable: '$.v', NumericEquals: 1 }, { v: 1.0 })).toBe(true);
  });

  it('compares fractions and negative numbers', () => {
    expect(matches({ Variable: '$.v', NumericLessThan: -0.5 }, { v: -0.75 })).toBe(true);
  });

  it('does not match a numeric string, as "Step Functions doesn\'t attempt to match a numeric field to a string value"', () => {
    expect(matches({ Variable: '$.v', NumericEquals: 5 }, { v: '5' })).toBe(false);
  });

  it('is false when the variable is a boolean', () => {
    expect(matches({ Variable: '$.v', NumericGreaterThanEquals: 0 }, { v: true })).toBe(false);
  });

  it('is false when the variable is an object', () => {
    expect(matches({ Variable: '$.v', NumericLessThan: 10 }, { v: { n: 1 } })).toBe(false);
  });
});

describe('boolean comparisons', () => {
  it('BooleanEquals true matches true', () => {
    expect(matches({ Variable: '$.v', BooleanEquals: true }, { v: true })).toBe(true);
  });

  it('BooleanEquals false matches false', () => {
    expect(matches({ Variable: '$.v', BooleanEquals: false }, { v: false })).toBe(true);
  });

  it('BooleanEquals true does not match false', () => {
    expect(matches({ Variable: '$.v', BooleanEquals: true }, { v: false })).toBe(false);
  });

  it('BooleanEquals true does not match the string "true"', () => {
    expect(matches({ Variable: '$.v', BooleanEquals: true }, { v: 'true' })).toBe(false);
  });

  it('BooleanEquals false does not match 0 or null', () => {
    expect(matches({ Variable: '$.v', BooleanEquals: false }, { v: 0 })).toBe(false);
    expect(matches({ Variable: '$.v', BooleanEquals: false }, { v: null })).toBe(false);
  });
});

describe('timestamp comparisons', () => {
  it.each([
    ['TimestampEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['TimestampEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', false],
    ['TimestampLessThan', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', true],
    ['TimestampLessThan', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['TimestampGreaterThan', '2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['TimestampGreaterThan', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['TimestampLessThanEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['TimestampLessThanEquals', '2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['TimestampGreaterThanEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['TimestampGreaterThanEquals', '2023-12-31T23:59:59Z', '2024-01-01T00:00:00Z', false],
  ])('%s of %j against %j is %s', (operator, value, operand, expected) => {
    expect(matches({ Variable: '$.v', [operator]: operand }, { v: value })).toBe(expected);
  });

  it('compares instants, so the same moment in two time zones is equal', () => {
    expect(
      matches(
        { Variable: '$.v', TimestampEquals: '2024-01-01T00:00:00Z' },
        { v: '2024-01-01T01:00:00+01:00' },
      ),
    ).toBe(true);
  });

  it('treats a whole second and the same second with a zero fraction as equal', () => {
    expect(
      matches(
        { Variable: '$.v', TimestampEquals: '2024-01-01T00:00:00Z' },
        { v: '2024-01-01T00:00:00.000Z' },
      ),
    ).toBe(true);
  });

  it('distinguishes timestamps that differ below the millisecond', () => {
    expect(
      matches(
        { Variable: '$.v', TimestampLessThan: '2024-01-01T00:00:00.0001Z' },
        { v: '2024-01-01T00:00:00.00005Z' },
      ),
    ).toBe(true);
  });

  it('orders fractions numerically, not by their length', () => {
    expect(
      matches(
        { Variable: '$.v', TimestampGreaterThan: '2024-01-01T00:00:00.49Z' },
        { v: '2024-01-01T00:00:00.5Z' },
      ),
    ).toBe(true);
  });

  it('is false when the variable is not a valid timestamp', () => {
    expect(
      matches({ Variable: '$.v', TimestampLessThan: '2024-01-01T00:00:00Z' }, { v: '2023-02-30T00:00:00Z' }),
    ).toBe(false);
  });

  it('is false when the variable is a number', () => {
    expect(
      matches({ Variable: '$.v', TimestampGreaterThan: '1970-01-01T00:00:00Z' }, { v: 1_700_000_000 }),
    ).toBe(false);
  });

  it('is false when the operand is not a valid timestamp', () => {
    expect(
      matches({ Variable: '$.v', TimestampLessThanEquals: 'tomorrow' }, { v: '2024-01-01T00:00:00Z' }),
    ).toBe(false);
  });

  it('is false when the variable uses a lowercase t, which ASL forbids', () => {
    expect(
      matches({ Variable: '$.v', TimestampEquals: '2024-01-01T00:00:00Z' }, { v: '2024-01-01t00:00:00Z' }),
    ).toBe(false);
  });
});

describe('Path operands', () => {
  it.each([
    ['StringEqualsPath', 'a', 'a', true],
    ['StringLessThanPath', 'a', 'b', true],
    ['StringGreaterThanPath', 'b', 'a', true],
    ['StringLessThanEqualsPath', 'b', 'a', false],
    ['StringGreaterThanEqualsPath', 'a', 'a', true],
    ['NumericEqualsPath', 3, 3, true],
    ['NumericLessThanPath', 3, 2, false],
    ['NumericGreaterThanPath', 3, 2, true],
    ['NumericLessThanEqualsPath', 2, 2, true],
    ['NumericGreaterThanEqualsPath', 1, 2, false],
    ['BooleanEqualsPath', true, true, true],
    ['BooleanEqualsPath', true, false, false],
    ['TimestampEqualsPath', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['TimestampLessThanPath', '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', true],
    ['TimestampGreaterThanPath', '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', false],
    ['TimestampLessThanEqualsPath', '2024-06-01T00:00:00Z', '2024-06-01T00:00:00Z', true],
    ['TimestampGreaterThanEqualsPath', '2024-06-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
  ])('%s comparing %j with the value %j read from the input is %s', (operator, value, other, expected) => {
    expect(matches({ Variable: '$.v', [operator]: '$.other' }, { v: value, other })).toBe(expected);
  });

  it('reads a $$ operand from the context object', () => {
    const context = { Execution: { Input: { limit: 10 } } };
    expect(
      matches({ Variable: '$.n', NumericLessThanPath: '$$.Execution.Input.limit' }, { n: 3 }, context),
    ).toBe(true);
  });

  it('reads a $$ Variable from the context object', () => {
    const context = { State: { RetryCount: 2 } };
    expect(matches({ Variable: '$$.State.RetryCount', NumericGreaterThanEquals: 2 }, {}, context)).toBe(true);
  });

  it('is false when the operand read from the input has another type', () => {
    expect(matches({ Variable: '$.n', NumericEqualsPath: '$.other' }, { n: 1, other: '1' })).toBe(false);
  });

  it('fails with States.Runtime naming the operand path when it does not exist', () => {
    expect(() => matches({ Variable: '$.n', NumericEqualsPath: '$.nowhere' }, { n: 1 })).toThrow(
      "Invalid path '$.nowhere'",
    );
  });
});

describe('StringMatches', () => {
  it.each([
    ['log-*.txt', 'log-2024-01-01.txt', true],
    ['log-*.txt', 'log-.txt', true],
    ['log-*.txt', 'log-1.txt.bak', false],
    ['log-*.txt', 'mylog-1.txt', false],
    ['*.log', 'zebra.log', true],
    ['*.log', '.log', true],
    ['*.log', 'zebra.logs', false],
    ['*', 'anything at all', true],
    ['*', '', true],
    ['foo*.log', 'foo23.log', true],
    ['foo*.*', 'foobar.zebra', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('pattern %j against %j is %s', (pattern, value, expected) => {
    expect(matches({ Variable: '$.v', StringMatches: pattern }, { v: value })).toBe(expected);
  });

  it('treats \\* as a literal asterisk (written "\\\\*" in JSON)', () => {
    const rule = JSON.parse('{"Variable": "$.v", "StringMatches": "a\\\\*b"}') as ChoiceRule;
    expect(matches(rule, { v: 'a*b' })).toBe(true);
    expect(matches(rule, { v: 'axb' })).toBe(false);
  });

  it('treats \\\\ as a literal backslash (written "\\\\\\\\" in JSON)', () => {
    const rule = JSON.parse('{"Variable": "$.v", "StringMatches": "C:\\\\\\\\*"}') as ChoiceRule;
    expect(matches(rule, { v: 'C:\\Windows' })).toBe(true);
  });

  it('gives no special meaning to ?, ., [ or other regular expression characters', () => {
    expect(matches({ Variable: '$.v', StringMatches: 'a?.[b]+(c)$' }, { v: 'a?.[b]+(c)$' })).toBe(true);
    expect(matches({ Variable: '$.v', StringMatches: 'a?c' }, { v: 'abc' })).toBe(false);
  });

  it('fails with States.Runtime when a backslash escapes neither * nor \\', () => {
    expect(() => matches({ Variable: '$.v', StringMatches: 'a\\b' }, { v: 'ab' })).toThrow(
      StatesRuntimeError,
    );
  });

  it('fails with States.Runtime when the pattern ends with an open backslash', () => {
    expect(() => matches({ Variable: '$.v', StringMatches: 'abc\\' }, { v: 'abc' })).toThrow(
      StatesRuntimeError,
    );
  });

  it('is false when the variable is not a string', () => {
    expect(matches({ Variable: '$.v', StringMatches: '*' }, { v: 42 })).toBe(false);
  });

  it('finishes quickly on a pattern that makes backtracking matchers explode', () => {
    const pattern = `${'*a'.repeat(30)}*b*`;
    const value = 'a'.repeat(50_000);
    const started = performance.now();
    expect(matches({ Variable: '$.v', StringMatches: pattern }, { v: value })).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('isValidStringMatchesPattern', () => {
  it('accepts escaped asterisks and backslashes', () => {
    expect(isValidStringMatchesPattern('a\\*b\\\\c*')).toBe(true);
  });

  it('rejects a backslash before an ordinary character', () => {
    expect(isValidStringMatchesPattern('a\\nb')).toBe(false);
  });

  it('rejects a trailing backslash', () => {
    expect(isValidStringMatchesPattern('abc\\')).toBe(false);
  });
});

describe('type tests', () => {
  it.each([
    ['IsNull', null, true],
    ['IsNull', 0, false],
    ['IsNull', '', false],
    ['IsNumeric', 1.5, true],
    ['IsNumeric', '1.5', false],
    ['IsString', 'x', true],
    ['IsString', 1, false],
    ['IsBoolean', false, true],
    ['IsBoolean', 'false', false],
    ['IsTimestamp', '2016-03-14T01:59:00Z', true],
    ['IsTimestamp', '2016-03-14', false],
    ['IsTimestamp', 1_457_920_740, false],
    ['IsPresent', null, true],
  ])('%s: true on %j is %s', (operator, value, expected) => {
    expect(matches({ Variable: '$.v', [operator]: true }, { v: value })).toBe(expected);
  });

  it('IsNull: false matches a value that is not null', () => {
    expect(matches({ Variable: '$.v', IsNull: false }, { v: 'x' })).toBe(true);
  });

  it('IsNumeric: false does not match a number', () => {
    expect(matches({ Variable: '$.v', IsNumeric: false }, { v: 3 })).toBe(false);
  });

  it('IsString: true matches a timestamp, which is a string', () => {
    expect(matches({ Variable: '$.v', IsString: true }, { v: '2016-03-14T01:59:00Z' })).toBe(true);
  });

  it('IsPresent: true is false when the path matches nothing, without failing', () => {
    expect(matches({ Variable: '$.missing', IsPresent: true }, {})).toBe(false);
  });

  it('IsPresent: false is true when the path matches nothing', () => {
    expect(matches({ Variable: '$.missing', IsPresent: false }, {})).toBe(true);
  });

  it('IsPresent: false is false when the field exists, even with a null value', () => {
    expect(matches({ Variable: '$.v', IsPresent: false }, { v: null })).toBe(false);
  });

  it('IsPresent is false for a path through a value that is not an object', () => {
    expect(matches({ Variable: '$.v.inner', IsPresent: true }, { v: 'text' })).toBe(false);
  });

  it('IsPresent reads $$ paths from the context object', () => {
    expect(
      matches({ Variable: '$$.Map.Item.Index', IsPresent: true }, {}, { Map: { Item: { Index: 0 } } }),
    ).toBe(true);
  });

  it.each(['IsNull', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'])(
    '%s fails with States.Runtime on a path that matches nothing (only IsPresent is exempt)',
    (operator) => {
      expect(() => matches({ Variable: '$.missing', [operator]: false }, {})).toThrow(StatesRuntimeError);
    },
  );
});

describe('missing variables', () => {
  it('fail with States.Runtime', () => {
    expect(() => matches({ Variable: '$.x', StringEquals: 'a' }, {})).toThrow(StatesRuntimeError);
  });

  it('fail with the error code States.Runtime as the error name', () => {
    expect(() => matches({ Variable: '$.x', NumericEquals: 1 }, {})).toThrow(
      expect.objectContaining({ name: 'States.Runtime' }),
    );
  });

  it('fail with a message that names the path', () => {
    expect(() => matches({ Variable: '$.x', BooleanEquals: true }, {})).toThrow(
      "Invalid path '$.x': The choice state's condition path references an invalid value.",
    );
  });

  it('fail even under Not', () => {
    expect(() => matches({ Not: { Variable: '$.x', StringEquals: 'a' } }, {})).toThrow(StatesRuntimeError);
  });

  it('fail for a missing array index', () => {
    expect(() => matches({ Variable: '$.items[3]', IsNull: true }, { items: [1] })).toThrow(
      StatesRuntimeError,
    );
  });
});

describe('And, Or and Not', () => {
  const positive = { Variable: '$.n', NumericGreaterThan: 0 };
  const even = { Variable: '$.even', BooleanEquals: true };

  it('And is true when every rule is true', () => {
    expect(matches({ And: [positive, even] }, { n: 2, even: true })).toBe(true);
  });

  it('And is false when one rule is false', () => {
    expect(matches({ And: [positive, even] }, { n: 3, even: false })).toBe(false);
  });

  it('Or is true when one rule is true', () => {
    expect(matches({ Or: [positive, even] }, { n: -1, even: true })).toBe(true);
  });

  it('Or is false when every rule is false', () => {
    expect(matches({ Or: [positive, even] }, { n: -1, even: false })).toBe(false);
  });

  it('Not inverts its rule', () => {
    expect(matches({ Not: positive }, { n: -1 })).toBe(true);
  });

  it('nest to any depth', () => {
    const rule: ChoiceRule = {
      Or: [
        {
          And: [
            { Not: { Variable: '$.a', IsNull: true } },
            { Not: { Not: { Variable: '$.b', StringMatches: 'x*' } } },
          ],
        },
        { Variable: '$.c', NumericEquals: 1 },
      ],
    };
    expect(matches(rule, { a: 1, b: 'xyz', c: 0 })).toBe(true);
  });

  it('And stops at the first false rule, so a later missing variable does not fail', () => {
    expect(
      matches(
        {
          And: [
            { Variable: '$.v', IsPresent: true },
            { Variable: '$.v', NumericEquals: 1 },
          ],
        },
        {},
      ),
    ).toBe(false);
  });

  it('Or stops at the first true rule, so a later missing variable does not fail', () => {
    expect(
      matches(
        {
          Or: [
            { Variable: '$.v', IsPresent: false },
            { Variable: '$.v', NumericEquals: 1 },
          ],
        },
        {},
      ),
    ).toBe(true);
  });
});

describe('malformed rules', () => {
  it('fail with States.Runtime when a rule has no operator', () => {
    expect(() => matches({ Variable: '$.v' }, { v: 1 })).toThrow(StatesRuntimeError);
  });

  it('fail with States.Runtime when a rule has two operators', () => {
    expect(() => matches({ Variable: '$.v', NumericEquals: 1, NumericLessThan: 2 }, { v: 1 })).toThrow(
      StatesRuntimeError,
    );
  });

  it('fail with States.Runtime when a comparison has no Variable', () => {
    expect(() => matches({ NumericEquals: 1 }, { v: 1 })).toThrow(StatesRuntimeError);
  });

  it('fail with States.Runtime when an Is test is not given a boolean', () => {
    expect(() => matches({ Variable: '$.v', IsNull: 'yes' }, { v: null })).toThrow(StatesRuntimeError);
  });

  it('ignore a Comment field', () => {
    expect(matches({ Variable: '$.v', NumericEquals: 1, Comment: 'one' }, { v: 1 })).toBe(true);
  });
});

describe('parseTimestamp', () => {
  it('parses a UTC timestamp to epoch milliseconds', () => {
    expect(parseTimestamp('2016-03-14T01:59:00Z')).toBe(Date.UTC(2016, 2, 14, 1, 59, 0));
  });

  it('applies a positive offset', () => {
    expect(parseTimestamp('2016-03-14T01:59:00+01:30')).toBe(Date.UTC(2016, 2, 14, 0, 29, 0));
  });

  it('applies a negative offset', () => {
    expect(parseTimestamp('2016-03-14T01:59:00-05:00')).toBe(Date.UTC(2016, 2, 14, 6, 59, 0));
  });

  it('accepts -00:00 as UTC', () => {
    expect(parseTimestamp('2016-03-14T01:59:00-00:00')).toBe(Date.UTC(2016, 2, 14, 1, 59, 0));
  });

  it('keeps milliseconds from a fraction', () => {
    expect(parseTimestamp('2016-03-14T01:59:00.123Z')).toBe(Date.UTC(2016, 2, 14, 1, 59, 0, 123));
  });

  it('reads a one-digit fraction as tenths of a second', () => {
    expect(parseTimestamp('2016-03-14T01:59:00.5Z')).toBe(Date.UTC(2016, 2, 14, 1, 59, 0, 500));
  });

  it('truncates digits beyond the millisecond', () => {
    expect(parseTimestamp('2016-03-14T01:59:00.123999999Z')).toBe(Date.UTC(2016, 2, 14, 1, 59, 0, 123));
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('accepts 29 February 2000, a leap year divisible by 400', () => {
    expect(parseTimestamp('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
  });

  it('handles dates before 1970', () => {
    expect(parseTimestamp('1969-12-31T23:59:59.999Z')).toBe(-1);
  });

  it('handles years below 100 without the Date.UTC 19xx mapping', () => {
    // The Gregorian calendar repeats every 400 years (146,097 days): 0099 is five cycles before 2099.
    expect(parseTimestamp('0099-01-01T00:00:00Z')).toBe(Date.UTC(2099, 0, 1) - 5 * 146_097 * 86_400_000);
  });

  it.each([
    ['a lowercase t', '2016-03-14t01:59:00Z'],
    ['a lowercase z', '2016-03-14T01:59:00z'],
    ['a space instead of T', '2016-03-14 01:59:00Z'],
    ['no time zone', '2016-03-14T01:59:00'],
    ['a date only', '2016-03-14'],
    ['no seconds', '2016-03-14T01:59Z'],
    ['an empty fraction', '2016-03-14T01:59:00.Z'],
    ['a compact offset', '2016-03-14T01:59:00+0100'],
    ['an hour-only offset', '2016-03-14T01:59:00+01'],
    ['30 February', '2016-02-30T00:00:00Z'],
    ['29 February in a common year', '2023-02-29T00:00:00Z'],
    ['29 February 1900, not a leap year', '1900-02-29T00:00:00Z'],
    ['31 April', '2016-04-31T00:00:00Z'],
    ['month 13', '2016-13-01T00:00:00Z'],
    ['month 00', '2016-00-01T00:00:00Z'],
    ['day 00', '2016-01-00T00:00:00Z'],
    ['hour 24', '2016-03-14T24:00:00Z'],
    ['minute 60', '2016-03-14T01:60:00Z'],
    ['second 60', '2016-03-14T01:59:60Z'],
    ['an offset hour of 24', '2016-03-14T01:59:00+24:00'],
    ['an offset minute of 60', '2016-03-14T01:59:00+01:60'],
    ['a two-digit year', '16-03-14T01:59:00Z'],
    ['a one-digit month', '2016-3-14T01:59:00Z'],
    ['surrounding whitespace', ' 2016-03-14T01:59:00Z'],
    ['non-ASCII digits', '２016-03-14T01:59:00Z'],
    ['an empty string', ''],
  ])('rejects %s', (_description, text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('agrees with Date.UTC on every valid date and time', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 100, max: 9999 }),
          month: fc.integer({ min: 1, max: 12 }),
          day: fc.integer({ min: 1, max: 28 }),
          hour: fc.integer({ min: 0, max: 23 }),
          minute: fc.integer({ min: 0, max: 59 }),
          second: fc.integer({ min: 0, max: 59 }),
          ms: fc.integer({ min: 0, max: 999 }),
        }),
        ({ year, month, day, hour, minute, second, ms }) => {
          const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
          const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${pad(ms, 3)}Z`;
          expect(parseTimestamp(text)).toBe(Date.UTC(year, month - 1, day, hour, minute, second, ms));
        },
      ),
    );
  });
});

describe('the operator table', () => {
  it('lists every comparison operator of the spec: 16 with a Path form, StringMatches and 6 type tests', () => {
    expect(CHOICE_COMPARISON_OPERATORS).toHaveLength(16 * 2 + 1 + 6);
  });

  it('returns the same names from choiceOperatorNames', () => {
    expect(choiceOperatorNames()).toEqual([...CHOICE_COMPARISON_OPERATORS]);
  });

  it('has a Path form for every comparison except StringMatches and the type tests', () => {
    const names = new Set<string>(CHOICE_COMPARISON_OPERATORS);
    const literal = CHOICE_COMPARISON_OPERATORS.filter(
      (n) => !n.endsWith('Path') && n !== 'StringMatches' && !n.startsWith('Is'),
    );
    expect(literal.every((n) => names.has(`${n}Path`))).toBe(true);
  });

  it.each([
    ['StringEquals', 'string'],
    ['StringMatches', 'string'],
    ['NumericLessThan', 'number'],
    ['BooleanEquals', 'boolean'],
    ['TimestampGreaterThanEquals', 'timestamp'],
    ['TimestampGreaterThanEqualsPath', 'path'],
    ['BooleanEqualsPath', 'path'],
    ['IsPresent', 'is'],
    ['IsTimestamp', 'is'],
  ])('says %s takes an operand of kind %s', (name, operandType) => {
    expect(choiceOperandType(name)).toBe(operandType);
  });

  it('gives the same operand types in CHOICE_OPERAND_TYPES', () => {
    expect(CHOICE_COMPARISON_OPERATORS.every((n) => CHOICE_OPERAND_TYPES[n] === choiceOperandType(n))).toBe(
      true,
    );
  });

  it('does not count And, Variable or inherited object keys as operators', () => {
    expect(
      ['And', 'Or', 'Not', 'Variable', 'Next', 'toString', 'constructor'].some(isChoiceComparisonOperator),
    ).toBe(false);
  });

  it('returns no operand type for an unknown name', () => {
    expect(choiceOperandType('NumericNotEquals')).toBeUndefined();
  });
});
