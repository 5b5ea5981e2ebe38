/**
 * `baton history`: an execution's history as a readable timeline. Each line has the time since the
 * start, a mark (→ entered, ✓ left, ✗ failed, ↪ error caught, ↻ retry, ↩ compensation, ■ the
 * execution) and the state; a state's line when it leaves says how long it took, a retry says
 * which attempt comes and when, a compensation says what it undoes; the variables a state assigned
 * (`Assign`) follow its line, one `$name = value` a line. A pure function of the events.
 */
import {
  eventCause,
  eventError,
  eventStateName,
  eventThreadId,
  isStateEntered,
  type HistoryEvent,
  type HistoryEventType,
} from '../lambdas/engine/execution.js';
import { formatDuration } from '../local/api/duration.js';

/** The timeline's lines, without a trailing newline. */
export function formatTimeline(events: readonly HistoryEvent[]): string {
  const first = events[0];
  if (!first) return '(no history)';
  const start = Date.parse(first.timestamp);
  const entered = new Map<string, number>();
  const undoStarted = new Map<string, number>();
  const iteration = new Map<string, number>();
  /** States whose last attempt failed: leaving one means a Catch took the error. */
  const failing = new Set<string>();
  let retries = 0;
  let undone = 0;
  const lines: string[] = [];
  for (const event of events) {
    const at = Date.parse(event.timestamp);
    const threadId = eventThreadId(event);
    if (event.type === 'MapIterationStarted') iteration.set(event.threadId, event.index);
    if (event.type === 'StateRetryScheduled') retries += 1;
    if (event.type === 'CompensationTaskSucceeded') undone += 1;
    const key = `${threadId ?? ''}/${eventStateName(event) ?? ''}`;
    const text = describeEvent(event, {
      caught: failing.has(key),
      since: (from: Map<string, number>) => {
        const began = from.get(key);
        return began === undefined ? '' : `  (${formatDuration(at - began)})`;
      },
      entered,
      undoStarted,
    });
    if (isStateEntered(event)) entered.set(key, at);
    if (FAILURES.has(event.type)) failing.add(key);
    if (isStateEntered(event) || event.type === 'StateRetryScheduled') failing.delete(key);
    if (event.type === 'CompensationTaskScheduled') undoStarted.set(key, at);
    if (text === undefined) continue;
    const nested = threadId !== undefined && threadId !== 'root';
    const item = threadId === undefined ? undefined : iteration.get(threadId);
    const where = nested ? `  ${item !== undefined ? `[item ${item}] ` : ''}` : '';
    lines.push(`${`+${formatDuration(at - start)}`.padStart(12)}  ${where}${text}`);
    // Under the state's name, indented a little further than it.
    const indent = ''.padStart(12 + 2 + where.length + 4);
    for (const assigned of assignedVariableLines(event)) lines.push(`${indent}${assigned}`);
  }
  const last = events[events.length - 1] as HistoryEvent;
  const totals = [`${events.length} events`, `${formatDuration(Date.parse(last.timestamp) - start)}`];
  if (retries > 0) totals.push(`${retries} ${retries === 1 ? 'retry' : 'retries'}`);
  if (undone > 0) totals.push(`${undone} ${undone === 1 ? 'step' : 'steps'} compensated`);
  lines.push(`${''.padStart(12)}  ${totals.join(' · ')}`);
  return lines.join('\n');
}

/** Longest value text of an assigned variable shown in full; a longer one is cut with `…`. */
export const MAX_VARIABLE_TEXT = 80;

/**
 * `$name = value` for each variable a state's exit assigned, in the order the event lists them.
 * The values are the JSON texts the event carries (as Step Functions reports them).
 */
function assignedVariableLines(event: HistoryEvent): string[] {
  const assigned = 'assignedVariables' in event ? event.assignedVariables : undefined;
  if (assigned === undefined) return [];
  return Object.entries(assigned).map(([name, text]) => {
    const shown = text.length > MAX_VARIABLE_TEXT ? `${text.slice(0, MAX_VARIABLE_TEXT - 1)}…` : text;
    return `$${name} = ${shown}`;
  });
}

/** Events after which a state has failed, unless a retry follows. */
const FAILURES: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'TaskFailed',
  'TaskTimedOut',
  'ParallelStateFailed',
  'MapStateFailed',
]);

interface Clocks {
  /** The state's last attempt failed (so leaving it is a Catch). */
  readonly caught: boolean;
  /** `  (<duration>)` since the moment `from` recorded for this event's thread and state, or ''. */
  since(from: Map<string, number>): string;
  readonly entered: Map<string, number>;
  readonly undoStarted: Map<string, number>;
}

/**
 * One event's text, or undefined for events the neighbouring lines already tell (a task scheduled
 * for its first attempt, a task result followed by the state's exit, a Map iteration starting).
 * The switch is exhaustive, so a new event type is given its line here; a type this build does not
 * know (history from a newer server) shows by its name.
 */
