/**
 * Lambda's SQS event source mapping, locally: pollers long-poll a {@link LocalQueue}, gather
 * batches, invoke a handler with the event Lambda builds, and delete what the handler processed —
 * as the Lambda Developer Guide ("Using Lambda with Amazon SQS", "Handling errors for an SQS event
 * source", "Implementing partial batch responses") describes:
 *
 * - Delivery is at-least-once. A batch whose handler throws or times out is not deleted: its
 *   messages come back after the queue's visibility timeout (and go to the queue's DLQ after its
 *   `maxReceiveCount`). Lambda does not change their visibility.
 * - With `reportBatchItemFailures`, the records listed in `batchItemFailures` stay and the others
 *   are deleted. A response that is not a batch response, or lists an item identifier that is
 *   empty, missing or not a message of the batch, fails the whole batch. No response, or an empty
 *   or null list, is a complete success.
 * - Without it, a returned value is ignored and the whole batch is deleted.
 * - `maximumConcurrency` is the number of batches in flight at once (one poller each). Pollers
 *   take turns gathering, so batches fill up before the next one starts (a local choice: AWS
 *   does not document how its pollers share arrivals).
 * - A batch is gathered until it holds `batchSize` records, the batching window ends, or it
 *   reaches 6 MB.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { isJsonObject } from '../json.js';
import { SYSTEM_CLOCK, SYSTEM_SCHEDULER, type Clock, type Scheduler } from '../sqs/clock.js';
import type { LocalQueue, ReceivedMessage } from '../sqs/queue.js';
import { createLambdaContext } from './context.js';
import { InvalidEventSourceMappingError } from './errors.js';

/** The handler an SQS-triggered function exports. */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- aws-lambda's own SQSHandler result: handlers may return nothing.
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** Lambda's default SQS batch size. */
export const DEFAULT_BATCH_SIZE = 10;
/** Lambda's largest SQS batch size (standard queues). */
export const MAX_BATCH_SIZE = 10_000;
/** Batch sizes above 10 need a batching window of at least 1 s. */
export const MAX_BATCH_SIZE_WITHOUT_WINDOW = 10;
/** Longest batching window: 5 minutes. */
export const MAX_BATCHING_WINDOW_SECONDS = 300;
/** Smallest `MaximumConcurrency` Lambda accepts. */
export const MIN_MAXIMUM_CONCURRENCY = 2;
/** Largest `MaximumConcurrency` Lambda accepts. */
export const MAX_MAXIMUM_CONCURRENCY = 1_000;
/** Batches in flight when `maximumConcurrency` is not set: Lambda starts with five pollers. */
export const DEFAULT_MAXIMUM_CONCURRENCY = 5;
/** Lambda's default function timeout. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3;
/** Lambda's longest function timeout: 15 minutes. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;
/** A batch stops growing at the synchronous invocation payload limit. */
export const MAX_BATCH_PAYLOAD_BYTES = 6 * 1024 * 1024;
const LONG_POLL_SECONDS = 20;
const MAX_RECEIVE = 10;
const MAX_DELETE = 10;

/** Options of {@link SqsEventSourceMapping}. */
export interface SqsEventSourceMappingOptions {
  readonly queue: LocalQueue;
  readonly handler: SqsHandler;
  readonly functionName: string;
  /** Records per invocation, 1–10000 (above 10 only with a batching window). @default 10 */
  readonly batchSize?: number;
  /** How long to gather records before invoking, 0–300 s. @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
  /** Batches in flight at once, 2–1000. @default 5 */
  readonly maximumConcurrency?: number;
  /** Honour `batchItemFailures` in the handler's response. @default false */
  readonly reportBatchItemFailures?: boolean;
  /** The function timeout, 1–900 s; no longer than the queue's visibility timeout. @default 3 */
  readonly functionTimeoutSeconds?: number;
  /** Reported in the context. @default 128 */
  readonly memoryLimitInMB?: number;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Timers for function timeouts. @default setTimeout */
  readonly scheduler?: Scheduler;
  /** Request ids. @default crypto.randomUUID */
  readonly ids?: () => string;
  /** Told how each invocation ended. @default nothing */
  readonly onInvocation?: (outcome: InvocationOutcome) => void;
}

