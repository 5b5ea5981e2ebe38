import { describe, expect, it } from 'vitest';
import { itemSizeBytes, writeUnits } from '../../../lambdas/aws/dynamodb-item-size.js';

describe('itemSizeBytes', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSizeBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSizeBytes({ name: { S: 'é' } })).toBe(4 + 2);
  });

  it('counts binary values by their length', () => {
    expect(itemSizeBytes({ data: { B: new Uint8Array(100) } })).toBe(4 + 100);
  });

  it('counts numbers as one byte per two significant digits, plus one', () => {
    expect(itemSizeBytes({ v: { N: '1' } })).toBe(1 + 2);
    expect(itemSizeBytes({ v: { N: '1767225600123' } })).toBe(1 + 8);
    expect(itemSizeBytes({ v: { N: '1767225600000' } })).toBe(1 + 5);
    expect(itemSizeBytes({ v: { N: '-0.00123' } })).toBe(1 + 3);
  });

  it('counts maps and lists with their 3-byte overhead and 1 byte per element', () => {
    expect(itemSizeBytes({ m: { M: { a: { S: 'xy' } } } })).toBe(1 + 3 + 1 + (1 + 2));
    expect(itemSizeBytes({ l: { L: [{ BOOL: true }, { NULL: true }] } })).toBe(1 + 3 + 2 + 1 + 1);
  });

  it('bills one write unit per started kilobyte', () => {
    expect(writeUnits({ d: { B: new Uint8Array(1023) } })).toBe(1);
    expect(writeUnits({ d: { B: new Uint8Array(1024) } })).toBe(2);
  });
});
