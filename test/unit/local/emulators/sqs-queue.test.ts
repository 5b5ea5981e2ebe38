import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../local/emulators/sqs/clock.js';
import {
  BatchEntryIdsNotDistinctError,
  BatchRequestTooLongError,
  CorruptSnapshotError,
  EmptyBatchRequestError,
  InvalidBatchEntryIdError,
  InvalidMessageContentsError,
  InvalidParameterValueError,
  InvalidQueueOptionError,
  MessageNotInflightError,
  ReceiptHandleIsInvalidError,
  TooManyEntriesInBatchRequestError,
} from '../../../../local/emulators/sqs/errors.js';
import { md5OfMessageAttributes } from '../../../../local/emulators/sqs/message-attributes.js';
import {
  LocalQueue,
  type LocalQueueOptions,
  type ReceivedMessage,
} from '../../../../local/emulators/sqs/queue.js';

const START = Date.UTC(2026, 0, 1);

function counter(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}

function setup(options: Partial<LocalQueueOptions> = {}) {
  const clock = new VirtualClock(START);
  const queue = new LocalQueue({ name: 'orders', clock, scheduler: clock, ids: counter('id'), ...options });
  return { clock, queue };
}

async function receiveOne(queue: LocalQueue, visibilityTimeout?: number): Promise<ReceivedMessage> {
  const [message] = await queue.receiveMessage(visibilityTimeout === undefined ? {} : { visibilityTimeout });
  if (message === undefined) throw new Error('expected a message');
  return message;
}

function error(run: () => unknown): unknown {
  try {
    run();
  } catch (caught) {
    return caught;
  }
  throw new Error('expected an error');
}

