/**
 * A state's compiled JSONata-mode fields and `Assign` blocks (workflow variables), in both
 * query languages.
 */
import type { JsonObject } from './json.js';
import type { JsonataFactory } from './jsonata/library.js';
import { compileJsonataTemplate, type JsonataTemplate } from './jsonata/query.js';
import { compileTemplate, type CompiledTemplate } from './payload-template.js';

/**
 * An `Assign` block: in JSONPath mode a payload template (`name.$` keys read paths, intrinsics and
 * variables; other keys are constants, `{% %}` strings included); in JSONata mode a template whose
 * `{% %}` strings are expressions.
 */
export type CompiledAssign =
  | { readonly language: 'JSONPath'; readonly template: CompiledTemplate }
  | { readonly language: 'JSONata'; readonly template: JsonataTemplate };

/**
 * Compiles an `Assign` block, of a JSONata state when `isJsonata` (its expressions parsed with
 * `library`); `field` names it in error causes (`Assign`, `Catch/0/Assign`).
 */
export function compileAssign(
  assign: JsonObject,
  isJsonata: boolean,
  field: string,
  library: JsonataFactory | undefined,
): CompiledAssign {
  return isJsonata
    ? { language: 'JSONata', template: compileJsonataTemplate(assign, field, library) }
    : { language: 'JSONPath', template: compileTemplate(assign) };
}

/** A Choice rule of a JSONata state. */
export interface JsonataChoiceRule {
  readonly condition: JsonataTemplate;
  readonly next: string;
  readonly output: JsonataTemplate | undefined;
}

/** The JSONata-mode fields of a state, compiled; absent fields are undefined. */
/** The JSONata fields of a Distributed Map state (`undefined` when absent). */
export interface DistributedJsonataFields {
  readonly readerArguments: JsonataTemplate | undefined;
  readonly maxItems: JsonataTemplate | undefined;
  readonly writerArguments: JsonataTemplate | undefined;
  readonly maxItemsPerBatch: JsonataTemplate | undefined;
  readonly maxInputBytesPerBatch: JsonataTemplate | undefined;
  readonly batchInput: JsonataTemplate | undefined;
  readonly toleratedFailurePercentage: JsonataTemplate | undefined;
  readonly toleratedFailureCount: JsonataTemplate | undefined;
}

export interface JsonataFields {
  readonly arguments: JsonataTemplate | undefined;
  readonly output: JsonataTemplate | undefined;
  readonly items: JsonataTemplate | undefined;
  readonly itemSelector: JsonataTemplate | undefined;
  readonly maxConcurrency: JsonataTemplate | undefined;
  readonly timeoutSeconds: JsonataTemplate | undefined;
  readonly heartbeatSeconds: JsonataTemplate | undefined;
  readonly seconds: JsonataTemplate | undefined;
  readonly timestamp: JsonataTemplate | undefined;
  readonly error: JsonataTemplate | undefined;
  readonly cause: JsonataTemplate | undefined;
  /** Choice states: the rules, in order. */
  readonly choices: readonly JsonataChoiceRule[];
  /** A Task's `Compensate.Arguments`. */
  readonly compensateArguments: JsonataTemplate | undefined;
  /** A Distributed Map's JSONata fields besides Items, ItemSelector and MaxConcurrency. */
  readonly distributed?: DistributedJsonataFields;
  /**
   * True when some expression of the state (its catchers' and Assign's included) may read
   * `$states.context`: only then is the context object built for its evaluations.
   */
  readonly usesContext: boolean;
}
