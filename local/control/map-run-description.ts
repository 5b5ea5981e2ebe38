/**
 * What the control plane answers about Map Runs, read from a run's record, its counts and its
 * recorded chunks (`MapRunStore`): DescribeMapRun's shape and ListMapRuns' entries. Pure apart
 * from the store reads; one rule for every wiring.
 *
 * Shapes: the AWS API reference (DescribeMapRun, ListMapRuns) and LocalStack's AWS-recorded
 * tests/aws/services/stepfunctions/v2/test_sfn_api_map_run.snapshot.json
 * (`test_list_map_runs_and_describe_map_run`).
 */
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import { isJsonObject } from '../../lambdas/engine/json.js';
import { childName, type MapRunSpec } from '../../lambdas/runtime/distributed-map/map-runs.js';
import type {
  ChildOutcome,
  MapRunCounts,
  MapRunRecord,
  MapRunStore,
} from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import {
  MAP_RUN_CHILDREN_LISTED,
  type MapRunChild,
  type MapRunCountsByStatus,
  type MapRunDescription,
  type MapRunListEntry,
} from '../control.js';

/**
 * The Map Run id of an ARN (`arn:...:mapRun:<workflow>/<label>:<id>`), or undefined when `arn` is
 * not a Map Run ARN.
 */
export function mapRunIdOf(mapRunArn: string): string | undefined {
  const match = /^arn:[^:]+:states:[^:]*:[^:]*:mapRun:[^:]+\/[^:]+:([^:]+)$/.exec(mapRunArn);
  return match?.[1];
}

/** The Map Runs a history shows started (MapRunStarted events), in order. */
export function mapRunsStarted(
  history: readonly HistoryEvent[],
): { readonly mapRunArn: string; readonly stateName: string; readonly timestamp: string }[] {
  const started: { mapRunArn: string; stateName: string; timestamp: string }[] = [];
  for (const event of history) {
    if (event.type !== 'MapRunStarted' || event.mapRunArn === undefined) continue;
    started.push({ mapRunArn: event.mapRunArn, stateName: event.stateName, timestamp: event.timestamp });
  }
  return started;
}

/** The items and child executions of a run by status. */
export function mapRunCounts(
  record: MapRunRecord,
  counts: MapRunCounts,
): { readonly itemCounts: MapRunCountsByStatus; readonly executionCounts: MapRunCountsByStatus } {
  const { request } = specOf(record);
  const itemsEnded = counts.itemsSucceeded + counts.itemsFailed + counts.itemsTimedOut + counts.itemsAborted;
  const childrenEnded = counts.succeeded + counts.failed + counts.timedOut + counts.aborted;
  // The total is known once the reader is done, or from the start when the items are the state's.
  let pendingItems = 0;
  if (!record.readerDone && !request.reader && request.items !== undefined) {
    const limit = request.maxItems !== undefined && request.maxItems > 0 ? request.maxItems : Infinity;
    pendingItems = Math.max(0, Math.min(request.items.length, limit) - record.itemsRead);
  }
  // Without a batcher a child takes one item; with one, how the rest splits is not known yet.
  const pendingChildren = request.batcher ? 0 : pendingItems;
  return {
    itemCounts: {
      pending: pendingItems,
      running: Math.max(0, record.itemsRead - itemsEnded),
      succeeded: counts.itemsSucceeded,
      failed: counts.itemsFailed,
      timedOut: counts.itemsTimedOut,
      aborted: counts.itemsAborted,
      total: record.itemsRead + pendingItems,
      resultsWritten: itemsEnded,
    },
    executionCounts: {
      pending: pendingChildren,
      running: Math.max(0, record.children - childrenEnded),
      succeeded: counts.succeeded,
      failed: counts.failed,
      timedOut: counts.timedOut,
      aborted: counts.aborted,
      total: record.children + pendingChildren,
      resultsWritten: childrenEnded,
    },
  };
}

/**
 * A ListMapRuns entry for a run that `executionId`'s history shows started, with its status and
 * counts while its record is kept.
 */
export async function mapRunListEntry(
  started: { readonly mapRunArn: string; readonly stateName: string; readonly timestamp: string },
  executionId: string,
  store: MapRunStore | undefined,
): Promise<MapRunListEntry> {
  const id = mapRunIdOf(started.mapRunArn);
  const record = id !== undefined && store ? await store.load(id) : undefined;
  if (!record || !store) {
    return {
      mapRunArn: started.mapRunArn,
      executionArn: executionArnFrom(started.mapRunArn, executionId),
      stateMachineArn: childStateMachineArn(started.mapRunArn),
      startDate: started.timestamp,
      stateName: started.stateName,
      label: labelOf(started.mapRunArn),
    };
  }
  const spec = specOf(record);
  return {
    mapRunArn: record.mapRunArn,
    executionArn: executionArnFrom(record.mapRunArn, executionId),
    stateMachineArn: spec.childStateMachineArn,
    startDate: iso(record.startDate),
    ...(record.stopDate !== undefined ? { stopDate: iso(record.stopDate) } : {}),
    stateName: started.stateName,
    label: spec.request.label,
    status: record.status,
    ...mapRunCounts(record, await store.counts(record.mapRunId)),
  };
}

