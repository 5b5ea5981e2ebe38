/**
 * JSON values as the emulated AWS services exchange them. The emulators are AWS services, not
 * Baton, so they do not import the engine's own JSON module; this is the same small shape.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** True when `value` is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
