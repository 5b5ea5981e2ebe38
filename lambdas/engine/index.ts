/**
 * The pure workflow engine: validation, compilation and the reducer. No I/O, no clock, no
 * randomness: time and seeds enter through `decide`'s `env` and the execution's state.
 */
export * from './compile.js';
export { compileWorkflow } from './compile-workflow.js';
export * from './decide.js';
export * from './definition.js';
export * from './errors.js';
export * from './execution.js';
export type { Json, JsonObject } from './json.js';
export { bundledJsonata } from './jsonata/bundled-jsonata.js';
export { JsonataUnavailableError, type JsonataFactory } from './jsonata/library.js';
export { validateDefinition, assertValidDefinition, formatIssues } from './validate.js';
