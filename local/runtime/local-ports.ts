/**
 * The orchestrator's transport ports on the embedded services: task dispatch and the inbox on
 * LocalQueue, domain events on LocalEventBus, timers on the inbox's message delay (up to 900 s,
 * as on AWS) and, beyond, on a small persisted schedule (EventBridge Scheduler's role).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StatesErrors } from '../../lambdas/engine/errors.js';
import type { Json } from '../../lambdas/engine/json.js';
import type {
  DomainEvent,
  EventPublisher,
  InboxSender,
  TaskDispatch,
  TaskDispatcher,
  TimerScheduler,
} from '../../lambdas/runtime/ports.js';
import { workerTaskMessage } from '../../lambdas/runtime/worker.js';
import type { LocalEventBus } from '../eventbridge/bus.js';
import type { LocalQueue } from '../sqs/queue.js';

const WORKER_PREFIX = 'baton:worker:';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
const PUT_EVENTS_WAIT = `${PUT_EVENTS}.waitForTaskToken`;
/** SQS's longest message delay: longer timers go through the schedule. */
const MAX_DELAY_SECONDS = 900;

/** Sends inbox messages to a local queue. */
export class LocalInboxSender implements InboxSender {
  constructor(private readonly queue: LocalQueue) {}

  async send(body: Json, options: { delaySeconds?: number; traceHeader?: string } = {}): Promise<void> {
    this.queue.sendMessage({
      body: JSON.stringify(body),
      ...(options.delaySeconds ? { delaySeconds: options.delaySeconds } : {}),
      ...(options.traceHeader ? { awsTraceHeader: options.traceHeader } : {}),
    });
  }
}

/** Publishes domain events on the local bus, with the event id in `detail.eventId`. */
export class LocalEventPublisher implements EventPublisher {
  constructor(private readonly bus: LocalEventBus) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const result = await this.bus.putEvents(
        batch.map((event) => ({
          source: event.source,
          detailType: event.detailType,
          detail: JSON.stringify({ ...(event.detail as Record<string, Json>), eventId: event.id }),
        })),
      );
      if (result.failedEntryCount > 0) {
        throw new Error(`The local bus refused ${result.failedEntryCount} of ${batch.length} events`);
      }
    }
  }
}

/**
 * Dispatches tasks: to worker queues (`baton:worker:<name>`), and `events:putEvents` to the local
 * bus. Lambda and SQS service integrations need AWS: they fail the task with a clear cause.
 */
export class LocalTaskDispatcher implements TaskDispatcher {
  constructor(
    private readonly workerQueues: ReadonlyMap<string, LocalQueue>,
    private readonly bus: LocalEventBus,
    private readonly inbox: InboxSender,
  ) {}

  async dispatch(task: TaskDispatch): Promise<void> {
    const { command, taskToken } = task;
    const { resource } = command;
    if (resource.startsWith(WORKER_PREFIX)) {
      const queue = this.workerQueues.get(resource.slice(WORKER_PREFIX.length));
      if (!queue) return this.fail(taskToken, `No worker queue for '${resource}' in this domain`);
      queue.sendMessage({
        body: JSON.stringify(workerTaskMessage(task)),
        ...(task.traceHeader ? { awsTraceHeader: task.traceHeader } : {}),
      });
      return;
    }
    if (resource === PUT_EVENTS || resource === PUT_EVENTS_WAIT) {
      const entries = ((command.input as { Entries?: unknown }).Entries ?? []) as Record<string, Json>[];
      if (!Array.isArray(entries) || entries.length === 0)
        return this.fail(taskToken, 'events:putEvents needs Entries');
      const result = await this.bus.putEvents(
        entries.map((entry) => ({
          source: String(entry.Source),
          detailType: String(entry.DetailType),
          detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}),
        })),
      );
      if (resource === PUT_EVENTS_WAIT) return;
      if (result.failedEntryCount > 0) {
        await this.inbox.send({
          kind: 'TaskFailed',
          taskToken,
          error: 'EventBridge.FailedEntry',
          cause: JSON.stringify(result.entries),
        });
        return;
      }
      await this.inbox.send({
        kind: 'TaskSucceeded',
        taskToken,
        output: {
          Entries: result.entries.map((entry) =>
            'eventId' in entry ? { EventId: entry.eventId } : entry,
          ) as Json,
          FailedEntryCount: 0,
        },
      });
      return;
    }
    return this.fail(
      taskToken,
      `The resource '${resource}' needs AWS; locally only workers and events:putEvents run`,
    );
  }

  private async fail(taskToken: string, cause: string): Promise<void> {
    await this.inbox.send({ kind: 'TaskFailed', taskToken, error: StatesErrors.TaskFailed, cause });
  }
}

interface ScheduledTimer {
  readonly fireAt: number;
  readonly body: Json;
}

/**
 * Timers: up to 900 s as a delayed inbox message; longer ones kept in a JSON file and moved to
 * the inbox when due (checked every second). Stale timers are harmless: the engine ignores them.
 */
export class LocalTimerScheduler implements TimerScheduler {
  private readonly pending = new Map<string, ScheduledTimer>();
  private readonly interval: ReturnType<typeof setInterval>;

  constructor(
    private readonly inbox: InboxSender,
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, ScheduledTimer>;
      for (const [id, timer] of Object.entries(saved)) this.pending.set(id, timer);
    } catch {
      // No file yet: nothing scheduled.
    }
    this.interval = setInterval(() => void this.fireDue(), 1000);
    this.interval.unref();
  }

  async schedule(timer: { executionId: string; timerId: string; fireAt: number }): Promise<void> {
    const body = { kind: 'TimerFired', executionId: timer.executionId, timerId: timer.timerId };
    const delaySeconds = Math.max(0, Math.ceil((timer.fireAt - this.now()) / 1000));
    if (delaySeconds <= MAX_DELAY_SECONDS) {
      await this.inbox.send(body, { delaySeconds });
      return;
    }
    this.pending.set(`${timer.executionId}|${timer.timerId}`, { fireAt: timer.fireAt, body });
    this.save();
  }

  async cancel(timer: { executionId: string; timerId: string }): Promise<void> {
    if (this.pending.delete(`${timer.executionId}|${timer.timerId}`)) this.save();
  }

  stop(): void {
    clearInterval(this.interval);
  }

  private async fireDue(): Promise<void> {
    const now = this.now();
    let changed = false;
    for (const [id, timer] of this.pending) {
      if (timer.fireAt - now > MAX_DELAY_SECONDS * 1000) continue;
      await this.inbox.send(timer.body, {
        delaySeconds: Math.max(0, Math.ceil((timer.fireAt - now) / 1000)),
      });
      this.pending.delete(id);
      changed = true;
    }
    if (changed) this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.pending)));
    renameSync(temporary, this.file);
  }
}
