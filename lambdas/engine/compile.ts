/**
 * Compiles a validated definition once into the form the reducer walks: every scope (the machine,
 * each Parallel branch, each Map processor) indexed by key, every path and template pre-parsed.
 */
import type {
  BranchDefinition,
  Compensation,
  StateDefinition,
  StateMachineDefinition,
} from './definition.js';
import { DefinitionError } from './errors.js';
import { compilePath, compileReferencePath, type CompiledPath } from './json-path.js';
import { compileTemplate, type CompiledTemplate } from './payload-template.js';
import { compileCatcher, compileRetrier, type CatchPolicy, type RetryPolicy } from './retry.js';
import { assertValidDefinition } from './validate.js';

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
  /** `null` when the field is `null` (the state sees `{}`); undefined means `$`. */
  readonly inputPath: CompiledPath | null | undefined;
  readonly outputPath: CompiledPath | null | undefined;
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
}

/** A Task's `Compensate` block, compiled. */
export interface CompiledCompensation {
  readonly definition: Compensation;
  readonly inputPath: CompiledPath | null | undefined;
  readonly parameters: CompiledTemplate | undefined;
  readonly retry: readonly RetryPolicy[];
}

/** Options of {@link compileWorkflow}. */
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
}

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
 * Validates and compiles a definition (an object or its JSON text). Throws DefinitionError naming
 * the JSON Pointer of every bad field. Compiling the same object again returns the cached result.
 */
export function compileWorkflow(definition: unknown, options: CompileOptions = {}): CompiledWorkflow {
  const name = options.name ?? DEFAULT_NAME;
  if (typeof definition === 'string') {
    const cached = byText.get(definition);
    if (cached && cached.name === name && (options.arn === undefined || cached.arn === options.arn))
      return cached;
    const workflow = compileWorkflow(parseDefinitionText(definition), options);
    if (byText.size >= TEXT_CACHE_LIMIT) byText.clear();
    byText.set(definition, workflow);
    return workflow;
  }
  if (typeof definition === 'object' && definition !== null) {
    const cached = byObject.get(definition);
    if (cached && cached.name === name && (options.arn === undefined || cached.arn === options.arn))
      return cached;
  }
  const valid = assertValidDefinition(definition);
  const scopes = new Map<string, CompiledScope>();
  compileScope(ROOT_SCOPE, valid, scopes);
  const workflow: CompiledWorkflow = {
    name,
    arn: options.arn ?? `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
    definition: valid,
    scopes,
    timeoutMs: valid.TimeoutSeconds === undefined ? undefined : valid.TimeoutSeconds * 1000,
  };
  if (typeof definition === 'object' && definition !== null) byObject.set(definition, workflow);
  return workflow;
}

function compileScope(
  key: string,
  body: StateMachineDefinition | BranchDefinition,
  scopes: Map<string, CompiledScope>,
): void {
  const states = new Map<string, CompiledState>();
  scopes.set(key, { key, startAt: body.StartAt, states });
  for (const [name, definition] of Object.entries(body.States)) {
    states.set(name, compileState(key, name, definition, scopes));
  }
}

function optionalPath(path: string | null | undefined): CompiledPath | null | undefined {
  if (path === null) return null;
  return path === undefined ? undefined : compilePath(path);
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
): CompiledState {
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
  let catchers: CatchPolicy[] = [];

  if (definition.Type !== 'Fail') {
    inputPath = optionalPath(definition.InputPath);
    outputPath = optionalPath(definition.OutputPath);
  }
  switch (definition.Type) {
    case 'Task':
    case 'Parallel':
    case 'Map':
      retry = (definition.Retry ?? []).map(compileRetrier);
      catchers = (definition.Catch ?? []).map(compileCatcher);
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
        compileScope(key, branch, scopes);
      });
      break;
    case 'Map': {
      const selector = definition.ItemSelector ?? definition.Parameters;
      if (selector) parameters = compileTemplate(selector);
      itemsPath = definition.ItemsPath === undefined ? undefined : compileReferencePath(definition.ItemsPath);
      processor = `${scope}/${name}/items`;
      compileScope(processor, (definition.ItemProcessor ?? definition.Iterator) as BranchDefinition, scopes);
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
    resultPath,
    parameters,
    resultSelector,
    retry,
    catch: catchers,
    branches,
    processor,
    itemsPath,
    compensate,
  };
}
