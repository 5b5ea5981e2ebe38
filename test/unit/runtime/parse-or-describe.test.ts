import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { parseOrDescribe } from '../../../lambdas/runtime/parse-or-describe.js';

const Order = z.object({
  orderId: z.string().check(z.minLength(1)),
  items: z.array(z.object({ quantity: z.int().check(z.positive()) })).check(z.minLength(1)),
});

describe('parseOrDescribe', () => {
  it('returns the parsed value when it fits', () => {
    expect(parseOrDescribe(Order, { orderId: 'o-1', items: [{ quantity: 2 }] }, 'Invalid order')).toEqual({
      ok: true,
      value: { orderId: 'o-1', items: [{ quantity: 2 }] },
    });
  });

  it.each([
    [
      { items: [{ quantity: 1 }] },
      'Invalid order at /orderId: Invalid input: expected string, received undefined',
    ],
    [
      { orderId: '', items: [{ quantity: 1 }] },
      'Invalid order at /orderId: Too small: expected string to have >=1 characters',
    ],
    [{ orderId: 'o', items: [] }, 'Invalid order at /items: Too small: expected array to have >=1 items'],
    [
      { orderId: 'o', items: [{ quantity: 0 }] },
      'Invalid order at /items/0/quantity: Too small: expected number to be >0',
    ],
    [
      { orderId: 'o', items: [{ quantity: 1.5 }] },
      'Invalid order at /items/0/quantity: Invalid input: expected int, received number',
    ],
    [[], 'Invalid order at /: Invalid input: expected object, received array'],
  ])('describes %j in English, naming the field: %s', (value, problem) => {
    expect(parseOrDescribe(Order, value, 'Invalid order')).toEqual({ ok: false, problem });
  });

  it("leaves zod's process-wide messages alone (a user's own schemas keep their settings)", () => {
    parseOrDescribe(Order, {}, 'Invalid order');
    const parsed = Order.safeParse({});
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('Invalid input');
  });
});
