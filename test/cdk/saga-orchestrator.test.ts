import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { definitionVersion } from '../../lambdas/contract/definition-version.js';
import { InvalidPropsError, InvalidWorkflowError } from '../../lib/errors.js';
import { placeOrderSaga } from '../../examples/app/place-order-saga.js';
import { workerEntry } from '../../examples/app/worker-entry.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import type { SagaOrchestratorProps } from '../../lib/saga-orchestrator-props.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const NIGHTLY = {
  StartAt: 'Report',
  States: { Report: { Type: 'Task', Resource: 'baton:worker:report', TimeoutSeconds: 600, End: true } },
};

const orderWorkers = {
  'inventory-reserve': { entry: workerEntry('inventory-reserve') },
  'inventory-release': { entry: workerEntry('inventory-release') },
  'payment-charge': { entry: workerEntry('payment-charge'), maxConcurrency: 5, batchSize: 1 },
  'payment-refund': { entry: workerEntry('payment-refund') },
  'shipment-create': { entry: workerEntry('shipment-create') },
};

/** One synth for the whole file: the orders domain plus a scheduled workflow run by an existing function. */
function buildStack() {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: TEST_ENV });
  const topic = new sns.Topic(stack, 'AlarmTopic');
  const report = new lambda.Function(stack, 'ReportFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    timeout: Duration.seconds(20),
  });
  const orchestrator = new SagaOrchestrator(stack, 'Orders', {
    domain: 'orders',
    alarmTopic: topic,
    workflows: { PlaceOrder: placeOrderSaga(), Nightly: NIGHTLY },
    workers: { ...orderWorkers, report },
    triggers: [
      {
        workflow: 'PlaceOrder',
        eventPattern: { source: ['com.example.storefront'], detailType: ['Order Placed'] },
        businessKeyPath: '$.detail.orderId',
      },
    ],
    schedules: [
      {
        workflow: 'Nightly',
        schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
        input: { mode: 'full' },
      },
    ],
    orchestrator: { maxConcurrency: 4 },
  });
  const checkout = new iam.Role(stack, 'Checkout', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  orchestrator.grantStartExecution(checkout);
  return { stack, orchestrator, template: Template.fromStack(stack) };
}

let stack: Stack;
let orchestrator: SagaOrchestrator;
let template: Template;
let resources: Resources;

beforeAll(() => {
  ({ stack, orchestrator, template } = buildStack());
  resources = template.toJSON().Resources as Resources;
});

const ref = (construct: { node: { defaultChild?: unknown } } | undefined): string => {
  const child = construct?.node.defaultChild as Parameters<Stack['getLogicalId']>[0];
  return stack.getLogicalId(child);
};
const logicalIdOf = (construct: unknown) =>
  stack.getLogicalId(construct as Parameters<Stack['getLogicalId']>[0]);
const arnOf = (construct: unknown) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });

/** The statements of every policy attached to the role with this logical id. */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function roleIdByDescription(description: string): string {
  const found = Object.entries(resources).find(
    ([, resource]) => resource.Type === 'AWS::IAM::Role' && resource.Properties.Description === description,
  );
  if (!found) throw new Error(`no role described as ${description}`);
  return found[0];
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const allowing = (statements: Statement[], action: string) =>
  statements.filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action));

describe('SagaOrchestrator: storage', () => {
  it('creates the table on demand, with point-in-time recovery, KMS encryption, TTL and the schema keys', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'ByStatus', Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: 'ByWorkflow', Projection: { ProjectionType: 'KEYS_ONLY' } }),
        Match.objectLike({ IndexName: 'ByBusinessKey', Projection: { ProjectionType: 'KEYS_ONLY' } }),
        Match.objectLike({ IndexName: 'ByStartTime', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      ]),
    });
  });

  it('keeps the payload bucket private, encrypted, TLS-only, with snapshots expiring', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'executions/', ExpirationInDays: 365 + 90, Status: 'Enabled' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('generates the task token key in Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });
});

