/**
 * Retry and Catch of a state whose step failed: the first matching retrier schedules the next
 * attempt after its interval, else the first matching catcher moves on to its Next state, else
 * the thread fails. The policies themselves are compiled and matched in `../retry.ts`.
 */
import type { CompiledCatcher } from '../compile.js';
import { StatesError } from '../errors.js';
import { errorDetails, type CatchingStateExitedEvent, type Thread, type Waiting } from '../execution.js';
import type { Json, JsonObject } from '../json.js';
import { evaluateJsonataTemplate } from '../jsonata/query.js';
import { writePath } from '../json-path.js';
import { decideRetry, findCatcher } from '../retry.js';
import { evaluateAssign, jsonataScope } from './data-flow.js';
import { scheduleTimer } from './deadlines.js';
import type { Decider } from './decider.js';
import { SUSPENDED, type Outcome } from './outcome.js';
import { assignVariables } from './variables.js';

/** Retry, Catch, or fail the thread (`error` and `cause` are absent after a Fail state with none). */
export function recover(
  d: Decider,
  threadId: string,
  error: string | undefined,
  cause: string | undefined,
): Outcome {
  const thread = d.threads[threadId];
  if (!thread) return SUSPENDED;
  const { active } = thread;
  const state = d.state(thread.scope, active.name);
  const retry = decideRetry(state.retry, active.retryCounts, error, () => d.random());
  if (retry.type === 'retry') {
    const attempt = active.attempt + 1;
    const timerId = scheduleTimer(
      d,
      { type: 'retry', owner: { type: 'state', threadId, entryId: active.entryId }, attempt },
      d.env.now + retry.delayMs,
    );
    d.setActive(thread, {
      ...active,
      retryCounts: countRetry(active.retryCounts, retry.retrierIndex),
      attempt,
      waiting: { type: 'Retry', timerId },
    });
    d.record('StateRetryScheduled', {
      stateName: active.name,
      threadId,
      ...errorDetails(error, cause),
      attempt,
      delayMs: retry.delayMs,
    });
    return SUSPENDED;
  }
  const catcher = findCatcher(state.catch, error) as CompiledCatcher | undefined;
  if (catcher) {
    let output: Json;
    let assignedVariables: Readonly<Record<string, string>> | undefined;
    const errorOutput: JsonObject = {};
    if (error !== undefined) errorOutput.Error = error;
    if (cause !== undefined) errorOutput.Cause = cause;
    try {
      if (state.jsonata) {
        // JSONata: the catcher's Output and Assign see $states.errorOutput; the output defaults to it.
        const scope = jsonataScope(d, thread, active.input, { errorOutput });
        output = catcher.output ? evaluateJsonataTemplate(catcher.output, scope) : errorOutput;
        const assigned = catcher.assign ? evaluateAssign(d, thread, catcher.assign, null, scope) : undefined;
        assignedVariables = assigned ? assignVariables(d, thread, assigned) : undefined;
      } else {
        // JSONPath: the catcher's Assign reads the error output as `$`.
        const assigned = catcher.assign
          ? evaluateAssign(d, thread, catcher.assign, errorOutput, undefined)
          : undefined;
        output =
          catcher.resultPath === null
            ? active.input
            : writePath(active.input, catcher.resultPath, errorOutput);
        assignedVariables = assigned ? assignVariables(d, thread, assigned) : undefined;
      }
    } catch (failure) {
      if (!(failure instanceof StatesError)) throw failure;
      d.failThread(thread, failure.code, failure.message);
      return SUSPENDED;
    }
    // Only Task, Parallel and Map states have Catch (validation guarantees it).
    const type = `${state.definition.Type}StateExited` as CatchingStateExitedEvent['type'];
    if (assignedVariables) {
      d.record(type, {
        stateName: active.name,
        threadId,
        output,
        ...errorDetails(error, cause),
        assignedVariables,
      });
    } else {
      d.record(type, { stateName: active.name, threadId, output, ...errorDetails(error, cause) });
    }
    return { type: 'next', next: catcher.next, output };
  }
  d.failThread(thread, error, cause);
  return SUSPENDED;
}

/** The retry interval ended: the state runs again (a stale timer changes nothing). */
export function onRetryTimer(
  d: Decider,
  thread: Thread,
  waiting: Extract<Waiting, { type: 'Retry' }>,
  timerId: string,
): void {
  if (waiting.timerId !== timerId) return;
  d.enqueue(thread.id, d.execute(thread));
}

/**
 * The retry counts after retrier `index` fired once more: persisted with the attempt, so the
 * counts survive any number of decisions (and are dense, for JSON).
 */
export function countRetry(retryCounts: readonly number[], index: number): number[] {
  const counts = retryCounts.slice();
  counts[index] = (counts[index] ?? 0) + 1;
  for (let i = 0; i < counts.length; i++) counts[i] ??= 0;
  return counts;
}
