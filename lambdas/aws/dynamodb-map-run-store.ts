/**
 * The Map Run store on the domain's table (layout in `table-schema.ts`): a record item per run,
 * and per chunk an outcome item and a count in a counter item, both in one of 32 shard partitions,
 * so that thousands of children ending at once spread their writes instead of queueing on one
 * item or one partition.
 *
 * Recording a chunk is two writes, in this order, each safe to repeat:
 * 1. a PutItem of the outcome, only if none is stored: the first outcome of a chunk stays, and a
 *    repeat (or a racing call) reads the stored one instead;
 * 2. an UpdateItem adding the stored outcome's counts to the shard's counter item for the chunk's
 *    block, only if the chunk's slot is not yet in the item's `ended` set (and adding it there).
 * A crash between the two leaves an outcome not counted, which the repeated call (the caller's
 * at-least-once delivery) counts. No transaction is needed, and each write is one write unit for
 * a small outcome: the counter item of a block of 200 chunks stays under 1 KB.
 */
import { createHash } from 'node:crypto';
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Json } from '../engine/json.js';
import type { Clock, PayloadStore } from '../runtime/ports.js';
import {
  MapRunConflictError,
  type ChunkOutcome,
  type MapRunCounts,
  type MapRunRecord,
  type MapRunStore,
} from '../runtime/distributed-map/map-run-ports.js';
import {
  MAP_RUN_COUNT_FIELDS,
  NO_COUNTS,
  addCounts,
  checkChunkCount,
  checkChunkOutcome,
  checkMapRunId,
  checkMapRunRecord,
  chunkCounts,
} from '../runtime/distributed-map/map-run-counts.js';
import { AwsAdapterError } from './aws-errors.js';
import { CorruptItemError, isConditionalCheckFailed, translateDynamoDbError } from './dynamodb-errors.js';
import { MAX_ITEM_BYTES, itemSizeBytes } from './dynamodb-item-size.js';
import { decodeStoredJson, encodeStoredJson } from './dynamodb-snapshot-codec.js';
import { MAX_EXECUTION_SECONDS } from './dynamodb-execution-store.js';
import {
  KeyPrefix,
  MAP_RUN_SHARDS,
  MAP_RUN_SORT_KEY,
  TTL_ATTRIBUTE,
  TableKey,
  mapRunChunkPlace,
  mapRunChunkSortKey,
  mapRunCountSortKey,
  mapRunPartitionKey,
  mapRunShardPartitionKey,
  type MapRunChunkPlace,
} from '../contract/table-schema.js';

/** Encoded records and outcomes larger than this go to the payload store. */
export const DEFAULT_MAP_RUN_OFFLOAD_THRESHOLD_BYTES = 300_000;

/**
 * Chunk outcome items one Query of `chunks` reads from a shard: with one page read ahead per
 * shard, a listing holds at most 2 x 32 x 100 outcomes (or 2 x 32 x 1 MB, DynamoDB's page limit).
 */
export const CHUNKS_PAGE_LIMIT = 100;

/**
 * Where offloaded Map Run documents go in the payload store: under the prefix the orchestrator may
 * write (`executions/`), and `~` is in no execution name, so no execution's objects are there.
 */
export const MAP_RUN_PAYLOAD_PREFIX = 'executions/~mapruns/';

/** The attribute of a counter item holding the slots of the chunks it counted (a number set). */
const ENDED = 'ended';

/** Options of {@link DynamoDbMapRunStore}. */
export interface DynamoDbMapRunStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Where records and outcomes over `offloadThresholdBytes` (encoded) go; the item then keeps only
   * a reference. Keys are `executions/~mapruns/<map run id>/...`.
   * @default none: documents stay in the item up to DynamoDB's 400 KB item limit, and a larger one
   *   throws {@link MapRunItemTooLargeError}
   */
  readonly payloads?: PayloadStore;
  /** @default 300_000 ({@link DEFAULT_MAP_RUN_OFFLOAD_THRESHOLD_BYTES}) */
  readonly offloadThresholdBytes?: number;
  /** The clock of the TTL. @default the system clock */
  readonly clock?: Clock;
  /**
   * How long a Map Run's items are kept, in seconds, as the execution store keeps its parent's:
   * every item gets a TTL (`expiresAt`) of its write time + a year + this.
   * @default no TTL: Map Runs are kept
   */
  readonly retentionSeconds?: number;
}

