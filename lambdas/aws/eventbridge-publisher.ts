/**
 * Domain events on Amazon EventBridge: the orchestrator's lifecycle events (`Execution Started`,
 * `Execution Failed`, ...) leave through here.
 */
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { isJsonObject, type JsonObject } from '../engine/json.js';
import type { DomainEvent, EventPublisher } from '../runtime/ports.js';
import {
  errorMessage,
  errorName,
  isTransient,
  PublishFailedError,
  type FailedPublication,
} from './aws-errors.js';

/** PutEvents accepts at most 10 entries per call. */
export const MAX_ENTRIES_PER_PUT = 10;
/**
 * The request size PutEvents batches are kept under, counted as EventBridge counts it. AWS raised
 * the limit from 256 KB to 1 MB in January 2026; 256 KiB stays the default because it holds in every
 * partition and in local emulators.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;
/** Attempts per batch, the first included. */
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 2_000;

/** The field of every event's `detail` that holds the domain event id. */
export const EVENT_ID_FIELD = 'eventId';

/**
 * Per-entry error codes that the same entry will get again. AWS documents `InternalFailure` and
 * `ThrottlingException` as the retryable ones; an unknown code is retried (the retries are bounded).
 */
const PERMANENT_ENTRY_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'NotAuthorizedForDetailTypeException',
  'NotAuthorizedForSourceException',
  'RedactionFailure',
]);

/** Options of {@link EventBridgePublisher}. */
export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the domain bus. */
  readonly eventBusName: string;
  /** Attempts per batch for the entries that keep failing, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubled for each further one. @default 100 */
  readonly baseDelayMs?: number;
  /** Longest wait between two attempts. @default 2000 */
  readonly maxDelayMs?: number;
  /** Size limit of one PutEvents request, as EventBridge counts entry sizes. @default 262144 */
  readonly maxRequestBytes?: number;
  /** Waits between attempts (tests pass a fake). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1): each wait is between half and all of the backoff. @default Math.random */
  readonly random?: () => number;
}

/** One event on its way: the domain event id and its PutEvents entry. */
interface PendingEntry {
  readonly eventId: string;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

/**
 * Publishes domain events with EventBridge PutEvents, in batches of at most 10 entries and
 * {@link DEFAULT_MAX_REQUEST_BYTES}. Entries that fail are sent again, alone (never their accepted
 * neighbours), with exponential backoff, a bounded number of times; what still fails is thrown as
 * one {@link PublishFailedError} after every batch was tried.
 *
 * Delivery: at-least-once. EventBridge assigns its own `id` to each event, so the domain event id
 * travels in the detail as `detail.eventId`; consumers deduplicate on it. An object detail gets the
 * field added (overwriting a field of that name); any other detail is wrapped as
 * `{ eventId, value: <detail> }`. `source` and `detail-type` are the domain event's, and the X-Ray
 * trace header, when set, goes in the entry's `TraceHeader`.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRequestBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: EventBridgePublisherOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    }
  }

  /** Throws PublishFailedError when some events were still rejected after the retries. */
  async publish(events: readonly DomainEvent[]): Promise<void> {
    const failures: FailedPublication[] = [];
    let retryable = true;
    let cause: unknown;
    // Every batch is tried even when one fails: each event published now is one fewer to repeat.
    for (const batch of this.batches(events.map((event) => this.entryOf(event)))) {
      const result = await this.putWithRetries(batch);
      failures.push(...result.failures);
      retryable &&= result.retryable;
      cause ??= result.cause;
    }
    if (failures.length > 0) throw new PublishFailedError(failures, retryable, { cause });
  }

  private entryOf(event: DomainEvent): PendingEntry {
    const detail: JsonObject = isJsonObject(event.detail)
      ? { ...event.detail, [EVENT_ID_FIELD]: event.id }
      : { [EVENT_ID_FIELD]: event.id, value: event.detail };
    const entry: PutEventsRequestEntry = {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(detail),
      ...(event.traceHeader ? { TraceHeader: event.traceHeader } : {}),
    };
    return { eventId: event.id, entry, size: entrySize(entry) };
  }

