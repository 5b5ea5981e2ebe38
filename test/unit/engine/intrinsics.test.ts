import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntrinsicFailureError, StatesError } from '../../../lambdas/engine/errors.js';
import {
  evaluateIntrinsic,
  INTRINSIC_LIMITS,
  IntrinsicSyntaxError,
  isIntrinsicCall,
  parseIntrinsic,
  type IntrinsicCall,
  type IntrinsicEnvironment,
} from '../../../lambdas/engine/intrinsics.js';
import { isJsonObject, type Json } from '../../../lambdas/engine/json.js';

// ----------------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------------

/** What the test environment's readPath throws for a missing path (a stand-in for the engine's error). */
class MissingPathError extends StatesError {
  constructor(path: string) {
    super('States.Runtime', `path ${path} not found`);
  }
}

interface TestEnvironment extends IntrinsicEnvironment {
  /** Every path readPath was asked for, in order. */
  readonly paths: string[];
  /** How many times random() was called. */
  readonly randomCalls: () => number;
}

/**
 * An environment whose readPath understands `$`, `$.a.b` and `$$.a.b` (enough for these tests; the real
 * path reader lives elsewhere) and whose random() replays `randoms` in a loop.
 */
function environment(
  input: Json = {},
  options: { context?: Json; randoms?: readonly number[] } = {},
): TestEnvironment {
  const paths: string[] = [];
  const randoms = options.randoms ?? [0.5];
  let calls = 0;
  return {
    paths,
    randomCalls: () => calls,
    readPath: (path) => {
      paths.push(path);
      const isContext = path.startsWith('$$');
      let node: Json = isContext ? (options.context ?? {}) : input;
      const rest = path.slice(isContext ? 2 : 1);
      if (rest === '') return node;
      for (const key of rest.slice(1).split('.')) {
        if (Array.isArray(node) && /^\d+$/.test(key) && Number(key) < node.length)
          node = node[Number(key)] as Json;
        else if (isJsonObject(node) && Object.prototype.hasOwnProperty.call(node, key))
          node = node[key] as Json;
        else throw new MissingPathError(path);
      }
      return node;
    },
    random: () => {
      const value = randoms[calls % randoms.length] as number;
      calls += 1;
      return value;
    },
  };
}

/** Parses and evaluates an expression against `input`. */
function run(
  expression: string,
  input: Json = {},
  options: { context?: Json; randoms?: readonly number[] } = {},
): Json {
  return evaluateIntrinsic(parseIntrinsic(expression), environment(input, options));
}

/** The error `action` throws (fails the test when it throws nothing). */
function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** The IntrinsicSyntaxError parsing `expression` throws. */
function syntaxError(expression: string): IntrinsicSyntaxError {
  const error = errorOf(() => parseIntrinsic(expression));
  expect(error).toBeInstanceOf(IntrinsicSyntaxError);
  return error as IntrinsicSyntaxError;
}

