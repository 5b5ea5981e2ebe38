import { describe, expect, it } from 'vitest';
import { drive, isPending, settle, type Steps } from '../../../lambdas/runtime/awaitable.js';

function* add(a: number | Promise<number>, b: number | Promise<number>): Steps<number> {
  const x = yield* settle(a);
  const y = yield* settle(b);
  return x + y;
}

describe('drive', () => {
  it('runs steps whose answers are all ready synchronously, returning the value itself', () => {
    const result = drive(add(1, 2));
    expect(isPending(result)).toBe(false);
    expect(result).toBe(3);
  });

  it('continues asynchronously from the first pending answer', async () => {
    const result = drive(add(1, Promise.resolve(2)));
    expect(isPending(result)).toBe(true);
    await expect(result).resolves.toBe(3);
  });

  it('throws synchronously when ready steps throw', () => {
    function* failing(): Steps<number> {
      yield* settle(1);
      throw new RangeError('bad');
    }
    expect(() => drive(failing())).toThrow(RangeError);
  });

  it('throws a rejection into the steps, where a catch can handle it', async () => {
    function* recovering(): Steps<string> {
      try {
        yield* settle(Promise.reject(new TypeError('gone')));
        return 'not reached';
      } catch (error) {
        return `caught ${(error as Error).name}`;
      }
    }
    await expect(drive(recovering())).resolves.toBe('caught TypeError');
  });

  it('rejects with an error the steps do not catch', async () => {
    await expect(drive(add(Promise.reject(new Error('no')), 1))).rejects.toThrow('no');
  });
});

describe('isPending', () => {
  it('tells promises and thenables from values', () => {
    expect(isPending(Promise.resolve(1))).toBe(true);
    expect(isPending({ then: () => undefined })).toBe(true);
    expect(isPending({ then: 1 })).toBe(false);
    expect(isPending(null)).toBe(false);
    expect(isPending(undefined)).toBe(false);
  });
});
