/**
 * Map: runs its ItemProcessor once per item of the array ItemsPath selects, as child threads,
 * at most MaxConcurrency at a time (0: all at once), starting the next item as one ends;
 * succeeds with the results in item order, fails (aborting the others) as soon as an iteration
 * fails.
 */
import type { CompiledState } from '../compile.js';
import type { MapState } from '../definition.js';
import { QueryEvaluationError, StatesRuntimeError } from '../errors.js';
import { errorDetails, type BranchesPoint, type Thread, type Waiting } from '../execution.js';
import type { Json, JsonObject } from '../json.js';
import { truncate } from '../json-path.js';
import { evaluateTemplate } from '../payload-template.js';
import { evaluateJsonataTemplate } from '../jsonata/query.js';
import {
  completeWithResult,
  inputPath,
  jsonataInteger,
  jsonataScope,
  readRequired,
  templateScope,
} from './data-flow.js';
import type { Decider } from './decider.js';
import { resumeThread } from './redrive-point.js';
import { isDistributedMap } from '../distributed-map.js';
import { SUSPENDED, type Outcome } from './outcome.js';

type MapWaiting = Extract<Waiting, { type: 'Map' }>;

/**
 * Runs a Map state: reads the items, evaluates each item's input and starts the first iterations.
 * Redriven, it starts only the iterations that had not succeeded (those that stood somewhere first,
 * where they stood), with the outputs of the others in place.
 */
export function executeMap(d: Decider, thread: Thread, state: CompiledState, def: MapState): Outcome {
  if (isDistributedMap(def)) {
    const execute = d.env.workflow.distributedMap;
    if (!execute) {
      throw new StatesRuntimeError(
        `Map state '${state.name}' is a Distributed Map, which this workflow was compiled without`,
      );
    }
    return execute.execute(d, thread, state, def);
  }
  const resume = d.takeResume(thread, 'Map');
  if (resume) return resumeMap(d, thread, state, resume);
  if (state.jsonata) return executeJsonataMap(d, thread, state);
  const effective = inputPath(d, thread, state, thread.active.input);
  const items =
    def.ItemsPath !== undefined ? readRequired(d, thread, def.ItemsPath, effective, 'ItemsPath') : effective;
  if (!Array.isArray(items)) {
    throw new StatesRuntimeError(
      `The ItemsPath '${def.ItemsPath ?? '$'}' of Map state '${state.name}' must select an array, got ${truncate(JSON.stringify(items))}`,
    );
  }
  let maxConcurrency = def.MaxConcurrency ?? 0;
  if (def.MaxConcurrencyPath !== undefined) {
    const value = readRequired(d, thread, def.MaxConcurrencyPath, effective, 'MaxConcurrencyPath');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new StatesRuntimeError(
        `The MaxConcurrencyPath '${def.MaxConcurrencyPath}' of Map state '${state.name}' must select a non-negative integer, got ${truncate(JSON.stringify(value))}`,
      );
    }
    maxConcurrency = value;
  }
  const baseScope = templateScope(d, thread, effective);
  const itemInputs = state.parameters
    ? items.map((value, index) =>
        evaluateTemplate(state.parameters as NonNullable<CompiledState['parameters']>, {
          ...baseScope,
          context: () => ({
            ...(baseScope.context() as JsonObject),
            Map: { Item: { Index: index, Value: value, Source: 'STATE_DATA' } },
          }),
        }),
      )
    : items;
  return startMap(d, thread, state, items, itemInputs, maxConcurrency);
}

/**
 * Runs a JSONata Map state: Items (an array, or an expression giving one; the state input by
 * default), ItemSelector with `$states.context.Map.Item`, and MaxConcurrency, all evaluated.
 */
function executeJsonataMap(d: Decider, thread: Thread, state: CompiledState): Outcome {
  const fields = state.jsonata as NonNullable<CompiledState['jsonata']>;
  const input = thread.active.input;
  const scope = jsonataScope(d, thread, input, {});
  const items = fields.items ? evaluateJsonataTemplate(fields.items, scope) : input;
  if (!Array.isArray(items)) {
    throw new QueryEvaluationError(
      `The value of the field 'Items' of Map state '${state.name}' must be an array, got ${truncate(JSON.stringify(items))}`,
    );
  }
  const maxConcurrency = fields.maxConcurrency
    ? jsonataInteger(fields.maxConcurrency, scope, 'MaxConcurrency', 0)
    : 0;
  const selector = fields.itemSelector;
  const itemInputs = selector
    ? items.map((value, index) =>
        evaluateJsonataTemplate(
          selector,
          jsonataScope(d, thread, input, {
            context: (base) => ({
              ...base,
              Map: { Item: { Index: index, Value: value, Source: 'STATE_DATA' } },
            }),
          }),
        ),
      )
    : items;
  return startMap(d, thread, state, items, itemInputs, maxConcurrency);
}

function startMap(
  d: Decider,
  thread: Thread,
  state: CompiledState,
  items: readonly Json[],
  itemInputs: readonly Json[],
  maxConcurrency: number,
): Outcome {
  d.record('MapStateStarted', { stateName: state.name, threadId: thread.id });
  if (items.length === 0) {
    d.record('MapStateSucceeded', { stateName: state.name, threadId: thread.id });
    return d.attempt(() => completeWithResult(d, thread, state, []));
  }
  const results = new Array<Json | undefined>(items.length);
  d.own(results);
  const first = maxConcurrency === 0 ? items.length : Math.min(maxConcurrency, items.length);
  // A run of the state (again, for a Retry) forgets what an earlier failed run had done.
  const { unfinished: _forgotten, ...active } = thread.active;
  d.setActive(thread, {
    ...active,
    waiting: {
      type: 'Map',
      items: [],
      itemInputs,
      nextIndex: first,
      running: first,
      maxConcurrency,
      results,
      remaining: items.length,
    },
  });
  for (let index = 0; index < first; index++)
    startIteration(d, thread.id, state, index, itemInputs[index] as Json);
  return SUSPENDED;
}

