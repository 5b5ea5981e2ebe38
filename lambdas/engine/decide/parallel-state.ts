/**
 * Parallel: runs each branch as a child thread on the same input; succeeds with the branches'
 * outputs in branch order once all have ended, fails (aborting the others) as soon as one fails.
 */
import type { CompiledState } from '../compile.js';
import type { Thread, Waiting } from '../execution.js';
import type { Json } from '../json.js';
import { evaluateTemplate } from '../payload-template.js';
import { completeWithResult, inputPath, templateScope } from './data-flow.js';
import type { Decider } from './decider.js';
import { SUSPENDED, type Outcome } from './outcome.js';

type ParallelWaiting = Extract<Waiting, { type: 'Parallel' }>;

/** Runs a Parallel state: starts every branch. */
export function executeParallel(d: Decider, thread: Thread, state: CompiledState): Outcome {
  const effective = inputPath(d, thread, state, thread.active.input);
  const input = state.parameters
    ? evaluateTemplate(state.parameters, templateScope(d, thread, effective))
    : effective;
  const children = state.branches.map(() => d.nextId());
  const results = new Array<Json | undefined>(children.length);
  d.own(results);
  d.setActive(thread, {
    ...thread.active,
    waiting: { type: 'Parallel', children, results, remaining: children.length },
  });
  d.record('ParallelStateStarted', { stateName: state.name, threadId: thread.id });
  state.branches.forEach((scopeKey, index) => {
    const childId = children[index] as string;
    const startAt = d.scope(scopeKey).startAt;
    d.enqueue(childId, d.enterState(childId, scopeKey, { threadId: thread.id, index }, startAt, input));
  });
  return SUSPENDED;
}

/** Branch `index` ended with `output`: the state completes when it was the last one. */
export function onBranchSucceeded(
  d: Decider,
  parent: Thread,
  waiting: ParallelWaiting,
  index: number,
  output: Json,
): void {
  const state = d.state(parent.scope, parent.active.name);
  const results = d.ownedCopy(waiting.results);
  results[index] = output;
  const remaining = waiting.remaining - 1;
  d.setActive(parent, { ...parent.active, waiting: { ...waiting, results, remaining } });
  if (remaining === 0) {
    d.record('ParallelStateSucceeded', { stateName: state.name, threadId: parent.id });
    const current = d.threads[parent.id] as Thread;
    d.enqueue(
      parent.id,
      d.attempt(() => completeWithResult(d, current, state, results as Json[])),
    );
  }
}

/** A branch failed with an error it did not handle: the Parallel state fails with it. */
export function onBranchFailed(d: Decider, parent: Thread, error: string, cause: string): void {
  d.record('ParallelStateFailed', { stateName: parent.active.name, threadId: parent.id, error, cause });
}

/** The Parallel state is aborted (its branches are aborted by the thread driver). */
export function abortParallel(d: Decider, thread: Thread): void {
  d.record('ParallelStateAborted', { stateName: thread.active.name, threadId: thread.id });
}
