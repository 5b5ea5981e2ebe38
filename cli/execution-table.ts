/**
 * `baton list` and `baton describe` for people: executions as an aligned table, and one
 * execution as labelled lines. Pure functions; `--json` prints the API's objects instead.
 */
import type { ExecutionSummary } from '../lambdas/runtime/ports.js';
import type { ExecutionDescription } from '../local/control.js';
import { formatDuration } from '../local/api/duration.js';

/** `2026-05-04 10:11:12Z` from an ISO time (UTC, whole seconds). */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

function durationOf(summary: ExecutionSummary): string {
  if (summary.stopTime === undefined) return '';
  return formatDuration(Date.parse(summary.stopTime) - Date.parse(summary.startTime));
}

/** An aligned table, one execution a row, newest first as given. */
export function formatExecutionTable(executions: readonly ExecutionSummary[]): string {
  if (executions.length === 0) return 'No executions.';
  const header = ['EXECUTION', 'STATUS', 'STARTED', 'DURATION', 'BUSINESS KEY', 'ERROR'];
  const rows = executions.map((execution) => [
    execution.executionId,
    execution.status,
    formatTime(execution.startTime),
    durationOf(execution),
    execution.businessKey ?? '',
    execution.error ?? '',
  ]);
  return formatTable(header, rows);
}

/** Rows of cells under a header, each column as wide as its widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One execution as `Label  value` lines. */
export function formatDescription(execution: ExecutionDescription): string {
  const lines: [string, string][] = [
    ['Execution', execution.executionId],
    ['Status', execution.status],
    [
      'Workflow',
      `${execution.workflow} (version ${execution.workflowVersion}) in domain ${execution.domain}`,
    ],
    ['Started', formatTime(execution.startTime)],
  ];
  if (execution.stopTime !== undefined) {
    lines.push(['Stopped', `${formatTime(execution.stopTime)} (after ${durationOf(execution)})`]);
  }
  if (execution.businessKey !== undefined) lines.push(['Business key', execution.businessKey]);
  if (execution.redriveCount > 0) lines.push(['Redriven', `${execution.redriveCount} times`]);
  if (execution.traceId !== undefined) {
    lines.push(['X-Ray trace', `${execution.traceId} (its start; later steps' traces are linked to it)`]);
  }
  if (execution.error !== undefined) {
    lines.push(['Error', `${execution.error}${execution.cause ? `: ${execution.cause}` : ''}`]);
  }
  if (execution.parent !== undefined) {
    const { executionId, domain, integration, mapRun } = execution.parent;
    lines.push([
      'Parent',
      `${executionId}${domain !== undefined ? ` in domain ${domain}` : ''} (${integration})`,
    ]);
    if (mapRun !== undefined) lines.push(['Map Run', `${mapRun.mapRunArn} (child ${mapRun.child})`]);
  }
  for (const [index, child] of (execution.children ?? []).entries()) {
    lines.push([index === 0 ? 'Children' : '', `${child.executionId} (started by ${child.stateName})`]);
  }
  for (const [index, arn] of (execution.mapRuns ?? []).entries()) {
    lines.push([index === 0 ? 'Map Runs' : '', arn]);
  }
  if (execution.compensationFailure !== undefined) {
    const { stateName, error, cause } = execution.compensationFailure;
    lines.push(['Compensation', `undoing ${stateName} failed: ${error}: ${cause}`]);
  }
  lines.push(['Input', JSON.stringify(execution.input)]);
  if (execution.output !== undefined) lines.push(['Output', JSON.stringify(execution.output)]);
  for (const [index, [name, value]] of Object.entries(execution.variables ?? {}).entries()) {
    lines.push([index === 0 ? 'Variables' : '', `$${name} = ${JSON.stringify(value)}`]);
  }
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
