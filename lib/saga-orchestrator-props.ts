/**
 * The props of the SagaOrchestrator construct, and their defaults as named constants.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { JsonObject } from '../lambdas/engine/index.js';
import type { SagaWorkerSource } from './saga-worker.js';
import type { WorkflowSource } from './workflow-source.js';
import type { DefinitionSubstitution } from './workflow-substitutions.js';

/** @see SagaOrchestratorProps.logRetention */
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;
/** @see SagaOrchestratorProps.executionRetention */
export const DEFAULT_EXECUTION_RETENTION = Duration.days(90);
/** @see SagaOrchestratorProps.removalPolicy */
export const DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN;
/** @see SagaOrchestratorProps.maxInboxMessageAge */
export const DEFAULT_MAX_INBOX_MESSAGE_AGE = Duration.minutes(5);
/** @see OrchestratorFunctionOptions.timeout */
export const DEFAULT_ORCHESTRATOR_TIMEOUT = Duration.seconds(30);
/** @see OrchestratorFunctionOptions.memorySize */
export const DEFAULT_ORCHESTRATOR_MEMORY_MB = 1024;
/** @see OrchestratorFunctionOptions.batchSize */
export const DEFAULT_ORCHESTRATOR_BATCH_SIZE = 10;
/**
 * The longest an execution may run (as Step Functions standard workflows): payload objects are
 * kept this long plus the execution retention, so none expires under a running execution.
 */
export const MAX_EXECUTION_DURATION = Duration.days(365);

/** Powertools log levels. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** An EventBridge rule that starts a workflow. */
export interface SagaTrigger {
  /** The workflow to start (a key of `workflows`). */
  readonly workflow: string;
  /** The events that start it, e.g. `{ detailType: ['Order Placed'], source: ['com.example.storefront'] }`. */
  readonly eventPattern: events.EventPattern;
  /**
   * JSONPath into the event of the business key that names the execution, e.g.
   * `$.detail.orderId`: a second event with the same key does not start a second execution.
   * @default the event's id (a redelivered event still starts one execution only)
   */
  readonly businessKeyPath?: string;
  /** JSONPath of the execution's input within the event. @default '$.detail' */
  readonly inputPath?: string;
  /** The bus the rule listens on. @default the orchestrator's bus */
  readonly eventBus?: events.IEventBus;
  /** @default a description naming the workflow */
  readonly description?: string;
}

/** An EventBridge Scheduler schedule that starts a workflow. */
export interface SagaSchedule {
  /** The workflow to start (a key of `workflows`). */
  readonly workflow: string;
  /** When: `ScheduleExpression.rate(...)`, `.cron(...)` or `.at(...)`. */
  readonly schedule: scheduler.ScheduleExpression;
  /** The execution's input. @default {} */
  readonly input?: JsonObject;
  /** @default a description naming the workflow */
  readonly description?: string;
  /** @default true */
  readonly enabled?: boolean;
}

/**
 * The resources that service integrations choose at run time (`QueueUrl.$`, `FunctionName.$`,
 * `EventBusName.$`, a JSONata expression, a placeholder filled by a plain token): the construct
 * cannot read them from the definitions, so it grants on these. A definition with such a target and
 * no resource of its kind here fails synth, naming the field.
 */
export interface IntegrationTargets {
  /** Queues `sqs:sendMessage` states may send to (`sqs:SendMessage`, and the queue's KMS key). @default none */
  readonly queues?: readonly sqs.IQueue[];
  /**
   * Functions `lambda:invoke` states may invoke (`lambda:InvokeFunction` on the function and, as a
   * qualifier may be chosen at run time, on its versions and aliases). @default none
   */
  readonly functions?: readonly lambda.IFunction[];
  /** Buses `events:putEvents` entries may name (`events:PutEvents`). @default none */
  readonly eventBuses?: readonly events.IEventBus[];
  /**
   * Tables `dynamodb:getItem|putItem|updateItem|deleteItem` states may name (the actions those
   * states use, and the table's KMS key). @default none
   */
  readonly tables?: readonly dynamodb.ITable[];
  /**
   * IAM action -> the resources the definitions' `aws-sdk:<service>:<action>` and `sns:publish`
   * states may reach with it (ARNs or tokens such as `bucket.arnForObjects('*')`; `['*']` for any),
   * e.g. `{ 's3:GetObject': [bucket.arnForObjects('*')], 'sns:Publish': [topic.topicArn] }`. Every
   * action such a state needs (`npx baton check` lists them) must be here, except `sns:Publish` on a
   * literal `TopicArn`, which is granted on that topic. A Distributed Map's ItemReader and
   * ResultWriter are granted on their literal bucket; one whose bucket comes from the input
   * (`Bucket.$`, `{% %}`) needs its actions here (`s3:GetObject`, `s3:ListBucket`, `s3:PutObject`,
   * `s3:AbortMultipartUpload`, `s3:ListMultipartUploadParts`, as `npx baton check` lists them).
   * @default none
   */
  readonly apiCalls?: Readonly<Record<string, readonly string[]>>;
}

