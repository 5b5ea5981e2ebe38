/**
 * An Amazon SQS standard queue in memory, for the local runtime and tests. It follows the SQS
 * Developer Guide and API Reference (as carried in `@aws-sdk/client-sqs`'s model documentation)
 * where they speak, and says so where it had to choose:
 *
 * - Delivery is at-least-once: a received message comes back after its visibility timeout unless
 *   it is deleted with its latest receipt handle.
 * - Each receive issues a new receipt handle. Deleting with an older one succeeds but does not
 *   delete (SQS: "the request will succeed, but the message might not be deleted"; here it never
 *   is, so code that relies on stale handles fails loudly in tests).
 * - With a redrive policy, a message received `maxReceiveCount` times is moved to the dead-letter
 *   queue when a receive would hand it out once more ("When the ReceiveCount for a message exceeds
 *   the maxReceiveCount ... Amazon SQS moves the message to the dead-letter-queue"). It keeps its
 *   id, body, attributes, receive count ("received across all queues") and SentTimestamp; retention
 *   in the dead-letter queue runs from that original timestamp, as for standard queues.
 * - Messages are handed out oldest first. Real standard queues only try to; nothing here promises
 *   an order either.
 * - Long polling returns as soon as one message is visible, or with none when the wait ends.
 *
 * Time comes from the injected {@link Clock} and {@link Scheduler}: a virtual clock in tests, the
 * system clock in the local runtime. With `persistTo`, the queue survives restarts (see
 * {@link LocalQueueOptions.persistTo}).
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SYSTEM_CLOCK, SYSTEM_SCHEDULER, type Clock, type Scheduler } from './clock.js';
import {
  BatchEntryIdsNotDistinctError,
  BatchRequestTooLongError,
  CorruptSnapshotError,
  EmptyBatchRequestError,
  InvalidBatchEntryIdError,
  InvalidMessageContentsError,
  InvalidParameterValueError,
  InvalidQueueOptionError,
  LocalSqsError,
  MessageNotInflightError,
  ReceiptHandleIsInvalidError,
  TooManyEntriesInBatchRequestError,
} from './errors.js';
import {
  attributesSize,
  findAttributeProblem,
  firstInvalidCharacter,
  md5Hex,
  md5OfMessageAttributes,
  type MessageAttributes,
  type MessageAttributeValue,
} from './message-attributes.js';
import { MinHeap } from './min-heap.js';

/** Queue default visibility timeout, seconds (SQS default). */
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** Longest visibility timeout, counted from the receive: 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
/** Longest delivery delay: 15 minutes. */
export const MAX_DELAY_SECONDS = 900;
/** Default retention: 4 days. */
export const DEFAULT_RETENTION_SECONDS = 345_600;
/** Shortest retention: 1 minute. */
export const MIN_RETENTION_SECONDS = 60;
/** Longest retention: 14 days. */
export const MAX_RETENTION_SECONDS = 1_209_600;
/** Default and largest message size since SQS raised it to 1 MiB (body plus message attributes). */
export const DEFAULT_MAXIMUM_MESSAGE_SIZE = 1_048_576;
/** Smallest maximum message size a queue may set. */
export const MIN_MAXIMUM_MESSAGE_SIZE = 1_024;
/** Longest long-poll wait. */
export const MAX_WAIT_TIME_SECONDS = 20;
/** Most messages one ReceiveMessage returns, and most entries in one batch call. */
export const MAX_MESSAGES_PER_CALL = 10;
/** Largest `maxReceiveCount` a redrive policy accepts. */
export const MAX_MAX_RECEIVE_COUNT = 1_000;
/** Snapshot writes wait this long for more changes before writing. */
export const DEFAULT_PERSIST_DEBOUNCE_MS = 100;
/** Region of queues that name none. */
export const DEFAULT_REGION = 'us-east-1';
/** Account of queues that name none. */
export const DEFAULT_ACCOUNT_ID = '000000000000';

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const SNAPSHOT_FORMAT = 'baton-local-sqs';
const SNAPSHOT_VERSION = 1;

/** Where messages go after too many receives. */
export interface RedrivePolicy {
  readonly deadLetterQueue: LocalQueue;
  /** Receives before the move, 1–1000 (SQS's default is 10, but the policy must say). */
  readonly maxReceiveCount: number;
}

/** Options of {@link LocalQueue}. */
export interface LocalQueueOptions {
  /** The queue name; it ends the ARN and URL. */
  readonly name: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Queue visibility timeout, 0–43200 s. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Delay of messages sent without their own, 0–900 s. @default 0 */
  readonly delaySeconds?: number;
  /** How long a message is kept, 60–1209600 s, from when it was first sent. @default 345600 */
  readonly messageRetentionSeconds?: number;
  /** Largest message (body plus attributes), 1024–1048576 bytes. @default 1048576 */
  readonly maximumMessageSize?: number;
  /** Long-poll wait of receives that do not give one, 0–20 s. @default 0 */
  readonly receiveMessageWaitTimeSeconds?: number;
  /** Dead-letter queue and receive limit. @default none: messages are received until retention ends */
  readonly redrivePolicy?: RedrivePolicy;
  /** The `SenderId` attribute of sent messages. @default the account id */
  readonly senderId?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Timers for long polls and snapshot writes. @default setTimeout */
  readonly scheduler?: Scheduler;
  /** Source of message ids and receipt-handle nonces. @default crypto.randomUUID */
  readonly ids?: () => string;
  /**
   * A JSON file the queue keeps its messages in. Every message sent, received (its receive count)
   * and deleted is appended to a journal next to it (`<file>.journal`) before the call returns,
   * so a message the queue acknowledged, and how often it was received, survive the process being
   * killed at any instant (`kill -9`; the journal is not synced to the disk, so an
   * operating-system crash may lose its last lines). The file itself is a snapshot, written
   * atomically (a temporary file renamed over it) a debounce after the journal has grown as large
   * as the last snapshot (and at least {@link snapshotAfterJournalBytes}), so that rewriting the
   * queue costs no more than appending to the journal did; writing one retires the journal lines
   * it holds. Both are read when the queue is created; messages that were in flight become
   * visible at once, as if their visibility timeout had ended.
   * @default none: nothing survives the process
   */
  readonly persistTo?: string;
  /**
   * The least journal, in bytes, that a snapshot is written for (with `persistTo`): a larger one
   * means fewer snapshots and a longer journal to replay at start.
   * @default 0: a snapshot as soon as the journal is as large as the last one
   */
  readonly snapshotAfterJournalBytes?: number;
  /** @default 100 */
  readonly persistDebounceMs?: number;
  /** Where failed background snapshot writes are reported. @default console.error */
  readonly onPersistError?: (error: unknown) => void;
}

