/**
 * MapRuns under at-least-once delivery: a tick performed twice (its first delivery died before its
 * commit) sends the same children in the same chunks, whatever ended in between. Found by the
 * simulation (test/sim/map-runs.ts, `map-run-items-once`): a second delivery that counted more
 * ended children sent chunk 2 with two children where the first had sent it with one; the first
 * was recorded, and the other item was never in the results.
 */
import { expect, it } from 'vitest';
import type { MapRunRequest } from '../../../../lambdas/engine/distributed-map.js';
import type { Json, JsonObject } from '../../../../lambdas/engine/json.js';
import { InMemoryMapRunStore } from '../../../../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import type { MapRunRecord } from '../../../../lambdas/runtime/distributed-map/map-run-ports.js';
import { MapRuns, type MapRunSpec } from '../../../../lambdas/runtime/distributed-map/map-runs.js';
import type { MapRunMessage } from '../../../../lambdas/runtime/inbox-messages.js';
import { InMemoryDefinitionStore } from '../../../../testing/in-memory-definition-store.js';

class Crash extends Error {}

const request: MapRunRequest = {
  stateName: 'Items',
  label: 'Items',
  executionType: 'EXPRESS',
  processor: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
  language: 'JSONPath',
  input: {},
  context: { StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:Wf' } },
  items: ['a', 'b', 'c', 'd', 'e'],
  maxConcurrency: 3,
};

/** MapRuns on an in-memory store whose next update can be made to die; what they send is kept. */
async function harness(given: Partial<MapRunRequest> = {}, childrenPerChunk = 2) {
  const store = new InMemoryMapRunStore();
  const sent: Json[] = [];
  let crashNextUpdate = false;
  const runs = new MapRuns({
    store: {
      create: (record) => store.create(record),
      load: (mapRunId) => store.load(mapRunId),
      recordChunk: (mapRunId, outcome) => store.recordChunk(mapRunId, outcome),
      counts: (mapRunId) => store.counts(mapRunId),
      chunks: (mapRunId, chunks) => store.chunks(mapRunId, chunks),
      update: async (record) => {
        if (crashNextUpdate) {
          crashNextUpdate = false;
          throw new Crash('the invocation died before its commit');
        }
        await store.update(record);
      },
    },
    inbox: { send: async (body) => void sent.push(body) },
    definitions: new InMemoryDefinitionStore(),
    clock: { now: () => 0 },
    jsonata: () => {
      throw new Error('no JSONata here');
    },
    express: async (child) =>
      child.input === 'x'
        ? { status: 'FAILED', error: 'Bad', cause: 'x fails' }
        : { status: 'SUCCEEDED', output: child.input },
    childrenPerChunk,
  });
  const spec: MapRunSpec = {
    request: { ...request, ...given },
    taskToken: 'token',
    workflow: 'Wf',
    childWorkflow: 'Wf/Items',
    childStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Wf/Items',
  };
  const record: MapRunRecord = {
    mapRunId: 'run-1',
    executionId: 'Wf:e1',
    mapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:Wf/Items:run-1',
    request: spec as unknown as Json,
    status: 'RUNNING',
    readerDone: false,
    itemsRead: 0,
    chunks: 0,
    children: 0,
    tick: 0,
    idleTicks: 0,
    startDate: 0,
    redriveCount: 0,
    version: 1,
  };
  await store.create(record);
  const chunksSent = () =>
    sent.filter((body) => (body as JsonObject).kind === 'RunMapChunk') as unknown as Extract<
      MapRunMessage,
      { kind: 'RunMapChunk' }
    >[];
  const tick = (n: number) => runs.handle({ kind: 'MapRunTick', mapRunId: 'run-1', tick: n });
  return {
    store,
    sent,
    runs,
    chunksSent,
    tick,
    crashNextUpdate: () => void (crashNextUpdate = true),
  };
}

it('sends the same chunks when a tick is performed again after more children ended', async () => {
  const { store, sent, runs, chunksSent, tick, crashNextUpdate } = await harness();
  // Tick 0: three children (MaxConcurrency 3) in chunks 0 [0, 1] and 1 [2].
  await tick(0);
  expect(chunksSent().map((chunk) => chunk.children.map((child) => child.child))).toEqual([[0, 1], [2]]);
  const [chunk0, chunk1] = chunksSent();
  await runs.handle(chunk1 as MapRunMessage);
  // Tick 1, first delivery: it dies before its commit, after sending what it planned.
  crashNextUpdate();
  await expect(tick(1)).rejects.toThrow(Crash);
  await runs.handle(chunk0 as MapRunMessage);
  // Tick 1 again, now that every child ended: the chunks it sends are those the first one sent.
  await tick(1);
  const byChunk = new Map<number, string>();
  for (const chunk of chunksSent()) {
    const children = JSON.stringify(chunk.children.map((child) => child.child));
    expect(byChunk.get(chunk.chunk) ?? children).toBe(children);
    byChunk.set(chunk.chunk, children);
  }
  // Run every chunk (each as first sent) and tick until the run ends: every item is in its result.
  for (let n = 2; n < 20; n += 1) {
    for (const chunk of chunksSent()) await runs.handle(chunk as MapRunMessage);
    await tick(n);
    if ((await store.load('run-1'))?.status !== 'RUNNING') break;
  }
  const result = sent.find((body) => (body as JsonObject).kind === 'TaskSucceeded') as JsonObject;
  expect(result.output).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(await store.counts('run-1')).toMatchObject({ succeeded: 5, itemsSucceeded: 5 });
});

it("never sends children past the run's end when a failure is counted between two deliveries of a tick", async () => {
  // MaxConcurrency 2, one child per chunk, no failure tolerated; the second item fails.
  const { store, sent, runs, chunksSent, tick, crashNextUpdate } = await harness(
    {
      items: ['a', 'x', 'c', 'd'],
      maxConcurrency: 2,
      toleratedFailureCount: 0,
    },
    1,
  );
  const chunk = (n: number) => chunksSent().find((sentChunk) => sentChunk.chunk === n) as MapRunMessage;
  await tick(0);
  await runs.handle(chunk(0));
  await tick(1);
  // Tick 2, first delivery: room for one child (chunk 2), then it dies before its commit.
  crashNextUpdate();
  await expect(tick(2)).rejects.toThrow(Crash);
  // The failing child ends; tick 2 is delivered again.
  await runs.handle(chunk(1));
  for (let n = 2; n < 10 && (await store.load('run-1'))?.status === 'RUNNING'; n += 1) {
    for (const sentChunk of chunksSent()) await runs.handle(sentChunk as MapRunMessage);
    await tick(n);
  }
  const run = await store.load('run-1');
  expect(run?.status).toBe('FAILED');
  expect(sent).toContainEqual(
    expect.objectContaining({ kind: 'TaskFailed', error: 'States.ExceedToleratedFailureThreshold' }),
  );
  // Every chunk sent is one the run's record holds: none ran beyond its end unaccounted.
  const numbers = new Set(chunksSent().map((sentChunk) => sentChunk.chunk));
  expect(Math.max(...numbers)).toBeLessThan(run?.chunks ?? 0);
  expect((await store.counts('run-1')).chunksEnded).toBeLessThanOrEqual(run?.chunks ?? 0);
});

it('checks ToleratedFailurePercentage against all the items, once the reader is done', async () => {
  // 1 failed item of 5 is 20%, under 25% (maprun-fail-threshold: "the total number of failed or
  // timed out items divided by the total number of items"), though it is 50% of the first two read.
  const { store, sent, runs, chunksSent, tick } = await harness({
    items: ['x', 'a', 'b', 'c', 'd'],
    maxConcurrency: 2,
    toleratedFailurePercentage: 25,
  });
  for (let n = 0; n < 20 && (await store.load('run-1'))?.status === 'RUNNING'; n += 1) {
    await tick(n);
    for (const sentChunk of chunksSent()) await runs.handle(sentChunk as MapRunMessage);
  }
  expect((await store.load('run-1'))?.status).toBe('SUCCEEDED');
  const result = sent.find((body) => (body as JsonObject).kind === 'TaskSucceeded') as JsonObject;
  expect((result.output as Json[]).slice(1)).toEqual(['a', 'b', 'c', 'd']);
});

it("aborts a run whose parent stopped before it learnt the run's ARN", async () => {
  const { store, sent, runs } = await harness();
  const token = 'root:2:1';
  await runs.start({
    executionId: 'Wf:e2',
    workflow: 'Wf',
    taskToken: 'signed-token',
    command: { type: 'DispatchTask', token, resource: 'baton:mapRun', input: request } as never,
  });
  const submitted = sent.find((body) => (body as JsonObject).kind === 'TaskSubmitted') as JsonObject;
  const arn = String((submitted.output as JsonObject).MapRunArn);
  const mapRunId = arn.slice(arn.lastIndexOf(':') + 1);
  expect((await store.load(mapRunId))?.status).toBe('RUNNING');
  await runs.cancel({
    executionId: 'Wf:e2',
    command: { type: 'CancelTask', token, resource: 'baton:mapRun', submitted: null },
  });
  expect((await store.load(mapRunId))?.status).toBe('ABORTED');
});
