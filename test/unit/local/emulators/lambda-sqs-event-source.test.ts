import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidEventSourceMappingError } from '../../../../local/emulators/lambda/errors.js';
import {
  SqsEventSourceMapping,
  type InvocationOutcome,
  type SqsEventSourceMappingOptions,
  type SqsHandler,
} from '../../../../local/emulators/lambda/sqs-event-source.js';
import { VirtualClock } from '../../../../local/emulators/sqs/clock.js';
import { LocalQueue, type LocalQueueOptions } from '../../../../local/emulators/sqs/queue.js';

const START = Date.UTC(2026, 2, 1, 12);

function counter(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}

/** A promise the test resolves by hand. */
function deferred<T = void>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

const mappings: SqsEventSourceMapping[] = [];
afterEach(async () => {
  for (const mapping of mappings.splice(0)) await mapping.stop();
});

function setup(
  handler: SqsHandler,
  options: Partial<SqsEventSourceMappingOptions> = {},
  queueOptions: Partial<LocalQueueOptions> = {},
) {
  const clock = new VirtualClock(START);
  const queue = new LocalQueue({
    name: 'inbox',
    region: 'eu-central-1',
    accountId: '123456789012',
    visibilityTimeoutSeconds: 30,
    clock,
    scheduler: clock,
    ids: counter('msg'),
    ...queueOptions,
  });
  const outcomes: InvocationOutcome[] = [];
  const mapping = new SqsEventSourceMapping({
    queue,
    handler,
    functionName: 'orchestrator',
    clock,
    scheduler: clock,
    ids: counter('request'),
    onInvocation: (outcome) => outcomes.push(outcome),
    ...options,
  });
  mappings.push(mapping);
  return { clock, queue, mapping, outcomes };
}

/** A handler that records its events and answers with `respond`. */
function recordingHandler(respond: (event: SQSEvent) => unknown = () => undefined) {
  const events: SQSEvent[] = [];
  const contexts: Context[] = [];
  const handler: SqsHandler = async (event, context) => {
    events.push(event);
    contexts.push(context);
    return (await respond(event)) as SQSBatchResponse | undefined;
  };
  return { events, contexts, handler };
}

describe('SqsEventSourceMapping: the event', () => {
  it("builds records in the shape of Lambda's SQS event", async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler);
    const sent = queue.sendMessage({
      body: '{"hello":"world"}',
      messageAttributes: {
        kind: { dataType: 'String', stringValue: 'order' },
        blob: { dataType: 'Binary', binaryValue: new Uint8Array([104, 105]) },
      },
      awsTraceHeader: 'Root=1-00000000-000000000000000000000000',
    });

    mapping.start();
    await clock.flush();

    expect(events).toHaveLength(1);
    expect(events[0]?.Records).toEqual([
      {
        messageId: sent.messageId,
        receiptHandle: expect.any(String),
        body: '{"hello":"world"}',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(START),
          SenderId: '123456789012',
          ApproximateFirstReceiveTimestamp: String(START),
          AWSTraceHeader: 'Root=1-00000000-000000000000000000000000',
        },
        messageAttributes: {
          kind: { stringValue: 'order', stringListValues: [], binaryListValues: [], dataType: 'String' },
          blob: { binaryValue: 'aGk=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
        },
        md5OfBody: sent.md5OfMessageBody,
        md5OfMessageAttributes: sent.md5OfMessageAttributes,
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:inbox',
        awsRegion: 'eu-central-1',
      },
    ]);
  });

  it('leaves md5OfMessageAttributes out for messages without attributes', async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler);
    queue.sendMessage({ body: 'plain' });
    mapping.start();
    await clock.flush();

    expect(events[0]?.Records[0]).not.toHaveProperty('md5OfMessageAttributes');
    expect(events[0]?.Records[0]?.messageAttributes).toEqual({});
  });

  it('passes a context that counts down to the function timeout', async () => {
    const release = deferred();
    let remainingAtStart = -1;
    let remainingLater = -1;
    const handler: SqsHandler = async (_event, context) => {
      remainingAtStart = context.getRemainingTimeInMillis();
      await release.promise;
      remainingLater = context.getRemainingTimeInMillis();
    };
    const { clock, queue, mapping } = setup(handler, { functionTimeoutSeconds: 10 });
    queue.sendMessage({ body: 'x' });
    mapping.start();
    await clock.flush();
    await clock.advance(4_000);
    release.resolve();
    await clock.flush();

    expect(remainingAtStart).toBe(10_000);
    expect(remainingLater).toBe(6_000);
  });

  it('names the function, request and log stream as Lambda does', async () => {
    const { contexts, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler);
    queue.sendMessage({ body: 'x' });
    mapping.start();
    await clock.flush();

    expect(contexts[0]).toMatchObject({
      functionName: 'orchestrator',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:orchestrator',
      awsRequestId: 'request-1',
      logGroupName: '/aws/lambda/orchestrator',
      logStreamName: '2026/03/01/[$LATEST]request1',
      memoryLimitInMB: '128',
    });
    expect(() => contexts[0]?.succeed('done')).toThrow(/not supported by the local runtime/);
  });
});