/** A record or outcome too large for an item, with no payload store to keep it in. */
export class MapRunItemTooLargeError extends AwsAdapterError {
  override readonly name = 'MapRunItemTooLargeError';
  constructor(
    readonly mapRunId: string,
    /** What did not fit: `record` or `chunk <n>`. */
    readonly what: string,
    readonly sizeBytes: number,
  ) {
    super(
      `Map Run ${mapRunId}: the ${what} is ${sizeBytes} bytes encoded, over what an item holds ` +
        `(${MAX_ITEM_BYTES} bytes with its keys), and no payload store is configured to offload it`,
    );
  }
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * {@link MapRunStore} on a DynamoDB table created from `createTableInput`. Reads are strongly
 * consistent: the dispatcher decides from the counts whether the run is over, so a count just
 * recorded must show. Every call asks for `ReturnConsumedCapacity: 'TOTAL'`, for cost measurement.
 */
export class DynamoDbMapRunStore implements MapRunStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly payloads: PayloadStore | undefined;
  private readonly offloadThresholdBytes: number;
  private readonly clock: Clock;
  private readonly retentionSeconds: number | undefined;

  constructor(options: DynamoDbMapRunStoreOptions) {
    const threshold = options.offloadThresholdBytes ?? DEFAULT_MAP_RUN_OFFLOAD_THRESHOLD_BYTES;
    if (!Number.isSafeInteger(threshold) || threshold < 1) {
      throw new RangeError(`offloadThresholdBytes must be a positive integer, got ${threshold}`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.payloads = options.payloads;
    this.offloadThresholdBytes = threshold;
    this.clock = options.clock ?? systemClock;
    this.retentionSeconds = options.retentionSeconds;
  }

  async create(record: MapRunRecord): Promise<MapRunRecord> {
    checkMapRunRecord(record, 'create');
    const { item, bytes } = await this.recordItem(record);
    try {
      await this.send('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            // Prevents a second create (a redelivered dispatch of the Map state) from replacing a
            // record that its dispatcher may already have moved on from.
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TableKey.partition },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const stored = await this.load(record.mapRunId);
      if (stored === undefined) {
        throw new CorruptItemError(`Map Run ${record.mapRunId} exists but its record cannot be read`);
      }
      return stored;
    }
    return decodeRecord(record.mapRunId, bytes);
  }

  async load(mapRunId: string): Promise<MapRunRecord | undefined> {
    checkMapRunId(mapRunId);
    const item = await this.getItem(mapRunPartitionKey(mapRunId), MAP_RUN_SORT_KEY);
    if (item === undefined) return undefined;
    return decodeRecord(mapRunId, await this.document(mapRunId, 'record', item));
  }

  async update(record: MapRunRecord): Promise<void> {
    checkMapRunRecord(record, 'update');
    const { item } = await this.recordItem(record);
    try {
      await this.send('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            // Prevents a duplicate or stale tick, which loaded an older version, from overwriting
            // what the tick that wrote the version after it decided.
            ConditionExpression: '#version = :previous',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':previous': { N: String(record.version - 1) } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new MapRunConflictError(record.mapRunId, record.version - 1);
      }
      throw error;
    }
  }

  async recordChunk(mapRunId: string, outcome: ChunkOutcome): Promise<ChunkOutcome> {
    checkChunkOutcome(mapRunId, outcome);
    const place = mapRunChunkPlace(outcome.chunk);
    const stored = await this.keepOutcome(mapRunId, outcome, place);
    await this.count(mapRunId, stored, place);
    return stored;
  }

  async counts(mapRunId: string): Promise<MapRunCounts> {
    checkMapRunId(mapRunId);
    const names = Object.fromEntries(MAP_RUN_COUNT_FIELDS.map((field, i) => [`#c${i}`, field]));
    const perShard = await Promise.all(
      Array.from({ length: MAP_RUN_SHARDS }, async (_, shard) => {
        let sum = NO_COUNTS;
        let start: Record<string, AttributeValue> | undefined;
        do {
          const page = await this.send('Query', () =>
            this.client.send(
              new QueryCommand({
                TableName: this.tableName,
                KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :count)',
                // The `ended` sets stay behind (they are billed, but not sent).
                ProjectionExpression: Object.keys(names).join(', '),
                ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort, ...names },
                ExpressionAttributeValues: {
                  ':pk': { S: mapRunShardPartitionKey(mapRunId, shard) },
                  ':count': { S: KeyPrefix.mapRunCount },
                },
                ConsistentRead: true,
                ReturnConsumedCapacity: 'TOTAL',
                ...(start !== undefined && { ExclusiveStartKey: start }),
              }),
            ),
          );
          for (const item of page.Items ?? []) sum = addCounts(sum, countsOf(item));
          start = page.LastEvaluatedKey;
        } while (start !== undefined);
        return sum;
      }),
    );
    return perShard.reduce(addCounts, NO_COUNTS);
  }

