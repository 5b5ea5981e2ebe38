/**
 * The reducer: `decide(execution, event, env) -> { execution, commands, history }`.
 *
 * Pure: no I/O, no clock, no randomness. The time of the decision is `env.now`; random draws
 * (retry jitter, States.MathRandom, States.UUID) derive from the execution's seed and a counter
 * kept in its state, so the same inputs always give the same outputs. The input execution is
 * never modified.
 *
 * Threads: the machine runs as the thread `root`; each Parallel branch and each Map iteration
 * runs as a child thread whose result lands in a slot of its parent state. Work inside one
 * decision goes through an agenda (a FIFO of threads to drive), never through recursion, so a
 * Map of 10,000 synchronous iterations cannot overflow the stack.
 */
import { selectChoice } from './choice.js';
import { ROOT_SCOPE, type CompiledState, type CompiledWorkflow } from './compile.js';
import type { TaskState, WaitState } from './definition.js';
import { DataLimitExceededError, StatesError, StatesErrors, StatesRuntimeError } from './errors.js';
import type {
  ActiveState,
  Command,
  CompensationEntry,
  Decision,
  Execution,
  ExecutionEvent,
  ExecutionStatus,
  HistoryEvent,
  HistoryEventType,
  LifecycleDetailType,
  SagaState,
  Thread,
  Waiting,
} from './execution.js';
import { evaluateIntrinsic, isIntrinsicCall, parseIntrinsic } from './intrinsics.js';
import type { Json, JsonObject } from './json.js';
import {
  compilePath,
  compileReferencePath,
  readPath,
  truncate,
  writePath,
  type CompiledPath,
} from './json-path.js';
import { parseTimestamp } from './choice.js';
import { evaluateTemplate, intrinsicEnvironment, type TemplateScope } from './payload-template.js';
import { deterministicRandom } from './random.js';
import { decideRetry, findCatcher, type RetryPolicy } from './retry.js';

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
}

/** An event was given for an execution that does not exist. */
export class UnknownExecutionError extends Error {
  override readonly name = 'UnknownExecutionError';
}

/**
 * Applies one event to an execution. A `StartExecution` event takes `undefined` and creates the
 * execution; a repeated one returns the execution unchanged (idempotent start). Events that no
 * longer apply (a result for a timed-out task, a timer that was cancelled, anything after the
 * execution ended) change nothing, so redelivered messages are harmless.
 */
export function decide(execution: Execution | undefined, event: ExecutionEvent, env: DecideEnv): Decision {
  if (event.type === 'StartExecution') {
    if (execution) return { changed: false, execution, commands: [], history: [] };
    const decider = new Decider(newExecution(event, env), env);
    decider.startAt = event.startAt;
    decider.start();
    return decider.result();
  }
  if (!execution) throw new UnknownExecutionError(`No execution for event ${event.type}`);
  const decider = new Decider(execution, env);
  decider.handle(event);
  return decider.result();
}

function newExecution(event: Extract<ExecutionEvent, { type: 'StartExecution' }>, env: DecideEnv): Execution {
  return {
    executionId: event.executionId,
    name: event.name,
    stateMachineName: env.workflow.name,
    status: 'RUNNING',
    input: event.input,
    startTime: env.now,
    seed: event.seed ?? event.executionId,
    sequence: 0,
    lastEventId: 0,
    threads: {},
    saga: { stack: [], compensated: 0 },
    redriveCount: 0,
  };
}

/**
 * A working copy of an execution with every optional field present, so that filling one in during
 * a decision keeps the object's shape (a measurable share of the engine's time otherwise). The
 * fields stay `undefined` when unset: JSON leaves them out.
 */
function workingCopy(execution: Execution): Mutable<Execution> {
  return {
    output: undefined,
    error: undefined,
    cause: undefined,
    stopTime: undefined,
    failure: undefined,
    ...execution,
  };
}

/** How a step of a thread ended. */
type Outcome =
  | { readonly type: 'next'; readonly next: string; readonly output: Json }
  | { readonly type: 'end'; readonly output: Json }
  | { readonly type: 'failed'; readonly error: string; readonly cause: string }
  /** The thread waits for an event, or has ended and handed over to its parent. */
  | { readonly type: 'suspended' };

