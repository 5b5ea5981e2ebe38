/**
 * Errors of a Distributed Map run. Each class's `name` is the Amazon States Language error code,
 * so that the Map state's Retry and Catch match on it directly; `message` is the cause.
 */
import { StatesError } from '../../engine/errors.js';

/** The error codes a Distributed Map run raises, as Step Functions names them. */
export const DistributedMapErrors = {
  ItemReaderFailed: 'States.ItemReaderFailed',
  ResultWriterFailed: 'States.ResultWriterFailed',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
} as const;

/** Where in a dataset a reader was when it failed: a byte offset, and a line when it has one. */
export interface ReadPosition {
  /** Byte offset of the start of the bad item in the object being read. */
  readonly offset: number;
  /** One-based line number of the bad item, when the format is line-based. */
  readonly line?: number;
}

/** The dataset could not be read or an item in it is malformed: `States.ItemReaderFailed`. */
export class ItemReaderFailedError extends StatesError {
  constructor(
    cause: string,
    /** Where the reader was, when the failure is about one item. */
    readonly position?: ReadPosition,
    options?: { cause?: unknown },
  ) {
    super(DistributedMapErrors.ItemReaderFailed, cause, options);
  }
}

/** The results could not be written to Amazon S3: `States.ResultWriterFailed`. */
export class ResultWriterFailedError extends StatesError {
  constructor(cause: string, options?: { cause?: unknown }) {
    super(DistributedMapErrors.ResultWriterFailed, cause, options);
  }
}

/** More items failed than the Map state tolerates: `States.ExceedToleratedFailureThreshold`. */
export class ExceedToleratedFailureThresholdError extends StatesError {
  constructor(
    cause: string,
    readonly failedItems: number,
    readonly totalItems: number,
  ) {
    super(DistributedMapErrors.ExceedToleratedFailureThreshold, cause);
  }
}
