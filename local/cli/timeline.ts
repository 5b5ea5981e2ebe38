/**
 * `baton history`: an execution's history as a readable timeline. Each line has the time since the
 * start, a mark (→ entered, ✓ left, ✗ failed, ↪ error caught, ↻ retry, ↩ compensation, ■ the
 * execution) and the state; a state's line when it leaves says how long it took, a retry says
 * which attempt comes and when, a compensation says what it undoes. A pure function of the events.
 */
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import { formatDuration } from '../api/duration.js';

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
    if (event.type === 'MapIterationStarted' && event.threadId !== undefined && event.index !== undefined) {
      iteration.set(event.threadId, event.index);
    }
    if (event.type === 'StateRetryScheduled') retries += 1;
    if (event.type === 'CompensationTaskSucceeded') undone += 1;
    const key = `${event.threadId ?? ''}/${event.stateName ?? ''}`;
    const text = describeEvent(event, {
      caught: failing.has(key),
      since: (from: Map<string, number>) => {
        const began = from.get(key);
        return began === undefined ? '' : `  (${formatDuration(at - began)})`;
      },
      entered,
      undoStarted,
    });
    if (event.type.endsWith('StateEntered')) entered.set(key, at);
    if (FAILURES.has(event.type)) failing.add(key);
    if (event.type.endsWith('StateEntered') || event.type === 'StateRetryScheduled') failing.delete(key);
    if (event.type === 'CompensationTaskScheduled') undoStarted.set(key, at);
    if (text === undefined) continue;
    const nested = event.threadId !== undefined && event.threadId !== 'root';
    const item = event.threadId === undefined ? undefined : iteration.get(event.threadId);
    const where = nested ? `  ${item !== undefined ? `[item ${item}] ` : ''}` : '';
    lines.push(`${`+${formatDuration(at - start)}`.padStart(12)}  ${where}${text}`);
  }
  const last = events[events.length - 1] as HistoryEvent;
  const totals = [`${events.length} events`, `${formatDuration(Date.parse(last.timestamp) - start)}`];
  if (retries > 0) totals.push(`${retries} ${retries === 1 ? 'retry' : 'retries'}`);
  if (undone > 0) totals.push(`${undone} ${undone === 1 ? 'step' : 'steps'} compensated`);
  lines.push(`${''.padStart(12)}  ${totals.join(' · ')}`);
  return lines.join('\n');
}

/** Events after which a state has failed, unless a retry follows. */
const FAILURES: ReadonlySet<string> = new Set([
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
 * A display choice, so a `default` branch rather than an exhaustive switch: new event types show
 * by their name.
 */
function describeEvent(event: HistoryEvent, clocks: Clocks): string | undefined {
  const state = event.stateName ?? '';
  const failure = event.error !== undefined ? `${event.error}${event.cause ? `: ${event.cause}` : ''}` : '';
  if (event.type === 'FailStateEntered') return `✗ ${state} (Fail)  ${failure}`.trimEnd();
  if (event.type.endsWith('StateEntered')) return `→ ${state} (${event.type.replace('StateEntered', '')})`;
  if (event.type.endsWith('StateExited')) {
    return clocks.caught
      ? `↪ ${state}: error caught${clocks.since(clocks.entered)}`
      : `✓ ${state}${clocks.since(clocks.entered)}`;
  }
  switch (event.type) {
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
      return event.attempt !== undefined && event.attempt > 1
        ? `  ${state}: attempt ${event.attempt} → ${event.resource ?? ''}`
        : undefined;
    case 'TaskFailed':
    case 'TaskTimedOut':
    case 'ParallelStateFailed':
    case 'MapStateFailed':
    case 'MapIterationFailed':
      return `✗ ${state} ${event.type === 'TaskTimedOut' ? 'timed out' : 'failed'}  ${failure}`.trimEnd();
    case 'StateRetryScheduled':
      return `↻ ${state}: retry, attempt ${event.attempt ?? '?'} in ${formatDuration(event.delayMs ?? 0)} (after ${event.error ?? 'an error'})`;
    case 'TaskStateAborted':
    case 'WaitStateAborted':
    case 'ParallelStateAborted':
    case 'MapStateAborted':
    case 'MapIterationAborted':
      return `■ ${state} aborted`;
    case 'CompensationStarted':
      return `↩ Compensation started  ${failure ? `(after ${failure})` : ''}`.trimEnd();
    case 'CompensationTaskScheduled':
      return `↩ Undoing ${state} with ${event.resource ?? '?'}${event.attempt !== undefined && event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'CompensationTaskSucceeded':
      return `↩ ✓ Undid ${state}${clocks.since(clocks.undoStarted)}`;
    case 'CompensationTaskFailed':
    case 'CompensationTaskTimedOut':
      return `↩ ✗ Undoing ${state} ${event.type === 'CompensationTaskTimedOut' ? 'timed out' : 'failed'}  ${failure}`.trimEnd();
    case 'CompensationSucceeded':
      return '↩ Compensation succeeded';
    case 'CompensationFailed':
      return `↩ ✗ Compensation failed  ${failure}`.trimEnd();
    case 'TaskSucceeded':
    case 'ParallelStateStarted':
    case 'ParallelStateSucceeded':
    case 'MapStateStarted':
    case 'MapStateSucceeded':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
      return undefined;
    default:
      return `${event.type} ${state}`.trimEnd();
  }
}
