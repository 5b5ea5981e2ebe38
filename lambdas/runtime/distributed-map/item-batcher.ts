/**
 * ItemBatcher and the tolerated-failure rule of a Distributed Map, as pure functions.
 *
 * See https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html and
 * https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
 */
import {
  MAX_INPUT_BYTES_PER_BATCH,
  maxInputBytesPerBatchProblem,
  maxItemsPerBatchProblem,
} from '../../engine/item-batcher-rules.js';
import type { Json, JsonObject } from '../../engine/json.js';
import { ExceedToleratedFailureThresholdError, ItemReaderFailedError } from './errors.js';

export { MAX_INPUT_BYTES_PER_BATCH } from '../../engine/item-batcher-rules.js';

/** ItemBatcher's fields, with any `...Path` form already resolved to a number. */
export interface ItemBatcherConfig {
  /** `MaxItemsPerBatch`. @default no item limit (only the byte limit applies) */
  readonly maxItemsPerBatch?: number;
  /** `MaxInputBytesPerBatch`. @default 256 KiB */
  readonly maxInputBytesPerBatch?: number;
  /** `BatchInput`: the same JSON added to every batch. @default none */
  readonly batchInput?: JsonObject;
}

/** A batch: the input of one child execution, `{ BatchInput?, Items }`. */
export interface ItemBatch {
  readonly input: JsonObject;
  /** Number of items in the batch: a failed batch counts this many failed items. */
  readonly itemCount: number;
  /** UTF-8 length of the input serialized as JSON. */
  readonly bytes: number;
}

/** Checks ItemBatcher's numbers (the validator's rules); returns one message per problem, each naming its field. */
export function validateItemBatcher(config: ItemBatcherConfig): string[] {
  const problems: string[] = [];
  const { maxItemsPerBatch, maxInputBytesPerBatch } = config;
  const items = maxItemsPerBatch === undefined ? undefined : maxItemsPerBatchProblem(maxItemsPerBatch);
  if (items !== undefined) problems.push(`MaxItemsPerBatch ${items}; got ${maxItemsPerBatch}.`);
  const bytes =
    maxInputBytesPerBatch === undefined ? undefined : maxInputBytesPerBatchProblem(maxInputBytesPerBatch);
  if (bytes !== undefined) problems.push(`MaxInputBytesPerBatch ${bytes}; got ${maxInputBytesPerBatch}.`);
  return problems;
}

function byteLength(value: Json): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Groups items into batches. A batch closes when it holds `maxItemsPerBatch` items, or when the
 * next item would make the batch's input — `{"BatchInput":...,"Items":[...]}` serialized as JSON,
 * BatchInput included — longer than `maxInputBytesPerBatch` bytes. An item that alone exceeds
 * the byte limit fails with `States.ItemReaderFailed` naming its index (assumption: the docs do
 * not say which error Step Functions raises there).
 */
export async function* batchItems(
  items: AsyncIterable<Json> | Iterable<Json>,
  config: ItemBatcherConfig,
): AsyncGenerator<ItemBatch> {
  const problems = validateItemBatcher(config);
  if (problems.length > 0) throw new RangeError(problems.join(' '));
  const maxItems = config.maxItemsPerBatch ?? Number.POSITIVE_INFINITY;
  const maxBytes = config.maxInputBytesPerBatch ?? MAX_INPUT_BYTES_PER_BATCH;
  const prefix: JsonObject = config.batchInput === undefined ? {} : { BatchInput: config.batchInput };
  // Bytes of the input with an empty Items array: `{"BatchInput":...,"Items":[]}`.
  const emptyBytes = byteLength({ ...prefix, Items: [] });
  let batch: Json[] = [];
  let bytes = emptyBytes;
  let index = 0;
  const close = (): ItemBatch => {
    const closed = { input: { ...prefix, Items: batch }, itemCount: batch.length, bytes };
    batch = [];
    bytes = emptyBytes;
    return closed;
  };
  for await (const item of items) {
    const itemBytes = byteLength(item);
    if (emptyBytes + itemBytes > maxBytes) {
      throw new ItemReaderFailedError(
        `Item ${index} is ${itemBytes} bytes: a batch holding it alone exceeds MaxInputBytesPerBatch (${maxBytes}).`,
      );
    }
    const added = itemBytes + (batch.length > 0 ? 1 : 0); // the comma between items
    if (batch.length > 0 && bytes + added > maxBytes) yield close();
    bytes += itemBytes + (batch.length > 0 ? 1 : 0);
    batch.push(item);
    index += 1;
    if (batch.length >= maxItems) yield close();
  }
  if (batch.length > 0) yield close();
}