/**
 * Iteration `child` ended with `output`: its result takes its slot, the next items start as
 * MaxConcurrency allows, and the state completes when it was the last one.
 */
export function onIterationSucceeded(
  d: Decider,
  parent: Thread,
  waiting: MapWaiting,
  child: Thread,
  output: Json,
): void {
  const state = d.state(parent.scope, parent.active.name);
  const index = (child.parent as NonNullable<Thread['parent']>).index;
  const results = d.ownedCopy(waiting.results);
  results[index] = output;
  d.record('MapIterationSucceeded', { stateName: state.name, threadId: child.id, index });
  const remaining = waiting.remaining - 1;
  let { nextIndex, running } = waiting;
  running -= 1;
  const starts: number[] = [];
  const queue = [...(waiting.queue ?? [])];
  while (
    (queue.length > 0 || nextIndex < waiting.itemInputs.length) &&
    (waiting.maxConcurrency === 0 || running < waiting.maxConcurrency)
  ) {
    if (queue.length > 0) starts.push(queue.shift() as number);
    else starts.push(nextIndex++);
    running += 1;
  }
  d.setActive(parent, {
    ...parent.active,
    waiting: {
      ...waiting,
      results,
      remaining,
      nextIndex,
      running,
      ...(waiting.queue ? { queue } : {}),
    },
  });
  for (const start of starts) startIteration(d, parent.id, state, start, waiting.itemInputs[start] as Json);
  if (remaining === 0) {
    d.record('MapStateSucceeded', { stateName: state.name, threadId: parent.id });
    const current = d.threads[parent.id] as Thread;
    d.enqueue(
      parent.id,
      d.attempt(() => completeWithResult(d, current, state, results as Json[])),
    );
  }
}

/** Iteration `child` failed with an error it did not handle: the Map state fails with it. */
export function onIterationFailed(
  d: Decider,
  parent: Thread,
  child: Thread,
  error: string | undefined,
  cause: string | undefined,
): void {
  const stateName = parent.active.name;
  const index = (child.parent as NonNullable<Thread['parent']>).index;
  d.record('MapIterationFailed', { stateName, threadId: child.id, index, ...errorDetails(error, cause) });
  d.record('MapStateFailed', { stateName, threadId: parent.id, ...errorDetails(error, cause) });
}

/** The Map state is aborted (its iterations are aborted by the thread driver). */
export function abortMap(d: Decider, thread: Thread): void {
  d.record('MapStateAborted', { stateName: thread.active.name, threadId: thread.id });
}

/** Iteration `index`, the thread `child`, is aborted with its Map state. */
export function abortMapIteration(d: Decider, child: Thread, index: number): void {
  d.record('MapIterationAborted', { stateName: child.active.name, threadId: child.id, index });
}

function startIteration(
  d: Decider,
  parentId: string,
  state: CompiledState,
  index: number,
  input: Json,
): void {
  const childId = d.nextId();
  const scopeKey = state.processor as string;
  d.record('MapIterationStarted', { stateName: state.name, threadId: childId, index });
  d.enqueue(
    childId,
    d.enterState(childId, scopeKey, { threadId: parentId, index }, d.scope(scopeKey).startAt, input),
  );
}

/** A redriven Map: the iterations that had not succeeded run again, the others keep their outputs. */
function resumeMap(d: Decider, thread: Thread, state: CompiledState, resume: BranchesPoint): Outcome {
  const itemInputs = resume.itemInputs ?? [];
  const maxConcurrency = resume.maxConcurrency ?? 0;
  const results = new Array<Json | undefined>(itemInputs.length);
  resume.succeeded.forEach((index, k) => (results[index] = resume.results[k] ?? null));
  d.own(results);
  const succeeded = new Set(resume.succeeded);
  // Those that had started first, where they stood; then those that had not, in item order.
  const stood = Object.keys(resume.resume)
    .map(Number)
    .sort((a, b) => a - b);
  const fresh: number[] = [];
  for (let index = 0; index < itemInputs.length; index++) {
    if (!succeeded.has(index) && resume.resume[index] === undefined) fresh.push(index);
  }
  const order = [...stood, ...fresh];
  const first = maxConcurrency === 0 ? order.length : Math.min(maxConcurrency, order.length);
  const { unfinished: _forgotten, ...active } = thread.active;
  d.setActive(thread, {
    ...active,
    waiting: {
      type: 'Map',
      items: [],
      itemInputs,
      nextIndex: itemInputs.length,
      queue: order.slice(first),
      running: first,
      maxConcurrency,
      results,
      remaining: itemInputs.length - succeeded.size,
    },
  });
  d.record('MapStateStarted', { stateName: state.name, threadId: thread.id });
  for (const index of order.slice(0, first)) {
    const at = resume.resume[index];
    if (!at) {
      startIteration(d, thread.id, state, index, itemInputs[index] as Json);
      continue;
    }
    const childId = d.nextId();
    const scopeKey = state.processor as string;
    d.record('MapIterationStarted', { stateName: state.name, threadId: childId, index });
    resumeThread(d, childId, at);
    d.enqueue(
      childId,
      d.enterState(childId, scopeKey, { threadId: thread.id, index }, at.stateName, at.input),
    );
  }
  return SUSPENDED;
}
