import { describe, expect, it } from 'vitest';
import {
  NO_COUNTS,
  addCounts,
  checkChunkOutcome,
  checkMapRunRecord,
  chunkCounts,
} from '../../../../lambdas/runtime/distributed-map/map-run-counts.js';
import type {
  ChildOutcome,
  ChunkOutcome,
} from '../../../../lambdas/runtime/distributed-map/map-run-ports.js';
import { childOutcome, mapRunRecord } from '../../../helpers/map-run-store-behaviours.js';

describe('the counts of a chunk', () => {
  it('counts one chunk, its children by status and their items by their child status', () => {
    const outcome: ChunkOutcome = {
      chunk: 4,
      children: [
        childOutcome(0, 'SUCCEEDED', 3),
        childOutcome(1, 'SUCCEEDED', 2),
        childOutcome(2, 'FAILED', 5),
        childOutcome(3, 'TIMED_OUT', 1),
        childOutcome(4, 'ABORTED', 7),
      ],
    };

    expect(chunkCounts(outcome)).toEqual({
      chunksEnded: 1,
      succeeded: 2,
      failed: 1,
      timedOut: 1,
      aborted: 1,
      itemsSucceeded: 5,
      itemsFailed: 5,
      itemsTimedOut: 1,
      itemsAborted: 7,
    });
  });

  it('counts a chunk without children as one chunk ended', () => {
    expect(chunkCounts({ chunk: 0, children: [] })).toEqual({ ...NO_COUNTS, chunksEnded: 1 });
  });

  it('adds counts field by field', () => {
    const one = chunkCounts({ chunk: 0, children: [childOutcome(0, 'FAILED', 2)] });
    expect(addCounts(one, one)).toEqual({ ...NO_COUNTS, chunksEnded: 2, failed: 2, itemsFailed: 4 });
  });
});

describe('the checks of what a Map Run store keeps', () => {
  it('names a bad chunk number', () => {
    expect(() => checkChunkOutcome('run-1', { chunk: -1, children: [] })).toThrow(
      'Map Run run-1: outcome.chunk must be a non-negative integer, got -1',
    );
  });

  it('names the child with an unknown status or a bad item count', () => {
    const bad = { ...childOutcome(1, 'SUCCEEDED', 1), status: 'RUNNING' } as unknown as ChildOutcome;
    expect(() =>
      checkChunkOutcome('run-1', { chunk: 2, children: [childOutcome(0, 'FAILED', 1), bad] }),
    ).toThrow(
      'Map Run run-1 chunk 2: outcome.children[1].status must be SUCCEEDED, FAILED, TIMED_OUT or ABORTED, got RUNNING',
    );
    expect(() =>
      checkChunkOutcome('run-1', { chunk: 2, children: [{ ...childOutcome(0, 'FAILED', 1), items: 0.5 }] }),
    ).toThrow('Map Run run-1 chunk 2: outcome.children[0].items must be a non-negative integer, got 0.5');
  });

  it('rejects an empty Map Run id', () => {
    expect(() => checkChunkOutcome('', { chunk: 0, children: [] })).toThrow(
      'mapRunId must be a non-empty string, got ""',
    );
  });

  it('creates version 1 only, and updates to version 2 or later only', () => {
    expect(() => checkMapRunRecord(mapRunRecord('run-1', { version: 2 }), 'create')).toThrow(
      'Map Run run-1: the version of a record to create must be 1, got 2',
    );
    expect(() => checkMapRunRecord(mapRunRecord('run-1', { version: 1 }), 'update')).toThrow(
      'Map Run run-1: the version of a record to update must be an integer of 2 or more, got 1',
    );
    expect(() => checkMapRunRecord(mapRunRecord('run-1', { version: 1 }), 'create')).not.toThrow();
  });
});
