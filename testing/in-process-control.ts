/**
 * The control plane ({@link DomainControl}) wired over in-process domains: what tests and quick
 * local runs serve through the HTTP API. The operations, their checks and their answers are the
 * control plane's own, exactly as `npm start` and the CLI's `--stack` mode give them; this file
 * only wires the domains' ports, a local bus per event bus name with the domains' rules, and a
 * background loop that moves each domain's virtual clock along with the wall clock and delivers
 * what is due, so Wait states, retries and timeouts happen in (near) real time.
 *
 * A message an operation sends is delivered, with whatever it causes, before the operation
 * returns: a `describe` right after a `start` finds the execution. Deliveries to one domain never
 * overlap (the loop and the operations take turns), as on an inbox with one consumer.
 */
import type { ExecutionStatus } from '../lambdas/engine/execution.js';
import type { Clock } from '../lambdas/runtime/ports.js';
import type { DomainInfo, PutEventEntry } from '../local/control.js';
import { DomainControl } from '../local/control/domain-control.js';
import { LocalEventBus } from '../local/emulators/eventbridge/bus.js';
import { publishToBuses, putDomainRules, type EventTrigger } from '../local/runtime/domain-rules.js';
import type { InProcessDomain } from './in-process-domain.js';

export type { EventTrigger } from '../local/runtime/domain-rules.js';

/** The bus an event goes to when its entry names none, and every domain's bus by default. */
export const DEFAULT_EVENT_BUS = 'baton-local';
/** How often the background loop delivers what became due, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 25;

/** One domain served by {@link InProcessControl}. */
export interface InProcessDomainEntry {
  readonly name: string;
  /** Its workflows must already be deployed on it (`domain.deploy`): its rules route what they await. */
  readonly domain: InProcessDomain;
  /** The workflows it runs, listed by `domains()`. */
  readonly workflows: readonly string[];
  /** The bus its rules listen on. @default DEFAULT_EVENT_BUS */
  readonly eventBus?: string;
  /** Events that start its workflows. @default [] */
  readonly triggers?: readonly EventTrigger[];
}

/** Options of {@link InProcessControl}. */
export interface InProcessControlOptions {
  readonly domains: readonly InProcessDomainEntry[];
  /**
   * The wall clock that each domain's virtual clock is moved up to (never back). Build the domains
   * with `startTime: Date.now()` so that their timestamps read as today.
   * @default the system clock
   */
  readonly clock?: Clock;
  /** Names of executions started without one. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** @default DEFAULT_POLL_INTERVAL_MS */
  readonly pollIntervalMs?: number;
  /** Where failures of the background loop and of listeners go. @default console.error */
  readonly onError?: (error: unknown) => void;
}

type ChangeListener = (change: { executionId: string; status: ExecutionStatus }) => void;

/** One served domain and its bookkeeping. */
interface Served {
  readonly entry: InProcessDomainEntry;
  readonly domain: InProcessDomain;
  /** The delivery in progress (or the last one): the next waits for it. */
  turn: Promise<void>;
  /** How many of `domain.results` have been announced to listeners. */
  announced: number;
}