  /** Splits entries, in order, into batches under both the entry count and the request size limit. */
  private batches(entries: readonly PendingEntry[]): PendingEntry[][] {
    const batches: PendingEntry[][] = [];
    let current: PendingEntry[] = [];
    let size = 0;
    for (const entry of entries) {
      if (
        current.length === MAX_ENTRIES_PER_PUT ||
        (current.length > 0 && size + entry.size > this.maxRequestBytes)
      ) {
        batches.push(current);
        current = [];
        size = 0;
      }
      // An entry over the limit on its own still goes, alone: EventBridge rejects it and says why.
      current.push(entry);
      size += entry.size;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  /** Puts one batch, then only its failed entries again, until they pass or the attempts run out. */
  private async putWithRetries(batch: readonly PendingEntry[]): Promise<BatchResult> {
    const permanent: FailedPublication[] = [];
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.put(pending);
      if (outcome.type === 'rejected') {
        // The whole call failed in a way a retry will not fix (validation, access denied).
        return {
          failures: [...permanent, ...pending.map((entry) => failureOf(entry, outcome.error))],
          retryable: false,
          cause: outcome.error,
        };
      }
      const retry: PendingEntry[] = [];
      const retryFailures: FailedPublication[] = [];
      outcome.results.forEach((result, index) => {
        if (result.type === 'accepted') return;
        if (result.retryable) {
          retry.push(pending[index] as PendingEntry);
          retryFailures.push(result.failure);
        } else {
          permanent.push(result.failure);
        }
      });
      if (retry.length === 0 || attempt >= this.maxAttempts) {
        return {
          failures: [...permanent, ...retryFailures],
          retryable: permanent.length === 0,
          cause: outcome.cause,
        };
      }
      await this.sleep(this.backoff(attempt));
      pending = retry;
    }
  }

  /** One PutEvents call, and what became of each of its entries. */
  private async put(entries: readonly PendingEntry[]): Promise<PutOutcome> {
    let results: readonly PutEventsResultEntry[];
    try {
      const response = await this.client.send(
        new PutEventsCommand({ Entries: entries.map((entry) => entry.entry) }),
      );
      results = response.Entries ?? [];
    } catch (error) {
      if (!isTransient(error)) return { type: 'rejected', error };
      return {
        type: 'answered',
        cause: error,
        results: entries.map((entry) => ({
          type: 'failed',
          failure: failureOf(entry, error),
          retryable: true,
        })),
      };
    }
    return {
      type: 'answered',
      results: entries.map((entry, index): EntryOutcome => {
        const result = results[index];
        const errorCode = result?.ErrorCode;
        if (errorCode === undefined) return { type: 'accepted' };
        const failure: FailedPublication = {
          eventId: entry.eventId,
          errorCode,
          ...(result?.ErrorMessage !== undefined && { errorMessage: result.ErrorMessage }),
        };
        return { type: 'failed', failure, retryable: !PERMANENT_ENTRY_ERRORS.has(errorCode) };
      }),
    };
  }

  /** Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }
}

/** What became of one entry of a PutEvents call. */
type EntryOutcome =
  | { readonly type: 'accepted' }
  | { readonly type: 'failed'; readonly failure: FailedPublication; readonly retryable: boolean };

/** What one PutEvents call came to. */
type PutOutcome =
  /** EventBridge answered (or failed transiently: then every entry failed, retryable, with `cause`). */
  | { readonly type: 'answered'; readonly results: readonly EntryOutcome[]; readonly cause?: unknown }
  /** The call failed for good. */
  | { readonly type: 'rejected'; readonly error: unknown };

/** What publishing one batch came to. */
interface BatchResult {
  readonly failures: readonly FailedPublication[];
  /** False when a failure will not go away by itself. */
  readonly retryable: boolean;
  /** The SDK error behind the failures, when a whole call failed. */
  readonly cause?: unknown;
}

function failureOf(entry: PendingEntry, error: unknown): FailedPublication {
  return { eventId: entry.eventId, errorCode: errorName(error), errorMessage: errorMessage(error) };
}

/**
 * The size of an entry as EventBridge counts it: 14 bytes for `Time` when set, plus the UTF-8
 * bytes of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}
