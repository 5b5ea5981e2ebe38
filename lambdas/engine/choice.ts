/**
 * Choice rules (JSONPath mode): every comparison operator and its Path form, And/Or/Not, the
 * Is* type tests, StringMatches, and the ASL timestamp format.
 *
 * Semantics follow the Amazon States Language spec (states-language.net, "Choice State") and the
 * Step Functions developer guide ("Choice workflow state"):
 * - "For each operator which compares values, if the values are not both of the appropriate type
 *   (String, number, boolean, or Timestamp) the comparison will return false" (spec), so a type
 *   mismatch is `false`, never an error. This holds for literal and for `...Path` operands.
 * - A `Variable` (or `...Path` operand) that matches nothing fails the execution with
 *   `States.Runtime`; only `IsPresent` is exempt ("if the Variable-field Path fails to match
 *   anything in the input no exception is thrown and the Choice Rule just returns false").
 *   `IsNull`, `IsNumeric`, ... on a missing path therefore fail like any other operator.
 * - And/Or stop "when the boolean value has been unambiguously determined" (spec), so a missing
 *   variable in a later, unevaluated operand does not fail the state.
 * - String ordering: the developer guide defines it as Java's `String.compareTo`, i.e. UTF-16
 *   code unit order with no case folding or normalisation — exactly JavaScript's `<` on strings.
 *
 * Rules are compiled once per rule object (cached in a WeakMap) so that evaluation, which is on
 * the hot path of every Choice state, dispatches on a precomputed operator instead of scanning
 * operator names.
 */
import type { ChoiceRule, ChoiceState } from './definition.js';
import { StatesRuntimeError } from './errors.js';
import type { PathReadResult } from './json-path.js';

/** Reads a path (`$...` from the state input, `$$...` from the context object). */
export type PathReader = (path: string) => PathReadResult;

// ---------------------------------------------------------------------------------------------
// Operator table (public: the definition validator checks operand types against it)
// ---------------------------------------------------------------------------------------------

/**
 * Every comparison operator of a Choice data-test rule, in the order the spec lists them
 * (`And`, `Or` and `Not` are boolean expressions, not comparison operators, and are not listed).
 */