describe('SagaOrchestrator: queues', () => {
  const queues = () =>
    Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::SQS::Queue');

  it('encrypts every queue and refuses non-TLS access to each', () => {
    expect(queues().length).toBeGreaterThan(0);
    for (const [id, queue] of queues()) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      const policy = Object.values(resources).find(
        (resource) =>
          resource.Type === 'AWS::SQS::QueuePolicy' &&
          JSON.stringify(resource.Properties.Queues) === JSON.stringify([{ Ref: id }]),
      );
      expect(policy, `queue policy of ${id}`).toBeDefined();
      expect((policy?.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('gives the inbox and every worker queue a dead-letter queue', () => {
    const deadLetterQueues = [
      orchestrator.inboxDeadLetterQueue,
      ...Object.values(orchestrator.workers).map((w) => w.deadLetterQueue),
    ];
    const mainQueues = [orchestrator.inbox, ...Object.values(orchestrator.workers).map((w) => w.queue)];
    mainQueues.forEach((queue, index) => {
      expect(resources[logicalIdOf(queue.node.defaultChild)]?.Properties.RedrivePolicy).toMatchObject({
        deadLetterTargetArn: arnOf(deadLetterQueues[index]?.node.defaultChild),
      });
    });
  });

  it('sizes the inbox visibility to six times the orchestrator timeout', () => {
    expect(resources[ref(orchestrator.inbox)]?.Properties.VisibilityTimeout).toBe(180);
  });

  it('derives a worker queue visibility from its states: six times the function timeout, at least the largest TimeoutSeconds', () => {
    // inventory-reserve: TimeoutSeconds 30 -> function timeout 30 s -> 180 s.
    expect(
      resources[ref(orchestrator.workers['inventory-reserve']?.queue)]?.Properties.VisibilityTimeout,
    ).toBe(180);
    // report: an existing function of 20 s (120 s), used by a state with TimeoutSeconds 600.
    expect(resources[ref(orchestrator.workers.report?.queue)]?.Properties.VisibilityTimeout).toBe(600);
  });
});

describe('SagaOrchestrator: functions', () => {
  it('runs the orchestrator on ARM64 Node.js 22 with active tracing and the Powertools settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Baton orchestrator of domain orders',
      Architectures: ['arm64'],
      Runtime: 'nodejs22.x',
      TracingConfig: { Mode: 'Active' },
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'baton.orders',
          POWERTOOLS_METRICS_NAMESPACE: 'Baton',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          BATON_EVENT_SOURCE: 'baton.orders',
          BATON_TABLE_NAME: { Ref: ref(orchestrator.table) },
          BATON_INBOX_QUEUE_URL: { Ref: ref(orchestrator.inbox) },
          BATON_INBOX_QUEUE_ARN: arnOf(orchestrator.inbox.node.defaultChild),
          BATON_SCHEDULER_ROLE_ARN: arnOf(orchestrator.schedulerRole.node.defaultChild),
          BATON_TOKEN_SECRET_ARN: { Ref: ref(orchestrator.tokenSecret) },
          BATON_WORKER_QUEUES: Match.anyValue(),
          BATON_EVENT_BUS_NAME: Match.anyValue(),
          BATON_PAYLOAD_BUCKET: Match.anyValue(),
          BATON_SCHEDULER_GROUP: Match.anyValue(),
        }),
      },
    });
  });

  it('runs every bundled worker on ARM64 Node.js 22 with tracing and the worker environment', () => {
    for (const name of Object.keys(orderWorkers)) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: `Baton worker ${name}`,
        Architectures: ['arm64'],
        Runtime: 'nodejs22.x',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            BATON_WORKER_NAME: name,
            BATON_INBOX_QUEUE_URL: { Ref: ref(orchestrator.publicInbox) },
            BATON_LOG_PAYLOADS: 'false',
          }),
        },
      });
    }
  });

  it('reports partial batch failures on every event source mapping', () => {
    const mappings = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::EventSourceMapping',
    );
    // The orchestrator's two inboxes, and each worker's queue.
    expect(mappings).toHaveLength(2 + Object.keys(orchestrator.workers).length);
    for (const mapping of mappings) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('feeds the orchestrator from the inbox with its batch size and concurrency limit', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(orchestrator.inbox.node.defaultChild),
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("applies a worker's batch size and maximum concurrency to its event source", () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(orchestrator.workers['payment-charge']?.queue.node.defaultChild),
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });
});

