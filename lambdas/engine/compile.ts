/**
 * Compiles a validated definition once into the form the reducer walks: every scope (the machine,
 * each Parallel branch, each Map processor) indexed by key, every path and template pre-parsed.
 * JSONata expressions are parsed with the jsonata library given to {@link compileWorkflowWith};
 * `compileWorkflow` (./compile-workflow.ts) gives it the bundled one.
 */
import {
  compileAssign,
  type CompiledAssign,
  type DistributedJsonataFields,
  type JsonataChoiceRule,
  type JsonataFields,
} from './assign.js';
import type {
  BranchDefinition,
  MapState,
  Compensation,
  QueryLanguage,
  StateDefinition,
  StateMachineDefinition,
} from './definition.js';
import { DefinitionError } from './errors.js';
import { definitionUsesDistributedMap } from './distributed-map.js';
import type { Decider } from './decide/decider.js';
import type { Thread } from './execution.js';
import type { Outcome } from './decide/outcome.js';
import type { MapRunOutcome } from './distributed-map.js';
import { compilePath, compileReferencePath, type CompiledPath } from './json-path.js';
import type { Json, JsonObject } from './json.js';
import { definitionUsesJsonata, JsonataUnavailableError, type JsonataFactory } from './jsonata/library.js';
import { compileJsonataTemplate, templateUsesContext, type JsonataTemplate } from './jsonata/query.js';
import { compileTemplate, type CompiledTemplate } from './payload-template.js';
import { compileCatcher, compileRetrier, type CatchPolicy, type RetryPolicy } from './retry.js';
import { compileVariablePath, isVariablePath, type VariablePath } from './variable-path.js';

/** The key of the top-level scope. */
export const ROOT_SCOPE = 'root';

/** A state machine ready to run. Immutable; safe to share between executions. */
export interface CompiledWorkflow {
  /** The name executions report as `$$.StateMachine.Name`. */
  readonly name: string;
  /** The id executions report as `$$.StateMachine.Id`. */
  readonly arn: string;
  readonly definition: StateMachineDefinition;
  readonly scopes: ReadonlyMap<string, CompiledScope>;
  /** Execution-level TimeoutSeconds in milliseconds, when set. */
  readonly timeoutMs: number | undefined;
  /** True when some state assigns variables (then executions keep variable frames). */
  readonly usesVariables: boolean;
  /** Runs its Distributed Map states; set when it has any. */
  readonly distributedMap?: DistributedMapExecutor;
}

/**
 * Runs a Distributed Map state (`decide/distributed-map-state.ts`): given to the compiler rather
 * than imported by the engine, so that the orchestrator Lambda loads it with the first workflow
 * that has one.
 */
export interface DistributedMapExecutor {
  /** Runs a Distributed Map state: resolves its fields and dispatches its Map Run. */
  readonly execute: (d: Decider, thread: Thread, state: CompiledState, def: MapState) => Outcome;
  /** Records a Map Run's events in place of a task's (its start, its end). */
  readonly record: (d: Decider, thread: Thread, outcome: MapRunOutcome) => void;
  /** Compiles a Distributed Map's JSONata fields; undefined for an inline Map. */
  readonly compileJsonataFields: (
    definition: MapState,
    jsonata: JsonataFactory | undefined,
  ) => DistributedJsonataFields | undefined;
}

/** One `States` container: the machine, a Parallel branch or a Map's processor. */
export interface CompiledScope {
  readonly key: string;
  readonly startAt: string;
  readonly states: ReadonlyMap<string, CompiledState>;
}

