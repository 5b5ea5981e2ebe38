/**
 * Performs DispatchTask commands on AWS. A worker task becomes a message on the worker's SQS
 * queue; the Step Functions service integrations Baton supports (SQS SendMessage, EventBridge
 * PutEvents, Lambda Invoke, a bare Lambda function ARN) are called right here, and their result is
 * sent to the orchestrator's inbox as a task result, shaped as Step Functions shapes it.
 */
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  InvokeCommand,
  type InvocationType,
  type InvokeCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import { StatesErrors } from '../engine/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../engine/json.js';
import { MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH } from '../runtime/inbox-messages.js';
import { workerTaskMessage } from '../runtime/worker.js';
import type { InboxSender, TaskDispatch, TaskDispatcher } from '../runtime/ports.js';
import {
  errorMessage,
  integrationErrorName,
  isTransient,
  transientError,
  type IntegrationService,
} from './aws-errors.js';
import { traceHeaderAttributes } from './sqs-inbox-sender.js';
import { parseTaskResource, type TaskResource } from './task-resources.js';

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

/** The inbox messages this dispatcher sends (a subset of the inbox's message schema). */
export type InboxTaskResult = InboxTaskSucceeded | InboxTaskFailed;

/** Options of {@link AwsTaskDispatcher}. */
export interface AwsTaskDispatcherOptions {
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  /** Needed for `lambda:invoke` and Lambda ARN resources. @default none: such tasks fail with States.TaskFailed */
  readonly lambda?: LambdaClient;
  /** Worker name -> URL of the worker's queue. */
  readonly workerQueues: Readonly<Record<string, string>>;
  /** Where service integration results go. */
  readonly inbox: InboxSender;
  /** The bus of `events:putEvents` entries that name none. @default the account's default bus */
  readonly defaultEventBusName?: string;
}

/** The outcome of one AWS call: its response, or a task failure already reported to the inbox. */
type CallOutcome<T> = { readonly type: 'done'; readonly value: T } | { readonly type: 'failed' };

/** A Step Functions parameter block that is missing or malformed. */
class InvalidParametersError extends Error {
  override readonly name = 'InvalidParametersError';
}

/**
 * Performs DispatchTask commands on SQS, EventBridge and Lambda.
 *
 * Delivery: at-least-once. The orchestrator performs a dispatch again when it cannot tell whether
 * it was performed (a crash after the commit), so a worker may get the same task twice (it
 * deduplicates on `idempotencyKey`), a service integration may run twice (a message sent twice, a
 * function invoked twice), and a result may reach the inbox twice (the engine keeps the first).
 *
 * Every dispatch ends in one of three ways: the task reached its target (and, for a service
 * integration without `.waitForTaskToken`, its result is in the inbox); the task failed for good
 * and a TaskFailed message says why; or a transient AWS failure threw {@link TransientStoreError}
 * so that the inbox message is redelivered and the dispatch performed again.
 */
export class AwsTaskDispatcher implements TaskDispatcher {
  private readonly options: AwsTaskDispatcherOptions;

  constructor(options: AwsTaskDispatcherOptions) {
    this.options = options;
  }