/** The control plane over in-process domains, delivering their messages in the background. */
export class InProcessControl extends DomainControl {
  private readonly served: readonly Served[];
  private readonly buses: ReadonlyMap<string, LocalEventBus>;
  private readonly clock: Clock;
  private readonly onError: (error: unknown) => void;
  private readonly listeners: Set<ChangeListener>;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: InProcessControlOptions) {
    if (options.domains.length === 0) throw new RangeError('InProcessControl needs at least one domain');
    const names = new Set<string>();
    for (const { name } of options.domains) {
      if (names.has(name)) throw new RangeError(`Two domains are named '${name}'`);
      names.add(name);
    }
    const clock = options.clock ?? { now: () => Date.now() };
    const served: Served[] = options.domains.map((entry) => ({
      entry,
      domain: entry.domain,
      turn: Promise.resolve(),
      announced: entry.domain.results.length,
    }));
    const listeners = new Set<ChangeListener>();
    // The wiring's own methods, once the control exists (the ports below call them later).
    const wiring: { control?: InProcessControl } = {};
    const self = () => wiring.control as InProcessControl;
    super({
      domains: served.map((one) => ({
        name: one.entry.name,
        store: one.domain.store,
        definitions: one.domain.definitions,
        mapRuns: one.domain.mapRunStore,
        inbox: {
          send: async (body) => {
            await self().turn(one, async () => {
              self().catchUp(one);
              one.domain.send(body);
              await self().deliverDue(one);
            });
          },
        },
      })),
      publish: (entries) => self().publishAndDeliver(entries),
      describeDomains: () => self().describeDomains(),
      tokens: { verify: (token) => verifyWithAny(served, token) },
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      ...(options.newId ? { newId: options.newId } : {}),
    });
    wiring.control = this;
    this.served = served;
    this.listeners = listeners;
    this.clock = clock;
    this.onError = options.onError ?? ((error) => console.error('baton: background delivery failed', error));
    const buses = new Map<string, LocalEventBus>();
    for (const one of served) {
      const busName = one.entry.eventBus ?? DEFAULT_EVENT_BUS;
      let bus = buses.get(busName);
      if (!bus) {
        bus = new LocalEventBus({ name: busName, clock });
        buses.set(busName, bus);
      }
      putDomainRules(bus, {
        domain: one.entry.name,
        triggers: one.entry.triggers ?? [],
        awaited: one.domain.awaitedEvents,
        sendToInbox: (body) => {
          one.domain.send(body);
        },
      });
    }
    this.buses = buses;
    const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const loop = () => {
      void this.tick().finally(() => {
        if (!this.closed) this.timer = setTimeout(loop, interval);
      });
    };
    this.timer = setTimeout(loop, interval);
  }

  /** Ends the background loop once the delivery under way is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all(this.served.map((one) => one.turn));
  }

  // The wiring.

  private async describeDomains(): Promise<DomainInfo[]> {
    return Promise.all(
      this.served.map(async ({ entry, domain }) => ({
        name: entry.name,
        eventBus: entry.eventBus ?? DEFAULT_EVENT_BUS,
        workflows: await Promise.all(
          entry.workflows.map(async (name) => ({
            name,
            version: (await domain.definitions.latest(name))?.version ?? 'not deployed',
          })),
        ),
        workers: [...domain.workerQueues.keys()],
      })),
    );
  }

  /** Puts the events on their buses, lets the rules deliver them and the inboxes handle them. */
  private async publishAndDeliver(entries: readonly PutEventEntry[]): Promise<string[]> {
    await Promise.all(this.served.map((served) => this.turn(served, async () => this.catchUp(served))));
    const ids = await publishToBuses(this.buses, entries);
    await Promise.all([...this.buses.values()].map((bus) => bus.idle()));
    await Promise.all(this.served.map((served) => this.turn(served, () => this.deliverDue(served))));
    return ids;
  }

  /** Runs `work` when the domain's previous delivery is over. */
  private turn<T>(served: Served, work: () => Promise<T>): Promise<T> {
    const result = served.turn.then(work);
    served.turn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async tick(): Promise<void> {
    await Promise.all(
      this.served.map((served) =>
        this.turn(served, () => this.deliverDue(served)).catch((error: unknown) => this.onError(error)),
      ),
    );
  }

  /** Moves the virtual clock up to the wall clock, delivers what is due and announces the changes. */
  private async deliverDue(served: Served): Promise<void> {
    this.catchUp(served);
    try {
      await served.domain.runVisible();
    } finally {
      this.announce(served);
    }
  }

  /** Moves the domain's virtual clock up to the wall clock (a message sent now is sent at the wall time). */
  private catchUp(served: Served): void {
    const lag = this.clock.now() - served.domain.now();
    if (lag > 0) served.domain.advance(lag);
  }

  private announce(served: Served): void {
    const { results } = served.domain;
    for (; served.announced < results.length; served.announced++) {
      const result = results[served.announced];
      if (result?.type !== 'applied') continue;
      for (const listener of this.listeners) {
        try {
          listener({ executionId: result.executionId, status: result.status });
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }
}

/** A token verifies when one of the domains signed it. */
function verifyWithAny(served: readonly Served[], taskToken: string): void {
  let lastError: unknown;
  for (const { domain } of served) {
    try {
      domain.signer.verify(taskToken);
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