  /**
   * A Query per shard, in sort key (chunk) order, merged: for 100,000 chunks of ~1 KB, reads of
   * about 25,000 units (a Query is billed on the bytes it reads, per 4 KB), where a BatchGetItem
   * of every chunk's key would be billed 4 KB per item (100,000 units) and ask for the missing
   * chunks too.
   */
  async *chunks(mapRunId: string, chunks: number): AsyncIterable<ChunkOutcome> {
    checkChunkCount(mapRunId, chunks);
    if (chunks === 0) return;
    const readers = Array.from(
      { length: Math.min(MAP_RUN_SHARDS, chunks) },
      (_, shard) => new ShardReader((start) => this.chunkPage(mapRunId, shard, chunks, start)),
    );
    const heads = await Promise.all(readers.map((reader) => reader.next()));
    for (;;) {
      let next = -1;
      for (let shard = 0; shard < heads.length; shard++) {
        const head = heads[shard];
        const best = next < 0 ? undefined : heads[next];
        if (head !== undefined && (best === undefined || head.chunk < best.chunk)) next = shard;
      }
      const head = heads[next];
      const reader = readers[next];
      if (head === undefined || reader === undefined) return;
      yield decodeOutcome(
        mapRunId,
        head.chunk,
        await this.document(mapRunId, `chunk ${head.chunk}`, head.item),
      );
      heads[next] = await reader.next();
    }
  }

  /** Puts the outcome unless one is stored; answers the stored one. */
  private async keepOutcome(
    mapRunId: string,
    outcome: ChunkOutcome,
    place: MapRunChunkPlace,
  ): Promise<ChunkOutcome> {
    const partition = mapRunShardPartitionKey(mapRunId, place.shard);
    const sort = mapRunChunkSortKey(outcome.chunk);
    const bytes = encodeStoredJson(outcome);
    const item = await this.documentItem(
      mapRunId,
      `chunk ${outcome.chunk}`,
      {
        [TableKey.partition]: { S: partition },
        [TableKey.sort]: { S: sort },
        chunk: { N: String(outcome.chunk) },
        ...this.expiry(),
      },
      bytes,
      `chunks/${outcome.chunk}`,
    );
    try {
      await this.send('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            // Prevents a repeated or racing record of the chunk (a redelivery, a re-run child)
            // from replacing the first outcome, which is the one that is, or will be, counted.
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TableKey.partition },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return decodeOutcome(mapRunId, outcome.chunk, bytes);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const stored = await this.getItem(partition, sort);
    if (stored === undefined) {
      throw new CorruptItemError(`Map Run ${mapRunId} chunk ${outcome.chunk} exists but cannot be read`);
    }
    const label = `chunk ${outcome.chunk}`;
    return decodeOutcome(mapRunId, outcome.chunk, await this.document(mapRunId, label, stored));
  }

  /** Adds the stored outcome's counts to its counter item, unless its slot says it was counted. */
  private async count(mapRunId: string, stored: ChunkOutcome, place: MapRunChunkPlace): Promise<void> {
    const counts = chunkCounts(stored);
    const names: Record<string, string> = { '#ended': ENDED };
    const values: Record<string, AttributeValue> = {
      ':slots': { NS: [String(place.slot)] },
      ':slot': { N: String(place.slot) },
    };
    const adds = ['#ended :slots'];
    MAP_RUN_COUNT_FIELDS.forEach((field, i) => {
      names[`#c${i}`] = field;
      values[`:c${i}`] = { N: String(counts[field]) };
      adds.push(`#c${i} :c${i}`);
    });
    let update = `ADD ${adds.join(', ')}`;
    const expiry = this.expiry()[TTL_ATTRIBUTE];
    if (expiry !== undefined) {
      names['#ttl'] = TTL_ATTRIBUTE;
      values[':ttl'] = expiry;
      update += ' SET #ttl = :ttl';
    }
    try {
      await this.send('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: {
              [TableKey.partition]: { S: mapRunShardPartitionKey(mapRunId, place.shard) },
              [TableKey.sort]: { S: mapRunCountSortKey(place.block) },
            },
            UpdateExpression: update,
            // Prevents counting a chunk twice: a repeated call (a redelivery, or the retry after a
            // crash that came after this write) or a racing one finds the chunk's slot in the set.
            ConditionExpression: 'attribute_not_exists(#ended) OR NOT contains(#ended, :slot)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      // Counted already: nothing to add.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  private async chunkPage(
    mapRunId: string,
    shard: number,
    chunks: number,
    start: Record<string, AttributeValue> | undefined,
  ): Promise<ChunkPage> {
    const page = await this.send('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
          ProjectionExpression: '#sk, #data, #ref',
          ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort, ...DOCUMENT_NAMES },
          ExpressionAttributeValues: {
            ':pk': { S: mapRunShardPartitionKey(mapRunId, shard) },
            ':first': { S: mapRunChunkSortKey(0) },
            ':last': { S: mapRunChunkSortKey(chunks - 1) },
          },
          Limit: CHUNKS_PAGE_LIMIT,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      ),
    );
    return {
      items: (page.Items ?? []).map((item) => ({ chunk: chunkOf(mapRunId, item), item })),
      ...(page.LastEvaluatedKey !== undefined && { next: page.LastEvaluatedKey }),
    };
  }

