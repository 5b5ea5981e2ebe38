/**
 * The 18 intrinsic functions of Amazon States Language (JSONPath mode), as the Step Functions developer
 * guide documents them ("Intrinsic functions for JSONPath states in Step Functions").
 *
 * An expression is parsed once, when the definition is validated ({@link parseIntrinsic}). On its first
 * evaluation the parsed call is compiled into a tree of closures, cached per call object, so the hot path
 * ({@link evaluateIntrinsic}) does no parsing, no function lookup and no re-checking of literals.
 *
 * Two kinds of error:
 * - {@link IntrinsicSyntaxError} at parse time: the text is malformed, or its literals can never work
 *   (wrong argument count, a string where a number is needed, `States.ArrayRange(1, 5000, 1)`, ...).
 * - `States.IntrinsicFailure` ({@link IntrinsicFailureError}) at evaluation: a value read from a path, or
 *   returned by a nested call, does not fit. Errors thrown by `env.readPath` pass through unchanged.
 *
 * The engine is pure, so nothing here uses `Math.random`, `Date`, `Buffer` or node modules: randomness comes
 * from `env.random`, and the hash functions and Base64 are written out below.
 */
import { IntrinsicFailureError } from './errors.js';
import { isJsonObject, type Json, type JsonObject } from './json.js';

/**
 * Bounds on the work one intrinsic call may do, so that a hostile or mistaken input fails with
 * `States.IntrinsicFailure` instead of hanging or exhausting memory. AWS documents all of them except
 * `maxFormatOutput` and `maxJsonDepth`, which are Baton's.
 */
export const INTRINSIC_LIMITS = {
  /**
   * Intrinsic calls in one expression, the outer one included. AWS: "You can nest up to 10 intrinsic
   * functions within a field", and its example of "nine nested intrinsic functions" counts every call.
   */
  maxCalls: 10,
  /** Items States.ArrayRange may produce (AWS: "The new array can contain up to 1000 elements"). */
  maxArrayRangeItems: 1000,
  /** Characters States.Base64Encode accepts (AWS: "a data string of up to 10,000 characters"). */
  maxBase64EncodeInput: 10_000,
  /** Characters States.Base64Decode accepts (AWS: "up to 10,000 characters"). */
  maxBase64DecodeInput: 10_000,
  /** Characters of the (stringified) data States.Hash accepts (AWS: "10,000 characters or less"). */
  maxHashInput: 10_000,
  /**
   * Characters States.Format may produce. Not documented by AWS: the 256 KiB payload limit, since a
   * longer string could never leave the state anyway.
   */
  maxFormatOutput: 262_144,
  /** Array/object nesting States.StringToJson accepts. Not documented by AWS: Jackson's default limit. */
  maxJsonDepth: 1000,
  /** Smallest operand of States.MathAdd (AWS: "in the range of -2147483648 and 2147483647"). */
  minMathAddOperand: -2_147_483_648,
  /** Largest operand of States.MathAdd. */
  maxMathAddOperand: 2_147_483_647,
} as const;

/** What an intrinsic call needs from its surroundings. */
export interface IntrinsicEnvironment {
  /** Reads a JSONPath argument (`$.x`, `$$.Execution.Id`); throws a StatesError when it does not exist. */
  readonly readPath: (path: string) => Json;
  /** A number in [0, 1) from the execution's seeded source (never Math.random). */
  readonly random: () => number;
}

/** A parsed intrinsic function call. */
export type IntrinsicCall = {
  readonly type: 'call';
  readonly name: string;
  readonly args: readonly IntrinsicArgument[];
};

/** One argument of a call: a nested call, a literal, or a JSONPath (`$...` input, `$$...` context object). */
export type IntrinsicArgument =
  | IntrinsicCall
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'path'; readonly path: string };

