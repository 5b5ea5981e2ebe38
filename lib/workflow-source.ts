/**
 * Workflow sources of a SagaOrchestrator, rendered to Amazon States Language at synth time and
 * checked there: a definition that is invalid, or that names a worker the orchestrator does not
 * define, fails `cdk synth` with the workflow's name and the JSON Pointer of the bad field.
 */
import { parseStateMachineArn } from '../lambdas/contract/state-machine-arn.js';
import { readFileSync } from 'node:fs';
import { Aws, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { DefinitionIssue, StateMachineDefinition } from '../lambdas/engine/index.js';
import { checkDefinition } from '../lambdas/contract/definition-check.js';
import {
  escapePointer,
  parseTaskResource,
  taskResourceReferences,
  type TaskResourceReference,
  PUT_EVENTS_RESOURCE,
  WAIT_FOR_EVENT_RESOURCE,
  WORKER_RESOURCE_PREFIX,
} from '../lambdas/contract/task-resources.js';
import { InvalidWorkflowError } from './errors.js';
import { SagaDefinition } from './saga-builder.js';
import type { IntegrationResource } from './workflow-integrations.js';
import {
  prepareSubstitutions,
  substituteWorkflow,
  type PreparedSubstitutions,
} from './workflow-substitutions.js';

/**
 * Where a workflow's definition comes from:
 * - an ASL definition object (Baton's `Compensate` extension allowed);
 * - a path to a JSON file holding one (absolute, or relative to the current directory);
 * - a {@link SagaDefinition} built with the SagaBuilder;
 * - a CDK `aws_stepfunctions` chain (`IChainable`) or `DefinitionBody` (from a chainable, a
 *   string or a file), rendered to ASL. Worker tasks are `CustomState`s with
 *   `Resource: 'baton:worker:<name>'`. JSONata states (`sfn.Pass.jsonata(...)`,
 *   `tasks.LambdaInvoke.jsonata(...)`, `queryLanguage: sfn.QueryLanguage.JSONATA`) render with
 *   their `QueryLanguage`, `Arguments`, `Output`, `Assign` and `Condition`;
 * - `{ definitionBody, queryLanguage }`, as a CDK `StateMachine` takes them: a chain whose states
 *   name no language of their own runs in `queryLanguage` (`QueryLanguage` at the top).
 *
 * String values may hold `${Name}` placeholders (see `definitionSubstitutions`) and CloudFormation
 * tokens (`queue.queueUrl`): both are resolved at deploy, before the version is stored.
 */
export type WorkflowSource =
  | string
  | SagaDefinition
  | sfn.IChainable
  | sfn.DefinitionBody
  | StateMachineSource
  | StateMachineDefinition
  | Readonly<Record<string, unknown>>;

/** A definition body and the machine's query language, as a CDK `StateMachine`'s props have them. */
export interface StateMachineSource {
  readonly definitionBody: sfn.DefinitionBody;
  /**
   * The language of the states that name none. For a chain it is rendered as the top-level
   * `QueryLanguage`; a string or file body keeps the language it states. @default JSONPath
   */
  readonly queryLanguage?: sfn.QueryLanguage;
}

/** An event a `baton:waitForEvent` state waits for. */
export interface AwaitedEvent {
  readonly detailType: string;
  /** @default any source */
  readonly source?: string;
}

/** What the construct needs to know about a workflow's resources. */
export interface WorkflowCheckContext {
  /** The names of the workers the orchestrator defines. */
  readonly workers: ReadonlySet<string>;
  /**
   * The names of the workflows the orchestrator deploys: the state machines a
   * `states:startExecution` task can start on AWS. @default not checked
   */
  readonly workflows?: ReadonlySet<string>;
}

/**
 * Renders `source` to a plain ASL object. Throws InvalidWorkflowError (pointer `/`) when the
 * source cannot be read or rendered, or when it holds a CloudFormation token anywhere but in a
 * string value (a key, a number, a whole object).
 */
export function renderWorkflowSource(workflow: string, source: WorkflowSource): unknown {
  let rendered: unknown;
  try {
    rendered = render(workflow, source);
  } catch (error) {
    if (error instanceof InvalidWorkflowError) throw error;
    throw new InvalidWorkflowError(
      workflow,
      [{ pointer: '', message: `could not be rendered: ${messageOf(error)}` }],
      {
        cause: error,
      },
    );
  }
  const token = findToken(rendered, '');
  if (token !== undefined) {
    throw new InvalidWorkflowError(workflow, [
      {
        pointer: token,
        message:
          'holds a CloudFormation token outside a string value: only strings can be resolved at deploy (as placeholders)',
      },
    ]);
  }
  return rendered;
}

function render(workflow: string, source: WorkflowSource): unknown {
  if (typeof source === 'string') return readJsonFile(source);
  if (source instanceof SagaDefinition) return source.asl;
  if (isStateMachineSource(source)) return renderBody(workflow, source.definitionBody, source.queryLanguage);
  if (source instanceof sfn.DefinitionBody) return renderBody(workflow, source, undefined);
  if (isChainable(source)) return renderChainable(workflow, source, undefined);
  // Plain objects: a deep copy, so that later changes to the caller's object do not change the deployed version.
  return JSON.parse(JSON.stringify(source)) as unknown;
}

function renderBody(
  workflow: string,
  source: sfn.DefinitionBody,
  queryLanguage: sfn.QueryLanguage | undefined,
): unknown {
  if (source instanceof sfn.ChainDefinitionBody)
    return renderChainable(workflow, source.chainable, queryLanguage);
  if (source instanceof sfn.StringDefinitionBody) return JSON.parse(source.body) as unknown;
  if (source instanceof sfn.FileDefinitionBody) return readJsonFile(source.path);
  throw new Error(`${source.constructor.name} is not supported: use a chainable, a string or a file`);
}

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

function isChainable(source: object): source is sfn.IChainable {
  return 'startState' in source && 'endStates' in source && 'id' in source;
}

function isStateMachineSource(source: object): source is StateMachineSource {
  return 'definitionBody' in source && source.definitionBody instanceof sfn.DefinitionBody;
}

/**
 * Renders a CDK chain the way a Step Functions state machine would, without creating one: the
 * machine's `QueryLanguage` at the top, each state's own where it differs.
 */
function renderChainable(
  workflow: string,
  chainable: sfn.IChainable,
  queryLanguage: sfn.QueryLanguage | undefined,
): unknown {
  const graph = new sfn.StateGraph(chainable.startState, `Baton workflow ${workflow}`);
  const rendered = withoutUndefined(graph.toGraphJson(queryLanguage)) as Record<string, unknown>;
  literalServiceResources(rendered);
  return queryLanguage === undefined ? rendered : { QueryLanguage: queryLanguage, ...rendered };
}

/**
 * `value` without the fields whose value is `undefined` (the CDK's task constructs leave unset
 * options so, e.g. `InvocationType`), as the JSON a StateMachine would deploy has them. Only plain
 * objects and arrays are walked: a token object is left as it is, for the check that follows.
 */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([key, field]) => [key, withoutUndefined(field)]),
  );
}

