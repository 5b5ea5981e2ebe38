/**
 * The DynamoDB integrations (`arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem`)
 * through the task router on a mocked DynamoDBClient. Result shapes follow the AWS-recorded
 * executions in LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_dynamodb_task_service.snapshot.json (the API
 * response, then `SdkHttpMetadata` and `SdkResponseMetadata`); error names and causes follow
 * LocalStack's Step Functions DynamoDB service (`DynamoDB.<ErrorCode>`, cause
 * "<message> (Service: AmazonDynamoDBv2; Status Code: ...; Error Code: ...; Request ID: ...; Proxy: null)").
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbItemTransport } from '../../../lambdas/aws/dynamodb-item-transport.js';
import { AwsTaskDispatcher, type InboxTaskResult } from '../../../lambdas/aws/sqs-task-dispatcher.js';
import type { Json } from '../../../lambdas/engine/json.js';
import { parseInboxMessage } from '../../../lambdas/runtime/inbox-messages.js';
import { TransientStoreError, type InboxSender, type TaskDispatch } from '../../../lambdas/runtime/ports.js';

const dynamodb = mockClient(DynamoDBClient);
const METADATA = { httpStatusCode: 200, requestId: 'REQ-1' };

class RecordingInbox implements InboxSender {
  readonly sent: Json[] = [];
  async send(body: Json): Promise<void> {
    this.sent.push(body);
  }
}

let inbox: RecordingInbox;

beforeEach(() => {
  dynamodb.reset();
  inbox = new RecordingInbox();
});

function dispatcher(options: { withDynamoDb?: boolean } = {}): AwsTaskDispatcher {
  return new AwsTaskDispatcher({
    sqs: new SQSClient({ region: 'eu-west-1' }),
    eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
    ...(options.withDynamoDb === false
      ? {}
      : { dynamodb: dynamoDbItemTransport(new DynamoDBClient({ region: 'eu-west-1' })) }),
    workerQueues: {},
    inbox,
  });
}

function task(resource: string, input: Json): TaskDispatch {
  return {
    executionId: 'exec-1',
    workflow: 'orders',
    taskToken: 'v1.token.sig',
    command: {
      type: 'DispatchTask',
      token: 'root:e1:2',
      resource,
      input,
      stateName: 'Save',
      attempt: 1,
      idempotencyKey: 'exec-1/e1',
      compensation: false,
    },
  };
}

/** The one result reported to the inbox, checked against the inbox's own message schema. */
function reported(): InboxTaskResult {
  expect(inbox.sent).toHaveLength(1);
  const result = inbox.sent[0] as InboxTaskResult;
  expect(parseInboxMessage(JSON.stringify(result))).toEqual(result);
  return result;
}

describe('arn:aws:states:::dynamodb:getItem', () => {
  it('gets the item and reports it in attribute-value form with the HTTP metadata', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { id: { S: '1' }, n: { N: '42' } }, $metadata: METADATA });
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:getItem', { TableName: 'orders', Key: { id: { S: '1' } } }),
    );
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'orders',
      Key: { id: { S: '1' } },
    });
    expect(reported()).toEqual({
      kind: 'TaskSucceeded',
      taskToken: 'v1.token.sig',
      output: {
        Item: { id: { S: '1' }, n: { N: '42' } },
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: 'REQ-1' },
      },
    });
  });

  it('reports no Item when there is none', async () => {
    dynamodb.on(GetItemCommand).resolves({ $metadata: METADATA });
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:getItem', { TableName: 'orders', Key: { id: { S: '2' } } }),
    );
    const result = reported();
    expect(result.kind === 'TaskSucceeded' && result.output).toEqual({
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: 'REQ-1' },
    });
  });

  it('sends binary values as bytes and reports them base64-encoded', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { blob: { B: Uint8Array.of(1, 2, 3) } }, $metadata: {} });
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:getItem', {
        TableName: 'orders',
        Key: { id: { B: 'AQID' }, nested: { M: { set: { BS: ['AQID'] } } } },
      }),
    );
    const key = dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input.Key;
    expect(key?.id?.B).toEqual(new Uint8Array([1, 2, 3]));
    expect(key?.nested?.M?.set?.BS?.[0]).toEqual(new Uint8Array([1, 2, 3]));
    const result = reported();
    expect(result.kind === 'TaskSucceeded' && result.output).toEqual({ Item: { blob: { B: 'AQID' } } });
  });
});

