import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDbMapRunStore,
  MAP_RUN_PAYLOAD_PREFIX,
  MapRunItemTooLargeError,
  type DynamoDbMapRunStoreOptions,
} from '../../../lambdas/aws/dynamodb-map-run-store.js';
import { itemSizeBytes } from '../../../lambdas/aws/dynamodb-item-size.js';
import {
  MAP_RUN_COUNT_BLOCK,
  MAP_RUN_SHARDS,
  mapRunChunkSortKey,
  mapRunCountSortKey,
  mapRunPartitionKey,
  mapRunShardPartitionKey,
} from '../../../lambdas/contract/table-schema.js';
import { NO_COUNTS } from '../../../lambdas/runtime/distributed-map/map-run-counts.js';
import { MapRunConflictError } from '../../../lambdas/runtime/distributed-map/map-run-ports.js';
import { TransientStoreError } from '../../../lambdas/runtime/ports.js';
import { startDynalite, type LocalTable } from '../../../testing/dynalite-table.js';
import {
  childOutcome,
  chunkOutcome,
  collect,
  describeMapRunStore,
  mapRunRecord,
} from '../../helpers/map-run-store-behaviours.js';
import { MemoryPayloadStore } from './memory-payload-store.js';

describeMapRunStore({
  name: 'DynamoDB (dynalite)',
  start: async () => {
    const table = await startDynalite('baton-map-runs-behaviours');
    const store = new DynamoDbMapRunStore({
      client: table.client,
      tableName: table.tableName,
      payloads: new MemoryPayloadStore(),
    });
    return { store, close: () => table.close() };
  },
});

let table: LocalTable;
let runs = 0;
/** A run id of its own for each test, shaped as the dispatcher makes them (a UUID). */
const newRun = () => `00000000-0000-4000-8000-${String(++runs).padStart(12, '0')}`;

beforeAll(async () => {
  table = await startDynalite('baton-map-runs');
});

afterAll(async () => {
  await table.close();
});

/** A store on a client of its own (faults injected into it stay there). */
function storeOn(client: DynamoDBClient, options: Partial<DynamoDbMapRunStoreOptions> = {}) {
  return new DynamoDbMapRunStore({ client, tableName: table.tableName, ...options });
}

/** Makes the next call of `commandName` on `client` throw `error` without reaching DynamoDB. */
function failNext(client: DynamoDBClient, commandName: string, error: Error): void {
  let armed = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (armed && context.commandName === commandName) {
        armed = false;
        throw error;
      }
      return next(args);
    },
    { step: 'initialize' },
  );
}

