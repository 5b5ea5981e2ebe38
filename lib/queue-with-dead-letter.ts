/**
 * An SQS queue with its dead-letter queue, both encrypted at rest (SSE-SQS) and refusing
 * requests that are not over TLS.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION_SECONDS } from '../lambdas/contract/queue-settings.js';

/** How long a dead-lettered message is kept: the SQS maximum, so that there is time to look at it. */
export const DEAD_LETTER_RETENTION = Duration.seconds(DEAD_LETTER_RETENTION_SECONDS);

/** Props of {@link QueueWithDeadLetter}. */
export interface QueueWithDeadLetterProps {
  /** How long a received message stays invisible to other consumers. */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** @default 4 days (the SQS default) */
  readonly retentionPeriod?: Duration;
}

/**
 * A queue and its DLQ. Encryption is SQS-managed (SSE-SQS) rather than KMS, so that EventBridge
 * rules and Scheduler can send to it without key policies; both queues deny non-TLS access.
 */
export class QueueWithDeadLetter extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueueWithDeadLetterProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      ...(props.retentionPeriod ? { retentionPeriod: props.retentionPeriod } : {}),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
