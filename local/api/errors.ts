/**
 * Errors of the local HTTP API, on both sides. The server answers every failure as
 * `{ "error": { "code", "message" } }`; `code` is one of {@link ApiErrorCode}. The client turns
 * 404 and 409 back into the control's NotFoundError and ConflictError, so callers handle a local
 * instance and a deployed stack alike.
 */

/** The `code` of an error answer, and its HTTP status. */
export const ApiErrorCode = {
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  PayloadTooLarge: 413,
  InternalError: 500,
} as const;
export type ApiErrorCode = keyof typeof ApiErrorCode;

/** The body of an error answer. */
export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

/** A request the server refuses as it is (bad JSON, a missing or invalid field): 400. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

/** A request body over the server's limit: 413. */
export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`);
  }
}

/** Nothing answers at the instance's address (connection refused): start one first. */
export class NotRunningError extends Error {
  override readonly name = 'NotRunningError';
  constructor(
    readonly url: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    const reason = options?.reason ? ` (${options.reason})` : '';
    super(`No Baton instance is running at ${url}${reason} — start one with \`npm start\``, options);
  }
}

/** An error answer other than 404 and 409 (those become NotFoundError and ConflictError). */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
