/**
 * How Lambda code is bundled, in one place: Baton's own functions (the orchestrator and the
 * definition publisher), prebuilt by `npm run build` into the package's `dist/assets/`, and the
 * users' worker functions, bundled at their synth by {@link bundleFunction} too (with the esbuild
 * of the user's app), so that they load only what they use at init just as Baton's own do.
 *
 * A user's synth never bundles Baton's functions: the package ships them built, so neither esbuild
 * nor Docker is needed for them. Only when the constructs run from this repository's TypeScript
 * sources (its tests and tools) are they bundled on the spot, with esbuild from the dev tools.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js version the bundles target: Lambda's `nodejs22.x`. */
export const BUNDLE_TARGET = 'node22';

/**
 * Defines `require` in an ESM bundle: some bundled dependencies are CommonJS and call it, and an
 * ES module has none.
 */
export const REQUIRE_BANNER =
  "import { createRequire as batonCreateRequire } from 'node:module'; const require = batonCreateRequire(import.meta.url);";

/** Baton's own functions: each one's entry module, relative to the package root, without extension. */
export const BATON_FUNCTIONS = {
  orchestrator: 'lambdas/orchestrator/handler',
  'definition-publisher': 'lambdas/definition-publisher/handler',
} as const;

/** One of Baton's own functions. */
export type BatonFunctionName = keyof typeof BATON_FUNCTIONS;

/** The file name of a prebuilt bundle inside its asset folder (handler `index.handler`). */
export const BUNDLE_FILE = 'index.mjs';

/**
 * The folder, inside an asset folder, of the modules `index.mjs` imports: the code it shares with
 * the modules it loads with `import()`, and those modules (the AWS SDK's credential providers
 * other than the environment's, the clients a typical invocation does not use; in the orchestrator
 * also the jsonata library and Powertools Tracer with the X-Ray SDK: `lambdas/orchestrator/`).
 * Lambda loads the handler's module and what it imports statically at init; the rest only if a
 * call needs it.
 */
export const CHUNK_FOLDER = 'chunks';

/** The part of esbuild's metafile read by the bench: the bytes of each output, its inputs and imports. */
export interface BundleMetafile {
  readonly outputs: Record<
    string,
    {
      readonly bytes: number;
      readonly inputs: Record<string, { readonly bytesInOutput: number }>;
      readonly imports: readonly {
        readonly path: string;
        readonly kind: string;
        readonly external?: boolean;
      }[];
    }
  >;
}

/**
 * The output files Node loads when Lambda imports `index.mjs`: it and every chunk it imports
 * statically, transitively (paths relative to `outdir`, `index.mjs` first). The other chunks are
 * loaded by `import()`, when a call needs them.
 */
export function loadedAtInit(metafile: BundleMetafile, outdir: string): string[] {
  // esbuild names outputs relative to its working directory.
  const outputs = new Map(
    Object.entries(metafile.outputs).map(
      ([path, output]) => [relative(outdir, resolve(path)), output] as const,
    ),
  );
  const loaded = new Set<string>();
  const pending = [BUNDLE_FILE];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (loaded.has(path)) continue;
    loaded.add(path);
    for (const imported of outputs.get(path)?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) {
        pending.push(relative(outdir, resolve(imported.path)));
      }
    }
  }
  return [...loaded];
}

/** The part of esbuild's API used here (esbuild is a build-time tool, loaded only when bundling). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): { errors: unknown[]; metafile?: BundleMetafile };
}
/**
 * Node's HTTP modules, loaded through `process.getBuiltinModule` (Node 22.3 and 20.16 on) instead
 * of an ES import: importing `node:http` as an ES module makes Node 22 load its whole built-in
 * fetch client (undici), which Baton's functions never use, about 10 ms of CPU at every cold start
 * (npm run bench -- bundle). The AWS SDK and Powertools import them.
 */
const BUILTIN_SHIMS = ['http', 'https'] as const;

/**
 * Bundles `entry` into `outdir/index.mjs` and the modules it imports into `outdir/chunks/`, each
 * with a source map, as Lambda will load them; `outdir` is emptied first, so that no chunk of an
 * earlier build stays in the asset. Returns esbuild's metafile.
 *
 * Code splitting keeps the modules the bundled code loads with `import()` in chunks of their own,
 * loaded only when called: without it esbuild inlines them, and every cold start parses, say, the
 * AWS SDK's SSO, STS and INI credential providers, which a Lambda function, whose credentials are
 * in its environment, never calls (orchestrator: about 1,080 KiB in one file, 980 KiB of it
 * loaded at init with splitting; npm run bench -- bundle).
 */
