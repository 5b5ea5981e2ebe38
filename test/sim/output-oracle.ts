/**
 * The output oracle: each simulated execution must end as `runWorkflow` ends the same definition
 * with the same input and the same task outcomes, run fault-free in process. Faults (crashes,
 * redeliveries, duplicates, late timers, races) may change how an execution gets there, never where
 * it ends: its status, its output, its error.
 *
 * The task outcomes are read back from the simulated execution's history and replayed by task
 * functions: a forward task by its state, entry into that state and attempt; a compensation by its
 * state, entry and attempt (compensations run one at a time).
 *
 * A rerun is compared with `runWorkflow` of its definition started at the state it was rerun from.
 *
 * A wait for a correlated event is a task like any other here: its outcome is the event it ended
 * with, or its time-out (`runWorkflow`, with no correlation store, hands waits to its task
 * functions). Payloads over a limit are outcomes too: a result the worker SDK or the store turned
 * into a `States.DataLimitExceeded` failure is replayed as that failure, and an input or result
 * over the payload limit fails the state in both runs alike.
 *
 * Left out, because their ending depends on timing rather than on outcomes: executions that were
 * stopped or redriven, executions of workflows with an execution-level TimeoutSeconds, and
 * workflows with a Parallel or Map state (which branch fails first, and so which error ends the execution and which
 * sibling tasks ran at all, depends on the order results arrive, on AWS as here). Also left out:
 * executions the loop stopped because the store could not hold a transition that applied no task
 * result (a store limit, not an outcome; `runWorkflow`'s store has none).
 */
import { eventCause, isTaskAttemptEvent, type HistoryEvent } from '../../lambdas/engine/execution.js';
import { WAIT_FOR_EVENT_RESOURCE } from '../../lambdas/contract/task-resources.js';
import type { Json } from '../../lambdas/engine/json.js';
import { runWorkflow, type TaskContext } from '../../lambdas/runtime/run-workflow.js';
import { Invariant, type RunRecord, type Violation } from './invariants.js';
import { TASK_WORKERS, UNDO_WORKER, startingAt, type GeneratedWorkflow } from './workflow-generator.js';

/** What a task attempt did, as the simulated run's history shows it. */
type Outcome =
  | { readonly type: 'succeeded'; readonly output: Json }
  | { readonly type: 'failed'; readonly error: string; readonly cause: string }
  | { readonly type: 'timedOut'; readonly error: string };

/** How an execution ended: what the oracle compares. */
interface Ending {
  readonly status: string;
  readonly output?: Json;
  readonly error?: string;
}

/** The causes the engine gives a task that missed a deadline, by error name. */
const TIMEOUT_CAUSES: Readonly<Record<string, string>> = {
  'States.Timeout': 'The task did not finish within TimeoutSeconds',
  'States.HeartbeatTimeout': 'The task sent no heartbeat within HeartbeatSeconds',
};

/** A replayed task met an attempt the simulated run never had: the two runs took different paths. */
class ReplayDivergedError extends Error {
  override readonly name = 'Oracle.Diverged';
}

