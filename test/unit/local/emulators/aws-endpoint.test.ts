import {
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  ResourceNotFoundException as EventBusNotFound,
} from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException as ScheduleNotFound,
  SchedulerClient,
  ValidationException as ScheduleValidation,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import {
  GetSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsTimerScheduler, timerScheduleName } from '../../../../lambdas/aws/scheduler-timer-scheduler.js';
import { SqsInboxSender } from '../../../../lambdas/aws/sqs-inbox-sender.js';
import { AwsEndpointServer } from '../../../../local/emulators/aws-endpoint/server.js';
import { LocalEventBus } from '../../../../local/emulators/eventbridge/bus.js';
import type { TargetInput } from '../../../../local/emulators/eventbridge/target-input.js';
import { VirtualClock } from '../../../../local/emulators/sqs/clock.js';
import { LocalQueue } from '../../../../local/emulators/sqs/queue.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const START = Date.UTC(2026, 0, 1);

let server: AwsEndpointServer;
let clock: VirtualClock;
let clients: { destroy(): void }[];

function client<T extends { destroy(): void }>(make: (config: object) => T): T {
  const created = make({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
  clients.push(created);
  return created;
}

function queue(name: string, options: { visibilityTimeoutSeconds?: number } = {}): LocalQueue {
  const created = new LocalQueue({
    name,
    region: REGION,
    accountId: ACCOUNT,
    clock,
    scheduler: clock,
    ...options,
  });
  server.registerQueue(created);
  return created;
}

beforeEach(async () => {
  clock = new VirtualClock(START);
  clients = [];
  server = await AwsEndpointServer.start({ region: REGION, accountId: ACCOUNT, clock, scheduler: clock });
});

afterEach(async () => {
  for (const created of clients) created.destroy();
  await server.close();
});

describe('the local AWS endpoint: SQS (AWS JSON 1.0)', () => {
  it('sends with attributes, a delay and a trace header, and receives them back as SQS does', async () => {
    const orders = queue('orders');
    const sqs = client((config) => new SQSClient(config));
    const url = server.queueUrl(orders);
    expect(url).toBe(`${server.url}/${ACCOUNT}/orders`);

    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"kind":"TimerFired"}',
        DelaySeconds: 5,
        MessageAttributes: {
          executionId: { DataType: 'String', StringValue: 'PlaceOrder:o-1' },
          attempt: { DataType: 'Number', StringValue: '2' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
        },
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-abc' } },
      }),
    );
    expect(sent.MessageId).toBeDefined();
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);

    // Delayed: nothing to receive until the delay has passed.
    const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
    expect(early.Messages).toBeUndefined();
    await clock.advance(5_000);

    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const [message] = received.Messages ?? [];
    expect(message?.Body).toBe('{"kind":"TimerFired"}');
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.Attributes).toMatchObject({ AWSTraceHeader: 'Root=1-abc', ApproximateReceiveCount: '1' });
    expect(message?.MessageAttributes?.executionId).toEqual({
      DataType: 'String',
      StringValue: 'PlaceOrder:o-1',
    });
    expect([...(message?.MessageAttributes?.blob?.BinaryValue ?? [])]).toEqual([0, 1, 254, 255]);
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);

    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message?.ReceiptHandle }));
    expect(orders.approximateNumberOfMessages + orders.approximateNumberOfMessagesNotVisible).toBe(0);
    expect(server.calls.map((call) => call.operation)).toEqual([
      'SendMessage',
      'ReceiveMessage',
      'ReceiveMessage',
      'DeleteMessage',
    ]);
  });

  it('returns only the attributes asked for', async () => {
    const orders = queue('orders');
    const sqs = client((config) => new SQSClient(config));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: server.queueUrl(orders),
        MessageBody: 'x',
        MessageAttributes: {
          'baton.one': { DataType: 'String', StringValue: '1' },
          other: { DataType: 'String', StringValue: '2' },
        },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: server.queueUrl(orders),
        MessageSystemAttributeNames: ['SentTimestamp'],
        MessageAttributeNames: ['baton.*'],
      }),
    );
    expect(Object.keys(Messages?.[0]?.Attributes ?? {})).toEqual(['SentTimestamp']);
    expect(Object.keys(Messages?.[0]?.MessageAttributes ?? {})).toEqual(['baton.one']);
  });

  it('sends batches with per-entry failures, and refuses a malformed batch as a whole', async () => {
    const orders = queue('orders');
    const sqs = client((config) => new SQSClient(config));
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: server.queueUrl(orders),
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          { Id: 'b', MessageBody: 'too late', DelaySeconds: 901 },
        ],
      }),
    );
    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['a']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: server.queueUrl(orders),
          Entries: [
            { Id: 'same', MessageBody: '1' },
            { Id: 'same', MessageBody: '2' },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
  });

  it('deletes in batches, changes visibility, and refuses receipt handles it never issued', async () => {
    const orders = queue('orders', { visibilityTimeoutSeconds: 30 });
    const sqs = client((config) => new SQSClient(config));
    const url = server.queueUrl(orders);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(2);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: Messages[1]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(orders.approximateNumberOfMessages).toBe(1);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [{ Id: 'first', ReceiptHandle: Messages[0]?.ReceiptHandle }],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'first' }]);
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it('finds queues by name, describes them, and answers QueueDoesNotExist for the others', async () => {
    const deadLetters = queue('orders-dlq');
    const orders = new LocalQueue({
      name: 'orders',
      region: REGION,
      accountId: ACCOUNT,
      visibilityTimeoutSeconds: 180,
      redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: 5 },
    });
    server.registerQueue(orders);
    const sqs = client((config) => new SQSClient(config));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }));
    expect(QueueUrl).toBe(server.queueUrl(orders));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      QueueArn: orders.arn,
      VisibilityTimeout: '180',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: 5 }),
    });
    // The queue's own https URL names the same queue: the path decides.
    await sqs.send(new SendMessageCommand({ QueueUrl: orders.url, MessageBody: 'by its own URL' }));
    expect(orders.approximateNumberOfMessages).toBe(1);

    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    const missing = sqs.send(
      new SendMessageCommand({ QueueUrl: `${server.url}/${ACCOUNT}/nope`, MessageBody: 'x' }),
    );
    await expect(missing).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(missing).rejects.toMatchObject({ Code: 'AWS.SimpleQueueService.NonExistentQueue' });
  });

  it('refuses FIFO parameters on a standard queue', async () => {
    const orders = queue('orders');
    const sqs = client((config) => new SQSClient(config));
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: server.queueUrl(orders), MessageBody: 'x', MessageGroupId: 'g' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
  });

  it('long-polls until a message arrives', async () => {
    const orders = new LocalQueue({ name: 'orders', region: REGION, accountId: ACCOUNT });
    server.registerQueue(orders);
    const sqs = client((config) => new SQSClient(config));
    const polling = sqs.send(
      new ReceiveMessageCommand({ QueueUrl: server.queueUrl(orders), WaitTimeSeconds: 10 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    orders.sendMessage({ body: 'late' });
    const { Messages } = await polling;
    expect(Messages?.map((message) => message.Body)).toEqual(['late']);
  });

  it('names an operation it does not implement', async () => {
    const sqs = client((config) => new SQSClient(config));
    await expect(sqs.send(new ListQueuesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('AmazonSQS.ListQueues'),
    });
    expect(server.calls.at(-1)).toEqual({
      service: 'sqs',
      operation: 'ListQueues',
      status: 400,
      errorCode: 'UnknownOperationException',
    });
  });

  it('serves an SDK client configured only by the environment, as a Lambda has it', async () => {
    const inbox = queue('inbox');
    const saved = { ...process.env };
    Object.assign(process.env, server.environment(), {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const sqs = new SQSClient({});
      clients.push(sqs);
      // Baton's own adapter, as the workers use it.
      await new SqsInboxSender({ client: sqs, queueUrl: server.queueUrl(inbox) }).send(
        { kind: 'TaskHeartbeat', taskToken: 't' },
        { traceHeader: 'Root=1-trace', deduplicationId: 'dedup-1' },
      );
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
    const [message] = await inbox.receiveMessage();
    expect(JSON.parse(message?.body ?? '')).toEqual({ kind: 'TaskHeartbeat', taskToken: 't' });
    expect(message?.attributes.AWSTraceHeader).toBe('Root=1-trace');
    expect(message?.messageAttributes.deduplicationId?.stringValue).toBe('dedup-1');
  });
});

describe('the local AWS endpoint: EventBridge (AWS JSON 1.1)', () => {
  it('puts events on a registered bus, reporting each entry', async () => {
    const bus = new LocalEventBus({ name: 'baton-example', region: REGION, account: ACCOUNT });
    server.registerEventBus(bus);
    const delivered: TargetInput[] = [];
    bus.putRule({
      name: 'all-orders',
      eventPattern: { source: ['com.example.orders'] },
      targets: [{ id: 'recorder', deliver: (input) => void delivered.push(input) }],
    });
    const events = client((config) => new EventBridgeClient(config));
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'baton-example',
            Source: 'com.example.orders',
            DetailType: 'Order Confirmed',
            Detail: JSON.stringify({ orderId: 'o-1' }),
            Resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
            Time: new Date('2026-01-01T10:00:00Z'),
          },
          { EventBusName: bus.arn, Source: 'com.example.orders', DetailType: 'Broken', Detail: 'not json' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toBe(bus.archive[0]?.event.id);
    expect(result.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    await bus.idle();
    expect(delivered).toHaveLength(1);
    expect(bus.archive[0]?.event).toMatchObject({
      'detail-type': 'Order Confirmed',
      time: '2026-01-01T10:00:00Z',
      account: ACCOUNT,
      region: REGION,
      resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
      detail: { orderId: 'o-1' },
    });
  });

  it('refuses a bus that does not exist, and operations it does not implement', async () => {
    const events = client((config) => new EventBridgeClient(config));
    await expect(
      events.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: 'nope', Source: 's', DetailType: 'd', Detail: '{}' }],
        }),
      ),
    ).rejects.toBeInstanceOf(EventBusNotFound);
    await expect(events.send(new ListRulesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('AWSEvents.ListRules'),
    });
  });
});

