/**
 * What the example domains share: the event bus they publish on and listen to (orchestration
 * inside a domain, choreography between them), and the SNS topic their alarms notify. The domain
 * stacks find both by name, as another team's stack would: no CloudFormation exports tie them.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** The bus's name: fixed, so that `aws events put-events` and the domain stacks can name it. */
export const EXAMPLE_BUS_NAME = 'baton-example';
/** The alarm topic's name: fixed, so that the domain stacks can name it. */
export const EXAMPLE_ALARM_TOPIC_NAME = 'baton-example-alarms';

/** The shared bus and alarm topic. */
export class SharedStack extends Stack {
  readonly bus: events.EventBus;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: EXAMPLE_BUS_NAME,
      description: 'Baton example: the domain events of orders and shipping',
    });
    // A customer managed key: CloudWatch alarms cannot publish to a topic under the AWS managed SNS key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Baton example: encrypts the alarm topic',
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      topicName: EXAMPLE_ALARM_TOPIC_NAME,
      displayName: 'Baton example alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // With a topic policy (enforceSSL writes one), the topic's default policy no longer applies:
    // CloudWatch alarms of this account publish only if the policy allows them.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );
  }
}