/** SendMessage input. */
export interface SendMessageInput {
  /** 1 character to the queue's maximum size; XML-safe Unicode only. */
  readonly body: string;
  /** 0–900 s. @default the queue's delay */
  readonly delaySeconds?: number;
  /** At most 10; they count towards the message size. */
  readonly messageAttributes?: MessageAttributes;
  /** The X-Ray trace header, returned as the `AWSTraceHeader` attribute. It does not count towards the size. */
  readonly awsTraceHeader?: string;
}

/** SendMessage output. */
export interface SendMessageResult {
  readonly messageId: string;
  readonly md5OfMessageBody: string;
  readonly md5OfMessageAttributes?: string;
}

/** One entry of {@link LocalQueue.sendMessageBatch}. */
export interface SendMessageBatchEntry extends SendMessageInput {
  /** Unique in the batch, 1–80 of `[A-Za-z0-9_-]`. */
  readonly id: string;
}

/** Why one batch entry failed. */
export interface BatchResultError {
  readonly id: string;
  readonly senderFault: boolean;
  /** The SQS error code (`InvalidParameterValue`, `ReceiptHandleIsInvalid`, ...). */
  readonly code: string;
  readonly message: string;
}

/** SendMessageBatch output: the entries sent and the entries refused. */
export interface SendMessageBatchResult {
  readonly successful: readonly (SendMessageResult & { readonly id: string })[];
  readonly failed: readonly BatchResultError[];
}

/** ReceiveMessage input. */
export interface ReceiveMessageInput {
  /** 1–10. @default 1 */
  readonly maxNumberOfMessages?: number;
  /** Visibility timeout of the returned messages, 0–43200 s. @default the queue's */
  readonly visibilityTimeout?: number;
  /** Long-poll wait, 0–20 s. @default the queue's receiveMessageWaitTimeSeconds */
  readonly waitTimeSeconds?: number;
  /** Ends a long poll early, returning no messages. */
  readonly signal?: AbortSignal;
}

/** The system attributes of a received message, as SQS returns them (strings). */
export interface MessageSystemAttributes {
  readonly ApproximateReceiveCount: string;
  readonly ApproximateFirstReceiveTimestamp: string;
  readonly SentTimestamp: string;
  readonly SenderId: string;
  readonly AWSTraceHeader?: string;
  /** Set on messages a redrive policy moved here: the ARN of the queue they came from. */
  readonly DeadLetterQueueSourceArn?: string;
}

/** A message handed out by {@link LocalQueue.receiveMessage}. */
export interface ReceivedMessage {
  readonly messageId: string;
  /** This receive's handle: the one that deletes the message or changes its visibility. */
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: MessageSystemAttributes;
  readonly messageAttributes: MessageAttributes;
  readonly md5OfMessageAttributes?: string;
}

/** What a delete did. SQS answers all three with success; the local queue tells them apart. */
export type DeleteOutcome =
  | { readonly type: 'deleted'; readonly messageId: string }
  /** The message was received again since this handle was issued: it stays. */
  | { readonly type: 'superseded'; readonly messageId: string }
  /** The message is no longer here: deleted, expired, or moved to the dead-letter queue. */
  | { readonly type: 'gone'; readonly messageId: string };

/** One entry of {@link LocalQueue.deleteMessageBatch}. */
export interface DeleteMessageBatchEntry {
  readonly id: string;
  readonly receiptHandle: string;
}

/** One entry of {@link LocalQueue.changeMessageVisibilityBatch}. */
export interface ChangeMessageVisibilityBatchEntry {
  readonly id: string;
  readonly receiptHandle: string;
  readonly visibilityTimeout: number;
}

/** DeleteMessageBatch / ChangeMessageVisibilityBatch output. */
export interface BatchResult {
  readonly successful: readonly { readonly id: string }[];
  readonly failed: readonly BatchResultError[];
}

/** A message as {@link LocalQueue.peek} shows it. */
export interface PeekedMessage {
  readonly messageId: string;
  readonly body: string;
  /** How many times it has been received. */
  readonly receiveCount: number;
  /** Epoch ms from which it can be received. */
  readonly visibleAt: number;
}

/** The latest receive of a message. */
interface Receipt {
  readonly receiveNumber: number;
  readonly nonce: string;
  readonly receivedAt: number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: MessageAttributes;
  readonly md5OfMessageAttributes: string | undefined;
  readonly senderId: string;
  readonly awsTraceHeader: string | undefined;
  readonly deadLetterQueueSourceArn: string | undefined;
  /** When it was first sent, to any queue: retention runs from here. */
  readonly sentTimestamp: number;
  /** When it entered this queue: the age metric runs from here. */
  readonly enqueuedAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  receipt: Receipt | undefined;
}

