/**
 * The behaviours every MapRunStore shares, run against each implementation (DynamoDB on dynalite,
 * in memory) with `describeMapRunStore`, and the factories of records and outcomes they use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MapRunConflictError,
  type ChildOutcome,
  type ChunkOutcome,
  type MapRunRecord,
  type MapRunStore,
} from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import { NO_COUNTS, addCounts, chunkCounts } from '../../lambdas/runtime/distributed-map/map-run-counts.js';

/** A Map Run record at version 1, with `fields` over the defaults. */
export function mapRunRecord(mapRunId: string, fields: Partial<MapRunRecord> = {}): MapRunRecord {
  return {
    mapRunId,
    executionId: `exec-of-${mapRunId}`,
    mapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:Orders/Fanout:${mapRunId}`,
    request: { itemReader: { bucket: 'orders', key: 'orders.csv' }, maxConcurrency: 1000 },
    status: 'RUNNING',
    readerDone: false,
    itemsRead: 0,
    chunks: 0,
    children: 0,
    tick: 0,
    idleTicks: 0,
    startDate: Date.UTC(2026, 0, 1),
    redriveCount: 0,
    version: 1,
    ...fields,
  };
}

/** A child's outcome: child `child` took `items` items from item `child * 10`. */
export function childOutcome(
  child: number,
  status: ChildOutcome['status'],
  items = 1,
  output?: unknown,
): ChildOutcome {
  return {
    child,
    firstItem: child * 10,
    items,
    status,
    input: { orderId: `order-${child}` },
    ...(status === 'SUCCEEDED'
      ? { output: (output ?? { charged: child }) as ChildOutcome['output'] }
      : { error: 'States.TaskFailed', cause: `child ${child} ended ${status}` }),
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:Orders/Fanout:child-${child}`,
    name: `child-${child}`,
    startDate: Date.UTC(2026, 0, 1),
    stopDate: Date.UTC(2026, 0, 1, 0, 1),
  };
}

/** A chunk whose children all ended `status`, each with one item. */
export function chunkOutcome(chunk: number, status: ChildOutcome['status'], children = 2): ChunkOutcome {
  return {
    chunk,
    children: Array.from({ length: children }, (_, i) => childOutcome(chunk * children + i, status)),
  };
}

/** Everything `iterable` yields. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** How a suite gets a store: a fresh one per suite, closed after it. */
export interface MapRunStoreWiring {
  readonly name: string;
  start(): Promise<{ store: MapRunStore; close?: () => Promise<void> }>;
}

