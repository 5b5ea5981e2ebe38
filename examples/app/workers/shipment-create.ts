/**
 * Creates the shipment of an order (the orders domain's record of it; the shipping domain
 * schedules the pickup when it hears `Order Confirmed`). Idempotent: the shipment id derives
 * from the order id.
 *
 * Failure path, driven by the input: a destination outside {@link SHIPPING_COUNTRIES} fails with
 * `Shipment.AddressRejected`, after the payment was taken, so the saga refunds it and releases
 * the inventory.
 */
import * as z from 'zod/mini';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import { TaskFailure } from '../../../lambdas/runtime/worker.js';
import { AddressSchema, OrderItemSchema, parseInput } from './order.js';

/** Where the example shop ships to. */
export const SHIPPING_COUNTRIES: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'CH',
  'DE',
  'ES',
  'FR',
  'GB',
  'IT',
  'NL',
  'US',
]);

const InputSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  items: z.array(OrderItemSchema).check(z.minLength(1)),
  shippingAddress: AddressSchema,
});

export function createShipment(input: unknown): { shipmentId: string; country: string } {
  const { orderId, shippingAddress } = parseInput(InputSchema, input);
  if (!SHIPPING_COUNTRIES.has(shippingAddress.country)) {
    throw new TaskFailure(
      'Shipment.AddressRejected',
      `Order ${orderId}: no shipping to ${shippingAddress.country}`,
    );
  }
  return { shipmentId: `shp-${orderId}`, country: shippingAddress.country };
}

export const handler = defineWorker(createShipment);