/**
 * Where a message stands in the receive order: its place in enqueue order, and the time it
 * becomes visible. A message has one current slot; a slot it left (it was received, its
 * visibility changed, it was deleted) stays in a heap until it comes out, and is skipped then.
 */
interface Slot {
  readonly message: StoredMessage;
  /** Enqueue order: the oldest visible message is handed out first. */
  readonly order: number;
  readonly visibleAt: number;
}

interface DecodedReceiptHandle {
  readonly queueArn: string;
  readonly messageId: string;
  readonly receiveNumber: number;
  readonly nonce: string;
}

/** The on-disk form of a queue. */
/** A line of the journal. */
type JournalEntry =
  | { readonly op: 'put'; readonly message: PersistedMessage }
  | { readonly op: 'delete'; readonly messageId: string }
  | {
      readonly op: 'receive';
      readonly messageId: string;
      readonly receiveCount: number;
      readonly firstReceiveTimestamp: number;
    };

const JOURNAL_SUFFIX = '.journal';
/** Journals whose lines are in a snapshot being written: `<file>.journal.sealed-<time>-<n>`. */
const SEALED_SUFFIX = '.sealed-';

interface Snapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: typeof SNAPSHOT_VERSION;
  readonly queueArn: string;
  readonly messages: readonly PersistedMessage[];
  /**
   * The last sealed journal whose lines this snapshot holds: it and older ones are not replayed
   * (one left behind by a crash before its removal would bring back messages deleted since).
   */
  readonly journalsUpTo?: string;
}

interface PersistedAttribute {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValueBase64?: string;
}

type PersistedMessage = Omit<StoredMessage, 'messageAttributes'> & {
  readonly messageAttributes: Readonly<Record<string, PersistedAttribute>>;
};

/**
 * A standard SQS queue in memory. Every method is synchronous in effect (a message sent is
 * receivable at once, unless delayed); only long polls and snapshot writes wait.
 */
export class LocalQueue {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly arn: string;
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  readonly delaySeconds: number;
  readonly messageRetentionSeconds: number;
  readonly maximumMessageSize: number;
  readonly receiveMessageWaitTimeSeconds: number;
  readonly redrivePolicy: RedrivePolicy | undefined;

