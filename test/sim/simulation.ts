/**
 * One seed of the simulation: generate workflows and executions from the seed, run them in the
 * faulty world until it is idle, then check every invariant.
 *
 * Besides the world's faults, a seed may have large payloads (`payloads.ts`: results, inputs and
 * events near, at and over the payload limit, the SQS message limit and, on DynamoDB, states past
 * the item limit, with or without a payload store), workflows that wait for correlated events, and
 * a partner domain that publishes those events early, late, twice, and events no one waits for
 * (`publisher.ts`), some starting executions by trigger events, and Distributed Maps whose Map Runs
 * (EXPRESS or STANDARD children, some items failing, some tolerated) run on the same faulty inbox
 * (`map-runs.ts`).
 *
 * `runSeed(seed)` is deterministic: the same seed gives the same run, the same violations and the
 * same fingerprint, so `npm run sim -- --seed <s>` replays a failure exactly.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCorrelationStore } from '../../lambdas/aws/dynamodb-correlation-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { WAIT_FOR_EVENT_RESOURCE } from '../../lambdas/contract/task-resources.js';
import { eventCause, eventError } from '../../lambdas/engine/execution.js';
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import { executionIdOf } from '../../lambdas/runtime/orchestrator.js';
import type { PayloadStore } from '../../lambdas/runtime/ports.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import { FilePayloadStore } from '../../local/runtime/file-payload-store.js';
import { rerunInput } from '../../local/api/control-rules.js';
import {
  drawOutcomes,
  drawRates,
  drawSizes,
  growingSizes,
  type FaultRates,
  type SizeProfile,
} from './faults.js';
import { LocalDisk, type LocalDiskOptions } from './local-disk.js';
import { Operator, drawPolicy } from './operator.js';
import { checkRun, type RunRecord, type Violation } from './invariants.js';
import { checkOutputs } from './output-oracle.js';
import {
  checkMapRuns,
  generateMapInput,
  generateMapWorkflow,
  itemsObject,
  MAP_BUCKET,
  type MapWorkflow,
} from './map-runs.js';
import { paddedTo, type LargePayloads } from './payloads.js';
import { Prng } from './prng.js';
import { Publisher, triggerOf } from './publisher.js';
import {
  DATA_LIMIT_ERROR,
  generateInput,
  generateWorkflow,
  type GeneratedWorkflow,
} from './workflow-generator.js';
import { SIGNING_KEY, World, type WorldOptions } from './world.js';

/** Options of {@link runSeed}. */
export interface SeedOptions {
  /** Receives a line per delivery. */
  readonly trace?: (line: string) => void;
  /** See {@link WorldOptions.mutateStore}: only for tests of the simulation itself. */
  readonly mutateStore?: WorldOptions['mutateStore'];
  /** See {@link WorldOptions.mutateCorrelations}: only for tests of the simulation itself. */
  readonly mutateCorrelations?: WorldOptions['mutateCorrelations'];
  /**
   * DynamoDB tables (dynalite) for the seeds that run on the DynamoDB store: every tenth seed when
   * given. Those seeds run one invocation at a time, so that the order in which dynalite answers
   * cannot change the run and the seed still replays exactly.
   * @default none: every seed runs on the in-memory store
   */
  readonly tables?: SimTables;
  /** See {@link LocalDiskOptions}: only for tests of the simulation itself. */
  readonly disk?: LocalDiskOptions;
}

/** Where seeds on the DynamoDB store get a fresh table. */
export interface SimTables {
  readonly client: DynamoDBClient;
  /** Creates a table with Baton's schema and returns its name. */
  create(name: string): Promise<string>;
}

/** The share of seeds that run as the local runtime (on disk, with whole-process crashes). */
const LOCAL_RUNTIME_SHARE = 0.3;
/** The share of seeds whose workflows wait for correlated events. */
const EVENT_WAIT_SHARE = 0.35;
/** The share of seeds that start some executions by a trigger event. */
const TRIGGER_SHARE = 0.3;
/** The share of seeds that run Distributed Maps (Map Runs) too. */
const MAP_RUN_SHARE = 0.4;
/** The share of DynamoDB seeds whose store has a payload store to offload large snapshots to. */
const PAYLOAD_STORE_SHARE = 0.5;
/**
 * How much later executions start on seeds with waiting states: the partner domain's early events
 * go out before them.
 */
const WARM_UP_MS = 3 * 3_600_000;

/** Whether a seed runs on the DynamoDB store (when tables are given). */
export function onDynamoDb(seed: number): boolean {
  return seed % 10 === 0;
}

