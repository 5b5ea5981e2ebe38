import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDefinitionStore } from '../../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../../lambdas/aws/dynamodb-execution-store.js';
import type { Json } from '../../../lambdas/engine/json.js';
import { TaskFailure } from '../../../lambdas/runtime/worker.js';
import {
  StackControl,
  StackOutputsError,
  domainsFromOutputs,
  readStackDomains,
  type StackDomain,
} from '../../../cli/stack-control.js';
import { ConflictError, NotFoundError } from '../../../local/control.js';
import { InMemoryCorrelationStore } from '../../../testing/in-memory-correlation-store.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';
import { startDynalite, type LocalTable } from '../../../testing/dynalite-table.js';
import { order, placeOrder } from '../local-api/sample-domain.js';

const outputs = [
  {
    OutputKey: 'BatonOrdersInboxQueueUrl',
    OutputValue: 'https://sqs.eu-west-1.amazonaws.com/1/orders-inbox',
  },
  { OutputKey: 'BatonOrdersTableName', OutputValue: 'orders-table' },
  { OutputKey: 'BatonOrdersEventBusName', OutputValue: 'orders-bus' },
  { OutputKey: 'BatonOrdersDashboardName', OutputValue: 'orders-dashboard' },
];

describe("a stack's outputs", () => {
  it('name each domain by its prefix, with its inbox, table and bus', () => {
    expect(domainsFromOutputs('Shop', outputs)).toEqual([
      {
        name: 'orders',
        inboxQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders-inbox',
        tableName: 'orders-table',
        eventBusName: 'orders-bus',
      },
    ]);
  });

  it('must complete an inbox output with the table and bus outputs', () => {
    expect(() => domainsFromOutputs('Shop', outputs.slice(0, 1))).toThrow(
      'Stack Shop has the output BatonOrdersInboxQueueUrl but not BatonOrdersTableName and BatonOrdersEventBusName',
    );
  });

  it('must name at least one inbox', () => {
    expect(() => domainsFromOutputs('Shop', [])).toThrow(StackOutputsError);
  });

  it('are read with DescribeStacks; an unknown stack is not found', async () => {
    const cloudFormation = mockClient(CloudFormationClient);
    cloudFormation.on(DescribeStacksCommand, { StackName: 'Shop' }).resolves({
      Stacks: [
        { StackName: 'Shop', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs },
      ],
    });
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'Gone' })
      .rejects(Object.assign(new Error('Stack with id Gone does not exist'), { name: 'ValidationError' }));
    const client = new CloudFormationClient({ region: 'eu-west-1' });
    expect((await readStackDomains(client, 'Shop')).map((domain) => domain.name)).toEqual(['orders']);
    await expect(readStackDomains(client, 'Gone')).rejects.toEqual(new NotFoundError('No stack named Gone'));
    cloudFormation.restore();
  });
});

