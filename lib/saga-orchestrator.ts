/**
 * SagaOrchestrator: one domain's Baton deployment. The orchestrator Lambda keeps executions in
 * DynamoDB, dispatches each step as an SQS message to the domain's workers, and publishes the
 * domain's events on EventBridge; rules and schedules start workflows by sending to its inbox.
 *
 * ```ts
 * const orders = new SagaOrchestrator(this, 'Orders', {
 *   domain: 'orders',
 *   workflows: { PlaceOrder: placeOrderSaga },
 *   workers: { 'payment-charge': { entry: 'workers/payment-charge.ts', maxConcurrency: 10 } },
 *   triggers: [{ workflow: 'PlaceOrder', eventPattern: { detailType: ['Order Placed'] }, businessKeyPath: '$.detail.orderId' }],
 * });
 * orders.grantStartExecution(checkoutFunction);
 * ```
 *
 * Definitions are checked at synth (an invalid one, or one naming a worker not defined here, fails
 * `cdk synth` with the workflow and the JSON Pointer of the bad field) and written at deploy as
 * immutable versions; a running execution keeps the version it started on. The orchestrator is
 * granted exactly what the definitions' service integrations reach (`workflow-integrations.ts`):
 * queues, buses and functions named literally or by `definitionSubstitutions`, and the
 * `integrationTargets` of the targets chosen at run time.
 */
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StateMachineDefinition } from '../lambdas/engine/index.js';
import {
  createTableInput,
  ExecutionIndex,
  TableKey,
  TTL_ATTRIBUTE,
} from '../lambdas/contract/table-schema.js';
import { parseTaskResource, taskResourceReferences } from '../lambdas/contract/task-resources.js';
import { correlationShapes } from '../lambdas/contract/correlation-shapes.js';
import { BatonEnv, PowertoolsEnv } from '../lambdas/contract/environment-names.js';
import { BATON_METRICS_NAMESPACE } from '../lambdas/contract/metric-names.js';
import { StackOutput, stackOutputPrefix, type StackOutputName } from '../lambdas/contract/stack-outputs.js';
import { SagaAlarms, type LabelledQueue } from './alarms.js';
import { BatonFunction } from './baton-function.js';
import { SagaDashboard } from './dashboard.js';
import { DefinitionPublisher } from './definition-publisher.js';
import { BatonConstructError, InvalidPropsError, InvalidWorkflowError } from './errors.js';
import {
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  RESOLVED_VALUE_ESTIMATE_BYTES,
  estimateEnvironmentBytes,
} from './environment-size.js';
import { acknowledgeWildcardResource } from './nag-acknowledgement.js';
import { SagaLogQueries } from './log-queries.js';
import { QueueWithDeadLetter } from './queue-with-dead-letter.js';
import {
  DEFAULT_EXECUTION_RETENTION,
  DEFAULT_LOG_RETENTION,
  DEFAULT_MAX_INBOX_MESSAGE_AGE,
  DEFAULT_ORCHESTRATOR_BATCH_SIZE,
  DEFAULT_ORCHESTRATOR_MEMORY_MB,
  DEFAULT_ORCHESTRATOR_TIMEOUT,
  DEFAULT_REMOVAL_POLICY,
  MAX_EXECUTION_DURATION,
  type ChildOrchestrator,
  type IntegrationTargets,
  type SagaOrchestratorProps,
  type SagaSchedule,
  type SagaTrigger,
} from './saga-orchestrator-props.js';
import { SagaWorker, VISIBILITY_TO_FUNCTION_TIMEOUT } from './saga-worker.js';
import { applyApiCallGrants, planApiCallGrants } from './api-call-grants.js';
import {
  applyIntegrationGrants,
  planIntegrationGrants,
  type IntegrationGrantPlan,
} from './integration-grants.js';
import { definitionIntegrations, type IntegrationTarget } from './workflow-integrations.js';
import { awaitedEvents, loadWorkflow, type AwaitedEvent, type LoadedWorkflow } from './workflow-source.js';
import { prepareSubstitutions, type PreparedSubstitutions } from './workflow-substitutions.js';

