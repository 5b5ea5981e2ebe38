/**
 * Amazon EventBridge event patterns: validation and matching, as the EventBridge User Guide
 * ("Creating event patterns", "Comparison operators for use in event patterns" — formerly
 * "Content filtering in Amazon EventBridge event patterns", "Arrays in event patterns", "Matching
 * null values and empty strings") documents them, with the finer points taken from AWS's
 * open-source matching engine, Event Ruler (aws/event-ruler), which EventBridge runs.
 *
 * Written by hand because no maintained npm library implements them: Event Ruler is Java-only,
 * and `@aws/event-ruler`, `event-ruler`, `eventbridge-pattern-matcher` and `event-pattern-matcher`
 * do not exist on the npm registry.
 *
 * Semantics, in short:
 * - Fields named in the pattern must all match (AND); values in a field's array are alternatives
 *   (OR); `$or` takes two or more sub-patterns, any of which may match.
 * - When the event's value is an array, the field matches if any element does. Objects inside
 *   arrays are matched one element at a time: two fields never match from different elements of
 *   the same array (Event Ruler's `rulesForJSONEvent`).
 * - Matching is exact and case-sensitive unless an `equals-ignore-case` operator says otherwise;
 *   `null` matches only `null`, `""` only the empty string.
 * - `exists` looks at leaf values only: an object is not a value, so `{"exists": false}` matches a
 *   field that holds an object, and `{"exists": true}` does not.
 * - Numbers (`numeric`, and numbers in `anything-but`) compare to six decimal places and must lie
 *   within ±5.0e9. Exact numbers in a pattern also match numerically equal event numbers.
 *
 * One deliberate difference: patterns and events arrive as parsed JSON, where 300 and 300.0 are
 * the same number. The user guide says EventBridge compares numbers by their text; Event Ruler
 * now also compares them by value, which is what happens here.
 */
import { isJsonObject, type Json, type JsonObject } from '../json.js';
import { InvalidEventPatternError } from './errors.js';

/** Numbers must lie within ±5.0e9 to be compared numerically. */
export const NUMERIC_LIMIT = 5_000_000_000;
/** Numbers compare to this many decimal places. */
export const NUMERIC_DECIMALS = 6;
const MICROS_LIMIT = BigInt(NUMERIC_LIMIT) * 1_000_000n;

/** Operator names that cannot be field names inside `$or`. */
const RESERVED_IN_OR: ReadonlySet<string> = new Set([
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exact',
  'exists',
  'numeric',
  'prefix',
  'suffix',
  'wildcard',
]);

const ANYTHING_BUT_OPERATORS: ReadonlySet<string> = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
]);

interface Bound {
  readonly micros: number;
  readonly inclusive: boolean;
}

interface IpRange {
  readonly version: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

/** One value of a field's array, compiled. */
type ValueMatcher =
  | { readonly type: 'exact'; readonly value: string | number | boolean | null }
  | { readonly type: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly type: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly type: 'equals-ignore-case'; readonly value: string }
  | { readonly type: 'wildcard'; readonly regex: RegExp }
  | {
      readonly type: 'anything-but';
      readonly strings: ReadonlySet<string>;
      readonly micros: ReadonlySet<number>;
    }
  | { readonly type: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly type: 'anything-but-suffix'; readonly values: readonly string[] }
  | { readonly type: 'anything-but-ignore-case'; readonly values: readonly string[] }
  | { readonly type: 'anything-but-wildcard'; readonly regexes: readonly RegExp[] }
  | { readonly type: 'numeric'; readonly lower: Bound | undefined; readonly upper: Bound | undefined }
  | { readonly type: 'cidr'; readonly range: IpRange }
  | { readonly type: 'exists'; readonly exists: boolean };

type CompiledField =
  | { readonly kind: 'leaf'; readonly name: string; readonly matchers: readonly ValueMatcher[] }
  | { readonly kind: 'object'; readonly name: string; readonly node: CompiledNode };

interface CompiledNode {
  readonly fields: readonly CompiledField[];
  /** Each `$or` of this object: at least one of its sub-patterns must match. */
  readonly alternatives: readonly (readonly CompiledNode[])[];
}

/** A pattern checked and compiled once, to match many events. Made by {@link compilePattern}. */
export class CompiledEventPattern {
  /** The pattern as given (parsed, when given as text). */
  readonly source: JsonObject;
  private readonly test: (event: Json) => boolean;

