/**
 * The deployment simulation: the example app synthesized and deployed as `baton dev` does it
 * (`local/deploy/`: the app command of cdk.json run as the CDK CLI runs it), its bundled Lambda
 * assets run from the cloud assembly with the environment variables their templates give them
 * (intrinsics resolved to local resources), on dynalite, the in-process queues and bus, and the
 * local AWS endpoint their SDK clients are pointed at. Nothing of the app's source is imported to
 * run it: what runs is what `cdk deploy` would upload, wired as the templates say.
 *
 * Set DEPLOY_SIM_VERBOSE=1 to see the functions' logs as they run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { SqsInboxSender } from '../../lambdas/aws/sqs-inbox-sender.js';
import { StackControl, domainsFromOutputs } from '../../cli/stack-control.js';
import { DynamoDbMapRunStore } from '../../lambdas/aws/dynamodb-map-run-store.js';
import { describeControlPlane } from '../helpers/control-plane-behaviours.js';
import { createTableInput } from '../../lambdas/contract/table-schema.js';
import type { ExecutionStatus } from '../../lambdas/engine/execution.js';
import type { StoredExecution } from '../../lambdas/runtime/ports.js';
import type { LocalQueue } from '../../local/emulators/sqs/queue.js';
import { synthesizeApp } from '../../local/deploy/app-synthesis.js';
import { LocalDeployment, type DeployedStack } from '../../local/deploy/deployment.js';
import { orchestratorStacks } from '../../local/deploy/orchestrator-stacks.js';

const SHARED = 'BatonExampleShared';
const ORDERS = 'BatonExampleOrders';
const SHIPPING = 'BatonExampleShipping';
const BUS = 'baton-example';
const WAIT_MS = 30_000;

/** The example app's directory, where its cdk.json is. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let deployment: LocalDeployment;
let assemblyDirectory: string | undefined;
let events: EventBridgeClient;
const logs: string[] = [];
const run = Date.now().toString(36);

beforeAll(async () => {
  assemblyDirectory = mkdtempSync(join(tmpdir(), 'baton-deploy-sim-'));
  const assembly = await synthesizeApp({ appDir: ROOT, outdir: assemblyDirectory, timeoutMs: 110_000 });
  // The stacks baton dev picks: those with an orchestrator, after the shared stack they depend on.
  expect(orchestratorStacks(assembly)).toEqual([SHARED, ORDERS, SHIPPING]);
  deployment = await LocalDeployment.deploy({
    assembly,
    stacks: [SHARED, ORDERS, SHIPPING],
    onLog: (line) => {
      logs.push(line);
      if (process.env.DEPLOY_SIM_VERBOSE) console.log(line);
    },
  });
  // As `aws events put-events` would: through the EventBridge API.
  events = new EventBridgeClient({
    endpoint: deployment.endpoint.url,
    region: deployment.stack(ORDERS).context.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 150_000);

afterAll(async () => {
  events?.destroy();
  await deployment?.close();
  if (assemblyDirectory) rmSync(assemblyDirectory, { recursive: true, force: true });
}, 120_000);

/** Logical id of the only resource of `stack` whose construct path is, or starts with, `path`. */
function logicalId(stack: DeployedStack, path: string): string {
  const prefix = `${stack.stackName}/${path}`;
  const ids = Object.entries(stack.source.template.Resources)
    .filter(([, resource]) => String(resource.Metadata?.['aws:cdk:path'] ?? '').startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`${ids.length} resources at ${prefix}*`);
  return ids[0] as string;
}

function executions(stackName: string): DynamoDbExecutionStore {
  const [tableName] = deployment.stack(stackName).tables.values();
  if (!tableName) throw new Error(`${stackName} has no table`);
  return new DynamoDbExecutionStore({ client: deployment.dynamodb.client, tableName });
}

