/**
 * Errors of the AWS adapters, and the one place that decides whether an AWS SDK failure is worth
 * retrying. Adapters turn a transient failure into the runtime's {@link TransientStoreError} (so
 * the inbox message is redelivered) and anything else into a named error below, or, for a task's
 * service integration, into a task failure named the way Step Functions names it.
 */
import { TransientStoreError } from '../runtime/ports.js';
import { exceptionName } from '../runtime/error-names.js';

/**
 * Error names that mean "slow down and try again". The AWS SDK's own list
 * (`@smithy/service-error-classification`), plus SQS's `KmsThrottled`.
 */
const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'KmsThrottled',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Server-side and timeout error names, for errors that arrive without an HTTP status (tests, proxies). */
const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
]);

/** Node.js socket error codes of a connection that broke before an answer came. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** The fields of an AWS SDK v3 exception this module reads; every one may be missing. */
interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * True when a retry may succeed: throttling (by name, by HTTP 429 or by the `$retryable.throttling`
 * trait), a server fault (`$fault: 'server'`, HTTP 5xx), a timeout or broken connection, or any
 * error the SDK marks `$retryable`. Everything else (validation, access denied, missing resource)
 * will fail the same way again.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;
  if (shape.$retryable !== undefined && shape.$retryable !== null) return true;
  if (shape.$fault === 'server') return true;
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  const name = typeof shape.name === 'string' ? shape.name : '';
  if (THROTTLING_ERROR_NAMES.has(name) || TRANSIENT_ERROR_NAMES.has(name)) return true;
  return typeof shape.code === 'string' && NETWORK_ERROR_CODES.has(shape.code);
}

/** The name of an error (an SDK exception's name is its error code), or `UnknownError`. */
export function errorName(error: unknown): string {
  if (error instanceof Error && error.name) return error.name;
  if (typeof error === 'object' && error !== null) {
    const name = (error as SdkErrorShape).name;
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return 'UnknownError';
}

/** The message of an error, or its string form. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The service prefixes Step Functions puts in front of an integration's error names. */
export type IntegrationService = 'SQS' | 'EventBridge' | 'Lambda' | 'DynamoDB';

/**
 * The ASL error name of a failed service call, as Step Functions names it:
 * `<Service>.<ErrorName>`, the error name always ending in `Exception` (AWS documents that the
 * suffix is added even where the service's own error code lacks it, e.g.
 * `S3.BucketAlreadyExistsException`). So SQS's `QueueDoesNotExist` becomes
 * `SQS.QueueDoesNotExistException`, Lambda's `ResourceNotFoundException` stays
 * `Lambda.ResourceNotFoundException`.
 */
export function integrationErrorName(service: IntegrationService, error: unknown): string {
  const name = errorName(error);
  return `${service}.${exceptionName(name)}`;
}

/** Wraps a transient failure of `operation` for the runtime, keeping the SDK error as `cause`. */
export function transientError(operation: string, error: unknown): TransientStoreError {
  return new TransientStoreError(
    `${operation} failed transiently (${errorName(error)}): ${errorMessage(error)}`,
    {
      cause: error,
    },
  );
}

/** Base class of the AWS adapters' own errors: an AWS call failed in a way a retry will not fix. */
export class AwsAdapterError extends Error {
  override readonly name: string = 'AwsAdapterError';
}

/** A message could not be sent to the orchestrator's inbox queue. */
export class InboxSendError extends AwsAdapterError {
  override readonly name = 'InboxSendError';
}

/** A timer could not be scheduled or cancelled on EventBridge Scheduler. */
export class TimerScheduleError extends AwsAdapterError {
  override readonly name = 'TimerScheduleError';
  constructor(
    message: string,
    readonly scheduleName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One domain event that EventBridge did not accept. */
export interface FailedPublication {
  /** The domain event's id. */
  readonly eventId: string;
  /** The per-entry `ErrorCode` of PutEvents, or the name of the exception the whole call threw. */
  readonly errorCode: string;
  readonly errorMessage?: string;
}

/**
 * Some domain events were still not accepted after the retries. `retryable` is true when every
 * remaining failure is of a kind a later attempt may fix (throttling, internal failure), so that
 * redelivering the inbox message (which publishes again, duplicates included) is worthwhile.
 */
export class PublishFailedError extends AwsAdapterError {
  override readonly name = 'PublishFailedError';
  constructor(
    readonly failures: readonly FailedPublication[],
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `EventBridge did not accept ${failures.length} event(s): ${failures
        .map((failure) => `${failure.eventId} (${failure.errorCode})`)
        .join(', ')}`,
      options,
    );
  }
}
