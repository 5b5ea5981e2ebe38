/**
 * JSONPath reads of workflow variables: in a JSONPath state, a path that starts with `$name`
 * (rather than `$.`, `$[` or `$$`) reads the variable `name`, and the rest of the path reads
 * inside its value, as in `"customer.$": "$customer.name"` (developer guide, "Passing data
 * between states with variables").
 */
import type { Json } from './json.js';
import { compilePath, readPath, type CompiledPath, type PathReadResult } from './json-path.js';

/** A path into a variable. */
export interface VariablePath {
  readonly source: string;
  /** The variable's name, without `$`. */
  readonly name: string;
  /** The rest of the path, rooted at the variable's value (`$` for the whole value). */
  readonly path: CompiledPath;
}

const VARIABLE_PREFIX = /^\$([A-Za-z_][A-Za-z0-9_]*)/;

/** True when `source` reads a variable (`$name...`). */
export function isVariablePath(source: string): boolean {
  return VARIABLE_PREFIX.test(source);
}

/** Compiles a variable path; undefined when `source` does not read a variable. Throws on a bad rest. */
export function compileVariablePath(source: string): VariablePath | undefined {
  const match = VARIABLE_PREFIX.exec(source);
  if (!match) return undefined;
  const name = match[1] as string;
  return { source, name, path: compilePath(`$${source.slice(match[0].length)}`) };
}

/** Reads a variable path against the variable's value (undefined when the variable is not set). */
export function readVariablePath(path: VariablePath, value: Json | undefined): PathReadResult {
  if (value === undefined) return { found: false };
  return readPath(path.path, value, null);
}
