/**
 * Where the Lambda entry files of this package are, whether the constructs run from the
 * TypeScript sources (`lib/*.ts`, with tsx) or from the build (`dist/lib/*.js`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidPropsError } from './errors.js';

/** Lock files NodejsFunction understands, in the order we prefer them when several sit side by side. */
const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'] as const;

/**
 * The path of a source file of this package, given relative to the package root without its
 * extension (e.g. `lambdas/orchestrator/handler`): the `.ts` file next to the sources, or the
 * compiled `.js` file next to the build.
 */
export function packageEntry(pathWithoutExtension: string): string {
  const base = fileURLToPath(new URL(`../${pathWithoutExtension}`, import.meta.url));
  for (const extension of ['.ts', '.js']) {
    if (existsSync(base + extension)) return base + extension;
  }
  throw new InvalidPropsError(
    'entry',
    `no ${pathWithoutExtension}.ts or .js next to the Baton constructs (${base})`,
  );
}

/**
 * The lock file that governs `entry`: the first one found walking up from the entry's folder.
 * NodejsFunction would otherwise look from the current directory, which depends on where the
 * CDK app was started.
 */
export function lockFileFor(entry: string): string | undefined {
  let folder = dirname(entry);
  for (;;) {
    for (const name of LOCK_FILES) {
      const candidate = join(folder, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}
