/**
 * The simulated world: one domain wired as it runs on AWS and locally, on a virtual clock, with a
 * fault injector at the boundaries of the real parts.
 *
 * - The queues are the local SQS emulator (`LocalQueue`, with dead-letter queues after
 *   `maxReceiveCount`); Lambda's SQS event source mapping (`SqsEventSourceMapping`) invokes the
 *   real inbox handler (`createInboxHandler`) and the real worker handler (`defineWorker`) with
 *   batches, partial batch failures and redelivery after the visibility timeout. Several
 *   invocations run at once, interleaved on the event loop, so results for one execution race.
 * - Timers go through the local timer scheduler (SQS delays up to 900 s, a schedule beyond).
 * - An orchestrator invocation runs in a "container" with its own `Orchestrator` and ports. An
 *   injected crash kills the container: every later port call of that invocation fails too (a dead
 *   process does nothing more) and the invocation returns no response, so none of its messages is
 *   deleted. The next invocation gets a fresh container (a cold start).
 * - Faults at the queues' boundary: late and duplicated sends, and the same message delivered to
 *   two consumers at once (its visibility ending early).
 * - As the local runtime (`localRuntime`), the queues and timers persist to a disk exactly as
 *   `npm start` persists them (the queues' journals and snapshots, the timers' file), and the whole
 *   process may be killed at any port call or between deliveries: every invocation in flight dies
 *   at its next step, and a new process starts from what the disk holds (see `local-disk.ts`).
 * - The store under the faults is the real `InMemoryExecutionStore` (or `DynamoDbExecutionStore`
 *   on dynalite, with or without a payload store), recording every commit and every transition it
 *   refused as too large; the correlation store likewise (`InMemoryCorrelationStore`, or
 *   `DynamoDbCorrelationStore`), logging its writes.
 * - The domain's EventBridge rules (`putDomainRules`) are on the bus: trigger events start
 *   executions, the events the workflows wait for reach the inbox, at least once (sometimes twice,
 *   the same event in two messages), through the same delivery faults as any message.
 *
 * Everything random comes from the seed's {@link Prng}; virtual time only moves when the world
 * says so. A run is a pure function of its seed.
 */
