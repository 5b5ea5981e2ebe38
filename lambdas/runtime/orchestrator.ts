/**
 * The orchestrator loop: load -> decide -> commit -> perform.
 *
 * - Commit, then perform. The commit is one conditional write guarded by the execution's version,
 *   carrying the decision's commands (the outbox). Commands are performed after it.
 * - A redelivered message that finds its transition already committed (the decision is then a
 *   no-op) performs that transition's saved commands again: a crash between commit and perform
 *   loses nothing. Every command carries a deterministic id, so performing it twice is harmless
 *   downstream (workers dedupe by idempotency key, the engine ignores a result it already applied).
 * - A version conflict (two results for one execution at once: Parallel, Map) re-reads and
 *   decides again, a bounded number of times, then throws so the message is redelivered.
 *
 * Delivery guarantee: at-least-once for commands; each inbox message is applied at most once.
 */
import { createHash } from 'node:crypto';
import {
  compileWorkflowWith,
  type CompiledWorkflow,
  type DefinitionValidator,
  type DistributedMapExecutor,
} from '../engine/compile.js';
import { definitionUsesDistributedMap } from '../engine/distributed-map.js';
import { definitionUsesJsonata, type JsonataFactory } from '../engine/jsonata/library.js';
import { decide } from '../engine/decide.js';
import {
  awaitsSubmittedTask,
  type Command,
  type ExecutionEvent,
  type ExecutionStatus,
  type HistoryEvent,
} from '../engine/execution.js';
import type { Json } from '../engine/json.js';
import { compilePath, readPath } from '../engine/json-path.js';
import {
  isMapRunMessage,
  MalformedMessageError,
  type InboxMessage,
  type MapRunMessage,
} from './inbox-messages.js';
import { drive, isPending, settle, type Awaitable, type Steps } from './awaitable.js';
import {
  TransitionTooLargeError,
  VersionConflictError,
  type DomainEvent,
  type ExecutionSummary,
  type OrchestratorPorts,
  type StoredExecution,
  type WorkflowRef,
} from './ports.js';
import { InvalidTaskTokenError, type TaskTokens } from './task-token.js';
import { InvalidEventWaitError, eventKeys, firstEventFor, parseEventWait } from './correlation.js';
import type { CorrelationShape } from '../contract/correlation-shapes.js';
import { WAIT_FOR_EVENT_RESOURCE } from '../contract/task-resources.js';
import {
  CountMetric,
  TimingMetric,
  type CountMetricName,
  type TimingMetricName,
} from '../contract/metric-names.js';
import { StatesErrors } from '../engine/errors.js';
import { childEndReport, nameTakenReport, type NameTakenReport } from './child-executions.js';

/** How many conflicting commits one message may retry within an invocation. */
export const DEFAULT_MAX_CONFLICT_RETRIES = 8;
/** The first conflict backoff's ceiling, and the largest one, ms. */
const CONFLICT_BACKOFF_BASE_MS = 25;
const CONFLICT_BACKOFF_MAX_MS = 1_000;

/**
 * Exponential backoff with full jitter (a random wait up to the ceiling), so that processes that
 * conflicted once do not retry in step and conflict again.
 */
