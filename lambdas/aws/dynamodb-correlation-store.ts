/**
 * CorrelationStore on the domain's table: one partition per correlation key (hashed, since keys
 * carry user values of any length), with an item per waiting task and per kept event. Both expire
 * through the table's TTL (a kept event a day after its expiry, see `KEPT_EVENT_GRACE_MS`); reads
 * also skip expired items, as TTL deletes lazily.
 *
 * An event too large for an item (EventBridge takes events up to 1 MB, an item holds 400 KB) is
 * kept deflated, or, when even that does not fit, in the payload store with a reference in the item.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Json } from '../engine/json.js';
import { KEPT_EVENT_GRACE_MS } from '../runtime/correlation.js';
import type { Clock, CorrelationStore, KeptEvent, PayloadStore, WaitingTask } from '../runtime/ports.js';
import { AwsAdapterError } from './aws-errors.js';
import { isConditionalCheckFailed, translateDynamoDbError } from './dynamodb-errors.js';
import { KeyPrefix, TTL_ATTRIBUTE, TableKey } from '../contract/table-schema.js';

/** When an event was first kept, or a task first registered (epoch ms). */
const KEPT_AT = 'keptAt';
const REGISTERED_AT = 'registeredAt';
/** Until when the wait or the event counts (epoch ms); the TTL attribute is when the item goes. */
const EXPIRES_AT = 'until';
/** The event's JSON text; deflated (binary); or the payload store's key of the deflated text. */
const EVENT = 'event';
const EVENT_DEFLATED = 'eventDeflated';
const EVENT_REF = 'eventRef';

/**
 * The largest event kept as it is, or deflated, in its item (UTF-8 bytes): DynamoDB's 400 KB item
 * limit counts attribute names and the keys too.
 */
export const MAX_INLINE_EVENT_BYTES = 350_000;

/** An event over an item, with no payload store to keep it in. */
export class EventTooLargeError extends AwsAdapterError {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly eventId: string,
    readonly sizeBytes: number,
  ) {
    super(
      `Event ${eventId} is ${sizeBytes} bytes deflated, over the ${MAX_INLINE_EVENT_BYTES} bytes a ` +
        'correlation item holds, and this orchestrator has no payload store to keep it in',
    );
  }
}

/** A correlation item as a query returns it. */
interface QueriedItem {
  readonly sortKey: string;
  readonly item: Record<string, AttributeValue>;
}

/** Options of {@link DynamoDbCorrelationStore}. */
export interface DynamoDbCorrelationStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * Where events too large for an item are kept (the execution store's payload store). Keys are
   * `executions/~events/<key hash>/<event id hash>` (`~` is in no execution name).
   * @default none: such an event fails with {@link EventTooLargeError}
   */
  readonly payloads?: PayloadStore;
}

export class DynamoDbCorrelationStore implements CorrelationStore {
  constructor(private readonly options: DynamoDbCorrelationStoreOptions) {}

