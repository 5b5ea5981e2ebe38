/**
 * The partner domain: it puts events on the domain bus through the real control plane
 * (`DomainControl.publish`, as the HTTP API and the CLI put events), and the domain's own rules
 * (`putDomainRules`) route them to the inbox, where the loop keeps them and completes the tasks
 * waiting for them.
 *
 * For each waiting state of each execution it plans zero to three matching events, published
 * early (before the execution starts, so before the wait registers), around the start, late (while
 * the state waits, or after it timed out), or days later (no one waits any more), some of them
 * twice (a producer's retry: a second event with the same detail). Broadcast topics get events that
 * every execution waiting on them matches. Decoys match no wait: another execution's reference, a
 * detail without the matched field, another source than a wait requires, a detail-type no rule
 * routes. Some executions are started by a trigger event instead of a start message, sometimes
 * published twice. The rules' delivery to the inbox, duplicates included, is the world's.
 */
import type { JsonObject } from '../../lambdas/engine/json.js';
import type { EventTrigger } from '../../local/runtime/domain-rules.js';
import type { PublishedEventRecord } from './invariants.js';
import { paddedTo, type LargePayloads } from './payloads.js';
import type { Prng } from './prng.js';
import { PARTNER_SOURCE, type GeneratedWorkflow, type WaitInfo } from './workflow-generator.js';
import type { World } from './world.js';

/** The source of events a wait without `Source` takes from anyone, and a wait with one refuses. */
const OTHER_SOURCE = 'sim.other';
/** The source of the trigger events. */
const SHOP_SOURCE = 'sim.shop';
/** A detail-type no rule of the domain routes. */
const NOISE_DETAIL_TYPE = 'Sim Noise';

/** The trigger rule that starts executions of `workflow` from events. */
export function triggerOf(workflow: string): EventTrigger {
  return {
    workflow,
    detailType: `Sim Start ${workflow}`,
    source: SHOP_SOURCE,
    businessKeyPath: '$.detail.orderId',
  };
}

const COUNTS = { none: 0, one: 1, two: 2, three: 3 } as const;

/** An event planned for a wait: when, from whom, what; `twice` when the producer publishes it again. */
interface PlannedEvent {
  at: number;
  readonly source: string;
  readonly detail: JsonObject;
  readonly twice: boolean;
}

/** When an event goes out, relative to the start of the execution it is for. */
type Timing = 'early' | 'around' | 'late' | 'days later';

