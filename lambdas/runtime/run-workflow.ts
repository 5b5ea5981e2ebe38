/**
 * The in-process test runtime: runs a workflow to its end with task functions in place of workers,
 * on a virtual clock by default (Wait states, retry intervals and timeouts take no real time).
 *
 * It drives the same pure reducer (`decide`) as the orchestrator Lambda, so what passes here is
 * what runs on AWS.
 */
import { randomUUID } from 'node:crypto';
import { compileWorkflow, type CompiledWorkflow } from '../engine/compile.js';
import { decide, type DecideEnv } from '../engine/decide.js';
import type { Json, JsonObject } from '../engine/json.js';
import {
  isTerminal,
  type Command,
  type Execution,
  type ExecutionEvent,
  type HistoryEvent,
  type TerminalStatus,
} from '../engine/execution.js';
import { StatesErrors } from '../engine/errors.js';
import { TimerQueue } from './timer-queue.js';

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
  return new TestExecution(workflow, options).run(
    toJson(input === undefined ? {} : input, 'the execution input'),
  );
}

class TestExecution {
  private execution: Execution | undefined;
  private readonly history: HistoryEvent[] = [];
  private readonly queue: ExecutionEvent[] = [];
  private readonly timers = new TimerQueue();
  private readonly tasks: Readonly<Record<string, TaskFunction>>;
  private readonly virtual: boolean;
  private readonly realStart = Date.now();
  private readonly startTime: number;
  private skipped = 0;
  private inflight = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly workflow: CompiledWorkflow,
    private readonly options: RunWorkflowOptions,
  ) {
    this.tasks = options.tasks ?? {};
    this.virtual = (options.clock ?? 'virtual') === 'virtual';
    const start = options.startTime;
    this.startTime =
      start === undefined ? this.realStart : typeof start === 'number' ? start : start.getTime();
  }

  private now(): number {
    return this.startTime + (Date.now() - this.realStart) + this.skipped;
  }

  async run(input: Json): Promise<WorkflowResult> {
    const name = this.options.name ?? randomUUID();
    const executionId = `arn:aws:states:us-east-1:123456789012:execution:${this.workflow.name}:${name}`;
    const signal = this.options.signal;
    const onAbort = () =>
      this.push({ type: 'StopExecution', error: 'States.Aborted', cause: 'Aborted by the caller' });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.apply({
        type: 'StartExecution',
        executionId,
        name,
        input,
        ...(this.options.seed ? { seed: this.options.seed } : {}),
      });
      if (signal?.aborted) onAbort();
      await this.loop();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return this.result();
  }

  private async loop(): Promise<void> {
    for (;;) {
      while (this.queue.length > 0) this.apply(this.queue.shift() as ExecutionEvent);
      if (isTerminal((this.execution as Execution).status)) return;
      const next = this.timers.peek();
      if (next && next.fireAt <= this.now()) {
        this.timers.pop();
        this.queue.push({ type: 'TimerFired', timerId: next.timerId });
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

  /** Waits until a task settles (or an event arrives), or for `ms` real milliseconds. */
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

  private push(event: ExecutionEvent): void {
    this.queue.push(event);
    this.wake?.();
  }

  private apply(event: ExecutionEvent): void {
    const env: DecideEnv = {
      now: this.now(),
      workflow: this.workflow,
      lifecycleEvents: false,
      ...(this.options.maxPayloadBytes !== undefined
        ? { maxPayloadBytes: this.options.maxPayloadBytes }
        : {}),
    };
    const decision = decide(this.execution, event, env);
    this.execution = decision.execution;
    for (const recorded of decision.history) {
      this.history.push(recorded);
      this.options.onHistoryEvent?.(recorded);
    }
    for (const command of decision.commands) this.perform(command);
  }

  private perform(command: Command): void {
    switch (command.type) {
      case 'ScheduleTimer':
        this.timers.schedule(command.timerId, command.fireAt);
        return;
      case 'CancelTimer':
        this.timers.cancel(command.timerId);
        return;
      case 'PublishEvent':
        return;
      case 'DispatchTask':
        this.dispatch(command);
        return;
    }
  }

  private dispatch(command: Extract<Command, { type: 'DispatchTask' }>): void {
    const { token } = command;
    const fn = this.tasks[command.resource];
    if (!fn) {
      this.queue.push({
        type: 'TaskFailed',
        token,
        error: StatesErrors.TaskFailed,
        cause: `No task function for resource '${command.resource}' (give one in options.tasks)`,
      });
      return;
    }
    const execution = this.execution as Execution;
    const context: TaskContext = {
      executionId: execution.executionId,
      executionName: execution.name,
      stateName: command.stateName,
      attempt: command.attempt,
      taskToken: token,
      idempotencyKey: command.idempotencyKey,
      compensation: command.compensation,
      heartbeat: () => this.push({ type: 'TaskHeartbeat', token }),
    };
    let returned: unknown;
    try {
      returned = fn(structuredJson(command.input), context);
    } catch (error) {
      this.queue.push(failure(token, error));
      return;
    }
    if (isThenable(returned)) {
      this.inflight += 1;
      returned.then(
        (value) => {
          this.inflight -= 1;
          this.push(this.success(token, value));
        },
        (error: unknown) => {
          this.inflight -= 1;
          this.push(failure(token, error));
        },
      );
      return;
    }
    this.queue.push(this.success(token, returned));
  }

  private success(token: string, value: unknown): ExecutionEvent {
    try {
      return {
        type: 'TaskSucceeded',
        token,
        output: toJson(value === undefined ? null : value, 'the task result'),
      };
    } catch (error) {
      return { type: 'TaskFailed', token, error: StatesErrors.TaskFailed, cause: (error as Error).message };
    }
  }

  private result(): WorkflowResult {
    const execution = this.execution as Execution;
    const status = execution.status as TerminalStatus;
    const failed = execution.saga.failed;
    return {
      status,
      executionId: execution.executionId,
      ...(status === 'SUCCEEDED' ? { output: execution.output as Json } : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      ...(failed ? { compensationFailure: failed } : {}),
      history: this.history,
    };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function failure(token: string, error: unknown): ExecutionEvent {
  if (error instanceof Error) {
    return { type: 'TaskFailed', token, error: error.name || 'Error', cause: error.message };
  }
  return { type: 'TaskFailed', token, error: StatesErrors.TaskFailed, cause: String(error) };
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