function jitteredBackoff(attempt: number): Promise<void> {
  const ceiling = Math.min(CONFLICT_BACKOFF_MAX_MS, CONFLICT_BACKOFF_BASE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
/**
 * How many recent inbox message keys an execution carries (a redelivery is recognised before
 * deciding); older ones are found through the store (`findMessageVersion`). Kept small: every
 * stored version carries them.
 */
export const RECENT_MESSAGES_KEPT = 4;
/** How many latest versions a redelivery whose key left `recentMessages` is searched in. */
export const MESSAGE_SEARCH_VERSIONS = 1_000;
/** How long an event nobody waits for yet is kept, by default. */
export const DEFAULT_EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a wait without TimeoutSeconds stays registered (Step Functions' longest task). */
const DEFAULT_WAIT_SECONDS = 365 * 24 * 60 * 60;

/** The logging the loop needs; Powertools' Logger fits it. */
export interface OrchestratorLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** The metrics the loop emits; Powertools' Metrics fits it through a small adapter. */
export interface OrchestratorMetrics {
  count(name: OrchestratorMetricName, value?: number): void;
  milliseconds(name: TimingMetricName, value: number): void;
}

/** Metric names, stable for dashboards and alarms (the contract's {@link CountMetric}). */
export type OrchestratorMetricName = CountMetricName;

/** Options of {@link Orchestrator}. */
export interface OrchestratorOptions {
  readonly ports: OrchestratorPorts;
  /** Issues and checks task tokens: a `TaskTokenSigner` wherever tokens leave the process. */
  readonly signer: TaskTokens;
  /** `source` of the lifecycle events on the domain bus, for example `baton.orders`. */
  readonly eventSource: string;
  /** @default DEFAULT_MAX_CONFLICT_RETRIES */
  readonly maxConflictRetries?: number;
  /** Payload limit of the engine. @default 262144 */
  readonly maxPayloadBytes?: number;
  /** @default a logger that drops everything */
  readonly logger?: OrchestratorLogger;
  /** @default metrics that are dropped */
  readonly metrics?: OrchestratorMetrics;
  /** What the domain's waiting states match events on (see `correlationShapes`). @default [] */
  readonly correlationShapes?: readonly CorrelationShape[];
  /** How long an event nobody waits for yet is kept for a later wait. @default 24 hours */
  readonly eventRetentionMs?: number;
  /**
   * Waits before deciding again after the `attempt`-th version conflict (another process
   * committed to the execution first).
   * @default a random wait up to 25 ms × 2^attempt, at most 1 s ("full jitter")
   */
  readonly conflictBackoff?: (attempt: number) => Promise<void>;
  /**
   * Whether executions publish their lifecycle events (ExecutionStarted, ...) on the domain bus.
   * @default true
   */
  readonly lifecycleEvents?: boolean;
  /**
   * Whether the loop keeps the list/search index (`ExecutionStore.writeIndex`); `runWorkflow`, with
   * one execution and nothing to list, does not.
   * @default true
   */
  readonly index?: boolean;
  /**
   * Definitions already compiled (`runWorkflow` compiles each definition object once); others are
   * read from the definition store and compiled on first use.
   * @default []
   */
  readonly compiledWorkflows?: readonly { readonly ref: WorkflowRef; readonly workflow: CompiledWorkflow }[];
  /**
   * Gives the jsonata library (`() => bundledJsonata`, of `lambdas/engine/jsonata/bundled-jsonata.ts`),
   * asked for only when a definition to compile has JSONata states: the orchestrator Lambda loads
   * the module on the first such call (`import()`), every other wiring has it at hand. A failure (a
   * module that could not load) fails the message, which is redelivered.
   */
  readonly jsonata: () => Awaitable<JsonataFactory>;
  /**
   * Gives the definition validator (`() => assertValidDefinitionWith`, of
   * `lambdas/engine/definition-validator.ts`), asked for when a definition is first compiled: the
   * orchestrator Lambda loads it then (`import()`), every other wiring has it at hand.
   */
  readonly validator: () => Awaitable<DefinitionValidator>;
  /**
   * Gives the executor of Distributed Map states (`distributedMapExecutor` of
   * `engine/decide/distributed-map-state.ts`), before the first workflow with one is compiled: the
   * orchestrator Lambda loads it then, other wirings give it at once.
   */
  readonly distributedMap: () => Awaitable<DistributedMapExecutor>;
}

/** What handling one message did. */
export type HandleResult =
  | {
      readonly type: 'applied';
      readonly executionId: string;
      readonly version: number;
      readonly status: ExecutionStatus;
    }
  /** Already applied (a redelivery): its commands were performed again. */
  | { readonly type: 'duplicate'; readonly executionId: string }
  /** Changed nothing: a stale result or timer, or an event for a finished execution. */
  | { readonly type: 'ignored'; readonly executionId: string; readonly reason: string }
  /** A domain event, matched against waiting states: `deliveries` tasks were completed with it. */
  | { readonly type: 'correlated'; readonly executionId: string; readonly deliveries: number };

/** A message that can never be applied (unknown workflow, forged token): it belongs in the DLQ. */
export class RejectedMessageError extends Error {
  override readonly name = 'RejectedMessageError';
}

const silentLogger: OrchestratorLogger = { debug() {}, info() {}, warn() {}, error() {} };
const silentMetrics: OrchestratorMetrics = { count() {}, milliseconds() {} };

const TERMINAL_METRICS: ReadonlyMap<HistoryEvent['type'], OrchestratorMetricName> = new Map([
  ['ExecutionStarted', CountMetric.executionsStarted],
  ['ExecutionSucceeded', CountMetric.executionsSucceeded],
  ['ExecutionFailed', CountMetric.executionsFailed],
  ['ExecutionTimedOut', CountMetric.executionsTimedOut],
  ['ExecutionAborted', CountMetric.executionsAborted],
  ['CompensationSucceeded', CountMetric.executionsCompensated],
  ['CompensationFailed', CountMetric.executionsCompensationFailed],
]);

/** What `oneAtATime` chains on: the outcome of the work before matters only to its own caller. */
function ignore(): void {}

/** The identity of the execution a message is for, and the engine event it becomes. */
interface Routed {
  readonly executionId: string;
  readonly event: ExecutionEvent;
  /** Set for a TaskSubmitted: the task to cancel if it no longer runs. */
  readonly submitted?: { readonly command: Extract<Command, { type: 'CancelTask' }> };
  /** Set for starts: the definition version to pin. */
  readonly start?: {
    readonly workflow: WorkflowRef;
    readonly businessKey?: string;
    readonly traceId?: string;
  };
}

/** How a message reached the loop. */
export interface HandleOptions {
  /** The trace header to put on the messages sent while handling it. @default none */
  readonly traceHeader?: string;
  /**
   * The X-Ray trace handling it (the invocation's): a start keeps it with the execution
   * ({@link StoredExecution.traceId}). @default none
   */
  readonly traceId?: string;
  /**
   * When the message was sent (epoch ms; SQS's SentTimestamp, kept across redeliveries): a
   * heartbeat counts from then, so a late redelivery of it cannot move a deadline again.
   * @default none: a heartbeat counts from when it is applied
   */
  readonly sentAt?: number;
  /**
   * When the invocation handling it ends (epoch ms; a Lambda's remaining time): work that can go
   * on in a message of its own (a Map Run's dispatcher) stops before. @default no limit
   */
  readonly deadline?: number;
}

/** Runs inbox messages through the engine against the ports. */
export class Orchestrator {
  private readonly compiled = new Map<string, CompiledWorkflow>();
  /** The workflow of the last message, found again without building its key. */
  private last: { readonly ref: WorkflowRef; readonly workflow: CompiledWorkflow } | undefined;
  private readonly logger: OrchestratorLogger;
  private readonly metrics: OrchestratorMetrics;
  private readonly maxConflictRetries: number;
  private readonly index: boolean;
  private readonly conflictBackoff: (attempt: number) => Promise<void>;
  /** The last message being applied to each execution (see `oneAtATime`). */
  private readonly applying = new Map<string, Promise<void>>();

  constructor(private readonly options: OrchestratorOptions) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? silentMetrics;
    this.maxConflictRetries = options.maxConflictRetries ?? DEFAULT_MAX_CONFLICT_RETRIES;
    this.conflictBackoff = options.conflictBackoff ?? jitteredBackoff;
    this.index = options.index ?? true;
    this.last = options.compiledWorkflows?.[0];
  }

  /**
   * Applies one inbox message. `messageId` must be stable across redeliveries (the SQS message id).
   * Throws RejectedMessageError for a message that can never apply, VersionConflictError when
   * conflicts persist, and transport errors as they come: the caller reports the message as failed.
   */
  async handle(message: InboxMessage, messageId: string, options: HandleOptions = {}): Promise<HandleResult> {
    return this.handleNow(message, messageId, options);
  }

  /**
   * {@link handle}, answering at once when every port did (an in-process wiring); the same errors,
   * thrown synchronously in that case.
   */
  handleNow(message: InboxMessage, messageId: string, options: HandleOptions = {}): Awaitable<HandleResult> {
    const { traceHeader, traceId, sentAt } = options;
    if (message.kind === 'EventReceived')
      return this.correlate(message.event as unknown as Json, traceHeader);
    if (message.kind === 'PollTask') return this.pollTask(message, traceHeader);
    if (isMapRunMessage(message)) return this.mapRunStep(message, options.deadline);
    if (message.kind === 'StartExecution' || message.kind === 'StartFromEvent') {
      const traced = (routed: Routed): Routed =>
        traceId !== undefined && routed.start ? { ...routed, start: { ...routed.start, traceId } } : routed;
      const routed = drive(this.routeStart(message, messageId));
      return isPending(routed)
        ? routed.then((ready) => this.applyInTurn(traced(ready), messageId, traceHeader))
        : this.applyInTurn(traced(routed), messageId, traceHeader);
    }
    return this.applyInTurn(this.route(message, sentAt), messageId, traceHeader);
  }

  /**
   * Messages for one execution are applied one after another in this process (several pollers
   * share an orchestrator locally): they would only conflict with each other otherwise.
   */
  private applyInTurn(
    routed: Routed,
    messageId: string,
    traceHeader: string | undefined,
  ): Awaitable<HandleResult> {
    const { executionId } = routed;
    const work = () => drive(this.apply(routed, messageId, traceHeader));
    const before = this.applying.size > 0 ? this.applying.get(executionId) : undefined;
    const mine = before ? before.then(work, work) : work();
    // Done already: nothing later has to wait for it.
    if (!isPending(mine)) return mine;
    const settled = mine.then(ignore, ignore);
    this.applying.set(executionId, settled);
    void settled.then(() => {
      if (this.applying.get(executionId) === settled) this.applying.delete(executionId);
    });
    return mine;
  }

  private *apply(given: Routed, messageId: string, traceHeader: string | undefined): Steps<HandleResult> {
    const { ports } = this.options;
    const key = messageKey(messageId);
    // The message's event, or the smaller one decided instead when its transition did not fit.
    let routed = given;
    for (let attempt = 0; ; attempt++) {
      // The hot path's port calls wait only when their answer is pending (see awaitable.ts).
      const loading = ports.store.load(routed.executionId);
      const stored = isPending(loading) ? ((yield loading) as Awaited<typeof loading>) : loading;
      if (!stored && routed.event.type !== 'StartExecution') {
        return { type: 'ignored', executionId: routed.executionId, reason: 'no such execution' };
      }
      const ref = stored?.workflow ?? (routed.start as NonNullable<Routed['start']>).workflow;
      // A redelivery of a message already applied: perform its commands again (the Lambda may have
      // died before finishing them), change nothing else.
      const applied = stored?.recentMessages[key] ?? stored?.controlMessages?.[key];
      if (stored && applied !== undefined)
        return yield* this.performAgain(stored, applied, messageId, traceHeader);

      const workflow = this.lastWorkflow(ref) ?? (yield* this.workflow(ref));
      const started = this.options.metrics ? Date.now() : 0;
      const { executionId } = routed;
      const decision = decide(stored?.execution, routed.event, {
        now: ports.clock.now(),
        workflow,
        // `$$.Task.Token` is the signed token SendTaskSuccess takes back.
        taskToken: (engineToken) => this.options.signer.sign({ executionId, engineToken }),
        ...(this.options.lifecycleEvents === false ? { lifecycleEvents: false } : {}),
        ...(this.options.maxPayloadBytes !== undefined
          ? { maxPayloadBytes: this.options.maxPayloadBytes }
          : {}),
      });
      if (this.options.metrics) this.metrics.milliseconds(TimingMetric.decisionTime, Date.now() - started);

      // A change that records no history (a heartbeat moving its deadline, a heartbeat timer set
      // again) is not idempotent: a redelivery older than `recentMessages` must be recognised
      // before it commits a second time.
      const quiet = decision.history.length === 0;
      if (!decision.changed || quiet) {
        // Changed nothing: a stale result or timer, a duplicate start, or a redelivery whose key
        // already left `recentMessages` (a large fan-out commits many messages in between).
        const version = stored
          ? yield* settle(ports.store.findMessageVersion(routed.executionId, key, MESSAGE_SEARCH_VERSIONS))
          : undefined;
        if (stored && version !== undefined)
          return yield* this.performAgain(stored, version, messageId, traceHeader);
        if (!decision.changed) {
          if (routed.submitted && stored && !isRunningTask(stored, routed.submitted.command.token)) {
            // The task ended (its execution stopped, or it timed out) before its target's answer
            // came: what it started is cancelled now, as the engine cancels a task aborted after
            // it was submitted. Performed with the message, so a redelivery performs it again.
            yield* settle(this.cancelLate(routed.executionId, routed.submitted, traceHeader));
          }
          const claimed = routed.event.type === 'StartExecution' ? routed.event.parent : undefined;
          if (claimed?.taskToken !== undefined && stored?.execution.parent?.taskToken !== claimed.taskToken) {
            // The name is taken by an execution started for another task (a Retry of a task that
            // names its child, or another parent): that task would wait for ever for an end that
            // is not its child's. It fails as Step Functions' StartExecution does.
            yield* settle(this.reportToParent(nameTakenReport(claimed), traceHeader));
          }
          return {
            type: 'ignored',
            executionId: routed.executionId,
            reason: `${routed.event.type} changed nothing`,
          };
        }
      }

      const version = (stored?.version ?? 0) + 1;
      const businessKey = stored?.businessKey ?? routed.start?.businessKey;
      const traceId = stored ? stored.traceId : routed.start?.traceId;
      const next: StoredExecution = {
        execution: decision.execution,
        version,
        workflow: ref,
        ...(businessKey !== undefined ? { businessKey } : {}),
        recentMessages: remember(stored?.recentMessages, key, version),
        ...(traceId !== undefined ? { traceId } : {}),
      };
      const controlMessages =
        routed.event.type === 'StopExecution' || routed.event.type === 'RedriveExecution'
          ? { ...stored?.controlMessages, [key]: version }
          : stored?.controlMessages;
      try {
        const committing = ports.store.commit({
          executionId: routed.executionId,
          version,
          execution: next.execution,
          history: decision.history,
          commands: decision.commands,
          messageId: key,
          workflow: ref,
          recentMessages: next.recentMessages,
          ...(businessKey !== undefined ? { businessKey } : {}),
          ...(controlMessages !== undefined ? { controlMessages } : {}),
          ...(traceId !== undefined ? { traceId } : {}),
        });
        if (isPending(committing)) yield committing;
      } catch (error) {
        if (error instanceof VersionConflictError && attempt < this.maxConflictRetries) {
          this.metrics.count(CountMetric.versionConflicts);
          this.logger.debug('Version conflict: deciding again', {
            executionId: routed.executionId,
            version,
            attempt,
          });
          // Another process committed first: wait a little, spread out, before deciding again.
          yield* settle(this.conflictBackoff(attempt));
          continue;
        }
        const smaller =
          error instanceof TransitionTooLargeError ? smallerEvent(routed.event, error) : undefined;
        if (smaller) {
          this.metrics.count(CountMetric.transitionsTooLarge);
          this.logger.warn('Transition too large to store: deciding a smaller one', {
            executionId: routed.executionId,
            event: routed.event.type,
            instead: smaller.type,
            sizeBytes: (error as TransitionTooLargeError).sizeBytes,
          });
          routed = { ...routed, event: smaller };
          attempt -= 1;
          continue;
        }
        throw error;
      }
      if (this.options.metrics) {
        for (const event of decision.history) {
          const metric = TERMINAL_METRICS.get(event.type);
          if (metric) this.metrics.count(metric);
        }
      }
      const performing = this.perform(routed.executionId, ref, decision.commands, traceHeader);
      if (isPending(performing)) yield performing;
      if (this.index && (!stored || stored.execution.status !== next.execution.status)) {
        yield* settle(ports.store.writeIndex(summaryOf(next), version));
      }
      return { type: 'applied', executionId: routed.executionId, version, status: next.execution.status };
    }
  }

  /** A start's execution, named by the message, its event or the message id. */
  private *routeStart(
    message: Extract<InboxMessage, { kind: 'StartExecution' | 'StartFromEvent' }>,
    messageId: string,
  ): Steps<Routed> {
    switch (message.kind) {
      case 'StartExecution': {
        const workflow = message.version
          ? { name: message.workflow, version: message.version }
          : yield* this.latest(message.workflow);
        const name = message.name ?? messageId;
        const executionId = executionIdOf(message.workflow, name);
        return {
          executionId,
          event: {
            type: 'StartExecution',
            executionId,
            name,
            input: message.input,
            ...(message.startAt !== undefined ? { startAt: message.startAt } : {}),
            ...(message.seed !== undefined ? { seed: message.seed } : {}),
            ...(message.parent !== undefined ? { parent: message.parent } : {}),
          },
          start: {
            workflow,
            ...(message.businessKey !== undefined ? { businessKey: message.businessKey } : {}),
          },
        };
      }
      case 'StartFromEvent': {
        const workflow = yield* this.latest(message.workflow);
        const event = message.event as unknown as Json;
        const key = message.businessKeyPath
          ? readRequired(event, message.businessKeyPath, 'businessKeyPath')
          : undefined;
        if (key !== undefined && typeof key !== 'string' && typeof key !== 'number') {
          throw new MalformedMessageError(
            `The business key at '${message.businessKeyPath}' must be a string or a number`,
          );
        }
        const name = key === undefined ? message.event.id : String(key);
        const input = readRequired(event, message.inputPath ?? '$.detail', 'inputPath');
        const executionId = executionIdOf(message.workflow, name);
        return {
          executionId,
          event: { type: 'StartExecution', executionId, name, input },
          start: { workflow, ...(key !== undefined ? { businessKey: String(key) } : {}) },
        };
      }
    }
  }

  /** The execution a message for a running execution is for (synchronous: no lookup needed). */
  private route(
    message: Exclude<
      InboxMessage,
      { kind: 'EventReceived' | 'StartExecution' | 'StartFromEvent' | 'PollTask' } | MapRunMessage
    >,
    sentAt: number | undefined,
  ): Routed {
    switch (message.kind) {
      case 'TaskSucceeded': {
        const claims = this.verify(message.taskToken);
        return {
          executionId: claims.executionId,
          event: { type: 'TaskSucceeded', token: claims.engineToken, output: message.output },
        };
      }
      case 'TaskFailed': {
        const claims = this.verify(message.taskToken);
        return {
          executionId: claims.executionId,
          event: {
            type: 'TaskFailed',
            token: claims.engineToken,
            error: message.error,
            ...(message.cause !== undefined ? { cause: message.cause } : {}),
          },
        };
      }
      case 'TaskSubmitted': {
        const claims = this.verify(message.taskToken);
        return {
          executionId: claims.executionId,
          event: { type: 'TaskSubmitted', token: claims.engineToken, output: message.output },
          ...(message.resource !== undefined
            ? {
                submitted: {
                  command: {
                    type: 'CancelTask',
                    token: claims.engineToken,
                    resource: message.resource,
                    submitted: message.output,
                  },
                },
              }
            : {}),
        };
      }
      case 'TaskHeartbeat': {
        const claims = this.verify(message.taskToken);
        return {
          executionId: claims.executionId,
          event: {
            type: 'TaskHeartbeat',
            token: claims.engineToken,
            ...(sentAt !== undefined ? { sentAt } : {}),
          },
        };
      }
      case 'TimerFired':
        return { executionId: message.executionId, event: { type: 'TimerFired', timerId: message.timerId } };
      case 'StopExecution':
        return {
          executionId: message.executionId,
          event: {
            type: 'StopExecution',
            ...(message.error !== undefined ? { error: message.error } : {}),
            ...(message.cause !== undefined ? { cause: message.cause } : {}),
            ...(message.compensate !== undefined ? { compensate: message.compensate } : {}),
            ...(message.redriveCount !== undefined ? { run: message.redriveCount } : {}),
          },
        };
      case 'RedriveExecution':
        return {
          executionId: message.executionId,
          event: {
            type: 'RedriveExecution',
            ...(message.redriveCount !== undefined ? { run: message.redriveCount } : {}),
          },
        };
    }
  }

  private verify(token: string) {
    try {
      return this.options.signer.verify(token);
    } catch (error) {
      if (error instanceof InvalidTaskTokenError) {
        this.metrics.count(CountMetric.rejectedMessages);
        throw new RejectedMessageError(`Rejected task token: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** Performs the commands of the version a message produced again, and refreshes the index. */
  private *performAgain(
    stored: StoredExecution,
    version: number,
    messageId: string,
    traceHeader: string | undefined,
  ): Steps<HandleResult> {
    const { ports } = this.options;
    const executionId = stored.execution.executionId;
    this.metrics.count(CountMetric.duplicateMessages);
    const commands = yield* settle(ports.store.loadCommands(executionId, version));
    yield* settle(this.perform(executionId, stored.workflow, commands ?? [], traceHeader));
    if (this.index) yield* settle(ports.store.writeIndex(summaryOf(stored), stored.version));
    this.logger.info('Redelivered message: performed its commands again', { messageId, version });
    return { type: 'duplicate', executionId };
  }

  /**
   * A domain event arrived: keep it (for waits that come later), then complete every task waiting
   * on it. Keeping first and reading second, while a wait registers first and reads second, means
   * the two always meet, whichever comes first.
   */
  /**
   * A `.sync` job's next look: made only while the execution still waits for that task attempt
   * (a task that ended, timed out or was stopped stops its polling; its job was cancelled then).
   */
  private async pollTask(
    message: Extract<InboxMessage, { kind: 'PollTask' }>,
    traceHeader: string | undefined,
  ): Promise<HandleResult> {
    const claims = this.verify(message.taskToken);
    const { executionId } = claims;
    const { store, tasks } = this.options.ports;
    const stored = await store.load(executionId);
    if (!stored || !awaitsSubmittedTask(stored.execution, claims.engineToken))
      return { type: 'ignored', executionId, reason: 'the task no longer waits for its job' };
    if (!tasks.pollTask) return { type: 'ignored', executionId, reason: 'this wiring does not await jobs' };
    await tasks.pollTask({
      executionId,
      taskToken: message.taskToken,
      resource: message.resource,
      started: message.started,
      polls: message.polls,
      ...(traceHeader !== undefined ? { traceHeader } : {}),
    });
    return {
      type: 'ignored',
      executionId,
      reason: 'a job looked at: its result comes as a message of its own',
    };
  }

  /** One step of a Map Run (a tick, an EXPRESS chunk, a STANDARD child's end). */
  private async mapRunStep(message: MapRunMessage, deadline: number | undefined): Promise<HandleResult> {
    const mapRuns = this.options.ports.mapRuns;
    if (!mapRuns) throw new RejectedMessageError('This orchestrator does not run Distributed Maps');
    const reason = await mapRuns.handle(message, deadline !== undefined ? { deadline } : {});
    return { type: 'ignored', executionId: '', reason: `Map Run ${message.mapRunId}: ${reason}` };
  }

  private async correlate(event: Json, traceHeader?: string): Promise<HandleResult> {
    const { correlations, inbox, clock } = this.options.ports;
    const eventId = String((event as { id?: unknown }).id);
    const keys = eventKeys(event, this.options.correlationShapes ?? []);
    if (!correlations || !inbox || keys.length === 0) {
      return { type: 'ignored', executionId: '', reason: `no state waits for events like ${eventId}` };
    }
    const retainUntil = clock.now() + (this.options.eventRetentionMs ?? DEFAULT_EVENT_RETENTION_MS);
    let deliveries = 0;
    for (const key of keys) {
      await correlations.keepEvent(key, eventId, event, retainUntil);
      const waiting = await correlations.waiting(key);
      if (waiting.length === 0) continue;
      // Each wait ends with the oldest event alive when it registered, the one its own read at
      // registration finds too, not with whichever event reached the inbox first; the event in
      // hand when it is the first to come (or was kept long ago and came again).
      const kept = await correlations.keptEvents(key);
      for (const { taskToken, registeredAt } of waiting) {
        await inbox.send(
          { kind: 'TaskSucceeded', taskToken, output: firstEventFor(kept, registeredAt) ?? event },
          traceHeader ? { traceHeader } : {},
        );
        await correlations.unregister(key, taskToken);
        deliveries += 1;
      }
    }
    this.logger.info('Domain event correlated', { eventId, deliveries });
    return { type: 'correlated', executionId: '', deliveries };
  }

  /** Registers a `baton:waitForEvent` task, and completes it at once if its event came earlier. */
  private async waitForEvent(
    executionId: string,
    command: Extract<Command, { type: 'DispatchTask' }>,
    traceHeader?: string,
  ): Promise<void> {
    const { correlations, inbox, clock } = this.options.ports;
    const taskToken = this.options.signer.sign({ executionId, engineToken: command.token });
    if (!correlations || !inbox) {
      throw new RejectedMessageError(
        'This orchestrator has a correlation store but no inbox: baton:waitForEvent cannot run',
      );
    }
    const send = (body: Json) => inbox.send(body, traceHeader ? { traceHeader } : {});
    let wait;
    try {
      wait = parseEventWait(command.input);
    } catch (error) {
      if (!(error instanceof InvalidEventWaitError)) throw error;
      await send({ kind: 'TaskFailed', taskToken, error: StatesErrors.TaskFailed, cause: error.message });
      return;
    }
    const expiresAt = clock.now() + (command.timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
    // A registration read late (the invocation died after registering, the message came back
    // later) still ends with the event alive when the task first registered.
    const registeredAt = await correlations.register(wait.key, taskToken, expiresAt);
    const early = firstEventFor(await correlations.keptEvents(wait.key), registeredAt);
    if (early !== undefined) {
      await send({ kind: 'TaskSucceeded', taskToken, output: early });
      await correlations.unregister(wait.key, taskToken);
    }
  }

  /** Cancels at its target a task that ended before its submission was applied. */
  private cancelLate(
    executionId: string,
    submitted: NonNullable<Routed['submitted']>,
    traceHeader: string | undefined,
  ): Awaitable<void> {
    const { tasks } = this.options.ports;
    if (!tasks.cancelTask) return;
    return tasks.cancelTask({
      executionId,
      command: submitted.command,
      ...(traceHeader !== undefined ? { traceHeader } : {}),
    });
  }

  /**
   * A child execution ended while its parent waits for it: its end goes to the parent task, in the
   * parent's domain's inbox, in Step Functions' shape (see `child-executions.ts`).
   */
  private reportToParent(
    command: Extract<Command, { type: 'ReportToParent' }> | NameTakenReport,
    traceHeader: string | undefined,
  ): Promise<void> {
    const { ports } = this.options;
    if (command.type === 'ReportToParent' && command.parent.mapRun) {
      // A Distributed Map's child: its end is recorded in the run, through this domain's inbox.
      if (!ports.mapRuns) throw new RejectedMessageError('This orchestrator does not run Distributed Maps');
      return ports.mapRuns.childEnd(command);
    }
    const domain = command.parent.domain;
    const inbox = domain === undefined ? ports.inbox : ports.domainInboxes?.(domain, command.parent.replyTo);
    if (!inbox) {
      throw new RejectedMessageError(
        domain === undefined
          ? 'This orchestrator has no inbox: a child execution cannot report to its parent'
          : `No inbox is known for the domain ${domain}: a child execution cannot report to its parent there`,
      );
    }
    return inbox.send(
      command.type === 'ReportToParent' ? childEndReport(command) : command.message,
      traceHeader ? { traceHeader } : {},
    );
  }

  private *latest(name: string): Steps<WorkflowRef> {
    const ref = yield* settle(this.options.ports.definitions.latest(name));
    if (!ref)
      throw new RejectedMessageError(`Unknown workflow '${name}': no definition is deployed under that name`);
    return ref;
  }

  /** The workflow compiled last, when `ref` names it (most messages in a row are for one workflow). */
  private lastWorkflow(ref: WorkflowRef): CompiledWorkflow | undefined {
    const last = this.last;
    return last && last.ref.name === ref.name && last.ref.version === ref.version ? last.workflow : undefined;
  }

  private *workflow(ref: WorkflowRef): Steps<CompiledWorkflow> {
    const key = workflowKey(ref);
    let compiled =
      this.compiled.get(key) ??
      this.options.compiledWorkflows?.find(
        (given) => given.ref.name === ref.name && given.ref.version === ref.version,
      )?.workflow;
    if (!compiled) {
      const definition = yield* settle(this.options.ports.definitions.get(ref));
      if (!definition)
        throw new RejectedMessageError(`Definition ${key} is missing from the definition store`);
      const jsonata = definitionUsesJsonata(definition) ? yield* settle(this.options.jsonata()) : undefined;
      const validate = yield* settle(this.options.validator());
      const executor = definitionUsesDistributedMap(definition)
        ? yield* settle(this.options.distributedMap())
        : undefined;
      compiled = compileWorkflowWith(definition, jsonata, validate, {
        name: ref.name,
        ...(executor ? { distributedMap: executor } : {}),
      });
      this.compiled.set(key, compiled);
    }
    this.last = { ref, workflow: compiled };
    return compiled;
  }

  /**
   * Performs commands, all at once; any failure throws once every one was tried (the message is
   * redelivered and performs them again).
   */
  private perform(
    executionId: string,
    ref: WorkflowRef,
    commands: readonly Command[],
    traceHeader?: string,
  ): Awaitable<void> {
    const { ports, signer, eventSource } = this.options;
    const events: DomainEvent[] = [];
    const pending: Promise<void>[] = [];
    let failure: { readonly reason: unknown } | undefined;
    const start = (call: () => Awaitable<void>): void => {
      try {
        const answer = call();
        if (isPending(answer)) pending.push(answer);
      } catch (error) {
        failure ??= { reason: error };
      }
    };
    for (const command of commands) {
      switch (command.type) {
        case 'DispatchTask':
          // Without a correlation store (runWorkflow), the wait goes to `tasks` like any task.
          if (command.resource === WAIT_FOR_EVENT_RESOURCE && ports.correlations) {
            start(() => this.waitForEvent(executionId, command, traceHeader));
            break;
          }
          start(() =>
            ports.tasks.dispatch({
              executionId,
              workflow: ref.name,
              taskToken: signer.sign({ executionId, engineToken: command.token }),
              command,
              ...(traceHeader !== undefined ? { traceHeader } : {}),
            }),
          );
          break;
        case 'ScheduleTimer':
          start(() =>
            ports.timers.schedule({
              executionId,
              timerId: command.timerId,
              fireAt: command.fireAt,
              ...(traceHeader !== undefined ? { traceHeader } : {}),
            }),
          );
          break;
        case 'CancelTimer':
          start(() => ports.timers.cancel({ executionId, timerId: command.timerId }));
          break;
        case 'ReportToParent':
          start(() => this.reportToParent(command, traceHeader));
          break;
        case 'CancelTask':
          if (ports.tasks.cancelTask) {
            const cancellation = {
              executionId,
              command,
              ...(traceHeader !== undefined ? { traceHeader } : {}),
            };
            start(() => ports.tasks.cancelTask?.(cancellation));
          }
          break;
        case 'PublishEvent':
          events.push({
            id: command.eventId,
            source: eventSource,
            detailType: command.detailType,
            detail: {
              ...(command.detail as Record<string, Json>),
              eventId: command.eventId,
              workflowVersion: ref.version,
            },
            ...(traceHeader !== undefined ? { traceHeader } : {}),
          });
          break;
      }
    }
    if (events.length > 0) start(() => ports.events.publish(events));
    if (pending.length === 0) {
      if (failure) throw failure.reason;
      return;
    }
    return Promise.allSettled(pending).then((results) => {
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
      if (failed) throw failed.reason;
    });
  }
}

/**
 * What to decide instead of an event whose transition the store cannot hold: the task whose result
 * it is fails with `States.DataLimitExceeded` (a Catch naming that error takes it, as for a result
 * over the payload limit); any other event, or that failure again, stops the execution with the
 * error, undoing the saga. Undefined when nothing smaller is left to try.
 */
function smallerEvent(event: ExecutionEvent, error: TransitionTooLargeError): ExecutionEvent | undefined {
  const cause =
    `The execution's state would be ${error.sizeBytes} bytes stored, over the limit of ` +
    `${error.limitBytes} bytes (configure a payload store, or keep less in the state)`;
  switch (event.type) {
    case 'TaskSucceeded':
      return { type: 'TaskFailed', token: event.token, error: StatesErrors.DataLimitExceeded, cause };
    case 'StopExecution':
      return undefined;
    // A start that cannot be stored has no execution to stop: the message fails, and is kept (in
    // the end in the inbox's DLQ) rather than deleted. (An input over the payload limit is not
    // kept: the engine fails such a start with a transition that fits.)
    case 'StartExecution':
      return undefined;
    default:
      return { type: 'StopExecution', error: StatesErrors.DataLimitExceeded, cause, compensate: true };
  }
}

function workflowKey(ref: WorkflowRef): string {
  return `${ref.name}@${ref.version}`;
}

/** The execution id of a workflow's execution name: unique per workflow, stable across redeliveries. */
export function executionIdOf(workflow: string, name: string): string {
  return `${workflow}:${name}`;
}

function readRequired(doc: Json, path: string, field: string): Json {
  let compiled;
  try {
    compiled = compilePath(path);
  } catch (error) {
    throw new MalformedMessageError(
      `The ${field} '${path}' is not a valid JSONPath: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const result = readPath(compiled, doc, null);
  if (!result.found) throw new MalformedMessageError(`The ${field} '${path}' matches nothing in the event`);
  return result.value;
}

/** Ids up to this length are their own key (a hash would not be shorter). */
const SHORT_ID_LENGTH = 12;

/**
 * The key under which an applied message is remembered: a short hash of its id (SQS ids are
 * 36-character UUIDs; every stored version carries the recent keys, so they are kept small). A
 * short id is kept as it is behind a `~`, a character no hash key has, so the two never meet.
 */
export function messageKey(messageId: string): string {
  if (messageId.length <= SHORT_ID_LENGTH) return `~${messageId}`;
  return createHash('sha256').update(messageId).digest('base64url').slice(0, 12);
}

/** The recent message keys with `messageId` added, the oldest dropped beyond RECENT_MESSAGES_KEPT. */
function remember(
  recent: Readonly<Record<string, number>> | undefined,
  messageId: string,
  version: number,
): Record<string, number> {
  const kept: Record<string, number> = {};
  let skip = recent ? Object.keys(recent).length + 1 - RECENT_MESSAGES_KEPT : 0;
  for (const key in recent) {
    if (skip-- > 0) continue;
    kept[key] = recent[key] as number;
  }
  kept[messageId] = version;
  return kept;
}

/** The list/search index entry of a stored execution. */
export function summaryOf(stored: StoredExecution): ExecutionSummary {
  const { execution } = stored;
  return {
    executionId: execution.executionId,
    name: execution.name,
    workflow: stored.workflow.name,
    workflowVersion: stored.workflow.version,
    status: execution.status,
    startTime: new Date(execution.startTime).toISOString(),
    ...(execution.stopTime !== undefined ? { stopTime: new Date(execution.stopTime).toISOString() } : {}),
    ...(stored.businessKey !== undefined ? { businessKey: stored.businessKey } : {}),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
  };
}

/** Whether a task or compensation attempt (its engine token) is still running in the stored execution. */
function isRunningTask(stored: StoredExecution, token: string): boolean {
  const { status, saga } = stored.execution;
  if (status === 'COMPENSATING') return saga.active?.token === token;
  if (status !== 'RUNNING') return false;
  for (const thread of Object.values(stored.execution.threads)) {
    const waiting = thread.active.waiting;
    if (waiting.type === 'Task' && waiting.token === token) return true;
  }
  return false;
}
