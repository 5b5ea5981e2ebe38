/**
 * The simulation's command line.
 *
 *   npm run sim -- --seeds 1000            seeds 1..1000
 *   npm run sim -- --seeds 500 --from 2001 seeds 2001..2500
 *   npm run sim -- --seed 1234             one seed, replayed exactly
 *   npm run sim -- --seed 1234 --trace     ... with a line per delivery
 *   npm run sim -- --seeds 1000 --memory-only   no seed on the DynamoDB store
 *
 * Every tenth seed runs on the DynamoDB execution store (dynalite, started here) instead of the
 * in-memory one. About a third run as the local runtime: queues and timers persisted to a temporary
 * disk, the whole process killed and restarted from it.
 *
 * Prints progress every 100 seeds, each failing seed with the invariant it broke and the command
 * that replays it, and as its last line `simulation: N seeds, V invariant violations`. Exits 1 when
 * V > 0 (and 2 on bad arguments), so CI can run it as is.
 */
import { createBatonTable, startDynalite } from '../../testing/dynalite-table.js';
import { onDynamoDb, runSeed, type SeedResult, type SimTables } from './simulation.js';

interface Arguments {
  readonly from: number;
  readonly count: number;
  readonly trace: boolean;
  readonly verbose: boolean;
  readonly memoryOnly: boolean;
}

const USAGE = 'usage: npm run sim -- [--seeds N] [--from K] | --seed S [--trace] [--verbose] [--memory-only]';

function parseArguments(argv: readonly string[]): Arguments {
  let seed: number | undefined;
  let seeds: number | undefined;
  let from: number | undefined;
  let trace = false;
  let verbose = false;
  let memoryOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const text = argv[++i];
      const number = Number(text);
      if (text === undefined || !Number.isSafeInteger(number) || number < 0) {
        throw new Error(`${flag} needs a non-negative integer, got ${text ?? 'nothing'}`);
      }
      return number;
    };
    switch (flag) {
      case '--seed':
        seed = value();
        break;
      case '--seeds':
        seeds = value();
        break;
      case '--from':
        from = value();
        break;
      case '--trace':
        trace = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--memory-only':
        memoryOnly = true;
        break;
      default:
        throw new Error(`unknown argument ${flag}`);
    }
  }
  if (seed !== undefined) {
    if (seeds !== undefined || from !== undefined)
      throw new Error('--seed cannot be combined with --seeds or --from');
    return { from: seed, count: 1, trace, verbose: true, memoryOnly };
  }
  return { from: from ?? 1, count: seeds ?? 100, trace, verbose, memoryOnly };
}

function describe(result: SeedResult): string {
  const statuses = Object.entries(result.statuses)
    .map(([status, count]) => `${status}=${count}`)
    .join(' ');
  return (
    `seed ${result.seed}${result.dynamodb ? ' (DynamoDB store)' : ''}` +
    `${result.localRuntime ? ' (local runtime on disk)' : ''}: intensity ${result.intensity}, ` +
    `${result.executions} executions (${statuses}), ` +
    `${result.deliveries} deliveries, ${result.orphanEffects} orphan effects, fingerprint ${result.fingerprint}`
  );
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const needsTables =
    !args.memoryOnly && Array.from({ length: args.count }, (_, i) => args.from + i).some(onDynamoDb);
  const dynamo = needsTables ? await startDynalite('sim-unused') : undefined;
  const tables: SimTables | undefined = dynamo && {
    client: dynamo.client,
    create: async (name) => {
      await createBatonTable(dynamo.client, name);
      return name;
    },
  };
  try {
    return await runSeeds(args, started, tables);
  } finally {
    await dynamo?.close();
  }
}

async function runSeeds(args: Arguments, started: number, tables: SimTables | undefined): Promise<number> {
  let onDynamo = 0;
  let asLocalRuntime = 0;
  let violations = 0;
  let failingSeeds = 0;
  const totals: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  let orphans = 0;
  for (let i = 0; i < args.count; i++) {
    const seed = args.from + i;
    let result: SeedResult;
    try {
      result = await runSeed(seed, {
        ...(args.trace ? { trace: (line: string) => console.log(`  ${line}`) } : {}),
        ...(tables ? { tables } : {}),
      });
      if (result.dynamodb) onDynamo += 1;
      if (result.localRuntime) asLocalRuntime += 1;
    } catch (error) {
      // The simulation itself must not crash: count it as a violation and show how to replay it.
      violations += 1;
      failingSeeds += 1;
      console.log(`seed ${seed}: VIOLATION simulation-crashed: ${(error as Error).stack ?? String(error)}`);
      console.log(`  replay: npm run sim -- --seed ${seed}`);
      continue;
    }
    if (args.verbose) console.log(describe(result));
    for (const [key, value] of Object.entries(result.counts)) totals[key] = (totals[key] ?? 0) + value;
    for (const [key, value] of Object.entries(result.statuses)) statuses[key] = (statuses[key] ?? 0) + value;
    orphans += result.orphanEffects;
    if (result.violations.length > 0) {
      violations += result.violations.length;
      failingSeeds += 1;
      for (const violation of result.violations) {
        const where = violation.executionId ? ` [${violation.executionId}]` : '';
        console.log(`seed ${seed}: VIOLATION ${violation.invariant}${where}: ${violation.detail}`);
      }
      console.log(`  replay: npm run sim -- --seed ${seed}`);
    }
    if ((i + 1) % 100 === 0 && i + 1 < args.count) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`progress: ${i + 1}/${args.count} seeds, ${violations} violations, ${seconds} s`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const group = (prefix: string | undefined) =>
    Object.entries(totals)
      .filter(([key]) =>
        prefix === undefined
          ? !/^(inbox|outcome|watch|payload|data limit|store|events|waits): /.test(key)
          : key.startsWith(`${prefix}: `),
      )
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${prefix === undefined ? key : key.slice(prefix.length + 2)}=${value}`)
      .join(', ');
  console.log(
    `executions: ${Object.entries(statuses)
      .map(([s, c]) => `${s}=${c}`)
      .join(', ')}`,
  );
  console.log(`inbox results: ${group('inbox')}`);
  console.log(`worker outcomes (per attempt): ${group('outcome')}`);
  console.log(`faults injected: ${group(undefined)}`);
  console.log(`large payloads: ${group('payload')}`);
  console.log(`data limits met: ${group('data limit')}; store: ${group('store')}`);
  console.log(`partner events: ${group('events')}; waits: ${group('waits')}`);
  if (totals['watch: invariant broken at commit'])
    console.log(`invariants broken as a commit landed: ${totals['watch: invariant broken at commit']}`);
  console.log(`orphan effects (a timed-out step that did its work; never compensated by design): ${orphans}`);
  console.log(`${failingSeeds} failing seeds, ${seconds} s`);
  console.log(
    `simulation: ${args.count} seeds (${onDynamo} on DynamoDB, ${asLocalRuntime} as the local runtime), ` +
      `${violations} invariant violations`,
  );
  return violations > 0 ? 1 : 0;
}

process.exitCode = await main();