/** Settings of the orchestrator function and its inbox event source. */
export interface OrchestratorFunctionOptions {
  /** @default 1024 */
  readonly memorySize?: number;
  /** The inbox's visibility timeout is six times this. @default 30 seconds */
  readonly timeout?: Duration;
  /** Inbox messages per invocation, 1-10. @default 10 */
  readonly batchSize?: number;
  /** The most concurrent invocations the inbox triggers, 2-1000. @default no limit but the account's */
  readonly maxConcurrency?: number;
}

/** What this construct needs of another domain's orchestrator to start its workflows as children. */
export interface ChildOrchestrator {
  readonly domain: string;
  /** Its internal inbox, where children are started and stopped. */
  readonly inbox: sqs.IQueue;
  /** Its workflows, by name. */
  readonly workflowVersions: Readonly<Record<string, string>>;
  /** Its orchestrator, which reports a child's end to the parent's public inbox. */
  readonly orchestratorFunction: lambda.IFunction;
}

/** Props of {@link SagaOrchestrator}. */
export interface SagaOrchestratorProps {
  /**
   * The domain's name (lowercase letters, digits and hyphens, e.g. `orders`): the event source
   * `baton.<domain>`, the metrics' service, the dashboard's and outputs' names.
   */
  readonly domain: string;
  /** Workflow name -> definition. Each is checked at synth and deployed as an immutable version. */
  readonly workflows: Readonly<Record<string, WorkflowSource>>;
  /**
   * Values of the `${Name}` placeholders of the definitions' string values, as Step Functions'
   * `DefinitionSubstitutions`: a string (a CloudFormation token such as `queue.queueUrl` is resolved
   * at deploy), or a queue, function or event bus, which stands for its URL or ARN and is what the
   * orchestrator is granted on. `${!Name}` is the literal text `${Name}`; a placeholder with no
   * value fails synth, naming it.
   * @default none
   */
  readonly definitionSubstitutions?: Readonly<Record<string, DefinitionSubstitution>>;
  /**
   * Other domains' orchestrators (`SagaOrchestrator`s) whose workflows this domain's
   * `arn:aws:states:::states:startExecution` tasks may start as child executions. This orchestrator
   * is granted sending to their internal inboxes (to start and stop children), and their
   * orchestrators sending to this one's public inbox (to report a child's end, which needs the
   * parent task's signed token). This construct depends on them: define them first (their stacks
   * deploy first).
   * @default none: child executions run this domain's own workflows
   */
  readonly childOrchestrators?: readonly ChildOrchestrator[];
  /**
   * The resources service integrations choose at run time; see {@link IntegrationTargets}.
   * @default none: every integration target must be a literal or a resource substitution
   */
  readonly integrationTargets?: IntegrationTargets;
  /**
   * Worker name -> its Lambda function, or options with an entry file to bundle. A Task with
   * `"Resource": "baton:worker:<name>"` runs on the worker of that name.
   * @default no workers
   */
  readonly workers?: Readonly<Record<string, SagaWorkerSource>>;
  /** EventBridge rules that start workflows. @default none */
  readonly triggers?: readonly SagaTrigger[];
  /** Schedules that start workflows. @default none */
  readonly schedules?: readonly SagaSchedule[];
  /** The domain bus: lifecycle and business events go there, triggers listen there. @default a new bus */
  readonly eventBus?: events.IEventBus;
  /** The `source` of the orchestrator's lifecycle events. @default `baton.<domain>` */
  readonly eventSource?: string;
  /** Where snapshots too large for a DynamoDB item go. @default a new bucket (private, encrypted, TLS only, with a lifecycle) */
  readonly payloadBucket?: s3.IBucket;
  /** Retention of every function's logs. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** Where alarms notify (on alarm and back to OK). @default alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /**
   * How long an execution's data is kept after the latest it could have ended. DynamoDB's TTL
   * removes each item of an execution `executionRetention` after the longest an execution may still
   * run from that item's write (a year, as Step Functions standard workflows), because an item cannot
   * know when its execution will end: an execution that ended right after its last write is gone at
   * most a year and `executionRetention` later (about 15 months with the default), never earlier
   * than `executionRetention` after its end. Payload objects in S3 follow the same rule.
   * @default 90 days
   */
  readonly executionRetention?: Duration;
  /** What happens to the table, bucket, secret and log groups when they leave the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Whether workers log task inputs and outputs (they may carry personal data). @default false */
  readonly logPayloads?: boolean;
  /** @default memory 1024 MB, timeout 30 s, batch size 10, no concurrency limit */
  readonly orchestrator?: OrchestratorFunctionOptions;
  /** The age of the oldest inbox message that raises the alarm. @default 5 minutes */
  readonly maxInboxMessageAge?: Duration;
  /** @default `Baton-<stack name>-<domain>` */
  readonly dashboardName?: string;
}
