/**
 * The DynamoDB item integrations end to end: the orchestrator loop (an InProcessDomain with its
 * state in dynalite) dispatching through THE task router and the AWS SDK transport to a user table
 * on dynalite. Result shapes as AWS-recorded in LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_dynamodb_task_service.snapshot.json.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCorrelationStore } from '../../lambdas/aws/dynamodb-correlation-store.js';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { dynamoDbItemTransport } from '../../lambdas/aws/dynamodb-item-transport.js';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import { TaskRouter } from '../../lambdas/runtime/task-router.js';
import { LocalInboxSender, localTaskTransports } from '../../local/runtime/local-ports.js';
import { startDynalite, type LocalTable } from '../../testing/dynalite-table.js';
import { InProcessDomain } from '../../testing/in-process-domain.js';

const ORDERS = 'orders';
let table: LocalTable;

beforeAll(async () => {
  table = await startDynalite();
  await table.client.send(
    new CreateTableCommand({
      TableName: ORDERS,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

afterAll(async () => {
  await table.close();
});

/**
 * A domain on dynalite whose task router performs DynamoDB tasks as the local runtime wires it: the
 * local transports with the AWS SDK transport on a dynalite client.
 */
function domain(): InProcessDomain {
  let now = () => Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now() };
  const d = new InProcessDomain({
    store: new DynamoDbExecutionStore({ client: table.client, tableName: table.tableName, clock }),
    definitions: new DynamoDbDefinitionStore({ client: table.client, tableName: table.tableName, clock }),
    correlations: new DynamoDbCorrelationStore({ client: table.client, tableName: table.tableName, clock }),
  });
  now = () => d.now();
  const router = new TaskRouter({
    transports: localTaskTransports(d.workerQueues, d.bus, dynamoDbItemTransport(table.client)),
    inbox: new LocalInboxSender(d.inbox),
  });
  d.ports.tasks.dispatch = (task) => router.dispatch(task);
  return d;
}

const key = { id: { 'S.$': '$.id' } };

const orderFlow = {
  StartAt: 'Create',
  States: {
    Create: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: {
        TableName: ORDERS,
        Item: { id: { 'S.$': '$.id' }, amount: { N: '10' } },
        // Step Functions' documented idiom: a second create of the same order fails.
        ConditionExpression: 'attribute_not_exists(id)',
      },
      ResultPath: '$.created',
      Next: 'Raise',
    },
    Raise: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Parameters: {
        TableName: ORDERS,
        Key: key,
        UpdateExpression: 'SET amount = amount + :n',
        ExpressionAttributeValues: { ':n': { N: '5' } },
        ReturnValues: 'UPDATED_NEW',
      },
      ResultSelector: { 'amount.$': '$.Attributes.amount.N' },
      ResultPath: '$.raised',
      Next: 'Read',
    },
    Read: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { TableName: ORDERS, Key: key },
      ResultPath: '$.read',
      Next: 'CreateAgain',
    },
    CreateAgain: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: {
        TableName: ORDERS,
        Item: { id: { 'S.$': '$.id' } },
        ConditionExpression: 'attribute_not_exists(id)',
      },
      Catch: [
        {
          ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
          ResultPath: '$.duplicate',
          Next: 'Delete',
        },
      ],
      Next: 'Delete',
    },
    Delete: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:deleteItem',
      Parameters: { TableName: ORDERS, Key: key, ReturnValues: 'ALL_OLD' },
      ResultSelector: { 'deleted.$': '$.Attributes.id.S' },
      ResultPath: '$.deleted',
      End: true,
    },
  },
} satisfies StateMachineDefinition;

describe('DynamoDB integrations on dynalite, through the orchestrator loop', () => {
  it('puts, updates, gets and deletes an item, and a failed condition is caught by its Step Functions name', async () => {
    const d = domain();
    await d.deploy('Orders', orderFlow);
    d.start('Orders', { id: 'o-1' }, 'run-1');
    await d.runUntilIdle();
    const stored = await d.store.load('Orders:run-1');
    expect({ error: stored?.execution.error, cause: stored?.execution.cause }).toEqual({});
    expect(stored?.execution.status).toBe('SUCCEEDED');
    const output = stored?.execution.output as Record<string, unknown>;
    expect(output.created).toEqual({
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
    expect(output.raised).toEqual({ amount: '15' });
    expect(output.read).toMatchObject({ Item: { id: { S: 'o-1' }, amount: { N: '15' } } });
    expect(output.duplicate).toMatchObject({ Error: 'DynamoDB.ConditionalCheckFailedException' });
    expect(output.deleted).toEqual({ deleted: 'o-1' });
  });

  it('fails the execution with DynamoDB.ResourceNotFoundException when the table does not exist', async () => {
    const d = domain();
    await d.deploy('Missing', {
      StartAt: 'Read',
      States: {
        Read: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 'no-such-table', Key: { id: { S: '1' } } },
          End: true,
        },
      },
    });
    d.start('Missing', {}, 'run-1');
    await d.runUntilIdle();
    const stored = await d.store.load('Missing:run-1');
    expect(stored?.execution.status).toBe('FAILED');
    expect(stored?.execution.error).toBe('DynamoDB.ResourceNotFoundException');
  });
});
