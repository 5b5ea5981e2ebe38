/**
 * `npm run bench -- bundle`: how large the Lambda bundles are, what they are made of, and how long
 * Node takes to load them (the module init of a cold start).
 *
 * Each function is bundled as the package bundles it (ESM, `node22`, `mainFields` module/main,
 * the `createRequire` banner, minified, with a source map and no sources in it, nothing external:
 * the settings of `lib/lambda-bundling.ts`), with esbuild's metafile,
 * into a temporary folder. Bytes are counted per npm package (`@smithy/core`, `zod`) or, for
 * Baton's own code, per source folder (`lambdas/engine`).
 *
 * Init: a fresh Node process per run `import()`s the bundle and reports how long that took
 * (parsing, evaluating every module, the handler's module-scope code: clients, Powertools), with
 * the environment Lambda and the construct give the function (dummy values; nothing touches the
 * network at init), with and without `--enable-source-maps` (the construct sets it in
 * NODE_OPTIONS). It runs on the Node of `BENCH_NODE`, else Node 22 from npm (`npx node@22`, the
 * version of Lambda's `nodejs22.x`), else the Node running the bench, and says which.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_TARGET, REQUIRE_BANNER } from '../../lib/lambda-bundling.js';
import { renderTable } from '../measure.js';
import type { Suite } from '../suite.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RUNS = Math.max(1, Math.round(Number(process.env.BENCH_BUNDLE_RUNS ?? 30)));
/** Packages and folders below this share of a bundle are summed into one line. */
const SMALL_SHARE = 0.01;
const KIB = 1024;
/** One function to bundle, with the goals of issue 11. */
interface BundleCase {
  readonly name: string;
  /** Entry module, relative to the repository root. */
  readonly entry: string;
  /** The environment its module-scope code reads (the construct sets it). */
  readonly env: Readonly<Record<string, string>>;
  /** @default no size goal */
  readonly goalKiB?: number;
  /** @default no init goal */
  readonly goalInitMs?: number;
}

const CASES: readonly BundleCase[] = [
  {
    name: 'orchestrator',
    entry: 'lambdas/orchestrator/handler.ts',
    env: { BATON_EVENT_SOURCE: 'baton.orders', POWERTOOLS_SERVICE_NAME: 'baton.orders' },
    goalKiB: 600,
    goalInitMs: 70,
  },
  {
    name: 'worker (examples payment-charge)',
    entry: 'examples/app/workers/payment-charge.ts',
    env: {
      BATON_WORKER_NAME: 'PaymentCharge',
      BATON_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbox',
    },
    goalKiB: 300,
  },
  {
    name: "user worker (defineWorker from 'baton/aws')",
    entry: 'bench/bundle/user-worker.ts',
    env: {
      BATON_WORKER_NAME: 'Charge',
      BATON_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbox',
    },
    goalKiB: 300,
  },
  {
    name: 'definition-publisher',
    entry: 'lambdas/definition-publisher/handler.ts',
    env: {},
  },
];

/** What Lambda sets in every function's environment (dummy values), so Powertools and X-Ray behave as there. */
function lambdaEnvironment(bundleDir: string, functionName: string): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/01/01/[$LATEST]0123456789abcdef',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHBUNDLE',
    AWS_SECRET_ACCESS_KEY: 'bench-bundle-secret',
    AWS_SESSION_TOKEN: 'bench-bundle-session',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    LAMBDA_TASK_ROOT: bundleDir,
    LAMBDA_RUNTIME_DIR: bundleDir,
    TZ: ':UTC',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
}

/** The part of esbuild's metafile read here. */
interface Metafile {
  readonly outputs: Record<
    string,
    { readonly bytes: number; readonly inputs: Record<string, { readonly bytesInOutput: number }> }
  >;
}

interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Bytes in the output per package or source folder, largest first. */
  readonly parts: readonly { readonly name: string; readonly bytes: number }[];
}

