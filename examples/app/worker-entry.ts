/**
 * The entry file of an example worker in `examples/app/workers/`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `examples/app/workers/<name>.ts` next to this file, or the built `.js` next to the build. */
export function workerEntry(name: string): string {
  const base = fileURLToPath(new URL(`workers/${name}`, import.meta.url));
  for (const extension of ['.ts', '.js']) {
    if (existsSync(base + extension)) return base + extension;
  }
  throw new Error(`No worker module ${base}.ts or .js`);
}
