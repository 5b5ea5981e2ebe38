/** A CorrelationStore in memory (tests, the simulation, the in-process domain). */
import type { Json } from '../lambdas/engine/json.js';
import { KEPT_EVENT_GRACE_MS } from '../lambdas/runtime/correlation.js';
import type { Clock, CorrelationStore, KeptEvent, WaitingTask } from '../lambdas/runtime/ports.js';

interface Registration {
  readonly registeredAt: number;
  readonly expiresAt: number;
}

export class InMemoryCorrelationStore implements CorrelationStore {
  private readonly waits = new Map<string, Map<string, Registration>>();
  private readonly events = new Map<string, Map<string, KeptEvent>>();

  constructor(private readonly clock: Clock) {}

  async register(key: string, taskToken: string, expiresAt: number): Promise<number> {
    const waits = this.waits.get(key) ?? new Map<string, Registration>();
    this.waits.set(key, waits);
    const first = waits.get(taskToken);
    if (first) return first.registeredAt;
    const registeredAt = this.clock.now();
    waits.set(taskToken, { registeredAt, expiresAt });
    return registeredAt;
  }

  async unregister(key: string, taskToken: string): Promise<void> {
    this.waits.get(key)?.delete(taskToken);
  }

  async waiting(key: string): Promise<WaitingTask[]> {
    const now = this.clock.now();
    return [...(this.waits.get(key) ?? new Map<string, Registration>()).entries()]
      .filter(([, registration]) => registration.expiresAt > now)
      .map(([taskToken, registration]) => ({ taskToken, registeredAt: registration.registeredAt }));
  }

  async keepEvent(key: string, eventId: string, event: Json, expiresAt: number): Promise<void> {
    const events = this.events.get(key) ?? new Map<string, KeptEvent>();
    if (!events.has(eventId)) events.set(eventId, { event, keptAt: this.clock.now(), expiresAt });
    this.events.set(key, events);
  }

  async keptEvents(key: string): Promise<KeptEvent[]> {
    const now = this.clock.now();
    return [...(this.events.get(key)?.entries() ?? [])]
      .filter(([, kept]) => kept.expiresAt + KEPT_EVENT_GRACE_MS > now)
      .sort(([a, x], [b, y]) => x.keptAt - y.keptAt || (a < b ? -1 : a > b ? 1 : 0))
      .map(([, kept]) => kept);
  }
}
