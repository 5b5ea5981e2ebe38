/**
 * Where a redrive resumes. Step Functions' RedriveExecution "reschedules and redrives only the
 * iterations and branches that failed or aborted" of an inline Map or Parallel state, and does not
 * run again the steps that succeeded (API reference, RedriveExecution). So when a Parallel or Map
 * fails, or the execution is stopped or times out while one runs, what each branch or iteration
 * had done is kept: the outputs of those that succeeded, and where each of the others stood (its
 * state and that state's input, recursively for a Parallel or Map inside it). A redrive starts the
 * state again with those outputs in place and runs only the rest, each from where it stood, with
 * the variables it had assigned.
 */
import type { BranchesPoint, FailurePoint, Thread } from '../execution.js';
import { isJsonObject, type Json, type JsonObject } from '../json.js';
import { MAP_RUN_RESOURCE } from '../resource-names.js';
import type { Decider } from './decider.js';

/**
 * Where a thread stands now (or stood when it failed): its state and that state's input, with what
 * the branches of a Parallel or Map state there have done (still running, or kept from when the
 * state failed).
 */
export function livePoint(d: Decider, thread: Thread): FailurePoint {
  const branches = branchesPoint(d, thread) ?? thread.active.unfinished ?? mapRunPoint(thread);
  // A branch's or iteration's frame ends with its thread; the machine's stays in the execution.
  const variables = thread.parent === undefined ? undefined : d.exec.variables?.[thread.id];
  return {
    stateName: thread.active.name,
    input: thread.active.input,
    ...(branches ? { branches } : {}),
    ...(variables ? { variables } : {}),
  };
}

/**
 * Prepares the new thread `threadId` to resume where a branch or iteration stood (`at`): what its
 * own Parallel or Map had done, and the variables it had assigned.
 */
export function resumeThread(d: Decider, threadId: string, at: FailurePoint): void {
  d.resumeNext(threadId, at.branches);
  if (at.variables) d.exec.variables = { ...(d.exec.variables ?? {}), [threadId]: at.variables };
}

/**
 * What the branches or iterations of the Parallel or Map state `parent` waits on have done, with
 * `failed` (a child that just failed, no longer among the threads) where it stood. Undefined when
 * `parent` waits on no branches.
 */
export function branchesPoint(
  d: Decider,
  parent: Thread,
  failed?: { readonly index: number; readonly point: FailurePoint },
): BranchesPoint | undefined {
  const waiting = parent.active.waiting;
  if (waiting.type !== 'Parallel' && waiting.type !== 'Map') return undefined;
  const resume: Record<string, FailurePoint> = {};
  // A branch that reached its end in this decision, but is not yet handed to the state, succeeded.
  const ended = new Map<number, Json>();
  for (const child of Object.values(d.threads)) {
    if (child.parent?.threadId !== parent.id) continue;
    const ending = d.endingOutput(child.id);
    if (ending) ended.set(child.parent.index, ending.output);
    else resume[child.parent.index] = livePoint(d, child);
  }
  if (failed) resume[failed.index] = failed.point;
  const count = waiting.type === 'Parallel' ? waiting.children.length : waiting.itemInputs.length;
  const notStarted = new Set<number>();
  if (waiting.type === 'Map') {
    for (const index of waiting.queue ?? []) notStarted.add(index);
    for (let index = waiting.nextIndex; index < count; index++) notStarted.add(index);
  }
  const succeeded: number[] = [];
  const results: Json[] = [];
  for (let index = 0; index < count; index++) {
    if (resume[index] !== undefined || notStarted.has(index)) continue;
    succeeded.push(index);
    results.push(ended.get(index) ?? waiting.results[index] ?? null);
  }
  return waiting.type === 'Parallel'
    ? { type: 'Parallel', succeeded, results, resume }
    : {
        type: 'Map',
        succeeded,
        results,
        resume,
        itemInputs: waiting.itemInputs,
        maxConcurrency: waiting.maxConcurrency,
      };
}

/** A Distributed Map's run, where a thread waits for one that started: redriven with the state. */
export function mapRunPoint(thread: Thread): BranchesPoint | undefined {
  const waiting = thread.active.waiting;
  if (waiting.type !== 'Task' || waiting.resource !== MAP_RUN_RESOURCE) return undefined;
  const submitted = waiting.submitted;
  const arn = isJsonObject(submitted ?? null) ? (submitted as JsonObject).MapRunArn : undefined;
  if (typeof arn !== 'string') return undefined;
  return { type: 'Map', succeeded: [], results: [], resume: {}, mapRunArn: arn };
}
