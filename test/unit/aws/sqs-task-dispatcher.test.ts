import {
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  ResourceNotFoundException as EventBridgeResourceNotFound,
} from '@aws-sdk/client-eventbridge';
import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { QueueDoesNotExist, RequestThrottled, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AwsTaskDispatcher,
  type InboxTaskResult,
  type WorkerTaskMessage,
} from '../../../lambdas/aws/sqs-task-dispatcher.js';
import { lambdaInvokeTransport } from '../../../lambdas/aws/lambda-invoke-transport.js';
import type { Json } from '../../../lambdas/engine/json.js';
import {
  MAX_CAUSE_LENGTH,
  MAX_ERROR_LENGTH,
  parseInboxMessage,
} from '../../../lambdas/runtime/inbox-messages.js';
import { TransientStoreError, type InboxSender, type TaskDispatch } from '../../../lambdas/runtime/ports.js';
import { parseWorkerTaskMessage } from '../../../lambdas/runtime/worker.js';

/** The only element of `items`, failing the test when there is not exactly one. */
function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const CHARGE_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-charge';
const USER_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/approvals';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:ship-order';

const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);

/** An inbox that records what it is sent. */
class RecordingInbox implements InboxSender {
  readonly sent: { body: Json; options: { delaySeconds?: number; traceHeader?: string } | undefined }[] = [];
  async send(body: Json, options?: { delaySeconds?: number; traceHeader?: string }): Promise<void> {
    this.sent.push({ body, options });
  }
}

let inbox: RecordingInbox;

function dispatcher(options: { withLambda?: boolean } = {}): AwsTaskDispatcher {
  return new AwsTaskDispatcher({
    sqs: new SQSClient({ region: 'eu-west-1' }),
    eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
    ...(options.withLambda === false
      ? {}
      : { lambda: lambdaInvokeTransport(new LambdaClient({ region: 'eu-west-1' })) }),
    workerQueues: { charge: CHARGE_QUEUE },
    inbox,
    defaultEventBusName: 'orders-bus',
  });
}

function task(resource: string, input: Json, command: Partial<TaskDispatch['command']> = {}): TaskDispatch {
  return {
    executionId: 'exec-1',
    workflow: 'orders',
    taskToken: 'v1.token.sig',
    traceHeader: TRACE,
    command: {
      type: 'DispatchTask',
      token: 'root:e1:2',
      resource,
      input,
      stateName: 'Charge',
      attempt: 2,
      idempotencyKey: 'exec-1/e1',
      timeoutSeconds: 30,
      compensation: false,
      ...command,
    },
  };
}

/** The one result reported to the inbox, checked against the inbox's own message schema. */
function reported(): InboxTaskResult {
  const result = only(inbox.sent).body as InboxTaskResult;
  expect(parseInboxMessage(JSON.stringify(result))).toEqual(result);
  return result;
}

function payload(value: unknown): InvokeCommandOutput['Payload'] {
  return new TextEncoder().encode(
    typeof value === 'string' ? value : JSON.stringify(value),
  ) as InvokeCommandOutput['Payload'];
}

const noMetadata = { $metadata: {} };

beforeEach(() => {
  sqs.reset();
  eventBridge.reset();
  lambda.reset();
  inbox = new RecordingInbox();
});

