/**
 * What the simulated world injects, and how often. Each seed draws an intensity (some seeds are
 * calm, some stormy) that scales every base rate below.
 *
 * Liveness assumption: transient faults end. A message's last two deliveries before its
 * maxReceiveCount run without injected faults (the world is "calm" for them), so a legitimate
 * message can only reach a DLQ through a real defect; poison messages are the exception.
 */
import type { SizeClass } from './payloads.js';
import type { Prng } from './prng.js';

/** A Lambda (orchestrator or worker) died at a point of its work; nothing after it ran. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
  constructor(readonly point: string) {
    super(`simulated Lambda crash: ${point}`);
  }
}

/** Probabilities per opportunity (0-1), delays in ms. */
export interface FaultRates {
  /** SQS delivers a message twice (the same message id). */
  readonly duplicateDelivery: number;
  /** A producer sends a message twice (a new message id: an SDK retry after a lost response). */
  readonly duplicateSend: number;
  /** A message is delivered late. */
  readonly delayedDelivery: number;
  readonly maxExtraDelayMs: number;
  /** A message also arrives again much later (hours to days: a producer retry, a consumer that was off). */
  readonly lateCopy: number;
  readonly maxLateCopyMs: number;

  /** The orchestrator Lambda dies right after receiving, before loading. */
  readonly crashAfterReceive: number;
  /** It dies after performing everything, before deleting the message. */
  readonly crashBeforeAck: number;
  /** DynamoDB throttles a read (TransientStoreError). */
  readonly loadThrottle: number;
  /** It dies after loading, before committing. */
  readonly crashBeforeCommit: number;
  /** DynamoDB throttles the conditional put (nothing written). */
  readonly commitThrottle: number;
  /** A conditional-check failure with no real conflict (nothing written). */
  readonly spuriousConflict: number;
  /** The put landed, then the call failed: a timeout (TransientStoreError). */
  readonly commitLandedThenTimeout: number;
  /** The put landed, the SDK retried it and the retry failed its condition (VersionConflictError). */
  readonly commitLandedThenConflict: number;
  /** The put landed, then the Lambda died before performing. */
  readonly crashAfterCommit: number;
  /** Reading an outbox (loadCommands) or writing the index is throttled. */
  readonly auxiliaryThrottle: number;
  /** SendMessage to a worker queue fails before the message is queued. */
  readonly dispatchFailBefore: number;
  /** SendMessage queued the message, then reported a failure. */
  readonly dispatchFailAfter: number;
  /** The Lambda dies in the middle of performing (after some commands). */
  readonly crashDuringPerform: number;
  /** PutEvents publishes some entries and fails the others. */
  readonly partialPublish: number;
  /** Scheduling a timer fails (before or after it was created). */
  readonly timerFail: number;
  /** A timer fires late (never early). */
  readonly timerLate: number;
  readonly maxTimerLatenessMs: number;
  /** A timer fires twice. */
  readonly timerDuplicate: number;
  /** A cancel is honoured (the pending timer is removed); otherwise the stale timer fires. */
  readonly cancelHonoured: number;

  /** The worker Lambda dies right after receiving. */
  readonly workerCrashAfterReceive: number;
  /** It dies after its side effect, before reporting. */
  readonly workerCrashBeforeReport: number;
  /** It dies after reporting, before deleting the message (the report is then sent again). */
  readonly workerCrashBeforeAck: number;
  /** Sending the report to the inbox fails (the worker message is redelivered). */
  readonly reportSendFail: number;

  /**
   * The whole local runtime process dies (`kill -9`) at a port call of an invocation or of a
   * worker: every invocation in flight dies with it, everything only in memory is gone, and the
   * runtime restarts from its files (local-runtime seeds only).
   */
  readonly processCrash: number;
  /** The process dies between two rounds of deliveries, with nothing in flight (per round). */
  readonly idleProcessCrash: number;
  /** Most whole-process crashes in one seed. */
  readonly maxProcessCrashes: number;
  /** EventBridge delivers an event to a rule's target twice (the same event id). */
  readonly eventDuplicateDelivery: number;
  /** A call to the correlation store is throttled. */
  readonly correlationThrottle: number;
}

const BASE: FaultRates = {
  duplicateDelivery: 0.04,
  duplicateSend: 0.03,
  delayedDelivery: 0.1,
  maxExtraDelayMs: 120_000,
  lateCopy: 0.02,
  maxLateCopyMs: 10 * 24 * 3_600_000,
  crashAfterReceive: 0.02,
  crashBeforeAck: 0.03,
  loadThrottle: 0.03,
  crashBeforeCommit: 0.02,
  commitThrottle: 0.03,
  spuriousConflict: 0.04,
  commitLandedThenTimeout: 0.03,
  commitLandedThenConflict: 0.03,
  crashAfterCommit: 0.04,
  auxiliaryThrottle: 0.03,
  dispatchFailBefore: 0.02,
  dispatchFailAfter: 0.02,
  crashDuringPerform: 0.03,
  partialPublish: 0.05,
  timerFail: 0.03,
  timerLate: 0.15,
  maxTimerLatenessMs: 90_000,
  timerDuplicate: 0.05,
  cancelHonoured: 0.5,
  workerCrashAfterReceive: 0.02,
  workerCrashBeforeReport: 0.04,
  workerCrashBeforeAck: 0.03,
  reportSendFail: 0.02,
  processCrash: 0.01,
  idleProcessCrash: 0.01,
  maxProcessCrashes: 3,
  eventDuplicateDelivery: 0.1,
  correlationThrottle: 0.03,
};