const SUSPENDED: Outcome = { type: 'suspended' };
const ROOT = 'root';
const EXECUTION_TIMEOUT_TIMER = 'exec:timeout';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class Decider {
  private readonly exec: Mutable<Execution>;
  private readonly threads: Record<string, Thread>;
  private readonly history: HistoryEvent[] = [];
  private readonly commands: Command[] = [];
  private readonly agenda: { threadId: string; outcome: Outcome }[] = [];
  private readonly timestamp: string;
  private readonly maxPayloadBytes: number;
  private readonly maxTransitions: number;
  /** Arrays created during this decision, which may be updated in place. */
  private owned: WeakSet<object> | undefined;
  private transitions = 0;
  /** Set when the state changed without history or commands (a heartbeat). */
  private touched = false;

  constructor(
    execution: Execution,
    private readonly env: DecideEnv,
  ) {
    this.exec = workingCopy(execution);
    this.threads = { ...execution.threads };
    this.timestamp = isoTime(env.now);
    this.maxPayloadBytes = env.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.maxTransitions = env.maxTransitionsPerDecision ?? DEFAULT_MAX_TRANSITIONS_PER_DECISION;
  }

  result(): Decision {
    this.exec.threads = this.threads;
    return {
      changed: this.touched || this.history.length > 0 || this.commands.length > 0,
      execution: this.exec,
      commands: this.commands,
      history: this.history,
    };
  }

  // ---------------------------------------------------------------- events

  /** Set for a start at another state than StartAt. */
  startAt: string | undefined;

  start(): void {
    this.record('ExecutionStarted', { input: this.exec.input });
    this.publish('Execution Started');
    const timeoutMs = this.env.workflow.timeoutMs;
    if (timeoutMs !== undefined) this.schedule(EXECUTION_TIMEOUT_TIMER, this.exec.startTime + timeoutMs);
    const size = this.sizeError(this.exec.input, 'The execution input');
    if (size) {
      this.endExecution('FAILED', size.code, size.message);
      return;
    }
    const root = this.scope(ROOT_SCOPE);
    const startAt = this.startAt ?? root.startAt;
    if (!root.states.has(startAt)) {
      this.endExecution(
        'FAILED',
        StatesErrors.Runtime,
        `Cannot start at '${startAt}': no such top-level state`,
      );
      return;
    }
    this.agenda.push({
      threadId: ROOT,
      outcome: this.enterState(ROOT, ROOT_SCOPE, undefined, startAt, this.exec.input),
    });
    this.runAgenda();
  }

  handle(event: Exclude<ExecutionEvent, { type: 'StartExecution' }>): void {
    switch (event.type) {
      case 'TaskSucceeded':
        if (this.exec.status === 'COMPENSATING') this.onCompensationSucceeded(event.token);
        else if (this.exec.status === 'RUNNING') this.onTaskSucceeded(event.token, event.output);
        break;
      case 'TaskFailed':
        if (this.exec.status === 'COMPENSATING')
          this.onCompensationFailed(event.token, event.error, event.cause ?? '');
        else if (this.exec.status === 'RUNNING')
          this.onTaskFailed(event.token, event.error, event.cause ?? '');
        break;
      case 'TaskHeartbeat':
        this.onHeartbeat(event.token);
        break;
      case 'TimerFired':
        this.onTimer(event.timerId);
        break;
      case 'StopExecution':
        if (this.exec.status !== 'RUNNING') break;
        this.stopAllThreads();
        this.failExecution(
          'ABORTED',
          event.error ?? 'States.Aborted',
          event.cause ?? 'The execution was stopped',
          event.compensate === true,
        );
        break;
      case 'RedriveExecution':
        this.redrive();
        break;
    }
    this.runAgenda();
  }

  private onTaskSucceeded(token: string, output: Json): void {
    const found = this.taskByToken(token);
    if (!found) return;
    const { thread, waiting, state } = found;
    this.cancelTaskTimers(waiting.token);
    this.record('TaskSucceeded', {
      stateName: thread.active.name,
      threadId: thread.id,
      output,
      resource: waiting.resource,
    });
    const compensate = state.compensate;
    // Once per entry into the state: a retry after a data-flow failure must not stack it twice.
    if (compensate && !this.exec.saga.stack.some((entry) => entry.entryId === thread.active.entryId)) {
      const entry: CompensationEntry = {
        entryId: thread.active.entryId,
        scope: thread.scope,
        stateName: thread.active.name,
        document: { Input: thread.active.input, Result: output },
      };
      this.exec.saga = { ...this.exec.saga, stack: [...this.exec.saga.stack, entry] };
    }
    this.agenda.push({
      threadId: thread.id,
      outcome: this.attempt(() => this.finishTask(thread, state, output)),
    });
  }

  private onTaskFailed(token: string, error: string, cause: string): void {
    const found = this.taskByToken(token);
    if (!found) return;
    const { thread, waiting } = found;
    this.cancelTaskTimers(waiting.token);
    this.record('TaskFailed', {
      stateName: thread.active.name,
      threadId: thread.id,
      error,
      cause,
      resource: waiting.resource,
    });
    this.agenda.push({ threadId: thread.id, outcome: { type: 'failed', error, cause } });
  }

  private onHeartbeat(token: string): void {
    if (this.exec.status === 'COMPENSATING') {
      const active = this.exec.saga.active;
      if (active && active.token === token) {
        this.exec.saga = { ...this.exec.saga, active: { ...active, lastHeartbeatAt: this.env.now } };
        this.touched = true;
      }
      return;
    }
    if (this.exec.status !== 'RUNNING') return;
    const found = this.taskByToken(token);
    if (!found) return;
    const { thread, waiting } = found;
    this.setActive(thread, { ...thread.active, waiting: { ...waiting, lastHeartbeatAt: this.env.now } });
    this.touched = true;
  }

  private onTimer(timerId: string): void {
    if (timerId === EXECUTION_TIMEOUT_TIMER) {
      if (this.exec.status !== 'RUNNING') return;
      this.stopAllThreads();
      this.failExecution('TIMED_OUT', StatesErrors.Timeout, 'The execution timed out (TimeoutSeconds)', true);
      return;
    }
    if (timerId.startsWith('c:')) {
      this.onCompensationTimer(timerId);
      return;
    }
    if (this.exec.status !== 'RUNNING') return;
    const thread = this.threads[timerId.slice(0, timerId.indexOf(':'))];
    if (!thread) return;
    const { active } = thread;
    const waiting = active.waiting;
    switch (waiting.type) {
      case 'Retry':
        if (waiting.timerId !== timerId) return;
        this.agenda.push({ threadId: thread.id, outcome: this.execute(thread) });
        return;
      case 'Wait':
        if (waiting.timerId !== timerId) return;
        this.agenda.push({ threadId: thread.id, outcome: this.attempt(() => this.finishWait(thread)) });
        return;
      case 'Yield':
        if (waiting.timerId !== timerId) return;
        this.transitions = 0;
        this.agenda.push({
          threadId: thread.id,
          outcome: this.enterState(thread.id, thread.scope, thread.parent, active.name, active.input),
        });
        return;
      case 'Task': {
        const expired = this.expiredDeadline(timerId, waiting.token, waiting);
        if (!expired) return;
        if (expired.type === 'rescheduled') {
          this.setActive(thread, { ...active, waiting: { ...waiting, heartbeatTimerAt: expired.at } });
          return;
        }
        this.record('TaskTimedOut', {
          stateName: active.name,
          threadId: thread.id,
          error: expired.error,
          resource: waiting.resource,
        });
        this.cancelTaskTimers(waiting.token);
        this.agenda.push({
          threadId: thread.id,
          outcome: { type: 'failed', error: expired.error, cause: expired.cause },
        });
        return;
      }
      case 'Parallel':
      case 'Map':
      case 'None':
        return;
    }
  }

  // ---------------------------------------------------------------- driving threads

  private runAgenda(): void {
    for (let i = 0; i < this.agenda.length; i++) {
      const item = this.agenda[i] as { threadId: string; outcome: Outcome };
      this.drive(item.threadId, item.outcome);
    }
    this.agenda.length = 0;
  }

  /** Follows a thread from an outcome until it waits or ends. */
  private drive(threadId: string, first: Outcome): void {
    let outcome = first;
    for (;;) {
      switch (outcome.type) {
        case 'suspended':
          return;
        case 'next': {
          const thread = this.threads[threadId];
          if (!thread) return;
          if (++this.transitions > this.maxTransitions) {
            const timerId = `${threadId}:${this.nextId()}:yield`;
            this.setActive(thread, {
              ...thread.active,
              name: outcome.next,
              input: outcome.output,
              waiting: { type: 'Yield', timerId },
            });
            this.schedule(timerId, this.env.now);
            return;
          }
          outcome = this.enterState(threadId, thread.scope, thread.parent, outcome.next, outcome.output);
          break;
        }
        case 'end':
          this.endThread(threadId, outcome.output);
          return;
        case 'failed':
          outcome = this.recover(threadId, outcome.error, outcome.cause);
          break;
      }
    }
  }

  private enterState(
    threadId: string,
    scope: string,
    parent: Thread['parent'],
    name: string,
    input: Json,
  ): Outcome {
    const state = this.state(scope, name);
    const active: ActiveState = {
      name,
      entryId: this.nextId(),
      input,
      enteredAt: this.env.now,
      retryCounts: [],
      attempt: 1,
      waiting: NOT_WAITING,
    };
    const thread: Thread = parent ? { id: threadId, scope, parent, active } : { id: threadId, scope, active };
    this.threads[threadId] = thread;
    this.record(`${state.definition.Type}StateEntered`, { stateName: name, threadId, input });
    return this.execute(thread);
  }

  /** Runs the thread's active state (again, for a retry). */
  private execute(thread: Thread): Outcome {
    return this.attempt(() => this.executeState(thread, this.state(thread.scope, thread.active.name)));
  }

  /** Runs `step`, turning a StatesError into a `failed` outcome. */
  private attempt(step: () => Outcome): Outcome {
    try {
      return step();
    } catch (error) {
      if (error instanceof StatesError) return { type: 'failed', error: error.code, cause: error.message };
      throw error;
    }
  }

  private executeState(thread: Thread, state: CompiledState): Outcome {
    const { active } = thread;
    const def = state.definition;
    switch (def.Type) {
      case 'Pass': {
        const effective = this.inputPath(thread, state, active.input);
        let result: Json;
        if (def.Result !== undefined) result = def.Result;
        else if (state.parameters)
          result = evaluateTemplate(state.parameters, this.templateScope(thread, effective));
        else result = effective;
        return this.complete(
          thread,
          state,
          this.outputPath(thread, state, this.resultPath(state, active.input, result)),
        );
      }
      case 'Task':
        return this.startTask(thread, state, def);
      case 'Choice': {
        const effective = this.inputPath(thread, state, active.input);
        const scope = this.templateScope(thread, effective);
        const next = selectChoice(def, (path) =>
          readPath(compilePath(path), effective, pathContext(path, scope)),
        );
        if (next === undefined) {
          throw new StatesError(
            StatesErrors.NoChoiceMatched,
            `No Choice rule matched and there is no Default in state '${active.name}'`,
          );
        }
        const output = this.outputPath(thread, state, effective);
        this.record('ChoiceStateExited', { stateName: active.name, threadId: thread.id, output });
        return { type: 'next', next, output };
      }
      case 'Wait':
        return this.startWait(thread, state, def);
      case 'Succeed':
        return this.complete(
          thread,
          state,
          this.outputPath(thread, state, this.inputPath(thread, state, active.input)),
        );
      case 'Fail': {
        const error =
          def.ErrorPath !== undefined ? this.failField(thread, def.ErrorPath, 'ErrorPath') : def.Error;
        const cause =
          def.CausePath !== undefined ? this.failField(thread, def.CausePath, 'CausePath') : def.Cause;
        return { type: 'failed', error: error ?? 'States.Fail', cause: cause ?? '' };
      }
      case 'Parallel':
        return this.startParallel(thread, state);
      case 'Map':
        return this.startMap(thread, state);
    }
  }

  /** Records the exit of a state and says where the thread goes next. */
  private complete(thread: Thread, state: CompiledState, output: Json): Outcome {
    const def = state.definition;
    if (def.Type !== 'Fail') {
      this.record(`${def.Type}StateExited` as HistoryEventType, {
        stateName: state.name,
        threadId: thread.id,
        output,
      });
    }
    if (def.Type === 'Succeed' || ('End' in def && def.End === true)) return { type: 'end', output };
    return { type: 'next', next: (def as { Next: string }).Next, output };
  }

  // ---------------------------------------------------------------- Task

  private startTask(thread: Thread, state: CompiledState, def: TaskState): Outcome {
    const { active } = thread;
    const effective = this.inputPath(thread, state, active.input);
    const token = `${thread.id}:${active.entryId}:${active.attempt}`;
    const scope = this.templateScope(thread, effective, token);
    const input = state.parameters ? evaluateTemplate(state.parameters, scope) : effective;
    const timeoutSeconds = this.seconds(
      thread,
      def.TimeoutSeconds,
      def.TimeoutSecondsPath,
      effective,
      'TimeoutSecondsPath',
    );
    const heartbeatSeconds = this.seconds(
      thread,
      def.HeartbeatSeconds,
      def.HeartbeatSecondsPath,
      effective,
      'HeartbeatSecondsPath',
    );
    const tooBig = this.sizeError(input, `The input of task state '${active.name}'`);
    if (tooBig) throw tooBig;
    const waiting: Waiting = {
      type: 'Task',
      token,
      resource: def.Resource,
      lastHeartbeatAt: this.env.now,
      ...(timeoutSeconds !== undefined ? { timeoutAt: this.env.now + timeoutSeconds * 1000 } : {}),
      ...(heartbeatSeconds !== undefined
        ? { heartbeatMs: heartbeatSeconds * 1000, heartbeatTimerAt: this.env.now + heartbeatSeconds * 1000 }
        : {}),
    };
    this.setActive(thread, { ...active, waiting });
    this.record('TaskScheduled', {
      stateName: active.name,
      threadId: thread.id,
      input,
      resource: def.Resource,
      attempt: active.attempt,
    });
    this.commands.push({
      type: 'DispatchTask',
      token,
      resource: def.Resource,
      input,
      stateName: active.name,
      attempt: active.attempt,
      idempotencyKey: `${this.exec.executionId}:${active.entryId}`,
      compensation: false,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
    });
    if (timeoutSeconds !== undefined) this.schedule(`${token}:timeout`, this.env.now + timeoutSeconds * 1000);
    if (heartbeatSeconds !== undefined) {
      const at = this.env.now + heartbeatSeconds * 1000;
      this.schedule(`${token}:heartbeat:${at}`, at);
    }
    return SUSPENDED;
  }

  private finishTask(thread: Thread, state: CompiledState, output: Json): Outcome {
    const tooBig = this.sizeError(output, `The result of task state '${thread.active.name}'`);
    if (tooBig) throw tooBig;
    const selected = state.resultSelector
      ? evaluateTemplate(state.resultSelector, this.templateScope(thread, output))
      : output;
    return this.complete(
      thread,
      state,
      this.outputPath(thread, state, this.resultPath(state, thread.active.input, selected)),
    );
  }

  private taskByToken(
    token: string,
  ): { thread: Thread; waiting: Extract<Waiting, { type: 'Task' }>; state: CompiledState } | undefined {
    const thread = this.threads[token.slice(0, token.indexOf(':'))];
    if (!thread) return undefined;
    const waiting = thread.active.waiting;
    if (waiting.type !== 'Task' || waiting.token !== token) return undefined;
    return { thread, waiting, state: this.state(thread.scope, thread.active.name) };
  }

  private cancelTaskTimers(token: string): void {
    const thread = this.threads[token.slice(0, token.indexOf(':'))];
    const waiting = thread?.active.waiting;
    if (!waiting || waiting.type !== 'Task') return;
    if (waiting.timeoutAt !== undefined)
      this.commands.push({ type: 'CancelTimer', timerId: `${token}:timeout` });
    if (waiting.heartbeatMs !== undefined) {
      this.commands.push({
        type: 'CancelTimer',
        timerId: `${token}:heartbeat:${waiting.heartbeatTimerAt}`,
      });
    }
  }

  // ---------------------------------------------------------------- Wait

  private startWait(thread: Thread, state: CompiledState, def: WaitState): Outcome {
    const effective = this.inputPath(thread, state, thread.active.input);
    let until: number;
    if (def.Seconds !== undefined) until = this.env.now + def.Seconds * 1000;
    else if (def.Timestamp !== undefined) until = parseTimestamp(def.Timestamp) ?? this.env.now;
    else if (def.SecondsPath !== undefined) {
      const value = this.readRequired(thread, def.SecondsPath, effective, 'SecondsPath');
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new StatesRuntimeError(
          `The SecondsPath '${def.SecondsPath}' of state '${state.name}' must select a non-negative integer, got ${truncate(JSON.stringify(value))}`,
        );
      }
      until = this.env.now + value * 1000;
    } else {
      const path = def.TimestampPath as string;
      const value = this.readRequired(thread, path, effective, 'TimestampPath');
      const parsed = typeof value === 'string' ? parseTimestamp(value) : undefined;
      if (parsed === undefined) {
        throw new StatesRuntimeError(
          `The TimestampPath '${path}' of state '${state.name}' must select an RFC 3339 timestamp, got ${truncate(JSON.stringify(value))}`,
        );
      }
      until = parsed;
    }
    if (until <= this.env.now) return this.finishWait(thread);
    const timerId = `${thread.id}:${thread.active.entryId}:wait`;
    this.setActive(thread, { ...thread.active, waiting: { type: 'Wait', timerId } });
    this.schedule(timerId, until);
    return SUSPENDED;
  }

  private finishWait(thread: Thread): Outcome {
    const state = this.state(thread.scope, thread.active.name);
    return this.complete(
      thread,
      state,
      this.outputPath(thread, state, this.inputPath(thread, state, thread.active.input)),
    );
  }

  // ---------------------------------------------------------------- Parallel and Map

  private startParallel(thread: Thread, state: CompiledState): Outcome {
    const effective = this.inputPath(thread, state, thread.active.input);
    const input = state.parameters
      ? evaluateTemplate(state.parameters, this.templateScope(thread, effective))
      : effective;
    const children = state.branches.map(() => this.nextId());
    const results = new Array<Json | undefined>(children.length);
    this.own(results);
    this.setActive(thread, {
      ...thread.active,
      waiting: { type: 'Parallel', children, results, remaining: children.length },
    });
    this.record('ParallelStateStarted', { stateName: state.name, threadId: thread.id });
    state.branches.forEach((scopeKey, index) => {
      const childId = children[index] as string;
      const startAt = this.scope(scopeKey).startAt;
      this.agenda.push({
        threadId: childId,
        outcome: this.enterState(childId, scopeKey, { threadId: thread.id, index }, startAt, input),
      });
    });
    return SUSPENDED;
  }

  private startMap(thread: Thread, state: CompiledState): Outcome {
    const def = state.definition;
    if (def.Type !== 'Map') throw new Error('unreachable: startMap on a non-Map state');
    const effective = this.inputPath(thread, state, thread.active.input);
    const items = state.itemsPath
      ? this.readRequired(thread, state.itemsPath.source, effective, 'ItemsPath')
      : effective;
    if (!Array.isArray(items)) {
      throw new StatesRuntimeError(
        `The ItemsPath '${def.ItemsPath ?? '$'}' of Map state '${state.name}' must select an array, got ${truncate(JSON.stringify(items))}`,
      );
    }
    let maxConcurrency = def.MaxConcurrency ?? 0;
    if (def.MaxConcurrencyPath !== undefined) {
      const value = this.readRequired(thread, def.MaxConcurrencyPath, effective, 'MaxConcurrencyPath');
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new StatesRuntimeError(
          `The MaxConcurrencyPath '${def.MaxConcurrencyPath}' of Map state '${state.name}' must select a non-negative integer, got ${truncate(JSON.stringify(value))}`,
        );
      }
      maxConcurrency = value;
    }
    const baseScope = this.templateScope(thread, effective);
    const itemInputs = state.parameters
      ? items.map((value, index) =>
          evaluateTemplate(state.parameters as NonNullable<CompiledState['parameters']>, {
            ...baseScope,
            context: () => ({
              ...(baseScope.context() as JsonObject),
              Map: { Item: { Index: index, Value: value, Source: 'STATE_DATA' } },
            }),
          }),
        )
      : items;
    this.record('MapStateStarted', { stateName: state.name, threadId: thread.id });
    if (items.length === 0) {
      this.record('MapStateSucceeded', { stateName: state.name, threadId: thread.id });
      return this.finishAggregate(thread, state, []);
    }
    const results = new Array<Json | undefined>(items.length);
    this.own(results);
    const first = maxConcurrency === 0 ? items.length : Math.min(maxConcurrency, items.length);
    this.setActive(thread, {
      ...thread.active,
      waiting: {
        type: 'Map',
        items: [],
        itemInputs,
        nextIndex: first,
        running: first,
        maxConcurrency,
        results,
        remaining: items.length,
      },
    });
    for (let index = 0; index < first; index++)
      this.startIteration(thread.id, state, index, itemInputs[index] as Json);
    return SUSPENDED;
  }

  private startIteration(parentId: string, state: CompiledState, index: number, input: Json): void {
    const childId = this.nextId();
    const scopeKey = state.processor as string;
    this.record('MapIterationStarted', { stateName: state.name, threadId: childId, index });
    this.agenda.push({
      threadId: childId,
      outcome: this.enterState(
        childId,
        scopeKey,
        { threadId: parentId, index },
        this.scope(scopeKey).startAt,
        input,
      ),
    });
  }

  private finishAggregate(thread: Thread, state: CompiledState, results: Json[]): Outcome {
    return this.attempt(() => {
      const selected = state.resultSelector
        ? evaluateTemplate(state.resultSelector, this.templateScope(thread, results))
        : results;
      return this.complete(
        thread,
        state,
        this.outputPath(thread, state, this.resultPath(state, thread.active.input, selected)),
      );
    });
  }

  /** A thread reached an End state (or Succeed). */
  private endThread(threadId: string, output: Json): void {
    const thread = this.threads[threadId];
    if (!thread) return;
    delete this.threads[threadId];
    if (!thread.parent) {
      this.succeedExecution(output);
      return;
    }
    const parent = this.threads[thread.parent.threadId];
    if (!parent) return;
    const waiting = parent.active.waiting;
    const index = thread.parent.index;
    const state = this.state(parent.scope, parent.active.name);
    if (waiting.type === 'Parallel') {
      const results = this.ownedCopy(waiting.results);
      results[index] = output;
      const remaining = waiting.remaining - 1;
      this.setActive(parent, { ...parent.active, waiting: { ...waiting, results, remaining } });
      if (remaining === 0) {
        this.record('ParallelStateSucceeded', { stateName: state.name, threadId: parent.id });
        this.agenda.push({
          threadId: parent.id,
          outcome: this.finishAggregate(this.threads[parent.id] as Thread, state, results as Json[]),
        });
      }
      return;
    }
    if (waiting.type === 'Map') {
      const results = this.ownedCopy(waiting.results);
      results[index] = output;
      this.record('MapIterationSucceeded', { stateName: state.name, threadId, index });
      const remaining = waiting.remaining - 1;
      let { nextIndex, running } = waiting;
      running -= 1;
      const starts: number[] = [];
      while (
        nextIndex < waiting.itemInputs.length &&
        (waiting.maxConcurrency === 0 || running < waiting.maxConcurrency)
      ) {
        starts.push(nextIndex);
        nextIndex += 1;
        running += 1;
      }
      this.setActive(parent, {
        ...parent.active,
        waiting: { ...waiting, results, remaining, nextIndex, running },
      });
      for (const start of starts)
        this.startIteration(parent.id, state, start, waiting.itemInputs[start] as Json);
      if (remaining === 0) {
        this.record('MapStateSucceeded', { stateName: state.name, threadId: parent.id });
        this.agenda.push({
          threadId: parent.id,
          outcome: this.finishAggregate(this.threads[parent.id] as Thread, state, results as Json[]),
        });
      }
    }
  }

  // ---------------------------------------------------------------- errors

  /** Retry, Catch, or fail the thread. */
  private recover(threadId: string, error: string, cause: string): Outcome {
    const thread = this.threads[threadId];
    if (!thread) return SUSPENDED;
    const { active } = thread;
    const state = this.state(thread.scope, active.name);
    const retry = decideRetry(state.retry, active.retryCounts, error, () => this.random());
    if (retry.type === 'retry') {
      const retryCounts = active.retryCounts.slice();
      retryCounts[retry.retrierIndex] = (retryCounts[retry.retrierIndex] ?? 0) + 1;
      for (let i = 0; i < retryCounts.length; i++) retryCounts[i] ??= 0;
      const timerId = `${threadId}:${active.entryId}:retry:${active.attempt + 1}`;
      this.setActive(thread, {
        ...active,
        retryCounts,
        attempt: active.attempt + 1,
        waiting: { type: 'Retry', timerId },
      });
      this.record('StateRetryScheduled', {
        stateName: active.name,
        threadId,
        error,
        cause,
        attempt: active.attempt + 1,
        delayMs: retry.delayMs,
      });
      this.schedule(timerId, this.env.now + retry.delayMs);
      return SUSPENDED;
    }
    const catcher = findCatcher(state.catch, error);
    if (catcher) {
      let output: Json;
      try {
        output =
          catcher.resultPath === null
            ? active.input
            : writePath(active.input, catcher.resultPath, { Error: error, Cause: cause });
      } catch (failure) {
        if (!(failure instanceof StatesError)) throw failure;
        this.failThread(thread, failure.code, failure.message);
        return SUSPENDED;
      }
      this.record(`${state.definition.Type}StateExited` as HistoryEventType, {
        stateName: active.name,
        threadId,
        output,
        error,
        cause,
      });
      return { type: 'next', next: catcher.next, output };
    }
    this.failThread(thread, error, cause);
    return SUSPENDED;
  }

  /** A thread failed with an error nobody in it handled: its parent state fails, or the execution. */
  private failThread(thread: Thread, error: string, cause: string): void {
    this.abortChildren(thread.id);
    delete this.threads[thread.id];
    if (!thread.parent) {
      this.exec.failure = { stateName: thread.active.name, input: thread.active.input };
      this.failExecution('FAILED', error, cause, true);
      return;
    }
    const parent = this.threads[thread.parent.threadId];
    if (!parent) return;
    const state = this.state(parent.scope, parent.active.name);
    if (parent.active.waiting.type === 'Map') {
      this.record('MapIterationFailed', {
        stateName: state.name,
        threadId: thread.id,
        index: thread.parent.index,
        error,
        cause,
      });
      this.record('MapStateFailed', { stateName: state.name, threadId: parent.id, error, cause });
    } else {
      this.record('ParallelStateFailed', { stateName: state.name, threadId: parent.id, error, cause });
    }
    this.abortChildren(parent.id);
    this.setActive(parent, { ...parent.active, waiting: NOT_WAITING });
    this.agenda.push({ threadId: parent.id, outcome: { type: 'failed', error, cause } });
  }

  /** Stops every descendant thread of `threadId`: their results will be ignored. */
  private abortChildren(threadId: string): void {
    for (const child of Object.values(this.threads)) {
      if (child.parent?.threadId !== threadId) continue;
      this.abortThread(child);
    }
  }

  private abortThread(thread: Thread): void {
    this.abortChildren(thread.id);
    delete this.threads[thread.id];
    const { active } = thread;
    const waiting = active.waiting;
    const common = () => ({ stateName: active.name, threadId: thread.id });
    switch (waiting.type) {
      case 'Task':
        this.cancelTaskTimersOf(waiting);
        this.record('TaskStateAborted', common());
        break;
      case 'Wait':
        this.commands.push({ type: 'CancelTimer', timerId: waiting.timerId });
        this.record('WaitStateAborted', common());
        break;
      case 'Retry':
      case 'Yield':
        this.commands.push({ type: 'CancelTimer', timerId: waiting.timerId });
        break;
      case 'None':
        break;
      case 'Parallel':
        this.record('ParallelStateAborted', common());
        break;
      case 'Map':
        this.record('MapStateAborted', common());
        break;
    }
    if (thread.parent && this.threads[thread.parent.threadId]?.active.waiting.type === 'Map') {
      this.record('MapIterationAborted', { ...common(), index: thread.parent.index });
    }
  }

  private cancelTaskTimersOf(waiting: Extract<Waiting, { type: 'Task' }>): void {
    if (waiting.timeoutAt !== undefined)
      this.commands.push({ type: 'CancelTimer', timerId: `${waiting.token}:timeout` });
    if (waiting.heartbeatMs !== undefined) {
      this.commands.push({
        type: 'CancelTimer',
        timerId: `${waiting.token}:heartbeat:${waiting.heartbeatTimerAt}`,
      });
    }
  }

  private stopAllThreads(): void {
    const root = this.threads[ROOT];
    if (root) {
      this.exec.failure = { stateName: root.active.name, input: root.active.input };
      this.abortThread(root);
    }
    for (const thread of Object.values(this.threads)) this.abortThread(thread);
  }

  // ---------------------------------------------------------------- execution end and the saga

  private succeedExecution(output: Json): void {
    this.exec.status = 'SUCCEEDED';
    this.exec.output = output;
    this.exec.stopTime = this.env.now;
    this.record('ExecutionSucceeded', { output });
    this.cancelExecutionTimeout();
    this.publish('Execution Succeeded');
  }

  /**
   * The execution failed, timed out or was stopped. With compensations on the stack (and, for a
   * stop, compensation requested) the saga unwinds first; otherwise the execution ends now.
   */
  private failExecution(
    status: 'FAILED' | 'TIMED_OUT' | 'ABORTED',
    error: string,
    cause: string,
    compensate: boolean,
  ): void {
    this.exec.error = error;
    this.exec.cause = cause;
    const pending = this.exec.saga.stack.length - this.exec.saga.compensated;
    if (compensate && pending > 0) {
      this.exec.status = 'COMPENSATING';
      this.record('CompensationStarted', { error, cause });
      this.nextCompensation();
      return;
    }
    this.endExecution(status, error, cause);
  }

  private endExecution(status: 'FAILED' | 'TIMED_OUT' | 'ABORTED', error: string, cause: string): void {
    this.exec.status = status;
    this.exec.error = error;
    this.exec.cause = cause;
    this.exec.stopTime = this.env.now;
    this.cancelExecutionTimeout();
    switch (status) {
      case 'FAILED':
        this.record('ExecutionFailed', { error, cause });
        this.publish('Execution Failed');
        break;
      case 'TIMED_OUT':
        this.record('ExecutionTimedOut', { error, cause });
        this.publish('Execution Timed Out');
        break;
      case 'ABORTED':
        this.record('ExecutionAborted', { error, cause });
        this.publish('Execution Aborted');
        break;
    }
  }

  private cancelExecutionTimeout(): void {
    if (this.env.workflow.timeoutMs !== undefined)
      this.commands.push({ type: 'CancelTimer', timerId: EXECUTION_TIMEOUT_TIMER });
  }

  /** Runs the compensation on top of the stack, or ends the saga when none is left. */
  private nextCompensation(): void {
    const saga = this.exec.saga;
    const index = saga.stack.length - 1 - saga.compensated;
    if (index < 0) {
      this.exec.saga = withoutActive(saga);
      this.exec.status = 'COMPENSATED';
      this.exec.stopTime = this.env.now;
      this.cancelExecutionTimeout();
      this.record('CompensationSucceeded', { error: this.exec.error, cause: this.exec.cause });
      this.publish('Execution Compensated');
      return;
    }
    const entry = saga.stack[index] as CompensationEntry;
    const previous = saga.active?.entryId === entry.entryId ? saga.active : undefined;
    const attempt = previous ? previous.attempt + 1 : 1;
    const retryCounts = previous ? previous.retryCounts : [];
    this.dispatchCompensation(entry, attempt, retryCounts);
  }

  private dispatchCompensation(
    entry: CompensationEntry,
    attempt: number,
    retryCounts: readonly number[],
  ): void {
    const compensate = this.state(entry.scope, entry.stateName).compensate;
    if (!compensate) throw new Error(`unreachable: state '${entry.stateName}' has no Compensate`);
    const token = `c:${entry.entryId}:${attempt}`;
    const def = compensate.definition;
    let input: Json;
    try {
      const scope = this.compensationScope(entry, entry.document, token);
      const contextual = compensate.inputPath?.root === 'context' ? scope.context() : null;
      const effective = applyInputPath(
        compensate.inputPath,
        entry.document,
        contextual,
        entry.stateName,
        'Compensate.InputPath',
      );
      const effectiveScope = { ...scope, input: effective };
      input = compensate.parameters ? evaluateTemplate(compensate.parameters, effectiveScope) : effective;
    } catch (error) {
      if (!(error instanceof StatesError)) throw error;
      this.compensationFailed(entry, error.code, error.message);
      return;
    }
    this.exec.saga = {
      ...this.exec.saga,
      active: {
        entryId: entry.entryId,
        attempt,
        retryCounts,
        token,
        lastHeartbeatAt: this.env.now,
        startedAt: this.env.now,
        ...(def.TimeoutSeconds !== undefined ? { timeoutAt: this.env.now + def.TimeoutSeconds * 1000 } : {}),
        ...(def.HeartbeatSeconds !== undefined
          ? {
              heartbeatMs: def.HeartbeatSeconds * 1000,
              heartbeatTimerAt: this.env.now + def.HeartbeatSeconds * 1000,
            }
          : {}),
      },
    };
    this.record('CompensationTaskScheduled', {
      stateName: entry.stateName,
      input,
      resource: def.Resource,
      attempt,
    });
    this.commands.push({
      type: 'DispatchTask',
      token,
      resource: def.Resource,
      input,
      stateName: entry.stateName,
      attempt,
      idempotencyKey: `${this.exec.executionId}:c:${entry.entryId}`,
      compensation: true,
      ...(def.TimeoutSeconds !== undefined ? { timeoutSeconds: def.TimeoutSeconds } : {}),
      ...(def.HeartbeatSeconds !== undefined ? { heartbeatSeconds: def.HeartbeatSeconds } : {}),
    });
    if (def.TimeoutSeconds !== undefined)
      this.schedule(`${token}:timeout`, this.env.now + def.TimeoutSeconds * 1000);
    if (def.HeartbeatSeconds !== undefined) {
      const at = this.env.now + def.HeartbeatSeconds * 1000;
      this.schedule(`${token}:heartbeat:${at}`, at);
    }
  }

  private activeCompensation(token: string): CompensationEntry | undefined {
    const active = this.exec.saga.active;
    if (!active || active.token !== token) return undefined;
    return this.exec.saga.stack.find((entry) => entry.entryId === active.entryId);
  }

  private onCompensationSucceeded(token: string): void {
    const entry = this.activeCompensation(token);
    if (!entry) return;
    this.cancelCompensationTimers();
    this.record('CompensationTaskSucceeded', { stateName: entry.stateName });
    this.exec.saga = { ...withoutActive(this.exec.saga), compensated: this.exec.saga.compensated + 1 };
    this.nextCompensation();
  }

  private onCompensationFailed(token: string, error: string, cause: string): void {
    const entry = this.activeCompensation(token);
    if (!entry) return;
    this.cancelCompensationTimers();
    this.record('CompensationTaskFailed', { stateName: entry.stateName, error, cause });
    this.retryOrFailCompensation(entry, error, cause);
  }

  private retryOrFailCompensation(entry: CompensationEntry, error: string, cause: string): void {
    const active = this.exec.saga.active;
    if (!active) return;
    const policies: readonly RetryPolicy[] = this.state(entry.scope, entry.stateName).compensate?.retry ?? [];
    const retry = decideRetry(policies, active.retryCounts, error, () => this.random());
    if (retry.type === 'exhausted') {
      this.compensationFailed(entry, error, cause);
      return;
    }
    const retryCounts = active.retryCounts.slice();
    retryCounts[retry.retrierIndex] = (retryCounts[retry.retrierIndex] ?? 0) + 1;
    for (let i = 0; i < retryCounts.length; i++) retryCounts[i] ??= 0;
    const timerId = `c:${entry.entryId}:retry:${active.attempt + 1}`;
    const { token: _token, ...rest } = active;
    this.exec.saga = { ...this.exec.saga, active: { ...rest, retryCounts, timerId } };
    this.record('StateRetryScheduled', {
      stateName: entry.stateName,
      error,
      cause,
      attempt: active.attempt + 1,
      delayMs: retry.delayMs,
    });
    this.schedule(timerId, this.env.now + retry.delayMs);
  }

  private compensationFailed(entry: CompensationEntry, error: string, cause: string): void {
    this.exec.saga = { ...this.exec.saga, failed: { stateName: entry.stateName, error, cause } };
    this.exec.status = 'COMPENSATION_FAILED';
    this.exec.stopTime = this.env.now;
    this.cancelExecutionTimeout();
    this.record('CompensationFailed', { stateName: entry.stateName, error, cause });
    this.publish('Execution Compensation Failed');
  }

  private onCompensationTimer(timerId: string): void {
    if (this.exec.status !== 'COMPENSATING') return;
    const active = this.exec.saga.active;
    if (!active) return;
    const entry = this.exec.saga.stack.find((candidate) => candidate.entryId === active.entryId);
    if (!entry) return;
    if (active.timerId === timerId) {
      this.dispatchCompensation(entry, active.attempt + 1, active.retryCounts);
      return;
    }
    if (!active.token) return;
    const expired = this.expiredDeadline(timerId, active.token, active);
    if (!expired) return;
    if (expired.type === 'rescheduled') {
      this.exec.saga = { ...this.exec.saga, active: { ...active, heartbeatTimerAt: expired.at } };
      return;
    }
    this.record('CompensationTaskTimedOut', { stateName: entry.stateName, error: expired.error });
    this.cancelCompensationTimers();
    this.retryOrFailCompensation(entry, expired.error, expired.cause.replace('task', 'compensation'));
  }

  /**
   * Interprets a task's deadline timer (tasks and compensations alike): the TimeoutSeconds timer
   * expires the attempt; a heartbeat timer expires it only when no heartbeat came since it was set,
   * and otherwise is set again for the new deadline. Undefined when the timer changes nothing.
   */
  private expiredDeadline(
    timerId: string,
    token: string,
    timing: {
      readonly heartbeatMs?: number;
      readonly lastHeartbeatAt: number;
      readonly heartbeatTimerAt?: number;
    },
  ): { type: 'expired'; error: string; cause: string } | { type: 'rescheduled'; at: number } | undefined {
    if (timerId === `${token}:timeout`) {
      return {
        type: 'expired',
        error: StatesErrors.Timeout,
        cause: 'The task did not finish within TimeoutSeconds',
      };
    }
    // Only the heartbeat timer scheduled last counts: a redelivered older one changes nothing.
    if (timing.heartbeatMs === undefined || timerId !== `${token}:heartbeat:${timing.heartbeatTimerAt}`)
      return undefined;
    const deadline = timing.lastHeartbeatAt + timing.heartbeatMs;
    if (this.env.now < deadline) {
      this.schedule(`${token}:heartbeat:${deadline}`, deadline);
      return { type: 'rescheduled', at: deadline };
    }
    return {
      type: 'expired',
      error: StatesErrors.HeartbeatTimeout,
      cause: 'The task sent no heartbeat within HeartbeatSeconds',
    };
  }

  private cancelCompensationTimers(): void {
    const active = this.exec.saga.active;
    if (!active?.token) return;
    if (active.timeoutAt !== undefined)
      this.commands.push({ type: 'CancelTimer', timerId: `${active.token}:timeout` });
    if (active.heartbeatMs !== undefined) {
      this.commands.push({
        type: 'CancelTimer',
        timerId: `${active.token}:heartbeat:${active.heartbeatTimerAt}`,
      });
    }
  }

  private redrive(): void {
    const status: ExecutionStatus = this.exec.status;
    if (status === 'COMPENSATION_FAILED') {
      this.exec.status = 'COMPENSATING';
      this.exec.redriveCount += 1;
      delete this.exec.stopTime;
      const { failed: _failed, ...saga } = this.exec.saga;
      this.exec.saga = withoutActive(saga);
      this.record('ExecutionRedriven', {});
      this.nextCompensation();
      return;
    }
    if (status !== 'FAILED' && status !== 'TIMED_OUT' && status !== 'ABORTED') return;
    const failure = this.exec.failure;
    if (!failure) return;
    this.exec.status = 'RUNNING';
    this.exec.redriveCount += 1;
    delete this.exec.stopTime;
    delete this.exec.error;
    delete this.exec.cause;
    delete this.exec.failure;
    this.record('ExecutionRedriven', {});
    this.agenda.push({
      threadId: ROOT,
      outcome: this.enterState(ROOT, ROOT_SCOPE, undefined, failure.stateName, failure.input),
    });
  }

  // ---------------------------------------------------------------- data flow

  private inputPath(thread: Thread, state: CompiledState, input: Json): Json {
    const path = state.inputPath;
    const context = path?.root === 'context' ? this.contextObject(thread, undefined) : null;
    return applyInputPath(path, input, context, state.name, 'InputPath');
  }

  private outputPath(thread: Thread, state: CompiledState, output: Json): Json {
    const path = state.outputPath;
    const context = path?.root === 'context' ? this.contextObject(thread, undefined) : null;
    return applyInputPath(path, output, context, state.name, 'OutputPath');
  }

  private resultPath(state: CompiledState, input: Json, result: Json): Json {
    const path = state.resultPath;
    if (path === null) return input;
    if (path === undefined) return result;
    return writePath(input, path, result);
  }

  private readRequired(thread: Thread, source: string, input: Json, field: string): Json {
    const path = compileReferencePath(source);
    const result = readPath(
      path,
      input,
      path.root === 'context' ? this.contextObject(thread, undefined) : null,
    );
    if (!result.found) {
      throw new StatesRuntimeError(
        `The ${field} '${source}' could not be found in the input ${truncate(JSON.stringify(input))}`,
      );
    }
    return result.value;
  }

  private seconds(
    thread: Thread,
    value: number | undefined,
    path: string | undefined,
    input: Json,
    field: string,
  ): number | undefined {
    if (value !== undefined) return value;
    if (path === undefined) return undefined;
    const read = this.readRequired(thread, path, input, field);
    if (typeof read !== 'number' || !Number.isInteger(read) || read <= 0) {
      throw new StatesRuntimeError(
        `The ${field} '${path}' must select a positive integer, got ${truncate(JSON.stringify(read))}`,
      );
    }
    return read;
  }

  private failField(thread: Thread, source: string, field: string): string {
    const scope = this.templateScope(thread, thread.active.input);
    const value = isIntrinsicCall(source)
      ? evaluateIntrinsic(parseIntrinsic(source), intrinsicEnvironment(scope))
      : (() => {
          const path = compilePath(source);
          const result = readPath(path, scope.input, pathContext(source, scope));
          if (!result.found) {
            throw new StatesRuntimeError(
              `The ${field} '${source}' could not be found in the input ${truncate(JSON.stringify(scope.input))}`,
            );
          }
          return result.value;
        })();
    if (typeof value !== 'string') {
      throw new StatesRuntimeError(
        `The ${field} '${source}' must select a string, got ${truncate(JSON.stringify(value))}`,
      );
    }
    return value;
  }

  private sizeError(value: Json, what: string): StatesError | undefined {
    // Most payloads are far below the limit: a bounded walk proves it without serialising them.
    if (jsonSizeUpperBound(value, this.maxPayloadBytes) <= this.maxPayloadBytes) return undefined;
    const text = JSON.stringify(value) ?? 'null';
    if (text.length * 3 <= this.maxPayloadBytes) return undefined;
    const bytes = text.length > this.maxPayloadBytes ? text.length : new TextEncoder().encode(text).length;
    if (bytes <= this.maxPayloadBytes) return undefined;
    return new DataLimitExceededError(
      `${what} has ${bytes} bytes, more than the limit of ${this.maxPayloadBytes}`,
    );
  }

  private templateScope(thread: Thread, input: Json, token?: string): TemplateScope {
    let context: Json | undefined;
    return {
      input,
      random: () => this.random(),
      context: () => (context ??= this.contextObject(thread, token)),
    };
  }

  private compensationScope(entry: CompensationEntry, input: Json, token: string): TemplateScope {
    let context: Json | undefined;
    return {
      input,
      random: () => this.random(),
      context: () =>
        (context ??= {
          ...this.executionContext(),
          State: { EnteredTime: this.timestamp, Name: entry.stateName, RetryCount: 0 },
          Task: { Token: token },
        }),
    };
  }

  private executionContext(): JsonObject {
    const exec = this.exec;
    return {
      Execution: {
        Id: exec.executionId,
        Input: exec.input,
        Name: exec.name,
        StartTime: isoTime(exec.startTime),
        RedriveCount: exec.redriveCount,
      },
      StateMachine: { Id: this.env.workflow.arn, Name: this.env.workflow.name },
    };
  }

  private contextObject(thread: Thread, token: string | undefined): Json {
    const { active } = thread;
    const context: JsonObject = {
      ...this.executionContext(),
      State: {
        EnteredTime: isoTime(active.enteredAt),
        Name: active.name,
        RetryCount: active.attempt - 1,
      },
    };
    if (token !== undefined) context.Task = { Token: token };
    return context;
  }

  // ---------------------------------------------------------------- bookkeeping

  private scope(key: string) {
    const scope = this.env.workflow.scopes.get(key);
    if (!scope) throw new Error(`unreachable: unknown scope '${key}'`);
    return scope;
  }

  private state(scopeKey: string, name: string): CompiledState {
    const state = this.scope(scopeKey).states.get(name);
    if (!state) throw new Error(`unreachable: unknown state '${name}' in scope '${scopeKey}'`);
    return state;
  }

  private setActive(thread: Thread, active: ActiveState): void {
    this.threads[thread.id] = { ...thread, active };
  }

  private own(array: object): void {
    (this.owned ??= new WeakSet()).add(array);
  }

  private ownedCopy<T>(array: readonly T[]): T[] {
    if (this.owned?.has(array)) return array as T[];
    const copy = array.slice();
    this.own(copy);
    return copy;
  }

  private nextId(): string {
    this.exec.sequence += 1;
    return String(this.exec.sequence);
  }

  private random(): number {
    this.exec.sequence += 1;
    return deterministicRandom(this.exec.seed, this.exec.sequence);
  }

  private schedule(timerId: string, fireAt: number): void {
    this.commands.push({ type: 'ScheduleTimer', timerId, fireAt });
  }

  private record(type: HistoryEventType, fields: Omit<HistoryEvent, 'id' | 'type' | 'timestamp'>): void {
    this.exec.lastEventId += 1;
    // `fields` is always a fresh object literal at the call site: completing it in place spares
    // a copy on the hottest path of the engine.
    const event = fields as Mutable<HistoryEvent>;
    event.id = this.exec.lastEventId;
    event.type = type;
    event.timestamp = this.timestamp;
    this.history.push(event);
  }

  private publish(detailType: LifecycleDetailType): void {
    if (this.env.lifecycleEvents === false) return;
    const exec = this.exec;
    const detail: JsonObject = {
      executionId: exec.executionId,
      name: exec.name,
      stateMachineName: exec.stateMachineName,
      status: exec.status,
      startTime: isoTime(exec.startTime),
      redriveCount: exec.redriveCount,
    };
    if (exec.stopTime !== undefined) detail.stopTime = isoTime(exec.stopTime);
    if (exec.error !== undefined) detail.error = exec.error;
    if (exec.cause !== undefined) detail.cause = exec.cause;
    this.commands.push({
      type: 'PublishEvent',
      eventId: `${exec.executionId}:${detailType}:${exec.redriveCount}`,
      detailType,
      detail,
    });
  }
}

