/**
 * Retry and Catch of a state whose step failed: the first matching retrier schedules the next
 * attempt after its interval, else the first matching catcher moves on to its Next state, else
 * the thread fails. The policies themselves are compiled and matched in `../retry.ts`.
 */
import { StatesError } from '../errors.js';
import type { CatchingStateExitedEvent, Thread, Waiting } from '../execution.js';
import type { Json } from '../json.js';
import { writePath } from '../json-path.js';
import { decideRetry, findCatcher } from '../retry.js';
import { scheduleTimer } from './deadlines.js';
import type { Decider } from './decider.js';
import { SUSPENDED, type Outcome } from './outcome.js';

/** Retry, Catch, or fail the thread. */
export function recover(d: Decider, threadId: string, error: string, cause: string): Outcome {
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
      error,
      cause,
      attempt,
      delayMs: retry.delayMs,
    });
    return SUSPENDED;
  }
  const catcher = findCatcher(state.catch, error);
  if (catcher) {
    let output: Json;
    try {
      output =
        catcher.resultPath === null
          ? active.input
          : writePath(active.input, catcher.resultPath, { Error: error, Cause: cause });
    } catch (failure) {
      if (!(failure instanceof StatesError)) throw failure;
      d.failThread(thread, failure.code, failure.message);
      return SUSPENDED;
    }
    // Only Task, Parallel and Map states have Catch (validation guarantees it).
    d.record(`${state.definition.Type}StateExited` as CatchingStateExitedEvent['type'], {
      stateName: active.name,
      threadId,
      output,
      error,
      cause,
    });
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
