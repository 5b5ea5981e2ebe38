/**
 * Baton locally: the example domains (or any domains given as plain configuration) on embedded
 * services, with the same orchestrator loop, the same DynamoDB adapters and the same worker
 * modules as on AWS.
 *
 * - DynamoDB: dynalite in-process, its data on disk under `<dataDir>/dynamodb` (one table per domain).
 * - S3: the local S3 on 127.0.0.1 (a free port), its buckets and objects under `<dataDir>/s3`, for
 *   S3 clients of the application, the AWS CLI, and S3 integrations: {@link LocalRuntime.endpoints};
 *   and for Distributed Map's item readers and result writers: {@link LocalRuntime.objectStorage}.
 * - SQS: LocalQueue per inbox and worker, each with a DLQ, persisted under `<dataDir>/queues`.
 * - EventBridge: one LocalEventBus with the domains' rules (triggers, awaited events).
 * - Lambda: SqsEventSourceMapping pollers invoke the orchestrator's inbox handler
 *   (`createInboxHandler`, as `lambdas/orchestrator/handler.ts` does) and the worker modules'
 *   exported `handler`s of each domain's worker modules (`workersDir`), with Lambda's SQS event shapes.
 *
 * Executions that were running when the process stopped continue after a restart: their state is
 * in dynalite's files, their pending messages in the queue files.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { SQSHandler } from 'aws-lambda';
import { registerWorkerInbox } from '../../lambdas/aws/define-worker.js';
import { DynamoDbCorrelationStore } from '../../lambdas/aws/dynamodb-correlation-store.js';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { S3ObjectStorage } from '../../lambdas/aws/s3-object-storage.js';
import { dynamoDbItemTransport } from '../../lambdas/aws/dynamodb-item-transport.js';
import { createInboxHandler, loggerPort } from '../../lambdas/aws/sqs-inbox-handler.js';
import { DEAD_LETTER_RETENTION_SECONDS } from '../../lambdas/contract/queue-settings.js';
import { createTableInput } from '../../lambdas/contract/table-schema.js';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { ExecutionStatus } from '../../lambdas/engine/execution.js';
import type { JsonObject } from '../../lambdas/engine/json.js';
import { correlationShapes } from '../../lambdas/contract/correlation-shapes.js';
import { Orchestrator } from '../../lambdas/runtime/orchestrator.js';
import type { ExecutionStore, InboxSender, MapRunPerformer } from '../../lambdas/runtime/ports.js';
import { DynamoDbMapRunStore } from '../../lambdas/aws/dynamodb-map-run-store.js';
import { createMapRuns } from '../../lambdas/runtime/distributed-map/express-children.js';
import { distributedMapExecutor } from '../../lambdas/engine/decide/distributed-map-state.js';
import type {
  MapRunRecord,
  MapRunStore,
  ObjectStorage,
} from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import { MockedResults } from '../../lambdas/runtime/integration-mocks.js';
import { TaskRouter, type IntegrationMocks } from '../../lambdas/runtime/task-router.js';
import { fetchHttpTransport, givenConnections, httpTaskTransport } from '../../lambdas/runtime/http-task.js';
import {
  DomainWorkflows,
  domainOfStore,
  type ReachableDomain,
} from '../../lambdas/runtime/child-executions.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import type { WorkflowRegistration } from '../control.js';
import { DomainControl } from '../control/domain-control.js';
import { AwsEndpointServer } from '../emulators/aws-endpoint/server.js';
import { LocalEventBus } from '../emulators/eventbridge/bus.js';
import { SqsEventSourceMapping } from '../emulators/lambda/sqs-event-source.js';
import { LocalS3Server } from '../emulators/s3/server.js';
import { LocalQueue } from '../emulators/sqs/queue.js';
import { publishToBuses, putDomainRules } from './domain-rules.js';
import { localAwsSdkTransport, localClientConfig, type LocalClientConfigs } from './local-aws-sdk.js';
import { apiGatewayTransport } from '../../lambdas/aws/api-gateway-transport.js';
import {
  localDynamoDbClient,
  localDynamoDbClientConfig,
  startDynaliteThread,
  type DynaliteThread,
} from './dynalite-thread.js';
import { FilePayloadStore } from './file-payload-store.js';
import {
  LocalEventPublisher,
  LocalInboxSender,
  LocalTimerScheduler,
  localTaskTransports,
} from './local-ports.js';
import { bundledJsonata } from '../../lambdas/engine/jsonata/bundled-jsonata.js';
import { assertValidDefinitionWith } from '../../lambdas/engine/definition-validator.js';

/** A domain to run, as plain configuration (see `examples/app/domains.ts`). */
export interface LocalDomainConfig {
  readonly domain: string;
  readonly workflows: Readonly<Record<string, StateMachineDefinition>>;
  /**
   * Worker name -> options; the worker's module is `<workersDir>/<name>.ts` (or `.js`) and exports
   * `handler`.
   */
  readonly workers: Readonly<
    Record<string, { readonly batchSize?: number; readonly maxConcurrency?: number }>
  >;
  /** The folder of its worker modules. @default LocalRuntimeOptions.workersDir */
  readonly workersDir?: string;
  readonly triggers: readonly {
    readonly workflow: string;
    readonly source: string;
    readonly detailType: string;
    readonly businessKeyPath: string;
  }[];
}

