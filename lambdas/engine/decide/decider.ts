/**
 * The decision in progress: a working copy of the execution, the commands and history it adds,
 * and the thread driver every state module reports to.
 *
 * Threads: the machine runs as the thread `root`; each Parallel branch and each Map iteration
 * runs as a child thread whose result lands in a slot of its parent state. Work inside one
 * decision goes through an agenda (a FIFO of threads to drive), never through recursion, so a
 * Map of 10,000 synchronous iterations cannot overflow the stack.
 *
 * What each state type does lives in its own module; this one only routes events to them and
 * walks threads from state to state.
 */
import { ROOT_SCOPE, type CompiledScope, type CompiledState } from '../compile.js';
import { QueryEvaluationError, StatesError, StatesErrors } from '../errors.js';
import type {
  ActiveState,
  Command,
  Decision,
  Execution,
  ExecutionEvent,
  HistoryEvent,
  HistoryEventFields,
  HistoryEventType,
  LifecycleDetailType,
  Thread,
  BranchesPoint,
} from '../execution.js';
import { errorDetails } from '../execution.js';
import type { Json, JsonObject } from '../json.js';
import { stepFunctionsFunctions } from '../jsonata/functions.js';
import { deterministicRandom } from '../random.js';
import { executeChoice } from './choice-state.js';
import { isoTime, sizeError } from './data-flow.js';
import type { DecideEnv } from './env.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_TRANSITIONS_PER_DECISION } from './env.js';
import { armExecutionTimeout, cancelTimer, isCurrentExecutionTimeout, scheduleTimer } from './deadlines.js';
import {
  endExecution,
  failExecution,
  onExecutionTimeout,
  redrive,
  stopExecution,
  succeedExecution,
} from './execution-lifecycle.js';
import { executeFail } from './fail-state.js';
import {
  abortMap,
  abortMapIteration,
  onIterationFailed,
  onIterationSucceeded,
  executeMap,
} from './map-state.js';
import { NOT_WAITING, ROOT_THREAD, type Mutable, type Outcome } from './outcome.js';
import { abortParallel, onBranchFailed, onBranchSucceeded, executeParallel } from './parallel-state.js';
import { executePass } from './pass-state.js';
import { onRetryTimer, recover } from './retry-catch.js';
import {
  onCompensationFailed,
  onCompensationHeartbeat,
  onCompensationSucceeded,
  onCompensationTimer,
} from './saga.js';
import { executeSucceed } from './succeed-state.js';
import {
  abortTask,
  executeTask,
  onTaskDeadline,
  onTaskFailed,
  onTaskHeartbeat,
  onTaskSubmitted,
  onTaskSucceeded,
} from './task-state.js';
import { branchesPoint, livePoint } from './redrive-point.js';
import { decodeTimerId, timerTarget } from './timer-id.js';
import { dropVariables } from './variables.js';
import { abortWait, executeWait, onWaitTimer } from './wait-state.js';

/** A thread to drive, from the outcome of its last step. */
interface AgendaItem {
  readonly threadId: string;
  readonly outcome: Outcome;
}

/** One decision: build it, apply `start` or `handle`, read `result`. */
export class Decider {
  readonly exec: Mutable<Execution>;
  readonly threads: Record<string, Thread>;
  readonly commands: Command[] = [];
  /** The ISO time of the decision, shared by every history event it records. */
  readonly timestamp: string;
  readonly maxPayloadBytes: number;
  private readonly history: HistoryEvent[] = [];
  private readonly agenda: AgendaItem[] = [];
  private readonly maxTransitions: number;
  /** Arrays created during this decision, which may be updated in place. */
  private owned: WeakSet<object> | undefined;
  private transitions = 0;
  /** Set when the state changed without history or commands (a heartbeat). */
  private touched = false;
  /** Parallel and Map states a redrive resumes, by thread: taken when the state runs. */
  private readonly resumes = new Map<string, BranchesPoint>();
  /** The functions JSONata expressions get, made on first use (they draw from this decision's randomness). */
  private functions: Readonly<Record<string, unknown>> | undefined;

