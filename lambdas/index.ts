/**
 * Baton's public API.
 *
 * - `runWorkflow`: run an Amazon States Language workflow (with sagas) in-process, on a virtual clock.
 * - `validateDefinition` / `compileWorkflow`: check a definition before it runs.
 * - `checkDefinition`: its issues, and where each Task resource runs (AWS, locally) with its IAM actions.
 * - `decide`: the pure reducer every runtime drives.
 */
export { runWorkflow } from './runtime/run-workflow.js';
export type {
  RunWorkflowOptions,
  TaskContext,
  TaskFunction,
  WorkflowResult,
} from './runtime/run-workflow.js';
export * from './engine/index.js';
export { checkDefinition } from './contract/definition-check.js';
export type { DefinitionCheck, LocalSupport, TaskCheck } from './contract/definition-check.js';
export type { DistributedMapAccess, S3Grant } from './contract/distributed-map-access.js';
