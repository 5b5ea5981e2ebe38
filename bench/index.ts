/**
 * `npm run bench [-- <suite>]`: runs one benchmark suite by name, or all of them.
 *
 * Exit codes: 0 when every suite ran (performance goals are information, not assertions);
 * 1 when an engine produced a wrong result or a suite crashed; 2 for an unknown suite name.
 */
// First: installs Promise.withResolvers on Node 20 before any engine module is evaluated.
import { withResolversPolyfilled } from './polyfill.js';
import { cpus } from 'node:os';
import { settingsFromEnv } from './measure.js';
import { suites } from './suites.js';
import type { Suite } from './suite.js';

function usage(): string {
  const width = Math.max(...suites.map((suite) => suite.name.length));
  return [
    'usage: npm run bench [-- <suite>]   (no suite: run them all)',
    'suites:',
    ...suites.map((suite) => `  ${suite.name.padEnd(width)}  ${suite.description}`),
    'environment: BENCH_WARMUP_MS, BENCH_ROUNDS, BENCH_ROUND_MS override the timing (see bench/README.md)',
  ].join('\n');
}

/** Picks the suites named by the arguments; undefined when the name is unknown. */
function select(args: readonly string[]): readonly Suite[] | undefined {
  const name = args[0];
  if (name === undefined) return suites;
  const suite = suites.find((candidate) => candidate.name === name);
  return suite ? [suite] : undefined;
}

async function main(args: readonly string[]): Promise<number> {
  if (args[0] === '-h' || args[0] === '--help') {
    console.log(usage());
    return 0;
  }
  const selected = select(args);
  if (!selected) {
    console.error(`unknown suite '${args[0] ?? ''}'\n${usage()}`);
    return 2;
  }
  const settings = settingsFromEnv();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`baton bench: ${selected.map((suite) => suite.name).join(', ')}`);
  console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${cpu}`);
  if (withResolversPolyfilled) {
    console.log('Promise.withResolvers polyfilled (missing on this Node; aws-local-stepfunctions needs it)');
  }
  for (const suite of selected) {
    console.log();
    try {
      await suite.run({ settings, log: (line = '') => console.log(line) });
    } catch (error) {
      // Loud on purpose: a wrong result makes every figure above meaningless.
      console.error(
        `\nFAILED: suite '${suite.name}': ${error instanceof Error ? error.message : String(error)}`,
      );
      return 1;
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