/** A malformed intrinsic call (found at validation time). The message says what is wrong and where. */
export class IntrinsicSyntaxError extends Error {
  override readonly name = 'IntrinsicSyntaxError';
  /** The 0-based character offset in the expression where the problem is, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.offset = offset;
  }
}

/** True when a `.$` value is an intrinsic function call rather than a path. */
export function isIntrinsicCall(expression: string): boolean {
  return expression.startsWith('States.');
}

/** Parses `States.Format('{}', $.name)`. Throws IntrinsicSyntaxError. */
export function parseIntrinsic(expression: string): IntrinsicCall {
  return new Parser(expression).parse();
}

/** Evaluates a parsed call. Throws IntrinsicFailureError (`States.IntrinsicFailure`). */
export function evaluateIntrinsic(call: IntrinsicCall, env: IntrinsicEnvironment): Json {
  return compiledCall(call)(env);
}

// ---------------------------------------------------------------------------------------------------
// Function table
// ---------------------------------------------------------------------------------------------------

/** What a parameter accepts, or what a function returns; lets the parser reject impossible nestings. */
type Kind = 'any' | 'scalar' | 'string' | 'number' | 'boolean' | 'array' | 'object';

const KIND_TEXT: Readonly<Record<Kind, string>> = {
  any: 'any value',
  scalar: 'a string, number, boolean or null',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

/** Thrown by a parameter check; becomes a syntax error (for a literal) or States.IntrinsicFailure. */
class ArgumentRejected extends Error {
  override readonly name = 'ArgumentRejected';
}

interface Param {
  /** How messages name the parameter, e.g. `chunk size`. */
  readonly label: string;
  readonly kind: Kind;
  /** Checks a value and returns the value to use (integers are rounded); throws ArgumentRejected. */
  readonly coerce?: (value: Json) => Json;
  /** The argument must be a path or a call (States.JsonToString's "This argument must be a Path"). */
  readonly noLiteral?: boolean;
}

type Implementation = (args: Json[], env: IntrinsicEnvironment) => Json;

interface FunctionSpec {
  readonly params: readonly Param[];
  /** How many trailing `params` may be left out. */
  readonly optional?: number;
  /** The parameter of any further arguments, for variadic functions. */
  readonly rest?: Param;
  readonly returns: Kind;
  /** Builds the implementation for one call (States.Format precomputes a literal template here). */
  readonly build: (call: IntrinsicCall) => Implementation;
  /** A parse-time check of the whole call; returns the problem and the argument it concerns. */
  readonly check?: (
    call: IntrinsicCall,
  ) => { readonly message: string; readonly argument: number } | undefined;
}

function reject(message: string): never {
  throw new ArgumentRejected(message);
}

function failure(message: string, options?: { cause?: unknown }): IntrinsicFailureError {
  return new IntrinsicFailureError(message, options);
}

function stringParam(label: string, options: { maxLength?: number; nonEmpty?: boolean } = {}): Param {
  const maxLength = options.maxLength ?? Infinity;
  return {
    label,
    kind: 'string',
    coerce: (value) => {
      if (typeof value !== 'string') return reject(`must be a string, but got ${describe(value)}`);
      if (value.length > maxLength)
        return reject(`must be at most ${maxLength} characters long, but has ${value.length}`);
      if (options.nonEmpty && value.length === 0) return reject('must not be an empty string');
      return value;
    },
  };
}

function arrayParam(label: string): Param {
  return {
    label,
    kind: 'array',
    coerce: (value) =>
      Array.isArray(value) ? value : reject(`must be an array, but got ${describe(value)}`),
  };
}

function objectParam(label: string): Param {
  return {
    label,
    kind: 'object',
    coerce: (value) =>
      isJsonObject(value) ? value : reject(`must be a JSON object, but got ${describe(value)}`),
  };
}

interface IntegerRule {
  /** Round a non-integer to the nearest integer, as AWS documents for most integer arguments. */
  readonly round?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly nonZero?: boolean;
}

/** An integer parameter; `expected` completes "must be ..." in messages, e.g. `a positive integer`. */
function integerParam(label: string, expected: string, rule: IntegerRule): Param {
  return {
    label,
    kind: 'number',
    coerce: (value) => {
      if (typeof value !== 'number') return reject(`must be ${expected}, but got ${describe(value)}`);
      // Math.round rounds halves towards +Infinity, like Java's Math.round (AWS runs on the JVM).
      const n = rule.round ? Math.round(value) : value;
      const ok =
        Number.isSafeInteger(n) &&
        (rule.min === undefined || n >= rule.min) &&
        (rule.max === undefined || n <= rule.max) &&
        !(rule.nonZero && n === 0);
      if (!ok) return reject(`must be ${expected}, but got ${describe(value)}`);
      return n === 0 ? 0 : n; // no -0 from Math.round(-0.4)
    },
  };
}

const anyParam = (label: string): Param => ({ label, kind: 'any' });

/** States.Format values: "The Value MUST NOT be a JSON array or object" (ASL specification). */
const formatValueParam: Param = {
  label: 'value',
  kind: 'scalar',
  coerce: (value) =>
    value !== null && typeof value === 'object'
      ? reject(`must be a string, number, boolean or null, but got ${describe(value)}`)
      : value,
};

/** States.Hash data: anything; non-strings are hashed as their JSON text (the "stringified version"). */
const hashDataParam: Param = {
  label: 'data',
  kind: 'any',
  coerce: (value) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const max = INTRINSIC_LIMITS.maxHashInput;
    return text.length > max
      ? reject(`must be at most ${max} characters long, but has ${text.length}`)
      : text;
  },
};

const hashAlgorithmParam: Param = {
  label: 'algorithm',
  kind: 'string',
  coerce: (value) =>
    typeof value === 'string' && HASHES.has(value)
      ? value
      : reject(`must be one of ${[...HASHES.keys()].join(', ')}, but got ${describe(value)}`),
};

const deepMergeParam: Param = {
  label: 'deep merge flag',
  kind: 'boolean',
  coerce: (value) => {
    if (typeof value !== 'boolean') return reject(`must be false, but got ${describe(value)}`);
    if (value) return reject('must be false: Step Functions supports only the shallow merge');
    return value;
  },
};

const int32 = { min: INTRINSIC_LIMITS.minMathAddOperand, max: INTRINSIC_LIMITS.maxMathAddOperand };
const int32Text = `an integer from ${int32.min} to ${int32.max}`;

/** For functions whose implementation does not depend on the call. */
const fixed =
  (implementation: Implementation): ((call: IntrinsicCall) => Implementation) =>
  () =>
    implementation;

const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  [
    'States.Format',
    {
      params: [stringParam('template')],
      rest: formatValueParam,
      returns: 'string',
      check: checkFormatCall,
      build: buildFormat,
    },
  ],
  [
    'States.StringToJson',
    {
      params: [stringParam('JSON text')],
      returns: 'any',
      build: fixed(([text]) => parseJsonText(text as string)),
    },
  ],
  [
    'States.JsonToString',
    {
      params: [{ label: 'value', kind: 'any', noLiteral: true }],
      returns: 'string',
      build: fixed(([value]) => JSON.stringify(value)),
    },
  ],
  ['States.Array', { params: [], rest: anyParam('item'), returns: 'array', build: fixed((args) => args) }],
  [
    'States.ArrayPartition',
    {
      params: [
        arrayParam('array'),
        integerParam('chunk size', 'a positive integer', { round: true, min: 1 }),
      ],
      returns: 'array',
      build: fixed(([array, size]) => partition(array as Json[], size as number)),
    },
  ],
  [
    'States.ArrayContains',
    {
      params: [arrayParam('array'), anyParam('value')],
      returns: 'boolean',
      build: fixed(([array, value]) => (array as Json[]).some((item) => jsonEquals(item, value as Json))),
    },
  ],
  [
    'States.ArrayRange',
    {
      params: [
        integerParam('first', 'an integer', { round: true }),
        integerParam('last', 'an integer', { round: true }),
        integerParam('step', 'a non-zero integer', { round: true, nonZero: true }),
      ],
      returns: 'array',
      build: fixed(([first, last, step]) => range(first as number, last as number, step as number)),
    },
  ],
  [
    'States.ArrayGetItem',
    {
      params: [arrayParam('array'), integerParam('index', 'a non-negative integer', { min: 0 })],
      returns: 'any',
      build: fixed(([array, index]) => itemAt(array as Json[], index as number)),
    },
  ],
  [
    'States.ArrayLength',
    { params: [arrayParam('array')], returns: 'number', build: fixed(([array]) => (array as Json[]).length) },
  ],
  [
    'States.ArrayUnique',
    { params: [arrayParam('array')], returns: 'array', build: fixed(([array]) => unique(array as Json[])) },
  ],
  [
    'States.Base64Encode',
    {
      params: [stringParam('data', { maxLength: INTRINSIC_LIMITS.maxBase64EncodeInput })],
      returns: 'string',
      build: fixed(([text]) => encodeBase64(utf8Encoder.encode(text as string))),
    },
  ],
  [
    'States.Base64Decode',
    {
      params: [stringParam('Base64 data', { maxLength: INTRINSIC_LIMITS.maxBase64DecodeInput })],
      returns: 'string',
      build: fixed(([text]) => utf8Decoder.decode(decodeBase64(text as string))),
    },
  ],
  [
    'States.Hash',
    {
      params: [hashDataParam, hashAlgorithmParam],
      returns: 'string',
      build: fixed(([data, algorithm]) => {
        const digest = HASHES.get(algorithm as string) as Digest;
        return digest(utf8Encoder.encode(data as string));
      }),
    },
  ],
  [
    'States.JsonMerge',
    {
      params: [objectParam('first object'), objectParam('second object'), deepMergeParam],
      returns: 'object',
      // Shallow: a key of the second object replaces the same key of the first, nested objects included.
      build: fixed(([first, second]) => ({ ...(first as JsonObject), ...(second as JsonObject) })),
    },
  ],
  [
    'States.MathRandom',
    {
      params: [
        integerParam('start', 'an integer', { round: true }),
        integerParam('end', 'an integer', { round: true }),
        integerParam('seed', 'an integer', { round: true }),
      ],
      optional: 1,
      returns: 'number',
      build: fixed((args, env) => mathRandom(args, env)),
    },
  ],
  [
    'States.MathAdd',
    {
      params: [
        integerParam('first value', int32Text, { round: true, ...int32 }),
        integerParam('second value', int32Text, { round: true, ...int32 }),
      ],
      returns: 'number',
      build: fixed(([a, b]) => (a as number) + (b as number)),
    },
  ],
  [
    'States.StringSplit',
    {
      params: [stringParam('string'), stringParam('delimiters', { nonEmpty: true })],
      returns: 'array',
      build: fixed(([text, delimiters]) => splitOnAny(text as string, delimiters as string)),
    },
  ],
  ['States.UUID', { params: [], returns: 'string', build: fixed((_args, env) => uuidV4(env.random)) }],
]);

