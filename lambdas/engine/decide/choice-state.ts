/**
 * Choice: picks the next state by the first matching rule (the rules themselves are evaluated
 * in `../choice.ts`), or Default; no match and no Default is `States.NoChoiceMatched`.
 */
import { selectChoice } from '../choice.js';
import type { CompiledState } from '../compile.js';
import type { ChoiceState } from '../definition.js';
import { StatesError, StatesErrors } from '../errors.js';
import type { Thread } from '../execution.js';
import { compilePath, readPath } from '../json-path.js';
import { inputPath, outputPath, pathContext, templateScope } from './data-flow.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';

/** Runs a Choice state. */
export function executeChoice(d: Decider, thread: Thread, state: CompiledState, def: ChoiceState): Outcome {
  const { active } = thread;
  const effective = inputPath(d, thread, state, active.input);
  const scope = templateScope(d, thread, effective);
  const next = selectChoice(def, (path) => readPath(compilePath(path), effective, pathContext(path, scope)));
  if (next === undefined) {
    throw new StatesError(
      StatesErrors.NoChoiceMatched,
      `No Choice rule matched and there is no Default in state '${active.name}'`,
    );
  }
  const output = outputPath(d, thread, state, effective);
  d.record('ChoiceStateExited', { stateName: active.name, threadId: thread.id, output });
  return { type: 'next', next, output };
}