/** `ToleratedFailurePercentage` and `ToleratedFailureCount`, with their Path forms resolved. */
export interface ToleratedFailure {
  /** `ToleratedFailurePercentage`, 0 to 100. @default 0 */
  readonly percentage?: number;
  /** `ToleratedFailureCount`, 0 or more. @default 0 */
  readonly count?: number;
}

/**
 * Resolves a `ToleratedFailurePercentagePath` / `ToleratedFailureCountPath` value (or a literal).
 * A value that is not a number, and a count that is not a whole number, fail naming the Path field
 * and the value; a value out of range fails naming the field. The texts are those Step Functions
 * gives (as the tail of the States.Runtime cause, after "An error occurred while executing the
 * state '<name>' (entered at the event id #<n>). "), from LocalStack's AWS-recorded snapshot
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json, tests
 * `test_map_state_tolerated_failure_count_path[...]` and
 * `test_map_state_tolerated_failure_percentage_path[...]`. AWS ends the not-a-number text with
 * ": <the path>", which the caller, knowing the path, appends.
 */
export function resolveToleratedFailure(
  value: Json | undefined,
  field: 'ToleratedFailurePercentage' | 'ToleratedFailureCount',
): number | undefined {
  if (value === undefined) return undefined;
  const isCount = field === 'ToleratedFailureCount';
  const isNumber = typeof value === 'number' && Number.isFinite(value);
  if (!isNumber || (isCount && !Number.isInteger(value))) {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    throw new RangeError(
      `The ${field}Path field refers to value "${shown}" which is not a valid ${isCount ? 'integer' : 'float'}`,
    );
  }
  if (isCount && value < 0) throw new RangeError('ToleratedFailureCount cannot be negative.');
  if (!isCount && (value < 0 || value > 100)) {
    throw new RangeError('ToleratedFailurePercentage must be between 0 and 100.');
  }
  return value;
}

/** Item counts of a Map Run at one moment. */
export interface FailureCounts {
  /** Items whose child execution (or batch) failed, timed out or was aborted. */
  readonly failedItems: number;
  /** All items of the run (known once the reader has finished). */
  readonly totalItems: number;
}

/**
 * True when the run has failed more items than it tolerates: more than `count` items, or a
 * failed share of all items above `percentage` percent. With neither set, one failed item is
 * too many. Items of a failed batch all count as failed.
 */
export function exceedsToleratedFailure(counts: FailureCounts, tolerated: ToleratedFailure): boolean {
  const { failedItems, totalItems } = counts;
  if (failedItems === 0) return false;
  const overCount = failedItems > (tolerated.count ?? (tolerated.percentage === undefined ? 0 : Infinity));
  const overPercentage =
    tolerated.percentage !== undefined &&
    totalItems > 0 &&
    (failedItems / totalItems) * 100 > tolerated.percentage;
  return overCount || overPercentage;
}

/** Throws `States.ExceedToleratedFailureThreshold` when {@link exceedsToleratedFailure}. */
export function checkToleratedFailure(counts: FailureCounts, tolerated: ToleratedFailure): void {
  if (!exceedsToleratedFailure(counts, tolerated)) return;
  throw new ExceedToleratedFailureThresholdError(
    `The Map Run failed ${counts.failedItems} of ${counts.totalItems} items, more than tolerated (${describeTolerance(tolerated)}).`,
    counts.failedItems,
    counts.totalItems,
  );
}

function describeTolerance(tolerated: ToleratedFailure): string {
  const parts: string[] = [];
  if (tolerated.count !== undefined) parts.push(`ToleratedFailureCount ${tolerated.count}`);
  if (tolerated.percentage !== undefined) parts.push(`ToleratedFailurePercentage ${tolerated.percentage}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
