/**
 * The orders domain: the PlaceOrder saga, started by `Order Placed` events, run by five workers.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { EXAMPLE_ALARM_TOPIC_NAME, EXAMPLE_BUS_NAME } from './shared-stack.js';
import { domainProps } from './domain-props.js';
import { ordersDomain } from './domains.js';

/** The orders domain. */
export class OrdersStack extends Stack {
  readonly orchestrator: SagaOrchestrator;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.orchestrator = new SagaOrchestrator(this, 'Orders', {
      eventBus: events.EventBus.fromEventBusName(this, 'Bus', EXAMPLE_BUS_NAME),
      alarmTopic: sns.Topic.fromTopicArn(
        this,
        'AlarmTopic',
        this.formatArn({ service: 'sns', resource: EXAMPLE_ALARM_TOPIC_NAME }),
      ),
      ...domainProps(ordersDomain()),
      // An example: everything goes with `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
  }
}
