/**
 * The control plane's view of a Map Run (DescribeMapRun's shape, ListMapRuns' entries), read from
 * the records a MapRunStore keeps. Shapes: the AWS API reference (DescribeMapRun, ListMapRuns) and
 * LocalStack's AWS-recorded tests/aws/services/stepfunctions/v2/test_sfn_api_map_run.snapshot.json
 * (`test_list_map_runs_and_describe_map_run`: both count objects with pending, running, succeeded,
 * failed, timedOut, aborted, total, resultsWritten; an unset tolerated failure reported as 0 and 0.0).
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../../lambdas/engine/json.js';
import { InMemoryMapRunStore } from '../../../../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import type {
  ChildOutcome,
  MapRunRecord,
} from '../../../../lambdas/runtime/distributed-map/map-run-ports.js';
import {
  describeMapRunRecord,
  mapRunIdOf,
  mapRunListEntry,
  mapRunsStarted,
} from '../../../../local/control/map-run-description.js';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Tally';
const ID = '0b6c5a52-0000-4000-8000-000000000001';
const ARN = `arn:aws:states:eu-west-1:123456789012:mapRun:Tally/Items:${ID}`;
const START = Date.parse('2026-03-01T12:00:00Z');

function record(
  overrides: Partial<Omit<MapRunRecord, 'request'>> & { request?: Record<string, Json> } = {},
): MapRunRecord {
  const { request, ...rest } = overrides;
  return {
    mapRunId: ID,
    executionId: 'Tally:t-1',
    mapRunArn: ARN,
    request: {
      request: {
        stateName: 'Sum',
        label: 'Items',
        executionType: 'EXPRESS',
        processor: {},
        language: 'JSONPath',
        input: {},
        context: { StateMachine: { Id: SM } },
        items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        maxConcurrency: 4,
        ...request,
      },
      taskToken: 'token',
      workflow: 'Tally',
      childWorkflow: 'Tally/Items',
      childStateMachineArn: `${SM}/Items`,
    },
    status: 'RUNNING',
    readerDone: false,
    itemsRead: 4,
    chunks: 2,
    children: 4,
    tick: 1,
    idleTicks: 0,
    startDate: START,
    redriveCount: 0,
    version: 1,
    ...rest,
  };
}

function child(number: number, status: ChildOutcome['status'], items = 1): ChildOutcome {
  return {
    child: number,
    firstItem: number * items,
    items,
    status,
    input: number,
    ...(status === 'SUCCEEDED' ? { output: number * 2 } : { error: 'TooBig', cause: 'over 100' }),
    executionArn: `arn:aws:states:eu-west-1:123456789012:execution:Tally/Items:${ID}-${number}`,
    name: `${ID}-${number}`,
    startDate: START + 1000,
    stopDate: START + 2000,
  };
}

describe('a Map Run as the control plane describes it', () => {
  it('counts items read and not ended as running, and those not yet read as pending when the items are the state input', async () => {
    const store = new InMemoryMapRunStore();
    const run = await store.create(record());
    await store.recordChunk(ID, { chunk: 0, children: [child(0, 'SUCCEEDED'), child(1, 'FAILED')] });
    const described = await describeMapRunRecord(run, store);
    const counts = {
      pending: 6,
      running: 2,
      succeeded: 1,
      failed: 1,
      timedOut: 0,
      aborted: 0,
      total: 10,
      resultsWritten: 2,
    };
    expect(described).toEqual({
      mapRunArn: ARN,
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Tally:t-1',
      executionId: 'Tally:t-1',
      stateMachineArn: `${SM}/Items`,
      stateName: 'Sum',
      label: 'Items',
      executionType: 'EXPRESS',
      childWorkflow: 'Tally/Items',
      status: 'RUNNING',
      startDate: '2026-03-01T12:00:00.000Z',
      maxConcurrency: 4,
      toleratedFailurePercentage: 0,
      toleratedFailureCount: 0,
      itemCounts: counts,
      executionCounts: counts,
      redriveCount: 0,
      // EXPRESS children are known once their chunk ended.
      children: [
        {
          child: 0,
          name: `${ID}-0`,
          executionArn: child(0, 'SUCCEEDED').executionArn,
          status: 'SUCCEEDED',
          firstItem: 0,
          items: 1,
          startDate: '2026-03-01T12:00:01.000Z',
          stopDate: '2026-03-01T12:00:02.000Z',
        },
        expect.objectContaining({ child: 1, status: 'FAILED', error: 'TooBig', cause: 'over 100' }),
      ],
    });
  });

  it('knows no pending items while an S3 reader reads, and none once any reader is done', async () => {
    const store = new InMemoryMapRunStore();
    const reading = record({
      request: {
        items: null,
        reader: { resource: 'arn:aws:states:::s3:getObject', parameters: {}, readerConfig: {} },
      },
    });
    await store.create(reading);
    const { itemCounts } = await describeMapRunRecord(reading, store);
    expect(itemCounts).toMatchObject({ pending: 0, running: 4, total: 4 });
    const done = record({ readerDone: true, itemsRead: 10, children: 10, chunks: 1 });
    expect((await describeMapRunRecord(done, store)).itemCounts).toMatchObject({
      pending: 0,
      running: 10,
      total: 10,
    });
  });

  it('counts batches as child executions and their items as items, with no pending children while batching', async () => {
    const store = new InMemoryMapRunStore();
    const run = record({
      request: { batcher: { maxItemsPerBatch: 2 } },
      itemsRead: 4,
      children: 2,
      chunks: 1,
    });
    await store.create(run);
    await store.recordChunk(ID, { chunk: 0, children: [child(0, 'SUCCEEDED', 2), child(1, 'TIMED_OUT', 2)] });
    const described = await describeMapRunRecord(run, store);
    expect(described.itemCounts).toEqual({
      pending: 6,
      running: 0,
      succeeded: 2,
      failed: 0,
      timedOut: 2,
      aborted: 0,
      total: 10,
      resultsWritten: 4,
    });
    expect(described.executionCounts).toEqual({
      pending: 0,
      running: 0,
      succeeded: 1,
      failed: 0,
      timedOut: 1,
      aborted: 0,
      total: 2,
      resultsWritten: 2,
    });
  });

  it('lists STANDARD children from their start, with the execution ids to describe them, up to the limit', async () => {
    const store = new InMemoryMapRunStore();
    const run = record({
      request: { executionType: 'STANDARD', toleratedFailurePercentage: 12.5, toleratedFailureCount: 3 },
    });
    await store.create(run);
    // STANDARD chunks hold one child each, numbered as the child.
    await store.recordChunk(ID, { chunk: 1, children: [child(1, 'SUCCEEDED')] });
    const described = await describeMapRunRecord(run, store, 3);
    expect(described).toMatchObject({ toleratedFailurePercentage: 12.5, toleratedFailureCount: 3 });
    expect(described.children.map((one) => [one.child, one.status, one.executionId])).toEqual([
      [0, 'RUNNING', `Tally/Items:${ID}-0`],
      [1, 'SUCCEEDED', `Tally/Items:${ID}-1`],
      [2, 'RUNNING', `Tally/Items:${ID}-2`],
    ]);
  });

  it('gives the ResultWriter manifest once written, and the error of a failed run', async () => {
    const store = new InMemoryMapRunStore();
    const written = record({
      status: 'SUCCEEDED',
      stopDate: START + 5000,
      resultWriterDetails: { Bucket: 'out', Key: `jobs/${ID}/manifest.json` },
    });
    await store.create(written);
    expect(await describeMapRunRecord(written, store)).toMatchObject({
      status: 'SUCCEEDED',
      stopDate: '2026-03-01T12:00:05.000Z',
      resultWriterDetails: { bucket: 'out', key: `jobs/${ID}/manifest.json` },
    });
    const failed = record({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    expect(await describeMapRunRecord(failed, store)).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
  });
});

describe('Map Run ARNs and listings', () => {
  it('reads the id of a Map Run ARN, and nothing from another string', () => {
    expect(mapRunIdOf(ARN)).toBe(ID);
    // A Map Run of a STANDARD child's own Distributed Map: `<workflow>/<label>/<label>`.
    expect(mapRunIdOf(`arn:aws:states:eu-west-1:123456789012:mapRun:Tally/Items/Inner:${ID}`)).toBe(ID);
    expect(mapRunIdOf(`${SM}:${ID}`)).toBeUndefined();
    expect(mapRunIdOf('Tally:t-1')).toBeUndefined();
  });

  it('lists the Map Runs a history started, with ListMapRuns fields even when the record is gone', async () => {
    const started = mapRunsStarted([
      { id: 1, type: 'ExecutionStarted', timestamp: '2026-03-01T12:00:00.000Z', input: {} },
      {
        id: 2,
        type: 'MapRunStarted',
        timestamp: '2026-03-01T12:00:00.500Z',
        stateName: 'Sum',
        threadId: 'root',
        mapRunArn: ARN,
      },
    ]);
    expect(started).toEqual([{ mapRunArn: ARN, stateName: 'Sum', timestamp: '2026-03-01T12:00:00.500Z' }]);
    const entry = await mapRunListEntry(
      started[0] as (typeof started)[number],
      'Tally:t-1',
      new InMemoryMapRunStore(),
    );
    expect(entry).toEqual({
      mapRunArn: ARN,
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Tally:t-1',
      stateMachineArn: `${SM}/Items`,
      startDate: '2026-03-01T12:00:00.500Z',
      stateName: 'Sum',
      label: 'Items',
    });
  });
});
