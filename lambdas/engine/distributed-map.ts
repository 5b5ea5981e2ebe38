/**
 * Distributed Map, as the engine sees it: the state resolves its fields against its input and hands
 * the whole run to the runtime as one dispatch on the internal resource {@link MAP_RUN_RESOURCE},
 * then waits for the run's end as a Task waits for its result (Retry, Catch, ResultSelector,
 * ResultPath and a stop work as for any task). The request is JSON: it travels in the outbox and
 * is kept in the Map Run's record.
 *
 * The per-item work that needs the state's scope (ItemSelector, with `$$.Map.Item`) is done by the
 * runtime (`item-input.ts`), from what the request carries (the state's input, its context object
 * and the variables it sees).
 *
 * See https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */
import type { Json, JsonObject } from './json.js';
import type { MapState, QueryLanguage, StateDefinition } from './definition.js';
import { isJsonObject } from './json.js';

export { MAP_RUN_RESOURCE } from './resource-names.js';

/** ItemReader.ReaderConfig with MaxItems resolved. */
export interface ResolvedReaderConfig {
  readonly InputType?: 'JSON' | 'JSONL' | 'CSV' | 'MANIFEST';
  readonly CSVHeaderLocation?: 'FIRST_ROW' | 'GIVEN';
  readonly CSVHeaders?: string[];
  readonly CSVDelimiter?: 'COMMA' | 'PIPE' | 'SEMICOLON' | 'SPACE' | 'TAB';
  readonly ManifestType?: 'ATHENA_DATA' | 'S3_INVENTORY';
  readonly Transformation?: 'NONE' | 'LOAD_AND_FLATTEN';
}

/** What a Distributed Map state asks the runtime to run: every field resolved against its input. */
export interface MapRunRequest {
  readonly stateName: string;
  /** The Map Run's label. @default the state name */
  readonly label: string;
  readonly executionType: 'STANDARD' | 'EXPRESS';
  /** The ItemProcessor as a state machine of its own: each child runs it. */
  readonly processor: JsonObject;
  /** The state's query language: the language of ItemSelector and BatchInput. */
  readonly language: QueryLanguage;
  /** The state's effective input (what ItemSelector's `$` / `$states.input` reads). */
  readonly input: Json;
  /** The state's context object (`$$`), without `Map`. */
  readonly context: JsonObject;
  /** The workflow variables the state sees, for ItemSelector. @default none */
  readonly variables?: JsonObject;
  /** The items, when there is no ItemReader (ItemsPath / Items). */
  readonly items?: Json[];
  /** The ItemReader, its Parameters / Arguments evaluated. */
  readonly reader?: {
    readonly resource: string;
    readonly parameters: JsonObject;
    readonly readerConfig: ResolvedReaderConfig;
  };
  /** ReaderConfig.MaxItems, resolved. @default all items */
  readonly maxItems?: number;
  /** ItemSelector as written (evaluated per item by {@link itemInput}). @default the item itself */
  readonly itemSelector?: Json;
  readonly batcher?: {
    readonly maxItemsPerBatch?: number;
    readonly maxInputBytesPerBatch?: number;
    readonly batchInput?: Json;
  };
  /** 0: as many as the runtime allows. */
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailureCount?: number;
  /** A redrive: the Map Run to redrive (its failed and pending items run again). @default a new run */
  readonly redriveOf?: string;
  readonly resultWriter?: {
    /** Bucket and Prefix, evaluated; absent with WriterConfig alone. */
    readonly destination?: { readonly bucket: string; readonly prefix: string };
    readonly transformation?: 'NONE' | 'COMPACT' | 'FLATTEN';
    readonly outputType?: 'JSON' | 'JSONL';
  };
}

/** What a Map Run's wait records in the history, in place of a task's events. */
export type MapRunOutcome =
  | { readonly type: 'started'; readonly submitted: Json }
  | { readonly type: 'succeeded' }
  | { readonly type: 'failed'; readonly error: string; readonly cause: string }
  | { readonly type: 'aborted' };

/** Whether a Map state runs in DISTRIBUTED mode. */
export function isDistributedMap(def: MapState): boolean {
  return (def.ItemProcessor ?? def.Iterator)?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/**
 * Whether a definition (not yet validated) has a Distributed Map state anywhere: a wiring then
 * loads the Distributed Map executor before it compiles the workflow.
 */
export function definitionUsesDistributedMap(definition: unknown): boolean {
  if (!isJsonObject(definition as Json) || !isJsonObject((definition as JsonObject).States ?? null))
    return false;
  for (const state of Object.values((definition as JsonObject).States as JsonObject)) {
    if (!isJsonObject(state)) continue;
    const def = state as unknown as StateDefinition;
    if (def.Type === 'Map') {
      if (isDistributedMap(def)) return true;
      if (definitionUsesDistributedMap(def.ItemProcessor ?? def.Iterator)) return true;
    }
    if (def.Type === 'Parallel' && Array.isArray(def.Branches)) {
      if (def.Branches.some((branch) => definitionUsesDistributedMap(branch))) return true;
    }
  }
  return false;
}
