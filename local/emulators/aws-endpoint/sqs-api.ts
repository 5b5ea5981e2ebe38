/**
 * Amazon SQS's JSON protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`) over
 * {@link LocalQueue}s. Requests name their queue by `QueueUrl`; a queue is found by the last two
 * segments of the URL's path (`/<account>/<name>`), whatever the host, so both the URLs this API
 * hands out (on the endpoint's own origin) and the queues' `https://sqs...` URLs work.
 *
 * Operations: SendMessage, SendMessageBatch, ReceiveMessage, DeleteMessage, DeleteMessageBatch,
 * ChangeMessageVisibility, GetQueueUrl, GetQueueAttributes. Field names and shapes follow the SQS
 * model in `@aws-sdk/client-sqs` (message attributes as `{ DataType, StringValue | BinaryValue }`,
 * binary values base64 in JSON, timestamps in the message attributes as epoch-millisecond strings).
 */
import { LocalSqsError } from '../sqs/errors.js';
import {
  md5OfMessageAttributes,
  type MessageAttributes,
  type MessageAttributeValue,
} from '../sqs/message-attributes.js';
import type { LocalQueue, ReceivedMessage, SendMessageInput } from '../sqs/queue.js';
import { AwsApiError, unknownOperation } from './errors.js';
import type { FieldErrors, FieldReader } from './request-fields.js';

/** SQS's codes for a missing and an invalid parameter. */
export const SQS_FIELD_ERRORS: FieldErrors = {
  missing: 'MissingParameter',
  invalid: 'InvalidParameterValue',
};

/**
 * The query-protocol code and HTTP status of SQS errors whose JSON name differs, from the
 * `awsQueryError` traits of the SQS model. Others keep their name and answer 400.
 */
