/**
 * Data flow shared by the state types: InputPath, ResultSelector, ResultPath, OutputPath, reads of
 * `...Path` fields, the context object (`$$`), payload size limits and ISO timestamps.
 */
import type { CompiledAssign } from '../assign.js';
import type { CompiledState } from '../compile.js';
import {
  DataLimitExceededError,
  QueryEvaluationError,
  StatesRuntimeError,
  type StatesError,
} from '../errors.js';
import type { CompensationEntry, Thread } from '../execution.js';
import { isJsonObject, type Json, type JsonObject } from '../json.js';
import { compileReferencePath, readPath, truncate, writePath, type CompiledPath } from '../json-path.js';
import {
  evaluateJsonataTemplate,
  type JsonataScope,
  type JsonataStates,
  type JsonataTemplate,
} from '../jsonata/query.js';
import { evaluateTemplate, type TemplateScope } from '../payload-template.js';
import { compileVariablePath, readVariablePath } from '../variable-path.js';
import type { Decider } from './decider.js';
import { jsonSizeUpperBound, utf8Length } from './json-size.js';
import type { Outcome } from './outcome.js';
import { assignVariables, variableOf, variablesOf } from './variables.js';

/** Applies a state's InputPath to `input`. */
export function inputPath(d: Decider, thread: Thread, state: CompiledState, input: Json): Json {
  if (state.inputVariable) return readRequired(d, thread, state.inputVariable.source, input, 'InputPath');
  const path = state.inputPath;
  const context = path?.root === 'context' ? contextObject(d, thread, undefined) : null;
  return applyInputPath(path, input, context, state.name, 'InputPath');
}

/** Applies a state's OutputPath to `output`. */
export function outputPath(d: Decider, thread: Thread, state: CompiledState, output: Json): Json {
  if (state.outputVariable) return readRequired(d, thread, state.outputVariable.source, output, 'OutputPath');
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
  if (state.jsonata) return completeJsonata(d, thread, state, { result }, result);
  const selected = state.resultSelector
    ? evaluateTemplate(state.resultSelector, templateScope(d, thread, result))
    : result;
  const assigned = state.assign ? evaluateAssign(d, thread, state.assign, selected, undefined) : undefined;
  return exitState(
    d,
    thread,
    state,
    outputPath(d, thread, state, resultPath(state, thread.active.input, selected)),
    assigned,
  );
}

/**
 * Completes a JSONata state: its Output (by default `fallback`: the result, or the input of a
 * state without one) and its Assign, both seeing `$states` and the variables from before the
 * state's own Assign.
 */
export function completeJsonata(
  d: Decider,
  thread: Thread,
  state: CompiledState,
  extra: { readonly result?: Json },
  fallback: Json,
): Outcome {
  const fields = state.jsonata as NonNullable<CompiledState['jsonata']>;
  const scope = jsonataScope(d, thread, thread.active.input, extra);
  const output = fields.output ? evaluateJsonataTemplate(fields.output, scope) : fallback;
  const assigned = state.assign ? evaluateAssign(d, thread, state.assign, null, scope) : undefined;
  return exitState(d, thread, state, output, assigned);
}

/** The state exits with `output`; the values its Assign evaluated (if any) take effect first. */
export function exitState(
  d: Decider,
  thread: Thread,
  state: CompiledState,
  output: Json,
  assigned: JsonObject | undefined,
): Outcome {
  return d.complete(thread, state, output, assigned ? assignVariables(d, thread, assigned) : undefined);
}

/**
 * Evaluates an Assign block. A JSONPath one reads `jsonPathInput` as `$` (the state's result, or
 * its input where there is none); a JSONata one sees `scope`.
 */
export function evaluateAssign(
  d: Decider,
  thread: Thread,
  assign: CompiledAssign,
  jsonPathInput: Json,
  scope: JsonataScope | undefined,
): JsonObject {
  const values =
    assign.language === 'JSONata'
      ? evaluateJsonataTemplate(assign.template, scope ?? jsonataScope(d, thread, thread.active.input, {}))
      : evaluateTemplate(assign.template, templateScope(d, thread, jsonPathInput));
  return values as JsonObject;
}