  constructor(
    execution: Execution,
    readonly env: DecideEnv,
  ) {
    this.exec = workingCopy(execution);
    this.threads = { ...execution.threads };
    this.timestamp = isoTime(env.now);
    this.maxPayloadBytes = env.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.maxTransitions = env.maxTransitionsPerDecision ?? DEFAULT_MAX_TRANSITIONS_PER_DECISION;
  }

  /** The decision: the new state, the commands to perform after committing it, the new history. */
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

  /** Starts a new execution, at `startAt` (a rerun from a state) or at StartAt. */
  start(startAt: string | undefined): void {
    const size = sizeError(this, this.exec.input, 'The execution input');
    if (size) {
      // Step Functions refuses such a start at its API; a start that comes as a message fails
      // instead, and keeps no input: it would make the execution's item too large to store (up
      // to the 1 MiB of an SQS message), and a state never runs on it (a redrive has nothing to
      // resume).
      this.exec.input = null;
      this.record('ExecutionStarted', { input: null, inputDetails: { truncated: true } });
    } else {
      this.record('ExecutionStarted', { input: this.exec.input });
    }
    this.publish('Execution Started');
    armExecutionTimeout(this, this.exec.startTime);
    if (size) {
      endExecution(this, 'FAILED', size.code, size.message);
      return;
    }
    const root = this.scope(ROOT_SCOPE);
    const first = startAt ?? root.startAt;
    if (!root.states.has(first)) {
      endExecution(
        this,
        'FAILED',
        StatesErrors.Runtime,
        `Cannot start at '${first}': no such top-level state`,
      );
      return;
    }
    this.enqueue(ROOT_THREAD, this.enterState(ROOT_THREAD, ROOT_SCOPE, undefined, first, this.exec.input));
    this.runAgenda();
  }

  /** Applies any event but the start. */
  handle(event: Exclude<ExecutionEvent, { type: 'StartExecution' }>): void {
    this.apply(event);
    this.runAgenda();
  }

  private apply(event: Exclude<ExecutionEvent, { type: 'StartExecution' }>): void {
    const status = this.exec.status;
    switch (event.type) {
      case 'TaskSucceeded':
        if (status === 'COMPENSATING') onCompensationSucceeded(this, event.token);
        else if (status === 'RUNNING') onTaskSucceeded(this, event.token, event.output);
        return;
      case 'TaskFailed':
        if (status === 'COMPENSATING')
          onCompensationFailed(this, event.token, event.error, event.cause ?? '');
        else if (status === 'RUNNING') onTaskFailed(this, event.token, event.error, event.cause ?? '');
        return;
      case 'TaskSubmitted':
        if (status === 'RUNNING') onTaskSubmitted(this, event.token, event.output);
        return;
      case 'TaskHeartbeat':
        if (status === 'COMPENSATING') onCompensationHeartbeat(this, event.token, event.sentAt);
        else if (status === 'RUNNING') onTaskHeartbeat(this, event.token, event.sentAt);
        return;
      case 'TimerFired':
        this.onTimer(event.timerId);
        return;
      case 'StopExecution':
        if (event.run === undefined || event.run === this.exec.redriveCount) stopExecution(this, event);
        return;
      case 'RedriveExecution':
        if (event.run === undefined || event.run === this.exec.redriveCount) redrive(this);
        return;
    }
    unreachable(event);
  }

  /** Routes a fired timer to what it was set for; an unknown or stale timer changes nothing. */
  private onTimer(timerId: string): void {
    const timer = decodeTimerId(timerId);
    if (!timer) return;
    const target = timerTarget(timer);
    if (target.type === 'execution') {
      if (timer.type === 'executionTimeout' && isCurrentExecutionTimeout(this, timer))
        onExecutionTimeout(this);
      return;
    }
    if (target.type === 'compensation') {
      onCompensationTimer(this, timer, timerId);
      return;
    }
    if (this.exec.status !== 'RUNNING') return;
    const thread = this.threads[target.threadId];
    if (!thread) return;
    const waiting = thread.active.waiting;
    switch (waiting.type) {
      case 'Retry':
        onRetryTimer(this, thread, waiting, timerId);
        return;
      case 'Wait':
        onWaitTimer(this, thread, waiting, timerId);
        return;
      case 'Yield':
        if (waiting.timerId !== timerId) return;
        this.transitions = 0;
        this.enqueue(
          thread.id,
          this.enterState(thread.id, thread.scope, thread.parent, thread.active.name, thread.active.input),
        );
        return;
      case 'Task':
        onTaskDeadline(this, thread, waiting, timer);
        return;
      case 'Parallel':
      case 'Map':
      case 'None':
        return;
    }
    unreachable(waiting);
  }