  private readonly senderId: string;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly ids: () => string;
  private readonly persistTo: string | undefined;
  /** Where sends and deletes are appended as they happen (with `persistTo`). */
  private readonly journal: string | undefined;
  private sealedJournals = 0;
  /** The last sealed journal a written (or loaded) snapshot holds. */
  private journalsUpTo: string | undefined;
  /** The journal, open for appending (closed before it is sealed, opened again by the next line). */
  private journalFd: number | undefined;
  /** Bytes in journals no snapshot holds yet, and in the last snapshot: see `changed`. */
  private journalBytes = 0;
  private snapshotBytes = 0;
  private readonly snapshotAfterJournalBytes: number;
  /** No message expires before this time (see `expire`). */
  private nextExpiryAt = Number.POSITIVE_INFINITY;
  private readonly persistDebounceMs: number;
  private readonly onPersistError: (error: unknown) => void;
  /** Insertion order is enqueue order: receives hand out the oldest visible messages first. */
  private readonly messages = new Map<string, StoredMessage>();
  /** Each message's current slot (see {@link Slot}). */
  private readonly slots = new Map<string, Slot>();
  /** Slots visible when last looked at, oldest enqueued first. */
  private readonly visible = new MinHeap<Slot>((a, b) => a.order < b.order);
  /** Slots not yet visible then, soonest first. */
  private readonly hidden = new MinHeap<Slot>(
    (a, b) => a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.order < b.order),
  );
  private nextOrder = 0;
  /** Long polls waiting for a message; each re-checks the queue when called. */
  private readonly waiters = new Set<() => void>();
  private cancelPersist: (() => void) | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.region = options.region ?? DEFAULT_REGION;
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    this.arn = `arn:aws:sqs:${this.region}:${this.accountId}:${this.name}`;
    this.url = `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${this.name}`;
    this.visibilityTimeoutSeconds = checkedOption(
      'visibilityTimeoutSeconds',
      options.visibilityTimeoutSeconds,
      DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
      0,
      MAX_VISIBILITY_TIMEOUT_SECONDS,
    );
    this.delaySeconds = checkedOption('delaySeconds', options.delaySeconds, 0, 0, MAX_DELAY_SECONDS);
    this.messageRetentionSeconds = checkedOption(
      'messageRetentionSeconds',
      options.messageRetentionSeconds,
      DEFAULT_RETENTION_SECONDS,
      MIN_RETENTION_SECONDS,
      MAX_RETENTION_SECONDS,
    );
    this.maximumMessageSize = checkedOption(
      'maximumMessageSize',
      options.maximumMessageSize,
      DEFAULT_MAXIMUM_MESSAGE_SIZE,
      MIN_MAXIMUM_MESSAGE_SIZE,
      DEFAULT_MAXIMUM_MESSAGE_SIZE,
    );
    this.receiveMessageWaitTimeSeconds = checkedOption(
      'receiveMessageWaitTimeSeconds',
      options.receiveMessageWaitTimeSeconds,
      0,
      0,
      MAX_WAIT_TIME_SECONDS,
    );
    if (options.redrivePolicy !== undefined) {
      const { deadLetterQueue, maxReceiveCount } = options.redrivePolicy;
      checkedOption('redrivePolicy.maxReceiveCount', maxReceiveCount, 0, 1, MAX_MAX_RECEIVE_COUNT);
      if (deadLetterQueue === this) {
        throw new InvalidQueueOptionError(
          'redrivePolicy.deadLetterQueue',
          this.name,
          'a queue cannot be its own DLQ',
        );
      }
    }
    this.redrivePolicy = options.redrivePolicy;
    this.senderId = options.senderId ?? this.accountId;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.scheduler = options.scheduler ?? SYSTEM_SCHEDULER;
    this.ids = options.ids ?? randomUUID;
    this.persistTo = options.persistTo;
    this.journal = options.persistTo === undefined ? undefined : `${options.persistTo}${JOURNAL_SUFFIX}`;
    this.persistDebounceMs = options.persistDebounceMs ?? DEFAULT_PERSIST_DEBOUNCE_MS;
    this.snapshotAfterJournalBytes = options.snapshotAfterJournalBytes ?? 0;
    this.onPersistError = options.onPersistError ?? ((error) => console.error(error));
    if (this.persistTo !== undefined) {
      mkdirSync(dirname(this.persistTo), { recursive: true });
      this.load(this.persistTo);
    }
  }

  /**
   * Sends one message. Throws {@link InvalidParameterValueError} for a delay outside 0–900 s, a
   * message larger than {@link maximumMessageSize} or a bad attribute, and
   * {@link InvalidMessageContentsError} for characters SQS refuses.
   */
  sendMessage(input: SendMessageInput): SendMessageResult {
    const stored = this.prepare(input);
    this.put(stored);
    this.changed();
    this.wake();
    return resultOf(stored);
  }

  /**
   * Sends up to 10 messages. Whole-request mistakes throw (no entries, more than 10, repeated or
   * malformed ids, a total size over the maximum message size); an entry that cannot be sent is
   * reported in `failed` and the others are sent.
   */
  sendMessageBatch(entries: readonly SendMessageBatchEntry[]): SendMessageBatchResult {
    this.checkBatch(entries);
    const total = entries.reduce((sum, entry) => sum + messageSize(entry), 0);
    if (total > this.maximumMessageSize)
      throw new BatchRequestTooLongError(this.name, total, this.maximumMessageSize);
    const successful: (SendMessageResult & { id: string })[] = [];
    const failed: BatchResultError[] = [];
    for (const entry of entries) {
      const outcome = this.perEntry(entry.id, () => this.sendMessage(entry));
      if (outcome.type === 'failed') failed.push(outcome.error);
      else successful.push({ id: entry.id, ...outcome.value });
    }
    return { successful, failed };
  }

  /**
   * Receives up to `maxNumberOfMessages` visible messages, making each invisible for the
   * visibility timeout and giving it a new receipt handle. With a wait time, resolves as soon as
   * one message is visible, or with `[]` when the wait ends (or `signal` aborts).
   */
  async receiveMessage(input: ReceiveMessageInput = {}): Promise<ReceivedMessage[]> {
    const max = this.checkedParameter(
      'MaxNumberOfMessages',
      input.maxNumberOfMessages,
      1,
      1,
      MAX_MESSAGES_PER_CALL,
    );
    const visibility = this.checkedParameter(
      'VisibilityTimeout',
      input.visibilityTimeout,
      this.visibilityTimeoutSeconds,
      0,
      MAX_VISIBILITY_TIMEOUT_SECONDS,
    );
    const wait = this.checkedParameter(
      'WaitTimeSeconds',
      input.waitTimeSeconds,
      this.receiveMessageWaitTimeSeconds,
      0,
      MAX_WAIT_TIME_SECONDS,
    );
    const first = this.take(max, visibility);
    if (first.length > 0 || wait === 0 || this.closed || input.signal?.aborted === true) return first;
    const deadline = this.clock.now() + wait * 1_000;
    return new Promise((resolve) => {
      let cancelTimer: () => void = () => undefined;
      let done = false;
      const finish = (messages: ReceivedMessage[]): void => {
        done = true;
        cancelTimer();
        this.waiters.delete(attempt);
        input.signal?.removeEventListener('abort', onAbort);
        resolve(messages);
      };
      const onAbort = (): void => finish([]);
      const attempt = (): void => {
        if (done) return;
        cancelTimer();
        if (this.closed) return finish([]);
        const messages = this.take(max, visibility);
        const now = this.clock.now();
        if (messages.length > 0 || now >= deadline) return finish(messages);
        const wakeAt = Math.min(deadline, this.nextVisibleAt() ?? deadline);
        cancelTimer = this.scheduler.schedule(attempt, wakeAt - now);
      };
      input.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(attempt);
      attempt();
    });
  }

  /**
   * Deletes a message with the receipt handle of its latest receive. Throws
   * {@link ReceiptHandleIsInvalidError} for a handle this queue never issued; a handle that was
   * superseded, or whose message is gone, succeeds without deleting anything, as in SQS.
   */
  deleteMessage(receiptHandle: string): DeleteOutcome {
    this.expire();
    const handle = this.decode(receiptHandle);
    const message = this.messages.get(handle.messageId);
    if (message === undefined) return { type: 'gone', messageId: handle.messageId };
    if (!isLatestReceipt(message, handle)) return { type: 'superseded', messageId: handle.messageId };
    this.remove(message.messageId);
    this.changed();
    return { type: 'deleted', messageId: message.messageId };
  }

  /** Deletes up to 10 messages; entries with invalid handles are reported in `failed`. */
  deleteMessageBatch(entries: readonly DeleteMessageBatchEntry[]): BatchResult {
    this.checkBatch(entries);
    return this.runBatch(entries, (entry) => {
      this.deleteMessage(entry.receiptHandle);
    });
  }

  /**
   * Sets an in-flight message's visibility timeout to `seconds` from now (0 makes it visible at
   * once). Throws {@link MessageNotInflightError} once its timeout has run out,
   * {@link InvalidParameterValueError} when the handle was superseded or the message is gone, or
   * when the receive would stay hidden more than 12 hours in total, and
   * {@link ReceiptHandleIsInvalidError} for a handle this queue never issued.
   */
  changeMessageVisibility(receiptHandle: string, seconds: number): void {
    this.checkedParameter('VisibilityTimeout', seconds, 0, 0, MAX_VISIBILITY_TIMEOUT_SECONDS);
    this.expire();
    const handle = this.decode(receiptHandle);
    const message = this.messages.get(handle.messageId);
    if (message?.receipt === undefined || !isLatestReceipt(message, handle)) {
      throw new InvalidParameterValueError(
        this.name,
        'ReceiptHandle',
        receiptHandle,
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    const now = this.clock.now();
    if (message.visibleAt <= now) throw new MessageNotInflightError(this.name, message.messageId);
    const hiddenSoFar = (now - message.receipt.receivedAt) / 1_000;
    if (hiddenSoFar + seconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
      throw new InvalidParameterValueError(
        this.name,
        'VisibilityTimeout',
        seconds,
        `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_TIMEOUT_SECONDS} seconds]`,
      );
    }
    message.visibleAt = now + seconds * 1_000;
    this.place(message);
    this.changed();
    if (seconds === 0) this.wake();
  }

  /** Changes the visibility of up to 10 messages; failures are reported per entry. */
  changeMessageVisibilityBatch(entries: readonly ChangeMessageVisibilityBatchEntry[]): BatchResult {
    this.checkBatch(entries);
    return this.runBatch(entries, (entry) =>
      this.changeMessageVisibility(entry.receiptHandle, entry.visibilityTimeout),
    );
  }

  /** True once {@link close} was called: receives return at once, with what is visible. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Messages that can be received now (`ApproximateNumberOfMessages`). */
  get approximateNumberOfMessages(): number {
    return this.count((message, now) => message.visibleAt <= now);
  }

  /** Messages received and not yet deleted nor visible again (`ApproximateNumberOfMessagesNotVisible`). */
  get approximateNumberOfMessagesNotVisible(): number {
    return this.count((message, now) => message.receipt !== undefined && message.visibleAt > now);
  }

  /** Messages whose delivery delay has not ended (`ApproximateNumberOfMessagesDelayed`). */
  get approximateNumberOfMessagesDelayed(): number {
    return this.count((message, now) => message.receipt === undefined && message.visibleAt > now);
  }

  /**
   * Seconds since the oldest message entered this queue (`ApproximateAgeOfOldestMessage`); for a
   * dead-letter queue, since it was moved there. 0 when the queue is empty.
   */
  get ageOfOldestMessage(): number {
    this.expire();
    let oldest: number | undefined;
    for (const message of this.messages.values()) {
      if (oldest === undefined || message.enqueuedAt < oldest) oldest = message.enqueuedAt;
    }
    return oldest === undefined ? 0 : Math.floor((this.clock.now() - oldest) / 1_000);
  }

  /**
   * Every message on the queue, visible or not, oldest first: a read-only inspection for tests and
   * tools (SQS has no such call; receiving is the only way a consumer sees a message).
   */
  peek(): readonly PeekedMessage[] {
    this.expire();
    return [...this.messages.values()].map((message) => ({
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      visibleAt: message.visibleAt,
    }));
  }

  /** Writes the snapshot now, if the queue persists, once earlier writes are done. */
  async flush(): Promise<void> {
    if (this.persistTo === undefined) return;
    this.cancelPersist?.();
    this.cancelPersist = undefined;
    const path = this.persistTo;
    // The journal so far is in this snapshot: it is retired once the snapshot is on disk, and new
    // lines go to a fresh journal meanwhile.
    const sealed = this.sealJournal();
    if (sealed !== undefined) this.journalsUpTo = basename(sealed);
    const text = JSON.stringify(this.snapshot());
    this.journalBytes = 0;
    this.snapshotBytes = text.length;
    const write = this.writing
      .catch(() => undefined)
      .then(() => writeAtomically(path, text))
      .then(() => (sealed === undefined ? undefined : rm(sealed, { force: true })));
    this.writing = write;
    await write;
  }

  /** Ends every pending long poll (they return no messages) and writes the snapshot. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter();
    await this.flush();
    this.closeJournal();
  }

  /** Takes a message moved here by another queue's redrive policy. */
  private acceptDeadLetter(message: StoredMessage, sourceArn: string): void {
    const now = this.clock.now();
    this.put({
      ...message,
      deadLetterQueueSourceArn: sourceArn,
      enqueuedAt: now,
      visibleAt: now,
      receipt: undefined,
    });
    this.changed();
    this.wake();
  }

  private prepare(input: SendMessageInput): StoredMessage {
    const delay = this.checkedParameter(
      'DelaySeconds',
      input.delaySeconds,
      this.delaySeconds,
      0,
      MAX_DELAY_SECONDS,
    );
    if (input.body.length === 0) {
      throw new InvalidParameterValueError(
        this.name,
        'MessageBody',
        input.body,
        'The message body must not be empty.',
      );
    }
    const invalidAt = firstInvalidCharacter(input.body);
    if (invalidAt >= 0) throw new InvalidMessageContentsError(this.name, invalidAt);
    const attributes = input.messageAttributes ?? {};
    const problem = findAttributeProblem(attributes);
    if (problem !== undefined) {
      throw new InvalidParameterValueError(this.name, problem.parameter, problem.value, problem.reason);
    }
    const size = messageSize(input);
    if (size > this.maximumMessageSize) {
      throw new InvalidParameterValueError(
        this.name,
        'MessageBody',
        `<${size} bytes>`,
        `Message must be shorter than ${this.maximumMessageSize} bytes.`,
      );
    }
    const now = this.clock.now();
    return {
      messageId: this.ids(),
      body: input.body,
      md5OfBody: md5Hex(input.body),
      messageAttributes: copyAttributes(attributes),
      md5OfMessageAttributes: md5OfMessageAttributes(attributes),
      senderId: this.senderId,
      awsTraceHeader: input.awsTraceHeader,
      deadLetterQueueSourceArn: undefined,
      sentTimestamp: now,
      enqueuedAt: now,
      visibleAt: now + delay * 1_000,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receipt: undefined,
    };
  }

  /** Hands out up to `max` visible messages, moving those past the receive limit to the DLQ. */
  private take(max: number, visibilitySeconds: number): ReceivedMessage[] {
    this.expire();
    const now = this.clock.now();
    this.reveal(now);
    const received: ReceivedMessage[] = [];
    let changed = false;
    while (received.length < max) {
      const slot = this.visible.pop();
      if (slot === undefined) break;
      if (!this.isCurrent(slot)) continue;
      const message = slot.message;
      const redrive = this.redrivePolicy;
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        // Into the dead-letter queue's journal first: a crash in between leaves it in both.
        redrive.deadLetterQueue.acceptDeadLetter(message, this.arn);
        this.remove(message.messageId);
        changed = true;
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receipt = { receiveNumber: message.receiveCount, nonce: this.ids(), receivedAt: now };
      // The count decides the move to the dead-letter queue: it must survive a crash as well.
      this.append({
        op: 'receive',
        messageId: message.messageId,
        receiveCount: message.receiveCount,
        firstReceiveTimestamp: message.firstReceiveTimestamp,
      });
      message.visibleAt = now + visibilitySeconds * 1_000;
      this.place(message);
      received.push(this.toReceived(message));
      changed = true;
    }
    if (changed) this.changed();
    return received;
  }

  /** Gives a message a new current slot, keeping its place in enqueue order. */
  private place(message: StoredMessage): void {
    const slot: Slot = {
      message,
      order: this.slots.get(message.messageId)?.order ?? this.nextOrder++,
      visibleAt: message.visibleAt,
    };
    this.slots.set(message.messageId, slot);
    this.hidden.push(slot);
    // Slots left behind are dropped as they come out; rebuild if they pile up (long timeouts).
    if (this.visible.size + this.hidden.size > 2 * this.slots.size + 1_024) this.rebuildSlots();
  }

  private isCurrent(slot: Slot): boolean {
    return this.slots.get(slot.message.messageId) === slot;
  }

  /** Moves the slots whose time has come to the visible heap. */
  private reveal(now: number): void {
    for (
      let slot = this.hidden.peek();
      slot !== undefined && slot.visibleAt <= now;
      slot = this.hidden.peek()
    ) {
      this.hidden.pop();
      if (this.isCurrent(slot)) this.visible.push(slot);
    }
  }

  private rebuildSlots(): void {
    this.visible.clear();
    this.hidden.clear();
    for (const slot of [...this.slots.values()].sort((a, b) => a.order - b.order)) this.hidden.push(slot);
  }

  private toReceived(message: StoredMessage): ReceivedMessage {
    const receipt = message.receipt;
    if (receipt === undefined) throw new Error(`${this.name}: message ${message.messageId} has no receipt`);
    const attributes: MessageSystemAttributes = {
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? receipt.receivedAt),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: message.senderId,
      ...(message.awsTraceHeader !== undefined ? { AWSTraceHeader: message.awsTraceHeader } : {}),
      ...(message.deadLetterQueueSourceArn !== undefined
        ? { DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn }
        : {}),
    };
    return {
      messageId: message.messageId,
      receiptHandle: encodeReceiptHandle({
        queueArn: this.arn,
        messageId: message.messageId,
        receiveNumber: receipt.receiveNumber,
        nonce: receipt.nonce,
      }),
      body: message.body,
      md5OfBody: message.md5OfBody,
      attributes,
      messageAttributes: copyAttributes(message.messageAttributes),
      ...(message.md5OfMessageAttributes !== undefined
        ? { md5OfMessageAttributes: message.md5OfMessageAttributes }
        : {}),
    };
  }

  /**
   * Drops messages older than the retention period, counted from when they were first sent. Looks
   * at them only when the oldest may have expired: most calls cost nothing.
   */
  private expire(): void {
    const now = this.clock.now();
    if (now < this.nextExpiryAt) return;
    const retention = this.messageRetentionSeconds * 1_000;
    let changed = false;
    let next = Number.POSITIVE_INFINITY;
    for (const message of this.messages.values()) {
      if (message.sentTimestamp + retention <= now) {
        this.remove(message.messageId);
        changed = true;
      } else {
        next = Math.min(next, message.sentTimestamp + retention);
      }
    }
    this.nextExpiryAt = next;
    if (changed) this.changed();
  }

  /** Keeps `nextExpiryAt` no later than when `message` expires. */
  private expiresAt(message: StoredMessage): void {
    this.nextExpiryAt = Math.min(
      this.nextExpiryAt,
      message.sentTimestamp + this.messageRetentionSeconds * 1_000,
    );
  }

  /**
   * When the next message becomes receivable (its delay or visibility timeout over; the past when
   * one is visible now), or undefined when the queue is empty: what a wiring on a virtual clock
   * jumps to.
   */
  nextVisibleAt(): number | undefined {
    this.reveal(this.clock.now());
    let next: number | undefined;
    // Visible now: the earliest of them (a short list, unless receives lag far behind).
    for (const slot of this.visible.values()) {
      if (this.isCurrent(slot) && (next === undefined || slot.visibleAt < next)) next = slot.visibleAt;
    }
    if (next !== undefined) return next;
    for (let slot = this.hidden.peek(); slot !== undefined; slot = this.hidden.peek()) {
      if (this.isCurrent(slot)) return slot.visibleAt;
      this.hidden.pop();
    }
    return undefined;
  }

  private count(predicate: (message: StoredMessage, now: number) => boolean): number {
    this.expire();
    const now = this.clock.now();
    let count = 0;
    for (const message of this.messages.values()) if (predicate(message, now)) count += 1;
    return count;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private decode(receiptHandle: string): DecodedReceiptHandle {
    const handle = decodeReceiptHandle(receiptHandle);
    if (handle === undefined)
      throw new ReceiptHandleIsInvalidError(this.name, receiptHandle, 'it is malformed');
    if (handle.queueArn !== this.arn) {
      throw new ReceiptHandleIsInvalidError(this.name, receiptHandle, `it was issued by ${handle.queueArn}`);
    }
    return handle;
  }

  private checkedParameter(
    parameter: string,
    value: number | undefined,
    fallback: number,
    min: number,
    max: number,
  ) {
    const actual = value ?? fallback;
    if (!Number.isInteger(actual) || actual < min || actual > max) {
      throw new InvalidParameterValueError(
        this.name,
        parameter,
        actual,
        `Must be an integer from ${min} to ${max}.`,
      );
    }
    return actual;
  }

  private checkBatch(entries: readonly { readonly id: string }[]): void {
    if (entries.length === 0) throw new EmptyBatchRequestError(this.name);
    if (entries.length > MAX_MESSAGES_PER_CALL) {
      throw new TooManyEntriesInBatchRequestError(this.name, entries.length, MAX_MESSAGES_PER_CALL);
    }
    const seen = new Set<string>();
    for (const { id } of entries) {
      if (!BATCH_ENTRY_ID.test(id)) throw new InvalidBatchEntryIdError(this.name, id);
      if (seen.has(id)) throw new BatchEntryIdsNotDistinctError(this.name, id);
      seen.add(id);
    }
  }

  private runBatch<Entry extends { readonly id: string }>(
    entries: readonly Entry[],
    apply: (entry: Entry) => void,
  ): BatchResult {
    const successful: { id: string }[] = [];
    const failed: BatchResultError[] = [];
    for (const entry of entries) {
      const outcome = this.perEntry(entry.id, () => apply(entry));
      if (outcome.type === 'failed') failed.push(outcome.error);
      else successful.push({ id: entry.id });
    }
    return { successful, failed };
  }

  /** Runs one batch entry; an SQS error becomes that entry's failure, anything else is thrown. */
  private perEntry<T>(
    id: string,
    run: () => T,
  ):
    | { readonly type: 'done'; readonly value: T }
    | { readonly type: 'failed'; readonly error: BatchResultError } {
    try {
      return { type: 'done', value: run() };
    } catch (error) {
      if (!(error instanceof LocalSqsError)) throw error;
      return { type: 'failed', error: { id, senderFault: true, code: error.name, message: error.message } };
    }
  }

  /** Stores a message, journaled before it is receivable. */
  private put(message: StoredMessage): void {
    this.messages.set(message.messageId, message);
    this.place(message);
    this.expiresAt(message);
    this.append({ op: 'put', message: persisted(message) });
  }

  /** Removes a message, journaled. */
  private remove(messageId: string): void {
    this.messages.delete(messageId);
    this.slots.delete(messageId);
    this.append({ op: 'delete', messageId });
  }

  private append(entry: JournalEntry): void {
    if (this.journal === undefined) return;
    const line = `${JSON.stringify(entry)}\n`;
    // Synchronous, on a file kept open: the caller's acknowledgement comes after the line is
    // written (to the operating system, which keeps it through the death of this process).
    this.journalFd ??= openSync(this.journal, 'a');
    writeSync(this.journalFd, line);
    this.journalBytes += line.length;
  }

  private closeJournal(): void {
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  /** Renames the journal out of the way (its lines are in the snapshot being written); its new name. */
  private sealJournal(): string | undefined {
    this.closeJournal();
    if (this.journal === undefined || !existsSync(this.journal)) return undefined;
    this.sealedJournals += 1;
    const sealed = `${this.journal}${SEALED_SUFFIX}${Date.now().toString().padStart(15, '0')}-${String(this.sealedJournals).padStart(9, '0')}`;
    renameSync(this.journal, sealed);
    return sealed;
  }

  /**
   * Schedules a snapshot once the journal outweighs the last one: the journal alone keeps every
   * change, so a snapshot only shortens it, and writing one no more often than this keeps its cost
   * per change constant however many messages the queue holds.
   */
  private changed(): void {
    if (this.persistTo === undefined || this.cancelPersist !== undefined) return;
    if (this.journalBytes < Math.max(this.snapshotAfterJournalBytes, this.snapshotBytes, 1)) return;
    this.cancelPersist = this.scheduler.schedule(() => {
      this.cancelPersist = undefined;
      this.flush().catch(this.onPersistError);
    }, this.persistDebounceMs);
  }

  private snapshot(): Snapshot {
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      queueArn: this.arn,
      messages: [...this.messages.values()].map(persisted),
      ...(this.journalsUpTo !== undefined ? { journalsUpTo: this.journalsUpTo } : {}),
    };
  }

  /** Reads the snapshot, then replays the journals written after it (sealed ones first). */
  private load(path: string): void {
    if (existsSync(path)) {
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
      } catch (error) {
        throw new CorruptSnapshotError(path, 'it is not JSON', { cause: error });
      }
      if (
        snapshot.format !== SNAPSHOT_FORMAT ||
        snapshot.version !== SNAPSHOT_VERSION ||
        !Array.isArray(snapshot.messages)
      ) {
        throw new CorruptSnapshotError(
          path,
          `it is not a version ${SNAPSHOT_VERSION} ${SNAPSHOT_FORMAT} snapshot`,
        );
      }
      for (const message of snapshot.messages) this.messages.set(message.messageId, restored(message));
      this.journalsUpTo = snapshot.journalsUpTo;
      this.snapshotBytes = statSync(path).size;
    }
    const journal = this.journal as string;
    const prefix = `${basename(journal)}${SEALED_SUFFIX}`;
    const covered = this.journalsUpTo;
    const sealed: string[] = [];
    for (const name of readdirSync(dirname(journal))
      .filter((file) => file.startsWith(prefix))
      .sort()) {
      const file = join(dirname(journal), name);
      // In the snapshot already: a crash came between writing it and removing this journal.
      if (covered !== undefined && name <= covered) rmSync(file, { force: true });
      else sealed.push(file);
    }
    for (const file of [...sealed, journal]) {
      if (!existsSync(file)) continue;
      this.replay(file);
      this.journalBytes += statSync(file).size;
    }
    const now = this.clock.now();
    for (const message of this.messages.values()) {
      this.expiresAt(message);
      // Whoever held an in-flight message went away with the last process: it is visible again.
      if (message.receipt !== undefined && message.visibleAt > now) message.visibleAt = now;
      this.place(message);
    }
  }

  /**
   * Applies a journal's lines: a message sent is added unless the snapshot already has it (with
   * its receives since), a receive raises its count, a message deleted is removed. A last line cut
   * short by the crash is skipped.
   */
  private replay(file: string): void {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.length === 0) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch (error) {
        if (index >= lines.length - 2) continue;
        throw new CorruptSnapshotError(file, `line ${index + 1} is not JSON`, { cause: error });
      }
      switch (entry.op) {
        case 'put':
          if (!this.messages.has(entry.message.messageId))
            this.messages.set(entry.message.messageId, restored(entry.message));
          break;
        case 'receive': {
          const message = this.messages.get(entry.messageId);
          if (message === undefined) break;
          message.receiveCount = Math.max(message.receiveCount, entry.receiveCount);
          message.firstReceiveTimestamp ??= entry.firstReceiveTimestamp;
          break;
        }
        case 'delete':
          this.messages.delete(entry.messageId);
          break;
      }
    }
  }
}

