/**
 * The example domains' order, as the `Order Placed` event carries it and the workers read it.
 * Inputs are parsed, not trusted: a malformed one fails the task with `Worker.InvalidInput`.
 */
import { z } from 'zod';
import { TaskFailure } from '../../../lambdas/runtime/worker.js';

export const OrderItemSchema = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  /** Grams, for carrier selection. @default 500 */
  weightGrams: z.number().int().positive().optional(),
});

export const AddressSchema = z.object({
  country: z.string().length(2),
  postalCode: z.string().min(1).optional(),
  city: z.string().min(1).optional(),
});

export type OrderItem = z.infer<typeof OrderItemSchema>;
export type Address = z.infer<typeof AddressSchema>;

/** Parses a task input, failing the task with `Worker.InvalidInput` (not retried) when it does not fit. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `/${issue.path.join('/')}` : '/';
  throw new TaskFailure(
    'Worker.InvalidInput',
    `Invalid input at ${where}: ${issue?.message ?? 'unknown problem'}`,
  );
}