describe('arn:aws:states:::dynamodb:putItem, updateItem and deleteItem', () => {
  it('puts the item and reports the metadata only, as Step Functions does', async () => {
    dynamodb.on(PutItemCommand).resolves({ $metadata: METADATA });
    const params = {
      TableName: 'orders',
      Item: { id: { S: '1' } },
      ConditionExpression: 'attribute_not_exists(id)',
    };
    await dispatcher().dispatch(task('arn:aws:states:::dynamodb:putItem', params));
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual(params);
    const result = reported();
    expect(result.kind === 'TaskSucceeded' && result.output).toEqual({
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: 'REQ-1' },
    });
  });

  it('updates the item and reports the Attributes asked for', async () => {
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { S: { S: 'updated' } }, $metadata: METADATA });
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:updateItem', {
        TableName: 'orders',
        Key: { id: { S: '1' } },
        UpdateExpression: 'set S=:r',
        ExpressionAttributeValues: { ':r': { S: 'updated' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'set S=:r',
      ReturnValues: 'UPDATED_NEW',
    });
    const result = reported();
    expect(result.kind === 'TaskSucceeded' && result.output).toMatchObject({
      Attributes: { S: { S: 'updated' } },
    });
  });

  it('deletes the item', async () => {
    dynamodb.on(DeleteItemCommand).resolves({ $metadata: METADATA });
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:deleteItem', { TableName: 'orders', Key: { id: { S: '1' } } }),
    );
    expect(dynamodb.commandCalls(DeleteItemCommand)).toHaveLength(1);
    expect(reported()).toMatchObject({ kind: 'TaskSucceeded' });
  });
});

describe('DynamoDB failures', () => {
  it('fail the task with DynamoDB.ConditionalCheckFailedException and the cause as Step Functions words it', async () => {
    dynamodb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: { httpStatusCode: 400, requestId: 'REQ-2' },
      }),
    );
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:putItem', { TableName: 'orders', Item: { id: { S: '1' } } }),
    );
    expect(reported()).toEqual({
      kind: 'TaskFailed',
      taskToken: 'v1.token.sig',
      error: 'DynamoDB.ConditionalCheckFailedException',
      cause:
        'The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; ' +
        'Error Code: ConditionalCheckFailedException; Request ID: REQ-2; Proxy: null)',
    });
  });

  it('fail the task with DynamoDB.ResourceNotFoundException when the table does not exist', async () => {
    dynamodb
      .on(GetItemCommand)
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    await dispatcher().dispatch(
      task('arn:aws:states:::dynamodb:getItem', { TableName: 'missing', Key: { id: { S: '1' } } }),
    );
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'DynamoDB.ResourceNotFoundException' });
  });

  it('throw TransientStoreError on throttling, so the message is redelivered, reporting nothing', async () => {
    dynamodb
      .on(GetItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(
      dispatcher().dispatch(
        task('arn:aws:states:::dynamodb:getItem', { TableName: 'orders', Key: { id: { S: '1' } } }),
      ),
    ).rejects.toBeInstanceOf(TransientStoreError);
    expect(inbox.sent).toEqual([]);
  });

  it('fail the task without calling DynamoDB when the key is missing', async () => {
    await dispatcher().dispatch(task('arn:aws:states:::dynamodb:updateItem', { TableName: 'orders' }));
    expect(dynamodb.calls()).toHaveLength(0);
    const result = reported();
    expect(result).toMatchObject({ kind: 'TaskFailed', error: 'States.TaskFailed' });
    expect(result.kind === 'TaskFailed' && result.cause).toContain('Key must be an object');
  });

  it('fail the task with States.TaskFailed when no DynamoDB transport is wired', async () => {
    await dispatcher({ withDynamoDb: false }).dispatch(
      task('arn:aws:states:::dynamodb:getItem', { TableName: 'orders', Key: { id: { S: '1' } } }),
    );
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'States.TaskFailed' });
  });
});
