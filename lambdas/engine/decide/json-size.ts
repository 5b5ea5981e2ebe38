/**
 * Sizes of JSON values in UTF-8 bytes, counted without building their text where possible: the
 * payload limit and the variable limits are checked on every transition that could exceed them.
 */
import type { Json } from '../json.js';

/** The UTF-8 length of `text`, counted without encoding it (the payload limit is in bytes). */
export function utf8Length(text: string): number {
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

/**
 * An upper bound of the UTF-8 size of `value` as JSON, walking at most until it exceeds `limit`
 * (then returns a number above it). A string counts 6 bytes per UTF-16 unit (the worst case, a
 * `\u0000` escape), so a result at or under `limit` is a proof the value fits.
 */
export function jsonSizeUpperBound(value: Json, limit: number): number {
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
