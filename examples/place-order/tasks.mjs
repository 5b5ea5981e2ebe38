/**
 * Task functions for the PlaceOrder example, for `baton run --tasks` and `npm start`.
 * Failures are driven by the input: an item with sku "OUT-OF-STOCK" cannot be reserved,
 * a customer "cust-declined" has their payment declined.
 */
let sequence = 0;

/** Errors carry their ASL error name in `name`, so Retry and Catch match on it. */
function fail(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

export default {
  'baton:worker:inventory-reserve': (input) => {
    if (input.items.some((item) => item.sku === 'OUT-OF-STOCK')) {
      throw fail('Inventory.OutOfStock', `Order ${input.orderId}: an item is out of stock`);
    }
    return { reservationId: `res-${input.orderId}` };
  },
  'baton:worker:inventory-release': (input) => ({ released: input.reservationId }),
  'baton:worker:payment-charge': (input, context) => {
    if (input.customerId === 'cust-declined') {
      throw fail('Payment.Declined', `Card of ${input.customerId} declined for ${input.amount}`);
    }
    sequence += 1;
    return { paymentId: `pay-${sequence}`, amount: input.amount, idempotencyKey: context.idempotencyKey };
  },
  'baton:worker:payment-refund': (input) => ({ refunded: input.paymentId, amount: input.amount }),
  'baton:worker:shipping-create': (input) => ({ trackingNumber: `TRACK-${input.orderId}` }),
};