function paramAt(spec: FunctionSpec, index: number): Param {
  return spec.params[index] ?? (spec.rest as Param);
}

function arityOf(spec: FunctionSpec): { readonly min: number; readonly max: number } {
  return { min: spec.params.length - (spec.optional ?? 0), max: spec.rest ? Infinity : spec.params.length };
}

function arityProblem(name: string, spec: FunctionSpec, count: number): string | undefined {
  const { min, max } = arityOf(spec);
  if (count >= min && count <= max) return undefined;
  let expected: string;
  if (max === Infinity) expected = `at least ${plural(min, 'argument')}`;
  else if (min === max) expected = min === 0 ? 'no arguments' : `exactly ${plural(min, 'argument')}`;
  else expected = `${min} or ${max} arguments`;
  return `${name} takes ${expected}, but got ${count}`;
}

function accepts(param: Kind, returned: Kind): boolean {
  if (param === 'any' || returned === 'any' || param === returned) return true;
  return param === 'scalar' && (returned === 'string' || returned === 'number' || returned === 'boolean');
}

// ---------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------

const NAME = /States\.[A-Za-z0-9]+/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const NUMBER_TAIL = /[A-Za-z0-9_.+-]/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * For string literals with an escaped brace: the text between the real `{}` placeholders. Kept beside
 * the AST (whose string nodes hold only the unescaped value) so that States.Format tells `\{}` from `{}`.
 */
const literalPieces = new WeakMap<object, readonly string[]>();

/** An environment for evaluating all-literal calls at parse time (they read no path). */
const FOLDING_ENV: IntrinsicEnvironment = {
  readPath: (path) => {
    throw failure(`unexpected path ${path} in a constant expression`);
  },
  random: () => 0,
};

/** A recursive-descent parser; recursion is bounded by {@link INTRINSIC_LIMITS.maxCalls}. */
class Parser {
  private pos = 0;
  private calls = 0;

  constructor(private readonly src: string) {}

  parse(): IntrinsicCall {
    this.skipSpace();
    const call = this.parseCall();
    this.skipSpace();
    const ch = this.src[this.pos];
    if (ch === ')') this.fail(`Unbalanced parentheses: unexpected ')' after the end of ${call.name}(...)`);
    if (ch !== undefined) this.fail(`Unexpected '${ch}' after the end of ${call.name}(...)`);
    return call;
  }

  private fail(message: string, at: number = this.pos): never {
    const shown = this.src.length > 200 ? `${this.src.slice(0, 197)}...` : this.src;
    throw new IntrinsicSyntaxError(`${message} (at offset ${at} in "${shown}")`, at);
  }

  private skipSpace(): void {
    while (isSpace(this.src[this.pos])) this.pos += 1;
  }

  private parseCall(): IntrinsicCall {
    const start = this.pos;
    NAME.lastIndex = start;
    const match = NAME.exec(this.src);
    if (!match) this.fail(`Expected an intrinsic function such as States.Format(...)`);
    const name = match[0];
    const spec = FUNCTIONS.get(name);
    if (!spec) {
      const near = [...FUNCTIONS.keys()].find((known) => known.toLowerCase() === name.toLowerCase());
      this.fail(`Unknown intrinsic function '${name}'${near ? ` (did you mean ${near}?)` : ''}`, start);
    }
    this.calls += 1;
    if (this.calls > INTRINSIC_LIMITS.maxCalls) {
      this.fail(
        `Too many intrinsic functions: at most ${INTRINSIC_LIMITS.maxCalls} are allowed in one field`,
        start,
      );
    }
    this.pos += name.length;
    if (this.src[this.pos] !== '(') this.fail(`Expected '(' right after ${name}`);
    this.pos += 1;

    const args: IntrinsicArgument[] = [];
    const offsets: number[] = [];
    this.skipSpace();
    if (this.src[this.pos] === ')') {
      this.pos += 1;
    } else {
      for (;;) {
        this.skipSpace();
        offsets.push(this.pos);
        args.push(this.parseArgument());
        this.skipSpace();
        const ch = this.src[this.pos];
        this.pos += 1;
        if (ch === ',') continue;
        if (ch === ')') break;
        this.pos -= 1;
        if (ch === undefined) this.fail(`Unbalanced parentheses: '${name}(' is never closed`, start);
        this.fail(`Expected ',' or ')' after argument ${args.length} of ${name}, but found '${ch}'`);
      }
    }
    const call: IntrinsicCall = Object.freeze({ type: 'call', name, args: Object.freeze(args) });
    this.check(call, spec, offsets, start);
    return call;
  }

