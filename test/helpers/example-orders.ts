/** Events of the example app's storefront, as the tests publish them. */
import type { PutEventEntry } from '../../local/control.js';

/** The detail of an `Order Placed` event: one book, shipped to Germany. */
export function orderDetail(orderId: string, customerId: string, total: number) {
  return {
    orderId,
    customerId,
    items: [{ sku: 'BOOK-1', quantity: 1 }],
    total,
    currency: 'EUR',
    shippingAddress: { country: 'DE' },
  };
}

/** An `Order Placed` event that starts the example PlaceOrder saga, named by its order id. */
export function orderPlaced(orderId: string, customerId: string, total: number): PutEventEntry {
  return {
    source: 'com.example.storefront',
    detailType: 'Order Placed',
    detail: orderDetail(orderId, customerId, total),
  };
}
