/**
 * Builds the orchestrator from the Lambda's environment (set by the SagaOrchestrator construct).
 * Clients are created once per container; a missing variable fails with its name.
 * The variables are named in `lambdas/contract/environment-names.ts` ({@link BatonEnv}).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  Orchestrator,
  type OrchestratorLogger,
  type OrchestratorMetrics,
  type OrchestratorOptions,
} from '../runtime/orchestrator.js';
import type {
  Clock,
  DefinitionStore,
  InboxSender,
  MapRunPerformer,
  OrchestratorPorts,
  PayloadStore,
  TaskDispatcher,
} from '../runtime/ports.js';
import { TaskTokenSigner } from '../runtime/task-token.js';
import { MissingConfigurationError, requiredEnv } from './define-worker.js';
import { DynamoDbCorrelationStore } from './dynamodb-correlation-store.js';
import { DynamoDbDefinitionStore } from './dynamodb-definition-store.js';
import type { CorrelationShape } from '../contract/correlation-shapes.js';
import { BatonEnv } from '../contract/environment-names.js';
import { DynamoDbExecutionStore } from './dynamodb-execution-store.js';
import { dynamoDbItemTransport } from './dynamodb-item-transport.js';
import { EventBridgePublisher } from './eventbridge-publisher.js';
import { AwsTimerScheduler } from './scheduler-timer-scheduler.js';
import type { ApiGatewayTransport } from '../runtime/api-gateway-invoke.js';
import type {
  AwsSdkTransport,
  IntegrationMocks,
  LambdaTransport,
  SnsTransport,
} from '../runtime/task-router.js';
import type { HttpTaskTransport } from '../runtime/http-task.js';
import { AwsTaskDispatcher } from './sqs-task-dispatcher.js';
import { DomainWorkflows, domainOfStore } from '../runtime/child-executions.js';
import { SqsInboxSender } from './sqs-inbox-sender.js';

/** The orchestrator's configuration, read from the environment. */
export interface OrchestratorEnvironment {
  readonly tableName: string;
  readonly inboxQueueUrl: string;
  readonly inboxQueueArn: string;
  /** The public inbox (starts and task results only), when the domain has one. */
  readonly publicInboxQueueArn?: string;
  /** Its URL: where child executions in other domains report their end. @default none */
  readonly publicInboxQueueUrl?: string;
  /** The domain's name. @default the event source */
  readonly domain?: string;
  /** The other domains whose workflows this one's `states:startExecution` tasks start. @default [] */
  readonly childDomains: readonly ChildDomain[];
  readonly workerQueues: Readonly<Record<string, string>>;
  readonly eventBusName: string;
  readonly eventSource: string;
  readonly payloadBucket?: string;
  readonly schedulerGroup: string;
  readonly schedulerRoleArn: string;
  readonly tokenSecretArn?: string;
  readonly tokenSigningKey?: string;
  readonly correlationShapes: readonly CorrelationShape[];
  readonly executionRetentionSeconds?: number;
}

/** Another domain whose workflows child executions may run: its internal inbox and its workflows. */
export interface ChildDomain {
  readonly domain: string;
  readonly inboxUrl: string;
  readonly workflows: readonly string[];
}

/** Reads BATON_CHILD_DOMAINS; throws MissingConfigurationError saying what is wrong. */
function childDomains(json: string | undefined): ChildDomain[] {
  if (json === undefined || json === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new MissingConfigurationError(`${BatonEnv.childDomains} must be JSON`, { cause: error });
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (entry: unknown) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as ChildDomain).domain === 'string' &&
        typeof (entry as ChildDomain).inboxUrl === 'string' &&
        Array.isArray((entry as ChildDomain).workflows) &&
        (entry as ChildDomain).workflows.every((name) => typeof name === 'string'),
    );
  if (!valid) {
    throw new MissingConfigurationError(
      `${BatonEnv.childDomains} must be a JSON array of { domain, inboxUrl, workflows: [names] }`,
    );
  }
  return parsed as ChildDomain[];
}

