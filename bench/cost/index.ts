/**
 * The `cost` suite: what one step of a saga costs on AWS. A 10-step order saga runs many times
 * through the real orchestrator loop (`InProcessDomain`) with the real DynamoDB adapters on
 * dynalite; every DynamoDB request is metered by SDK middleware, every SQS message and
 * EventBridge entry is counted on the domain's queues and bus, and the counts are priced at public
 * us-east-1 list prices next to Step Functions Standard. Also: the orchestrator's CPU per
 * transition with a ~10 KB state, and the store cost of a transition after 100,000 history events.
 */
import { performance } from 'node:perf_hooks';
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import type { AwsSdkTransport } from '../../lambdas/runtime/task-router.js';
import { DynamoDbCorrelationStore } from '../../lambdas/aws/dynamodb-correlation-store.js';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import type { PayloadStore } from '../../lambdas/runtime/ports.js';
import { InProcessDomain } from '../../testing/in-process-domain.js';
import { startDynalite, type LocalTable } from '../../testing/dynalite-table.js';
import { formatCount, median, renderTable, type Align } from '../measure.js';
import type { Suite } from '../suite.js';
import {
  CHUNK_BYTES,
  DomainMeter,
  DynamoDbMeter,
  dynamoTotals,
  type DynamoRequest,
  type DynamoTotals,
  type QueueCounts,
} from './meter.js';
import {
  STEP_FUNCTIONS_PER_MILLION,
  LambdaModel,
  costLines,
  gbSeconds,
  totalOf,
  type Usage,
} from './pricing.js';
import {
  COMPENSATIONS_WHEN_FAILED,
  SAGA_NAME,
  STEPS_WHEN_COMPENSATED,
  STEPS_WHEN_SUCCEEDED,
  largeOrder,
  sagaDefinition,
  sagaWorkers,
  smallOrder,
} from './saga.js';
import { measureHistoryLength, measureSagaTransition, type HistoryPoint, type Timing } from './transition.js';

/** Executions per run (BENCH_COST_EXECUTIONS overrides). */
const DEFAULT_EXECUTIONS = 200;
/** Share of the mixed run's executions that fail and compensate. */
const FAILING_SHARE = 0.1;
/** Executions of the run with a ~10 KB input. */
const LARGE_INPUT_EXECUTIONS = 20;
/** Size of the large input, bytes of JSON. */
const LARGE_INPUT_BYTES = 10_240;
/** History events of the long execution. */
const LONG_HISTORY_EVENTS = 100_000;
/** Timed runs of `decide` per measurement. */
const DECIDE_RUNS = 3000;

/** Goals (information only). */
const GOALS = { writeRequestsPerStep: 1.25, writeUnitsPerStep: 1.5, usdPerMillionSteps: 2.5 } as const;

/** A PayloadStore in memory that counts what S3 would be asked. */
class CountingPayloadStore implements PayloadStore {
  puts = 0;
  gets = 0;
  private readonly blobs = new Map<string, Uint8Array>();

  async put(key: string, body: Uint8Array): Promise<void> {
    this.puts += 1;
    this.blobs.set(key, body);
  }

  async get(key: string): Promise<Uint8Array> {
    this.gets += 1;
    const body = this.blobs.get(key);
    if (body === undefined) throw new Error(`No payload ${key}`);
    return body;
  }
}

/** An execution to run: its name, input and expected end. */
interface Planned {
  readonly name: string;
  readonly input: Json;
  readonly fails: boolean;
}

/** Everything counted in one run. */
interface RunFigures {
  readonly label: string;
  readonly executions: number;
  readonly succeeded: number;
  readonly compensated: number;
  readonly compensations: number;
  /** States entered, over all executions. */
  readonly steps: number;
  readonly requests: readonly DynamoRequest[];
  readonly dynamo: DynamoTotals;
  readonly queues: ReadonlyMap<string, QueueCounts>;
  readonly eventEntries: number;
  readonly putEventsCalls: number;
  readonly eventChunks: number;
  readonly timers: number;
  readonly handleMs: readonly number[];
  readonly s3Puts: number;
  readonly s3Gets: number;
}

