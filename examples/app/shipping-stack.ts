/**
 * The shipping domain: reacts by choreography to the orders domain's `Order Confirmed` event,
 * with a rule of its own, and runs the ScheduleShipment workflow (an ASL file).
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { EXAMPLE_ALARM_TOPIC_NAME, EXAMPLE_BUS_NAME } from './shared-stack.js';
import { domainProps } from './domain-props.js';
import { shippingDomain } from './domains.js';

export { SCHEDULE_SHIPMENT_DEFINITION } from './domains.js';

/** The shipping domain. */
export class ShippingStack extends Stack {
  readonly orchestrator: SagaOrchestrator;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.orchestrator = new SagaOrchestrator(this, 'Shipping', {
      eventBus: events.EventBus.fromEventBusName(this, 'Bus', EXAMPLE_BUS_NAME),
      alarmTopic: sns.Topic.fromTopicArn(
        this,
        'AlarmTopic',
        this.formatArn({ service: 'sns', resource: EXAMPLE_ALARM_TOPIC_NAME }),
      ),
      ...domainProps(shippingDomain()),
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
  }
}
