/**
 * Baton on AWS: what worker Lambdas and custom wiring import (`baton/aws`).
 */
export { defineWorker, type DefineWorkerOptions } from './define-worker.js';
export { TaskFailure, type WorkerContext, type WorkerHandler } from '../runtime/worker.js';
export { createInboxHandler } from './sqs-inbox-handler.js';
export { createOrchestrator, createPorts, readOrchestratorEnvironment } from './orchestrator-environment.js';
export { DynamoDbExecutionStore } from './dynamodb-execution-store.js';
export { DynamoDbDefinitionStore } from './dynamodb-definition-store.js';
export { DynamoDbCorrelationStore } from './dynamodb-correlation-store.js';
export { DynamoDbMapRunStore } from './dynamodb-map-run-store.js';
export { AwsTaskDispatcher } from './sqs-task-dispatcher.js';
export { lambdaInvokeTransport } from './lambda-invoke-transport.js';
export { EventBridgePublisher } from './eventbridge-publisher.js';
export { AwsTimerScheduler } from './scheduler-timer-scheduler.js';
export { SqsInboxSender } from './sqs-inbox-sender.js';
export { S3PayloadStore } from './s3-payload-store.js';
