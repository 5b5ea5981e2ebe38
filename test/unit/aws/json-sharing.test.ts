import { describe, expect, it } from 'vitest';
import {
  MIN_SHARED_STRING_LENGTH,
  SharedJsonError,
  restoreRepeats,
  shareRepeats,
} from '../../../lambdas/aws/json-sharing.js';
import type { Json } from '../../../lambdas/engine/json.js';

/** What a store does: serialise the shared form, parse it back, restore. */
function roundTrip(value: unknown): Json {
  return restoreRepeats(JSON.parse(JSON.stringify(shareRepeats(value))) as Json);
}

const payload = {
  order: { id: 'o-1', lines: Array.from({ length: 20 }, (_, i) => ({ sku: `s-${i}`, qty: i })) },
};

describe('shareRepeats / restoreRepeats', () => {
  it('writes a repeated object once and restores every occurrence', () => {
    const document = { input: payload, history: [{ input: payload }, { output: { kept: payload } }] };

    const text = JSON.stringify(shareRepeats(document));

    expect(text.split('"s-19"').length - 1).toBe(1);
    expect(roundTrip(document)).toEqual(document);
  });

  it('restores repeats as one shared value, as the engine produced them', () => {
    const restored = roundTrip({ a: payload, b: payload }) as { a: unknown; b: unknown };

    expect(restored.b).toBe(restored.a);
  });

  it('writes a repeated long string once, and repeats short values in place', () => {
    const long = 'x'.repeat(MIN_SHARED_STRING_LENGTH);
    const document = {
      a: long,
      b: [long, long],
      small: { c: 1 },
      again: { c: 1 },
      flag: 'yes',
      flag2: 'yes',
    };

    const text = JSON.stringify(shareRepeats(document));

    expect(text.split(long).length - 1).toBe(1);
    expect(roundTrip(document)).toEqual(document);
  });

  it('shares values nested inside shared values and inside first occurrences', () => {
    const inner = { deep: 'y'.repeat(200) };
    const outer = { inner, list: [inner, { inner }] };
    const document = [outer, { wrap: outer }, inner];

    expect(roundTrip(document)).toEqual(document);
  });

  it('keeps data whose keys start with the reference character, and objects that look like references', () => {
    const document = {
      '\u0000': 3,
      '\u0000\u0000x': { '\u0000': 'not a reference' },
      nested: [{ '\u0000': 0 }, { '\u0000': 0 }],
      order: 'kept',
    };

    const restored = roundTrip(document);

    expect(restored).toEqual(document);
    expect(Object.keys(restored as object)).toEqual(Object.keys(document));
  });

  it('leaves out what JSON leaves out, as JSON.stringify does', () => {
    const document = { a: undefined, b: [undefined, 1], c: () => 1, d: null };

    expect(roundTrip(document)).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('round-trips scalars and empty containers', () => {
    for (const value of [null, 0, -1.5, true, '', 'z'.repeat(500), [], {}, [[]], { a: {} }]) {
      expect(roundTrip(value)).toEqual(value);
    }
  });

  it('rejects a reference to no earlier value', () => {
    expect(() => restoreRepeats({ a: { '\u0000': 7 } })).toThrow(SharedJsonError);
    expect(() => restoreRepeats([{ '\u0000': 'x' }])).toThrow(SharedJsonError);
  });
});