const QUERY_ERRORS: Readonly<Record<string, { readonly code: string; readonly status: number }>> = {
  QueueDoesNotExist: { code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  BatchEntryIdsNotDistinct: { code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', status: 400 },
  BatchRequestTooLong: { code: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400 },
  EmptyBatchRequest: { code: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400 },
  InvalidBatchEntryId: { code: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 },
  TooManyEntriesInBatchRequest: { code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', status: 400 },
  MessageNotInflight: { code: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  UnsupportedOperation: { code: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  ReceiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', status: 404 },
};

/** An SQS error, with the query code and status SQS gives it. */
export function sqsError(code: string, message: string): AwsApiError {
  const query = QUERY_ERRORS[code];
  return new AwsApiError(code, message, { status: query?.status ?? 400, queryCode: query?.code ?? code });
}

/** The system attributes SendMessage accepts: only the X-Ray trace header. */
const TRACE_HEADER = 'AWSTraceHeader';

/** The SQS operations, over registered queues. */
export class SqsApi {
  private readonly queues = new Map<string, LocalQueue>();
  private readonly byArn = new Map<string, LocalQueue>();

  /** @param origin the endpoint's origin (`http://127.0.0.1:port`), for the URLs it hands out */
  constructor(private readonly origin: () => string) {}

  /** Makes a queue reachable; returns its URL on this endpoint. Throws if the name is taken. */
  register(queue: LocalQueue): string {
    const key = `${queue.accountId}/${queue.name}`;
    if (this.queues.has(key) && this.queues.get(key) !== queue) {
      throw new Error(`A different queue named ${queue.name} is already registered for ${queue.accountId}`);
    }
    this.queues.set(key, queue);
    this.byArn.set(queue.arn, queue);
    return this.urlOf(queue);
  }

  /** The queue's URL on this endpoint: what the SDK, which sends to the QueueUrl's host, needs. */
  urlOf(queue: LocalQueue): string {
    return `${this.origin()}/${queue.accountId}/${queue.name}`;
  }

  /** A registered queue by ARN (EventBridge and Scheduler targets name queues by ARN). */
  queueByArn(arn: string): LocalQueue | undefined {
    return this.byArn.get(arn);
  }

  /** Runs one operation; throws {@link AwsApiError}. `signal` ends a long poll when the caller goes away. */
  async handle(operation: string, request: FieldReader, signal: AbortSignal): Promise<object> {
    try {
      return await this.dispatch(operation, request, signal);
    } catch (error) {
      if (error instanceof LocalSqsError) throw sqsError(error.name, error.message);
      throw error;
    }
  }

  private async dispatch(operation: string, request: FieldReader, signal: AbortSignal): Promise<object> {
    switch (operation) {
      case 'SendMessage':
        return this.sendMessage(request);
      case 'SendMessageBatch':
        return this.sendMessageBatch(request);
      case 'ReceiveMessage':
        return this.receiveMessage(request, signal);
      case 'DeleteMessage':
        this.queue(request).deleteMessage(request.requiredString('ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch':
        return batchResult(
          this.queue(request).deleteMessageBatch(
            request.requiredObjectList('Entries').map((entry) => ({
              id: entry.requiredString('Id'),
              receiptHandle: entry.requiredString('ReceiptHandle'),
            })),
          ),
        );
      case 'ChangeMessageVisibility':
        this.queue(request).changeMessageVisibility(
          request.requiredString('ReceiptHandle'),
          requiredInteger(request, 'VisibilityTimeout'),
        );
        return {};
      case 'GetQueueUrl':
        return this.getQueueUrl(request);
      case 'GetQueueAttributes':
        return this.getQueueAttributes(request);
      default:
        throw unknownOperation(`AmazonSQS.${operation}`);
    }
  }

  private queue(request: FieldReader): LocalQueue {
    const url = request.requiredString('QueueUrl');
    let path: string[];
    try {
      path = new URL(url).pathname.split('/').filter((segment) => segment.length > 0);
    } catch {
      throw sqsError('QueueDoesNotExist', `The specified queue does not exist: ${url} is not a URL`);
    }
    const queue = path.length >= 2 ? this.queues.get(path.slice(-2).join('/')) : undefined;
    if (!queue) throw sqsError('QueueDoesNotExist', `The specified queue does not exist: ${url}`);
    return queue;
  }

  private sendMessage(request: FieldReader): object {
    const queue = this.queue(request);
    const result = queue.sendMessage(sendInput(request));
    return {
      MessageId: result.messageId,
      MD5OfMessageBody: result.md5OfMessageBody,
      ...(result.md5OfMessageAttributes !== undefined
        ? { MD5OfMessageAttributes: result.md5OfMessageAttributes }
        : {}),
      ...systemAttributesDigest(request),
    };
  }

  private sendMessageBatch(request: FieldReader): object {
    const queue = this.queue(request);
    const entries = request.requiredObjectList('Entries');
    const byId = new Map(entries.map((entry) => [entry.optionalString('Id'), entry]));
    const result = queue.sendMessageBatch(
      entries.map((entry) => ({ id: entry.requiredString('Id'), ...sendInput(entry) })),
    );
    return {
      Successful: result.successful.map((sent) => ({
        Id: sent.id,
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfMessageBody,
        ...(sent.md5OfMessageAttributes !== undefined
          ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes }
          : {}),
        ...systemAttributesDigest(byId.get(sent.id) as FieldReader),
      })),
      Failed: result.failed.map(failedEntry),
    };
  }

  private async receiveMessage(request: FieldReader, signal: AbortSignal): Promise<object> {
    const queue = this.queue(request);
    const maxNumberOfMessages = request.optionalInteger('MaxNumberOfMessages');
    const visibilityTimeout = request.optionalInteger('VisibilityTimeout');
    const waitTimeSeconds = request.optionalInteger('WaitTimeSeconds');
    const messages = await queue.receiveMessage({
      ...(maxNumberOfMessages !== undefined ? { maxNumberOfMessages } : {}),
      ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
      ...(waitTimeSeconds !== undefined ? { waitTimeSeconds } : {}),
      signal,
    });
    const systemNames = [
      ...(request.optionalStringList('AttributeNames') ?? []),
      ...(request.optionalStringList('MessageSystemAttributeNames') ?? []),
    ];
    const attributeNames = request.optionalStringList('MessageAttributeNames') ?? [];
    if (messages.length === 0) return {};
    return { Messages: messages.map((message) => receivedMessage(message, systemNames, attributeNames)) };
  }

  private getQueueUrl(request: FieldReader): object {
    const name = request.requiredString('QueueName');
    const owner = request.optionalString('QueueOwnerAWSAccountId');
    const matches = [...this.queues.values()].filter(
      (queue) => queue.name === name && (owner === undefined || queue.accountId === owner),
    );
    const queue = matches[0];
    if (!queue) throw sqsError('QueueDoesNotExist', `The specified queue does not exist: ${name}`);
    return { QueueUrl: this.urlOf(queue) };
  }

  private getQueueAttributes(request: FieldReader): object {
    const queue = this.queue(request);
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(queue.approximateNumberOfMessages),
      ApproximateNumberOfMessagesNotVisible: String(queue.approximateNumberOfMessagesNotVisible),
      ApproximateNumberOfMessagesDelayed: String(queue.approximateNumberOfMessagesDelayed),
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      DelaySeconds: String(queue.delaySeconds),
      MessageRetentionPeriod: String(queue.messageRetentionSeconds),
      MaximumMessageSize: String(queue.maximumMessageSize),
      ReceiveMessageWaitTimeSeconds: String(queue.receiveMessageWaitTimeSeconds),
      ...(queue.redrivePolicy
        ? {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: queue.redrivePolicy.deadLetterQueue.arn,
              maxReceiveCount: queue.redrivePolicy.maxReceiveCount,
            }),
          }
        : {}),
    };
    const names = request.optionalStringList('AttributeNames') ?? [];
    const selected = names.includes('All')
      ? all
      : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
    return Object.keys(selected).length > 0 ? { Attributes: selected } : {};
  }
}

function requiredInteger(request: FieldReader, name: string): number {
  const value = request.optionalInteger(name);
  if (value === undefined)
    throw sqsError('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

/** SendMessage's (or a batch entry's) input in the local queue's terms. */
function sendInput(request: FieldReader): SendMessageInput {
  for (const fifoOnly of ['MessageGroupId', 'MessageDeduplicationId']) {
    if (request.has(fifoOnly)) {
      throw sqsError(
        'InvalidParameterValue',
        `The request includes the parameter ${fifoOnly}, which is not valid for a standard queue`,
      );
    }
  }
  const delaySeconds = request.optionalInteger('DelaySeconds');
  const messageAttributes = attributesOf(request);
  const traceHeader = traceHeaderOf(request);
  return {
    body: request.requiredString('MessageBody'),
    ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    ...(messageAttributes !== undefined ? { messageAttributes } : {}),
    ...(traceHeader !== undefined ? { awsTraceHeader: traceHeader } : {}),
  };
}

function attributesOf(request: FieldReader): MessageAttributes | undefined {
  const map = request.optionalObjectMap('MessageAttributes');
  if (map === undefined) return undefined;
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of map) {
    if (attribute.has('StringListValues') || attribute.has('BinaryListValues')) {
      throw sqsError(
        'InvalidParameterValue',
        `Message attribute ${name}: StringListValues and BinaryListValues are not implemented by SQS`,
      );
    }
    const stringValue = attribute.optionalString('StringValue');
    const binaryValue = attribute.optionalString('BinaryValue');
    attributes[name] = {
      dataType: attribute.requiredString('DataType'),
      ...(stringValue !== undefined ? { stringValue } : {}),
      ...(binaryValue !== undefined ? { binaryValue: Buffer.from(binaryValue, 'base64') } : {}),
    };
  }
  return attributes;
}

function traceHeaderOf(request: FieldReader): string | undefined {
  const map = request.optionalObjectMap('MessageSystemAttributes');
  if (map === undefined) return undefined;
  let traceHeader: string | undefined;
  for (const [name, attribute] of map) {
    if (name !== TRACE_HEADER) {
      throw sqsError(
        'InvalidParameterValue',
        `Message system attribute name '${name}' is invalid: SQS accepts only ${TRACE_HEADER}`,
      );
    }
    if (attribute.requiredString('DataType') !== 'String') {
      throw sqsError('InvalidParameterValue', `Message system attribute ${TRACE_HEADER} must be a String`);
    }
    traceHeader = attribute.requiredString('StringValue');
  }
  return traceHeader;
}

/** `MD5OfMessageSystemAttributes`, computed as for message attributes, when the request set any. */
function systemAttributesDigest(request: FieldReader): { MD5OfMessageSystemAttributes?: string } {
  const traceHeader = traceHeaderOf(request);
  if (traceHeader === undefined) return {};
  const digest = md5OfMessageAttributes({ [TRACE_HEADER]: { dataType: 'String', stringValue: traceHeader } });
  return digest === undefined ? {} : { MD5OfMessageSystemAttributes: digest };
}

function receivedMessage(
  message: ReceivedMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
): object {
  const allSystem = systemNames.includes('All');
  const attributes = Object.fromEntries(
    Object.entries(message.attributes).filter(
      ([name, value]) => value !== undefined && (allSystem || systemNames.includes(name)),
    ),
  );
  const selected: Record<string, MessageAttributeValue> = Object.fromEntries(
    Object.entries(message.messageAttributes).filter(([name]) => attributeSelected(name, attributeNames)),
  );
  const digest = md5OfMessageAttributes(selected);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(digest !== undefined
      ? {
          MD5OfMessageAttributes: digest,
          MessageAttributes: Object.fromEntries(
            Object.entries(selected).map(([name, value]) => [
              name,
              {
                DataType: value.dataType,
                ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
                ...(value.binaryValue !== undefined
                  ? { BinaryValue: Buffer.from(value.binaryValue).toString('base64') }
                  : {}),
              },
            ]),
          ),
        }
      : {}),
  };
}

/** `All`, `.*`, a `prefix.*` or the exact name (SQS's MessageAttributeNames rules). */
function attributeSelected(name: string, requested: readonly string[]): boolean {
  return requested.some(
    (pattern) =>
      pattern === 'All' ||
      pattern === '.*' ||
      pattern === name ||
      (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
  );
}

function batchResult(result: {
  readonly successful: readonly { readonly id: string }[];
  readonly failed: readonly { id: string; senderFault: boolean; code: string; message: string }[];
}): object {
  return {
    Successful: result.successful.map((entry) => ({ Id: entry.id })),
    Failed: result.failed.map(failedEntry),
  };
}

function failedEntry(entry: { id: string; senderFault: boolean; code: string; message: string }): object {
  return { Id: entry.id, SenderFault: entry.senderFault, Code: entry.code, Message: entry.message };
}
