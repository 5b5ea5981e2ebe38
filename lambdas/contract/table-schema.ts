/**
 * The single DynamoDB table behind the execution, definition, correlation and Map Run stores: key names, key formats,
 * index names and the CreateTable input (used by the tests, the local runtime and the CDK construct).
 *
 * Item shapes (every item has string keys `pk` and `sk`):
 *
 * | Item                     | pk                 | sk                 | Other attributes                                                                 |
 * | ------------------------ | ------------------ | ------------------ | -------------------------------------------------------------------------------- |
 * | Execution version        | `EXEC#<id>`        | `V#<000000000042>` | `version` N, `data` B (encoded snapshot) or `ref` S (payload store key), `status` S, `createdAt` S |
 * | Execution index          | `EXEC#<id>`        | `INDEX`            | the ExecutionSummary fields, `indexVersion` N, `listPartition` S = `ALL`         |
 * | Definition version       | `WF#<name>`        | `VER#<hash16>`     | `name` S, `version` S, `definition` S (JSON), `createdAt` S                      |
 * | Latest definition        | `WF#<name>`        | `LATEST`           | `name` S, `version` S, `updatedAt` S                                             |
 * | Map Run                  | `MAPRUN#<id>`      | `META`             | `version` N, `data` B (encoded record) or `ref` S (payload store key)            |
 * | Map Run chunk outcome    | `MAPRUN#<id>#<s>`  | `CHUNK#<0000000042>` | `chunk` N, `data` B (encoded outcome) or `ref` S (payload store key)         |
 * | Map Run counter          | `MAPRUN#<id>#<s>`  | `COUNT#<0000000000>` | `ended` NS (slots counted), `chunksEnded` N, `succeeded` N, `failed` N, `timedOut` N, `aborted` N, `itemsSucceeded` N, `itemsFailed` N, `itemsTimedOut` N, `itemsAborted` N |
 *
 * - One partition per execution. Each transition adds one immutable version item holding the new
 *   snapshot, that transition's history events and its commands (the outbox); the item with the
 *   highest `sk` is the current state. Version items are never updated, so a commit is a single
 *   conditional PutItem costing one write unit for a snapshot under 1 KB (after compression).
 * - The index item exists once per execution and is rewritten only when the status changes. It is
 *   the only item carrying `startTime`, the sort key of every GSI, so the GSIs are sparse: version
 *   and definition items never appear in them (keep it that way: do not add `startTime` elsewhere).
 * - A Map Run's chunks are spread over {@link MAP_RUN_SHARDS} partitions (`<s>` = chunk number mod
 *   shards), so that thousands of children ending at once do not all write one partition. A
 *   chunk's outcome is put once (the first writer wins) and then counted once into its shard's
 *   counter item for its block of {@link MAP_RUN_COUNT_BLOCK} chunks: the `ended` number set holds
 *   the block's slots already counted, and the update's condition refuses a slot already in it.
 *   A block keeps the counter item under 1 KB (one write unit per count, whatever the run's size,
 *   where one counter per shard would grow by every chunk and cost more write units each time).
 *   Map Run items carry no `startTime`, so they are in no GSI.
 * - GSIs, all sorted by `startTime` (ISO 8601, so `since` is a key condition):
 *   - `ByStatus` (pk `status`), projection ALL. Its key changes with every index write anyway
 *     (2 write units: delete + put), so projecting everything costs nothing more, and listing by
 *     status (RUNNING, FAILED: the operator's queries) needs a single Query.
 *   - `ByWorkflow` (pk `workflow`), `ByBusinessKey` (pk `businessKey`, only when set) and
 *     `ByStartTime` (pk `listPartition`, the constant `ALL`), projection KEYS_ONLY. Their keys never
 *     change after the first index write, so later index writes cost them nothing (DynamoDB only
 *     writes a GSI when its keys or projected attributes change); `list` reads the summaries with
 *     a BatchGetItem instead (reads cost a fifth of writes, and listing is rare).
 *   - `ByStartTime` serves unfiltered lists without a Scan. Its single `ALL` partition takes one
 *     write per execution start, which bounds starts to roughly 1,000 per second (the per-partition
 *     write limit); past that, shard the constant (`ALL#0..n`) and merge.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Key attribute names of the table. */
