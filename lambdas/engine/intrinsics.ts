/**
 * The 18 intrinsic functions of Amazon States Language (JSONPath mode).
 * IMPLEMENTATION PENDING (being written now) — signatures are final.
 */
import type { Json } from './json.js';

/** What an intrinsic call needs from its surroundings. */
export interface IntrinsicEnvironment {
  /** Reads a JSONPath argument (`$.x`, `$$.Execution.Id`); throws a StatesError when it does not exist. */
  readonly readPath: (path: string) => Json;
  /** A number in [0, 1) from the execution's seeded source (never Math.random). */
  readonly random: () => number;
}

/** A parsed intrinsic function call. */
export type IntrinsicCall = {
  readonly type: 'call';
  readonly name: string;
  readonly args: readonly IntrinsicArgument[];
};

export type IntrinsicArgument =
  | IntrinsicCall
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'path'; readonly path: string };

/** A malformed intrinsic call (found at validation time). */
export class IntrinsicSyntaxError extends Error {
  override readonly name = 'IntrinsicSyntaxError';
}

/** True when a `.$` value is an intrinsic function call rather than a path. */
export function isIntrinsicCall(expression: string): boolean {
  return expression.startsWith('States.');
}

/** Parses `States.Format('{}', $.name)`. Throws IntrinsicSyntaxError. */
export function parseIntrinsic(_expression: string): IntrinsicCall {
  throw new IntrinsicSyntaxError('not implemented');
}

/** Evaluates a parsed call. Throws IntrinsicFailureError (`States.IntrinsicFailure`). */
export function evaluateIntrinsic(_call: IntrinsicCall, _env: IntrinsicEnvironment): Json {
  throw new Error('not implemented');
}