/** What one seed did and found. */
export interface SeedResult {
  readonly seed: number;
  readonly violations: readonly Violation[];
  /** Fault intensity of the seed (0: fault-free). */
  readonly intensity: number;
  /** Whether it ran on the DynamoDB store (dynalite). */
  readonly dynamodb: boolean;
  /** Whether it ran as the local runtime (queues and timers on disk, whole-process crashes). */
  readonly localRuntime: boolean;
  readonly executions: number;
  /** Final statuses, counted. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly deliveries: number;
  /** Faults injected and results seen, counted. */
  readonly counts: Readonly<Record<string, number>>;
  /** Forward effects whose step the engine never saw complete (a timed-out step that did its work). */
  readonly orphanEffects: number;
  /** A hash of everything the run recorded: equal fingerprints mean identical runs. */
  readonly fingerprint: string;
  readonly record: RunRecord;
  /** The seed's workflows. */
  readonly workflows: readonly GeneratedWorkflow[];
  /** The executions the output oracle compared with `runWorkflow`. */
  readonly checkedExecutions: readonly string[];
}

/** Runs one seed and checks it. */
export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  const rng = new Prng(seed);
  const shapeRng = rng.fork();
  const worldRng = rng.fork();
  const { intensity, rates } = drawRates(rng);
  const tables = options.tables && onDynamoDb(seed) ? options.tables : undefined;
  const drawn = drawSizes(rng, tables !== undefined);
  // On DynamoDB, large results are mostly kept in the state: it grows past the item limit.
  const keepResults = tables !== undefined && drawn !== undefined && rng.chance(0.7);
  const sizes = drawn && keepResults ? growingSizes(drawn) : drawn;
  const outcomes = drawOutcomes(rng, sizes);
  const waits = rng.chance(EVENT_WAIT_SHARE);
  const mapRuns = rng.chance(MAP_RUN_SHARE);

  const workflows: GeneratedWorkflow[] = [];
  const workflowCount = shapeRng.int(1, 2);
  for (let i = 0; i < workflowCount; i++)
    workflows.push(generateWorkflow(shapeRng, `Wf${i}`, undefined, { waits, keepResults }));

  const tableName = tables ? await tables.create(`sim-${seed}`) : undefined;
  // A third of the seeds run as the local runtime does: queues and timers on disk, and the whole
  // process killed and restarted from its files at any point.
  const disk = rng.chance(LOCAL_RUNTIME_SHARE) ? LocalDisk.create(options.disk) : undefined;
  // On DynamoDB, half the seeds give the store a payload store (the local runtime's, on files) for
  // snapshots over its threshold; the others have none, so a state too large for an item must
  // become a smaller transition instead.
  const payloadFolder =
    tables && rng.chance(PAYLOAD_STORE_SHARE)
      ? (disk?.shared ?? mkdtempSync(join(tmpdir(), 'baton-sim-payloads-')))
      : undefined;
  try {
    return await runWorld(
      seed,
      options,
      { rng, shapeRng, worldRng, intensity, rates, outcomes, workflows, sizes, mapRuns },
      {
        tables,
        tableName,
        disk,
        payloads: payloadFolder === undefined ? undefined : new FilePayloadStore(payloadFolder),
      },
    );
  } finally {
    disk?.dispose();
    if (payloadFolder !== undefined && disk === undefined)
      rmSync(payloadFolder, { recursive: true, force: true });
  }
}

/** What {@link runSeed} drew from the seed before building the world. */
interface SeedDraws {
  readonly rng: Prng;
  readonly shapeRng: Prng;
  readonly worldRng: Prng;
  readonly intensity: number;
  readonly rates: FaultRates;
  readonly outcomes: ReturnType<typeof drawOutcomes>;
  readonly workflows: readonly GeneratedWorkflow[];
  readonly sizes: SizeProfile | undefined;
  /** Whether the seed runs Distributed Maps too. */
  readonly mapRuns: boolean;
}

/** A payload store that counts its writes (each a snapshot offloaded from an item). */
function countingPayloads(payloads: PayloadStore, count: (what: string) => void): PayloadStore {
  return {
    put: async (key, body) => {
      await payloads.put(key, body);
      count('store: snapshot offloaded to the payload store');
    },
    get: (key) => payloads.get(key),
  };
}

