/**
 * ItemBatcher and the tolerated-failure rule of a Distributed Map.
 *
 * Behaviour from the AWS documentation:
 * - ItemBatcher (Map): https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
 *   (items go into an `Items` array; `BatchInput` is added to every batch; MaxItemsPerBatch;
 *   MaxInputBytesPerBatch up to 256 KiB).
 * - Tolerated failure threshold: https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
 *   (percentage = failed or timed-out items / all items; default 0 fails on one failure; 100 never
 *   fails; with both values the run fails when either is exceeded; States.ExceedToleratedFailureThreshold).
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../../lambdas/engine/json.js';
import {
  ExceedToleratedFailureThresholdError,
  ItemReaderFailedError,
} from '../../../../lambdas/runtime/distributed-map/errors.js';
import {
  batchItems,
  checkToleratedFailure,
  exceedsToleratedFailure,
  resolveToleratedFailure,
  validateItemBatcher,
  type ItemBatch,
  type ItemBatcherConfig,
} from '../../../../lambdas/runtime/distributed-map/item-batcher.js';

async function batches(items: Json[], config: ItemBatcherConfig): Promise<ItemBatch[]> {
  const out: ItemBatch[] = [];
  for await (const batch of batchItems(items, config)) out.push(batch);
  return out;
}

describe('batchItems', () => {
  it('puts at most MaxItemsPerBatch items in each batch, under an Items key', async () => {
    const result = await batches([1, 2, 3, 4, 5], { maxItemsPerBatch: 2 });
    expect(result.map((batch) => batch.input)).toEqual([
      { Items: [1, 2] },
      { Items: [3, 4] },
      { Items: [5] },
    ]);
    expect(result.map((batch) => batch.itemCount)).toEqual([2, 2, 1]);
  });

  it('adds BatchInput to every batch', async () => {
    const result = await batches(['a', 'b', 'c'], { maxItemsPerBatch: 2, batchInput: { run: 'r1' } });
    expect(result.map((batch) => batch.input)).toEqual([
      { BatchInput: { run: 'r1' }, Items: ['a', 'b'] },
      { BatchInput: { run: 'r1' }, Items: ['c'] },
    ]);
  });

  it('builds the child input AWS records: BatchInput first, then Items', async () => {
    // LocalStack's AWS-recorded snapshot tests/aws/services/stepfunctions/v2/scenarios/
    // test_base_scenarios.snapshot.json, test_map_item_batching_base_json_max_per_batch_jsonata
    // (MaxItemsPerBatch 2, MaxInputBytesPerBatch 150000, BatchInput {"BatchTimestamp": ...}): the
    // first child's output, a Pass of its input, is this text.
    const items: Json[] = [
      { verdict: 'true', statement_date: '6/11/2008', statement_source: 'speech' },
      { verdict: 'false', statement_date: '6/7/2022', statement_source: 'television' },
      { verdict: 'mostly-true', statement_date: '5/18/2016', statement_source: 'news' },
    ];
    const [first] = await batches(items, {
      maxItemsPerBatch: 2,
      maxInputBytesPerBatch: 150_000,
      batchInput: { BatchTimestamp: 'date' },
    });
    expect(JSON.stringify(first?.input)).toBe(
      '{"BatchInput":{"BatchTimestamp":"date"},"Items":[{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},{"verdict":"false","statement_date":"6/7/2022","statement_source":"television"}]}',
    );
  });

  it('counts a batch in UTF-8 bytes of its serialized input, BatchInput included', async () => {
    const items: Json[] = ['é', { k: 'vvvvvv' }, 123, 'x'];
    for (const batch of await batches(items, { maxItemsPerBatch: 3, batchInput: { z: 'ü' } })) {
      expect(batch.bytes).toBe(Buffer.byteLength(JSON.stringify(batch.input), 'utf8'));
    }
  });

  it('closes a batch before the next item would exceed MaxInputBytesPerBatch', async () => {
    // {"Items":[]} is 12 bytes; each "xxxx" is 6 bytes, plus a comma after the first.
    const result = await batches(['xxxx', 'xxxx', 'xxxx', 'xxxx'], { maxInputBytesPerBatch: 25 });
    expect(result.map((batch) => batch.itemCount)).toEqual([2, 2]);
    expect(result.every((batch) => batch.bytes <= 25)).toBe(true);
    expect(result[0]?.bytes).toBe(25);
  });

  it('applies whichever of the two limits is reached first', async () => {
    const result = await batches(['a', 'b', 'c', 'd', 'e'], {
      maxItemsPerBatch: 2,
      maxInputBytesPerBatch: 1000,
    });
    expect(result.map((batch) => batch.itemCount)).toEqual([2, 2, 1]);
  });

  it('fails on an item that alone exceeds MaxInputBytesPerBatch, naming its index', async () => {
    await expect(batches(['ok', 'x'.repeat(100)], { maxInputBytesPerBatch: 50 })).rejects.toThrow(
      ItemReaderFailedError,
    );
    await expect(batches(['ok', 'x'.repeat(100)], { maxInputBytesPerBatch: 50 })).rejects.toThrow(
      /Item 1 is 102 bytes/,
    );
  });

  it('refuses limits out of range, naming the field', () => {
    expect(validateItemBatcher({ maxItemsPerBatch: 0 })).toEqual([
      'MaxItemsPerBatch must be a positive integer; got 0.',
    ]);
    expect(validateItemBatcher({ maxInputBytesPerBatch: 262_145 })[0]).toMatch(
      /^MaxInputBytesPerBatch must be an integer from 1 to 262144/,
    );
    expect(validateItemBatcher({ maxItemsPerBatch: 10, maxInputBytesPerBatch: 262_144 })).toEqual([]);
  });
});

describe('tolerated failures', () => {
  it('fails the run on the first failed item when no threshold is set', () => {
    expect(exceedsToleratedFailure({ failedItems: 0, totalItems: 10 }, {})).toBe(false);
    expect(exceedsToleratedFailure({ failedItems: 1, totalItems: 10 }, {})).toBe(true);
  });

  it('fails when the failed share exceeds ToleratedFailurePercentage, not when it equals it', () => {
    expect(exceedsToleratedFailure({ failedItems: 10, totalItems: 100 }, { percentage: 10 })).toBe(false);
    expect(exceedsToleratedFailure({ failedItems: 11, totalItems: 100 }, { percentage: 10 })).toBe(true);
  });

  it('never fails at 100 percent', () => {
    expect(exceedsToleratedFailure({ failedItems: 100, totalItems: 100 }, { percentage: 100 })).toBe(false);
  });

  it('fails when the failed count exceeds ToleratedFailureCount', () => {
    expect(exceedsToleratedFailure({ failedItems: 3, totalItems: 1000 }, { count: 3 })).toBe(false);
    expect(exceedsToleratedFailure({ failedItems: 4, totalItems: 1000 }, { count: 3 })).toBe(true);
  });

  it('with both set, fails when either is exceeded', () => {
    expect(exceedsToleratedFailure({ failedItems: 4, totalItems: 1000 }, { count: 3, percentage: 50 })).toBe(
      true,
    );
    expect(exceedsToleratedFailure({ failedItems: 3, totalItems: 4 }, { count: 10, percentage: 50 })).toBe(
      true,
    );
    expect(exceedsToleratedFailure({ failedItems: 2, totalItems: 4 }, { count: 10, percentage: 50 })).toBe(
      false,
    );
  });

  it('raises States.ExceedToleratedFailureThreshold with the counts', () => {
    let caught: unknown;
    try {
      checkToleratedFailure({ failedItems: 2, totalItems: 5 }, { count: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExceedToleratedFailureThresholdError);
    expect((caught as Error).name).toBe('States.ExceedToleratedFailureThreshold');
    expect((caught as ExceedToleratedFailureThresholdError).failedItems).toBe(2);
    expect(() => checkToleratedFailure({ failedItems: 1, totalItems: 5 }, { count: 1 })).not.toThrow();
  });

  // The texts are the tails of the States.Runtime causes in LocalStack's AWS-recorded snapshot
  // tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json, tests
  // test_map_state_tolerated_failure_count_path[...] and ..._percentage_path[...] (the keys below).
  it('resolves the Path forms: 0, 1, 1.1 and 100 are accepted ([0], [1], [1.1], [100])', () => {
    expect(resolveToleratedFailure(0, 'ToleratedFailureCount')).toBe(0);
    expect(resolveToleratedFailure(1, 'ToleratedFailureCount')).toBe(1);
    expect(resolveToleratedFailure(1.1, 'ToleratedFailurePercentage')).toBe(1.1);
    expect(resolveToleratedFailure(100, 'ToleratedFailurePercentage')).toBe(100);
    expect(resolveToleratedFailure(undefined, 'ToleratedFailureCount')).toBeUndefined();
  });

  it('refuses a value that is not a number, as AWS words it ([NoNumber], [tolerated_failure_*_value0])', () => {
    expect(() => resolveToleratedFailure('NoNumber', 'ToleratedFailureCount')).toThrow(
      'The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer',
    );
    expect(() => resolveToleratedFailure({}, 'ToleratedFailureCount')).toThrow(
      'The ToleratedFailureCountPath field refers to value "{}" which is not a valid integer',
    );
    expect(() => resolveToleratedFailure('NoNumber', 'ToleratedFailurePercentage')).toThrow(
      'The ToleratedFailurePercentagePath field refers to value "NoNumber" which is not a valid float',
    );
    expect(() => resolveToleratedFailure({}, 'ToleratedFailurePercentage')).toThrow(
      'The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float',
    );
    // Not recorded for the count; the MaxItemsPath test [1.5] words a fraction the same way.
    expect(() => resolveToleratedFailure(1.5, 'ToleratedFailureCount')).toThrow(
      'The ToleratedFailureCountPath field refers to value "1.5" which is not a valid integer',
    );
  });

  it('refuses values out of range, as AWS words it ([-1], [-1.1], [100.1])', () => {
    expect(() => resolveToleratedFailure(-1, 'ToleratedFailureCount')).toThrow(
      'ToleratedFailureCount cannot be negative.',
    );
    for (const value of [-1, -1.1, 100.1]) {
      expect(() => resolveToleratedFailure(value, 'ToleratedFailurePercentage')).toThrow(
        'ToleratedFailurePercentage must be between 0 and 100.',
      );
    }
  });
});
