/**
 * The example domains' order, as the `Order Placed` event carries it and the workers read it.
 * Inputs are parsed, not trusted: a malformed one fails the task with `Worker.InvalidInput`.
 */
import * as z from 'zod/mini';
import { parseOrDescribe } from '../../../lambdas/runtime/parse-or-describe.js';
import { TaskFailure } from '../../../lambdas/runtime/worker.js';

export const OrderItemSchema = z.object({
  sku: z.string().check(z.minLength(1)),
  quantity: z.int().check(z.positive()),
  /** Grams, for carrier selection. @default 500 */
  weightGrams: z.optional(z.int().check(z.positive())),
});

export const AddressSchema = z.object({
  country: z.string().check(z.length(2)),
  postalCode: z.optional(z.string().check(z.minLength(1))),
  city: z.optional(z.string().check(z.minLength(1))),
});

export type OrderItem = z.infer<typeof OrderItemSchema>;
export type Address = z.infer<typeof AddressSchema>;

/** Parses a task input, failing the task with `Worker.InvalidInput` (not retried) when it does not fit. */
export function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const parsed = parseOrDescribe(schema, input, 'Invalid input');
  if (parsed.ok) return parsed.value;
  throw new TaskFailure('Worker.InvalidInput', parsed.problem);
}