  constructor(source: JsonObject, test: (event: Json) => boolean) {
    this.source = source;
    this.test = test;
  }

  /** Whether the event matches. A pure function of the two. */
  matches(event: Json): boolean {
    return this.test(event);
  }
}

/**
 * The problems EventBridge would report for a pattern, each naming the JSON path at fault
 * (`$.detail.state[0].anything-but: ...`). Empty when the pattern is valid. Accepts the pattern
 * as an object or as JSON text (where, as in EventBridge, a key given twice keeps its last value).
 */
export function validatePattern(pattern: unknown): string[] {
  const parsed = parsePattern(pattern);
  if (parsed.type === 'invalid') return [parsed.error];
  const errors: string[] = [];
  compileNode(parsed.value, '$', false, errors);
  return errors;
}

/** Compiles a pattern, throwing {@link InvalidEventPatternError} with every problem found. */
export function compilePattern(pattern: unknown): CompiledEventPattern {
  const parsed = parsePattern(pattern);
  if (parsed.type === 'invalid') throw new InvalidEventPatternError([parsed.error]);
  const errors: string[] = [];
  const root = compileNode(parsed.value, '$', false, errors);
  if (errors.length > 0) throw new InvalidEventPatternError(errors);
  return new CompiledEventPattern(parsed.value, (event) => matchNode(root, event));
}

const compiledObjects = new WeakMap<object, CompiledEventPattern>();
const compiledTexts = new Map<string, CompiledEventPattern>();
const TEXT_CACHE_LIMIT = 1_000;

/**
 * Whether `event` matches `pattern` (an object, JSON text or a {@link CompiledEventPattern}).
 * Throws {@link InvalidEventPatternError} for an invalid pattern. Compilations are cached.
 */
export function matchesPattern(pattern: unknown, event: Json): boolean {
  return cachedCompile(pattern).matches(event);
}

function cachedCompile(pattern: unknown): CompiledEventPattern {
  if (pattern instanceof CompiledEventPattern) return pattern;
  if (typeof pattern === 'string') {
    const cached = compiledTexts.get(pattern);
    if (cached !== undefined) return cached;
    const compiled = compilePattern(pattern);
    if (compiledTexts.size >= TEXT_CACHE_LIMIT) compiledTexts.clear();
    compiledTexts.set(pattern, compiled);
    return compiled;
  }
  if (typeof pattern === 'object' && pattern !== null) {
    const cached = compiledObjects.get(pattern);
    if (cached !== undefined) return cached;
    const compiled = compilePattern(pattern);
    compiledObjects.set(pattern, compiled);
    return compiled;
  }
  return compilePattern(pattern);
}

type Parsed =
  | { readonly type: 'valid'; readonly value: JsonObject }
  | { readonly type: 'invalid'; readonly error: string };

function parsePattern(pattern: unknown): Parsed {
  let value: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch (error) {
      return { type: 'invalid', error: `$: the pattern is not valid JSON (${(error as Error).message})` };
    }
  }
  if (!isJsonObject(value)) return { type: 'invalid', error: '$: the pattern must be a JSON object' };
  return { type: 'valid', value };
}

// ---------------------------------------------------------------------------------------------
// Compilation

