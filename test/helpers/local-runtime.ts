/**
 * Waiting on a started local runtime, as the integration tests of `npm start`'s runtime do: until
 * an execution they started leaves RUNNING.
 */
import type { ExecutionDescription } from '../../local/control.js';
import type { LocalRuntime } from '../../local/runtime/local-runtime.js';

/** Waits until the execution exists and has ended (or `timeoutMs` passed); returns its description. */
export async function whenEnded(
  runtime: LocalRuntime,
  executionId: string,
  timeoutMs = 45_000,
): Promise<ExecutionDescription> {
  const deadline = Date.now() + timeoutMs;
  let found = await runtime.describe(executionId).catch(() => undefined);
  while ((found === undefined || found.status === 'RUNNING') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    found = await runtime.describe(executionId).catch(() => undefined);
  }
  if (found === undefined) throw new Error(`${executionId} never started`);
  return found;
}