/** An item of the table, as stored. */
async function storedItem(pk: string, sk: string) {
  const { Item } = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { pk: { S: pk }, sk: { S: sk } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe('the DynamoDB Map Run store', () => {
  it('counts a chunk once when the process dies between storing its outcome and counting it', async () => {
    const client = table.newClient();
    const store = storeOn(client);
    const id = newRun();
    const outcome = chunkOutcome(7, 'SUCCEEDED', 3);
    // The count never reaches DynamoDB: the Lambda timed out right after the outcome's PutItem.
    failNext(client, 'UpdateItemCommand', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    await expect(store.recordChunk(id, outcome)).rejects.toThrow(TransientStoreError);
    expect(await collect(store.chunks(id, 8))).toEqual([outcome]);
    expect(await store.counts(id)).toEqual(NO_COUNTS);

    // The message is redelivered (twice, say) and recorded again, now with another outcome.
    expect(await store.recordChunk(id, chunkOutcome(7, 'FAILED', 1))).toEqual(outcome);
    expect(await store.recordChunk(id, outcome)).toEqual(outcome);
    expect(await store.counts(id)).toEqual({ ...NO_COUNTS, chunksEnded: 1, succeeded: 3, itemsSucceeded: 3 });
  });

  it('turns throttling into a TransientStoreError, keeping the DynamoDB error as its cause', async () => {
    const client = table.newClient();
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ProvisionedThroughputExceededException',
    });
    failNext(client, 'PutItemCommand', throttled);

    const failure = storeOn(client).recordChunk(newRun(), chunkOutcome(0, 'SUCCEEDED'));

    await expect(failure).rejects.toThrow(TransientStoreError);
    await expect(failure).rejects.toMatchObject({ cause: throttled });
  });

  it('keeps an outcome too large for an item in the payload store, and reads it back', async () => {
    const payloads = new MemoryPayloadStore();
    const store = storeOn(table.client, { payloads });
    const id = newRun();
    // Random bytes do not compress: some 320 KB encoded, over the 300 KB an outcome keeps inline.
    const output = { receipt: randomBytes(320_000).toString('base64') };
    const big = {
      chunk: 33,
      children: [childOutcome(0, 'SUCCEEDED', 1, output), childOutcome(1, 'FAILED', 2)],
    };

    expect(await store.recordChunk(id, big)).toEqual(big);

    const item = await storedItem(mapRunShardPartitionKey(id, 1), mapRunChunkSortKey(33));
    expect(item?.data).toBeUndefined();
    expect(item?.ref?.S).toMatch(new RegExp(`^${MAP_RUN_PAYLOAD_PREFIX}${id}/chunks/33/[0-9a-f]{16}$`));
    expect([...payloads.objects.keys()]).toEqual([item?.ref?.S]);
    expect(await collect(store.chunks(id, 34))).toEqual([big]);
    // A repeat finds it stored, and answers it from the payload store.
    expect(await store.recordChunk(id, chunkOutcome(33, 'ABORTED'))).toEqual(big);
    expect(await store.counts(id)).toEqual({
      ...NO_COUNTS,
      chunksEnded: 1,
      succeeded: 1,
      failed: 1,
      itemsSucceeded: 1,
      itemsFailed: 2,
    });
  });

  it('keeps a large record in the payload store, and still guards its updates by version', async () => {
    const payloads = new MemoryPayloadStore();
    const store = storeOn(table.client, { payloads, offloadThresholdBytes: 1_000 });
    const id = newRun();
    const record = mapRunRecord(id, {
      request: { itemSelector: { note: randomBytes(2_000).toString('hex') } },
    });

    expect(await store.create(record)).toEqual(record);
    const item = await storedItem(mapRunPartitionKey(id), 'META');
    expect(item?.ref?.S).toMatch(new RegExp(`^${MAP_RUN_PAYLOAD_PREFIX}${id}/record/1/`));
    expect(await store.load(id)).toEqual(record);

    await store.update({ ...record, version: 2, itemsRead: 5 });
    await expect(store.update({ ...record, version: 2 })).rejects.toThrow(MapRunConflictError);
    expect(await store.load(id)).toEqual({ ...record, version: 2, itemsRead: 5 });
  });

  it('refuses an outcome over an item when it has no payload store, and counts nothing', async () => {
    const store = storeOn(table.client);
    const id = newRun();
    const output = { receipt: randomBytes(420_000).toString('base64') };

    await expect(
      store.recordChunk(id, { chunk: 0, children: [childOutcome(0, 'SUCCEEDED', 1, output)] }),
    ).rejects.toThrow(MapRunItemTooLargeError);
    expect(await store.counts(id)).toEqual(NO_COUNTS);
    expect(await collect(store.chunks(id, 1))).toEqual([]);
  });

  it('keeps a counter item under one write unit when it has counted a whole block of chunks', async () => {
    const store = storeOn(table.client, { retentionSeconds: 86_400 });
    const id = newRun();
    // Shard 5's first block: chunks 5, 37, 69, ... (200 of them), then the first of its second block.
    const numbers = Array.from({ length: MAP_RUN_COUNT_BLOCK + 1 }, (_, i) => 5 + i * MAP_RUN_SHARDS);
    for (const chunk of numbers) await store.recordChunk(id, chunkOutcome(chunk, 'SUCCEEDED', 1));

    const full = await storedItem(mapRunShardPartitionKey(id, 5), mapRunCountSortKey(0));
    expect(full?.ended?.NS).toHaveLength(MAP_RUN_COUNT_BLOCK);
    expect(full?.expiresAt?.N).toBeDefined();
    expect(itemSizeBytes(full ?? {})).toBeLessThan(1024);
    // The next block's slot 0 is not the first block's slot 0: both chunks count.
    const next = await storedItem(mapRunShardPartitionKey(id, 5), mapRunCountSortKey(1));
    expect(next?.ended?.NS).toEqual(['0']);
    expect(await store.counts(id)).toMatchObject({ chunksEnded: MAP_RUN_COUNT_BLOCK + 1 });
  });

  it('lists the chunks of many pages per shard in order', async () => {
    const store = storeOn(table.client);
    const id = newRun();
    // Up to 107 chunks a shard, read 100 a page (chunks 0 to 3399 end, but for every 7th).
    const numbers = Array.from({ length: 3400 }, (_, n) => n).filter((n) => n % 7 !== 3);
    const pending = [...numbers];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let chunk = pending.shift(); chunk !== undefined; chunk = pending.shift()) {
          await store.recordChunk(id, { chunk, children: [] });
        }
      }),
    );

    const listed = await collect(store.chunks(id, 3400));

    expect(listed.map((outcome) => outcome.chunk)).toEqual(numbers);
    expect(await store.counts(id)).toEqual({ ...NO_COUNTS, chunksEnded: numbers.length });
  }, 60_000);
});
