/**
 * The jsonata library, in the synchronous form the engine runs (./jsonata-sync.generated.ts), typed
 * as the engine uses it. Imported by the public `compileWorkflow` and `validateDefinition`, and
 * loaded by `import()` in the orchestrator Lambda the first time a workflow uses JSONata (about
 * 80 KiB that most invocations never need: `lib/lambda-bundling.ts` keeps it in a chunk of its own).
 */
import generated from './jsonata-sync.generated.js';
import type { JsonataFactory } from './library.js';

/** jsonata 2.0.6's `jsonata(expression)`, evaluating synchronously. */
export const bundledJsonata = generated as unknown as JsonataFactory;