const NO_FAULTS: FaultRates = Object.fromEntries(
  Object.entries(BASE).map(([key, value]) => [key, key.startsWith('max') ? value : 0]),
) as unknown as FaultRates;

/** The rates with every probability multiplied by `intensity` (capped at 0.5). */
export function scaledRates(intensity: number): FaultRates {
  return Object.fromEntries(
    Object.entries(BASE).map(([key, value]) => [
      key,
      key.startsWith('max') || key === 'cancelHonoured' ? value : Math.min(0.5, value * intensity),
    ]),
  ) as unknown as FaultRates;
}

/** A seed's fault intensity: 10% of seeds run fault-free, the others between gentle and stormy. */
export function drawRates(rng: Prng): { intensity: number; rates: FaultRates } {
  if (rng.chance(0.1)) return { intensity: 0, rates: NO_FAULTS };
  const intensity = Math.round((0.3 + rng.next() * 2.2) * 100) / 100;
  return { intensity, rates: scaledRates(intensity) };
}

/** What the simulated workers do, as weights (drawn per attempt; impossible outcomes are skipped). */
export interface OutcomeWeights {
  /** Succeeds promptly. */
  readonly ok: number;
  /** A named failure (`Sim.Declined`). */
  readonly declined: number;
  /** A retryable named failure (`Sim.Transient`). */
  readonly transient: number;
  /** Throws a TypeError (reported as States.TaskFailed). */
  readonly typeError: number;
  /** Throws a value that is not an Error. */
  readonly nonError: number;
  /** Succeeds after its TimeoutSeconds (needs TimeoutSeconds). */
  readonly slow: number;
  /** First delivery never reports (the Lambda timed out); a redelivery runs normally. */
  readonly hang: number;
  /** Sends no heartbeat and reports after HeartbeatSeconds (needs HeartbeatSeconds). */
  readonly silent: number;
  /** Heartbeats regularly and reports after HeartbeatSeconds, within TimeoutSeconds (needs HeartbeatSeconds). */
  readonly heartbeating: number;
  /** Succeeds with a large result, drawn from the seed's {@link SizeProfile} (near, at or over a limit). */
  readonly bulky: number;
}

/** A seed's worker behaviour: forward tasks and compensations (large results only with `sizes`). */
export function drawOutcomes(
  rng: Prng,
  sizes?: SizeProfile,
): { tasks: OutcomeWeights; compensations: OutcomeWeights } {
  const failureBias = rng.next();
  return {
    tasks: {
      ok: 60,
      declined: 4 + 12 * failureBias,
      transient: 4 + 10 * failureBias,
      typeError: 2,
      nonError: 2,
      slow: 5,
      hang: 3,
      silent: 4,
      heartbeating: 10,
      bulky: sizes === undefined ? 0 : sizes.bulky,
    },
    compensations: {
      ok: 80,
      declined: 3 + 8 * failureBias,
      transient: 4,
      typeError: 1,
      nonError: 1,
      slow: 4,
      hang: 3,
      silent: 0,
      heartbeating: 0,
      bulky: 0,
    },
  };
}

/**
 * What a seed does with payload sizes (item-size limits, see `payloads.ts`): how often workers
 * return large results and how large, and how often execution inputs and published events are
 * large. Sizes are drawn per payload from the classes' weights.
 */
export interface SizeProfile {
  /** Weight of the `bulky` worker outcome (ok is 60). */
  readonly bulky: number;
  readonly results: Readonly<Partial<Record<SizeClass, number>>>;
  /** Chance that a large payload is written in two-byte characters (bytes over characters). */
  readonly wide: number;
  /** Chance that an execution's input carries a large `pad`. */
  readonly paddedInput: number;
  readonly inputs: Readonly<Partial<Record<SizeClass, number>>>;
  /** Chance that a published event carries a large `blob` in its detail. */
  readonly largeEvent: number;
  readonly events: Readonly<Partial<Record<SizeClass, number>>>;
}

/**
 * The profile of a seed whose states keep their tasks' results (DynamoDB seeds): results and
 * inputs mostly at the payload limit, so that two or three of them in one state pass DynamoDB's
 * item limit (about 410 KB after compression, which leaves some 82% of the generated payloads).
 */
export function growingSizes(profile: SizeProfile): SizeProfile {
  return {
    ...profile,
    results: { 'at-limit': 4, near: 1, 'just-over': 1, 'over-queue': 1 },
    paddedInput: 0.5,
    inputs: { 'at-limit': 1, near: 1 },
  };
}

/**
 * A seed's size profile, or undefined for a seed of small payloads (most of them). Seeds on the
 * DynamoDB store draw one more often, and lean to results just under the payload limit, which a
 * state keeps until it passes the item limit.
 */
export function drawSizes(rng: Prng, dynamodb: boolean): SizeProfile | undefined {
  if (!rng.chance(dynamodb ? 0.4 : 0.2)) return undefined;
  return {
    bulky: dynamodb ? rng.pick([24, 60]) : rng.pick([12, 24, 36]),
    results: dynamodb
      ? { large: 2, near: 8, 'at-limit': 2, 'just-over': 1, over: 1, 'over-queue': 1 }
      : { large: 4, near: 3, 'at-limit': 1, 'just-over': 1, over: 2, 'over-queue': 1 },
    wide: 0.2,
    paddedInput: rng.pick([0, 0.2, 0.5]),
    inputs: { large: 6, near: 2, 'just-over': 1, over: 1 },
    largeEvent: rng.pick([0, 0.1, 0.3]),
    events: { large: 5, near: 2, over: 2 },
  };
}