function compileNode(pattern: JsonObject, path: string, insideOr: boolean, errors: string[]): CompiledNode {
  const fields: CompiledField[] = [];
  const alternatives: CompiledNode[][] = [];
  const keys = Object.keys(pattern);
  if (keys.length === 0) errors.push(`${path}: empty objects are not allowed`);
  for (const key of keys) {
    const value = pattern[key] as Json;
    const fieldPath = childPath(path, key);
    if (key === '$or' && Array.isArray(value)) {
      alternatives.push(compileOr(value, fieldPath, errors));
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      errors.push(`${fieldPath}: "${key}" is an operator and cannot be a field name inside $or`);
      continue;
    }
    if (Array.isArray(value)) {
      fields.push({ kind: 'leaf', name: key, matchers: compileValues(value, fieldPath, errors) });
    } else if (isJsonObject(value)) {
      fields.push({ kind: 'object', name: key, node: compileNode(value, fieldPath, insideOr, errors) });
    } else {
      errors.push(`${fieldPath}: must be an object or an array, not ${describe(value)}`);
    }
  }
  return { fields, alternatives };
}

function compileOr(branches: readonly Json[], path: string, errors: string[]): CompiledNode[] {
  if (branches.length < 2) errors.push(`${path}: $or needs at least 2 objects`);
  const nodes: CompiledNode[] = [];
  branches.forEach((branch, index) => {
    const branchPath = `${path}[${index}]`;
    if (!isJsonObject(branch)) {
      errors.push(`${branchPath}: only JSON objects are allowed in $or`);
      return;
    }
    nodes.push(compileNode(branch, branchPath, true, errors));
  });
  return nodes;
}

function compileValues(values: readonly Json[], path: string, errors: string[]): ValueMatcher[] {
  if (values.length === 0) errors.push(`${path}: empty arrays are not allowed`);
  const matchers: ValueMatcher[] = [];
  values.forEach((value, index) => {
    const valuePath = `${path}[${index}]`;
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      typeof value === 'number'
    ) {
      matchers.push({ type: 'exact', value });
    } else if (isJsonObject(value)) {
      const matcher = compileExpression(value, valuePath, errors);
      if (matcher !== undefined) matchers.push(matcher);
    } else {
      errors.push(
        `${valuePath}: a match value must be a string, number, true, false, null or an operator object`,
      );
    }
  });
  return matchers;
}

function compileExpression(expression: JsonObject, path: string, errors: string[]): ValueMatcher | undefined {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (operator === undefined) {
    errors.push(`${path}: empty operator object`);
    return undefined;
  }
  if (keys.length > 1) {
    errors.push(`${path}: only one key is allowed in an operator object, found ${keys.join(', ')}`);
    return undefined;
  }
  const operand = expression[operator] as Json;
  const operandPath = childPath(path, operator);
  const fail = (reason: string): undefined => {
    errors.push(`${operandPath}: ${reason}`);
    return undefined;
  };
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      if (typeof operand === 'string') return { type: operator, value: operand, ignoreCase: false };
      const ignoreCase = ignoreCaseOperand(operand);
      if (ignoreCase === undefined) {
        return fail(`${operator} takes a string or {"equals-ignore-case": "<string>"}`);
      }
      return { type: operator, value: ignoreCase.toLowerCase(), ignoreCase: true };
    }
    case 'equals-ignore-case':
      if (typeof operand !== 'string') return fail('equals-ignore-case takes a string');
      return { type: 'equals-ignore-case', value: operand.toLowerCase() };
    case 'wildcard': {
      if (typeof operand !== 'string') return fail('wildcard takes a string');
      const regex = wildcardRegex(operand);
      if (typeof regex === 'string') return fail(regex);
      return { type: 'wildcard', regex };
    }
    case 'anything-but':
      return compileAnythingBut(operand, operandPath, errors);
    case 'numeric':
      return compileNumeric(operand, operandPath, errors);
    case 'exists':
      if (typeof operand !== 'boolean') return fail('exists takes true or false');
      return { type: 'exists', exists: operand };
    case 'cidr': {
      if (typeof operand !== 'string') return fail('cidr takes a string');
      const range = parseCidr(operand);
      if (range === undefined) return fail(`${JSON.stringify(operand)} is not an IPv4 or IPv6 CIDR block`);
      return { type: 'cidr', range };
    }
    default:
      errors.push(`${path}: unrecognized match type "${operator}"`);
      return undefined;
  }
}