/** A state with its paths, templates and policies compiled. `undefined` means the field is absent. */
export interface CompiledState {
  readonly name: string;
  readonly scope: string;
  readonly definition: StateDefinition;
  /** `null` when the field is `null` (the state sees `{}`); undefined means `$` (or a variable, below). */
  readonly inputPath: CompiledPath | null | undefined;
  readonly outputPath: CompiledPath | null | undefined;
  /** InputPath or OutputPath when it reads a variable (`$name...`); `inputPath`/`outputPath` are then undefined. */
  readonly inputVariable: VariablePath | undefined;
  readonly outputVariable: VariablePath | undefined;
  readonly resultPath: CompiledPath | null | undefined;
  readonly parameters: CompiledTemplate | undefined;
  readonly resultSelector: CompiledTemplate | undefined;
  readonly retry: readonly RetryPolicy[];
  readonly catch: readonly CatchPolicy[];
  /** Keys of the Parallel branches' scopes. */
  readonly branches: readonly string[];
  /** Key of the Map processor's scope. */
  readonly processor: string | undefined;
  readonly itemsPath: CompiledPath | undefined;
  readonly compensate: CompiledCompensation | undefined;
  /** The state's query language (its own, or the machine's). */
  readonly language: QueryLanguage;
  /** A JSONata state's fields, compiled; undefined for a JSONPath state. */
  readonly jsonata: JsonataFields | undefined;
  /** The state's Assign (for a Choice state: applied when Default is taken). */
  readonly assign: CompiledAssign | undefined;
  /** A Choice state's rules' Assign, by rule index; undefined when no rule has one. */
  readonly ruleAssigns: readonly (CompiledAssign | undefined)[] | undefined;
}

/** A catcher with its Assign and (JSONata) Output compiled. */
export interface CompiledCatcher extends CatchPolicy {
  readonly assign: CompiledAssign | undefined;
  readonly output: JsonataTemplate | undefined;
}

/** A Task's `Compensate` block, compiled. */
export interface CompiledCompensation {
  readonly definition: Compensation;
  readonly inputPath: CompiledPath | null | undefined;
  readonly parameters: CompiledTemplate | undefined;
  readonly retry: readonly RetryPolicy[];
}

/** Options of {@link compileWorkflowWith} and `compileWorkflow`. */
export interface CompileOptions {
  /**
   * The state machine's name, as `$$.StateMachine.Name` reports it.
   * @default 'StateMachine'
   */
  readonly name?: string;
  /**
   * The state machine's id, as `$$.StateMachine.Id` reports it.
   * @default `arn:aws:states:us-east-1:123456789012:stateMachine:<name>` (Step Functions Local's form)
   */
  readonly arn?: string;
  /**
   * Runs Distributed Map states (`distributedMapExecutor`). @default none: a definition with a
   * Distributed Map does not compile
   */
  readonly distributedMap?: DistributedMapExecutor;
}

/**
 * Validates a definition and returns it typed, or throws DefinitionError naming every bad field:
 * `assertValidDefinitionWith` of `./definition-validator.ts`. Given to {@link compileWorkflowWith}
 * rather than imported here, so that the orchestrator Lambda loads the validator (about 30 KiB)
 * when it first compiles a workflow, not at init.
 */
export type DefinitionValidator = (
  definition: unknown,
  jsonata: JsonataFactory | undefined,
) => StateMachineDefinition;

const DEFAULT_NAME = 'StateMachine';
const byObject = new WeakMap<object, CompiledWorkflow>();
const byText = new Map<string, CompiledWorkflow>();
const TEXT_CACHE_LIMIT = 256;

/** Parses a definition's JSON text; a syntax error becomes a DefinitionError at the root. */
export function parseDefinitionText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DefinitionError([{ pointer: '', message: `not valid JSON: ${(error as Error).message}` }], {
      cause: error,
    });
  }
}

/**
 * Validates (with `validate`) and compiles a definition (an object or its JSON text), parsing its
 * JSONata expressions with `jsonata`. Throws DefinitionError naming the JSON Pointer of every bad field, and
 * JsonataUnavailableError when the definition has a JSONata state and no `jsonata` is given.
 * Compiling the same object again returns the cached result.
 */
