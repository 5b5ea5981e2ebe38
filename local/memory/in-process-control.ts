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
import type { ExecutionStatus, HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import type { Clock, ExecutionSummary } from '../../lambdas/runtime/ports.js';
import type {
  DomainInfo,
  ExecutionDescription,
  ListFilter,
  LocalControl,
  PutEventEntry,
} from '../control.js';
import { DomainControl } from '../control/domain-control.js';
import { LocalEventBus } from '../eventbridge/bus.js';
import { publishToBuses, putDomainRules, type EventTrigger } from '../runtime/domain-rules.js';
import type { InProcessDomain } from './in-process-domain.js';

export type { EventTrigger } from '../runtime/domain-rules.js';

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
export class InProcessControl implements LocalControl {
  private readonly served: readonly Served[];
  private readonly buses = new Map<string, LocalEventBus>();
  private readonly plane: DomainControl;
  private readonly clock: Clock;
  private readonly onError: (error: unknown) => void;
  private readonly listeners = new Set<ChangeListener>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: InProcessControlOptions) {
    if (options.domains.length === 0) throw new RangeError('InProcessControl needs at least one domain');
    const names = new Set<string>();
    for (const { name } of options.domains) {
      if (names.has(name)) throw new RangeError(`Two domains are named '${name}'`);
      names.add(name);
    }
    this.clock = options.clock ?? { now: () => Date.now() };
    this.onError = options.onError ?? ((error) => console.error('baton: background delivery failed', error));
    this.served = options.domains.map((entry) => ({
      entry,
      domain: entry.domain,
      turn: Promise.resolve(),
      announced: entry.domain.results.length,
    }));
    for (const served of this.served) {
      const busName = served.entry.eventBus ?? DEFAULT_EVENT_BUS;
      let bus = this.buses.get(busName);
      if (!bus) {
        bus = new LocalEventBus({ name: busName, clock: this.clock });
        this.buses.set(busName, bus);
      }
      putDomainRules(bus, {
        domain: served.entry.name,
        triggers: served.entry.triggers ?? [],
        awaited: served.domain.awaitedEvents,
        sendToInbox: (body) => {
          served.domain.send(body);
        },
      });
    }
    this.plane = new DomainControl({
      domains: this.served.map((served) => ({
        name: served.entry.name,
        store: served.domain.store,
        definitions: served.domain.definitions,
        inbox: {
          send: async (body) => {
            await this.turn(served, async () => {
              this.catchUp(served);
              served.domain.send(body);
              await this.deliverDue(served);
            });
          },
        },
      })),
      publish: (entries) => this.publishAndDeliver(entries),
      describeDomains: () => this.describeDomains(),
      tokens: { verify: (token) => this.verify(token) },
      ...(options.newId ? { newId: options.newId } : {}),
    });
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
    await Promise.all(this.served.map((served) => served.turn));
  }

  // The operations: the one control plane's.

  domains(): Promise<DomainInfo[]> {
    return this.plane.domains();
  }

  publish(entries: readonly PutEventEntry[]): Promise<string[]> {
    return this.plane.publish(entries);
  }

  start(request: { workflow: string; input: Json; name?: string; domain?: string }): Promise<string> {
    return this.plane.start(request);
  }

  list(filter: ListFilter): Promise<(ExecutionSummary & { domain: string })[]> {
    return this.plane.list(filter);
  }

  describe(executionId: string): Promise<ExecutionDescription> {
    return this.plane.describe(executionId);
  }

  history(executionId: string): Promise<HistoryEvent[]> {
    return this.plane.history(executionId);
  }

  redrive(executionId: string): Promise<void> {
    return this.plane.redrive(executionId);
  }

  rerun(executionId: string, request: { fromState: string; input?: Json }): Promise<string> {
    return this.plane.rerun(executionId, request);
  }

  stop(executionId: string, request: { compensate?: boolean; cause?: string }): Promise<void> {
    return this.plane.stop(executionId, request);
  }

  sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    return this.plane.sendTaskSuccess(taskToken, output);
  }

  sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void> {
    return this.plane.sendTaskFailure(taskToken, error, cause);
  }

  sendTaskHeartbeat(taskToken: string): Promise<void> {
    return this.plane.sendTaskHeartbeat(taskToken);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  /** A token verifies when the domain of its execution signed it. */
  private verify(taskToken: string): void {
    let lastError: unknown;
    for (const { domain } of this.served) {
      try {
        domain.signer.verify(taskToken);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
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