/** Bundles one entry as the construct does, into `outdir/index.mjs`. */
async function bundle(entry: string, outdir: string): Promise<Bundle> {
  const esbuild = await import('esbuild');
  const file = join(outdir, 'index.mjs');
  const result = await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: ROOT,
  });
  const output = Object.entries((result.metafile as Metafile).outputs).find(([path]) =>
    path.endsWith('.mjs'),
  );
  if (!output) throw new Error(`esbuild wrote no .mjs for ${entry}`);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output[1].inputs)) {
    const part = partOf(input);
    totals.set(part, (totals.get(part) ?? 0) + bytesInOutput);
  }
  const parts = [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { file, bytes: statSync(file).size, mapBytes: statSync(`${file}.map`).size, parts };
}

/** `node_modules/@smithy/core/dist-es/x.js` -> `@smithy/core`; `lambdas/engine/decide/task.ts` -> `lambdas/engine`. */
function partOf(input: string): string {
  const index = input.lastIndexOf('node_modules/');
  if (index >= 0) {
    const [first = '', second = ''] = input.slice(index + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const segments = relative(ROOT, resolve(ROOT, input)).split(/[\\/]/);
  return segments.length > 2 ? segments.slice(0, 2).join('/') : (segments[0] ?? input);
}

/** The Node binary to time init on, and why that one. */
function pickNode(): { readonly path: string; readonly why: string } {
  const given = process.env.BENCH_NODE;
  if (given) return { path: given, why: 'BENCH_NODE' };
  if (process.versions.node.startsWith('22.'))
    return { path: process.execPath, why: 'the Node running the bench' };
  try {
    const path = execFileSync('npx', ['--yes', 'node@22', '-e', 'process.stdout.write(process.execPath)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 120_000,
    }).trim();
    if (path) return { path, why: "npm's node@22, Lambda's nodejs22.x" };
  } catch {
    // Offline or no npx: time on the Node running the bench, and say so.
  }
  return { path: process.execPath, why: 'the Node running the bench (node@22 from npm unavailable)' };
}

/**
 * Imports the module named by argv[1] and prints how long that took: wall-clock ms, and the CPU ms
 * the process spent meanwhile (every thread: parsing, compiling, evaluating, GC), which waiting for
 * a busy machine's cores does not inflate.
 */
const IMPORT_TIMER = [
  "const { performance } = await import('node:perf_hooks');",
  'const cpu = process.cpuUsage();',
  'const started = performance.now();',
  'await import(process.argv[1]);',
  'const wall = performance.now() - started;',
  'const used = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify({ wall, cpu: (used.user + used.system) / 1000 }));',
].join('\n');

/** Module init times of one bundle, in ms, over fresh processes. */
interface InitTimes {
  readonly wall: number[];
  readonly cpu: number[];
}

/** Imports `file` once in a fresh process. */
function timeImport(
  node: string,
  file: string,
  env: Readonly<Record<string, string>>,
  sourceMaps: boolean,
): { wall: number; cpu: number } {
  const child = spawnSync(
    node,
    [
      ...(sourceMaps ? ['--enable-source-maps'] : []),
      '--input-type=module',
      '-e',
      IMPORT_TIMER,
      pathToFileURL(file).href,
    ],
    { env: { ...env }, encoding: 'utf8', timeout: 60_000 },
  );
  let times: { wall?: unknown; cpu?: unknown } = {};
  try {
    times = JSON.parse(child.stdout) as typeof times;
  } catch {
    // Reported below with the child's stderr.
  }
  if (child.status !== 0 || typeof times.wall !== 'number' || typeof times.cpu !== 'number') {
    throw new Error(`importing ${file} failed (exit ${child.status}): ${child.stderr.trim().slice(0, 2000)}`);
  }
  return { wall: times.wall, cpu: times.cpu };
}

/**
 * Init times without and with `--enable-source-maps`, the two alternating run by run so that a
 * change in the machine's load weighs on both alike.
 */
function initTimes(
  node: string,
  file: string,
  env: Readonly<Record<string, string>>,
): { readonly plain: InitTimes; readonly mapped: InitTimes } {
  const plain: InitTimes = { wall: [], cpu: [] };
  const mapped: InitTimes = { wall: [], cpu: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [sourceMaps, into] of [
      [false, plain],
      [true, mapped],
    ] as const) {
      const { wall, cpu } = timeImport(node, file, env, sourceMaps);
      into.wall.push(wall);
      into.cpu.push(cpu);
    }
  }
  return { plain, mapped };
}

/** The value at quantile `q` (nearest rank) of a non-empty list. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const kib = (bytes: number): string => (bytes / KIB).toFixed(1);
const goal = (value: number | undefined): string => (value === undefined ? '' : ` (goal ≤ ${value})`);
const share = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;

export const bundleSuite: Suite = {
  name: 'bundle',
  description:
    'Lambda bundle sizes per package and module init time (Node 22), as the construct bundles them',
  run: async ({ log }) => {
    const node = pickNode();
    const nodeVersion = execFileSync(node.path, ['--version'], { encoding: 'utf8' }).trim();
    log(
      `init timed on node ${nodeVersion} (${node.why}), ${RUNS} fresh processes per line (BENCH_BUNDLE_RUNS)`,
    );
    const workdir = mkdtempSync(join(tmpdir(), 'baton-bench-bundle-'));
    try {
      const summary: string[][] = [];
      for (const [index, testCase] of CASES.entries()) {
        const outdir = join(workdir, String(index));
        const built = await bundle(testCase.entry, outdir);
        log();
        log(`${testCase.name}: ${testCase.entry}`);
        const large = built.parts.filter((part) => part.bytes >= SMALL_SHARE * built.bytes);
        const small = built.parts.filter((part) => part.bytes < SMALL_SHARE * built.bytes);
        const smallBytes = small.reduce((sum, part) => sum + part.bytes, 0);
        const rows = large.map((part) => [part.name, kib(part.bytes), share(part.bytes, built.bytes)]);
        if (small.length > 0)
          rows.push([`(${small.length} smaller ones)`, kib(smallBytes), share(smallBytes, built.bytes)]);
        rows.push(['bundle (index.mjs)', kib(built.bytes), '100.0%']);
        rows.push(['source map (not loaded without --enable-source-maps)', kib(built.mapBytes), '']);
        log(renderTable(['package or folder', 'KiB', 'share'], rows, ['left', 'right', 'right']));

        const env = { ...lambdaEnvironment(outdir, `bench-${index}`), ...testCase.env };
        const { plain, mapped } = initTimes(node.path, built.file, env);
        log(
          renderTable(
            ['module init', 'p50 ms', 'p99 ms', 'min ms', 'CPU p50 ms'],
            [['import()', plain] as const, ['import() --enable-source-maps', mapped] as const].map(
              ([label, times]) => [
                label,
                quantile(times.wall, 0.5).toFixed(1),
                quantile(times.wall, 0.99).toFixed(1),
                Math.min(...times.wall).toFixed(1),
                quantile(times.cpu, 0.5).toFixed(1),
              ],
            ),
            ['left', 'right', 'right', 'right', 'right'],
          ),
        );
        summary.push([
          testCase.name,
          `${kib(built.bytes)}${goal(testCase.goalKiB)}`,
          `${quantile(plain.wall, 0.5).toFixed(1)}`,
          `${quantile(mapped.wall, 0.5).toFixed(1)}${goal(testCase.goalInitMs)}`,
        ]);
      }
      log();
      log(
        'goals of issue 11 (information only; the init goal is read with --enable-source-maps, as the construct runs it)',
      );
      log(
        renderTable(['function', 'KiB', 'init p50 ms', 'init p50 ms, source maps'], summary, [
          'left',
          'right',
          'right',
          'right',
        ]),
      );
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  },
};
