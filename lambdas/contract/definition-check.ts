/**
 * What a definition needs before it runs anywhere: the validator's issues, for every Task and
 * Compensate resource whether the orchestrator on AWS performs it, whether the local runtime
 * (`npm start`, `npx baton dev`) runs it against an embedded service, and the IAM actions the
 * orchestrator needs for it, and what each Distributed Map's ItemReader and ResultWriter need of
 * S3. `npx baton check`, the package's `checkDefinition` and the CDK construct (at synth) all read
 * this one report.
 */
import type { DefinitionIssue } from '../engine/errors.js';
import { awsSdkIamAction } from './aws-sdk-services.js';
import { distributedMapAccess, type DistributedMapAccess } from './distributed-map-access.js';
import { jobIntegration } from './job-integrations.js';
import { validateDefinition } from '../engine/validate.js';
import {
  WAIT_FOR_EVENT_RESOURCE,
  parseTaskResource,
  taskResourceReferences,
  dynamoDbOperation,
  type TaskResource,
} from './task-resources.js';

/**
 * Where a resource runs locally: `embedded` against the local runtime's own services (queues, bus,
 * DynamoDB, S3, and under `baton dev` the app's functions); `mock` only with a mocked result declared
 * for it (the service has no local stand-in); `false` nowhere but in `runWorkflow`, whose task
 * functions stand in for any resource.
 */
export type LocalSupport = 'embedded' | 'mock' | false;

/**
 * The services whose `aws-sdk:<service>:<action>` calls the local runtime makes against an
 * embedded stand-in: DynamoDB on dynalite, S3 on the local S3, and SQS, EventBridge, EventBridge
 * Scheduler, Secrets Manager and Lambda on the local AWS endpoint. Calls to any other service need
 * a mocked result locally.
 */
export const LOCAL_AWS_SDK_SERVICES: readonly string[] = [
  'dynamodb',
  's3',
  'sqs',
  'eventbridge',
  'scheduler',
  'secretsmanager',
  'lambda',
];

/**
 * What the orchestrator calls to read an HTTP Task's connection: EventBridge DescribeConnection,
 * then GetSecretValue of the connection's secret. (Step Functions itself is granted
 * `events:RetrieveConnectionCredentials` and the secret's GetSecretValue and DescribeSecret; Baton
 * reads the connection through the public API instead.)
 */
export const HTTP_CONNECTION_ACTIONS: readonly string[] = [
  'events:DescribeConnection',
  'secretsmanager:GetSecretValue',
];

/** One Task (or Compensate) resource of a definition, and where it runs. */
export interface TaskCheck {
  /** JSON Pointer of its `Resource` field, e.g. `/States/Charge/Compensate/Resource`. */
  readonly pointer: string;
  readonly resource: string;
  /** Whether the orchestrator on AWS performs it (otherwise the task fails when dispatched). */
  readonly aws: boolean;
  readonly local: LocalSupport;
  /** The IAM actions the orchestrator needs for it (the construct grants them on the resources named). */
  readonly actions: readonly string[];
}

/** The report of {@link checkDefinition}. */
export interface DefinitionCheck {
  /** True when the validator found nothing and every resource runs on AWS. */
  readonly ok: boolean;
  /** The validator's issues, each with the JSON Pointer of the bad field. */
  readonly issues: readonly DefinitionIssue[];
  readonly tasks: readonly TaskCheck[];
  /**
   * Each Distributed Map's ItemReader and ResultWriter, with the S3 actions the orchestrator needs
   * and the ARNs they reach (none when the bucket is chosen at run time).
   */
  readonly distributedMaps: readonly DistributedMapAccess[];
}

/**
 * Checks `definition` (parsed JSON) without running it. Never throws: a definition that is not an
 * object is reported as an issue, and resources are listed as far as the definition can be read.
 */
export function checkDefinition(definition: unknown): DefinitionCheck {
  const issues = validateDefinition(definition);
  const tasks: TaskCheck[] = [];
  for (const { pointer, resource, parameters } of taskResourceReferences(definition)) {
    if (typeof resource !== 'string') continue; // the validator reported it
    const found =
      resource === WAIT_FOR_EVENT_RESOURCE
        ? { aws: true, local: 'embedded' as const, actions: [] }
        : support(parseTaskResource(resource), parameters);
    tasks.push({ pointer, resource, ...found });
  }
  return {
    ok: issues.length === 0 && tasks.every((task) => task.aws),
    issues,
    tasks,
    distributedMaps: distributedMapAccess(definition),
  };
}