describe('SagaOrchestrator: least privilege', () => {
  const orchestratorStatements = () =>
    statementsOfRole(roleIdByDescription('Baton orchestrator of domain orders'));

  it('lets the orchestrator use the table and its indexes, named one by one', () => {
    const [statement, ...others] = allowing(orchestratorStatements(), 'dynamodb:PutItem');
    expect(others).toEqual([]);
    const tableArn = arnOf(orchestrator.table.node.defaultChild);
    const expected = [
      tableArn,
      ...['ByStatus', 'ByWorkflow', 'ByBusinessKey', 'ByStartTime'].map((index) => ({
        'Fn::Join': ['', [tableArn, `/index/${index}`]],
      })),
    ];
    expect(statement?.Resource).toHaveLength(expected.length);
    expect(statement?.Resource).toEqual(expect.arrayContaining(expected));
    expect(actionsOf(statement as Statement).sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        // The Map Run store's counters.
        'dynamodb:UpdateItem',
      ].sort(),
    );
  });

  it('lets the orchestrator send to its inbox and its worker queues only', () => {
    const resourcesSent = allowing(orchestratorStatements(), 'sqs:SendMessage').flatMap((s) =>
      [s.Resource].flat(),
    );
    const expected = [orchestrator.inbox, ...Object.values(orchestrator.workers).map((w) => w.queue)].map(
      (queue) => arnOf(queue.node.defaultChild),
    );
    expect(resourcesSent).toHaveLength(expected.length);
    expect(resourcesSent).toEqual(expect.arrayContaining(expected));
  });

  it("confines schedules to the domain's group and passes the Scheduler role to Scheduler only", () => {
    const statements = orchestratorStatements();
    const [schedules] = allowing(statements, 'scheduler:CreateSchedule');
    expect(actionsOf(schedules as Statement).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
    ]);
    expect(JSON.stringify(schedules?.Resource)).toContain(
      `:schedule/${orchestrator.scheduleGroup.scheduleGroupName}/*`,
    );
    expect(allowing(statements, 'iam:PassRole')).toEqual([
      expect.objectContaining({
        Resource: arnOf(orchestrator.schedulerRole.node.defaultChild),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    ]);
  });

  it('reads the token secret, publishes on the bus and reaches only the executions/ prefix of the bucket', () => {
    const statements = orchestratorStatements();
    expect(allowing(statements, 'secretsmanager:GetSecretValue')[0]?.Resource).toEqual({
      Ref: ref(orchestrator.tokenSecret),
    });
    expect(allowing(statements, 'events:PutEvents')[0]?.Resource).toEqual(
      arnOf(orchestrator.eventBus.node.defaultChild),
    );
    expect(allowing(statements, 's3:PutObject')[0]?.Resource).toEqual({
      'Fn::Join': ['', [arnOf(orchestrator.payloadBucket.node.defaultChild), '/executions/*']],
    });
  });

  it('grants nothing on every resource but X-Ray, which has no resource-level permissions', () => {
    const wildcard = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => statement.Resource === '*');
    expect(wildcard.length).toBeGreaterThan(0);
    for (const statement of wildcard) {
      expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it("lets a worker send to the public inbox only, and read no other worker's queue", () => {
    const statements = statementsOfRole(roleIdByDescription('Baton worker payment-charge'));
    expect(allowing(statements, 'sqs:SendMessage').map((s) => s.Resource)).toEqual([
      arnOf(orchestrator.publicInbox.node.defaultChild),
    ]);
    expect(allowing(statements, 'sqs:ReceiveMessage').map((s) => s.Resource)).toEqual([
      arnOf(orchestrator.workers['payment-charge']?.queue.node.defaultChild),
    ]);
    expect(allowing(statements, 'dynamodb:GetItem')).toEqual([]);
  });

  it('lets the definition publisher put definition items only', () => {
    const statements = statementsOfRole(
      roleIdByDescription('Baton: writes workflow definitions as immutable versions at deploy'),
    );
    expect(allowing(statements, 'dynamodb:PutItem')).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: arnOf(orchestrator.table.node.defaultChild),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WF#*'] } },
      },
    ]);
  });

  it('lets Scheduler assume its role only for schedules of this group and account, to send to the inbox', () => {
    const role = resources[ref(orchestrator.schedulerRole)];
    expect(role?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': TEST_ENV.account,
              'aws:SourceArn': arnOf(orchestrator.scheduleGroup.node.defaultChild),
            },
          },
        },
      ],
    });
    const sent = statementsOfRole(ref(orchestrator.schedulerRole)).flatMap((s) =>
      actionsOf(s).includes('sqs:SendMessage') ? [s.Resource] : [],
    );
    expect(sent).toEqual(
      expect.arrayContaining([
        arnOf(orchestrator.inbox.node.defaultChild),
        arnOf(orchestrator.inboxDeadLetterQueue.node.defaultChild),
      ]),
    );
    expect(sent).toHaveLength(2);
  });

  it('grantStartExecution lets the grantee send to the public inbox, and to nothing else', () => {
    const statements = statementsOfRole(logicalIdOf(stack.node.findChild('Checkout').node.defaultChild));
    expect(statements).toEqual([
      expect.objectContaining({
        Resource: arnOf(orchestrator.publicInbox.node.defaultChild),
        Action: expect.arrayContaining(['sqs:SendMessage']),
      }),
    ]);
  });

  it('lets no one outside the construct send to the internal inbox: only its own roles and rules', () => {
    const senders = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
      .filter(([, resource]) =>
        (
          resource.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
        ).Statement.some(
          (statement) =>
            JSON.stringify(statement.Action).includes('sqs:SendMessage') &&
            [statement.Resource]
              .flat()
              .some(
                (resource) =>
                  JSON.stringify(resource) === JSON.stringify(arnOf(orchestrator.inbox.node.defaultChild)),
              ),
        ),
      )
      .flatMap(([, resource]) => (resource.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
    expect(senders.sort()).toEqual(
      [roleIdByDescription('Baton orchestrator of domain orders'), ref(orchestrator.schedulerRole)].sort(),
    );
  });

  it('feeds the orchestrator from its public inbox too, and tells it which queue that is', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(orchestrator.publicInbox.node.defaultChild),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Baton orchestrator of domain orders',
      Environment: {
        Variables: Match.objectLike({
          BATON_PUBLIC_INBOX_QUEUE_ARN: arnOf(orchestrator.publicInbox.node.defaultChild),
        }),
      },
    });
  });
});

