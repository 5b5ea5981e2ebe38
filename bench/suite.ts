/**
 * What a benchmark suite is. Each suite lives in its own module and is listed in `suites.ts`;
 * `npm run bench -- <name>` runs one, `npm run bench` runs them all.
 */
import type { MeasureSettings } from './measure.js';

/** What a suite is given to run. */
export interface SuiteContext {
  readonly settings: MeasureSettings;
  /** Prints one line of the report. */
  readonly log: (line?: string) => void;
}

/** A named group of benchmarks. */
export interface Suite {
  /** The name given on the command line, e.g. `engine`. */
  readonly name: string;
  /** One line for the list of suites. */
  readonly description: string;
  /**
   * Runs the suite and prints its report. Rejects (with a message saying which engine and what)
   * when an engine produced a wrong result; missed performance goals are reported, not thrown.
   */
  readonly run: (context: SuiteContext) => Promise<void>;
}