  // ---------------------------------------------------------------- driving threads

  /** Drives `threadId` from `outcome` once the current step is done. */
  enqueue(threadId: string, outcome: Outcome): void {
    this.agenda.push({ threadId, outcome });
  }

  private runAgenda(): void {
    for (let i = 0; i < this.agenda.length; i++) {
      const item = this.agenda[i] as AgendaItem;
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
            this.yieldThread(thread, outcome.next, outcome.output);
            return;
          }
          outcome = this.enterState(threadId, thread.scope, thread.parent, outcome.next, outcome.output);
          continue;
        }
        case 'end':
          this.endThread(threadId, outcome.output);
          return;
        case 'failed': {
          const thread = this.threads[threadId];
          if (outcome.location !== undefined && thread) {
            this.record('EvaluationFailed', {
              stateName: thread.active.name,
              threadId,
              error: outcome.error,
              cause: outcome.cause,
              location: outcome.location,
            });
          }
          outcome = recover(this, threadId, outcome.error, outcome.cause);
          continue;
        }
      }
      return unreachable(outcome);
    }
  }

  /** Parks a thread that made too many synchronous transitions: a timer due now resumes it. */
  private yieldThread(thread: Thread, next: string, input: Json): void {
    const timerId = scheduleTimer(
      this,
      { type: 'yield', threadId: thread.id, sequence: this.nextId() },
      this.env.now,
    );
    this.setActive(thread, { ...thread.active, name: next, input, waiting: { type: 'Yield', timerId } });
  }

  /** Enters a state on a thread (creating the thread if new) and runs it. */
  enterState(threadId: string, scope: string, parent: Thread['parent'], name: string, input: Json): Outcome {
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
  execute(thread: Thread): Outcome {
    return this.attempt(() => this.executeState(thread, this.state(thread.scope, thread.active.name)));
  }

  /** Runs `step`, turning a StatesError into a `failed` outcome. */
  attempt(step: () => Outcome): Outcome {
    try {
      return step();
    } catch (error) {
      if (error instanceof QueryEvaluationError && error.location !== undefined) {
        return { type: 'failed', error: error.code, cause: error.message, location: error.location };
      }
      if (error instanceof StatesError) return { type: 'failed', error: error.code, cause: error.message };
      throw error;
    }
  }

  private executeState(thread: Thread, state: CompiledState): Outcome {
    const def = state.definition;
    switch (def.Type) {
      case 'Pass':
        return executePass(this, thread, state, def);
      case 'Task':
        return executeTask(this, thread, state, def);
      case 'Choice':
        return executeChoice(this, thread, state, def);
      case 'Wait':
        return executeWait(this, thread, state, def);
      case 'Succeed':
        return executeSucceed(this, thread, state);
      case 'Fail':
        return executeFail(this, thread, state, def);
      case 'Parallel':
        return executeParallel(this, thread, state);
      case 'Map':
        return executeMap(this, thread, state, def);
    }
    return unreachable(def);
  }

  /** Records the exit of a state and says where the thread goes next. */
  complete(
    thread: Thread,
    state: CompiledState,
    output: Json,
    assignedVariables?: Readonly<Record<string, string>>,
  ): Outcome {
    const def = state.definition;
    if (def.Type !== 'Fail') {
      if (assignedVariables) {
        this.record(`${def.Type}StateExited`, {
          stateName: state.name,
          threadId: thread.id,
          output,
          assignedVariables,
        });
      } else {
        this.record(`${def.Type}StateExited`, {
          stateName: state.name,
          threadId: thread.id,
          output,
        });
      }
    }
    if (def.Type === 'Succeed' || ('End' in def && def.End === true)) return { type: 'end', output };
    return { type: 'next', next: (def as { Next: string }).Next, output };
  }

  /** A thread reached an End state (or Succeed): the execution succeeds, or its parent takes the result. */
  private endThread(threadId: string, output: Json): void {
    const thread = this.threads[threadId];
    if (!thread) return;
    delete this.threads[threadId];
    if (!thread.parent) {
      succeedExecution(this, output);
      return;
    }
    dropVariables(this, threadId);
    const parent = this.threads[thread.parent.threadId];
    if (!parent) return;
    const waiting = parent.active.waiting;
    if (waiting.type === 'Parallel') onBranchSucceeded(this, parent, waiting, thread.parent.index, output);
    else if (waiting.type === 'Map') onIterationSucceeded(this, parent, waiting, thread, output);
  }

  /**
   * A thread failed with an error nobody in it handled: its parent state fails, or the execution.
   * `error` and `cause` are absent after a Fail state that gives none.
   */
  failThread(thread: Thread, error: string | undefined, cause: string | undefined): void {
    // Where it stood, for a redrive: taken before its own branches are aborted.
    const point = livePoint(this, thread);
    this.abortChildren(thread.id);
    delete this.threads[thread.id];
    dropVariables(this, thread.id);
    if (!thread.parent) {
      this.exec.failure = point;
      failExecution(this, 'FAILED', error, cause, true);
      return;
    }
    const parent = this.threads[thread.parent.threadId];
    if (!parent) return;
    // Kept for a redrive, which runs again only the branches that did not succeed.
    const unfinished = branchesPoint(this, parent, { index: thread.parent.index, point });
    if (parent.active.waiting.type === 'Map') onIterationFailed(this, parent, thread, error, cause);
    else onBranchFailed(this, parent, error, cause);
    this.abortChildren(parent.id);
    this.setActive(parent, {
      ...parent.active,
      waiting: NOT_WAITING,
      ...(unfinished ? { unfinished } : {}),
    });
    this.enqueue(parent.id, { type: 'failed', ...errorDetails(error, cause) });
  }

  /**
   * The output a thread reached its end with in this decision, still to be handed to its Parallel
   * or Map (states that finish at once, like Succeed or Pass, end the thread later in the decision).
   */
  endingOutput(threadId: string): { readonly output: Json } | undefined {
    for (const item of this.agenda) {
      if (item.threadId === threadId && item.outcome.type === 'end') return { output: item.outcome.output };
    }
    return undefined;
  }

  /** Makes the Parallel or Map state that `threadId` enters next resume `branches` (a redrive). */
  resumeNext(threadId: string, branches: BranchesPoint | undefined): void {
    if (branches) this.resumes.set(threadId, branches);
  }

  /** What the Parallel or Map state `thread` runs now resumes, if a redrive asked for it. */
  takeResume(thread: Thread, type: BranchesPoint['type']): BranchesPoint | undefined {
    const branches = this.resumes.get(thread.id);
    this.resumes.delete(thread.id);
    return branches?.type === type ? branches : undefined;
  }

  /** Stops every descendant thread of `threadId`: their results will be ignored. */
  abortChildren(threadId: string): void {
    for (const child of Object.values(this.threads)) {
      if (child.parent?.threadId !== threadId) continue;
      this.abortThread(child);
    }
  }

  /** Stops a thread and its descendants, cancelling what its state waits for. */
  abortThread(thread: Thread): void {
    this.abortChildren(thread.id);
    delete this.threads[thread.id];
    dropVariables(this, thread.id);
    this.abortState(thread);
    if (thread.parent && this.threads[thread.parent.threadId]?.active.waiting.type === 'Map') {
      abortMapIteration(this, thread, thread.parent.index);
    }
  }

  /** Cancels what an aborted thread's state waits for, and records its abort. */
  private abortState(thread: Thread): void {
    const waiting = thread.active.waiting;
    switch (waiting.type) {
      case 'Task':
        return abortTask(this, thread, waiting);
      case 'Wait':
        return abortWait(this, thread, waiting);
      case 'Retry':
      case 'Yield':
        return cancelTimer(this, waiting.timerId);
      case 'None':
        return;
      case 'Parallel':
        return abortParallel(this, thread);
      case 'Map':
        return abortMap(this, thread);
    }
    unreachable(waiting);
  }

  // ---------------------------------------------------------------- bookkeeping

  /** The compiled States container `key`. */
  scope(key: string): CompiledScope {
    const scope = this.env.workflow.scopes.get(key);
    if (!scope) throw new Error(`unreachable: unknown scope '${key}'`);
    return scope;
  }

  /** The compiled state `name` of the States container `scopeKey`. */
  state(scopeKey: string, name: string): CompiledState {
    const state = this.scope(scopeKey).states.get(name);
    if (!state) throw new Error(`unreachable: unknown state '${name}' in scope '${scopeKey}'`);
    return state;
  }

  /** Replaces the active state of a thread. */
  setActive(thread: Thread, active: ActiveState): void {
    this.threads[thread.id] = { ...thread, active };
  }

  /** Marks a change of state that records no history and emits no command (a heartbeat). */
  touch(): void {
    this.touched = true;
  }

  /** Marks an array as created in this decision, so that it may be updated in place. */
  own(array: object): void {
    (this.owned ??= new WeakSet()).add(array);
  }

  /** `array` itself when created in this decision, else a copy that is. */
  ownedCopy<T>(array: readonly T[]): T[] {
    if (this.owned?.has(array)) return array as T[];
    const copy = array.slice();
    this.own(copy);
    return copy;
  }

  /** The next id of the execution's counter (state entries, threads). */
  nextId(): string {
    this.exec.sequence += 1;
    return String(this.exec.sequence);
  }

  /** The functions Step Functions adds to JSONata, drawing from this decision's randomness. */
  jsonataFunctions(): Readonly<Record<string, unknown>> {
    return (this.functions ??= stepFunctionsFunctions({ random: () => this.random() }));
  }

  /** A deterministic draw in [0, 1) from the execution's seed and counter. */
  random(): number {
    this.exec.sequence += 1;
    return deterministicRandom(this.exec.seed, this.exec.sequence);
  }

  /** Appends a history event. */
  record<T extends HistoryEventType>(type: T, fields: HistoryEventFields<T>): void {
    this.exec.lastEventId += 1;
    // `fields` is always a fresh object literal at the call site: completing it in place spares
    // a copy on the hottest path of the engine (and keeps the stored key order: fields first).
    const event = fields as unknown as { id: number; type: HistoryEventType; timestamp: string };
    event.id = this.exec.lastEventId;
    event.type = type;
    event.timestamp = this.timestamp;
    this.history.push(event as unknown as HistoryEvent);
  }

  /** Emits a lifecycle event for the execution's current status (unless the runtime has no bus). */
  publish(detailType: LifecycleDetailType): void {
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

/**
 * A working copy of an execution with every optional field present, so that filling one in during
 * a decision keeps the object's shape (a measurable share of the engine's time otherwise). The
 * fields stay `undefined` when unset: JSON leaves them out.
 */
/**
 * A shallow copy to change. Every field is written out (the type makes a missing one an error), so
 * every copy has one shape: a spread of executions of varying shapes is several times slower.
 */
function workingCopy(execution: Execution): Mutable<Execution> {
  const copy: { -readonly [K in keyof Required<Execution>]: Execution[K] } = {
    executionId: execution.executionId,
    name: execution.name,
    stateMachineName: execution.stateMachineName,
    status: execution.status,
    input: execution.input,
    output: execution.output,
    error: execution.error,
    cause: execution.cause,
    startTime: execution.startTime,
    stopTime: execution.stopTime,
    seed: execution.seed,
    sequence: execution.sequence,
    lastEventId: execution.lastEventId,
    threads: execution.threads,
    saga: execution.saga,
    redriveCount: execution.redriveCount,
    failure: execution.failure,
    variables: execution.variables,
    parent: execution.parent,
  };
  return copy;
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
