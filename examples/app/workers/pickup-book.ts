/**
 * Shipping domain: books the carrier's pickup for the next working day. Idempotent: the pickup id
 * derives from the order and the carrier.
 *
 * Failure path, driven by the input: carrier `UPS` answers `Carrier.Busy` on the first attempt
 * (the state retries it).
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { TaskFailure, type WorkerContext } from '../../../lambdas/runtime/worker.js';
import { parseInput } from './order.js';

const DAY_MS = 86_400_000;

const InputSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  carrier: z.string().check(z.minLength(1)),
});

/** The next working day (Monday to Friday) after `now`, as `YYYY-MM-DD` (UTC). */
export function nextWorkingDay(now: number): string {
  let day = new Date(now + DAY_MS);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day = new Date(day.getTime() + DAY_MS);
  return day.toISOString().slice(0, 10);
}

export function bookPickup(
  input: unknown,
  context: Pick<WorkerContext, 'attempt'>,
  now: number = Date.now(),
): { pickupId: string; carrier: string; pickupDate: string } {
  const { orderId, carrier } = parseInput(InputSchema, input);
  if (carrier === 'UPS' && context.attempt === 1) {
    throw new TaskFailure('Carrier.Busy', `Order ${orderId}: ${carrier} has no pickup slot right now`);
  }
  return { pickupId: `pck-${carrier.toLowerCase()}-${orderId}`, carrier, pickupDate: nextWorkingDay(now) };
}

export const handler = defineWorker((input: unknown, context: WorkerContext) => bookPickup(input, context));
