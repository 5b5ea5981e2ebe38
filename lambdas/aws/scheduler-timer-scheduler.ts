/**
 * Durable timers on AWS: a timer due within 15 minutes is a delayed message on the inbox queue;
 * a later one is a one-time EventBridge Scheduler schedule that sends the same message to the
 * inbox when it is due, then deletes itself.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { createHash } from 'node:crypto';
import type { InboxSender, TimerScheduler } from '../runtime/ports.js';
import { errorMessage, errorName, isTransient, TimerScheduleError, transientError } from './aws-errors.js';
import { MAX_SQS_DELAY_SECONDS } from './sqs-inbox-sender.js';

/** The inbox message of a timer that is due. */
export type InboxTimerFired = {
  readonly kind: 'TimerFired';
  readonly executionId: string;
  readonly timerId: string;
};

/** Options of {@link AwsTimerScheduler}. */
export interface AwsTimerSchedulerOptions {
  /** Sends short timers as delayed inbox messages. */
  readonly inbox: InboxSender;
  readonly scheduler: SchedulerClient;
  /** The schedule group of this orchestrator's timers (the construct creates it). */
  readonly groupName: string;
  /** ARN of the inbox queue, the target of long timers. */
  readonly targetQueueArn: string;
  /** Role EventBridge Scheduler assumes to send to the inbox (`sqs:SendMessage`, and KMS if encrypted). */
  readonly roleArn: string;
  /** Epoch milliseconds now. */
  readonly clock: () => number;
  /** Where Scheduler puts a timer it could not deliver after its retries. @default none */
  readonly deadLetterQueueArn?: string;
}

const SCHEDULE_NAME_PREFIX = 'baton-timer-';
const MINUTE_MS = 60_000;

/**
 * The schedule name of a timer: deterministic, so that scheduling the same timer twice names the
 * same schedule, and within Scheduler's rules (1-64 characters of `[0-9a-zA-Z-_.]`) whatever the
 * ids: `baton-timer-` and the base64url SHA-256 of execution id and timer id (55 characters).
 */
export function timerScheduleName(executionId: string, timerId: string): string {
  const digest = createHash('sha256')
    .update(executionId)
    .update('\u0000')
    .update(timerId)
    .digest('base64url');
  return `${SCHEDULE_NAME_PREFIX}${digest}`;
}

/**
 * The one-time schedule expression of a timer, in UTC, rounded up to the whole minute:
 * Scheduler invokes its targets with one-minute precision (a schedule at 1:00 runs between
 * 1:00:00 and 1:00:59), so rounding up is what keeps a timer from firing early.
 */
export function atExpression(fireAt: number): string {
  const minute = Math.ceil(fireAt / MINUTE_MS) * MINUTE_MS;
  return `at(${new Date(minute).toISOString().slice(0, 19)})`;
}

/**
 * Timers on SQS delays and EventBridge Scheduler.
 *
 * Delivery: at-least-once, never early, possibly late: a delayed message arrives on time or a
 * little after (SQS rounds the delay up to whole seconds here); a schedule fires within the minute
 * after `fireAt` rounded up to the minute. `schedule` is idempotent: the schedule's name derives
 * from the timer, and creating it again finds it there. A long timer does not carry the X-Ray
 * trace header (Scheduler cannot set message system attributes).
 *
 * `cancel` deletes the timer's schedule if it has one; a timer already on its way as a delayed
 * message cannot be recalled, and fires anyway: the engine ignores a timer it no longer waits for.
 */
export class AwsTimerScheduler implements TimerScheduler {
  private readonly options: AwsTimerSchedulerOptions;

  constructor(options: AwsTimerSchedulerOptions) {
    this.options = options;
  }

  /** Throws TransientStoreError (retry) or TimerScheduleError. */
  async schedule(timer: {
    executionId: string;
    timerId: string;
    fireAt: number;
    traceHeader?: string;
  }): Promise<void> {
    const body: InboxTimerFired = {
      kind: 'TimerFired',
      executionId: timer.executionId,
      timerId: timer.timerId,
    };
    const delayMs = timer.fireAt - this.options.clock();
    if (delayMs <= MAX_SQS_DELAY_SECONDS * 1000) {
      await this.options.inbox.send(body, {
        delaySeconds: Math.max(0, Math.ceil(delayMs / 1000)),
        ...(timer.traceHeader ? { traceHeader: timer.traceHeader } : {}),
      });
      return;
    }
    const name = timerScheduleName(timer.executionId, timer.timerId);
    try {
      await this.options.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.options.groupName,
          ScheduleExpression: atExpression(timer.fireAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: `Timer ${timer.timerId} of ${timer.executionId}`.slice(0, 512),
          Target: {
            Arn: this.options.targetQueueArn,
            RoleArn: this.options.roleArn,
            Input: JSON.stringify(body),
            ...(this.options.deadLetterQueueArn
              ? { DeadLetterConfig: { Arn: this.options.deadLetterQueueArn } }
              : {}),
          },
        }),
      );
    } catch (error) {
      // The schedule exists: this timer was scheduled before (a redelivered outbox).
      if (errorName(error) === 'ConflictException') return;
      if (isTransient(error)) throw transientError('Scheduler CreateSchedule', error);
      throw new TimerScheduleError(`Could not create schedule ${name}: ${errorMessage(error)}`, name, {
        cause: error,
      });
    }
  }

  /** Best effort: throws TransientStoreError (retry) or TimerScheduleError; a missing schedule is fine. */
  async cancel(timer: { executionId: string; timerId: string }): Promise<void> {
    const name = timerScheduleName(timer.executionId, timer.timerId);
    try {
      await this.options.scheduler.send(
        new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }),
      );
    } catch (error) {
      // A short timer has no schedule, and a long one that fired has deleted its own.
      if (errorName(error) === 'ResourceNotFoundException') return;
      // ConflictException: the schedule is being changed (created, completing) right now; try again.
      if (isTransient(error) || errorName(error) === 'ConflictException') {
        throw transientError('Scheduler DeleteSchedule', error);
      }
      throw new TimerScheduleError(`Could not delete schedule ${name}: ${errorMessage(error)}`, name, {
        cause: error,
      });
    }
  }
}
