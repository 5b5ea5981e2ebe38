/**
 * The Task `Resource` strings Baton understands, and what one asks for: a Baton worker
 * (`baton:worker:<name>`), a wait for a correlated event (`baton:waitForEvent`), one of the Step
 * Functions service integrations Baton performs itself (SQS SendMessage, EventBridge PutEvents,
 * Lambda Invoke, DynamoDB GetItem/PutItem/UpdateItem/DeleteItem, SNS Publish, and any AWS API call
 * through `aws-sdk:<service>:<action>`), or a Lambda function named by its ARN. Pure functions: the task router uses them
 * at run time, the CDK construct at synth time (to check that every worker a definition names
 * exists), the SagaBuilder to write them.
 */

import { jobIntegration } from './job-integrations.js';
import { MAP_RUN_RESOURCE } from '../engine/distributed-map.js';
import { INTEGRATION_PREFIX, WORKER_RESOURCE_PREFIX } from '../engine/resource-names.js';

export { MAP_RUN_RESOURCE } from '../engine/distributed-map.js';

/** A parsed Task resource, discriminated on `type`. */
export type TaskResource =
  /** `baton:worker:<name>`: a message on the worker's SQS queue. */
  | { readonly type: 'worker'; readonly name: string }
  /** `arn:aws:states:::sqs:sendMessage[.waitForTaskToken]`. */
  | { readonly type: 'sqs'; readonly waitForTaskToken: boolean }
  /** `arn:aws:states:::events:putEvents[.waitForTaskToken]`. */
  | { readonly type: 'events'; readonly waitForTaskToken: boolean }
  /** `arn:aws:states:::lambda:invoke[.waitForTaskToken]`. */
  | { readonly type: 'lambda'; readonly waitForTaskToken: boolean }
  /**
   * `arn:aws:states:::dynamodb:<action>`: request-response only, as in Step Functions (its
   * DynamoDB integration has no `.waitForTaskToken` or `.sync` form).
   */
  | { readonly type: 'dynamodb'; readonly action: DynamoDbItemAction }
  /** `arn:aws:states:::sns:publish[.waitForTaskToken]`. */
  | { readonly type: 'sns'; readonly waitForTaskToken: boolean }
  /**
   * `arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]`: any AWS API call, the service
   * named as the AWS SDK names it, lower-cased (`s3`, `sfn`), the action in camel case (`getObject`).
   */
  | {
      readonly type: 'aws-sdk';
      readonly service: string;
      readonly action: string;
      readonly waitForTaskToken: boolean;
    }
  /**
   * `arn:aws:states:::athena|glue|sagemaker|batch|ecs|codebuild|bedrock|mediaconvert:<action>[.sync]`: a job-starting integration (see
   * `job-integrations.ts`); with `.sync` the task ends when the job does.
   */
  | {
      readonly type: 'job';
      readonly service: string;
      readonly action: string;
      readonly sync: boolean;
      /** `.waitForTaskToken`: the start call, then the task waits for SendTaskSuccess. @default false */
      readonly waitForTaskToken?: boolean;
    }
  /** `arn:aws:states:::bedrock:invokeModel`: a model invocation, request-response. */
  | { readonly type: 'bedrock-invoke' }
  /** `arn:aws:states:::apigateway:invoke[.waitForTaskToken]`: a call to an API Gateway API. */
  | { readonly type: 'apigateway'; readonly waitForTaskToken: boolean }
  /** `arn:aws:states:::http:invoke`: an HTTPS API call through an EventBridge connection, request-response. */
  | { readonly type: 'http-invoke' }
  /**
   * `arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]`: a child execution of
   * a Baton workflow, named by the `StateMachineArn` parameter.
   */
  | { readonly type: 'states'; readonly integration: ChildIntegration }
  /** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`: invoked with the state's input. */
  | { readonly type: 'lambda-arn'; readonly functionArn: string }
  /** `baton:mapRun`: a Distributed Map state's run (dispatched by the engine, never written by hand). */
  | { readonly type: 'map-run' }
  /** Anything else: the task fails when dispatched. */
  | { readonly type: 'unsupported'; readonly resource: string };

/**
 * How a parent waits for a child execution: not at all (`requestResponse`: the result is
 * StartExecution's response), for its end (`sync`: DescribeExecution's response with `Output` as
 * JSON text; `sync:2`: with `Output` parsed), or for a task token sent back (`waitForTaskToken`).
 */
