/**
 * CorrelationStore on the domain's table: one partition per correlation key (hashed, since keys
 * carry user values of any length), with an item per waiting task and per kept event. Both expire
 * through the table's TTL; reads also skip expired items, as TTL deletes lazily.
 */
import { createHash } from 'node:crypto';
import {
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Json } from '../engine/json.js';
import type { Clock, CorrelationStore } from '../runtime/ports.js';
import { isConditionalCheckFailed, translateDynamoDbError } from './dynamodb-errors.js';
import { KeyPrefix, TTL_ATTRIBUTE, TableKey } from '../contract/table-schema.js';

/** When an event was first kept (epoch ms): the order in which waits receive kept events. */
const KEPT_AT = 'keptAt';

/** A correlation item as a query returns it. */
interface QueriedItem {
  readonly sortKey: string;
  readonly keptAt: number;
  readonly event?: string;
}

/** Options of {@link DynamoDbCorrelationStore}. */
export interface DynamoDbCorrelationStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
}

export class DynamoDbCorrelationStore implements CorrelationStore {
  constructor(private readonly options: DynamoDbCorrelationStoreOptions) {}

  async register(key: string, taskToken: string, expiresAt: number): Promise<void> {
    await this.put(key, `${KeyPrefix.correlationWait}${taskToken}`, expiresAt, {});
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

  async waiting(key: string): Promise<string[]> {
    const items = await this.query(key, KeyPrefix.correlationWait);
    return items.map((sk) => sk.sortKey.slice(KeyPrefix.correlationWait.length));
  }

  async keepEvent(key: string, eventId: string, event: Json, expiresAt: number): Promise<void> {
    // Kept once per event id: a redelivered event does not create a second item (nor move it:
    // the first keep's time stays).
    await this.put(
      key,
      `${KeyPrefix.correlationEvent}${eventId}`,
      expiresAt,
      { event: { S: JSON.stringify(event) }, [KEPT_AT]: { N: String(this.options.clock.now()) } },
      true,
    );
  }

  /**
   * Oldest first: in the order they were kept (the sort key is the event id, which orders
   * nothing), ties by event id so that the order is the same on every read.
   */
  async keptEvents(key: string): Promise<Json[]> {
    const items = await this.query(key, KeyPrefix.correlationEvent);
    return items
      .sort((a, b) => a.keptAt - b.keptAt || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
      .map((item) => JSON.parse(item.event ?? 'null') as Json);
  }

  private key(key: string, sortKey: string) {
    const hashed = createHash('sha256').update(key).digest('hex');
    return {
      [TableKey.partition]: { S: `${KeyPrefix.correlation}${hashed}` },
      [TableKey.sort]: { S: sortKey },
    };
  }

  private async put(
    key: string,
    sortKey: string,
    expiresAt: number,
    attributes: Record<string, AttributeValue>,
    onlyOnce = false,
  ): Promise<void> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            ...this.key(key, sortKey),
            ...attributes,
            [TTL_ATTRIBUTE]: { N: String(Math.ceil(expiresAt / 1000)) },
          },
          ...(onlyOnce
            ? {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': TableKey.partition },
              }
            : {}),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      if (onlyOnce && isConditionalCheckFailed(error)) return;
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
        if (!sortKey) continue;
        // Items kept before keptAt was recorded sort first, in event id order.
        const keptAt = Number(item[KEPT_AT]?.N ?? 0);
        results.push({ sortKey, keptAt, ...(item.event?.S ? { event: item.event.S } : {}) });
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
