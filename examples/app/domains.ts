/**
 * The example domains as plain data: the one source of truth that the CDK stacks
 * (`orders-stack.ts`, `shipping-stack.ts`) deploy and that `npm start` runs locally.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import { ExampleEvents } from './example-events.js';
import { placeOrderSaga } from './place-order-saga.js';

/** A worker of an example domain: its module is `examples/app/workers/<name>.ts`. */
export interface ExampleWorker {
  readonly maxConcurrency?: number;
  readonly batchSize?: number;
}

/** An EventBridge rule that starts a workflow. */
export interface ExampleTrigger {
  readonly workflow: string;
  readonly source: string;
  readonly detailType: string;
  /** Names the execution: a redelivered event never starts a second one. */
  readonly businessKeyPath: string;
}

/** An example domain. */
export interface ExampleDomain {
  readonly domain: string;
  readonly workflows: Readonly<Record<string, StateMachineDefinition>>;
  readonly workers: Readonly<Record<string, ExampleWorker>>;
  /** The folder of the worker modules (the local runtime imports `<workersDir>/<name>`). */
  readonly workersDir: string;
  readonly triggers: readonly ExampleTrigger[];
}

/** The example workers' folder: `workers/` next to this file (sources, or the built `.js`). */
export const EXAMPLE_WORKERS_DIR = fileURLToPath(new URL('workers/', import.meta.url));

/** The ScheduleShipment definition file (ASL JSON with Baton's Compensate). */
export const SCHEDULE_SHIPMENT_DEFINITION = fileURLToPath(
  new URL('schedule-shipment.asl.json', import.meta.url),
);

/** The orders domain: PlaceOrder, started by `Order Placed`. */
export function ordersDomain(): ExampleDomain {
  return {
    domain: 'orders',
    workersDir: EXAMPLE_WORKERS_DIR,
    workflows: { PlaceOrder: placeOrderSaga().asl },
    workers: {
      'inventory-reserve': {},
      'inventory-release': {},
      // Payments: a provider with a rate limit, so a few at a time, one charge per invocation.
      'payment-charge': { maxConcurrency: 5, batchSize: 1 },
      'payment-refund': { maxConcurrency: 5, batchSize: 1 },
      'shipment-create': {},
    },
    triggers: [{ workflow: 'PlaceOrder', ...ExampleEvents.orderPlaced, businessKeyPath: '$.detail.orderId' }],
  };
}

/** The shipping domain: ScheduleShipment, started by the orders domain's `Order Confirmed`. */
export function shippingDomain(): ExampleDomain {
  return {
    domain: 'shipping',
    workersDir: EXAMPLE_WORKERS_DIR,
    workflows: {
      ScheduleShipment: JSON.parse(
        readFileSync(SCHEDULE_SHIPMENT_DEFINITION, 'utf8'),
      ) as StateMachineDefinition,
    },
    workers: { 'carrier-select': {}, 'pickup-book': {}, 'pickup-cancel': {} },
    triggers: [
      { workflow: 'ScheduleShipment', ...ExampleEvents.orderConfirmed, businessKeyPath: '$.detail.orderId' },
    ],
  };
}

/** Both example domains. */
export function exampleDomains(): ExampleDomain[] {
  return [ordersDomain(), shippingDomain()];
}