describe('LocalQueue: sending and receiving', () => {
  it('returns a sent message with its body, MD5 and system attributes', async () => {
    const { clock, queue } = setup();
    const sent = queue.sendMessage({ body: 'hello' });
    await clock.advance(1_500);
    const message = await receiveOne(queue);

    expect(sent).toEqual({ messageId: 'id-1', md5OfMessageBody: '5d41402abc4b2a76b9719d911017c592' });
    expect(message.messageId).toBe('id-1');
    expect(message.body).toBe('hello');
    expect(message.md5OfBody).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(message.attributes).toEqual({
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: String(START + 1_500),
      SentTimestamp: String(START),
      SenderId: '000000000000',
    });
  });

  it('returns the AWSTraceHeader attribute only for messages sent with one', async () => {
    const { queue } = setup();
    queue.sendMessage({ body: 'traced', awsTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
    queue.sendMessage({ body: 'plain' });
    const [traced, plain] = await queue.receiveMessage({ maxNumberOfMessages: 2 });

    expect(traced?.attributes.AWSTraceHeader).toBe('Root=1-5759e988-bd862e3fe1be46a994272793');
    expect(plain?.attributes).not.toHaveProperty('AWSTraceHeader');
  });

  it('hands out the oldest visible messages first, at most maxNumberOfMessages', async () => {
    const { queue } = setup();
    for (const body of ['a', 'b', 'c']) queue.sendMessage({ body });

    const first = await queue.receiveMessage({ maxNumberOfMessages: 2 });
    const second = await queue.receiveMessage({ maxNumberOfMessages: 10 });

    expect(first.map((message) => message.body)).toEqual(['a', 'b']);
    expect(second.map((message) => message.body)).toEqual(['c']);
  });

  it.each([0, 11, 2.5])('refuses maxNumberOfMessages %s, naming the parameter', async (value) => {
    const { queue } = setup();
    await expect(queue.receiveMessage({ maxNumberOfMessages: value })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      parameter: 'MaxNumberOfMessages',
      value,
    });
  });

  it('returns message attributes with the MD5 SQS computes for them', async () => {
    const { queue } = setup();
    const attributes = {
      timestamp: { dataType: 'Number', stringValue: '1493147359900' },
      blob: { dataType: 'Binary', binaryValue: new Uint8Array([2, 3, 4]) },
    };
    const sent = queue.sendMessage({ body: 'derp', messageAttributes: attributes });
    const message = await receiveOne(queue);

    expect(message.messageAttributes).toEqual(attributes);
    expect(message.md5OfMessageAttributes).toBe(sent.md5OfMessageAttributes);
  });

  it.each([
    // Digests moto's SQS test suite pins as what AWS returns for these attributes.
    ['timestamp', '1493147359900', '235c5c510d26fb653d073faed50ae77c'],
    ['timestamp', '1493147359901', '994258b45346a2cc3f9cbb611aa7af30'],
    ['SOME_Valid.attribute-Name', '1493147359900', '36655e7e9d7c0e8479fa3f3f42247ae7'],
  ])('computes MD5OfMessageAttributes of %s=%s as AWS does', (name, value, digest) => {
    expect(md5OfMessageAttributes({ [name]: { dataType: 'Number', stringValue: value } })).toBe(digest);
  });

  it.each([
    [
      'too many attributes',
      Object.fromEntries(
        Array.from({ length: 11 }, (_, i) => [`a${i}`, { dataType: 'String', stringValue: 'x' }]),
      ),
    ],
    ['a reserved name prefix', { 'aws.trace': { dataType: 'String', stringValue: 'x' } }],
    ['a name with successive periods', { 'a..b': { dataType: 'String', stringValue: 'x' } }],
    ['an unknown data type', { a: { dataType: 'Date', stringValue: 'x' } }],
    ['a Number that is not a number', { a: { dataType: 'Number', stringValue: 'twelve' } }],
    ['an empty value', { a: { dataType: 'String', stringValue: '' } }],
  ])('refuses %s', (_, messageAttributes) => {
    const { queue } = setup();
    expect(error(() => queue.sendMessage({ body: 'x', messageAttributes }))).toBeInstanceOf(
      InvalidParameterValueError,
    );
  });

  it('refuses an empty body', () => {
    const { queue } = setup();
    expect(error(() => queue.sendMessage({ body: '' }))).toMatchObject({ parameter: 'MessageBody' });
  });

  it.each([
    ['a NUL character', 'ab\u0000c', 2],
    ['a lone surrogate', 'x\ud800', 1],
  ])('refuses a body with %s, naming where', (_, body, index) => {
    const { queue } = setup();
    const caught = error(() => queue.sendMessage({ body }));
    expect(caught).toBeInstanceOf(InvalidMessageContentsError);
    expect(caught).toMatchObject({ index });
  });

  it('accepts a message of exactly the maximum size and refuses one byte more, attributes included', () => {
    const { queue } = setup({ maximumMessageSize: 1_024 });
    expect(() => queue.sendMessage({ body: 'x'.repeat(1_024) })).not.toThrow();

    const caught = error(() =>
      queue.sendMessage({
        body: 'x'.repeat(1_017),
        messageAttributes: { k: { dataType: 'String', stringValue: 'v' } },
      }),
    );
    expect(caught).toBeInstanceOf(InvalidParameterValueError);
    expect((caught as Error).message).toContain('Message must be shorter than 1024 bytes');
  });

  it('accepts 1 MiB messages by default', () => {
    const { queue } = setup();
    expect(() => queue.sendMessage({ body: 'x'.repeat(1_048_576) })).not.toThrow();
    expect(() => queue.sendMessage({ body: 'x'.repeat(1_048_577) })).toThrow(InvalidParameterValueError);
  });
});

describe('LocalQueue: visibility timeout', () => {
  it('hides a received message for the queue visibility timeout, then hands it out again', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const first = await receiveOne(queue);

    await clock.advance(29_999);
    expect(await queue.receiveMessage()).toEqual([]);
    await clock.advance(1);
    const second = await receiveOne(queue);

    expect(second.messageId).toBe(first.messageId);
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
    expect(second.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.attributes.ApproximateFirstReceiveTimestamp).toBe(String(START));
  });

  it('uses the visibility timeout given to the receive over the queue default', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    await receiveOne(queue, 5);

    await clock.advance(5_000);
    expect(await queue.receiveMessage()).toHaveLength(1);
  });

  it('extends an in-flight message from the time of the change', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);

    await clock.advance(20_000);
    queue.changeMessageVisibility(message.receiptHandle, 60);
    await clock.advance(59_999);
    expect(await queue.receiveMessage()).toEqual([]);
    await clock.advance(1);
    expect(await queue.receiveMessage()).toHaveLength(1);
  });

  it('makes a message visible at once with a visibility timeout of 0', async () => {
    const { queue } = setup();
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);

    queue.changeMessageVisibility(message.receiptHandle, 0);

    expect(await queue.receiveMessage()).toHaveLength(1);
  });

  it('goes back to the default visibility timeout on the next receive after a change', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    queue.changeMessageVisibility((await receiveOne(queue)).receiptHandle, 0);
    await receiveOne(queue);

    await clock.advance(30_000);
    expect(await queue.receiveMessage()).toHaveLength(1);
  });

  it('refuses to change the visibility of a message whose timeout ran out', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);
    await clock.advance(30_000);

    expect(error(() => queue.changeMessageVisibility(message.receiptHandle, 10))).toBeInstanceOf(
      MessageNotInflightError,
    );
  });

  it('refuses to change the visibility with a superseded receipt handle', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const old = await receiveOne(queue);
    await clock.advance(30_000);
    await receiveOne(queue);

    const caught = error(() => queue.changeMessageVisibility(old.receiptHandle, 10));
    expect(caught).toBeInstanceOf(InvalidParameterValueError);
    expect((caught as Error).message).toContain(
      'Message does not exist or is not available for visibility timeout change',
    );
  });

  it('allows 12 hours of invisibility per receive, counted from the receive, and no more', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);
    await clock.advance(10_000);

    expect(() => queue.changeMessageVisibility(message.receiptHandle, 43_190)).not.toThrow();
    const caught = error(() => queue.changeMessageVisibility(message.receiptHandle, 43_191));
    expect(caught).toMatchObject({
      name: 'InvalidParameterValue',
      parameter: 'VisibilityTimeout',
      value: 43_191,
    });
  });

  it.each([-1, 43_201, 1.5])('refuses a visibility timeout of %s', async (seconds) => {
    const { queue } = setup();
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);
    expect(error(() => queue.changeMessageVisibility(message.receiptHandle, seconds))).toMatchObject({
      parameter: 'VisibilityTimeout',
      value: seconds,
    });
  });
});