async function put(...entries: Omit<PutEventsRequestEntry, 'EventBusName'>[]): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({ Entries: entries.map((entry) => ({ ...entry, EventBusName: BUS })) }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

function orderPlaced(orderId: string, customerId: string, total: number): PutEventsRequestEntry {
  return {
    Source: 'com.example.storefront',
    DetailType: 'Order Placed',
    Detail: JSON.stringify({
      orderId,
      customerId,
      items: [{ sku: 'BOOK-1', quantity: 2, weightGrams: 400 }],
      total,
      currency: 'EUR',
      shippingAddress: { country: 'DE', postalCode: '10115', city: 'Berlin' },
    }),
  };
}

/** Polls until `check` returns a value, or fails with the functions' latest logs. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}. Latest function output:\n${logs.slice(-60).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function settledExecution(
  stackName: string,
  executionId: string,
  statuses: readonly ExecutionStatus[],
): Promise<StoredExecution> {
  const store = executions(stackName);
  return eventually(`${executionId} to be ${statuses.join(' or ')}`, async () => {
    const stored = await store.load(executionId);
    if (stored && !['RUNNING', 'COMPENSATING'].includes(stored.execution.status)) {
      expect(
        statuses,
        `${executionId}: ${stored.execution.error ?? ''} ${stored.execution.cause ?? ''}`,
      ).toContain(stored.execution.status);
    }
    return stored && statuses.includes(stored.execution.status) ? stored : undefined;
  });
}

function eventsOnBus(detailType: string, orderId: string) {
  const bus = deployment.buses.get(BUS);
  return (bus?.archive ?? []).filter(
    (archived) => archived.event['detail-type'] === detailType && archived.event.detail.orderId === orderId,
  );
}

function lifecycle(source: string, detailType: string, executionId: string) {
  return deployment.buses
    .get(BUS)
    ?.archive.find(
      (archived) =>
        archived.event.source === source &&
        archived.event['detail-type'] === detailType &&
        archived.event.detail.executionId === executionId,
    );
}

describe('the example app, deployed from its cloud assembly onto local services', { timeout: 60_000 }, () => {
  it('creates what the templates describe: queues, mappings, table, definitions, rules', async () => {
    const orders = deployment.stack(ORDERS);
    const shipping = deployment.stack(SHIPPING);
    // Orders: orchestrator, five workers, definition publisher; shipping: orchestrator, three workers, publisher.
    expect(orders.functions.size).toBe(7);
    expect(shipping.functions.size).toBe(5);
    // The orchestrator reads two queues (the internal and the public inbox), each worker one.
    expect(orders.mappings.size).toBe(7);
    expect(shipping.mappings.size).toBe(5);

    const inbox = orders.queues.get(logicalId(orders, 'Orders/Inbox/Queue/Resource'));
    expect(inbox?.visibilityTimeoutSeconds).toBe(180);
    expect(inbox?.redrivePolicy?.maxReceiveCount).toBe(10);
    expect(deployment.output(ORDERS, 'BatonOrdersInboxQueueUrl')).toBe(
      deployment.endpoint.queueUrl(inbox as LocalQueue),
    );
    expect(inbox?.redrivePolicy?.deadLetterQueue).toBe(
      orders.queues.get(logicalId(orders, 'Orders/Inbox/DeadLetterQueue/Resource')),
    );
    const chargeQueue = orders.queues.get(
      logicalId(orders, 'Orders/Worker-payment-charge/Queue/Queue/Resource'),
    );
    expect(chargeQueue?.redrivePolicy?.maxReceiveCount).toBe(5);

    const orchestratorMappings = Object.entries(orders.source.template.Resources)
      .filter(([, resource]) =>
        String(resource.Metadata?.['aws:cdk:path'] ?? '').includes(
          '/Orders/Orchestrator/Function/SqsEventSource',
        ),
      )
      .map(([id]) => id);
    expect(orchestratorMappings).toHaveLength(2);
    for (const id of orchestratorMappings) {
      const orchestrator = orders.mappings.get(id);
      expect(orchestrator).toMatchObject({
        batchSize: 10,
        reportBatchItemFailures: true,
        functionTimeoutSeconds: 30,
      });
    }
    expect(deployment.output(ORDERS, 'BatonOrdersPublicInboxQueueUrl')).toBe(
      deployment.endpoint.queueUrl(
        orders.queues.get(logicalId(orders, 'Orders/PublicInbox/Queue/Resource')) as LocalQueue,
      ),
    );
    const charge = orders.mappings.get(
      logicalId(orders, 'Orders/Worker-payment-charge/Worker/Function/SqsEventSource'),
    );
    expect(charge).toMatchObject({ batchSize: 1, maximumConcurrency: 5, reportBatchItemFailures: true });

    // The table CloudFormation would create is the one the DynamoDB adapters are written for.
    const table = orders.source.template.Resources[logicalId(orders, 'Orders/Table/Resource')];
    const expected = createTableInput('any');
    expect(table?.Properties).toMatchObject({
      KeySchema: expected.KeySchema,
      AttributeDefinitions: expect.arrayContaining(expected.AttributeDefinitions ?? []),
      GlobalSecondaryIndexes: expected.GlobalSecondaryIndexes,
      BillingMode: expected.BillingMode,
    });

    // The definition publisher's bundle, invoked as CloudFormation invokes it, stored the version synth computed.
    for (const [stack, workflow] of [
      [orders, 'PlaceOrder'],
      [shipping, 'ScheduleShipment'],
    ] as const) {
      const id = logicalId(
        stack,
        `${stack === orders ? 'Orders' : 'Shipping'}/Definitions/Workflow-${workflow}/Default`,
      );
      const version = stack.source.template.Resources[id]?.Properties?.Version;
      expect(stack.customResources.get(id)).toMatchObject({ Status: 'SUCCESS', Data: { Version: version } });
    }

    expect(deployment.buses.get(BUS)?.ruleNames).toHaveLength(3);

    // What the simulation does not emulate at all: permissions, alarms, dashboards, saved queries.
    const notSimulated = new Set(
      [...deployment.stacks.values()].flatMap((stack) => [...stack.notSimulated.values()]),
    );
    expect([...notSimulated].sort()).toEqual([
      'AWS::CDK::Metadata',
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
      'AWS::IAM::Policy',
      'AWS::Logs::QueryDefinition',
      'AWS::S3::BucketPolicy',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
    ]);
  });

  it('runs PlaceOrder to SUCCEEDED on Order Placed; Order Confirmed starts the shipping domain', async () => {
    const orderId = `ord-${run}-ok`;
    await put(orderPlaced(orderId, 'cust-42', 59.9));

    const placed = await settledExecution(ORDERS, `PlaceOrder:${orderId}`, ['SUCCEEDED']);
    expect(placed.businessKey).toBe(orderId);
    expect(placed.execution.output).toMatchObject({
      orderId,
      status: 'CONFIRMED',
      paymentId: expect.stringMatching(/^pay-/),
      shipmentId: expect.any(String),
    });
    const [confirmed] = eventsOnBus('Order Confirmed', orderId);
    expect(confirmed?.event).toMatchObject({
      source: 'com.example.orders',
      detail: { orderId, total: 59.9, currency: 'EUR', paymentId: expect.stringMatching(/^pay-/) },
    });

    // The orchestrator's lifecycle events, from its EventBridgePublisher, carry their domain event id.
    // Published after the commit that finished the execution: it may arrive a moment later.
    const succeeded = await eventually('Execution Succeeded', async () =>
      lifecycle('baton.orders', 'Execution Succeeded', `PlaceOrder:${orderId}`),
    );
    expect(succeeded.event.detail).toMatchObject({
      status: 'SUCCEEDED',
      eventId: `PlaceOrder:${orderId}:Execution Succeeded:0`,
    });

    // Choreography: the shipping stack's own rule starts its workflow from the orders domain's event.
    const shipment = await settledExecution(SHIPPING, `ScheduleShipment:${orderId}`, ['SUCCEEDED']);
    expect(shipment.execution.status).toBe('SUCCEEDED');
    await eventually('Shipment Scheduled', async () => eventsOnBus('Shipment Scheduled', orderId)[0]);
  });

  it('compensates a declined order: COMPENSATED, the reservation released, nothing confirmed', async () => {
    const orderId = `ord-${run}-declined`;
    const orders = deployment.stack(ORDERS);
    const release = orders.functions.get(
      logicalId(orders, 'Orders/Worker-inventory-release/Worker/Function/Resource'),
    );
    const releasesBefore = release?.invocations ?? 0;
    await put(orderPlaced(orderId, 'cust-declined', 120));

    const declined = await settledExecution(ORDERS, `PlaceOrder:${orderId}`, ['COMPENSATED']);
    expect(declined.execution.error).toBe('Payment.Declined');
    expect(release?.invocations).toBeGreaterThan(releasesBefore);
    expect(eventsOnBus('Order Confirmed', orderId)).toEqual([]);
    const compensated = await eventually('Execution Compensated', async () =>
      lifecycle('baton.orders', 'Execution Compensated', `PlaceOrder:${orderId}`),
    );
    expect(compensated.event.detail).toMatchObject({
      status: 'COMPENSATED',
      error: 'Payment.Declined',
    });
  });

  it('parks a large order on an EventBridge Scheduler timer until its fraud check arrives', async () => {
    const orderId = `ord-${run}-large`;
    const groupName = scheduleGroup();
    await put(orderPlaced(orderId, 'cust-7', 1500));

    // The wait's one-hour timeout is longer than an SQS delay: the orchestrator creates a schedule.
    const schedule = await eventually('the fraud check timeout schedule', async () =>
      deployment.endpoint.schedules.find((candidate) => candidate.groupName === groupName),
    );
    expect(schedule.targetArn).toBe(
      deployment.stack(ORDERS).queues.get(logicalId(deployment.stack(ORDERS), 'Orders/Inbox/Queue/Resource'))
        ?.arn,
    );
    expect(schedule.fireAt).toBeGreaterThan(Date.now() + 3_000_000);

    await put({
      Source: 'com.example.fraud',
      DetailType: 'Fraud Check Completed',
      Detail: JSON.stringify({ orderId, verdict: 'APPROVED' }),
    });
    await settledExecution(ORDERS, `PlaceOrder:${orderId}`, ['SUCCEEDED']);
    // The event ended the wait: its timer schedule was deleted.
    await eventually('the schedule to be deleted', async () =>
      deployment.endpoint.schedules.some((candidate) => candidate.name === schedule.name) ? undefined : true,
    );
  });

  it('expires finished executions after the retention the template gives the orchestrator', async () => {
    const [tableName] = deployment.stack(ORDERS).tables.values();
    const result = await deployment.dynamodb.client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `EXEC#PlaceOrder:ord-${run}-ok` } },
      }),
    );
    const items = result.Items ?? [];
    expect(items.length).toBeGreaterThan(1);
    const nowSeconds = Date.now() / 1000;
    const year = 365 * 24 * 3600;
    for (const item of items) {
      const expiresAt = Number(item.expiresAt?.N);
      // A year (the longest execution) plus a retention of at least a day, counted from the write.
      expect(expiresAt, item.sk?.S).toBeGreaterThan(nowSeconds + year + 86_400 - 600);
      expect(expiresAt, item.sk?.S).toBeLessThan(nowSeconds + 2 * year + 600);
    }
  });

  it('ends with empty dead-letter queues, no failed delivery, and no call the endpoint could not serve', () => {
    for (const stack of deployment.stacks.values()) {
      for (const [id, queue] of stack.queues) {
        if (!id.includes('DeadLetterQueue')) continue;
        expect(queue.approximateNumberOfMessages + queue.approximateNumberOfMessagesNotVisible, id).toBe(0);
      }
    }
    expect(deployment.buses.get(BUS)?.failedDeliveries).toEqual([]);
    expect(deployment.endpoint.failedScheduleDeliveries).toEqual([]);
    const failures = deployment.endpoint.calls.filter(
      (call) => call.status >= 500 || call.errorCode === 'UnknownOperationException',
    );
    expect(failures).toEqual([]);
    const served = new Set(deployment.endpoint.calls.map((call) => `${call.service}:${call.operation}`));
    expect([...served].sort()).toEqual(
      expect.arrayContaining([
        'events:PutEvents',
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ]),
    );
  });
});

/** The orders orchestrator's schedule group, as its environment names it. */
function scheduleGroup(): string {
  const orders = deployment.stack(ORDERS);
  const orchestrator = orders.functions.get(logicalId(orders, 'Orders/Orchestrator/Function/Resource'));
  const group = orchestrator?.fn.environment.BATON_SCHEDULER_GROUP;
  if (!group) throw new Error('The orchestrator has no BATON_SCHEDULER_GROUP');
  return group;
}

/**
 * The CLI's `--stack` mode (StackControl, as `connectToStack` builds it) on the simulated
 * deployment: the stack's outputs read back as CloudFormation would give them, its tables on
 * dynalite, its inboxes and bus behind the local AWS endpoint. The same behaviour suite as the
 * local wirings (test/integration/control-plane.test.ts).
 */
describeControlPlane({
  name: 'a deployed stack (the CLI with --stack, on the simulated deployment)',
  listsWorkflows: false,
  verifiesTokens: false,
  registersWorkflows: false,
  async start() {
    const region = deployment.stack(ORDERS).context.region;
    const clientConfig = {
      endpoint: deployment.endpoint.url,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const sqs = new SQSClient(clientConfig);
    const eventBridge = new EventBridgeClient(clientConfig);
    const domains = [ORDERS, SHIPPING].flatMap((stackName) => {
      const outputs = Object.keys(deployment.stack(stackName).source.template.Outputs ?? {}).map((key) => ({
        OutputKey: key,
        OutputValue: deployment.output(stackName, key),
      }));
      return domainsFromOutputs(stackName, outputs);
    });
    const control = new StackControl({
      eventBridge,
      domains: domains.map((domain) => ({
        domain,
        store: new DynamoDbExecutionStore({
          client: deployment.dynamodb.client,
          tableName: domain.tableName,
        }),
        definitions: new DynamoDbDefinitionStore({
          client: deployment.dynamodb.client,
          tableName: domain.tableName,
        }),
        mapRuns: new DynamoDbMapRunStore({
          client: deployment.dynamodb.client,
          tableName: domain.tableName,
        }),
        inbox: new SqsInboxSender({ client: sqs, queueUrl: domain.inboxQueueUrl }),
        ...(domain.publicInboxQueueUrl
          ? { publicInbox: new SqsInboxSender({ client: sqs, queueUrl: domain.publicInboxQueueUrl }) }
          : {}),
      })),
    });
    return {
      control,
      close: async () => {
        sqs.destroy();
        eventBridge.destroy();
      },
    };
  },
});
