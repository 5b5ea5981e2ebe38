/**
 * Parallel: runs each branch as a child thread on the same input; succeeds with the branches'
 * outputs in branch order once all have ended, fails (aborting the others) as soon as one fails.
 */
import type { CompiledState } from '../compile.js';
import { errorDetails, type Thread, type Waiting } from '../execution.js';
import type { Json } from '../json.js';
import { evaluateTemplate } from '../payload-template.js';
import { evaluateJsonataTemplate } from '../jsonata/query.js';
import { completeWithResult, inputPath, jsonataScope, templateScope } from './data-flow.js';
import type { Decider } from './decider.js';
import { resumeThread } from './redrive-point.js';
import { SUSPENDED, type Outcome } from './outcome.js';

type ParallelWaiting = Extract<Waiting, { type: 'Parallel' }>;

/**
 * Runs a Parallel state: starts every branch. Redriven, it starts only the branches that had not
 * succeeded, each where it stood, with the outputs of the others in place.
 */
export function executeParallel(d: Decider, thread: Thread, state: CompiledState): Outcome {
  const resume = d.takeResume(thread, 'Parallel');
  const done = new Map<number, Json>();
  resume?.succeeded.forEach((index, k) => done.set(index, resume.results[k] ?? null));
  const effective = inputPath(d, thread, state, thread.active.input);
  const args = state.jsonata?.arguments;
  const input = args
    ? evaluateJsonataTemplate(args, jsonataScope(d, thread, thread.active.input, {}))
    : state.parameters
      ? evaluateTemplate(state.parameters, templateScope(d, thread, effective))
      : effective;
  const children = state.branches.map(() => d.nextId());
  const results = new Array<Json | undefined>(children.length);
  for (const [index, output] of done) results[index] = output;
  d.own(results);
  // A run of the state (again, for a Retry) forgets what an earlier failed run had done.
  const { unfinished: _forgotten, ...active } = thread.active;
  d.setActive(thread, {
    ...active,
    waiting: { type: 'Parallel', children, results, remaining: children.length - done.size },
  });
  d.record('ParallelStateStarted', { stateName: state.name, threadId: thread.id });
  state.branches.forEach((scopeKey, index) => {
    if (done.has(index)) return;
    const childId = children[index] as string;
    const at = resume?.resume[index];
    const parent = { threadId: thread.id, index };
    if (at) resumeThread(d, childId, at);
    d.enqueue(
      childId,
      at
        ? d.enterState(childId, scopeKey, parent, at.stateName, at.input)
        : d.enterState(childId, scopeKey, parent, d.scope(scopeKey).startAt, input),
    );
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
export function onBranchFailed(
  d: Decider,
  parent: Thread,
  error: string | undefined,
  cause: string | undefined,
): void {
  d.record('ParallelStateFailed', {
    stateName: parent.active.name,
    threadId: parent.id,
    ...errorDetails(error, cause),
  });
}

/** The Parallel state is aborted (its branches are aborted by the thread driver). */
export function abortParallel(d: Decider, thread: Thread): void {
  d.record('ParallelStateAborted', { stateName: thread.active.name, threadId: thread.id });
}
