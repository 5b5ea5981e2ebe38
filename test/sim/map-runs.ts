/**
 * Distributed Map in the simulation: workflows whose Map state runs its items as a Map Run
 * (EXPRESS children in memory, or STANDARD children as executions of their own), driven by the
 * real `MapRuns` on the world's faulty inbox (duplicates, reordering, late copies, crashes between
 * a write and what follows it), and the invariants a Map Run keeps whatever happens:
 *
 * - each item is counted once: the run's counts and its results hold every item once, in order,
 *   failed items as failures (`map-run-items-once`);
 * - the run ends once: its record ends in one status, every report of its end to the parent says
 *   the same, and it ends as the tolerated failure threshold says (`map-run-ends-once`);
 * - the parent's Map state gets one result: one MapRunStarted, one MapRun end, one Map state end
 *   (`map-state-one-result`);
 * - the dispatcher's chain of ticks does not fork for good: no long stretch of tick numbers each
 *   performed more than once (`map-run-ticks-bounded`).
 */
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import { exceedsToleratedFailure } from '../../lambdas/runtime/distributed-map/item-batcher.js';
import type {
  ChildOutcome,
  ChunkOutcome,
  MapRunCounts,
  MapRunRecord,
  MapRunStore,
  ObjectStorage,
} from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import type { MapRunMessage } from '../../lambdas/runtime/inbox-messages.js';
import type { ExecutionRecord, RunRecord, Violation } from './invariants.js';
import { Invariant } from './invariants.js';
import type { Prng } from './prng.js';

/** A generated Distributed Map workflow and what its executions must end with. */
export interface MapWorkflow {
  readonly name: string;
  readonly executionType: 'EXPRESS' | 'STANDARD';
  readonly definition: JsonObject;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
  /** Its items are read from a JSONL object in {@link MAP_BUCKET} (`<execution name>.jsonl`), not the input. */
  readonly reader: boolean;
  /** Its results are written to {@link MAP_BUCKET} under `results/`, not returned. */
  readonly writer: boolean;
  /** Items per child (ItemBatcher's MaxItemsPerBatch); a batch fails when its first item does. */
  readonly batch?: number;
}

/** The bucket of the Map Runs' items and results. */
export const MAP_BUCKET = 'sim-items';

/** What the world saw of one Map Run's internal messages. */
export interface MapRunTrace {
  /** Ticks delivered, in all. */
  ticks: number;
  /** Deliveries of each tick number that found the run at that number (performed it). */
  readonly performed: Map<number, number>;
}

/** What the world saw of Map Runs: their ids, their ticks, and their reports to their parents. */
export interface MapRunTraces {
  readonly runs: Map<string, MapRunTrace>;
  /** The parents' results Map Runs sent (`TaskSucceeded <output>`, `TaskFailed <error>`), by task token. */
  readonly reports: Map<string, string[]>;
}

/** Draws a Distributed Map workflow: EXPRESS or STANDARD children, some failing, some tolerated. */
export function generateMapWorkflow(rng: Prng, name: string): MapWorkflow {
  const executionType = rng.chance(0.5) ? 'EXPRESS' : 'STANDARD';
  const toleratedFailureCount = rng.chance(0.5) ? rng.int(0, 3) : undefined;
  const toleratedFailurePercentage = rng.chance(0.4) ? rng.pick([0, 10, 25, 50]) : undefined;
  const reader = rng.chance(0.4);
  const writer = rng.chance(0.3);
  const batch = rng.chance(0.3) ? rng.int(2, 4) : undefined;
  const map: JsonObject = {
    Type: 'Map',
    Label: 'Items',
    ...(reader
      ? {
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'JSONL' },
            Parameters: { Bucket: MAP_BUCKET, 'Key.$': "States.Format('{}.jsonl', $$.Execution.Name)" },
          },
        }
      : { ItemsPath: '$.items' }),
    ...(writer
      ? {
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Parameters: { Bucket: MAP_BUCKET, Prefix: 'results' },
          },
        }
      : {}),
    MaxConcurrency: rng.pick([0, 1, 2, 5]),
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: executionType },
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: batch ? '$.Items[0].fail' : '$.fail', BooleanEquals: true, Next: 'Boom' }],
          Default: 'Done',
        },
        Boom: { Type: 'Fail', Error: 'ItemFailed', Cause: 'the item says fail' },
        Done: batch
          ? { Type: 'Pass', End: true }
          : { Type: 'Pass', Parameters: { 'id.$': '$.id' }, End: true },
      },
    },
    ...(toleratedFailureCount !== undefined ? { ToleratedFailureCount: toleratedFailureCount } : {}),
    ...(toleratedFailurePercentage !== undefined
      ? { ToleratedFailurePercentage: toleratedFailurePercentage }
      : {}),
    ...(batch ? { ItemBatcher: { MaxItemsPerBatch: batch } } : {}),
    End: true,
  };
  return {
    name,
    executionType,
    definition: { StartAt: 'Items', States: { Items: map } },
    ...(toleratedFailureCount !== undefined ? { toleratedFailureCount } : {}),
    ...(toleratedFailurePercentage !== undefined ? { toleratedFailurePercentage } : {}),
    reader,
    writer,
    ...(batch ? { batch } : {}),
  };
}

