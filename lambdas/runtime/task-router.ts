/**
 * THE task router: performs DispatchTask commands by the Task state's `Resource` — a Baton worker
 * (`baton:worker:<name>`) or one of the Step Functions service integrations Baton performs itself
 * (SQS SendMessage, EventBridge PutEvents, Lambda Invoke, a bare Lambda function ARN, DynamoDB item calls) — through
 * transports, one port per kind of target. The AWS adapters implement the transports with SDK
 * clients; the local runtime on its embedded queues and bus; the in-process wiring on its own
 * queues. Everything Step Functions defines about an integration lives here, once: the parameter
 * rules, the result shape, the error names.
 *
 * Delivery: at-least-once. The orchestrator performs a dispatch again when it cannot tell whether
 * it was performed (a crash after the commit), so a worker may get the same task twice (it
 * deduplicates on `idempotencyKey`), a service integration may run twice, and a result may reach
 * the inbox twice (the engine keeps the first).
 *
 * Every dispatch ends in one of three ways: the task reached its target (and, for a service
 * integration without `.waitForTaskToken`, its result is in the inbox); the task failed for good
 * and a TaskFailed message says why; or a transport threw {@link TransientStoreError} (or any
 * error other than {@link IntegrationCallError}) so that the inbox message is redelivered and the
 * dispatch performed again.
 */
import { StatesErrors } from '../engine/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../engine/json.js';
import {
  parseTaskResource,
  type ChildIntegration,
  type DynamoDbItemAction,
  type TaskResource,
} from '../contract/task-resources.js';
import { jobIntegration } from '../contract/job-integrations.js';
import {
  ApiGatewayCallError,
  ApiGatewayParameterError,
  apiGatewayFailure,
  apiGatewayRequest,
  apiGatewayResult,
  type ApiGatewayRequest,
  type ApiGatewayTransport,
} from './api-gateway-invoke.js';
import { exceptionName } from './error-names.js';
import { MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH } from './inbox-messages.js';
import type {
  Clock,
  InboxSender,
  MapRunPerformer,
  TaskCancellation,
  TaskDispatch,
  TaskDispatcher,
  TaskPoll,
} from './ports.js';
import { startChildExecution, stopChildExecution, type ChildExecutionTransport } from './child-executions.js';
import { workerTaskMessage, type WorkerTaskMessage } from './worker.js';
import type { HttpTaskTransport } from './http-task.js';