/** Options of {@link LocalRuntime.start}. */
export interface LocalRuntimeOptions {
  readonly domains: readonly LocalDomainConfig[];
  /**
   * Most children a Distributed Map's dispatcher starts per step before it commits where its
   * reader stands (a Lambda does so before its time runs out). @default 5000
   */
  readonly mapRunCheckpointItems?: number;
  /** Where data lives between runs. @default '.baton' */
  readonly dataDir?: string;
  /** Where the worker modules of domains that name no `workersDir` are. @default none */
  readonly workersDir?: string;
  /** The shared bus's name. @default 'baton-example' */
  readonly eventBusName?: string;
  /** Powertools log level of the handlers. @default 'WARN' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * Orchestrator invocations (batches) in flight per domain, 2-1000.
   * @default DEFAULT_ORCHESTRATOR_CONCURRENCY
   */
  readonly orchestratorConcurrency?: number;
  /**
   * Mocked task results, for integrations with no local stand-in (`MockedResults.parse` of a mocks
   * file). @default none: such tasks fail, saying how to declare a mock
   */
  readonly mocks?: IntegrationMocks;
  /**
   * The EventBridge connections of `http:invoke` tasks, whose HTTP calls are real: ARN ->
   * `AuthorizationType` and `AuthParameters` with the secrets, as an `AWS::Events::Connection`
   * resource's properties. @default the `Connections` of the mocks file, if `mocks` is one
   */
  readonly connections?: Readonly<Record<string, JsonObject>>;
}

const LOCAL_MOCKS_FILE = 'a mocks file given with --mocks <file>';

interface RunningDomain {
  readonly config: LocalDomainConfig;
  readonly store: ExecutionStore;
  readonly definitions: DynamoDbDefinitionStore;
  /** Its Map Runs: what its orchestrator's Distributed Maps write and the control plane reads. */
  readonly mapRunStore: MapRunStore;
  readonly inbox: LocalQueue;
  readonly inboxSender: InboxSender;
  readonly workerQueues: Map<string, LocalQueue>;
  readonly timers: LocalTimerScheduler;
  readonly mappings: SqsEventSourceMapping[];
  readonly versions: Map<string, string>;
  /** Its Distributed Maps' runs (in its table). */
  readonly mapRuns: MapRunStore;
  /** Removes the routes of its worker queues' results to its inbox. */
  readonly routes: readonly (() => void)[];
}

type Listener = (change: { executionId: string; status: ExecutionStatus }) => void;

/**
 * Where AWS SDK clients and the AWS CLI reach the local runtime's services over HTTP. Give a URL
 * as a client's `endpoint` (with any credentials; requests are not authenticated), or as the
 * service's `AWS_ENDPOINT_URL_<SERVICE>` variable.
 */
export interface LocalEndpoints {
  /**
   * The local S3, `http://127.0.0.1:<port>` (`AWS_ENDPOINT_URL_S3`). Buckets are addressed
   * path-style: the SDK does so by itself for an IP address; `forcePathStyle: true` says so anyway.
   */
  readonly s3: string;
}