/** The JSONL object a reading workflow's execution reads its items from. */
export function itemsObject(items: readonly Json[]): string {
  return items.map((item) => `${JSON.stringify(item)}\n`).join('');
}

/** An input of a few to a few dozen items, some of which fail. */
export function generateMapInput(rng: Prng): JsonObject {
  const count = rng.int(0, 40);
  const failShare = rng.pick([0, 0, 0.05, 0.2]);
  return {
    items: Array.from({ length: count }, (_, n) => ({ id: `i${n}`, fail: rng.chance(failShare) })),
  };
}

/** Whether a tick's result says it performed the tick (rather than dropping or postponing it). */
export function performedTick(reason: string): boolean {
  return !/^(a stale tick|an early tick|the Map Run is|no Map Run)/.test(reason);
}

/** Notes a Map Run message and what handling it did. */
export function noteMapRunMessage(traces: MapRunTraces, message: MapRunMessage, reason: string): void {
  if (message.kind !== 'MapRunTick') return;
  const trace = traceOf(traces, message.mapRunId);
  trace.ticks += 1;
  if (performedTick(reason)) trace.performed.set(message.tick, (trace.performed.get(message.tick) ?? 0) + 1);
}

export function traceOf(traces: MapRunTraces, mapRunId: string): MapRunTrace {
  let trace = traces.runs.get(mapRunId);
  if (!trace) {
    trace = { ticks: 0, performed: new Map() };
    traces.runs.set(mapRunId, trace);
  }
  return trace;
}

/** Notes what a Map Run sent on the inbox: its end, reported to the parent. */
export function noteMapRunSend(traces: MapRunTraces, body: Json): void {
  const message = body as { kind?: string; taskToken?: string; output?: Json; error?: string };
  if (message.kind !== 'TaskSucceeded' && message.kind !== 'TaskFailed') return;
  const token = String(message.taskToken);
  const reports = traces.reports.get(token) ?? [];
  reports.push(
    message.kind === 'TaskSucceeded'
      ? `TaskSucceeded ${JSON.stringify(message.output)}`
      : `TaskFailed ${message.error}`,
  );
  traces.reports.set(token, reports);
}

/** A stretch of this many tick numbers in a row, each performed more than once, is a fork that lasts. */
const FORKED_STRETCH = 20;

/** Checks the Map Runs of the seed's Distributed Map executions. */
export async function checkMapRuns(
  record: RunRecord,
  workflows: readonly MapWorkflow[],
  inputs: ReadonlyMap<string, Json>,
  store: MapRunStore,
  traces: MapRunTraces,
  /** Executions a stop was sent for: their runs may end ABORTED, with some items never run. */
  stopped: ReadonlySet<string> = new Set(),
  /** Where ResultWriter wrote. */
  objects?: ObjectStorage,
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const byName = new Map(workflows.map((workflow) => [workflow.name, workflow]));
  // An execution has a Map Run per attempt of its Map state: a redrive of a failed one starts another.
  const runs = new Map<string, MapRunRecord[]>();
  for (const mapRunId of traces.runs.keys()) {
    const run = await store.load(mapRunId);
    if (run) runs.set(run.executionId, [...(runs.get(run.executionId) ?? []), run]);
  }
  for (const execution of record.executions) {
    const workflow = byName.get(execution.executionId.slice(0, execution.executionId.indexOf(':')));
    if (!workflow) continue;
    const executionId = execution.executionId;
    const violation = (invariant: Violation['invariant'], detail: string) =>
      violations.push({ invariant, executionId, detail });
    const input = inputs.get(executionId) as { items: { id: string; fail: boolean }[] } | undefined;
    if (!input) continue;
    const attempts = 1 + count(execution, 'ExecutionRedriven');
    const started = count(execution, 'MapRunStarted');
    const runEnds =
      count(execution, 'MapRunSucceeded') +
      count(execution, 'MapRunFailed') +
      count(execution, 'MapRunAborted');
    const stateEnds =
      count(execution, 'MapStateSucceeded') +
      count(execution, 'MapStateFailed') +
      count(execution, 'MapStateAborted');
    const recorded = runs.get(executionId) ?? [];
    if (
      started !== attempts ||
      runEnds !== attempts ||
      stateEnds !== attempts ||
      recorded.length === 0 ||
      recorded.length > attempts
    ) {
      violation(
        Invariant.MapStateOneResult,
        `${attempts} attempts of the Map state: ${started} MapRunStarted, ${runEnds} Map Run ends, ${stateEnds} Map state ends, ${recorded.length} Map Runs recorded`,
      );
    }
    if (recorded.length === 0) violation(Invariant.MapRunEndsOnce, 'no Map Run was recorded');
    for (const run of recorded) {
      await checkOneRun({
        run,
        execution,
        workflow,
        input,
        store,
        traces,
        violation,
        stopped: stopped.has(executionId),
        objects,
      });
    }
  }
  return violations;
}

