/**
 * The orders domain: the PlaceOrder saga, started by `Order Placed` events, run by five workers.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SagaOrchestrator } from '../saga-orchestrator.js';
import { ExampleEvents } from './example-events.js';
import { EXAMPLE_ALARM_TOPIC_NAME, EXAMPLE_BUS_NAME } from './shared-stack.js';
import { placeOrderSaga } from './place-order-saga.js';
import { workerEntry } from './worker-entry.js';

/** The orders domain. */
export class OrdersStack extends Stack {
  readonly orchestrator: SagaOrchestrator;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.orchestrator = new SagaOrchestrator(this, 'Orders', {
      domain: 'orders',
      eventBus: events.EventBus.fromEventBusName(this, 'Bus', EXAMPLE_BUS_NAME),
      alarmTopic: sns.Topic.fromTopicArn(
        this,
        'AlarmTopic',
        this.formatArn({ service: 'sns', resource: EXAMPLE_ALARM_TOPIC_NAME }),
      ),
      workflows: { PlaceOrder: placeOrderSaga() },
      workers: {
        'inventory-reserve': { entry: workerEntry('inventory-reserve') },
        'inventory-release': { entry: workerEntry('inventory-release') },
        // Payments: a provider with a rate limit, so a few at a time, one charge per invocation.
        'payment-charge': { entry: workerEntry('payment-charge'), maxConcurrency: 5, batchSize: 1 },
        'payment-refund': { entry: workerEntry('payment-refund'), maxConcurrency: 5, batchSize: 1 },
        'shipment-create': { entry: workerEntry('shipment-create') },
      },
      triggers: [
        {
          workflow: 'PlaceOrder',
          eventPattern: {
            source: [ExampleEvents.orderPlaced.source],
            detailType: [ExampleEvents.orderPlaced.detailType],
          },
          businessKeyPath: '$.detail.orderId',
        },
      ],
      // An example: everything goes with `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
  }
}