export type ChildIntegration = 'requestResponse' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** The DynamoDB item actions of Step Functions' optimized DynamoDB integration. */
export const DYNAMODB_ITEM_ACTIONS = ['getItem', 'putItem', 'updateItem', 'deleteItem'] as const;

/** One of {@link DYNAMODB_ITEM_ACTIONS}. */
export type DynamoDbItemAction = (typeof DYNAMODB_ITEM_ACTIONS)[number];

/** The API operation (and IAM action) of a DynamoDB item action: `putItem` -> `PutItem`. */
export function dynamoDbOperation(action: DynamoDbItemAction): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
}

export { WORKER_RESOURCE_PREFIX, WAIT_FOR_EVENT_RESOURCE } from '../engine/resource-names.js';

/** The Task resource of a Baton worker: `baton:worker:<name>`. */
export function workerResource(worker: string): string {
  return `${WORKER_RESOURCE_PREFIX}${worker}`;
}

/** The Task resource that publishes events on EventBridge (the Step Functions integration). */
export const PUT_EVENTS_RESOURCE = 'arn:aws:states:::events:putEvents';

/** Worker names: what a queue name or a CloudFormation logical id can be built from. */
const WORKER_RESOURCE = /^baton:worker:([A-Za-z0-9][A-Za-z0-9_.-]*)$/;
const INTEGRATION_RESOURCE =
  /^(sqs:sendMessage|events:putEvents|lambda:invoke|sns:publish)(\.waitForTaskToken)?$/;
const DYNAMODB_RESOURCE = /^dynamodb:(getItem|putItem|updateItem|deleteItem)$/;
/** Service names are lower-case letters and digits (`s3`, `redshiftdata`); actions camel case. */
const AWS_SDK_RESOURCE = /^aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)(\.waitForTaskToken)?$/;
const JOB_RESOURCE =
  /^(athena|glue|sagemaker|batch|ecs|codebuild|bedrock|mediaconvert):([a-z][A-Za-z]*)(\.sync|\.waitForTaskToken)?$/;
const START_EXECUTION_RESOURCE = /^states:startExecution(?:\.(sync|sync:2|waitForTaskToken))?$/;
const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

/** Parses a Task (or Compensate) `Resource` string. Never throws: unknown forms are `unsupported`. */
export function parseTaskResource(resource: string): TaskResource {
  if (resource === MAP_RUN_RESOURCE) return { type: 'map-run' };
  const worker = WORKER_RESOURCE.exec(resource);
  if (worker) return { type: 'worker', name: worker[1] as string };
  const prefix = INTEGRATION_PREFIX.exec(resource);
  if (prefix) return parseIntegration(resource, resource.slice(prefix[0].length));
  if (FUNCTION_ARN.test(resource)) return { type: 'lambda-arn', functionArn: resource };
  return { type: 'unsupported', resource };
}

/** The integration after `arn:aws:states:::`, e.g. `sqs:sendMessage.waitForTaskToken`. */
function parseIntegration(resource: string, integrationName: string): TaskResource {
  const integration = INTEGRATION_RESOURCE.exec(integrationName);
  if (integration) {
    const waitForTaskToken = integration[2] !== undefined;
    switch (integration[1]) {
      case 'sqs:sendMessage':
        return { type: 'sqs', waitForTaskToken };
      case 'events:putEvents':
        return { type: 'events', waitForTaskToken };
      case 'lambda:invoke':
        return { type: 'lambda', waitForTaskToken };
      case 'sns:publish':
        return { type: 'sns', waitForTaskToken };
    }
  }
  const dynamodb = DYNAMODB_RESOURCE.exec(integrationName);
  if (dynamodb) return { type: 'dynamodb', action: dynamodb[1] as DynamoDbItemAction };
  const startExecution = START_EXECUTION_RESOURCE.exec(integrationName);
  if (startExecution)
    return { type: 'states', integration: (startExecution[1] ?? 'requestResponse') as ChildIntegration };
  if (integrationName === 'bedrock:invokeModel') return { type: 'bedrock-invoke' };
  const apiGateway = /^apigateway:invoke(\.waitForTaskToken)?$/.exec(integrationName);
  if (apiGateway) return { type: 'apigateway', waitForTaskToken: apiGateway[1] !== undefined };
  if (integrationName === 'http:invoke') return { type: 'http-invoke' };
  const job = JOB_RESOURCE.exec(integrationName);
  if (job) {
    const [, service, action, form] = job as unknown as [string, string, string, string | undefined];
    const known = jobIntegration(service, action);
    if (known && form === undefined) return { type: 'job', service, action, sync: false };
    if (known?.sync && form === '.sync') return { type: 'job', service, action, sync: true };
    if (known?.waitForTaskToken && form === '.waitForTaskToken')
      return { type: 'job', service, action, sync: false, waitForTaskToken: true };
  }
  const sdk = AWS_SDK_RESOURCE.exec(integrationName);
  if (sdk) {
    return {
      type: 'aws-sdk',
      service: sdk[1] as string,
      action: sdk[2] as string,
      waitForTaskToken: sdk[3] !== undefined,
    };
  }
  return { type: 'unsupported', resource };
}

