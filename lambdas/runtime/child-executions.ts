/**
 * Child executions: `arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]` starts
 * a Baton workflow as a child of the running execution, as Step Functions starts a state machine.
 *
 * - The `StateMachineArn` parameter names the workflow: `...:stateMachine:<name>` is the Baton
 *   workflow `<name>` of this domain or, where the wiring knows other domains, of the domain that
 *   deploys it ({@link ChildExecutionTransport.locate}). A qualifier (`:<version or alias>`) is
 *   accepted and the workflow's latest version runs. An unknown workflow fails the task with
 *   `StepFunctions.StateMachineDoesNotExistException`, the cause worded as Step Functions words it.
 * - The child is an ordinary inbox start named by `Name` (or, without one, by a name derived from
 *   the parent task's attempt): a dispatch performed again starts the same child, never a second.
 * - The child keeps its parent ({@link ParentLink}). When the parent waits for its end (`.sync`,
 *   `.sync:2`), the child's engine emits `ReportToParent` with its terminal transition, and the loop
 *   sends the parent task's result to the parent's inbox: the parent never polls.
 * - The task is reported submitted (`TaskSubmitted`, with StartExecution's response) so that the
 *   parent's engine knows the child: a parent stopped while it waits stops the child (`cancel`).
 *
 * Results follow Step Functions (LocalStack's AWS-recorded
 * tests/aws/services/stepfunctions/v2/services/test_sfn_task_service.snapshot.json and
 * error_handling/test_task_service_sfn.snapshot.json; the AWS guide "Start a new AWS Step Functions
 * state machine from a running execution").
 */
import { createHash } from 'node:crypto';
import { StatesErrors } from '../engine/errors.js';
import type { Command, ParentLink } from '../engine/execution.js';
import { isJsonObject, type Json, type JsonObject } from '../engine/json.js';
import {
  executionArnOf,
  parseExecutionArn,
  parseStateMachineArn,
  unqualifiedArn,
} from '../contract/state-machine-arn.js';
import type { ChildIntegration } from '../contract/task-resources.js';
import type { Awaitable } from './awaitable.js';
import type { DefinitionStore, InboxSender, TaskCancellation, TaskDispatch } from './ports.js';
import { MAX_EXECUTION_NAME_LENGTH, isAllowedName, type InboxMessage } from './inbox-messages.js';

/** Where a workflow runs, as the task router reaches it. */
export interface WorkflowLocation {
  /** The domain deploying it; undefined for the router's own domain. */
  readonly domain?: string;
  /** That domain's inbox. */
  readonly inbox: InboxSender;
}

/** How the task router reaches the workflows child executions run. */
export interface ChildExecutionTransport {
  /**
   * The router's own domain, which a child in another domain reports its end to.
   * @default none: children in other domains cannot be started
   */
  readonly domain?: string;
  /** The address a child in another domain reports to (see {@link ParentLink.replyTo}). @default none */
  readonly replyTo?: string | undefined;
  /** Where workflow `name` is deployed (this domain first); undefined when nowhere known. */
  locate(name: string): Promise<WorkflowLocation | undefined>;
}

/** The outcome of starting a child, for the router to report. */
export type ChildStart =
  /** Started (or already started by an earlier delivery): report `submitted`, and `result` unless waiting. */
  | { readonly type: 'started'; readonly response: JsonObject; readonly waits: boolean }
  | { readonly type: 'failed'; readonly error: string; readonly cause: string };

/** The HTTP status of a StartExecution call that succeeded, as the recorded results carry it. */
const HTTP_OK = 200;

