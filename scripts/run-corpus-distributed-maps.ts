/**
 * `npm run corpus:dmap [-- <corpus folder>]`: runs the Distributed Map definitions of the
 * real-world corpus (`cases/*.json` of `../shared/corpus/real-world` by default; read where it
 * is, never copied) on the local runtime, with S3 objects seeded for their item readers.
 *
 * For each definition with a DISTRIBUTED Map (at any depth), from the definition alone
 * (scripts/corpus-dmap-plan.ts): the buckets it names are created through the runtime's S3
 * endpoint, objects fitting its readers are written there, every Task but S3's gets a mocked
 * result (mocks file format, per workflow and state), and an execution starts with an input that
 * holds the paths it reads. A reader whose Bucket or Key the run computes is seeded once a run
 * shows where it reads (its Map Run's resolved parameters), and the case runs again.
 *
 * Prints a table: case, status, error and cause, Map Runs, items read and children's ends (from
 * the Map Runs' records), results written by ResultWriter.
 *
 * Options: `--filter <text>` (cases whose name contains it), `--timeout <seconds>` (per run,
 * default 150), `--concurrency <n>` (cases at once, default 3), `--json <file>` (the results),
 * `--keep` (keep the runtime's data folder and print where it is, with a mocks file per case).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Json, JsonObject } from '../lambdas/engine/json.js';
import type { MapRunRequest } from '../lambdas/engine/distributed-map.js';
import { MockedResults } from '../lambdas/runtime/integration-mocks.js';
import { LocalRuntime } from '../local/runtime/local-runtime.js';
import { hasDistributedMap, planCase, seedFor, type CasePlan, type Seed } from './corpus-dmap-plan.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    filter: { type: 'string' },
    timeout: { type: 'string', default: '150' },
    concurrency: { type: 'string', default: '3' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const corpus = resolve(positionals[0] ?? '../shared/corpus/real-world');
const timeoutMs = Number(values.timeout) * 1000;
const concurrency = Math.max(1, Number(values.concurrency));
/** Runs per case: each may reveal a reader location to seed. */
const MAX_RUNS = 4;

interface CorpusCase {
  readonly name: string;
  readonly definition: JsonObject;
}

interface MapRunSummary {
  readonly stateName: string;
  readonly status: string;
  readonly itemsRead: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly error?: string;
  /** A failed STANDARD child's error and cause (EXPRESS children keep no history). */
  readonly childFailure?: string;
  readonly resultsWritten?: number;
  readonly resultWriter?: string;
}

interface CaseResult {
  readonly name: string;
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  readonly runs: number;
  readonly mapRuns: readonly MapRunSummary[];
  readonly notes: readonly string[];
}