function ignoreCaseOperand(operand: Json): string | undefined {
  if (!isJsonObject(operand)) return undefined;
  const keys = Object.keys(operand);
  const value = operand['equals-ignore-case'];
  return keys.length === 1 && typeof value === 'string' ? value : undefined;
}

function compileAnythingBut(operand: Json, path: string, errors: string[]): ValueMatcher | undefined {
  const fail = (reason: string): undefined => {
    errors.push(`${path}: ${reason}`);
    return undefined;
  };
  if (typeof operand === 'string')
    return { type: 'anything-but', strings: new Set([operand]), micros: new Set() };
  if (typeof operand === 'number') {
    const micros = toMicros(operand);
    if (micros === undefined) return fail(numericRangeReason(operand));
    return { type: 'anything-but', strings: new Set(), micros: new Set([micros]) };
  }
  if (Array.isArray(operand)) {
    if (operand.length > 0 && operand.every((value) => typeof value === 'string')) {
      return { type: 'anything-but', strings: new Set(operand as string[]), micros: new Set() };
    }
    if (operand.length > 0 && operand.every((value) => typeof value === 'number')) {
      const micros = new Set<number>();
      for (const value of operand as number[]) {
        const converted = toMicros(value);
        if (converted === undefined) return fail(numericRangeReason(value));
        micros.add(converted);
      }
      return { type: 'anything-but', strings: new Set(), micros };
    }
    return fail('an anything-but list must hold only strings or only numbers, and at least one');
  }
  if (!isJsonObject(operand))
    return fail('anything-but takes a string, a number, a list, or an operator object');
  const keys = Object.keys(operand);
  const [operator] = keys;
  if (operator === undefined || keys.length > 1) {
    return fail(
      'an anything-but operator object has exactly one of prefix, suffix, equals-ignore-case, wildcard',
    );
  }
  const inner = operand[operator] as Json;
  const innerPath = childPath(path, operator);
  if (!ANYTHING_BUT_OPERATORS.has(operator)) {
    errors.push(
      `${innerPath}: unsupported anything-but operator; use prefix, suffix, equals-ignore-case or wildcard`,
    );
    return undefined;
  }
  const values = typeof inner === 'string' ? [inner] : Array.isArray(inner) ? inner : undefined;
  if (values === undefined || values.length === 0 || !values.every((value) => typeof value === 'string')) {
    errors.push(`${innerPath}: takes a string or a non-empty list of strings`);
    return undefined;
  }
  const strings = values as string[];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (strings.some((value) => value.length === 0)) {
        errors.push(`${innerPath}: an empty ${operator} is not allowed`);
        return undefined;
      }
      return { type: operator === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix', values: strings };
    case 'equals-ignore-case':
      return { type: 'anything-but-ignore-case', values: strings.map((value) => value.toLowerCase()) };
    case 'wildcard': {
      const regexes: RegExp[] = [];
      for (const value of strings) {
        const regex = wildcardRegex(value);
        if (typeof regex === 'string') {
          errors.push(`${innerPath}: ${regex}`);
          return undefined;
        }
        regexes.push(regex);
      }
      return { type: 'anything-but-wildcard', regexes };
    }
    default:
      return undefined;
  }
}

