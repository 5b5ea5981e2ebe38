/**
 * `npm run bench -- distributed-map`: one Distributed Map over a 100,000-line JSONL object in the
 * local S3, with EXPRESS children, on the local runtime of `npm start` (the orchestrator loop on
 * its inbox queue, the Map Run store on dynalite, the local S3, children in memory on the domain's
 * task router). Prints items/s, wall time, the process's memory while it runs, every request the
 * run made of DynamoDB, S3 and SQS, and what those would cost on AWS per million child items next
 * to Step Functions' price for the same run.
 *
 * The child: Pass (shapes the item) -> Task (a Lambda function, through Lambda's Invoke API on the
 * local AWS endpoint) -> Choice (on the function's answer) -> Succeed. The Task is
 * `arn:aws:states:::aws-sdk:lambda:invoke`, not `arn:aws:states:::lambda:invoke`: the local
 * runtime gives its task router no Lambda transport, so the optimized integration fails there
 * ("not available locally") unless its result is mocked, while the AWS SDK integration reaches the
 * endpoint's Lambda Invoke, where `runtime.endpoint.registerFunction` registers a function in this
 * process. Each child makes a real HTTP Invoke, as it would on AWS.
 *
 * Peer, in the same run (the floor): the same 100,000 items read from the same object with the
 * same JSONL reader, each run as a child by the very runner the Map Run uses (`inMemoryChildren`:
 * the same compiled ItemProcessor, the same task router and Lambda endpoint), 50 at a time, in a
 * plain loop: no Map Run record, no inbox messages, no chunk outcomes, no ResultWriter. The
 * ratios (items/s, and CPU per item, steadier on a machine doing other work) are what the Map
 * Run's bookkeeping costs.
 *
 * BENCH_DMAP_ITEMS overrides the number of items (default 100,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import { compileWorkflowWith } from '../../lambdas/engine/compile.js';
import { assertValidDefinitionWith } from '../../lambdas/engine/definition-validator.js';
import { inMemoryChildren } from '../../lambdas/runtime/distributed-map/express-children.js';
import { readJsonLinesItems } from '../../lambdas/runtime/distributed-map/item-readers.js';
import { TaskRouter } from '../../lambdas/runtime/task-router.js';
import { localAwsSdkTransport } from '../../local/runtime/local-aws-sdk.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { formatCount, formatRatio, renderTable, type Align } from '../measure.js';
import type { Suite } from '../suite.js';
import { meterLocalRuntime, type LocalRuntimeMeter } from './meter.js';
import {
  DmapPrices,
  ORCHESTRATOR_MEMORY_MB,
  stepFunctionsCost,
  batonCost,
  type CostLine,
} from './pricing.js';

const ITEMS = Math.max(1, Math.round(Number(process.env.BENCH_DMAP_ITEMS ?? 100_000)));
const MAX_CONCURRENCY = 1000;
/**
 * Children the floor runs at once: the Lambda client's socket pool (the SDK's default of 50
 * sockets per host). More only wait in the SDK's queue: with 1,000 at once the floor ran 30-50%
 * slower (BENCH_DMAP_FLOOR_CONCURRENCY overrides).
 */
const FLOOR_CONCURRENCY = Math.max(1, Number(process.env.BENCH_DMAP_FLOOR_CONCURRENCY ?? 50));
const DOMAIN = 'bench';
const WORKFLOW = 'PriceAll';
const BUCKET = 'bench-items';
const KEY = 'in/items.jsonl';
const FUNCTION_NAME = 'bench-price';
/** Goals (information only). */
const GOAL_SECONDS = 5 * 60;
/** Memory is read every second; min/max are taken once this many children ran. */
const MEMORY_AFTER_ITEMS = Math.min(10_000, Math.floor(ITEMS / 10));
/** Lines per part of the seeded object's stream. */
const LINES_PER_PART = 1000;

/** The function the Task invokes: the item's price with tax, in cents. */
function price(event: unknown): { id: string; total: number } {
  const { id, amount } = event as { id: string; amount: number };
  return { id, total: Math.round(amount * 119) / 100 };
}

function item(index: number): { id: string; amount: number; sku: string } {
  return { id: `item-${index}`, amount: (index % 997) + 1, sku: `SKU-${index % 50}` };
}