/** A service call failed in a way a retry of the message will not fix: the task fails with `error`. */
export class IntegrationCallError extends Error {
  override readonly name = 'IntegrationCallError';
  /**
   * @param error the ASL error name the task fails with, as Step Functions names it
   *   (`SQS.QueueDoesNotExistException`, `Lambda.ResourceNotFoundException`)
   */
  constructor(
    readonly error: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where worker tasks go: each worker's queue. */
export interface WorkerTransport {
  /** Whether the domain has a worker of that name. */
  has(worker: string): boolean;
  /** Puts one task on the worker's queue. At-least-once. */
  send(worker: string, message: WorkerTaskMessage, options: { readonly traceHeader?: string }): Promise<void>;
}

/** An SQS message attribute in the API's shape. */
export interface SqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

/** SQS SendMessage's request, as `arn:aws:states:::sqs:sendMessage` takes it. */
export interface SqsSendMessageRequest {
  readonly QueueUrl: string;
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
  readonly MessageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
  readonly TraceHeader?: string;
}

/** SQS SendMessage's response. */
export interface SqsSendMessageResponse {
  readonly MessageId?: string;
  readonly MD5OfMessageBody?: string;
  readonly MD5OfMessageAttributes?: string;
  readonly MD5OfMessageSystemAttributes?: string;
  readonly SequenceNumber?: string;
}

/** `sqs:sendMessage` integrations. */
export interface SqsTransport {
  sendMessage(request: SqsSendMessageRequest): Promise<SqsSendMessageResponse>;
}

/** One PutEvents entry. */
export interface EventEntry {
  readonly Source: string;
  readonly DetailType: string;
  /** JSON text. */
  readonly Detail: string;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly Time?: Date;
  readonly TraceHeader?: string;
}

/** PutEvents' response: one result entry per request entry, in order. */
export interface PutEventsResponse {
  readonly Entries: readonly {
    readonly EventId?: string;
    readonly ErrorCode?: string;
    readonly ErrorMessage?: string;
  }[];
  readonly FailedEntryCount: number;
}

/** `events:putEvents` integrations. */
export interface EventsTransport {
  putEvents(entries: readonly EventEntry[]): Promise<PutEventsResponse>;
}

/** The Lambda invocation types. */
export const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;

/** Lambda Invoke's request. */
export interface LambdaInvokeRequest {
  readonly FunctionName: string;
  /** JSON text. */
  readonly Payload?: string;
  readonly InvocationType?: (typeof INVOCATION_TYPES)[number];
  readonly Qualifier?: string;
  readonly ClientContext?: string;
}

/** Lambda Invoke's response. */
export interface LambdaInvokeResponse {
  readonly FunctionError?: string;
  readonly Payload?: Uint8Array;
  readonly ExecutedVersion?: string;
  readonly StatusCode?: number;
  readonly HttpStatusCode?: number;
  readonly RequestId?: string;
}

/** `lambda:invoke` integrations and bare function ARNs. */
export interface LambdaTransport {
  invoke(request: LambdaInvokeRequest): Promise<LambdaInvokeResponse>;
}

/**
 * A DynamoDB item call's response: the API's response fields as JSON (attribute values in their
 * `{ "S": "1" }` form, binary values base64-encoded), and the HTTP metadata Step Functions adds.
 */
export interface DynamoDbItemResponse {
  readonly response: JsonObject;
  readonly httpStatusCode?: number;
  readonly requestId?: string;
}

/** `dynamodb:getItem|putItem|updateItem|deleteItem` integrations. */
export interface DynamoDbTransport {
  /**
   * Calls `action` with the task's parameters, which are the API's request as JSON (`TableName`,
   * `Key` or `Item` in attribute-value form, expressions, `ReturnValues`...).
   */
  call(action: DynamoDbItemAction, request: JsonObject): Promise<DynamoDbItemResponse>;
}

/** SNS Publish's request, as `arn:aws:states:::sns:publish` takes it. */
export interface SnsPublishRequest {
  readonly TopicArn?: string;
  readonly TargetArn?: string;
  readonly PhoneNumber?: string;
  /** Text as it is; any other JSON value serialized, as Step Functions does. */
  readonly Message: string;
  readonly Subject?: string;
  readonly MessageStructure?: string;
  readonly MessageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

/** SNS Publish's response, with the HTTP metadata Step Functions adds. */
export interface SnsPublishResponse {
  readonly MessageId?: string;
  readonly SequenceNumber?: string;
  readonly HttpStatusCode?: number;
  readonly RequestId?: string;
}

/** `sns:publish` integrations. */
export interface SnsTransport {
  publish(request: SnsPublishRequest): Promise<SnsPublishResponse>;
}

/**
 * An AWS API call that the service answered with an error. Thrown by an {@link AwsSdkTransport};
 * the router names it as Step Functions does (`S3.NoSuchKeyException`).
 */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError';
  constructor(
    readonly details: {
      /** The SDK's service id: `S3`, `DynamoDB`, `SFN`, `Secrets Manager`. */
      readonly serviceId: string;
      /** The error code: `NoSuchKey`, `ConditionalCheckFailedException`. */
      readonly code: string;
      readonly message: string;
      readonly statusCode?: number;
      readonly requestId?: string;
      readonly extendedRequestId?: string;
    },
  ) {
    super(details.message);
  }
}

/** `aws-sdk:<service>:<action>` integrations: any AWS API call. */
export interface AwsSdkTransport {
  /**
   * Calls the operation with `request` (the API's request as JSON, PascalCase as the service
   * takes it) and resolves with the response as JSON: timestamps as ISO-8601 text, binary data and
   * streamed bodies as UTF-8 text, the SDK's own metadata left out. Rejects with
   * {@link AwsServiceError} when the service answers with an error, with
   * {@link IntegrationCallError} when the call cannot be made here for good (an unknown service),
   * and with anything else when a redelivery may succeed.
   */
  call(service: string, action: string, request: JsonObject): Promise<JsonObject>;
  /** Whether this wiring can call the service (locally, only those with a stand-in). @default true */
  has?(service: string): boolean;
}

/** A mocked result: what the task returns, or the error it fails with. */
export type MockedResult =
  { readonly Return: Json } | { readonly Throw: { readonly Error: string; readonly Cause?: string } };

/**
 * Results declared in place of tasks' calls, locally (never on AWS): for services with no local
 * stand-in, or to test a path (a failure, a Retry) without the real service.
 */
export interface IntegrationMocks {
  /** The result for this attempt of this task, or undefined when none is declared. */
  find(task: {
    readonly workflow: string;
    readonly stateName: string;
    readonly resource: string;
    /** 1-based. */
    readonly attempt: number;
  }): MockedResult | undefined;
  /** How to declare a mock, for the cause of a task that has no stand-in and no mock. */
  readonly howTo: string;
}

/** The transports of one wiring; a missing one fails the tasks that need it, with a clear cause. */
export interface TaskTransports {
  readonly workers: WorkerTransport;
  readonly sqs?: SqsTransport;
  readonly events?: EventsTransport;
  readonly lambda?: LambdaTransport;
  readonly dynamodb?: DynamoDbTransport;
  readonly sns?: SnsTransport;
  readonly awsSdk?: AwsSdkTransport;
  /** `states:startExecution` child executions: where the domains' workflows are. */
  readonly executions?: ChildExecutionTransport;
  /** `apigateway:invoke` calls. */
  readonly apiGateway?: ApiGatewayTransport;
  /** `http:invoke` HTTP Tasks (`httpTaskTransport` of `http-task.ts`). */
  readonly http?: HttpTaskTransport;
  /** Distributed Map runs (`baton:mapRun`, dispatched by Distributed Map states). */
  readonly mapRuns?: MapRunPerformer;
}

/** Options of {@link TaskRouter}. */
export interface TaskRouterOptions {
  readonly transports: TaskTransports;
  /** Where service integration results (and failures found here) go. */
  readonly inbox: InboxSender;
  /** The bus of `events:putEvents` entries that name none. @default the transport's default bus */
  readonly defaultEventBusName?: string;
  /** Where the tasks run, for the cause of a task whose transport is missing. @default 'here' */
  readonly environment?: string;
  /** Mocked results, consulted before any call (local wirings only). */
  readonly mocks?: IntegrationMocks;
  /** The clock of StartDate in child executions' results. @default the system clock */
  readonly clock?: Clock;
}

/** The error of a task that has no stand-in here and no mocked result. */
export const NOT_MOCKED_ERROR = 'Baton.IntegrationNotMocked';

/** A Step Functions parameter block that is missing or malformed. */
class InvalidParametersError extends Error {
  override readonly name = 'InvalidParametersError';
}

/** The outcome of one call: its response, or a task failure already reported to the inbox. */
type CallOutcome<T> = { readonly type: 'done'; readonly value: T } | { readonly type: 'failed' };

/** A service integration's result for the inbox. */
type TaskResult =
  | { readonly kind: 'TaskSucceeded'; readonly taskToken: string; readonly output: Json }
  | {
      readonly kind: 'TaskFailed';
      readonly taskToken: string;
      readonly error: string;
      readonly cause: string;
    };

/** Performs DispatchTask commands through the wiring's transports. */
export class TaskRouter implements TaskDispatcher {
  constructor(private readonly options: TaskRouterOptions) {}

  dispatch(task: TaskDispatch): Promise<void> {
    const mocked = this.options.mocks?.find({
      workflow: task.workflow,
      stateName: task.command.stateName,
      resource: task.command.resource,
      attempt: task.command.attempt,
    });
    if (mocked !== undefined) {
      return 'Return' in mocked
        ? this.succeed(task, mocked.Return)
        : this.fail(task, mocked.Throw.Error, mocked.Throw.Cause ?? '');
    }
    return this.perform(task, parseTaskResource(task.command.resource));
  }

  private perform(task: TaskDispatch, resource: TaskResource): Promise<void> {
    switch (resource.type) {
      case 'worker':
        return this.sendToWorker(task, resource.name);
      case 'sqs':
        return this.sendMessage(task, resource.waitForTaskToken);
      case 'events':
        return this.putEvents(task, resource.waitForTaskToken);
      case 'lambda':
        return this.invokeIntegration(task, resource.waitForTaskToken);
      case 'lambda-arn':
        return this.invokeFunctionArn(task, resource.functionArn);
      case 'dynamodb':
        return this.callDynamoDb(task, resource.action);
      case 'sns':
        return this.publish(task, resource.waitForTaskToken);
      case 'aws-sdk':
        return this.callAwsSdk(task, resource.service, resource.action, resource.waitForTaskToken);
      case 'bedrock-invoke':
        return this.invokeModel(task);
      case 'apigateway':
        return this.invokeApiGateway(task, resource.waitForTaskToken);
      case 'job':
        return this.startJob(
          task,
          resource.service,
          resource.action,
          resource.sync ? 'sync' : resource.waitForTaskToken ? 'waitForTaskToken' : 'requestResponse',
        );
      case 'states':
        return this.startExecution(task, resource.integration);
      case 'http-invoke':
        return this.invokeHttp(task);
      case 'map-run': {
        const mapRuns = this.options.transports.mapRuns;
        if (!mapRuns) return this.unavailable(task, 'Distributed Map runs');
        return mapRuns.start(task);
      }
      case 'unsupported':
        return this.fail(
          task,
          StatesErrors.TaskFailed,
          `Resource '${resource.resource}' is not supported (use baton:worker:<name>, ` +
            'arn:aws:states:::sqs:sendMessage, arn:aws:states:::events:putEvents, arn:aws:states:::lambda:invoke, ' +
            'arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem, arn:aws:states:::sns:publish, ' +
            'arn:aws:states:::bedrock:invokeModel, arn:aws:states:::http:invoke, arn:aws:states:::states:startExecution, the Athena, Glue and ' +
            'SageMaker job integrations, arn:aws:states:::aws-sdk:<service>:<action> or a Lambda function ARN)',
        );
    }
  }

  private async sendToWorker(task: TaskDispatch, worker: string): Promise<void> {
    const { workers } = this.options.transports;
    // The construct checks at synth that every worker a definition names has a queue.
    if (!workers.has(worker))
      return this.fail(task, StatesErrors.TaskFailed, `no worker queue named ${worker}`);
    await this.call(task, () => workers.send(worker, workerTaskMessage(task), traced(task)));
  }

  /** `arn:aws:states:::sqs:sendMessage`: the result is SendMessage's response. */
  private async sendMessage(task: TaskDispatch, waitForTaskToken: boolean): Promise<void> {
    const sqs = this.options.transports.sqs;
    if (!sqs) return this.unavailable(task, 'SQS');
    let request: SqsSendMessageRequest;
    try {
      const params = parameters(task.command.input);
      request = definedFields({
        QueueUrl: requiredString(params, 'QueueUrl'),
        MessageBody: bodyText(params, 'MessageBody'),
        DelaySeconds: optionalNumber(params, 'DelaySeconds'),
        MessageAttributes: messageAttributes(params.MessageAttributes),
        MessageGroupId: optionalString(params, 'MessageGroupId'),
        MessageDeduplicationId: optionalString(params, 'MessageDeduplicationId'),
        TraceHeader: task.traceHeader,
      });
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => sqs.sendMessage(request));
    if (outcome.type === 'failed' || waitForTaskToken) return;
    const response = outcome.value;
    await this.succeed(
      task,
      definedFields({
        MessageId: response.MessageId,
        MD5OfMessageBody: response.MD5OfMessageBody,
        MD5OfMessageAttributes: response.MD5OfMessageAttributes,
        MD5OfMessageSystemAttributes: response.MD5OfMessageSystemAttributes,
        SequenceNumber: response.SequenceNumber,
      }),
    );
  }

  /**
   * `arn:aws:states:::events:putEvents`: the result is `{ Entries: [{ EventId }], FailedEntryCount }`.
   * As in Step Functions, an entry that EventBridge rejects fails the task with
   * `EventBridge.FailedEntry` (the other entries were published: a Retry publishes them again).
   */
  private async putEvents(task: TaskDispatch, waitForTaskToken: boolean): Promise<void> {
    const events = this.options.transports.events;
    if (!events) return this.unavailable(task, 'EventBridge');
    let entries: EventEntry[];
    try {
      entries = eventEntries(
        parameters(task.command.input),
        this.options.defaultEventBusName,
        task.traceHeader,
      );
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => events.putEvents(entries));
    if (outcome.type === 'failed') return;
    const resultEntries = outcome.value.Entries.map((entry) =>
      definedFields({ EventId: entry.EventId, ErrorCode: entry.ErrorCode, ErrorMessage: entry.ErrorMessage }),
    );
    const failedEntryCount = outcome.value.FailedEntryCount;
    if (failedEntryCount > 0) {
      const failed: JsonObject[] = resultEntries.flatMap((entry, index) =>
        entry.ErrorCode === undefined ? [] : [{ Index: index, ...entry }],
      );
      return this.fail(
        task,
        'EventBridge.FailedEntry',
        JSON.stringify({ FailedEntryCount: failedEntryCount, Entries: failed }),
      );
    }
    if (waitForTaskToken) return;
    await this.succeed(task, { Entries: resultEntries, FailedEntryCount: failedEntryCount });
  }

  /**
   * `arn:aws:states:::lambda:invoke`: the result is `{ ExecutedVersion, Payload, SdkHttpMetadata,
   * SdkResponseMetadata, StatusCode }` with `Payload` parsed from JSON. A function error fails the
   * task with the function's `errorType` (`Lambda.Unknown` when it has none, as for timeouts).
   */
  private async invokeIntegration(task: TaskDispatch, waitForTaskToken: boolean): Promise<void> {
    let request: LambdaInvokeRequest;
    try {
      const params = parameters(task.command.input);
      const payload = params.Payload;
      request = definedFields({
        FunctionName: requiredString(params, 'FunctionName'),
        Payload: payload === undefined ? undefined : JSON.stringify(payload),
        InvocationType: invocationType(params),
        Qualifier: optionalString(params, 'Qualifier'),
        ClientContext: optionalString(params, 'ClientContext'),
      });
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const response = await this.invoke(task, request);
    if (response === undefined || waitForTaskToken) return;
    await this.succeed(
      task,
      definedFields({
        ExecutedVersion: response.ExecutedVersion,
        Payload: parsePayload(response.Payload),
        ...sdkMetadata(response.HttpStatusCode, response.RequestId),
        StatusCode: response.StatusCode,
      }),
    );
  }

  /**
   * `arn:aws:states:::dynamodb:<action>`: the parameters are the API's request; the result is the
   * API's response (`Item`, `Attributes`, `ConsumedCapacity`... as DynamoDB returns them) with
   * `SdkHttpMetadata` and `SdkResponseMetadata`, as AWS-recorded executions show
   * (LocalStack, tests/aws/services/stepfunctions/v2/services/test_dynamodb_task_service.snapshot.json).
   * A failed call fails the task with `DynamoDB.<ErrorCode>` (`DynamoDB.ConditionalCheckFailedException`).
   */
  private async callDynamoDb(task: TaskDispatch, action: DynamoDbItemAction): Promise<void> {
    const dynamodb = this.options.transports.dynamodb;
    if (!dynamodb) return this.unavailable(task, 'DynamoDB');
    let request: JsonObject;
    try {
      request = parameters(task.command.input);
      requiredString(request, 'TableName');
      const key = action === 'putItem' ? 'Item' : 'Key';
      if (!isJsonObject(request[key])) throw new InvalidParametersError(`${key} must be an object`);
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => dynamodb.call(action, request));
    if (outcome.type === 'failed') return;
    const { response, httpStatusCode, requestId } = outcome.value;
    await this.succeed(
      task,
      definedFields({
        ...response,
        ...sdkMetadata(httpStatusCode, requestId),
      }),
    );
  }

  /**
   * `arn:aws:states:::sns:publish`: the result is `{ MessageId, SequenceNumber?, SdkHttpMetadata,
   * SdkResponseMetadata }`; a failed call fails the task with `SNS.<ErrorCode>`, the code ending
   * in `Exception` (LocalStack's Step Functions SNS service, checked against AWS-recorded
   * snapshots: tests/aws/services/stepfunctions/v2/services/test_sns_task_service.snapshot.json).
   */
  private async publish(task: TaskDispatch, waitForTaskToken: boolean): Promise<void> {
    const sns = this.options.transports.sns;
    if (!sns) return this.unavailable(task, 'SNS');
    let request: SnsPublishRequest;
    try {
      const params = parameters(task.command.input);
      request = definedFields({
        TopicArn: optionalString(params, 'TopicArn'),
        TargetArn: optionalString(params, 'TargetArn'),
        PhoneNumber: optionalString(params, 'PhoneNumber'),
        Message: bodyText(params, 'Message'),
        Subject: optionalString(params, 'Subject'),
        MessageStructure: optionalString(params, 'MessageStructure'),
        MessageAttributes: messageAttributes(params.MessageAttributes),
        MessageGroupId: optionalString(params, 'MessageGroupId'),
        MessageDeduplicationId: optionalString(params, 'MessageDeduplicationId'),
      });
      if (
        request.TopicArn === undefined &&
        request.TargetArn === undefined &&
        request.PhoneNumber === undefined
      )
        throw new InvalidParametersError('one of TopicArn, TargetArn or PhoneNumber is required');
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => sns.publish(request));
    if (outcome.type === 'failed' || waitForTaskToken) return;
    const response = outcome.value;
    await this.succeed(
      task,
      definedFields({
        MessageId: response.MessageId,
        SequenceNumber: response.SequenceNumber,
        ...sdkMetadata(response.HttpStatusCode, response.RequestId),
      }),
    );
  }

  /**
   * `arn:aws:states:::aws-sdk:<service>:<action>`: the parameters are the API's request; the result
   * is the API's response without metadata, as AWS-recorded executions show (LocalStack,
   * tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json: DynamoDB
   * PutItem gives `{}`, S3 GetObject its fields with `Body` as text). A service error fails the task
   * with `<Service>.<Code>` as Step Functions names it: the SDK's service id without spaces
   * (`DynamoDb` and `Sfn` as Step Functions spells them), and the code ending in `Exception`
   * (`S3.NoSuchKeyException`); the cause is the message with the service, status code and request
   * id (LocalStack's state_task_service_aws_sdk.py follows the same recorded names).
   */
  private async callAwsSdk(
    task: TaskDispatch,
    service: string,
    action: string,
    waitForTaskToken: boolean,
  ): Promise<void> {
    const awsSdk = this.options.transports.awsSdk;
    if (!awsSdk || awsSdk.has?.(service) === false)
      return this.unavailable(task, `the AWS SDK for ${service}`);
    let request: JsonObject;
    try {
      request = parameters(task.command.input);
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => callNamed(awsSdk, service, action, request));
    if (outcome.type === 'failed' || waitForTaskToken) return;
    await this.succeed(task, outcome.value);
  }

  /**
   * `arn:aws:states:::bedrock:invokeModel`: Bedrock Runtime's InvokeModel with Step Functions'
   * parameter names (`ModelId`, `Body` as JSON or text, `ContentType` and `Accept`, both
   * `application/json` by default, `Trace`, `GuardrailIdentifier`, `GuardrailVersion`); the result
   * is `{ Body, ContentType }`, `Body` parsed when the model answers JSON (AWS documentation, "Invoke
   * and customize Amazon Bedrock models with Step Functions"). `Input` and `Output` (the body read
   * from or written to S3) are not performed: such a task fails, saying so.
   */
  private async invokeModel(task: TaskDispatch): Promise<void> {
    const awsSdk = this.options.transports.awsSdk;
    if (!awsSdk || awsSdk.has?.('bedrockruntime') === false) return this.unavailable(task, 'Amazon Bedrock');
    let request: JsonObject;
    try {
      const params = parameters(task.command.input);
      for (const field of ['Input', 'Output']) {
        if (params[field] !== undefined)
          throw new InvalidParametersError(
            `${field} (the body ${field === 'Input' ? 'read from' : 'written to'} S3) is not supported: give Body, ` +
              'and write the result with an arn:aws:states:::aws-sdk:s3:putObject state',
          );
      }
      const body = params.Body;
      if (body === undefined || body === null) throw new InvalidParametersError('Body is required');
      request = definedFields({
        modelId: requiredString(params, 'ModelId'),
        body: typeof body === 'string' ? body : JSON.stringify(body),
        contentType: optionalString(params, 'ContentType') ?? 'application/json',
        accept: optionalString(params, 'Accept') ?? 'application/json',
        trace: optionalString(params, 'Trace'),
        guardrailIdentifier: optionalString(params, 'GuardrailIdentifier'),
        guardrailVersion: optionalString(params, 'GuardrailVersion'),
      });
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => callNamed(awsSdk, 'bedrockruntime', 'invokeModel', request));
    if (outcome.type === 'failed') return;
    const { body, contentType } = outcome.value;
    const text = typeof body === 'string' ? body : '';
    let parsed: Json = text;
    if (typeof contentType === 'string' && contentType.includes('json')) {
      try {
        parsed = JSON.parse(text) as Json;
      } catch {
        parsed = text;
      }
    }
    await this.succeed(task, definedFields({ Body: parsed, ContentType: contentType ?? undefined }));
  }

  /**
   * `arn:aws:states:::apigateway:invoke[.waitForTaskToken]` (see `api-gateway-invoke.ts`): the
   * result is `{ Headers, ResponseBody, StatusCode, StatusText }`; a status other than 2XX fails the
   * task with `ApiGateway.<status>`, a call that got no response with `ApiGateway.<code>`. With
   * `.waitForTaskToken` a 2XX answer leaves the task waiting for the token sent back.
   */
  private async invokeApiGateway(task: TaskDispatch, waitForTaskToken: boolean): Promise<void> {
    let request: ApiGatewayRequest;
    try {
      request = apiGatewayRequest(parameters(task.command.input));
    } catch (error) {
      if (!(error instanceof ApiGatewayParameterError)) return this.failOnParameters(task, error);
      return this.fail(
        task,
        StatesErrors.TaskFailed,
        `Invalid parameters for ${task.command.resource}: ${error.message}`,
      );
    }
    const apiGateway = this.options.transports.apiGateway;
    if (!apiGateway || apiGateway.reaches?.(request.url) === false)
      return this.unavailable(task, `API Gateway (${request.url.host})`);
    let response;
    try {
      response = await apiGateway.invoke(request);
    } catch (error) {
      if (!(error instanceof ApiGatewayCallError)) throw error;
      return this.fail(task, `ApiGateway.${error.code}`, error.message);
    }
    const failure = apiGatewayFailure(response);
    if (failure) return this.fail(task, failure.error, failure.cause);
    if (!waitForTaskToken) await this.succeed(task, apiGatewayResult(response));
  }

  /**
   * `arn:aws:states:::http:invoke`: the transport builds the request, calls the API and gives
   * `{ Headers, ResponseBody, StatusCode, StatusText }`; a status other than 2xx, bad parameters
   * or an unusable connection fail the task (see `http-task.ts`).
   */
  private async invokeHttp(task: TaskDispatch): Promise<void> {
    const http = this.options.transports.http;
    if (!http) return this.unavailable(task, 'an HTTP transport');
    let request: JsonObject;
    try {
      request = parameters(task.command.input);
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => http.invoke(request));
    if (outcome.type === 'done') await this.succeed(task, outcome.value);
  }

  /**
   * `arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]`: starts the child
   * execution (see `child-executions.ts`); request-response reports StartExecution's response, the
   * other forms report it as submitted and leave the result to the child's end or SendTaskSuccess.
   */
  private async startExecution(task: TaskDispatch, integration: ChildIntegration): Promise<void> {
    const executions = this.options.transports.executions;
    if (!executions) return this.unavailable(task, 'child executions');
    const started = await startChildExecution(executions, task, integration, this.now());
    if (started.type === 'failed') return this.fail(task, started.error, started.cause);
    if (!started.waits) return this.succeed(task, started.response);
    return this.options.inbox.send(
      {
        kind: 'TaskSubmitted',
        taskToken: task.taskToken,
        output: started.response,
        resource: task.command.resource,
      },
      traced(task),
    );
  }

  /**
   * Cancels a task aborted after its target took it: a `.sync` or `.sync:2` child execution is
   * stopped, as Step Functions stops it with its parent. Other tasks have nothing to cancel.
   */
  async cancelTask(cancellation: TaskCancellation): Promise<void> {
    const resource = parseTaskResource(cancellation.command.resource);
    if (resource.type === 'job') return this.stopJob(resource.service, resource.action, cancellation);
    if (resource.type === 'map-run') return this.options.transports.mapRuns?.cancel(cancellation);
    const executions = this.options.transports.executions;
    if (resource.type !== 'states' || !executions) return;
    if (resource.integration !== 'sync' && resource.integration !== 'sync:2') return;
    await stopChildExecution(executions, cancellation);
  }

  /**
   * A job-starting integration (`athena:startQueryExecution`, `glue:startJobRun`,
   * `sagemaker:createTrainingJob`...; see `job-integrations.ts`): the start call is the API's, with
   * the parameters as its request. Request-response reports its result. `.sync` reports the task
   * submitted (so that a task aborted from now on stops the job) and looks at the job again after
   * {@link JOB_POLL_DELAYS_SECONDS} through delayed PollTask messages, until it ends.
   */
  private async startJob(
    task: TaskDispatch,
    service: string,
    action: string,
    form: 'requestResponse' | 'sync' | 'waitForTaskToken',
  ): Promise<void> {
    const awsSdk = this.options.transports.awsSdk;
    const job = jobIntegration(service, action);
    if (!awsSdk || !job || awsSdk.has?.(service) === false)
      return this.unavailable(task, `the AWS SDK for ${service}`);
    let request: JsonObject;
    try {
      request = parameters(task.command.input);
      if (job.prepare) request = job.prepare(request, form);
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, () => callNamed(awsSdk, job.service, action, request));
    if (outcome.type === 'failed') return;
    const started = job.started ? job.started(outcome.value, request) : outcome.value;
    if (form === 'waitForTaskToken') return;
    if (form === 'requestResponse' || !job.sync) {
      if (!job.describeStarted || !job.sync) return this.succeed(task, started);
      const { describe } = job.sync;
      const described = await this.call(task, () =>
        callNamed(awsSdk, job.service, describe.action, describe.request(started)),
      );
      if (described.type === 'failed') return;
      return this.succeed(task, described.value);
    }
    await this.options.inbox.send(
      { kind: 'TaskSubmitted', taskToken: task.taskToken, output: started, resource: task.command.resource },
      traced(task),
    );
    await this.schedulePoll(task.taskToken, task.command.resource, started, 0, task.traceHeader);
  }

  /**
   * A `.sync` job's next look (the orchestrator asks only while the task waits for it): its
   * describe call; a job that ended reports the task's result, one still running the next look.
   * As Step Functions does, a job that ended badly fails the task with `States.TaskFailed` and the
   * description as the cause.
   */
  async pollTask(poll: TaskPoll): Promise<void> {
    const resource = parseTaskResource(poll.resource);
    const awsSdk = this.options.transports.awsSdk;
    const job = resource.type === 'job' ? jobIntegration(resource.service, resource.action) : undefined;
    if (resource.type !== 'job' || !job?.sync || !awsSdk || !isJsonObject(poll.started)) return;
    const started = poll.started;
    const { sync } = job;
    const report = (result: TaskResult) => this.options.inbox.send(result, traced(poll));
    let described: JsonObject;
    try {
      described = await callNamed(awsSdk, job.service, sync.describe.action, sync.describe.request(started));
    } catch (error) {
      if (!(error instanceof IntegrationCallError)) throw error;
      return report({
        kind: 'TaskFailed',
        taskToken: poll.taskToken,
        error: error.error,
        cause: error.message.slice(0, MAX_CAUSE_LENGTH),
      });
    }
    const status = sync.status(described);
    const output = sync.output ? sync.output(described, started) : described;
    if (status !== undefined && sync.succeeded.includes(status))
      return report({ kind: 'TaskSucceeded', taskToken: poll.taskToken, output });
    if (status !== undefined && sync.failed.includes(status)) {
      return report({
        kind: 'TaskFailed',
        taskToken: poll.taskToken,
        error: StatesErrors.TaskFailed,
        cause: JSON.stringify(output).slice(0, MAX_CAUSE_LENGTH),
      });
    }
    await this.schedulePoll(poll.taskToken, poll.resource, started, poll.polls, poll.traceHeader);
  }

  private schedulePoll(
    taskToken: string,
    resource: string,
    started: JsonObject,
    polls: number,
    traceHeader: string | undefined,
  ): Promise<void> {
    const delaySeconds = JOB_POLL_DELAYS_SECONDS[
      Math.min(polls, JOB_POLL_DELAYS_SECONDS.length - 1)
    ] as number;
    return this.options.inbox.send(
      { kind: 'PollTask', taskToken, resource, started, polls: polls + 1 },
      { delaySeconds, ...(traceHeader ? { traceHeader } : {}) },
    );
  }

  /** Stops a `.sync` job whose task was aborted (stopped, timed out): best effort, as the job may have ended. */
  private async stopJob(service: string, action: string, cancellation: TaskCancellation): Promise<void> {
    const job = jobIntegration(service, action);
    const stop = job?.sync?.stop;
    const awsSdk = this.options.transports.awsSdk;
    const started = cancellation.command.submitted;
    if (!job || !stop || !awsSdk || !isJsonObject(started)) return;
    try {
      await callNamed(awsSdk, job.service, stop.action, stop.request(started));
    } catch (error) {
      // A job that ended already cannot be stopped: nothing is left to do.
      if (!(error instanceof IntegrationCallError)) throw error;
    }
  }

  private now(): number {
    return this.options.clock?.now() ?? Date.now();
  }

  /** A bare function ARN (the legacy Lambda resource): the state input in, the parsed payload out. */
  private async invokeFunctionArn(task: TaskDispatch, functionArn: string): Promise<void> {
    const response = await this.invoke(task, {
      FunctionName: functionArn,
      Payload: JSON.stringify(task.command.input),
    });
    if (response === undefined) return;
    const payload = parsePayload(response.Payload);
    await this.succeed(task, payload === '' ? null : payload);
  }

  /** Invokes a function; reports the task failed (and returns undefined) on a function error. */
  private async invoke(
    task: TaskDispatch,
    request: LambdaInvokeRequest,
  ): Promise<LambdaInvokeResponse | undefined> {
    const lambda = this.options.transports.lambda;
    if (!lambda) {
      await this.unavailable(task, 'Lambda');
      return undefined;
    }
    const outcome = await this.call(task, () => lambda.invoke(request));
    if (outcome.type === 'failed') return undefined;
    if (outcome.value.FunctionError !== undefined) {
      const payload = parsePayload(outcome.value.Payload);
      const errorType = isJsonObject(payload) ? payload.errorType : undefined;
      const errorMessageText = isJsonObject(payload) ? payload.errorMessage : undefined;
      await this.fail(
        task,
        typeof errorType === 'string' && errorType.length > 0 ? errorType : 'Lambda.Unknown',
        typeof errorMessageText === 'string'
          ? errorMessageText
          : typeof payload === 'string'
            ? payload
            : JSON.stringify(payload),
      );
      return undefined;
    }
    return outcome.value;
  }

  /** Makes one call: an IntegrationCallError fails the task; anything else is thrown (redelivery). */
  private async call<T>(task: TaskDispatch, send: () => Promise<T>): Promise<CallOutcome<T>> {
    try {
      return { type: 'done', value: await send() };
    } catch (error) {
      if (!(error instanceof IntegrationCallError)) throw error;
      await this.fail(task, error.error, error.message);
      return { type: 'failed' };
    }
  }

  /**
   * Fails a task whose transport this wiring lacks. Where mocks can be declared (locally), the
   * error is {@link NOT_MOCKED_ERROR} and the cause says how to declare one for this state.
   */
  private unavailable(task: TaskDispatch, service: string): Promise<void> {
    const where = `${task.command.resource} needs ${service}, which is not available ${this.options.environment ?? 'here'}`;
    const mocks = this.options.mocks;
    if (mocks === undefined) return this.fail(task, StatesErrors.TaskFailed, where);
    return this.fail(
      task,
      NOT_MOCKED_ERROR,
      `${where}, and no mocked result is declared for state '${task.command.stateName}' of workflow ` +
        `'${task.workflow}' or for this resource: ${mocks.howTo}`,
    );
  }

  private failOnParameters(task: TaskDispatch, error: unknown): Promise<void> {
    if (!(error instanceof InvalidParametersError)) throw error;
    return this.fail(
      task,
      StatesErrors.TaskFailed,
      `Invalid parameters for ${task.command.resource}: ${error.message}`,
    );
  }

  private succeed(task: TaskDispatch, output: Json): Promise<void> {
    return this.report(task, { kind: 'TaskSucceeded', taskToken: task.taskToken, output });
  }

  private fail(task: TaskDispatch, error: string, cause: string): Promise<void> {
    return this.report(task, {
      kind: 'TaskFailed',
      taskToken: task.taskToken,
      // The inbox rejects longer names and causes (Step Functions' own limits).
      error: error.slice(0, MAX_ERROR_LENGTH),
      cause: cause.slice(0, MAX_CAUSE_LENGTH),
    });
  }

  private report(task: TaskDispatch, result: TaskResult): Promise<void> {
    return this.options.inbox.send(result, traced(task));
  }
}

function traced(task: { readonly traceHeader?: string | undefined }): { traceHeader?: string } {
  return task.traceHeader ? { traceHeader: task.traceHeader } : {};
}

/**
 * How long a `.sync` job waits between looks, by look (the last repeats): soon at first, for short
 * queries, then at most once a minute, each look one describe call and one inbox message.
 */
export const JOB_POLL_DELAYS_SECONDS: readonly number[] = [2, 4, 8, 15, 30, 60];

/** An AWS SDK call whose service error is named as Step Functions names it (IntegrationCallError). */
async function callNamed(
  awsSdk: AwsSdkTransport,
  service: string,
  action: string,
  request: JsonObject,
): Promise<JsonObject> {
  try {
    return await awsSdk.call(service, action, request);
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    throw awsSdkFailure(error);
  }
}

/** Step Functions' spelling of the services whose SDK id it does not just strip of spaces. */
const SERVICE_ERROR_NAMES: Readonly<Record<string, string>> = { dynamodb: 'DynamoDb', sfn: 'Sfn' };

/** An AWS SDK integration's service error as the task's error: `S3.NoSuchKeyException`. */
export function awsSdkFailure(error: AwsServiceError): IntegrationCallError {
  const { serviceId, code, message, statusCode, requestId, extendedRequestId } = error.details;
  const service = SERVICE_ERROR_NAMES[serviceId.toLowerCase()] ?? serviceId.replace(/ /g, '');
  const name = `${service}.${exceptionName(code)}`;
  const details = [
    `Service: ${service}`,
    ...(statusCode !== undefined ? [`Status Code: ${statusCode}`] : []),
    ...(requestId !== undefined ? [`Request ID: ${requestId}`] : []),
    ...(extendedRequestId !== undefined ? [`Extended Request ID: ${extendedRequestId}`] : []),
  ];
  return new IntegrationCallError(name, `${message} (${details.join(', ')})`, { cause: error });
}

/** The task's effective input as a parameter object. */
function parameters(input: Json): JsonObject {
  if (!isJsonObject(input)) throw new InvalidParametersError('the parameters must be a JSON object');
  return input;
}

function requiredString(params: JsonObject, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidParametersError(`${name} must be a non-empty string`);
  return value;
}

function optionalString(params: JsonObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidParametersError(`${name} must be a string`);
  return value;
}

function optionalNumber(params: JsonObject, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new InvalidParametersError(`${name} must be an integer`);
  return value;
}

/** A message body or event detail: text as it is, any other JSON value serialized (as Step Functions does). */
function bodyText(params: JsonObject, name: string): string {
  const value = params[name];
  if (value === undefined || value === null) throw new InvalidParametersError(`${name} is required`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** SQS message attributes in their API shape; binary values arrive base64-encoded in JSON. */
function messageAttributes(value: Json | undefined): Record<string, SqsMessageAttribute> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw new InvalidParametersError('MessageAttributes must be an object');
  const attributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, attribute] of Object.entries(value)) {
    if (!isJsonObject(attribute))
      throw new InvalidParametersError(`MessageAttributes.${name} must be an object`);
    const dataType = requiredString(attribute, 'DataType');
    const stringValue = optionalString(attribute, 'StringValue');
    const binaryValue = optionalString(attribute, 'BinaryValue');
    attributes[name] = {
      DataType: dataType,
      ...(stringValue !== undefined && { StringValue: stringValue }),
      ...(binaryValue !== undefined && { BinaryValue: Buffer.from(binaryValue, 'base64') }),
    };
  }
  return attributes;
}

/** The PutEvents entries of an `events:putEvents` task, with the default bus and the trace header filled in. */
function eventEntries(
  params: JsonObject,
  defaultEventBusName: string | undefined,
  traceHeader: string | undefined,
): EventEntry[] {
  const entries = params.Entries;
  if (!Array.isArray(entries) || entries.length === 0)
    throw new InvalidParametersError('Entries must be a non-empty array');
  return entries.map((entry, index) => {
    if (!isJsonObject(entry)) throw new InvalidParametersError(`Entries[${index}] must be an object`);
    const resources = entry.Resources;
    if (
      resources !== undefined &&
      !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))
    ) {
      throw new InvalidParametersError(`Entries[${index}].Resources must be an array of strings`);
    }
    const time = optionalString(entry, 'Time');
    return definedFields({
      Source: requiredString(entry, 'Source'),
      DetailType: requiredString(entry, 'DetailType'),
      Detail: bodyText(entry, 'Detail'),
      EventBusName: optionalString(entry, 'EventBusName') ?? defaultEventBusName,
      Resources: resources as string[] | undefined,
      Time: time === undefined ? undefined : new Date(time),
      TraceHeader: optionalString(entry, 'TraceHeader') ?? traceHeader,
    });
  });
}

