/**
 * One seed of the simulation: generate workflows and executions from the seed, run them in the
 * faulty world until it is idle, then check every invariant.
 *
 * `runSeed(seed)` is deterministic: the same seed gives the same run, the same violations and the
 * same fingerprint, so `npm run sim -- --seed <s>` replays a failure exactly.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { executionIdOf } from '../../lambdas/runtime/orchestrator.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import { drawOutcomes, drawRates, type FaultRates } from './faults.js';
import { LocalDisk, type LocalDiskOptions } from './local-disk.js';
import { Operator, drawPolicy } from './operator.js';
import { checkRun, type RunRecord, type Violation } from './invariants.js';
import { checkOutputs } from './output-oracle.js';
import { Prng } from './prng.js';
import { generateInput, generateWorkflow, type GeneratedWorkflow } from './workflow-generator.js';
import { SIGNING_KEY, World, type WorldOptions } from './world.js';

/** Options of {@link runSeed}. */
export interface SeedOptions {
  /** Receives a line per delivery. */
  readonly trace?: (line: string) => void;
  /** See {@link WorldOptions.mutateStore}: only for tests of the simulation itself. */
  readonly mutateStore?: WorldOptions['mutateStore'];
  /**
   * DynamoDB tables (dynalite) for the seeds that run on the DynamoDB store: every tenth seed when
   * given. Those seeds run one invocation at a time, so that the order in which dynalite answers
   * cannot change the run and the seed still replays exactly.
   * @default none: every seed runs on the in-memory store
   */
  readonly tables?: SimTables;
  /** See {@link LocalDiskOptions}: only for tests of the simulation itself. */
  readonly disk?: LocalDiskOptions;
  /**
   * Also inject the faults that meet known defects (see `operator.ts`), to replay them.
   * @default false
   */
  readonly knownDefects?: boolean;
}

/** Where seeds on the DynamoDB store get a fresh table. */
export interface SimTables {
  readonly client: DynamoDBClient;
  /** Creates a table with Baton's schema and returns its name. */
  create(name: string): Promise<string>;
}

/** The share of seeds that run as the local runtime (on disk, with whole-process crashes). */
const LOCAL_RUNTIME_SHARE = 0.3;

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
  const outcomes = drawOutcomes(rng);

  const workflows: GeneratedWorkflow[] = [];
  const workflowCount = shapeRng.int(1, 2);
  for (let i = 0; i < workflowCount; i++) workflows.push(generateWorkflow(shapeRng, `Wf${i}`));

  const tables = options.tables && onDynamoDb(seed) ? options.tables : undefined;
  const tableName = tables ? await tables.create(`sim-${seed}`) : undefined;
  // A third of the seeds run as the local runtime does: queues and timers on disk, and the whole
  // process killed and restarted from its files at any point.
  const disk = rng.chance(LOCAL_RUNTIME_SHARE) ? LocalDisk.create(options.disk) : undefined;
  try {
    return await runWorld(
      seed,
      options,
      { rng, shapeRng, worldRng, intensity, rates, outcomes, workflows },
      {
        tables,
        tableName,
        disk,
      },
    );
  } finally {
    disk?.dispose();
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
}

async function runWorld(
  seed: number,
  options: SeedOptions,
  draws: SeedDraws,
  where: { tables: SimTables | undefined; tableName: string | undefined; disk: LocalDisk | undefined },
): Promise<SeedResult> {
  const { rng, shapeRng, worldRng, intensity, rates, outcomes, workflows } = draws;
  const { tables, tableName, disk } = where;
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
    ...(disk ? { localRuntime: disk } : {}),
    ...(tables && tableName
      ? {
          store: (clock: { now(): number }) =>
            new DynamoDbExecutionStore({ client: tables.client, tableName, clock }),
          maxConcurrency: 1,
        }
      : {}),
  });
  await world.deploy();

  const operator = new Operator(
    world,
    shapeRng.fork(),
    { ...drawPolicy(shapeRng), knownDefects: options.knownDefects === true },
    new Map(workflows.map((workflow) => [workflow.name, workflow])),
  );
  const expected: string[] = [];
  const executionCount = shapeRng.int(1, 4);
  for (let i = 0; i < executionCount; i++) {
    const workflow = shapeRng.pick(workflows);
    const name = `e${i}`;
    const input = generateInput(shapeRng);
    const startAt = shapeRng.int(0, 30_000);
    const executionId = executionIdOf(workflow.name, name);
    expected.push(executionId);
    const start = { kind: 'StartExecution', workflow: workflow.name, name, input };
    world.sendInbox(start, startAt);
    if (shapeRng.chance(0.2)) world.sendInbox(start, startAt + shapeRng.int(0, 120_000));
    if (shapeRng.chance(0.1)) {
      // A stop sent straight to the inbox, without the run it is for.
      operator.noteRawStop(executionId);
      world.sendInbox(
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
  sendPoison(world, shapeRng, expected[0] ?? 'Wf0:e0');

  const unfinished = await world.run();
  const reruns = [...operator.reruns.values()];
  const record = {
    ...(await world.record([...expected, ...reruns.map((rerun) => rerun.executionId)], unfinished)),
    reruns,
  };
  const oracle = await checkOutputs(record, workflows, operator.stopped);
  const violations = [...checkRun(record), ...oracle.violations];
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
      'redrives applied (ExecutionRedriven)': record.executions.reduce(
        (sum, execution) =>
          sum + execution.history.filter((event) => event.type === 'ExecutionRedriven').length,
        0,
      ),
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
