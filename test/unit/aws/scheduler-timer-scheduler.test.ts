import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TimerScheduleError } from '../../../lambdas/aws/aws-errors.js';
import {
  atExpression,
  AwsTimerScheduler,
  timerScheduleName,
} from '../../../lambdas/aws/scheduler-timer-scheduler.js';
import type { Json } from '../../../lambdas/engine/json.js';
import { parseInboxMessage } from '../../../lambdas/runtime/inbox-messages.js';
import { TransientStoreError, type InboxSender } from '../../../lambdas/runtime/ports.js';

/** The only element of `items`, failing the test when there is not exactly one. */
function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const INBOX_ARN = 'arn:aws:sqs:eu-west-1:123456789012:orders-inbox';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/orders-scheduler';
/** 2026-03-11T10:21:00.000Z */
const NOW = Date.UTC(2026, 2, 11, 10, 21, 0);

const scheduler = mockClient(SchedulerClient);

class RecordingInbox implements InboxSender {
  readonly sent: { body: Json; options: { delaySeconds?: number; traceHeader?: string } | undefined }[] = [];
  async send(body: Json, options?: { delaySeconds?: number; traceHeader?: string }): Promise<void> {
    this.sent.push({ body, options });
  }
}

let inbox: RecordingInbox;

function timers(options: { deadLetterQueueArn?: string } = {}): AwsTimerScheduler {
  return new AwsTimerScheduler({
    inbox,
    scheduler: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'orders-timers',
    targetQueueArn: INBOX_ARN,
    roleArn: ROLE_ARN,
    clock: () => NOW,
    ...options,
  });
}

const timer = { executionId: 'exec-1', timerId: 'wait:e7' };

beforeEach(() => {
  scheduler.reset();
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
  scheduler.on(DeleteScheduleCommand).resolves({});
  inbox = new RecordingInbox();
});

