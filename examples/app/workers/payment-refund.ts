/**
 * Compensation of `payment-charge`: refunds a captured payment in full. Idempotent: the refund id
 * derives from the payment id, so a retried compensation refunds once.
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { parseInput } from './order.js';

const InputSchema = z.object({
  paymentId: z.string().check(z.minLength(1)),
  amount: z.number().check(z.positive()),
});

export function refundPayment(input: unknown): { refundId: string; paymentId: string; amount: number } {
  const { paymentId, amount } = parseInput(InputSchema, input);
  return { refundId: `ref-${paymentId}`, paymentId, amount };
}

export const handler = defineWorker(refundPayment);
