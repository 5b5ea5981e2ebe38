/**
 * What the engine needs of the jsonata library, and how it receives it. The library itself, in the
 * synchronous form the engine runs (see scripts/generate-jsonata-sync.ts for why and how it is
 * generated), is ./bundled-jsonata.ts: the compiler and the validator take it as an argument instead
 * of importing it, so that a wiring can leave it out until a workflow uses JSONata (the
 * orchestrator Lambda loads it then, `lambdas/orchestrator/handler.ts`). The public
 * `compileWorkflow` and `validateDefinition` pass it themselves.
 */

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

/** A JSONata expression met where the compiler or the validator was given no jsonata library. */
export class JsonataUnavailableError extends Error {
  override readonly name = 'JsonataUnavailableError';
}

/** Nesting deeper than any valid definition (validation stops at 128 levels). */
const MAX_SCAN_DEPTH = 512;

/**
 * True when `definition` may hold a JSONata state: some object in it, at any depth (the machine, a
 * state, a Parallel branch's or a Map processor's state), has `"QueryLanguage": "JSONata"`. Only
 * JSONata states have expressions to parse, and a state is in JSONata only when it or its machine
 * says so. It may answer true for a definition that validation then refuses; never false for one
 * with a JSONata state.
 */
export function definitionUsesJsonata(definition: unknown): boolean {
  const visit = (value: unknown, depth: number): boolean => {
    if (typeof value !== 'object' || value === null || depth > MAX_SCAN_DEPTH) return false;
    if (Array.isArray(value)) return value.some((item) => visit(item, depth + 1));
    const record = value as Readonly<Record<string, unknown>>;
    if (record.QueryLanguage === 'JSONata') return true;
    return Object.values(record).some((item) => visit(item, depth + 1));
  };
  return visit(definition, 0);
}
