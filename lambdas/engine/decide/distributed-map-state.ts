/**
 * Map in DISTRIBUTED mode: resolves the state's fields against its input (ItemReader's
 * Parameters / Arguments, MaxItems, ItemBatcher, MaxConcurrency, the tolerated failure,
 * ResultWriter's destination), then dispatches the whole run as one task on
 * {@link MAP_RUN_RESOURCE} and waits for it as a Task does: the run's end comes back as the task's
 * result (the state output: the results, or ResultWriter's `{MapRunArn, ResultWriterDetails}`) or
 * its failure (`States.ExceedToleratedFailureThreshold`, `States.ItemReaderFailed`,
 * `States.ResultWriterFailed`), which Retry and Catch match as usual; a Retry starts a new run.
 *
 * Given to the compiler (`CompileOptions.distributedMap`) rather than imported by the Map state, so
 * that the orchestrator Lambda loads it with the first workflow that has a Distributed Map.
 */
import type { CompiledState, DistributedMapExecutor } from '../compile.js';
import type { ItemReader, MapState, StateMachineDefinition } from '../definition.js';
import {
  isDistributedMap,
  MAP_RUN_RESOURCE,
  type MapRunOutcome,
  type MapRunRequest,
  type ResolvedReaderConfig,
} from '../distributed-map.js';
import type { DistributedJsonataFields } from '../assign.js';
import type { JsonataFactory } from '../jsonata/library.js';
import { compileJsonataTemplate } from '../jsonata/query.js';
import { QueryEvaluationError, StatesRuntimeError } from '../errors.js';
import type { Thread, Waiting } from '../execution.js';
import { isJsonObject, type Json, type JsonObject } from '../json.js';
import { truncate } from '../json-path.js';
import { evaluateJsonataTemplate, type JsonataTemplate } from '../jsonata/query.js';
import { compileTemplate, evaluateTemplate } from '../payload-template.js';
import {
  contextObject,
  inputPath,
  jsonataScope,
  readRequired,
  sizeError,
  templateScope,
} from './data-flow.js';
import type { Decider } from './decider.js';
import { SUSPENDED, type Outcome } from './outcome.js';
import { encodeTaskToken } from './timer-id.js';
import { variablesOf } from './variables.js';

/** Runs a Distributed Map state: resolves its fields and dispatches its Map Run. */
function executeDistributedMap(d: Decider, thread: Thread, state: CompiledState, def: MapState): Outcome {
  // A redrive redrives the Map Run that failed; any other run of the state (a Retry) starts anew.
  const redriven = d.takeResume(thread, 'Map')?.mapRunArn;
  const { unfinished: _forgotten, ...active } = thread.active;
  const token = encodeTaskToken({
    owner: { type: 'state', threadId: thread.id, entryId: active.entryId },
    attempt: active.attempt,
  });
  const resolved = state.jsonata
    ? jsonataRequest(d, thread, state, def, token)
    : jsonPathRequest(d, thread, state, def, token);
  const request: MapRunRequest = redriven !== undefined ? { ...resolved, redriveOf: redriven } : resolved;
  const input = request as unknown as Json;
  const tooBig = sizeError(d, input, `The input of Map state '${active.name}'`);
  if (tooBig) throw tooBig;
  // No deadline: a Map state has no TimeoutSeconds; the run ends, fails or is stopped.
  const waiting: Waiting = { type: 'Task', token, resource: MAP_RUN_RESOURCE, lastHeartbeatAt: d.env.now };
  d.setActive(thread, { ...active, waiting });
  d.record('MapStateStarted', { stateName: active.name, threadId: thread.id });
  d.commands.push({
    type: 'DispatchTask',
    token,
    resource: MAP_RUN_RESOURCE,
    input,
    stateName: active.name,
    attempt: active.attempt,
    idempotencyKey: `${d.exec.executionId}:${active.entryId}`,
    compensation: false,
  });
  return SUSPENDED;
}

/** The parts of a request every query language fills the same way. */
function baseRequest(
  d: Decider,
  thread: Thread,
  state: CompiledState,
  def: MapState,
  input: Json,
  token: string,
): Pick<
  MapRunRequest,
  'stateName' | 'label' | 'executionType' | 'processor' | 'language' | 'input' | 'context' | 'variables'
