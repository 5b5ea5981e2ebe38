/**
 * Time as an input for the local SQS, EventBridge and Lambda emulators: a clock to read, a
 * scheduler to wait on. Production wiring uses {@link SYSTEM_CLOCK} and {@link SYSTEM_SCHEDULER};
 * tests use {@link VirtualClock}, which is both and only moves when told to, so visibility
 * timeouts, delays and long polls are tested without sleeping.
 */

/** Epoch milliseconds. The same shape as the runtime's `Clock` port. */
export interface Clock {
  now(): number;
}

/** Runs callbacks after a delay of clock time. */
export interface Scheduler {
  /**
   * Calls `callback` once `delayMs` of clock time has passed (at once, on a later turn, for
   * `delayMs <= 0`). Returns a function that cancels the call if it has not happened yet.
   */
  schedule(callback: () => void, delayMs: number): () => void;
}

/** Wall-clock time. */
export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/**
 * `setTimeout`. Timers keep the process alive, as a pending request would: a long poll holds it
 * for at most 20 s.
 */
export const SYSTEM_SCHEDULER: Scheduler = {
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
};

interface VirtualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/**
 * A clock and scheduler for tests: time stands still until {@link VirtualClock.advance} moves it,
 * firing the timers that fall due in order of due time (then of scheduling), and letting the
 * promise callbacks they trigger run before the next one fires.
 */
export class VirtualClock implements Clock, Scheduler {
  private current: number;
  private nextId = 0;
  private timers: VirtualTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  schedule(callback: () => void, delayMs: number): () => void {
    const timer: VirtualTimer = { id: this.nextId++, dueAt: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((candidate) => candidate.id !== timer.id);
    };
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, each at its own
   * due time. Resolves once the callbacks and the promise chains they started have settled.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const due = this.earliestDue(target);
      if (due === undefined) break;
      this.timers = this.timers.filter((timer) => timer.id !== due.id);
      this.current = Math.max(this.current, due.dueAt);
      due.callback();
      await settle();
    }
    this.current = Math.max(this.current, target);
    await settle();
  }

  /** Lets pending promise callbacks run without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  private earliestDue(limit: number): VirtualTimer | undefined {
    let earliest: VirtualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.dueAt > limit) continue;
      if (earliest === undefined || timer.dueAt < earliest.dueAt) earliest = timer;
    }
    return earliest;
  }
}

const SETTLE_TURNS = 3;

/**
 * A few macrotask turns: every microtask queued before (and by them) has run when it resolves,
 * and so have chains that hop through one `setImmediate` of their own.
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < SETTLE_TURNS; turn += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