describe('SqsEventSourceMapping: batching', () => {
  it('deletes every message of a batch the handler processed', async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping, outcomes } = setup(handler);
    for (const body of ['a', 'b', 'c']) queue.sendMessage({ body });
    mapping.start();
    await clock.flush();
    await clock.advance(60_000);

    expect(events.flatMap((event) => event.Records.map((record) => record.body)).sort()).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(outcomes.every((outcome) => outcome.type === 'succeeded')).toBe(true);
    expect(queue.approximateNumberOfMessages + queue.approximateNumberOfMessagesNotVisible).toBe(0);
  });

  it('invokes with at most batchSize records', async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler, { batchSize: 4, maximumConcurrency: 2 });
    queue.sendMessageBatch(Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, body: String(i) })));
    mapping.start();
    await clock.flush();

    expect(Math.max(...events.map((event) => event.Records.length))).toBe(4);
    expect(events.reduce((sum, event) => sum + event.Records.length, 0)).toBe(10);
  });

  it('gathers records for the batching window before invoking', async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler, {
      batchSize: 10,
      maximumBatchingWindowSeconds: 5,
      maximumConcurrency: 2,
    });
    mapping.start();
    queue.sendMessage({ body: 'first' });
    await clock.advance(2_000);
    queue.sendMessage({ body: 'second' });
    await clock.advance(2_999);
    expect(events).toHaveLength(0);

    await clock.advance(1);

    expect(events).toHaveLength(1);
    expect(events[0]?.Records.map((record) => record.body)).toEqual(['first', 'second']);
    expect(clock.now()).toBe(START + 5_000);
  });

  it('invokes as soon as the batch is full, window or not', async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler, {
      batchSize: 2,
      maximumBatchingWindowSeconds: 60,
      maximumConcurrency: 2,
    });
    mapping.start();
    queue.sendMessage({ body: 'one' });
    await clock.advance(1_000);
    queue.sendMessage({ body: 'two' });
    await clock.flush();

    expect(events.map((event) => event.Records.length)).toEqual([2]);
  });

  it('keeps no more than maximumConcurrency batches in flight', async () => {
    const release = deferred();
    let running = 0;
    let mostAtOnce = 0;
    const handler: SqsHandler = async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await release.promise;
      running -= 1;
    };
    const { clock, queue, mapping, outcomes } = setup(handler, {
      batchSize: 1,
      maximumConcurrency: 3,
      functionTimeoutSeconds: 30,
    });
    queue.sendMessageBatch(Array.from({ length: 8 }, (_, i) => ({ id: `m${i}`, body: String(i) })));
    mapping.start();
    await clock.flush();

    expect(mapping.batchesInFlight).toBe(3);
    release.resolve();
    await clock.flush();

    expect(mostAtOnce).toBe(3);
    expect(outcomes).toHaveLength(8);
  });
});