function compileNumeric(operand: Json, path: string, errors: string[]): ValueMatcher | undefined {
  const fail = (reason: string): undefined => {
    errors.push(`${path}: ${reason}`);
    return undefined;
  };
  if (!Array.isArray(operand) || operand.length === 0) {
    return fail('numeric takes a list such as [">", 0, "<=", 5]');
  }
  const bound = (index: number): number | string => {
    const value = operand[index];
    if (typeof value !== 'number') return `the value after "${String(operand[index - 1])}" must be a number`;
    const micros = toMicros(value);
    return micros ?? numericRangeReason(value);
  };
  const [first] = operand;
  if (first === '=') {
    if (operand.length !== 2) return fail('"=" takes exactly one number');
    const value = bound(1);
    if (typeof value === 'string') return fail(value);
    return {
      type: 'numeric',
      lower: { micros: value, inclusive: true },
      upper: { micros: value, inclusive: true },
    };
  }
  if (first === '<' || first === '<=') {
    if (operand.length !== 2) return fail(`"${first}" takes exactly one number`);
    const value = bound(1);
    if (typeof value === 'string') return fail(value);
    return { type: 'numeric', lower: undefined, upper: { micros: value, inclusive: first === '<=' } };
  }
  if (first === '>' || first === '>=') {
    const value = bound(1);
    if (typeof value === 'string') return fail(value);
    const lower: Bound = { micros: value, inclusive: first === '>=' };
    if (operand.length === 2) return { type: 'numeric', lower, upper: undefined };
    const second = operand[2];
    if (operand.length !== 4 || (second !== '<' && second !== '<=')) {
      return fail(`after "${first}" and a number, only "<" or "<=" and a number may follow`);
    }
    const top = bound(3);
    if (typeof top === 'string') return fail(top);
    if (top <= value) return fail('the lower bound must be less than the upper bound');
    return { type: 'numeric', lower, upper: { micros: top, inclusive: second === '<=' } };
  }
  return fail(`unrecognized numeric operator ${JSON.stringify(first)}; use =, <, <=, > or >=`);
}

function numericRangeReason(value: number): string {
  return `${value} is outside ±${NUMERIC_LIMIT} or has more than ${NUMERIC_DECIMALS} decimals`;
}

/**
 * A wildcard value as an anchored regular expression, or the reason it is invalid: `*` matches
 * any run of characters; `\*` and `\\` are a literal star and backslash; two unescaped stars in a
 * row, and a backslash before anything else, are not allowed.
 */
