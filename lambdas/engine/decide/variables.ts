/**
 * Workflow variables at run time (developer guide, "Passing data between states with variables"):
 *
 * - Scopes: the machine's states share one scope; each Parallel branch and each Map iteration has
 *   a scope of its own, which reads the variables of the scopes around it. It cannot assign them
 *   (validation rejects an inner Assign of an outer name), and its variables end with it.
 * - Order: every expression of a state, its Assign included, sees the values from before the
 *   state's own Assign; the new values take effect as the state exits.
 * - Limits: a variable's value and one Assign's values are at most 256 KiB each, all variables of
 *   an execution at most 10 MiB, as UTF-8 JSON text.
 *
 * The values live in the persisted execution as plain JSON (`Execution.variables`), one frame per
 * thread, so they survive every decision, the store and a redrive.
 */
import { StatesRuntimeError } from '../errors.js';
import type { Thread } from '../execution.js';
import type { Json, JsonObject } from '../json.js';
import type { Decider } from './decider.js';
import { jsonSizeUpperBound, utf8Length } from './json-size.js';

/** Most bytes of one variable's value. */
export const MAX_VARIABLE_BYTES = 262_144;
/** Most bytes of the values of one Assign. */
export const MAX_ASSIGN_BYTES = 262_144;
/** Most bytes of all the variables of an execution. */
export const MAX_TOTAL_VARIABLE_BYTES = 10_485_760;

const NO_VARIABLES: Readonly<Record<string, Json>> = Object.freeze({});

/** The variables `thread` sees: its own frame over its ancestors', by name. */
export function variablesOf(d: Decider, thread: Thread): Readonly<Record<string, Json>> {
  const frames = d.exec.variables;
  if (frames === undefined) return NO_VARIABLES;
  if (thread.parent === undefined) return frames[thread.id] ?? NO_VARIABLES;
  const chain: Readonly<Record<string, Json>>[] = [];
  for (let at: Thread | undefined = thread; at !== undefined;) {
    const frame = frames[at.id];
    if (frame !== undefined) chain.push(frame);
    at = at.parent === undefined ? undefined : d.threads[at.parent.threadId];
  }
  if (chain.length === 0) return NO_VARIABLES;
  if (chain.length === 1) return chain[0] as Readonly<Record<string, Json>>;
  return Object.assign({}, ...chain.reverse()) as Record<string, Json>;
}

/** The value of the variable `name` as `thread` sees it, undefined when it is not set. */
export function variableOf(d: Decider, thread: Thread, name: string): Json | undefined {
  const frames = d.exec.variables;
  if (frames === undefined) return undefined;
  for (let at: Thread | undefined = thread; at !== undefined;) {
    const frame = frames[at.id];
    if (frame !== undefined && Object.prototype.hasOwnProperty.call(frame, name)) return frame[name];
    at = at.parent === undefined ? undefined : d.threads[at.parent.threadId];
  }
  return undefined;
}

/**
 * Stores the values an Assign evaluated in `thread`'s scope. Returns them as history reports them
 * (each as its JSON text). Over a size limit, the state fails with `States.Runtime`.
 */
export function assignVariables(d: Decider, thread: Thread, values: JsonObject): Record<string, string> {
  const texts: Record<string, string> = {};
  let assignBytes = 0;
  for (const name of Object.keys(values)) {
    const text = JSON.stringify(values[name]);
    const bytes = utf8Length(text);
    if (bytes > MAX_VARIABLE_BYTES) {
      throw new StatesRuntimeError(
        `The value assigned to the variable '${name}' has ${bytes} bytes, more than the limit of ${MAX_VARIABLE_BYTES}`,
      );
    }
    assignBytes += bytes;
    texts[name] = text;
  }
  if (assignBytes > MAX_ASSIGN_BYTES) {
    throw new StatesRuntimeError(
      `The values of the Assign of state '${thread.active.name}' have ${assignBytes} bytes, more than the limit of ${MAX_ASSIGN_BYTES}`,
    );
  }
  const frames = d.exec.variables ?? {};
  const frame = { ...(frames[thread.id] ?? {}), ...values };
  const next = { ...frames, [thread.id]: frame };
  // Most executions stay far below the limit: a walk that builds no text proves it.
  const total =
    jsonSizeUpperBound(next, MAX_TOTAL_VARIABLE_BYTES) <= MAX_TOTAL_VARIABLE_BYTES
      ? 0
      : utf8Length(JSON.stringify(next));
  if (total > MAX_TOTAL_VARIABLE_BYTES) {
    throw new StatesRuntimeError(
      `The variables of the execution would have ${total} bytes, more than the limit of ${MAX_TOTAL_VARIABLE_BYTES}`,
    );
  }
  d.exec.variables = next;
  return texts;
}

/** A thread ended or was aborted: its scope's variables end with it. */
export function dropVariables(d: Decider, threadId: string): void {
  const frames = d.exec.variables;
  if (frames === undefined || frames[threadId] === undefined || threadId === 'root') return;
  const { [threadId]: _dropped, ...rest } = frames;
  d.exec.variables = rest;
}