  async register(key: string, taskToken: string, expiresAt: number): Promise<number> {
    const sortKey = `${KeyPrefix.correlationWait}${taskToken}`;
    const registeredAt = this.options.clock.now();
    const created = await this.put(
      key,
      sortKey,
      Math.ceil(expiresAt / 1000),
      { [REGISTERED_AT]: { N: String(registeredAt) }, [EXPIRES_AT]: { N: String(expiresAt) } },
      true,
    );
    if (created) return registeredAt;
    // Registered before (a redelivery): the first registration's time stays.
    const { Item: item } = await this.send('GetItem', () =>
      this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: this.key(key, sortKey),
          ConsistentRead: true,
        }),
      ),
    );
    return Number(item?.[REGISTERED_AT]?.N ?? registeredAt);
  }

  async unregister(key: string, taskToken: string): Promise<void> {
    await this.send('DeleteItem', () =>
      this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: this.key(key, `${KeyPrefix.correlationWait}${taskToken}`),
        }),
      ),
    );
  }

  async waiting(key: string): Promise<WaitingTask[]> {
    const now = this.options.clock.now();
    const items = await this.query(key, KeyPrefix.correlationWait);
    return items
      .filter(({ item }) => expiresAt(item) > now)
      .map(({ sortKey, item }) => ({
        taskToken: sortKey.slice(KeyPrefix.correlationWait.length),
        registeredAt: Number(item[REGISTERED_AT]?.N ?? 0),
      }));
  }

  async keepEvent(key: string, eventId: string, event: Json, expiresAt: number): Promise<void> {
    // Kept once per event id: a redelivered event does not create a second item (nor move it:
    // the first keep's time stays).
    await this.put(
      key,
      `${KeyPrefix.correlationEvent}${eventId}`,
      Math.ceil((expiresAt + KEPT_EVENT_GRACE_MS) / 1000),
      {
        ...(await this.eventAttributes(key, eventId, event)),
        [KEPT_AT]: { N: String(this.options.clock.now()) },
        [EXPIRES_AT]: { N: String(expiresAt) },
      },
      true,
    );
  }

  /**
   * Oldest first: in the order they were kept (the sort key is the event id, which orders
   * nothing), ties by event id so that the order is the same on every read.
   */
  async keptEvents(key: string): Promise<KeptEvent[]> {
    const items = await this.query(key, KeyPrefix.correlationEvent);
    const kept = await Promise.all(
      items.map(async ({ sortKey, item }) => ({
        sortKey,
        keptAt: Number(item[KEPT_AT]?.N ?? 0),
        expiresAt: expiresAt(item),
        event: await this.eventOf(item),
      })),
    );
    return kept
      .sort((a, b) => a.keptAt - b.keptAt || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
      .map(({ event, keptAt, expiresAt: until }) => ({ event, keptAt, expiresAt: until }));
  }

  /** The item attributes that hold `event`: its text, deflated, or a payload store reference. */
  private async eventAttributes(
    key: string,
    eventId: string,
    event: Json,
  ): Promise<Record<string, AttributeValue>> {
    const text = JSON.stringify(event);
    if (text.length * 3 <= MAX_INLINE_EVENT_BYTES || Buffer.byteLength(text) <= MAX_INLINE_EVENT_BYTES)
      return { [EVENT]: { S: text } };
    const deflated = deflateRawSync(text);
    if (deflated.length <= MAX_INLINE_EVENT_BYTES) return { [EVENT_DEFLATED]: { B: deflated } };
    const payloads = this.options.payloads;
    if (!payloads) throw new EventTooLargeError(eventId, deflated.length);
    // The same event kept twice writes the same bytes under the same key.
    const ref = `executions/~events/${sha256Hex(key)}/${sha256Hex(eventId)}`;
    await payloads.put(ref, deflated);
    return { [EVENT_REF]: { S: ref } };
  }

  private async eventOf(item: Record<string, AttributeValue>): Promise<Json> {
    const text = item[EVENT]?.S;
    if (text !== undefined) return JSON.parse(text) as Json;
    const deflated = item[EVENT_DEFLATED]?.B;
    if (deflated !== undefined) return JSON.parse(inflateRawSync(deflated).toString('utf8')) as Json;
    const ref = item[EVENT_REF]?.S;
    if (ref !== undefined && this.options.payloads) {
      return JSON.parse(inflateRawSync(await this.options.payloads.get(ref)).toString('utf8')) as Json;
    }
    throw new AwsAdapterError(
      ref === undefined
        ? 'A kept event item holds no event'
        : `A kept event is in the payload store (${ref}), but this orchestrator has none`,
    );
  }

  private key(key: string, sortKey: string) {
    return {
      [TableKey.partition]: { S: `${KeyPrefix.correlation}${sha256Hex(key)}` },
      [TableKey.sort]: { S: sortKey },
    };
  }

  /** Puts an item; with `onlyOnce`, only when it does not exist. Whether it wrote it. */
  private async put(
    key: string,
    sortKey: string,
    ttlSeconds: number,
    attributes: Record<string, AttributeValue>,
    onlyOnce = false,
  ): Promise<boolean> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            ...this.key(key, sortKey),
            ...attributes,
            [TTL_ATTRIBUTE]: { N: String(ttlSeconds) },
          },
          ...(onlyOnce
            ? {
                // Against a second keep or registration moving the first one's time.
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': TableKey.partition },
              }
            : {}),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return true;
    } catch (error) {
      if (onlyOnce && isConditionalCheckFailed(error)) return false;
      throw translateDynamoDbError(error, 'PutItem');
    }
  }

  private async query(key: string, prefix: string): Promise<QueriedItem[]> {
    const partition = this.key(key, '')[TableKey.partition];
    const nowSeconds = Math.floor(this.options.clock.now() / 1000);
    const results: QueriedItem[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send('Query', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            FilterExpression: '#ttl > :now',
            ExpressionAttributeNames: {
              '#pk': TableKey.partition,
              '#sk': TableKey.sort,
              '#ttl': TTL_ATTRIBUTE,
            },
            ExpressionAttributeValues: {
              ':pk': partition,
              ':prefix': { S: prefix },
              ':now': { N: String(nowSeconds) },
            },
            ConsistentRead: true,
            ReturnConsumedCapacity: 'TOTAL',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const sortKey = item[TableKey.sort]?.S;
        if (sortKey) results.push({ sortKey, item });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return results;
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateDynamoDbError(error, operation);
    }
  }
}

/**
 * Until when an item counts (epoch ms). Items written before `until` was recorded count until
 * their TTL (and kept events sort first, in event id order: their `keptAt` is 0).
 */
function expiresAt(item: Record<string, AttributeValue>): number {
  const recorded = item[EXPIRES_AT]?.N;
  return recorded !== undefined ? Number(recorded) : Number(item[TTL_ATTRIBUTE]?.N ?? 0) * 1000;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
