/**
 * An Amazon EventBridge event bus in memory, for the local runtime and tests: PutEvents builds the
 * event envelope EventBridge builds, every enabled rule whose pattern matches sends the event to
 * each of its targets, with the target's input transformation applied.
 *
 * Delivery follows EventBridge's guarantees as far as one process can: PutEvents returns once the
 * events are accepted, and targets are called afterwards (never inside `putEvents`), at least once
 * per matching rule. A target that throws is retried with exponential backoff on the injected
 * scheduler until its retry policy (PutTargets `RetryPolicy`: up to 185 retries, 24 hours by
 * default) runs out; the delivery is then recorded in {@link LocalEventBus.failedDeliveries}.
 * The backoff schedule (1 s doubling, capped at 1 minute) is ours: AWS documents only "exponential
 * back off and jitter".
 */
import { randomUUID } from 'node:crypto';
import { isJsonObject, type JsonObject } from '../json.js';
import { SYSTEM_CLOCK, SYSTEM_SCHEDULER, type Clock, type Scheduler } from '../sqs/clock.js';
import { EventBridgeValidationError } from './errors.js';
import { compilePattern, type CompiledEventPattern } from './pattern.js';
import {
  compileTargetInput,
  type InputTransformer,
  type TargetInput,
  type TargetInputRenderer,
} from './target-input.js';

/** PutEvents takes at most 10 entries. */
export const MAX_ENTRIES_PER_PUT = 10;
/** PutEvents request size limit, counted as EventBridge counts entry sizes (1 MB since January 2026). */
export const MAX_REQUEST_BYTES = 1_048_576;
/** Longest detail-type. */
export const MAX_DETAIL_TYPE_LENGTH = 128;
/** Longest source. */
export const MAX_SOURCE_LENGTH = 256;
/** A rule has at most 5 targets. */
export const MAX_TARGETS_PER_RULE = 5;
/** RetryPolicy (PutTargets): retries after the first attempt, by default and at most. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185;
/** RetryPolicy (PutTargets): the event age after which no retry is made, by default and at most (24 h). */
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 86_400;
/** RetryPolicy (PutTargets): the smallest maximum event age. */
export const MIN_MAXIMUM_EVENT_AGE_SECONDS = 60;
/** Events kept in {@link LocalEventBus.archive}; the oldest are dropped beyond it. */
export const DEFAULT_ARCHIVE_LIMIT = 10_000;
const FIRST_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 60_000;
const NAME_PATTERN = /^[.\-_A-Za-z0-9]{1,64}$/;

/** One PutEvents entry, in the SDK's shape (camel-cased). Fields are optional as in the SDK: missing ones fail the entry. */
export interface PutEventsEntry {
  readonly source?: string;
  readonly detailType?: string;
  /** A JSON object, as text. */
  readonly detail?: string;
  readonly resources?: readonly string[];
  /** @default the time of the PutEvents call */
  readonly time?: Date;
  readonly traceHeader?: string;
}

/** The outcome of one entry, in entry order. */
export type PutEventsResultEntry =
  | { readonly type: 'accepted'; readonly eventId: string }
  | { readonly type: 'failed'; readonly errorCode: string; readonly errorMessage: string };

/** PutEvents output: per-entry outcomes, in entry order. */
export interface PutEventsResult {
  readonly failedEntryCount: number;
  readonly entries: readonly PutEventsResultEntry[];
}