function describeEvent(event: HistoryEvent, clocks: Clocks): string | undefined {
  const state = eventStateName(event) ?? '';
  const error = eventError(event);
  const cause = eventCause(event);
  const failure = error !== undefined ? `${error}${cause ? `: ${cause}` : ''}` : '';
  switch (event.type) {
    case 'FailStateEntered':
      return `✗ ${state} (Fail)  ${failure}`.trimEnd();
    case 'TaskStateEntered':
    case 'PassStateEntered':
    case 'ChoiceStateEntered':
    case 'WaitStateEntered':
    case 'ParallelStateEntered':
    case 'MapStateEntered':
    case 'SucceedStateEntered':
      return `→ ${state} (${event.type.replace('StateEntered', '')})`;
    case 'TaskStateExited':
    case 'PassStateExited':
    case 'ChoiceStateExited':
    case 'WaitStateExited':
    case 'ParallelStateExited':
    case 'MapStateExited':
    case 'SucceedStateExited':
      return clocks.caught
        ? `↪ ${state}: error caught${clocks.since(clocks.entered)}`
        : `✓ ${state}${clocks.since(clocks.entered)}`;
    case 'ExecutionStarted':
      return '■ Execution started';
    case 'ExecutionSucceeded':
      return '■ Execution succeeded';
    case 'ExecutionFailed':
      return `■ Execution failed  ${failure}`.trimEnd();
    case 'ExecutionTimedOut':
      return `■ Execution timed out  ${failure}`.trimEnd();
    case 'ExecutionAborted':
      return `■ Execution stopped  ${failure}`.trimEnd();
    case 'ExecutionRedriven':
      return '■ Execution redriven';
    case 'TaskScheduled':
      return event.attempt > 1 ? `  ${state}: attempt ${event.attempt} → ${event.resource}` : undefined;
    case 'TaskFailed':
    case 'TaskTimedOut':
    case 'ParallelStateFailed':
    case 'MapStateFailed':
    case 'MapIterationFailed':
      return `✗ ${state} ${event.type === 'TaskTimedOut' ? 'timed out' : 'failed'}  ${failure}`.trimEnd();
    case 'EvaluationFailed':
      return `✗ ${state}: the expression of ${event.location} failed  ${failure}`.trimEnd();
    case 'StateRetryScheduled':
      return `↻ ${state}: retry, attempt ${event.attempt} in ${formatDuration(event.delayMs)} (after ${event.error ?? 'an error with no name'})`;
    case 'TaskStateAborted':
    case 'WaitStateAborted':
    case 'ParallelStateAborted':
    case 'MapStateAborted':
    case 'MapIterationAborted':
      return `■ ${state} aborted`;
    case 'CompensationStarted':
      return `↩ Compensation started  ${failure ? `(after ${failure})` : ''}`.trimEnd();
    case 'CompensationTaskScheduled':
      return `↩ Undoing ${state} with ${event.resource}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'CompensationTaskSucceeded':
      return `↩ ✓ Undid ${state}${clocks.since(clocks.undoStarted)}`;
    case 'CompensationTaskFailed':
    case 'CompensationTaskTimedOut':
      return `↩ ✗ Undoing ${state} ${event.type === 'CompensationTaskTimedOut' ? 'timed out' : 'failed'}  ${failure}`.trimEnd();
    case 'CompensationSucceeded':
      return '↩ Compensation succeeded';
    case 'CompensationFailed':
      return `↩ ✗ Compensation failed  ${failure}`.trimEnd();
    case 'TaskSubmitted':
      return submittedLine(state, event.output);
    case 'MapRunStarted':
      return `  ${state}: Map Run ${event.mapRunArn ?? ''}`.trimEnd();
    case 'MapRunFailed':
      return `✗ ${state}: Map Run failed  ${failure}`.trimEnd();
    case 'MapRunAborted':
      return `■ ${state}: Map Run aborted`;
    case 'MapRunSucceeded':
      return undefined;
    case 'TaskSucceeded':
    case 'ParallelStateStarted':
    case 'ParallelStateSucceeded':
    case 'MapStateStarted':
    case 'MapStateSucceeded':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
      return undefined;
  }
  const unknown: never = event;
  return `${(unknown as HistoryEvent).type} ${state}`.trimEnd();
}

/** A task its target took: a child execution shows its ARN, anything else says it was submitted. */
function submittedLine(state: string, output: unknown): string {
  const arn =
    typeof output === 'object' && output !== null && !Array.isArray(output)
      ? (output as Record<string, unknown>).ExecutionArn
      : undefined;
  return typeof arn === 'string' ? `  ${state}: started child ${arn}` : `  ${state}: submitted`;
}