describe('SagaOrchestrator: definitions, triggers and schedules', () => {
  it('writes each workflow at deploy as the version computed at synth', () => {
    const definition = placeOrderSaga().asl;
    template.hasResourceProperties('Custom::BatonWorkflowDefinition', {
      Workflow: 'PlaceOrder',
      Version: definitionVersion(definition),
      Definition: JSON.stringify(definition),
      TableName: { Ref: ref(orchestrator.table) },
    });
    template.hasResourceProperties('Custom::BatonWorkflowDefinition', {
      Workflow: 'Nightly',
      Version: definitionVersion(NIGHTLY as never),
    });
    expect(orchestrator.workflowVersions.PlaceOrder).toBe(definitionVersion(definition));
  });

  it('starts a workflow from its trigger: the whole event, with detail, wrapped as StartFromEvent', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.example.storefront'], 'detail-type': ['Order Placed'] },
      Targets: [
        {
          Arn: arnOf(orchestrator.inbox.node.defaultChild),
          DeadLetterConfig: { Arn: arnOf(orchestrator.inboxDeadLetterQueue.node.defaultChild) },
          InputTransformer: {
            InputTemplate:
              '{"kind":"StartFromEvent","workflow":"PlaceOrder","businessKeyPath":"$.detail.orderId","event":<aws.events.event.json>}',
          },
        },
      ],
    });
  });

  it('routes the events that executions wait for to the inbox', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Fraud Check Completed'], source: ['com.example.fraud'] },
      Targets: [
        Match.objectLike({
          Arn: arnOf(orchestrator.inbox.node.defaultChild),
          InputTransformer: { InputTemplate: '{"kind":"EventReceived","event":<aws.events.event.json>}' },
        }),
      ],
    });
  });

  it('lets EventBridge send to the inbox only for its own rules', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ref(orchestrator.inbox) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('starts scheduled workflows through the Scheduler role, named by the Scheduler execution', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      GroupName: Match.anyValue(),
      Target: {
        Arn: arnOf(orchestrator.inbox.node.defaultChild),
        RoleArn: arnOf(orchestrator.schedulerRole.node.defaultChild),
        DeadLetterConfig: { Arn: arnOf(orchestrator.inboxDeadLetterQueue.node.defaultChild) },
        Input: JSON.stringify({
          kind: 'StartExecution',
          workflow: 'Nightly',
          name: '<aws.scheduler.execution-id>',
          input: { mode: 'full' },
        }),
      },
    });
  });
});