/** How one invocation ended, and so what happened to its messages. */
export type InvocationOutcome =
  /** Every message was deleted. */
  | { readonly type: 'succeeded'; readonly requestId: string; readonly messageIds: readonly string[] }
  /** The listed messages stay for redelivery; the others were deleted. */
  | {
      readonly type: 'partially-failed';
      readonly requestId: string;
      readonly messageIds: readonly string[];
      readonly failedMessageIds: readonly string[];
    }
  /** No message was deleted: all return after the visibility timeout. */
  | {
      readonly type: 'failed';
      readonly requestId: string;
      readonly messageIds: readonly string[];
      readonly reason: 'handler-error' | 'timeout' | 'invalid-batch-response';
      /** What the handler threw, or why its response was refused. */
      readonly error: unknown;
    };

type HandlerResult =
  | { readonly type: 'returned'; readonly response: unknown }
  | { readonly type: 'threw'; readonly error: unknown }
  | { readonly type: 'timed-out' };

type FailureList =
  | { readonly type: 'valid'; readonly failedIds: readonly string[] }
  | { readonly type: 'invalid'; readonly reason: string };

/** Polls a queue and invokes a handler with batches of its messages, until stopped. */
export class SqsEventSourceMapping {
  readonly functionName: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  readonly functionTimeoutSeconds: number;

  /** The queue it polls. */
  readonly queue: LocalQueue;
  private readonly handler: SqsHandler;
  private readonly memoryLimitInMB: number;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly ids: () => string;
  private readonly onInvocation: ((outcome: InvocationOutcome) => void) | undefined;
  private running = false;
  private abort = new AbortController();
  private pollers: Promise<void>[] = [];
  /** Settles when the poller gathering a batch has its batch. */
  private gathering: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(options: SqsEventSourceMappingOptions) {
    this.queue = options.queue;
    this.handler = options.handler;
    this.functionName = options.functionName;
    this.batchSize = checked('batchSize', options.batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE);
    this.maximumBatchingWindowSeconds = checked(
      'maximumBatchingWindowSeconds',
      options.maximumBatchingWindowSeconds,
      0,
      0,
      MAX_BATCHING_WINDOW_SECONDS,
    );
    if (this.batchSize > MAX_BATCH_SIZE_WITHOUT_WINDOW && this.maximumBatchingWindowSeconds < 1) {
      throw new InvalidEventSourceMappingError(
        'maximumBatchingWindowSeconds',
        `must be at least 1 when batchSize (${this.batchSize}) is over ${MAX_BATCH_SIZE_WITHOUT_WINDOW}`,
      );
    }
    this.maximumConcurrency = checked(
      'maximumConcurrency',
      options.maximumConcurrency,
      DEFAULT_MAXIMUM_CONCURRENCY,
      MIN_MAXIMUM_CONCURRENCY,
      MAX_MAXIMUM_CONCURRENCY,
    );
    this.reportBatchItemFailures = options.reportBatchItemFailures ?? false;
    this.functionTimeoutSeconds = checked(
      'functionTimeoutSeconds',
      options.functionTimeoutSeconds,
      DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      1,
      MAX_FUNCTION_TIMEOUT_SECONDS,
    );
    if (this.queue.visibilityTimeoutSeconds < this.functionTimeoutSeconds) {
      throw new InvalidEventSourceMappingError(
        'functionTimeoutSeconds',
        `Queue visibility timeout: ${this.queue.visibilityTimeoutSeconds} seconds is less than Function timeout: ${this.functionTimeoutSeconds} seconds`,
      );
    }
    this.memoryLimitInMB = options.memoryLimitInMB ?? 128;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.scheduler = options.scheduler ?? SYSTEM_SCHEDULER;
    this.ids = options.ids ?? randomUUID;
    this.onInvocation = options.onInvocation;
  }

  /** Whether pollers are running. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Batches whose handler is running now. */
  get batchesInFlight(): number {
    return this.inFlight;
  }

