/**
 * The size of a DynamoDB item as DynamoDB bills it: write units are charged per started KB of the
 * item, and an item may not exceed 400 KB. Rules from the DynamoDB developer guide ("Item sizes
 * and formats").
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB's hard limit on an item's size, in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** Bytes billed as one write unit. */
export const WRITE_UNIT_BYTES = 1024;

const utf8 = new TextEncoder();

/** Size of an item in bytes: the UTF-8 length of each attribute name plus the size of its value. */
export function itemSizeBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += utf8.encode(name).length + valueSizeBytes(value);
  }
  return size;
}

/** Write units a PutItem of `item` consumes on the table (GSIs not included). */
export function writeUnits(item: Readonly<Record<string, AttributeValue>>): number {
  return Math.max(1, Math.ceil(itemSizeBytes(item) / WRITE_UNIT_BYTES));
}

function valueSizeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8.encode(value.S).length;
  if (value.N !== undefined) return numberSizeBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8.encode(s).length, 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSizeBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.length, 0);
  // Lists and maps: 3 bytes, plus 1 byte per element, plus the elements (and a map's key names).
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSizeBytes(v), 0);
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemSizeBytes(value.M);
  return 0;
}

/** A number: 1 byte per two significant digits, plus 1 byte. */
function numberSizeBytes(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}
