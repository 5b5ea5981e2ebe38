/**
 * Timers ordered by due time, then by scheduling order. A binary heap, written here because it is
 * thirty lines and every runtime (test, local, simulation) needs exactly this and nothing more.
 */
export interface DueTimer {
  readonly timerId: string;
  readonly fireAt: number;
}

interface Entry extends DueTimer {
  readonly order: number;
}

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private readonly cancelled = new Set<string>();
  private order = 0;

  /** Schedules a timer; scheduling an id again after cancelling it revives it. */
  schedule(timerId: string, fireAt: number): void {
    this.cancelled.delete(timerId);
    this.heap.push({ timerId, fireAt, order: this.order++ });
    this.up(this.heap.length - 1);
  }

  /** Cancels every pending timer with this id. */
  cancel(timerId: string): void {
    this.cancelled.add(timerId);
  }

  /** The next timer that is not cancelled, without removing it. */
  peek(): DueTimer | undefined {
    this.dropCancelled();
    return this.heap[0];
  }

  /** Removes and returns the next timer that is not cancelled. */
  pop(): DueTimer | undefined {
    this.dropCancelled();
    return this.take();
  }

  get size(): number {
    return this.heap.length;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.cancelled.has((this.heap[0] as Entry).timerId)) {
      const entry = this.take() as Entry;
      if (!this.heap.some((other) => other.timerId === entry.timerId)) this.cancelled.delete(entry.timerId);
    }
  }

  private take(): Entry | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top && last && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Entry;
    const y = this.heap[b] as Entry;
    return x.fireAt < y.fireAt || (x.fireAt === y.fireAt && x.order < y.order);
  }

  private swap(a: number, b: number): void {
    const tmp = this.heap[a] as Entry;
    this.heap[a] = this.heap[b] as Entry;
    this.heap[b] = tmp;
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.heap.length && this.less(left, smallest)) smallest = left;
      if (right < this.heap.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
