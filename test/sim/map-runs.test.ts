/**
 * The Map Run invariants of the simulation (map-runs.ts) hold on a good run and name each broken
 * one: an item counted twice, a run that ended twice differently, a Map state with two results,
 * and a chain of ticks that forked.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { InMemoryMapRunStore } from '../../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import type { ChildOutcome } from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import { Invariant, type RunRecord } from './invariants.js';
import { checkMapRuns, type MapRunTraces, type MapWorkflow } from './map-runs.js';

const EXECUTION = 'MapWf0:m0';
const ITEMS = [
  { id: 'i0', fail: false },
  { id: 'i1', fail: true },
  { id: 'i2', fail: false },
];
const workflow: MapWorkflow = {
  name: 'MapWf0',
  executionType: 'EXPRESS',
  definition: {},
  toleratedFailureCount: 1,
  reader: false,
  writer: false,
};

function history(types: readonly string[], output: Json): HistoryEvent[] {
  return types.map(
    (type, index) =>
      ({
        id: index + 1,
        type,
        timestamp: '2026-01-01T00:00:00.000Z',
        ...(type === 'ExecutionSucceeded' ? { output } : {}),
      }) as unknown as HistoryEvent,
  );
}

const GOOD_HISTORY = [
  'ExecutionStarted',
  'MapStateStarted',
  'MapRunStarted',
  'MapRunSucceeded',
  'MapStateSucceeded',
  'ExecutionSucceeded',
];

function child(n: number, status: ChildOutcome['status'], input: Json): ChildOutcome {
  return {
    child: n,
    firstItem: n,
    items: 1,
    status,
    input,
    executionArn: `arn:${n}`,
    name: `run-${n}`,
    startDate: 0,
    stopDate: 0,
  };
}

/** A run of the three items as it should end, with what `change` breaks in it. */
async function check(
  change: {
    readonly types?: readonly string[];
    readonly chunks?: readonly (readonly ChildOutcome[])[];
    readonly reports?: readonly string[];
    readonly performed?: ReadonlyMap<number, number>;
  } = {},
): Promise<string[]> {
  const store = new InMemoryMapRunStore();
  await store.create({
    mapRunId: 'run',
    executionId: EXECUTION,
    mapRunArn: 'arn:run',
    request: { taskToken: 'token' },
    status: 'RUNNING',
    readerDone: true,
    itemsRead: 3,
    chunks: 0,
    children: 0,
    tick: 0,
    idleTicks: 0,
    startDate: 0,
    redriveCount: 0,
    version: 1,
  });
  const chunks = change.chunks ?? [
    [child(0, 'SUCCEEDED', ITEMS[0] as Json)],
    [child(1, 'FAILED', ITEMS[1] as Json), child(2, 'SUCCEEDED', ITEMS[2] as Json)],
  ];
  for (const [chunk, children] of chunks.entries()) await store.recordChunk('run', { chunk, children });
  const stored = await store.load('run');
  if (!stored) throw new Error('the run was not created');
  await store.update({ ...stored, status: 'SUCCEEDED', chunks: chunks.length, tick: 5, version: 2 });
  const output: Json = [{ id: 'i0' }, { Error: 'ItemFailed' }, { id: 'i2' }];
  const record = {
    executions: [
      {
        executionId: EXECUTION,
        status: 'SUCCEEDED',
        history: history(change.types ?? GOOD_HISTORY, output),
      },
    ],
  } as unknown as RunRecord;
  const traces: MapRunTraces = {
    runs: new Map([['run', { ticks: 6, performed: new Map(change.performed ?? [[0, 1]]) }]]),
    reports: new Map([['token', [...(change.reports ?? [`TaskSucceeded ${JSON.stringify(output)}`])]]]),
  };
  const violations = await checkMapRuns(
    record,
    [workflow],
    new Map([[EXECUTION, { items: ITEMS }]]),
    store,
    traces,
  );
  return violations.map((violation) => violation.invariant);
}

describe('the Map Run invariants', () => {
  it('hold on a run that counted each item once and ended once', async () => {
    expect(await check()).toEqual([]);
  });

  it('name an item counted twice', async () => {
    const twice = [
      [child(0, 'SUCCEEDED', ITEMS[0] as Json)],
      [child(1, 'FAILED', ITEMS[1] as Json), child(2, 'SUCCEEDED', ITEMS[0] as Json)],
    ];
    expect(await check({ chunks: twice })).toContain(Invariant.MapRunItemsOnce);
  });

  it('name a run that reported two different ends', async () => {
    expect(
      await check({ reports: ['TaskSucceeded []', 'TaskFailed States.ExceedToleratedFailureThreshold'] }),
    ).toEqual([Invariant.MapRunEndsOnce]);
  });

  it('name a Map state with two results', async () => {
    const types = [...GOOD_HISTORY.slice(0, 5), 'MapRunSucceeded', 'MapStateSucceeded', 'ExecutionSucceeded'];
    expect(await check({ types })).toEqual([Invariant.MapStateOneResult]);
  });

  it('name a chain of ticks that forked for good', async () => {
    const performed = new Map(Array.from({ length: 30 }, (_, tick) => [tick, 2] as const));
    expect(await check({ performed })).toEqual([Invariant.MapRunTicksBounded]);
  });
});
