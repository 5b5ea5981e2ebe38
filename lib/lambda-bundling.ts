/**
 * How Lambda code is bundled, in one place: Baton's own functions (the orchestrator and the
 * definition publisher), prebuilt by `npm run build` into the package's `dist/assets/`, and the
 * users' worker functions, bundled at their synth by NodejsFunction with the same settings.
 *
 * A user's synth never bundles Baton's functions: the package ships them built, so neither esbuild
 * nor Docker is needed for them. Only when the constructs run from this repository's TypeScript
 * sources (its tests and tools) are they bundled on the spot, with esbuild from the dev tools.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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

/** The part of esbuild's API used here (esbuild is a build-time tool, loaded only when bundling). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): { errors: unknown[] };
}

/**
 * Node's HTTP modules, loaded through `process.getBuiltinModule` (Node 22.3 and 20.16 on) instead
 * of an ES import: importing `node:http` as an ES module makes Node 22 load its whole built-in
 * fetch client (undici), which Baton's functions never use, about 10 ms of CPU at every cold start
 * (npm run bench -- bundle). The AWS SDK and Powertools import them.
 */
const BUILTIN_SHIMS = ['http', 'https'] as const;

/** Bundles `entry` into `outdir/index.mjs` (with a source map), as Lambda will load it. */
export function bundleFunction(entry: string, outdir: string): void {
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
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
    buildWith(esbuild, entry, outdir, alias);
  } finally {
    rmSync(shims, { recursive: true, force: true });
  }
}

function buildWith(esbuild: Esbuild, entry: string, outdir: string, alias: Record<string, string>): void {
  esbuild.buildSync({
    alias,
    entryPoints: [entry],
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
    // The AWS SDK is bundled, not taken from the runtime: the versions tested are the versions run.
    logLevel: 'warning',
  });
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
 * The folder holding the bundle of one of Baton's functions: the prebuilt one in the package, or,
 * when the constructs run from the TypeScript sources, one bundled now (once per process) from
 * the current sources into `node_modules/.cache/baton-assets/`.
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
  if (cached) return cached;
  const root = packageRoot();
  const outdir = join(root, 'node_modules', '.cache', 'baton-assets', name);
  bundleFunction(join(root, `${BATON_FUNCTIONS[name]}.ts`), outdir);
  bundledFromSources.set(name, outdir);
  return outdir;
}