/** The event as EventBridge delivers it. */
export type EventEnvelope = {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 to the second, UTC: `2017-12-22T18:43:48Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: JsonObject;
};

/** An accepted event, as kept for inspection. */
export interface ArchivedEvent {
  readonly event: EventEnvelope;
  readonly ingestionTime: string;
  /** Names of the rules that matched it when it was put. */
  readonly matchedRules: readonly string[];
}

/** What a target's `deliver` is told besides its input. */
export interface DeliveryContext {
  readonly event: EventEnvelope;
  readonly ruleName: string;
  readonly targetId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** PutTargets `RetryPolicy`. */
export interface RetryPolicy {
  /** Retries after the first attempt, 0–185. @default 185 */
  readonly maximumRetryAttempts?: number;
  /** No attempt is made once the event is this old, 60–86400 s. @default 86400 */
  readonly maximumEventAgeSeconds?: number;
}

/** A rule target: where matching events go, and in what shape. */
export interface RuleTarget {
  /** Unique in the rule, 1–64 of `[.\-_A-Za-z0-9]`. */
  readonly id: string;
  /** Receives the target's input. Throwing (or rejecting) makes the bus retry. */
  readonly deliver: (input: TargetInput, context: DeliveryContext) => Promise<void> | void;
  /** Constant JSON text to send instead of the event. */
  readonly input?: string;
  /** JSONPath of the part of the event to send. */
  readonly inputPath?: string;
  readonly inputTransformer?: InputTransformer;
  /** @default 185 retries within 24 hours */
  readonly retryPolicy?: RetryPolicy;
}

/** PutRule (with its targets, as PutTargets would add them). */
export interface PutRuleInput {
  /** 1–64 of `[.\-_A-Za-z0-9]`. A rule of the same name is replaced. */
  readonly name: string;
  /** An event pattern, as an object or as JSON text. */
  readonly eventPattern: unknown;
  /** At most 5. @default none */
  readonly targets?: readonly RuleTarget[];
  /** @default 'ENABLED' */
  readonly state?: 'ENABLED' | 'DISABLED';
}

/** A delivery that ran out of retries. */
export interface FailedDelivery {
  readonly event: EventEnvelope;
  readonly ruleName: string;
  readonly targetId: string;
  readonly attempts: number;
  /** The last error the target threw. */
  readonly error: unknown;
  /** Out of retries, too old to retry, or an input that could not be rendered (never attempted). */
  readonly reason: 'retries-exhausted' | 'event-too-old' | 'invalid-input';
}

/** Options of {@link LocalEventBus}. */
export interface LocalEventBusOptions {
  /** @default 'default' */
  readonly name?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly account?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Timers for retries. @default setTimeout */
  readonly scheduler?: Scheduler;
  /** Event ids. @default crypto.randomUUID */
  readonly ids?: () => string;
  /** @default 10000 */
  readonly archiveLimit?: number;
  /** Told about each delivery that ran out of retries. @default nothing beyond {@link LocalEventBus.failedDeliveries} */
  readonly onDeliveryFailed?: (failure: FailedDelivery) => void;
}

interface CompiledTarget {
  readonly id: string;
  readonly deliver: RuleTarget['deliver'];
  readonly render: TargetInputRenderer;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

interface CompiledRule {
  readonly name: string;
  readonly arn: string;
  readonly pattern: CompiledEventPattern;
  readonly targets: readonly CompiledTarget[];
  readonly enabled: boolean;
}

type EntryCheck =
  | { readonly type: 'valid'; readonly event: EventEnvelope }
  | {
      readonly type: 'invalid';
      readonly errorCode: string;
      readonly errorMessage: string;
      readonly missing: boolean;
    };

/** An event bus with rules and targets, in memory. */
export class LocalEventBus {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly arn: string;
  /** Failed deliveries, oldest first: EventBridge would put these in the target's DLQ. */
  readonly failedDeliveries: FailedDelivery[] = [];

  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly ids: () => string;
  private readonly archiveLimit: number;
  private readonly onDeliveryFailed: ((failure: FailedDelivery) => void) | undefined;
  private readonly rules = new Map<string, CompiledRule>();
  private readonly archived: ArchivedEvent[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly retries = new Set<() => void>();

  constructor(options: LocalEventBusOptions = {}) {
    this.name = options.name ?? 'default';
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
    this.arn = `arn:aws:events:${this.region}:${this.account}:event-bus/${this.name}`;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.scheduler = options.scheduler ?? SYSTEM_SCHEDULER;
    this.ids = options.ids ?? randomUUID;
    this.archiveLimit = options.archiveLimit ?? DEFAULT_ARCHIVE_LIMIT;
    this.onDeliveryFailed = options.onDeliveryFailed;
  }

  /** Accepted events, oldest first (at most `archiveLimit` of them). */
  get archive(): readonly ArchivedEvent[] {
    return this.archived;
  }

  /** The ARN of a rule on this bus, as `<aws.events.rule-arn>` gives it. */
  ruleArn(name: string): string {
    const path = this.name === 'default' ? name : `${this.name}/${name}`;
    return `arn:aws:events:${this.region}:${this.account}:rule/${path}`;
  }

  /**
   * Creates or replaces a rule and its targets. Throws `InvalidEventPatternError` for a bad
   * pattern and {@link EventBridgeValidationError} for a bad name or target.
   */
  putRule(input: PutRuleInput): string {
    if (!NAME_PATTERN.test(input.name)) {
      throw new EventBridgeValidationError(
        'Name',
        `${JSON.stringify(input.name)} must be 1–64 of [.\\-_A-Za-z0-9]`,
      );
    }
    const pattern = compilePattern(input.eventPattern);
    const targets = input.targets ?? [];
    if (targets.length > MAX_TARGETS_PER_RULE) {
      throw new EventBridgeValidationError('Targets', `a rule has at most ${MAX_TARGETS_PER_RULE} targets`);
    }
    const seen = new Set<string>();
    const compiled = targets.map((target, index) => {
      const field = `Targets[${index}]`;
      if (!NAME_PATTERN.test(target.id)) {
        throw new EventBridgeValidationError(
          `${field}.Id`,
          `${JSON.stringify(target.id)} must be 1–64 of [.\\-_A-Za-z0-9]`,
        );
      }
      if (seen.has(target.id))
        throw new EventBridgeValidationError(`${field}.Id`, `${target.id} is repeated`);
      seen.add(target.id);
      return compileTarget(field, target);
    });
    const arn = this.ruleArn(input.name);
    this.rules.set(input.name, {
      name: input.name,
      arn,
      pattern,
      targets: compiled,
      enabled: (input.state ?? 'ENABLED') === 'ENABLED',
    });
    return arn;
  }

  /** Removes a rule; true when there was one. Deliveries already under way continue. */
  removeRule(name: string): boolean {
    return this.rules.delete(name);
  }

  /** Names of the rules on the bus. */
  get ruleNames(): readonly string[] {
    return [...this.rules.keys()];
  }

  /**
   * Accepts up to 10 entries: each is validated on its own and reported in order, accepted ones
   * with their event id. Throws {@link EventBridgeValidationError} when the request as a whole is
   * refused (no entries, more than 10, over 1 MB, or no entry with Source, DetailType and Detail).
   * Targets are called after this returns.
   */
  async putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult> {
    if (entries.length === 0 || entries.length > MAX_ENTRIES_PER_PUT) {
      throw new EventBridgeValidationError(
        'Entries',
        `must hold 1 to ${MAX_ENTRIES_PER_PUT} entries, not ${entries.length}`,
      );
    }
    const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (size > MAX_REQUEST_BYTES) {
      throw new EventBridgeValidationError(
        'Entries',
        `total size ${size} bytes is over the limit of ${MAX_REQUEST_BYTES}`,
      );
    }
    const now = this.clock.now();
    const checks = entries.map((entry) => this.check(entry, now));
    if (checks.every((check) => check.type === 'invalid' && check.missing)) {
      throw new EventBridgeValidationError('Entries', 'no entry has all of Source, DetailType and Detail');
    }
    const ingestionTime = isoSeconds(now);
    const results = checks.map((check): PutEventsResultEntry => {
      if (check.type === 'invalid') {
        return { type: 'failed', errorCode: check.errorCode, errorMessage: check.errorMessage };
      }
      this.accept(check.event, ingestionTime);
      return { type: 'accepted', eventId: check.event.id };
    });
    return {
      failedEntryCount: results.filter((result) => result.type === 'failed').length,
      entries: results,
    };
  }

  /**
   * Resolves once no delivery attempt is running. Retries waiting for their backoff are not
   * waited for: advance the clock for those.
   */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Deliveries waiting for a retry. */
  get pendingRetries(): number {
    return this.retries.size;
  }

  private check(entry: PutEventsEntry, now: number): EntryCheck {
    const invalid = (errorCode: string, errorMessage: string, missing = false): EntryCheck => ({
      type: 'invalid',
      errorCode,
      errorMessage,
      missing,
    });
    const required: [string, string | undefined][] = [
      ['Source', entry.source],
      ['DetailType', entry.detailType],
      ['Detail', entry.detail],
    ];
    for (const [field, value] of required) {
      if (value === undefined || value.length === 0) {
        return invalid(
          'InvalidArgument',
          `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
          true,
        );
      }
    }
    const source = entry.source ?? '';
    const detailType = entry.detailType ?? '';
    if (source.length > MAX_SOURCE_LENGTH) {
      return invalid(
        'InvalidArgument',
        `Parameter Source is not valid. Reason: longer than ${MAX_SOURCE_LENGTH} characters.`,
      );
    }
    if (source.startsWith('aws.')) {
      return invalid('NotAuthorizedForSourceException', `Not authorized for the source ${source}.`);
    }
    if (detailType.length > MAX_DETAIL_TYPE_LENGTH) {
      return invalid(
        'InvalidArgument',
        `Parameter DetailType is not valid. Reason: longer than ${MAX_DETAIL_TYPE_LENGTH} characters.`,
      );
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.detail ?? '');
    } catch {
      return invalid('MalformedDetail', 'Detail is malformed.');
    }
    if (!isJsonObject(detail))
      return invalid('MalformedDetail', 'Detail is malformed: it must be a JSON object.');
    const resources = entry.resources ?? [];
    if (!resources.every((resource) => typeof resource === 'string')) {
      return invalid(
        'InvalidArgument',
        'Parameter Resources is not valid. Reason: resources must be strings.',
      );
    }
    const time = entry.time?.getTime() ?? now;
    if (!Number.isFinite(time)) return invalid('InvalidArgument', 'Parameter Time is not valid.');
    return {
      type: 'valid',
      event: {
        version: '0',
        id: this.ids(),
        'detail-type': detailType,
        source,
        account: this.account,
        time: isoSeconds(time),
        region: this.region,
        resources: [...resources],
        detail,
      },
    };
  }

  private accept(event: EventEnvelope, ingestionTime: string): void {
    const matched = [...this.rules.values()].filter((rule) => rule.enabled && rule.pattern.matches(event));
    this.archived.push({ event, ingestionTime, matchedRules: matched.map((rule) => rule.name) });
    if (this.archived.length > this.archiveLimit)
      this.archived.splice(0, this.archived.length - this.archiveLimit);
    const acceptedAt = this.clock.now();
    for (const rule of matched) {
      for (const target of rule.targets) {
        // Rendered once: a retry sends exactly what the first attempt sent.
        let input: TargetInput;
        try {
          input = target.render(event, { ruleName: rule.name, ruleArn: rule.arn, ingestionTime });
        } catch (error) {
          this.recordFailure({
            event,
            ruleName: rule.name,
            targetId: target.id,
            attempts: 0,
            error,
            reason: 'invalid-input',
          });
          continue;
        }
        this.attempt({ event, rule, target, input, acceptedAt }, 1);
      }
    }
  }

  private attempt(delivery: Delivery, attempt: number): void {
    const { event, rule, target, input } = delivery;
    const run = (async () => {
      await Promise.resolve();
      try {
        await target.deliver(input, { event, ruleName: rule.name, targetId: target.id, attempt });
      } catch (error) {
        this.retryOrGiveUp(delivery, attempt, error);
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private retryOrGiveUp(delivery: Delivery, attempt: number, error: unknown): void {
    const { target } = delivery;
    const delay = Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    const ageAtRetry = this.clock.now() + delay - delivery.acceptedAt;
    if (attempt > target.maximumRetryAttempts)
      return this.giveUp(delivery, attempt, error, 'retries-exhausted');
    if (ageAtRetry > target.maximumEventAgeSeconds * 1_000)
      return this.giveUp(delivery, attempt, error, 'event-too-old');
    const retry = (): void => {
      this.retries.delete(cancel);
      this.attempt(delivery, attempt + 1);
    };
    const cancel = this.scheduler.schedule(retry, delay);
    this.retries.add(cancel);
  }

  private giveUp(
    delivery: Delivery,
    attempts: number,
    error: unknown,
    reason: FailedDelivery['reason'],
  ): void {
    this.recordFailure({
      event: delivery.event,
      ruleName: delivery.rule.name,
      targetId: delivery.target.id,
      attempts,
      error,
      reason,
    });
  }

  private recordFailure(failure: FailedDelivery): void {
    this.failedDeliveries.push(failure);
    this.onDeliveryFailed?.(failure);
  }
}

interface Delivery {
  readonly event: EventEnvelope;
  readonly rule: CompiledRule;
  readonly target: CompiledTarget;
  readonly input: TargetInput;
  readonly acceptedAt: number;
}

function compileTarget(field: string, target: RuleTarget): CompiledTarget {
  const maximumRetryAttempts = target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS;
  if (
    !Number.isInteger(maximumRetryAttempts) ||
    maximumRetryAttempts < 0 ||
    maximumRetryAttempts > DEFAULT_MAXIMUM_RETRY_ATTEMPTS
  ) {
    throw new EventBridgeValidationError(
      `${field}.RetryPolicy.MaximumRetryAttempts`,
      `must be an integer from 0 to ${DEFAULT_MAXIMUM_RETRY_ATTEMPTS}`,
    );
  }
  const maximumEventAgeSeconds =
    target.retryPolicy?.maximumEventAgeSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS;
  if (
    !Number.isInteger(maximumEventAgeSeconds) ||
    maximumEventAgeSeconds < MIN_MAXIMUM_EVENT_AGE_SECONDS ||
    maximumEventAgeSeconds > DEFAULT_MAXIMUM_EVENT_AGE_SECONDS
  ) {
    throw new EventBridgeValidationError(
      `${field}.RetryPolicy.MaximumEventAgeInSeconds`,
      `must be an integer from ${MIN_MAXIMUM_EVENT_AGE_SECONDS} to ${DEFAULT_MAXIMUM_EVENT_AGE_SECONDS}`,
    );
  }
  return {
    id: target.id,
    deliver: target.deliver,
    render: compileTargetInput(field, target),
    maximumRetryAttempts,
    maximumEventAgeSeconds,
  };
}

/**
 * An entry's size as EventBridge counts it: 14 bytes for Time when set, plus the UTF-8 bytes of
 * Source, DetailType, Detail and each resource ("Calculating PutEvents event entry size").
 */
export function entrySize(entry: PutEventsEntry): number {
  let size = entry.time === undefined ? 0 : 14;
  for (const text of [entry.source, entry.detailType, entry.detail, ...(entry.resources ?? [])]) {
    if (typeof text === 'string') size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

/** `2017-12-22T18:43:48Z`: EventBridge's event time format. */
function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