  private parseArgument(): IntrinsicArgument {
    const start = this.pos;
    const ch = this.src[start];
    if (ch === "'") return this.parseString();
    if (ch === '$') return Object.freeze({ type: 'path', path: this.scanPath() });
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.parseNumber();
    if (this.src.startsWith('States.', start)) return this.parseCall();
    WORD.lastIndex = start;
    const word = WORD.exec(this.src)?.[0];
    if (word !== undefined) {
      this.pos += word.length;
      if (word === 'true' || word === 'false')
        return Object.freeze({ type: 'boolean', value: word === 'true' });
      if (word === 'null') return Object.freeze({ type: 'null' });
      this.fail(`Unexpected '${word}': ${ARGUMENT_FORMS}`, start);
    }
    if (ch === undefined) this.fail(`Unexpected end of the expression: expected an argument`);
    if (ch === ',' || ch === ')') this.fail(`Missing argument: ${ARGUMENT_FORMS}`);
    if (ch === '"') this.fail(`Unexpected '"': string literals use single quotes`);
    this.fail(`Unexpected '${ch}': ${ARGUMENT_FORMS}`);
  }

  private parseString(): IntrinsicArgument {
    const start = this.pos;
    const src = this.src;
    let pos = start + 1;
    let value = '';
    let piece = '';
    let pieces: string[] | undefined;
    let escapedBrace = false;
    for (;;) {
      const ch = src[pos];
      if (ch === undefined) this.fail('Unterminated string literal', start);
      if (ch === "'") break;
      if (ch === '\\') {
        const next = src[pos + 1];
        if (next !== "'" && next !== '{' && next !== '}' && next !== '\\') {
          this.pos = pos;
          this.fail(
            next === undefined
              ? 'Unterminated string literal ending in a lone backslash'
              : `Invalid escape '\\${next}': only \\', \\{, \\} and \\\\ may follow a backslash`,
          );
        }
        if (next === '{' || next === '}') escapedBrace = true;
        value += next;
        piece += next;
        pos += 2;
      } else if (ch === '{' && src[pos + 1] === '}') {
        (pieces ??= []).push(piece);
        piece = '';
        value += '{}';
        pos += 2;
      } else {
        value += ch;
        piece += ch;
        pos += 1;
      }
    }
    this.pos = pos + 1;
    const arg: IntrinsicArgument = Object.freeze({ type: 'string', value });
    if (escapedBrace) literalPieces.set(arg, Object.freeze([...(pieces ?? []), piece]));
    return arg;
  }

  private parseNumber(): IntrinsicArgument {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const text = NUMBER.exec(this.src)?.[0];
    let end = start + (text?.length ?? 0);
    if (text === undefined || NUMBER_TAIL.test(this.src[end] ?? '')) {
      while (NUMBER_TAIL.test(this.src[end] ?? '')) end += 1;
      this.fail(`Invalid number '${this.src.slice(start, Math.max(end, start + 1))}'`, start);
    }
    const value = Number(text);
    if (!Number.isFinite(value)) this.fail(`Number ${text} is out of range`, start);
    this.pos = end;
    return Object.freeze({ type: 'number', value });
  }

  /**
   * Scans a JSONPath argument up to the `,` or `)` that ends it. Brackets, parentheses and quotes are
   * tracked so that filters such as `$.a[?(@.b == 'x, y')]` stay whole. The path's own syntax is the
   * path reader's business; here it only has to be balanced.
   */
  private scanPath(): string {
    const src = this.src;
    const start = this.pos;
    const closers: string[] = [];
    let quote: string | undefined;
    let pos = start;
    for (;;) {
      const ch = src[pos];
      if (ch === undefined) {
        this.pos = pos;
        if (quote) this.fail(`Unterminated quoted name in path '${src.slice(start)}'`, start);
        if (closers.length > 0) {
          this.fail(`Unbalanced brackets in path '${src.slice(start)}': missing '${closers.at(-1)}'`, start);
        }
        break;
      }
      if (quote) {
        if (ch === '\\') pos += 1;
        else if (ch === quote) quote = undefined;
      } else if (closers.length === 0 && (ch === ',' || ch === ')' || isSpace(ch))) {
        break;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
      } else if (ch === '[') {
        closers.push(']');
      } else if (ch === '(') {
        closers.push(')');
      } else if ((ch === ']' || ch === ')') && closers.pop() !== ch) {
        this.pos = pos;
        this.fail(`Unbalanced brackets in path: unexpected '${ch}'`);
      }
      pos += 1;
    }
    this.pos = pos;
    return src.slice(start, pos);
  }

  /** Parse-time checks: arity, literal types and ranges, nested return types, then constant folding. */
  private check(call: IntrinsicCall, spec: FunctionSpec, offsets: readonly number[], start: number): void {
    const { name, args } = call;
    const arity = arityProblem(name, spec, args.length);
    if (arity) this.fail(arity, start);
    args.forEach((arg, index) => {
      const param = paramAt(spec, index);
      const at = offsets[index] ?? start;
      const where = `${name} argument ${index + 1} (${param.label})`;
      if (arg.type === 'path') return;
      if (arg.type === 'call') {
        const returned = FUNCTIONS.get(arg.name)?.returns ?? 'any';
        if (!accepts(param.kind, returned)) {
          this.fail(
            `${where} must be ${KIND_TEXT[param.kind]}, but ${arg.name} returns ${KIND_TEXT[returned]}`,
            at,
          );
        }
        return;
      }
      if (param.noLiteral) this.fail(`${where} must be a path or an intrinsic function, not a literal`, at);
      if (!param.coerce) return;
      try {
        param.coerce(literalValue(arg));
      } catch (error) {
        if (error instanceof ArgumentRejected) this.fail(`${where} ${error.message}`, at);
        throw error;
      }
    });
    const problem = spec.check?.(call);
    if (problem) this.fail(problem.message, offsets[problem.argument] ?? start);
    // A call made only of literals gives the same result every time: run it now, so that e.g.
    // States.ArrayRange(1, 5000, 1) is reported when the definition is validated, not mid-execution.
    if (args.every(isConstant)) {
      try {
        compiledCall(call)(FOLDING_ENV);
      } catch (error) {
        if (error instanceof IntrinsicFailureError) this.fail(error.message, start);
        throw error;
      }
    }
  }
}