describe('LocalQueue: deleting', () => {
  it('deletes with the latest receipt handle, for good', async () => {
    const { clock, queue } = setup();
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);

    expect(queue.deleteMessage(message.receiptHandle)).toEqual({
      type: 'deleted',
      messageId: message.messageId,
    });
    await clock.advance(60_000);
    expect(await queue.receiveMessage()).toEqual([]);
  });

  it('still deletes with the latest handle after the visibility timeout ran out', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);
    await clock.advance(45_000);

    expect(queue.deleteMessage(message.receiptHandle).type).toBe('deleted');
  });

  it('succeeds without deleting when the handle was superseded by a later receive', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const old = await receiveOne(queue);
    await clock.advance(30_000);
    const latest = await receiveOne(queue);

    expect(queue.deleteMessage(old.receiptHandle).type).toBe('superseded');
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(1);
    expect(queue.deleteMessage(latest.receiptHandle).type).toBe('deleted');
  });

  it('succeeds when the message is already gone', async () => {
    const { queue } = setup();
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);
    queue.deleteMessage(message.receiptHandle);

    expect(queue.deleteMessage(message.receiptHandle).type).toBe('gone');
  });

  it('refuses a receipt handle it never issued, naming it', () => {
    const { queue } = setup();
    const caught = error(() => queue.deleteMessage('not-a-handle'));
    expect(caught).toBeInstanceOf(ReceiptHandleIsInvalidError);
    expect(caught).toMatchObject({ name: 'ReceiptHandleIsInvalid', receiptHandle: 'not-a-handle' });
  });

  it("refuses another queue's receipt handle", async () => {
    const { clock, queue } = setup();
    const other = new LocalQueue({ name: 'other', clock, scheduler: clock });
    other.sendMessage({ body: 'job' });
    const message = await receiveOne(other);

    expect(error(() => queue.deleteMessage(message.receiptHandle))).toBeInstanceOf(
      ReceiptHandleIsInvalidError,
    );
  });
});