describe('the CLI on a deployed stack', () => {
  let table: LocalTable;
  let domain: InProcessDomain;
  let control: StackControl;
  const tokens: string[] = [];
  const sent: Json[] = [];
  const eventBridge = mockClient(EventBridgeClient);
  const stackDomain: StackDomain = {
    name: 'orders',
    inboxQueueUrl: 'https://sqs/inbox',
    tableName: 'baton-stack',
    eventBusName: 'orders-bus',
  };

  beforeAll(async () => {
    table = await startDynalite('baton-stack');
    const store = new DynamoDbExecutionStore({ client: table.client, tableName: table.tableName });
    const definitions = new DynamoDbDefinitionStore({ client: table.client, tableName: table.tableName });
    const correlations = new InMemoryCorrelationStore({ now: () => Date.UTC(2026, 0, 1) });
    const register = correlations.register.bind(correlations);
    correlations.register = async (key, token, expiresAt) => {
      tokens.push(token);
      return register(key, token, expiresAt);
    };
    // The orchestrator of the "deployed" domain, on the same table the CLI reads.
    domain = new InProcessDomain({
      store,
      definitions,
      correlations,
      workers: {
        reserve: (input: { items: { sku: string }[] }) => {
          if (input.items.some((item) => item.sku === 'OUT'))
            throw new TaskFailure('Inventory.Unavailable', 'out');
          return { id: 'r' };
        },
        release: () => ({}),
        charge: () => ({ paymentId: 'p' }),
        refund: () => ({}),
        ship: () => ({ tracking: 't' }),
      },
    });
    await domain.deploy('PlaceOrder', placeOrder);
    domain.start('PlaceOrder', order('ok-1'), 'ok-1');
    domain.start('PlaceOrder', order('large-1', { total: 5000 }), 'large-1');
    domain.start('PlaceOrder', order('out-1', { items: [{ sku: 'OUT' }] }), 'out-1');
    await domain.runVisible();
    control = new StackControl({
      domains: [
        { domain: stackDomain, store, definitions, inbox: { send: async (body) => void sent.push(body) } },
      ],
      eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
      newId: () => 'fixed-id',
    });
  }, 120_000);

  afterAll(async () => {
    eventBridge.restore();
    await table.close();
  });

  beforeEach(() => {
    sent.length = 0;
    eventBridge.reset();
  });

  it('lists the executions of the table', async () => {
    const executions = await control.list({});
    expect(
      executions.map((execution) => [execution.executionId, execution.status, execution.domain]),
    ).toEqual(
      expect.arrayContaining([
        ['PlaceOrder:ok-1', 'SUCCEEDED', 'orders'],
        ['PlaceOrder:large-1', 'RUNNING', 'orders'],
        ['PlaceOrder:out-1', 'FAILED', 'orders'],
      ]),
    );
  });

  it('describes an execution with its definition, and reads its history', async () => {
    expect(await control.describe('PlaceOrder:ok-1')).toMatchObject({
      status: 'SUCCEEDED',
      domain: 'orders',
      definition: { StartAt: 'Reserve' },
    });
    const history = await control.history('PlaceOrder:ok-1');
    expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
    await expect(control.describe('PlaceOrder:nope')).rejects.toEqual(
      new NotFoundError('No execution named PlaceOrder:nope'),
    );
  });

  it('starts an execution by sending StartExecution to the inbox', async () => {
    expect(await control.start({ workflow: 'PlaceOrder', input: { a: 1 } })).toBe('PlaceOrder:fixed-id');
    expect(sent).toEqual([
      { kind: 'StartExecution', workflow: 'PlaceOrder', name: 'fixed-id', input: { a: 1 } },
    ]);
    await expect(control.start({ workflow: 'Nope', input: {} })).rejects.toEqual(
      new NotFoundError('No workflow named Nope'),
    );
    await expect(control.start({ workflow: 'PlaceOrder', name: 'ok-1', input: {} })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('sends stop, redrive and rerun only when they can apply', async () => {
    await control.stop('PlaceOrder:large-1', { compensate: true });
    await control.redrive('PlaceOrder:out-1');
    expect(await control.rerun('PlaceOrder:ok-1', { fromState: 'Ship' })).toBe('PlaceOrder:ok-1-rerun-1');
    const version = (await control.describe('PlaceOrder:ok-1')).workflowVersion;
    expect(sent).toEqual([
      // Bound to the run they were asked for (each execution's redrive count).
      { kind: 'StopExecution', executionId: 'PlaceOrder:large-1', compensate: true, redriveCount: 0 },
      { kind: 'RedriveExecution', executionId: 'PlaceOrder:out-1', redriveCount: 0 },
      {
        kind: 'StartExecution',
        workflow: 'PlaceOrder',
        name: 'ok-1-rerun-1',
        input: expect.objectContaining({ orderId: 'ok-1', payment: { paymentId: 'p' } }),
        startAt: 'Ship',
        version,
      },
    ]);
    await expect(control.stop('PlaceOrder:ok-1', {})).rejects.toBeInstanceOf(ConflictError);
    await expect(control.redrive('PlaceOrder:ok-1')).rejects.toBeInstanceOf(ConflictError);
  });

  it("sends a task's result to the inbox of its execution's domain", async () => {
    const token = tokens[0] as string;
    await control.sendTaskSuccess(token, { detail: { verdict: 'clear' } });
    await control.sendTaskHeartbeat(token);
    expect(sent).toEqual([
      { kind: 'TaskSucceeded', taskToken: token, output: { detail: { verdict: 'clear' } } },
      { kind: 'TaskHeartbeat', taskToken: token },
    ]);
    await expect(control.sendTaskFailure('garbage', 'E')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('publishes events with PutEvents, on the domain bus unless the entry names one', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    expect(
      await control.publish([{ source: 'shop', detailType: 'Order Placed', detail: { orderId: 'o' } }]),
    ).toEqual(['e-1']);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        { Source: 'shop', DetailType: 'Order Placed', Detail: '{"orderId":"o"}', EventBusName: 'orders-bus' },
      ],
    });
  });

  it('fails a publish that EventBridge refused, with its reasons', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }],
    });
    await expect(control.publish([{ source: 's', detailType: 'T', detail: {} }])).rejects.toThrow(
      'EventBridge refused 1 of 1 events: AccessDeniedException: no',
    );
  });
});