/** The description of a run from its record, its counts and its first `limit` children. */
export async function describeMapRunRecord(
  record: MapRunRecord,
  store: MapRunStore,
  limit = MAP_RUN_CHILDREN_LISTED,
): Promise<MapRunDescription> {
  const spec = specOf(record);
  const { request } = spec;
  const details = record.resultWriterDetails;
  return {
    mapRunArn: record.mapRunArn,
    executionArn: executionArnFrom(record.mapRunArn, record.executionId),
    executionId: record.executionId,
    stateMachineArn: spec.childStateMachineArn,
    stateName: request.stateName,
    label: request.label,
    executionType: request.executionType,
    childWorkflow: spec.childWorkflow,
    status: record.status,
    startDate: iso(record.startDate),
    ...(record.stopDate !== undefined ? { stopDate: iso(record.stopDate) } : {}),
    maxConcurrency: request.maxConcurrency,
    // Not set is reported as 0, as the recorded DescribeMapRun does.
    toleratedFailurePercentage: request.toleratedFailurePercentage ?? 0,
    toleratedFailureCount: request.toleratedFailureCount ?? 0,
    ...mapRunCounts(record, await store.counts(record.mapRunId)),
    redriveCount: record.redriveCount,
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    ...(isJsonObject(details) && typeof details.Bucket === 'string' && typeof details.Key === 'string'
      ? { resultWriterDetails: { bucket: details.Bucket, key: details.Key } }
      : {}),
    children: await firstChildren(record, spec, store, limit),
  };
}

/**
 * The run's children numbered below `limit`: those whose end is recorded, and for STANDARD runs
 * the ones started and not ended (their ids follow from the run's id and their number).
 */
async function firstChildren(
  record: MapRunRecord,
  spec: MapRunSpec,
  store: MapRunStore,
  limit: number,
): Promise<MapRunChild[]> {
  const standard = spec.request.executionType === 'STANDARD';
  const ended = new Map<number, ChildOutcome>();
  for await (const chunk of store.chunks(record.mapRunId, record.chunks)) {
    // Chunks come in order and hold children in order: past the limit, none below it follows.
    if (chunk.children.every((child) => child.child >= limit)) break;
    for (const child of chunk.children) if (child.child < limit) ended.set(child.child, child);
  }
  const children: MapRunChild[] = [];
  for (let number = 0; number < Math.min(record.children, limit); number += 1) {
    const outcome = ended.get(number);
    // Children are named by the run's id and their number (MapRuns: started twice, started once).
    const name = childName(record.mapRunId, number);
    const executionId = standard ? `${spec.childWorkflow}:${name}` : undefined;
    if (outcome) {
      children.push({
        child: number,
        name,
        executionArn: outcome.executionArn,
        ...(executionId !== undefined ? { executionId } : {}),
        status: outcome.status,
        firstItem: outcome.firstItem,
        items: outcome.items,
        startDate: iso(outcome.startDate),
        stopDate: iso(outcome.stopDate),
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
        ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}),
      });
    } else if (standard) {
      children.push({
        child: number,
        name,
        executionArn: `${spec.childStateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
        ...(executionId !== undefined ? { executionId } : {}),
        status: 'RUNNING',
      });
    }
  }
  return children;
}

/** What a Map Run's record keeps as its request. */
function specOf(record: MapRunRecord): MapRunSpec {
  return record.request as unknown as MapRunSpec;
}

/**
 * `arn:...:execution:<workflow>:<name>` of the execution `<workflow>:<name>` that started the run:
 * the Map Run ARN's partition, region and account, as the parent's state machine ARN has them.
 */
function executionArnFrom(mapRunArn: string, executionId: string): string {
  return `${mapRunArn.slice(0, mapRunArn.indexOf(':mapRun:'))}:execution:${executionId}`;
}

/** `<label>` of `...:mapRun:<workflow>/<label>:<id>`. */
function labelOf(mapRunArn: string): string {
  const path = mapRunArn.slice(mapRunArn.indexOf(':mapRun:') + ':mapRun:'.length, mapRunArn.lastIndexOf(':'));
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The children's state machine ARN of a Map Run ARN. */
function childStateMachineArn(mapRunArn: string): string {
  return mapRunArn.slice(0, mapRunArn.lastIndexOf(':')).replace(':mapRun:', ':stateMachine:');
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