/** A message as the snapshot and the journal keep it. */
function persisted(message: StoredMessage): PersistedMessage {
  return {
    ...message,
    messageAttributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]) => [name, persistedAttribute(value)]),
    ),
  };
}

function restored(message: PersistedMessage): StoredMessage {
  return { ...message, messageAttributes: restoredAttributes(message.messageAttributes) };
}

function checkedOption(
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  const actual = value ?? fallback;
  if (!Number.isInteger(actual) || actual < min || actual > max) {
    throw new InvalidQueueOptionError(option, actual, `must be an integer from ${min} to ${max}`);
  }
  return actual;
}

function messageSize(input: SendMessageInput): number {
  return Buffer.byteLength(input.body, 'utf8') + attributesSize(input.messageAttributes ?? {});
}

function resultOf(message: StoredMessage): SendMessageResult {
  return {
    messageId: message.messageId,
    md5OfMessageBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes !== undefined
      ? { md5OfMessageAttributes: message.md5OfMessageAttributes }
      : {}),
  };
}

function isLatestReceipt(message: StoredMessage, handle: DecodedReceiptHandle): boolean {
  return message.receipt?.receiveNumber === handle.receiveNumber && message.receipt.nonce === handle.nonce;
}

function copyAttributes(attributes: MessageAttributes): MessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]): [string, MessageAttributeValue] => [
      name,
      {
        dataType: value.dataType,
        ...(value.stringValue !== undefined ? { stringValue: value.stringValue } : {}),
        ...(value.binaryValue !== undefined ? { binaryValue: Uint8Array.from(value.binaryValue) } : {}),
      },
    ]),
  );
}

