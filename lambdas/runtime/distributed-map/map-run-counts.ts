/**
 * What a chunk's end adds to its Map Run's counts, and the checks of what a `MapRunStore` is asked
 * to keep: one rule for every store (DynamoDB, in memory), so that they count alike.
 */
import type { ChildOutcome, ChunkOutcome, MapRunCounts, MapRunRecord } from './map-run-ports.js';

/** The fields of {@link MapRunCounts}, in a fixed order (a store's attribute names). */
export const MAP_RUN_COUNT_FIELDS = [
  'chunksEnded',
  'succeeded',
  'failed',
  'timedOut',
  'aborted',
  'itemsSucceeded',
  'itemsFailed',
  'itemsTimedOut',
  'itemsAborted',
] as const satisfies readonly (keyof MapRunCounts)[];

/** The counts of a run with no chunk ended. */
export const NO_COUNTS: MapRunCounts = {
  chunksEnded: 0,
  succeeded: 0,
  failed: 0,
  timedOut: 0,
  aborted: 0,
  itemsSucceeded: 0,
  itemsFailed: 0,
  itemsTimedOut: 0,
  itemsAborted: 0,
};

/** What recording `outcome` adds to the counts: one chunk, its children and items by status. */
export function chunkCounts(outcome: ChunkOutcome): MapRunCounts {
  const counts = { ...NO_COUNTS, chunksEnded: 1 };
  for (const child of outcome.children) {
    const [children, items] = countFieldsOf(child.status);
    counts[children] += 1;
    counts[items] += child.items;
  }
  return counts;
}

/** The sum of two counts. */
export function addCounts(a: MapRunCounts, b: MapRunCounts): MapRunCounts {
  const sum = { ...NO_COUNTS };
  for (const field of MAP_RUN_COUNT_FIELDS) sum[field] = a[field] + b[field];
  return sum;
}

function countFieldsOf(status: ChildOutcome['status']): readonly [keyof MapRunCounts, keyof MapRunCounts] {
  switch (status) {
    case 'SUCCEEDED':
      return ['succeeded', 'itemsSucceeded'];
    case 'FAILED':
      return ['failed', 'itemsFailed'];
    case 'TIMED_OUT':
      return ['timedOut', 'itemsTimedOut'];
    case 'ABORTED':
      return ['aborted', 'itemsAborted'];
    default: {
      const unknown: never = status;
      throw new RangeError(
        `child status must be SUCCEEDED, FAILED, TIMED_OUT or ABORTED, got ${String(unknown)}`,
      );
    }
  }
}

/**
 * Throws a RangeError naming the bad field when `outcome` cannot be recorded: a chunk number that
 * is not a non-negative integer, a child whose status is unknown or whose item count is not a
 * non-negative integer.
 */
export function checkChunkOutcome(mapRunId: string, outcome: ChunkOutcome): void {
  checkMapRunId(mapRunId);
  if (!isCount(outcome.chunk)) {
    throw new RangeError(
      `Map Run ${mapRunId}: outcome.chunk must be a non-negative integer, got ${String(outcome.chunk)}`,
    );
  }
  if (!Array.isArray(outcome.children)) {
    throw new RangeError(`Map Run ${mapRunId} chunk ${outcome.chunk}: outcome.children must be an array`);
  }
  outcome.children.forEach((child, index) => {
    const where = `Map Run ${mapRunId} chunk ${outcome.chunk}: outcome.children[${index}]`;
    if (!CHILD_STATUSES.has(child.status)) {
      throw new RangeError(
        `${where}.status must be SUCCEEDED, FAILED, TIMED_OUT or ABORTED, got ${String(child.status)}`,
      );
    }
    if (!isCount(child.items)) {
      throw new RangeError(`${where}.items must be a non-negative integer, got ${String(child.items)}`);
    }
  });
}

/**
 * Throws a RangeError naming the bad field when `record` cannot be written: `create` takes version
 * 1 (the record's first), `update` any later version.
 */
export function checkMapRunRecord(record: MapRunRecord, operation: 'create' | 'update'): void {
  checkMapRunId(record.mapRunId);
  const lowest = operation === 'create' ? 1 : 2;
  const highest = operation === 'create' ? 1 : Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(record.version) || record.version < lowest || record.version > highest) {
    throw new RangeError(
      `Map Run ${record.mapRunId}: the version of a record to ${operation} must be ` +
        `${operation === 'create' ? '1' : 'an integer of 2 or more'}, got ${String(record.version)}`,
    );
  }
}

/** Throws a RangeError unless `chunks` (how many chunks a run dispatched) is a non-negative integer. */
export function checkChunkCount(mapRunId: string, chunks: number): void {
  checkMapRunId(mapRunId);
  if (!isCount(chunks)) {
    throw new RangeError(`Map Run ${mapRunId}: chunks must be a non-negative integer, got ${String(chunks)}`);
  }
}

/** Throws a RangeError when `mapRunId` is empty or not a string. */
export function checkMapRunId(mapRunId: string): void {
  if (typeof mapRunId !== 'string' || mapRunId.length === 0) {
    throw new RangeError(`mapRunId must be a non-empty string, got ${JSON.stringify(mapRunId)}`);
  }
}

const CHILD_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
