/**
 * The example orders domain's PlaceOrder saga, written with the SagaBuilder: reserve inventory,
 * charge the payment, create the shipment, announce `Order Confirmed`. Orders over
 * {@link FRAUD_CHECK_THRESHOLD} first wait for a correlated `Fraud Check Completed` event. A
 * failure after a step undoes what was done, in reverse order: refund, then release.
 */
import { Condition, SagaBuilder, type SagaDefinition } from '../../lib/saga-builder.js';
import { ExampleEvents } from './example-events.js';

/** Orders above this total wait for the fraud check. */
export const FRAUD_CHECK_THRESHOLD = 1000;
/** How long an order waits for its fraud check before the saga gives up (and compensates). */
export const FRAUD_CHECK_TIMEOUT_SECONDS = 3600;

/** Builds the PlaceOrder definition. */
export function placeOrderSaga(): SagaDefinition {
  const saga = new SagaBuilder({
    comment:
      'PlaceOrder: reserve inventory, charge the payment, create the shipment; undo in reverse on failure.',
    timeoutSeconds: 2 * 3600,
  });

  const validate = saga.pass('ValidateOrder', {
    parameters: {
      'orderId.$': '$.orderId',
      'customerId.$': '$.customerId',
      'items.$': '$.items',
      'total.$': '$.total',
      'currency.$': '$.currency',
      'shippingAddress.$': '$.shippingAddress',
      'receivedAt.$': '$$.Execution.StartTime',
    },
  });

  const reserve = saga.task('ReserveInventory', {
    worker: 'inventory-reserve',
    parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items' },
    resultPath: '$.reservation',
    timeoutSeconds: 30,
    retry: [
      {
        errors: ['Inventory.Unavailable'],
        intervalSeconds: 2,
        maxAttempts: 4,
        backoffRate: 2,
        maxDelaySeconds: 20,
        jitter: 'FULL',
      },
    ],
    compensate: {
      worker: 'inventory-release',
      parameters: { 'orderId.$': '$.Input.orderId', 'reservationId.$': '$.Result.reservationId' },
      timeoutSeconds: 30,
      retry: [{ errors: ['States.ALL'], intervalSeconds: 2, maxAttempts: 5, backoffRate: 2, jitter: 'FULL' }],
    },
  });

  const fraudSuspected = saga.fail('FraudSuspected', {
    error: 'Order.FraudSuspected',
    cause: 'The fraud check did not approve the order',
  });
  const waitForFraudCheck = saga.waitForEvent('WaitForFraudCheck', {
    comment: 'The fraud service publishes Fraud Check Completed with the same detail.orderId',
    detailType: ExampleEvents.fraudCheckCompleted.detailType,
    source: ExampleEvents.fraudCheckCompleted.source,
    match: { 'detail.orderId.$': '$.orderId' },
    timeoutSeconds: FRAUD_CHECK_TIMEOUT_SECONDS,
    resultSelector: { 'verdict.$': '$.detail.verdict' },
    resultPath: '$.fraudCheck',
  });
  const checkVerdict = saga
    .choice('CheckFraudVerdict')
    .when(Condition.not(Condition.stringEquals('$.fraudCheck.verdict', 'APPROVED')), fraudSuspected);
  const checkTotal = saga
    .choice('CheckOrderTotal')
    .when(
      Condition.numberGreaterThan('$.total', FRAUD_CHECK_THRESHOLD),
      waitForFraudCheck.next(checkVerdict),
    );

  const charge = saga.task('ChargePayment', {
    comment: 'Authorizes and captures the payment, idempotent on the state entry',
    worker: 'payment-charge',
    parameters: {
      'orderId.$': '$.orderId',
      'customerId.$': '$.customerId',
      'amount.$': '$.total',
      'currency.$': '$.currency',
    },
    resultSelector: { 'paymentId.$': '$.paymentId', 'amount.$': '$.amount', 'currency.$': '$.currency' },
    resultPath: '$.payment',
    timeoutSeconds: 30,
    retry: [
      {
        errors: ['Payment.ProviderUnavailable'],
        intervalSeconds: 1,
        maxAttempts: 4,
        backoffRate: 2,
        maxDelaySeconds: 10,
        jitter: 'FULL',
      },
    ],
    compensate: {
      worker: 'payment-refund',
      parameters: { 'paymentId.$': '$.Result.paymentId', 'amount.$': '$.Result.amount' },
      timeoutSeconds: 30,
      retry: [{ errors: ['States.ALL'], intervalSeconds: 5, maxAttempts: 5, backoffRate: 2, jitter: 'FULL' }],
    },
  });

  const ship = saga.task('CreateShipment', {
    worker: 'shipment-create',
    parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items', 'shippingAddress.$': '$.shippingAddress' },
    resultPath: '$.shipment',
    timeoutSeconds: 30,
    retry: [{ errors: ['States.Timeout'], intervalSeconds: 2, maxAttempts: 2, jitter: 'FULL' }],
  });

  const confirm = saga.publishEvent('PublishOrderConfirmed', {
    detailType: ExampleEvents.orderConfirmed.detailType,
    source: ExampleEvents.orderConfirmed.source,
    detail: {
      'orderId.$': '$.orderId',
      'customerId.$': '$.customerId',
      'items.$': '$.items',
      'total.$': '$.total',
      'currency.$': '$.currency',
      'shippingAddress.$': '$.shippingAddress',
      'paymentId.$': '$.payment.paymentId',
      'shipmentId.$': '$.shipment.shipmentId',
    },
  });

  const done = saga.pass('OrderConfirmed', {
    parameters: {
      'orderId.$': '$.orderId',
      status: 'CONFIRMED',
      'paymentId.$': '$.payment.paymentId',
      'shipmentId.$': '$.shipment.shipmentId',
    },
  });

  return saga.build(validate.next(reserve).next(checkTotal).next(charge).next(ship).next(confirm).next(done));
}