/**
 * The names of the workers a definition's Task states and their `Compensate` blocks use, sorted
 * and without duplicates (see {@link taskResourceReferences}).
 */
export function listWorkerNames(definition: unknown): string[] {
  const names = new Set<string>();
  for (const { resource } of taskResourceReferences(definition)) {
    if (typeof resource !== 'string') continue;
    const parsed = parseTaskResource(resource);
    if (parsed.type === 'worker') names.add(parsed.name);
  }
  return [...names].sort();
}

/** A Task (or Compensate) resource of a definition, located by the pointer of its `Resource` field. */
export interface TaskResourceReference {
  /** JSON Pointer of the `Resource` field, e.g. `/States/Charge/Compensate/Resource`. */
  readonly pointer: string;
  readonly resource: unknown;
  /** The state's (or compensation's) TimeoutSeconds, when it is a number. */
  readonly timeoutSeconds?: number;
  /** The state's (or compensation's) Parameters, or in JSONata its Arguments. */
  readonly parameters?: unknown;
  /** The field `parameters` came from. @default 'Parameters' */
  readonly parametersField?: 'Parameters' | 'Arguments';
}

/**
 * Calls `visit` with every state of a definition and the JSON Pointer of the state, in document
 * order, walking Parallel branches and Map processors (inline and distributed, and the legacy
 * Iterator): the one walk over a definition's states that the checks of this folder share.
 */
export function walkStates(
  definition: unknown,
  visit: (state: Record<string, unknown>, pointer: string) => void,
): void {
  const visitMachine = (machine: unknown, pointer: string): void => {
    const states = field(machine, 'States');
    if (!isRecord(states)) return;
    for (const [name, state] of Object.entries(states)) {
      visitState(state, `${pointer}/States/${escapePointer(name)}`);
    }
  };
  const visitState = (state: unknown, pointer: string): void => {
    if (!isRecord(state)) return;
    visit(state, pointer);
    switch (state.Type) {
      case 'Parallel':
        if (Array.isArray(state.Branches)) {
          state.Branches.forEach((branch, index) => visitMachine(branch, `${pointer}/Branches/${index}`));
        }
        return;
      case 'Map':
        visitMachine(state.ItemProcessor, `${pointer}/ItemProcessor`);
        visitMachine(state.Iterator, `${pointer}/Iterator`);
        return;
    }
  };
  visitMachine(definition, '');
}

/**
 * Every Task `Resource` (and `Compensate.Resource`) of a definition, with its pointer and
 * TimeoutSeconds, walking Parallel branches and Map processors (see {@link walkStates}).
 */
export function taskResourceReferences(definition: unknown): TaskResourceReference[] {
  const references: TaskResourceReference[] = [];
  walkStates(definition, (state, pointer) => {
    if (state.Type !== 'Task') return;
    references.push(reference(state, pointer));
    if (isRecord(state.Compensate)) references.push(reference(state.Compensate, `${pointer}/Compensate`));
  });
  return references;
}

function reference(task: Record<string, unknown>, pointer: string): TaskResourceReference {
  const timeout = task.TimeoutSeconds;
  return {
    pointer: `${pointer}/Resource`,
    resource: task.Resource,
    ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}),
    ...(task.Parameters !== undefined
      ? { parameters: task.Parameters }
      : task.Arguments !== undefined
        ? { parameters: task.Arguments, parametersField: 'Arguments' as const }
        : {}),
  };
}

/** A JSON Pointer segment: `~` and `/` escaped (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}