/** How the CDK's task constructs begin a service integration's Resource: the partition as a token. */
const SERVICE_RESOURCE_WITH_TOKEN = `arn:${Aws.PARTITION}:states:::`;

/**
 * The CDK's task constructs (`tasks.LambdaInvoke`, `tasks.SqsSendMessage`, ...) write
 * `arn:${AWS::Partition}:states:::<service>:<action>`. The partition names no resource (Baton
 * routes on the service and action, in any partition), and a token there would leave the state's
 * kind unknown until deploy: it is rendered as `aws`, as the AWS documentation writes these ARNs.
 */
function literalServiceResources(machine: unknown): void {
  const states = fieldOf(machine, 'States');
  if (!isRecord(states)) return;
  for (const state of Object.values(states)) {
    if (!isRecord(state)) continue;
    if (typeof state.Resource === 'string' && state.Resource.startsWith(SERVICE_RESOURCE_WITH_TOKEN)) {
      state.Resource = `arn:aws:states:::${state.Resource.slice(SERVICE_RESOURCE_WITH_TOKEN.length)}`;
    }
    if (Array.isArray(state.Branches)) state.Branches.forEach(literalServiceResources);
    literalServiceResources(state.ItemProcessor);
    literalServiceResources(state.Iterator);
  }
}