/** Reads and checks the environment. Throws MissingConfigurationError naming the variable. */
export function readOrchestratorEnvironment(env: NodeJS.ProcessEnv = process.env): OrchestratorEnvironment {
  const required = (name: string) => requiredEnv(name, env);
  let workerQueues: Record<string, string>;
  try {
    workerQueues = JSON.parse(required(BatonEnv.workerQueues)) as Record<string, string>;
  } catch (error) {
    if (error instanceof MissingConfigurationError) throw error;
    throw new MissingConfigurationError(
      `${BatonEnv.workerQueues} must be a JSON object of worker name to queue URL`,
      { cause: error },
    );
  }
  const tokenSecretArn = env[BatonEnv.tokenSecretArn];
  const tokenSigningKey = env[BatonEnv.tokenSigningKey];
  if (!tokenSecretArn && !tokenSigningKey) {
    throw new MissingConfigurationError(
      `Set ${BatonEnv.tokenSecretArn} (or, for local runs, ${BatonEnv.tokenSigningKey})`,
    );
  }
  let shapes: CorrelationShape[] = [];
  const shapesJson = env[BatonEnv.correlationShapes];
  if (shapesJson) {
    try {
      shapes = JSON.parse(shapesJson) as CorrelationShape[];
    } catch (error) {
      throw new MissingConfigurationError(`${BatonEnv.correlationShapes} must be a JSON array`, {
        cause: error,
      });
    }
  }
  const retention = env[BatonEnv.executionRetentionSeconds];
  const payloadBucket = env[BatonEnv.payloadBucket];
  const publicInboxQueueArn = env[BatonEnv.publicInboxQueueArn];
  const publicInboxQueueUrl = env[BatonEnv.publicInboxQueueUrl];
  const domain = env[BatonEnv.domain];
  if (retention !== undefined && !/^\d+$/.test(retention)) {
    throw new MissingConfigurationError(
      `${BatonEnv.executionRetentionSeconds} must be a number of seconds, got '${retention}'`,
    );
  }
  return {
    ...(retention !== undefined ? { executionRetentionSeconds: Number(retention) } : {}),
    correlationShapes: shapes,
    tableName: required(BatonEnv.tableName),
    inboxQueueUrl: required(BatonEnv.inboxQueueUrl),
    inboxQueueArn: required(BatonEnv.inboxQueueArn),
    workerQueues,
    eventBusName: required(BatonEnv.eventBusName),
    eventSource: required(BatonEnv.eventSource),
    schedulerGroup: required(BatonEnv.schedulerGroup),
    schedulerRoleArn: required(BatonEnv.schedulerRoleArn),
    ...(payloadBucket ? { payloadBucket } : {}),
    ...(publicInboxQueueArn ? { publicInboxQueueArn } : {}),
    ...(publicInboxQueueUrl ? { publicInboxQueueUrl } : {}),
    ...(domain ? { domain } : {}),
    childDomains: childDomains(env[BatonEnv.childDomains]),
    ...(tokenSecretArn ? { tokenSecretArn } : {}),
    ...(tokenSigningKey ? { tokenSigningKey } : {}),
  };
}

/** AWS clients, passed in so that tests and the local runtime point them elsewhere. */
export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  /**
   * Made with the others: every execution whose tasks or waits have a deadline uses it (cancelling
   * a timer deletes its schedule, if it has one).
   */
  readonly scheduler: SchedulerClient;
}

/** Options of {@link defaultClients}. */
export interface DefaultClientsOptions {
  /** Applied to each client as it is made (Tracer's `captureAWSv3Client`). @default none */
  readonly capture?: <Client extends object>(client: Client) => Client;
}

/** Clients with the SDK's defaults (region and credentials from the Lambda environment). */
export function defaultClients(options: DefaultClientsOptions = {}): AwsClients {
  const capture = options.capture ?? (<Client extends object>(client: Client): Client => client);
  return {
    dynamodb: capture(new DynamoDBClient({})),
    sqs: capture(new SQSClient({})),
    eventBridge: capture(new EventBridgeClient({})),
    scheduler: capture(new SchedulerClient({})),
  };
}

/**
 * The adapters of the orchestrator's ports that not every orchestrator uses. They are passed in
 * rather than made here, so that the orchestrator Lambda loads them, and their AWS clients, only
 * when first used (`lambdas/orchestrator/adapters-on-first-use.ts`).
 */