/** Starts the child execution a `states:startExecution` task asks for. At-least-once, idempotent. */
export async function startChildExecution(
  transport: ChildExecutionTransport,
  task: TaskDispatch,
  integration: ChildIntegration,
  now: number,
): Promise<ChildStart> {
  const params = task.command.input;
  if (!isJsonObject(params)) return invalid('the parameters must be a JSON object');
  const arnText = params.StateMachineArn;
  if (typeof arnText !== 'string' || arnText.length === 0)
    return invalid('StateMachineArn must be a non-empty string');
  const arn = parseStateMachineArn(arnText);
  if (!arn) {
    return {
      type: 'failed',
      error: 'StepFunctions.InvalidArnException',
      cause: `Invalid Arn: '${arnText}' is not a state machine ARN (Service: AWSStepFunctions; Status Code: 400; Error Code: InvalidArn)`,
    };
  }
  const name = params.Name ?? childName(task);
  if (typeof name !== 'string' || !isExecutionName(name))
    return invalid(
      'Name must be 1-80 characters without whitespace or any of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /',
    );
  let input: Json;
  const given = params.Input;
  if (given === undefined || given === null) input = {};
  else if (typeof given === 'string') {
    try {
      input = JSON.parse(given) as Json;
    } catch (error) {
      return {
        type: 'failed',
        error: 'StepFunctions.InvalidExecutionInputException',
        cause: `Invalid execution input: ${(error as Error).message} (Service: AWSStepFunctions; Status Code: 400; Error Code: InvalidExecutionInput)`,
      };
    }
  } else input = given;

  const location = await transport.locate(arn.name);
  if (!location || (location.domain !== undefined && transport.domain === undefined)) {
    return {
      type: 'failed',
      error: 'StepFunctions.StateMachineDoesNotExistException',
      cause: `State Machine Does Not Exist: '${arnText}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist)`,
    };
  }
  const waits = integration === 'sync' || integration === 'sync:2';
  const executionArn = executionArnOf(arn, name);
  const parent: ParentLink = {
    executionId: task.executionId,
    ...(location.domain !== undefined && transport.domain !== undefined ? { domain: transport.domain } : {}),
    ...(location.domain !== undefined && transport.replyTo !== undefined
      ? { replyTo: transport.replyTo }
      : {}),
    integration,
    stateMachineArn: unqualifiedArn(arn),
    executionArn,
    ...(waits ? { taskToken: task.taskToken } : {}),
  };
  const start: Extract<InboxMessage, { kind: 'StartExecution' }> = {
    kind: 'StartExecution',
    workflow: arn.name,
    name,
    // `$$.Task.Token` in the input is the signed token already (the engine reads it from
    // `DecideEnv.taskToken`): what SendTaskSuccess takes back (`.waitForTaskToken`).
    input,
    parent,
  };
  await location.inbox.send(
    start as unknown as Json,
    task.traceHeader ? { traceHeader: task.traceHeader } : {},
  );
  return {
    type: 'started',
    waits: waits || integration === 'waitForTaskToken',
    response: {
      ExecutionArn: executionArn,
      SdkHttpMetadata: { HttpStatusCode: HTTP_OK },
      SdkResponseMetadata: { RequestId: requestId(task) },
      StartDate: now,
    },
  };
}

/** Stops the child execution of an aborted `.sync` task (Step Functions stops it with its parent). */
export async function stopChildExecution(
  transport: ChildExecutionTransport,
  cancellation: TaskCancellation,
): Promise<void> {
  const { submitted } = cancellation.command;
  const arn = isJsonObject(submitted) ? submitted.ExecutionArn : undefined;
  const child = typeof arn === 'string' ? parseExecutionArn(arn) : undefined;
  if (!child) return;
  const location = await transport.locate(child.workflow);
  if (!location) return;
  const stop: Extract<InboxMessage, { kind: 'StopExecution' }> = {
    kind: 'StopExecution',
    executionId: `${child.workflow}:${child.name}`,
    error: 'States.Aborted',
    cause: `The parent execution ${cancellation.executionId} was stopped`,
  };
  await location.inbox.send(
    stop as unknown as Json,
    cancellation.traceHeader ? { traceHeader: cancellation.traceHeader } : {},
  );
}

/**
 * The parent task's result when a child it waits for ended: DescribeExecution's response (the
 * `.sync` form keeps `Input` and `Output` as JSON text, `.sync:2` parses them). A child that did not
 * succeed fails the task with `States.TaskFailed`, the response as JSON text in the cause.
 */
export function childEndReport(command: Extract<Command, { type: 'ReportToParent' }>): Json {
  const { parent } = command;
  const parsed = parent.integration === 'sync:2';
  const text = (value: Json) => (parsed ? value : JSON.stringify(value));
  const child = parseExecutionArn(parent.executionArn);
  const succeeded = command.status === 'SUCCEEDED';
  const description: JsonObject = {
    ExecutionArn: parent.executionArn,
    Input: text(command.input),
    InputDetails: { Included: true },
    ...(child ? { Name: child.name } : {}),
    ...(succeeded ? { Output: text(command.output ?? null), OutputDetails: { Included: true } } : {}),
    RedriveCount: command.redriveCount,
    StartDate: command.startTime,
    StateMachineArn: parent.stateMachineArn,
    Status: command.status,
    StopDate: command.stopTime,
    ...(command.error !== undefined ? { Error: command.error } : {}),
    ...(command.cause !== undefined ? { Cause: command.cause } : {}),
  };
  const taskToken = parent.taskToken as string;
  if (succeeded) return { kind: 'TaskSucceeded', taskToken, output: description };
  return {
    kind: 'TaskFailed',
    taskToken,
    error: StatesErrors.TaskFailed,
    cause: JSON.stringify(description),
  };
}