/** The pointer of the first key, number or object that is an unresolved token, if any (strings may hold tokens). */
function findToken(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'string') return undefined;
  if (typeof value === 'number') return Token.isUnresolved(value) ? pointer : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findToken(item, `${pointer}/${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    if (Token.isUnresolved(value)) return pointer;
    for (const [key, item] of Object.entries(value)) {
      if (Token.isUnresolved(key)) return `${pointer}/${escapePointer(key)}`;
      const found = findToken(item, `${pointer}/${escapePointer(key)}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The events the definition's `baton:waitForEvent` states wait for, without duplicates. */
export function awaitedEvents(definition: unknown): AwaitedEvent[] {
  const found = new Map<string, AwaitedEvent>();
  for (const { resource, parameters } of taskResourceReferences(definition)) {
    if (resource !== WAIT_FOR_EVENT_RESOURCE || !isRecord(parameters)) continue;
    const { DetailType: detailType, Source: source } = parameters;
    if (typeof detailType !== 'string') continue;
    const awaited = typeof source === 'string' ? { detailType, source } : { detailType };
    found.set(JSON.stringify(awaited), awaited);
  }
  return [...found.values()];
}

/**
 * The issues of a definition: the engine validator's, then one per Task resource the
 * SagaOrchestrator cannot run (a worker it does not define, an integration it does not wire).
 */
export function workflowIssues(definition: unknown, context: WorkflowCheckContext): DefinitionIssue[] {
  // The same check as `baton check` and the package's checkDefinition.
  const check = checkDefinition(definition);
  const issues = [...check.issues];
  const notOnAws = new Set(check.tasks.filter((task) => !task.aws).map((task) => task.pointer));
  for (const reference of taskResourceReferences(definition)) {
    const { pointer, resource } = reference;
    if (typeof resource !== 'string') continue; // the validator reported it
    const issue = notOnAws.has(pointer) ? unsupportedResource(resource) : resourceIssue(resource, context);
    if (issue !== undefined) issues.push({ pointer, message: issue });
    if (!notOnAws.has(pointer)) issues.push(...childWorkflowIssues(reference, context));
    if (resource === WAIT_FOR_EVENT_RESOURCE) issues.push(...eventWaitIssues(definition, reference));
  }
  return issues;
}

/**
 * A `states:startExecution` task whose literal `StateMachineArn` names a workflow this
 * SagaOrchestrator does not deploy: on AWS a child execution runs a workflow of its own domain, so
 * the task would fail with `StepFunctions.StateMachineDoesNotExistException`. A path, an expression
 * or a deploy-time token is checked when the task runs.
 */
function childWorkflowIssues(
  reference: TaskResourceReference,
  context: WorkflowCheckContext,
): DefinitionIssue[] {
  const { resource, parameters, parametersField } = reference;
  if (typeof resource !== 'string' || parseTaskResource(resource).type !== 'states') return [];
  if (context.workflows === undefined || !isRecord(parameters)) return [];
  const arn = parameters.StateMachineArn;
  if (typeof arn !== 'string' || !arn.startsWith('arn:') || arn.includes('${')) return [];
  const pointer = `${reference.pointer.slice(0, -'/Resource'.length)}/${parametersField ?? 'Parameters'}/StateMachineArn`;
  const parsed = parseStateMachineArn(arn);
  if (!parsed) {
    return [
      {
        pointer,
        message: `'${arn}' is not a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>)`,
      },
    ];
  }
  if (context.workflows.has(parsed.name)) return [];
  const known = [...context.workflows].sort().join(', ');
  return [
    {
      pointer,
      message: `names the workflow '${parsed.name}', which this SagaOrchestrator does not deploy (its workflows: ${known}): the child execution would fail with StepFunctions.StateMachineDoesNotExistException`,
    },
  ];
}

/**
 * A wait's DetailType (and Source) must be literals, since the construct routes the events of that
 * detail-type to the inbox; Match must name what correlates; and it needs a timeout, or it could
 * wait as long as the execution lives.
 */
function eventWaitIssues(definition: unknown, reference: TaskResourceReference): DefinitionIssue[] {
  const state = reference.pointer.slice(0, -'/Resource'.length);
  if (state.endsWith('/Compensate')) {
    return [
      {
        pointer: reference.pointer,
        message: `a compensation cannot wait for an event (${WAIT_FOR_EVENT_RESOURCE})`,
      },
    ];
  }
  const issues: DefinitionIssue[] = [];
  const parameters = reference.parameters;
  const field = `${state}/${reference.parametersField ?? 'Parameters'}`;
  if (!isRecord(parameters)) {
    return [
      {
        pointer: field,
        message: 'is required: { DetailType, Match, Source? } (Parameters in JSONPath, Arguments in JSONata)',
      },
    ];
  }
  if (
    typeof parameters.DetailType !== 'string' ||
    parameters.DetailType.length === 0 ||
    parameters.DetailType.startsWith('{%')
  ) {
    issues.push({
      pointer: `${field}/DetailType`,
      message:
        'must be a literal, non-empty string: the construct routes events of that detail-type to the inbox',
    });
  }
  if (
    parameters.Source !== undefined &&
    (typeof parameters.Source !== 'string' || parameters.Source.startsWith('{%'))
  ) {
    issues.push({ pointer: `${field}/Source`, message: 'must be a literal string' });
  }
  if (!isRecord(parameters.Match) || Object.keys(parameters.Match).length === 0) {
    issues.push({
      pointer: `${field}/Match`,
      message: "must be an object of event paths to values, e.g. { 'detail.orderId.$': '$.orderId' }",
    });
  }
  const task = pointerGet(definition, state);
  if (isRecord(task) && task.TimeoutSeconds === undefined && task.TimeoutSecondsPath === undefined) {
    issues.push({
      pointer: `${state}/TimeoutSeconds`,
      message: 'is required on a wait for an event, or it could wait as long as the execution lives',
    });
  }
  return issues;
}

/** The value at `pointer` in `document` (RFC 6901), or undefined. */
export function pointerGet(document: unknown, pointer: string): unknown {
  let value = document;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    value = Array.isArray(value) ? value[Number(key)] : isRecord(value) ? value[key] : undefined;
  }
  return value;
}

