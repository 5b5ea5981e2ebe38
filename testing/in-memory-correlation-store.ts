/** A CorrelationStore in memory (tests, the simulation, the in-process domain). */
import type { Json } from '../lambdas/engine/json.js';
import type { Clock, CorrelationStore } from '../lambdas/runtime/ports.js';

export class InMemoryCorrelationStore implements CorrelationStore {
  private readonly waits = new Map<string, Map<string, number>>();
  private readonly events = new Map<string, Map<string, { event: Json; expiresAt: number }>>();

  constructor(private readonly clock: Clock) {}

  async register(key: string, taskToken: string, expiresAt: number): Promise<void> {
    const waits = this.waits.get(key) ?? new Map<string, number>();
    waits.set(taskToken, expiresAt);
    this.waits.set(key, waits);
  }

  async unregister(key: string, taskToken: string): Promise<void> {
    this.waits.get(key)?.delete(taskToken);
  }

  async waiting(key: string): Promise<string[]> {
    const now = this.clock.now();
    return [...(this.waits.get(key) ?? new Map<string, number>()).entries()]
      .filter(([, expiresAt]) => expiresAt > now)
      .map(([token]) => token);
  }

  async keepEvent(key: string, eventId: string, event: Json, expiresAt: number): Promise<void> {
    const events = this.events.get(key) ?? new Map<string, { event: Json; expiresAt: number }>();
    if (!events.has(eventId)) events.set(eventId, { event, expiresAt });
    this.events.set(key, events);
  }

  async keptEvents(key: string): Promise<Json[]> {
    const now = this.clock.now();
    return [...(this.events.get(key)?.values() ?? [])]
      .filter((kept) => kept.expiresAt > now)
      .map((kept) => kept.event);
  }
}
