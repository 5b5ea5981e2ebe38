/**
 * Errors of the engine. Each class's `name` is the Amazon States Language error code, so that
 * Retry and Catch match on it directly; `message` is the cause.
 */

/** The error codes that Amazon States Language predefines. */
export const StatesErrors = {
  ALL: 'States.ALL',
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  Runtime: 'States.Runtime',
  DataLimitExceeded: 'States.DataLimitExceeded',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  BranchFailed: 'States.BranchFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  ItemReaderFailed: 'States.ItemReaderFailed',
  Permissions: 'States.Permissions',
  QueryEvaluationError: 'States.QueryEvaluationError',
} as const;

/** Base class of every error raised while an execution runs. `name` is the ASL error code. */
export class StatesError extends Error {
  constructor(
    /** The ASL error code, for example `States.TaskFailed` or a user code such as `PaymentDeclined`. */
    readonly code: string,
    cause: string,
    options?: { cause?: unknown },
  ) {
    super(cause, options);
    this.name = code;
  }
}

/** A path (InputPath, OutputPath, ItemsPath, a Choice variable, ...) could not be applied: `States.Runtime`. */
export class StatesRuntimeError extends StatesError {
  constructor(cause: string, options?: { cause?: unknown }) {
    super(StatesErrors.Runtime, cause, options);
  }
}

/** An intrinsic function failed (bad argument type, value out of range, ...): `States.IntrinsicFailure`. */
export class IntrinsicFailureError extends StatesError {
  constructor(cause: string, options?: { cause?: unknown }) {
    super(StatesErrors.IntrinsicFailure, cause, options);
  }
}

/** A field ending in `.$` of Parameters, ItemSelector or ResultSelector named a path that does not exist. */
export class ParameterPathFailureError extends StatesError {
  constructor(cause: string, options?: { cause?: unknown }) {
    super(StatesErrors.ParameterPathFailure, cause, options);
  }
}

/** ResultPath could not be applied to the state's input. */
export class ResultPathMatchFailureError extends StatesError {
  constructor(cause: string, options?: { cause?: unknown }) {
    super(StatesErrors.ResultPathMatchFailure, cause, options);
  }
}

/** A payload exceeded the size limit. Not caught by `States.ALL`; only by naming it. */
export class DataLimitExceededError extends StatesError {
  constructor(cause: string, options?: { cause?: unknown }) {
    super(StatesErrors.DataLimitExceeded, cause, options);
  }
}

/**
 * A JSONata expression failed (a type error, a function error), returned nothing (undefined) or
 * a value its field cannot take (a Condition that is not a boolean): `States.QueryEvaluationError`,
 * which Retry and Catch handle like any other error.
 */
export class QueryEvaluationError extends StatesError {
  constructor(
    cause: string,
    options?: { cause?: unknown },
    /** The field whose expression failed (`Arguments/id`), for the EvaluationFailed history event. */
    readonly location?: string,
  ) {
    super(StatesErrors.QueryEvaluationError, cause, options);
  }
}

/** One problem found in a definition, located by the JSON Pointer of the bad field. */
export interface DefinitionIssue {
  /** JSON Pointer (RFC 6901) of the bad field, for example `/States/Charge/Retry/0/BackoffRate`. */
  readonly pointer: string;
  /** What is wrong, for example `must be >= 1.0`. */
  readonly message: string;
}

/**
 * A definition is not valid Amazon States Language (or uses a feature Baton does not support yet).
 * The message starts with the first issue as `<pointer>: <message>`; `issues` lists them all.
 */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
  readonly issues: readonly DefinitionIssue[];

  constructor(issues: readonly DefinitionIssue[], options?: { cause?: unknown }) {
    const [first, ...rest] = issues;
    const head = first ? `${first.pointer || '/'}: ${first.message}` : 'invalid definition';
    super(
      rest.length > 0 ? `${head} (and ${rest.length} more: ${rest.map(formatIssue).join('; ')})` : head,
      options,
    );
    this.issues = issues;
  }
}

/** Formats an issue as `<pointer>: <message>`. */
export function formatIssue(issue: DefinitionIssue): string {
  return `${issue.pointer || '/'}: ${issue.message}`;
}
