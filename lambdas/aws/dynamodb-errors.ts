/**
 * Errors of the DynamoDB adapters, and the translation of DynamoDB SDK exceptions into the
 * domain errors of the ports (`VersionConflictError` is raised by the execution store itself).
 * All but {@link PayloadTooLargeError} (a `TransitionTooLargeError`, which the loop turns into a
 * smaller transition) are {@link AwsAdapterError}s: a retry will not fix them.
 */
import { TransitionTooLargeError } from '../runtime/ports.js';
import { AwsAdapterError, isTransient, transientError } from './aws-errors.js';

/** A snapshot is too large for a DynamoDB item and no payload store is configured to hold it. */
export class PayloadTooLargeError extends TransitionTooLargeError {
  override readonly name: string = 'PayloadTooLargeError';
  constructor(executionId: string, version: number, sizeBytes: number, limitBytes: number) {
    super(
      executionId,
      version,
      sizeBytes,
      limitBytes,
      `Execution ${executionId} version ${version} is ${sizeBytes} bytes encoded, over the ${limitBytes}-byte ` +
        'item limit, and no payload store is configured to offload it',
    );
  }
}

/** An item references an offloaded snapshot but the store has no payload store to read it from. */
export class PayloadStoreMissingError extends AwsAdapterError {
  override readonly name = 'PayloadStoreMissingError';
  constructor(
    readonly executionId: string,
    readonly ref: string,
  ) {
    super(`Execution ${executionId} has a snapshot offloaded to ${ref}, but no payload store is configured`);
  }
}

/** A stored item cannot be read back (unknown snapshot format, corrupt compression or JSON, missing attributes). */
export class CorruptItemError extends AwsAdapterError {
  override readonly name = 'CorruptItemError';
}

/** A `nextToken` that this store did not produce, or that belongs to a different query. */
export class InvalidNextTokenError extends AwsAdapterError {
  override readonly name = 'InvalidNextTokenError';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Invalid nextToken: ${reason}`, options);
  }
}

/** True when `error` is DynamoDB's ConditionalCheckFailedException. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * The domain error for an exception thrown by a DynamoDB call: throttling
 * (ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded), server
 * faults (InternalServerError, ServiceUnavailable, any 5xx) and broken connections become
 * the runtime's `TransientStoreError` with the original as `cause` (the classification is `isTransient`'s,
 * shared by all AWS adapters); anything else is returned unchanged, name and stack intact.
 */
export function translateDynamoDbError(error: unknown, operation: string): unknown {
  return isTransient(error) ? transientError(`DynamoDB ${operation}`, error) : error;
}
