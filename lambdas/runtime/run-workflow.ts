/**
 * The in-process test runtime: runs a workflow to its end with task functions in place of workers,
 * on a virtual clock by default (Wait states, retry intervals and timeouts take no real time).
 *
 * It is a wiring of THE orchestrator loop (`Orchestrator`), the one the Lambda, the local runtime
 * and the simulation run: every message (the start, each task result, each timer, a stop) goes
 * through `Orchestrator.handle`, which loads, decides, commits and performs as it does on AWS. The
 * ports are the cheapest that keep the loop's semantics for one execution in one process: the
 * latest version in memory, timers on a heap, task functions called in place of the task router
 * (a test supplies a function per `Resource`, as Step Functions Local's mocked responses do), and
 * task tokens that never leave the process (issued and checked in memory, not signed).
 */
import { distributedMapExecutor } from '../engine/decide/distributed-map-state.js';
import { randomUUID } from 'node:crypto';
import type { CompiledWorkflow } from '../engine/compile.js';
import { compileWorkflow } from '../engine/compile-workflow.js';
import type { Json, JsonObject } from '../engine/json.js';
import { isTerminal, type Command, type HistoryEvent, type TerminalStatus } from '../engine/execution.js';
import { StatesErrors } from '../engine/errors.js';
import { executionIdOf, Orchestrator } from './orchestrator.js';
import { parseInboxMessage, type InboxMessage } from './inbox-messages.js';
import { MAP_RUN_RESOURCE } from '../engine/distributed-map.js';
import {
  VersionConflictError,
  type ExecutionStore,
  type HistoryPage,
  type Clock,
  type InboxSender,
  type MapRunPerformer,
  type OrchestratorPorts,
  type TaskCancellation,
  type StoredExecution,
  type TaskDispatch,
  type TaskDispatcher,
  type TimerScheduler,
  type Transition,
  type WorkflowRef,
} from './ports.js';
import type { TaskTokenClaims, TaskTokens } from './task-token.js';
import { TimerQueue } from './timer-queue.js';
import { isPending, type Awaitable } from './awaitable.js';
import { bundledJsonata } from '../engine/jsonata/bundled-jsonata.js';
import { assertValidDefinitionWith } from '../engine/definition-validator.js';
import { InMemoryMapRunStore } from './distributed-map/in-memory-map-run-store.js';
import { MapRuns } from './distributed-map/map-runs.js';
import { inMemoryChildren } from './distributed-map/express-children.js';
import type { ObjectStorage } from './distributed-map/map-run-ports.js';

/** What a task function learns about the step it runs. */
export interface TaskContext {
  readonly executionId: string;
  readonly executionName: string;
  readonly stateName: string;
  /** 1 for the first try, then 2, 3, ... as Retry fires. */
  readonly attempt: number;
  /** The token identifying this attempt (`$$.Task.Token`). */
  readonly taskToken: string;
  /** The same for every attempt of one entry into the state: hand it to payment providers and the like. */
  readonly idempotencyKey: string;
  /** True when this call is a saga compensation. */
  readonly compensation: boolean;
  /** Reports that the task is alive, resetting its HeartbeatSeconds deadline. */
  heartbeat(): void;
}

/**
 * A Task state's implementation. Return the result (a JSON value; `undefined` becomes `null`), or
 * throw: the Error's `name` is the ASL error name that Retry and Catch match, its `message` the cause.
 */
export type TaskFunction = (input: Json, context: TaskContext) => unknown;

/** Options of {@link runWorkflow}. */
export interface RunWorkflowOptions {
  /** Task functions by the `Resource` string of the Task states (and of `Compensate` blocks). @default {} */
  readonly tasks?: Readonly<Record<string, TaskFunction>>;
  /** The execution's name (`$$.Execution.Name`). @default a random UUID */
  readonly name?: string;
  /** The state machine's name (`$$.StateMachine.Name`). @default 'StateMachine' */
  readonly stateMachineName?: string;
  /**
   * `virtual`: time runs as usual while task functions run, and jumps ahead to the next timer when
   * nothing else can happen. `real`: timers wait in real time.
   * @default 'virtual'
   */
  readonly clock?: 'virtual' | 'real';
  /** The execution's start time. @default the current time */
  readonly startTime?: Date | number;
  /** Seed of every random draw (jitter, States.MathRandom, States.UUID). @default the execution id */
  readonly seed?: string;
  /** Payload size limit in bytes. @default 262144 (256 KiB, as Step Functions) */
  readonly maxPayloadBytes?: number;
  /** Stops the execution (status ABORTED) when aborted. */
  readonly signal?: AbortSignal;
  /** Called with each history event as it is recorded, for live progress. */
  readonly onHistoryEvent?: (event: HistoryEvent) => void;
  /**
   * The S3 objects Distributed Map states read their items from (ItemReader) and write their
   * results to (ResultWriter): `new InMemoryObjectStorage({ objects: { 'bucket/key': text } })`
   * from `baton/testing`, read back after the run. Distributed Map children (EXPRESS and STANDARD
   * alike) run in memory with the same task functions. @default none: ItemReader and ResultWriter
   * fail with States.ItemReaderFailed / States.ResultWriterFailed
   */
  readonly objects?: ObjectStorage;
}

