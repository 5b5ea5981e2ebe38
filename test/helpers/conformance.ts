/**
 * Helpers for the AWS conformance tests (test/unit/engine/conformance/): small utilities to build
 * task functions and to read timings out of an execution's history.
 */
import {
  eventStateName,
  isStateEntered,
  type HistoryEvent,
  type HistoryEventType,
  type Json,
  type TaskContext,
} from '../../lambdas/index.js';

/** Waits `ms` real milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise that never settles: a task that never answers. */
export function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** An Error whose `name` is the ASL error name (what a failing Lambda function reports). */
export function namedError(name: string, message = `${name} was thrown`): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A task function that records the input of every call and answers with `answer`. */
export interface RecordingTask {
  (input: Json, context: TaskContext): unknown;
  readonly inputs: Json[];
  readonly contexts: TaskContext[];
}

export function recordingTask(
  answer: (input: Json, context: TaskContext) => unknown = (input) => input,
): RecordingTask {
  const inputs: Json[] = [];
  const contexts: TaskContext[] = [];
  const task = (input: Json, context: TaskContext): unknown => {
    inputs.push(input);
    contexts.push(context);
    return answer(input, context);
  };
  return Object.assign(task, { inputs, contexts });
}

/**
 * A task function whose n-th call fails with the n-th error name of `script` (or answers with
 * `result` where the script has `null`), and answers with `result` once the script is used up.
 */
export function failingTask(script: readonly (string | null)[], result: unknown = 'done'): RecordingTask {
  let call = 0;
  return recordingTask(() => {
    const name = script[call];
    call += 1;
    if (typeof name === 'string') throw namedError(name, `attempt ${call} failed with ${name}`);
    return result;
  });
}

/** Epoch milliseconds of the history events of `type` (for `stateName` when given), in order. */
export function eventTimes(
  history: readonly HistoryEvent[],
  type: HistoryEventType,
  stateName?: string,
): number[] {
  return history
    .filter(
      (event) => event.type === type && (stateName === undefined || eventStateName(event) === stateName),
    )
    .map((event) => Date.parse(event.timestamp));
}

/** The differences between consecutive times, in milliseconds. */
export function gaps(times: readonly number[]): number[] {
  const result: number[] = [];
  for (let i = 1; i < times.length; i++) result.push((times[i] as number) - (times[i - 1] as number));
  return result;
}

/**
 * The waits between the attempts of a Task state, in seconds, as the engine decided them (the
 * `delayMs` of its StateRetryScheduled events), after checking that no retry started before its
 * wait was over. Read from the decisions rather than from the timestamps: while task functions run
 * the virtual clock moves with real time, so timestamp gaps vary with the machine's load.
 */
export function retryWaitsSeconds(history: readonly HistoryEvent[], stateName: string): number[] {
  const delays = history.flatMap((event) =>
    event.type === 'StateRetryScheduled' && event.stateName === stateName ? [event.delayMs] : [],
  );
  const scheduledGaps = gaps(eventTimes(history, 'TaskScheduled', stateName));
  if (scheduledGaps.length !== delays.length) {
    throw new Error(`${delays.length} retries scheduled but ${scheduledGaps.length + 1} attempts made`);
  }
  scheduledGaps.forEach((gap, i) => {
    if (gap < (delays[i] as number)) {
      throw new Error(
        `attempt ${i + 2} started ${gap} ms after the previous, before its ${delays[i]} ms wait`,
      );
    }
  });
  return delays.map((ms) => ms / 1000);
}

/** The names of the states entered, in order (all threads interleaved). */
export function enteredStates(history: readonly HistoryEvent[]): string[] {
  return history.filter(isStateEntered).map((event) => event.stateName);
}
