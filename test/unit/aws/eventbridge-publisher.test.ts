import {
  EventBridgeClient,
  PutEventsCommand,
  ResourceNotFoundException,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PublishFailedError } from '../../../lambdas/aws/aws-errors.js';
import { entrySize, EventBridgePublisher } from '../../../lambdas/aws/eventbridge-publisher.js';
import type { Json } from '../../../lambdas/engine/json.js';
import type { DomainEvent } from '../../../lambdas/runtime/ports.js';

/** The only element of `items`, failing the test when there is not exactly one. */
function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const eventBridge = mockClient(EventBridgeClient);

let sleeps: number[];

function publisher(options: { maxRequestBytes?: number; maxAttempts?: number } = {}): EventBridgePublisher {
  return new EventBridgePublisher({
    client: new EventBridgeClient({ region: 'eu-west-1' }),
    eventBusName: 'orders-bus',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    // The top of each jitter range: waits are the plain exponential backoff.
    random: () => 1,
    ...options,
  });
}

function event(n: number, detail: Json = { executionId: `exec-${n}` }): DomainEvent {
  return {
    id: `exec-${n}:Execution Started:0`,
    source: 'baton.orders',
    detailType: 'Execution Started',
    detail,
  };
}

function events(count: number): DomainEvent[] {
  return Array.from({ length: count }, (_, index) => event(index + 1));
}

/** The domain event ids each PutEvents call carried, call by call. */
function sentIds(): string[][] {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .map((call) =>
      (call.args[0].input.Entries ?? []).map((entry) => JSON.parse(entry.Detail ?? '').eventId as string),
    );
}

/** Answers every entry as accepted, except those whose event id maps to an error code. */
function answer(failing: Record<string, string> = {}) {
  return (input: { Entries?: PutEventsRequestEntry[] }) => {
    const entries: PutEventsResultEntry[] = (input.Entries ?? []).map((entry) => {
      const code = failing[JSON.parse(entry.Detail ?? '').eventId as string];
      return code ? { ErrorCode: code, ErrorMessage: `failed with ${code}` } : { EventId: 'ev-id' };
    });
    return { Entries: entries, FailedEntryCount: entries.filter((entry) => entry.ErrorCode).length };
  };
}

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake(answer());
  sleeps = [];
});

describe('EventBridgePublisher', () => {
  it('puts each event on the bus with its source, detail-type, trace header and the event id in the detail', async () => {
    await publisher().publish([{ ...event(1), traceHeader: TRACE }]);
    const entries = only(eventBridge.commandCalls(PutEventsCommand)).args[0].input.Entries;
    expect(entries).toEqual([
      {
        EventBusName: 'orders-bus',
        Source: 'baton.orders',
        DetailType: 'Execution Started',
        Detail: JSON.stringify({ executionId: 'exec-1', eventId: 'exec-1:Execution Started:0' }),
        TraceHeader: TRACE,
      },
    ]);
  });

  it('wraps a detail that is not an object, so that it can carry the event id', async () => {
    await publisher().publish([event(1, ['a', 'b'])]);
    const detail = only(eventBridge.commandCalls(PutEventsCommand)).args[0].input.Entries?.[0]?.Detail;
    expect(JSON.parse(detail ?? '')).toEqual({ eventId: 'exec-1:Execution Started:0', value: ['a', 'b'] });
  });

  it('calls nothing for no events', async () => {
    await publisher().publish([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('sends 25 events as batches of 10, 10 and 5, in order', async () => {
    await publisher().publish(events(25));
    const batches = sentIds();
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(events(25).map((e) => e.id));
  });

  it('starts a new batch before the request would exceed the size limit', async () => {
    const size = entrySize({
      Source: 'baton.orders',
      DetailType: 'Execution Started',
      Detail: JSON.stringify({ executionId: 'exec-1', eventId: 'exec-1:Execution Started:0' }),
    });
    await publisher({ maxRequestBytes: size * 2 + 1 }).publish(events(5));
    expect(sentIds().map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('retries only the entries that failed, after a backoff, until they pass', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(
        answer({
          'exec-2:Execution Started:0': 'ThrottlingException',
          'exec-5:Execution Started:0': 'InternalFailure',
        }),
      )
      .callsFake(answer());
    await publisher().publish(events(6));
    expect(sentIds()).toEqual([
      events(6).map((e) => e.id),
      ['exec-2:Execution Started:0', 'exec-5:Execution Started:0'],
    ]);
    expect(sleeps).toEqual([100]);
  });

  it('gives up after the last attempt with a PublishFailedError naming what still failed', async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer({ 'exec-3:Execution Started:0': 'InternalFailure' }));
    const error = await publisher({ maxAttempts: 4 })
      .publish(events(3))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect((error as PublishFailedError).failures).toEqual([
      {
        eventId: 'exec-3:Execution Started:0',
        errorCode: 'InternalFailure',
        errorMessage: 'failed with InternalFailure',
      },
    ]);
    expect((error as PublishFailedError).retryable).toBe(true);
    expect(sentIds().map((batch) => batch.length)).toEqual([3, 1, 1, 1]);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('does not retry an entry EventBridge will reject again, and says the failure is not retryable', async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer({ 'exec-1:Execution Started:0': 'MalformedDetail' }));
    const error = await publisher()
      .publish(events(2))
      .catch((caught: unknown) => caught);
    expect(sentIds()).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect((error as PublishFailedError).failures.map((failure) => failure.errorCode)).toEqual([
      'MalformedDetail',
    ]);
    expect((error as PublishFailedError).retryable).toBe(false);
  });

  it('retries the whole batch when the call itself is throttled', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(throttled).callsFake(answer());
    await publisher().publish(events(3));
    expect(sentIds().map((batch) => batch.length)).toEqual([3, 3]);
    expect(sleeps).toEqual([100]);
  });

  it('stops at once when the call fails for good, but still sends the other batches', async () => {
    const missing = new ResourceNotFoundException({
      message: 'Event bus orders-bus does not exist.',
      $metadata: {},
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(missing).callsFake(answer());
    const error = await publisher()
      .publish(events(12))
      .catch((caught: unknown) => caught);
    expect(sentIds().map((batch) => batch.length)).toEqual([10, 2]);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect((error as PublishFailedError).failures).toHaveLength(10);
    expect((error as PublishFailedError).failures[0]?.errorCode).toBe('ResourceNotFoundException');
    expect((error as PublishFailedError).retryable).toBe(false);
    expect((error as PublishFailedError).cause).toBe(missing);
  });

  it('caps the backoff and jitters it between half and all of it', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFake(answer({ 'exec-1:Execution Started:0': 'ThrottlingException' }));
    const jittered = new EventBridgePublisher({
      client: new EventBridgeClient({ region: 'eu-west-1' }),
      eventBusName: 'orders-bus',
      maxAttempts: 7,
      baseDelayMs: 500,
      maxDelayMs: 2_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
    });
    await expect(jittered.publish(events(1))).rejects.toBeInstanceOf(PublishFailedError);
    expect(sleeps).toEqual([250, 500, 1000, 1000, 1000, 1000]);
  });
});

describe('entrySize', () => {
  it('counts UTF-8 bytes of Source, DetailType, Detail and Resources, and 14 for Time, as EventBridge does', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '{"é":1}', Resources: ['r1', 'r2'] })).toBe(
      2 + 1 + 8 + 2 + 2,
    );
    expect(entrySize({ Source: 'ab', DetailType: 'c', Time: new Date(0) })).toBe(14 + 3);
  });
});