> {
  const processor = (def.ItemProcessor ?? def.Iterator) as NonNullable<MapState['ItemProcessor']>;
  const { ProcessorConfig: config, ...body } = processor;
  const definition: StateMachineDefinition = { ...body, QueryLanguage: state.language };
  const variables = d.env.workflow.usesVariables ? variablesOf(d, thread) : undefined;
  return {
    stateName: state.name,
    label: def.Label ?? state.name,
    executionType: config?.ExecutionType ?? 'STANDARD',
    processor: definition as unknown as JsonObject,
    language: state.language,
    input,
    context: contextObject(d, thread, token) as JsonObject,
    ...(variables !== undefined && Object.keys(variables).length > 0
      ? { variables: variables as JsonObject }
      : {}),
  };
}

function jsonPathRequest(
  d: Decider,
  thread: Thread,
  state: CompiledState,
  def: MapState,
  token: string,
): MapRunRequest {
  const effective = inputPath(d, thread, state, thread.active.input);
  const scope = templateScope(d, thread, effective, token);
  const evaluate = (template: JsonObject | undefined): JsonObject =>
    template === undefined ? {} : (evaluateTemplate(compileTemplate(template), scope) as JsonObject);
  const number = (value: number | string | undefined, path: string | undefined, field: string) => {
    if (path !== undefined) return readNumber(readRequired(d, thread, path, effective, field), field, path);
    return typeof value === 'number' ? value : undefined;
  };
  const base = baseRequest(d, thread, state, def, effective, token);
  const reader = def.ItemReader;
  let items: Json[] | undefined;
  if (!reader) {
    const selected =
      def.ItemsPath !== undefined
        ? readRequired(d, thread, def.ItemsPath, effective, 'ItemsPath')
        : effective;
    if (!Array.isArray(selected)) {
      throw new StatesRuntimeError(
        `The ItemsPath '${def.ItemsPath ?? '$'}' of Map state '${state.name}' must select an array, got ${truncate(JSON.stringify(selected))}`,
      );
    }
    items = selected;
  }
  const batcher = def.ItemBatcher;
  const batchInput =
    batcher?.BatchInput === undefined
      ? undefined
      : isJsonObject(batcher.BatchInput)
        ? evaluate(batcher.BatchInput)
        : batcher.BatchInput;
  const maxItems = number(reader?.ReaderConfig?.MaxItems, reader?.ReaderConfig?.MaxItemsPath, 'MaxItemsPath');
  const writer = def.ResultWriter;
  return finish({
    ...base,
    ...(items !== undefined ? { items } : {}),
    ...(reader ? { reader: readerOf(reader, evaluate(reader.Parameters)) } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
    ...(state.parameters ? { itemSelector: (def.ItemSelector ?? def.Parameters) as Json } : {}),
    ...(batcher
      ? {
          batcher: definedFields({
            maxItemsPerBatch: number(
              batcher.MaxItemsPerBatch,
              batcher.MaxItemsPerBatchPath,
              'MaxItemsPerBatchPath',
            ),
            maxInputBytesPerBatch: number(
              batcher.MaxInputBytesPerBatch,
              batcher.MaxInputBytesPerBatchPath,
              'MaxInputBytesPerBatchPath',
            ),
            batchInput,
          }),
        }
      : {}),
    maxConcurrency: number(def.MaxConcurrency, def.MaxConcurrencyPath, 'MaxConcurrencyPath') ?? 0,
    ...definedFields({
      toleratedFailurePercentage: number(
        def.ToleratedFailurePercentage,
        def.ToleratedFailurePercentagePath,
        'ToleratedFailurePercentagePath',
      ),
      toleratedFailureCount: number(
        def.ToleratedFailureCount,
        def.ToleratedFailureCountPath,
        'ToleratedFailureCountPath',
      ),
    }),
    ...(writer ? { resultWriter: writerOf(writer, evaluate(writer.Parameters), state.name) } : {}),
  });
}

function jsonataRequest(
  d: Decider,
  thread: Thread,
  state: CompiledState,
  def: MapState,
  token: string,
): MapRunRequest {
  const fields = state.jsonata as NonNullable<CompiledState['jsonata']>;
  const distributed = fields.distributed;
  const input = thread.active.input;
  const scope = jsonataScope(d, thread, input, { token });
  const value = (template: JsonataTemplate | undefined): Json | undefined =>
    template === undefined ? undefined : evaluateJsonataTemplate(template, scope);
  const number = (template: JsonataTemplate | undefined, field: string): number | undefined => {
    const read = value(template);
    return read === undefined ? undefined : readNumber(read, field, undefined);
  };
  const object = (template: JsonataTemplate | undefined, field: string): JsonObject => {
    const read = value(template);
    if (read === undefined) return {};
    if (!isJsonObject(read)) {
      throw new QueryEvaluationError(
        `The value of the field '${field}' of Map state '${state.name}' must be an object, got ${truncate(JSON.stringify(read))}`,
      );
    }
    return read;
  };
  const base = baseRequest(d, thread, state, def, input, token);
  let items: Json[] | undefined;
  if (!def.ItemReader) {
    const selected = fields.items ? evaluateJsonataTemplate(fields.items, scope) : input;
    if (!Array.isArray(selected)) {
      throw new QueryEvaluationError(
        `The value of the field 'Items' of Map state '${state.name}' must be an array, got ${truncate(JSON.stringify(selected))}`,
      );
    }
    items = selected;
  }
  const maxItems = number(distributed?.maxItems, 'MaxItems');
  const batcher = def.ItemBatcher;
  const batchInput = value(distributed?.batchInput);
  return finish({
    ...base,
    ...(items !== undefined ? { items } : {}),
    ...(def.ItemReader
      ? { reader: readerOf(def.ItemReader, object(distributed?.readerArguments, 'ItemReader/Arguments')) }
      : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
    ...(def.ItemSelector !== undefined ? { itemSelector: def.ItemSelector } : {}),
    ...(batcher
      ? {
          batcher: definedFields({
            maxItemsPerBatch: number(distributed?.maxItemsPerBatch, 'MaxItemsPerBatch'),
            maxInputBytesPerBatch: number(distributed?.maxInputBytesPerBatch, 'MaxInputBytesPerBatch'),
            batchInput,
          }),
        }
      : {}),
    maxConcurrency: fields.maxConcurrency ? (number(fields.maxConcurrency, 'MaxConcurrency') ?? 0) : 0,
    ...definedFields({
      toleratedFailurePercentage: number(
        distributed?.toleratedFailurePercentage,
        'ToleratedFailurePercentage',
      ),
      toleratedFailureCount: number(distributed?.toleratedFailureCount, 'ToleratedFailureCount'),
    }),
    ...(def.ResultWriter
      ? {
          resultWriter: writerOf(
            def.ResultWriter,
            object(distributed?.writerArguments, 'ResultWriter/Arguments'),
            state.name,
          ),
        }
      : {}),
  });
}

/** Checks the resolved numbers' ranges (the Path and JSONata forms are only known now). */
function finish(request: MapRunRequest): MapRunRequest {
  const where = `Map state '${request.stateName}'`;
  const whole = (value: number | undefined, field: string, min: number, max?: number) => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
      throw new StatesRuntimeError(
        `The ${field} of ${where} must be an integer from ${min}${max !== undefined ? ` to ${max}` : ''}, got ${value}`,
      );
    }
  };
  whole(request.maxConcurrency, 'MaxConcurrency', 0);
  whole(request.maxItems, 'MaxItems', 0, 100_000_000);
  whole(request.batcher?.maxItemsPerBatch, 'MaxItemsPerBatch', 1);
  whole(request.batcher?.maxInputBytesPerBatch, 'MaxInputBytesPerBatch', 1, 262_144);
  whole(request.toleratedFailureCount, 'ToleratedFailureCount', 0);
  const percentage = request.toleratedFailurePercentage;
  if (percentage !== undefined && !(percentage >= 0 && percentage <= 100)) {
    throw new StatesRuntimeError(
      `The ToleratedFailurePercentage of ${where} must be a number from 0 to 100, got ${percentage}`,
    );
  }
  return request;
}

