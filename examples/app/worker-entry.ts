/**
 * The entry file of an example worker in `examples/app/workers/`.
 */
import { packageEntry } from '../../lib/lambda-entry.js';

/** `examples/app/workers/<name>.ts` (or the built `.js`). */
export function workerEntry(name: string): string {
  return packageEntry(`examples/app/workers/${name}`);
}