/**
 * A queue's snapshot is written this long after its journal (which alone keeps everything it
 * acknowledged) has grown past the snapshot's size and {@link QUEUE_SNAPSHOT_AFTER_JOURNAL_BYTES}.
 */
const QUEUE_PERSIST_DEBOUNCE_MS = 500;
/**
 * Orchestrator invocations in flight per domain. On AWS, Lambda scales an SQS source up to 1,000
 * concurrent batches; here one process on a few cores runs them all. Each invocation applies its
 * records one after another, waiting on dynalite about three times per record, so with few the
 * loop waits more than it works. On 2 cores, 300 orders of the local bench: 2 gave 450-570
 * steps/s, 8 620-690, 16 700-900, 32 no more than 16 (the calls then queue in dynalite's thread
 * and both threads are busy).
 */
export const DEFAULT_ORCHESTRATOR_CONCURRENCY = 16;
/**
 * Timers due later than this wait in the timer scheduler, where the engine's cancel removes them,
 * rather than as delayed inbox messages, which cannot be cancelled. Every task attempt arms a
 * timeout that its result cancels, and every execution one: as delayed messages they all came
 * back later, stale, each costing a delivery and an execution load; with the example app nearly
 * half of the inbox's messages, and the inbox held every one for up to 15 minutes.
 */
const TIMERS_KEPT_BEYOND_SECONDS = 2;
/**
 * Recent events the bus keeps for inspection (`bus.archive`); nothing in the runtime reads them.
 * The bus's default, 10,000, held some 15 MB of heap once reached (6 events per example order).
 */
const BUS_ARCHIVE_LIMIT = 1_000;
/** At most this much journal beyond the snapshot's own size is replayed when a queue starts. */
const QUEUE_SNAPSHOT_AFTER_JOURNAL_BYTES = 1024 * 1024;

/**
 * The running local instance: the one control plane ({@link DomainControl}) over the domains it
 * runs on the embedded services.
 */
