/**
 * JSONPath as Amazon States Language uses it.
 *
 * - A *reference path* (`$`, `$.a.b`, `$['a b'][0]`, `$$.Execution.Id`) names one node. It is what
 *   ResultPath takes, and what most other path fields use. Baton reads these itself: they are
 *   the hot path of every state and a walk over a few keys is all they need.
 * - Any other JSONPath (wildcards, slices, filters, recursive descent, unions) is evaluated by the
 *   `jsonpath-plus` library. Like Step Functions (Jayway JsonPath), an indefinite path yields an
 *   array of its matches, possibly empty. A path ending in several quoted names
 *   (`$[*]['bucket','key']`) is read here, as Jayway reads it: each node reduced to those names.
 *
 * `$$` paths read the context object instead of the state's input.
 */
import { JSONPath } from 'jsonpath-plus';
import { ResultPathMatchFailureError, StatesRuntimeError } from './errors.js';
import { isJsonObject, type Json, type JsonObject } from './json.js';

/** One step of a reference path: an object key or an array index. */
export type PathSegment = string | number;

/** A path compiled once and read many times. */
export interface CompiledPath {
  readonly source: string;
  /** `input` for `$...`, `context` for `$$...`. */
  readonly root: 'input' | 'context';
  /** Set for reference paths: the keys and indexes to walk. */
  readonly segments: readonly PathSegment[] | undefined;
  /** True when the path may match several nodes (its value is then the array of matches). */
  readonly indefinite: boolean;
  /** The path given to jsonpath-plus, rooted at `$`, when `segments` and `merge` are not set. */
  readonly query: string | undefined;
  /**
   * Set for a path ending in several quoted names (`$[*]['bucket','key']`): the path before them,
   * and the names each node it selects is reduced to (Jayway JsonPath's multi-property leaf).
   */
  readonly merge?: { readonly base: CompiledPath; readonly names: readonly string[] };
}

/** A path that is not valid JSONPath, or not valid where it is used. */
export class PathSyntaxError extends Error {
  override readonly name = 'PathSyntaxError';
}

/** The outcome of reading a path: whether it matched, and the value when it did. */
export type PathReadResult = { readonly found: true; readonly value: Json } | { readonly found: false };

const NOT_FOUND: PathReadResult = { found: false };
const CACHE_LIMIT = 10_000;
const cache = new Map<string, CompiledPath>();

/**
 * Compiles a JSONPath. Throws {@link PathSyntaxError} naming what is wrong.
 * Results are memoised: paths come from definitions, which are few and reused.
 */
export function compilePath(path: string): CompiledPath {
  const cached = cache.get(path);
  if (cached) return cached;
  const compiled = compileUncached(path);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(path, compiled);
  return compiled;
}

/** Compiles a reference path (single node; no wildcards, filters, slices or unions). */
export function compileReferencePath(path: string): CompiledPath {
  const compiled = compilePath(path);
  if (!compiled.segments) {
    throw new PathSyntaxError(
      `'${path}' is not a reference path: it must name a single node (no '*', '..', '?', ',', ':' or '@')`,
    );
  }
  return compiled;
}