function readerOf(reader: ItemReader, parameters: JsonObject): NonNullable<MapRunRequest['reader']> {
  const { MaxItems: _maxItems, MaxItemsPath: _maxItemsPath, ...config } = reader.ReaderConfig ?? {};
  return {
    resource: reader.Resource,
    parameters,
    readerConfig: config as ResolvedReaderConfig,
  };
}

function writerOf(
  writer: NonNullable<MapState['ResultWriter']>,
  parameters: JsonObject,
  stateName: string,
): NonNullable<MapRunRequest['resultWriter']> {
  let destination: { bucket: string; prefix: string } | undefined;
  if (writer.Resource !== undefined) {
    const { Bucket: bucket, Prefix: prefix } = parameters;
    if (typeof bucket !== 'string' || bucket.length === 0) {
      throw new StatesRuntimeError(
        `The ResultWriter of Map state '${stateName}' must give a Bucket (a non-empty string), got ${truncate(JSON.stringify(bucket ?? null))}`,
      );
    }
    if (prefix !== undefined && typeof prefix !== 'string') {
      throw new StatesRuntimeError(
        `The ResultWriter Prefix of Map state '${stateName}' must be a string, got ${truncate(JSON.stringify(prefix))}`,
      );
    }
    destination = { bucket, prefix: prefix ?? '' };
  }
  const config = writer.WriterConfig;
  return definedFields({
    destination,
    transformation: config?.Transformation,
    outputType: config?.OutputType,
  });
}