describe('SagaOrchestrator: observability', () => {
  const alarms = () =>
    Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');

  it('alarms on every dead-letter queue holding a message', () => {
    const deadLetterQueues = [
      orchestrator.inboxDeadLetterQueue,
      ...Object.values(orchestrator.workers).map((w) => w.deadLetterQueue),
    ];
    for (const queue of deadLetterQueues) {
      const alarm = alarms().find(
        (resource) =>
          resource.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(resource.Properties.Dimensions).includes(logicalIdOf(queue.node.defaultChild)),
      );
      expect(alarm?.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on failed and compensation-failed executions from the Baton EMF metrics of the domain', () => {
    for (const metricName of ['ExecutionsFailed', 'ExecutionsCompensationFailed']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Baton',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'baton.orders' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms when the oldest inbox message is five minutes old', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(orchestrator.inbox), 'QueueName'] } }],
      Threshold: 300,
    });
  });

  it('notifies the alarm topic on alarm and on recovery', () => {
    const topic = { Ref: logicalIdOf(stack.node.findChild('AlarmTopic').node.defaultChild) };
    for (const alarm of alarms()) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
  });

  it('saves the Logs Insights queries over the orchestrator and worker logs', () => {
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'Baton/orders/Timeline of execution X',
      QueryString: Match.stringLikeRegexp('xray_trace_id[\\s\\S]*filter executionId = "PlaceOrder:'),
      LogGroupNames: Match.arrayWith([
        { Ref: ref(stack.node.findAll().find((c) => c.node.path.endsWith('Orchestrator/Logs'))) },
      ]),
    });
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: Match.stringLikeRegexp('Failed steps in the last hour'),
      QueryString: Match.stringLikeRegexp('TaskFailed'),
    });
  });

  it('removes its schedule group with the stack, so that a redeploy does not collide with a retained one', () => {
    template.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Delete' });
  });

  it('creates the dashboard and the outputs a CLI looks for', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Baton-Test-orders' });
    template.hasOutput('BatonOrdersInboxQueueUrl', { Value: { Ref: ref(orchestrator.inbox) } });
    template.hasOutput('BatonOrdersTableName', { Value: { Ref: ref(orchestrator.table) } });
    template.hasOutput('BatonOrdersEventBusName', {
      Value: { Ref: logicalIdOf(orchestrator.eventBus.node.defaultChild) },
    });
  });
});

