/**
 * Amazon States Language as TypeScript types, plus Baton's saga extension (`Compensate` on Task
 * states). These describe a definition that has passed validation.
 *
 * The numeric and text fields are typed as JSONPath mode has them. In a JSONata state
 * (`QueryLanguage: 'JSONata'`, on the state or the machine) several of them (TimeoutSeconds,
 * HeartbeatSeconds, Seconds, Timestamp, MaxConcurrency, Error, Cause) may instead be `{% %}`
 * strings: the engine never reads those fields of a JSONata state from here, only in their
 * compiled form (compile.ts).
 */
import type { Json, JsonObject } from './json.js';

/** A whole state machine, or the body of a Parallel branch or a Map's ItemProcessor. */
export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, StateDefinition>>;
  readonly Version?: string;
  readonly TimeoutSeconds?: number;
  /** @default 'JSONPath' */
  readonly QueryLanguage?: QueryLanguage;
}

/** The two query languages of Amazon States Language. */
export type QueryLanguage = 'JSONPath' | 'JSONata';

/** The body of a Parallel branch or a Map iteration. */
export interface BranchDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, StateDefinition>>;
  readonly ProcessorConfig?: ProcessorConfig;
}

/** A Map's ItemProcessor.ProcessorConfig: inline iterations, or a Distributed Map's child executions. */
export interface ProcessorConfig {
  /** @default 'INLINE' */
  readonly Mode?: 'INLINE' | 'DISTRIBUTED';
  /** DISTRIBUTED only: full child executions (STANDARD) or in-memory ones (EXPRESS). */
  readonly ExecutionType?: 'STANDARD' | 'EXPRESS';
}

/**
 * A Distributed Map's ItemReader: where the items come from (an S3 object read as JSON, JSONL, CSV
 * or a manifest; the object listing of `s3:listObjectsV2`).
 * See https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 */
export interface ItemReader {
  /** `arn:aws:states:::s3:getObject` or `arn:aws:states:::s3:listObjectsV2`. */
  readonly Resource: string;
  /** JSONPath mode: the S3 request (`Bucket`, `Key` / `Prefix`...), `.$` keys evaluated. */
  readonly Parameters?: JsonObject;
  /** JSONata mode: the S3 request, `{% %}` evaluated. */
  readonly Arguments?: Json;
  readonly ReaderConfig?: ReaderConfig;
}

/** ItemReader.ReaderConfig. */
export interface ReaderConfig {
  readonly InputType?: 'JSON' | 'JSONL' | 'CSV' | 'MANIFEST';
  /** CSV: where the column names come from. @default 'FIRST_ROW' */
  readonly CSVHeaderLocation?: 'FIRST_ROW' | 'GIVEN';
  readonly CSVHeaders?: readonly string[];
  /** CSV: @default 'COMMA' */
  readonly CSVDelimiter?: 'COMMA' | 'PIPE' | 'SEMICOLON' | 'SPACE' | 'TAB';
  /** MANIFEST: @default 'ATHENA_DATA' */
  readonly ManifestType?: 'ATHENA_DATA' | 'S3_INVENTORY';
  /** listObjectsV2: read each listed object as InputType and flatten their items. */
  readonly Transformation?: 'NONE' | 'LOAD_AND_FLATTEN';
  /** At most this many items (JSONata: may be `{% %}`). @default all */
  readonly MaxItems?: number | string;
  readonly MaxItemsPath?: string;
}

/** A Distributed Map's ItemBatcher: several items per child execution. */
export interface ItemBatcher {
  readonly MaxItemsPerBatch?: number | string;
  readonly MaxItemsPerBatchPath?: string;
  readonly MaxInputBytesPerBatch?: number | string;
  readonly MaxInputBytesPerBatchPath?: string;
  /** Added to each batch's input as `BatchInput` (JSONPath: `.$` keys evaluated). */
  readonly BatchInput?: Json;
}

/** A Distributed Map's ResultWriter: the children's results written to S3. */
export interface ResultWriter {
  /** `arn:aws:states:::s3:putObject`; absent with only WriterConfig (results transformed, not written). */
  readonly Resource?: string;
  readonly Parameters?: JsonObject;
  readonly Arguments?: Json;
  readonly WriterConfig?: WriterConfig;
}

/** ResultWriter.WriterConfig. */
export interface WriterConfig {
  /** @default NONE when results go to S3 without WriterConfig, COMPACT otherwise */
  readonly Transformation?: 'NONE' | 'COMPACT' | 'FLATTEN';
  /** @default 'JSON' */
  readonly OutputType?: 'JSON' | 'JSONL';
}

export type StateDefinition =
  TaskState | PassState | ChoiceState | WaitState | ParallelState | MapState | SucceedState | FailState;

export type StateType = StateDefinition['Type'];

interface Common {
  readonly Comment?: string;
  /** The state's query language. @default the machine's */
  readonly QueryLanguage?: QueryLanguage;
}

/** Fields of states that may assign workflow variables (all but Succeed and Fail). */
interface Assigning {
  /** Variables to set when the state completes: name to value (JSONPath: `.$` keys; JSONata: `{% %}`). */
  readonly Assign?: JsonObject;
}

/** JSONata mode's output field (all states but Fail). */
interface WithOutput {
  /** JSONata mode: the state output. @default the result, or the input for states without one */
  readonly Output?: Json;
}

