/**
 * Authorizes and captures an order's payment. Idempotent on the task's idempotency key: the
 * payment id derives from it, as a payment provider would dedupe on it, so a retried or
 * redelivered charge never charges twice.
 *
 * Failure paths, driven by the input:
 * - customer `cust-declined`, or an amount over {@link CARD_LIMIT}: `Payment.Declined` (terminal:
 *   the saga fails and releases the inventory);
 * - customer `cust-flaky`: `Payment.ProviderUnavailable` on the first two attempts, then charged
 *   (the state retries it with backoff and jitter).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { TaskFailure, type WorkerContext } from '../../../lambdas/runtime/worker.js';
import { parseInput } from './order.js';

/** The largest amount the example card issuer authorizes. */
export const CARD_LIMIT = 5_000;
const FLAKY_ATTEMPTS = 2;

const InputSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  customerId: z.string().check(z.minLength(1)),
  amount: z.number().check(z.positive()),
  currency: z._default(z.string().check(z.length(3)), 'EUR'),
});

export interface Payment {
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'CAPTURED';
}

export function chargePayment(
  input: unknown,
  context: Pick<WorkerContext, 'attempt' | 'idempotencyKey'>,
): Payment {
  const { orderId, customerId, amount, currency } = parseInput(InputSchema, input);
  if (customerId === 'cust-declined' || amount > CARD_LIMIT) {
    throw new TaskFailure(
      'Payment.Declined',
      `Order ${orderId}: the card of ${customerId} was declined for ${amount} ${currency}`,
    );
  }
  if (customerId === 'cust-flaky' && context.attempt <= FLAKY_ATTEMPTS) {
    throw new TaskFailure(
      'Payment.ProviderUnavailable',
      `Order ${orderId}: the payment provider timed out (attempt ${context.attempt})`,
    );
  }
  const paymentId = `pay-${createHash('sha256').update(context.idempotencyKey).digest('hex').slice(0, 12)}`;
  return { paymentId, amount, currency, status: 'CAPTURED' };
}

export const handler = defineWorker(chargePayment);