import { distributedMapExecutor } from '../../lambdas/engine/decide/distributed-map-state.js';
import { join } from 'node:path';
import type { Context, SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { defineWorker } from '../../lambdas/aws/define-worker.js';
import { createInboxHandler } from '../../lambdas/aws/sqs-inbox-handler.js';
import { isTerminal, type ExecutionStatus, type HistoryEventType } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import {
  DEFAULT_EVENT_RETENTION_MS,
  Orchestrator,
  messageKey,
  type HandleResult,
} from '../../lambdas/runtime/orchestrator.js';
import {
  TransientStoreError,
  TransitionTooLargeError,
  VersionConflictError,
  type CorrelationStore,
  type KeptEvent,
  type WaitingTask,
  type ExecutionStore,
  type InboxSender,
  type OrchestratorPorts,
  type Transition,
} from '../../lambdas/runtime/ports.js';
import { correlationShapes, type CorrelationShape } from '../../lambdas/contract/correlation-shapes.js';
import { DEAD_LETTER_RETENTION_SECONDS } from '../../lambdas/contract/queue-settings.js';
import { TaskRouter } from '../../lambdas/runtime/task-router.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import { SqsEventSourceMapping } from '../../local/emulators/lambda/sqs-event-source.js';
import { FailureRecordingLogger } from '../../testing/failure-recording-logger.js';
import { InMemoryCorrelationStore } from '../../testing/in-memory-correlation-store.js';
import { InMemoryDefinitionStore } from '../../testing/in-memory-definition-store.js';
import { InMemoryExecutionStore } from '../../testing/in-memory-execution-store.js';
import { LocalTimerScheduler, localTaskTransports } from '../../local/runtime/local-ports.js';
import type { Clock, Scheduler } from '../../local/emulators/sqs/clock.js';
import { LocalEventBus } from '../../local/emulators/eventbridge/bus.js';
import { LocalQueue } from '../../local/emulators/sqs/queue.js';
import { DomainControl } from '../../local/control/domain-control.js';
import { publishToBuses, putDomainRules, type EventTrigger } from '../../local/runtime/domain-rules.js';
import { SimulatedCrash, type FaultRates, type OutcomeWeights, type SizeProfile } from './faults.js';
import { QUEUE_PERSIST_DEBOUNCE_MS, type LocalDisk } from './local-disk.js';
import { LargePayloads } from './payloads.js';
import type {
  CommitRecord,
  CorrelationOpRecord,
  ExecutionRecord,
  HeartbeatRecord,
  PublishedRecord,
  RefusedCommitRecord,
  RunRecord,
} from './invariants.js';
import type { Prng } from './prng.js';
import { SimWorkers } from './workers.js';
import { TASK_WORKERS, UNDO_WORKER, type GeneratedWorkflow, type TaskInfo } from './workflow-generator.js';
import { bundledJsonata } from '../../lambdas/engine/jsonata/bundled-jsonata.js';
import { createMapRuns } from '../../lambdas/runtime/distributed-map/express-children.js';
import { InMemoryMapRunStore } from '../../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import { InMemoryObjectStorage } from '../../lambdas/runtime/distributed-map/in-memory-object-storage.js';
import type { MapRunStore } from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import type { MapRunPerformer } from '../../lambdas/runtime/ports.js';
import { noteMapRunMessage, noteMapRunSend, type MapRunTraces } from './map-runs.js';
import { assertValidDefinitionWith } from '../../lambdas/engine/definition-validator.js';

/** Where the virtual clock starts: 2026-01-01T00:00:00Z. */
export const WORLD_START = Date.UTC(2026, 0, 1);
/** The key the domain signs task tokens with. */
export const SIGNING_KEY = 'simulation-signing-key-0123456789abcdef';
/** How much later than its debounce a queue snapshot may be written, ms. */
const SLOW_SNAPSHOT_MS = 60_000;
/** SQS's longest message delay. */
const MAX_DELAY_SECONDS = 900;
const RESULT_EVENT_TYPES = new Set<HistoryEventType>([
  'TaskSucceeded',
  'TaskFailed',
  'CompensationTaskSucceeded',
  'CompensationTaskFailed',
]);

/** Options of {@link World}. */
export interface WorldOptions {
  readonly rng: Prng;
  readonly rates: FaultRates;
  readonly outcomes: { readonly tasks: OutcomeWeights; readonly compensations: OutcomeWeights };
  readonly workflows: readonly GeneratedWorkflow[];
  /** The inbox queue's visibility timeout. @default 30000 */
  readonly inboxVisibilityMs?: number;
  /** The worker queues' visibility timeout. @default 60000 */
  readonly workerVisibilityMs?: number;
  /** Receives before a message moves to its queue's DLQ. @default 8 */
  readonly maxReceiveCount?: number;
  /** Lambda invocations running at once. @default 3 */
  readonly maxConcurrency?: number;
  /** Records per invocation (the event source mapping's batch size). @default 1 */
  readonly batchSize?: number;
  /** Budget of deliveries before the run is declared stuck. @default 40000 */
  readonly maxDeliveries?: number;
  /** Budget of virtual time before the run is declared stuck, ms. @default 120 days */
  readonly maxVirtualMs?: number;
  /** Receives a line per delivery (for replaying a seed by hand). */
  readonly trace?: (line: string) => void;
  /**
   * Wraps the store the orchestrators see (below the fault injector). Only for tests of the
   * simulation itself: a deliberately broken store must make it report violations.
   * @default the store as is
   */
  readonly mutateStore?: (store: ExecutionStore) => ExecutionStore;
  /**
   * The store under the faults, built on the world's clock (`count` counts what it did, for the
   * summary).
   * @default an InMemoryExecutionStore
   */
  readonly store?: (clock: { now(): number }, count: (what: string) => void) => ExecutionStore;
  /**
   * The correlation store under the faults, built on the world's clock.
   * @default an InMemoryCorrelationStore
   */
  readonly correlations?: (clock: { now(): number }) => CorrelationStore;
  /**
   * Wraps the correlation store (below the fault injector). Only for tests of the simulation
   * itself, like `mutateStore`.
   * @default the store as is
   */
  readonly mutateCorrelations?: (store: CorrelationStore) => CorrelationStore;
  /** How long the orchestrator keeps an event nobody waits for yet. @default the loop's (24 hours) */
  readonly eventRetentionMs?: number;
  /** The domain's trigger rules: events that start executions. @default none */
  readonly triggers?: readonly EventTrigger[];
  /** Large payloads (results, inputs, events): how many and how large. @default none */
  readonly sizes?: SizeProfile;
  /**
   * Which payloads the stores keep in DynamoDB items as they are (see `payloads.ts`).
   * @default neither (the in-memory stores)
   */
  readonly itemLimits?: { readonly events: boolean };
  /** See `LargePayloads.growing`. @default false */
  readonly growing?: boolean;
  /**
   * Run as the local runtime does, on this disk: the queues and timers persist to it, and the
   * whole process may crash (FaultRates.processCrash) and restart from it.
   * @default none: queues and timers in memory, no process crash
   */
  readonly localRuntime?: LocalDisk;
}

/** The execution store under the faults (in memory, or DynamoDB on dynalite), recording every commit. */
class RecordingStore implements ExecutionStore {
  private readonly ids = new Set<string>();

  constructor(
    private readonly inner: ExecutionStore,
    private readonly onCommit: (transition: Transition) => void,
    private readonly onRefused: (transition: Transition, error: TransitionTooLargeError) => void,
  ) {}

  load: ExecutionStore['load'] = (executionId) => this.inner.load(executionId);
  findMessageVersion: ExecutionStore['findMessageVersion'] = (executionId, messageId, searchVersions) =>
    this.inner.findMessageVersion(executionId, messageId, searchVersions);
  loadCommands: ExecutionStore['loadCommands'] = (executionId, version) =>
    this.inner.loadCommands(executionId, version);
  history: ExecutionStore['history'] = (executionId, page) => this.inner.history(executionId, page);
  list: ExecutionStore['list'] = (filter) => this.inner.list(filter);
  writeIndex: ExecutionStore['writeIndex'] = (summary, version) => this.inner.writeIndex(summary, version);

  async commit(transition: Transition): Promise<void> {
    try {
      await this.inner.commit(transition);
    } catch (error) {
      if (error instanceof TransitionTooLargeError) this.onRefused(transition, error);
      throw error;
    }
    this.ids.add(transition.executionId);
    this.onCommit(transition);
  }

  /** Every execution a commit wrote. */
  executionIds(): string[] {
    return [...this.ids];
  }
}

/**
 * The correlation store under the faults (in memory, or on the DynamoDB table), logging each write
 * in the order it reached the store: the checker finds from the log which events a wait could see
 * when it registered.
 */
class RecordingCorrelationStore implements CorrelationStore {
  readonly log: CorrelationOpRecord[] = [];

  constructor(
    private readonly inner: CorrelationStore,
    private readonly now: () => number,
  ) {}

  register(key: string, taskToken: string, expiresAt: number): Promise<number> {
    return this.noted(
      { op: 'register', key, token: taskToken },
      this.inner.register(key, taskToken, expiresAt),
    );
  }

  unregister(key: string, taskToken: string): Promise<void> {
    return this.noted({ op: 'unregister', key, token: taskToken }, this.inner.unregister(key, taskToken));
  }

  waiting(key: string): Promise<WaitingTask[]> {
    return this.inner.waiting(key);
  }

  keepEvent(key: string, eventId: string, event: Json, expiresAt: number): Promise<void> {
    return this.noted({ op: 'keep', key, eventId }, this.inner.keepEvent(key, eventId, event, expiresAt));
  }

  keptEvents(key: string): Promise<KeptEvent[]> {
    return this.inner.keptEvents(key);
  }

  /**
   * Logs a write as it is made (the in-memory store applies it before its promise settles; the
   * DynamoDB seeds run one invocation at a time), and marks it failed if the store refused it.
   */
  private async noted<T>(
    op: Pick<CorrelationOpRecord, 'op' | 'key' | 'token' | 'eventId'>,
    call: Promise<T>,
  ): Promise<T> {
    const entry: { -readonly [K in keyof CorrelationOpRecord]: CorrelationOpRecord[K] } = {
      ...op,
      seq: this.log.length,
      at: this.now(),
    };
    this.log.push(entry);
    try {
      return await call;
    } catch (error) {
      entry.failed = true;
      throw error;
    }
  }
}

/** The orchestrator with each handled message's result traced and counted; `handle` is the loop's own. */
class TracingOrchestrator extends Orchestrator {
  onResult: ((result: HandleResult, messageId: string) => void) | undefined;

  override async handle(...args: Parameters<Orchestrator['handle']>): Promise<HandleResult> {
    const result = await super.handle(...args);
    this.onResult?.(result, args[1]);
    return result;
  }
}

/**
 * One orchestrator Lambda container: its own Orchestrator behind the real inbox handler, ports
 * that inject faults, and a life.
 */
class OrchestratorContainer {
  dead = false;
  /** No injected fault for the current invocation (its messages' last chances before the DLQ). */
  calm = false;
  readonly handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** The life of the process it runs in: a container of a process that died is dead too. */
  private readonly generation: number;

  constructor(
    private readonly world: World,
    generation: number,
  ) {
    this.generation = generation;
    const rates = world.rates;
    const table = world.storeView;
    const store: ExecutionStore = {
      load: async (executionId) => {
        this.alive();
        this.processCrash('before a load');
        if (this.fault(rates.loadThrottle, 'load throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (load)');
        return table.load(executionId);
      },
      commit: async (transition) => {
        this.alive();
        if (this.fault(rates.crashBeforeCommit, 'crash before commit')) this.die('after load, before commit');
        if (this.fault(rates.commitThrottle, 'commit throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (commit)');
        if (this.fault(rates.spuriousConflict, 'spurious conditional-check failure'))
          throw new VersionConflictError(transition.executionId, transition.version - 1);
        await table.commit(transition);
        this.processCrash('after a commit');
        if (this.fault(rates.commitLandedThenTimeout, 'commit landed, then timed out'))
          throw new TransientStoreError('The conditional put timed out (it landed)');
        if (this.fault(rates.commitLandedThenConflict, 'commit landed, SDK retry conflicted'))
          throw new VersionConflictError(transition.executionId, transition.version - 1);
        if (this.fault(rates.crashAfterCommit, 'crash after commit'))
          this.die('after commit, before perform');
      },
      findMessageVersion: async (executionId, messageId, searchVersions) => {
        this.alive();
        if (this.fault(rates.auxiliaryThrottle, 'findMessageVersion throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (findMessageVersion)');
        return table.findMessageVersion(executionId, messageId, searchVersions);
      },
      loadCommands: async (executionId, version) => {
        this.alive();
        if (this.fault(rates.auxiliaryThrottle, 'loadCommands throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (loadCommands)');
        return table.loadCommands(executionId, version);
      },
      history: (executionId, page) => table.history(executionId, page),
      list: (filter) => table.list(filter),
      writeIndex: async (summary, version) => {
        this.alive();
        if (this.fault(rates.auxiliaryThrottle, 'writeIndex throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (writeIndex)');
        if (this.fault(rates.crashDuringPerform, 'crash before the index write'))
          this.die('after perform, before the index write');
        await table.writeIndex(summary, version);
        this.processCrash('after the index write');
      },
    };
    const inbox: InboxSender = {
      send: async (body, options) => {
        this.alive();
        world.enqueue(world.inbox, body, (options?.delaySeconds ?? 0) * 1000);
      },
    };
    const mapRuns = this.mapRuns(inbox);
    const router = new TaskRouter({
      transports: { ...localTaskTransports(world.workerQueues, world.bus), mapRuns },
      inbox,
      environment: 'in the simulation (only workers run)',
    });
    const kept = world.correlations;
    /** A correlation store call: throttled sometimes, and the process may die right after a write. */
    const correlation = async <T>(what: string, call: () => Promise<T>, write: boolean): Promise<T> => {
      this.alive();
      if (this.fault(rates.correlationThrottle, `correlation ${what} throttled`))
        throw new TransientStoreError(`ProvisionedThroughputExceededException (correlation ${what})`);
      const result = await call();
      if (write) {
        this.processCrash(`after a correlation ${what}`);
        if (this.fault(rates.crashDuringPerform, `crash after a correlation ${what}`))
          this.die(`after a correlation ${what}`);
      }
      return result;
    };
    const correlations: CorrelationStore = {
      register: (key, token, expiresAt) =>
        correlation('register', () => kept.register(key, token, expiresAt), true),
      unregister: (key, token) => correlation('unregister', () => kept.unregister(key, token), true),
      waiting: (key) => correlation('waiting', () => kept.waiting(key), false),
      keepEvent: (key, eventId, event, expiresAt) =>
        correlation('keepEvent', () => kept.keepEvent(key, eventId, event, expiresAt), true),
      keptEvents: (key) => correlation('keptEvents', () => kept.keptEvents(key), false),
    };
    const ports: OrchestratorPorts = {
      store,
      definitions: world.definitions,
      mapRuns,
      clock: { now: () => world.now },
      tasks: {
        dispatch: async (task) => {
          this.alive();
          if (this.fault(rates.dispatchFailBefore, 'dispatch failed'))
            throw new TransientStoreError('SendMessage failed (worker queue)');
          await router.dispatch(task);
          this.processCrash('after a dispatch');
          if (this.fault(rates.dispatchFailAfter, 'dispatch queued, then failed'))
            throw new TransientStoreError('SendMessage timed out (the message was queued)');
          if (this.fault(rates.crashDuringPerform, 'crash after a dispatch'))
            this.die('while performing, after a dispatch');
        },
      },
      events: {
        publish: async (events) => {
          this.alive();
          if (this.fault(rates.partialPublish, 'partial PutEvents')) {
            for (const event of events)
              if (world.rng.chance(0.5)) world.published.push({ id: event.id, detailType: event.detailType });
            throw new TransientStoreError('PutEvents: FailedEntryCount > 0');
          }
          for (const event of events) world.published.push({ id: event.id, detailType: event.detailType });
          this.processCrash('after PutEvents');
          if (this.fault(rates.crashDuringPerform, 'crash after PutEvents'))
            this.die('while performing, after PutEvents');
        },
      },
      inbox,
      correlations,
      timers: {
        schedule: async (timer) => {
          this.alive();
          if (this.fault(rates.timerFail, 'timer scheduling failed')) {
            if (world.rng.chance(0.5)) await world.timers.schedule(timer);
            throw new TransientStoreError('CreateSchedule failed');
          }
          await world.timers.schedule(timer);
          this.processCrash('after scheduling a timer');
        },
        cancel: async (timer) => {
          this.alive();
          if (this.fault(rates.timerFail, 'timer cancel failed'))
            throw new TransientStoreError('DeleteSchedule failed');
          await world.timers.cancel(timer);
        },
      },
    };
    // A conflict backs off as the real one does (a random wait that doubles), counted in turns of
    // the event loop drawn from the seed rather than in real time, so that the run stays a
    // function of its seed.
    const orchestrator = new TracingOrchestrator({
      ports,
      signer: world.signer,
      eventSource: 'baton.sim',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
      correlationShapes: world.correlationShapes,
      ...(world.eventRetentionMs !== undefined ? { eventRetentionMs: world.eventRetentionMs } : {}),
      conflictBackoff: async (attempt) => {
        const turns = world.rng.int(0, Math.min(256, 4 * 2 ** attempt));
        for (let turn = 0; turn < turns; turn++) await Promise.resolve();
      },
    });
    orchestrator.onResult = (result, messageId) => {
      world.count(`inbox: ${result.type}`);
      world.traceLine(`${messageId} -> ${JSON.stringify(result)}`);
    };
    this.handler = createInboxHandler({ orchestrator, logger: world.inboxLogger });
  }

  /**
   * The real Map Runs on this container's inbox and a Map Run store under the faults: a write may
   * be throttled, and the container or the process may die right before or after it.
   */
  private mapRuns(inbox: InboxSender): MapRunPerformer {
    const world = this.world;
    const rates = world.rates;
    const kept = world.mapRunStore;
    const write = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
      this.alive();
      if (this.fault(rates.commitThrottle, `Map Run ${what} throttled`))
        throw new TransientStoreError(`ProvisionedThroughputExceededException (Map Run ${what})`);
      if (this.fault(rates.crashBeforeCommit, `crash before a Map Run ${what}`))
        this.die(`before a Map Run ${what}`);
      const result = await call();
      this.processCrash(`after a Map Run ${what}`);
      if (this.fault(rates.crashAfterCommit, `crash after a Map Run ${what}`))
        this.die(`after a Map Run ${what}`);
      return result;
    };
    const store: MapRunStore = {
      create: (record) => write('create', () => kept.create(record)),
      update: (record) => write('update', () => kept.update(record)),
      recordChunk: (mapRunId, outcome) => write('chunk', () => kept.recordChunk(mapRunId, outcome)),
      load: async (mapRunId) => {
        this.alive();
        if (this.fault(rates.loadThrottle, 'Map Run load throttled'))
          throw new TransientStoreError('ProvisionedThroughputExceededException (Map Run load)');
        return kept.load(mapRunId);
      },
      counts: async (mapRunId) => {
        this.alive();
        return kept.counts(mapRunId);
      },
      chunks: (mapRunId, chunks) => {
        this.alive();
        return kept.chunks(mapRunId, chunks);
      },
    };
    const runs = createMapRuns({
      store,
      objects: world.objects,
      inbox: {
        send: async (body, options) => {
          await inbox.send(body, options);
          noteMapRunSend(world.mapRunTraces, body);
        },
      },
      definitions: world.definitions,
      clock: { now: () => world.now },
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      childTasks: (to) =>
        new TaskRouter({
          transports: localTaskTransports(world.workerQueues, world.bus),
          inbox: to,
          environment: 'in the simulation (only workers run)',
        }),
      // Small steps: a run of a few dozen items takes many ticks and chunks.
      childrenPerTick: 3,
      childrenPerChunk: 2,
    });
    return {
      start: (task) => runs.start(task),
      cancel: (cancellation) => runs.cancel(cancellation),
      childEnd: (command) => runs.childEnd(command),
      handle: async (message) => {
        const reason = await runs.handle(message);
        noteMapRunMessage(world.mapRunTraces, message, reason);
        return reason;
      },
    };
  }

  /** Draws a fault of probability `p` (never when calm), counting it. */
  fault(p: number, what: string): boolean {
    if (this.calm || !this.world.rng.chance(p)) return false;
    this.world.count(what);
    return true;
  }

  die(point: string): never {
    this.dead = true;
    throw new SimulatedCrash(point);
  }

  /** Kills the whole local runtime here, sometimes (never on a calm invocation's behalf). */
  processCrash(point: string): void {
    if (this.calm || !this.world.crashProcess(`orchestrator ${point}`)) return;
    this.dead = true;
    throw new SimulatedCrash(`the process died ${point}`);
  }

  private alive(): void {
    if (this.dead) throw new SimulatedCrash('the Lambda already died');
    if (this.generation !== this.world.generation) {
      this.dead = true;
      throw new SimulatedCrash('the process died');
    }
  }
}

/**
 * What lives in the local runtime's process (or, without a disk, in the simulated AWS services):
 * the queue objects, the pollers, the bus with its rules, the timer scheduler. A process crash
 * drops all of it; the next process builds it again from the disk.
 */
interface RuntimeProcess {
  readonly inbox: LocalQueue;
  readonly bus: LocalEventBus;
  readonly timers: LocalTimerScheduler;
  readonly mappings: readonly SqsEventSourceMapping[];
  /** Every queue it opened, dead-letter queues included: each may hold its journal open. */
  readonly queues: readonly LocalQueue[];
}

/** A stop or redrive message as sent: its kind and the run it names, if any. */
interface ControlMessage {
  readonly kind: 'StopExecution' | 'RedriveExecution';
  readonly run?: number;
}

/** A snapshot write a persisted queue asked for (its debounce), due at `at`. */
interface PendingFlush {
  readonly at: number;
  readonly generation: number;
  readonly queue: () => LocalQueue | undefined;
}

/** The domain: queues, orchestrator containers, workers, stores and the fault injector. */
export class World {
  now = WORLD_START;
  readonly rng: Prng;
  readonly rates: FaultRates;
  readonly table: RecordingStore;
  /** The store as the orchestrators see it (the table, or a deliberately broken view of it). */
  readonly storeView: ExecutionStore;
  readonly definitions = new InMemoryDefinitionStore();
  /** Map Runs' records: a table of their own, kept across process crashes. */
  readonly mapRunStore = new InMemoryMapRunStore();
  /** The S3 objects Map Runs read their items from and write their results to. */
  readonly objects = new InMemoryObjectStorage();
  /** What the Map Runs did: their ticks and their reports to their parents. */
  readonly mapRunTraces: MapRunTraces = { runs: new Map(), reports: new Map() };
  readonly signer = new TaskTokenSigner(SIGNING_KEY);
  readonly clock: Clock & Scheduler;
  /** The worker queues of the running process, by worker name. */
  readonly workerQueues = new Map<string, LocalQueue>();
  /** Each queue's dead-letter queue, by the queue's name. */
  readonly deadLetterQueues = new Map<string, LocalQueue>();
  readonly workers: SimWorkers;
  /** Logs the inbox handler's failures: why each failed message failed. */
  readonly inboxLogger: FailureRecordingLogger;
  readonly commits: CommitRecord[] = [];
  readonly heartbeats: HeartbeatRecord[] = [];
  readonly published: PublishedRecord[] = [];
  readonly poisonSent: { queue: string; messageId: string }[] = [];
  /** What happened how often (faults, results, ...), for the summary. */
  readonly counts: Record<string, number> = {};
  deliveries = 0;
  /** The life of the local runtime's process: 0, then one more after each crash. */
  generation = 0;
  private readonly workflows: ReadonlyMap<string, GeneratedWorkflow>;
  /** The task token of each result message, by the key a commit records (`messageKey`). */
  private readonly resultTokens = new Map<string, string>();
  private idle: OrchestratorContainer[] = [];
  private readonly maxReceiveCount: number;
  private readonly maxConcurrency: number;
  private readonly maxDeliveries: number;
  private readonly maxVirtualMs: number;
  private readonly batchSize: number;
  private readonly inboxVisibilityMs: number;
  private readonly workerVisibilityMs: number;
  private readonly trace: ((line: string) => void) | undefined;
  private sequence = 0;
  private readonly watched = new Map<
    string,
    { lastEventId: number; terminal: boolean; status: ExecutionStatus }
  >();
  private readonly appliedTokens = new Set<string>();
  /** When each inbox message counts from, by message id: its send time, or its first receipt if earlier. */
  private readonly countsFrom = new Map<string, number>();
  /** Why a message last failed, by message id (the DLQ's reason). */
  private readonly lastErrors = new Map<string, string>();
  private readonly poisonIds = new Set<string>();
  /**
   * Every message seen in a dead-letter queue, with the queue it came from, in the order seen: a
   * dead letter expires from its queue 14 days after it was first sent, and a run may last longer.
   */
  private readonly deadLettered = new Map<string, string>();
  /** Copies of sent messages that arrive again hours or days later (see FaultRates.lateCopy). */
  private lateCopies: { readonly at: number; readonly queue: string; readonly body: Json }[] = [];
  /** Where the local runtime's files are; without it, queues and timers live in memory and never crash. */
  private readonly disk: LocalDisk | undefined;
  private process: RuntimeProcess;
  /** Snapshot writes the persisted queues asked for. */
  private readonly flushes = new Set<PendingFlush>();
  /** A process crash happened during the current round: restart once the round has unwound. */
  private restartPending = false;
  private processCrashes = 0;
  /** Invocations in flight that hold a message's last chances (no process crash may hit them). */
  private calmInFlight = 0;
  /** The control plane the operator uses: the real one, over the domain's store and inbox. */
  readonly control: DomainControl;
  /** What the operator (or a producer) does at a moment of the run, in order of time. */
  private agenda: { readonly at: number; readonly what: string; readonly action: () => Promise<void> }[] = [];
  private readonly statusListeners: ((executionId: string, status: ExecutionStatus) => void)[] = [];
  /** The stop and redrive messages sent, by message id: the run each names (undefined: none). */
  private readonly controlMessages = new Map<string, ControlMessage>();
  /** The correlation store under the faults, logging its writes. */
  readonly correlations: RecordingCorrelationStore;
  /** What the domain's waiting states match events on (the orchestrator's and the rules'). */
  readonly correlationShapes: readonly CorrelationShape[];
  readonly eventRetentionMs: number | undefined;
  private readonly triggers: readonly EventTrigger[];
  /** Transitions the store refused as too large. */
  readonly refusedCommits: RefusedCommitRecord[] = [];
  /** The seed's large payloads, if it has any. */
  readonly payloads: LargePayloads | undefined;
  /** The keys (`messageKey`) of the inbox messages the domain's rules sent (events). */
  private readonly eventMessages = new Set<string>();

  constructor(options: WorldOptions) {
    this.rng = options.rng;
    this.rates = options.rates;
    this.maxReceiveCount = options.maxReceiveCount ?? 8;
    this.maxConcurrency = options.maxConcurrency ?? 3;
    this.maxDeliveries = options.maxDeliveries ?? 40_000;
    this.maxVirtualMs = options.maxVirtualMs ?? 120 * 24 * 3600 * 1000;
    this.batchSize = options.batchSize ?? 1;
    this.inboxVisibilityMs = options.inboxVisibilityMs ?? 30_000;
    this.workerVisibilityMs = options.workerVisibilityMs ?? 60_000;
    this.trace = options.trace;
    this.disk = options.localRuntime;
    this.workflows = new Map(options.workflows.map((workflow) => [workflow.name, workflow]));
    this.table = new RecordingStore(
      options.store?.({ now: () => this.now }, (what) => this.count(what)) ?? new InMemoryExecutionStore(),
      (transition) => this.recordCommit(transition),
      (transition, error) => this.recordRefused(transition, error),
    );
    const correlations =
      options.correlations?.({ now: () => this.now }) ??
      new InMemoryCorrelationStore({ now: () => this.now });
    this.correlations = new RecordingCorrelationStore(
      options.mutateCorrelations ? options.mutateCorrelations(correlations) : correlations,
      () => this.now,
    );
    this.correlationShapes = options.workflows.flatMap((workflow) => correlationShapes(workflow.definition));
    this.eventRetentionMs = options.eventRetentionMs;
    this.triggers = options.triggers ?? [];
    this.payloads =
      options.sizes &&
      new LargePayloads(
        options.sizes,
        options.itemLimits ?? { events: false },
        (what) => this.count(what),
        options.growing === true,
      );
    this.storeView = options.mutateStore ? options.mutateStore(this.table) : this.table;
    // Function timeouts are the only timers the queues and the mappings set: a handler here never
    // runs for virtual time, so they never fire.
    this.clock = { now: () => this.now, schedule: () => () => undefined };
    this.inboxLogger = new FailureRecordingLogger((extra) => {
      if (typeof extra.messageId !== 'string') return;
      this.lastErrors.set(extra.messageId, describeError(extra.error ?? extra.reason));
    });
    this.workers = new SimWorkers(
      {
        rng: this.rng,
        now: () => this.now,
        taskInfo: (workflow, stateName) => this.taskInfo(workflow, stateName),
        report: (body, delayMs) => this.enqueue(this.inbox, body, delayMs),
        nextSeq: () => ++this.sequence,
        count: (what) => this.count(what),
        generation: () => this.generation,
        crashProcess: (point) => this.crashProcess(point),
      },
      options.outcomes,
      this.payloads,
    );
    this.process = this.startProcess();
    this.control = new DomainControl({
      domains: [
        {
          name: 'sim',
          store: this.table,
          definitions: this.definitions,
          // The control plane's requests are messages like any other: late, duplicated, copied.
          inbox: { send: async (body) => this.enqueue(this.inbox, body, 0) },
        },
      ],
      publish: (entries) => publishToBuses(new Map([[this.bus.name, this.bus]]), entries),
      describeDomains: async () => [],
      tokens: this.signer,
    });
  }

  /** Tells `listener` of every status an execution commits (a change from its previous commit). */
  onStatusChange(listener: (executionId: string, status: ExecutionStatus) => void): void {
    this.statusListeners.push(listener);
  }

  /** Runs `action` at `atMs` after the run's start (an operator's or a producer's request). */
  at(atMs: number, what: string, action: () => Promise<void>): void {
    this.agenda.push({ at: WORLD_START + atMs, what, action });
    this.agenda.sort((a, b) => a.at - b.at);
  }

  /** Runs `action` `delayMs` from now. */
  after(delayMs: number, what: string, action: () => Promise<void>): void {
    this.at(this.now - WORLD_START + delayMs, what, action);
  }

  /** Runs the agenda's actions that are due, one after another. */
  private async runAgenda(): Promise<void> {
    while (this.agenda[0] !== undefined && this.agenda[0].at <= this.now) {
      const item = this.agenda.shift() as (typeof this.agenda)[number];
      this.traceLine(`operator: ${item.what}`);
      await item.action();
    }
  }

  /** The inbox of the running process. */
  get inbox(): LocalQueue {
    return this.process.inbox;
  }

  /** The bus of the running process (`events:putEvents` tasks would use it; the generated workflows have none). */
  get bus(): LocalEventBus {
    return this.process.bus;
  }

  /** The timer scheduler of the running process. */
  get timers(): LocalTimerScheduler {
    return this.process.timers;
  }

  /**
   * Starts the runtime's process: the queues (persisted to the disk, and read back from it after a
   * crash, when there is one), the bus, the timer scheduler, the pollers and the functions.
   */
  private startProcess(): RuntimeProcess {
    const generation = this.generation;
    const ids = () => `m${++this.sequence}`;
    const folder = this.disk?.folder;
    /** How a queue persists: not at all without a disk; else as the local runtime persists it. */
    const persisted = (name: string, debounceMs: number | undefined) => {
      let created: LocalQueue | undefined;
      const bind = (queue: LocalQueue) => (created = queue);
      if (folder === undefined) return { options: { clock: this.clock, scheduler: this.clock }, bind };
      // The debounced snapshot write, on the virtual clock: the run writes it when it falls due,
      // sometimes much later (a busy event loop, a slow disk): what is durable must not depend on
      // snapshots being timely.
      const scheduler: Scheduler = {
        schedule: (_write, delayMs) => {
          const slow = this.rng.chance(0.5) ? this.rng.int(0, SLOW_SNAPSHOT_MS) : 0;
          const flush: PendingFlush = { at: this.now + delayMs + slow, generation, queue: () => created };
          this.flushes.add(flush);
          return () => this.flushes.delete(flush);
        },
      };
      return {
        options: {
          clock: this.clock,
          scheduler,
          persistTo: join(folder, 'queues', `${name}.json`),
          ...(debounceMs !== undefined ? { persistDebounceMs: debounceMs } : {}),
          onPersistError: (error: unknown) => this.count(`queue snapshot failed: ${describeError(error)}`),
        },
        bind,
      };
    };
    const opened: LocalQueue[] = [];
    const queue = (name: string, visibilityMs: number) => {
      // Dead letters are kept as long as the construct keeps them: a run spans days. The local
      // runtime persists them with the default debounce, the others with its own.
      const deadLetterPersistence = persisted(`${name}-dlq`, undefined);
      const deadLetters = new LocalQueue({
        name: `${name}-dlq`,
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        ids,
        ...deadLetterPersistence.options,
      });
      deadLetterPersistence.bind(deadLetters);
      const persistence = persisted(name, QUEUE_PERSIST_DEBOUNCE_MS);
      const main = new LocalQueue({
        name,
        visibilityTimeoutSeconds: Math.ceil(visibilityMs / 1000),
        redrivePolicy: { deadLetterQueue: deadLetters, maxReceiveCount: this.maxReceiveCount },
        ids,
        ...persistence.options,
      });
      persistence.bind(main);
      this.deadLetterQueues.set(name, deadLetters);
      opened.push(main, deadLetters);
      return main;
    };
    const inbox = queue('inbox', this.inboxVisibilityMs);
    for (const name of [...TASK_WORKERS, UNDO_WORKER])
      this.workerQueues.set(name, queue(`worker-${name}`, this.workerVisibilityMs));
    const bus = new LocalEventBus({ name: 'sim', clock: this.clock, scheduler: this.clock, ids });
    // The domain's rules, as the construct deploys them: triggers start executions, the events
    // its waiting states match reach the inbox. EventBridge delivers at least once.
    putDomainRules(bus, {
      domain: 'sim',
      triggers: this.triggers,
      awaited: this.correlationShapes,
      sendToInbox: (body) => this.deliverEvent(body),
    });
    const timers = new LocalTimerScheduler({
      inbox: this.timerInbox(),
      clock: this.clock,
      pollIntervalMs: 0,
      ...(folder !== undefined ? { file: join(folder, 'timers-sim.json') } : {}),
    });
    const mappings = [
      this.mapping(inbox, 'orchestrator', this.batchSize, (event, context) =>
        this.invokeOrchestrator(event, context, generation),
      ),
    ];
    // The worker Lambda, loaded again by each process (a module keeps nothing across a crash).
    const worker = defineWorker(this.workers.handler, {
      inbox: this.workers.inbox,
      logger: new FailureRecordingLogger((extra) => {
        if (typeof extra.messageId === 'string')
          this.lastErrors.set(extra.messageId, describeError(extra.error));
      }),
    });
    for (const [name, workerQueue] of this.workerQueues)
      mappings.push(
        this.mapping(workerQueue, name, this.batchSize, (event, context) =>
          this.invokeWorker(worker, event, context, generation),
        ),
      );
    this.idle = [];
    return { inbox, bus, timers, mappings, queues: opened };
  }

  /**
   * Kills the whole local runtime (`kill -9`), sometimes: only with a disk, within the seed's
   * budget of crashes, and never while an invocation holds a message's last chances. Every
   * container and worker of the process dies at its next step; the run restarts the process from
   * the disk once the round has unwound. Returns whether it crashed.
   */
  crashProcess(point: string): boolean {
    if (this.disk === undefined || this.restartPending || this.calmInFlight > 0) return false;
    if (this.processCrashes >= this.rates.maxProcessCrashes) return false;
    if (!this.rng.chance(this.rates.processCrash)) return false;
    this.killProcess(point);
    return true;
  }

  private killProcess(point: string): void {
    const disk = this.disk as LocalDisk;
    this.processCrashes += 1;
    this.count('process crash (kill -9)');
    this.count(`process crash: ${point}`);
    this.traceLine(`!! PROCESS CRASH ${point}`);
    disk.crash();
    this.generation += 1;
    this.restartPending = true;
    // The dead process's debounced snapshot writes die with it.
    this.flushes.clear();
  }

  /** The restarted process: everything rebuilt from the disk the crash left. */
  private async restart(): Promise<void> {
    this.restartPending = false;
    // What the operating system does for a killed process: its files are closed. The dead
    // process's invocations have unwound by now (a restart waits for the round's end), and its
    // folder is never read again, so closing its queues writes nothing anyone sees.
    await this.release(this.process);
    this.process = this.startProcess();
    this.count('process restart');
    this.traceLine(`process ${this.generation} started from the disk`);
  }

  /** Closes a process's files: its queues' journals and its timers' journal. */
  private async release(process: RuntimeProcess): Promise<void> {
    process.timers.stop();
    await Promise.all(process.queues.map((queue) => queue.close()));
  }

  /** Closes the running process's files, once the run is over and recorded. */
  async dispose(): Promise<void> {
    await this.release(this.process);
  }

  /** Writes the snapshots whose debounce has run out (the process is between rounds). */
  private async flushDue(): Promise<void> {
    // Once no crash can come any more, nothing reads the disk again: snapshots are only cost.
    const crashless = this.rates.processCrash === 0 && this.rates.idleProcessCrash === 0;
    if (this.processCrashes >= this.rates.maxProcessCrashes || crashless) {
      this.flushes.clear();
      return;
    }
    for (const flush of [...this.flushes]) {
      if (flush.at > this.now) continue;
      this.flushes.delete(flush);
      if (flush.generation !== this.generation) continue;
      await flush.queue()?.flush();
    }
  }

  count(what: string, by = 1): void {
    this.counts[what] = (this.counts[what] ?? 0) + by;
  }

  traceLine(line: string): void {
    this.trace?.(`${this.clockText()} ${line}`);
  }

  async deploy(): Promise<void> {
    for (const workflow of this.workflows.values())
      await this.definitions.put(workflow.name, workflow.definition);
  }

  /** Sends a legitimate inbox message (a start, a stop) `delayMs` from now. */
  sendInbox(body: Json, delayMs: number): void {
    this.enqueue(this.inbox, body, delayMs);
  }

  /** Sends a message made malformed or forged on purpose: it must end in the DLQ. */
  sendPoison(queue: LocalQueue, body: string, delayMs: number): void {
    const { messageId } = queue.sendMessage({ body, delaySeconds: delaySecondsOf(delayMs) });
    this.poisonIds.add(messageId);
    this.poisonSent.push({ queue: queue.name, messageId });
  }

  /**
   * EventBridge's delivery of an event to the inbox (a rule's target): at least once, so sometimes
   * twice (the same event, in two messages), each through the delivery faults.
   */
  private deliverEvent(body: Json): void {
    this.count('event routed to the inbox by a rule');
    this.enqueue(this.inbox, body, 0);
    if (this.rng.chance(this.rates.eventDuplicateDelivery)) {
      this.count('EventBridge duplicate delivery (same event id)');
      this.enqueue(this.inbox, body, this.rng.int(0, this.rates.maxExtraDelayMs));
    }
  }

  /**
   * A producer's send, through the delivery faults: late, or duplicated by the producer, and
   * sometimes again hours or days later.
   */
  enqueue(queue: LocalQueue, body: Json, delayMs: number): void {
    const rates = this.rates;
    const text = JSON.stringify(body);
    const extra = () => {
      if (!this.rng.chance(rates.delayedDelivery)) return 0;
      this.count('delayed delivery');
      return this.rng.int(1, rates.maxExtraDelayMs);
    };
    const send = () => {
      const { messageId } = queue.sendMessage({
        body: text,
        delaySeconds: delaySecondsOf(delayMs + extra()),
      });
      this.noteMessage(messageId, body);
    };
    send();
    if (this.rng.chance(rates.duplicateSend)) {
      this.count('duplicate send (new message id)');
      send();
    }
    if (this.rng.chance(rates.lateCopy)) {
      this.count('late copy (hours to days later)');
      this.lateCopies.push({
        at: this.now + this.rng.int(900_001, rates.maxLateCopyMs),
        queue: queue.name,
        body,
      });
    }
  }

  /** Sends the late copies that are due. */
  private sendLateCopies(): void {
    const due = this.lateCopies.filter((copy) => copy.at <= this.now);
    if (due.length === 0) return;
    this.lateCopies = this.lateCopies.filter((copy) => copy.at > this.now);
    for (const copy of due) {
      const { messageId } = this.queueNamed(copy.queue).sendMessage({ body: JSON.stringify(copy.body) });
      this.noteMessage(messageId, copy.body);
    }
  }

  /** The running process's queue of that name (its inbox or a worker queue). */
  private queueNamed(name: string): LocalQueue {
    if (name === this.inbox.name) return this.inbox;
    for (const queue of this.workerQueues.values()) if (queue.name === name) return queue;
    throw new Error(`the simulation has no queue named ${name}`);
  }

  /**
   * Delivers messages until every queue is empty (jumping the clock to the next delayed one), or
   * until the budget runs out. Returns why the run stopped early, or undefined when it went idle.
   */
  async run(): Promise<string | undefined> {
    for (;;) {
      // Before the clock moves on: a message moved in the last round has not expired yet.
      this.noteDeadLetters();
      if (this.deliveries >= this.maxDeliveries)
        return `the run was still busy after ${this.deliveries} deliveries`;
      if (this.now - WORLD_START > this.maxVirtualMs)
        return `the run was still busy after ${Math.round((this.now - WORLD_START) / 86_400_000)} virtual days`;
      await this.timers.fireDue();
      this.sendLateCopies();
      await this.runAgenda();
      await this.flushDue();
      if (this.disk !== undefined && this.processCrashes < this.rates.maxProcessCrashes) {
        if (this.rng.chance(this.rates.idleProcessCrash)) {
          this.killProcess('between deliveries');
          await this.restart();
        }
      }
      const mappings = this.process.mappings;
      const ready = mappings.filter((mapping) => mapping.queue.approximateNumberOfMessages > 0);
      if (ready.length === 0) {
        const times = [
          this.timers.nextMoveAt(),
          this.agenda[0]?.at,
          ...this.lateCopies.map((copy) => copy.at),
          ...mappings.map((mapping) => mapping.queue.nextVisibleAt()),
        ];
        const next = times.reduce<number | undefined>(
          (earliest, at) => (at !== undefined && (earliest === undefined || at < earliest) ? at : earliest),
          undefined,
        );
        if (next === undefined) return undefined;
        this.now = Math.max(this.now, next);
        continue;
      }
      // Several invocations at once, on any queue with messages: results for one execution race.
      const size = this.rng.int(1, this.maxConcurrency);
      const invocations = Array.from({ length: size }, () => this.rng.pick(ready).invokeVisible());
      const outcomes = await Promise.all(invocations);
      for (const outcome of outcomes) this.deliveries += outcome?.messageIds.length ?? 0;
      if (this.restartPending) await this.restart();
      if (this.rng.chance(0.25)) this.now += this.rng.int(1, 1500);
    }
  }

  /** One orchestrator invocation: in a container, through the real inbox handler. */
  private async invokeOrchestrator(
    event: SQSEvent,
    context: Context,
    generation: number,
  ): Promise<SQSBatchResponse> {
    // A poller of a process that died in this round invokes nothing more.
    if (generation !== this.generation) throw new SimulatedCrash('the process died');
    const idle = this.idle;
    const container = idle.pop() ?? new OrchestratorContainer(this, generation);
    container.calm = event.Records.some(
      (record) => Number(record.attributes.ApproximateReceiveCount) >= this.maxReceiveCount - 1,
    );
    if (container.calm) this.calmInFlight += 1;
    try {
      this.noteReceived(event);
      if (container.fault(this.rates.crashAfterReceive, 'crash after receive'))
        container.die('after receive');
      for (const record of event.Records) await this.noteHeartbeat(record.body, record.messageId, 'before');
      const response = await container.handler(event, context);
      // A process that died mid-batch answers nothing: none of the batch is deleted.
      if (container.dead) throw new SimulatedCrash('the Lambda died during the batch');
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const record of event.Records)
        if (!failed.has(record.messageId)) await this.noteHeartbeat(record.body, record.messageId, 'after');
      if (container.fault(this.rates.crashBeforeAck, 'crash before ack'))
        container.die('before deleting the messages');
      container.processCrash('before deleting the messages');
      return response;
    } catch (error) {
      for (const record of event.Records) this.lastErrors.set(record.messageId, describeError(error));
      this.traceLine(
        `orchestrator invocation ${event.Records.map((r) => r.messageId).join(',')} !! ${describeError(error)}`,
      );
      throw error;
    } finally {
      if (container.calm) this.calmInFlight -= 1;
      // Back to the pool of its own process (a restarted process starts with none).
      if (!container.dead) idle.push(container);
    }
  }

  /** One worker invocation: the real `defineWorker` handler, with Lambda-level crashes around it. */
  private async invokeWorker(
    worker: ReturnType<typeof defineWorker>,
    event: SQSEvent,
    context: Context,
    generation: number,
  ): Promise<SQSBatchResponse> {
    if (generation !== this.generation) throw new SimulatedCrash('the process died');
    const calm = event.Records.some(
      (record) => Number(record.attributes.ApproximateReceiveCount) >= this.maxReceiveCount - 1,
    );
    const fault = (p: number, what: string) => {
      if (calm || !this.rng.chance(p)) return false;
      this.count(what);
      return true;
    };
    const processCrash = (point: string) => {
      if (!calm && this.crashProcess(`worker ${point}`))
        throw new SimulatedCrash(`the process died in a worker ${point}`);
      if (generation !== this.generation) throw new SimulatedCrash('the process died');
    };
    if (calm) this.calmInFlight += 1;
    try {
      this.noteReceived(event);
      const source = this.workerQueues.get(functionNameOf(event));
      if (source) this.duplicateDeliveries(source, event);
      if (fault(this.rates.workerCrashAfterReceive, 'worker crash after receive'))
        throw new SimulatedCrash('worker died after receive');
      processCrash('after receive');
      for (const record of event.Records) {
        const token = taskTokenOf(record.body);
        if (token === undefined) continue;
        const lastChance = Number(record.attributes.ApproximateReceiveCount) >= this.maxReceiveCount - 1;
        this.workers.arm(token, {
          dieBeforeReport: this.rates.workerCrashBeforeReport,
          reportSendFail: this.rates.reportSendFail,
          calm: lastChance,
          generation,
        });
      }
      const response = await worker(event, context);
      if (fault(this.rates.workerCrashBeforeAck, 'worker crash before ack'))
        throw new SimulatedCrash('worker died before deleting the messages');
      processCrash('before deleting the messages');
      this.traceLine(
        `worker invocation ${event.Records.map((r) => r.messageId).join(',')} -> ${JSON.stringify(response)}`,
      );
      return response;
    } catch (error) {
      for (const record of event.Records) this.lastErrors.set(record.messageId, describeError(error));
      this.traceLine(
        `worker invocation ${event.Records.map((r) => r.messageId).join(',')} !! ${describeError(error)}`,
      );
      throw error;
    } finally {
      if (calm) this.calmInFlight -= 1;
    }
  }

  private mapping(
    queue: LocalQueue,
    functionName: string,
    batchSize: number,
    handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  ): SqsEventSourceMapping {
    return new SqsEventSourceMapping({
      queue,
      handler,
      functionName,
      batchSize,
      reportBatchItemFailures: true,
      functionTimeoutSeconds: Math.min(30, queue.visibilityTimeoutSeconds),
      clock: this.clock,
      scheduler: this.clock,
      ids: () => `request-${++this.sequence}`,
    });
  }

  /**
   * The same message delivered to two consumers: while an invocation holds a record, its
   * visibility ends, so another invocation (running at the same time, or next) receives it too.
   */
  private duplicateDeliveries(queue: LocalQueue, event: SQSEvent): void {
    for (const record of event.Records) {
      if (!this.rng.chance(this.rates.duplicateDelivery)) continue;
      this.count('duplicate delivery (same message id)');
      queue.changeMessageVisibility(record.receiptHandle, 0);
    }
  }

  /** The timers' way to the inbox: never early, sometimes late, sometimes twice. */
  private timerInbox(): InboxSender {
    return {
      send: async (body, options) => {
        const rates = this.rates;
        const due = (options?.delaySeconds ?? 0) * 1000;
        const late = () => {
          if (!this.rng.chance(rates.timerLate)) return 0;
          this.count('timer fired late');
          return this.rng.int(1, rates.maxTimerLatenessMs);
        };
        const text = JSON.stringify(body);
        this.inbox.sendMessage({ body: text, delaySeconds: delaySecondsOf(due + late()) });
        if (this.rng.chance(rates.timerDuplicate)) {
          this.count('timer fired twice');
          this.inbox.sendMessage({ body: text, delaySeconds: delaySecondsOf(due + late()) });
        }
      },
    };
  }

  private noteReceived(event: SQSEvent): void {
    for (const record of event.Records) {
      if (this.countsFrom.has(record.messageId)) continue;
      // A heartbeat counts from when it was sent (SQS's SentTimestamp), never later than received.
      const sent = Number(record.attributes.SentTimestamp);
      this.countsFrom.set(record.messageId, Number.isFinite(sent) ? Math.min(sent, this.now) : this.now);
    }
  }

  /** Records an applied heartbeat (the checker compares it with what was persisted). */
  private async noteHeartbeat(body: string, messageId: string, when: 'before' | 'after'): Promise<void> {
    if (when === 'before') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    const value = parsed as { kind?: unknown; taskToken?: unknown };
    if (value.kind === 'TaskHeartbeat' && typeof value.taskToken === 'string')
      await this.recordHeartbeat(value.taskToken, messageId);
  }

  private async recordHeartbeat(taskToken: string, messageId: string): Promise<void> {
    let claims;
    try {
      claims = this.signer.verify(taskToken);
    } catch {
      return;
    }
    const stored = await this.table.load(claims.executionId);
    let persistedAt: number | undefined;
    if (stored && !isTerminal(stored.execution.status)) {
      for (const thread of Object.values(stored.execution.threads)) {
        const waiting = thread.active.waiting;
        if (waiting.type === 'Task' && waiting.token === claims.engineToken)
          persistedAt = waiting.lastHeartbeatAt;
      }
      const active = stored.execution.saga.active;
      if (active?.token === claims.engineToken) persistedAt = active.lastHeartbeatAt;
    }
    const at = this.countsFrom.get(messageId) ?? this.now;
    this.heartbeats.push({ executionId: claims.executionId, token: taskToken, at, persistedAt });
  }

  private recordCommit(transition: Transition): void {
    const resultToken = this.resultTokens.get(transition.messageId);
    const control = this.controlMessages.get(transition.messageId);
    const before = this.watched.get(transition.executionId)?.status;
    this.watchCommit(transition, resultToken);
    this.commits.push({
      executionId: transition.executionId,
      version: transition.version,
      messageId: transition.messageId,
      status: transition.execution.status,
      events: transition.history.map((event) => ({ id: event.id, type: event.type })),
      ...(resultToken !== undefined ? { resultToken } : {}),
      ...(control !== undefined ? { control } : {}),
    });
    if (transition.execution.status !== before)
      for (const listener of this.statusListeners)
        listener(transition.executionId, transition.execution.status);
  }

  /**
   * The cheap invariants, checked as each commit lands (the checker rechecks them at the end):
   * when tracing, a broken one shows at the exact delivery that broke it.
   */
  private watchCommit(transition: Transition, resultToken: string | undefined): void {
    const { executionId } = transition;
    const broken = (what: string) => {
      this.count('watch: invariant broken at commit');
      this.trace?.(`${this.clockText()} !! INVARIANT ${what} [${executionId} v${transition.version}]`);
    };
    const watched = this.watched.get(executionId) ?? {
      lastEventId: 0,
      terminal: false,
      status: transition.execution.status,
    };
    // Only a redrive moves a terminal execution again.
    if (watched.terminal && transition.history[0]?.type !== 'ExecutionRedriven')
      broken('terminal-stable: a commit after the terminal one');
    for (const event of transition.history) {
      if (event.id !== watched.lastEventId + 1)
        broken(`history-sequence: event id ${event.id} after ${watched.lastEventId}`);
      watched.lastEventId = event.id;
    }
    watched.terminal = isTerminal(transition.execution.status);
    watched.status = transition.execution.status;
    this.watched.set(executionId, watched);
    const applies = transition.history.some((event) => RESULT_EVENT_TYPES.has(event.type));
    if (resultToken !== undefined && applies) {
      if (this.appliedTokens.has(resultToken)) broken('result-applied-once: a task result applied again');
      this.appliedTokens.add(resultToken);
    }
  }

  /** Notes what the checker needs to know of a message sent: its task token, run, or event. */
  private noteMessage(messageId: string, body: Json): void {
    this.noteResultToken(messageId, body);
    this.noteControl(messageId, body);
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && body.kind === 'EventReceived')
      this.eventMessages.add(messageKey(messageId));
  }

  /** Notes a transition the store could not hold (the loop then decides a smaller one). */
  private recordRefused(transition: Transition, error: TransitionTooLargeError): void {
    this.count('store: transition refused as too large');
    this.traceLine(
      `store refused ${transition.executionId} v${transition.version}: ${error.sizeBytes} > ${error.limitBytes} bytes`,
    );
    this.refusedCommits.push({
      executionId: transition.executionId,
      version: transition.version,
      sizeBytes: error.sizeBytes,
      limitBytes: error.limitBytes,
      results: transition.history.flatMap((event) =>
        event.type === 'TaskSucceeded' ? [{ stateName: event.stateName, threadId: event.threadId }] : [],
      ),
    });
  }

  private noteControl(messageId: string, body: Json): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    if (body.kind !== 'StopExecution' && body.kind !== 'RedriveExecution') return;
    const run = typeof body.redriveCount === 'number' ? body.redriveCount : undefined;
    this.controlMessages.set(messageKey(messageId), {
      kind: body.kind,
      ...(run !== undefined ? { run } : {}),
    });
  }

  private noteResultToken(messageId: string, body: Json): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    if ((body.kind === 'TaskSucceeded' || body.kind === 'TaskFailed') && typeof body.taskToken === 'string') {
      // Keyed as the orchestrator records the message a transition applied.
      this.resultTokens.set(messageKey(messageId), body.taskToken);
    }
  }

  private taskInfo(workflow: string, stateName: string): TaskInfo | undefined {
    return this.workflows.get(workflow)?.tasks.get(stateName);
  }

  private clockText(): string {
    return `t=+${((this.now - WORLD_START) / 1000).toFixed(3)}s`;
  }

  /**
   * Notes the messages in the running process's dead-letter queues; returns every one noted so far
   * (message id, and the queue it was moved from). Only receives move a message there, so looking
   * between rounds sees each before it can expire.
   */
  private noteDeadLetters(): [string, string][] {
    for (const [queue, deadLetters] of this.deadLetterQueues)
      for (const message of deadLetters.peek())
        if (!this.deadLettered.has(message.messageId)) this.deadLettered.set(message.messageId, queue);
    return [...this.deadLettered];
  }

  /** What the run left behind, for the checker. */
  async record(expectedExecutions: readonly string[], unfinished: string | undefined): Promise<RunRecord> {
    const ids = new Set([...expectedExecutions, ...this.table.executionIds()]);
    const indexStatus = new Map<string, ExecutionStatus>();
    let indexToken: string | undefined;
    do {
      const page = await this.table.list({ limit: 1000, ...(indexToken ? { nextToken: indexToken } : {}) });
      for (const item of page.items) indexStatus.set(item.executionId, item.status);
      indexToken = page.nextToken;
    } while (indexToken !== undefined);
    const executions: ExecutionRecord[] = [];
    for (const executionId of [...ids].sort()) {
      const stored = await this.table.load(executionId);
      const history = [];
      let nextToken: string | undefined;
      do {
        const page = await this.table.history(executionId, {
          limit: 500,
          ...(nextToken ? { nextToken } : {}),
        });
        history.push(...page.events);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      const workflow = stored?.workflow.name ?? executionId.slice(0, executionId.indexOf(':'));
      executions.push({
        executionId,
        status: stored?.execution.status,
        indexStatus: indexStatus.get(executionId),
        history,
        compensable: this.workflows.get(workflow)?.compensable ?? new Set(),
        ...(this.workflows.get(workflow) ? { definition: this.workflows.get(workflow)?.definition } : {}),
      });
    }
    const queues = [this.inbox, ...this.workerQueues.values()];
    return {
      executions,
      commits: this.commits,
      effects: this.workers.effects,
      undos: this.workers.undos,
      heartbeats: this.heartbeats,
      published: this.published,
      deadLetters: this.noteDeadLetters().map(([messageId, queue]) => {
        const reason = this.lastErrors.get(messageId);
        return {
          queue,
          messageId,
          poison: this.poisonIds.has(messageId),
          ...(reason !== undefined ? { reason } : {}),
        };
      }),
      poisonSent: this.poisonSent,
      largeResults: this.workers.largeResults,
      refusedCommits: this.refusedCommits,
      correlation: {
        ops: this.correlations.log,
        retentionMs: this.eventRetentionMs ?? DEFAULT_EVENT_RETENTION_MS,
        eventMessages: [...this.eventMessages],
      },
      inFlight: queues.flatMap((queue) =>
        queue
          .peek()
          .map((message) => ({ queue: queue.name, messageId: message.messageId, body: message.body })),
      ),
      ...(unfinished !== undefined ? { unfinished } : {}),
    };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The worker queue a worker invocation's records came from (its name ends the queue ARN). */
function functionNameOf(event: SQSEvent): string {
  const arn = event.Records[0]?.eventSourceARN ?? '';
  return arn.slice(arn.lastIndexOf(':') + 1).replace(/^worker-/, '');
}

/** SQS delays are whole seconds, at most 900: a longer wait is the timer scheduler's. */
function delaySecondsOf(delayMs: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
}

/** The task token of a worker task message, if the body is one. */
function taskTokenOf(body: string): string | undefined {
  try {
    const value = JSON.parse(body) as { taskToken?: unknown };
    return typeof value.taskToken === 'string' ? value.taskToken : undefined;
  } catch {
    return undefined;
  }
}