describe('worker tasks', () => {
  it('send the task to the worker queue with its attributes and trace header, and report nothing', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    await dispatcher().dispatch(task('baton:worker:charge', { amount: 42 }, { heartbeatSeconds: 10 }));
    const calls = sqs.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    const input = only(calls).args[0].input;
    expect(input.QueueUrl).toBe(CHARGE_QUEUE);
    const message: WorkerTaskMessage = JSON.parse(input.MessageBody ?? '');
    expect(message).toEqual({
      taskToken: 'v1.token.sig',
      executionId: 'exec-1',
      workflow: 'orders',
      stateName: 'Charge',
      attempt: 2,
      idempotencyKey: 'exec-1/e1',
      input: { amount: 42 },
      compensation: false,
      timeoutSeconds: 30,
      heartbeatSeconds: 10,
    });
    expect(input.MessageAttributes).toEqual({
      executionId: { DataType: 'String', StringValue: 'exec-1' },
      workflow: { DataType: 'String', StringValue: 'orders' },
      stateName: { DataType: 'String', StringValue: 'Charge' },
      attempt: { DataType: 'Number', StringValue: '2' },
    });
    expect(input.MessageSystemAttributes).toEqual({
      AWSTraceHeader: { DataType: 'String', StringValue: TRACE },
    });
    expect(inbox.sent).toEqual([]);
  });

  it('send a message the worker SDK accepts as it is', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    await dispatcher().dispatch(task('baton:worker:charge', { amount: 42 }, { heartbeatSeconds: 10 }));
    const body = only(sqs.commandCalls(SendMessageCommand)).args[0].input.MessageBody ?? '';
    expect(parseWorkerTaskMessage(body)).toEqual(JSON.parse(body));
  });

  it('leave out the optional deadlines and mark compensations', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    await dispatcher().dispatch(
      task('baton:worker:charge', null, { timeoutSeconds: undefined, compensation: true }),
    );
    const message = JSON.parse(only(sqs.commandCalls(SendMessageCommand)).args[0].input.MessageBody ?? '');
    expect(message.compensation).toBe(true);
    expect(message).not.toHaveProperty('timeoutSeconds');
    expect(message).not.toHaveProperty('heartbeatSeconds');
  });

  it('fail with States.TaskFailed when no queue is known for the worker', async () => {
    await dispatcher().dispatch(task('baton:worker:refund', {}));
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(reported()).toEqual({
      kind: 'TaskFailed',
      taskToken: 'v1.token.sig',
      error: 'States.TaskFailed',
      cause: 'no worker queue named refund',
    });
    expect(only(inbox.sent).options).toEqual({ traceHeader: TRACE });
  });

  it('throw TransientStoreError when the worker queue throttles, reporting nothing', async () => {
    sqs.on(SendMessageCommand).rejects(new RequestThrottled({ message: 'Rate exceeded', ...noMetadata }));
    await expect(dispatcher().dispatch(task('baton:worker:charge', {}))).rejects.toBeInstanceOf(
      TransientStoreError,
    );
    expect(inbox.sent).toEqual([]);
  });

  it('fail the task when the worker queue is gone', async () => {
    sqs.on(SendMessageCommand).rejects(new QueueDoesNotExist({ message: 'no such queue', ...noMetadata }));
    await dispatcher().dispatch(task('baton:worker:charge', {}));
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'SQS.QueueDoesNotExistException' });
  });
});

describe('arn:aws:states:::sqs:sendMessage', () => {
  const RESOURCE = 'arn:aws:states:::sqs:sendMessage';

  it('sends the message from the parameters and reports the SendMessage response', async () => {
    sqs
      .on(SendMessageCommand)
      .resolves({ MessageId: 'm-9', MD5OfMessageBody: 'abc123', SequenceNumber: '17' });
    await dispatcher().dispatch(
      task(RESOURCE, {
        QueueUrl: USER_QUEUE,
        MessageBody: { orderId: 'o-1' },
        DelaySeconds: 5,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'order' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi').toString('base64') },
        },
        MessageGroupId: 'g-1',
        MessageDeduplicationId: 'd-1',
      }),
    );
    const input = only(sqs.commandCalls(SendMessageCommand)).args[0].input;
    expect(input).toMatchObject({
      QueueUrl: USER_QUEUE,
      MessageBody: '{"orderId":"o-1"}',
      DelaySeconds: 5,
      MessageGroupId: 'g-1',
      MessageDeduplicationId: 'd-1',
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: TRACE } },
    });
    expect(input.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'order' });
    expect(Buffer.from(input.MessageAttributes?.blob?.BinaryValue ?? new Uint8Array()).toString()).toBe('hi');
    expect(reported()).toEqual({
      kind: 'TaskSucceeded',
      taskToken: 'v1.token.sig',
      output: { MessageId: 'm-9', MD5OfMessageBody: 'abc123', SequenceNumber: '17' },
    });
  });

  it('sends a string body as it is', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-9', MD5OfMessageBody: 'abc123' });
    await dispatcher().dispatch(task(RESOURCE, { QueueUrl: USER_QUEUE, MessageBody: 'plain text' }));
    expect(only(sqs.commandCalls(SendMessageCommand)).args[0].input.MessageBody).toBe('plain text');
    expect(reported()).toMatchObject({ output: { MessageId: 'm-9', MD5OfMessageBody: 'abc123' } });
  });

  it('with .waitForTaskToken, sends the message and leaves the result to SendTaskSuccess', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-9', MD5OfMessageBody: 'abc123' });
    await dispatcher().dispatch(
      task(`${RESOURCE}.waitForTaskToken`, { QueueUrl: USER_QUEUE, MessageBody: { token: 'v1.token.sig' } }),
    );
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task with SQS.<Error>Exception when SQS refuses, even when waiting for a token', async () => {
    sqs.on(SendMessageCommand).rejects(new QueueDoesNotExist({ message: 'no such queue', ...noMetadata }));
    await dispatcher().dispatch(
      task(`${RESOURCE}.waitForTaskToken`, { QueueUrl: USER_QUEUE, MessageBody: 'x' }),
    );
    const result = reported();
    expect(result).toMatchObject({ kind: 'TaskFailed', error: 'SQS.QueueDoesNotExistException' });
    expect(result.kind === 'TaskFailed' && result.cause).toContain('no such queue');
  });

  it('throws TransientStoreError when SQS throttles', async () => {
    sqs.on(SendMessageCommand).rejects(new RequestThrottled({ message: 'Rate exceeded', ...noMetadata }));
    await expect(
      dispatcher().dispatch(task(RESOURCE, { QueueUrl: USER_QUEUE, MessageBody: 'x' })),
    ).rejects.toBeInstanceOf(TransientStoreError);
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task without calling SQS when QueueUrl is missing', async () => {
    await dispatcher().dispatch(task(RESOURCE, { MessageBody: 'x' }));
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const result = reported();
    expect(result).toMatchObject({ kind: 'TaskFailed', error: 'States.TaskFailed' });
    expect(result.kind === 'TaskFailed' && result.cause).toContain('QueueUrl');
  });
});

