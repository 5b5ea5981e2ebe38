/**
 * JSONPath into an event, as a target's InputPath and an InputTransformer's InputPathsMap use it,
 * evaluated by the `jsonpath-plus` library. A path that can match several nodes (wildcards,
 * filters, slices, unions, recursive descent) yields the array of its matches; any other yields
 * its one node, or nothing.
 */
import { JSONPath } from 'jsonpath-plus';
import type { Json } from '../json.js';

/** A path checked once, when the target is put. */
export interface EventPath {
  readonly source: string;
  /** It may match several nodes. */
  readonly indefinite: boolean;
}

/** What reading a path found. */
export type EventPathRead = { readonly found: true; readonly value: Json } | { readonly found: false };

/** Checks a path; throws an Error saying why it is not JSONPath. */
export function compileEventPath(path: string): EventPath {
  const steps = JSONPath.toPathArray(path);
  if (steps[0] !== '$') throw new Error('a path starts at the event root, $');
  const indefinite = steps.some((step) => /[*?,:]|^\.\.$|^@/.test(String(step)));
  return { source: path, indefinite };
}

/** Reads a path from the event. */
export function readEventPath(path: EventPath, event: Json): EventPathRead {
  const matches = JSONPath({ path: path.source, json: event as object, wrap: true }) as Json[];
  if (path.indefinite) return { found: true, value: matches };
  return matches.length === 0 ? { found: false } : { found: true, value: matches[0] as Json };
}
