/**
 * Wait: holds its thread for Seconds, until Timestamp, or for/until a value read from the input
 * (SecondsPath, TimestampPath), on a timer; a time already past continues at once.
 */
import { parseTimestamp } from '../choice.js';
import type { CompiledState } from '../compile.js';
import type { WaitState } from '../definition.js';
import { QueryEvaluationError, StatesRuntimeError } from '../errors.js';
import type { Thread, Waiting } from '../execution.js';
import { truncate } from '../json-path.js';
import type { JsonataTemplate } from '../jsonata/query.js';
import {
  completeJsonata,
  evaluateAssign,
  exitState,
  inputPath,
  jsonataInteger,
  jsonataScope,
  jsonataString,
  outputPath,
  readRequired,
} from './data-flow.js';
import { cancelTimer, scheduleTimer } from './deadlines.js';
import type { Decider } from './decider.js';
import { SUSPENDED, type Outcome } from './outcome.js';

/** Runs a Wait state: continues now, or sets the timer that ends the wait. */
export function executeWait(d: Decider, thread: Thread, state: CompiledState, def: WaitState): Outcome {
  const now = d.env.now;
  const effective = inputPath(d, thread, state, thread.active.input);
  let until: number;
  const fields = state.jsonata;
  if (fields) {
    const scope = jsonataScope(d, thread, thread.active.input, {});
    if (fields.seconds) until = now + jsonataInteger(fields.seconds, scope, 'Seconds', 0) * 1000;
    else {
      const value = jsonataString(fields.timestamp as JsonataTemplate, scope, 'Timestamp');
      const parsed = parseTimestamp(value);
      if (parsed === undefined) {
        throw new QueryEvaluationError(
          `The value of the field 'Timestamp' must be an RFC 3339 timestamp, got ${truncate(JSON.stringify(value))}`,
        );
      }
      until = parsed;
    }
  } else if (def.Seconds !== undefined) until = now + def.Seconds * 1000;
  else if (def.Timestamp !== undefined) until = parseTimestamp(def.Timestamp) ?? now;
  else if (def.SecondsPath !== undefined) {
    const value = readRequired(d, thread, def.SecondsPath, effective, 'SecondsPath');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new StatesRuntimeError(
        `The SecondsPath '${def.SecondsPath}' of state '${state.name}' must select a non-negative integer, got ${truncate(JSON.stringify(value))}`,
      );
    }
    until = now + value * 1000;
  } else {
    const path = def.TimestampPath as string;
    const value = readRequired(d, thread, path, effective, 'TimestampPath');
    const parsed = typeof value === 'string' ? parseTimestamp(value) : undefined;
    if (parsed === undefined) {
      throw new StatesRuntimeError(
        `The TimestampPath '${path}' of state '${state.name}' must select an RFC 3339 timestamp, got ${truncate(JSON.stringify(value))}`,
      );
    }
    until = parsed;
  }
  if (until <= now) return finishWait(d, thread);
  const timerId = scheduleTimer(
    d,
    { type: 'wait', threadId: thread.id, entryId: thread.active.entryId },
    until,
  );
  d.setActive(thread, { ...thread.active, waiting: { type: 'Wait', timerId } });
  return SUSPENDED;
}

/** The wait's timer fired: the state exits (a stale timer changes nothing). */
export function onWaitTimer(
  d: Decider,
  thread: Thread,
  waiting: Extract<Waiting, { type: 'Wait' }>,
  timerId: string,
): void {
  if (waiting.timerId !== timerId) return;
  d.enqueue(
    thread.id,
    d.attempt(() => finishWait(d, thread)),
  );
}

/** The thread is aborted while waiting: the timer is cancelled. */
export function abortWait(d: Decider, thread: Thread, waiting: Extract<Waiting, { type: 'Wait' }>): void {
  cancelTimer(d, waiting.timerId);
  d.record('WaitStateAborted', { stateName: thread.active.name, threadId: thread.id });
}

function finishWait(d: Decider, thread: Thread): Outcome {
  const state = d.state(thread.scope, thread.active.name);
  if (state.jsonata) return completeJsonata(d, thread, state, {}, thread.active.input);
  const effective = inputPath(d, thread, state, thread.active.input);
  const assigned = state.assign ? evaluateAssign(d, thread, state.assign, effective, undefined) : undefined;
  return exitState(d, thread, state, outputPath(d, thread, state, effective), assigned);
}