/**
 * Options of {@link runCompiledWorkflow}: the wirings' own (EXPRESS children of Distributed Maps run
 * in memory on the orchestrator's task router).
 */
export interface InMemoryRunOptions extends RunWorkflowOptions {
  /**
   * The transport of every task in place of task functions: made with the run's own inbox, to
   * which it reports results as a task router does. @default task functions (`tasks`)
   */
  readonly taskDispatcher?: (inbox: InboxSender) => TaskDispatcher;
  /** Distributed Map runs, made with the run's own inbox and clock. @default none */
  readonly mapRuns?: (inbox: InboxSender, clock: Clock) => MapRunPerformer;
}

/** How an execution ended. */
export interface WorkflowResult {
  readonly status: TerminalStatus;
  readonly executionId: string;
  /** Set when status is SUCCEEDED. */
  readonly output?: Json;
  /** The error that failed the execution (for COMPENSATED and COMPENSATION_FAILED too). */
  readonly error?: string;
  readonly cause?: string;
  /** Set when status is COMPENSATION_FAILED: the compensation that failed. */
  readonly compensationFailure?: {
    readonly stateName: string;
    readonly error: string;
    readonly cause: string;
  };
  readonly history: readonly HistoryEvent[];
}

const DEFAULT_STATE_MACHINE_NAME = 'StateMachine';
/** The definition version runWorkflow pins its execution to (there is only the one definition). */
const RUN_VERSION = 'run';

/**
 * Runs a workflow to its end. `definition` is an ASL object or its JSON text; an invalid one
 * rejects with a DefinitionError naming the JSON Pointer of the bad field.
 */
export async function runWorkflow(
  definition: unknown,
  input: unknown = {},
  options: RunWorkflowOptions = {},
): Promise<WorkflowResult> {
  const workflow = compileWorkflow(definition, {
    name: options.stateMachineName ?? DEFAULT_STATE_MACHINE_NAME,
  });
  return new WorkflowRun(workflow, withMapRuns(options)).run(
    toJson(input === undefined ? {} : input, 'the execution input'),
  );
}

/**
 * runWorkflow's Distributed Maps: Map Runs kept in memory, their children run in memory with the
 * run's task functions and clock (every child, STANDARD too: one process runs one execution).
 */
function withMapRuns(options: RunWorkflowOptions): InMemoryRunOptions {
  const mapRuns = (inbox: InboxSender, clock: Clock): MapRunPerformer =>
    new MapRuns({
      store: new InMemoryMapRunStore(),
      ...(options.objects ? { objects: options.objects } : {}),
      inbox,
      definitions: { put: (name) => Promise.resolve({ name, version: RUN_VERSION }) },
      clock,
      jsonata: () => bundledJsonata,
      standardChildren: 'in-memory',
      express: inMemoryChildren({
        compile: (definition, name) => compileWorkflow(definition, { name }),
        run: { tasks: options.tasks ?? {}, mapRuns },
        clock: options.clock ?? 'virtual',
      }),
    });
  return { ...options, mapRuns };
}

/** Runs an already compiled workflow to its end, on the same in-process wiring as runWorkflow. */
export function runCompiledWorkflow(
  workflow: CompiledWorkflow,
  input: Json,
  options: InMemoryRunOptions = {},
): Promise<WorkflowResult> {
  return new WorkflowRun(workflow, options).run(input);
}

/** One message for the loop, with the id a queue would give it. */
interface Delivery {
  readonly message: InboxMessage;
  readonly messageId: string;
}

