/**
 * Parsing with a `zod/mini` schema, and saying what is wrong where when the value does not fit:
 * the one way the inbox, the worker SDK and workers report a message that does not parse.
 */
import { locales, type ZodMiniType } from 'zod/mini';

/**
 * zod's English messages, given to each parse rather than set process-wide: `zod/mini` loads no
 * locale (every problem would read "Invalid input"), and a global setting would also change the
 * messages of a user's own schemas. Taken from the main entry's `locales`, not a deep import of the
 * locale file, whose default export CommonJS builds of some zod versions lack.
 */
const englishMessages = locales.en().localeError;

/** A parse's outcome: the parsed value, or the first problem described. */
export type Described<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/**
 * Parses `value` with `schema`. On failure, describes the first problem as
 * `<what> at <pointer>: <message>`, where the pointer is the JSON Pointer of the bad field (`/` for
 * the whole value), e.g. `Invalid task message at /attempt: Too small: expected number to be >0`.
 */
export function parseOrDescribe<T>(schema: ZodMiniType<T>, value: unknown, what: string): Described<T> {
  const parsed = schema.safeParse(value, { error: englishMessages });
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `/${issue.path.map(String).join('/')}` : '/';
  return { ok: false, problem: `${what} at ${where}: ${issue?.message ?? 'unknown problem'}` };
}