  /** Starts `maximumConcurrency` pollers. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.pollers = Array.from({ length: this.maximumConcurrency }, () => this.poll());
  }

  /**
   * Stops polling: pending long polls end at once, and the returned promise resolves when every
   * batch already handed to the handler has finished and been settled with the queue.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.all(this.pollers);
    this.pollers = [];
  }

  /**
   * One invocation with what is visible now (up to `batchSize` records, no waiting): for wirings
   * that step deliveries themselves instead of running pollers, such as the in-process domain on
   * a virtual clock. Resolves with how the invocation ended (its messages deleted or kept as a
   * poller would), or undefined when nothing was visible. Several may run at once, as several
   * pollers' invocations do.
   */
  async invokeVisible(): Promise<InvocationOutcome | undefined> {
    const batch: ReceivedMessage[] = [];
    while (batch.length < this.batchSize) {
      const messages = await this.queue.receiveMessage({
        maxNumberOfMessages: Math.min(MAX_RECEIVE, this.batchSize - batch.length),
        waitTimeSeconds: 0,
      });
      if (messages.length === 0) break;
      batch.push(...messages);
    }
    return batch.length === 0 ? undefined : this.invoke(batch);
  }

  private async poll(): Promise<void> {
    while (this.running && !this.queue.isClosed) {
      const batch = await this.gatherExclusively();
      // Messages already received are in flight: they are processed even when stopping.
      if (batch.length > 0) await this.invoke(batch);
    }
  }

  /**
   * One poller gathers at a time, so a batching window fills one batch instead of pollers
   * splitting the arrivals between them; up to `maximumConcurrency` gathered batches still run
   * at once.
   */
  private async gatherExclusively(): Promise<ReceivedMessage[]> {
    const previous = this.gathering;
    let release: () => void = () => undefined;
    this.gathering = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await this.gather();
    } finally {
      release();
    }
  }

  /** Long-polls until a message arrives, then keeps gathering for the batching window. */
  private async gather(): Promise<ReceivedMessage[]> {
    const signal = this.abort.signal;
    const batch: ReceivedMessage[] = [];
    let bytes = 0;
    const receive = async (waitTimeSeconds: number): Promise<number> => {
      const messages = await this.queue.receiveMessage({
        maxNumberOfMessages: Math.min(MAX_RECEIVE, this.batchSize - batch.length),
        waitTimeSeconds,
        signal,
      });
      for (const message of messages) {
        batch.push(message);
        bytes += Buffer.byteLength(message.body, 'utf8');
      }
      return messages.length;
    };
    while (this.running && batch.length === 0 && !this.queue.isClosed) await receive(LONG_POLL_SECONDS);
    if (this.maximumBatchingWindowSeconds === 0) return batch;
    const windowEnd = this.clock.now() + this.maximumBatchingWindowSeconds * 1_000;
    while (this.running && batch.length < this.batchSize && bytes < MAX_BATCH_PAYLOAD_BYTES) {
      const remaining = windowEnd - this.clock.now();
      if (remaining <= 0) break;
      await receive(Math.min(LONG_POLL_SECONDS, Math.ceil(remaining / 1_000)));
    }
    return batch;
  }

  private async invoke(batch: readonly ReceivedMessage[]): Promise<InvocationOutcome> {
    this.inFlight += 1;
    try {
      const requestId = this.ids();
      const messageIds = batch.map((message) => message.messageId);
      const result = await this.runHandler(
        { Records: batch.map((message) => this.toRecord(message)) },
        requestId,
      );
      const outcome = this.outcomeOf(result, requestId, messageIds);
      const keep = new Set(
        outcome.type === 'succeeded'
          ? []
          : outcome.type === 'partially-failed'
            ? outcome.failedMessageIds
            : messageIds,
      );
      this.deleteProcessed(batch.filter((message) => !keep.has(message.messageId)));
      this.onInvocation?.(outcome);
      return outcome;
    } finally {
      this.inFlight -= 1;
    }
  }

  private runHandler(event: SQSEvent, requestId: string): Promise<HandlerResult> {
    const timeoutMs = this.functionTimeoutSeconds * 1_000;
    const context = createLambdaContext({
      functionName: this.functionName,
      awsRequestId: requestId,
      deadline: this.clock.now() + timeoutMs,
      clock: this.clock,
      region: this.queue.region,
      accountId: this.queue.accountId,
      memoryLimitInMB: this.memoryLimitInMB,
    });
    return new Promise((resolve) => {
      // The function is cut off at its timeout, as Lambda does; its late result is ignored.
      const cancel = this.scheduler.schedule(() => resolve({ type: 'timed-out' }), timeoutMs);
      Promise.resolve()
        .then(() => this.handler(event, context))
        .then(
          (response) => {
            cancel();
            resolve({ type: 'returned', response });
          },
          (error: unknown) => {
            cancel();
            resolve({ type: 'threw', error });
          },
        );
    });
  }

  private outcomeOf(
    result: HandlerResult,
    requestId: string,
    messageIds: readonly string[],
  ): InvocationOutcome {
    switch (result.type) {
      case 'threw':
        return { type: 'failed', requestId, messageIds, reason: 'handler-error', error: result.error };
      case 'timed-out':
        return {
          type: 'failed',
          requestId,
          messageIds,
          reason: 'timeout',
          error: new Error(`Task timed out after ${this.functionTimeoutSeconds.toFixed(2)} seconds`),
        };
      case 'returned': {
        if (!this.reportBatchItemFailures) return { type: 'succeeded', requestId, messageIds };
        const failures = batchItemFailures(result.response, new Set(messageIds));
        if (failures.type === 'invalid') {
          return {
            type: 'failed',
            requestId,
            messageIds,
            reason: 'invalid-batch-response',
            error: failures.reason,
          };
        }
        if (failures.failedIds.length === 0) return { type: 'succeeded', requestId, messageIds };
        return { type: 'partially-failed', requestId, messageIds, failedMessageIds: failures.failedIds };
      }
    }
  }

  /** Deletes in batches of 10. A handle superseded meanwhile (the message was received again) deletes nothing. */
  private deleteProcessed(messages: readonly ReceivedMessage[]): void {
    for (let start = 0; start < messages.length; start += MAX_DELETE) {
      const chunk = messages.slice(start, start + MAX_DELETE);
      this.queue.deleteMessageBatch(
        chunk.map((message, index) => ({ id: String(index), receiptHandle: message.receiptHandle })),
      );
    }
  }

  private toRecord(message: ReceivedMessage): SQSRecord {
    const messageAttributes: Record<string, SQSMessageAttribute> = {};
    for (const [name, attribute] of Object.entries(message.messageAttributes)) {
      messageAttributes[name] = {
        ...(attribute.stringValue !== undefined ? { stringValue: attribute.stringValue } : {}),
        ...(attribute.binaryValue !== undefined
          ? { binaryValue: Buffer.from(attribute.binaryValue).toString('base64') }
          : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: attribute.dataType,
      };
    }
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: { ...message.attributes },
      messageAttributes,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes !== undefined
        ? { md5OfMessageAttributes: message.md5OfMessageAttributes }
        : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queue.arn,
      awsRegion: this.queue.region,
    };
  }
}

