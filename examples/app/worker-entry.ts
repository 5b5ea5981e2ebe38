/**
 * The entry file of an example worker in `lambdas/workers/`.
 */
import { packageEntry } from '../../lib/lambda-entry.js';

/** `lambdas/workers/<name>.ts` (or the built `.js`). */
export function workerEntry(name: string): string {
  return packageEntry(`lambdas/workers/${name}`);
}
