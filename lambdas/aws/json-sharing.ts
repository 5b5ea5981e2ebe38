/**
 * Each value stored once: a version document names the same payload several times (the state's
 * input, the saga entry that keeps it, the history event that records it, the command that sends
 * it), and the engine shares those values by reference. {@link shareRepeats} writes a repeated
 * value once, and each later occurrence as a reference to the first; {@link restoreRepeats} puts
 * the values back (as shared references again, which the engine never mutates).
 *
 * References number the shareable nodes in document order: every object and array, and every
 * string value of {@link MIN_SHARED_STRING_LENGTH} characters or more. A reference is the object
 * `{"\u0000": n}`: an object whose only key is the NUL character. A key of the data that starts
 * with NUL is written with one more NUL in front, so data never reads as a reference.
 *
 * Repeats are found by identity (objects) and by value (long strings), so finding them costs one
 * walk of the distinct content, not a hash of every subtree. Nothing on npm does this for JSON
 * with these guarantees (no escape-free marker, identity-based), so it is written here.
 */
import { jsonSizeUpperBound } from '../engine/decide/json-size.js';
import type { Json, JsonObject } from '../engine/json.js';

/** The key of a reference object. */
const REFERENCE = '\u0000';
/** Strings at least this long are shared when repeated. */
export const MIN_SHARED_STRING_LENGTH = 64;
/** Objects and arrays whose JSON may exceed this many bytes are shared when repeated. */
const MIN_SHARED_BYTES = 64;

/** A document written by {@link shareRepeats} that {@link restoreRepeats} cannot read. */
export class SharedJsonError extends Error {
  override readonly name = 'SharedJsonError';
}

/** `value` as JSON data with every repeated large value after the first written as a reference. */
export function shareRepeats(value: unknown): Json {
  return new Sharer().copy(value) ?? null;
}

/** The value {@link shareRepeats} was given (as JSON would carry it). Mutates and reuses `shared`. */
export function restoreRepeats(shared: Json): Json {
  return new Restorer().visit(shared);
}

class Sharer {
  private readonly ids = new Map<object | string, number>();
  private next = 0;

  /** A copy to serialise; undefined for what JSON leaves out (undefined, functions). */
  copy(value: unknown): Json | undefined {
    switch (typeof value) {
      case 'string':
        if (value.length >= MIN_SHARED_STRING_LENGTH) {
          const id = this.ids.get(value);
          if (id !== undefined) return { [REFERENCE]: id };
          this.ids.set(value, this.next++);
        }
        return value;
      case 'number':
      case 'boolean':
        return value;
      case 'object':
        break;
      default:
        return undefined;
    }
    if (value === null) return null;
    const seen = this.ids.get(value);
    if (seen !== undefined && jsonSizeUpperBound(value as Json, MIN_SHARED_BYTES) > MIN_SHARED_BYTES)
      return { [REFERENCE]: seen };
    if (seen === undefined) this.ids.set(value, this.next);
    this.next += 1;
    if (Array.isArray(value)) {
      const out: Json[] = new Array<Json>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.copy(value[i]) ?? null;
      return out;
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      throw new TypeError('A version document holds only JSON data');
    }
    const out: JsonObject = {};
    for (const key in value) {
      const item = this.copy((value as Record<string, unknown>)[key]);
      if (item === undefined) continue;
      out[key.startsWith(REFERENCE) ? REFERENCE + key : key] = item;
    }
    return out;
  }
}

class Restorer {
  private readonly nodes: Json[] = [];

  visit(value: Json): Json {
    if (typeof value === 'string') {
      if (value.length >= MIN_SHARED_STRING_LENGTH) this.nodes.push(value);
      return value;
    }
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      this.nodes.push(value);
      for (let i = 0; i < value.length; i++) value[i] = this.visit(value[i] as Json);
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === REFERENCE) return this.target(value[REFERENCE]);
    const slot = this.nodes.push(value) - 1;
    let escaped = false;
    for (const key of keys) {
      value[key] = this.visit(value[key] as Json);
      if (key.startsWith(REFERENCE)) escaped = true;
    }
    if (!escaped) return value;
    // Rebuilt in the same key order, with one NUL taken off the escaped keys.
    const restored: JsonObject = {};
    for (const key of keys) {
      restored[key.startsWith(REFERENCE) ? key.slice(1) : key] = value[key] as Json;
    }
    this.nodes[slot] = restored;
    return restored;
  }

  private target(id: Json | undefined): Json {
    const node = typeof id === 'number' ? this.nodes[id] : undefined;
    if (node === undefined)
      throw new SharedJsonError(`Reference ${JSON.stringify(id)} names no earlier value`);
    return node;
  }
}