function support(parsed: TaskResource, parameters: unknown): Omit<TaskCheck, 'pointer' | 'resource'> {
  switch (parsed.type) {
    case 'worker':
      return { aws: true, local: 'embedded', actions: ['sqs:SendMessage'] };
    case 'sqs':
      return { aws: true, local: 'embedded', actions: ['sqs:SendMessage'] };
    case 'events':
      return { aws: true, local: 'embedded', actions: ['events:PutEvents'] };
    case 'lambda':
    case 'lambda-arn':
      // `baton dev` runs the app's functions, and its endpoint answers Invoke.
      return { aws: true, local: 'embedded', actions: ['lambda:InvokeFunction'] };
    case 'dynamodb':
      // The local runtime, and under `baton dev` the orchestrator through the local endpoint, call
      // the embedded DynamoDB (dynalite), where `baton dev` creates the app's tables.
      return { aws: true, local: 'embedded', actions: [`dynamodb:${dynamoDbOperation(parsed.action)}`] };
    case 'states':
      // A child execution is a Baton execution: it starts, stops and reports through the inboxes
      // of the domains' orchestrators (its own inbox is granted already), not through the Step
      // Functions API, so Step Functions' states:StartExecution/DescribeExecution/StopExecution
      // are not needed.
      return { aws: true, local: 'embedded', actions: [] };
    case 'sns':
      // On AWS through the Lambda runtime's SNS client; locally SNS has no stand-in.
      return { aws: true, local: 'mock', actions: ['sns:Publish'] };
    case 'job': {
      // The start call, and for `.sync` the describe and stop calls; no local stand-in.
      const job = jobIntegration(parsed.service, parsed.action);
      const calls = [
        parsed.action,
        ...(parsed.sync && job?.sync
          ? [job.sync.describe.action, ...(job.sync.stop ? [job.sync.stop.action] : [])]
          : []),
      ];
      return {
        aws: true,
        local: 'mock',
        actions: calls.map((action) => awsSdkIamAction(parsed.service, action)),
      };
    }
    case 'http-invoke':
      // The call is made from where the orchestrator runs (locally too); the connection is read
      // from EventBridge and its secret from Secrets Manager (see `http-task.ts`).
      return { aws: true, local: 'embedded', actions: HTTP_CONNECTION_ACTIONS };
    case 'map-run':
      // Dispatched by a Distributed Map state, never written as a Task's Resource; the run's S3
      // reads and writes are checked with its Map state.
      return { aws: true, local: 'embedded', actions: [] };
    case 'bedrock-invoke':
      // Amazon Bedrock has no local stand-in.
      return { aws: true, local: 'mock', actions: ['bedrock:InvokeModel'] };
    case 'apigateway':
      // Locally an API Gateway endpoint is not reachable (the local runtime calls only endpoints
      // given as a URL, such as a local server); `execute-api:Invoke` when the call is signed with
      // the orchestrator's role (IAM_ROLE, or an AuthType known only when the task runs).
      return { aws: true, local: 'mock', actions: signsWithRole(parameters) ? ['execute-api:Invoke'] : [] };
    case 'aws-sdk':
      return {
        aws: true,
        local: LOCAL_AWS_SDK_SERVICES.includes(parsed.service) ? 'embedded' : 'mock',
        actions: [awsSdkIamAction(parsed.service, parsed.action)],
      };
    case 'unsupported':
      return { aws: false, local: false, actions: [] };
  }
}

/**
 * Whether an `apigateway:invoke` task may sign with the orchestrator's role: `AuthType` is
 * `IAM_ROLE`, or is computed (`AuthType.$` in JSONPath, an expression in JSONata).
 */
function signsWithRole(parameters: unknown): boolean {
  if (typeof parameters !== 'object' || parameters === null) return false;
  const fields = parameters as Record<string, unknown>;
  if (fields['AuthType.$'] !== undefined) return true;
  const authType = fields.AuthType;
  return authType === 'IAM_ROLE' || (typeof authType === 'string' && authType.startsWith('{%'));
}
