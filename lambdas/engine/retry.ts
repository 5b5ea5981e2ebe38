/**
 * Retry and Catch policies, compiled once per state and applied by pure functions.
 */
import type { Catcher, Retrier } from './definition.js';
import { StatesErrors } from './errors.js';
import { compileReferencePath, type CompiledPath } from './json-path.js';

/** Default IntervalSeconds of a retrier. */
export const DEFAULT_RETRY_INTERVAL_SECONDS = 1;
/** Default MaxAttempts of a retrier. */
export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;
/** Default BackoffRate of a retrier. */
export const DEFAULT_RETRY_BACKOFF_RATE = 2.0;

/** A retrier with its defaults filled in. */
export interface RetryPolicy {
  readonly errorEquals: readonly string[];
  readonly intervalMs: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelayMs: number | undefined;
  readonly jitter: 'FULL' | 'NONE';
}

/** A catcher with its ResultPath compiled (`null` discards the error output). */
export interface CatchPolicy {
  readonly errorEquals: readonly string[];
  readonly next: string;
  readonly resultPath: CompiledPath | null;
}

/** Fills in a retrier's defaults. */
export function compileRetrier(retrier: Retrier): RetryPolicy {
  return {
    errorEquals: retrier.ErrorEquals,
    intervalMs: (retrier.IntervalSeconds ?? DEFAULT_RETRY_INTERVAL_SECONDS) * 1000,
    maxAttempts: retrier.MaxAttempts ?? DEFAULT_RETRY_MAX_ATTEMPTS,
    backoffRate: retrier.BackoffRate ?? DEFAULT_RETRY_BACKOFF_RATE,
    maxDelayMs: retrier.MaxDelaySeconds === undefined ? undefined : retrier.MaxDelaySeconds * 1000,
    jitter: retrier.JitterStrategy ?? 'NONE',
  };
}

/** Compiles a catcher. */
export function compileCatcher(catcher: Catcher): CatchPolicy {
  return {
    errorEquals: catcher.ErrorEquals,
    next: catcher.Next,
    resultPath: catcher.ResultPath === null ? null : compileReferencePath(catcher.ResultPath ?? '$'),
  };
}

/**
 * True when `error` is caught by a policy naming `errorEquals`.
 *
 * As AWS documents: `States.ALL` matches every error except `States.Runtime` and
 * `States.DataLimitExceeded`; `States.TaskFailed` matches every error except `States.Timeout`
 * (and those two); `States.Runtime` is never caught, even by name. An error with no name (a Fail
 * state with no Error) is matched by those two wildcards only.
 */
export function errorMatches(errorEquals: readonly string[], error: string | undefined): boolean {
  if (error === StatesErrors.Runtime) return false;
  for (const name of errorEquals) {
    if (name === error) return true;
    if (error === StatesErrors.DataLimitExceeded) continue;
    if (name === StatesErrors.ALL) return true;
    if (name === StatesErrors.TaskFailed && error !== StatesErrors.Timeout) return true;
  }
  return false;
}

/** The outcome of consulting a state's retriers for an error. */
export type RetryDecision =
  | { readonly type: 'retry'; readonly retrierIndex: number; readonly delayMs: number }
  | { readonly type: 'exhausted' };

/**
 * Applies the first retrier that matches `error` (as ASL prescribes: only the first match counts,
 * even when it is exhausted). `retryCounts[i]` is how often retrier `i` has fired for this entry
 * into the state; `random` is a draw in [0, 1) used by FULL jitter.
 */
export function decideRetry(
  policies: readonly RetryPolicy[],
  retryCounts: readonly number[],
  error: string | undefined,
  random: () => number,
): RetryDecision {
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i] as RetryPolicy;
    if (!errorMatches(policy.errorEquals, error)) continue;
    const count = retryCounts[i] ?? 0;
    if (count >= policy.maxAttempts) return { type: 'exhausted' };
    let delay = policy.intervalMs * Math.pow(policy.backoffRate, count);
    if (policy.maxDelayMs !== undefined) delay = Math.min(delay, policy.maxDelayMs);
    if (policy.jitter === 'FULL') delay = random() * delay;
    return { type: 'retry', retrierIndex: i, delayMs: Math.round(delay) };
  }
  return { type: 'exhausted' };
}

/** The first catcher that matches `error`, if any. */
export function findCatcher(
  policies: readonly CatchPolicy[],
  error: string | undefined,
): CatchPolicy | undefined {
  return policies.find((policy) => errorMatches(policy.errorEquals, error));
}
