/**
 * Compensation of `inventory-reserve`: releases a reservation. Idempotent: releasing a released
 * (or unknown) reservation succeeds, so a retried compensation never fails for having run before.
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { parseInput } from './order.js';

const InputSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  reservationId: z.string().check(z.minLength(1)),
});

export function releaseInventory(input: unknown): { released: string } {
  const { reservationId } = parseInput(InputSchema, input);
  return { released: reservationId };
}

export const handler = defineWorker(releaseInventory);
