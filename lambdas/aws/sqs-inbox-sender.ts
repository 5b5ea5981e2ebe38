/**
 * The orchestrator's inbox on Amazon SQS: service integration results and short timers are sent
 * here as JSON messages.
 */
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Json } from '../engine/json.js';
import type { InboxSender } from '../runtime/ports.js';
import { errorMessage, InboxSendError, isTransient, transientError } from './aws-errors.js';

/** The longest per-message delay SQS accepts (15 minutes). */
export const MAX_SQS_DELAY_SECONDS = 900;

/** SendMessageBatch's limits: 10 messages, 256 KiB of bodies together (a margin kept for the rest). */
const BATCH_MESSAGES = 10;
const BATCH_BYTES = 240 * 1024;

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

  /**
   * Sends messages with SendMessageBatch, as many to a request as SQS takes (10, 256 KiB). Entries
   * SQS refuses are sent again once; a request or an entry that still fails throws as
   * {@link send} does.
   */
  async sendBatch(bodies: readonly Json[]): Promise<void> {
    const requests: string[][] = [];
    let current: string[] = [];
    let bytes = 0;
    for (const body of bodies) {
      const text = JSON.stringify(body);
      const size = Buffer.byteLength(text, 'utf8');
      if (current.length > 0 && (current.length >= BATCH_MESSAGES || bytes + size > BATCH_BYTES)) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(text);
      bytes += size;
    }
    if (current.length > 0) requests.push(current);
    await Promise.all(requests.map((texts) => this.sendEntries(texts, 2)));
  }

  private async sendEntries(texts: readonly string[], tries: number): Promise<void> {
    let response;
    try {
      response = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: texts.map((text, index) => ({ Id: String(index), MessageBody: text })),
        }),
      );
    } catch (error) {
      if (isTransient(error)) throw transientError('SQS SendMessageBatch to the inbox', error);
      throw new InboxSendError(`Could not send to the inbox ${this.queueUrl}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const refused = response.Failed ?? [];
    if (refused.length === 0) return;
    const failed = refused.map((entry) => texts[Number(entry.Id)] as string);
    if (tries > 1) return this.sendEntries(failed, tries - 1);
    const detail = `${refused[0]?.Code ?? 'unknown'}: ${refused[0]?.Message ?? ''}`;
    if (refused.every((entry) => entry.SenderFault)) {
      throw new InboxSendError(
        `SQS refused ${failed.length} messages for the inbox ${this.queueUrl} (${detail})`,
      );
    }
    throw transientError('SQS SendMessageBatch to the inbox', new Error(detail));
  }
}
