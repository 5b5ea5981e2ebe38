import {
  QueueDoesNotExist,
  RequestThrottled,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InboxSendError } from '../../../lambdas/aws/aws-errors.js';
import { SqsInboxSender } from '../../../lambdas/aws/sqs-inbox-sender.js';
import { TransientStoreError } from '../../../lambdas/runtime/ports.js';

/** The only element of `items`, failing the test when there is not exactly one. */
function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbox';
const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

const sqs = mockClient(SQSClient);

function sender(): SqsInboxSender {
  return new SqsInboxSender({ client: new SQSClient({ region: 'eu-west-1' }), queueUrl: QUEUE_URL });
}

function sentInput() {
  const calls = sqs.commandCalls(SendMessageCommand);
  expect(calls).toHaveLength(1);
  return only(calls).args[0].input;
}

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('SqsInboxSender', () => {
  it('sends the body as JSON to the inbox queue, with no delay by default', async () => {
    await sender().send({ kind: 'TimerFired', executionId: 'x-1', timerId: 't-1' });
    const input = sentInput();
    expect(input.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(input.MessageBody ?? '')).toEqual({
      kind: 'TimerFired',
      executionId: 'x-1',
      timerId: 't-1',
    });
    expect(input.DelaySeconds).toBe(0);
    expect(input.MessageSystemAttributes).toBeUndefined();
    expect(input.MessageAttributes).toBeUndefined();
  });

  it('delays the message and carries the trace header as the AWSTraceHeader system attribute', async () => {
    await sender().send({ kind: 'x' }, { delaySeconds: 900, traceHeader: TRACE });
    const input = sentInput();
    expect(input.DelaySeconds).toBe(900);
    expect(input.MessageSystemAttributes).toEqual({
      AWSTraceHeader: { DataType: 'String', StringValue: TRACE },
    });
  });

  it('carries the deduplication id as a message attribute', async () => {
    await sender().send({ kind: 'x' }, { deduplicationId: 'task-result-1' });
    expect(sentInput().MessageAttributes).toEqual({
      deduplicationId: { DataType: 'String', StringValue: 'task-result-1' },
    });
  });

  it('refuses a delay SQS would reject, before calling it', async () => {
    await expect(sender().send({}, { delaySeconds: 901 })).rejects.toThrow(RangeError);
    await expect(sender().send({}, { delaySeconds: -1 })).rejects.toThrow(RangeError);
    await expect(sender().send({}, { delaySeconds: 1.5 })).rejects.toThrow(RangeError);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('throws TransientStoreError when SQS throttles, so the caller retries', async () => {
    const throttled = new RequestThrottled({ message: 'Rate exceeded', $metadata: {} });
    sqs.on(SendMessageCommand).rejects(throttled);
    const error = await sender()
      .send({})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect((error as Error).cause).toBe(throttled);
  });

  it('throws InboxSendError with the SDK error as cause when the queue does not exist', async () => {
    const missing = new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} });
    sqs.on(SendMessageCommand).rejects(missing);
    const error = await sender()
      .send({})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InboxSendError);
    expect((error as Error).name).toBe('InboxSendError');
    expect((error as Error).cause).toBe(missing);
  });
});

describe('SqsInboxSender.sendBatch', () => {
  it('sends 10 messages a SendMessageBatch request (SQS: at most 10 entries)', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const bodies = Array.from({ length: 25 }, (_, n) => ({ kind: 'MapRunTick', mapRunId: 'r', tick: n }));
    await sender().sendBatch(bodies);
    const requests = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(requests.map((input) => input.Entries?.length)).toEqual([10, 10, 5]);
    expect(requests.every((input) => input.QueueUrl === QUEUE_URL)).toBe(true);
    const sent = requests
      .flatMap((input) => input.Entries ?? [])
      .map((entry) => JSON.parse(entry.MessageBody ?? ''));
    expect(sent).toEqual(bodies);
  });

  it("keeps each request under 256 KiB of bodies (SQS: the sum of a batch's messages)", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const big = 'x'.repeat(100 * 1024);
    await sender().sendBatch([{ a: big }, { b: big }, { c: big }]);
    expect(
      sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.length),
    ).toEqual([2, 1]);
  });

  it('sends the entries SQS refused once more', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'busy' }] })
      .resolves({ Failed: [] });
    await sender().sendBatch([{ n: 0 }, { n: 1 }, { n: 2 }]);
    const requests = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.Entries?.map((entry) => JSON.parse(entry.MessageBody ?? ''))).toEqual([{ n: 1 }]);
  });

  it("throws InboxSendError when SQS keeps refusing entries for the sender's fault, TransientStoreError otherwise", async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }],
    });
    await expect(sender().sendBatch([{ n: 0 }])).rejects.toBeInstanceOf(InboxSendError);
    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({
      Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false, Message: 'busy' }],
    });
    await expect(sender().sendBatch([{ n: 0 }])).rejects.toBeInstanceOf(TransientStoreError);
  });
});
