/**
 * The orchestrator's inbox on Amazon SQS: service integration results and short timers are sent
 * here as JSON messages.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { Json } from '../engine/json.js';
import type { InboxSender } from '../runtime/ports.js';
import { errorMessage, InboxSendError, isTransient, transientError } from './aws-errors.js';

/** The longest per-message delay SQS accepts (15 minutes). */
export const MAX_SQS_DELAY_SECONDS = 900;

/** Options of {@link SqsInboxSender}. */
export interface SqsInboxSenderOptions {
  readonly client: SQSClient;
  /**
   * URL of the inbox queue. A standard queue: SQS accepts a per-message `DelaySeconds` only on
   * standard queues, and short timers depend on it.
   */
  readonly queueUrl: string;
}

/**
 * The message system attributes that carry an X-Ray trace header across SQS (`AWSTraceHeader`,
 * the only system attribute SQS accepts on send), or undefined when there is none.
 */
export function traceHeaderAttributes(
  traceHeader: string | undefined,
): { AWSTraceHeader: { DataType: 'String'; StringValue: string } } | undefined {
  return traceHeader ? { AWSTraceHeader: { DataType: 'String', StringValue: traceHeader } } : undefined;
}

/**
 * Sends inbox messages with SQS SendMessage. At-least-once: a send that fails transiently throws
 * {@link TransientStoreError} and the caller sends again, so the inbox may receive a message twice
 * (the orchestrator drops the duplicate: a task result whose attempt is over, a stale timer, ...).
 *
 * `deduplicationId` travels as the `deduplicationId` message attribute, for the orchestrator to
 * log and deduplicate on: SQS itself deduplicates only on FIFO queues, which cannot delay single
 * messages.
 */
export class SqsInboxSender implements InboxSender {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsInboxSenderOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  /** Throws TransientStoreError (retry) or InboxSendError (a retry will not help). */
  async send(
    body: Json,
    options: { delaySeconds?: number; traceHeader?: string; deduplicationId?: string } = {},
  ): Promise<void> {
    const delaySeconds = options.delaySeconds ?? 0;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_SQS_DELAY_SECONDS) {
      throw new RangeError(
        `delaySeconds must be an integer from 0 to ${MAX_SQS_DELAY_SECONDS}, got ${delaySeconds}`,
      );
    }
    const attributes: Record<string, MessageAttributeValue> = {};
    if (options.deduplicationId) {
      attributes.deduplicationId = { DataType: 'String', StringValue: options.deduplicationId };
    }
    const command = new SendMessageCommand({
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify(body),
      DelaySeconds: delaySeconds,
      MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
      MessageSystemAttributes: traceHeaderAttributes(options.traceHeader),
    });
    try {
      await this.client.send(command);
    } catch (error) {
      if (isTransient(error)) throw transientError('SQS SendMessage to the inbox', error);
      throw new InboxSendError(`Could not send to the inbox ${this.queueUrl}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
}
