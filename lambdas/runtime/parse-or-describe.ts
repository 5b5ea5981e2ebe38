/**
 * Parsing with a `zod/mini` schema, and saying what is wrong where when the value does not fit:
 * the one way the inbox, the worker SDK and workers report a message that does not parse.
 */
import type * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';

/**
 * zod's English messages, given to each parse rather than set process-wide: `zod/mini` loads no
 * locale (every problem would read "Invalid input"), and a global setting would also change the
 * messages of a user's own schemas. Only the English locale file is imported, so that bundles
 * carry no other language (zod/mini's `locales` export holds them all: about 250 KiB).
 */
const englishMessages = english().localeError;

/** A parse's outcome: the parsed value, or the first problem described. */
export type Described<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/**
 * Parses `value` with `schema`. On failure, describes the first problem as
 * `<what> at <pointer>: <message>`, where the pointer is the JSON Pointer of the bad field (`/` for
 * the whole value), e.g. `Invalid task message at /attempt: Too small: expected number to be >0`.
 */
export function parseOrDescribe<T>(schema: z.ZodMiniType<T>, value: unknown, what: string): Described<T> {
  const parsed = schema.safeParse(value, { error: englishMessages });
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `/${issue.path.map(String).join('/')}` : '/';
  return { ok: false, problem: `${what} at ${where}: ${issue?.message ?? 'unknown problem'}` };
}
