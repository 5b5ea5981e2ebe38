/**
 * Choice: picks the next state by the first matching rule (JSONPath rules are evaluated in
 * `../choice.ts`; a JSONata rule's Condition is an expression that must give a boolean), or
 * Default; no match and no Default is `States.NoChoiceMatched`. The matching rule's Assign (and,
 * in JSONata, its Output) apply; when Default is taken, the state's own.
 */
import type { CompiledAssign } from '../assign.js';
import { evaluateChoiceRule, selectChoice } from '../choice.js';
import type { CompiledState } from '../compile.js';
import type { ChoiceState } from '../definition.js';
import { StatesError, StatesErrors } from '../errors.js';
import type { Thread } from '../execution.js';
import type { Json } from '../json.js';
import { compilePath, readPath, type PathReadResult } from '../json-path.js';
import { evaluateCondition, evaluateJsonataTemplate, type JsonataTemplate } from '../jsonata/query.js';
import { compileVariablePath, readVariablePath } from '../variable-path.js';
import {
  evaluateAssign,
  inputPath,
  jsonataScope,
  outputPath,
  pathContext,
  templateScope,
} from './data-flow.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';
import { assignVariables, variableOf } from './variables.js';

/** Runs a Choice state. */
export function executeChoice(d: Decider, thread: Thread, state: CompiledState, def: ChoiceState): Outcome {
  if (state.jsonata) return executeJsonataChoice(d, thread, state, def);
  const { active } = thread;
  const effective = inputPath(d, thread, state, active.input);
  const scope = templateScope(d, thread, effective);
  const plain = (path: string): PathReadResult =>
    readPath(compilePath(path), effective, pathContext(path, scope));
  // Only a definition that assigns variables can have any to read.
  const read = d.env.workflow.usesVariables
    ? (path: string): PathReadResult => {
        const variable = compileVariablePath(path);
        return variable ? readVariablePath(variable, variableOf(d, thread, variable.name)) : plain(path);
      }
    : plain;
  let next: string | undefined;
  let assign: CompiledAssign | undefined;
  if (state.ruleAssigns === undefined && state.assign === undefined) {
    next = selectChoice(def, read);
  } else {
    const index = def.Choices.findIndex((rule) => evaluateChoiceRule(rule, read));
    next = index >= 0 ? (def.Choices[index]?.Next as string) : def.Default;
    assign = index >= 0 ? state.ruleAssigns?.[index] : state.assign;
  }
  if (next === undefined) throw noChoiceMatched(active.name);
  const assigned = assign ? evaluateAssign(d, thread, assign, effective, undefined) : undefined;
  const output = outputPath(d, thread, state, effective);
  return exit(d, thread, next, output, assigned ? assignVariables(d, thread, assigned) : undefined);
}

function executeJsonataChoice(d: Decider, thread: Thread, state: CompiledState, def: ChoiceState): Outcome {
  const { active } = thread;
  const fields = state.jsonata as NonNullable<CompiledState['jsonata']>;
  const scope = jsonataScope(d, thread, active.input, {});
  let next: string | undefined;
  let output: JsonataTemplate | undefined = fields.output;
  let assign = state.assign;
  for (let index = 0; index < fields.choices.length; index++) {
    const rule = fields.choices[index] as (typeof fields.choices)[number];
    if (evaluateCondition(rule.condition, scope)) {
      next = rule.next;
      output = rule.output;
      assign = state.ruleAssigns?.[index];
      break;
    }
  }
  next ??= def.Default;
  if (next === undefined) throw noChoiceMatched(active.name);
  const value = output ? evaluateJsonataTemplate(output, scope) : active.input;
  const assigned = assign ? evaluateAssign(d, thread, assign, null, scope) : undefined;
  return exit(d, thread, next, value, assigned ? assignVariables(d, thread, assigned) : undefined);
}

function noChoiceMatched(name: string): StatesError {
  return new StatesError(
    StatesErrors.NoChoiceMatched,
    `No Choice rule matched and there is no Default in state '${name}'`,
  );
}

function exit(
  d: Decider,
  thread: Thread,
  next: string,
  output: Json,
  assignedVariables: Readonly<Record<string, string>> | undefined,
): Outcome {
  const stateName = thread.active.name;
  if (assignedVariables) {
    d.record('ChoiceStateExited', { stateName, threadId: thread.id, output, assignedVariables });
  } else {
    d.record('ChoiceStateExited', { stateName, threadId: thread.id, output });
  }
  return { type: 'next', next, output };
}