describe('SqsEventSourceMapping: failures', () => {
  it('keeps a whole batch when the handler throws: it returns after the visibility timeout', async () => {
    let calls = 0;
    const { events, handler } = recordingHandler(() => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
    });
    const { clock, queue, mapping, outcomes } = setup(handler);
    queue.sendMessage({ body: 'a' });
    queue.sendMessage({ body: 'b' });
    mapping.start();
    await clock.flush();

    expect(outcomes[0]).toMatchObject({ type: 'failed', reason: 'handler-error', error: new Error('boom') });
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(2);
    await clock.advance(29_999);
    expect(events).toHaveLength(1);
    await clock.advance(1);

    expect(events).toHaveLength(2);
    expect(events[1]?.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    expect(queue.approximateNumberOfMessages + queue.approximateNumberOfMessagesNotVisible).toBe(0);
  });

  it('deletes the successful records and keeps the reported failures', async () => {
    let calls = 0;
    const { events, handler } = recordingHandler((event) => {
      calls += 1;
      const bad = event.Records.find((record) => record.body === 'bad');
      return calls === 1 && bad ? { batchItemFailures: [{ itemIdentifier: bad.messageId }] } : undefined;
    });
    const { clock, queue, mapping, outcomes } = setup(handler, { reportBatchItemFailures: true });
    queue.sendMessageBatch([
      { id: 'a', body: 'good' },
      { id: 'b', body: 'bad' },
      { id: 'c', body: 'fine' },
    ]);
    mapping.start();
    await clock.flush();

    expect(outcomes[0]).toMatchObject({ type: 'partially-failed', failedMessageIds: ['msg-2'] });
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(1);
    await clock.advance(30_000);

    expect(events[1]?.Records.map((record) => record.body)).toEqual(['bad']);
    expect(outcomes[1]?.type).toBe('succeeded');
  });

  it.each<[string, unknown]>([
    ['an unknown item identifier', { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }],
    ['an empty item identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a misspelt key', { batchItemFailures: [{ itemId: 'msg-1' }] }],
    ['a list that is not a list', { batchItemFailures: 'msg-1' }],
    ['a response that is not an object', 'ok'],
  ])('fails the whole batch for a response with %s', async (_, response) => {
    const handler = (async () => response) as unknown as SqsHandler;
    const { clock, queue, mapping, outcomes } = setup(handler, { reportBatchItemFailures: true });
    queue.sendMessage({ body: 'a' });
    queue.sendMessage({ body: 'b' });
    mapping.start();
    await clock.flush();

    expect(outcomes[0]).toMatchObject({ type: 'failed', reason: 'invalid-batch-response' });
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(2);
  });

  it.each<[string, unknown]>([
    ['no response', undefined],
    ['null', null],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ])('counts %s as complete success', async (_, response) => {
    const handler = (async () => response) as unknown as SqsHandler;
    const { clock, queue, mapping, outcomes } = setup(handler, { reportBatchItemFailures: true });
    queue.sendMessage({ body: 'a' });
    mapping.start();
    await clock.flush();

    expect(outcomes[0]?.type).toBe('succeeded');
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(0);
  });

  it('ignores batchItemFailures unless reportBatchItemFailures is on', async () => {
    const { handler } = recordingHandler((event) => ({
      batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
    }));
    const { clock, queue, mapping, outcomes } = setup(handler);
    queue.sendMessage({ body: 'a' });
    mapping.start();
    await clock.flush();

    expect(outcomes[0]?.type).toBe('succeeded');
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(0);
  });

  it('fails a batch whose handler outlives the function timeout', async () => {
    const never = deferred();
    const { clock, queue, mapping, outcomes } = setup(() => never.promise, { functionTimeoutSeconds: 5 });
    queue.sendMessage({ body: 'slow' });
    mapping.start();
    await clock.flush();
    await clock.advance(4_999);
    expect(outcomes).toHaveLength(0);

    await clock.advance(1);

    expect(outcomes[0]).toMatchObject({ type: 'failed', reason: 'timeout' });
    expect(String((outcomes[0] as { error: Error }).error.message)).toBe('Task timed out after 5.00 seconds');
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(1);
    never.resolve();
  });

  it("moves a message that keeps failing to the queue's DLQ after maxReceiveCount invocations", async () => {
    const clock = new VirtualClock(START);
    const dlq = new LocalQueue({ name: 'inbox-dlq', clock, scheduler: clock });
    const { events, handler } = recordingHandler(() => {
      throw new Error('always');
    });
    const { queue, mapping } = setup(
      handler,
      { clock, scheduler: clock },
      { clock, scheduler: clock, redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 2 } },
    );
    queue.sendMessage({ body: 'poison' });
    mapping.start();
    await clock.advance(120_000);

    expect(events).toHaveLength(2);
    expect(dlq.approximateNumberOfMessages).toBe(1);
  });
});

describe('SqsEventSourceMapping: lifecycle and options', () => {
  it('stops polling, waiting for the batches in flight', async () => {
    const release = deferred();
    const { events, handler } = recordingHandler(() => release.promise);
    const { clock, queue, mapping, outcomes } = setup(handler, { functionTimeoutSeconds: 30 });
    queue.sendMessage({ body: 'in flight' });
    mapping.start();
    await clock.flush();

    let stopped = false;
    void mapping.stop().then(() => (stopped = true));
    await clock.flush();
    expect(stopped).toBe(false);
    release.resolve();
    await clock.flush();
    expect(stopped).toBe(true);
    expect(outcomes[0]?.type).toBe('succeeded');

    queue.sendMessage({ body: 'after stop' });
    await clock.advance(60_000);
    expect(events).toHaveLength(1);
    expect(mapping.isRunning).toBe(false);
  });

  it('starts again after a stop', async () => {
    const { events, handler } = recordingHandler();
    const { clock, queue, mapping } = setup(handler);
    mapping.start();
    await mapping.stop();
    mapping.start();
    queue.sendMessage({ body: 'x' });
    await clock.flush();

    expect(events).toHaveLength(1);
  });

  it.each<[string, Partial<SqsEventSourceMappingOptions>, string]>([
    ['a batch size of 0', { batchSize: 0 }, 'batchSize'],
    ['a batch size over 10000', { batchSize: 10_001 }, 'batchSize'],
    ['a batch size over 10 without a window', { batchSize: 11 }, 'maximumBatchingWindowSeconds'],
    ['a window over 300 s', { maximumBatchingWindowSeconds: 301 }, 'maximumBatchingWindowSeconds'],
    ['a maximum concurrency of 1', { maximumConcurrency: 1 }, 'maximumConcurrency'],
    [
      'a function timeout longer than the visibility timeout',
      { functionTimeoutSeconds: 31 },
      'functionTimeoutSeconds',
    ],
  ])('refuses %s, naming the option', (_, options, option) => {
    let caught: unknown;
    try {
      setup(async () => undefined, options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEventSourceMappingError);
    expect(caught).toMatchObject({ name: 'InvalidParameterValueException', option });
  });

  it("quotes Lambda's message when the function timeout exceeds the queue visibility timeout", () => {
    expect(() => setup(async () => undefined, { functionTimeoutSeconds: 60 })).toThrow(
      'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds',
    );
  });
});