export class LocalRuntime extends DomainControl {
  private constructor(
    private readonly domainsByName: ReadonlyMap<string, RunningDomain>,
    readonly bus: LocalEventBus,
    private readonly dynalite: DynaliteThread,
    private readonly client: DynamoDBClient,
    /** The local AWS endpoint that `aws-sdk:*` tasks call for SQS, EventBridge, Scheduler, Secrets Manager and Lambda. */
    readonly endpoint: AwsEndpointServer,
    private readonly s3: LocalS3Server,
    /**
     * Distributed Map's S3 objects (item readers, result writers) on the local S3, through a client
     * made from the same configuration as the `aws-sdk:s3:*` tasks' client.
     */
    readonly objectStorage: ObjectStorage,
    private readonly s3Client: S3Client,
    readonly dataDir: string,
    signer: TaskTokenSigner,
    listeners: Set<Listener>,
  ) {
    super({
      domains: [...domainsByName.values()].map((domain) => ({
        name: domain.config.domain,
        store: domain.store,
        definitions: domain.definitions,
        inbox: domain.inboxSender,
        mapRuns: domain.mapRunStore,
      })),
      publish: (entries) => publishToBuses(new Map([[bus.name, bus]]), entries),
      describeDomains: async () =>
        [...domainsByName.values()].map((domain) => ({
          name: domain.config.domain,
          eventBus: bus.name,
          workflows: [...domain.versions].map(([name, version]) => ({ name, version })),
          workers: Object.keys(domain.config.workers),
        })),
      tokens: signer,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
  }

  /** Where SDK clients reach the embedded services: see {@link LocalEndpoints}. */
  get endpoints(): LocalEndpoints {
    return { s3: this.s3.url };
  }

  /** Starts the embedded services and the domains. */
  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const dataDir = options.dataDir ?? '.baton';
    // The worker modules create their Powertools loggers when imported: quiet by default locally.
    process.env.POWERTOOLS_LOG_LEVEL ??= options.logLevel ?? 'WARN';
    mkdirSync(join(dataDir, 'queues'), { recursive: true });
    const dynalite = await startDynaliteThread(join(dataDir, 'dynamodb'));
    const client = localDynamoDbClient(dynalite);
    const s3 = await LocalS3Server.start({ directory: join(dataDir, 's3') });
    const bus = new LocalEventBus({
      name: options.eventBusName ?? 'baton-example',
      archiveLimit: BUS_ARCHIVE_LIMIT,
    });
    const signer = new TaskTokenSigner(signingKey(dataDir));
    const logger = new Logger({ serviceName: 'baton-local', logLevel: options.logLevel ?? 'WARN' });
    const domains = new Map<string, RunningDomain>();
    const payloads = new FilePayloadStore(join(dataDir, 'payloads'));
    const listeners = new Set<Listener>();
    // `aws-sdk:<service>:<action>` tasks: DynamoDB on dynalite, S3 on the local S3, the services the
    // local endpoint speaks on it; any other service only with a mocked result.
    const endpoint = await AwsEndpointServer.start({});
    endpoint.registerEventBus(bus);
    const onEndpoint = { endpoint: endpoint.url };
    const s3ClientConfig = { endpoint: s3.url, forcePathStyle: true };
    const clientConfigs: LocalClientConfigs = {
      dynamodb: localDynamoDbClientConfig(dynalite),
      s3: s3ClientConfig,
      sqs: onEndpoint,
      eventbridge: onEndpoint,
      scheduler: onEndpoint,
      'secrets-manager': onEndpoint,
      lambda: onEndpoint,
    };
    const awsSdk = localAwsSdkTransport(clientConfigs);
    // Distributed Map's objects: the local S3 reached as the `aws-sdk:s3:*` tasks reach it.
    const s3Client = new S3Client(localClientConfig(s3ClientConfig) as S3ClientConfig);
    const objectStorage = new S3ObjectStorage({ client: s3Client });
    const apiGateway = apiGatewayTransport({ local: true });
    const mocks = options.mocks ?? MockedResults.none(LOCAL_MOCKS_FILE);
    // `http:invoke` tasks call the API for real; their connections are declared, not read.
    const http = httpTaskTransport({
      http: fetchHttpTransport(),
      connections: givenConnections(
        options.connections ?? (mocks instanceof MockedResults ? mocks.connections : {}),
        `declare it in the "Connections" of ${LOCAL_MOCKS_FILE} (ARN -> AuthorizationType and AuthParameters, ` +
          'as an AWS::Events::Connection resource has them), or declare a mocked result for this state',
      ),
    });

    const runtime = () =>
      new LocalRuntime(
        domains,
        bus,
        dynalite,
        client,
        endpoint,
        s3,
        objectStorage,
        s3Client,
        dataDir,
        signer,
        listeners,
      );
    try {
      for (const config of options.domains) {
        const tableName = `baton-${config.domain}`;
        try {
          await client.send(new CreateTableCommand(createTableInput(tableName)));
        } catch (error) {
          if (!(error instanceof ResourceInUseException)) throw error;
        }
        // dynalite, like DynamoDB, creates a table asynchronously: wait for it to be ACTIVE.
        await waitUntilTableExists(
          { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 },
          { TableName: tableName },
        );
        const clock = { now: () => Date.now() };
        const queue = (name: string, visibilityTimeoutSeconds: number) => {
          const deadLetters = new LocalQueue({
            name: `${name}-dlq`,
            messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
            persistTo: join(dataDir, 'queues', `${name}-dlq.json`),
          });
          return new LocalQueue({
            name,
            visibilityTimeoutSeconds,
            redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: 5 },
            persistTo: join(dataDir, 'queues', `${name}.json`),
            persistDebounceMs: QUEUE_PERSIST_DEBOUNCE_MS,
            snapshotAfterJournalBytes: QUEUE_SNAPSHOT_AFTER_JOURNAL_BYTES,
          });
        };
        const inbox = queue(`baton-${config.domain}-inbox`, 30);
        const inboxSender = new LocalInboxSender(inbox);
        const workerQueues = new Map<string, LocalQueue>();
        const routes: (() => void)[] = [];
        for (const name of Object.keys(config.workers)) {
          const workerQueue = queue(`baton-${config.domain}-${name}`, 60);
          workerQueues.set(name, workerQueue);
          // The worker modules' defineWorker handlers report to this domain's inbox.
          routes.push(registerWorkerInbox(workerQueue.arn, inboxSender));
        }
        // Snapshots too large for an item go to files, as they go to the payload bucket on AWS.
        const executions = new DynamoDbExecutionStore({ client, tableName, clock, payloads });
        const store = notifying(executions, listeners);
        const definitions = new DynamoDbDefinitionStore({ client, tableName, clock });
        const timers = new LocalTimerScheduler({
          inbox: inboxSender,
          file: join(dataDir, `timers-${config.domain}.json`),
          clock,
          keepBeyondSeconds: TIMERS_KEPT_BEYOND_SECONDS,
        });
        // Child executions run the workflows of this domain, then of the other domains it runs.
        const reachable = (domain: RunningDomain): ReachableDomain =>
          domainOfStore(domain.config.domain, domain.definitions, domain.inboxSender);
        const workflows = new DomainWorkflows({
          own: domainOfStore(config.domain, definitions, inboxSender),
          others: () => [...domains.values()].map(reachable),
        });
        // DynamoDB tasks reach the tables of the embedded DynamoDB.
        const transports = {
          ...localTaskTransports(workerQueues, bus, dynamoDbItemTransport(client)),
          awsSdk,
          executions: workflows,
          // `apigateway:invoke`: an endpoint given as a URL (a local server) is called as it
          // is; API Gateway itself is out of reach, so its tasks need a mocked result.
          apiGateway,
          http,
        };
        const router = (to: InboxSender, mapRuns?: MapRunPerformer) =>
          new TaskRouter({
            transports: { ...transports, ...(mapRuns ? { mapRuns } : {}) },
            clock,
            inbox: to,
            environment: 'locally (the local runtime has no stand-in for it)',
            mocks,
          });
        // Distributed Maps: Map Runs in the domain's table, items and results in the local S3,
        // EXPRESS children in memory on this domain's task router (as on AWS). The control plane
        // reads the same store.
        const mapRunStore = new DynamoDbMapRunStore({ client, tableName, payloads });
        const mapRuns = createMapRuns({
          store: mapRunStore,
          objects: objectStorage,
          inbox: inboxSender,
          definitions,
          payloads,
          clock,
          jsonata: () => bundledJsonata,
          validator: () => assertValidDefinitionWith,
          childTasks: (to) => router(to),
          ...(options.mapRunCheckpointItems !== undefined
            ? { childrenPerTick: options.mapRunCheckpointItems }
            : {}),
        });
        const orchestrator = new Orchestrator({
          ports: {
            store,
            definitions,
            clock,
            mapRuns,
            tasks: router(inboxSender, mapRuns),
            events: new LocalEventPublisher(bus),
            timers,
            correlations: new DynamoDbCorrelationStore({ client, tableName, clock, payloads }),
            inbox: inboxSender,
            domainInboxes: (domain) => workflows.inboxOf(domain),
          },
          signer,
          jsonata: () => bundledJsonata,
          validator: () => assertValidDefinitionWith,
          distributedMap: () => distributedMapExecutor,
          eventSource: `baton.${config.domain}`,
          correlationShapes: Object.values(config.workflows).flatMap((definition) =>
            correlationShapes(definition),
          ),
          logger: loggerPort(logger),
        });
        const versions = new Map<string, string>();
        for (const [name, definition] of Object.entries(config.workflows)) {
          versions.set(name, (await definitions.put(name, definition)).version);
        }
        const mappings = [
          new SqsEventSourceMapping({
            queue: inbox,
            handler: createInboxHandler({ orchestrator, logger }),
            functionName: `baton-${config.domain}-orchestrator`,
            batchSize: 10,
            maximumConcurrency: Math.max(
              2,
              options.orchestratorConcurrency ?? DEFAULT_ORCHESTRATOR_CONCURRENCY,
            ),
            reportBatchItemFailures: true,
            functionTimeoutSeconds: 30,
          }),
        ];
        const workersDir = config.workersDir ?? options.workersDir;
        for (const [name, worker] of Object.entries(config.workers)) {
          if (workersDir === undefined) {
            throw new Error(
              `The domain ${config.domain} has workers but no workersDir: say where their modules are`,
            );
          }
          const modulePath = workerModule(workersDir, name);
          const module = (await import(pathToFileURL(modulePath).href)) as { handler?: SQSHandler };
          if (typeof module.handler !== 'function')
            throw new Error(`The worker module ${modulePath} exports no handler`);
          mappings.push(
            new SqsEventSourceMapping({
              queue: workerQueues.get(name) as LocalQueue,
              handler: module.handler as never,
              functionName: `baton-${config.domain}-${name}`,
              batchSize: worker.batchSize ?? 10,
              maximumConcurrency: Math.max(2, worker.maxConcurrency ?? 5),
              reportBatchItemFailures: true,
              functionTimeoutSeconds: 30,
            }),
          );
        }
        putDomainRules(bus, {
          domain: config.domain,
          triggers: config.triggers,
          awaited: Object.values(config.workflows).flatMap((definition) => correlationShapes(definition)),
          sendToInbox: (body) => {
            inbox.sendMessage({ body: JSON.stringify(body) });
          },
        });
        for (const mapping of mappings) mapping.start();
        domains.set(config.domain, {
          config,
          store,
          definitions,
          mapRunStore,
          inbox,
          inboxSender,
          workerQueues,
          timers,
          mappings,
          versions,
          mapRuns: mapRunStore,
          routes,
        });
      }
    } catch (error) {
      // The domains started so far, the local S3 and dynalite: nothing left listening or running.
      await runtime().shutdown();
      throw error;
    }
    return runtime();
  }

