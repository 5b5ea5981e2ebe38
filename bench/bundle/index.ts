/**
 * `npm run bench -- bundle`: how large the Lambda bundles are, what they are made of, and how long
 * Node takes to load them (the module init of a cold start).
 *
 * Baton's own functions (the orchestrator, the definition publisher) are bundled by
 * `bundleFunction` of `lib/lambda-bundling.ts`, as `npm run build` bundles them: `index.mjs` and
 * its chunks. Workers are bundled by `bundleFunction` too, as the construct bundles them at synth
 * (`lib/baton-function.ts`), and, for comparison, in one file as NodejsFunction bundled them before.
 * Bytes are counted per npm package (`@smithy/core`, `zod`) or, for Baton's own code, per source
 * folder (`lambdas/engine`), from esbuild's metafile.
 *
 * Sizes: _loaded at init_ is what Node loads when Lambda imports the handler: `index.mjs` and every
 * chunk it imports statically, transitively; the goals are read on it. _On disk_ is every `.mjs`
 * of the asset, with the chunks loaded only when a call needs them (by `import()`: the SDK's
 * credential providers other than the environment's, clients a typical invocation does not use);
 * they are listed with what is in them, so that what they hold can be judged.
 *
 * Init: a fresh Node process per run `import()`s `index.mjs` and reports how long that took
 * (parsing, evaluating every module, the handler's module-scope code: clients, Powertools), with
 * the environment Lambda and the construct give the function (dummy values; nothing touches the
 * network at init), with and without `--enable-source-maps` (the construct sets it in
 * NODE_OPTIONS). It runs on the Node of `BENCH_NODE`, else Node 22 from npm (`npx node@22`, the
 * version of Lambda's `nodejs22.x`), else the Node running the bench, and says which.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  BUNDLE_FILE,
  BUNDLE_TARGET,
  CHUNK_FOLDER,
  REQUIRE_BANNER,
  bundleFunction,
  loadedAtInit,
  type BundleMetafile,
} from '../../lib/lambda-bundling.js';
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
  /**
   * How the construct bundles it: `baton`, Baton's own functions (`bundleFunction`, with chunks);
   * `worker`, a worker (bundled the `baton` way at synth), also bundled in one file to compare.
   */
  readonly bundler: 'baton' | 'worker';
  /** The environment its module-scope code reads (the construct sets it). */
  readonly env: Readonly<Record<string, string>>;
  /** @default no size goal */
  readonly goalKiB?: number;
  /** @default no init goal */
  readonly goalInitMs?: number;
  /**
   * Chunks loaded by `import()` in a typical life of the function, timed after init: what moved out
   * of init into a later call.
   * @default none
   */
  readonly firstUse?: readonly FirstUse[];
}

/** A chunk loaded on demand that the function loads at some call: when, and how to find it. */
interface FirstUse {
  /** What it holds and when it is loaded. */
  readonly label: string;
  /** Picks the chunk among those loaded on demand. */
  readonly holds: (output: Output) => boolean;
}

const CASES: readonly BundleCase[] = [
  {
    name: 'orchestrator',
    entry: 'lambdas/orchestrator/handler.ts',
    bundler: 'baton',
    env: { BATON_EVENT_SOURCE: 'baton.orders', POWERTOOLS_SERVICE_NAME: 'baton.orders' },
    goalKiB: 600,
    goalInitMs: 70,
    firstUse: [
      {
        label: 'Tracer and X-Ray SDK, at the first invocation',
        holds: (output) => output.parts.some((part) => part.name === '@aws-lambda-powertools/tracer'),
      },
      {
        label: 'jsonata, before the first JSONata workflow is compiled',
        holds: (output) => output.path.startsWith(`${CHUNK_FOLDER}/bundled-jsonata-`),
      },
    ],
  },
  {
    name: 'worker (examples payment-charge)',
    entry: 'examples/app/workers/payment-charge.ts',
    bundler: 'worker',
    env: {
      BATON_WORKER_NAME: 'PaymentCharge',
      BATON_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbox',
    },
    goalKiB: 300,
  },
  {
    name: "user worker (defineWorker from 'baton/aws')",
    entry: 'bench/bundle/user-worker.ts',
    bundler: 'worker',
    env: {
      BATON_WORKER_NAME: 'Charge',
      BATON_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbox',
    },
    goalKiB: 300,
  },
  {
    name: 'definition-publisher',
    entry: 'lambdas/definition-publisher/handler.ts',
    bundler: 'baton',
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

/** One output file of a bundle. */
interface Output {
  /** Relative to the bundle's folder. */
  readonly path: string;
  readonly bytes: number;
  /** Bytes in this file per package or source folder, largest first. */
  readonly parts: readonly Part[];
}

interface Part {
  readonly name: string;
  readonly bytes: number;
}

interface Bundle {
  /** `index.mjs`, what Lambda imports. */
  readonly file: string;
  /** `index.mjs` and the chunks it imports statically, transitively: what Node loads at init. */
  readonly loadedAtInit: readonly Output[];
  /** The chunks loaded only by `import()`, when a call needs them. */
  readonly onDemand: readonly Output[];
  /** Every source map of the bundle (Node reads them only with --enable-source-maps). */
  readonly mapBytes: number;
}

/**
 * Bundles one entry into `outdir`: with `bundleFunction` (`baton`, as the construct bundles every
 * function), or in one file as NodejsFunction did (`worker`, for comparison).
 */
async function bundle(entry: string, outdir: string, as: BundleCase['bundler']): Promise<Bundle> {
  const metafile =
    as === 'baton' ? bundleFunction(join(ROOT, entry), outdir) : await bundleAsNodejsFunction(entry, outdir);
  return readBundle(metafile, outdir);
}

/** As NodejsFunction bundled a worker at synth before workers were bundled like Baton's own: one file, no chunks. */
async function bundleAsNodejsFunction(entry: string, outdir: string): Promise<BundleMetafile> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile: join(outdir, BUNDLE_FILE),
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
  });
  return result.metafile as BundleMetafile;
}