function wildcardRegex(pattern: string): RegExp | string {
  let source = '';
  let previousWasStar = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] ?? '';
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\')
        return `a backslash may only escape "*" or "\\" in ${JSON.stringify(pattern)}`;
      source += escapeRegex(next);
      index += 1;
      previousWasStar = false;
    } else if (char === '*') {
      if (previousWasStar)
        return `consecutive wildcard characters are not allowed in ${JSON.stringify(pattern)}`;
      source += '.*';
      previousWasStar = true;
    } else {
      source += escapeRegex(char);
      previousWasStar = false;
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Matching

const EMPTY: JsonObject = {};

function matchNode(node: CompiledNode, value: Json | undefined): boolean {
  if (Array.isArray(value)) {
    const objects = objectsIn(value);
    if (objects.length === 0) return matchObject(node, EMPTY);
    return objects.some((object) => matchObject(node, object));
  }
  return matchObject(node, isJsonObject(value) ? value : EMPTY);
}

function matchObject(node: CompiledNode, object: JsonObject): boolean {
  for (const field of node.fields) {
    const value = Object.hasOwn(object, field.name) ? object[field.name] : undefined;
    const matched = field.kind === 'leaf' ? matchLeaf(field.matchers, value) : matchNode(field.node, value);
    if (!matched) return false;
  }
  return node.alternatives.every((branches) => branches.some((branch) => matchObject(branch, object)));
}

function matchLeaf(matchers: readonly ValueMatcher[], value: Json | undefined): boolean {
  const values = leafValues(value);
  return matchers.some((matcher) =>
    matcher.type === 'exists'
      ? matcher.exists === values.length > 0
      : values.some((candidate) => matchValue(matcher, candidate)),
  );
}

type Leaf = string | number | boolean | null;

/** The values a field holds: itself when scalar, the scalars of an array (nested arrays flattened). */
function leafValues(value: Json | undefined): Leaf[] {
  if (value === undefined || isJsonObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap((element) => leafValues(element));
  return [value];
}

function objectsIn(values: readonly Json[]): JsonObject[] {
  return values.flatMap((value) =>
    Array.isArray(value) ? objectsIn(value) : isJsonObject(value) ? [value] : [],
  );
}

function matchValue(matcher: Exclude<ValueMatcher, { type: 'exists' }>, value: Leaf): boolean {
  switch (matcher.type) {
    case 'exact':
      if (typeof matcher.value === 'number' && typeof value === 'number') {
        return value === matcher.value || (toMicros(value) ?? NaN) === toMicros(matcher.value);
      }
      return value === matcher.value;
    case 'prefix':
      return (
        typeof value === 'string' &&
        (matcher.ignoreCase ? value.toLowerCase() : value).startsWith(matcher.value)
      );
    case 'suffix':
      return (
        typeof value === 'string' &&
        (matcher.ignoreCase ? value.toLowerCase() : value).endsWith(matcher.value)
      );
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === matcher.value;
    case 'wildcard':
      return typeof value === 'string' && matcher.regex.test(value);
    case 'anything-but':
      if (typeof value === 'string') return !matcher.strings.has(value);
      if (typeof value === 'number') {
        const micros = toMicros(value);
        return micros === undefined || !matcher.micros.has(micros);
      }
      return true;
    case 'anything-but-prefix':
      return typeof value !== 'string' || !matcher.values.some((prefix) => value.startsWith(prefix));
    case 'anything-but-suffix':
      return typeof value !== 'string' || !matcher.values.some((suffix) => value.endsWith(suffix));
    case 'anything-but-ignore-case':
      return typeof value !== 'string' || !matcher.values.includes(value.toLowerCase());
    case 'anything-but-wildcard':
      return typeof value !== 'string' || !matcher.regexes.some((regex) => regex.test(value));
    case 'numeric': {
      if (typeof value !== 'number') return false;
      const micros = toMicros(value);
      if (micros === undefined) return false;
      const { lower, upper } = matcher;
      if (lower !== undefined && (lower.inclusive ? micros < lower.micros : micros <= lower.micros))
        return false;
      if (upper !== undefined && (upper.inclusive ? micros > upper.micros : micros >= upper.micros))
        return false;
      return true;
    }
    case 'cidr': {
      if (typeof value !== 'string') return false;
      const address = parseIp(value);
      return (
        address !== undefined &&
        address.version === matcher.range.version &&
        address.value >= matcher.range.first &&
        address.value <= matcher.range.last
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers and addresses

/**
 * A number as an integer count of millionths, or `undefined` when it has more than six decimals
 * or lies outside ±5.0e9 (Event Ruler's ComparableNumber). Works on the shortest decimal text of
 * the double, so 0.1 is exactly 100000 micros.
 */
export function toMicros(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) return undefined;
  const [, sign = '', whole = '0', fraction = '', exponentText = '0'] = match;
  const scale = fraction.length - Number(exponentText);
  if (scale > NUMERIC_DECIMALS) return undefined;
  const digits = BigInt(`${whole}${fraction}`);
  const magnitude = digits * 10n ** BigInt(NUMERIC_DECIMALS - scale);
  if (magnitude > MICROS_LIMIT) return undefined;
  return Number(sign === '-' ? -magnitude : magnitude);
}

function parseCidr(text: string): IpRange | undefined {
  const [addressText, lengthText, ...rest] = text.split('/');
  if (addressText === undefined || rest.length > 0) return undefined;
  const address = parseIp(addressText);
  if (address === undefined) return undefined;
  const bits = address.version === 4 ? 32 : 128;
  const length = lengthText === undefined ? bits : /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : NaN;
  if (!Number.isInteger(length) || length < 0 || length > bits) return undefined;
  const hostBits = BigInt(bits - length);
  const first = (address.value >> hostBits) << hostBits;
  return { version: address.version, first, last: first + (1n << hostBits) - 1n };
}

function parseIp(text: string): { readonly version: 4 | 6; readonly value: bigint } | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { version: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups = part.split(':');
    const last = groups[groups.length - 1] ?? '';
    if (last.includes('.')) {
      const v4 = parseIpv4(last);
      if (v4 === undefined) return undefined;
      groups.splice(groups.length - 1, 1, ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Paths

function childPath(path: string, key: string): string {
  return /^[A-Za-z0-9_$-]+$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: Json): string {
  return value === null
    ? 'null'
    : typeof value === 'string'
      ? `the string ${JSON.stringify(value)}`
      : typeof value;
}