let lastIsoMs = Number.NaN;
let lastIso = '';

/** ISO 8601 text of epoch milliseconds, memoised: many decisions share the same millisecond. */
function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/**
 * An upper bound of the UTF-8 size of `value` as JSON, walking at most until it exceeds `limit`
 * (then returns a number above it). A string counts 6 bytes per UTF-16 unit (the worst case, a
 * `\u0000` escape), so a result at or under `limit` is a proof the value fits.
 */
function jsonSizeUpperBound(value: Json, limit: number): number {
  let total = 0;
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const node = stack.pop() as Json;
    if (node === null || typeof node === 'boolean') total += 5;
    else if (typeof node === 'number') total += 24;
    else if (typeof node === 'string') total += 6 * node.length + 2;
    else if (Array.isArray(node)) {
      total += 2 + node.length;
      for (const item of node) stack.push(item);
    } else {
      for (const key in node) {
        total += 6 * key.length + 4;
        stack.push(node[key] as Json);
      }
      total += 2;
    }
    if (total > limit) return total;
  }
  return total;
}

/** A state running synchronously inside one decision waits for nothing. */
const NOT_WAITING: Waiting = { type: 'None' };

function withoutActive(saga: SagaState): SagaState {
  const { active: _active, ...rest } = saga;
  return rest;
}

function pathContext(path: string, scope: TemplateScope): Json {
  return path.startsWith('$$') ? scope.context() : null;
}

/** Applies an InputPath or OutputPath: `null` gives `{}`, a missing path is `States.Runtime`. */
function applyInputPath(
  path: CompiledPath | null | undefined,
  input: Json,
  context: Json,
  stateName: string,
  field: string,
): Json {
  if (path === undefined) return input;
  if (path === null) return {};
  const result = readPath(path, input, context);
  if (!result.found) {
    const doc = path.root === 'context' ? context : input;
    throw new StatesRuntimeError(
      `Invalid path '${path.source}' (${field} of state '${stateName}'): no results in ${truncate(JSON.stringify(doc))}`,
    );
  }
  return result.value;
}