  /** The record's item: its version (the guard of the next update), and the encoded record. */
  private async recordItem(
    record: MapRunRecord,
  ): Promise<{ item: Record<string, AttributeValue>; bytes: Uint8Array }> {
    const bytes = encodeStoredJson(record);
    const item = await this.documentItem(
      record.mapRunId,
      'record',
      {
        [TableKey.partition]: { S: mapRunPartitionKey(record.mapRunId) },
        [TableKey.sort]: { S: MAP_RUN_SORT_KEY },
        version: { N: String(record.version) },
        ...this.expiry(),
      },
      bytes,
      `record/${record.version}`,
    );
    return { item, bytes };
  }

  /** `item` with the document in its `data`, or in the payload store with a `ref` to it. */
  private async documentItem(
    mapRunId: string,
    what: string,
    item: Record<string, AttributeValue>,
    bytes: Uint8Array,
    refPath: string,
  ): Promise<Record<string, AttributeValue>> {
    const inline = { ...item, data: { B: bytes } };
    const fits = itemSizeBytes(inline) <= MAX_ITEM_BYTES;
    // Without a payload store, an item holds what it can, up to DynamoDB's item limit.
    if (fits && (bytes.length <= this.offloadThresholdBytes || this.payloads === undefined)) return inline;
    if (this.payloads === undefined) throw new MapRunItemTooLargeError(mapRunId, what, bytes.length);
    // The content hash keeps a losing racer's blob from overwriting the winner's (it is left
    // orphaned, for the bucket's lifecycle rule to expire).
    const ref = `${MAP_RUN_PAYLOAD_PREFIX}${mapRunId}/${refPath}/${sha256Hex(bytes).slice(0, 16)}`;
    await this.payloads.put(ref, bytes);
    return { ...item, ref: { S: ref } };
  }

  /** The encoded document of a record or outcome item, from its `data` or the payload store. */
  private async document(
    mapRunId: string,
    what: string,
    item: Record<string, AttributeValue>,
  ): Promise<Uint8Array> {
    const data = item.data?.B;
    if (data !== undefined) return data;
    const ref = item.ref?.S;
    if (ref === undefined) {
      throw new CorruptItemError(`Map Run ${mapRunId}: the ${what} item has neither data nor ref`);
    }
    if (this.payloads === undefined) {
      throw new AwsAdapterError(
        `Map Run ${mapRunId}: the ${what} is offloaded to ${ref}, but no payload store is configured`,
      );
    }
    return this.payloads.get(ref);
  }

