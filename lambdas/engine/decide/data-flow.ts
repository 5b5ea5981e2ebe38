/**
 * Data flow shared by the state types: InputPath, ResultSelector, ResultPath, OutputPath, reads of
 * `...Path` fields, the context object (`$$`), payload size limits and ISO timestamps.
 */
import type { CompiledState } from '../compile.js';
import { DataLimitExceededError, StatesRuntimeError, type StatesError } from '../errors.js';
import type { CompensationEntry, Thread } from '../execution.js';
import type { Json, JsonObject } from '../json.js';
import { compileReferencePath, readPath, truncate, writePath, type CompiledPath } from '../json-path.js';
import { evaluateTemplate, type TemplateScope } from '../payload-template.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';

/** Applies a state's InputPath to `input`. */
export function inputPath(d: Decider, thread: Thread, state: CompiledState, input: Json): Json {
  const path = state.inputPath;
  const context = path?.root === 'context' ? contextObject(d, thread, undefined) : null;
  return applyInputPath(path, input, context, state.name, 'InputPath');
}

/** Applies a state's OutputPath to `output`. */
export function outputPath(d: Decider, thread: Thread, state: CompiledState, output: Json): Json {
  const path = state.outputPath;
  const context = path?.root === 'context' ? contextObject(d, thread, undefined) : null;
  return applyInputPath(path, output, context, state.name, 'OutputPath');
}

/** Places `result` into the raw `input` as the state's ResultPath says. */
export function resultPath(state: CompiledState, input: Json, result: Json): Json {
  const path = state.resultPath;
  if (path === null) return input;
  if (path === undefined) return result;
  return writePath(input, path, result);
}

/**
 * Completes a state that produced `result` (a task's output, a Parallel's or Map's results):
 * ResultSelector, ResultPath and OutputPath, then the exit. A data-flow error fails the state.
 */
export function completeWithResult(d: Decider, thread: Thread, state: CompiledState, result: Json): Outcome {
  const selected = state.resultSelector
    ? evaluateTemplate(state.resultSelector, templateScope(d, thread, result))
    : result;
  return d.complete(
    thread,
    state,
    outputPath(d, thread, state, resultPath(state, thread.active.input, selected)),
  );
}

/** Reads a `...Path` field of a state; a missing value is `States.Runtime`. */
export function readRequired(d: Decider, thread: Thread, source: string, input: Json, field: string): Json {
  const path = compileReferencePath(source);
  const result = readPath(path, input, path.root === 'context' ? contextObject(d, thread, undefined) : null);
  if (!result.found) {
    throw new StatesRuntimeError(
      `The ${field} '${source}' could not be found in the input ${truncate(JSON.stringify(input))}`,
    );
  }
  return result.value;
}

/** A number of seconds given as a value or a `...Path` (which must select a positive integer). */
export function seconds(
  d: Decider,
  thread: Thread,
  value: number | undefined,
  path: string | undefined,
  input: Json,
  field: string,
): number | undefined {
  if (value !== undefined) return value;
  if (path === undefined) return undefined;
  const read = readRequired(d, thread, path, input, field);
  if (typeof read !== 'number' || !Number.isInteger(read) || read <= 0) {
    throw new StatesRuntimeError(
      `The ${field} '${path}' must select a positive integer, got ${truncate(JSON.stringify(read))}`,
    );
  }
  return read;
}

/** A `States.DataLimitExceeded` error when `value` is over the payload limit. */
export function sizeError(d: Decider, value: Json, what: string): StatesError | undefined {
  const limit = d.maxPayloadBytes;
  // Most payloads are far below the limit: a bounded walk proves it without serialising them.
  if (jsonSizeUpperBound(value, limit) <= limit) return undefined;
  const text = JSON.stringify(value) ?? 'null';
  if (text.length * 3 <= limit) return undefined;
  const bytes = utf8Length(text);
  if (bytes <= limit) return undefined;
  return new DataLimitExceededError(`${what} has ${bytes} bytes, more than the limit of ${limit}`);
}

/** The UTF-8 length of `text`, counted without encoding it (the payload limit is in bytes). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is one code point of 4 bytes: 2 code units, 2 more bytes.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** What a payload template or intrinsic of a state sees: its input, `$$` and random draws. */
export function templateScope(d: Decider, thread: Thread, input: Json, token?: string): TemplateScope {
  let context: Json | undefined;
  return {
    input,
    random: () => d.random(),
    context: () => (context ??= contextObject(d, thread, token)),
  };
}

/** What a compensation's Parameters see: like a task's, with the compensated state's name. */
export function compensationScope(
  d: Decider,
  entry: CompensationEntry,
  input: Json,
  token: string,
): TemplateScope {
  let context: Json | undefined;
  return {
    input,
    random: () => d.random(),
    context: () =>
      (context ??= {
        ...executionContext(d),
        State: { EnteredTime: d.timestamp, Name: entry.stateName, RetryCount: 0 },
        Task: { Token: token },
      }),
  };
}

/** The context value a path selects when it starts with `$$`, else null. */
export function pathContext(path: string, scope: TemplateScope): Json {
  return path.startsWith('$$') ? scope.context() : null;
}

/** Applies an InputPath or OutputPath: `null` gives `{}`, a missing path is `States.Runtime`. */
export function applyInputPath(
  path: CompiledPath | null | undefined,
  input: Json,
  context: Json,
  stateName: string,
  field: string,
): Json {
  if (path === undefined) return input;
  if (path === null) return {};
  const result = readPath(path, input, context);
  if (!result.found) {
    const doc = path.root === 'context' ? context : input;
    throw new StatesRuntimeError(
      `Invalid path '${path.source}' (${field} of state '${stateName}'): no results in ${truncate(JSON.stringify(doc))}`,
    );
  }
  return result.value;
}

let lastIsoMs = Number.NaN;
let lastIso = '';

/** ISO 8601 text of epoch milliseconds, memoised: many decisions share the same millisecond. */
export function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

function executionContext(d: Decider): JsonObject {
  const exec = d.exec;
  return {
    Execution: {
      Id: exec.executionId,
      Input: exec.input,
      Name: exec.name,
      StartTime: isoTime(exec.startTime),
      RedriveCount: exec.redriveCount,
    },
    StateMachine: { Id: d.env.workflow.arn, Name: d.env.workflow.name },
  };
}

function contextObject(d: Decider, thread: Thread, token: string | undefined): Json {
  const { active } = thread;
  const context: JsonObject = {
    ...executionContext(d),
    State: {
      EnteredTime: isoTime(active.enteredAt),
      Name: active.name,
      RetryCount: active.attempt - 1,
    },
  };
  if (token !== undefined) context.Task = { Token: token };
  return context;
}

/**
 * An upper bound of the UTF-8 size of `value` as JSON, walking at most until it exceeds `limit`
 * (then returns a number above it). A string counts 6 bytes per UTF-16 unit (the worst case, a
 * `\u0000` escape), so a result at or under `limit` is a proof the value fits.
 */
function jsonSizeUpperBound(value: Json, limit: number): number {
  let total = 0;
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const node = stack.pop() as Json;
    if (node === null || typeof node === 'boolean') total += 5;
    else if (typeof node === 'number') total += 24;
    else if (typeof node === 'string') total += 6 * node.length + 2;
    else if (Array.isArray(node)) {
      total += 2 + node.length;
      for (const item of node) stack.push(item);
    } else {
      for (const key in node) {
        total += 6 * key.length + 4;
        stack.push(node[key] as Json);
      }
      total += 2;
    }
    if (total > limit) return total;
  }
  return total;
}
