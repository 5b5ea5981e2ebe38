/**
 * Shipping domain: picks a carrier for a shipment by weight and destination. Pure.
 *
 * Failure path, driven by the input: a parcel over {@link MAX_PARCEL_GRAMS} has no carrier
 * (`Carrier.NoneAvailable`).
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { TaskFailure } from '../../../lambdas/runtime/worker.js';
import { AddressSchema, OrderItemSchema, parseInput } from './order.js';

/** The heaviest parcel any carrier takes. */
export const MAX_PARCEL_GRAMS = 30_000;
const DEFAULT_ITEM_GRAMS = 500;
const DOMESTIC = 'DE';

const InputSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  items: z.array(OrderItemSchema).check(z.minLength(1)),
  shippingAddress: AddressSchema,
});

export interface CarrierChoice {
  readonly carrier: string;
  readonly service: 'PARCEL' | 'FREIGHT';
  readonly weightGrams: number;
}

export function selectCarrier(input: unknown): CarrierChoice {
  const { orderId, items, shippingAddress } = parseInput(InputSchema, input);
  const weightGrams = items.reduce(
    (sum, item) => sum + item.quantity * (item.weightGrams ?? DEFAULT_ITEM_GRAMS),
    0,
  );
  if (weightGrams > MAX_PARCEL_GRAMS) {
    throw new TaskFailure(
      'Carrier.NoneAvailable',
      `Order ${orderId}: ${weightGrams} g is more than any carrier takes`,
    );
  }
  const domestic = shippingAddress.country === DOMESTIC;
  return {
    carrier: domestic ? 'DHL' : 'UPS',
    service: weightGrams > 10_000 ? 'FREIGHT' : 'PARCEL',
    weightGrams,
  };
}

export const handler = defineWorker(selectCarrier);