function readNumber(value: Json, field: string, path: string | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatesRuntimeError(
      `The ${field}${path !== undefined ? ` '${path}'` : ''} must select a number, got ${truncate(JSON.stringify(value))}`,
    );
  }
  return value;
}

function definedFields<T extends object>(fields: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** The history of a Map Run's wait, in place of a task's: Step Functions' Map Run events. */
function recordMapRun(d: Decider, thread: Thread, outcome: MapRunOutcome): void {
  const stateName = thread.active.name;
  const threadId = thread.id;
  switch (outcome.type) {
    case 'started': {
      const arn = isJsonObject(outcome.submitted) ? outcome.submitted.MapRunArn : undefined;
      d.record('MapRunStarted', {
        stateName,
        threadId,
        ...(typeof arn === 'string' ? { mapRunArn: arn } : {}),
      });
      return;
    }
    case 'succeeded':
      d.record('MapRunSucceeded', { stateName, threadId });
      d.record('MapStateSucceeded', { stateName, threadId });
      return;
    case 'failed':
      d.record('MapRunFailed', { stateName, threadId, error: outcome.error, cause: outcome.cause });
      d.record('MapStateFailed', { stateName, threadId, error: outcome.error, cause: outcome.cause });
      return;
    case 'aborted':
      d.record('MapRunAborted', { stateName, threadId });
      d.record('MapStateAborted', { stateName, threadId });
      return;
  }
}

/** A Distributed Map's JSONata fields, compiled; undefined for an inline Map. */
function distributedJsonataFields(
  definition: MapState,
  jsonata: JsonataFactory | undefined,
): DistributedJsonataFields | undefined {
  if (!isDistributedMap(definition)) return undefined;
  const optional = (value: Json | undefined, field: string): JsonataTemplate | undefined =>
    value === undefined ? undefined : compileJsonataTemplate(value, field, jsonata);
  const { ItemReader: reader, ItemBatcher: batcher, ResultWriter: writer } = definition;
  return {
    readerArguments: optional(reader?.Arguments, 'ItemReader/Arguments'),
    maxItems: optional(reader?.ReaderConfig?.MaxItems, 'ItemReader/ReaderConfig/MaxItems'),
    writerArguments: optional(writer?.Arguments, 'ResultWriter/Arguments'),
    maxItemsPerBatch: optional(batcher?.MaxItemsPerBatch, 'ItemBatcher/MaxItemsPerBatch'),
    maxInputBytesPerBatch: optional(batcher?.MaxInputBytesPerBatch, 'ItemBatcher/MaxInputBytesPerBatch'),
    batchInput: optional(batcher?.BatchInput, 'ItemBatcher/BatchInput'),
    toleratedFailurePercentage: optional(definition.ToleratedFailurePercentage, 'ToleratedFailurePercentage'),
    toleratedFailureCount: optional(definition.ToleratedFailureCount, 'ToleratedFailureCount'),
  };
}

/** The Distributed Map executor the compiler is given (`CompileOptions.distributedMap`). */
export const distributedMapExecutor: DistributedMapExecutor = {
  execute: executeDistributedMap,
  record: recordMapRun,
  compileJsonataFields: distributedJsonataFields,
};
