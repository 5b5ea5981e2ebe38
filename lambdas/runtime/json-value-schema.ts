/**
 * The schema of the JSON values that messages carry (an execution's input, a task's input and
 * output, an event's detail): any JSON value, nested at most {@link MAX_JSON_DEPTH} levels deep.
 * A module of its own, so that a worker bundles this schema and not the inbox's.
 */
import * as z from 'zod/mini';
import type { Json } from '../engine/json.js';

/**
 * How deeply arrays and objects may nest in a message's JSON values. Deeper ones are refused with
 * a reason rather than exhausting the stack of whatever walks them next (a validator, the engine).
 */
export const MAX_JSON_DEPTH = 500;

/** Any JSON value, nested at most {@link MAX_JSON_DEPTH} levels deep. */
export const jsonSchema: z.ZodMiniType<Json> = z.custom<Json>((value) => jsonProblem(value) === undefined, {
  error: (issue) => jsonProblem(issue.input) ?? 'must be JSON',
});

/**
 * What makes `value` unfit as a JSON value of a message, or undefined when it is fit. Iterative,
 * so that no nesting can exhaust the stack (a recursive schema overflows at about 2,000 levels).
 */
function jsonProblem(value: unknown): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, depth } = next;
    if (item === undefined && depth === 0) return 'Invalid input: expected JSON, received undefined';
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return `must be JSON: ${item} is not a JSON number`;
      continue;
    }
    if (typeof item !== 'object') {
      return `must be JSON: ${item === undefined ? 'undefined' : `a ${typeof item}`} is not a JSON value`;
    }
    if (depth >= MAX_JSON_DEPTH) return `must be JSON nested at most ${MAX_JSON_DEPTH} levels deep`;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}