/** The behaviours of a MapRunStore, on the store `wiring` starts. */
export function describeMapRunStore(wiring: MapRunStoreWiring): void {
  describe(`the Map Run store on ${wiring.name}`, () => {
    let store: MapRunStore;
    let close: (() => Promise<void>) | undefined;
    let runs = 0;
    /** A run id of its own for each test, so that tests share the store but no run. */
    const newRun = () => `run-${++runs}`;

    beforeAll(async () => {
      ({ store, close } = await wiring.start());
    });

    afterAll(async () => {
      await close?.();
    });

    it('creates a record and loads it back', async () => {
      const id = newRun();
      const record = mapRunRecord(id, { cursor: { key: 'orders.csv', offset: 0 } });

      expect(await store.create(record)).toEqual(record);
      expect(await store.load(id)).toEqual(record);
    });

    it('knows no record of a run never created', async () => {
      expect(await store.load('run-never-created')).toBeUndefined();
    });

    it('keeps the first record when a run is created twice, and answers it', async () => {
      const id = newRun();
      const first = mapRunRecord(id, { itemsRead: 1 });
      await store.create(first);

      expect(await store.create(mapRunRecord(id, { itemsRead: 2 }))).toEqual(first);
      expect(await store.load(id)).toEqual(first);
    });

    it('writes an update on top of the version it follows', async () => {
      const id = newRun();
      await store.create(mapRunRecord(id));
      const second = mapRunRecord(id, { version: 2, itemsRead: 1000, chunks: 10, cursor: { offset: 42 } });
      const third = { ...second, version: 3, status: 'SUCCEEDED' as const, stopDate: Date.UTC(2026, 0, 2) };

      await store.update(second);
      await store.update(third);

      expect(await store.load(id)).toEqual(third);
    });

    it('refuses an update that does not follow the stored version, and keeps the stored record', async () => {
      const id = newRun();
      await store.create(mapRunRecord(id));
      const winner = mapRunRecord(id, { version: 2, tick: 1 });
      await store.update(winner);

      const stale = store.update(mapRunRecord(id, { version: 2, tick: 7 }));
      await expect(stale).rejects.toThrow(MapRunConflictError);
      await expect(stale).rejects.toMatchObject({ mapRunId: id, expectedVersion: 1 });
      await expect(store.update(mapRunRecord(id, { version: 4 }))).rejects.toThrow(MapRunConflictError);
      expect(await store.load(id)).toEqual(winner);
    });

    it('refuses an update of a run never created', async () => {
      await expect(store.update(mapRunRecord(newRun(), { version: 2 }))).rejects.toThrow(MapRunConflictError);
    });

    it('refuses to create a record at another version than 1', async () => {
      await expect(store.create(mapRunRecord(newRun(), { version: 3 }))).rejects.toThrow(
        'the version of a record to create must be 1, got 3',
      );
    });

    it('keeps the first outcome of a chunk recorded twice, answers it both times and counts it once', async () => {
      const id = newRun();
      const first = chunkOutcome(5, 'SUCCEEDED', 3);

      expect(await store.recordChunk(id, first)).toEqual(first);
      expect(await store.recordChunk(id, chunkOutcome(5, 'FAILED', 1))).toEqual(first);

      expect(await store.counts(id)).toEqual({
        ...NO_COUNTS,
        chunksEnded: 1,
        succeeded: 3,
        itemsSucceeded: 3,
      });
      expect(await collect(store.chunks(id, 6))).toEqual([first]);
    });

    it('counts children and items by status over every chunk', async () => {
      const id = newRun();
      await store.recordChunk(id, {
        chunk: 0,
        children: [childOutcome(0, 'SUCCEEDED', 4), childOutcome(1, 'TIMED_OUT', 2)],
      });
      await store.recordChunk(id, {
        chunk: 1,
        children: [
          childOutcome(2, 'FAILED', 3),
          childOutcome(3, 'ABORTED', 1),
          childOutcome(4, 'SUCCEEDED', 1),
        ],
      });

      expect(await store.counts(id)).toEqual({
        chunksEnded: 2,
        succeeded: 2,
        failed: 1,
        timedOut: 1,
        aborted: 1,
        itemsSucceeded: 5,
        itemsFailed: 3,
        itemsTimedOut: 2,
        itemsAborted: 1,
      });
    });

    it('counts nothing for a run with no chunk recorded', async () => {
      expect(await store.counts(newRun())).toEqual(NO_COUNTS);
    });

    it('counts each of 100 chunks exactly once when 200 calls, repeats racing their firsts, record them at once', async () => {
      const id = newRun();
      // 67 is odd, so the chunks fall in every one of 32 shards, and reach past the first
      // counter block (200 chunks a shard) of some.
      const numbers = Array.from({ length: 100 }, (_, i) => i * 67);
      const calls = numbers.flatMap((chunk, i) => [
        { chunk, outcome: chunkOutcome(chunk, 'SUCCEEDED', 1 + (i % 3)) },
        // Every other repeat says something else (a re-run child that ended otherwise).
        {
          chunk,
          outcome:
            i % 2 === 0 ? chunkOutcome(chunk, 'SUCCEEDED', 1 + (i % 3)) : chunkOutcome(chunk, 'FAILED', 2),
        },
      ]);

      const answers = await Promise.all(calls.map(({ outcome }) => store.recordChunk(id, outcome)));

      const stored = await collect(store.chunks(id, 99 * 67 + 1));
      expect(stored.map((outcome) => outcome.chunk)).toEqual(numbers);
      // Both calls of a chunk answer the outcome that stayed.
      const storedByChunk = new Map(stored.map((outcome) => [outcome.chunk, outcome]));
      calls.forEach((call, i) => expect(answers[i]).toEqual(storedByChunk.get(call.chunk)));
      const expected = stored.reduce((sum, outcome) => addCounts(sum, chunkCounts(outcome)), NO_COUNTS);
      expect(expected.chunksEnded).toBe(100);
      expect(await store.counts(id)).toEqual(expected);
    });

    it('gives the recorded chunks below the count in chunk order, across shards and gaps', async () => {
      const id = newRun();
      // Recorded out of order; 2, 4-32, 34 and 36-63 never end; 100 is past the count asked for.
      for (const chunk of [70, 3, 0, 33, 64, 100, 1, 35]) {
        await store.recordChunk(id, chunkOutcome(chunk, chunk % 2 === 0 ? 'SUCCEEDED' : 'FAILED', 1));
      }

      const chunks = await collect(store.chunks(id, 71));

      expect(chunks.map((outcome) => outcome.chunk)).toEqual([0, 1, 3, 33, 35, 64, 70]);
      expect(chunks[2]).toEqual(chunkOutcome(3, 'FAILED', 1));
      expect(await collect(store.chunks(id, 0))).toEqual([]);
      expect(await collect(store.chunks(newRun(), 10))).toEqual([]);
    });

    it('keeps runs apart', async () => {
      const [a, b] = [newRun(), newRun()];
      await store.recordChunk(a, chunkOutcome(0, 'SUCCEEDED'));
      await store.recordChunk(b, chunkOutcome(0, 'FAILED'));

      expect((await store.counts(a)).succeeded).toBe(2);
      expect((await store.counts(a)).failed).toBe(0);
      expect(await collect(store.chunks(b, 1))).toEqual([chunkOutcome(0, 'FAILED')]);
    });

    it('stores copies: changing a value given or answered changes nothing stored', async () => {
      const id = newRun();
      const record = mapRunRecord(id, { cursor: { offset: 1 } });
      const outcome = chunkOutcome(0, 'SUCCEEDED', 1);
      await store.create(record);
      const answered = await store.recordChunk(id, outcome);

      (record.cursor as { offset: number }).offset = 99;
      ((await store.load(id))?.cursor as { offset: number }).offset = 98;
      for (const child of [...outcome.children, ...answered.children]) {
        (child.input as { orderId: string }).orderId = 'changed';
      }

      expect((await store.load(id))?.cursor).toEqual({ offset: 1 });
      expect(await collect(store.chunks(id, 1))).toEqual([chunkOutcome(0, 'SUCCEEDED', 1)]);
    });

    it('refuses an outcome it cannot count, naming the bad field, and stores nothing', async () => {
      const id = newRun();
      const bad = { chunk: 0, children: [{ ...childOutcome(0, 'SUCCEEDED'), items: -1 }] };

      await expect(store.recordChunk(id, bad)).rejects.toThrow(
        'outcome.children[0].items must be a non-negative integer',
      );
      await expect(store.recordChunk(id, { chunk: 1.5, children: [] })).rejects.toThrow(RangeError);
      await expect(collect(store.chunks(id, -1))).rejects.toThrow(
        'chunks must be a non-negative integer, got -1',
      );
      expect(await store.counts(id)).toEqual(NO_COUNTS);
    });
  });
}