describe('AwsTimerScheduler.schedule', () => {
  it('sends a timer due within 15 minutes as a delayed inbox message, with the trace header', async () => {
    await timers().schedule({ ...timer, fireAt: NOW + 90_000, traceHeader: TRACE });
    expect(inbox.sent).toEqual([
      {
        body: { kind: 'TimerFired', executionId: 'exec-1', timerId: 'wait:e7' },
        options: { delaySeconds: 90, traceHeader: TRACE },
      },
    ]);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it('rounds the delay up to whole seconds, so that the timer never fires early', async () => {
    await timers().schedule({ ...timer, fireAt: NOW + 1_200 });
    expect(inbox.sent[0]?.options).toEqual({ delaySeconds: 2 });
  });

  it('sends a timer that is already due with no delay', async () => {
    await timers().schedule({ ...timer, fireAt: NOW - 5_000 });
    expect(inbox.sent[0]?.options).toEqual({ delaySeconds: 0 });
  });

  it('still uses SQS at exactly 900 seconds', async () => {
    await timers().schedule({ ...timer, fireAt: NOW + 900_000 });
    expect(inbox.sent[0]?.options).toEqual({ delaySeconds: 900 });
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it('creates a one-time, self-deleting schedule for a later timer, sending the same message to the inbox', async () => {
    await timers().schedule({ ...timer, fireAt: NOW + 900_001, traceHeader: TRACE });
    expect(inbox.sent).toEqual([]);
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    const input = only(calls).args[0].input;
    expect(input).toMatchObject({
      Name: timerScheduleName('exec-1', 'wait:e7'),
      GroupName: 'orders-timers',
      // 10:36:00.001 rounded up to the minute.
      ScheduleExpression: 'at(2026-03-11T10:37:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: INBOX_ARN, RoleArn: ROLE_ARN },
    });
    expect(parseInboxMessage(input.Target?.Input ?? '')).toEqual({
      kind: 'TimerFired',
      executionId: 'exec-1',
      timerId: 'wait:e7',
    });
    expect(input.Target).not.toHaveProperty('DeadLetterConfig');
  });

  it('gives the schedule a dead-letter queue when one is configured', async () => {
    const dlq = 'arn:aws:sqs:eu-west-1:123456789012:orders-timers-dlq';
    await timers({ deadLetterQueueArn: dlq }).schedule({ ...timer, fireAt: NOW + 86_400_000 });
    expect(
      only(scheduler.commandCalls(CreateScheduleCommand)).args[0].input.Target?.DeadLetterConfig,
    ).toEqual({
      Arn: dlq,
    });
  });

  it('is idempotent: scheduling the same timer again names the same schedule and accepts the conflict', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .resolvesOnce({ ScheduleArn: 'arn:schedule' })
      .rejects(
        new ConflictException({
          Message: 'Schedule already exists.',
          message: 'Schedule already exists.',
          $metadata: {},
        }),
      );
    await timers().schedule({ ...timer, fireAt: NOW + 3_600_000 });
    await timers().schedule({ ...timer, fireAt: NOW + 3_600_000 });
    const names = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(names[1]);
  });

  it('throws TransientStoreError when Scheduler throttles', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(
        new ThrottlingException({ Message: 'Rate exceeded', message: 'Rate exceeded', $metadata: {} }),
      );
    await expect(timers().schedule({ ...timer, fireAt: NOW + 3_600_000 })).rejects.toBeInstanceOf(
      TransientStoreError,
    );
  });

  it('throws TimerScheduleError, naming the schedule, when Scheduler rejects the request', async () => {
    const invalid = new ValidationException({
      Message: 'Invalid RoleArn',
      message: 'Invalid RoleArn',
      $metadata: {},
    });
    scheduler.on(CreateScheduleCommand).rejects(invalid);
    const error = await timers()
      .schedule({ ...timer, fireAt: NOW + 3_600_000 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimerScheduleError);
    expect((error as TimerScheduleError).scheduleName).toBe(timerScheduleName('exec-1', 'wait:e7'));
    expect((error as TimerScheduleError).cause).toBe(invalid);
  });
});

describe('AwsTimerScheduler.cancel', () => {
  it("deletes the timer's schedule from the group", async () => {
    await timers().cancel(timer);
    expect(only(scheduler.commandCalls(DeleteScheduleCommand)).args[0].input).toEqual({
      Name: timerScheduleName('exec-1', 'wait:e7'),
      GroupName: 'orders-timers',
    });
  });

  it('accepts that there is no schedule (a short timer, or one that fired and deleted itself)', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ Message: 'none', message: 'none', $metadata: {} }));
    await expect(timers().cancel(timer)).resolves.toBeUndefined();
  });

  it('throws TransientStoreError when the schedule is being changed at that moment', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ConflictException({ Message: 'busy', message: 'busy', $metadata: {} }));
    await expect(timers().cancel(timer)).rejects.toBeInstanceOf(TransientStoreError);
  });

  it('throws TimerScheduleError when the deletion is refused', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ValidationException({ Message: 'bad group', message: 'bad group', $metadata: {} }));
    await expect(timers().cancel(timer)).rejects.toBeInstanceOf(TimerScheduleError);
  });
});

describe('timerScheduleName', () => {
  it('is deterministic, distinct per timer, and within Scheduler name rules whatever the ids', () => {
    const long = 'x'.repeat(500);
    const names = [
      timerScheduleName('exec-1', 'wait:e7'),
      timerScheduleName('exec-1', 'wait:e8'),
      timerScheduleName('exec-2', 'wait:e7'),
      timerScheduleName(`arn:aws:states:eu-west-1:123456789012:execution:${long}`, `ü/${long}`),
    ];
    expect(timerScheduleName('exec-1', 'wait:e7')).toBe(names[0]);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    }
  });

  it('does not confuse ids that concatenate to the same text', () => {
    expect(timerScheduleName('ab', 'c')).not.toBe(timerScheduleName('a', 'bc'));
  });
});

describe('atExpression', () => {
  it('keeps a time on the minute, and rounds anything later up to the next minute', () => {
    expect(atExpression(NOW)).toBe('at(2026-03-11T10:21:00)');
    expect(atExpression(NOW + 1)).toBe('at(2026-03-11T10:22:00)');
    expect(atExpression(NOW + 59_999)).toBe('at(2026-03-11T10:22:00)');
  });
});