/** Receives of an inbox message before it goes to the DLQ: conflicts and throttling are retried by redelivery. */
export const INBOX_MAX_RECEIVE_COUNT = 10;
/** The S3 key prefix of offloaded snapshots (the payload store writes `executions/<id>/...`). */
export const PAYLOAD_KEY_PREFIX = 'executions/';

const DOMAIN_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** Workflow names end up in execution ids (`<workflow>:<name>`) and construct ids. */
const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

/** One domain's orchestrator, workers, queues, table, bus wiring and observability. */
export class SagaOrchestrator extends Construct {
  /** The domain's name. */
  readonly domain: string;
  /** The `source` of lifecycle events, and the `service` dimension of the metrics. */
  readonly eventSource: string;
  /** Executions, definitions and correlations (the single-table design of `table-schema.ts`). */
  readonly table: dynamodb.Table;
  /** Start requests, task results, timers and correlated events. */
  /** The internal inbox: results of the orchestrator's own integrations, timers, events, operators' stops and redrives. */
  readonly inbox: sqs.Queue;
  readonly inboxDeadLetterQueue: sqs.Queue;
  /** The public inbox: starts and task results, what {@link grantStartExecution} grants. */
  readonly publicInbox: sqs.Queue;
  readonly publicInboxDeadLetterQueue: sqs.Queue;
  readonly eventBus: events.IEventBus;
  readonly payloadBucket: s3.IBucket;
  /** The key that signs task tokens. */
  readonly tokenSecret: secretsmanager.Secret;
  /** Timers longer than 15 minutes, and the `schedules`. */
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes to send to the inbox. */
  readonly schedulerRole: iam.Role;
  readonly orchestratorFunction: lambda.IFunction;
  /** Worker name -> its queue and function. */
  readonly workers: Readonly<Record<string, SagaWorker>>;
  /**
   * Workflow name -> the version id deployed: a literal, or (for a definition with substitutions
   * resolved at deploy) a token for the definition resource's `Version` attribute.
   */
  readonly workflowVersions: Readonly<Record<string, string>>;
  readonly alarms: SagaAlarms;
  readonly dashboard: SagaDashboard;
  readonly logQueries: SagaLogQueries;

  private readonly definitions: Readonly<Record<string, StateMachineDefinition>>;
  private readonly publisher: DefinitionPublisher;