async function runWorld(
  seed: number,
  options: SeedOptions,
  draws: SeedDraws,
  where: {
    tables: SimTables | undefined;
    tableName: string | undefined;
    disk: LocalDisk | undefined;
    payloads: PayloadStore | undefined;
  },
): Promise<SeedResult> {
  const { rng, shapeRng, worldRng, intensity, rates, outcomes, workflows, sizes } = draws;
  // Drawn from a fork of their own: seeds without Map Runs run as they did before.
  const mapRng = draws.mapRuns ? rng.fork() : undefined;
  const { tables, tableName, disk, payloads } = where;
  const waiting = workflows.some((workflow) => workflow.waits.size > 0);
  const triggered = rng.chance(TRIGGER_SHARE);
  const world = new World({
    rng: worldRng,
    rates,
    outcomes,
    workflows,
    inboxVisibilityMs: rng.pick([30_000, 60_000, 180_000]),
    workerVisibilityMs: rng.pick([60_000, 120_000, 300_000]),
    batchSize: rng.pick([1, 1, 2, 10]),
    maxConcurrency: rng.pick([2, 3, 10]),
    ...(options.trace ? { trace: options.trace } : {}),
    ...(options.mutateStore ? { mutateStore: options.mutateStore } : {}),
    ...(options.mutateCorrelations ? { mutateCorrelations: options.mutateCorrelations } : {}),
    ...(disk ? { localRuntime: disk } : {}),
    ...(sizes ? { sizes } : {}),
    ...(tables && payloads === undefined ? { itemLimits: { events: true } } : {}),
    ...(workflows.some((workflow) => workflow.keepsResults) ? { growing: true } : {}),
    ...(triggered ? { triggers: workflows.map((workflow) => triggerOf(workflow.name)) } : {}),
    // Some seeds keep events an hour instead of a day: waits then meet expired events too.
    ...(waiting && rng.chance(0.3) ? { eventRetentionMs: 3_600_000 } : {}),
    ...(tables && tableName
      ? {
          store: (clock: { now(): number }, count: (what: string) => void) =>
            new DynamoDbExecutionStore({
              client: tables.client,
              tableName,
              clock,
              ...(payloads ? { payloads: countingPayloads(payloads, count) } : {}),
            }),
          correlations: (clock: { now(): number }) =>
            new DynamoDbCorrelationStore({
              client: tables.client,
              tableName,
              clock,
              ...(payloads ? { payloads } : {}),
            }),
          maxConcurrency: 1,
        }
      : {}),
  });
  // The run's files are closed whatever happens, before the seed's disk is removed.
  try {
    await world.deploy();

    const operator = new Operator(
      world,
      shapeRng.fork(),
      drawPolicy(shapeRng),
      new Map(workflows.map((workflow) => [workflow.name, workflow])),
    );
    const publisher = new Publisher(world, shapeRng.fork(), world.payloads);
    const expected: string[] = [];
    /** The input each execution was started with (its history keeps none when it was over the limit). */
    const startInputs = new Map<string, Json>();
    const executionCount = shapeRng.int(1, 4);
    const warmUp = waiting ? WARM_UP_MS : 0;
    for (let i = 0; i < executionCount; i++) {
      const workflow = shapeRng.pick(workflows);
      const name = `e${i}`;
      const executionId = executionIdOf(workflow.name, name);
      const input = padded(shapeRng, generateInput(shapeRng), world.payloads, executionId);
      const startAt = warmUp + shapeRng.int(0, 30_000);
      expected.push(executionId);
      startInputs.set(executionId, input);
      publisher.planSignals(executionId, workflow, startAt);
      if (triggered && shapeRng.chance(0.4)) {
        // Started by its trigger event, through the domain's rule (StartFromEvent).
        startInputs.set(executionId, publisher.startByEvent(workflow.name, name, input, startAt));
      } else {
        const start = { kind: 'StartExecution', workflow: workflow.name, name, input };
        sendAt(world, start, startAt);
        if (shapeRng.chance(0.2)) sendAt(world, start, startAt + shapeRng.int(0, 120_000));
      }
      if (shapeRng.chance(0.1)) {
        // A stop sent straight to the inbox, without the run it is for.
        operator.noteRawStop(executionId);
        sendAt(
          world,
          {
            kind: 'StopExecution',
            executionId,
            cause: 'stopped by the simulation',
            compensate: shapeRng.chance(0.5),
          },
          startAt + shapeRng.int(0, 600_000),
        );
      }
      operator.maybeStop(executionId, startAt + shapeRng.int(1_000, 120_000));
    }
    if (waiting) {
      publisher.planBroadcasts(workflows, warmUp + 30_000);
      publisher.planDecoys(workflows, warmUp + 30_000);
    }
    sendPoison(world, shapeRng, expected[0] ?? 'Wf0:e0');
    const mapWorkflows: MapWorkflow[] = [];
    if (mapRng) {
      world.objects.createBucket(MAP_BUCKET);
      const workflowCount = mapRng.int(1, 2);
      for (let i = 0; i < workflowCount; i++) {
        const map = generateMapWorkflow(mapRng, `MapWf${i}`);
        mapWorkflows.push(map);
        await world.definitions.put(map.name, map.definition as never);
      }
      const executionCount = mapRng.int(1, 3);
      for (let i = 0; i < executionCount; i++) {
        const map = mapRng.pick(mapWorkflows);
        const executionId = executionIdOf(map.name, `m${i}`);
        const input = generateMapInput(mapRng);
        if (map.reader) {
          // The items are in the local S3; the input names nothing but the object comes from the name.
          world.objects.put({ bucket: MAP_BUCKET, key: `m${i}.jsonl` }, itemsObject(input.items as Json[]));
        }
        expected.push(executionId);
        startInputs.set(executionId, input);
        const start = { kind: 'StartExecution', workflow: map.name, name: `m${i}`, input };
        const at = mapRng.int(0, 30_000);
        sendAt(world, start, at);
        if (mapRng.chance(0.2)) sendAt(world, start, at + mapRng.int(0, 120_000));
        // Sometimes stopped by the operator: the run is aborted, its STANDARD children stopped.
        operator.maybeStop(executionId, at + mapRng.int(1_000, 120_000));
      }
    }

    const unfinished = await world.run();
    const reruns = [...operator.reruns.values()];
    const recorded = await world.record(
      [...expected, ...reruns.map((rerun) => rerun.executionId)],
      unfinished,
    );
    // A rerun's input, as the control plane chose it (its history keeps none when over the limit).
    for (const rerun of reruns) {
      const of = recorded.executions.find((execution) => execution.executionId === rerun.of);
      const started = of?.history[0];
      if (!of || started?.type !== 'ExecutionStarted') continue;
      const ofInput = startInputs.get(rerun.of) ?? started.input;
      try {
        startInputs.set(rerun.executionId, rerunInput(of.history, rerun.fromState, ofInput));
      } catch {
        // Its own input was not kept: the control plane refused the rerun too.
      }
    }
    const record = {
      ...recorded,
      reruns,
      events: publisher.events,
      startInputs,
    };
    const oracle = await checkOutputs(record, workflows, operator.stopped);
    const violations = [
      ...checkRun(record),
      ...oracle.violations,
      ...(await checkMapRuns(
        record,
        mapWorkflows,
        startInputs,
        world.mapRunStore,
        world.mapRunTraces,
        operator.stopped,
        world.objects,
      )),
    ];
    const statuses: Record<string, number> = {};
    for (const execution of record.executions) {
      const status = execution.status ?? 'MISSING';
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const completed = new Set(
      record.executions.flatMap((execution) =>
        execution.history
          .filter((event) => event.type === 'TaskSucceeded')
          .map((event) => (event.output as { effectId?: string } | null)?.effectId),
      ),
    );
    return {
      seed,
      violations,
      intensity,
      dynamodb: tables !== undefined,
      localRuntime: disk !== undefined,
      executions: record.executions.length,
      statuses,
      deliveries: world.deliveries,
      counts: {
        ...world.counts,
        'executions checked against runWorkflow': oracle.checked.length,
        'map runs': world.mapRunTraces.runs.size,
        'map runs: results written to S3': world.objects
          .keys(MAP_BUCKET)
          .filter((key) => key.endsWith('manifest.json')).length,
        'map run ticks delivered': [...world.mapRunTraces.runs.values()].reduce(
          (sum, trace) => sum + trace.ticks,
          0,
        ),
        'redrives applied (ExecutionRedriven)': record.executions.reduce(
          (sum, execution) =>
            sum + execution.history.filter((event) => event.type === 'ExecutionRedriven').length,
          0,
        ),
        ...outcomeCounts(record),
        ...Object.fromEntries(
          Object.entries(world.workers.stats.outcomes).map(([outcome, count]) => [
            `outcome: ${outcome}`,
            count,
          ]),
        ),
      },
      orphanEffects: record.effects.filter((effect) => !completed.has(effect.key)).length,
      fingerprint: fingerprint(record),
      record,
      workflows,
      checkedExecutions: oracle.checked,
    };
  } finally {
    await world.dispose();
  }
}

/**
 * Sends an inbox message at `atMs` from the run's start: as a delayed message within SQS's 15
 * minutes of delay, else by a producer that sends it then.
 */
function sendAt(world: World, body: JsonObject, atMs: number): void {
  if (atMs <= 900_000) world.sendInbox(body, atMs);
  else world.at(atMs, `send ${String(body.kind)}`, async () => world.sendInbox(body, 0));
}

/** An execution input, sometimes with a large `pad` (near, at or over the payload limit). */
function padded(
  rng: Prng,
  input: JsonObject,
  payloads: LargePayloads | undefined,
  executionId: string,
): JsonObject {
  if (payloads === undefined || !rng.chance(payloads.profile.paddedInput)) return input;
  const large = payloads.draw(rng, payloads.profile.inputs, executionId, 'execution input');
  return large ? paddedTo(rng, input, 'pad', large.bytes, large.wide) : input;
}

/** What the new faults came to, read from the histories: data limits met, waits ended and how. */
function outcomeCounts(record: RunRecord): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
  for (const execution of record.executions) {
    for (const event of execution.history) {
      if (event.type === 'TaskSucceeded' && event.resource === WAIT_FOR_EVENT_RESOURCE)
        add('waits: ended by an event');
      if (event.type === 'TaskTimedOut' && event.resource === WAIT_FOR_EVENT_RESOURCE)
        add('waits: timed out');
      if (eventError(event) !== DATA_LIMIT_ERROR) continue;
      const cause = eventCause(event) ?? '';
      if (event.type === 'TaskFailed') {
        add(
          cause.startsWith('The task result is')
            ? 'data limit: result over the limit, reported by the worker SDK'
            : 'data limit: result failed, as the store could not hold it',
        );
        continue;
      }
      if (
        event.type === 'TaskStateExited' ||
        event.type === 'ParallelStateExited' ||
        event.type === 'MapStateExited'
      )
        add('data limit: caught by name');
      if (cause.startsWith('The input of task state')) add('data limit: task input over the limit (engine)');
      if (cause.startsWith('The result of task state'))
        add('data limit: task result over the limit (engine)');
      if (cause.startsWith('The execution input')) add('data limit: execution input over the limit (engine)');
    }
  }
  return counts;
}