export const CHOICE_COMPARISON_OPERATORS = [
  'StringEquals',
  'StringEqualsPath',
  'StringLessThan',
  'StringLessThanPath',
  'StringGreaterThan',
  'StringGreaterThanPath',
  'StringLessThanEquals',
  'StringLessThanEqualsPath',
  'StringGreaterThanEquals',
  'StringGreaterThanEqualsPath',
  'StringMatches',
  'NumericEquals',
  'NumericEqualsPath',
  'NumericLessThan',
  'NumericLessThanPath',
  'NumericGreaterThan',
  'NumericGreaterThanPath',
  'NumericLessThanEquals',
  'NumericLessThanEqualsPath',
  'NumericGreaterThanEquals',
  'NumericGreaterThanEqualsPath',
  'BooleanEquals',
  'BooleanEqualsPath',
  'TimestampEquals',
  'TimestampEqualsPath',
  'TimestampLessThan',
  'TimestampLessThanPath',
  'TimestampGreaterThan',
  'TimestampGreaterThanPath',
  'TimestampLessThanEquals',
  'TimestampLessThanEqualsPath',
  'TimestampGreaterThanEquals',
  'TimestampGreaterThanEqualsPath',
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const;

/** The name of a Choice comparison operator, for example `NumericEquals` or `IsPresent`. */
export type ChoiceComparisonOperator = (typeof CHOICE_COMPARISON_OPERATORS)[number];

/**
 * What the value of a comparison operator must be in a definition:
 * - `string`, `number`, `boolean`: a JSON value of that type (`StringMatches` is `string`; also
 *   check it with {@link isValidStringMatchesPattern});
 * - `timestamp`: a string that {@link parseTimestamp} accepts;
 * - `path`: a reference path (`$...` or `$$...`), for every `...Path` operator;
 * - `is`: a boolean, for `IsNull`, `IsPresent`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp`.
 */
export type ChoiceOperandType = 'string' | 'number' | 'boolean' | 'timestamp' | 'path' | 'is';

type ValueType = 'string' | 'number' | 'boolean' | 'timestamp';
type Relation = 'eq' | 'lt' | 'gt' | 'le' | 'ge';
type TypeTest = 'IsNull' | 'IsPresent' | 'IsNumeric' | 'IsString' | 'IsBoolean' | 'IsTimestamp';

/** How an operator evaluates; the single source both dispatch and the public operand types use. */
type OperatorSpec =
  | {
      readonly kind: 'compare';
      readonly type: ValueType;
      readonly relation: Relation;
      readonly path: boolean;
    }
  | { readonly kind: 'matches' }
  | { readonly kind: 'test'; readonly test: TypeTest };

function cmp(type: ValueType, relation: Relation, path: boolean): OperatorSpec {
  return { kind: 'compare', type, relation, path };
}

// A mapped type rather than Record<string, ...>: the compiler rejects a missing or extra operator.
const OPERATOR_SPECS: { readonly [K in ChoiceComparisonOperator]: OperatorSpec } = {
  StringEquals: cmp('string', 'eq', false),
  StringEqualsPath: cmp('string', 'eq', true),
  StringLessThan: cmp('string', 'lt', false),
  StringLessThanPath: cmp('string', 'lt', true),
  StringGreaterThan: cmp('string', 'gt', false),
  StringGreaterThanPath: cmp('string', 'gt', true),
  StringLessThanEquals: cmp('string', 'le', false),
  StringLessThanEqualsPath: cmp('string', 'le', true),
  StringGreaterThanEquals: cmp('string', 'ge', false),
  StringGreaterThanEqualsPath: cmp('string', 'ge', true),
  StringMatches: { kind: 'matches' },
  NumericEquals: cmp('number', 'eq', false),
  NumericEqualsPath: cmp('number', 'eq', true),
  NumericLessThan: cmp('number', 'lt', false),
  NumericLessThanPath: cmp('number', 'lt', true),
  NumericGreaterThan: cmp('number', 'gt', false),
  NumericGreaterThanPath: cmp('number', 'gt', true),
  NumericLessThanEquals: cmp('number', 'le', false),
  NumericLessThanEqualsPath: cmp('number', 'le', true),
  NumericGreaterThanEquals: cmp('number', 'ge', false),
  NumericGreaterThanEqualsPath: cmp('number', 'ge', true),
  BooleanEquals: cmp('boolean', 'eq', false),
  BooleanEqualsPath: cmp('boolean', 'eq', true),
  TimestampEquals: cmp('timestamp', 'eq', false),
  TimestampEqualsPath: cmp('timestamp', 'eq', true),
  TimestampLessThan: cmp('timestamp', 'lt', false),
  TimestampLessThanPath: cmp('timestamp', 'lt', true),
  TimestampGreaterThan: cmp('timestamp', 'gt', false),
  TimestampGreaterThanPath: cmp('timestamp', 'gt', true),
  TimestampLessThanEquals: cmp('timestamp', 'le', false),
  TimestampLessThanEqualsPath: cmp('timestamp', 'le', true),
  TimestampGreaterThanEquals: cmp('timestamp', 'ge', false),
  TimestampGreaterThanEqualsPath: cmp('timestamp', 'ge', true),
  IsNull: { kind: 'test', test: 'IsNull' },
  IsPresent: { kind: 'test', test: 'IsPresent' },
  IsNumeric: { kind: 'test', test: 'IsNumeric' },
  IsString: { kind: 'test', test: 'IsString' },
  IsBoolean: { kind: 'test', test: 'IsBoolean' },
  IsTimestamp: { kind: 'test', test: 'IsTimestamp' },
};

// A Map, not the object above, for lookups by arbitrary rule keys: no prototype keys can match.
const SPEC_BY_NAME: ReadonlyMap<string, OperatorSpec> = new Map(
  CHOICE_COMPARISON_OPERATORS.map((name) => [name, OPERATOR_SPECS[name]]),
);

function operandTypeOf(spec: OperatorSpec): ChoiceOperandType {
  switch (spec.kind) {
    case 'compare':
      return spec.path ? 'path' : spec.type;
    case 'matches':
      return 'string';
    case 'test':
      return 'is';
    default:
      return assertNever(spec);
  }
}

/** For each comparison operator, what its value must be in a definition (see {@link ChoiceOperandType}). */
export const CHOICE_OPERAND_TYPES: { readonly [K in ChoiceComparisonOperator]: ChoiceOperandType } =
  Object.freeze(
    Object.fromEntries(
      CHOICE_COMPARISON_OPERATORS.map((name) => [name, operandTypeOf(OPERATOR_SPECS[name])]),
    ) as {
      [K in ChoiceComparisonOperator]: ChoiceOperandType;
    },
  );

/** The names of all Choice comparison operators (the same array as {@link CHOICE_COMPARISON_OPERATORS}). */
export function choiceOperatorNames(): readonly ChoiceComparisonOperator[] {
  return CHOICE_COMPARISON_OPERATORS;
}

/** True when `name` is a Choice comparison operator (not `And`, `Or`, `Not`, `Variable`, `Next`). */
export function isChoiceComparisonOperator(name: string): name is ChoiceComparisonOperator {
  return SPEC_BY_NAME.has(name);
}

/** What the value of operator `name` must be in a definition; undefined when `name` is not an operator. */
export function choiceOperandType(name: string): ChoiceOperandType | undefined {
  const spec = SPEC_BY_NAME.get(name);
  return spec ? operandTypeOf(spec) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/**
 * Picks the `Next` of the first matching rule of a Choice state, or its `Default`; undefined when
 * neither (the caller raises `States.NoChoiceMatched`). Throws `States.Runtime` when a rule's
 * Variable (or a `...Path` operand) does not exist, except under `IsPresent`.
 */
export function selectChoice(state: ChoiceState, read: PathReader): string | undefined {
  for (const rule of state.Choices) {
    if (evaluate(compiled(rule), read)) {
      // A top-level rule without Next is rejected by validation; failing loudly here beats
      // silently reporting NoChoiceMatched for a rule that did match.
      if (typeof rule.Next !== 'string') {
        throw new StatesRuntimeError('A top-level Choice rule matched but has no Next field');
      }
      return rule.Next;
    }
  }
  return state.Default;
}

/** Evaluates one rule (recursively through And/Or/Not). */
export function evaluateChoiceRule(rule: ChoiceRule, read: PathReader): boolean {
  return evaluate(compiled(rule), read);
}

type Operand =
  | { readonly kind: 'path'; readonly path: string }
  // `timestamp` is the literal parsed once at compile time (undefined when it is not a timestamp).
  | { readonly kind: 'literal'; readonly value: unknown; readonly timestamp: TimestampKey | undefined };

type CompiledRule =
  | { readonly kind: 'and' | 'or'; readonly rules: readonly CompiledRule[] }
  | { readonly kind: 'not'; readonly rule: CompiledRule }
  | {
      readonly kind: 'compare';
      readonly variable: string;
      readonly type: ValueType;
      readonly relation: Relation;
      readonly operand: Operand;
    }
  | {
      readonly kind: 'matches';
      readonly variable: string;
      readonly source: string;
      /** Undefined when the pattern has an open escape: that fails only if the rule is reached. */
      readonly pattern: MatchPattern | undefined;
    }
  | { readonly kind: 'test'; readonly variable: string; readonly test: TypeTest; readonly expected: boolean };

// Definitions are immutable and reused across executions, so a rule object always compiles to
// the same thing; the WeakMap lets rules of discarded definitions be collected.
const compiledRules = new WeakMap<ChoiceRule, CompiledRule>();

function compiled(rule: ChoiceRule): CompiledRule {
  let result = compiledRules.get(rule);
  if (result === undefined) {
    result = compileRule(rule);
    compiledRules.set(rule, result);
  }
  return result;
}

function compileRule(rule: ChoiceRule): CompiledRule {
  if (rule.And !== undefined) return { kind: 'and', rules: compileList(rule.And, 'And') };
  if (rule.Or !== undefined) return { kind: 'or', rules: compileList(rule.Or, 'Or') };
  if (rule.Not !== undefined) {
    if (!isRuleObject(rule.Not)) throw new StatesRuntimeError('The value of Not must be a Choice rule');
    return { kind: 'not', rule: compiled(rule.Not) };
  }

  let operator: string | undefined;
  let spec: OperatorSpec | undefined;
  // A rule has a handful of keys; looking each up is cheaper than probing ~40 operator names.
  for (const key of Object.keys(rule)) {
    const found = SPEC_BY_NAME.get(key);
    if (found === undefined) continue;
    if (spec !== undefined) {
      throw new StatesRuntimeError(
        `A Choice rule has more than one comparison operator: ${operator} and ${key}`,
      );
    }
    operator = key;
    spec = found;
  }
  if (spec === undefined || operator === undefined) {
    throw new StatesRuntimeError('A Choice rule has no comparison operator and no And, Or or Not');
  }
  const variable = rule.Variable;
  if (typeof variable !== 'string') {
    throw new StatesRuntimeError(`A Choice rule with ${operator} has no Variable`);
  }
  const value: unknown = rule[operator];

  switch (spec.kind) {
    case 'compare': {
      if (spec.path) {
        if (typeof value !== 'string')
          throw new StatesRuntimeError(`The value of ${operator} must be a path`);
        return {
          kind: 'compare',
          variable,
          type: spec.type,
          relation: spec.relation,
          operand: { kind: 'path', path: value },
        };
      }
      const timestamp =
        spec.type === 'timestamp' && typeof value === 'string' ? parseTimestampKey(value) : undefined;
      return {
        kind: 'compare',
        variable,
        type: spec.type,
        relation: spec.relation,
        operand: { kind: 'literal', value, timestamp },
      };
    }
    case 'matches': {
      if (typeof value !== 'string')
        throw new StatesRuntimeError('The value of StringMatches must be a string');
      return { kind: 'matches', variable, source: value, pattern: compileMatchPattern(value) };
    }
    case 'test': {
      if (typeof value !== 'boolean')
        throw new StatesRuntimeError(`The value of ${operator} must be true or false`);
      return { kind: 'test', variable, test: spec.test, expected: value };
    }
    default:
      return assertNever(spec);
  }
}

function compileList(rules: unknown, name: 'And' | 'Or'): CompiledRule[] {
  if (!Array.isArray(rules))
    throw new StatesRuntimeError(`The value of ${name} must be an array of Choice rules`);
  return rules.map((rule: unknown) => {
    if (!isRuleObject(rule)) throw new StatesRuntimeError(`Every element of ${name} must be a Choice rule`);
    return compiled(rule);
  });
}

function isRuleObject(value: unknown): value is ChoiceRule {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function evaluate(rule: CompiledRule, read: PathReader): boolean {
  switch (rule.kind) {
    case 'and':
      // Short-circuit as the spec requires: later operands (and their paths) are not evaluated.
      for (const operand of rule.rules) if (!evaluate(operand, read)) return false;
      return true;
    case 'or':
      for (const operand of rule.rules) if (evaluate(operand, read)) return true;
      return false;
    case 'not':
      return !evaluate(rule.rule, read);
    case 'test': {
      const result = read(rule.variable);
      if (!result.found) {
        if (rule.test === 'IsPresent') return !rule.expected;
        throw invalidPath(rule.variable);
      }
      return testValue(rule.test, result.value) === rule.expected;
    }
    case 'compare': {
      const left = readExisting(read, rule.variable);
      const operand = rule.operand;
      if (operand.kind === 'path')
        return compareValues(rule.type, rule.relation, left, readExisting(read, operand.path));
      if (rule.type === 'timestamp')
        return compareTimestamps(rule.relation, toTimestampKey(left), operand.timestamp);
      return compareValues(rule.type, rule.relation, left, operand.value);
    }
    case 'matches': {
      const value = readExisting(read, rule.variable);
      if (rule.pattern === undefined) {
        throw new StatesRuntimeError(
          `Invalid StringMatches pattern '${rule.source}': a backslash must be followed by '*' or '\\'`,
        );
      }
      return typeof value === 'string' && matchPattern(rule.pattern, value);
    }
    default:
      return assertNever(rule);
  }
}

function readExisting(read: PathReader, path: string): unknown {
  const result = read(path);
  if (!result.found) throw invalidPath(path);
  return result.value;
}

function invalidPath(path: string): StatesRuntimeError {
  // The wording Step Functions uses for this failure.
  return new StatesRuntimeError(
    `Invalid path '${path}': The choice state's condition path references an invalid value.`,
  );
}

function testValue(test: TypeTest, value: unknown): boolean {
  switch (test) {
    case 'IsPresent':
      return true;
    case 'IsNull':
      return value === null;
    case 'IsNumeric':
      return typeof value === 'number';
    case 'IsString':
      return typeof value === 'string';
    case 'IsBoolean':
      return typeof value === 'boolean';
    case 'IsTimestamp':
      return toTimestampKey(value) !== undefined;
    default:
      return assertNever(test);
  }
}

/** Compares two values of `type`; false (not an error) when either is not of that type. */
function compareValues(type: ValueType, relation: Relation, left: unknown, right: unknown): boolean {
  switch (type) {
    case 'string':
      // JavaScript's string order is UTF-16 code unit order, the same as Java's compareTo.
      return (
        typeof left === 'string' &&
        typeof right === 'string' &&
        holds(relation, left === right ? 0 : left < right ? -1 : 1)
      );
    case 'number':
      return (
        typeof left === 'number' &&
        typeof right === 'number' &&
        holds(relation, left === right ? 0 : left < right ? -1 : 1)
      );
    case 'boolean':
      return (
        typeof left === 'boolean' &&
        typeof right === 'boolean' &&
        holds(relation, Number(left) - Number(right))
      );
    case 'timestamp':
      return compareTimestamps(relation, toTimestampKey(left), toTimestampKey(right));
    default:
      return assertNever(type);
  }
}

function compareTimestamps(
  relation: Relation,
  left: TimestampKey | undefined,
  right: TimestampKey | undefined,
): boolean {
  if (left === undefined || right === undefined) return false;
  return holds(relation, compareTimestampKeys(left, right));
}

function holds(relation: Relation, order: number): boolean {
  switch (relation) {
    case 'eq':
      return order === 0;
    case 'lt':
      return order < 0;
    case 'gt':
      return order > 0;
    case 'le':
      return order <= 0;
    case 'ge':
      return order >= 0;
    default:
      return assertNever(relation);
  }
}

// ---------------------------------------------------------------------------------------------
// StringMatches
// ---------------------------------------------------------------------------------------------

/**
 * A StringMatches pattern split at its unescaped `*`s: `exact` when there is none, otherwise the
 * literal text before the first star, between stars, and after the last star.
 */
type MatchPattern =
  | { readonly kind: 'exact'; readonly text: string }
  | {
      readonly kind: 'wildcard';
      readonly prefix: string;
      readonly middles: readonly string[];
      readonly suffix: string;
    };

/**
 * True when `pattern` is a valid StringMatches value: every backslash escapes a `*` or a
 * backslash. The spec makes any other ("open") escape a runtime error.
 */
export function isValidStringMatchesPattern(pattern: string): boolean {
  return compileMatchPattern(pattern) !== undefined;
}

function compileMatchPattern(pattern: string): MatchPattern | undefined {
  const pieces: string[] = [];
  let current = '';
  let runStart = 0;
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern.charCodeAt(i);
    if (ch === BACKSLASH) {
      const next = pattern.charCodeAt(i + 1);
      if (next !== STAR && next !== BACKSLASH) return undefined;
      // Keep the escaped character, drop the backslash.
      current += pattern.slice(runStart, i);
      runStart = i + 1;
      i += 1;
    } else if (ch === STAR) {
      pieces.push(current + pattern.slice(runStart, i));
      current = '';
      runStart = i + 1;
    }
  }
  const last = current + pattern.slice(runStart);
  if (pieces.length === 0) return { kind: 'exact', text: last };
  const [prefix = '', ...middles] = pieces;
  return { kind: 'wildcard', prefix, middles: middles.filter((m) => m.length > 0), suffix: last };
}

const BACKSLASH = 0x5c;
const STAR = 0x2a;

/**
 * Matches `text` against a star-only pattern without backtracking: the prefix and suffix are
 * anchored, and each middle piece is taken at its leftmost occurrence, which is optimal because
 * an earlier match leaves more room for the pieces after it. Worst case O(n·m) via indexOf,
 * never exponential, whatever the pattern.
 */
function matchPattern(pattern: MatchPattern, text: string): boolean {
  if (pattern.kind === 'exact') return text === pattern.text;
  const { prefix, middles, suffix } = pattern;
  const end = text.length - suffix.length;
  if (end < prefix.length || !text.startsWith(prefix) || !text.endsWith(suffix)) return false;
  let position = prefix.length;
  for (const middle of middles) {
    const at = text.indexOf(middle, position);
    if (at < 0 || at + middle.length > end) return false;
    position = at + middle.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

/**
 * A timestamp at full precision: epoch milliseconds, plus the fraction digits beyond the
 * millisecond with trailing zeros removed. Two such digit strings compare as decimal fractions
 * when compared as strings, so ordering is exact however many digits the input has (Step
 * Functions compares at least to the nanosecond; milliseconds alone would call distinct
 * timestamps equal).
 */
interface TimestampKey {
  readonly ms: number;
  readonly subMs: string;
}

// Fixed-width fields and one optional digit run: linear, no backtracking.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an ASL timestamp (RFC 3339 with uppercase `T` and `Z`, for example
 * `2016-03-14T01:59:00Z` or `2016-03-14T01:59:00.123+01:00`) to epoch milliseconds;
 * undefined when it is not one.
 *
 * Rejects lowercase `t`/`z`, a missing zone, impossible dates (`2023-02-29`, month 13, day 32)
 * and times (hour 24, minute 60, second 60: RFC 3339 leap seconds are not accepted). Fraction
 * digits beyond the millisecond are truncated here; Choice comparisons use them in full.
 */
export function parseTimestamp(text: string): number | undefined {
  return parseTimestampKey(text)?.ms;
}

function toTimestampKey(value: unknown): TimestampKey | undefined {
  return typeof value === 'string' ? parseTimestampKey(value) : undefined;
}

function parseTimestampKey(text: string): TimestampKey | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;

  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHour = Number(m[9]);
    const offsetMinute = Number(m[10]);
    if (offsetHour > 23 || offsetMinute > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  }

  const fraction = m[7] ?? '';
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const subMs = fraction.slice(3).replace(/0+$/, '');

  const days = daysFromCivil(year, month, day);
  const seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60;
  return { ms: seconds * 1000 + millis, subMs };
}

function compareTimestampKeys(a: TimestampKey, b: TimestampKey): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.subMs === b.subMs) return 0;
  return a.subMs < b.subMs ? -1 : 1;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  switch (month) {
    case 2:
      return isLeapYear(year) ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11:
      return 30;
    default:
      return 31;
  }
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). Computed
 * by hand rather than with `Date.UTC`, which maps years 0–99 to 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}
