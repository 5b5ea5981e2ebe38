/** The lock file of a worker's entry, for NodejsFunction's bundling. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Lock files NodejsFunction understands, in the order we prefer them when several sit side by side. */
const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'] as const;

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
