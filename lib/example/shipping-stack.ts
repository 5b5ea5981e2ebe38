/**
 * The shipping domain: reacts by choreography to the orders domain's `Order Confirmed` event,
 * with a rule of its own, and runs the ScheduleShipment workflow (an ASL file).
 */
import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SagaOrchestrator } from '../saga-orchestrator.js';
import { ExampleEvents } from './example-events.js';
import { EXAMPLE_ALARM_TOPIC_NAME, EXAMPLE_BUS_NAME } from './shared-stack.js';
import { workerEntry } from './worker-entry.js';

/** The ScheduleShipment definition (ASL JSON with Baton's Compensate). */
export const SCHEDULE_SHIPMENT_DEFINITION = fileURLToPath(
  new URL('schedule-shipment.asl.json', import.meta.url),
);

/** The shipping domain. */
export class ShippingStack extends Stack {
  readonly orchestrator: SagaOrchestrator;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.orchestrator = new SagaOrchestrator(this, 'Shipping', {
      domain: 'shipping',
      eventBus: events.EventBus.fromEventBusName(this, 'Bus', EXAMPLE_BUS_NAME),
      alarmTopic: sns.Topic.fromTopicArn(
        this,
        'AlarmTopic',
        this.formatArn({ service: 'sns', resource: EXAMPLE_ALARM_TOPIC_NAME }),
      ),
      workflows: { ScheduleShipment: SCHEDULE_SHIPMENT_DEFINITION },
      workers: {
        'carrier-select': { entry: workerEntry('carrier-select') },
        'pickup-book': { entry: workerEntry('pickup-book') },
        'pickup-cancel': { entry: workerEntry('pickup-cancel') },
      },
      triggers: [
        {
          workflow: 'ScheduleShipment',
          eventPattern: {
            source: [ExampleEvents.orderConfirmed.source],
            detailType: [ExampleEvents.orderConfirmed.detailType],
          },
          businessKeyPath: '$.detail.orderId',
        },
      ],
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
  }
}
