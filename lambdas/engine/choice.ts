/**
 * Choice rules: every comparison operator and its Path form, And/Or/Not, Is* tests, StringMatches.
 * IMPLEMENTATION PENDING (being written now) — signatures are final.
 */
import type { ChoiceRule, ChoiceState } from './definition.js';
import type { PathReadResult } from './json-path.js';

/** Reads a path (`$...` from the state input, `$$...` from the context object). */
export type PathReader = (path: string) => PathReadResult;

/**
 * Picks the `Next` of the first matching rule of a Choice state, or its `Default`; undefined when
 * neither (the caller raises `States.NoChoiceMatched`). Throws `States.Runtime` when a rule's
 * Variable (or a `...Path` operand) does not exist, except under `IsPresent`.
 */
export function selectChoice(_state: ChoiceState, _read: PathReader): string | undefined {
  throw new Error('not implemented');
}

/** Evaluates one rule (recursively through And/Or/Not). */
export function evaluateChoiceRule(_rule: ChoiceRule, _read: PathReader): boolean {
  throw new Error('not implemented');
}

/**
 * Parses an ASL timestamp (RFC 3339 with uppercase `T` and `Z`, for example
 * `2016-03-14T01:59:00Z` or `2016-03-14T01:59:00.123+01:00`) to epoch milliseconds;
 * undefined when it is not one.
 */
export function parseTimestamp(_text: string): number | undefined {
  throw new Error('not implemented');
}