/** The child: Pass -> Task (Lambda) -> Choice -> Succeed (the Fail is never reached). */
const processor = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
  StartAt: 'Shape',
  States: {
    Shape: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'amount.$': '$.amount' }, Next: 'Price' },
    Price: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
      Parameters: { FunctionName: FUNCTION_NAME, 'Payload.$': 'States.JsonToString($)' },
      // The AWS SDK integration answers Payload as the function's JSON text.
      ResultSelector: { 'priced.$': 'States.StringToJson($.Payload)' },
      OutputPath: '$.priced',
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.total', NumericGreaterThan: 0, Next: 'Done' }],
      Default: 'Invalid',
    },
    Done: { Type: 'Succeed' },
    Invalid: { Type: 'Fail', Error: 'InvalidTotal', Cause: 'a total of 0 or less' },
  },
} as const;

/** States a child enters: Shape, Price, Route, Done. */
const CHILD_STATES = 4;

const definition = {
  StartAt: 'PriceItems',
  States: {
    PriceItems: {
      Type: 'Map',
      Label: 'Items',
      MaxConcurrency: MAX_CONCURRENCY,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL' },
        Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
      },
      ItemProcessor: processor,
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: BUCKET, Prefix: 'results' },
      },
      End: true,
    },
  },
} as const;

/** The object's lines, a part of {@link LINES_PER_PART} at a time: never the whole file in memory. */
async function* jsonLines(count: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < count; start += LINES_PER_PART) {
    const lines: string[] = [];
    for (let index = start; index < Math.min(count, start + LINES_PER_PART); index += 1) {
      lines.push(JSON.stringify(item(index)));
    }
    yield Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  }
}

/** One memory reading. */
interface Sample {
  readonly at: number;
  readonly items: number;
  readonly rss: number;
  readonly heapUsed: number;
}

