/**
 * The example app: a shared bus and alarm topic, the orders domain and the shipping domain.
 * `bin/app.ts` builds it for `cdk synth` and `cdk deploy`; the CDK tests build the same.
 */
import type { App, Environment } from 'aws-cdk-lib';
import { OrdersStack } from './orders-stack.js';
import { SharedStack } from './shared-stack.js';
import { ShippingStack } from './shipping-stack.js';

/** The stacks of the example app. */
export interface ExampleStacks {
  readonly shared: SharedStack;
  readonly orders: OrdersStack;
  readonly shipping: ShippingStack;
}

/** Stack names, as `cdk deploy` shows them. */
export const ExampleStackNames = {
  shared: 'BatonExampleShared',
  orders: 'BatonExampleOrders',
  shipping: 'BatonExampleShipping',
} as const;

/** Adds the example stacks to `app`, all in `env`. */
export function buildExampleApp(app: App, env: Environment): ExampleStacks {
  const description = 'Baton example app: ';
  const shared = new SharedStack(app, ExampleStackNames.shared, {
    env,
    description: `${description}the shared event bus and alarm topic`,
  });
  const orders = new OrdersStack(app, ExampleStackNames.orders, {
    env,
    description: `${description}the orders domain (PlaceOrder saga)`,
  });
  const shipping = new ShippingStack(app, ExampleStackNames.shipping, {
    env,
    description: `${description}the shipping domain (ScheduleShipment)`,
  });
  // The domains find the bus and the topic by name: deploy them first.
  orders.addStackDependency(shared);
  shipping.addStackDependency(shared);
  return { shared, orders, shipping };
}