function invocationType(params: JsonObject): LambdaInvokeRequest['InvocationType'] {
  const value = optionalString(params, 'InvocationType');
  if (value === undefined) return undefined;
  const known = INVOCATION_TYPES.find((type) => type === value);
  if (known === undefined)
    throw new InvalidParametersError(`InvocationType must be one of ${INVOCATION_TYPES.join(', ')}`);
  return known;
}

/** A Lambda response payload: JSON parsed, other text as a string, nothing as ''. */
function parsePayload(payload: Uint8Array | undefined): Json {
  if (payload === undefined || payload.length === 0) return '';
  const text = new TextDecoder().decode(payload);
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** The fields of `fields` that are defined (JSON has no undefined; optional fields stay absent). */
/** The SDK metadata Step Functions adds to an integration's result (absent parts left out). */
function sdkMetadata(
  httpStatusCode: number | undefined,
  requestId: string | undefined,
): { SdkHttpMetadata?: { HttpStatusCode: number }; SdkResponseMetadata?: { RequestId: string } } {
  return {
    ...(httpStatusCode !== undefined ? { SdkHttpMetadata: { HttpStatusCode: httpStatusCode } } : {}),
    ...(requestId !== undefined ? { SdkResponseMetadata: { RequestId: requestId } } : {}),
  };
}

function definedFields<T extends object>(fields: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const object: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) object[name] = value;
  return object as { [K in keyof T]: Exclude<T[K], undefined> };
}
