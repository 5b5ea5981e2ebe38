/**
 * Pass: passes its input to its output, or a fixed Result, or its Parameters.
 */
import type { CompiledState } from '../compile.js';
import type { PassState } from '../definition.js';
import type { Thread } from '../execution.js';
import type { Json } from '../json.js';
import { evaluateTemplate } from '../payload-template.js';
import { inputPath, outputPath, resultPath, templateScope } from './data-flow.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';

/** Runs a Pass state: InputPath, Result or Parameters, ResultPath, OutputPath. */
export function executePass(d: Decider, thread: Thread, state: CompiledState, def: PassState): Outcome {
  const { active } = thread;
  const effective = inputPath(d, thread, state, active.input);
  let result: Json;
  if (def.Result !== undefined) result = def.Result;
  else if (state.parameters) result = evaluateTemplate(state.parameters, templateScope(d, thread, effective));
  else result = effective;
  return d.complete(thread, state, outputPath(d, thread, state, resultPath(state, active.input, result)));
}
