/**
 * A queue with the SQS semantics the orchestrator relies on: delivery delays, a visibility timeout
 * (a received message that is not deleted comes back), a receive count, and a dead-letter list
 * after `maxReceiveCount` receives. Which visible message goes next is the world's choice, so
 * deliveries can be reordered.
 */

/** A message on a {@link SimQueue}. Two entries may share an id: SQS delivered one message twice. */
export interface SimMessage {
  readonly id: string;
  readonly body: string;
  /** Virtual time (ms) from which it can be received. */
  visibleAt: number;
  receiveCount: number;
  /** Made malformed or forged on purpose by the fault injector: it must end in the DLQ. */
  readonly poison: boolean;
  /** Set on TimerFired messages, so that a cancel can find them. */
  readonly timer?: { readonly executionId: string; readonly timerId: string };
  /** The last error its handling threw. */
  lastError?: string;
}

/** Options of {@link SimQueue.send}. */
export interface SendOptions {
  readonly delayMs?: number;
  readonly poison?: boolean;
  /** Reuse an id: the same SQS message delivered a second time. */
  readonly id?: string;
  readonly timer?: SimMessage['timer'];
}

/** One SQS-like queue and its dead-letter list. */
export class SimQueue {
  readonly messages: SimMessage[] = [];
  readonly deadLetters: SimMessage[] = [];
  private sequence = 0;

  constructor(
    readonly name: string,
    private readonly maxReceiveCount: number,
  ) {}

  send(body: string, now: number, options: SendOptions = {}): SimMessage {
    const message: SimMessage = {
      id: options.id ?? `${this.name}-${++this.sequence}`,
      body,
      visibleAt: now + Math.max(0, options.delayMs ?? 0),
      receiveCount: 0,
      poison: options.poison ?? false,
      ...(options.timer ? { timer: options.timer } : {}),
    };
    this.messages.push(message);
    return message;
  }

  /** The messages that can be received now, oldest first. */
  visible(now: number): SimMessage[] {
    return this.messages.filter((message) => message.visibleAt <= now);
  }

  /** Receives a message: it stays hidden for the visibility timeout unless deleted. */
  receive(message: SimMessage, now: number, visibilityTimeoutMs: number): void {
    message.receiveCount += 1;
    message.visibleAt = now + visibilityTimeoutMs;
  }

  /** Deletes a handled message. */
  delete(message: SimMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }

  /** A handling failed: the message comes back after its visibility timeout, or goes to the DLQ. */
  failed(message: SimMessage, error: string): void {
    message.lastError = error;
    if (message.receiveCount >= this.maxReceiveCount) {
      this.delete(message);
      this.deadLetters.push(message);
    }
  }

  /** Removes a pending, never received TimerFired message (a best-effort cancel). */
  cancelTimer(executionId: string, timerId: string): boolean {
    const index = this.messages.findIndex(
      (message) =>
        message.receiveCount === 0 &&
        message.timer?.executionId === executionId &&
        message.timer.timerId === timerId,
    );
    if (index < 0) return false;
    this.messages.splice(index, 1);
    return true;
  }

  /** The earliest time a message becomes visible, or undefined when the queue is empty. */
  nextVisibleAt(): number | undefined {
    let at: number | undefined;
    for (const message of this.messages)
      if (at === undefined || message.visibleAt < at) at = message.visibleAt;
    return at;
  }
}