function resourceIssue(resource: string, context: WorkflowCheckContext): string | undefined {
  if (resource === WAIT_FOR_EVENT_RESOURCE) return undefined;
  const parsed = parseTaskResource(resource);
  switch (parsed.type) {
    case 'worker':
      return context.workers.has(parsed.name)
        ? undefined
        : `worker '${parsed.name}' is not defined in this SagaOrchestrator`;
    case 'sqs':
    case 'events':
    case 'lambda':
    case 'lambda-arn':
    case 'dynamodb':
    case 'states':
      return undefined;
    case 'sns':
    case 'aws-sdk':
    case 'bedrock-invoke':
    case 'job':
    case 'apigateway':
    case 'http-invoke':
      return undefined;
    case 'unsupported':
      return unsupportedResource(resource);
  }
}

function unsupportedResource(resource: string): string {
  return `'${resource}' is not a resource Baton runs (${WORKER_RESOURCE_PREFIX}<name>, ${WAIT_FOR_EVENT_RESOURCE}, arn:aws:states:::sqs:sendMessage, ${PUT_EVENTS_RESOURCE}, arn:aws:states:::lambda:invoke, arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem, arn:aws:states:::sns:publish, arn:aws:states:::bedrock:invokeModel, arn:aws:states:::http:invoke, arn:aws:states:::states:startExecution, the Athena, Glue and SageMaker job integrations, arn:aws:states:::aws-sdk:<service>:<action>, or a Lambda function ARN)`;
}

/** A workflow rendered, substituted as far as synth can, and checked. */
export interface LoadedWorkflow {
  /** The definition to publish: deploy-time substitutions are still `${Name}` placeholders. */
  readonly definition: StateMachineDefinition;
  /** Placeholder name -> the CloudFormation token that fills it at deploy. */
  readonly deferredSubstitutions: Readonly<Record<string, string>>;
  /** Placeholder name -> the resource its substitution is, for the deferred ones. */
  readonly resources: ReadonlyMap<string, IntegrationResource>;
}

/**
 * Renders, substitutes and checks a workflow; throws InvalidWorkflowError with every issue, each
 * as `Workflow <name>: <pointer>: <message>`.
 */
export function loadWorkflow(
  workflow: string,
  source: WorkflowSource,
  context: WorkflowCheckContext,
  substitutions: PreparedSubstitutions = prepareSubstitutions(undefined),
): LoadedWorkflow {
  const substituted = substituteWorkflow(workflow, renderWorkflowSource(workflow, source), substitutions);
  const issues = workflowIssues(substituted.validationView, context);
  if (issues.length > 0) throw new InvalidWorkflowError(workflow, issues);
  return {
    definition: substituted.definition as StateMachineDefinition,
    deferredSubstitutions: substituted.deferred,
    resources: substituted.resources,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldOf(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