  /** Registers as the control plane does, and lists the workflow at its new version in `domains()`. */
  override async registerWorkflow(
    request: Parameters<DomainControl['registerWorkflow']>[0],
  ): Promise<WorkflowRegistration> {
    const registration = await super.registerWorkflow(request);
    this.domainsByName.get(registration.domain)?.versions.set(registration.workflow, registration.version);
    return registration;
  }

  /**
   * The record of a Map Run of any domain, by its ARN: its resolved request (where its reader
   * read), status and cursor, for tools that look inside a run (`npm run corpus:dmap`);
   * `describeMapRun` gives what the API and the CLI show. @returns undefined when no domain has it
   */
  async mapRunRecord(mapRunArn: string): Promise<MapRunRecord | undefined> {
    const mapRunId = mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1);
    for (const domain of this.domainsByName.values()) {
      const record = await domain.mapRuns.load(mapRunId);
      if (record !== undefined) return record;
    }
    return undefined;
  }

  /**
   * Stops polling, writes the queues to disk, closes every file the queues and timers hold open
   * (their journals, dead-letter queues' included), stops the local S3 and closes dynalite.
   */
  async shutdown(): Promise<void> {
    for (const domain of this.domainsByName.values()) {
      await Promise.all(domain.mappings.map((mapping) => mapping.stop()));
      domain.timers.stop();
      for (const queue of [domain.inbox, ...domain.workerQueues.values()]) {
        await queue.close();
        await queue.redrivePolicy?.deadLetterQueue.close();
      }
      for (const unroute of domain.routes) unroute();
    }
    this.s3Client.destroy();
    await this.s3.close();
    this.client.destroy();
    await this.endpoint.close();
    await this.dynalite.close();
  }
}

