/**
 * The domain events of the example app: who publishes them, and what they are called.
 */

/** An event's `source` and `detail-type`. */
export interface EventName {
  readonly source: string;
  readonly detailType: string;
}

export const ExampleEvents = {
  /** Published by the storefront (you, with `aws events put-events`): starts PlaceOrder. */
  orderPlaced: { source: 'com.example.storefront', detailType: 'Order Placed' },
  /** Published by the fraud service (you, for orders over 1000): lets a waiting PlaceOrder go on. */
  fraudCheckCompleted: { source: 'com.example.fraud', detailType: 'Fraud Check Completed' },
  /** Published by PlaceOrder on success: the shipping domain reacts to it. */
  orderConfirmed: { source: 'com.example.orders', detailType: 'Order Confirmed' },
  /** Published by ScheduleShipment when the pickup is booked. */
  shipmentScheduled: { source: 'com.example.shipping', detailType: 'Shipment Scheduled' },
} as const satisfies Record<string, EventName>;
