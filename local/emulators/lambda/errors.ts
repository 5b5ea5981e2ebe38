/**
 * Errors of the local Lambda emulation. Names follow the Lambda API's error codes where Lambda
 * has one for the same mistake.
 */

/** An event source mapping Lambda would refuse to create (batch size, concurrency, timeouts). */
export class InvalidEventSourceMappingError extends Error {
  override readonly name = 'InvalidParameterValueException';
  /** The option at fault, as the mapping's options name it. */
  readonly option: string;

  constructor(option: string, reason: string) {
    super(`${option}: ${reason}`);
    this.option = option;
  }
}

/** A call to `context.done`/`succeed`/`fail`, which async handlers replace by returning or throwing. */
export class UnsupportedContextMethodError extends Error {
  override readonly name = 'UnsupportedContextMethodError';
  readonly method: string;

  constructor(method: string) {
    super(
      `context.${method}() is not supported by the local runtime: return a value or throw from the async handler`,
    );
    this.method = method;
  }
}
