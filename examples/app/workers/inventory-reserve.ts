/**
 * Reserves stock for an order's items. Idempotent: the reservation id derives from the order id,
 * so a redelivered or retried task reserves the same stock once.
 *
 * Failure paths, driven by the input:
 * - a SKU starting with `OUT-OF-STOCK`, or more than {@link MAX_QUANTITY_PER_ITEM} of one item:
 *   `Inventory.OutOfStock` (terminal: the saga fails, nothing to undo yet);
 * - a SKU starting with `BACKORDER`: `Inventory.Unavailable` on the first two attempts (the
 *   warehouse is busy), then reserved: the state's retry policy rides over it.
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { TaskFailure, type WorkerContext } from '../../../lambdas/runtime/worker.js';
import { OrderItemSchema, parseInput } from './order.js';

/** The most units of one SKU a single order may reserve. */
export const MAX_QUANTITY_PER_ITEM = 50;
/** Attempts that find a backordered SKU's warehouse busy. */
const BUSY_ATTEMPTS = 2;

const InputSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  items: z.array(OrderItemSchema).check(z.minLength(1)),
});

export interface Reservation {
  readonly reservationId: string;
  readonly units: number;
}

export function reserveInventory(input: unknown, context: Pick<WorkerContext, 'attempt'>): Reservation {
  const { orderId, items } = parseInput(InputSchema, input);
  const missing = items.find(
    (item) => item.sku.startsWith('OUT-OF-STOCK') || item.quantity > MAX_QUANTITY_PER_ITEM,
  );
  if (missing) {
    throw new TaskFailure(
      'Inventory.OutOfStock',
      `Order ${orderId}: ${missing.quantity} x ${missing.sku} not in stock`,
    );
  }
  if (items.some((item) => item.sku.startsWith('BACKORDER')) && context.attempt <= BUSY_ATTEMPTS) {
    throw new TaskFailure(
      'Inventory.Unavailable',
      `Order ${orderId}: the warehouse is busy (attempt ${context.attempt})`,
    );
  }
  return { reservationId: `res-${orderId}`, units: items.reduce((sum, item) => sum + item.quantity, 0) };
}

export const handler = defineWorker(reserveInventory);