export const distributedMapSuite: Suite = {
  name: 'distributed-map',
  description:
    'a Distributed Map over 100,000 JSONL items with EXPRESS children on the local runtime: items/s, memory, requests and AWS cost vs Step Functions',
  run: async ({ log }) => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-bench-dmap-'));
    const runtime = await LocalRuntime.start({
      domains: [
        {
          domain: DOMAIN,
          workflows: { [WORKFLOW]: definition as unknown as StateMachineDefinition },
          workers: {},
          triggers: [],
        },
      ],
      dataDir,
    });
    try {
      let invocations = 0;
      runtime.endpoint.registerFunction({
        functionName: FUNCTION_NAME,
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${FUNCTION_NAME}`,
        invoke: (event) => {
          invocations += 1;
          return Promise.resolve({ type: 'succeeded', value: price(event) });
        },
      });
      const s3 = new S3Client({
        endpoint: runtime.endpoints.s3,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      s3.destroy();
      await runtime.objectStorage.write({ bucket: BUCKET, key: KEY }, jsonLines(ITEMS), {
        contentType: 'application/x-ndjson',
      });

      const meter = meterLocalRuntime(runtime, DOMAIN);
      const ended = new Set<string>();
      runtime.subscribe(({ executionId, status }) => {
        if (status !== 'RUNNING') ended.add(executionId);
      });

      // The Distributed Map, metered and sampled.
      const samples: Sample[] = [];
      let lastChildAt = 0;
      let seenInvocations = 0;
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const sampler = setInterval(() => {
        const { rss, heapUsed } = process.memoryUsage();
        samples.push({ at: performance.now() - started, items: invocations, rss, heapUsed });
      }, 1000);
      const watcher = setInterval(() => {
        if (invocations !== seenInvocations) {
          seenInvocations = invocations;
          lastChildAt = performance.now();
        }
      }, 50);
      meter.recording = true;
      let executionId: string;
      try {
        executionId = await runtime.start({
          workflow: WORKFLOW,
          input: { bucket: BUCKET, key: KEY },
          name: 'bench-1',
        });
        await waitFor(() => ended.has(executionId), Math.max(600_000, ITEMS * 10));
      } finally {
        meter.recording = false;
        clearInterval(sampler);
        clearInterval(watcher);
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStarted);
      const childrenSeconds = (lastChildAt - started) / 1000;

      // Verification (unmetered): the parent succeeded, every item was priced once, and the
      // results written hold every item's total.
      const description = await runtime.describe(executionId);
      if (description.status !== 'SUCCEEDED') {
        throw new Error(
          `the Distributed Map ended ${description.status}: ${String(description.error)}: ${String(description.cause)}`,
        );
      }
      const results = await verifyResults(runtime, description.output);
      // EXPRESS children run at least once: a chunk delivered again (its invocation timed out)
      // runs its children again, which is allowed; fewer runs than items is not.
      if (invocations < ITEMS) {
        throw new Error(`the function was invoked ${invocations} times for ${ITEMS} items`);
      }
      const childInvocations = invocations;

      // Peer: the same children in a plain loop.
      const floor = await runFloor(runtime);

      report(log, {
        seconds,
        childrenSeconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        samples,
        meter,
        results,
        floor,
        childInvocations,
      });
    } finally {
      await runtime.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** What the ResultWriter wrote, checked: counts and the children's billed durations. */
interface WrittenResults {
  readonly succeeded: number;
  readonly failed: number;
  readonly files: number;
  /** Sum over children of their duration rounded up to 100 ms (Express billing), seconds. */
  readonly billedChildSeconds: number;
  readonly meanChildMs: number;
}

async function verifyResults(runtime: LocalRuntime, output: Json | undefined): Promise<WrittenResults> {
  const details = (output as JsonObject | undefined)?.ResultWriterDetails as
    { Bucket: string; Key: string } | undefined;
  if (details === undefined)
    throw new Error(`no ResultWriterDetails in the output: ${JSON.stringify(output)}`);
  const read = async (key: string): Promise<unknown> => {
    const parts: Uint8Array[] = [];
    for await (const part of await runtime.objectStorage.read({ bucket: details.Bucket, key }))
      parts.push(part);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  };
  const manifest = (await read(details.Key)) as {
    ResultFiles: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string }[]>;
  };
  const seen = new Uint8Array(ITEMS);
  let succeeded = 0;
  let billedChildSeconds = 0;
  let childMs = 0;
  for (const file of manifest.ResultFiles.SUCCEEDED) {
    const entries = (await read(file.Key)) as { Output: string; StartDate: string; StopDate: string }[];
    for (const entry of entries) {
      const out = JSON.parse(entry.Output) as { id: string; total: number };
      const index = Number(out.id.slice('item-'.length));
      const expected = price(item(index)).total;
      if (out.total !== expected || seen[index] === 1) {
        throw new Error(
          `result of ${out.id}: total ${out.total} (expected ${expected}), seen before: ${seen[index] === 1}`,
        );
      }
      seen[index] = 1;
      succeeded += 1;
      const ms = Math.max(0, Date.parse(entry.StopDate) - Date.parse(entry.StartDate));
      childMs += ms;
      billedChildSeconds += Math.max(1, Math.ceil(ms / 100)) / 10;
    }
  }
  const failed = manifest.ResultFiles.FAILED.length + manifest.ResultFiles.PENDING.length;
  if (succeeded !== ITEMS || failed !== 0) {
    throw new Error(
      `the results hold ${succeeded} succeeded children of ${ITEMS}, and ${failed} other files`,
    );
  }
  return {
    succeeded,
    failed,
    files: manifest.ResultFiles.SUCCEEDED.length,
    billedChildSeconds,
    meanChildMs: childMs / succeeded,
  };
}

/** The floor: the same children run by the Map Run's own runner, in a plain loop. */
async function runFloor(runtime: LocalRuntime): Promise<Floor> {
  const awsSdk = localAwsSdkTransport({ lambda: { endpoint: runtime.endpoint.url } });
  const clock = { now: () => Date.now() };
  const run = inMemoryChildren({
    compile: (child, name) => compileWorkflowWith(child, undefined, assertValidDefinitionWith, { name }),
    run: {
      taskDispatcher: (inbox) =>
        new TaskRouter({
          // The domain has no workers: the child calls Lambda only.
          transports: { awsSdk, workers: { has: () => false, send: () => Promise.resolve() } },
          clock,
          inbox,
          environment: 'in the bench',
        }),
    },
  });
  // The ItemProcessor as the Map Run hands it to its runner: without ProcessorConfig.
  const { ProcessorConfig: _config, ...childDefinition } = processor;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const items = readJsonLinesItems(await runtime.objectStorage.read({ bucket: BUCKET, key: KEY }));
  let index = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const next = await items.next();
      if (next.done === true) return;
      const number = index++;
      const end = await run({
        definition: childDefinition as unknown as StateMachineDefinition,
        workflow: `${WORKFLOW}/Items`,
        name: `floor-${number}`,
        input: next.value.item,
        deadline: Date.now() + 5 * 60_000,
      });
      if (end.status !== 'SUCCEEDED') {
        throw new Error(
          `floor: child ${number} ended ${end.status}: ${String(end.error)}: ${String(end.cause)}`,
        );
      }
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: FLOOR_CONCURRENCY }, worker));
  if (done !== ITEMS) throw new Error(`floor: ${done} children ran for ${ITEMS} items`);
  const cpu = process.cpuUsage(cpuStarted);
  return {
    seconds: (performance.now() - started) / 1000,
    items: done,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

interface Floor {
  readonly seconds: number;
  readonly items: number;
  readonly cpuSeconds: number;
}

interface Figures {
  readonly seconds: number;
  readonly childrenSeconds: number;
  readonly cpuSeconds: number;
  readonly samples: readonly Sample[];
  readonly meter: LocalRuntimeMeter;
  readonly results: WrittenResults;
  readonly floor: Floor;
  /** The function's invocations by the Map Run's children: the items, and any run again. */
  readonly childInvocations: number;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

function report(log: (line?: string) => void, figures: Figures): void {
  const { seconds, meter, results, floor } = figures;
  const rate = ITEMS / seconds;
  const floorRate = floor.items / floor.seconds;
  log(
    `-- distributed-map: ${formatCount(ITEMS)} JSONL items, EXPRESS children (Pass -> Lambda Task -> Choice -> Succeed), MaxConcurrency ${MAX_CONCURRENCY}, ResultWriter to the local S3`,
  );
  log(
    `  parent SUCCEEDED; ${formatCount(results.succeeded)} children SUCCEEDED, each item's total checked in ${results.files} result file(s); ${formatCount(figures.childInvocations - ITEMS)} children run again (redelivered chunks)`,
  );
  log(
    `  wall time:         ${seconds.toFixed(1)} s (children done after ${figures.childrenSeconds.toFixed(1)} s; the rest is the ResultWriter and the parent's end)`,
  );
  log(`  items/s:           ${formatCount(rate)} end to end`);
  log(
    `  CPU:               ${figures.cpuSeconds.toFixed(1)} s (process, all threads), ${((figures.cpuSeconds * 1e6) / ITEMS).toFixed(0)} µs per item`,
  );
  log(
    `  children:          ${formatCount(ITEMS * CHILD_STATES)} states entered; mean child ${results.meanChildMs.toFixed(1)} ms from start to stop`,
  );
  const ticks = meter.messages.get('MapRunTick')?.sends ?? 0;
  log(
    `  dispatch:          ${formatCount(ticks)} ticks, ${formatCount(ITEMS / Math.max(1, ticks))} items per tick (a tick starts at most MaxConcurrency minus the children still running; the next comes 1 s later)`,
  );

  // Memory: while children ran (after the first MEMORY_AFTER_ITEMS), then the ResultWriter.
  const running = figures.samples.filter(
    (sample) => sample.items >= MEMORY_AFTER_ITEMS && sample.at <= figures.childrenSeconds * 1000,
  );
  const writing = figures.samples.filter((sample) => sample.at > figures.childrenSeconds * 1000);
  if (running.length >= 2) {
    const range = (values: number[]) => `${mb(Math.min(...values))}–${mb(Math.max(...values))}`;
    const quarter = Math.max(1, Math.floor(running.length / 4));
    const mean = (list: readonly Sample[]) =>
      list.reduce((sum, sample) => sum + sample.heapUsed, 0) / list.length;
    const early = mean(running.slice(0, quarter));
    const late = mean(running.slice(-quarter));
    // Flat: the last quarter's mean heap within 25% (and 32 MB) of the first quarter's.
    const flat = late <= early * 1.25 + 32 * 1024 * 1024;
    log(
      `  memory while children ran (after ${formatCount(MEMORY_AFTER_ITEMS)} items, ${running.length} samples, 1/s): RSS ${range(running.map((s) => s.rss))}, heapUsed ${range(running.map((s) => s.heapUsed))}`,
    );
    log(
      `    heapUsed mean, first quarter ${mb(early)}, last quarter ${mb(late)}: ${flat ? 'flat' : 'GROWING'} (flat = last within 25% + 32 MB of first)`,
    );
  } else {
    log(
      `  memory: too few samples after ${formatCount(MEMORY_AFTER_ITEMS)} items to judge (${running.length})`,
    );
  }
  if (writing.length > 0) {
    log(
      `  memory after the children (ResultWriter, ${writing.length} samples): RSS max ${mb(Math.max(...writing.map((s) => s.rss)))}, heapUsed max ${mb(Math.max(...writing.map((s) => s.heapUsed)))}`,
    );
  }

  // Requests.
  log();
  log('requests of the run:');
  const rows: string[][] = [];
  for (const [kind, counts] of [...meter.messages].sort((a, b) => b[1].sends - a[1].sends)) {
    rows.push([
      `SQS SendMessage ${kind}`,
      formatCount(counts.sends),
      `${formatCount(counts.chunks)} chunks, ${mb(counts.bytes)}`,
    ]);
  }
  rows.push([
    'SQS ReceiveMessage (with messages)',
    formatCount(meter.receives),
    `${formatCount(meter.received)} messages`,
  ]);
  rows.push([
    'SQS DeleteMessageBatch',
    formatCount(meter.deleteBatches),
    `${formatCount(meter.deleted)} messages`,
  ]);
  for (const [command, counts] of [...meter.dynamo].sort((a, b) => b[1].requests - a[1].requests)) {
    rows.push([
      `DynamoDB ${command}`,
      formatCount(counts.requests),
      `${formatCount(counts.units)} units${counts.conditionFailed > 0 ? `, ${counts.conditionFailed} condition failed` : ''}`,
    ]);
  }
  for (const [command, count] of [...meter.s3].sort((a, b) => b[1] - a[1]))
    rows.push([`S3 ${command}`, formatCount(count), '']);
  const invocationSeconds = meter.invocationMs.reduce((sum, ms) => sum + ms, 0) / 1000;
  rows.push([
    'orchestrator invocations',
    formatCount(meter.deleteBatches),
    `${invocationSeconds.toFixed(1)} s in all (receive to delete), mean ${((invocationSeconds * 1000) / Math.max(1, meter.deleteBatches)).toFixed(0)} ms`,
  ]);
  const align: Align[] = ['left', 'right', 'left'];
  log(renderTable(['request', 'count', 'detail'], rows, align));

  // Cost.
  const perMillion = 1e6 / ITEMS;
  const baton = batonCost(meter, { invocationSeconds, cpuSeconds: figures.cpuSeconds });
  const stepFunctions = stepFunctionsCost({
    children: ITEMS,
    parentTransitions: 1,
    billedChildSeconds: results.billedChildSeconds,
  });
  log();
  log(
    `AWS cost per million EXPRESS child items (us-east-1 list prices, free tiers ignored; ${ORCHESTRATOR_MEMORY_MB} MB Arm orchestrator):`,
  );
  const costRows = (lines: readonly CostLine[]) =>
    lines.map((line) => [line.service, line.basis, `$${(line.usd * perMillion).toFixed(3)}`]);
  log(renderTable(['Baton', 'basis', 'per 1M items'], costRows(baton.lines), ['left', 'left', 'right']));
  log(
    renderTable(['Step Functions', 'basis', 'per 1M items'], costRows(stepFunctions), [
      'left',
      'left',
      'right',
    ]),
  );
  const batonTotal =
    baton.lines.filter((line) => line.included).reduce((sum, line) => sum + line.usd, 0) * perMillion;
  const sfTotal = stepFunctions.reduce((sum, line) => sum + line.usd, 0) * perMillion;
  log(
    `  the children's Lambda function (${formatCount(ITEMS)} invocations) is billed alike on both and left out: $${(DmapPrices.lambdaRequest * 1e6).toFixed(2)} per million requests + its duration`,
  );

  log();
  const cpuPerItem = (figures.cpuSeconds * 1e6) / ITEMS;
  const floorCpuPerItem = (floor.cpuSeconds * 1e6) / floor.items;
  log(
    `peer, same run: the same ${formatCount(floor.items)} children in a plain loop (same runner, task router and Lambda endpoint, ${FLOOR_CONCURRENCY} at a time, no Map Run): ${formatCount(floorRate)} items/s in ${floor.seconds.toFixed(1)} s, CPU ${floorCpuPerItem.toFixed(0)} µs per item`,
  );
  log(
    `  ratio Distributed Map / plain loop: ${formatRatio(rate / floorRate)} of its items/s, ${formatRatio(cpuPerItem / floorCpuPerItem)} its CPU per item`,
  );
  log(
    `goal: ${formatCount(ITEMS)} items within ${GOAL_SECONDS / 60} minutes: ${seconds <= GOAL_SECONDS ? 'met' : 'NOT met'} (${seconds.toFixed(1)} s)`,
  );
  log(
    `cost per million EXPRESS child items: $${batonTotal.toFixed(2)} (Step Functions, Standard parent + Express children: $${sfTotal.toFixed(2)}, ratio ${formatRatio(sfTotal / batonTotal)})`,
  );
  log(`distributed-map items per second: ${Math.round(rate)}`);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
