/**
 * `npm run build`: bundles Baton's own Lambda functions (the orchestrator, the definition
 * publisher) into `dist/assets/<name>/` (`index.mjs` and its `chunks/`, each folder one Lambda
 * asset), so that a user's synth deploys them as they are
 * (no esbuild, no Docker there), and the CommonJS entry points of the package into
 * `dist/cjs/*.cjs`, for apps that `require()` it (a CDK app's Jest tests, say).
 */
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BATON_FUNCTIONS, bundleFunction, type BatonFunctionName } from '../lib/lambda-bundling.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

for (const [name, entry] of Object.entries(BATON_FUNCTIONS) as [BatonFunctionName, string][]) {
  bundleFunction(root(`${entry}.ts`), root(`dist/assets/${name}`));
}

/** The package's entry points, as `exports` names them. */
const ENTRY_POINTS = {
  index: 'lambdas/index.ts',
  cdk: 'lib/index.ts',
  aws: 'lambdas/aws/index.ts',
  testing: 'testing/index.ts',
} as const;

/**
 * The dependencies a CommonJS entry point requires rather than bundles: all but zod, whose
 * `require` export of a locale file is its ES module (a CommonJS require of it gets a namespace, not
 * the function), so it is bundled from its ES modules like in the Lambda bundles.
 */
function external(): string[] {
  const manifest = JSON.parse(readFileSync(root('package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const names = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(
    (name) => name !== 'zod',
  );
  return [...names, ...names.map((name) => `${name}/*`)];
}

// One CommonJS file per entry point, next to the ES modules: dependencies stay external (the app's
// own aws-cdk-lib and constructs are used), and `import.meta.url` is this file's URL, which sits as
// deep under the package root as `dist/lib/`, so paths relative to it resolve alike.
buildSync({
  entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, path]) => [name, root(path)])),
  outdir: root('dist/cjs'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  external: external(),
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__batonModuleUrl' },
  banner: { js: "const __batonModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