class WrongResultError extends Error {
  override readonly name = 'WrongResultError';
}

/** A domain whose state lives in DynamoDB (dynalite), as `test/integration/orchestrator-dynamodb.test.ts` builds it. */
function newDomain(table: LocalTable, payloads: PayloadStore): InProcessDomain {
  let now = () => Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now() };
  const { client, tableName } = table;
  const domain = new InProcessDomain({
    workers: sagaWorkers(),
    store: new DynamoDbExecutionStore({ client, tableName, clock, payloads }),
    definitions: new DynamoDbDefinitionStore({ client, tableName, clock }),
    correlations: new DynamoDbCorrelationStore({ client, tableName, clock }),
  });
  now = () => domain.now();
  return domain;
}

/** Runs the executions one after another, each until the domain is idle, metering everything. */
async function run(
  label: string,
  planned: readonly Planned[],
  table: LocalTable,
  meter: DynamoDbMeter,
): Promise<RunFigures> {
  const payloads = new CountingPayloadStore();
  const domain = newDomain(table, payloads);
  // Deploying is a one-off, not a cost of steps.
  await meter.unrecorded(() => domain.deploy(SAGA_NAME, sagaDefinition));
  const counts = new DomainMeter(domain);
  meter.reset();
  meter.recording = true;
  try {
    for (const execution of planned) {
      domain.start(SAGA_NAME, execution.input, execution.name);
      await domain.runUntilIdle();
    }
  } finally {
    meter.recording = false;
  }
  const requests = [...meter.requests];
  const s3 = { puts: payloads.puts, gets: payloads.gets };

  // Verification, unmetered: every execution ended as planned and entered the expected states.
  if (domain.failures.length > 0) {
    const first = domain.failures[0];
    throw new WrongResultError(
      `${label}: ${domain.failures.length} message(s) failed, first: ${String(first?.error)}`,
    );
  }
  const deadLetters = [
    domain.inbox,
    domain.inboxDeadLetters,
    ...domain.workerQueues.values(),
    ...domain.workerDeadLetters.values(),
  ].reduce((sum, queue) => sum + queue.peek().length, 0);
  if (deadLetters > 0) throw new WrongResultError(`${label}: ${deadLetters} message(s) left over`);
  let steps = 0;
  let succeeded = 0;
  let compensated = 0;
  let compensations = 0;
  await meter.unrecorded(async () => {
    for (const execution of planned) {
      const executionId = `${SAGA_NAME}:${execution.name}`;
      const stored = await domain.store.load(executionId);
      const status = stored?.execution.status;
      const expected = execution.fails ? 'COMPENSATED' : 'SUCCEEDED';
      if (status !== expected) {
        throw new WrongResultError(`${label}: ${executionId} ended ${String(status)}, expected ${expected}`);
      }
      let entered = 0;
      let compensationTasks = 0;
      let nextToken: string | undefined;
      do {
        const page = await domain.store.history(executionId, {
          limit: 1000,
          ...(nextToken !== undefined && { nextToken }),
        });
        for (const event of page.events) {
          if (event.type.endsWith('StateEntered')) entered += 1;
          if (event.type === 'CompensationTaskScheduled') compensationTasks += 1;
        }
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      const expectedSteps = execution.fails ? STEPS_WHEN_COMPENSATED : STEPS_WHEN_SUCCEEDED;
      const expectedCompensations = execution.fails ? COMPENSATIONS_WHEN_FAILED : 0;
      if (entered !== expectedSteps || compensationTasks !== expectedCompensations) {
        throw new WrongResultError(
          `${label}: ${executionId} entered ${entered} states and ran ${compensationTasks} compensations, ` +
            `expected ${expectedSteps} and ${expectedCompensations}`,
        );
      }
      steps += entered;
      compensations += compensationTasks;
      if (execution.fails) compensated += 1;
      else succeeded += 1;
    }
  });
  return {
    label,
    executions: planned.length,
    succeeded,
    compensated,
    compensations,
    steps,
    requests,
    dynamo: dynamoTotals(requests),
    queues: counts.queues,
    eventEntries: counts.eventEntries,
    putEventsCalls: counts.putEventsCalls,
    eventChunks: counts.eventChunks,
    timers: counts.timersScheduled,
    handleMs: counts.handleMs,
    s3Puts: s3.puts,
    s3Gets: s3.gets,
  };
}

/** SQS and Lambda counts under a batch model: 1 (every delivery alone) or 10 (full batches). */
interface BatchFigures {
  readonly sends: number;
  readonly receives: number;
  readonly deletes: number;
  readonly sqsRequests: number;
  readonly orchestratorInvocations: number;
  readonly workerInvocations: number;
  readonly orchestratorMessages: number;
  readonly workerMessages: number;
}

function batchFigures(figures: RunFigures, batch: number): BatchFigures {
  let sends = 0;
  let receives = 0;
  let deletes = 0;
  let orchestratorInvocations = 0;
  let workerInvocations = 0;
  let orchestratorMessages = 0;
  let workerMessages = 0;
  for (const [name, queue] of figures.queues) {
    sends += queue.sendChunks;
    // A ReceiveMessage returns up to `batch` messages and is billed per started 64 KB of them;
    // the event source mapping deletes a batch with one DeleteMessageBatch.
    const queueReceives =
      batch === 1
        ? queue.receiveChunks
        : Math.max(Math.ceil(queue.receives / batch), Math.ceil(queue.receiveBytes / CHUNK_BYTES));
    receives += queueReceives;
    deletes += Math.ceil(queue.deletes / batch);
    const invocations = Math.ceil(queue.receives / batch);
    if (name === 'inbox') {
      orchestratorInvocations += invocations;
      orchestratorMessages += queue.receives;
    } else {
      workerInvocations += invocations;
      workerMessages += queue.receives;
    }
  }
  return {
    sends,
    receives,
    deletes,
    sqsRequests: sends + receives + deletes,
    orchestratorInvocations,
    workerInvocations,
    orchestratorMessages,
    workerMessages,
  };
}

function usageOf(figures: RunFigures, batch: number): Usage {
  const b = batchFigures(figures, batch);
  return {
    steps: figures.steps,
    dynamoDbWriteUnits: figures.dynamo.writeUnits,
    dynamoDbReadUnits: figures.dynamo.readUnits,
    sqsRequests: b.sqsRequests,
    eventBridgeEvents: figures.eventChunks,
    orchestratorInvocations: b.orchestratorInvocations,
    orchestratorMessages: b.orchestratorMessages,
    workerInvocations: b.workerInvocations,
    workerMessages: b.workerMessages,
    s3Puts: figures.s3Puts,
    s3Gets: figures.s3Gets,
  };
}

function orchestrationCost(figures: RunFigures, batch: number, includeWorkers = false): number {
  return totalOf(costLines(usageOf(figures, batch)), includeWorkers);
}

const perStep = (value: number, figures: RunFigures) => (value / figures.steps).toFixed(3);
const usd = (value: number) => `$${value.toFixed(3)}`;
const micros = (timing: Timing) => `p50 ${timing.p50.toFixed(1)} µs, p99 ${timing.p99.toFixed(1)} µs`;

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function plan(prefix: string, count: number, failingShare: number, input: (i: number) => Json): Planned[] {
  const every = failingShare > 0 ? Math.round(1 / failingShare) : 0;
  return Array.from({ length: count }, (_, i) => {
    const fails = every > 0 && i % every === every - 1;
    return { name: `${prefix}-${i}`, input: fails ? smallOrder(i, true) : input(i), fails };
  });
}

function executionCount(): number {
  const parsed = Number(process.env['BENCH_COST_EXECUTIONS']);
  return Number.isSafeInteger(parsed) && parsed >= 10 ? parsed : DEFAULT_EXECUTIONS;
}

/** The cost suite. */
export const costSuite: Suite = {
  name: 'cost',
  description: 'AWS requests and USD per million steps of a 10-step saga on the real adapters (dynalite)',
  run: async ({ log }) => {
    const started = performance.now();
    const executions = executionCount();
    log('== suite cost ==');
    log(
      `method: the order saga of bench/cost/saga.ts (PrepareOrder Pass, 10 Tasks of which 6 with Compensate, ` +
        `a Choice) runs ${executions} times through the real orchestrator loop (InProcessDomain) with the ` +
        'DynamoDB execution, definition and correlation stores on dynalite; executions run one after another, ' +
        'each until the domain is idle. Deploying the definition is not counted.',
    );
    log(
      'step = a state entered: history events whose type ends in StateEntered, read back with store.history ' +
        `(${STEPS_WHEN_SUCCEEDED} per successful execution; ${STEPS_WHEN_COMPENSATED} when BookCarrier fails, ` +
        `followed by ${COMPENSATIONS_WHEN_FAILED} compensation tasks, which are not states).`,
    );
    const table = await startDynalite('baton-bench-cost');
    try {
      const meter = new DynamoDbMeter(table.client, table.tableName);
      const runs: RunFigures[] = [];
      runs.push(
        await run(
          'success-only',
          plan('ok', executions, 0, (i) => smallOrder(i)),
          table,
          meter,
        ),
      );
      runs.push(
        await run(
          `mixed (${FAILING_SHARE * 100}% compensate)`,
          plan('mix', executions, FAILING_SHARE, (i) => smallOrder(i)),
          table,
          meter,
        ),
      );
      runs.push(
        await run(
          `10 KB input`,
          plan('big', LARGE_INPUT_EXECUTIONS, 0, (i) => largeOrder(i, LARGE_INPUT_BYTES)),
          table,
          meter,
        ),
      );
      reportRequests(runs, meter, log);
      const [success] = runs as [RunFigures, RunFigures, RunFigures];
      reportCosts(runs, log);
      reportGoals(runs, log);
      await reportIntegrationRoundTrips(log);
      await reportTransitions(table, meter, log);
      log();
      log(`suite time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const headline = orchestrationCost(success, 1);
      log(
        'headline: the success-only run, every delivery received, deleted and handled alone (batch of 1), ' +
          'worker invocations excluded:',
      );
      log(
        `orchestration cost per million steps: $${headline.toFixed(2)} ` +
          `(Step Functions Standard: $${STEP_FUNCTIONS_PER_MILLION.toFixed(2)}, ` +
          `ratio ${(STEP_FUNCTIONS_PER_MILLION / headline).toFixed(1)}x)`,
      );
    } finally {
      await table.close();
    }
  },
};

function reportRequests(
  runs: readonly RunFigures[],
  meter: DynamoDbMeter,
  log: (line?: string) => void,
): void {
  log();
  log('-- AWS requests per step');
  const rows: string[][] = [];
  const row = (name: string, value: (figures: RunFigures) => string) => rows.push([name, ...runs.map(value)]);
  row('executions (succeeded + compensated)', (f) => `${f.succeeded} + ${f.compensated}`);
  row('steps (states entered)', (f) => formatCount(f.steps));
  row('DynamoDB write requests', (f) => perStep(f.dynamo.writeRequests, f));
  row('DynamoDB write units (table + GSI)', (f) => perStep(f.dynamo.writeUnits, f));
  row('  of which GSI (modeled)', (f) => perStep(f.dynamo.gsiWriteUnits, f));
  row('DynamoDB read requests', (f) => perStep(f.dynamo.readRequests, f));
  row('DynamoDB read units', (f) => perStep(f.dynamo.readUnits, f));
  row('SQS SendMessage', (f) => perStep(batchFigures(f, 1).sends, f));
  row('SQS requests, batch of 1', (f) => perStep(batchFigures(f, 1).sqsRequests, f));
  row('SQS requests, full batches of 10', (f) => perStep(batchFigures(f, 10).sqsRequests, f));
  row('EventBridge entries', (f) => perStep(f.eventEntries, f));
  row('EventBridge PutEvents calls', (f) => perStep(f.putEventsCalls, f));
  row('Lambda orchestrator invocations, batch of 1', (f) =>
    perStep(batchFigures(f, 1).orchestratorInvocations, f),
  );
  row('Lambda worker invocations, batch of 1', (f) => perStep(batchFigures(f, 1).workerInvocations, f));
  row('Lambda orchestrator invocations, batches of 10', (f) =>
    perStep(batchFigures(f, 10).orchestratorInvocations, f),
  );
  row('Lambda GB-s (model, see below)', (f) => {
    const b = batchFigures(f, 1);
    const gbs =
      gbSeconds(b.orchestratorMessages, LambdaModel.orchestratorMsPerMessage) +
      gbSeconds(b.workerMessages, LambdaModel.workerOverheadMsPerMessage);
    return (gbs / f.steps).toFixed(5);
  });
  row('S3 requests (payload offloads)', (f) => perStep(f.s3Puts + f.s3Gets, f));
  row('timers scheduled', (f) => perStep(f.timers, f));
  log(
    indent(
      renderTable(['per step', ...runs.map((f) => f.label)], rows, [
        'left',
        ...runs.map((): Align => 'right'),
      ]),
    ),
  );

  for (const figures of runs) {
    log();
    log(`-- DynamoDB by request kind, ${figures.label} (per step)`);
    const kinds = [...figures.dynamo.byKind.entries()].sort(
      ([, a], [, b]) => b.tableUnits + b.gsiUnits - (a.tableUnits + a.gsiUnits),
    );
    log(
      indent(
        renderTable(
          ['kind', 'requests', 'units', 'of which GSI', 'item bytes min/median/max'],
          kinds.map(([kind, totals]) => [
            kind,
            perStep(totals.requests, figures),
            perStep(totals.tableUnits + totals.gsiUnits, figures),
            totals.gsiUnits > 0 ? perStep(totals.gsiUnits, figures) : '',
            totals.itemBytes.length > 0
              ? `${Math.min(...totals.itemBytes)} / ${median(totals.itemBytes)} / ${Math.max(...totals.itemBytes)}`
              : '',
          ]),
          ['left', 'right', 'right', 'right', 'right'],
        ),
      ),
    );
    const commits = figures.requests.filter((r) => r.kind === 'PutItem version item (commit)');
    const byUnits = new Map<number, number>();
    for (const commit of commits) byUnits.set(commit.tableUnits, (byUnits.get(commit.tableUnits) ?? 0) + 1);
    log(
      `  version items (commits): ${[...byUnits.entries()]
        .sort(([a], [b]) => a - b)
        .map(([units, count]) => `${formatCount(count)} x ${units} WU`)
        .join(', ')}; ${(commits.length / figures.executions).toFixed(2)} commits per execution`,
    );
    const index = figures.requests.filter((r) => r.kind === 'PutItem index item (writeIndex)');
    const first = index.filter((r) => r.gsi.length > 0 && r.gsi.every((w) => w.op === 'put'));
    const later = index.filter((r) => !first.includes(r));
    const describe = (list: readonly DynamoRequest[]) => {
      if (list.length === 0) return 'none';
      const units = list.reduce((sum, r) => sum + r.tableUnits + r.gsi.reduce((s, w) => s + w.units, 0), 0);
      const gsi = new Map<string, number>();
      for (const r of list)
        for (const w of r.gsi) gsi.set(`${w.index} ${w.op}`, (gsi.get(`${w.index} ${w.op}`) ?? 0) + 1);
      const parts = [...gsi.entries()].map(([name, n]) => `${name} ${(n / list.length).toFixed(2)}`);
      return `${formatCount(list.length)} writes, ${(units / list.length).toFixed(2)} WU each (table ${(
        list.reduce((s, r) => s + r.tableUnits, 0) / list.length
      ).toFixed(2)}; GSI: ${parts.join(', ') || 'none'})`;
    };
    log(`  index item at start: ${describe(first)}`);
    log(`  index item on status change: ${describe(later)}`);
    const d = figures.dynamo;
    log(
      `  units reported by dynalite for ${formatCount(figures.requests.length - d.modeled)} of ` +
        `${formatCount(figures.requests.length)} requests (${d.raised} raised to DynamoDB's minimum of 1 unit: ` +
        `loads of a new execution, a Query that returns nothing; ${d.mismatches} differ from the modeled units); ` +
        `${d.failed} failed requests`,
    );
  }
  log();
  log('-- models');
  log(`  GSIs (from createTableInput): ${meter.describeIndexes().join('; ')}.`);
  log(
    '  GSI writes are modeled by DynamoDB rules: an item enters an index (1 put) only with both key ' +
      'attributes (only the index item has startTime: sparse); a key change costs delete + put; a change of a projected attribute 1 update; ' +
      'else nothing. Units per started KB of the index entry (keys + projected attributes).',
  );
  log(
    '  SQS: each message sent is one SendMessage; batch of 1: each delivery one ReceiveMessage + one ' +
      'DeleteMessage + one Lambda invocation (low traffic: batches do not fill); full batches of 10: ' +
      'ReceiveMessage and DeleteMessageBatch and invocations per 10 deliveries per queue (high traffic). ' +
      "Each started 64 KB is a request. Idle long polling by Lambda's pollers is a fixed monthly cost per queue, not per step, and is left out.",
  );
  log(
    `  Lambda: ${LambdaModel.memoryMb} MB Arm; assumed ${LambdaModel.orchestratorMsPerMessage} ms billed per ` +
      `orchestrator message (AWS call latencies; not measured here) and ${LambdaModel.workerOverheadMsPerMessage} ms per worker ` +
      "result send; worker invocations themselves are the task's own Lambda, which Step Functions would invoke too: shown, not in the total.",
  );
  log(
    `  in process, orchestrator.handle took ${runs
      .map((f) => `${(f.handleMs.reduce((a, b) => a + b, 0) / f.handleMs.length).toFixed(2)} ms`)
      .join(
        ' / ',
      )} per message on average (${runs.map((f) => f.label).join(' / ')}; dynalite on loopback, no network).`,
  );
  log(
    '  EventBridge: every PublishEvent command is one entry; PutEvents calls = ceil(entries per perform / 10).',
  );
}

function reportCosts(runs: readonly RunFigures[], log: (line?: string) => void): void {
  log();
  log('-- USD per million steps (us-east-1 list prices, free tiers ignored; batch of 1)');
  const lines = runs.map((f) => costLines(usageOf(f, 1)));
  const [reference] = lines as [ReturnType<typeof costLines>];
  const rows = reference.map((line, i) => [
    line.included ? line.service : `(${line.service})`,
    ...lines.map((list) => usd(list[i]?.usdPerMillionSteps ?? 0)),
    line.basis,
  ]);
  rows.push(['orchestration total', ...runs.map((f) => usd(orchestrationCost(f, 1))), '']);
  rows.push(['  with full batches of 10', ...runs.map((f) => usd(orchestrationCost(f, 10))), '']);
  rows.push(['  incl. worker invocations', ...runs.map((f) => usd(orchestrationCost(f, 1, true))), '']);
  rows.push([
    'Step Functions Standard',
    ...runs.map(() => usd(STEP_FUNCTIONS_PER_MILLION)),
    '$25 per million state transitions',
  ]);
  rows.push([
    'ratio Step Functions / Baton',
    ...runs.map((f) => `${(STEP_FUNCTIONS_PER_MILLION / orchestrationCost(f, 1)).toFixed(1)}x`),
    '',
  ]);
  log(
    indent(
      renderTable(['service', ...runs.map((f) => f.label), 'price'], rows, [
        'left',
        ...runs.map((): Align => 'right'),
        'left',
      ]),
    ),
  );
  log('  (parenthesised lines are shown for information and are not in the totals)');
}

function reportGoals(runs: readonly RunFigures[], log: (line?: string) => void): void {
  log();
  log(
    `goals (information only): ≤ ${GOALS.writeRequestsPerStep} DynamoDB write requests and ≤ ` +
      `${GOALS.writeUnitsPerStep} write units per step; ≤ $${GOALS.usdPerMillionSteps.toFixed(2)} per million steps`,
  );
  for (const f of runs) {
    const writes = f.dynamo.writeRequests / f.steps;
    const units = f.dynamo.writeUnits / f.steps;
    const cost = orchestrationCost(f, 1);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    log(
      `  ${f.label}: ${writes.toFixed(3)} write requests/step (${verdict(writes <= GOALS.writeRequestsPerStep)}), ` +
        `${units.toFixed(3)} write units/step (${verdict(units <= GOALS.writeUnitsPerStep)}), ` +
        `$${cost.toFixed(2)} per million steps (${verdict(cost <= GOALS.usdPerMillionSteps)}; ` +
        `$${orchestrationCost(f, 10).toFixed(2)} with full batches of 10)`,
    );
  }
}

/**
 * What a service integration task costs in SQS over a worker task, on the real loop: a workflow of
 * one Task runs with each kind of resource, and the messages sent and received on every queue are
 * counted. A worker task is a message to the worker's queue and its result back to the inbox; an
 * integration task is performed by the orchestrator, and only its result goes to the inbox. A
 * `.sync` job costs one more inbox message per look at the job.
 */
async function reportIntegrationRoundTrips(log: (line?: string) => void): Promise<void> {
  const awsSdk: AwsSdkTransport = {
    call: async (_service, action): Promise<JsonObject> =>
      action === 'getJobRun' ? { JobRun: { JobRunState: 'SUCCEEDED' } } : { JobRunId: 'jr-1' },
  };
  const measure = async (resource: string, parameters: JsonObject) => {
    const domain = new InProcessDomain({ workers: { work: () => ({ done: true }) }, awsSdk });
    const domainMeter = new DomainMeter(domain);
    await domain.deploy('One', {
      StartAt: 'Step',
      States: { Step: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } },
    });
    domain.start('One', {}, 'one-1');
    await domain.runUntilIdle();
    const status = (await domain.store.load('One:one-1'))?.execution.status;
    domain.dispose();
    let sends = 0;
    let receives = 0;
    for (const counts of domainMeter.queues.values()) {
      sends += counts.sends;
      receives += counts.receives;
    }
    return { status, sends, receives };
  };
  const worker = await measure('baton:worker:work', {});
  const integration = await measure('arn:aws:states:::glue:startJobRun', { JobName: 'j' });
  const job = await measure('arn:aws:states:::glue:startJobRun.sync', { JobName: 'j' });
  log();
  log(
    'integration task vs worker task (a workflow of one Task, the start message included; SQS messages sent / received):',
  );
  const line = (label: string, figures: { status: string | undefined; sends: number; receives: number }) =>
    log(`  ${label}: ${figures.sends} sent / ${figures.receives} received (${figures.status})`);
  line('worker task (baton:worker:work)', worker);
  line('integration task (glue:startJobRun)', integration);
  line('.sync job ending at its first look (glue:startJobRun.sync)', job);
  const extra = integration.sends - worker.sends;
  log(
    `  an integration task adds ${extra} SQS round trip(s) over a worker task ` +
      `(goal: ≤ 1, ${extra <= 1 ? 'met' : 'NOT met'}); a .sync job adds ${job.sends - integration.sends} ` +
      'inbox messages: its submission and one per look',
  );
}

async function reportTransitions(
  table: LocalTable,
  meter: DynamoDbMeter,
  log: (line?: string) => void,
): Promise<void> {
  const store = new DynamoDbExecutionStore({ client: table.client, tableName: table.tableName });
  log();
  log('-- orchestrator CPU per transition (decide, lambdas/engine; same pre-state, timed run by run)');
  log(
    '  transition: CapturePayment result -> AllocateWarehouse entered and dispatched (1 state entered; ' +
      'its Parameters select the items; the Compensate pushes { Input, Result } on the saga stack).',
  );
  const rows: string[][] = [];
  for (const [label, input] of [
    ['small input', smallOrder(1)],
    ['~10 KB input', largeOrder(1, LARGE_INPUT_BYTES)],
  ] as const) {
    const f = await measureSagaTransition(
      input,
      DECIDE_RUNS,
      store,
      meter,
      `${SAGA_NAME}:cpu-${rows.length}`,
    );
    rows.push([
      label,
      formatCount(f.inputBytes),
      `${f.decide.p50.toFixed(1)} / ${f.decide.p99.toFixed(1)}`,
      `${f.encode.p50.toFixed(1)} / ${f.encode.p99.toFixed(1)}`,
      `${f.decode.p50.toFixed(1)} / ${f.decode.p99.toFixed(1)}`,
      (f.decide.p50 + f.encode.p50 + f.decode.p50).toFixed(1),
      `${formatCount(f.jsonBytes)} -> ${formatCount(f.sharedJsonBytes)} -> ${formatCount(f.commit.itemBytes)}`,
      String(f.commit.writeUnits),
    ]);
    if (f.statesEntered !== 1)
      throw new WrongResultError(`${label}: expected 1 state entered, got ${f.statesEntered}`);
  }
  log(
    indent(
      renderTable(
        [
          'state',
          'input bytes',
          'decide µs p50/p99',
          'encode µs p50/p99',
          'decode µs p50/p99',
          'sum of p50s µs',
          'JSON -> each value once -> item bytes',
          'commit WU',
        ],
        rows,
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    ),
  );
  log(
    `  ${DECIDE_RUNS} timed runs each after ${Math.ceil(DECIDE_RUNS / 5)} warm-up runs; encode/decode = the store's ` +
      'DEFLATE (preset dictionary) of the version document with each value written once, done once per commit ' +
      'and per load.',
  );

  log();
  log(
    `-- store cost per transition vs history length (one execution of a Task/Choice loop, ${formatCount(LONG_HISTORY_EVENTS)} events)`,
  );
  const h = await measureHistoryLength(store, meter, LONG_HISTORY_EVENTS, DECIDE_RUNS);
  const point = (name: string, p: HistoryPoint) => [
    name,
    formatCount(p.eventsBefore),
    `#${formatCount(p.firstEvent)}–#${formatCount(p.lastEvent)}`,
    formatCount(p.version),
    `${p.cost.loadRequests} / ${p.cost.loadReadUnits}`,
    `${p.cost.writeRequests} / ${p.cost.writeUnits}`,
    formatCount(p.cost.itemBytes),
    micros(p.decide),
  ];
  log(
    indent(
      renderTable(
        [
          'transition',
          'events before',
          'events written',
          'version',
          'load req / RU',
          'commit req / WU',
          'item bytes',
          'decide',
        ],
        [
          point('records event #11', h.small),
          point(`records event #${formatCount(LONG_HISTORY_EVENTS + 1)}`, h.large),
        ],
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
    ),
  );
  const same =
    h.small.cost.writeUnits === h.large.cost.writeUnits &&
    h.small.cost.loadReadUnits === h.large.cost.loadReadUnits;
  log(
    `  ${formatCount(h.versions)} version items committed with DynamoDbExecutionStore.commit in ` +
      `${(h.elapsedMs / 1000).toFixed(1)} s. Each commit writes only its own transition's events; the item ` +
      `grows by ${h.large.cost.itemBytes - h.small.cost.itemBytes} bytes (wider numbers in ids and tokens). ` +
      `Same units per transition: ${same ? 'yes' : 'NO'}.`,
  );
}
