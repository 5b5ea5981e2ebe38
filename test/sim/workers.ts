/**
 * The simulated workers: at-least-once consumers that keep their side effects idempotent on the
 * idempotency key, as the worker contract asks, and log what they did and undid. Their outcomes
 * (success, named failures, thrown non-Errors, slowness, hangs, missing or regular heartbeats) are
 * scripted per task attempt from the seed.
 *
 * The logs are the workers' own view of the world, independent of the engine's history: the
 * checker compares the two.
 */
import type { Json } from '../../lambdas/engine/json.js';
import type { InboxSender } from '../../lambdas/runtime/ports.js';
import { TaskFailure, type WorkerContext } from '../../lambdas/runtime/worker.js';
import { SimulatedCrash, type OutcomeWeights } from './faults.js';
import type { EffectRecord, LargeResultRecord, UndoRecord } from './invariants.js';
import { paddedTo, type LargePayloads, type PayloadDraw } from './payloads.js';
import type { Prng } from './prng.js';
import { DECLINED_ERROR, TRANSIENT_ERROR, type TaskInfo } from './workflow-generator.js';

/** What a worker attempt does. */
export type Outcome = keyof OutcomeWeights;

/** The script of one task attempt (one task token), fixed at its first delivery. */
interface AttemptPlan {
  readonly outcome: Outcome;
  /** How long after receipt the report is sent, ms. */
  readonly durationMs: number;
  /** Heartbeat period, ms, for `heartbeating`. */
  readonly heartbeatEveryMs?: number;
  /** How long a repeat of a key already done takes to return the stored result, ms. */
  readonly replayDelayMs: number;
  /** The first delivery dies after the side effect, before reporting. */
  readonly dieBeforeReport: boolean;
  /** For `bulky`: the size of the result's JSON, in UTF-8 bytes, and how it is written. */
  readonly result?: PayloadDraw;
  deliveries: number;
}

/** What the workers need from the world. */
export interface WorkerEnvironment {
  readonly rng: Prng;
  now(): number;
  taskInfo(workflow: string, stateName: string): TaskInfo | undefined;
  /** Sends a report to the inbox, `delayMs` from now (the world adds its own delivery faults). */
  report(body: Json, delayMs: number): void;
  /** A global counter ordering side effects. */
  nextSeq(): number;
  /** Counts an injected fault, for the summary. */
  count(what: string): void;
  /** The life of the local runtime's process now (see World.generation). */
  generation(): number;
  /** Kills the whole process here, sometimes; whether it did. */
  crashProcess(point: string): boolean;
}

/** Per-delivery fault switches, decided by the world. */
export interface DeliveryFaults {
  /** Probability of dying after the side effect, before the report (first delivery only). */
  readonly dieBeforeReport: number;
  /** Probability that sending the report fails. */
  readonly reportSendFail: number;
  /** No injected fault on this delivery (its last chances before the DLQ). */
  readonly calm: boolean;
  /** The life of the process the delivery runs in: once it died, the worker does nothing more. */
  readonly generation: number;
}

/** A delivery under way: its fault switches, how long its worker has worked, whether it died. */
interface Delivery {
  readonly faults: DeliveryFaults;
  delayMs: number;
  dead: boolean;
}

const CALM: DeliveryFaults = { dieBeforeReport: 0, reportSendFail: 0, calm: true, generation: 0 };

/** Counters of what the workers saw. */
export interface WorkerStats {
  deliveries: number;
  duplicateDeliveries: number;
  outcomes: Record<string, number>;
}

/** The domain's workers, with their idempotency stores and side-effect logs. */
export class SimWorkers {
  readonly effects: EffectRecord[] = [];
  readonly undos: UndoRecord[] = [];
  /** The large results the workers returned (the `bulky` outcome), once per idempotency key. */
  readonly largeResults: LargeResultRecord[] = [];
  readonly stats: WorkerStats = { deliveries: 0, duplicateDeliveries: 0, outcomes: {} };
  /** Forward results by idempotency key: a repeated key returns the stored result. */
  private readonly done = new Map<string, Json>();
  /** Compensation results by compensation idempotency key. */
  private readonly undone = new Map<string, Json>();
  private readonly plans = new Map<string, AttemptPlan>();
  /** The delivery under way of each task token. */
  private readonly deliveries = new Map<string, Delivery>();

  constructor(
    private readonly env: WorkerEnvironment,
    private readonly weights: { readonly tasks: OutcomeWeights; readonly compensations: OutcomeWeights },
    private readonly payloads?: LargePayloads,
  ) {}