const ARGUMENT_FORMS =
  "an argument is a 'quoted string', a number, true, false, null, a path starting with '$', or an intrinsic function";

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

function isConstant(arg: IntrinsicArgument): boolean {
  if (arg.type === 'path') return false;
  return arg.type === 'call' ? arg.args.every(isConstant) : true;
}

function literalValue(arg: Exclude<IntrinsicArgument, IntrinsicCall | { readonly type: 'path' }>): Json {
  return arg.type === 'null' ? null : arg.value;
}

// ---------------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------------

type Evaluator = (env: IntrinsicEnvironment) => Json;

/** Compiled form of each parsed call; weak, so definitions that go away take their closures along. */
const compiledCalls = new WeakMap<IntrinsicCall, Evaluator>();

function compiledCall(call: IntrinsicCall): Evaluator {
  let evaluator = compiledCalls.get(call);
  if (evaluator === undefined) {
    evaluator = compileCall(call);
    compiledCalls.set(call, evaluator);
  }
  return evaluator;
}

/** Compiles a call. Calls built by hand (not by the parser) are checked here, failing at evaluation. */
function compileCall(call: IntrinsicCall): Evaluator {
  const spec = FUNCTIONS.get(call.name);
  if (!spec) throw failure(`Unknown intrinsic function '${call.name}'`);
  const arity = arityProblem(call.name, spec, call.args.length);
  if (arity) throw failure(arity);
  const evaluators = call.args.map((arg, index) =>
    compileArgument(call.name, index, paramAt(spec, index), arg),
  );
  const implementation = spec.build(call);
  const count = evaluators.length;
  return (env) => {
    const values: Json[] = [];
    for (let i = 0; i < count; i += 1) values.push((evaluators[i] as Evaluator)(env));
    return implementation(values, env);
  };
}

function compileArgument(name: string, index: number, param: Param, arg: IntrinsicArgument): Evaluator {
  const coerce = param.coerce;
  const where = `${name} argument ${index + 1} (${param.label})`;
  if (arg.type === 'call') {
    const inner = compiledCall(arg);
    return coerce ? (env) => checked(coerce, inner(env), where) : inner;
  }
  if (arg.type === 'path') {
    const path = arg.path;
    return coerce ? (env) => checked(coerce, env.readPath(path), where) : (env) => env.readPath(path);
  }
  const raw = literalValue(arg);
  const value = coerce ? checked(coerce, raw, where) : raw;
  return () => value;
}

