/**
 * Per-transition measurements outside the domain loop: the orchestrator's CPU for one transition
 * of an execution with a ~10 KB state (`decide`, and the store's encode/decode of the version
 * item), and the store cost of a transition after 10 history events against one after 100,000.
 */
import { performance } from 'node:perf_hooks';
import {
  compileWorkflow,
  decide,
  type Command,
  type CompiledWorkflow,
  type Decision,
  type Execution,
  type ExecutionEvent,
  type HistoryEvent,
} from '../../lambdas/engine/index.js';
import type { Json } from '../../lambdas/engine/json.js';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import {
  decodeVersionDocument,
  encodeVersionDocument,
  type VersionDocument,
} from '../../lambdas/aws/dynamodb-snapshot-codec.js';
import type { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { shareRepeats } from '../../lambdas/aws/json-sharing.js';
import { RECENT_MESSAGES_KEPT } from '../../lambdas/runtime/orchestrator.js';
import type { WorkflowRef } from '../../lambdas/runtime/ports.js';
import { workerResource } from '../../lambdas/contract/task-resources.js';
import { dynamoTotals, type DynamoDbMeter } from './meter.js';
import { SAGA_NAME, sagaDefinition, stubFor } from './saga.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Percentiles of timed runs, in microseconds. */
export interface Timing {
  readonly runs: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

/** Times `work` run by run (after `warmup` untimed runs). */
export function time(work: () => void, runs: number, warmup = Math.ceil(runs / 5)): Timing {
  for (let i = 0; i < warmup; i++) work();
  const samples = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(runs - 1, Math.floor(q * runs))] ?? 0;
  return { runs, p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / runs };
}

function statesEntered(history: readonly HistoryEvent[]): number {
  return history.filter((event) => event.type.endsWith('StateEntered')).length;
}

function dispatchOf(decision: Decision): Extract<Command, { type: 'DispatchTask' }> | undefined {
  return decision.commands.find(
    (command): command is Extract<Command, { type: 'DispatchTask' }> => command.type === 'DispatchTask',
  );
}

/** A deterministic SQS-like message id (36 characters, like the real ones). */
function messageId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function remember(recent: Record<string, number>, id: string, version: number): Record<string, number> {
  return Object.fromEntries([...Object.entries(recent), [id, version] as const].slice(-RECENT_MESSAGES_KEPT));
}

/** One transition as the orchestrator would commit it, and what preceded it. */
interface PreparedTransition {
  readonly before: Execution;
  readonly event: ExecutionEvent;
  readonly decision: Decision;
  readonly version: number;
  readonly recentMessages: Record<string, number>;
}

/**
 * Drives the saga with `input` through `decide`, answering each dispatch with the stub's result,
 * until the result of `resultOf` is the next event; returns that transition.
 */
function sagaTransition(workflow: CompiledWorkflow, input: Json, resultOf: string): PreparedTransition {
  const env = { now: T0, workflow };
  let decision = decide(
    undefined,
    { type: 'StartExecution', executionId: `${SAGA_NAME}:cpu`, name: 'cpu', input },
    env,
  );
  let recent = remember({}, messageId(1), 1);
  for (let version = 2; ; version++) {
    const dispatch = dispatchOf(decision);
    if (dispatch === undefined) throw new Error('The saga stopped before the measured transition');
    const event: ExecutionEvent = {
      type: 'TaskSucceeded',
      token: dispatch.token,
      output: stubFor(dispatch.resource)(dispatch.input),
    };
    const before = decision.execution;
    decision = decide(before, event, env);
    recent = remember(recent, messageId(version), version);
    if (dispatch.stateName === resultOf) return { before, event, decision, version, recentMessages: recent };
  }
}

function documentOf(transition: PreparedTransition, workflow: WorkflowRef): VersionDocument {
  return {
    execution: transition.decision.execution,
    history: transition.decision.history,
    commands: transition.decision.commands,
    messageId: messageId(transition.version),
    workflow,
    recentMessages: transition.recentMessages,
  };
}

/** What committing one transition cost, as the meter saw it. */
export interface CommitCost {
  readonly itemBytes: number;
  readonly writeUnits: number;
  readonly loadReadUnits: number;
  readonly loadRequests: number;
  readonly writeRequests: number;
}

/** Loads (as the orchestrator does before deciding) and commits `transition`, metered. */
async function meteredCommit(
  store: DynamoDbExecutionStore,
  meter: DynamoDbMeter,
  executionId: string,
  transition: PreparedTransition,
  workflow: WorkflowRef,
  load: boolean,
): Promise<CommitCost> {
  meter.reset();
  meter.recording = true;
  try {
    if (load) await store.load(executionId);
    await store.commit({
      executionId,
      version: transition.version,
      execution: transition.decision.execution,
      history: transition.decision.history,
      commands: transition.decision.commands,
      messageId: messageId(transition.version),
      workflow,
      recentMessages: transition.recentMessages,
    });
  } finally {
    meter.recording = false;
  }
  const totals = dynamoTotals(meter.requests);
  const commit = meter.requests.find((request) => request.write);
  return {
    itemBytes: commit?.itemBytes ?? 0,
    writeUnits: totals.writeUnits,
    writeRequests: totals.writeRequests,
    loadReadUnits: totals.readUnits,
    loadRequests: totals.readRequests,
  };
}

/** Figures of one transition of the saga with a given input. */
export interface SagaTransitionFigures {
  readonly inputBytes: number;
  readonly statesEntered: number;
  readonly decide: Timing;
  readonly encode: Timing;
  readonly decode: Timing;
  /** The document's JSON with every occurrence of each value written out. */
  readonly jsonBytes: number;
  /** The same with each value written once, as the store writes it before compressing. */
  readonly sharedJsonBytes: number;
  readonly commit: CommitCost;
}

/**
 * The transition "CapturePayment's result arrives -> AllocateWarehouse entered and dispatched"
 * (one state entered; its Parameters select the order's items, and CapturePayment's Compensate
 * pushes `{ Input, Result }` on the saga stack): `decide` timed on the same pre-state many times
 * (decide is pure and never modifies its input), then encode/decode of its version item, then
 * one metered load + commit on dynalite.
 */
export async function measureSagaTransition(
  input: Json,
  runs: number,
  store: DynamoDbExecutionStore,
  meter: DynamoDbMeter,
  executionId: string,
): Promise<SagaTransitionFigures> {
  const workflow = compileWorkflow(sagaDefinition, { name: SAGA_NAME });
  const transition = sagaTransition(workflow, input, 'CapturePayment');
  const env = { now: T0, workflow };
  const ref = { name: SAGA_NAME, version: 'bench' };
  const decideTiming = time(() => void decide(transition.before, transition.event, env), runs);
  const document = documentOf(transition, ref);
  let encoded = encodeVersionDocument(document);
  const encode = time(() => void (encoded = encodeVersionDocument(document)), runs);
  const decode = time(() => void decodeVersionDocument(encoded), runs);
  return {
    inputBytes: Buffer.byteLength(JSON.stringify(input)),
    statesEntered: statesEntered(transition.decision.history),
    decide: decideTiming,
    encode,
    decode,
    jsonBytes: Buffer.byteLength(JSON.stringify(document)),
    sharedJsonBytes: Buffer.byteLength(JSON.stringify(shareRepeats(document))),
    commit: await meteredCommit(store, meter, executionId, transition, ref, false),
  };
}

/** A loop: Task, Choice back to the Task. Each round records 6 events and enters 2 states. */
const loopDefinition: StateMachineDefinition = {
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: workerResource('loop'), ResultPath: null, Next: 'Again' },
    Again: {
      Type: 'Choice',
      Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
      Default: 'Work',
    },
    Done: { Type: 'Succeed' },
  },
};

