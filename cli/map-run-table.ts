/**
 * `baton map-runs` and `baton map-run` for people: an execution's Map Runs as an aligned table,
 * and one Map Run as labelled lines with its counts by status and its first children. Pure
 * functions; `--json` prints the API's objects instead.
 */
import type { MapRunCountsByStatus, MapRunDescription, MapRunListEntry } from '../local/control.js';
import { formatTable, formatTime } from './execution-table.js';

/** `4/10 succeeded, 1 failed, 2 running, 3 pending`: the total, then each status that has any. */
export function formatCounts(counts: MapRunCountsByStatus): string {
  const parts = [`${counts.succeeded}/${counts.total} succeeded`];
  const others: [number, string][] = [
    [counts.failed, 'failed'],
    [counts.timedOut, 'timed out'],
    [counts.aborted, 'aborted'],
    [counts.running, 'running'],
    [counts.pending, 'pending'],
  ];
  for (const [count, label] of others) if (count > 0) parts.push(`${count} ${label}`);
  return parts.join(', ');
}

/** One Map Run a row: its label, state, status, items by status, start. */
export function formatMapRunTable(mapRuns: readonly MapRunListEntry[]): string {
  if (mapRuns.length === 0) return 'No Map Runs.';
  const header = ['LABEL', 'STATE', 'STATUS', 'ITEMS', 'STARTED', 'MAP RUN'];
  const rows = mapRuns.map((run) => [
    run.label,
    run.stateName,
    run.status ?? '(record not kept)',
    run.itemCounts ? formatCounts(run.itemCounts) : '',
    formatTime(run.startDate),
    run.mapRunArn,
  ]);
  return formatTable(header, rows);
}

/** One Map Run as `Label  value` lines, then its children as a table. */
export function formatMapRun(run: MapRunDescription): string {
  const lines: [string, string][] = [
    ['Map Run', run.mapRunArn],
    ['Status', `${run.status}${run.error ? `  ${run.error}${run.cause ? `: ${run.cause}` : ''}` : ''}`],
    ['Execution', `${run.executionId} (state ${run.stateName}, label ${run.label})`],
    [
      'Children',
      `${run.executionType}${run.executionType === 'STANDARD' ? ` (workflow ${run.childWorkflow})` : ''}`,
    ],
    ['Started', formatTime(run.startDate)],
  ];
  if (run.stopDate !== undefined) lines.push(['Stopped', formatTime(run.stopDate)]);
  lines.push(['Max concurrency', run.maxConcurrency === 0 ? 'no limit' : String(run.maxConcurrency)]);
  lines.push([
    'Tolerated',
    `${run.toleratedFailureCount} failed items, ${run.toleratedFailurePercentage}% of the items`,
  ]);
  lines.push(['Items', formatCounts(run.itemCounts)]);
  lines.push(['Executions', formatCounts(run.executionCounts)]);
  if (run.redriveCount > 0) lines.push(['Redriven', `${run.redriveCount} times`]);
  if (run.resultWriterDetails !== undefined) {
    lines.push(['Results', `s3://${run.resultWriterDetails.bucket}/${run.resultWriterDetails.key}`]);
  }
  const width = Math.max(...lines.map(([label]) => label.length));
  const text = lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
  if (run.children.length === 0) return text;
  const children = formatTable(
    ['CHILD', 'STATUS', 'ITEMS', 'EXECUTION', 'ERROR'],
    run.children.map((child) => [
      String(child.child),
      child.status,
      child.firstItem !== undefined && child.items !== undefined
        ? child.items === 1
          ? String(child.firstItem)
          : `${child.firstItem}-${child.firstItem + child.items - 1}`
        : '',
      child.executionId ?? child.name,
      child.error !== undefined ? `${child.error}${child.cause ? `: ${child.cause}` : ''}` : '',
    ]),
  );
  const shown =
    run.children.length < run.executionCounts.total
      ? `\n(the first ${run.children.length} children of ${run.executionCounts.total})`
      : '';
  return `${text}\n\n${children}${shown}`;
}