/** The States.IntrinsicFailure evaluating `expression` throws (the expression itself must parse). */
function failureOf(expression: string, input: Json = {}): IntrinsicFailureError {
  const call = parseIntrinsic(expression);
  const error = errorOf(() => evaluateIntrinsic(call, environment(input)));
  expect(error).toBeInstanceOf(IntrinsicFailureError);
  expect(error.name).toBe('States.IntrinsicFailure');
  return error as IntrinsicFailureError;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ----------------------------------------------------------------------------------------------------
// Every example of the AWS page "Intrinsic functions for JSONPath states in Step Functions"
// ----------------------------------------------------------------------------------------------------

describe('the documented examples', () => {
  it('States.Array builds [123456] from {"Id": 123456}', () => {
    expect(run('States.Array($.Id)', { Id: 123456 })).toEqual([123456]);
  });

  it('States.ArrayPartition splits nine items into chunks of four', () => {
    const input = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] };
    expect(run('States.ArrayPartition($.inputArray,4)', input)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
  });

  it('States.ArrayContains finds lookingFor in inputArray', () => {
    const input = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], lookingFor: 5 };
    expect(run('States.ArrayContains($.inputArray, $.lookingFor)', input)).toBe(true);
  });

  it('States.ArrayRange(1, 9, 2) is [1,3,5,7,9]', () => {
    expect(run('States.ArrayRange(1, 9, 2)')).toEqual([1, 3, 5, 7, 9]);
  });

  it('States.ArrayGetItem returns 6 at index 5', () => {
    const input = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], index: 5 };
    expect(run('States.ArrayGetItem($.inputArray, $.index)', input)).toBe(6);
  });

  it('States.ArrayLength of nine items is 9', () => {
    expect(run('States.ArrayLength($.inputArray)', { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toBe(9);
  });

  it('States.ArrayUnique removes the duplicate 3s', () => {
    expect(run('States.ArrayUnique($.inputArray)', { inputArray: [1, 2, 3, 3, 3, 3, 3, 3, 4] })).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('States.Base64Encode encodes "Data to encode" as RGF0YSB0byBlbmNvZGU=', () => {
    expect(run('States.Base64Encode($.input)', { input: 'Data to encode' })).toBe('RGF0YSB0byBlbmNvZGU=');
  });

  it('States.Base64Decode decodes RGF0YSB0byBlbmNvZGU= back to its text', () => {
    // The page shows "Decoded data" as the result, but RGF0YSB0byBlbmNvZGU= is "Data to encode".
    expect(run('States.Base64Decode($.base64)', { base64: 'RGF0YSB0byBlbmNvZGU=' })).toBe('Data to encode');
  });

  it('States.Hash gives the SHA-1 of "input data"', () => {
    // The page prints aaff4a450a104cd177d28d18d7485e8cae074b7, one hex digit short (it drops a 4 of
    // "d744"); a SHA-1 has 40 digits, and this is the real one.
    const input = { Data: 'input data', Algorithm: 'SHA-1' };
    expect(run('States.Hash($.Data, $.Algorithm)', input)).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
  });

  it('States.JsonMerge merges shallowly, the second object winning', () => {
    const input = { json1: { a: { a1: 1, a2: 2 }, b: 2 }, json2: { a: { a3: 1, a4: 2 }, c: 3 } };
    expect(run('States.JsonMerge($.json1, $.json2, false)', input)).toEqual({
      a: { a3: 1, a4: 2 },
      b: 2,
      c: 3,
    });
  });

  it('States.StringToJson parses the escaped JSON string', () => {
    expect(run('States.StringToJson($.escapedJsonString)', { escapedJsonString: '{"foo": "bar"}' })).toEqual({
      foo: 'bar',
    });
  });

  it('States.JsonToString turns {"foo": "bar"} into JSON text', () => {
    // The page shows {\"foo\": \"bar\"}; the text is compact, as in the ASL specification's example.
    expect(run('States.JsonToString($.unescapedJson)', { unescapedJson: { foo: 'bar' } })).toBe(
      '{"foo":"bar"}',
    );
  });

  it('States.MathRandom($.start, $.end) with 1 and 999 gives an integer in [1, 999)', () => {
    const value = run('States.MathRandom($.start, $.end)', { start: 1, end: 999 }, { randoms: [0.4567] });
    expect(value).toBe(456);
  });

  it('States.MathAdd(111, -1) is 110', () => {
    expect(run('States.MathAdd($.value1, $.step)', { value1: 111, step: -1 })).toBe(110);
  });

  it('States.StringSplit splits "1,2,3,4,5" on ","', () => {
    const input = { inputString: '1,2,3,4,5', splitter: ',' };
    expect(run('States.StringSplit($.inputString, $.splitter)', input)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('States.StringSplit splits on each of several delimiting characters', () => {
    const input = { inputString: 'This.is+a,test=string', splitter: '.+,=' };
    expect(run('States.StringSplit($.inputString, $.splitter)', input)).toEqual([
      'This',
      'is',
      'a',
      'test',
      'string',
    ]);
  });

  it('States.UUID() returns a version 4 UUID', () => {
    expect(run('States.UUID()')).toMatch(UUID_V4);
  });

  it('States.Format fills a literal template', () => {
    expect(run("States.Format('Hello, my name is {}.', $.name)", { name: 'Arnav' })).toBe(
      'Hello, my name is Arnav.',
    );
  });

  it('States.Format fills a template read from a path', () => {
    const input = { name: 'Arnav', template: 'Hello, my name is {}.' };
    expect(run('States.Format($.template, $.name)', input)).toBe('Hello, my name is Arnav.');
  });

  it('States.Format from the ASL specification renders a number literal', () => {
    const expression = "States.Format('Your name is {}, we are in the year {}', $.name, 2020)";
    expect(run(expression, { name: 'Foo', zebra: 'stripe' })).toBe(
      'Your name is Foo, we are in the year 2020',
    );
  });

  it('States.Array from the ASL specification mixes literals, a path and null', () => {
    const input = { someJson: { random: 'abcdefg' }, zebra: 'stripe' };
    expect(run("States.Array('Foo', 2020, $.someJson, null)", input)).toEqual([
      'Foo',
      2020,
      { random: 'abcdefg' },
      null,
    ]);
  });

  it('the nine-function nesting example is rejected, because its template has 3 placeholders for 2 values', () => {
    // The page's example of nesting, verbatim: it breaks the page's own rule for States.Format.
    const expression =
      "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
    expect(syntaxError(expression).message).toContain("3 '{}' placeholders but 2 values");
  });

  it('the nine-function nesting example works once its template matches its values', () => {
    const expression =
      "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
    const input = {
      ImageRecipe: { Arn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.0.3' },
    };
    expect(run(expression, input)).toBe('1.0');
  });

  it("the reserved characters are written \\', \\{, \\} and \\\\", () => {
    expect(run("States.Format('\\'\\{\\}\\\\')")).toBe("'{}\\");
  });
});

// ----------------------------------------------------------------------------------------------------
// Parsing
// ----------------------------------------------------------------------------------------------------

describe('isIntrinsicCall', () => {
  it('is true for an expression starting with States.', () => {
    expect(isIntrinsicCall('States.UUID()')).toBe(true);
  });

  it('is false for a path', () => {
    expect(isIntrinsicCall('$.States.x')).toBe(false);
  });
});

describe('parseIntrinsic', () => {
  it('builds a call node with a string literal and a path', () => {
    expect(parseIntrinsic("States.Format('Hi {}', $.name)")).toEqual({
      type: 'call',
      name: 'States.Format',
      args: [
        { type: 'string', value: 'Hi {}' },
        { type: 'path', path: '$.name' },
      ],
    });
  });

  it('reads integers, decimals, negatives and exponents as numbers', () => {
    expect(parseIntrinsic('States.Array(0, 42, -7, 3.25, -0.5, 1e3)').args).toEqual(
      [0, 42, -7, 3.25, -0.5, 1000].map((value) => ({ type: 'number', value })),
    );
  });

  it('reads true, false and null', () => {
    expect(parseIntrinsic('States.Array(true, false, null)').args).toEqual([
      { type: 'boolean', value: true },
      { type: 'boolean', value: false },
      { type: 'null' },
    ]);
  });

  it('reads a context-object path starting with $$', () => {
    expect(parseIntrinsic('States.Array($$.Execution.Id)').args).toEqual([
      { type: 'path', path: '$$.Execution.Id' },
    ]);
  });

  it('reads the bare root path $', () => {
    expect(parseIntrinsic('States.JsonToString($)').args).toEqual([{ type: 'path', path: '$' }]);
  });

  it('keeps a path with brackets, quotes, a filter, commas and parentheses in one piece', () => {
    const path = "$.items[?(@.name == 'a, (b)')].values['x y'][0]";
    expect(parseIntrinsic(`States.Array(${path}, 1)`).args).toEqual([
      { type: 'path', path },
      { type: 'number', value: 1 },
    ]);
  });

  it('passes a path to readPath exactly as written', () => {
    const env = environment();
    const path = "$.DescribeRecord.RecordOutputs[?(@.OutputKey == 'FooBar')].OutputValue";
    errorOf(() => evaluateIntrinsic(parseIntrinsic(`States.ArrayGetItem(${path}, 0)`), env));
    expect(env.paths).toEqual([path]);
  });

  it('reads nested calls as call nodes', () => {
    expect(parseIntrinsic('States.ArrayLength(States.Array(1))').args).toEqual([
      { type: 'call', name: 'States.Array', args: [{ type: 'number', value: 1 }] },
    ]);
  });

  it('allows spaces, tabs and newlines around arguments', () => {
    expect(parseIntrinsic("States.Array(  1 ,\n\t'a'\t, $.b  )").args).toEqual([
      { type: 'number', value: 1 },
      { type: 'string', value: 'a' },
      { type: 'path', path: '$.b' },
    ]);
  });

  it('allows whitespace around the whole expression', () => {
    expect(parseIntrinsic('  States.UUID()  ').name).toBe('States.UUID');
  });

  it('reads calls without arguments', () => {
    expect(parseIntrinsic('States.Array()').args).toEqual([]);
  });

  it("unescapes \\', \\{, \\} and \\\\ in string literals", () => {
    expect(parseIntrinsic("States.Array('it\\'s \\{x\\} a\\\\b')").args).toEqual([
      { type: 'string', value: "it's {x} a\\b" },
    ]);
  });

  it('accepts unescaped braces that are not a placeholder in a string literal', () => {
    expect(run('States.StringToJson(\'{"a": [1]}\')')).toEqual({ a: [1] });
  });

  it('returns a frozen tree', () => {
    const call = parseIntrinsic('States.Array(1)');
    expect(Object.isFrozen(call)).toBe(true);
    expect(Object.isFrozen(call.args)).toBe(true);
  });

  it('accepts up to 10 intrinsic functions in one expression', () => {
    const expression = `${'States.Array('.repeat(10)}${')'.repeat(10)}`;
    expect(run(expression)).toEqual([[[[[[[[[[]]]]]]]]]]);
  });
});

describe('parse errors', () => {
  it('reject an unknown function and say where it is', () => {
    const error = syntaxError("States.Format('{}', States.Foo(1))");
    expect(error.message).toContain("Unknown intrinsic function 'States.Foo'");
    expect(error.offset).toBe(20);
    expect(error.message).toContain('offset 20');
  });

  it('suggest the right name when only the case is wrong', () => {
    expect(syntaxError('States.arrayLength($.a)').message).toContain('did you mean States.ArrayLength?');
  });

  it('reject an expression that is not a States. call', () => {
    expect(syntaxError('$.a').message).toContain('Expected an intrinsic function');
  });

  it('reject a function name not followed by (', () => {
    expect(syntaxError('States.UUID').message).toContain("Expected '(' right after States.UUID");
  });

  it('reject a space between the function name and (', () => {
    expect(syntaxError('States.UUID ()').message).toContain("Expected '('");
  });

  it('reject a call whose parenthesis is never closed', () => {
    const error = syntaxError('States.ArrayLength(States.Array(1, 2)');
    expect(error.message).toContain("Unbalanced parentheses: 'States.ArrayLength(' is never closed");
    expect(error.offset).toBe(0);
  });

  it('reject an extra closing parenthesis', () => {
    const error = syntaxError('States.Array(1))');
    expect(error.message).toContain("Unbalanced parentheses: unexpected ')'");
    expect(error.offset).toBe(15);
  });

  it('reject text after the end of the call', () => {
    expect(syntaxError('States.UUID() x').message).toContain(
      "Unexpected 'x' after the end of States.UUID(...)",
    );
  });

  it('reject a missing argument after a comma', () => {
    expect(syntaxError('States.Array(1,)').message).toContain('Missing argument');
  });

  it('reject a missing argument before a comma', () => {
    expect(syntaxError('States.Array(,1)').offset).toBe(13);
  });

  it('reject two arguments without a comma between them', () => {
    expect(syntaxError('States.Array(1 2)').message).toContain(
      "Expected ',' or ')' after argument 1 of States.Array",
    );
  });

  it('reject an unterminated string literal', () => {
    const error = syntaxError("States.Array('abc)");
    expect(error.message).toContain('Unterminated string literal');
    expect(error.offset).toBe(13);
  });

  it('reject a backslash that escapes nothing reserved', () => {
    const error = syntaxError("States.Array('a\\nb')");
    expect(error.message).toContain("Invalid escape '\\n'");
    expect(error.offset).toBe(15);
  });

  it('reject a double-quoted string', () => {
    expect(syntaxError('States.Array("a")').message).toContain('string literals use single quotes');
  });

  it.each(['007', '1.', '-', '1.2.3', '12abc', '--1'])('reject the malformed number %s', (text) => {
    expect(syntaxError(`States.Array(${text})`).message).toContain('Invalid number');
  });

  it('reject a bare word that is not true, false or null', () => {
    expect(syntaxError('States.Array(yes)').message).toContain("Unexpected 'yes'");
  });

  it('reject True spelled with a capital', () => {
    expect(syntaxError('States.Array(True)').message).toContain("Unexpected 'True'");
  });

  it('reject a path with an unclosed bracket', () => {
    expect(syntaxError('States.Array($.a[0)').message).toContain(
      "Unbalanced brackets in path: unexpected ')'",
    );
  });

  it('reject a path with an unterminated quoted name', () => {
    expect(syntaxError("States.Array($['a)").message).toContain('Unterminated quoted name in path');
  });

  it('reject more than 10 intrinsic functions in one expression', () => {
    const expression = `${'States.Array('.repeat(11)}${')'.repeat(11)}`;
    const error = syntaxError(expression);
    expect(error.message).toContain('at most 10');
    expect(error.offset).toBe(10 * 'States.Array('.length);
  });

  it.each([
    ['States.Format()', 'at least 1 argument'],
    ["States.StringToJson('1', '2')", 'exactly 1 argument'],
    ['States.JsonToString()', 'exactly 1 argument'],
    ['States.ArrayPartition($.a)', 'exactly 2 arguments'],
    ['States.ArrayContains($.a)', 'exactly 2 arguments'],
    ['States.ArrayRange(1, 2)', 'exactly 3 arguments'],
    ['States.ArrayGetItem($.a)', 'exactly 2 arguments'],
    ['States.ArrayLength($.a, $.b)', 'exactly 1 argument'],
    ['States.ArrayUnique()', 'exactly 1 argument'],
    ["States.Base64Encode('a', 'b')", 'exactly 1 argument'],
    ['States.Base64Decode()', 'exactly 1 argument'],
    ["States.Hash('a')", 'exactly 2 arguments'],
    ['States.JsonMerge($.a, $.b)', 'exactly 3 arguments'],
    ['States.MathRandom(1)', '2 or 3 arguments'],
    ['States.MathRandom(1, 2, 3, 4)', '2 or 3 arguments'],
    ['States.MathAdd(1)', 'exactly 2 arguments'],
    ["States.StringSplit('a')", 'exactly 2 arguments'],
    ['States.UUID(1)', 'no arguments'],
  ])('reject the wrong number of arguments in %s', (expression, expected) => {
    expect(syntaxError(expression).message).toContain(expected);
  });

  it('reject a string literal where an array is needed', () => {
    const error = syntaxError("States.ArrayLength('abc')");
    expect(error.message).toContain(
      'States.ArrayLength argument 1 (array) must be an array, but got the string "abc"',
    );
    expect(error.offset).toBe(19);
  });

  it('reject a string literal where a number is needed', () => {
    expect(syntaxError("States.MathAdd('1', 2)").message).toContain(
      'argument 1 (first value) must be an integer',
    );
  });

  it('reject a number literal where a string is needed', () => {
    expect(syntaxError('States.Base64Encode(1)').message).toContain('must be a string, but got the number 1');
  });

  it('reject a template that is not a string', () => {
    expect(syntaxError('States.Format(1)').message).toContain('argument 1 (template) must be a string');
  });

  it('reject a literal template whose placeholders do not match its values', () => {
    const error = syntaxError("States.Format('{} and {}', 1)");
    expect(error.message).toContain("the template has 2 '{}' placeholders but 1 value follow");
    expect(error.offset).toBe(14);
  });

  it('reject a literal passed to States.JsonToString, which takes a path', () => {
    expect(syntaxError("States.JsonToString('a')").message).toContain(
      'must be a path or an intrinsic function',
    );
  });

  it('reject a chunk size of 0', () => {
    expect(syntaxError('States.ArrayPartition($.a, 0)').message).toContain(
      '(chunk size) must be a positive integer',
    );
  });

  it('reject an ArrayRange step of 0', () => {
    expect(syntaxError('States.ArrayRange(1, 9, 0)').message).toContain('(step) must be a non-zero integer');
  });

  it('reject a negative index', () => {
    expect(syntaxError('States.ArrayGetItem($.a, -1)').message).toContain(
      '(index) must be a non-negative integer',
    );
  });

  it('reject a MathAdd operand outside the 32-bit range', () => {
    expect(syntaxError('States.MathAdd(2147483648, 0)').message).toContain('from -2147483648 to 2147483647');
  });

  it('reject an unknown hash algorithm', () => {
    expect(syntaxError("States.Hash('a', 'SHA-3')").message).toContain(
      'must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512',
    );
  });

  it('reject a deep merge', () => {
    expect(syntaxError('States.JsonMerge($.a, $.b, true)').message).toContain(
      'supports only the shallow merge',
    );
  });

  it("reject the string 'false' as the merge flag", () => {
    expect(syntaxError("States.JsonMerge($.a, $.b, 'false')").message).toContain(
      '(deep merge flag) must be false',
    );
  });

  it('reject an empty delimiter', () => {
    expect(syntaxError("States.StringSplit($.a, '')").message).toContain(
      '(delimiters) must not be an empty string',
    );
  });

  it('reject a nested function whose result can never fit', () => {
    expect(syntaxError("States.ArrayLength(States.Format('x'))").message).toContain(
      'must be an array, but States.Format returns a string',
    );
  });

  it('reject an array as a States.Format value', () => {
    expect(syntaxError("States.Format('{}', States.Array(1))").message).toContain(
      'must be a string, number, boolean or null, but States.Array returns an array',
    );
  });

  it('reject an all-literal ArrayRange longer than 1000 items', () => {
    expect(syntaxError('States.ArrayRange(1, 1001, 1)').message).toContain('1001 items; at most 1000');
  });

  it('reject an all-literal ArrayGetItem out of bounds', () => {
    expect(syntaxError('States.ArrayGetItem(States.Array(1, 2), 2)').message).toContain(
      'index 2 is out of bounds',
    );
  });

  it('reject an all-literal MathRandom whose end is not above its start', () => {
    expect(syntaxError('States.MathRandom(5, 5)').message).toContain('must be greater than the start');
  });

  it('reject an all-literal StringToJson of invalid JSON', () => {
    expect(syntaxError("States.StringToJson('\\{nope')").message).toContain('not valid JSON');
  });
});

// ----------------------------------------------------------------------------------------------------
// Evaluation, function by function
// ----------------------------------------------------------------------------------------------------

describe('States.Format', () => {
  it('renders numbers, booleans and null in their natural form', () => {
    expect(
      run("States.Format('{} {} {} {} {}', $.i, $.d, $.t, $.f, $.n)", {
        i: 7,
        d: 2.5,
        t: true,
        f: false,
        n: null,
      }),
    ).toBe('7 2.5 true false null');
  });

  it('treats escaped braces as text, not as a placeholder', () => {
    expect(run("States.Format('\\{}{}\\{\\}', 'x')")).toBe('{}x{}');
  });

  it('takes a template from a path as it is, every {} being a placeholder', () => {
    expect(run('States.Format($.t, 1, 2)', { t: '\\{}-{}' })).toBe('\\1-2');
  });

  it('reads values from the context object', () => {
    expect(
      run("States.Format('run {}', $$.Execution.Name)", {}, { context: { Execution: { Name: 'e-1' } } }),
    ).toBe('run e-1');
  });

  it('accepts a template without placeholders and no values', () => {
    expect(run("States.Format('plain')")).toBe('plain');
  });

  it('fails when a template from a path has more placeholders than values', () => {
    expect(failureOf('States.Format($.t, 1)', { t: '{}{}' }).message).toContain(
      "2 '{}' placeholders but 1 value",
    );
  });

  it('fails when a template from a path is not a string', () => {
    expect(failureOf('States.Format($.t)', { t: 5 }).message).toContain(
      'argument 1 (template) must be a string',
    );
  });

  it('fails when a value is an object', () => {
    expect(failureOf("States.Format('{}', $.v)", { v: { a: 1 } }).message).toContain(
      'argument 2 (value) must be a string, number, boolean or null, but got an object {"a":1}',
    );
  });

  it('fails when a value is an array', () => {
    expect(failureOf("States.Format('{}', $.v)", { v: [1] }).message).toContain('but got an array [1]');
  });

  it('fails when the result would exceed the output limit', () => {
    const big = 'x'.repeat(INTRINSIC_LIMITS.maxFormatOutput / 2 + 1);
    expect(failureOf("States.Format('{}{}', $.big, $.big)", { big }).message).toContain(
      `would exceed ${INTRINSIC_LIMITS.maxFormatOutput} characters`,
    );
  });
});

describe('States.StringToJson', () => {
  it('parses a string literal', () => {
    expect(run("States.StringToJson('[1, true, null]')")).toEqual([1, true, null]);
  });

  it('parses JSON surrounded by whitespace', () => {
    expect(run('States.StringToJson($.s)', { s: '  {"number": 20}  ' })).toEqual({ number: 20 });
  });

  it('fails on invalid JSON', () => {
    expect(failureOf('States.StringToJson($.s)', { s: '{"a":' }).message).toContain('is not valid JSON');
  });

  it('fails on an empty string', () => {
    expect(failureOf('States.StringToJson($.s)', { s: '' }).message).toContain('is not valid JSON');
  });

  it('fails on a value that is not a string', () => {
    expect(failureOf('States.StringToJson($.s)', { s: { a: 1 } }).message).toContain('must be a string');
  });

  it('accepts nesting up to the depth limit', () => {
    const depth = INTRINSIC_LIMITS.maxJsonDepth;
    const text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(Array.isArray(run('States.StringToJson($.s)', { s: text }))).toBe(true);
  });

  it('fails on nesting beyond the depth limit', () => {
    const depth = INTRINSIC_LIMITS.maxJsonDepth + 1;
    const text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(failureOf('States.StringToJson($.s)', { s: text }).message).toContain(
      `more than ${INTRINSIC_LIMITS.maxJsonDepth} levels deep`,
    );
  });

  it('does not count brackets inside JSON strings as nesting', () => {
    const text = JSON.stringify({ s: '['.repeat(INTRINSIC_LIMITS.maxJsonDepth + 5) });
    expect(run('States.StringToJson($.s)', { s: text })).toEqual({
      s: '['.repeat(INTRINSIC_LIMITS.maxJsonDepth + 5),
    });
  });
});

describe('States.JsonToString', () => {
  it('serialises an array compactly', () => {
    expect(run('States.JsonToString($.a)', { a: [1, 'b', null, { c: true }] })).toBe(
      '[1,"b",null,{"c":true}]',
    );
  });

  it('serialises a string as a JSON string literal', () => {
    expect(run('States.JsonToString($.s)', { s: 'say "hi"' })).toBe('"say \\"hi\\""');
  });

  it('serialises the result of a nested function', () => {
    expect(run('States.JsonToString(States.Array(1, 2))')).toBe('[1,2]');
  });

  it('round-trips with States.StringToJson', () => {
    const value = { a: [1, 2, { b: 'c' }], d: null };
    expect(run('States.StringToJson(States.JsonToString($.v))', { v: value })).toEqual(value);
  });
});

describe('States.Array', () => {
  it('returns an empty array when given no arguments', () => {
    expect(run('States.Array()')).toEqual([]);
  });

  it('keeps nested arrays as items', () => {
    expect(run('States.Array($.a, $.a)', { a: [1] })).toEqual([[1], [1]]);
  });
});

describe('States.ArrayPartition', () => {
  it('returns an empty array for an empty input', () => {
    expect(run('States.ArrayPartition($.a, 3)', { a: [] })).toEqual([]);
  });

  it('returns one chunk when the chunk size exceeds the array', () => {
    expect(run('States.ArrayPartition($.a, 10)', { a: [1, 2] })).toEqual([[1, 2]]);
  });

  it('rounds a non-integer chunk size to the nearest integer', () => {
    expect(run('States.ArrayPartition($.a, $.n)', { a: [1, 2, 3, 4, 5], n: 2.4 })).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
  });

  it('fails when the chunk size rounds to 0', () => {
    expect(failureOf('States.ArrayPartition($.a, $.n)', { a: [1], n: 0.4 }).message).toContain(
      'States.ArrayPartition argument 2 (chunk size) must be a positive integer, but got the number 0.4',
    );
  });

  it('fails when the chunk size is negative', () => {
    expect(failureOf('States.ArrayPartition($.a, $.n)', { a: [1], n: -2 }).message).toContain(
      'must be a positive integer',
    );
  });

  it('fails when the first argument is not an array', () => {
    expect(failureOf('States.ArrayPartition($.a, 2)', { a: 'abc' }).message).toContain(
      'argument 1 (array) must be an array, but got the string "abc"',
    );
  });
});

describe('States.ArrayContains', () => {
  it('is false when the value is absent', () => {
    expect(run('States.ArrayContains($.a, 10)', { a: [1, 2, 3] })).toBe(false);
  });

  it('compares objects by value, whatever the key order', () => {
    expect(run('States.ArrayContains($.a, $.v)', { a: [{ x: 1, y: [2] }], v: { y: [2], x: 1 } })).toBe(true);
  });

  it('tells the string "1" from the number 1', () => {
    expect(run("States.ArrayContains($.a, '1')", { a: [1] })).toBe(false);
  });

  it('finds null', () => {
    expect(run('States.ArrayContains($.a, null)', { a: [1, null] })).toBe(true);
  });

  it('fails when the first argument is not an array', () => {
    expect(failureOf('States.ArrayContains($.a, 1)', { a: { 0: 1 } }).message).toContain('must be an array');
  });
});

describe('States.ArrayRange', () => {
  it('counts down with a negative step', () => {
    expect(run('States.ArrayRange(9, 1, -2)')).toEqual([9, 7, 5, 3, 1]);
  });

  it('stops before a last value that the step skips over', () => {
    expect(run('States.ArrayRange(1, 10, 4)')).toEqual([1, 5, 9]);
  });

  it('returns one item when first and last are equal', () => {
    expect(run('States.ArrayRange(3, 3, 5)')).toEqual([3]);
  });

  it('returns an empty array when the step points away from the last value', () => {
    expect(run('States.ArrayRange(9, 1, 2)')).toEqual([]);
  });

  it('rounds non-integer arguments to the nearest integer', () => {
    expect(run('States.ArrayRange($.a, $.b, $.c)', { a: 0.6, b: 4.4, c: 1.5 })).toEqual([1, 3]);
  });

  it('allows exactly 1000 items', () => {
    expect(run('States.ArrayRange($.a, $.b, 1)', { a: 1, b: 1000 })).toHaveLength(1000);
  });

  it('fails beyond 1000 items', () => {
    expect(failureOf('States.ArrayRange($.a, $.b, 1)', { a: 0, b: 1000 }).message).toContain(
      '1001 items; at most 1000 are allowed',
    );
  });

  it('fails fast on an astronomically long range', () => {
    expect(failureOf('States.ArrayRange($.a, $.b, 1)', { a: 0, b: 9e15 }).message).toContain('at most 1000');
  });

  it('fails when the step from a path is 0', () => {
    expect(failureOf('States.ArrayRange(1, 2, $.s)', { s: 0 }).message).toContain(
      '(step) must be a non-zero integer',
    );
  });

  it('fails when an argument is not a number', () => {
    expect(failureOf('States.ArrayRange($.a, 2, 1)', { a: '1' }).message).toContain(
      '(first) must be an integer',
    );
  });
});

describe('States.ArrayGetItem', () => {
  it('returns an object item', () => {
    expect(run('States.ArrayGetItem($.a, 1)', { a: [1, { b: 2 }] })).toEqual({ b: 2 });
  });

  it('fails when the index is past the end', () => {
    expect(failureOf('States.ArrayGetItem($.a, $.i)', { a: [1, 2], i: 2 }).message).toContain(
      'index 2 is out of bounds for an array of 2 items',
    );
  });

  it('fails when the index is not an integer', () => {
    expect(failureOf('States.ArrayGetItem($.a, $.i)', { a: [1, 2], i: 0.5 }).message).toContain(
      '(index) must be a non-negative integer, but got the number 0.5',
    );
  });

  it('fails when the index is a string', () => {
    expect(failureOf('States.ArrayGetItem($.a, $.i)', { a: [1], i: '0' }).message).toContain(
      'must be a non-negative integer',
    );
  });
});

describe('States.ArrayLength', () => {
  it('is 0 for an empty array', () => {
    expect(run('States.ArrayLength($.a)', { a: [] })).toBe(0);
  });

  it('fails for a string', () => {
    expect(failureOf('States.ArrayLength($.a)', { a: 'abc' }).message).toContain('must be an array');
  });
});

describe('States.ArrayUnique', () => {
  it('keeps the first of equal objects, whatever their key order', () => {
    const input = { a: [{ x: 1, y: 2 }, 'x', { y: 2, x: 1 }, 'x'] };
    expect(run('States.ArrayUnique($.a)', input)).toEqual([{ x: 1, y: 2 }, 'x']);
  });

  it('tells the string "1" from the number 1', () => {
    expect(run('States.ArrayUnique($.a)', { a: [1, '1', 1, '1'] })).toEqual([1, '1']);
  });

  it('keeps the order of first appearance', () => {
    expect(run('States.ArrayUnique($.a)', { a: [3, 1, 3, 2, 1] })).toEqual([3, 1, 2]);
  });

  it('fails for an object', () => {
    expect(failureOf('States.ArrayUnique($.a)', { a: {} }).message).toContain('must be an array');
  });
});

describe('States.Base64Encode', () => {
  it('encodes the UTF-8 bytes of non-ASCII text', () => {
    expect(run('States.Base64Encode($.s)', { s: 'héllo ☃ 😀' })).toBe('aMOpbGxvIOKYgyDwn5iA');
  });

  it('pads one trailing byte with ==', () => {
    expect(run("States.Base64Encode('a')")).toBe('YQ==');
  });

  it('pads two trailing bytes with =', () => {
    expect(run("States.Base64Encode('ab')")).toBe('YWI=');
  });

  it('encodes the empty string as the empty string', () => {
    expect(run("States.Base64Encode('')")).toBe('');
  });

  it('accepts exactly 10000 characters', () => {
    expect(run('States.Base64Encode($.s)', { s: 'a'.repeat(10_000) })).toHaveLength(13_336);
  });

  it('fails beyond 10000 characters', () => {
    expect(failureOf('States.Base64Encode($.s)', { s: 'a'.repeat(10_001) }).message).toContain(
      'must be at most 10000 characters long, but has 10001',
    );
  });

  it('fails for a number', () => {
    expect(failureOf('States.Base64Encode($.s)', { s: 12 }).message).toContain('must be a string');
  });
});

describe('States.Base64Decode', () => {
  it('decodes UTF-8 text', () => {
    expect(run('States.Base64Decode($.s)', { s: 'aMOpbGxvIOKYgyDwn5iA' })).toBe('héllo ☃ 😀');
  });

  it('accepts input without padding', () => {
    expect(run("States.Base64Decode('YQ')")).toBe('a');
  });

  it('skips MIME line breaks', () => {
    expect(run('States.Base64Decode($.s)', { s: 'RGF0YSB0\r\nbyBlbmNvZGU=' })).toBe('Data to encode');
  });

  it('round-trips every length of text through States.Base64Encode', () => {
    for (let length = 0; length < 40; length += 1) {
      const text = 'ü😀a'.repeat(length % 4) + 'q'.repeat(length);
      expect(run('States.Base64Decode(States.Base64Encode($.s))', { s: text })).toBe(text);
    }
  });

  it('replaces bytes that are not UTF-8 with U+FFFD', () => {
    expect(run("States.Base64Decode('/w==')")).toBe('\uFFFD');
  });

  it('fails on a character outside the Base64 alphabet', () => {
    expect(failureOf('States.Base64Decode($.s)', { s: 'ab*d' }).message).toContain(
      "'*' at position 2 is not a Base64 character",
    );
  });

  it('fails on data after the padding', () => {
    expect(failureOf('States.Base64Decode($.s)', { s: 'YQ==YQ==' }).message).toContain(
      "data follows the '=' padding",
    );
  });

  it('fails on the wrong amount of padding', () => {
    expect(failureOf('States.Base64Decode($.s)', { s: 'YQ=' }).message).toContain(
      'wrong amount of "=" padding',
    );
  });

  it('fails on a truncated input', () => {
    expect(failureOf('States.Base64Decode($.s)', { s: 'YWJjZ' }).message).toContain('truncated');
  });

  it('fails beyond 10000 characters', () => {
    expect(failureOf('States.Base64Decode($.s)', { s: 'QUFB'.repeat(2501) }).message).toContain(
      'at most 10000 characters',
    );
  });
});

describe('States.Hash', () => {
  it.each([
    ['MD5', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['MD5', 'abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['SHA-1', '', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['SHA-1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['SHA-256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['SHA-256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'SHA-384',
      '',
      '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b',
    ],
    [
      'SHA-384',
      'abc',
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    ],
    [
      'SHA-512',
      '',
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    ],
    [
      'SHA-512',
      'abc',
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    ],
  ])('computes the %s test vector of %j', (algorithm, data, digest) => {
    expect(run('States.Hash($.data, $.algorithm)', { data, algorithm })).toBe(digest);
  });

  it.each([
    ['MD5', 'md5'],
    ['SHA-1', 'sha1'],
    ['SHA-256', 'sha256'],
    ['SHA-384', 'sha384'],
    ['SHA-512', 'sha512'],
  ])(
    'agrees with node:crypto for %s on inputs of every length across block boundaries',
    (algorithm, nodeName) => {
      for (let length = 0; length < 300; length += 1) {
        const data = 'é'.repeat(length % 3) + 'z'.repeat(length);
        const expected = createHash(nodeName).update(data, 'utf8').digest('hex');
        expect(run('States.Hash($.data, $.algorithm)', { data, algorithm })).toBe(expected);
      }
    },
  );

  it('hashes the UTF-8 bytes of the text', () => {
    expect(run("States.Hash('héllo', 'MD5')")).toBe('be50e8478cf24ff3595bc7307fb91b50');
  });

  it('hashes data that is not a string as its JSON text', () => {
    expect(run("States.Hash($.data, 'SHA-256')", { data: { a: 1 } })).toBe(
      '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
  });

  it('accepts 10000 characters of data', () => {
    expect(run("States.Hash($.data, 'SHA-512')", { data: 'a'.repeat(10_000) })).toBe(
      createHash('sha512').update('a'.repeat(10_000)).digest('hex'),
    );
  });

  it('fails beyond 10000 characters of data', () => {
    expect(failureOf("States.Hash($.data, 'MD5')", { data: 'a'.repeat(10_001) }).message).toContain(
      '(data) must be at most 10000 characters long',
    );
  });

  it('fails when JSON data is longer than 10000 characters once stringified', () => {
    expect(failureOf("States.Hash($.data, 'MD5')", { data: ['a'.repeat(9_998)] }).message).toContain(
      'has 10002',
    );
  });

  it('fails for an algorithm name in the wrong case', () => {
    expect(failureOf("States.Hash('x', $.algorithm)", { algorithm: 'sha-256' }).message).toContain(
      '(algorithm) must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, but got the string "sha-256"',
    );
  });
});

describe('States.JsonMerge', () => {
  it('leaves both inputs unchanged', () => {
    const input = { a: { x: 1 }, b: { y: 2 } };
    run('States.JsonMerge($.a, $.b, false)', input);
    expect(input).toEqual({ a: { x: 1 }, b: { y: 2 } });
  });

  it('fails when the merge flag from a path is true', () => {
    expect(failureOf('States.JsonMerge($.a, $.b, $.deep)', { a: {}, b: {}, deep: true }).message).toContain(
      'supports only the shallow merge',
    );
  });

  it('fails when an argument is an array', () => {
    expect(failureOf('States.JsonMerge($.a, $.b, false)', { a: {}, b: [] }).message).toContain(
      'argument 2 (second object) must be a JSON object, but got an array []',
    );
  });

  it('fails when an argument is null', () => {
    expect(failureOf('States.JsonMerge($.a, $.b, false)', { a: null, b: {} }).message).toContain(
      'must be a JSON object, but got null',
    );
  });
});

describe('States.MathRandom', () => {
  it('returns the start when env.random() is 0', () => {
    expect(run('States.MathRandom(10, 20)', {}, { randoms: [0] })).toBe(10);
  });

  it('never returns the end, even for the largest random number', () => {
    expect(run('States.MathRandom(10, 20)', {}, { randoms: [1 - Number.EPSILON] })).toBe(19);
  });

  it('works across zero with negative bounds', () => {
    expect(run('States.MathRandom(-5, 5)', {}, { randoms: [0.5] })).toBe(0);
  });

  it('gives the same number for the same seed', () => {
    const first = run('States.MathRandom(1, 1000000, 42)', {}, { randoms: [0.1] });
    const second = run('States.MathRandom(1, 1000000, 42)', {}, { randoms: [0.9] });
    expect(first).toBe(second);
  });

  it('does not consume env.random() when seeded', () => {
    const env = environment();
    evaluateIntrinsic(parseIntrinsic('States.MathRandom(1, 10, 7)'), env);
    expect(env.randomCalls()).toBe(0);
  });

  it('gives different numbers for different seeds', () => {
    const values = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => run(`States.MathRandom(0, 1000000000, ${seed})`)),
    );
    expect(values.size).toBe(8);
  });

  it('keeps seeded results inside [start, end)', () => {
    const call = parseIntrinsic('States.MathRandom(3, 7, $.seed)');
    const seen = new Set<Json>();
    for (let seed = -500; seed < 500; seed += 1) {
      const value = evaluateIntrinsic(call, environment({ seed }));
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThan(7);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('tells apart seeds that differ only above 32 bits', () => {
    const low = run('States.MathRandom(0, 1000000000, $.s)', { s: 5 });
    const high = run('States.MathRandom(0, 1000000000, $.s)', { s: 5 + 2 ** 32 });
    expect(low).not.toBe(high);
  });

  it('rounds non-integer bounds to the nearest integer', () => {
    expect(run('States.MathRandom($.a, $.b)', { a: 0.6, b: 2.4 }, { randoms: [0.99] })).toBe(1);
  });

  it('fails when the end is below the start', () => {
    expect(failureOf('States.MathRandom($.a, $.b)', { a: 5, b: 1 }).message).toContain(
      'the end (1) must be greater than the start (5)',
    );
  });

  it('fails when a bound is not a number', () => {
    expect(failureOf('States.MathRandom($.a, 10)', { a: '1' }).message).toContain(
      '(start) must be an integer',
    );
  });

  it('fails when the seed is not a number', () => {
    expect(failureOf('States.MathRandom(1, 10, $.s)', { s: 'x' }).message).toContain(
      '(seed) must be an integer',
    );
  });
});

describe('States.MathAdd', () => {
  it('rounds halves up, like Java', () => {
    expect(run('States.MathAdd($.a, $.b)', { a: 1.5, b: -1.5 })).toBe(1);
  });

  it('accepts the extremes of the 32-bit range', () => {
    expect(run('States.MathAdd(-2147483648, 2147483647)')).toBe(-1);
  });

  it('fails when an operand from a path is outside the 32-bit range', () => {
    expect(failureOf('States.MathAdd($.a, 1)', { a: 2147483648 }).message).toContain(
      'argument 1 (first value) must be an integer from -2147483648 to 2147483647',
    );
  });

  it('fails when an operand is a string', () => {
    expect(failureOf('States.MathAdd($.a, 1)', { a: '2' }).message).toContain('but got the string "2"');
  });

  it('adds the result of a nested function', () => {
    expect(
      run(
        'States.MathAdd(States.ArrayLength($$.Execution.Input.machines), -1)',
        {},
        {
          context: { Execution: { Input: { machines: [1, 2, 3] } } },
        },
      ),
    ).toBe(2);
  });
});

describe('States.StringSplit', () => {
  // Recorded on AWS: localstack/localstack tests/aws/services/stepfunctions/v2/intrinsic_functions/
  // test_string_operations.snapshot.json, TestStringOperations::test_string_split.
  it.each([
    [' ', ',', [' ']],
    [' , ', ',', [' ', ' ']],
    [', , ,', ',', [' ', ' ']],
    [',,,,', ',', []],
    ['1,2,3,4,5', ',', ['1', '2', '3', '4', '5']],
    ['This.is+a,test=string', '.+,=', ['This', 'is', 'a', 'test', 'string']],
    ['split on T and \nnew line', 'T\n', ['split on ', ' and ', 'new line']],
  ])(
    'splits %j on the characters of %j into %j, dropping empty pieces, as AWS records',
    (text, delimiters, expected) => {
      expect(run('States.StringSplit($.text, $.delimiters)', { text, delimiters })).toEqual(expected);
    },
  );

  it('drops the empty pieces between adjacent delimiters and at the ends', () => {
    expect(run("States.StringSplit('a,,b,', ',')")).toEqual(['a', 'b']);
  });

  it('returns the whole string when no delimiter occurs in it', () => {
    expect(run("States.StringSplit('abc', ';')")).toEqual(['abc']);
  });

  it('splits on a delimiter outside the Basic Multilingual Plane', () => {
    expect(run("States.StringSplit('a😀b', '😀')")).toEqual(['a', 'b']);
  });

  it('fails when the delimiter from a path is empty', () => {
    expect(failureOf('States.StringSplit($.s, $.d)', { s: 'a', d: '' }).message).toContain(
      'must not be an empty string',
    );
  });

  it('fails when the string is not a string', () => {
    expect(failureOf("States.StringSplit($.s, ',')", { s: ['a'] }).message).toContain(
      '(string) must be a string',
    );
  });
});

describe('States.UUID', () => {
  it('sets the version and variant bits even when env.random() is all ones', () => {
    expect(run('States.UUID()', {}, { randoms: [1 - Number.EPSILON] })).toBe(
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
    );
  });

  it('is all zeros but the version and variant bits when env.random() is 0', () => {
    expect(run('States.UUID()', {}, { randoms: [0] })).toBe('00000000-0000-4000-8000-000000000000');
  });

  it('draws 128 bits from four calls to env.random()', () => {
    const env = environment();
    evaluateIntrinsic(parseIntrinsic('States.UUID()'), env);
    expect(env.randomCalls()).toBe(4);
  });

  it('is a function of the random sequence alone', () => {
    const randoms = [0.11, 0.22, 0.33, 0.44];
    expect(run('States.UUID()', {}, { randoms })).toBe(run('States.UUID()', {}, { randoms }));
  });

  it('differs from one call to the next', () => {
    const env = environment({}, { randoms: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] });
    const call = parseIntrinsic('States.UUID()');
    expect(evaluateIntrinsic(call, env)).not.toBe(evaluateIntrinsic(call, env));
  });
});

// ----------------------------------------------------------------------------------------------------
// Evaluation in general
// ----------------------------------------------------------------------------------------------------

describe('evaluateIntrinsic', () => {
  it('lets the error of a missing path through unchanged', () => {
    const error = errorOf(() => run('States.ArrayLength($.missing)'));
    expect(error).toBeInstanceOf(MissingPathError);
  });

  it('evaluates one parsed call many times against different inputs', () => {
    const call = parseIntrinsic("States.Format('n={}', $.n)");
    expect([1, 2, 3].map((n) => evaluateIntrinsic(call, environment({ n })))).toEqual(['n=1', 'n=2', 'n=3']);
  });

  it('reads each path argument once per evaluation', () => {
    const env = environment({ a: [1, 2], b: 2 });
    evaluateIntrinsic(parseIntrinsic('States.ArrayContains($.a, $.b)'), env);
    expect(env.paths).toEqual(['$.a', '$.b']);
  });

  it('checks the result of a nested function whose type is only known at run time', () => {
    expect(failureOf('States.ArrayLength(States.StringToJson($.s))', { s: '"x"' }).message).toContain(
      'States.ArrayLength argument 1 (array) must be an array, but got the string "x"',
    );
  });

  it('evaluates a call built by hand rather than parsed', () => {
    const call: IntrinsicCall = {
      type: 'call',
      name: 'States.MathAdd',
      args: [
        { type: 'number', value: 2 },
        { type: 'path', path: '$.x' },
      ],
    };
    expect(evaluateIntrinsic(call, environment({ x: 3 }))).toBe(5);
  });

  it('fails with States.IntrinsicFailure on a hand-built call to an unknown function', () => {
    const call: IntrinsicCall = { type: 'call', name: 'States.Nope', args: [] };
    const error = errorOf(() => evaluateIntrinsic(call, environment()));
    expect(error).toBeInstanceOf(IntrinsicFailureError);
    expect(error.message).toContain("Unknown intrinsic function 'States.Nope'");
  });

  it('fails with States.IntrinsicFailure on a hand-built call with the wrong number of arguments', () => {
    const call: IntrinsicCall = { type: 'call', name: 'States.ArrayLength', args: [] };
    expect(errorOf(() => evaluateIntrinsic(call, environment())).message).toContain(
      'takes exactly 1 argument, but got 0',
    );
  });
});

describe('INTRINSIC_LIMITS', () => {
  it('holds the limits AWS documents', () => {
    expect(INTRINSIC_LIMITS).toMatchObject({
      maxCalls: 10,
      maxArrayRangeItems: 1000,
      maxBase64EncodeInput: 10_000,
      maxBase64DecodeInput: 10_000,
      maxHashInput: 10_000,
      minMathAddOperand: -2147483648,
      maxMathAddOperand: 2147483647,
    });
  });
});

describe('purity', () => {
  it('the module uses no Math.random, no Date, no Buffer and no node modules', () => {
    const source = readFileSync(new URL('../../../lambdas/engine/intrinsics.ts', import.meta.url), 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/Math\.random|\bDate\b|\bBuffer\b|from ['"]node:|require\(/);
  });
});