/** One measured transition of the long execution. */
export interface HistoryPoint {
  /** History events before the transition. */
  readonly eventsBefore: number;
  /** Ids of the events the transition records. */
  readonly firstEvent: number;
  readonly lastEvent: number;
  readonly version: number;
  readonly decide: Timing;
  readonly cost: CommitCost;
}

/** Figures of the long-history comparison. */
export interface HistoryFigures {
  readonly small: HistoryPoint;
  readonly large: HistoryPoint;
  readonly totalEvents: number;
  readonly versions: number;
  readonly elapsedMs: number;
}

/**
 * One execution of the loop, driven by `decide` and committed with `DynamoDbExecutionStore.commit`
 * transition by transition (all of them, so that the table really holds 100,000 events), until
 * it has recorded `events` events. The transition that records event #11 and the one that records
 * event #(events + 1) are each committed alone, metered, after the load the orchestrator does
 * before deciding. Commits in between run 64 at a time.
 */
export async function measureHistoryLength(
  store: DynamoDbExecutionStore,
  meter: DynamoDbMeter,
  events: number,
  decideRuns: number,
): Promise<HistoryFigures> {
  const started = performance.now();
  const workflow = compileWorkflow(loopDefinition, { name: 'Loop' });
  const env = { now: T0, workflow };
  const ref = { name: 'Loop', version: 'bench' };
  const executionId = 'Loop:long-history';
  const targets = [11, events + 1];
  const points: HistoryPoint[] = [];
  let pending: Promise<void>[] = [];
  const flush = async () => {
    await Promise.all(pending);
    pending = [];
  };
  let decision = decide(
    undefined,
    { type: 'StartExecution', executionId, name: 'long-history', input: {} },
    env,
  );
  let recent = remember({}, messageId(1), 1);
  const commit = (version: number, d: Decision, recentMessages: Record<string, number>) =>
    store.commit({
      executionId,
      version,
      execution: d.execution,
      history: d.history,
      commands: d.commands,
      messageId: messageId(version),
      workflow: ref,
      recentMessages,
    });
  await commit(1, decision, recent);
  let version = 1;
  while (points.length < targets.length) {
    const dispatch = dispatchOf(decision);
    if (dispatch === undefined) throw new Error('The loop stopped');
    const before = decision.execution;
    const event: ExecutionEvent = { type: 'TaskSucceeded', token: dispatch.token, output: { ok: true } };
    decision = decide(before, event, env);
    version += 1;
    recent = remember(recent, messageId(version), version);
    const first = decision.history[0]?.id ?? 0;
    const last = decision.history.at(-1)?.id ?? 0;
    const target = targets[points.length] ?? Infinity;
    if (first <= target && target <= last) {
      await flush();
      const transition = { before, event, decision, version, recentMessages: recent };
      const cost = await meteredCommit(store, meter, executionId, transition, ref, true);
      points.push({
        eventsBefore: first - 1,
        firstEvent: first,
        lastEvent: last,
        version,
        decide: time(() => void decide(before, event, env), decideRuns),
        cost,
      });
    } else {
      pending.push(commit(version, decision, recent));
      if (pending.length >= 64) await flush();
    }
  }
  await flush();
  const [small, large] = points as [HistoryPoint, HistoryPoint];
  return {
    small,
    large,
    totalEvents: large.lastEvent,
    versions: version,
    elapsedMs: performance.now() - started,
  };
}