/** Splits a bundle's outputs into what is loaded at init and what on demand. */
function readBundle(metafile: BundleMetafile, outdir: string): Bundle {
  const outputs = new Map(
    Object.entries(metafile.outputs)
      .filter(([path]) => path.endsWith('.mjs'))
      .map(([path, output]) => [relative(outdir, resolve(path)), output] as const),
  );
  const atInit = new Set(loadedAtInit(metafile, outdir));
  const describe = (path: string): Output => {
    const output = outputs.get(path);
    if (!output) throw new Error(`${path} is imported but was not written`);
    return { path, bytes: output.bytes, parts: partsOf(output.inputs) };
  };
  const mapBytes = Object.entries(metafile.outputs)
    .filter(([path]) => path.endsWith('.map'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  return {
    file: join(outdir, BUNDLE_FILE),
    loadedAtInit: [...atInit].map(describe),
    onDemand: [...outputs.keys()].filter((path) => !atInit.has(path)).map(describe),
    mapBytes,
  };
}

/** Bytes per package or source folder, largest first. */
function partsOf(inputs: Readonly<Record<string, { readonly bytesInOutput: number }>>): Part[] {
  return sumParts(
    Object.entries(inputs).map(([input, { bytesInOutput }]) => ({
      name: partOf(input),
      bytes: bytesInOutput,
    })),
  );
}

function sumParts(parts: readonly Part[]): Part[] {
  const totals = new Map<string, number>();
  for (const part of parts) totals.set(part.name, (totals.get(part.name) ?? 0) + part.bytes);
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const sizeOf = (outputs: readonly Output[]): number => outputs.reduce((sum, output) => sum + output.bytes, 0);

/**
 * `node_modules/@smithy/core/dist-es/x.js` -> `@smithy/core`; `lambdas/engine/decide/task.ts` ->
 * `lambdas/engine` (esbuild names inputs relative to the working directory).
 */
function partOf(input: string): string {
  if (input.includes('baton-shims-')) return '(node:http shims)';
  const index = input.lastIndexOf('node_modules/');
  if (index >= 0) {
    const [first = '', second = ''] = input.slice(index + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const segments = relative(ROOT, resolve(input)).split(/[\\/]/);
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
 * a busy machine's cores does not inflate. With argv[2], that module is imported first, untimed
 * (the bundle's init, before a chunk it loads later).
 */
const IMPORT_TIMER = [
  "const { performance } = await import('node:perf_hooks');",
  'if (process.argv[2]) await import(process.argv[2]);',
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

/** Imports `file` once in a fresh process (after `after`, untimed, when given). */
function timeImport(
  node: string,
  file: string,
  env: Readonly<Record<string, string>>,
  sourceMaps: boolean,
  after?: string,
): { wall: number; cpu: number } {
  const child = spawnSync(
    node,
    [
      ...(sourceMaps ? ['--enable-source-maps'] : []),
      '--input-type=module',
      '-e',
      IMPORT_TIMER,
      pathToFileURL(file).href,
      ...(after ? [pathToFileURL(after).href] : []),
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

/**
 * The load times of the chunks a function loads after init (`firstUse`), each imported in a fresh
 * process once the bundle's `index.mjs` is, with `--enable-source-maps` as the construct runs it.
 */
function firstUseTable(
  node: string,
  built: Bundle,
  outdir: string,
  env: Readonly<Record<string, string>>,
  uses: readonly FirstUse[],
): string {
  const rows = uses.map((use) => {
    const chunk = built.onDemand.find(use.holds);
    if (!chunk) throw new Error(`no chunk loaded on demand holds ${use.label}`);
    const times: InitTimes = { wall: [], cpu: [] };
    for (let run = 0; run < RUNS; run++) {
      const { wall, cpu } = timeImport(node, join(outdir, chunk.path), env, true, built.file);
      times.wall.push(wall);
      times.cpu.push(cpu);
    }
    return [
      `${use.label} (${kib(chunk.bytes)} KiB)`,
      quantile(times.wall, 0.5).toFixed(1),
      Math.min(...times.wall).toFixed(1),
      quantile(times.cpu, 0.5).toFixed(1),
    ];
  });
  return renderTable(['loaded after init, source maps', 'p50 ms', 'min ms', 'CPU p50 ms'], rows, [
    'left',
    'right',
    'right',
    'right',
  ]);
}

/** The value at quantile `q` (nearest rank) of a non-empty list. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const kib = (bytes: number): string => (bytes / KIB).toFixed(1);
const goal = (value: number | undefined): string => (value === undefined ? '' : ` (goal ≤ ${value})`);
const share = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;

/** The table of what a bundle loads at init, per package, and of its sizes. */
function sizeTable(built: Bundle): string {
  const atInit = sizeOf(built.loadedAtInit);
  const parts = sumParts(built.loadedAtInit.flatMap((output) => output.parts));
  const large = parts.filter((part) => part.bytes >= SMALL_SHARE * atInit);
  const small = parts.filter((part) => part.bytes < SMALL_SHARE * atInit);
  const smallBytes = sizeOf(small.map((part) => ({ path: part.name, bytes: part.bytes, parts: [] })));
  const rows = large.map((part) => [part.name, kib(part.bytes), share(part.bytes, atInit)]);
  if (small.length > 0)
    rows.push([`(${small.length} smaller ones)`, kib(smallBytes), share(smallBytes, atInit)]);
  const chunks = built.loadedAtInit.length - 1;
  rows.push([
    `loaded at init (${BUNDLE_FILE}${chunks > 0 ? ` and ${chunks} chunks` : ''})`,
    kib(atInit),
    '100.0%',
  ]);
  if (built.onDemand.length > 0) {
    rows.push([`loaded on demand (${built.onDemand.length} chunks, below)`, kib(sizeOf(built.onDemand)), '']);
  }
  rows.push(['on disk (every .mjs)', kib(atInit + sizeOf(built.onDemand)), '']);
  rows.push(['source maps (not loaded without --enable-source-maps)', kib(built.mapBytes), '']);
  return renderTable(['loaded at init, per package or folder', 'KiB', 'share'], rows, [
    'left',
    'right',
    'right',
  ]);
}

/** The chunks loaded on demand, largest first, with the packages they hold most of. */
function onDemandTable(built: Bundle): string {
  const rows = [...built.onDemand]
    .sort((a, b) => b.bytes - a.bytes)
    .map((output) => [
      output.path,
      kib(output.bytes),
      output.parts
        .slice(0, 3)
        .map((part) => `${part.name} ${kib(part.bytes)}`)
        .join(', '),
    ]);
  return renderTable(['chunk loaded on demand', 'KiB', 'largest parts (KiB)'], rows, [
    'left',
    'right',
    'left',
  ]);
}

function initTable(plain: InitTimes, mapped: InitTimes): string {
  return renderTable(
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
  );
}

/** One line of the goals table. */
function summaryRow(
  name: string,
  built: Bundle,
  { plain, mapped }: { readonly plain: InitTimes; readonly mapped: InitTimes },
  testCase: BundleCase,
): string[] {
  return [
    name,
    `${kib(sizeOf(built.loadedAtInit))}${goal(testCase.goalKiB)}`,
    kib(sizeOf(built.loadedAtInit) + sizeOf(built.onDemand)),
    `${quantile(plain.wall, 0.5).toFixed(1)} / ${quantile(plain.wall, 0.99).toFixed(1)}`,
    `${quantile(mapped.wall, 0.5).toFixed(1)} / ${quantile(mapped.wall, 0.99).toFixed(1)}${goal(testCase.goalInitMs)}`,
  ];
}

export const bundleSuite: Suite = {
  name: 'bundle',
  description:
    'Lambda bundle sizes (loaded at init, on disk) per package and module init time (Node 22), as the construct bundles them',
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
        const ways =
          testCase.bundler === 'baton'
            ? ([['baton', testCase.name]] as const)
            : ([
                ['baton', `${testCase.name}, as the construct bundles it (chunks)`],
                ['worker', `${testCase.name}, in one file (as NodejsFunction did before)`],
              ] as const);
        for (const [way, label] of ways) {
          const outdir = join(workdir, `${index}-${way}`);
          const built = await bundle(testCase.entry, outdir, way);
          log();
          log(`${label}: ${testCase.entry}`);
          log(sizeTable(built));
          if (built.onDemand.length > 0) log(onDemandTable(built));
          const env = { ...lambdaEnvironment(outdir, `bench-${index}`), ...testCase.env };
          const times = initTimes(node.path, built.file, env);
          log(initTable(times.plain, times.mapped));
          if (way === 'baton' && testCase.firstUse) {
            log(firstUseTable(node.path, built, outdir, env, testCase.firstUse));
          }
          summary.push(summaryRow(label, built, times, testCase));
        }
      }
      log();
      log(
        'goals of issue 11 (information only): sizes are read on what is loaded at init; init on --enable-source-maps, as the construct runs it',
      );
      log(
        renderTable(
          [
            'function',
            'KiB loaded at init',
            'KiB on disk',
            'init p50 / p99 ms',
            'init p50 / p99 ms, source maps',
          ],
          summary,
          ['left', 'right', 'right', 'right', 'right'],
        ),
      );
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  },
};