function checked(coerce: (value: Json) => Json, value: Json, where: string): Json {
  try {
    return coerce(value);
  } catch (error) {
    if (error instanceof ArgumentRejected) throw failure(`${where} ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Implementations
// ---------------------------------------------------------------------------------------------------

function templatePieces(template: { readonly value: string }): readonly string[] {
  return literalPieces.get(template) ?? template.value.split('{}');
}

function checkFormatCall(call: IntrinsicCall): { message: string; argument: number } | undefined {
  const template = call.args[0];
  if (template?.type !== 'string') return undefined;
  const message = placeholderProblem(templatePieces(template).length - 1, call.args.length - 1);
  return message === undefined ? undefined : { message, argument: 0 };
}

function placeholderProblem(placeholders: number, values: number): string | undefined {
  if (placeholders === values) return undefined;
  return `States.Format: the template has ${plural(placeholders, "'{}' placeholder")} but ${plural(values, 'value')} follow it`;
}

/**
 * States.Format. A literal template is split at parse time, honouring `\{` and `\}`; a template read from
 * a path is taken as it is, every `{}` in it being a placeholder (its value went through no escaping).
 */
function buildFormat(call: IntrinsicCall): Implementation {
  const template = call.args[0];
  const literal = template?.type === 'string' ? templatePieces(template) : undefined;
  const max = INTRINSIC_LIMITS.maxFormatOutput;
  return (args) => {
    const pieces = literal ?? (args[0] as string).split('{}');
    const problem = placeholderProblem(pieces.length - 1, args.length - 1);
    if (problem) throw failure(problem);
    let out = pieces[0] as string;
    for (let i = 1; i < pieces.length; i += 1) {
      const value = args[i] as Json;
      out += (typeof value === 'string' ? value : String(value)) + (pieces[i] as string);
      if (out.length > max) throw failure(`States.Format: the result would exceed ${max} characters`);
    }
    return out;
  };
}

function parseJsonText(text: string): Json {
  const limit = INTRINSIC_LIMITS.maxJsonDepth;
  if (nestsDeeperThan(text, limit)) {
    throw failure(`States.StringToJson: the JSON text nests arrays/objects more than ${limit} levels deep`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw failure(`States.StringToJson: the argument is not valid JSON (${reason})`, { cause: error });
  }
}

/** A linear pre-scan, so that a pathologically deep text is refused before anything recurses over it. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

function partition(array: readonly Json[], size: number): Json[] {
  const chunks: Json[] = [];
  for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
  return chunks;
}

/**
 * States.ArrayRange: from `first` towards `last` (inclusive) by `step`. The size is computed before
 * anything is built, so an oversized range costs nothing. A step pointing away from `last` gives [].
 */
function range(first: number, last: number, step: number): Json[] {
  const count = Math.max(0, Math.floor((last - first) / step) + 1);
  const max = INTRINSIC_LIMITS.maxArrayRangeItems;
  if (count > max) {
    throw failure(
      `States.ArrayRange: the range ${first} to ${last} by ${step} has ${count} items; at most ${max} are allowed`,
    );
  }
  const items: Json[] = [];
  for (let i = 0; i < count; i += 1) items.push(first + i * step);
  return items;
}

function itemAt(array: readonly Json[], index: number): Json {
  if (index >= array.length) {
    throw failure(
      `States.ArrayGetItem: index ${index} is out of bounds for an array of ${plural(array.length, 'item')}`,
    );
  }
  return array[index] as Json;
}

/** States.ArrayUnique: keeps the first of each group of equal values (JSON equality), in order. */
function unique(array: readonly Json[]): Json[] {
  const seen = new Set<string>();
  const out: Json[] = [];
  for (const item of array) {
    const key = canonicalJson(item);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}

/** JSON text with object keys sorted, so that equal values (in the JSON sense) give equal strings. */
function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`).join(',')}}`;
}

/** JSON equality: same type and value; arrays in order; objects with the same keys in any order. */
function jsonEquals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEquals(item, b[i] as Json));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEquals(a[key] as Json, b[key] as Json),
  );
}

/**
 * States.StringSplit: every character (code point) of `delimiters` separates, and empty pieces are
 * dropped, as Step Functions records it (`",,,,"` split on `","` is `[]`; `", , ,"` is `[" ", " "]`).
 */
function splitOnAny(text: string, delimiters: string): string[] {
  const separators = new Set(delimiters);
  const pieces: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const width = (text.codePointAt(i) as number) > 0xffff ? 2 : 1;
    if (separators.has(text.slice(i, i + width))) {
      if (i > start) pieces.push(text.slice(start, i));
      start = i + width;
    }
    i += width;
  }
  if (text.length > start) pieces.push(text.slice(start));
  return pieces;
}

/** States.MathRandom: an integer in [start, end). With a seed, a function of the seed alone. */
function mathRandom(args: readonly Json[], env: IntrinsicEnvironment): Json {
  const start = args[0] as number;
  const end = args[1] as number;
  if (end <= start)
    throw failure(`States.MathRandom: the end (${end}) must be greater than the start (${start})`);
  const seed = args[2];
  const fraction = typeof seed === 'number' ? seededFraction(seed) : env.random();
  const span = end - start;
  return start + Math.min(span - 1, Math.floor(fraction * span));
}

/**
 * A number in [0, 1) that depends only on `seed`: two steps of mulberry32 (a small, well-mixed 32-bit
 * generator), giving 53 random bits. Hand-written because the engine may use neither Math.random (it
 * cannot be seeded) nor node modules. It is not AWS's generator: a seed gives the same number on every
 * Baton run, but not the number AWS would give for it.
 */
function seededFraction(seed: number): number {
  // Fold the whole safe-integer seed into 32 bits; the high part is mixed in so that seeds 2^32 apart differ.
  let state = (seed | 0) ^ Math.imul(Math.floor(seed / 0x1_0000_0000) | 0, 0x9e3779b9);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const high = next() >>> 5; // 27 bits
  const low = next() >>> 6; // 26 bits
  return (high * 0x400_0000 + low) / 0x20_0000_0000_0000;
}

/** States.UUID: an RFC 4122 version-4 UUID from 128 bits of env.random (32 bits per call). */
function uuidV4(random: () => number): string {
  const word = (): number => Math.floor(random() * 0x1_0000_0000) >>> 0;
  const a = word();
  const b = ((word() & 0xffff0fff) | 0x00004000) >>> 0; // version 4 in the high nibble of byte 6
  const c = ((word() & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx in the high bits of byte 8
  const d = word();
  const hex = [a, b, c, d].map((w) => w.toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function describe(value: Json): string {
  if (value === null) return 'null';
  const text = JSON.stringify(value);
  const preview = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  if (Array.isArray(value)) return `an array ${preview}`;
  if (typeof value === 'object') return `an object ${preview}`;
  return `the ${typeof value} ${preview}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------------
// UTF-8 and Base64
// ---------------------------------------------------------------------------------------------------

const utf8Encoder = new TextEncoder();
/** Malformed UTF-8 becomes U+FFFD, as in Java's `new String(bytes, UTF_8)`; a leading BOM is kept. */
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i += 1) BASE64_VALUES[BASE64_ALPHABET.charCodeAt(i)] = i;

/** Standard Base64 with `=` padding and no line breaks. */
function encodeBase64(bytes: Uint8Array): string {
  const symbol = (n: number): string => BASE64_ALPHABET.charAt(n & 63);
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += symbol(n >>> 18) + symbol(n >>> 12) + symbol(n >>> 6) + symbol(n);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] ?? 0) << 16) | (rest === 2 ? (bytes[i + 1] ?? 0) << 8 : 0);
    out += symbol(n >>> 18) + symbol(n >>> 12) + (rest === 2 ? symbol(n >>> 6) : '=') + '=';
  }
  return out;
}

/**
 * Decodes Base64. Whitespace (the line breaks of MIME Base64) is skipped; padding is optional but must
 * be right when present; any other character outside the alphabet fails.
 */
function decodeBase64(text: string): Uint8Array {
  const bytes = new Uint8Array(Math.ceil((text.length * 3) / 4));
  let length = 0;
  let buffer = 0;
  let bits = 0;
  let symbols = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) continue;
    if (code === 0x3d) {
      padding += 1;
      continue;
    }
    const value = code < 128 ? (BASE64_VALUES[code] ?? -1) : -1;
    if (value < 0)
      throw failure(`States.Base64Decode: '${text[i]}' at position ${i} is not a Base64 character`);
    if (padding > 0) throw failure(`States.Base64Decode: data follows the '=' padding at position ${i}`);
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    symbols += 1;
    if (bits >= 8) {
      bits -= 8;
      bytes[length] = buffer >>> bits;
      length += 1;
    }
  }
  if (symbols % 4 === 1)
    throw failure('States.Base64Decode: the data is truncated (one Base64 character too many)');
  if (padding > 0 && (padding > 2 || (symbols + padding) % 4 !== 0)) {
    throw failure('States.Base64Decode: the data has the wrong amount of "=" padding');
  }
  return bytes.subarray(0, length);
}

// ---------------------------------------------------------------------------------------------------
// Hashes (RFC 1321, FIPS 180-4)
//
// Written out because the engine may not import node:crypto, and WebCrypto's digest is asynchronous and
// lacks MD5. Inputs are at most 10,000 characters, so clarity wins over speed. Words are kept as int32.
// ---------------------------------------------------------------------------------------------------