/** Checks one Map Run of an execution (one attempt of its Map state). */
async function checkOneRun(of: {
  readonly run: MapRunRecord;
  readonly execution: ExecutionRecord;
  readonly workflow: MapWorkflow;
  readonly input: { readonly items: readonly { readonly id: string; readonly fail: boolean }[] };
  readonly store: MapRunStore;
  readonly traces: MapRunTraces;
  readonly violation: (invariant: Violation['invariant'], detail: string) => void;
  readonly stopped: boolean;
  readonly objects: ObjectStorage | undefined;
}): Promise<void> {
  const { run, execution, workflow, input, store, traces, violation, stopped, objects } = of;
  const trace = traces.runs.get(run.mapRunId);
  // The children's items: one each, or batches of `workflow.batch` in order (a batch fails whole).
  const groups: (readonly { readonly id: string; readonly fail: boolean }[])[] = [];
  for (let at = 0; at < input.items.length; at += workflow.batch ?? 1)
    groups.push(input.items.slice(at, at + (workflow.batch ?? 1)));
  const failingGroup = (group: readonly { readonly fail: boolean }[]) => group[0]?.fail === true;
  const failing = groups.filter(failingGroup).reduce((sum, group) => sum + group.length, 0);
  const tolerated = {
    ...(workflow.toleratedFailureCount !== undefined ? { count: workflow.toleratedFailureCount } : {}),
    ...(workflow.toleratedFailurePercentage !== undefined
      ? { percentage: workflow.toleratedFailurePercentage }
      : {}),
  };
  const exceeded = exceedsToleratedFailure(
    { failedItems: failing, totalItems: Math.max(input.items.length, 1) },
    tolerated,
  );
  const expected = exceeded ? 'FAILED' : 'SUCCEEDED';
  // A stopped parent's run is ABORTED, unless it ended first (then as its threshold says).
  const aborted = stopped && run.status === 'ABORTED' && execution.status === 'ABORTED';
  if (stopped && run.status === 'RUNNING') {
    violation(Invariant.MapRunEndsOnce, `the parent is ${execution.status} and its run still RUNNING`);
  } else if (!aborted && !stopped && (run.status !== expected || execution.status !== expected)) {
    violation(
      Invariant.MapRunEndsOnce,
      `${failing} of ${input.items.length} items fail (tolerated ${JSON.stringify(tolerated)}): the run is ${run.status} and the parent ${execution.status}, ${expected} expected`,
    );
  }
  const reports = new Set(traces.reports.get((run.request as { taskToken: string }).taskToken) ?? []);
  if (reports.size !== (run.status === 'ABORTED' ? 0 : 1)) {
    violation(
      Invariant.MapRunEndsOnce,
      `the run reported ${reports.size} different ends to its parent: ${[...reports].join(' | ').slice(0, 300)}`,
    );
  }
  const counts = await store.counts(run.mapRunId);
  const chunks: ChunkOutcome[] = [];
  for await (const chunk of store.chunks(run.mapRunId, run.chunks)) chunks.push(chunk);
  // A child that ran again after a redrive is in a later chunk: its last outcome is its result.
  const latest = new Map<number, ChildOutcome>();
  for (const chunk of chunks) for (const child of chunk.children) latest.set(child.child, child);
  const children = [...latest.values()].sort((a, b) => a.child - b.child);
  const itemsOf = (value: Json | undefined): string[] => {
    const batchItems = (value as { Items?: { id: string }[] } | null)?.Items;
    return batchItems ? batchItems.map((item) => item.id) : [String((value as { id?: string }).id)];
  };
  const seen = children.flatMap((child) => itemsOf(child.input));
  if (new Set(seen).size !== seen.length) {
    violation(Invariant.MapRunItemsOnce, `an item is in the results twice: ${seen.join(',')}`);
  }
  // Less the outcomes a redrive replaced (their children ran again, in later chunks).
  const gone = run.superseded;
  const less = (field: keyof MapRunCounts) => counts[field] - (gone?.[field] ?? 0);
  const countedItems =
    less('itemsSucceeded') + less('itemsFailed') + less('itemsTimedOut') + less('itemsAborted');
  const countedChildren = less('succeeded') + less('failed') + less('timedOut') + less('aborted');
  if (
    countedItems !== seen.length ||
    countedChildren !== children.length ||
    counts.chunksEnded !== chunks.length
  ) {
    violation(
      Invariant.MapRunItemsOnce,
      `the counts say ${countedItems} items of ${countedChildren} children in ${counts.chunksEnded} chunks; the chunks recorded hold ${seen.length} of ${children.length} in ${chunks.length}`,
    );
  }
  if (run.status === 'SUCCEEDED') {
    const ids = input.items.map((item) => item.id);
    if (seen.join(',') !== ids.join(',') || counts.itemsFailed !== failing) {
      violation(
        Invariant.MapRunItemsOnce,
        `the run SUCCEEDED with items [${seen.join(',')}] (${counts.itemsFailed} failed), [${ids.join(',')}] (${failing} failing) expected`,
      );
    }
  }
  // The parent's output (it may have been stopped after the run ended).
  if (run.status === 'SUCCEEDED' && execution.status === 'SUCCEEDED') {
    const output = execution.history.find((event) => event.type === 'ExecutionSucceeded') as
      { output?: Json } | undefined;
    const results = workflow.writer ? await writtenResults(objects, output?.output) : output?.output;
    const shown = (Array.isArray(results) ? results : []).flatMap((result) =>
      (result as JsonObject).Error === 'ItemFailed'
        ? ['failed']
        : (result as JsonObject).Items !== undefined || (result as JsonObject).id !== undefined
          ? itemsOf(result)
          : ['?'],
    );
    // ResultWriter writes the succeeded and the failed children to files of their own.
    if (workflow.writer) shown.sort();
    const wanted = groups.flatMap((group) =>
      failingGroup(group) ? ['failed'] : group.map((item) => item.id),
    );
    if (workflow.writer) wanted.sort();
    if (shown.join(',') !== wanted.join(',')) {
      violation(
        Invariant.MapRunItemsOnce,
        `the Map state's output is [${shown.join(',')}], [${wanted.join(',')}] expected`,
      );
    }
  }
  let stretch = 0;
  const last = Math.max(0, ...(trace?.performed.keys() ?? []));
  for (let tick = 0; tick <= last; tick += 1) {
    stretch = (trace?.performed.get(tick) ?? 0) > 1 ? stretch + 1 : 0;
    if (stretch >= FORKED_STRETCH) {
      violation(
        Invariant.MapRunTicksBounded,
        `ticks ${tick - stretch + 1} to ${tick} were each performed more than once: the chain forked (${trace?.ticks ?? 0} ticks delivered, the run at ${run.tick})`,
      );
      break;
    }
  }
}

