/**
 * The jsonata library, in the synchronous form the engine runs (see
 * scripts/generate-jsonata-sync.ts for why and how it is generated), with the types the engine uses.
 */
import generated from './jsonata-sync.generated.js';

/** What jsonata throws: an object with an error code (`S0201`, `T2001`, `D3030`, ...) and a message. */
export interface JsonataLibraryError {
  readonly code?: string;
  readonly position?: number;
  readonly token?: string;
  readonly message?: string;
}

/** A parsed expression. */
export interface JsonataCompiledExpression {
  /**
   * Evaluates the expression against `input` with `bindings` as variables (`$name`). Synchronous,
   * unlike the published library; `nowMillis` is what `$now()` and `$millis()` return.
   */
  evaluate(
    input: unknown,
    bindings: Readonly<Record<string, unknown>> | undefined,
    callback: undefined,
    nowMillis: number,
  ): unknown;
  /** The parsed syntax tree. */
  ast(): unknown;
  /** Binds `name` in the expression's own environment (jsonata's hooks use symbols). */
  assign(name: string | symbol, value: unknown): void;
}

/** Parses `expression`; throws a {@link JsonataLibraryError} on a syntax error. */
export type JsonataFactory = (expression: string) => JsonataCompiledExpression;

/** jsonata 2.0.6's `jsonata(expression)`, evaluating synchronously. */
export const jsonata = generated as unknown as JsonataFactory;