type Digest = (bytes: Uint8Array) => string;

/** A tuple of `N` numbers, to destructure a hash state into named working variables. */
type Words<N extends number, T extends number[] = []> = T['length'] extends N ? T : Words<N, [...T, number]>;

/** Parses a hex string of 32-bit big-endian words. */
function hexWords(hex: string): Int32Array {
  const words = new Int32Array(hex.length / 8);
  for (let i = 0; i < words.length; i += 1) words[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return words;
}

// floor(|sin(i + 1)| * 2^32): precomputed rather than derived, so the result never depends on Math.sin.
const MD5_K = hexWords(
  'd76aa478e8c7b756242070dbc1bdceeef57c0faf4787c62aa8304613fd469501698098d88b44f7afffff5bb1895cd7be' +
    '6b901122fd987193a679438e49b40821f61e2562c040b340265e5a51e9b6c7aad62f105d02441453d8a1e681e7d3fbc8' +
    '21e1cde6c33707d6f4d50d87455a14eda9e3e905fcefa3f8676f02d98d2a4c8afffa39428771f6816d9d6122fde5380c' +
    'a4beea444bdecfa9f6bb4b60bebfbc70289b7ec6eaa127fad4ef308504881d05d9d4d039e6db99e51fa27cf8c4ac5665' +
    'f4292244432aff97ab9423a7fc93a039655b59c38f0ccc92ffeff47d85845dd16fa87e4ffe2ce6e0a30143144e0811a1' +
    'f7537e82bd3af2352ad7d2bbeb86d391',
);
const MD5_SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

// First 32 (SHA-256) or 64 (SHA-512) bits of the fractional parts of the cube roots of the first primes.
const SHA256_K = hexWords(
  '428a2f9871374491b5c0fbcfe9b5dba53956c25b59f111f1923f82a4ab1c5ed5d807aa9812835b01243185be550c7dc3' +
    '72be5d7480deb1fe9bdc06a7c19bf174e49b69c1efbe47860fc19dc6240ca1cc2de92c6f4a7484aa5cb0a9dc76f988da' +
    '983e5152a831c66db00327c8bf597fc7c6e00bf3d5a7914706ca63511429296727b70a852e1b21384d2c6dfc53380d13' +
    '650a7354766a0abb81c2c92e92722c85a2bfe8a1a81a664bc24b8b70c76c51a3d192e819d6990624f40e3585106aa070' +
    '19a4c1161e376c082748774c34b0bcb5391c0cb34ed8aa4a5b9cca4f682e6ff3748f82ee78a5636f84c878148cc70208' +
    '90befffaa4506cebbef9a3f7c67178f2',
);
const SHA512_K = hexWords(
  '428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc3956c25bf348b53859f111f1b605d019' +
    '923f82a4af194f9bab1c5ed5da6d8118d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e2' +
    '72be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694e49b69c19ef14ad2efbe4786384f25e3' +
    '0fc19dc68b8cd5b5240ca1cc77ac9c652de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5' +
    '983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4c6e00bf33da88fc2d5a79147930aa725' +
    '06ca6351e003826f142929670a0e6e7027b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df' +
    '650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353ba2bfe8a14cf10364a81a664bbc423001' +
    'c24b8b70d0f89791c76c51a30654be30d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b8' +
    '19a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8391c0cb3c5c95a634ed8aa4ae3418acb' +
    '5b9cca4f7763e373682e6ff3d6b2b8a3748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec' +
    '90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532bca273eceea26619cd186b8c721c0c207' +
    'eada7dd6cde0eb1ef57d4f7fee6ed17806f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b' +
    '28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c4cc5d4becb3e42b6597f299cfc657e2a' +
    '5fcb6fab3ad6faec6c44198c4a475817',
);
// Initial hash values: fractional parts of the square roots of the first 8 primes (SHA-384: primes 9 to 16).
const SHA256_IV = hexWords('6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19');
const SHA512_IV = hexWords(
  '6a09e667f3bcc908bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1' +
    '510e527fade682d19b05688c2b3e6c1f1f83d9abfb41bd6b5be0cd19137e2179',
);
const SHA384_IV = hexWords(
  'cbbb9d5dc1059ed8629a292a367cd5079159015a3070dd17152fecd8f70e5939' +
    '67332667ffc00b318eb44a8768581511db0c2e0d64f98fa747b5481dbefa4fa4',
);

const HASHES: ReadonlyMap<string, Digest> = new Map<string, Digest>([
  ['MD5', md5],
  ['SHA-1', sha1],
  ['SHA-256', sha256],
  ['SHA-384', (bytes) => sha512(bytes, SHA384_IV, 12)],
  ['SHA-512', (bytes) => sha512(bytes, SHA512_IV, 16)],
]);

/**
 * The message padded to whole blocks: a 1 bit, zeros, then the bit length in the last 8 bytes
 * (big-endian, or little-endian for MD5). Returned as a DataView to read words from.
 */
function padded(bytes: Uint8Array, blockSize: 64 | 128, littleEndian: boolean): DataView {
  const total = Math.ceil((bytes.length + 1 + blockSize / 8) / blockSize) * blockSize;
  const buffer = new Uint8Array(total);
  buffer.set(bytes);
  buffer[bytes.length] = 0x80;
  const view = new DataView(buffer.buffer);
  const bits = bytes.length * 8;
  const low = bits >>> 0;
  const high = Math.floor(bits / 0x1_0000_0000);
  if (littleEndian) {
    view.setUint32(total - 8, low, true);
    view.setUint32(total - 4, high, true);
  } else {
    view.setUint32(total - 8, high);
    view.setUint32(total - 4, low);
  }
  return view;
}

function hex(words: ArrayLike<number>, count: number = words.length): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += ((words[i] as number) >>> 0).toString(16).padStart(8, '0');
  return out;
}

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
/** Reverses the bytes of a word: MD5's output is little-endian. */
const swap = (x: number): number =>
  ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

