/**
 * Compensation of `pickup-book`: cancels a booked pickup. Idempotent: cancelling a cancelled (or
 * unknown) pickup succeeds.
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { parseInput } from './order.js';

const InputSchema = z.object({ pickupId: z.string().check(z.minLength(1)) });

export function cancelPickup(input: unknown): { cancelled: string } {
  const { pickupId } = parseInput(InputSchema, input);
  return { cancelled: pickupId };
}

export const handler = defineWorker(cancelPickup);