describe('the local AWS endpoint: EventBridge Scheduler (REST-JSON)', () => {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
  const schedule = (inbox: LocalQueue, name: string, at: string): CreateScheduleCommandInput => ({
    Name: name,
    GroupName: 'timers',
    ScheduleExpression: `at(${at})`,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: { Arn: inbox.arn, RoleArn: roleArn, Input: '{"kind":"TimerFired"}' },
  });

  it('delivers a one-time schedule to its queue at its time, then deletes it', async () => {
    const inbox = queue('inbox');
    server.registerScheduleGroup('timers');
    const scheduler = client((config) => new SchedulerClient(config));
    const created = await scheduler.send(
      new CreateScheduleCommand(schedule(inbox, 't-1', '2026-01-01T01:00:00')),
    );
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/timers/t-1`);
    const described = await scheduler.send(new GetScheduleCommand({ Name: 't-1', GroupName: 'timers' }));
    expect(described).toMatchObject({ State: 'ENABLED', Target: { Arn: inbox.arn, RoleArn: roleArn } });
    await expect(
      scheduler.send(new CreateScheduleCommand(schedule(inbox, 't-1', '2026-01-01T02:00:00'))),
    ).rejects.toBeInstanceOf(ConflictException);

    await clock.advance(3_600_000 - 1);
    expect(inbox.approximateNumberOfMessages).toBe(0);
    await clock.advance(1);
    const [message] = await inbox.receiveMessage();
    expect(message?.body).toBe('{"kind":"TimerFired"}');
    expect(server.schedules).toEqual([]);
  });

  it('deletes schedules, and answers ResourceNotFoundException for a missing one or group', async () => {
    const inbox = queue('inbox');
    server.registerScheduleGroup('timers');
    const scheduler = client((config) => new SchedulerClient(config));
    await scheduler.send(new CreateScheduleCommand(schedule(inbox, 't-1', '2026-01-01T01:00:00')));
    await scheduler.send(new DeleteScheduleCommand({ Name: 't-1', GroupName: 'timers' }));
    expect(server.schedules).toEqual([]);
    await clock.advance(7_200_000);
    expect(inbox.approximateNumberOfMessages).toBe(0);
    await expect(
      scheduler.send(new DeleteScheduleCommand({ Name: 't-1', GroupName: 'timers' })),
    ).rejects.toBeInstanceOf(ScheduleNotFound);
    await expect(
      scheduler.send(
        new CreateScheduleCommand({ ...schedule(inbox, 't-2', '2026-01-01T01:00:00'), GroupName: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses what it does not emulate: recurring expressions and targets it cannot reach', async () => {
    const inbox = queue('inbox');
    server.registerScheduleGroup('timers');
    const scheduler = client((config) => new SchedulerClient(config));
    await expect(
      scheduler.send(
        new CreateScheduleCommand({ ...schedule(inbox, 'r', 'x'), ScheduleExpression: 'rate(5 minutes)' }),
      ),
    ).rejects.toBeInstanceOf(ScheduleValidation);
    const elsewhere = { ...schedule(inbox, 'e', '2026-01-01T01:00:00') };
    elsewhere.Target = { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:elsewhere`, RoleArn: roleArn, Input: '{}' };
    await expect(scheduler.send(new CreateScheduleCommand(elsewhere))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('elsewhere'),
    });
  });

  it("runs Baton's AwsTimerScheduler: a long timer becomes a schedule, and cancelling deletes it", async () => {
    const inbox = queue('inbox');
    server.registerScheduleGroup('timers');
    const scheduler = client((config) => new SchedulerClient(config));
    const timers = new AwsTimerScheduler({
      inbox: { send: () => Promise.reject(new Error('a long timer does not go through the inbox')) },
      scheduler,
      groupName: 'timers',
      targetQueueArn: inbox.arn,
      roleArn,
      clock: () => clock.now(),
    });
    const timer = { executionId: 'PlaceOrder:o-1', timerId: 'wait-1', fireAt: START + 3_600_000 };
    await timers.schedule(timer);
    await timers.schedule(timer); // idempotent: the ConflictException is expected and absorbed
    expect(server.schedules.map((entry) => entry.name)).toEqual([
      timerScheduleName('PlaceOrder:o-1', 'wait-1'),
    ]);
    await timers.cancel(timer);
    await timers.cancel(timer); // a missing schedule is fine
    expect(server.schedules).toEqual([]);
    expect(server.calls.map((call) => `${call.operation} ${call.errorCode ?? call.status}`)).toEqual([
      'CreateSchedule 200',
      'CreateSchedule ConflictException',
      'DeleteSchedule 200',
      'DeleteSchedule ResourceNotFoundException',
    ]);
  });
});