/** Fields of a state that moves on: either `Next` or `End: true`. */
interface Transition {
  readonly Next?: string;
  readonly End?: boolean;
}

interface InputOutput {
  /** @default '$' — `null` passes `{}`. */
  readonly InputPath?: string | null;
  /** @default '$' — `null` passes `{}`. */
  readonly OutputPath?: string | null;
}

/** A retry policy. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  /** @default 1 */
  readonly IntervalSeconds?: number;
  /** @default 3 */
  readonly MaxAttempts?: number;
  /** @default 2.0 */
  readonly BackoffRate?: number;
  /** No cap when absent. */
  readonly MaxDelaySeconds?: number;
  /** @default 'NONE' */
  readonly JitterStrategy?: 'FULL' | 'NONE';
  readonly Comment?: string;
}

/** A fallback state for errors. */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  /** @default '$' */
  readonly ResultPath?: string | null;
  readonly Comment?: string;
  readonly Assign?: JsonObject;
  /** JSONata mode: the state output when this catcher handles the error. @default the error output */
  readonly Output?: Json;
}

/** Baton's saga extension: what undoes a Task's effect when the saga fails. */
export interface Compensation {
  readonly Resource: string;
  readonly InputPath?: string | null;
  readonly Parameters?: JsonObject;
  readonly Retry?: readonly Retrier[];
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly Comment?: string;
  /** JSONata mode: the compensation's input; `$states.input` is the step's input, `$states.result` its result. */
  readonly Arguments?: Json;
}

export interface TaskState extends Common, Transition, InputOutput, Assigning, WithOutput {
  readonly Type: 'Task';
  readonly Resource: string;
  /** JSONata mode: the task's input. @default the state input */
  readonly Arguments?: Json;
  readonly Parameters?: JsonObject;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number;
  readonly HeartbeatSecondsPath?: string;
  readonly Credentials?: JsonObject;
  readonly Compensate?: Compensation;
}

export interface PassState extends Common, Transition, InputOutput, Assigning, WithOutput {
  readonly Type: 'Pass';
  readonly Result?: Json;
  readonly Parameters?: JsonObject;
  readonly ResultPath?: string | null;
}

/** A Choice rule: a comparison, a combination (And/Or/Not), each optionally with `Next` at top level. */
export interface ChoiceRule {
  readonly Variable?: string;
  readonly And?: readonly ChoiceRule[];
  readonly Or?: readonly ChoiceRule[];
  readonly Not?: ChoiceRule;
  readonly Next?: string;
  readonly Comment?: string;
  /** JSONata mode: a `{% %}` expression that gives a boolean (or a boolean). */
  readonly Condition?: string | boolean;
  readonly Assign?: JsonObject;
  readonly Output?: Json;
  readonly [operator: string]: Json | readonly ChoiceRule[] | ChoiceRule | undefined;
}

export interface ChoiceState extends Common, InputOutput, Assigning, WithOutput {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

export interface WaitState extends Common, Transition, InputOutput, Assigning, WithOutput {
  readonly Type: 'Wait';
  readonly Seconds?: number;
  readonly Timestamp?: string;
  readonly SecondsPath?: string;
  readonly TimestampPath?: string;
}

export interface ParallelState extends Common, Transition, InputOutput, Assigning, WithOutput {
  readonly Type: 'Parallel';
  /** JSONata mode: the input of every branch. @default the state input */
  readonly Arguments?: Json;
  readonly Branches: readonly BranchDefinition[];
  readonly Parameters?: JsonObject;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

export interface MapState extends Common, Transition, InputOutput, Assigning, WithOutput {
  readonly Type: 'Map';
  /** JSONata mode: the items, an array or a `{% %}` expression. @default the state input */
  readonly Items?: Json;
  readonly ItemProcessor?: BranchDefinition;
  /** Legacy name of ItemProcessor. */
  readonly Iterator?: BranchDefinition;
  /** @default '$' */
  readonly ItemsPath?: string;
  readonly ItemSelector?: JsonObject;
  /** Legacy name of ItemSelector. */
  readonly Parameters?: JsonObject;
  /** 0 means no limit. @default 0 */
  readonly MaxConcurrency?: number;
  readonly MaxConcurrencyPath?: string;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
  /** Distributed: where the items come from. @default the state input (ItemsPath / Items) */
  readonly ItemReader?: ItemReader;
  /** Distributed: several items per child. @default one item per child */
  readonly ItemBatcher?: ItemBatcher;
  /** Distributed: where the results go. @default the state output holds them */
  readonly ResultWriter?: ResultWriter;
  /** Distributed: the Map Run's label (≤ 40 characters). @default the state name */
  readonly Label?: string;
  /** Distributed: the share (0-100) of failed items the run tolerates. @default 0 */
  readonly ToleratedFailurePercentage?: number | string;
  readonly ToleratedFailurePercentagePath?: string;
  /** Distributed: how many failed items the run tolerates. @default 0 */
  readonly ToleratedFailureCount?: number | string;
  readonly ToleratedFailureCountPath?: string;
}

export interface SucceedState extends Common, InputOutput, WithOutput {
  readonly Type: 'Succeed';
}

export interface FailState extends Common {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}