  constructor(scope: Construct, id: string, props: SagaOrchestratorProps) {
    super(scope, id);
    if (!DOMAIN_NAME.test(props.domain)) {
      throw new InvalidPropsError(
        'domain',
        `must be 1-40 lowercase letters, digits or hyphens, starting with a letter; got '${props.domain}'`,
      );
    }
    this.domain = props.domain;
    this.eventSource = props.eventSource ?? `baton.${props.domain}`;
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
    const logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    const logLevel = props.logLevel ?? 'INFO';
    const executionRetention = props.executionRetention ?? DEFAULT_EXECUTION_RETENTION;
    const orchestratorOptions = props.orchestrator ?? {};
    const orchestratorTimeout = orchestratorOptions.timeout ?? DEFAULT_ORCHESTRATOR_TIMEOUT;

    // Definitions first: a bad one fails synth before anything else is built.
    const workerSources = props.workers ?? {};
    const workerNames = new Set(Object.keys(workerSources));
    const children = props.childOrchestrators ?? [];
    const loaded = loadDefinitions(
      props.workflows,
      workerNames,
      prepareSubstitutions(props.definitionSubstitutions),
      children.flatMap((child) => Object.keys(child.workflowVersions)),
    );
    this.definitions = Object.fromEntries(
      Object.entries(loaded).map(([name, workflow]) => [name, workflow.definition]),
    );
    const integrationGrants = this.planIntegrations(loaded, props.integrationTargets ?? {});
    const apiCallGrants = planApiCallGrants(this, this.definitions, props.integrationTargets?.apiCalls ?? {});
    const stateTimeouts = largestStateTimeouts(this.definitions);

    this.table = this.createTable(removalPolicy);
    const inboxQueues = new QueueWithDeadLetter(this, 'Inbox', {
      visibilityTimeout: Duration.seconds(VISIBILITY_TO_FUNCTION_TIMEOUT * orchestratorTimeout.toSeconds()),
      maxReceiveCount: INBOX_MAX_RECEIVE_COUNT,
    });
    this.inbox = inboxQueues.queue;
    this.inboxDeadLetterQueue = inboxQueues.deadLetterQueue;
    // Starts and task results come through a queue of their own, so that what a party may send
    // there (grantStartExecution, grantSendTaskResult) cannot stop, redrive, fire timers or deliver
    // events: those come only through the internal inbox, from this construct's own parts.
    const publicQueues = new QueueWithDeadLetter(this, 'PublicInbox', {
      visibilityTimeout: Duration.seconds(VISIBILITY_TO_FUNCTION_TIMEOUT * orchestratorTimeout.toSeconds()),
      maxReceiveCount: INBOX_MAX_RECEIVE_COUNT,
    });
    this.publicInbox = publicQueues.queue;
    this.publicInboxDeadLetterQueue = publicQueues.deadLetterQueue;
    this.eventBus =
      props.eventBus ??
      new events.EventBus(this, 'Bus', { description: `Baton domain bus: ${props.domain}` });
    this.payloadBucket = props.payloadBucket ?? this.createPayloadBucket(removalPolicy, executionRetention);
    this.tokenSecret = new secretsmanager.Secret(this, 'TaskTokenKey', {
      description: `Baton ${props.domain}: the key that signs task tokens`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The task token key is not rotated automatically: a rotation would invalidate the tokens of every task in flight, and the orchestrator verifies with one key; rotate it by hand between drained deploys',
    });
    // Removed with the stack whatever the removal policy: its schedules target this stack's inbox,
    // and a retained group (named from the construct path) would collide with the next deploy's.
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'Schedules', {
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = this.createSchedulerRole();

    const workers: Record<string, SagaWorker> = {};
    for (const [name, source] of Object.entries(workerSources)) {
      workers[name] = new SagaWorker(this, `Worker-${name}`, {
        workerName: name,
        source,
        inbox: this.publicInbox,
        ...(stateTimeouts.has(name) ? { stateTimeoutSeconds: stateTimeouts.get(name) as number } : {}),
        logRetention,
        removalPolicy,
        logLevel,
        logPayloads: props.logPayloads ?? false,
      });
      if (!usesWorker(this.definitions, name)) {
        Annotations.of(this).addWarningV2(
          'baton:unused-worker',
          `Worker '${name}' is used by no workflow of domain ${props.domain}`,
        );
      }
    }
    this.workers = workers;

    const orchestratorEnvironment: Record<string, string> = {
      [BatonEnv.tableName]: this.table.tableName,
      [BatonEnv.inboxQueueUrl]: this.inbox.queueUrl,
      [BatonEnv.inboxQueueArn]: this.inbox.queueArn,
      [BatonEnv.publicInboxQueueArn]: this.publicInbox.queueArn,
      [BatonEnv.workerQueues]: Stack.of(this).toJsonString(
        Object.fromEntries(Object.entries(workers).map(([name, worker]) => [name, worker.queue.queueUrl])),
      ),
      [BatonEnv.eventBusName]: this.eventBus.eventBusName,
      [BatonEnv.eventSource]: this.eventSource,
      [BatonEnv.payloadBucket]: this.payloadBucket.bucketName,
      [BatonEnv.schedulerGroup]: this.scheduleGroup.scheduleGroupName,
      [BatonEnv.schedulerRoleArn]: this.schedulerRole.roleArn,
      [BatonEnv.tokenSecretArn]: this.tokenSecret.secretArn,
      [BatonEnv.executionRetentionSeconds]: String(executionRetention.toSeconds()),
      [BatonEnv.correlationShapes]: JSON.stringify(
        Object.values(this.definitions).flatMap((definition) => correlationShapes(definition)),
      ),
      [PowertoolsEnv.serviceName]: this.eventSource,
      [PowertoolsEnv.metricsNamespace]: BATON_METRICS_NAMESPACE,
      [PowertoolsEnv.logLevel]: logLevel,
      ...(children.length > 0
        ? {
            [BatonEnv.domain]: props.domain,
            [BatonEnv.publicInboxQueueUrl]: this.publicInbox.queueUrl,
            [BatonEnv.childDomains]: Stack.of(this).toJsonString(
              children.map((child) => ({
                domain: child.domain,
                inboxUrl: child.inbox.queueUrl,
                workflows: Object.keys(child.workflowVersions),
              })),
            ),
          }
        : {}),
    };
    checkOrchestratorEnvironment(orchestratorEnvironment, Object.keys(workers));
    const orchestrator = new BatonFunction(this, 'Orchestrator', {
      code: { type: 'baton', name: 'orchestrator' },
      description: `Baton orchestrator of domain ${props.domain}`,
      timeout: orchestratorTimeout,
      memorySize: orchestratorOptions.memorySize ?? DEFAULT_ORCHESTRATOR_MEMORY_MB,
      logRetention,
      removalPolicy,
      environment: orchestratorEnvironment,
    });
    this.orchestratorFunction = orchestrator.function;
    this.grantOrchestrator(orchestrator, Object.values(workers));
    applyIntegrationGrants(integrationGrants, orchestrator.role, orchestrator);
    applyApiCallGrants(apiCallGrants, orchestrator);
    this.grantChildOrchestrators(children, orchestrator.role);
    const batchSize = orchestratorOptions.batchSize ?? DEFAULT_ORCHESTRATOR_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
      throw new InvalidPropsError(
        'orchestrator.batchSize',
        `must be an integer from 1 to 10, got ${batchSize}`,
      );
    }
    const maxConcurrency = orchestratorOptions.maxConcurrency;
    if (
      maxConcurrency !== undefined &&
      (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000)
    ) {
      throw new InvalidPropsError(
        'orchestrator.maxConcurrency',
        `must be an integer from 2 to 1000, got ${maxConcurrency}`,
      );
    }
    for (const queue of [this.inbox, this.publicInbox]) {
      this.orchestratorFunction.addEventSource(
        new sources.SqsEventSource(queue, {
          batchSize,
          reportBatchItemFailures: true,
          ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        }),
      );
    }

    this.publisher = new DefinitionPublisher(this, 'Definitions', {
      table: this.table,
      logRetention,
      removalPolicy,
    });
    const versions: Record<string, string> = {};
    for (const [name, workflow] of Object.entries(loaded)) {
      versions[name] = this.publisher.publish(
        name,
        workflow.definition,
        workflow.deferredSubstitutions,
      ).version;
    }
    this.workflowVersions = versions;

    (props.triggers ?? []).forEach((trigger, index) => this.addTrigger(trigger, index));
    this.routeAwaitedEvents();
    (props.schedules ?? []).forEach((schedule, index) => this.addSchedule(schedule, index));

    const deadLetterQueues: LabelledQueue[] = [
      { label: 'inbox', queue: this.inboxDeadLetterQueue },
      { label: 'public inbox', queue: this.publicInboxDeadLetterQueue },
      ...Object.values(workers).map((worker) => ({
        label: worker.workerName,
        queue: worker.deadLetterQueue,
      })),
    ];
    const logGroups = [orchestrator.logGroup, ...Object.values(workers).map((worker) => worker.logGroup)];
    this.alarms = new SagaAlarms(this, 'Alarms', {
      domain: props.domain,
      metricsService: this.eventSource,
      inbox: this.inbox,
      deadLetterQueues,
      maxInboxMessageAge: props.maxInboxMessageAge ?? DEFAULT_MAX_INBOX_MESSAGE_AGE,
      orchestratorFunction: this.orchestratorFunction,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
    this.logQueries = new SagaLogQueries(this, 'LogQueries', {
      domain: props.domain,
      logGroups,
      exampleWorkflow: Object.keys(this.definitions)[0] ?? 'Workflow',
    });
    // The stack's name in it: two stages of one app in one account and region get two dashboards.
    const dashboardName = props.dashboardName ?? `Baton-${Stack.of(this).stackName}-${props.domain}`;
    this.dashboard = new SagaDashboard(this, 'Dashboard', {
      dashboardName,
      domain: props.domain,
      metricsService: this.eventSource,
      inbox: this.inbox,
      deadLetterQueues,
      functions: [
        { label: 'orchestrator', function: this.orchestratorFunction },
        ...Object.values(workers).map((worker) => ({ label: worker.workerName, function: worker.function })),
      ],
      alarms: this.alarms.all,
      logGroups,
    });
    this.addOutputs(dashboardName);
  }

  /**
   * Child executions in other domains: this orchestrator starts and stops them through their
   * internal inboxes; their orchestrators report to this one's public inbox (by its queue policy,
   * so that only this stack refers to theirs: a reference each way would be a cycle of stacks).
   */
  private grantChildOrchestrators(children: readonly ChildOrchestrator[], role: iam.IRole): void {
    for (const child of children) {
      if (child.domain === this.domain) {
        throw new InvalidPropsError(
          'childOrchestrators',
          `names this orchestrator's own domain ${this.domain}`,
        );
      }
      child.inbox.grantSendMessages(role);
      const childRole = child.orchestratorFunction.role;
      if (!childRole) {
        throw new InvalidPropsError(
          'childOrchestrators',
          `the orchestrator of domain ${child.domain} has no role to grant sending to this inbox`,
        );
      }
      this.publicInbox.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [this.publicInbox.queueArn],
          principals: [new iam.ArnPrincipal(childRole.roleArn)],
        }),
      );
    }
  }

  /**
   * Lets `grantee` start executions: send `StartExecution` messages to the public inbox. That queue
   * takes starts and task results only (a result needs its task's signed token), so the grantee
   * cannot stop, redrive, fire timers or deliver events.
   */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.publicInbox.grantSendMessages(grantee);
  }

  /**
   * Lets `grantee` report task results (`TaskSucceeded`, `TaskFailed`, `TaskHeartbeat`) to the
   * public inbox, as a worker outside this construct would. Sending is all it takes: the
   * orchestrator accepts a result only with the task's signed token, so a grantee completes only
   * the tasks it was given.
   */
  grantSendTaskResult(grantee: iam.IGrantable): iam.Grant {
    return this.publicInbox.grantSendMessages(grantee);
  }

  /**
   * What the definitions' integrations reach; fails synth (InvalidWorkflowError) for a target that
   * names nothing, or one chosen at run time with no resource of its kind in `integrationTargets`.
   */
  private planIntegrations(
    loaded: Readonly<Record<string, LoadedWorkflow>>,
    integrationTargets: IntegrationTargets,
  ): IntegrationGrantPlan {
    const targets: Record<string, IntegrationTarget[]> = {};
    for (const [name, workflow] of Object.entries(loaded)) {
      const found = definitionIntegrations(workflow.definition, workflow.resources);
      if (found.issues.length > 0) throw new InvalidWorkflowError(name, found.issues);
      targets[name] = [...found.targets];
    }
    const result = planIntegrationGrants(this, targets, integrationTargets);
    if (result.type === 'invalid') throw new InvalidWorkflowError(result.workflow, result.issues);
    for (const kind of result.unusedTargetKinds) {
      Annotations.of(this).addWarningV2(
        'baton:unused-integration-target',
        `integrationTargets lists ${kind} resources, but no state chooses a ${kind} at run time: nothing is granted on them`,
      );
    }
    return result.plan;
  }

  private createTable(removalPolicy: RemovalPolicy): dynamodb.Table {
    // The layout comes from table-schema.ts, the same input the local runtime and tests create the table with.
    const input = createTableInput('unused');
    const attributeType = (name: string): dynamodb.AttributeType => {
      const definition = input.AttributeDefinitions?.find((attribute) => attribute.AttributeName === name);
      if (definition?.AttributeType !== 'S')
        throw new Error(`table-schema: ${name} is not a string attribute`);
      return dynamodb.AttributeType.STRING;
    };
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TableKey.partition, type: attributeType(TableKey.partition) },
      sortKey: { name: TableKey.sort, type: attributeType(TableKey.sort) },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy,
    });
    for (const index of input.GlobalSecondaryIndexes ?? []) {
      const [hash, range] = index.KeySchema ?? [];
      if (!index.IndexName || !hash?.AttributeName || !range?.AttributeName) {
        throw new BatonConstructError(`table-schema: index ${index.IndexName ?? '?'} has no complete key`);
      }
      table.addGlobalSecondaryIndex({
        indexName: index.IndexName,
        partitionKey: { name: hash.AttributeName, type: attributeType(hash.AttributeName) },
        sortKey: { name: range.AttributeName, type: attributeType(range.AttributeName) },
        projectionType:
          index.Projection?.ProjectionType === 'ALL'
            ? dynamodb.ProjectionType.ALL
            : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
    return table;
  }

  private createPayloadBucket(removalPolicy: RemovalPolicy, executionRetention: Duration): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Payloads', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-snapshots',
          prefix: PAYLOAD_KEY_PREFIX,
          // Longer than any execution can run plus the time a finished one is kept.
          expiration: Duration.days(MAX_EXECUTION_DURATION.toDays() + Math.ceil(executionRetention.toDays())),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the orchestrator role reads and writes this bucket, under executions/; its accesses are traced by the orchestrator (X-Ray) and can be audited with CloudTrail data events, so server access logs would duplicate them',
    });
    return bucket;
  }

  private createSchedulerRole(): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'SchedulerRole', {
      description: `Baton ${this.domain}: EventBridge Scheduler sends timers and scheduled starts to the inbox`,
      // Only schedules of this account's schedule group may use the role (confused deputy).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });
    this.inbox.grantSendMessages(role);
    return role;
  }

  private grantOrchestrator(orchestrator: BatonFunction, workers: readonly SagaWorker[]): void {
    const stack = Stack.of(this);
    const role = orchestrator.role;
    // The adapters' calls: GetItem, PutItem, Query, BatchGetItem (executions, definitions),
    // DeleteItem (correlation waits) and UpdateItem (Map Run counters), on the table and its
    // indexes, named one by one.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
          'dynamodb:BatchGetItem',
        ],
        resources: [
          this.table.tableArn,
          ...Object.values(ExecutionIndex).map((index) => `${this.table.tableArn}/index/${index.indexName}`),
        ],
      }),
    );
    this.inbox.grantSendMessages(role);
    for (const worker of workers) worker.queue.grantSendMessages(role);
    this.eventBus.grantPutEventsTo(role);
    this.tokenSecret.grantRead(role);
    const schedulesArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/*`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedulesArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.payloadBucket.arnForObjects(`${PAYLOAD_KEY_PREFIX}*`)],
      }),
    );
    // A bucket given with a KMS key needs the key too (the default bucket uses SSE-S3).
    this.payloadBucket.encryptionKey?.grantEncryptDecrypt(role);
    acknowledgeWildcardResource(
      orchestrator,
      schedulesArn,
      "Timer schedules are created at run time, named after execution and timer ids; the statement is confined to this orchestrator's own schedule group",
    );
    acknowledgeWildcardResource(
      orchestrator,
      this.payloadBucket.arnForObjects(`${PAYLOAD_KEY_PREFIX}*`),
      "Snapshot objects are keyed by execution id at run time; GetObject and PutObject are confined to the executions/ prefix of this domain's payload bucket",
    );
  }

  private addTrigger(trigger: SagaTrigger, index: number): void {
    const prop = `triggers[${index}]`;
    this.requireWorkflow(trigger.workflow, `${prop}.workflow`);
    for (const [field, path] of [
      ['businessKeyPath', trigger.businessKeyPath],
      ['inputPath', trigger.inputPath],
    ] as const) {
      if (path !== undefined && !path.startsWith('$')) {
        throw new InvalidPropsError(
          `${prop}.${field}`,
          `must be a JSONPath starting with '$', got '${path}'`,
        );
      }
    }
    const rule = new events.Rule(this, `Trigger${index}-${trigger.workflow}`, {
      eventBus: trigger.eventBus ?? this.eventBus,
      eventPattern: trigger.eventPattern,
      description: trigger.description ?? `Baton ${this.domain}: starts ${trigger.workflow}`,
    });
    rule.addTarget(
      new targets.SqsQueue(this.inbox, {
        message: new InboxMessageInput({
          kind: 'StartFromEvent',
          workflow: trigger.workflow,
          ...(trigger.businessKeyPath !== undefined ? { businessKeyPath: trigger.businessKeyPath } : {}),
          ...(trigger.inputPath !== undefined ? { inputPath: trigger.inputPath } : {}),
        }),
        deadLetterQueue: this.inboxDeadLetterQueue,
      }),
    );
    // A start that arrives before its definition is deployed would be rejected.
    rule.node.addDependency(this.publisher);
  }

  /** One rule per awaited detail-type (and source): those events go to the inbox for the waits to find. */
  private routeAwaitedEvents(): void {
    const awaited = new Map<string, AwaitedEvent>();
    for (const definition of Object.values(this.definitions)) {
      for (const event of awaitedEvents(definition)) awaited.set(JSON.stringify(event), event);
    }
    [...awaited.values()].forEach((event, index) => {
      const rule = new events.Rule(this, `AwaitedEvent${index}`, {
        eventBus: this.eventBus,
        eventPattern: {
          detailType: [event.detailType],
          ...(event.source !== undefined ? { source: [event.source] } : {}),
        },
        description: `Baton ${this.domain}: '${event.detailType}' events, for executions waiting on them`,
      });
      rule.addTarget(
        new targets.SqsQueue(this.inbox, {
          message: new InboxMessageInput({ kind: 'EventReceived' }),
          deadLetterQueue: this.inboxDeadLetterQueue,
        }),
      );
    });
  }

  private addSchedule(schedule: SagaSchedule, index: number): void {
    this.requireWorkflow(schedule.workflow, `schedules[${index}].workflow`);
    const created = new scheduler.Schedule(this, `Schedule${index}-${schedule.workflow}`, {
      schedule: schedule.schedule,
      scheduleGroup: this.scheduleGroup,
      description: schedule.description ?? `Baton ${this.domain}: starts ${schedule.workflow}`,
      enabled: schedule.enabled ?? true,
      target: new schedulerTargets.SqsSendMessage(this.inbox, {
        role: this.schedulerRole,
        deadLetterQueue: this.inboxDeadLetterQueue,
        input: scheduler.ScheduleTargetInput.fromObject({
          kind: 'StartExecution',
          workflow: schedule.workflow,
          // The same for Scheduler's retries of one invocation, so that a retry does not start a second execution.
          name: scheduler.ContextAttribute.executionId,
          input: schedule.input ?? {},
        }),
      }),
    });
    created.node.addDependency(this.publisher);
  }

  private requireWorkflow(workflow: string, prop: string): void {
    if (!(workflow in this.definitions)) {
      throw new InvalidPropsError(
        prop,
        `workflow '${workflow}' is not one of this SagaOrchestrator's workflows (${Object.keys(this.definitions).join(', ')})`,
      );
    }
  }

  private addOutputs(dashboardName: string): void {
    const prefix = stackOutputPrefix(this.domain);
    const output = (name: StackOutputName, value: string, description: string) => {
      new CfnOutput(this, name, { value, description }).overrideLogicalId(`${prefix}${name}`);
    };
    output(
      StackOutput.inboxQueueUrl,
      this.inbox.queueUrl,
      `Baton ${this.domain}: the internal inbox (operators' stops and redrives)`,
    );
    output(
      StackOutput.publicInboxQueueUrl,
      this.publicInbox.queueUrl,
      `Baton ${this.domain}: the public inbox (StartExecution messages and task results)`,
    );
    output(
      StackOutput.tableName,
      this.table.tableName,
      `Baton ${this.domain}: the executions and definitions table`,
    );
    output(
      StackOutput.eventBusName,
      this.eventBus.eventBusName,
      `Baton ${this.domain}: the domain event bus`,
    );
    output(StackOutput.eventSource, this.eventSource, `Baton ${this.domain}: the source of lifecycle events`);
    output(StackOutput.dashboardName, dashboardName, `Baton ${this.domain}: the CloudWatch dashboard`);
  }
}

