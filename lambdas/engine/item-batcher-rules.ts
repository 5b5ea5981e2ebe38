/**
 * The number rules of a Distributed Map's ItemBatcher, shared by the validator (literal values)
 * and the runtime's batcher (values read through a `...Path` when the state runs).
 * See https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
 */

/** The largest batch, in bytes: a child execution's input limit (256 KiB). */
export const MAX_INPUT_BYTES_PER_BATCH = 256 * 1024;

/** What is wrong with a MaxItemsPerBatch value (a positive integer), or undefined when it is fine. */
export function maxItemsPerBatchProblem(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
    ? undefined
    : 'must be a positive integer';
}

/** What is wrong with a MaxInputBytesPerBatch value (an integer from 1 to 256 KiB), or undefined. */
export function maxInputBytesPerBatchProblem(value: unknown): string | undefined {
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    value > 0 &&
    value <= MAX_INPUT_BYTES_PER_BATCH
    ? undefined
    : `must be an integer from 1 to ${MAX_INPUT_BYTES_PER_BATCH}`;
}
