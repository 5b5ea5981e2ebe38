/**
 * A whole domain in one process, as a wiring of the real parts: the orchestrator loop behind the
 * real SQS inbox handler (`createInboxHandler`), the workers behind `defineWorker`, the task
 * router, the local SQS queues with their dead-letter queues, Lambda's SQS event source mapping,
 * and the local timers — on in-memory stores (or any store, such as the DynamoDB adapter on
 * dynalite) and a virtual clock. Tests and benchmarks drive it delivery by delivery; nothing here
 * re-implements what the Lambda functions or the local runtime run.
 *
 * Each step is one Lambda invocation with one record (the event source mapping's batch size is 1
 * here), so a test decides the order of deliveries and can run several at once to make results
 * of one execution race.
 */
import { distributedMapExecutor } from '../lambdas/engine/decide/distributed-map-state.js';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { defineWorker, registerWorkerInbox } from '../lambdas/aws/define-worker.js';
import { DEAD_LETTER_RETENTION_SECONDS } from '../lambdas/contract/queue-settings.js';
import { createInboxHandler } from '../lambdas/aws/sqs-inbox-handler.js';
import type { StateMachineDefinition } from '../lambdas/engine/definition.js';
import type { Json, JsonObject } from '../lambdas/engine/json.js';
import { correlationShapes, type CorrelationShape } from '../lambdas/contract/correlation-shapes.js';
import { Orchestrator, type HandleResult, type OrchestratorLogger } from '../lambdas/runtime/orchestrator.js';
import type {
  CorrelationStore,
  DefinitionStore,
  DomainEvent,
  ExecutionStore,
  InboxSender,
  MapRunPerformer,
  OrchestratorPorts,
  WorkflowRef,
} from '../lambdas/runtime/ports.js';
import { TaskRouter, type AwsSdkTransport } from '../lambdas/runtime/task-router.js';
import type { ApiGatewayTransport } from '../lambdas/runtime/api-gateway-invoke.js';
import {
  awsConnectionResolver,
  fetchHttpTransport,
  givenConnections,
  httpTaskTransport,
} from '../lambdas/runtime/http-task.js';

import { DomainWorkflows, domainOfStore } from '../lambdas/runtime/child-executions.js';
import { TaskTokenSigner } from '../lambdas/runtime/task-token.js';
import { createMapRuns } from '../lambdas/runtime/distributed-map/express-children.js';
import { InMemoryMapRunStore } from '../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import { InMemoryObjectStorage } from '../lambdas/runtime/distributed-map/in-memory-object-storage.js';
import type { MapRunStore, ObjectStorage } from '../lambdas/runtime/distributed-map/map-run-ports.js';
import type { WorkerHandler } from '../lambdas/runtime/worker.js';
import { LocalEventBus } from '../local/emulators/eventbridge/bus.js';
import { SqsEventSourceMapping, type InvocationOutcome } from '../local/emulators/lambda/sqs-event-source.js';
import { LocalInboxSender, LocalTimerScheduler, localTaskTransports } from '../local/runtime/local-ports.js';
import type { Clock, Scheduler } from '../local/emulators/sqs/clock.js';
import { LocalQueue } from '../local/emulators/sqs/queue.js';
import { FailureRecordingLogger } from './failure-recording-logger.js';
import { InMemoryCorrelationStore } from './in-memory-correlation-store.js';
import { InMemoryDefinitionStore } from './in-memory-definition-store.js';
import { InMemoryExecutionStore } from './in-memory-execution-store.js';
import { bundledJsonata } from '../lambdas/engine/jsonata/bundled-jsonata.js';
import { assertValidDefinitionWith } from '../lambdas/engine/definition-validator.js';

const IN_PROCESS_CONNECTIONS_HINT =
  "declare it in InProcessDomain's connections option (ARN -> AuthorizationType and AuthParameters), or give an awsSdk that answers EventBridge DescribeConnection";