  private async getItem(
    partition: string,
    sort: string,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const output = await this.send('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [TableKey.partition]: { S: partition }, [TableKey.sort]: { S: sort } },
          ProjectionExpression: '#data, #ref',
          ExpressionAttributeNames: DOCUMENT_NAMES,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return output.Item;
  }

  /** The TTL of an item written now, when a retention is set. */
  private expiry(): Record<string, AttributeValue> {
    if (this.retentionSeconds === undefined) return {};
    const seconds = Math.ceil(this.clock.now() / 1000) + MAX_EXECUTION_SECONDS + this.retentionSeconds;
    return { [TTL_ATTRIBUTE]: { N: String(seconds) } };
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateDynamoDbError(error, operation);
    }
  }
}

/** `data` and `ref` are close to reserved words: always named through placeholders. */
const DOCUMENT_NAMES = { '#data': 'data', '#ref': 'ref' };

/** A page of a shard's chunk outcome items, and where the next page starts. */
interface ChunkPage {
  readonly items: readonly ChunkItem[];
  readonly next?: Record<string, AttributeValue>;
}

interface ChunkItem {
  readonly chunk: number;
  readonly item: Record<string, AttributeValue>;
}

/** One shard's chunk outcome items in chunk order, one page read ahead. */
class ShardReader {
  private buffer: readonly ChunkItem[] = [];
  private position = 0;
  private pending: Promise<ChunkPage> | undefined;

  constructor(
    private readonly fetch: (start: Record<string, AttributeValue> | undefined) => Promise<ChunkPage>,
  ) {
    this.pending = this.prefetch(undefined);
  }

  /** The next item, or undefined after the last. */
  async next(): Promise<ChunkItem | undefined> {
    while (this.position >= this.buffer.length) {
      if (this.pending === undefined) return undefined;
      const page = await this.pending;
      this.buffer = page.items;
      this.position = 0;
      this.pending = page.next === undefined ? undefined : this.prefetch(page.next);
    }
    return this.buffer[this.position++];
  }

  private prefetch(start: Record<string, AttributeValue> | undefined): Promise<ChunkPage> {
    const page = this.fetch(start);
    // A listing its reader stops early leaves a read-ahead page unread: its failure is nobody's.
    page.catch(() => undefined);
    return page;
  }
}

function chunkOf(mapRunId: string, item: Record<string, AttributeValue>): number {
  const sortKey = item[TableKey.sort]?.S ?? '';
  const chunk = Number(sortKey.slice(KeyPrefix.mapRunChunk.length));
  if (!sortKey.startsWith(KeyPrefix.mapRunChunk) || !Number.isSafeInteger(chunk)) {
    throw new CorruptItemError(
      `Map Run ${mapRunId}: a chunk item has the sort key ${JSON.stringify(sortKey)}`,
    );
  }
  return chunk;
}

function countsOf(item: Record<string, AttributeValue>): MapRunCounts {
  const counts = { ...NO_COUNTS };
  for (const field of MAP_RUN_COUNT_FIELDS) {
    const value = item[field]?.N;
    counts[field] = value === undefined ? 0 : Number(value);
  }
  return counts;
}

function decodeRecord(mapRunId: string, bytes: Uint8Array): MapRunRecord {
  const record = decodeStoredJson(bytes);
  if (!isObject(record) || record.mapRunId !== mapRunId || typeof record.version !== 'number') {
    throw new CorruptItemError(`Map Run ${mapRunId}: the stored record is not a Map Run record`);
  }
  return record as unknown as MapRunRecord;
}

function decodeOutcome(mapRunId: string, chunk: number, bytes: Uint8Array): ChunkOutcome {
  const outcome = decodeStoredJson(bytes);
  if (!isObject(outcome) || outcome.chunk !== chunk || !Array.isArray(outcome.children)) {
    throw new CorruptItemError(`Map Run ${mapRunId}: the stored chunk ${chunk} is not a chunk outcome`);
  }
  return outcome as unknown as ChunkOutcome;
}

function isObject(value: Json): value is { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