/**
 * An EventBridge target input that wraps the whole event: `<aws.events.event.json>` is the event
 * with its `detail` (EventBridge's `<aws.events.event>` leaves `detail` out). The fields are
 * literal; the event goes in as `event`.
 */
class InboxMessageInput extends events.RuleTargetInput {
  constructor(private readonly fields: Readonly<Record<string, string>>) {
    super();
  }

  bind(): events.RuleTargetInputProperties {
    const literal = JSON.stringify(this.fields);
    return { inputTemplate: `${literal.slice(0, -1)},"event":<aws.events.event.json>}` };
  }
}

function loadDefinitions(
  workflows: SagaOrchestratorProps['workflows'],
  workers: ReadonlySet<string>,
  substitutions: PreparedSubstitutions,
  childWorkflows: readonly string[],
): Record<string, LoadedWorkflow> {
  const names = Object.keys(workflows);
  const startable = new Set([...names, ...childWorkflows]);
  if (names.length === 0) throw new InvalidPropsError('workflows', 'define at least one workflow');
  const definitions: Record<string, LoadedWorkflow> = {};
  for (const [name, source] of Object.entries(workflows)) {
    if (!WORKFLOW_NAME.test(name)) {
      throw new InvalidPropsError(
        `workflows.${name}`,
        'a workflow name is 1-80 letters, digits, hyphens, underscores or dots',
      );
    }
    definitions[name] = loadWorkflow(name, source, { workers, workflows: startable }, substitutions);
  }
  return definitions;
}