/** One execution, run by the orchestrator loop on in-process ports. */
class WorkflowRun implements TaskDispatcher, TimerScheduler, Clock {
  private readonly store: SingleExecutionStore;
  private readonly tokens = new InProcessTaskTokens(() => this.executionId);
  private readonly orchestrator: Orchestrator;
  private readonly deliveries: Delivery[] = [];
  private readonly timers = new TimerQueue();
  private readonly tasks: Readonly<Record<string, TaskFunction>>;
  private readonly virtual: boolean;
  private readonly realStart = Date.now();
  private readonly startTime: number;
  private readonly ref: WorkflowRef;
  private executionId = '';
  private delivered = 0;
  private skipped = 0;
  private inflight = 0;
  private wake: (() => void) | undefined;

  private readonly dispatcher: TaskDispatcher | undefined;
  private readonly mapRuns: MapRunPerformer | undefined;

  constructor(
    workflow: CompiledWorkflow,
    private readonly options: InMemoryRunOptions,
  ) {
    this.tasks = options.tasks ?? {};
    this.virtual = (options.clock ?? 'virtual') === 'virtual';
    const start = options.startTime;
    this.startTime =
      start === undefined ? this.realStart : typeof start === 'number' ? start : start.getTime();
    this.ref = { name: workflow.name, version: RUN_VERSION };
    this.store = new SingleExecutionStore(options.onHistoryEvent);
    const inbox: InboxSender = { send: (body, sendOptions) => this.receive(body, sendOptions?.delaySeconds) };
    this.dispatcher = options.taskDispatcher?.(inbox);
    this.mapRuns = options.mapRuns?.(inbox, this);
    const ports: OrchestratorPorts = {
      store: this.store,
      definitions: {
        put: () => Promise.resolve(this.ref),
        get: () => workflow.definition,
        latest: () => this.ref,
      },
      tasks: this,
      events: { publish: () => undefined },
      timers: this,
      clock: this,
      inbox,
      ...(this.mapRuns ? { mapRuns: this.mapRuns } : {}),
    };
    this.orchestrator = new Orchestrator({
      ports,
      signer: this.tokens,
      eventSource: 'baton.run-workflow',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
      lifecycleEvents: false,
      index: false,
      compiledWorkflows: [{ ref: this.ref, workflow }],
      ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
      // One execution in one process: nothing else commits to it.
      maxConflictRetries: 0,
    });
  }

  now(): number {
    return this.startTime + (Date.now() - this.realStart) + this.skipped;
  }

  async run(input: Json): Promise<WorkflowResult> {
    const name = this.options.name ?? randomUUID();
    this.executionId = executionIdOf(this.ref.name, name);
    const signal = this.options.signal;
    const onAbort = () =>
      this.deliver({
        kind: 'StopExecution',
        executionId: this.executionId,
        error: 'States.Aborted',
        cause: 'Aborted by the caller',
      });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.deliveries.push(
        this.delivery({
          kind: 'StartExecution',
          workflow: this.ref.name,
          version: this.ref.version,
          name,
          input,
          ...(this.options.seed ? { seed: this.options.seed } : {}),
        }),
      );
      if (signal?.aborted) onAbort();
      await this.loop();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return this.result();
  }

  private async loop(): Promise<void> {
    for (;;) {
      for (let next = this.deliveries.shift(); next; next = this.deliveries.shift()) {
        const handled = this.orchestrator.handleNow(next.message, next.messageId);
        if (isPending(handled)) await handled;
      }
      if (isTerminal(this.store.latest().execution.status)) return;
      const next = this.timers.peek();
      if (next && next.fireAt <= this.now()) {
        this.timers.pop();
        const delayed = this.delayed.get(next.timerId);
        this.delayed.delete(next.timerId);
        this.deliveries.push(
          this.delivery(
            delayed ?? { kind: 'TimerFired', executionId: this.executionId, timerId: next.timerId },
          ),
        );
        continue;
      }
      if (this.inflight > 0) {
        await this.idle(next ? next.fireAt - this.now() : undefined);
        continue;
      }
      if (next) {
        if (this.virtual) this.skipped += next.fireAt - this.now();
        else await this.idle(next.fireAt - this.now());
        continue;
      }
      throw new Error('The execution waits for nothing: no task in flight and no timer pending');
    }
  }