/** Options of {@link InProcessDomain}. */
export interface InProcessDomainOptions {
  /** Worker handlers by worker name (`baton:worker:<name>`), each run by `defineWorker`. @default {} */
  readonly workers?: Readonly<Record<string, WorkerHandler<never>>>;
  /**
   * Worker Lambda handlers by worker name, run as they are: the `handler` export of a worker module
   * (`defineWorker` without an `inbox` option reports to this domain's inbox). @default {}
   */
  readonly workerLambdas?: Readonly<Record<string, WorkerLambda>>;
  /** @default an InMemoryExecutionStore */
  readonly store?: ExecutionStore;
  /** @default an InMemoryDefinitionStore */
  readonly definitions?: DefinitionStore;
  /** @default an InMemoryCorrelationStore */
  readonly correlations?: CorrelationStore;
  /** Where Distributed Maps keep their Map Runs. @default an InMemoryMapRunStore */
  readonly mapRuns?: MapRunStore;
  /**
   * The S3 objects Distributed Maps read their items from (ItemReader) and write their results to
   * (ResultWriter). @default an InMemoryObjectStorage with no bucket: put the objects a test needs
   */
  readonly objects?: ObjectStorage;
  /** @default 'baton.local' */
  readonly eventSource?: string;
  /** Epoch ms the virtual clock starts at. @default 2026-01-01T00:00:00Z */
  readonly startTime?: number;
  /** The inbox's visibility timeout (a failed message comes back after it), s. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to its dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  readonly logger?: OrchestratorLogger;
  /**
   * What `aws-sdk:*`, `sns:publish`, `bedrock:invokeModel` and job tasks (`athena:*`, `glue:*`,
   * `sagemaker:*`, `.sync` included) call: a stand-in for the AWS services a test plays.
   * @default none: such tasks fail with States.TaskFailed
   */
  readonly awsSdk?: AwsSdkTransport;
  /** What `apigateway:invoke` tasks call. @default none: such tasks fail with States.TaskFailed */
  readonly apiGateway?: ApiGatewayTransport;
  /**
   * The EventBridge connections of `http:invoke` tasks, whose HTTP calls are real (`fetch`): ARN ->
   * `AuthorizationType` and `AuthParameters` with the secrets, as an `AWS::Events::Connection`
   * resource's properties. @default read through `awsSdk` (DescribeConnection, GetSecretValue), as on AWS
   */
  readonly connections?: Readonly<Record<string, JsonObject>>;
}

/** A worker Lambda's handler, as a worker module exports it. */
export type WorkerLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Each domain's queues live in an account of their own, so that their ARNs differ. */
let instances = 0;

/** A message handling that failed: the message stays on its queue for redelivery (or its DLQ). */
export interface DeliveryFailure {
  readonly queue: string;
  readonly messageId: string;
  /** What was thrown, or the reason logged for a malformed message. */
  readonly error: unknown;
}

const SIGNING_KEY = 'in-process-domain-signing-key-0123456789';
/** Workers' queues: the construct's default visibility timeout. */
const WORKER_VISIBILITY_TIMEOUT_SECONDS = 60;

/**
 * The orchestrator with every handled message's result kept, for tests to read. It changes
 * nothing else: `handle` is the loop's own.
 */
class RecordingOrchestrator extends Orchestrator {
  readonly results: HandleResult[] = [];

  override async handle(...args: Parameters<Orchestrator['handle']>): Promise<HandleResult> {
    const result = await super.handle(...args);
    this.results.push(result);
    return result;
  }
}