export interface OptionalAdapters {
  /** Performs `lambda:invoke` and Lambda ARN tasks (`lambdaInvokeTransport(client)`). @default none: such tasks fail with States.TaskFailed */
  readonly lambda?: LambdaTransport;
  /**
   * Makes the store of payloads too large for a DynamoDB item on the bucket
   * `BATON_PAYLOAD_BUCKET` names (`(bucket) => new S3PayloadStore({ client, bucket })`).
   * @default none: an environment that names a bucket is refused
   */
  readonly payloads?: (bucket: string) => PayloadStore;
  /**
   * Performs `aws-sdk:<service>:<action>` and `sns:publish` tasks (`awsSdkTransport(caller)`,
   * `snsPublishTransport(caller)`). @default none: such tasks fail with States.TaskFailed
   */
  readonly awsSdk?: { readonly awsSdk: AwsSdkTransport; readonly sns?: SnsTransport };
  /** Performs `apigateway:invoke` tasks (`apiGatewayTransport()`). @default none: such tasks fail with States.TaskFailed */
  readonly apiGateway?: ApiGatewayTransport;
  /** Performs `http:invoke` tasks (`httpTaskTransport` of `http-task.ts`). @default none: such tasks fail with States.TaskFailed */
  readonly http?: HttpTaskTransport;
  /** Mocked task results: local runs only (`baton dev --mocks`). @default none */
  readonly mocks?: IntegrationMocks;
  /**
   * Performs Distributed Map runs on what the wiring gives it (`mapRunsOnFirstUse` of the
   * orchestrator's entry point loads them on the first run). @default none: Distributed Map
   * states fail with States.TaskFailed
   */
  readonly mapRuns?: (wiring: MapRunPortsWiring) => MapRunPerformer;
}

/** What the wiring gives Distributed Map runs: its table, inbox, stores and task router. */
export interface MapRunPortsWiring {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly inbox: InboxSender;
  readonly definitions: DefinitionStore;
  readonly payloads?: PayloadStore;
  readonly clock: Clock;
  /** The task router of an EXPRESS child, reporting to that child's inbox. */
  readonly childTasks: (inbox: InboxSender) => TaskDispatcher;
}

/**
 * Wires the ports from configuration, clients and the optional adapters. Throws
 * MissingConfigurationError when the environment names a payload bucket and no payload store is
 * given.
 */
