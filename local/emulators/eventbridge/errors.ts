/**
 * Errors of the local EventBridge bus. Each class's `name` is the error code EventBridge returns
 * for the same mistake, so code that handles SDK errors by name handles these too.
 */

/** An event pattern EventBridge would refuse; `errors` name each bad JSON path. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    super(`Event pattern is not valid:\n${errors.map((error) => `  - ${error}`).join('\n')}`);
    this.errors = errors;
  }
}

/** A PutEvents, PutRule or PutTargets request refused as a whole (too many entries, bad target...). */
export class EventBridgeValidationError extends Error {
  override readonly name = 'ValidationException';
  /** The request field at fault (`Entries`, `Targets[0].Id`, ...). */
  readonly field: string;

  constructor(field: string, reason: string, options?: ErrorOptions) {
    super(`${field}: ${reason}`, options);
    this.field = field;
  }
}