function loadCases(): CorpusCase[] {
  const folder = join(corpus, 'cases');
  let files: string[];
  try {
    files = readdirSync(folder).filter((file) => file.endsWith('.json'));
  } catch (error) {
    throw new Error(
      `No corpus cases in ${folder} (give the corpus folder as the argument): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return files
    .sort()
    .map((file) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as CorpusCase)
    .filter((entry) => hasDistributedMap(entry.definition))
    .filter((entry) => values.filter === undefined || entry.name.includes(values.filter));
}

const cases = loadCases();
if (cases.length === 0) throw new Error(`No Distributed Map definition in ${corpus}/cases`);
const plans = new Map<string, CasePlan>(
  cases.map((entry, index) => [
    entry.name,
    planCase(entry.name, entry.definition, `corpus-dmap-${index + 1}`),
  ]),
);
const mocks = {
  States: Object.assign({}, ...[...plans.values()].map((plan) => plan.mocks.States)) as JsonObject,
};

const dataDir = mkdtempSync(join(tmpdir(), 'baton-corpus-dmap-'));
const runtime = await LocalRuntime.start({
  domains: [{ domain: 'corpus', workflows: {}, workers: {}, triggers: [] }],
  dataDir,
  mocks: MockedResults.parse(mocks, 'the mocks derived from the corpus definitions'),
});
const s3 = new S3Client({
  endpoint: runtime.endpoints.s3,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Creates a bucket; answers why it cannot exist, if it cannot. */
async function createBucket(bucket: string): Promise<string | undefined> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return undefined;
    return `bucket ${JSON.stringify(bucket)}: ${name}: ${(error as Error).message}`;
  }
  return undefined;
}

async function seed(target: Seed, notes: string[]): Promise<void> {
  const problem = await createBucket(target.bucket);
  if (problem !== undefined) {
    notes.push(problem);
    return;
  }
  for (const object of target.objects) {
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: object.key, Body: object.body }));
  }
  notes.push(`seeded s3://${target.bucket}/${target.objects.map((object) => object.key).join(', ')}`);
}

async function whenEnded(id: string): Promise<{ status: string; error?: string; cause?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await runtime.describe(id).catch(() => undefined);
    if (found !== undefined && found.status !== 'RUNNING') {
      return {
        status: found.status,
        ...(found.error !== undefined ? { error: found.error } : {}),
        ...(found.cause !== undefined ? { cause: found.cause } : {}),
      };
    }
    if (Date.now() > deadline) {
      await runtime.stop(id, { cause: "the corpus runner's time limit" }).catch(() => undefined);
      return { status: `RUNNING after ${timeoutMs / 1000} s (stopped)` };
    }
    await new Promise((done) => setTimeout(done, 250));
  }
}

async function readJson(bucket: string, key: string): Promise<Json> {
  const parts: Uint8Array[] = [];
  for await (const part of await runtime.objectStorage.read({ bucket, key })) parts.push(part);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as Json;
}

/** How many results a ResultWriter wrote: the entries of the files its manifest lists. */
async function resultsWritten(details: Json): Promise<{ count: number; where: string } | undefined> {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  const bucket = String(details.Bucket);
  const key = String(details.Key);
  const manifest = (await readJson(bucket, key)) as { ResultFiles?: Record<string, { Key: string }[]> };
  let count = 0;
  for (const files of Object.values(manifest.ResultFiles ?? {})) {
    for (const file of files) {
      const entries = await readJson(bucket, file.Key);
      count += Array.isArray(entries) ? entries.length : 0;
    }
  }
  return { count, where: `s3://${bucket}/${key}` };
}

async function runCase(entry: CorpusCase): Promise<CaseResult> {
  const plan = plans.get(entry.name) as CasePlan;
  const notes: string[] = [];
  if (values.keep) {
    mkdirSync(join(dataDir, 'cases'), { recursive: true });
    writeFileSync(join(dataDir, 'cases', `${entry.name}.mocks.json`), JSON.stringify(plan.mocks, null, 2));
  }
  try {
    await runtime.registerWorkflow({ workflow: entry.name, definition: entry.definition });
  } catch (error) {
    return {
      name: entry.name,
      status: 'NOT REGISTERED',
      cause: (error as Error).message,
      runs: 0,
      mapRuns: [],
      notes,
    };
  }
  for (const bucket of plan.buckets) {
    const problem = await createBucket(bucket);
    if (problem !== undefined) notes.push(problem);
  }
  for (const target of plan.seeds) await seed(target, notes);
  const seeded = new Set(plan.seeds.map((target) => JSON.stringify([target.bucket, target.objects[0]?.key])));
  let last: CaseResult | undefined;
  for (let run = 1; run <= MAX_RUNS; run += 1) {
    const id = await runtime.start({ workflow: entry.name, input: plan.input, name: `run-${run}` });
    const ended = await whenEnded(id);
    const mapRuns: MapRunSummary[] = [];
    const toSeed: Seed[] = [];
    for (const event of await runtime.history(id)) {
      if (event.type !== 'MapRunStarted' || !('mapRunArn' in event) || event.mapRunArn === undefined)
        continue;
      const described = await runtime.describeMapRun(event.mapRunArn).catch(() => undefined);
      if (!described) continue;
      const failed =
        described.executionCounts.failed + described.executionCounts.timedOut > 0 &&
        described.executionType === 'STANDARD';
      const [child] = failed
        ? await runtime.list({ workflow: described.childWorkflow, status: 'FAILED', limit: 1 })
        : [];
      const childEnd = child ? await runtime.describe(child.executionId) : undefined;
      const details = described.resultWriterDetails;
      const written = details
        ? await resultsWritten({ Bucket: details.bucket, Key: details.key })
        : undefined;
      const items = described.itemCounts;
      mapRuns.push({
        stateName: described.stateName,
        status: described.status,
        itemsRead: items.total - items.pending,
        succeeded: items.succeeded,
        failed: items.failed + items.timedOut + items.aborted,
        ...(described.error !== undefined ? { error: `${described.error}: ${described.cause ?? ''}` } : {}),
        ...(childEnd ? { childFailure: `${childEnd.error ?? ''}: ${childEnd.cause ?? ''}` } : {}),
        ...(written ? { resultsWritten: written.count, resultWriter: written.where } : {}),
      });
      // A reader that found nothing where the run resolved it: seed that place, run again.
      const record = await runtime.mapRunRecord(event.mapRunArn);
      if (!record) continue;
      const request = (record.request as unknown as { request: MapRunRequest }).request;
      const shape = plan.readers[request.stateName];
      const unread =
        (record.status === 'FAILED' && record.error === 'States.ItemReaderFailed') ||
        (record.readerDone && record.itemsRead === 0);
      if (shape && request.reader && unread) {
        const target = seedFor(shape, request.reader.parameters);
        const key = target && JSON.stringify([target.bucket, target.objects[0]?.key]);
        if (target && key && !seeded.has(key)) {
          seeded.add(key);
          toSeed.push(target);
        }
      }
    }
    last = { name: entry.name, ...ended, runs: run, mapRuns, notes };
    if (toSeed.length === 0) break;
    for (const target of toSeed) await seed(target, notes);
  }
  return last as CaseResult;
}

const results: CaseResult[] = [];
const queue = [...cases];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
      const result = await runCase(entry).catch((error: unknown): CaseResult => ({
        name: entry.name,
        status: 'RUNNER ERROR',
        cause: (error as Error).stack ?? String(error),
        runs: 0,
        mapRuns: [],
        notes: [],
      }));
      results.push(result);
      process.stderr.write(`${result.name}: ${result.status}\n`);
    }
  }),
);
results.sort((a, b) => a.name.localeCompare(b.name));

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const short = (text: string | undefined, length = 160) =>
  text === undefined ? '' : text.length > length ? `${text.slice(0, length)}...` : text;
