/**
 * Timing and reporting helpers shared by the suites: timed rounds of sequential executions,
 * median/min/max, number formatting and plain-text tables.
 */
import { performance } from 'node:perf_hooks';

/** How long to warm up and measure. */
export interface MeasureSettings {
  /** Warm-up time per (workflow x engine), so the JIT has optimised both before timing. */
  readonly warmupMs: number;
  /** Timed rounds per (workflow x engine). */
  readonly rounds: number;
  /** Length of one round. */
  readonly roundMs: number;
}

/**
 * Defaults: 1 s warm-up and 5 rounds of 1.5 s per (workflow x engine), about 34 s for the engine
 * suite. Overridable by BENCH_WARMUP_MS, BENCH_ROUNDS and BENCH_ROUND_MS (e.g. for a quick check).
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): MeasureSettings {
  return {
    warmupMs: positive(env['BENCH_WARMUP_MS'], 1000),
    rounds: Math.round(positive(env['BENCH_ROUNDS'], 5)),
    roundMs: positive(env['BENCH_ROUND_MS'], 1500),
  };
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? NaN : Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

/** One timed round. */
export interface Round {
  readonly executions: number;
  readonly elapsedMs: number;
  /** Executions per second. */
  readonly rate: number;
  /** The last execution's result, so a round can be spot-checked without slowing it down. */
  readonly last: unknown;
}

/**
 * Runs `execute` back to back (each awaited before the next starts, so both engines get one core
 * the same way) for at least `durationMs`, and reports the rate.
 */
export async function timedRound<T>(execute: () => Promise<T>, durationMs: number): Promise<Round> {
  let executions = 0;
  let last: T | undefined;
  const start = performance.now();
  let now = start;
  // Reading the clock costs ~50 ns against executions of several µs: cheap enough to do each time.
  while (now - start < durationMs) {
    last = await execute();
    executions += 1;
    now = performance.now();
  }
  const elapsedMs = now - start;
  return { executions, elapsedMs, rate: (executions * 1000) / elapsedMs, last };
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** Smallest and largest of a non-empty list. */
export function spread(values: readonly number[]): { readonly min: number; readonly max: number } {
  if (values.length === 0) throw new Error('spread of nothing');
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** 123456.7 -> "123,457". */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A ratio with one decimal and an "x": 10.04 -> "10.0x". */
export function formatRatio(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)}x`;
}

/** "min–max" of counts. */
export function formatRange(
  values: readonly number[],
  format: (value: number) => string = formatCount,
): string {
  const { min, max } = spread(values);
  return `${format(min)}–${format(max)}`;
}

/** How a column lines up. */
export type Align = 'left' | 'right';

/** Renders rows as a plain-text table with a header rule; numbers read best right-aligned. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return align[column] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