/** The partner domain of one seed. */
export class Publisher {
  /** Every event put on the bus, with its id. */
  readonly events: PublishedEventRecord[] = [];
  /** The `seq` of the events delivered without late copies (several for one wait, see above). */
  private sequence = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Prng,
    private readonly payloads: LargePayloads | undefined,
  ) {}

  /** Plans the events the waits of one execution meet, around its start (ms from the run's start). */
  planSignals(executionId: string, workflow: GeneratedWorkflow, startAt: number): void {
    const rng = this.rng;
    for (const wait of workflow.waits.values()) {
      if (wait.match.type !== 'signal') continue;
      const count = COUNTS[rng.weighted<keyof typeof COUNTS>({ none: 2, one: 5, two: 3, three: 1 })];
      const planned: PlannedEvent[] = [];
      for (let i = 0; i < count; i++) {
        planned.push({
          at: this.timed(startAt),
          source: this.sourceFor(wait),
          detail: { ref: executionId, step: wait.stateName, value: rng.int(0, 999) },
          twice: rng.chance(0.15),
        });
      }
      this.planWait(planned, wait, 'signal', executionId);
      // An event like the right one from a source the wait does not take.
      if (wait.source !== undefined && rng.chance(0.3)) {
        const detail = { ref: executionId, step: wait.stateName, value: rng.int(0, 999) };
        this.planEvent(this.timed(startAt), OTHER_SOURCE, wait.detailType, detail, 'decoy');
      }
    }
  }

  /** Plans the events of each broadcast topic: every execution waiting on the topic matches them. */
  planBroadcasts(workflows: readonly GeneratedWorkflow[], latestStart: number): void {
    const rng = this.rng;
    for (const workflow of workflows) {
      for (const wait of workflow.waits.values()) {
        if (wait.match.type !== 'broadcast') continue;
        const count = COUNTS[rng.weighted<keyof typeof COUNTS>({ none: 1, one: 3, two: 2, three: 1 })];
        const planned: PlannedEvent[] = [];
        for (let i = 0; i < count; i++) {
          planned.push({
            at: rng.int(0, latestStart + 6 * 3_600_000),
            source: this.sourceFor(wait),
            detail: { topic: wait.match.topic, value: rng.int(0, 999) },
            twice: rng.chance(0.15),
          });
        }
        this.planWait(planned, wait, 'broadcast', undefined);
      }
    }
  }

  /** Publishes the events planned for one wait's key. */
  private planWait(
    planned: readonly PlannedEvent[],
    wait: WaitInfo,
    purpose: 'signal' | 'broadcast',
    executionId: string | undefined,
  ): void {
    for (const event of planned) {
      this.planEvent(
        event.at,
        event.source,
        wait.detailType,
        event.detail,
        purpose,
        event.twice,
        executionId,
      );
    }
  }

  /** Plans events that no state waits for. */
  planDecoys(workflows: readonly GeneratedWorkflow[], latestStart: number): void {
    const rng = this.rng;
    const waits = workflows.flatMap((workflow) => [...workflow.waits.values()]);
    const count = rng.int(0, 3);
    for (let i = 0; i < count; i++) {
      const at = rng.int(0, latestStart + 3_600_000);
      const wait = waits.length > 0 ? rng.pick(waits) : undefined;
      const kind = rng.weighted({ stranger: 3, unmatched: 2, noise: 1 });
      const detailType = wait?.detailType ?? NOISE_DETAIL_TYPE;
      switch (kind) {
        case 'stranger':
          // Another execution's reference, or a topic no one waits on.
          this.planEvent(
            at,
            PARTNER_SOURCE,
            detailType,
            wait?.match.type === 'signal'
              ? { ref: `${rng.pick(workflows).name}:nobody`, step: wait.stateName, value: rng.int(0, 999) }
              : { topic: 'topic-nobody', value: rng.int(0, 999) },
            'decoy',
            rng.chance(0.15),
          );
          break;
        case 'unmatched':
          // The detail-type a rule routes, without the field the waits match on.
          this.planEvent(at, PARTNER_SOURCE, detailType, { value: rng.int(0, 999) }, 'decoy');
          break;
        case 'noise':
          this.planEvent(at, PARTNER_SOURCE, NOISE_DETAIL_TYPE, { value: rng.int(0, 999) }, 'decoy');
          break;
      }
    }
  }

  /**
   * Starts an execution by its trigger event at `at`, sometimes published twice (the same order).
   * Answers the execution's input: the event's detail.
   */
  startByEvent(workflow: string, name: string, input: JsonObject, at: number): JsonObject {
    const trigger = triggerOf(workflow);
    const detail = { ...input, orderId: name };
    this.publishAt(at, trigger.source ?? SHOP_SOURCE, trigger.detailType, detail, 'trigger');
    if (this.rng.chance(0.2)) {
      this.world.count('events: trigger published twice');
      this.publishAt(
        at + this.rng.int(0, 120_000),
        trigger.source ?? SHOP_SOURCE,
        trigger.detailType,
        detail,
        'trigger',
      );
    }
    return detail;
  }

  /** Plans an event, sometimes large, sometimes published twice by the producer. */
  private planEvent(
    at: number,
    source: string,
    detailType: string,
    detail: JsonObject,
    purpose: PublishedEventRecord['purpose'],
    twice = false,
    executionId?: string,
  ): void {
    const rng = this.rng;
    const payloads = this.payloads;
    const seq = ++this.sequence;
    let body: JsonObject = { ...detail, seq };
    if (payloads !== undefined && rng.chance(payloads.profile.largeEvent)) {
      const large = payloads.draw(rng, payloads.profile.events, executionId, 'event detail');
      if (large) body = paddedTo(rng, body, 'blob', large.bytes, large.wide);
    }
    this.publishAt(at, source, detailType, body, purpose);
    if (twice) {
      this.world.count('events: published twice by the producer (two event ids)');
      this.publishAt(at + rng.int(0, 120_000), source, detailType, body, purpose);
    }
  }

  private publishAt(
    at: number,
    source: string,
    detailType: string,
    detail: JsonObject,
    purpose: PublishedEventRecord['purpose'],
  ): void {
    this.world.at(at, `publish ${detailType} (${purpose})`, async () => {
      const [id] = await this.world.control.publish([{ source, detailType, detail }]);
      if (id === undefined || id === '') throw new Error(`the bus accepted no event ${detailType}`);
      this.events.push({ id, at: this.world.now, source, detailType, detail, purpose });
      this.world.count(`events: ${purpose} published`);
    });
  }

  /** When an event for an execution starting at `startAt` goes out. */
  private timed(startAt: number): number {
    const rng = this.rng;
    const timing = rng.weighted<Timing>({ early: 3, around: 2, late: 3, 'days later': 1 });
    this.world.count(`events: ${timing}`);
    switch (timing) {
      case 'early':
        return startAt - rng.int(1_000, 3 * 3_600_000);
      case 'around':
        return startAt + rng.int(0, 120_000);
      case 'late':
        return startAt + rng.int(120_000, 6 * 3_600_000);
      case 'days later':
        return startAt + rng.int(86_400_000, 3 * 86_400_000);
    }
  }

  /** The source an event for a wait comes from: the one it requires, or either. */
  private sourceFor(wait: WaitInfo): string {
    return wait.source ?? this.rng.pick([PARTNER_SOURCE, OTHER_SOURCE]);
  }
}
