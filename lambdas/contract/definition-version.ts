/** Definition versions: immutable, named by their content. */
import { createHash } from 'node:crypto';

/** Length of a version id in hex characters. */
export const DEFINITION_VERSION_LENGTH = 16;

/**
 * The version id of a definition: the first 16 hex characters of the SHA-256 of its canonical
 * JSON (object keys sorted), so the same content always gets the same version.
 */
export function definitionVersion(definition: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(definition))
    .digest('hex')
    .slice(0, DEFINITION_VERSION_LENGTH);
}

/** JSON with the keys of every object sorted, and no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}

/**
 * The largest definition a version item holds, in UTF-8 bytes of its JSON: DynamoDB's item limit
 * (400 KB, 409,600 bytes, attribute names included) less the other attributes of the item (its
 * keys, the workflow's name twice, the version, the creation time), which take well under 1 KB
 * with an 80-character name.
 */
export const MAX_DEFINITION_BYTES = 409_600 - 1_024;

/** The size of a definition as its version item stores it (UTF-8 bytes of its JSON). */
export function definitionBytes(definition: unknown): number {
  return Buffer.byteLength(JSON.stringify(definition), 'utf8');
}