/** Malformed and forged messages, on the inbox and on a worker queue. */
function sendPoison(world: World, rng: Prng, executionId: string): void {
  const count = rng.int(0, 2);
  for (let i = 0; i < count; i++) {
    const delay = rng.int(0, 60_000);
    const forger = new TaskTokenSigner('not-the-domain-key-but-long-enough-0123');
    const genuine = new TaskTokenSigner(SIGNING_KEY).sign({ executionId, engineToken: 'root:2:1' });
    const [version, payload] = genuine.split('.');
    const tampered = `${version}.${Buffer.from(JSON.stringify({ e: executionId, t: 'root:9:1' })).toString('base64url')}.${genuine.split('.')[2]}`;
    const bodies = [
      '{"kind":"TaskSucceeded","taskToken":',
      JSON.stringify({ kind: 'TaskSucceeded', output: {} }),
      JSON.stringify({ kind: 'LaunchMissiles', executionId }),
      JSON.stringify({ kind: 'StartExecution', workflow: 'NoSuchWorkflow', name: 'x', input: {} }),
      JSON.stringify({ kind: 'StartExecution', workflow: 'Wf0', name: 'has spaces', input: {} }),
      JSON.stringify({
        kind: 'TaskSucceeded',
        taskToken: forger.sign({ executionId, engineToken: 'root:2:1' }),
        output: { forged: true },
      }),
      JSON.stringify({ kind: 'TaskFailed', taskToken: tampered, error: 'Forged' }),
      JSON.stringify({ kind: 'TaskHeartbeat', taskToken: `${version}.${payload}` }),
    ];
    world.sendPoison(world.inbox, rng.pick(bodies), delay);
  }
  if (rng.chance(0.3)) {
    const queue = rng.pick([...world.workerQueues.values()]);
    world.sendPoison(
      queue,
      rng.pick(['not json at all', JSON.stringify({ taskToken: 'x', executionId, attempt: 0 })]),
      rng.int(0, 60_000),
    );
  }
}

function fingerprint(record: RunRecord): string {
  const hash = createHash('sha256');
  for (const execution of record.executions) {
    hash.update(execution.executionId);
    hash.update(String(execution.status));
    hash.update(JSON.stringify(execution.history));
  }
  hash.update(JSON.stringify(record.effects));
  hash.update(JSON.stringify(record.undos));
  hash.update(JSON.stringify(record.commits));
  hash.update(JSON.stringify(record.deadLetters));
  return hash.digest('hex').slice(0, 16);
}