export const TableKey = { partition: 'pk', sort: 'sk' } as const;

/** Key prefixes and constant sort keys. */
export const KeyPrefix = {
  execution: 'EXEC#',
  executionVersion: 'V#',
  workflow: 'WF#',
  definitionVersion: 'VER#',
  correlation: 'CORR#',
  correlationWait: 'WAIT#',
  correlationEvent: 'EVENT#',
  mapRun: 'MAPRUN#',
  mapRunChunk: 'CHUNK#',
  mapRunCount: 'COUNT#',
} as const;

/** The TTL attribute (epoch seconds) of items that expire: correlation waits and kept events. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Sort key of an execution's index item. */
export const INDEX_SORT_KEY = 'INDEX';

/** Sort key of a workflow's pointer to its latest definition version. */
export const LATEST_SORT_KEY = 'LATEST';

/** Value of `listPartition` on every index item: the single partition of `ByStartTime`. */
export const LIST_PARTITION_ALL = 'ALL';

/** Digits of the zero-padded version in a version item's sort key (so that string order is numeric order). */
export const VERSION_DIGITS = 12;

/** The highest version a sort key can hold. */
export const MAX_VERSION = 10 ** VERSION_DIGITS - 1;

/** Sort key of a Map Run's record item. */
export const MAP_RUN_SORT_KEY = 'META';

/** Partitions a Map Run's chunk outcomes and counters are spread over: chunk `n` goes to `n % 32`. */
export const MAP_RUN_SHARDS = 32;

/**
 * Chunks of one shard counted in one counter item: the `ended` set then holds at most this many
 * slots (numbers below 200, 3 bytes each at most), which keeps the item under one write unit.
 */
export const MAP_RUN_COUNT_BLOCK = 200;

/** Digits of the zero-padded chunk and block numbers in sort keys (string order is numeric order). */
export const MAP_RUN_CHUNK_DIGITS = 10;

/** The highest chunk number a sort key can hold. */
export const MAX_MAP_RUN_CHUNK = 10 ** MAP_RUN_CHUNK_DIGITS - 1;

/** Global secondary indexes for `list`: name, partition key attribute, sort key attribute. */
export const ExecutionIndex = {
  byStatus: { indexName: 'ByStatus', partitionKey: 'status', sortKey: 'startTime' },
  byWorkflow: { indexName: 'ByWorkflow', partitionKey: 'workflow', sortKey: 'startTime' },
  byBusinessKey: { indexName: 'ByBusinessKey', partitionKey: 'businessKey', sortKey: 'startTime' },
  byStartTime: { indexName: 'ByStartTime', partitionKey: 'listPartition', sortKey: 'startTime' },
} as const;

/** One of {@link ExecutionIndex}. */
export type ExecutionIndexDescriptor = (typeof ExecutionIndex)[keyof typeof ExecutionIndex];

/** `pk` of an execution's items. */
export function executionPartitionKey(executionId: string): string {
  return `${KeyPrefix.execution}${executionId}`;
}

/** `sk` of an execution's version item, e.g. `V#000000000042`. */
export function versionSortKey(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1 || version > MAX_VERSION) {
    throw new RangeError(`version must be an integer from 1 to ${MAX_VERSION}, got ${version}`);
  }
  return `${KeyPrefix.executionVersion}${String(version).padStart(VERSION_DIGITS, '0')}`;
}

/** `pk` of a workflow's definition items. */
export function workflowPartitionKey(name: string): string {
  return `${KeyPrefix.workflow}${name}`;
}