/** One domain's orchestrator and workers, in process. */
export class InProcessDomain {
  readonly store: ExecutionStore;
  readonly definitions: DefinitionStore;
  /** The Map Runs of its Distributed Maps. */
  readonly mapRunStore: MapRunStore;
  /** The S3 objects its Distributed Maps read and write. */
  readonly objects: ObjectStorage;
  readonly inbox: LocalQueue;
  readonly inboxDeadLetters: LocalQueue;
  readonly workerQueues = new Map<string, LocalQueue>();
  readonly workerDeadLetters = new Map<string, LocalQueue>();
  /** The bus that `events:putEvents` tasks publish to. */
  readonly bus: LocalEventBus;
  /** Lifecycle events the orchestrator published, in order. */
  readonly published: DomainEvent[] = [];
  readonly orchestrator: Orchestrator;
  /** Every inbox message body sent, in order (results, timers, starts). */
  readonly sent: string[] = [];
  readonly failures: DeliveryFailure[] = [];
  readonly ports: OrchestratorPorts;
  /** Signs and verifies the domain's task tokens. */
  readonly signer = new TaskTokenSigner(SIGNING_KEY);
  private time: number;
  private readonly clock: Clock & Scheduler;
  private readonly timers: LocalTimerScheduler;
  private readonly inboxMapping: SqsEventSourceMapping;
  private readonly workerMappings = new Map<string, SqsEventSourceMapping>();
  /** What deployed workflows wait on; grows as workflows are deployed. */
  private readonly shapes: CorrelationShape[] = [];
  private sequence = 0;
  private readonly routes: (() => void)[] = [];

