/**
 * Baton's CDK constructs: the SagaOrchestrator (one domain's orchestrator, workers, queues,
 * table, rules, schedules, dashboard and alarms) and the SagaBuilder to write its workflows.
 */
export * from './alarms.js';
export * from './baton-metrics.js';
export * from './dashboard.js';
export * from './errors.js';
export * from './log-queries.js';
export * from './saga-builder.js';
export * from './saga-orchestrator.js';
export * from './saga-orchestrator-props.js';
export type { SagaWorkerOptions, SagaWorkerSource } from './saga-worker.js';
export { SagaWorker, workerFunctionTimeout, workerVisibilityTimeout } from './saga-worker.js';
export * from './workflow-source.js';
export type { DefinitionSubstitution } from './workflow-substitutions.js';