describe('LocalQueue: delays', () => {
  it('keeps a delayed message hidden and counted as delayed until its delay ends', async () => {
    const { clock, queue } = setup();
    queue.sendMessage({ body: 'later', delaySeconds: 10 });

    expect(await queue.receiveMessage()).toEqual([]);
    expect(queue.approximateNumberOfMessagesDelayed).toBe(1);
    await clock.advance(10_000);
    expect(queue.approximateNumberOfMessagesDelayed).toBe(0);
    expect(await queue.receiveMessage()).toHaveLength(1);
  });

  it("applies the queue's delay to messages sent without their own, and a message's own 0 over it", async () => {
    const { queue } = setup({ delaySeconds: 60 });
    queue.sendMessage({ body: 'queue delay' });
    queue.sendMessage({ body: 'no delay', delaySeconds: 0 });

    const messages = await queue.receiveMessage({ maxNumberOfMessages: 10 });
    expect(messages.map((message) => message.body)).toEqual(['no delay']);
  });

  it.each([-1, 901, 0.5])('refuses a delay of %s seconds, naming the value', (delaySeconds) => {
    const { queue } = setup();
    const caught = error(() => queue.sendMessage({ body: 'x', delaySeconds }));
    expect(caught).toBeInstanceOf(InvalidParameterValueError);
    expect(caught).toMatchObject({ parameter: 'DelaySeconds', value: delaySeconds });
    expect((caught as Error).message).toContain(String(delaySeconds));
  });
});

describe('LocalQueue: dead-letter queue', () => {
  function withDlq(maxReceiveCount: number) {
    const clock = new VirtualClock(START);
    const dlq = new LocalQueue({ name: 'orders-dlq', clock, scheduler: clock, ids: counter('dlq') });
    const queue = new LocalQueue({
      name: 'orders',
      clock,
      scheduler: clock,
      ids: counter('id'),
      visibilityTimeoutSeconds: 30,
      redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount },
    });
    return { clock, queue, dlq };
  }

  it('hands a message out maxReceiveCount times, then moves it on the next receive', async () => {
    const { clock, queue, dlq } = withDlq(2);
    const sent = queue.sendMessage({ body: 'poison' });

    expect(await queue.receiveMessage()).toHaveLength(1);
    await clock.advance(30_000);
    expect(await queue.receiveMessage()).toHaveLength(1);
    await clock.advance(30_000);
    expect(dlq.approximateNumberOfMessages).toBe(0);

    expect(await queue.receiveMessage()).toEqual([]);
    expect(queue.approximateNumberOfMessages).toBe(0);
    const moved = await receiveOne(dlq);
    expect(moved.messageId).toBe(sent.messageId);
    expect(moved.body).toBe('poison');
  });

  it('keeps the receive count, first receive and sent timestamps, and names the source queue', async () => {
    const { clock, queue, dlq } = withDlq(1);
    queue.sendMessage({ body: 'poison' });
    await clock.advance(5_000);
    await receiveOne(queue);
    await clock.advance(30_000);
    await queue.receiveMessage();

    const moved = await receiveOne(dlq);
    expect(moved.attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: String(START + 5_000),
      SentTimestamp: String(START),
      DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
    });
  });

  it('expires moved messages by their original send time, and ages them from the move', async () => {
    const clock = new VirtualClock(START);
    const dlq = new LocalQueue({ name: 'dlq', clock, scheduler: clock, messageRetentionSeconds: 120 });
    const queue = new LocalQueue({
      name: 'orders',
      clock,
      scheduler: clock,
      visibilityTimeoutSeconds: 100,
      redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 1 },
    });
    queue.sendMessage({ body: 'poison' });
    await queue.receiveMessage();
    await clock.advance(100_000);
    await queue.receiveMessage();

    await clock.advance(10_000);
    expect(dlq.ageOfOldestMessage).toBe(10);
    await clock.advance(9_999);
    expect(dlq.approximateNumberOfMessages).toBe(1);
    await clock.advance(1);
    expect(dlq.approximateNumberOfMessages).toBe(0);
  });

  it.each([0, 1_001])('refuses a maxReceiveCount of %s', (maxReceiveCount) => {
    const dlq = new LocalQueue({ name: 'dlq' });
    expect(
      () => new LocalQueue({ name: 'q', redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount } }),
    ).toThrow(InvalidQueueOptionError);
  });
});