function md5(bytes: Uint8Array): string {
  const view = padded(bytes, 64, true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let block = 0; block < view.byteLength; block += 64) {
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i += 1) {
      const round = i >>> 4;
      let f: number;
      let g: number;
      if (round === 0) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (round === 1) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (round === 2) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const x = (a + f + (MD5_K[i] as number) + view.getInt32(block + g * 4, true)) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + rotl(x, MD5_SHIFTS[(round << 2) | (i & 3)] as number)) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  return hex([swap(a0), swap(b0), swap(c0), swap(d0)]);
}

function sha1(bytes: Uint8Array): string {
  const view = padded(bytes, 64, false);
  const w = new Int32Array(80);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < view.byteLength; block += 64) {
    for (let t = 0; t < 16; t += 1) w[t] = view.getInt32(block + t * 4);
    for (let t = 16; t < 80; t += 1) {
      w[t] = rotl(
        (w[t - 3] as number) ^ (w[t - 8] as number) ^ (w[t - 14] as number) ^ (w[t - 16] as number),
        1,
      );
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t += 1) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (rotl(a, 5) + f + e + k + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return hex([h0, h1, h2, h3, h4]);
}

function sha256(bytes: Uint8Array): string {
  const view = padded(bytes, 64, false);
  const state = Int32Array.from(SHA256_IV);
  const w = new Int32Array(64);
  for (let block = 0; block < view.byteLength; block += 64) {
    for (let t = 0; t < 16; t += 1) w[t] = view.getInt32(block + t * 4);
    for (let t = 16; t < 64; t += 1) {
      const w15 = w[t - 15] as number;
      const w2 = w[t - 2] as number;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w[t] = (w[t - 16] as number) + s0 + (w[t - 7] as number) + s1; // the Int32Array store wraps mod 2^32
    }
    let [a, b, c, d, e, f, g, h] = Array.from(state) as Words<8>;
    for (let t = 0; t < 64; t += 1) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + s1 + ch + (SHA256_K[t] as number) + (w[t] as number)) | 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + s0 + maj) | 0;
    }
    [a, b, c, d, e, f, g, h].forEach((value, i) => {
      state[i] = (state[i] as number) + value;
    });
  }
  return hex(state);
}

/**
 * SHA-512 (and SHA-384, which differs only in its initial values and in keeping 12 of the 16 output
 * words). 64-bit words are pairs of int32 (high, low); additions carry from the low half by hand.
 */
function sha512(bytes: Uint8Array, iv: Int32Array, outputWords: number): string {
  const view = padded(bytes, 128, false);
  const state = Int32Array.from(iv);
  const wh = new Int32Array(80);
  const wl = new Int32Array(80);
  const k = SHA512_K;
  const TWO_32 = 0x1_0000_0000;
  for (let block = 0; block < view.byteLength; block += 128) {
    for (let t = 0; t < 16; t += 1) {
      wh[t] = view.getInt32(block + t * 8);
      wl[t] = view.getInt32(block + t * 8 + 4);
    }
    for (let t = 16; t < 80; t += 1) {
      // sigma0 = rotr 1 ^ rotr 8 ^ shr 7
      let xh = wh[t - 15] as number;
      let xl = wl[t - 15] as number;
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
      // sigma1 = rotr 19 ^ rotr 61 ^ shr 6
      xh = wh[t - 2] as number;
      xl = wl[t - 2] as number;
      const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
      const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
      const lo = (s1l >>> 0) + ((wl[t - 7] as number) >>> 0) + (s0l >>> 0) + ((wl[t - 16] as number) >>> 0);
      wl[t] = lo;
      wh[t] = s1h + (wh[t - 7] as number) + s0h + (wh[t - 16] as number) + Math.floor(lo / TWO_32);
    }
    let [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl] = Array.from(state) as Words<16>;
    for (let t = 0; t < 80; t += 1) {
      // Sigma1(e) = rotr 14 ^ rotr 18 ^ rotr 41
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1lo =
        (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + ((k[t * 2 + 1] as number) >>> 0) + ((wl[t] as number) >>> 0);
      const t1h = (hh + S1h + chh + (k[t * 2] as number) + (wh[t] as number) + Math.floor(t1lo / TWO_32)) | 0;
      const t1l = t1lo >>> 0;
      // Sigma0(a) = rotr 28 ^ rotr 34 ^ rotr 39
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2lo = (S0l >>> 0) + (majl >>> 0);
      const t2h = (S0h + majh + Math.floor(t2lo / TWO_32)) | 0;
      const t2l = t2lo >>> 0;
      hh = gh;
      hl = gl;
      gh = fh;
      gl = fl;
      fh = eh;
      fl = el;
      const elo = (dl >>> 0) + t1l;
      eh = (dh + t1h + Math.floor(elo / TWO_32)) | 0;
      el = elo | 0;
      dh = ch;
      dl = cl;
      ch = bh;
      cl = bl;
      bh = ah;
      bl = al;
      const alo = t1l + t2l;
      ah = (t1h + t2h + Math.floor(alo / TWO_32)) | 0;
      al = alo | 0;
    }
    const out = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
    for (let i = 0; i < 16; i += 2) {
      const lo = ((state[i + 1] as number) >>> 0) + ((out[i + 1] as number) >>> 0);
      state[i] = (state[i] as number) + (out[i] as number) + Math.floor(lo / TWO_32);
      state[i + 1] = lo;
    }
  }
  return hex(state, outputWords);
}

// ---------------------------------------------------------------------------------------------
// Shared with JSONata mode's added functions ($hash, $uuid, $random), which compute the same things
// ---------------------------------------------------------------------------------------------

/** The hash algorithms States.Hash and `$hash` accept. */
export const HASH_ALGORITHMS: readonly string[] = [...HASHES.keys()];

/** The hex digest of `text` (UTF-8) by `algorithm`, one of {@link HASH_ALGORITHMS}; undefined for another name. */
export function hashText(text: string, algorithm: string): string | undefined {
  const digest = HASHES.get(algorithm);
  return digest === undefined ? undefined : digest(utf8Encoder.encode(text));
}

/** An RFC 4122 version-4 UUID drawn from `random`. */
export function randomUuid(random: () => number): string {
  return uuidV4(random);
}

/** A number in [0, 1) that depends on `seed` alone (not the number AWS gives for that seed). */
export function seededRandom(seed: number): number {
  return seededFraction(seed);
}