describe('SagaOrchestrator: checks at synth', () => {
  const minimal = (overrides: Partial<SagaOrchestratorProps>): (() => void) => {
    return () => {
      const app = testApp();
      const stack = new Stack(app, 'Failing', { env: TEST_ENV });
      new SagaOrchestrator(stack, 'Orders', { domain: 'orders', workflows: {}, ...overrides });
    };
  };

  it('fails with the workflow name and the pointer of an invalid field', () => {
    const broken = {
      StartAt: 'Charge',
      States: {
        Charge: {
          Type: 'Task',
          Resource: 'baton:worker:charge',
          Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }],
          End: true,
        },
      },
    };
    const synth = minimal({
      workflows: { Broken: broken },
      workers: { charge: { entry: workerEntry('payment-charge') } },
    });
    expect(synth).toThrow(InvalidWorkflowError);
    expect(synth).toThrow(/^Workflow Broken: \/States\/Charge\/Retry\/0\/BackoffRate: /);
  });

  it('fails with the figure when a definition is too large for its version item (DynamoDB 400 KB)', () => {
    const large = {
      StartAt: 'Big',
      // 500,000 characters of constants: a deploy would fail at the publisher's PutItem.
      States: { Big: { Type: 'Pass', Result: { blob: 'x'.repeat(500_000) }, End: true } },
    };
    const synth = minimal({ workflows: { Large: large } });
    expect(synth).toThrow(InvalidWorkflowError);
    expect(synth).toThrow(
      /^Workflow Large: \/: the definition is 500\d{3} bytes of JSON, over the 408576 bytes/,
    );
  });

  it("fails with the figure when the orchestrator's environment would exceed Lambda's 4 KB", () => {
    // Workers given as functions (nothing to bundle); each one's queue URL goes into the environment.
    const workers = (count: number) => (stack: Stack) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [
          `worker-number-${i}`,
          {
            function: new lambda.Function(stack, `Fn${i}`, {
              runtime: lambda.Runtime.NODEJS_22_X,
              handler: 'index.handler',
              code: lambda.Code.fromInline('exports.handler = async () => {}'),
            }),
          },
        ]),
      );
    const synth = (count: number) => () => {
      const stack = new Stack(testApp(), 'Crowded', { env: TEST_ENV });
      new SagaOrchestrator(stack, 'Orders', {
        domain: 'orders',
        workflows: { Hello: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } },
        workers: workers(count)(stack),
      });
    };
    expect(synth(10)).not.toThrow();
    expect(synth(30)).toThrow(InvalidPropsError);
    expect(synth(30)).toThrow(
      /environment would take about \d+ bytes with 30 workers.*over Lambda's limit of 4096 bytes/,
    );
  });

  it("fails synth when a Baton function's role is granted anything but X-Ray on every resource", () => {
    const stack = new Stack(testApp(), 'Wide', { env: TEST_ENV });
    const orders = new SagaOrchestrator(stack, 'Orders', {
      domain: 'orders',
      workflows: { Hello: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } },
    });
    orders.orchestratorFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );

    expect(() => Template.fromStack(stack)).toThrow(
      /is granted s3:GetObject on every resource \('\*'\).*covers X-Ray tracing only/,
    );
  });

  it('fails when a task names a worker the construct does not define', () => {
    const { 'payment-charge': _missing, ...withoutCharge } = orderWorkers;
    expect(minimal({ workflows: { PlaceOrder: placeOrderSaga() }, workers: withoutCharge })).toThrow(
      "Workflow PlaceOrder: /States/ChargePayment/Resource: worker 'payment-charge' is not defined in this SagaOrchestrator",
    );
  });

  it('fails when a trigger names a workflow the construct does not have', () => {
    expect(
      minimal({
        workflows: { Nightly: NIGHTLY },
        workers: { report: { entry: workerEntry('carrier-select') } },
        triggers: [{ workflow: 'PlaceOrdr', eventPattern: { detailType: ['Order Placed'] } }],
      }),
    ).toThrow(InvalidPropsError);
  });

  it('fails on a batch size SQS cannot deliver', () => {
    expect(
      minimal({
        workflows: { Nightly: NIGHTLY },
        workers: { report: { entry: workerEntry('carrier-select'), batchSize: 50 } },
      }),
    ).toThrow('workers.report.batchSize: must be an integer from 1 to 10, got 50');
  });
});