export function createPorts(
  config: OrchestratorEnvironment,
  clients: AwsClients,
  adapters: OptionalAdapters = {},
): OrchestratorPorts {
  const clock = { now: () => Date.now() };
  const inbox = new SqsInboxSender({ client: clients.sqs, queueUrl: config.inboxQueueUrl });
  let payloads: PayloadStore | undefined;
  if (config.payloadBucket) {
    if (!adapters.payloads) {
      throw new MissingConfigurationError(
        `${BatonEnv.payloadBucket} names the bucket ${config.payloadBucket}, but no payload store was given`,
      );
    }
    payloads = adapters.payloads(config.payloadBucket);
  }
  const { lambda, awsSdk, apiGateway, http, mocks } = adapters;
  const definitions = new DynamoDbDefinitionStore({
    client: clients.dynamodb,
    tableName: config.tableName,
    clock,
  });
  // Child executions: the domain's own workflows through its own inbox (granted already), and
  // those of the child domains through theirs (the construct grants sending to them); a child in
  // another domain reports to this domain's public inbox, which takes task results.
  const childDomains = config.childDomains.map((child) => ({
    name: child.domain,
    hasWorkflow: (workflow: string) => child.workflows.includes(workflow),
    inbox: new SqsInboxSender({ client: clients.sqs, queueUrl: child.inboxUrl }),
  }));
  const executions = new DomainWorkflows({
    own: domainOfStore(config.domain ?? config.eventSource, definitions, inbox),
    others: () => childDomains,
    ...(config.publicInboxQueueUrl ? { replyTo: config.publicInboxQueueUrl } : {}),
  });
  const router = (to: InboxSender, runs?: MapRunPerformer) =>
    new AwsTaskDispatcher({
      sqs: clients.sqs,
      eventBridge: clients.eventBridge,
      workerQueues: config.workerQueues,
      inbox: to,
      defaultEventBusName: config.eventBusName,
      // The store's client: `dynamodb:*Item` tasks add four small commands, not a client.
      dynamodb: dynamoDbItemTransport(clients.dynamodb),
      executions,
      ...(lambda ? { lambda } : {}),
      ...(awsSdk ? awsSdk : {}),
      ...(apiGateway ? { apiGateway } : {}),
      ...(http ? { http } : {}),
      ...(mocks ? { mocks } : {}),
      ...(runs ? { mapRuns: runs } : {}),
    });
  // EXPRESS children run in this function, their tasks on a router that reports to the child.
  const mapRuns = adapters.mapRuns?.({
    dynamodb: clients.dynamodb,
    tableName: config.tableName,
    inbox,
    definitions,
    ...(payloads ? { payloads } : {}),
    clock,
    childTasks: (to) => router(to),
  });
  return {
    clock,
    store: new DynamoDbExecutionStore({
      client: clients.dynamodb,
      tableName: config.tableName,
      clock,
      ...(payloads ? { payloads } : {}),
      ...(config.executionRetentionSeconds !== undefined
        ? { retentionSeconds: config.executionRetentionSeconds }
        : {}),
    }),
    definitions,
    correlations: new DynamoDbCorrelationStore({
      client: clients.dynamodb,
      tableName: config.tableName,
      clock,
      ...(payloads ? { payloads } : {}),
    }),
    inbox,
    // A child of another domain's execution reports to the inbox its parent named.
    domainInboxes: (_domain, replyTo) =>
      replyTo === undefined ? undefined : new SqsInboxSender({ client: clients.sqs, queueUrl: replyTo }),
    tasks: router(inbox, mapRuns),
    ...(mapRuns ? { mapRuns } : {}),
    events: new EventBridgePublisher({ client: clients.eventBridge, eventBusName: config.eventBusName }),
    timers: new AwsTimerScheduler({
      inbox,
      scheduler: clients.scheduler,
      groupName: config.schedulerGroup,
      targetQueueArn: config.inboxQueueArn,
      roleArn: config.schedulerRoleArn,
      clock: clock.now,
    }),
  };
}

/** The task token key: from Secrets Manager (cached by Powertools), or given directly. */
export async function signingKey(config: OrchestratorEnvironment): Promise<string> {
  if (config.tokenSecretArn) {
    const secret = await getSecret(config.tokenSecretArn, { maxAge: 300 });
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new MissingConfigurationError(`The secret ${config.tokenSecretArn} holds no task token key`);
    }
    return secret;
  }
  return config.tokenSigningKey as string;
}

/**
 * The orchestrator, ready to handle inbox messages. `jsonata` gives the jsonata library when a
 * workflow with JSONata states is compiled: `() => bundledJsonata` (exported by `baton`), or, as
 * the orchestrator Lambda does, a function that loads that module the first time.
 */
export async function createOrchestrator(
  options: OptionalAdapters & {
    config: OrchestratorEnvironment;
    clients: AwsClients;
    jsonata: OrchestratorOptions['jsonata'];
    validator: OrchestratorOptions['validator'];
    /** Gives the Distributed Map executor (the Lambda loads it with the first workflow that has one). */
    distributedMap: OrchestratorOptions['distributedMap'];
    logger?: OrchestratorLogger;
    metrics?: OrchestratorMetrics;
  },
): Promise<Orchestrator> {
  const { lambda, payloads, awsSdk, apiGateway, http, mocks, mapRuns } = options;
  return new Orchestrator({
    ports: createPorts(options.config, options.clients, {
      ...(mapRuns ? { mapRuns } : {}),
      ...(lambda ? { lambda } : {}),
      ...(payloads ? { payloads } : {}),
      ...(awsSdk ? { awsSdk } : {}),
      ...(apiGateway ? { apiGateway } : {}),
      ...(http ? { http } : {}),
      ...(mocks ? { mocks } : {}),
    }),
    signer: new TaskTokenSigner(await signingKey(options.config)),
    eventSource: options.config.eventSource,
    correlationShapes: options.config.correlationShapes,
    jsonata: options.jsonata,
    validator: options.validator,
    distributedMap: options.distributedMap,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}