  /**
   * Arms the next delivery of a task (called by the worker Lambda's wrapper for each record it
   * receives, before `defineWorker` runs them): whether faults may be injected on it.
   */
  arm(taskToken: string, faults: DeliveryFaults): void {
    this.deliveries.set(taskToken, { faults, delayMs: 0, dead: false });
  }

  /**
   * The worker function `defineWorker` runs: an idempotent side effect (or its undo), scripted per
   * attempt. A worker that hangs or dies before reporting leaves its delivery "dead": its report
   * then fails to send, so `defineWorker` reports the record failed and SQS redelivers it.
   */
  readonly handler = async (input: Json, context: WorkerContext): Promise<Json> => {
    const delivery = this.deliveryOf(context.taskToken);
    const { faults } = delivery;
    // A worker of a process that died does nothing more (its side effect never happens).
    this.assertAlive(delivery);
    const plan = this.plan(context, faults);
    plan.deliveries += 1;
    this.stats.deliveries += 1;
    if (plan.deliveries > 1) this.stats.duplicateDeliveries += 1;
    const first = plan.deliveries === 1;
    if (plan.outcome === 'hang' && first && !faults.calm) {
      // The Lambda runs into its own timeout: no report, no delete; SQS redelivers later.
      delivery.dead = true;
      return null;
    }
    delivery.delayMs = plan.durationMs;
    const replay = (context.compensation ? this.undone : this.done).has(context.idempotencyKey);
    const result = context.compensation
      ? this.undo(input, context, plan)
      : await this.forward(input, context, plan, (ms) => (delivery.delayMs = ms));
    delivery.delayMs = replay ? plan.replayDelayMs : plan.durationMs;
    if (first && plan.dieBeforeReport && !faults.calm) {
      this.env.count('worker crash before report');
      delivery.dead = true;
    }
    // The whole process dies after the side effect, before the report.
    if (!faults.calm && this.env.crashProcess('worker after its side effect')) delivery.dead = true;
    return result;
  };

  /**
   * The inbox as the workers see it: a report leaves when the worker has done its work (delayed by
   * the virtual time it took), fails when the worker died, and sometimes fails to send.
   */
  readonly inbox: InboxSender = {
    send: async (body) => {
      const token = isRecord(body) && typeof body.taskToken === 'string' ? body.taskToken : '';
      const delivery = this.deliveryOf(token);
      if (delivery.dead) throw new SimulatedCrash('worker died before reporting');
      this.assertAlive(delivery);
      if (!delivery.faults.calm && this.env.rng.chance(delivery.faults.reportSendFail)) {
        this.env.count('worker report send failed');
        throw new Error('SendMessage to the inbox failed');
      }
      this.env.report(body, delivery.delayMs);
    },
  };

  private assertAlive(delivery: Delivery): void {
    if (delivery.faults.generation === this.env.generation()) return;
    delivery.dead = true;
    throw new SimulatedCrash('the process died');
  }

  private deliveryOf(taskToken: string): Delivery {
    let delivery = this.deliveries.get(taskToken);
    if (!delivery) {
      delivery = { faults: { ...CALM, generation: this.env.generation() }, delayMs: 0, dead: false };
      this.deliveries.set(taskToken, delivery);
    }
    return delivery;
  }

  private async forward(
    input: Json,
    context: WorkerContext,
    plan: AttemptPlan,
    setDelay: (ms: number) => void,
  ): Promise<Json> {
    const key = context.idempotencyKey;
    const stored = this.done.get(key);
    // An idempotent worker: the effect of a key happens once; a repeat returns the first result.
    if (stored !== undefined) return stored;
    switch (plan.outcome) {
      case 'declined':
        setDelay(plan.durationMs);
        throw new TaskFailure(DECLINED_ERROR, `declined by the simulated worker (${context.stateName})`);
      case 'transient':
        setDelay(plan.durationMs);
        throw new TaskFailure(TRANSIENT_ERROR, 'the simulated dependency is busy');
      case 'typeError':
        setDelay(plan.durationMs);
        throw new TypeError('simulated bug in the worker');
      case 'nonError':
        setDelay(plan.durationMs);
        throw `a thrown string from ${context.stateName}`;
      case 'ok':
      case 'slow':
      case 'hang':
      case 'silent':
      case 'heartbeating':
      case 'bulky':
        break;
    }
    const n = isRecord(input) && typeof input.n === 'number' ? input.n : 0;
    let result: Json = {
      effectId: key,
      n: (n * 7 + 3) % 10,
      by: context.stateName,
      ...(n % 2 === 1 ? { bonus: n } : {}),
    };
    if (plan.result !== undefined) {
      // A result near, at or over a limit: the worker SDK, the engine and the store must each
      // handle it (report it, fail the state, or offload the snapshot), never lose it.
      result = paddedTo(this.env.rng, result, 'blob', plan.result.bytes, plan.result.wide);
      this.largeResults.push({
        executionId: context.executionId,
        stateName: context.stateName,
        key,
        bytes: plan.result.bytes,
      });
    }
    this.done.set(key, result);
    this.effects.push({
      executionId: context.executionId,
      key,
      stateName: context.stateName,
      seq: this.env.nextSeq(),
    });
    if (plan.heartbeatEveryMs !== undefined) {
      for (let at = plan.heartbeatEveryMs; at < plan.durationMs; at += plan.heartbeatEveryMs) {
        setDelay(at);
        await context.heartbeat();
      }
    }
    return result;
  }