describe('the local AWS endpoint: Secrets Manager (AWS JSON 1.1)', () => {
  it('answers GetSecretValue by ARN, partial ARN or name', async () => {
    const arn = server.registerSecret({ name: 'OrdersTaskTokenKey', value: 'k'.repeat(64) });
    expect(arn).toMatch(
      new RegExp(`^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:OrdersTaskTokenKey-[A-Za-z0-9]{6}$`),
    );
    const secrets = client((config) => new SecretsManagerClient(config));
    for (const id of [arn, arn.slice(0, -7), 'OrdersTaskTokenKey']) {
      const secret = await secrets.send(new GetSecretValueCommand({ SecretId: id }));
      expect(secret).toMatchObject({ ARN: arn, SecretString: 'k'.repeat(64), VersionStages: ['AWSCURRENT'] });
      expect(secret.CreatedDate).toBeInstanceOf(Date);
    }
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'other' }))).rejects.toBeInstanceOf(
      SecretNotFound,
    );
  });
});

describe('the local AWS endpoint: everything else', () => {
  it('answers S3 in its own XML with UnknownOperationException', async () => {
    const s3 = client((config) => new S3Client({ ...config, forcePathStyle: true }));
    await expect(
      s3.send(new GetObjectCommand({ Bucket: 'payloads', Key: 'executions/x' })),
    ).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('GET /payloads/executions/x (signed for s3)'),
    });
  });
});