  constructor(options: InProcessDomainOptions = {}) {
    this.time = options.startTime ?? Date.parse('2026-01-01T00:00:00Z');
    // Function timeouts are the only timers the queue and the mapping set; an in-process handler
    // never runs that long, and a step cannot wait for virtual time to pass, so they never fire.
    this.clock = { now: () => this.time, schedule: () => () => undefined };
    const clock = this.clock;
    const ids = (prefix: string) => () => `${prefix}-${++this.sequence}`;
    const maxReceiveCount = options.maxReceiveCount ?? 5;
    const accountId = String(100_000_000_000 + ++instances);
    const queue = (name: string, visibilityTimeoutSeconds: number) => {
      const deadLetters = new LocalQueue({
        name: `${name}-dlq`,
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        accountId,
        clock,
        scheduler: clock,
        ids: ids(`${name}-dlq`),
      });
      const main = new LocalQueue({
        name,
        accountId,
        visibilityTimeoutSeconds,
        redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount },
        clock,
        scheduler: clock,
        ids: ids(name),
      });
      return { main, deadLetters };
    };
    this.store = options.store ?? new InMemoryExecutionStore();
    this.definitions = options.definitions ?? new InMemoryDefinitionStore();
    const inbox = queue('inbox', options.visibilityTimeoutSeconds ?? 30);
    this.inbox = inbox.main;
    this.inboxDeadLetters = inbox.deadLetters;
    const queued = new LocalInboxSender(this.inbox);
    const inboxSender: InboxSender = {
      send: async (body, sendOptions) => {
        this.sent.push(JSON.stringify(body));
        await queued.send(body, sendOptions);
      },
    };
    this.bus = new LocalEventBus({ name: 'in-process', clock, scheduler: clock });
    const workers = options.workers ?? {};
    const workerLambdas = options.workerLambdas ?? {};
    for (const name of [...Object.keys(workers), ...Object.keys(workerLambdas)]) {
      const { main, deadLetters } = queue(name, WORKER_VISIBILITY_TIMEOUT_SECONDS);
      this.workerQueues.set(name, main);
      this.workerDeadLetters.set(name, deadLetters);
    }
    this.timers = new LocalTimerScheduler({ inbox: inboxSender, clock, pollIntervalMs: 0 });
    const router = (to: InboxSender, mapRuns?: MapRunPerformer) =>
      new TaskRouter({
        transports: {
          ...localTaskTransports(this.workerQueues, this.bus),
          // `states:startExecution` starts this domain's own workflows.
          executions: new DomainWorkflows({
            own: domainOfStore('in-process', this.definitions, inboxSender),
          }),
          ...(options.awsSdk ? { awsSdk: options.awsSdk } : {}),
          ...(mapRuns ? { mapRuns } : {}),
          ...(options.apiGateway ? { apiGateway: options.apiGateway } : {}),
          http: httpTaskTransport({
            http: fetchHttpTransport(),
            connections:
              options.connections !== undefined || options.awsSdk === undefined
                ? givenConnections(options.connections ?? {}, IN_PROCESS_CONNECTIONS_HINT)
                : awsConnectionResolver({ awsSdk: options.awsSdk, now: () => clock.now() }),
            now: () => clock.now(),
          }),
        },
        clock,
        inbox: to,
        environment: 'in process (workers and events:putEvents run)',
      });
    // Distributed Maps: Map Runs in the domain's store, EXPRESS children in memory on this domain's
    // task router, STANDARD children as executions of their own (as the Lambda and npm start run them).
    this.mapRunStore = options.mapRuns ?? new InMemoryMapRunStore();
    this.objects = options.objects ?? new InMemoryObjectStorage();
    const mapRuns = createMapRuns({
      store: this.mapRunStore,
      objects: this.objects,
      inbox: inboxSender,
      definitions: this.definitions,
      clock,
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      childTasks: (to) => router(to),
    });
    const tasks = router(inboxSender, mapRuns);
    this.ports = {
      store: this.store,
      definitions: this.definitions,
      clock,
      // A plain object, so that a test can wrap one port's method.
      tasks: {
        dispatch: (task) => tasks.dispatch(task),
        cancelTask: (cancellation) => tasks.cancelTask(cancellation),
        pollTask: (poll) => tasks.pollTask(poll),
      },
      mapRuns,
      events: {
        publish: async (events) => {
          this.published.push(...events);
        },
      },
      correlations: options.correlations ?? new InMemoryCorrelationStore(clock),
      inbox: inboxSender,
      timers: {
        schedule: (timer) => this.timers.schedule(timer),
        cancel: (timer) => this.timers.cancel(timer),
      },
    };
    this.orchestrator = new RecordingOrchestrator({
      ports: this.ports,
      signer: this.signer,
      eventSource: options.eventSource ?? 'baton.local',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
      // Virtual time: a conflict retries at once rather than after a real, random wait.
      conflictBackoff: () => Promise.resolve(),
      correlationShapes: this.shapes,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const inboxLogger = new FailureRecordingLogger((extra) => {
      if (typeof extra.messageId !== 'string') return;
      this.failures.push({
        queue: this.inbox.name,
        messageId: extra.messageId,
        error: extra.error ?? extra.reason,
      });
    });
    this.inboxMapping = this.mapping(
      this.inbox,
      createInboxHandler({ orchestrator: this.orchestrator, logger: inboxLogger }),
      'orchestrator',
    );
    const workerLogger = new Logger({ serviceName: 'baton-in-process-worker', logLevel: 'SILENT' });
    for (const [name, handler] of Object.entries(workers)) {
      const worker = defineWorker(handler, { inbox: inboxSender, logger: workerLogger });
      this.workerMappings.set(name, this.mapping(this.workerQueues.get(name) as LocalQueue, worker, name));
    }
    for (const [name, handler] of Object.entries(workerLambdas)) {
      const workerQueue = this.workerQueues.get(name) as LocalQueue;
      this.routes.push(registerWorkerInbox(workerQueue.arn, inboxSender));
      this.workerMappings.set(name, this.mapping(workerQueue, handler, name));
    }
  }

  /** Removes the routes of the worker modules' results to this domain's inbox. */
  dispose(): void {
    for (const unroute of this.routes.splice(0)) unroute();
  }

  /** Every result the orchestrator returned, in order. */
  get results(): readonly HandleResult[] {
    return (this.orchestrator as RecordingOrchestrator).results;
  }

  /** The events its deployed workflows wait for (what its EventBridge rules route to the inbox). */
  get awaitedEvents(): readonly CorrelationShape[] {
    return this.shapes;
  }

  /** The virtual time, epoch ms. */
  now(): number {
    return this.time;
  }

  async deploy(name: string, definition: StateMachineDefinition): Promise<WorkflowRef> {
    for (const shape of correlationShapes(definition)) {
      if (!this.shapes.some((known) => JSON.stringify(known) === JSON.stringify(shape)))
        this.shapes.push(shape);
    }
    return this.definitions.put(name, definition);
  }

  /** Sends a message to the inbox (JSON values are serialized); returns its message id. */
  send(body: Json | string, delaySeconds = 0): string {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this.sent.push(text);
    return this.inbox.sendMessage({ body: text, ...(delaySeconds > 0 ? { delaySeconds } : {}) }).messageId;
  }

  /** Puts a domain event on the inbox as the domain's rule would route it there. */
  publishEvent(event: { id: string; 'detail-type': string; source: string; detail: Json }): string {
    return this.send({
      kind: 'EventReceived',
      event: { version: '0', time: new Date(this.time).toISOString(), ...event },
    });
  }

  /** Queues a start message; returns its message id. */
  start(workflow: string, input: Json, name?: string): string {
    return this.send({ kind: 'StartExecution', workflow, input, ...(name !== undefined ? { name } : {}) });
  }

  /**
   * Delivers one visible message (inbox first, then the worker queues in order). Returns false
   * when none is visible now.
   */
  async step(): Promise<boolean> {
    await this.timers.fireDue();
    if (await this.inboxMapping.invokeVisible()) return true;
    for (const name of this.workerMappings.keys()) if (await this.stepWorker(name)) return true;
    return false;
  }

  /** Delivers one visible message of a worker's queue to the worker; false when there is none. */
  async stepWorker(name: string): Promise<boolean> {
    return (await this.workerMappings.get(name)?.invokeVisible()) !== undefined;
  }

  /** Delivers the visible inbox messages all at once, as that many concurrent invocations would. */
  async deliverInboxConcurrently(): Promise<number> {
    const visible = this.inbox.approximateNumberOfMessages;
    await Promise.all(Array.from({ length: visible }, () => this.inboxMapping.invokeVisible()));
    return visible;
  }

  /** Delivers every message visible now (and those they cause), without moving the clock. */
  async runVisible(maxDeliveries = 100_000): Promise<void> {
    for (let i = 0; i < maxDeliveries; i++) if (!(await this.step())) return;
    throw new Error(`Still busy after ${maxDeliveries} deliveries`);
  }

  /** Moves the virtual clock forward. */
  advance(ms: number): void {
    this.time += ms;
  }

  /** Delivers messages until none is left, jumping the clock to delayed and hidden ones. */
  async runUntilIdle(maxDeliveries = 100_000): Promise<void> {
    for (let i = 0; i < maxDeliveries; i++) {
      if (await this.step()) continue;
      const next = this.nextVisibleAt();
      if (next === undefined) return;
      this.time = Math.max(this.time, next);
    }
    throw new Error(`Still busy after ${maxDeliveries} deliveries`);
  }

  private mapping(queue: LocalQueue, handler: WorkerLambda, functionName: string) {
    return new SqsEventSourceMapping({
      queue,
      handler,
      functionName,
      batchSize: 1,
      reportBatchItemFailures: true,
      functionTimeoutSeconds: Math.min(30, queue.visibilityTimeoutSeconds),
      clock: this.clock,
      scheduler: this.clock,
      ids: () => `request-${++this.sequence}`,
      onInvocation: (outcome) => this.recordWorkerFailure(queue, outcome),
    });
  }

  /** Worker failures: the inbox's are recorded with their errors by its logger. */
  private recordWorkerFailure(queue: LocalQueue, outcome: InvocationOutcome): void {
    if (queue === this.inbox) return;
    if (outcome.type === 'partially-failed') {
      for (const messageId of outcome.failedMessageIds)
        this.failures.push({ queue: queue.name, messageId, error: 'reported as a batch item failure' });
    } else if (outcome.type === 'failed') {
      for (const messageId of outcome.messageIds)
        this.failures.push({ queue: queue.name, messageId, error: outcome.error });
    }
  }

  private nextVisibleAt(): number | undefined {
    const times = [
      this.inbox.nextVisibleAt(),
      this.timers.nextMoveAt(),
      ...[...this.workerQueues.values()].map((queue) => queue.nextVisibleAt()),
    ];
    const defined = times.filter((time): time is number => time !== undefined);
    return defined.length > 0 ? Math.min(...defined) : undefined;
  }
}