function persistedAttribute(value: MessageAttributeValue): PersistedAttribute {
  return {
    dataType: value.dataType,
    ...(value.stringValue !== undefined ? { stringValue: value.stringValue } : {}),
    ...(value.binaryValue !== undefined
      ? { binaryValueBase64: Buffer.from(value.binaryValue).toString('base64') }
      : {}),
  };
}

function restoredAttributes(attributes: Readonly<Record<string, PersistedAttribute>>): MessageAttributes {
  const restored: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) restored[name] = restoredAttribute(value);
  return restored;
}

function restoredAttribute(value: PersistedAttribute): MessageAttributeValue {
  return {
    dataType: value.dataType,
    ...(value.stringValue !== undefined ? { stringValue: value.stringValue } : {}),
    ...(value.binaryValueBase64 !== undefined
      ? { binaryValue: new Uint8Array(Buffer.from(value.binaryValueBase64, 'base64')) }
      : {}),
  };
}

function encodeReceiptHandle(handle: DecodedReceiptHandle): string {
  return Buffer.from(
    JSON.stringify([handle.queueArn, handle.messageId, handle.receiveNumber, handle.nonce]),
  ).toString('base64url');
}

function decodeReceiptHandle(text: string): DecodedReceiptHandle | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
  const [queueArn, messageId, receiveNumber, nonce] = parsed as unknown[];
  if (typeof queueArn !== 'string' || typeof messageId !== 'string') return undefined;
  if (typeof receiveNumber !== 'number' || typeof nonce !== 'string') return undefined;
  return { queueArn, messageId, receiveNumber, nonce };
}

/** Writes `text` to a temporary file beside `path`, then renames it over `path`. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