describe('arn:aws:states:::events:putEvents', () => {
  const RESOURCE = 'arn:aws:states:::events:putEvents';
  const entry = { Source: 'orders', DetailType: 'Order Shipped', Detail: { orderId: 'o-1' } };

  it('puts the entries on the default bus with the trace header, and reports Entries and FailedEntryCount', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'ev-1' }], FailedEntryCount: 0 });
    await dispatcher().dispatch(task(RESOURCE, { Entries: [entry] }));
    expect(only(eventBridge.commandCalls(PutEventsCommand)).args[0].input.Entries).toEqual([
      {
        Source: 'orders',
        DetailType: 'Order Shipped',
        Detail: '{"orderId":"o-1"}',
        EventBusName: 'orders-bus',
        Resources: undefined,
        Time: undefined,
        TraceHeader: TRACE,
      },
    ]);
    expect(reported()).toEqual({
      kind: 'TaskSucceeded',
      taskToken: 'v1.token.sig',
      output: { Entries: [{ EventId: 'ev-1' }], FailedEntryCount: 0 },
    });
  });

  it("keeps an entry's own bus", async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'ev-1' }], FailedEntryCount: 0 });
    await dispatcher().dispatch(task(RESOURCE, { Entries: [{ ...entry, EventBusName: 'billing-bus' }] }));
    expect(only(eventBridge.commandCalls(PutEventsCommand)).args[0].input.Entries?.[0]?.EventBusName).toBe(
      'billing-bus',
    );
  });

  it('fails the task with EventBridge.FailedEntry when an entry is rejected', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      Entries: [{ EventId: 'ev-1' }, { ErrorCode: 'MalformedDetail', ErrorMessage: 'bad detail' }],
      FailedEntryCount: 1,
    });
    await dispatcher().dispatch(task(RESOURCE, { Entries: [entry, entry] }));
    const result = reported();
    expect(result).toMatchObject({ kind: 'TaskFailed', error: 'EventBridge.FailedEntry' });
    expect(result.kind === 'TaskFailed' && JSON.parse(result.cause)).toEqual({
      FailedEntryCount: 1,
      Entries: [{ Index: 1, ErrorCode: 'MalformedDetail', ErrorMessage: 'bad detail' }],
    });
  });

  it('with .waitForTaskToken, puts the events and reports nothing', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'ev-1' }], FailedEntryCount: 0 });
    await dispatcher().dispatch(task(`${RESOURCE}.waitForTaskToken`, { Entries: [entry] }));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task with EventBridge.<Error>Exception when the bus does not exist', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(new EventBridgeResourceNotFound({ message: 'no bus', ...noMetadata }));
    await dispatcher().dispatch(task(RESOURCE, { Entries: [entry] }));
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'EventBridge.ResourceNotFoundException' });
  });

  it('throws TransientStoreError on an internal EventBridge error', async () => {
    eventBridge.on(PutEventsCommand).rejects(new InternalException({ message: 'oops', ...noMetadata }));
    await expect(dispatcher().dispatch(task(RESOURCE, { Entries: [entry] }))).rejects.toBeInstanceOf(
      TransientStoreError,
    );
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task without calling EventBridge when Entries is missing', async () => {
    await dispatcher().dispatch(task(RESOURCE, { Detail: {} }));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'States.TaskFailed' });
  });
});

