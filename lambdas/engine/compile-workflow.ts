/**
 * `compileWorkflow`: validates and compiles a definition (./compile.ts), with the bundled jsonata
 * library parsing its JSONata expressions. What every wiring uses but the orchestrator Lambda,
 * which loads the library only when a workflow needs it (`compileWorkflowWith`).
 */
import { compileWorkflowWith, type CompiledWorkflow, type CompileOptions } from './compile.js';
import { assertValidDefinitionWith } from './definition-validator.js';
import { bundledJsonata } from './jsonata/bundled-jsonata.js';
import { distributedMapExecutor } from './decide/distributed-map-state.js';

/**
 * Validates and compiles a definition (an object or its JSON text). Throws DefinitionError naming
 * the JSON Pointer of every bad field. Compiling the same object again returns the cached result.
 */
export function compileWorkflow(definition: unknown, options: CompileOptions = {}): CompiledWorkflow {
  return compileWorkflowWith(definition, bundledJsonata, assertValidDefinitionWith, {
    distributedMap: distributedMapExecutor,
    ...options,
  });
}
