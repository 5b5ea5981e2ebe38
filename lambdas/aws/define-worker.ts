/**
 * `defineWorker`: turns a handler into an SQS-triggered worker Lambda.
 *
 * ```ts
 * export const handler = defineWorker(async (input: { amount: number }, context) => {
 *   return payments.charge(input.amount, { idempotencyKey: context.idempotencyKey });
 * });
 * ```
 *
 * Each record of the worker's queue is one task attempt: the handler gets the effective input,
 * the attempt number, an idempotency key that stays the same across redeliveries and retries of
 * the state entry, and `heartbeat()`. Its result, or its named failure, goes to the orchestrator's
 * inbox. Delivery is at-least-once: a worker with side effects must be idempotent on the key.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { InboxSender } from '../runtime/ports.js';
import {
  parseWorkerTaskMessage,
  runTask,
  type WorkerHandler,
  type WorkerTaskMessage,
} from '../runtime/worker.js';
import { BatonEnv } from '../contract/environment-names.js';
import { LogKey } from '../contract/observability-names.js';
import { SqsInboxSender } from './sqs-inbox-sender.js';

/** Options of {@link defineWorker}. */
export interface DefineWorkerOptions {
  /** Where results go. @default an SqsInboxSender on the queue in `BATON_INBOX_QUEUE_URL` */
  readonly inbox?: InboxSender;
  /** @default a Powertools Logger named after `BATON_WORKER_NAME` */
  readonly logger?: Logger;
  /**
   * Log the task input and output. Off by default: payloads may carry personal data.
   * @default process.env[BatonEnv.logPayloads] === 'true'
   */
  readonly logPayloads?: boolean;
}

/** A required environment variable is missing. */
export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
}

/** Reads a required environment variable, naming it when it is missing. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new MissingConfigurationError(`The environment variable ${name} is not set`);
  return value;
}

/** Resolves the inbox of a worker that was given none, from the record it handles. */
export type InboxResolver = (record: SQSRecord) => InboxSender;

let sqsInbox: InboxSender | undefined;

/** On Lambda: the SQS queue named by `BATON_INBOX_QUEUE_URL`. */
const lambdaInbox: InboxResolver = () =>
  (sqsInbox ??= new SqsInboxSender({
    client: new SQSClient({}),
    queueUrl: requiredEnv(BatonEnv.inboxQueueUrl),
  }));

/** Inboxes of local worker queues, by queue ARN (empty on Lambda). */
const localInboxes = new Map<string, InboxSender>();

/** A worker's inbox: the local one registered for its queue, else (on Lambda) the configured queue. */
const defaultInbox: InboxResolver = (record) =>
  localInboxes.get(record.eventSourceARN) ?? lambdaInbox(record);

/**
 * Routes the results of workers defined without an `inbox` option whose records come from the
 * queue `queueArn`: the local runtime and the in-process domain use it to run the very same worker
 * modules against their embedded queues, several at once in one process. Returns the function
 * that removes the route.
 */
export function registerWorkerInbox(queueArn: string, inbox: InboxSender): () => void {
  localInboxes.set(queueArn, inbox);
  return () => {
    if (localInboxes.get(queueArn) === inbox) localInboxes.delete(queueArn);
  };
}

/**
 * Builds the SQS handler of a worker Lambda. Records of a batch run in parallel; each logs its
 * lines with its own `executionId`, `workflow` and `state`, so overlapping records never log under
 * each other's keys. A record that cannot be handled is logged as an error with its message id and
 * reported as a batch item failure.
 *
 * The record's X-Ray trace header is not copied onto the result: in Lambda, the AWS SDK sends the
 * worker invocation's own trace header with the SendMessage, so the orchestrator's invocation that
 * handles the result is linked to this one.
 */
export function defineWorker<Input, Output>(
  handler: WorkerHandler<Input, Output>,
  options: DefineWorkerOptions = {},
) {
  const logger =
    options.logger ?? new Logger({ serviceName: process.env[BatonEnv.workerName] ?? 'baton-worker' });
  const logPayloads = options.logPayloads ?? process.env[BatonEnv.logPayloads] === 'true';
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    let message: WorkerTaskMessage;
    try {
      message = parseWorkerTaskMessage(record.body);
    } catch (error) {
      logger.error('Malformed task message: left for the dead-letter queue', {
        messageId: record.messageId,
        reason: (error as Error).message,
      });
      throw error;
    }
    // The record's keys go on each of its lines rather than on the logger, which the records of a
    // batch share while they run in parallel. (Not a Powertools child logger per record: a child
    // reports cold_start true on every invocation.)
    const keys = {
      [LogKey.executionId]: message.executionId,
      [LogKey.workflow]: message.workflow,
      [LogKey.state]: message.stateName,
    };
    logger.info('Task received', {
      ...keys,
      attempt: message.attempt,
      compensation: message.compensation,
      ...(logPayloads ? { input: message.input } : {}),
    });
    try {
      await runTask(message, handler as WorkerHandler<never>, options.inbox ?? defaultInbox(record));
    } catch (error) {
      logger.error('Task outcome not reported: the task will be redelivered', {
        ...keys,
        messageId: record.messageId,
        error: error as Error,
      });
      throw error;
    }
    logger.info('Task reported', keys);
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    // A processor per invocation: it keeps the batch's failures, and invocations may overlap
    // (several pollers on one worker module locally), so a shared one would lose some.
    return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}
