import { describe, expect, it } from 'vitest';
import {
  ExecutionIndex,
  MAP_RUN_COUNT_BLOCK,
  MAP_RUN_SHARDS,
  mapRunChunkPlace,
  mapRunChunkSortKey,
  mapRunCountSortKey,
  mapRunPartitionKey,
  mapRunShardPartitionKey,
  createTableInput,
  executionPartitionKey,
  versionSortKey,
} from '../../../lambdas/contract/table-schema.js';

describe('the table schema', () => {
  it('zero-pads versions so that string order is numeric order', () => {
    expect(versionSortKey(42)).toBe('V#000000000042');
    expect(versionSortKey(9) < versionSortKey(10)).toBe(true);
  });

  it('rejects a version a sort key cannot hold', () => {
    expect(() => versionSortKey(0)).toThrow(RangeError);
    expect(() => versionSortKey(1.5)).toThrow(RangeError);
    expect(() => versionSortKey(1e12)).toThrow(RangeError);
  });

  it('puts every item of an execution in one partition', () => {
    expect(executionPartitionKey('abc')).toBe('EXEC#abc');
  });

  it('creates an on-demand table with string pk/sk keys and the four list indexes', () => {
    const input = createTableInput('baton');

    expect(input).toMatchObject({
      TableName: 'baton',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(input.ProvisionedThroughput).toBeUndefined();
    expect(input.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
      [ExecutionIndex.byStatus.indexName, 'ALL'],
      [ExecutionIndex.byWorkflow.indexName, 'KEYS_ONLY'],
      [ExecutionIndex.byBusinessKey.indexName, 'KEYS_ONLY'],
      [ExecutionIndex.byStartTime.indexName, 'KEYS_ONLY'],
    ]);
  });

  it('defines every key attribute of the indexes as a string, and nothing else', () => {
    const input = createTableInput('baton');
    const keyAttributes = new Set([
      'pk',
      'sk',
      ...(input.GlobalSecondaryIndexes ?? []).flatMap((i) => (i.KeySchema ?? []).map((k) => k.AttributeName)),
    ]);

    expect(new Set(input.AttributeDefinitions?.map((d) => d.AttributeName))).toEqual(keyAttributes);
    expect(input.AttributeDefinitions?.every((d) => d.AttributeType === 'S')).toBe(true);
  });

  it("keeps a Map Run's record in its own partition and its chunks in 32 shard partitions", () => {
    expect(mapRunPartitionKey('run-1')).toBe('MAPRUN#run-1');
    expect(mapRunShardPartitionKey('run-1', 31)).toBe('MAPRUN#run-1#31');
    expect(() => mapRunShardPartitionKey('run-1', MAP_RUN_SHARDS)).toThrow(
      'shard must be an integer from 0 to 31, got 32',
    );
  });

  it('spreads consecutive chunks over the shards, and counts each shard in blocks of 200', () => {
    const places = Array.from({ length: MAP_RUN_SHARDS * MAP_RUN_COUNT_BLOCK + 1 }, (_, n) =>
      mapRunChunkPlace(n),
    );
    expect(new Set(places.slice(0, MAP_RUN_SHARDS).map((place) => place.shard)).size).toBe(MAP_RUN_SHARDS);
    expect(places[33]).toEqual({ shard: 1, block: 0, slot: 1 });
    expect(places[MAP_RUN_SHARDS * MAP_RUN_COUNT_BLOCK]).toEqual({ shard: 0, block: 1, slot: 0 });
    // No two chunks share a shard, block and slot.
    const keys = new Set(places.map((place) => `${place.shard}/${place.block}/${place.slot}`));
    expect(keys.size).toBe(places.length);
    expect(Math.max(...places.map((place) => place.slot))).toBe(MAP_RUN_COUNT_BLOCK - 1);
  });

  it('zero-pads chunk and block numbers so that string order is numeric order', () => {
    expect(mapRunChunkSortKey(42)).toBe('CHUNK#0000000042');
    expect(mapRunChunkSortKey(9) < mapRunChunkSortKey(10)).toBe(true);
    expect(mapRunCountSortKey(3)).toBe('COUNT#0000000003');
  });

  it('rejects a chunk number a sort key cannot hold', () => {
    expect(() => mapRunChunkSortKey(-1)).toThrow('chunk must be an integer from 0 to 9999999999, got -1');
    expect(() => mapRunChunkPlace(1.5)).toThrow(RangeError);
    expect(() => mapRunChunkSortKey(1e10)).toThrow(RangeError);
  });
});