  /** Waits until a task settles (or a message arrives), or for `ms` real milliseconds. */
  private idle(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
    });
  }

  private delivery(message: InboxMessage): Delivery {
    this.delivered += 1;
    return { message, messageId: `m${this.delivered}` };
  }

  /** Queues a message that arrives from outside the loop (an async result, a heartbeat, a stop). */
  private deliver(message: InboxMessage): void {
    this.deliveries.push(this.delivery(message));
    this.wake?.();
  }

  /** Messages sent to the run's inbox after a delay, by the timer id that brings them. */
  private readonly delayed = new Map<string, InboxMessage>();
  private sent = 0;

  /**
   * A message the run's task transport or Map Runs send to its inbox: handled in turn, or after
   * `delaySeconds` (on the run's clock, as its timers).
   */
  private receive(body: Json, delaySeconds: number | undefined): Promise<void> {
    const message = parseInboxMessage(body);
    if (delaySeconds !== undefined && delaySeconds > 0) {
      this.sent += 1;
      const timerId = `inbox:${this.sent}`;
      this.delayed.set(timerId, message);
      this.timers.schedule(timerId, this.now() + delaySeconds * 1000);
      this.wake?.();
    } else this.deliver(message);
    return Promise.resolve();
  }

  schedule(timer: { timerId: string; fireAt: number }): void {
    this.timers.schedule(timer.timerId, timer.fireAt);
  }

  cancel(timer: { timerId: string }): void {
    this.timers.cancel(timer.timerId);
  }

  /** The transport of every task: the task function for its resource, called in place. */
  dispatch(task: TaskDispatch): void {
    const { command, taskToken } = task;
    if (command.resource === MAP_RUN_RESOURCE && this.mapRuns) {
      this.track(this.mapRuns.start(task), taskToken);
      return;
    }
    if (this.dispatcher) {
      this.track(Promise.resolve(this.dispatcher.dispatch(task)), taskToken);
      return;
    }
    const fn = this.tasks[command.resource];
    if (!fn) {
      this.deliveries.push(
        this.delivery({
          kind: 'TaskFailed',
          taskToken,
          error: StatesErrors.TaskFailed,
          cause: `No task function for resource '${command.resource}' (give one in options.tasks)`,
        }),
      );
      return;
    }
    const execution = this.store.latest().execution;
    const context: TaskContext = {
      executionId: execution.executionId,
      executionName: execution.name,
      stateName: command.stateName,
      attempt: command.attempt,
      taskToken,
      idempotencyKey: command.idempotencyKey,
      compensation: command.compensation,
      heartbeat: () => this.deliver({ kind: 'TaskHeartbeat', taskToken }),
    };
    let returned: unknown;
    try {
      returned = fn(structuredJson(command.input), context);
    } catch (error) {
      this.deliveries.push(this.delivery(failure(taskToken, error)));
      return;
    }
    if (isThenable(returned)) {
      this.inflight += 1;
      returned.then(
        (value) => {
          this.inflight -= 1;
          this.deliver(success(taskToken, value));
        },
        (error: unknown) => {
          this.inflight -= 1;
          this.deliver(failure(taskToken, error));
        },
      );
      return;
    }
    this.deliveries.push(this.delivery(success(taskToken, returned)));
  }

  /** Tasks cancelled with their state (a Map Run stopped with the execution). */
  cancelTask(cancellation: TaskCancellation): Awaitable<void> {
    if (cancellation.command.resource === MAP_RUN_RESOURCE) return this.mapRuns?.cancel(cancellation);
    return this.dispatcher?.cancelTask?.(cancellation);
  }

  /** Waits for work a transport does outside the loop; its failure fails the task. */
  private track(work: Promise<void>, taskToken: string): void {
    this.inflight += 1;
    work.then(
      () => {
        this.inflight -= 1;
        this.wake?.();
      },
      (error: unknown) => {
        this.inflight -= 1;
        this.deliver(failure(taskToken, error));
      },
    );
  }

  private result(): WorkflowResult {
    const { execution } = this.store.latest();
    const status = execution.status as TerminalStatus;
    const failed = execution.saga.failed;
    return {
      status,
      executionId: execution.executionId,
      ...(status === 'SUCCEEDED' ? { output: execution.output as Json } : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      ...(failed ? { compensationFailure: failed } : {}),
      history: this.store.events,
    };
  }
}

/**
 * The execution store of one execution in one process: the latest version, every version's
 * commands and message key, the history in order. The same conditional commit as every store;
 * no copies, since nothing else holds the values the loop commits.
 */
class SingleExecutionStore implements ExecutionStore {
  readonly events: HistoryEvent[] = [];
  private current: StoredExecution | undefined;
  private readonly commands: (readonly Command[])[] = [];
  private readonly versionsByMessage = new Map<string, number>();

