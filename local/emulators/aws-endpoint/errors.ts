/**
 * Errors the local AWS endpoint answers with. Each carries the error code the real service returns
 * for the same mistake, and the HTTP status; the server renders it in the protocol of the service
 * that was called (see `server.ts`), so the SDK raises the same named exception as against AWS.
 */

/** An error answered to the caller. `code` is the AWS error code (`QueueDoesNotExist`, ...). */
export class AwsApiError extends Error {
  override readonly name = 'AwsApiError';
  readonly code: string;
  readonly status: number;
  /**
   * SQS only: the code of the `x-amzn-query-error` header (SQS's JSON protocol keeps its older
   * query-protocol codes there, e.g. `AWS.SimpleQueueService.NonExistentQueue`). @default `code`
   */
  readonly queryCode: string | undefined;

  constructor(code: string, message: string, options: { status?: number; queryCode?: string } = {}) {
    super(message);
    this.code = code;
    this.status = options.status ?? 400;
    this.queryCode = options.queryCode;
  }
}

/** A request the endpoint does not implement: the error names the service and the operation. */
export function unknownOperation(what: string): AwsApiError {
  return new AwsApiError('UnknownOperationException', `The local AWS endpoint does not implement ${what}`);
}

/** A request field that is missing or of the wrong type. */
export function validationError(message: string, code = 'ValidationException'): AwsApiError {
  return new AwsApiError(code, message);
}
