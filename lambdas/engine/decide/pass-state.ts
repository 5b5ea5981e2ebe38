/**
 * Pass: passes its input to its output, or a fixed Result, or its Parameters (JSONPath); its
 * Output (JSONata). Either way it may assign variables.
 */
import type { CompiledState } from '../compile.js';
import type { PassState } from '../definition.js';
import type { Thread } from '../execution.js';
import type { Json } from '../json.js';
import { evaluateTemplate } from '../payload-template.js';
import {
  completeJsonata,
  evaluateAssign,
  exitState,
  inputPath,
  outputPath,
  resultPath,
  templateScope,
} from './data-flow.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';

/** Runs a Pass state: InputPath, Result or Parameters, ResultPath, OutputPath (or JSONata's Output), Assign. */
export function executePass(d: Decider, thread: Thread, state: CompiledState, def: PassState): Outcome {
  const { active } = thread;
  if (state.jsonata) return completeJsonata(d, thread, state, {}, active.input);
  const effective = inputPath(d, thread, state, active.input);
  let result: Json;
  if (def.Result !== undefined) result = def.Result;
  else if (state.parameters) result = evaluateTemplate(state.parameters, templateScope(d, thread, effective));
  else result = effective;
  const assigned = state.assign ? evaluateAssign(d, thread, state.assign, result, undefined) : undefined;
  return exitState(
    d,
    thread,
    state,
    outputPath(d, thread, state, resultPath(state, active.input, result)),
    assigned,
  );
}
