/**
 * What a decision depends on besides the execution and the event, and its defaults.
 */
import type { CompiledWorkflow } from '../compile.js';

/** Step Functions' payload limit: 256 KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 262_144;
/** Synchronous transitions one thread may make in one decision before it yields (stops runaway loops). */
export const DEFAULT_MAX_TRANSITIONS_PER_DECISION = 10_000;

/** What a decision depends on besides the execution and the event. */
export interface DecideEnv {
  /** The time of the decision, epoch milliseconds. */
  readonly now: number;
  /** The compiled definition the execution is pinned to. */
  readonly workflow: CompiledWorkflow;
  /** @default DEFAULT_MAX_PAYLOAD_BYTES */
  readonly maxPayloadBytes?: number;
  /** @default DEFAULT_MAX_TRANSITIONS_PER_DECISION */
  readonly maxTransitionsPerDecision?: number;
  /**
   * Emit `PublishEvent` commands for lifecycle changes (started, succeeded, failed, ...). Runtimes
   * with no event bus turn this off.
   * @default true
   */
  readonly lifecycleEvents?: boolean;
  /**
   * The token a task's `$$.Task.Token` reads, for its engine token: the signed token the runtime
   * accepts back in SendTaskSuccess (`TaskTokens.sign`), so that a `.waitForTaskToken` integration
   * hands its target a token that completes the task. Deterministic, as the rest of `decide`.
   * @default the engine token itself (in-process runs, where nothing sends it back)
   */
  readonly taskToken?: (engineToken: string) => string;
}