/** Worker name -> the largest TimeoutSeconds among the states and compensations that use it. */
function largestStateTimeouts(
  definitions: Readonly<Record<string, StateMachineDefinition>>,
): Map<string, number> {
  const largest = new Map<string, number>();
  for (const definition of Object.values(definitions)) {
    for (const { resource, timeoutSeconds } of taskResourceReferences(definition)) {
      if (typeof resource !== 'string' || timeoutSeconds === undefined) continue;
      const parsed = parseTaskResource(resource);
      if (parsed.type !== 'worker') continue;
      largest.set(parsed.name, Math.max(largest.get(parsed.name) ?? 0, timeoutSeconds));
    }
  }
  return largest;
}

function usesWorker(definitions: Readonly<Record<string, StateMachineDefinition>>, worker: string): boolean {
  return Object.values(definitions).some((definition) =>
    taskResourceReferences(definition).some(({ resource }) => {
      if (typeof resource !== 'string') return false;
      const parsed = parseTaskResource(resource);
      return parsed.type === 'worker' && parsed.name === worker;
    }),
  );
}

/**
 * Fails synth when the orchestrator's environment would exceed Lambda's 4 KB (which Lambda would
 * refuse at deploy): every worker's queue URL is in it.
 */
function checkOrchestratorEnvironment(environment: Record<string, string>, workers: readonly string[]): void {
  // {"name":"<url>",...}: each worker's name and its queue URL, quoted, with a colon and a comma.
  const workerMap =
    2 + workers.reduce((sum, name) => sum + name.length + 6 + RESOLVED_VALUE_ESTIMATE_BYTES, 0);
  const bytes = estimateEnvironmentBytes(environment, { [BatonEnv.workerQueues]: workerMap });
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new InvalidPropsError(
      'workers',
      `the orchestrator's environment would take about ${bytes} bytes with ${workers.length} workers ` +
        `(each worker's queue URL is in it, about ${RESOLVED_VALUE_ESTIMATE_BYTES + 6} bytes plus its name), ` +
        `over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes: split the domain, or use fewer workers`,
    );
  }
}