/** Wraps a store so that every commit tells the listeners. */
function notifying(store: ExecutionStore, listeners: ReadonlySet<Listener>): ExecutionStore {
  return {
    load: (id) => store.load(id),
    commit: async (transition) => {
      await store.commit(transition);
      for (const listener of listeners) {
        listener({ executionId: transition.executionId, status: transition.execution.status });
      }
    },
    findMessageVersion: (id, key, n) => store.findMessageVersion(id, key, n),
    loadCommands: (id, version) => store.loadCommands(id, version),
    history: (id, page) => store.history(id, page),
    list: (filter) => store.list(filter),
    writeIndex: (summary, version) => store.writeIndex(summary, version),
  };
}

/** The module of a worker: `<dir>/<name>.ts` from source, `.js` when built. */
function workerModule(dir: string, name: string): string {
  for (const extension of ['.ts', '.js']) {
    const path = join(dir, `${name}${extension}`);
    if (existsSync(path)) return path;
  }
  throw new Error(`No worker module ${name}.ts or ${name}.js in ${dir}`);
}

/** The task token key of this instance: generated once, kept in the data directory. */
function signingKey(dataDir: string): string {
  const file = join(dataDir, 'token-key');
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const key = randomBytes(32).toString('base64url');
    writeFileSync(file, key, { mode: 0o600 });
    return key;
  }
}
