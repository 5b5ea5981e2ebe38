/**
 * The names of the environment variables the CDK construct sets on Baton's Lambda functions and
 * the handlers read: one constant each, so the writer and the reader cannot drift.
 *
 * | Variable                          | Read by      | Meaning                                                   |
 * | --------------------------------- | ------------ | --------------------------------------------------------- |
 * | BATON_TABLE_NAME                  | orchestrator | the executions and definitions table                      |
 * | BATON_INBOX_QUEUE_URL             | both         | the orchestrator: its internal inbox; a worker: the public inbox it reports results to |
 * | BATON_INBOX_QUEUE_ARN             | orchestrator | the internal inbox's ARN (EventBridge Scheduler's target) |
 * | BATON_PUBLIC_INBOX_QUEUE_ARN      | orchestrator | optional: the public inbox's ARN (starts and task results only) |
 * | BATON_PUBLIC_INBOX_QUEUE_URL      | orchestrator | optional: the public inbox's URL, where children in other domains report |
 * | BATON_DOMAIN                      | orchestrator | optional: the domain's name (default: the event source) |
 * | BATON_CHILD_DOMAINS               | orchestrator | optional: JSON array of `{ domain, inboxUrl, workflows }`, the other domains whose workflows `states:startExecution` starts |
 * | BATON_WORKER_QUEUES               | orchestrator | JSON object: worker name -> queue URL                     |
 * | BATON_EVENT_BUS_NAME              | orchestrator | the domain bus                                            |
 * | BATON_EVENT_SOURCE                | orchestrator | `source` of lifecycle events, e.g. `baton.orders`         |
 * | BATON_PAYLOAD_BUCKET              | orchestrator | optional: bucket for snapshots over the item threshold    |
 * | BATON_SCHEDULER_GROUP             | orchestrator | EventBridge Scheduler group for timers over 900 s         |
 * | BATON_SCHEDULER_ROLE_ARN          | orchestrator | role Scheduler assumes to send to the inbox               |
 * | BATON_TOKEN_SECRET_ARN            | orchestrator | Secrets Manager secret holding the task token key         |
 * | BATON_TOKEN_SIGNING_KEY           | orchestrator | the key itself (local runs only; the secret wins if both) |
 * | BATON_CORRELATION_SHAPES          | orchestrator | JSON: what `baton:waitForEvent` states match on (see correlation-shapes.ts) |
 * | BATON_EXECUTION_RETENTION_SECONDS | orchestrator | optional: TTL of finished executions (see DynamoDbExecutionStore) |
 * | BATON_WORKER_NAME                 | worker       | the worker's name (its logger's service name)             |
 * | BATON_LOG_PAYLOADS                | worker       | `true` to log task inputs and outputs                     |
 * | BATON_LOCAL_AWS_SDK_SERVICES      | orchestrator | `baton dev` only: comma-separated services with a local stand-in (others need a mock) |
 * | BATON_LOCAL_MOCKS                 | orchestrator | `baton dev` only: the mocks file's JSON (see integration-mocks.ts) |
 */

/** Baton's own variables (table above). */
export const BatonEnv = {
  tableName: 'BATON_TABLE_NAME',
  inboxQueueUrl: 'BATON_INBOX_QUEUE_URL',
  inboxQueueArn: 'BATON_INBOX_QUEUE_ARN',
  publicInboxQueueArn: 'BATON_PUBLIC_INBOX_QUEUE_ARN',
  publicInboxQueueUrl: 'BATON_PUBLIC_INBOX_QUEUE_URL',
  domain: 'BATON_DOMAIN',
  childDomains: 'BATON_CHILD_DOMAINS',
  workerQueues: 'BATON_WORKER_QUEUES',
  eventBusName: 'BATON_EVENT_BUS_NAME',
  eventSource: 'BATON_EVENT_SOURCE',
  payloadBucket: 'BATON_PAYLOAD_BUCKET',
  schedulerGroup: 'BATON_SCHEDULER_GROUP',
  schedulerRoleArn: 'BATON_SCHEDULER_ROLE_ARN',
  tokenSecretArn: 'BATON_TOKEN_SECRET_ARN',
  tokenSigningKey: 'BATON_TOKEN_SIGNING_KEY',
  correlationShapes: 'BATON_CORRELATION_SHAPES',
  executionRetentionSeconds: 'BATON_EXECUTION_RETENTION_SECONDS',
  workerName: 'BATON_WORKER_NAME',
  logPayloads: 'BATON_LOG_PAYLOADS',
  localAwsSdkServices: 'BATON_LOCAL_AWS_SDK_SERVICES',
  localMocks: 'BATON_LOCAL_MOCKS',
} as const;

/** The Powertools for AWS Lambda variables the construct sets. */
export const PowertoolsEnv = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;
