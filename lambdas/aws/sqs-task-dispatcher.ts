/**
 * The task router's transports on AWS: a worker task becomes a message on the worker's SQS queue;
 * the service integrations Baton performs itself are calls of the SQS and EventBridge clients, and
 * of the Lambda client when one is given (`lambda-invoke-transport.ts`: a module of its own, so that
 * an orchestrator without it does not carry the Lambda client). What Step Functions defines about them (parameters, result shapes, error names of
 * function errors) belongs to the router (`lambdas/runtime/task-router.ts`); here are only the SDK
 * calls and the translation of SDK errors: a transient one throws TransientStoreError (the inbox
 * message is redelivered and the dispatch performed again), any other fails the task, named
 * `<Service>.<Error>Exception` as Step Functions names it.
 */
import type { ApiGatewayTransport } from '../runtime/api-gateway-invoke.js';
import type { ChildExecutionTransport } from '../runtime/child-executions.js';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Json } from '../engine/json.js';
import type { InboxSender, MapRunPerformer } from '../runtime/ports.js';
import {
  IntegrationCallError,
  TaskRouter,
  type AwsSdkTransport,
  type DynamoDbTransport,
  type EventsTransport,
  type IntegrationMocks,
  type LambdaTransport,
  type SnsTransport,
  type SqsTransport,
  type TaskTransports,
  type WorkerTransport,
} from '../runtime/task-router.js';
import type { HttpTaskTransport } from '../runtime/http-task.js';
import {
  errorMessage,
  integrationErrorName,
  isTransient,
  transientError,
  type IntegrationService,
} from './aws-errors.js';
import { traceHeaderAttributes } from './sqs-inbox-sender.js';

export type { WorkerTaskMessage } from '../runtime/worker.js';

/** A service integration succeeded: the Step Functions-shaped result. */
export type InboxTaskSucceeded = {
  readonly kind: 'TaskSucceeded';
  readonly taskToken: string;
  readonly output: Json;
};

/** A service integration failed: `error` is the ASL error name Retry and Catch match on. */
export type InboxTaskFailed = {
  readonly kind: 'TaskFailed';
  readonly taskToken: string;
  readonly error: string;
  readonly cause: string;
};

/** The inbox messages a dispatch sends (a subset of the inbox's message schema). */
export type InboxTaskResult = InboxTaskSucceeded | InboxTaskFailed;

/** Options of {@link AwsTaskDispatcher}. */
export interface AwsTaskDispatcherOptions {
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  /**
   * Performs `lambda:invoke` and Lambda ARN resources: `lambdaInvokeTransport(lambdaClient)`.
   * @default none: such tasks fail with States.TaskFailed
   */
  readonly lambda?: LambdaTransport;
  /**
   * Performs `dynamodb:getItem|putItem|updateItem|deleteItem` resources:
   * `dynamoDbItemTransport(dynamoDbClient)`.
   * @default none: such tasks fail with States.TaskFailed
   */
  readonly dynamodb?: DynamoDbTransport;
  /**
   * Performs `aws-sdk:<service>:<action>` resources: `awsSdkTransport(caller)`.
   * @default none: such tasks fail with States.TaskFailed
   */
  readonly awsSdk?: AwsSdkTransport;
  /** Performs `sns:publish` resources: `snsPublishTransport(caller)`. @default none: such tasks fail with States.TaskFailed */
  readonly sns?: SnsTransport;
  /** Performs `http:invoke` resources (`httpTaskTransport` of `http-task.ts`). @default none: such tasks fail with States.TaskFailed */
  readonly http?: HttpTaskTransport;
  /**
   * Starts and stops `states:startExecution` child executions: the domain's own workflows
   * (`new DomainWorkflows({ name, definitions, inbox })`).
   * @default none: such tasks fail with States.TaskFailed
   */
  readonly executions?: ChildExecutionTransport;
  /** Performs `apigateway:invoke` resources: `apiGatewayTransport()`. @default none: such tasks fail with States.TaskFailed */
  readonly apiGateway?: ApiGatewayTransport;
  /** Distributed Map runs (`baton:mapRun`). @default none: Distributed Map states fail */
  readonly mapRuns?: MapRunPerformer;
  /** Worker name -> URL of the worker's queue. */
  readonly workerQueues: Readonly<Record<string, string>>;
  /** Where service integration results go. */
  readonly inbox: InboxSender;
  /** Mocked task results: local runs only (`baton dev --mocks`). @default none */
  readonly mocks?: IntegrationMocks;
  /** The bus of `events:putEvents` entries that name none. @default the account's default bus */
  readonly defaultEventBusName?: string;
}