export function bundleFunction(entry: string, outdir: string): BundleMetafile {
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const shims = mkdtempSync(join(tmpdir(), 'baton-shims-'));
  const alias: Record<string, string> = {};
  for (const name of BUILTIN_SHIMS) {
    const file = join(shims, `${name}.cjs`);
    writeFileSync(file, `module.exports = process.getBuiltinModule('node:${name}');\n`);
    alias[name] = file;
    alias[`node:${name}`] = file;
  }
  try {
    const { metafile } = esbuild.buildSync({ ...bundleOptions(entry, outdir), alias });
    if (!metafile) throw new Error(`esbuild returned no metafile for ${entry}`);
    return metafile;
  } finally {
    rmSync(shims, { recursive: true, force: true });
  }
}

/** esbuild's options for a Lambda bundle (all but the aliases of the built-in shims). */
function bundleOptions(entry: string, outdir: string): Record<string, unknown> {
  return {
    entryPoints: [entry],
    outdir,
    entryNames: BUNDLE_FILE.replace(/\.mjs$/, ''),
    chunkNames: `${CHUNK_FOLDER}/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    mainFields: ['module', 'main'],
    // In every output file: each chunk is a module of its own and needs its own `require`.
    banner: { js: REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    // The AWS SDK is bundled, not taken from the runtime: the versions tested are the versions run.
    logLevel: 'warning',
  };
}

/** The package root: `lib/` (sources) and `dist/lib/` or `dist/cjs/` (builds) are one or two levels down. */
function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return /[\\/]dist[\\/](lib|cjs)[\\/]?$/.test(here) ? join(here, '..', '..') : join(here, '..');
}

/** Where `npm run build` puts the prebuilt bundle of one of Baton's functions. */
export function prebuiltAssetDirectory(name: BatonFunctionName): string {
  return join(packageRoot(), 'dist', 'assets', name);
}

const bundledFromSources = new Map<BatonFunctionName, string>();

/**
 * How long a bundle made from the sources is kept in the cache. Each process (each test worker)
 * bundles into a folder of its own, which no other process changes while it synthesizes; a folder
 * older than this is removed by the next process that bundles.
 */
const SOURCE_BUNDLE_LIFETIME_MS = 60 * 60 * 1000;

/**
 * The folder holding the bundle of one of Baton's functions: the prebuilt one in the package, or,
 * when the constructs run from the TypeScript sources, one bundled now (once per process) from
 * the current sources into a folder of this process's own under `node_modules/.cache/baton-assets/`.
 */
export function batonFunctionAsset(name: BatonFunctionName): string {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources) {
    const prebuilt = prebuiltAssetDirectory(name);
    if (!existsSync(join(prebuilt, BUNDLE_FILE))) {
      throw new Error(`Baton's ${name} function is missing from the package (${prebuilt}): reinstall baton`);
    }
    return prebuilt;
  }
  const cached = bundledFromSources.get(name);
  if (cached && existsSync(join(cached, BUNDLE_FILE))) return cached;
  const root = packageRoot();
  const cache = join(root, 'node_modules', '.cache', 'baton-assets');
  mkdirSync(cache, { recursive: true });
  removeOldSourceBundles(cache);
  const outdir = mkdtempSync(join(cache, `${name}-`));
  bundleFunction(join(root, `${BATON_FUNCTIONS[name]}.ts`), outdir);
  bundledFromSources.set(name, outdir);
  return outdir;
}

/** Removes the folders `batonFunctionAsset` made (`<name>-XXXXXX`) longer ago than their lifetime. */
function removeOldSourceBundles(cache: string): void {
  const names = Object.keys(BATON_FUNCTIONS).join('|');
  const made = new RegExp(`^(${names})-[A-Za-z0-9]{6}$`);
  const before = Date.now() - SOURCE_BUNDLE_LIFETIME_MS;
  for (const entry of readdirSync(cache)) {
    const folder = join(cache, entry);
    try {
      if (made.test(entry) && statSync(folder).mtimeMs < before)
        rmSync(folder, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