describe('LocalQueue: retention and metrics', () => {
  it('drops messages once the retention period since they were sent has passed, in flight or not', async () => {
    const { clock, queue } = setup({ messageRetentionSeconds: 60, visibilityTimeoutSeconds: 300 });
    queue.sendMessage({ body: 'received' });
    queue.sendMessage({ body: 'waiting' });
    await receiveOne(queue);

    await clock.advance(59_999);
    expect(queue.approximateNumberOfMessages + queue.approximateNumberOfMessagesNotVisible).toBe(2);
    await clock.advance(1);
    expect(queue.approximateNumberOfMessages + queue.approximateNumberOfMessagesNotVisible).toBe(0);
  });

  it('counts visible, in-flight and delayed messages apart, and ages the oldest', async () => {
    const { clock, queue } = setup();
    queue.sendMessage({ body: 'in flight' });
    await clock.advance(7_000);
    queue.sendMessage({ body: 'visible' });
    queue.sendMessage({ body: 'delayed', delaySeconds: 900 });
    await receiveOne(queue);

    expect(queue.approximateNumberOfMessages).toBe(1);
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(1);
    expect(queue.approximateNumberOfMessagesDelayed).toBe(1);
    expect(queue.ageOfOldestMessage).toBe(7);
  });

  it('reports an age of 0 when empty', () => {
    expect(setup().queue.ageOfOldestMessage).toBe(0);
  });

  it.each([
    ['visibilityTimeoutSeconds', 43_201],
    ['messageRetentionSeconds', 59],
    ['maximumMessageSize', 1_048_577],
    ['receiveMessageWaitTimeSeconds', 21],
    ['delaySeconds', 901],
  ])('refuses the queue option %s = %s', (option, value) => {
    expect(() => new LocalQueue({ name: 'q', [option]: value })).toThrow(InvalidQueueOptionError);
  });
});

describe('LocalQueue: batches', () => {
  it('sends a batch, reporting each entry, and failing only the bad one', async () => {
    const { queue } = setup();
    const result = queue.sendMessageBatch([
      { id: 'a', body: 'first' },
      { id: 'b', body: 'bad delay', delaySeconds: 1_000 },
      { id: 'c', body: 'third' },
    ]);

    expect(result.successful.map((entry) => entry.id)).toEqual(['a', 'c']);
    expect(result.failed).toEqual([
      expect.objectContaining({ id: 'b', senderFault: true, code: 'InvalidParameterValue' }),
    ]);
    expect(await queue.receiveMessage({ maxNumberOfMessages: 10 })).toHaveLength(2);
  });

  it.each([
    ['no entries', [], EmptyBatchRequestError],
    [
      '11 entries',
      Array.from({ length: 11 }, (_, i) => ({ id: `m${i}`, body: 'x' })),
      TooManyEntriesInBatchRequestError,
    ],
    [
      'a repeated id',
      [
        { id: 'a', body: 'x' },
        { id: 'a', body: 'y' },
      ],
      BatchEntryIdsNotDistinctError,
    ],
    ['an id with a space', [{ id: 'a b', body: 'x' }], InvalidBatchEntryIdError],
    ['an 81-character id', [{ id: 'x'.repeat(81), body: 'x' }], InvalidBatchEntryIdError],
  ])('refuses a send batch with %s', (_, entries, type) => {
    const { queue } = setup();
    expect(error(() => queue.sendMessageBatch(entries))).toBeInstanceOf(type);
  });

  it('refuses a send batch larger than the maximum message size in total', () => {
    const { queue } = setup({ maximumMessageSize: 1_024 });
    const caught = error(() =>
      queue.sendMessageBatch([
        { id: 'a', body: 'x'.repeat(600) },
        { id: 'b', body: 'x'.repeat(600) },
      ]),
    );
    expect(caught).toBeInstanceOf(BatchRequestTooLongError);
    expect(caught).toMatchObject({ bytes: 1_200 });
  });

  it('deletes a batch, failing entries with invalid handles alone', async () => {
    const { queue } = setup();
    queue.sendMessageBatch([
      { id: 'a', body: '1' },
      { id: 'b', body: '2' },
    ]);
    const [one, two] = await queue.receiveMessage({ maxNumberOfMessages: 2 });

    const result = queue.deleteMessageBatch([
      { id: 'one', receiptHandle: one?.receiptHandle ?? '' },
      { id: 'bogus', receiptHandle: 'garbage' },
      { id: 'two', receiptHandle: two?.receiptHandle ?? '' },
    ]);

    expect(result.successful).toEqual([{ id: 'one' }, { id: 'two' }]);
    expect(result.failed).toEqual([expect.objectContaining({ id: 'bogus', code: 'ReceiptHandleIsInvalid' })]);
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(0);
  });

  it('changes visibility in a batch, per entry', async () => {
    const { clock, queue } = setup({ visibilityTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'job' });
    const message = await receiveOne(queue);

    const result = queue.changeMessageVisibilityBatch([
      { id: 'ok', receiptHandle: message.receiptHandle, visibilityTimeout: 0 },
      { id: 'bad', receiptHandle: message.receiptHandle, visibilityTimeout: 50_000 },
    ]);

    expect(result.successful).toEqual([{ id: 'ok' }]);
    expect(result.failed).toEqual([expect.objectContaining({ id: 'bad', code: 'InvalidParameterValue' })]);
    await clock.flush();
    expect(queue.approximateNumberOfMessages).toBe(1);
  });
});