/** Compares each eligible execution of the run with `runWorkflow`'s run of it. */
export async function checkOutputs(
  record: RunRecord,
  workflows: readonly GeneratedWorkflow[],
  stopped: ReadonlySet<string>,
): Promise<{ readonly violations: Violation[]; readonly checked: readonly string[] }> {
  const byName = new Map(workflows.map((workflow) => [workflow.name, workflow]));
  const reruns = new Map((record.reruns ?? []).map((rerun) => [rerun.executionId, rerun.fromState]));
  const violations: Violation[] = [];
  const checked = new Set<string>();
  for (const execution of record.executions) {
    const { executionId, history } = execution;
    const started = history[0];
    const workflow = byName.get(executionId.slice(0, executionId.indexOf(':')));
    if (!workflow || started?.type !== 'ExecutionStarted' || execution.status === undefined) continue;
    if (stopped.has(executionId) || workflow.definition.TimeoutSeconds !== undefined) continue;
    if (history.some((event) => event.type === 'ExecutionRedriven')) continue;
    if (hasConcurrency(workflow) || stoppedByStore(history)) continue;
    checked.add(executionId);
    const outcomes = outcomesOf(history);
    const replay = replayer(outcomes);
    const tasks = Object.fromEntries([
      ...[...TASK_WORKERS, UNDO_WORKER].map((worker) => [`baton:worker:${worker}`, replay.task]),
      [WAIT_FOR_EVENT_RESOURCE, replay.task],
    ]);
    // A rerun runs the pinned definition from the state it was asked to start at.
    const fromState = reruns.get(executionId);
    const definition =
      fromState === undefined ? workflow.definition : startingAt(workflow.definition, fromState);
    // An input over the payload limit is not kept in the history: replay the one the run sent.
    const input = started.inputDetails?.truncated ? record.startInputs?.get(executionId) : started.input;
    const result = await runWorkflow(definition, input ?? null, {
      tasks,
      name: executionId.slice(executionId.indexOf(':') + 1),
      stateMachineName: workflow.name,
    });
    const simulated = endingOf(execution.status, history);
    const reference: Ending = {
      status: result.status,
      ...(result.output !== undefined ? { output: result.output } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
    };
    if (replay.diverged.length > 0 || JSON.stringify(simulated) !== JSON.stringify(reference)) {
      violations.push({
        invariant: Invariant.OutputOracle,
        executionId,
        detail:
          `the simulated run ended ${JSON.stringify(simulated)}, runWorkflow with the same outcomes ` +
          `${JSON.stringify(reference)}${replay.diverged.length > 0 ? `; replay diverged at ${replay.diverged.join(', ')}` : ''}`,
      });
    }
  }
  return { violations, checked: [...checked] };
}

/** Whether the workflow runs branches or iterations concurrently. */
function hasConcurrency(workflow: GeneratedWorkflow): boolean {
  const text = JSON.stringify(workflow.definition);
  return text.includes('"Type":"Parallel"') || text.includes('"Type":"Map"');
}

/** The loop's cause when the store cannot hold a transition. */
const STORE_LIMIT_CAUSE = "The execution's state would be ";

/**
 * Whether the loop stopped the execution because the store could not hold a transition that applied
 * no task result: the stop's cause is the store's, and no task failed with it first.
 */
function stoppedByStore(history: readonly HistoryEvent[]): boolean {
  const failedTasks = new Set<string>();
  for (const event of history) {
    const cause = eventCause(event);
    if (cause === undefined || !cause.startsWith(STORE_LIMIT_CAUSE)) continue;
    if (event.type === 'TaskFailed') failedTasks.add(cause);
    else if (!failedTasks.has(cause)) return true;
  }
  return false;
}

/** The outcomes of every task and compensation attempt, by replay key. */
function outcomesOf(history: readonly HistoryEvent[]): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const entries = new Map<string, number>();
  /** The key of the attempt under way, by thread and state (or compensated state). */
  const current = new Map<string, string>();
  const scheduled = (where: string, attempt: number) => {
    if (attempt === 1) entries.set(where, (entries.get(where) ?? 0) + 1);
    current.set(where, `${where}#${entries.get(where) ?? 0}@${attempt}`);
  };
  const ended = (where: string, outcome: Outcome) => {
    const key = current.get(where);
    if (key !== undefined) outcomes.set(key, outcome);
  };
  for (const event of history) {
    if (!isTaskAttemptEvent(event)) continue;
    switch (event.type) {
      case 'TaskScheduled':
        scheduled(`t|${event.stateName}`, event.attempt);
        continue;
      case 'CompensationTaskScheduled':
        scheduled(`c|${event.stateName}`, event.attempt);
        continue;
      case 'TaskSucceeded':
        ended(`t|${event.stateName}`, { type: 'succeeded', output: event.output ?? null });
        continue;
      case 'CompensationTaskSucceeded':
        // A compensation's result is not recorded: its replay answers null.
        ended(`c|${event.stateName}`, { type: 'succeeded', output: null });
        continue;
      case 'TaskFailed':
        ended(`t|${event.stateName}`, { type: 'failed', error: event.error, cause: event.cause });
        continue;
      case 'CompensationTaskFailed':
        ended(`c|${event.stateName}`, { type: 'failed', error: event.error, cause: event.cause });
        continue;
      case 'TaskTimedOut':
        ended(`t|${event.stateName}`, { type: 'timedOut', error: event.error });
        continue;
      case 'CompensationTaskTimedOut':
        ended(`c|${event.stateName}`, { type: 'timedOut', error: event.error });
        continue;
    }
    const unknown: never = event;
    throw new Error(`unreachable: history event ${(unknown as HistoryEvent).type}`);
  }
  return outcomes;
}

/** Task functions that replay recorded outcomes, and the keys they could not find. */
function replayer(outcomes: ReadonlyMap<string, Outcome>) {
  const entries = new Map<string, number>();
  const diverged: string[] = [];
  const task = (_input: Json, context: TaskContext): Json => {
    const where = `${context.compensation ? 'c' : 't'}|${context.stateName}`;
    if (context.attempt === 1) entries.set(where, (entries.get(where) ?? 0) + 1);
    const key = `${where}#${entries.get(where) ?? 0}@${context.attempt}`;
    const outcome = outcomes.get(key);
    if (outcome === undefined) {
      diverged.push(key);
      throw new ReplayDivergedError(`no recorded outcome for ${key}`);
    }
    switch (outcome.type) {
      case 'succeeded':
        return outcome.output;
      case 'failed':
        throw namedError(outcome.error, outcome.cause);
      case 'timedOut':
        // The engine's own cause for the deadline the task missed (the history records only the name).
        throw namedError(outcome.error, TIMEOUT_CAUSES[outcome.error] ?? 'timed out in the simulated run');
    }
  };
  return { task, diverged };
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** How the simulated execution ended, read from its history. */
function endingOf(status: string, history: readonly HistoryEvent[]): Ending {
  let output: Json | undefined;
  let error: string | undefined;
  for (const event of history) {
    if (event.type === 'ExecutionSucceeded') output = event.output;
    if (
      (event.type === 'ExecutionFailed' || event.type === 'CompensationStarted') &&
      event.error !== undefined
    )
      error = event.error;
  }
  return {
    status,
    ...(output !== undefined ? { output } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