/**
 * Reads a handler's partial batch response. Complete success: no response, or a null or empty
 * `batchItemFailures`. Invalid (complete failure): anything else that is not a list of
 * `{ itemIdentifier }` naming messages of the batch.
 */
export function batchItemFailures(response: unknown, batchIds: ReadonlySet<string>): FailureList {
  if (response === undefined || response === null) return { type: 'valid', failedIds: [] };
  if (!isJsonObject(response)) return { type: 'invalid', reason: 'the response is not a JSON object' };
  const failures = response['batchItemFailures'];
  if (failures === undefined || failures === null) return { type: 'valid', failedIds: [] };
  if (!Array.isArray(failures)) return { type: 'invalid', reason: 'batchItemFailures is not a list' };
  const failedIds: string[] = [];
  for (const [index, failure] of failures.entries()) {
    const identifier = isJsonObject(failure) ? failure['itemIdentifier'] : undefined;
    if (typeof identifier !== 'string' || identifier.length === 0) {
      return { type: 'invalid', reason: `batchItemFailures[${index}] has no itemIdentifier` };
    }
    if (!batchIds.has(identifier)) {
      return {
        type: 'invalid',
        reason: `batchItemFailures[${index}].itemIdentifier ${identifier} is not in the batch`,
      };
    }
    failedIds.push(identifier);
  }
  return { type: 'valid', failedIds };
}

function checked(
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const actual = value ?? fallback;
  if (!Number.isInteger(actual) || actual < min || actual > max) {
    throw new InvalidEventSourceMappingError(
      option,
      `must be an integer from ${min} to ${max}, not ${actual}`,
    );
  }
  return actual;
}