/** The children's results ResultWriter wrote, as the state's output (`ResultWriterDetails`) finds them. */
async function writtenResults(objects: ObjectStorage | undefined, output: Json | undefined): Promise<Json[]> {
  const details = (output as { ResultWriterDetails?: { Bucket: string; Key: string } } | undefined)
    ?.ResultWriterDetails;
  if (!objects || !details) return [];
  const text = async (bucket: string, key: string) => {
    const parts: Uint8Array[] = [];
    for await (const part of await objects.read({ bucket, key })) parts.push(part);
    return Buffer.concat(parts).toString('utf8');
  };
  const manifest = JSON.parse(await text(details.Bucket, details.Key)) as {
    ResultFiles: Record<string, { Key: string }[]>;
  };
  const results: Json[] = [];
  for (const files of Object.values(manifest.ResultFiles)) {
    for (const file of files) {
      for (const entry of JSON.parse(await text(details.Bucket, file.Key)) as JsonObject[]) {
        results.push(
          typeof entry.Output === 'string'
            ? (JSON.parse(entry.Output) as Json)
            : { Error: entry.Error ?? null },
        );
      }
    }
  }
  return results;
}

function count(execution: ExecutionRecord, type: string): number {
  return execution.history.filter((event) => event.type === type).length;
}