/** `sk` of a definition version item. */
export function definitionVersionSortKey(version: string): string {
  return `${KeyPrefix.definitionVersion}${version}`;
}

/** `pk` of a Map Run's record item. */
export function mapRunPartitionKey(mapRunId: string): string {
  return `${KeyPrefix.mapRun}${mapRunId}`;
}

/**
 * `pk` of one shard of a Map Run's chunk outcomes and counters. It never collides with another
 * run's shard (the shard number after the last `#` tells them apart), and it shares a partition
 * with a record only when a run id ends in `#<number>`: the sort keys still keep the items apart.
 */
export function mapRunShardPartitionKey(mapRunId: string, shard: number): string {
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= MAP_RUN_SHARDS) {
    throw new RangeError(`shard must be an integer from 0 to ${MAP_RUN_SHARDS - 1}, got ${shard}`);
  }
  return `${KeyPrefix.mapRun}${mapRunId}#${shard}`;
}

/** Where chunk `chunk` is kept and counted: its shard, its counter block and its slot in the block. */
export interface MapRunChunkPlace {
  readonly shard: number;
  readonly block: number;
  readonly slot: number;
}

/** The place of chunk `chunk`. Throws a RangeError for a number a sort key cannot hold. */
export function mapRunChunkPlace(chunk: number): MapRunChunkPlace {
  checkChunk(chunk);
  const inShard = Math.floor(chunk / MAP_RUN_SHARDS);
  return {
    shard: chunk % MAP_RUN_SHARDS,
    block: Math.floor(inShard / MAP_RUN_COUNT_BLOCK),
    slot: inShard % MAP_RUN_COUNT_BLOCK,
  };
}

/** `sk` of a chunk outcome item, e.g. `CHUNK#0000000042`. */
export function mapRunChunkSortKey(chunk: number): string {
  checkChunk(chunk);
  return `${KeyPrefix.mapRunChunk}${String(chunk).padStart(MAP_RUN_CHUNK_DIGITS, '0')}`;
}

/** `sk` of a shard's counter item for counter block `block`, e.g. `COUNT#0000000000`. */
export function mapRunCountSortKey(block: number): string {
  checkKeyNumber('block', block);
  return `${KeyPrefix.mapRunCount}${String(block).padStart(MAP_RUN_CHUNK_DIGITS, '0')}`;
}

function checkChunk(chunk: number): void {
  checkKeyNumber('chunk', chunk);
}

function checkKeyNumber(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_MAP_RUN_CHUNK) {
    throw new RangeError(`${name} must be an integer from 0 to ${MAX_MAP_RUN_CHUNK}, got ${value}`);
  }
}

/**
 * The CreateTable input of the table: string keys `pk`/`sk`, on-demand billing and the four GSIs
 * described above. Point-in-time recovery, encryption and TTL are settings of the CDK construct.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { byStatus, byWorkflow, byBusinessKey, byStartTime } = ExecutionIndex;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TableKey.partition, AttributeType: 'S' },
      { AttributeName: TableKey.sort, AttributeType: 'S' },
      { AttributeName: byStatus.partitionKey, AttributeType: 'S' },
      { AttributeName: byWorkflow.partitionKey, AttributeType: 'S' },
      { AttributeName: byBusinessKey.partitionKey, AttributeType: 'S' },
      { AttributeName: byStartTime.partitionKey, AttributeType: 'S' },
      { AttributeName: byStartTime.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TableKey.partition, KeyType: 'HASH' },
      { AttributeName: TableKey.sort, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      globalIndex(byStatus, 'ALL'),
      globalIndex(byWorkflow, 'KEYS_ONLY'),
      globalIndex(byBusinessKey, 'KEYS_ONLY'),
      globalIndex(byStartTime, 'KEYS_ONLY'),
    ],
  };
}

function globalIndex(index: ExecutionIndexDescriptor, projection: 'ALL' | 'KEYS_ONLY') {
  return {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: projection },
  };
}