/** The task router on AWS clients. At-least-once, as the router. */
export class AwsTaskDispatcher extends TaskRouter {
  constructor(options: AwsTaskDispatcherOptions) {
    super({
      transports: awsTaskTransports(options),
      inbox: options.inbox,
      ...(options.defaultEventBusName ? { defaultEventBusName: options.defaultEventBusName } : {}),
      environment: options.mocks
        ? 'locally (baton dev has no stand-in for it)'
        : 'to this orchestrator (no client for it is configured)',
      ...(options.mocks ? { mocks: options.mocks } : {}),
    });
  }
}

/** The router's transports on SDK clients. */
export function awsTaskTransports(options: AwsTaskDispatcherOptions): TaskTransports {
  const {
    sqs,
    eventBridge,
    lambda,
    dynamodb,
    awsSdk,
    sns,
    http,
    executions,
    apiGateway,
    mapRuns,
    workerQueues,
  } = options;
  const workers: WorkerTransport = {
    has: (worker) => Object.hasOwn(workerQueues, worker),
    send: async (worker, message, { traceHeader }) => {
      await callIntegration('SQS', `SQS SendMessage to worker ${worker}`, () =>
        sqs.send(
          new SendMessageCommand({
            QueueUrl: workerQueues[worker],
            MessageBody: JSON.stringify(message),
            MessageAttributes: {
              executionId: { DataType: 'String', StringValue: message.executionId },
              workflow: { DataType: 'String', StringValue: message.workflow },
              stateName: { DataType: 'String', StringValue: message.stateName },
              attempt: { DataType: 'Number', StringValue: String(message.attempt) },
            },
            MessageSystemAttributes: traceHeaderAttributes(traceHeader),
          }),
        ),
      );
    },
  };
  const queues: SqsTransport = {
    sendMessage: async ({ TraceHeader, ...request }) =>
      callIntegration('SQS', 'SQS SendMessage', () =>
        sqs.send(
          new SendMessageCommand({
            ...request,
            MessageAttributes: request.MessageAttributes as SendMessageCommand['input']['MessageAttributes'],
            MessageSystemAttributes: traceHeaderAttributes(TraceHeader),
          }),
        ),
      ),
  };
  const events: EventsTransport = {
    putEvents: async (entries) => {
      const response = await callIntegration('EventBridge', 'EventBridge PutEvents', () =>
        eventBridge.send(
          new PutEventsCommand({
            Entries: entries.map((entry) => ({ ...entry, Resources: entry.Resources?.slice() })),
          }),
        ),
      );
      return { Entries: response.Entries ?? [], FailedEntryCount: response.FailedEntryCount ?? 0 };
    },
  };
  return {
    workers,
    sqs: queues,
    events,
    ...(lambda && { lambda }),
    ...(dynamodb && { dynamodb }),
    ...(awsSdk && { awsSdk }),
    ...(sns && { sns }),
    ...(http && { http }),
    ...(executions && { executions }),
    ...(apiGateway && { apiGateway }),
    ...(mapRuns && { mapRuns }),
  };
}

/**
 * Makes one AWS call: a transient failure throws TransientStoreError; any other failure throws
 * IntegrationCallError, named `<Service>.<Error>Exception` as Step Functions names it.
 */
export async function callIntegration<T>(
  service: IntegrationService,
  operation: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (isTransient(error)) throw transientError(operation, error);
    throw new IntegrationCallError(
      integrationErrorName(service, error),
      `${operation} failed: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}
