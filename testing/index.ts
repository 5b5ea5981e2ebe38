/**
 * `baton/testing`: run workflows and whole domains in a test, on the same loop, handlers and
 * queues as the Lambda functions and `npm start`, with in-memory stores and a virtual clock.
 *
 * - {@link runWorkflow}: one execution in process, task functions by resource, virtual time.
 * - {@link InProcessDomain}: a domain (orchestrator behind the real inbox handler, workers behind
 *   `defineWorker`, local SQS queues with dead-letter queues, timers) stepped delivery by delivery.
 * - {@link InProcessControl}: the control plane over in-process domains, for the HTTP API.
 * - The in-memory execution, definition and correlation stores the above use, and the Map Run store.
 * - {@link InMemoryObjectStorage}: S3 objects in memory, for a Distributed Map's items and results.
 */
export {
  runWorkflow,
  type RunWorkflowOptions,
  type TaskContext,
  type TaskFunction,
  type WorkflowResult,
} from '../lambdas/runtime/run-workflow.js';
export {
  InProcessDomain,
  type DeliveryFailure,
  type InProcessDomainOptions,
  type WorkerLambda,
} from './in-process-domain.js';
export {
  InProcessControl,
  DEFAULT_EVENT_BUS,
  type EventTrigger,
  type InProcessControlOptions,
  type InProcessDomainEntry,
} from './in-process-control.js';
export { InMemoryExecutionStore } from './in-memory-execution-store.js';
export { InMemoryDefinitionStore } from './in-memory-definition-store.js';
export { InMemoryCorrelationStore } from './in-memory-correlation-store.js';
export { InMemoryMapRunStore } from '../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
export {
  InMemoryObjectStorage,
  type InMemoryObjectStorageOptions,
  type ObjectBody,
  type StoredObject,
} from '../lambdas/runtime/distributed-map/in-memory-object-storage.js';