  private undo(input: Json, context: WorkerContext, plan: AttemptPlan): Json {
    const key = context.idempotencyKey;
    const stored = this.undone.get(key);
    if (stored !== undefined) return stored;
    switch (plan.outcome) {
      case 'declined':
      case 'transient':
        throw new TaskFailure('Sim.UndoFailed', `the simulated undo of ${context.stateName} failed`);
      case 'typeError':
        throw new TypeError('simulated bug in the undo worker');
      case 'nonError':
        throw `a thrown string from the undo of ${context.stateName}`;
      case 'ok':
      case 'slow':
      case 'hang':
      case 'silent':
      case 'heartbeating':
      case 'bulky':
        break;
    }
    const effectId = isRecord(input) && typeof input.effectId === 'string' ? input.effectId : `<none>`;
    const result: Json = { undone: effectId };
    this.undone.set(key, result);
    this.undos.push({
      executionId: context.executionId,
      effectId,
      compensationKey: key,
      seq: this.env.nextSeq(),
    });
    return result;
  }

  /** The script of an attempt, drawn at its first delivery and kept for its redeliveries. */
  private plan(task: WorkerContext, faults: DeliveryFaults): AttemptPlan {
    const known = this.plans.get(task.taskToken);
    if (known) return known;
    const rng = this.env.rng;
    const info = this.env.taskInfo(task.workflow, task.stateName);
    const timeoutSeconds = task.compensation ? info?.compensationTimeoutSeconds : info?.timeoutSeconds;
    const heartbeatSeconds = task.compensation ? undefined : info?.heartbeatSeconds;
    const weights = task.compensation ? this.weights.compensations : this.weights.tasks;
    const heartbeatMs = heartbeatSeconds === undefined ? undefined : heartbeatSeconds * 1000;
    const timeoutMs = timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000;
    const canHeartbeat =
      heartbeatMs !== undefined && (timeoutMs === undefined || timeoutMs > heartbeatMs * 1.5 + 2000);
    const outcome = rng.weighted<Outcome>({
      ...weights,
      slow: timeoutMs !== undefined ? weights.slow : 0,
      silent: heartbeatMs !== undefined ? weights.silent : 0,
      heartbeating: canHeartbeat ? weights.heartbeating : 0,
    });
    let durationMs = rng.int(0, 3000);
    let heartbeatEveryMs: number | undefined;
    if (outcome === 'slow' && timeoutMs !== undefined) durationMs = timeoutMs + rng.int(1, 60_000);
    if (outcome === 'silent' && heartbeatMs !== undefined) durationMs = heartbeatMs + rng.int(1, 20_000);
    if (outcome === 'heartbeating' && heartbeatMs !== undefined) {
      const longest = timeoutMs === undefined ? heartbeatMs * 3 : Math.min(heartbeatMs * 3, timeoutMs - 2000);
      durationMs = rng.int(Math.ceil(heartbeatMs * 1.5), Math.max(Math.ceil(heartbeatMs * 1.5), longest));
      heartbeatEveryMs = Math.max(250, Math.floor(heartbeatMs / 3));
    }
    this.stats.outcomes[outcome] = (this.stats.outcomes[outcome] ?? 0) + 1;
    const payloads = this.payloads;
    const large =
      payloads !== undefined &&
      !task.compensation &&
      (outcome === 'bulky' || (outcome === 'ok' && payloads.grows(rng, task.executionId)));
    const result = large
      ? payloads.draw(rng, payloads.profile.results, task.executionId, 'task result')
      : undefined;
    const plan: AttemptPlan = {
      outcome,
      durationMs,
      ...(heartbeatEveryMs !== undefined ? { heartbeatEveryMs } : {}),
      replayDelayMs: rng.int(0, 1000),
      dieBeforeReport: rng.chance(faults.dieBeforeReport),
      ...(result !== undefined ? { result } : {}),
      deliveries: 0,
    };
    this.plans.set(task.taskToken, plan);
    return plan;
  }
}

function isRecord(value: Json): value is { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