/** What the `{% %}` expressions of a state see: `$states`, the variables in scope, the added functions. */
export function jsonataScope(
  d: Decider,
  thread: Thread,
  input: Json,
  extra: {
    readonly result?: Json;
    readonly errorOutput?: Json;
    readonly token?: string;
    readonly context?: (base: JsonObject) => JsonObject;
  },
): JsonataScope {
  const states: Record<string, Json> = { input };
  // The context object is built only for a state whose expressions may read it (compile.ts).
  if (d.state(thread.scope, thread.active.name).jsonata?.usesContext !== false) {
    const base = contextObject(d, thread, extra.token) as JsonObject;
    states.context = extra.context ? extra.context(base) : base;
  }
  if (extra.result !== undefined) states.result = extra.result;
  if (extra.errorOutput !== undefined) states.errorOutput = extra.errorOutput;
  return {
    states: states as unknown as JsonataStates,
    variables: variablesOf(d, thread),
    functions: d.jsonataFunctions(),
    now: d.env.now,
  };
}

/** Evaluates a JSONata field that must give a positive (or, with `min: 0`, non-negative) integer. */
export function jsonataInteger(
  template: JsonataTemplate,
  scope: JsonataScope,
  field: string,
  min: 0 | 1,
): number {
  const value = evaluateJsonataTemplate(template, scope);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new QueryEvaluationError(
      `The value of the field '${field}' must be a ${min === 1 ? 'positive' : 'non-negative'} integer, got ${truncate(JSON.stringify(value))}`,
    );
  }
  return value;
}

/** Evaluates a JSONata field that must give a string. */
export function jsonataString(template: JsonataTemplate, scope: JsonataScope, field: string): string {
  const value = evaluateJsonataTemplate(template, scope);
  if (typeof value !== 'string') {
    throw new QueryEvaluationError(
      `The value of the field '${field}' must be a string, got ${truncate(JSON.stringify(value))}`,
    );
  }
  return value;
}

/** True when `value` is a JSON object (for an Assign result and the like). */
export function isObjectValue(value: Json): value is JsonObject {
  return isJsonObject(value);
}

/** Reads a `...Path` field of a state; a missing value is `States.Runtime`. */
export function readRequired(d: Decider, thread: Thread, source: string, input: Json, field: string): Json {
  const variable = compileVariablePath(source);
  if (variable) {
    const value = variableOf(d, thread, variable.name);
    const read = readVariablePath(variable, value);
    if (!read.found) {
      throw new StatesRuntimeError(
        value === undefined
          ? `The ${field} '${source}' reads the variable '$${variable.name}', which is not set`
          : `The ${field} '${source}' could not be found in the variable '$${variable.name}' ${truncate(JSON.stringify(value))}`,
      );
    }
    return read.value;
  }
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

/** What a payload template or intrinsic of a state sees: its input, `$$` and random draws. */
export function templateScope(d: Decider, thread: Thread, input: Json, token?: string): TemplateScope {
  let context: Json | undefined;
  return {
    input,
    random: () => d.random(),
    context: () => (context ??= contextObject(d, thread, token)),
    // Only a definition that assigns variables can have any to read.
    variable: d.env.workflow.usesVariables ? (name) => variableOf(d, thread, name) : undefined,
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
    // A compensation runs after its thread ended: it reads the machine's variables.
    variable: (name) => d.exec.variables?.root?.[name],
    context: () =>
      (context ??= {
        ...executionContext(d),
        State: { EnteredTime: d.timestamp, Name: entry.stateName, RetryCount: 0 },
        Task: { Token: d.env.taskToken?.(token) ?? token },
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

export function contextObject(d: Decider, thread: Thread, token: string | undefined): Json {
  const { active } = thread;
  const context: JsonObject = {
    ...executionContext(d),
    State: {
      EnteredTime: isoTime(active.enteredAt),
      Name: active.name,
      RetryCount: active.attempt - 1,
    },
  };
  if (token !== undefined) context.Task = { Token: d.env.taskToken?.(token) ?? token };
  return context;
}