describe('arn:aws:states:::lambda:invoke', () => {
  const RESOURCE = 'arn:aws:states:::lambda:invoke';

  it('invokes the function and reports the Step Functions-shaped response with the payload parsed', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
      Payload: payload({ shipped: true }),
      $metadata: { httpStatusCode: 200, requestId: 'req-1' },
    });
    await dispatcher().dispatch(
      task(RESOURCE, { FunctionName: FUNCTION_ARN, Payload: { orderId: 'o-1' }, Qualifier: 'live' }),
    );
    const input = only(lambda.commandCalls(InvokeCommand)).args[0].input;
    expect(input).toMatchObject({
      FunctionName: FUNCTION_ARN,
      Qualifier: 'live',
      Payload: '{"orderId":"o-1"}',
    });
    expect(reported()).toEqual({
      kind: 'TaskSucceeded',
      taskToken: 'v1.token.sig',
      output: {
        ExecutedVersion: '$LATEST',
        Payload: { shipped: true },
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: 'req-1' },
        StatusCode: 200,
      },
    });
  });

  it('reports an asynchronous invocation with an empty payload', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202, Payload: payload(''), $metadata: {} });
    await dispatcher().dispatch(task(RESOURCE, { FunctionName: FUNCTION_ARN, InvocationType: 'Event' }));
    expect(only(lambda.commandCalls(InvokeCommand)).args[0].input.InvocationType).toBe('Event');
    expect(reported()).toMatchObject({ output: { StatusCode: 202, Payload: '' } });
  });

  it("fails the task with the function's errorType and errorMessage", async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'CustomError', errorMessage: 'This is a custom error!', trace: [] }),
      $metadata: {},
    });
    await dispatcher().dispatch(task(RESOURCE, { FunctionName: FUNCTION_ARN }));
    expect(reported()).toEqual({
      kind: 'TaskFailed',
      taskToken: 'v1.token.sig',
      error: 'CustomError',
      cause: 'This is a custom error!',
    });
  });

  it('fails the task with Lambda.Unknown when the error has no type (a timeout)', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorMessage: 'Task timed out after 3.00 seconds' }),
      $metadata: {},
    });
    await dispatcher().dispatch(task(RESOURCE, { FunctionName: FUNCTION_ARN }));
    expect(reported()).toMatchObject({ error: 'Lambda.Unknown', cause: 'Task timed out after 3.00 seconds' });
  });

  it('throws TransientStoreError when Lambda throttles', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', ...noMetadata }));
    await expect(
      dispatcher().dispatch(task(RESOURCE, { FunctionName: FUNCTION_ARN })),
    ).rejects.toBeInstanceOf(TransientStoreError);
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task with Lambda.ResourceNotFoundException when the function does not exist', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', ...noMetadata }));
    await dispatcher().dispatch(task(RESOURCE, { FunctionName: FUNCTION_ARN }));
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'Lambda.ResourceNotFoundException' });
  });

  it('fails the task when no Lambda client is configured', async () => {
    await dispatcher({ withLambda: false }).dispatch(task(RESOURCE, { FunctionName: FUNCTION_ARN }));
    expect(reported()).toMatchObject({ kind: 'TaskFailed', error: 'States.TaskFailed' });
  });

  it('with .waitForTaskToken, invokes and reports nothing', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(null), $metadata: {} });
    await dispatcher().dispatch(task(`${RESOURCE}.waitForTaskToken`, { FunctionName: FUNCTION_ARN }));
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(inbox.sent).toEqual([]);
  });
});

describe('a bare Lambda function ARN', () => {
  it('invokes the function with the state input and reports the parsed payload as the result', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ label: 'L-1' }), $metadata: {} });
    await dispatcher().dispatch(task(FUNCTION_ARN, { orderId: 'o-1' }));
    const input = only(lambda.commandCalls(InvokeCommand)).args[0].input;
    expect(input.FunctionName).toBe(FUNCTION_ARN);
    expect(input.Payload).toBe('{"orderId":"o-1"}');
    expect(reported()).toEqual({
      kind: 'TaskSucceeded',
      taskToken: 'v1.token.sig',
      output: { label: 'L-1' },
    });
  });

  it('fails the task with the error the function threw', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Handled',
      Payload: payload({ errorType: 'AddressInvalid', errorMessage: 'no such street' }),
      $metadata: {},
    });
    await dispatcher().dispatch(task(FUNCTION_ARN, {}));
    expect(reported()).toMatchObject({
      kind: 'TaskFailed',
      error: 'AddressInvalid',
      cause: 'no such street',
    });
  });
});

describe('unsupported resources', () => {
  it('fail the task with States.TaskFailed naming the resource', async () => {
    await dispatcher().dispatch(task('arn:aws:states:::dynamodb:query', {}));
    const result = reported();
    expect(result).toMatchObject({ kind: 'TaskFailed', error: 'States.TaskFailed' });
    expect(result.kind === 'TaskFailed' && result.cause).toContain('arn:aws:states:::dynamodb:query');
  });

  it('cut an error name and cause to what the inbox accepts', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Handled',
      Payload: payload({ errorType: 'E'.repeat(1000), errorMessage: 'c'.repeat(40_000) }),
      $metadata: {},
    });
    await dispatcher().dispatch(task(FUNCTION_ARN, {}));
    const result = reported();
    expect(result.kind === 'TaskFailed' && result.error.length).toBe(MAX_ERROR_LENGTH);
    expect(result.kind === 'TaskFailed' && result.cause.length).toBe(MAX_CAUSE_LENGTH);
  });
});
