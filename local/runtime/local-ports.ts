/**
 * The orchestrator's transport ports on the embedded services: the task router's transports and
 * the inbox on LocalQueue, domain events on LocalEventBus, timers on the inbox's message delay (up to 900 s,
 * as on AWS) and, beyond, on a small persisted schedule (EventBridge Scheduler's role).
 */
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Json } from '../../lambdas/engine/json.js';
import type {
  Clock,
  DomainEvent,
  EventPublisher,
  InboxSender,
  TimerScheduler,
} from '../../lambdas/runtime/ports.js';
import type { DynamoDbTransport, TaskTransports } from '../../lambdas/runtime/task-router.js';
import type { LocalEventBus } from '../emulators/eventbridge/bus.js';
import type { LocalQueue } from '../emulators/sqs/queue.js';

/** SQS's longest message delay: longer timers go through the schedule. */
const MAX_DELAY_SECONDS = 900;
/** Kept timers are moved to the inbox once they are due within this long, by default (as on AWS). */
export const DEFAULT_KEEP_BEYOND_SECONDS = MAX_DELAY_SECONDS;

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

  async sendBatch(bodies: readonly Json[]): Promise<void> {
    for (const body of bodies) this.queue.sendMessage({ body: JSON.stringify(body) });
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
 * The task router's transports on the embedded services: worker tasks on the workers' local
 * queues, `events:putEvents` on the local bus (with the events' ids as EventBridge gives them),
 * DynamoDB item calls on the embedded DynamoDB when `dynamodb` is given (the AWS transport on a
 * client of dynalite). SQS and Lambda integrations need AWS: the router fails such tasks with a
 * cause that says so.
 */
export function localTaskTransports(
  workerQueues: ReadonlyMap<string, LocalQueue>,
  bus: LocalEventBus,
  dynamodb?: DynamoDbTransport,
): TaskTransports {
  return {
    ...(dynamodb && { dynamodb }),
    workers: {
      has: (worker) => workerQueues.has(worker),
      send: async (worker, message, { traceHeader }) => {
        (workerQueues.get(worker) as LocalQueue).sendMessage({
          body: JSON.stringify(message),
          ...(traceHeader ? { awsTraceHeader: traceHeader } : {}),
        });
      },
    },
    events: {
      putEvents: async (entries) => {
        const result = await bus.putEvents(
          entries.map((entry) => ({
            source: entry.Source,
            detailType: entry.DetailType,
            detail: entry.Detail,
            ...(entry.Resources ? { resources: entry.Resources } : {}),
            ...(entry.Time ? { time: entry.Time } : {}),
            ...(entry.TraceHeader ? { traceHeader: entry.TraceHeader } : {}),
          })),
        );
        return {
          Entries: result.entries.map((entry) =>
            entry.type === 'accepted'
              ? { EventId: entry.eventId }
              : { ErrorCode: entry.errorCode, ErrorMessage: entry.errorMessage },
          ),
          FailedEntryCount: result.failedEntryCount,
        };
      },
    },
  };
}

interface ScheduledTimer {
  readonly fireAt: number;
  readonly body: Json;
}

/** The timer journal has a damaged line before its last one: something other than a crash wrote it. */
export class CorruptTimerJournalError extends Error {
  override readonly name = 'CorruptTimerJournalError';
}

/** A line of the timer journal: a timer kept or forgotten, by id. */
type TimerJournalEntry =
  | { readonly op: 'set'; readonly id: string; readonly timer: ScheduledTimer }
  | { readonly op: 'delete'; readonly id: string };

/** The journal is folded into the file once it has this many lines and twice as many as timers kept. */
const COMPACT_AFTER_LINES = 1_000;

/** Options of {@link LocalTimerScheduler}. */
export interface LocalTimerSchedulerOptions {
  /** Where fired timers go. */
  readonly inbox: InboxSender;
  /**
   * Timers due later than this are kept by the scheduler, where a cancel removes them, and moved
   * to the inbox as delayed messages once due within it; sooner ones go to the inbox at once (a
   * delayed message cannot be cancelled: a stale timer arrives and is ignored). 1-900 s; keep it
   * at least the poll interval, or a timer may fire up to one interval late.
   * @default 900 (SQS's longest delay; on AWS only later timers go to EventBridge Scheduler)
   */
  readonly keepBeyondSeconds?: number;
  /**
   * The JSON file that keeps the timers it holds across restarts. Each timer kept or forgotten is
   * appended to a journal next to it (`<file>.journal`) before the call returns, so a `kill -9`
   * at any instant loses none; the file itself is rewritten (atomically) only when the journal
   * has grown past {@link COMPACT_AFTER_LINES} lines and twice the timers kept, so a schedule or a
   * cancel costs one short write, whatever the number of timers.
   * @default none: kept in memory
   */
  readonly file?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /**
   * How often due long timers are moved to the inbox, ms; 0 for never (the owner calls
   * {@link LocalTimerScheduler.fireDue}, as a wiring on a virtual clock does). @default 1000
   */
  readonly pollIntervalMs?: number;
}

/**
 * Timers: soon ones (see {@link LocalTimerSchedulerOptions.keepBeyondSeconds}) as a delayed inbox
 * message; later ones kept (in a JSON file and its journal, when given) until they are soon, so
 * that a cancel removes them. Stale timers are harmless: the engine ignores them.
 */
export class LocalTimerScheduler implements TimerScheduler {
  private readonly pending = new Map<string, ScheduledTimer>();
  private readonly interval: ReturnType<typeof setInterval> | undefined;
  private readonly inbox: InboxSender;
  private readonly file: string | undefined;
  private readonly clock: Clock;
  private readonly keepBeyondMs: number;
  /** The journal, open for appending while the scheduler writes (opened again after `stop`). */
  private journalFd: number | undefined;
  private journalLines = 0;

  constructor(options: LocalTimerSchedulerOptions) {
    this.inbox = options.inbox;
    this.file = options.file;
    this.clock = options.clock ?? { now: () => Date.now() };
    const keepBeyondSeconds = options.keepBeyondSeconds ?? DEFAULT_KEEP_BEYOND_SECONDS;
    if (
      !Number.isInteger(keepBeyondSeconds) ||
      keepBeyondSeconds < 1 ||
      keepBeyondSeconds > MAX_DELAY_SECONDS
    ) {
      throw new RangeError(
        `keepBeyondSeconds must be an integer from 1 to ${MAX_DELAY_SECONDS}, not ${keepBeyondSeconds}`,
      );
    }
    this.keepBeyondMs = keepBeyondSeconds * 1000;
    if (this.file !== undefined) this.load(this.file);
    const every = options.pollIntervalMs ?? 1000;
    if (every > 0) {
      this.interval = setInterval(() => void this.fireDue(), every);
      this.interval.unref();
    }
  }

  async schedule(timer: { executionId: string; timerId: string; fireAt: number }): Promise<void> {
    const body = { kind: 'TimerFired', executionId: timer.executionId, timerId: timer.timerId };
    const delayMs = timer.fireAt - this.clock.now();
    if (delayMs <= this.keepBeyondMs) {
      await this.inbox.send(body, { delaySeconds: Math.max(0, Math.ceil(delayMs / 1000)) });
      return;
    }
    const id = `${timer.executionId}|${timer.timerId}`;
    const kept = { fireAt: timer.fireAt, body };
    this.pending.set(id, kept);
    this.record({ op: 'set', id, timer: kept });
  }

  async cancel(timer: { executionId: string; timerId: string }): Promise<void> {
    const id = `${timer.executionId}|${timer.timerId}`;
    if (this.pending.delete(id)) this.record({ op: 'delete', id });
  }

  /** When the next kept timer is due to move to the inbox (`keepBeyondSeconds` before it fires), or undefined. */
  nextMoveAt(): number | undefined {
    let at: number | undefined;
    for (const timer of this.pending.values()) {
      const moveAt = timer.fireAt - this.keepBeyondMs;
      if (at === undefined || moveAt < at) at = moveAt;
    }
    return at;
  }

  /** Stops moving due timers, and closes the journal (a later schedule opens it again). */
  stop(): void {
    if (this.interval !== undefined) clearInterval(this.interval);
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  /**
   * Moves the kept timers that fire within `keepBeyondSeconds` to the inbox, as delayed messages:
   * each is on the inbox (which acknowledges a send once it is on disk) before it leaves the journal.
   */
  async fireDue(): Promise<void> {
    const now = this.clock.now();
    for (const [id, timer] of this.pending) {
      if (timer.fireAt - now > this.keepBeyondMs) continue;
      await this.inbox.send(timer.body, {
        delaySeconds: Math.max(0, Math.ceil((timer.fireAt - now) / 1000)),
      });
      if (this.pending.get(id) === timer) {
        this.pending.delete(id);
        this.record({ op: 'delete', id });
      }
    }
  }

  /** Appends a change to the journal before the caller goes on; folds the journal in when long. */
  private record(entry: TimerJournalEntry): void {
    if (this.file === undefined) return;
    this.journalFd ??= openSync(`${this.file}.journal`, 'a');
    writeSync(this.journalFd, `${JSON.stringify(entry)}\n`);
    this.journalLines += 1;
    if (this.journalLines >= COMPACT_AFTER_LINES && this.journalLines >= 2 * this.pending.size) {
      this.compact(this.file, this.journalFd);
    }
  }

  /**
   * Writes every kept timer to the file (through a temporary file renamed over it), then empties
   * the journal. A crash in between replays the journal over a file that already holds it: the
   * same timers result, since each line sets or removes one timer by id.
   */
  private compact(file: string, journalFd: number): void {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.pending)));
    renameSync(temporary, file);
    ftruncateSync(journalFd, 0);
    this.journalLines = 0;
  }

  /** Reads the file, then the journal's changes since (a last line cut short by a crash is skipped). */
  private load(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, ScheduledTimer>;
      for (const [id, timer] of Object.entries(saved)) this.pending.set(id, timer);
    } catch {
      // No file yet: nothing kept before the journal.
    }
    let lines: string[];
    try {
      lines = readFileSync(`${file}.journal`, 'utf8').split('\n');
    } catch {
      return;
    }
    for (const [index, line] of lines.entries()) {
      if (line.length === 0) continue;
      let entry: TimerJournalEntry;
      try {
        entry = JSON.parse(line) as TimerJournalEntry;
      } catch (error) {
        // Only the last line can be cut short (the process died writing it); it was never acknowledged.
        if (index >= lines.length - 2) continue;
        throw new CorruptTimerJournalError(`${file}.journal: line ${index + 1} is not JSON`, {
          cause: error,
        });
      }
      if (entry.op === 'set') this.pending.set(entry.id, entry.timer);
      else this.pending.delete(entry.id);
      this.journalLines += 1;
    }
  }
}