/** Map Runs of the same state that ended alike (a loop's), as one line with a count. */
function grouped(runs: readonly MapRunSummary[]): string {
  const groups = new Map<string, number>();
  for (const run of runs) {
    const text =
      `${run.stateName}: ${run.status}, ${run.itemsRead} items (${run.succeeded} succeeded, ${run.failed} failed)` +
      (run.error !== undefined ? `, ${short(run.error, 120)}` : '') +
      (run.childFailure !== undefined ? `, a failed child: ${short(run.childFailure, 200)}` : '');
    groups.set(text, (groups.get(text) ?? 0) + 1);
  }
  return [...groups].map(([text, count]) => (count > 1 ? `${count} x ${text}` : text)).join('; ');
}

const lines = [
  `# Distributed Map definitions of ${corpus} on the local runtime`,
  '',
  "| case | status | error: cause | Map Runs: status, items read (children's items) | results written (ResultWriter) | notes |",
  '| --- | --- | --- | --- | --- | --- |',
  ...results.map((result) => {
    const written = result.mapRuns
      .filter((run) => run.resultsWritten !== undefined)
      .map((run) => `${run.resultsWritten} to ${run.resultWriter}`)
      .join(', ');
    const failure = [result.error, short(result.cause)].filter(Boolean).join(': ');
    const notes = [...new Set(result.notes.filter((note) => !note.startsWith('seeded')))].join('; ');
    return `| ${[result.name, result.status, failure, grouped(result.mapRuns), written, notes].map(cell).join(' | ')} |`;
  }),
  '',
  `${results.filter((result) => result.status === 'SUCCEEDED').length} of ${results.length} SUCCEEDED.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(results, null, 2));

s3.destroy();
await runtime.shutdown();
if (values.keep) process.stderr.write(`data kept in ${dataDir}\n`);
else rmSync(dataDir, { recursive: true, force: true });
