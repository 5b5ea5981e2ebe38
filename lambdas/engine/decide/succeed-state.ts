/**
 * Succeed: ends its thread (the execution, a Parallel branch or a Map iteration) successfully.
 */
import type { CompiledState } from '../compile.js';
import type { Thread } from '../execution.js';
import { completeJsonata, inputPath, outputPath } from './data-flow.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';

/** Runs a Succeed state: InputPath then OutputPath (JSONata: Output), and the thread ends. */
export function executeSucceed(d: Decider, thread: Thread, state: CompiledState): Outcome {
  if (state.jsonata) return completeJsonata(d, thread, state, {}, thread.active.input);
  return d.complete(
    thread,
    state,
    outputPath(d, thread, state, inputPath(d, thread, state, thread.active.input)),
  );
}