/** The failure of a task whose child's name is taken by another task's execution, and where it goes. */
export interface NameTakenReport {
  readonly type: 'NameTaken';
  readonly parent: ParentLink;
  readonly message: Json;
}

/**
 * The failure of a `.sync` task whose child's name an execution started for another task already
 * holds: `StepFunctions.ExecutionAlreadyExistsException`, as StartExecution answers a name in use.
 */
export function nameTakenReport(parent: ParentLink): NameTakenReport {
  return {
    type: 'NameTaken',
    parent,
    message: {
      kind: 'TaskFailed',
      taskToken: parent.taskToken as string,
      error: 'StepFunctions.ExecutionAlreadyExistsException',
      cause: `Execution Already Exists: '${parent.executionArn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists)`,
    },
  };
}

function invalid(problem: string): ChildStart {
  return {
    type: 'failed',
    error: StatesErrors.TaskFailed,
    cause: `Invalid parameters for states:startExecution: ${problem}`,
  };
}

/**
 * The name of a child started without `Name`: derived from the parent's execution and the task
 * attempt, so that performing the dispatch again names the same child, and formatted as the UUID
 * Step Functions would generate.
 */
function childName(task: TaskDispatch): string {
  const hex = createHash('sha256').update(`${task.executionId}\n${task.command.token}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A request id stable across deliveries of one dispatch. */
function requestId(task: TaskDispatch): string {
  const hex = createHash('sha256')
    .update(`request\n${task.executionId}\n${task.command.token}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function isExecutionName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_EXECUTION_NAME_LENGTH && isAllowedName(name);
}

/** A domain whose workflows child executions may run: its name, its workflows and its inbox. */
export interface ReachableDomain {
  readonly name: string;
  /** Whether the domain deploys the workflow `name`. */
  hasWorkflow(name: string): Awaitable<boolean>;
  /** Where its children are started and stopped: its internal inbox. */
  readonly inbox: InboxSender;
}

/** A domain whose workflows are those its definition store holds. */
export function domainOfStore(
  name: string,
  definitions: Pick<DefinitionStore, 'latest'>,
  inbox: InboxSender,
): ReachableDomain {
  return {
    name,
    inbox,
    hasWorkflow: async (workflow) => (await definitions.latest(workflow)) !== undefined,
  };
}

/** Options of {@link DomainWorkflows}. */
export interface DomainWorkflowsOptions {
  /** The router's own domain. */
  readonly own: ReachableDomain;
  /**
   * The other domains, read at each lookup (a wiring may add domains after this is made).
   * @default none
   */
  readonly others?: () => Iterable<ReachableDomain>;
  /**
   * Where a child in another domain reports its end, when that domain's wiring does not know this
   * one by name (on AWS: this domain's public inbox URL). @default the domain's name only
   */
  readonly replyTo?: string;
}

/**
 * Child executions over the domains a wiring reaches: a workflow is looked up in the router's own
 * domain first, then in the others in order. On AWS an orchestrator reaches its own domain; the
 * local runtime reaches every domain it runs.
 */
export class DomainWorkflows implements ChildExecutionTransport {
  private readonly own: ReachableDomain;
  private readonly others: () => Iterable<ReachableDomain>;
  readonly replyTo: string | undefined;

  constructor(options: DomainWorkflowsOptions) {
    this.own = options.own;
    this.others = options.others ?? (() => []);
    this.replyTo = options.replyTo;
  }

  get domain(): string {
    return this.own.name;
  }

  async locate(name: string): Promise<WorkflowLocation | undefined> {
    if (await this.own.hasWorkflow(name)) return { inbox: this.own.inbox };
    for (const other of this.others()) {
      if (other.name === this.own.name) continue;
      if (await other.hasWorkflow(name)) return { domain: other.name, inbox: other.inbox };
    }
    return undefined;
  }

  /** The inbox of the domain `name` (this one's included): where its executions' children report. */
  inboxOf(name: string): InboxSender | undefined {
    if (name === this.own.name) return this.own.inbox;
    for (const other of this.others()) if (other.name === name) return other.inbox;
    return undefined;
  }
}