export function compileWorkflowWith(
  definition: unknown,
  jsonata: JsonataFactory | undefined,
  validate: DefinitionValidator,
  options: CompileOptions = {},
): CompiledWorkflow {
  const name = options.name ?? DEFAULT_NAME;
  if (typeof definition === 'string') {
    const cached = byText.get(definition);
    if (cached && cached.name === name && (options.arn === undefined || cached.arn === options.arn))
      return cached;
    const workflow = compileWorkflowWith(parseDefinitionText(definition), jsonata, validate, options);
    if (byText.size >= TEXT_CACHE_LIMIT) byText.clear();
    byText.set(definition, workflow);
    return workflow;
  }
  if (typeof definition === 'object' && definition !== null) {
    const cached = byObject.get(definition);
    if (cached && cached.name === name && (options.arn === undefined || cached.arn === options.arn))
      return cached;
  }
  if (jsonata === undefined && definitionUsesJsonata(definition)) {
    throw new JsonataUnavailableError(
      `The workflow '${name}' has JSONata states (QueryLanguage 'JSONata'), and no jsonata library was given to compile it`,
    );
  }
  if (options.distributedMap === undefined && definitionUsesDistributedMap(definition)) {
    throw new DistributedMapUnavailableError(
      `The workflow '${name}' has a Distributed Map state, and no Distributed Map executor was given to compile it`,
    );
  }
  const valid = validate(definition, jsonata);
  const scopes = new Map<string, CompiledScope>();
  compileScope(ROOT_SCOPE, valid, scopes, {
    machineLanguage: valid.QueryLanguage ?? 'JSONPath',
    jsonata,
    distributedMap: options.distributedMap,
  });
  let usesVariables = false;
  for (const scope of scopes.values()) {
    for (const state of scope.states.values()) {
      if (state.assign || state.ruleAssigns || state.catch.some((c) => (c as CompiledCatcher).assign)) {
        usesVariables = true;
      }
    }
  }
  const workflow: CompiledWorkflow = {
    usesVariables,
    ...(options.distributedMap && definitionUsesDistributedMap(definition)
      ? { distributedMap: options.distributedMap }
      : {}),
    name,
    arn: options.arn ?? `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
    definition: valid,
    scopes,
    timeoutMs: valid.TimeoutSeconds === undefined ? undefined : valid.TimeoutSeconds * 1000,
  };
  if (typeof definition === 'object' && definition !== null) byObject.set(definition, workflow);
  return workflow;
}

/** What every state of a machine is compiled with. */
interface MachineContext {
  /** The machine's QueryLanguage, which its states inherit. */
  readonly machineLanguage: QueryLanguage;
  readonly jsonata: JsonataFactory | undefined;
  readonly distributedMap: DistributedMapExecutor | undefined;
}

function compileScope(
  key: string,
  body: StateMachineDefinition | BranchDefinition,
  scopes: Map<string, CompiledScope>,
  machine: MachineContext,
): void {
  const states = new Map<string, CompiledState>();
  scopes.set(key, { key, startAt: body.StartAt, states });
  for (const [name, definition] of Object.entries(body.States)) {
    states.set(name, compileState(key, name, definition, scopes, machine));
  }
}

/** A JSONata state's fields (validation checked their shapes; `{% %}` strings parse). */
function compileJsonataFields(definition: StateDefinition, machine: MachineContext): JsonataFields {
  const { jsonata } = machine;
  const raw = definition as unknown as Readonly<Record<string, Json | undefined>>;
  const template = (key: string): JsonataTemplate | undefined => {
    const value = raw[key];
    return value === undefined ? undefined : compileJsonataTemplate(value, key, jsonata);
  };
  const choices: JsonataChoiceRule[] = [];
  if (definition.Type === 'Choice') {
    definition.Choices.forEach((rule, index) => {
      choices.push({
        condition: compileJsonataTemplate(rule.Condition as Json, `Choices[${index}]/Condition`, jsonata),
        next: rule.Next as string,
        output:
          rule.Output === undefined
            ? undefined
            : compileJsonataTemplate(rule.Output, `Choices[${index}]/Output`, jsonata),
      });
    });
  }
  const compensate = definition.Type === 'Task' ? definition.Compensate?.Arguments : undefined;
  const fields = {
    arguments: template('Arguments'),
    output: template('Output'),
    items: template('Items'),
    itemSelector: template('ItemSelector'),
    maxConcurrency: template('MaxConcurrency'),
    timeoutSeconds: template('TimeoutSeconds'),
    heartbeatSeconds: template('HeartbeatSeconds'),
    seconds: template('Seconds'),
    timestamp: template('Timestamp'),
    error: template('Error'),
    cause: template('Cause'),
    choices,
    compensateArguments:
      compensate === undefined
        ? undefined
        : compileJsonataTemplate(compensate, 'Compensate/Arguments', jsonata),
  };
  const distributed =
    definition.Type === 'Map' ? machine.distributedMap?.compileJsonataFields(definition, jsonata) : undefined;
  const usesContext =
    Object.values(fields).some((value) => !Array.isArray(value) && templateUsesContext(value)) ||
    Object.values(distributed ?? {}).some((value) => templateUsesContext(value)) ||
    choices.some((rule) => templateUsesContext(rule.condition) || templateUsesContext(rule.output));
  return { ...fields, ...(distributed ? { distributed } : {}), usesContext };
}

/** Adds the state's Assign blocks and catchers to what may read `$states.context`. */
function withAssignContext(
  fields: JsonataFields,
  definition: StateDefinition,
  catchers: readonly CompiledCatcher[],
  jsonata: JsonataFactory | undefined,
): JsonataFields {
  if (fields.usesContext) return fields;
  const raw = definition as unknown as { Assign?: Json; Choices?: readonly { Assign?: Json }[] };
  const assigns: Json[] = [raw.Assign ?? null, ...(raw.Choices ?? []).map((rule) => rule.Assign ?? null)];
  const usesContext =
    assigns.some((assign) => templateUsesContext(compileJsonataTemplate(assign, 'Assign', jsonata))) ||
    catchers.some(
      (catcher) =>
        templateUsesContext(catcher.output) ||
        (catcher.assign?.language === 'JSONata' && templateUsesContext(catcher.assign.template)),
    );
  return usesContext ? { ...fields, usesContext } : fields;
}

function optionalAssign(
  assign: JsonObject | undefined,
  isJsonata: boolean,
  field: string,
  jsonata: JsonataFactory | undefined,
): CompiledAssign | undefined {
  return assign === undefined ? undefined : compileAssign(assign, isJsonata, field, jsonata);
}

function optionalPath(path: string | null | undefined): CompiledPath | null | undefined {
  if (path === null) return null;
  return path === undefined ? undefined : compilePath(path);
}

function variableOf(path: string | null | undefined): VariablePath | undefined {
  return typeof path === 'string' ? compileVariablePath(path) : undefined;
}

function optionalReferencePath(path: string | null | undefined): CompiledPath | null | undefined {
  if (path === null) return null;
  return path === undefined ? undefined : compileReferencePath(path);
}

function compileState(
  scope: string,
  name: string,
  definition: StateDefinition,
  scopes: Map<string, CompiledScope>,
  machine: MachineContext,
): CompiledState {
  const { jsonata } = machine;
  const language = definition.QueryLanguage ?? machine.machineLanguage;
  const isJsonata = language === 'JSONata';
  const branches: string[] = [];
  let processor: string | undefined;
  let itemsPath: CompiledPath | undefined;
  let parameters: CompiledTemplate | undefined;
  let resultSelector: CompiledTemplate | undefined;
  let resultPath: CompiledPath | null | undefined;
  let outputPath: CompiledPath | null | undefined;
  let inputPath: CompiledPath | null | undefined;
  let compensate: CompiledCompensation | undefined;
  let retry: RetryPolicy[] = [];
  let catchers: CompiledCatcher[] = [];

  let inputVariable: VariablePath | undefined;
  let outputVariable: VariablePath | undefined;
  if (definition.Type !== 'Fail') {
    inputVariable = variableOf(definition.InputPath);
    outputVariable = variableOf(definition.OutputPath);
    inputPath = inputVariable ? undefined : optionalPath(definition.InputPath);
    outputPath = outputVariable ? undefined : optionalPath(definition.OutputPath);
  }
  switch (definition.Type) {
    case 'Task':
    case 'Parallel':
    case 'Map':
      retry = (definition.Retry ?? []).map(compileRetrier);
      catchers = (definition.Catch ?? []).map((catcher, index): CompiledCatcher => ({
        ...compileCatcher(catcher),
        assign: optionalAssign(catcher.Assign, isJsonata, `Catch[${index}]/Assign`, jsonata),
        output:
          catcher.Output === undefined
            ? undefined
            : compileJsonataTemplate(catcher.Output, `Catch[${index}]/Output`, jsonata),
      }));
      resultPath = optionalReferencePath(definition.ResultPath);
      if (definition.ResultSelector) resultSelector = compileTemplate(definition.ResultSelector);
      break;
    case 'Pass':
      resultPath = optionalReferencePath(definition.ResultPath);
      break;
    case 'Choice':
    case 'Wait':
    case 'Succeed':
    case 'Fail':
      break;
  }
  switch (definition.Type) {
    case 'Task':
      if (definition.Parameters) parameters = compileTemplate(definition.Parameters);
      if (definition.Compensate) {
        const c = definition.Compensate;
        compensate = {
          definition: c,
          inputPath: optionalPath(c.InputPath),
          parameters: c.Parameters ? compileTemplate(c.Parameters) : undefined,
          retry: (c.Retry ?? []).map(compileRetrier),
        };
      }
      break;
    case 'Pass':
      if (definition.Parameters) parameters = compileTemplate(definition.Parameters);
      break;
    case 'Parallel':
      if (definition.Parameters) parameters = compileTemplate(definition.Parameters);
      definition.Branches.forEach((branch, index) => {
        const key = `${scope}/${name}/${index}`;
        branches.push(key);
        compileScope(key, branch, scopes, machine);
      });
      break;
    case 'Map': {
      const selector = definition.ItemSelector ?? definition.Parameters;
      if (selector) parameters = compileTemplate(selector);
      // A variable path (`$items`) is read when the state runs (data-flow.ts readRequired).
      itemsPath =
        definition.ItemsPath === undefined || isVariablePath(definition.ItemsPath)
          ? undefined
          : compileReferencePath(definition.ItemsPath);
      processor = `${scope}/${name}/items`;
      compileScope(
        processor,
        (definition.ItemProcessor ?? definition.Iterator) as BranchDefinition,
        scopes,
        machine,
      );
      break;
    }
    case 'Choice':
    case 'Wait':
    case 'Succeed':
    case 'Fail':
      break;
  }
  return {
    name,
    scope,
    definition,
    inputPath,
    outputPath,
    inputVariable,
    outputVariable,
    resultPath,
    parameters,
    resultSelector,
    retry,
    catch: catchers,
    branches,
    processor,
    itemsPath,
    compensate,
    language,
    jsonata: isJsonata
      ? withAssignContext(compileJsonataFields(definition, machine), definition, catchers, jsonata)
      : undefined,
    assign:
      definition.Type === 'Succeed' || definition.Type === 'Fail'
        ? undefined
        : optionalAssign(definition.Assign, isJsonata, 'Assign', jsonata),
    ruleAssigns:
      definition.Type === 'Choice' && definition.Choices.some((rule) => rule.Assign !== undefined)
        ? definition.Choices.map((rule, index) =>
            optionalAssign(rule.Assign, isJsonata, `Choices[${index}]/Assign`, jsonata),
          )
        : undefined,
  };
}

/** A definition with a Distributed Map was compiled without the executor that runs it. */
export class DistributedMapUnavailableError extends Error {
  override readonly name = 'DistributedMapUnavailableError';
}