  constructor(private readonly onHistoryEvent: ((event: HistoryEvent) => void) | undefined) {}

  /** The latest version; the run starts with a commit, so there is one once the loop ran. */
  latest(): StoredExecution {
    if (!this.current) throw new Error('The execution has not started');
    return this.current;
  }

  load(): StoredExecution | undefined {
    return this.current;
  }

  commit(transition: Transition): void {
    // The guard of every store: only the writer of the next version wins.
    if ((this.current?.version ?? 0) !== transition.version - 1) {
      throw new VersionConflictError(transition.executionId, transition.version - 1);
    }
    this.current = {
      execution: transition.execution,
      version: transition.version,
      workflow: transition.workflow,
      recentMessages: transition.recentMessages,
      ...(transition.controlMessages !== undefined ? { controlMessages: transition.controlMessages } : {}),
    };
    this.commands.push(transition.commands);
    this.versionsByMessage.set(transition.messageId, transition.version);
    for (const event of transition.history) {
      this.events.push(event);
      this.onHistoryEvent?.(event);
    }
  }

  findMessageVersion(_executionId: string, messageId: string): number | undefined {
    return this.versionsByMessage.get(messageId);
  }

  loadCommands(_executionId: string, version: number): readonly Command[] | undefined {
    return this.commands[version - 1];
  }

  history(): Promise<HistoryPage> {
    return Promise.resolve({ events: [...this.events] });
  }

  list(): Promise<{ items: [] }> {
    return Promise.resolve({ items: [] });
  }

  writeIndex(): void {}
}

/**
 * Task tokens that never leave the process: each is the engine's attempt token as it is. Signing
 * would protect nothing here (only the run's own dispatches report results), and the engine
 * ignores a token of an attempt that is not running.
 */
class InProcessTaskTokens implements TaskTokens {
  constructor(private readonly executionId: () => string) {}

  sign(claims: TaskTokenClaims): string {
    return claims.engineToken;
  }

  verify(token: string): TaskTokenClaims {
    return { executionId: this.executionId(), engineToken: token };
  }
}

function success(taskToken: string, value: unknown): InboxMessage {
  try {
    return {
      kind: 'TaskSucceeded',
      taskToken,
      output: toJson(value === undefined ? null : value, 'the task result'),
    };
  } catch (error) {
    return { kind: 'TaskFailed', taskToken, error: StatesErrors.TaskFailed, cause: (error as Error).message };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function failure(taskToken: string, error: unknown): InboxMessage {
  if (error instanceof Error) {
    return { kind: 'TaskFailed', taskToken, error: error.name || 'Error', cause: error.message };
  }
  return { kind: 'TaskFailed', taskToken, error: StatesErrors.TaskFailed, cause: String(error) };
}

/** A JSON copy, so that a task function cannot change the execution's state by mutating its input. */
function structuredJson(value: Json): Json {
  return cloneJson(value, 'the task input', 0);
}

/** Converts a value to JSON as it would cross a service boundary; rejects what JSON cannot carry. */
function toJson(value: unknown, what: string): Json {
  return cloneJson(value, what, 0);
}

/** Beyond this depth the copy goes through JSON text, which reports cycles. */
const MAX_CLONE_DEPTH = 64;

/**
 * Copies plain JSON data (objects, arrays, strings, finite numbers, booleans, null) directly, which
 * is several times faster than a JSON round trip for the small payloads tasks usually exchange;
 * anything else (Dates, class instances, `toJSON`, deep or cyclic structures) goes through
 * `JSON.stringify` so that it converts exactly as it would on the wire.
 */
function cloneJson(value: unknown, what: string, depth: number): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${what} is not JSON: ${value}`);
    return value;
  }
  if (depth < MAX_CLONE_DEPTH && typeof value === 'object') {
    if (Array.isArray(value)) {
      const copy: Json[] = new Array<Json>(value.length);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        copy[i] = item === undefined || typeof item === 'function' ? null : cloneJson(item, what, depth + 1);
      }
      return copy;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (
      (proto === Object.prototype || proto === null) &&
      typeof (value as { toJSON?: unknown }).toJSON !== 'function'
    ) {
      const copy: JsonObject = {};
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        copy[key] = cloneJson(item, what, depth + 1);
      }
      return copy;
    }
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new TypeError(`${what} is not JSON (a ${typeof value})`);
  return JSON.parse(text) as Json;
}