describe('LocalQueue: long polling', () => {
  it('resolves as soon as a message arrives during the wait', async () => {
    const { clock, queue } = setup();
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage({ waitTimeSeconds: 20 }).then((messages) => (received = messages));

    await clock.advance(5_000);
    expect(received).toBeUndefined();
    queue.sendMessage({ body: 'ping' });
    await clock.flush();

    expect(received?.map((message) => message.body)).toEqual(['ping']);
    expect(clock.now()).toBe(START + 5_000);
  });

  it('returns no messages when the wait ends, and not before', async () => {
    const { clock, queue } = setup();
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage({ waitTimeSeconds: 20 }).then((messages) => (received = messages));

    await clock.advance(19_999);
    expect(received).toBeUndefined();
    await clock.advance(1);
    expect(received).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('returns a delayed message that becomes visible during the wait', async () => {
    const { clock, queue } = setup();
    queue.sendMessage({ body: 'soon', delaySeconds: 3 });
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage({ waitTimeSeconds: 20 }).then((messages) => (received = messages));

    await clock.advance(3_000);

    expect(received?.map((message) => message.body)).toEqual(['soon']);
  });

  it('returns a message made visible by a visibility change during the wait', async () => {
    const { clock, queue } = setup();
    queue.sendMessage({ body: 'retry me' });
    const message = await receiveOne(queue);
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage({ waitTimeSeconds: 20 }).then((messages) => (received = messages));

    queue.changeMessageVisibility(message.receiptHandle, 0);
    await clock.flush();

    expect(received).toHaveLength(1);
  });

  it("waits for the queue's receiveMessageWaitTimeSeconds when the receive gives none", async () => {
    const { clock, queue } = setup({ receiveMessageWaitTimeSeconds: 10 });
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage().then((messages) => (received = messages));

    await clock.advance(9_999);
    expect(received).toBeUndefined();
    await clock.advance(1);
    expect(received).toEqual([]);
  });

  it('ends a wait early, with no messages, when its signal aborts', async () => {
    const { clock, queue } = setup();
    const controller = new AbortController();
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage({ waitTimeSeconds: 20, signal: controller.signal }).then((m) => (received = m));

    controller.abort();
    await clock.flush();

    expect(received).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('ends pending waits when the queue closes', async () => {
    const { clock, queue } = setup();
    let received: ReceivedMessage[] | undefined;
    void queue.receiveMessage({ waitTimeSeconds: 20 }).then((messages) => (received = messages));

    await queue.close();
    await clock.flush();

    expect(received).toEqual([]);
  });

  it.each([-1, 21])('refuses a wait of %s seconds', async (waitTimeSeconds) => {
    const { queue } = setup();
    await expect(queue.receiveMessage({ waitTimeSeconds })).rejects.toMatchObject({
      parameter: 'WaitTimeSeconds',
    });
  });

  it('hands a message to one of several waiting receivers only', async () => {
    const { clock, queue } = setup();
    const results: ReceivedMessage[][] = [];
    for (let i = 0; i < 3; i += 1)
      void queue.receiveMessage({ waitTimeSeconds: 20 }).then((m) => results.push(m));

    queue.sendMessage({ body: 'only one' });
    await clock.advance(20_000);

    expect(results.map((messages) => messages.length).sort()).toEqual([0, 0, 1]);
  });
});

describe('LocalQueue: persistence', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  function temporaryDirectory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'baton-sqs-'));
    directories.push(directory);
    return directory;
  }
  function snapshotPath(): string {
    return join(temporaryDirectory(), 'queues', 'orders.json');
  }

  it('reloads its messages, with in-flight ones visible again and delayed ones still delayed', async () => {
    const path = snapshotPath();
    const { clock, queue } = setup({ persistTo: path, visibilityTimeoutSeconds: 300 });
    queue.sendMessage({
      body: 'in flight',
      messageAttributes: { blob: { dataType: 'Binary', binaryValue: new Uint8Array([1, 2]) } },
    });
    queue.sendMessage({ body: 'delayed', delaySeconds: 60 });
    queue.sendMessage({ body: 'visible' });
    const inFlight = await receiveOne(queue);
    await queue.close();

    const reloaded = new LocalQueue({
      name: 'orders',
      clock,
      scheduler: clock,
      persistTo: path,
      visibilityTimeoutSeconds: 300,
    });
    expect(reloaded.approximateNumberOfMessages).toBe(2);
    expect(reloaded.approximateNumberOfMessagesNotVisible).toBe(0);
    expect(reloaded.approximateNumberOfMessagesDelayed).toBe(1);
    const [again, visible] = await reloaded.receiveMessage({ maxNumberOfMessages: 10 });
    expect(again).toMatchObject({
      messageId: inFlight.messageId,
      body: 'in flight',
      messageAttributes: { blob: { dataType: 'Binary', binaryValue: new Uint8Array([1, 2]) } },
      md5OfMessageAttributes: inFlight.md5OfMessageAttributes,
    });
    expect(again?.attributes.ApproximateReceiveCount).toBe('2');
    expect(visible?.body).toBe('visible');
    await clock.advance(60_000);
    expect((await reloaded.receiveMessage()).map((message) => message.body)).toEqual(['delayed']);
    // The receive changed the queue: let its snapshot write finish before the folder is removed.
    await reloaded.close();
  });

  it('writes after a debounce, through a temporary file renamed into place', async () => {
    const path = snapshotPath();
    const { clock, queue } = setup({ persistTo: path, persistDebounceMs: 100 });
    queue.sendMessage({ body: 'one' });
    queue.sendMessage({ body: 'two' });

    await clock.advance(99);
    expect(existsSync(path)).toBe(false);
    await clock.advance(1);
    await queue.flush();

    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { messages: { body: string }[] };
    expect(snapshot.messages.map((message) => message.body)).toEqual(['one', 'two']);
    expect(readdirSync(join(path, '..')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps what it acknowledged when the process dies before any snapshot is written', async () => {
    const path = snapshotPath();
    // A snapshot that would only be written an hour later: the process dies before.
    const { clock, queue } = setup({ persistTo: path, persistDebounceMs: 3_600_000 });
    queue.sendMessage({ body: 'kept' });
    queue.sendMessage({ body: 'done' });
    const [, done] = await queue.receiveMessage({ maxNumberOfMessages: 2 });
    queue.deleteMessage(done?.receiptHandle as string);
    expect(existsSync(path)).toBe(false);

    const restarted = new LocalQueue({ name: 'orders', clock, scheduler: clock, persistTo: path });
    expect(
      (await restarted.receiveMessage({ maxNumberOfMessages: 10 })).map((message) => message.body),
    ).toEqual(['kept']);
    await restarted.close();
    await queue.flush();
  });

  it('retires the journal lines a snapshot holds, and replays only what came after it', async () => {
    const path = snapshotPath();
    const { clock, queue } = setup({ persistTo: path, persistDebounceMs: 3_600_000 });
    queue.sendMessage({ body: 'before the snapshot' });
    await queue.flush();
    expect(readdirSync(join(path, '..')).filter((name) => name.includes('.journal'))).toEqual([]);
    queue.sendMessage({ body: 'after the snapshot' });

    const restarted = new LocalQueue({ name: 'orders', clock, scheduler: clock, persistTo: path });
    expect(restarted.peek().map((message) => message.body)).toEqual([
      'before the snapshot',
      'after the snapshot',
    ]);
    await restarted.close();
  });

  it('does not bring back a deleted message from a journal a crash left behind after its snapshot', async () => {
    const path = snapshotPath();
    const { clock, queue } = setup({ persistTo: path, persistDebounceMs: 3_600_000 });
    queue.sendMessage({ body: 'deleted later' });
    // The process dies after writing the next snapshot, before removing the journal it sealed:
    // that sealed journal (the send) stays next to the snapshot that holds it.
    const journal = `${path}.journal`;
    const sealedCopy = readFileSync(journal, 'utf8');
    await queue.flush();
    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { journalsUpTo?: string };
    expect(snapshot.journalsUpTo).toBeDefined();
    writeFileSync(join(path, '..', snapshot.journalsUpTo as string), sealedCopy);
    const [message] = await queue.receiveMessage();
    queue.deleteMessage(message?.receiptHandle as string);
    await queue.flush();

    const restarted = new LocalQueue({ name: 'orders', clock, scheduler: clock, persistTo: path });

    expect(restarted.peek()).toEqual([]);
    expect(readdirSync(join(path, '..')).filter((name) => name.includes('.sealed-'))).toEqual([]);
    await restarted.close();
  });

  it('skips a journal line cut short by a crash', async () => {
    const path = snapshotPath();
    const { clock, queue } = setup({ persistTo: path, persistDebounceMs: 3_600_000 });
    queue.sendMessage({ body: 'whole' });
    appendFileSync(`${path}.journal`, '{"op":"put","message":{"messageId":"cut');

    const restarted = new LocalQueue({ name: 'orders', clock, scheduler: clock, persistTo: path });
    expect(restarted.peek().map((message) => message.body)).toEqual(['whole']);
    await restarted.close();
  });

  it('keeps how often a message was received through a crash, so a message that kills the process still reaches its DLQ', async () => {
    const path = snapshotPath();
    const clock = new VirtualClock(START);
    const dlq = new LocalQueue({ name: 'orders-dlq', clock, scheduler: clock });
    const options = {
      persistTo: path,
      persistDebounceMs: 3_600_000,
      visibilityTimeoutSeconds: 0,
      redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 2 },
    };
    const queue = new LocalQueue({ name: 'orders', clock, scheduler: clock, ...options });
    queue.sendMessage({ body: 'poison' });
    await receiveOne(queue);
    await receiveOne(queue);
    expect(existsSync(path)).toBe(false);

    const restarted = new LocalQueue({ name: 'orders', clock, scheduler: clock, ...options });
    expect(await restarted.receiveMessage()).toEqual([]);
    expect(dlq.peek().map((message) => [message.body, message.receiveCount])).toEqual([['poison', 2]]);
    await restarted.close();
    await queue.flush();
  });

  it('writes a snapshot only once its journal has grown as large as the last snapshot', async () => {
    const path = snapshotPath();
    const { clock, queue } = setup({ persistTo: path, persistDebounceMs: 100 });
    for (let i = 0; i < 20; i += 1) queue.sendMessage({ body: `message ${i}` });
    await queue.flush();
    const first = readFileSync(path, 'utf8');

    // A receive and a delete: a few journal lines, much less than the snapshot.
    const message = await receiveOne(queue);
    queue.deleteMessage(message.receiptHandle);
    await clock.advance(1_000);
    expect(readFileSync(path, 'utf8')).toBe(first);

    for (let i = 20; i < 60; i += 1) queue.sendMessage({ body: `message ${i}` });
    await clock.advance(100);
    await queue.flush();
    const second = JSON.parse(readFileSync(path, 'utf8')) as { messages: unknown[] };
    expect(second.messages).toHaveLength(59);
    await queue.close();
  });

  it('refuses to start from a corrupt snapshot, naming the file', () => {
    const path = join(temporaryDirectory(), 'broken.json');
    writeFileSync(path, '{ not json');

    const caught = error(() => new LocalQueue({ name: 'orders', persistTo: path }));
    expect(caught).toBeInstanceOf(CorruptSnapshotError);
    expect((caught as Error).message).toContain('broken.json');
  });
});