/** True when `path` is valid JSONPath. */
export function isValidPath(path: string): boolean {
  try {
    compilePath(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a valid reference path. */
export function isValidReferencePath(path: string): boolean {
  try {
    compileReferencePath(path);
    return true;
  } catch {
    return false;
  }
}

function compileUncached(path: string): CompiledPath {
  if (typeof path !== 'string' || !path.startsWith('$')) {
    throw new PathSyntaxError(`'${String(path)}' is not a JSONPath: it must start with '$'`);
  }
  const root = path.startsWith('$$') ? 'context' : 'input';
  const rest = dropDotsBeforeBrackets(root === 'context' ? path.slice(2) : path.slice(1));
  const segments = parseReferenceSegments(rest);
  if (segments) return { source: path, root, segments, indefinite: false, query: undefined };
  const merge = MULTI_PROPERTY_LEAF.exec(rest);
  if (merge) {
    const base = compilePath(`${root === 'context' ? '$$' : '$'}${rest.slice(0, merge.index)}`);
    const names = (merge[0].match(QUOTED_NAME) ?? []).map((quoted) =>
      quoted.slice(1, -1).replace(/\\(.)/g, '$1'),
    );
    return {
      source: path,
      root,
      segments: undefined,
      indefinite: base.indefinite,
      query: undefined,
      merge: { base, names },
    };
  }
  const query = `$${rest}`;
  validateQuery(path, query);
  return { source: path, root, segments: undefined, indefinite: isIndefinite(rest), query };
}

/**
 * Step Functions reads paths with Jayway JsonPath, where a `.` followed by `[` is only a separator:
 * `$.a.[0]` is `$.a[0]` and `$.[?(@.x)]` is `$[?(@.x)]`. jsonpath-plus would read `.[` as
 * recursive descent, so that dot is dropped here (outside quoted names; `..[` stays a descent).
 */
function dropDotsBeforeBrackets(rest: string): string {
  if (!rest.includes('.[')) return rest;
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (quote) {
      if (ch === '\\') {
        out += ch + (rest[i + 1] ?? '');
        i += 1;
        continue;
      }
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '.' && rest[i + 1] === '[' && rest[i - 1] !== '.') {
      continue;
    }
    out += ch;
  }
  return out;
}

const QUOTED_NAME = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;
/** Two or more quoted names in one bracket at the end of a path: `['bucket', 'key']`. */
const MULTI_PROPERTY_LEAF = new RegExp(
  `\\[\\s*(?:${QUOTED_NAME.source})(?:\\s*,\\s*(?:${QUOTED_NAME.source}))+\\s*\\]$`,
);

const DOT_NAME = /^\.([^.[\]\s'"*@?,:()]+)/;
const BRACKET_INDEX = /^\[\s*(\d+)\s*\]/;
const BRACKET_QUOTED = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]|^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/;

/** Parses `.a['b'][0]`-style steps; undefined when the path uses anything beyond them. */
function parseReferenceSegments(rest: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let remaining = rest;
  while (remaining.length > 0) {
    let match = DOT_NAME.exec(remaining);
    if (match) {
      segments.push(match[1] as string);
    } else if ((match = BRACKET_INDEX.exec(remaining))) {
      segments.push(Number(match[1]));
    } else if ((match = BRACKET_QUOTED.exec(remaining))) {
      const raw = (match[1] ?? match[2]) as string;
      segments.push(raw.replace(/\\(.)/g, '$1'));
    } else {
      return undefined;
    }
    remaining = remaining.slice(match[0].length);
  }
  return segments;
}

function isIndefinite(rest: string): boolean {
  return /\*|\.\.|\?|,|:|@/.test(rest);
}

function validateQuery(original: string, query: string): void {
  if (/^\$\s*$/.test(query)) return;
  if (!/^\$(\.|\[)/.test(query)) {
    throw new PathSyntaxError(`'${original}' is not a valid JSONPath: '$' must be followed by '.' or '['`);
  }
  if (/\.\s*$|\[\s*\]|\.\.\./.test(query)) {
    throw new PathSyntaxError(`'${original}' is not a valid JSONPath`);
  }
  let depth = 0;
  let quote: string | undefined;
  for (const ch of query) {
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[' || ch === '(') depth += 1;
    else if (ch === ']' || ch === ')') {
      depth -= 1;
      if (depth < 0) throw new PathSyntaxError(`'${original}' is not a valid JSONPath: unbalanced brackets`);
    }
  }
  if (depth !== 0 || quote)
    throw new PathSyntaxError(`'${original}' is not a valid JSONPath: unbalanced brackets or quotes`);
}

/** Reads a compiled path from the state input (`$`) or the context object (`$$`). */
export function readPath(path: CompiledPath, input: Json, context: Json): PathReadResult {
  const doc = path.root === 'context' ? context : input;
  const segments = path.segments;
  if (segments) {
    let node: Json = doc;
    for (const segment of segments) {
      if (typeof segment === 'number') {
        if (!Array.isArray(node) || segment >= node.length) return NOT_FOUND;
        node = node[segment] as Json;
      } else {
        if (!isJsonObject(node) || !Object.prototype.hasOwnProperty.call(node, segment)) return NOT_FOUND;
        node = node[segment] as Json;
      }
    }
    return { found: true, value: node };
  }
  if (path.merge) return readMerged(path.merge, input, context);
  let matches: Json[] | undefined;
  try {
    matches = JSONPath({
      path: path.query as string,
      json: doc as JsonObject,
      wrap: true,
      eval: FilterScript,
    }) as Json[] | undefined;
  } catch (error) {
    throw new StatesRuntimeError(
      `The JSONPath '${path.source}' could not be evaluated: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (path.indefinite) return { found: true, value: matches ?? [] };
  if (!matches || matches.length === 0) return NOT_FOUND;
  return { found: true, value: matches[0] as Json };
}

/**
 * Jayway JsonPath's multi-property leaf (PropertyPathToken, merge case): each object the base path
 * selects becomes an object of the named properties it has (missing ones are left out, and a node
 * that is not an object is skipped); a definite base gives that one object.
 */
function readMerged(merge: NonNullable<CompiledPath['merge']>, input: Json, context: Json): PathReadResult {
  const base = readPath(merge.base, input, context);
  if (!base.found) return NOT_FOUND;
  const pick = (node: Json): JsonObject | undefined => {
    if (!isJsonObject(node)) return undefined;
    const picked: JsonObject = {};
    for (const name of merge.names) {
      if (Object.prototype.hasOwnProperty.call(node, name)) picked[name] = node[name] as Json;
    }
    return picked;
  };
  if (!merge.base.indefinite) {
    const picked = pick(base.value);
    return picked ? { found: true, value: picked } : NOT_FOUND;
  }
  const nodes = Array.isArray(base.value) ? base.value : [];
  return { found: true, value: nodes.flatMap((node) => pick(node) ?? []) };
}

const SafeScript = (JSONPath.prototype as unknown as { safeVm: { Script: FilterScriptClass } }).safeVm.Script;

interface FilterScriptClass {
  new (expression: string): { runInNewContext(context: object): unknown };
}

/**
 * Evaluates a filter expression (`[?(...)]`) for one node with jsonpath-plus's safe evaluator, the
 * way Jayway JsonPath (Step Functions' JSONPath) treats a path the node does not have: in
 * `[?(@.a.b.c > 1)]` on `{"a": 1}`, `@.a.b.c` does not exist, so the node does not match (Jayway's
 * filter evaluation reads a missing path as no value) instead of the whole path failing. Anything
 * else, such as an unquoted word (`@.lang==es`, which Jayway's FilterCompiler cannot parse), still
 * fails the path.
 */
class FilterScript {
  /** jsonpath-plus keys its script cache on `String(eval) + expression`. */
  static toString(): string {
    return 'baton-filter';
  }

  private readonly script: { runInNewContext(context: object): unknown };

  constructor(expression: string) {
    this.script = new SafeScript(expression);
  }

  runInNewContext(context: object): unknown {
    try {
      return this.script.runInNewContext(context);
    } catch (error) {
      if (error instanceof TypeError) return false;
      throw error;
    }
  }
}

/**
 * Writes `value` at a reference path inside `doc` and returns the new document; `doc` is not
 * changed (the objects along the path are copied). Missing objects along the path are created.
 * Throws `States.ResultPathMatchFailure` when the path crosses a value that is not an object.
 */
export function writePath(doc: Json, path: CompiledPath, value: Json): Json {
  const segments = path.segments;
  if (!segments || path.root !== 'input') {
    throw new ResultPathMatchFailureError(
      `ResultPath '${path.source}' is not a reference path into the state input`,
    );
  }
  if (segments.length === 0) return value;
  return writeAt(doc, segments, 0, value, path.source);
}

function writeAt(
  node: Json,
  segments: readonly PathSegment[],
  index: number,
  value: Json,
  source: string,
): Json {
  const segment = segments[index] as PathSegment;
  const last = index === segments.length - 1;
  if (typeof segment === 'number') {
    if (!Array.isArray(node) || segment >= node.length) {
      throw new ResultPathMatchFailureError(
        `Unable to apply ResultPath '${source}': index ${segment} is outside the array or the node is not an array`,
      );
    }
    const copy = node.slice();
    copy[segment] = last ? value : writeAt(node[segment] as Json, segments, index + 1, value, source);
    return copy;
  }
  if (!isJsonObject(node)) {
    throw new ResultPathMatchFailureError(
      `Unable to apply ResultPath '${source}' to input ${truncate(JSON.stringify(node))}: '${segment}' cannot be set on a ${describe(node)}`,
    );
  }
  const child = Object.prototype.hasOwnProperty.call(node, segment) ? (node[segment] as Json) : undefined;
  const next = last ? value : writeAt(child === undefined ? {} : child, segments, index + 1, value, source);
  const copy: JsonObject = { ...node };
  copy[segment] = next;
  return copy;
}

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Shortens a JSON text for an error message. */
export function truncate(text: string | undefined, max = 256): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