  dispatch(task: TaskDispatch): Promise<void> {
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
      case 'unsupported':
        return this.fail(
          task,
          StatesErrors.TaskFailed,
          `Resource '${resource.resource}' is not supported on AWS (use baton:worker:<name>, ` +
            'arn:aws:states:::sqs:sendMessage, arn:aws:states:::events:putEvents, arn:aws:states:::lambda:invoke ' +
            'or a Lambda function ARN)',
        );
    }
  }

  private async sendToWorker(task: TaskDispatch, worker: string): Promise<void> {
    const queueUrl = Object.hasOwn(this.options.workerQueues, worker)
      ? this.options.workerQueues[worker]
      : undefined;
    // The construct checks at synth that every worker a definition names has a queue.
    if (!queueUrl) return this.fail(task, StatesErrors.TaskFailed, `no worker queue named ${worker}`);
    const message = workerTaskMessage(task);
    await this.call(task, 'SQS', `SQS SendMessage to worker ${worker}`, () =>
      this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          MessageAttributes: {
            executionId: { DataType: 'String', StringValue: task.executionId },
            workflow: { DataType: 'String', StringValue: task.workflow },
            stateName: { DataType: 'String', StringValue: message.stateName },
            attempt: { DataType: 'Number', StringValue: String(message.attempt) },
          },
          MessageSystemAttributes: traceHeaderAttributes(task.traceHeader),
        }),
      ),
    );
  }

  /** `arn:aws:states:::sqs:sendMessage`: the result is SendMessage's response. */
  private async sendMessage(task: TaskDispatch, waitForTaskToken: boolean): Promise<void> {
    let input: ConstructorParameters<typeof SendMessageCommand>[0];
    try {
      const params = parameters(task.command.input);
      input = {
        QueueUrl: requiredString(params, 'QueueUrl'),
        MessageBody: bodyText(params, 'MessageBody'),
        DelaySeconds: optionalNumber(params, 'DelaySeconds'),
        MessageAttributes: messageAttributes(params.MessageAttributes),
        MessageGroupId: optionalString(params, 'MessageGroupId'),
        MessageDeduplicationId: optionalString(params, 'MessageDeduplicationId'),
        MessageSystemAttributes: traceHeaderAttributes(task.traceHeader),
      };
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, 'SQS', 'SQS SendMessage', () =>
      this.options.sqs.send(new SendMessageCommand(input)),
    );
    if (outcome.type === 'failed' || waitForTaskToken) return;
    const response = outcome.value;
    await this.succeed(
      task,
      jsonFields({
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
    let entries: PutEventsRequestEntry[];
    try {
      entries = eventEntries(
        parameters(task.command.input),
        this.options.defaultEventBusName,
        task.traceHeader,
      );
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const outcome = await this.call(task, 'EventBridge', 'EventBridge PutEvents', () =>
      this.options.eventBridge.send(new PutEventsCommand({ Entries: entries })),
    );
    if (outcome.type === 'failed') return;
    const resultEntries = (outcome.value.Entries ?? []).map((entry) =>
      jsonFields({ EventId: entry.EventId, ErrorCode: entry.ErrorCode, ErrorMessage: entry.ErrorMessage }),
    );
    const failedEntryCount = outcome.value.FailedEntryCount ?? 0;
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
    let input: ConstructorParameters<typeof InvokeCommand>[0];
    try {
      const params = parameters(task.command.input);
      const payload = params.Payload;
      input = {
        FunctionName: requiredString(params, 'FunctionName'),
        Payload: payload === undefined ? undefined : JSON.stringify(payload),
        InvocationType: invocationType(params),
        Qualifier: optionalString(params, 'Qualifier'),
        ClientContext: optionalString(params, 'ClientContext'),
      };
    } catch (error) {
      return this.failOnParameters(task, error);
    }
    const response = await this.invoke(task, input);
    if (response === undefined || waitForTaskToken) return;
    await this.succeed(
      task,
      jsonFields({
        ExecutedVersion: response.ExecutedVersion,
        Payload: parsePayload(response.Payload),
        SdkHttpMetadata:
          response.$metadata.httpStatusCode === undefined
            ? undefined
            : { HttpStatusCode: response.$metadata.httpStatusCode },
        SdkResponseMetadata:
          response.$metadata.requestId === undefined
            ? undefined
            : { RequestId: response.$metadata.requestId },
        StatusCode: response.StatusCode,
      }),
    );
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
    input: ConstructorParameters<typeof InvokeCommand>[0],
  ): Promise<InvokeCommandOutput | undefined> {
    const lambda = this.options.lambda;
    if (!lambda) {
      await this.fail(
        task,
        StatesErrors.TaskFailed,
        `no Lambda client is configured to run ${task.command.resource}`,
      );
      return undefined;
    }
    const outcome = await this.call(task, 'Lambda', 'Lambda Invoke', () =>
      lambda.send(new InvokeCommand(input)),
    );
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

  /**
   * Makes one AWS call: a transient failure throws TransientStoreError (the inbox message is
   * redelivered and the dispatch performed again); any other failure is reported as the task's
   * failure, named `<Service>.<Error>Exception` as Step Functions names it.
   */
  private async call<T>(
    task: TaskDispatch,
    service: IntegrationService,
    operation: string,
    send: () => Promise<T>,
  ): Promise<CallOutcome<T>> {
    try {
      return { type: 'done', value: await send() };
    } catch (error) {
      if (isTransient(error)) throw transientError(operation, error);
      await this.fail(
        task,
        integrationErrorName(service, error),
        `${operation} failed: ${errorMessage(error)}`,
      );
      return { type: 'failed' };
    }
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

  private report(task: TaskDispatch, result: InboxTaskResult): Promise<void> {
    return this.options.inbox.send(result, { traceHeader: task.traceHeader });
  }
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
function messageAttributes(value: Json | undefined): Record<string, MessageAttributeValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw new InvalidParametersError('MessageAttributes must be an object');
  const attributes: Record<string, MessageAttributeValue> = {};
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
): PutEventsRequestEntry[] {
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
    return {
      Source: requiredString(entry, 'Source'),
      DetailType: requiredString(entry, 'DetailType'),
      Detail: bodyText(entry, 'Detail'),
      EventBusName: optionalString(entry, 'EventBusName') ?? defaultEventBusName,
      Resources: resources as string[] | undefined,
      Time: time === undefined ? undefined : new Date(time),
      TraceHeader: optionalString(entry, 'TraceHeader') ?? traceHeader,
    };
  });
}

const INVOCATION_TYPES: readonly string[] = ['RequestResponse', 'Event', 'DryRun'];

function invocationType(params: JsonObject): InvocationType | undefined {
  const value = optionalString(params, 'InvocationType');
  if (value !== undefined && !INVOCATION_TYPES.includes(value)) {
    throw new InvalidParametersError(`InvocationType must be one of ${INVOCATION_TYPES.join(', ')}`);
  }
  return value as InvocationType | undefined;
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

/** A JSON object of the fields that are defined (JSON has no undefined). */
function jsonFields(fields: Readonly<Record<string, Json | undefined>>): JsonObject {
  const object: JsonObject = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) object[name] = value;
  return object;
}
