/**
 * A typed builder for Baton workflows: Amazon States Language with Baton's saga extension
 * (`Compensate` on Task states), written as TypeScript instead of JSON.
 *
 * ```ts
 * const saga = new SagaBuilder({ comment: 'PlaceOrder' });
 * const reserve = saga.task('ReserveInventory', {
 *   worker: 'inventory-reserve',
 *   parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items' },
 *   resultPath: '$.reservation',
 *   retry: [{ errors: ['Inventory.Unavailable'], intervalSeconds: 2, maxAttempts: 3, jitter: 'FULL' }],
 *   compensate: { worker: 'inventory-release', parameters: { 'reservationId.$': '$.Result.reservationId' } },
 * });
 * const definition = saga.build(reserve.next(saga.succeed('Done')));
 * ```
 *
 * Flow is structured: a chain runs its steps in order; the branches of a Choice, and the handler
 * chain of a Catch, continue with the step that follows the Choice (or the Task) unless they end
 * in a Succeed or Fail step; a step reached from two places (a join) is rendered once. Parallel
 * branches are their own scopes and end where they end. `build` renders the definition and checks
 * it with the engine's validator, so a definition that builds is one that Baton runs.
 *
 * Payload fields (`parameters`, `resultSelector`, `match`, `detail`) are ASL payload templates as
 * they are in JSON: a key ending in `.$` takes its value from a path or an intrinsic function.
 *
 * JSONata: `new SagaBuilder({ queryLanguage: 'JSONata' })` writes a JSONata machine, and
 * `queryLanguage: 'JSONata'` on a step makes that one step JSONata in a JSONPath saga (not the
 * reverse, as in Step Functions). A JSONata step takes `arguments` and `output` instead of the
 * JSONPath fields, its rules `Condition.jsonata('{% ... %}')`; values may be `{% %}` expressions.
 * `assign` (workflow variables) works in both: `.$` keys in JSONPath, `{% %}` values in JSONata.
 *
 * ```ts
 * const saga = new SagaBuilder({ queryLanguage: 'JSONata' });
 * const charge = saga.task('Charge', {
 *   worker: 'payment-charge',
 *   arguments: { amount: '{% $states.input.total %}' },
 *   assign: { paymentId: '{% $states.result.paymentId %}' },
 *   output: '{% $merge([$states.input, { "payment": $states.result }]) %}',
 * });
 * ```
 */
import type {
  Catcher,
  ChoiceRule,
  Compensation,
  Json,
  JsonObject,
  QueryLanguage,
  Retrier,
  StateDefinition,
  StateMachineDefinition,
} from '../lambdas/engine/index.js';
import { formatIssues, validateDefinition } from '../lambdas/engine/index.js';
import {
  PUT_EVENTS_RESOURCE,
  WAIT_FOR_EVENT_RESOURCE,
  workerResource,
} from '../lambdas/contract/task-resources.js';
import { SagaBuilderError } from './errors.js';

// The resource strings are the contract's; the builder's users import them from here too.
export { PUT_EVENTS_RESOURCE, WAIT_FOR_EVENT_RESOURCE, workerResource };

/** A retry policy, rendered as an ASL Retrier. */
export interface RetryPolicy {
  /** The error names this policy retries, e.g. `['Payment.ProviderUnavailable']` or `['States.ALL']`. */
  readonly errors: readonly string[];
  /** Seconds before the first retry. @default 1 */
  readonly intervalSeconds?: number;
  /** Retries after the first attempt; 0 disables retrying. @default 3 */
  readonly maxAttempts?: number;
  /** Multiplier of the interval at each retry. @default 2 */
  readonly backoffRate?: number;
  /** Upper bound of the interval, in seconds. @default no bound */
  readonly maxDelaySeconds?: number;
  /** `FULL` picks each delay at random between 0 and the computed interval. @default 'NONE' */
  readonly jitter?: 'FULL' | 'NONE';
}

/** A Catch: the errors it handles and the chain that runs instead. */
export interface CatchPolicy {
  /** The error names handled, e.g. `['States.Timeout']`. */
  readonly errors: readonly string[];
  /** The chain that runs; unless it ends, it continues with the step after the caught one. */
  readonly then: Chainable;
  /**
   * JSONPath: where the error output (`Error`, `Cause`) goes in the state's input.
   * @default '$' (replaces the input)
   */
  readonly resultPath?: string | null;
  /** Workflow variables the catcher assigns (`$states.errorOutput` in JSONata). @default none */
  readonly assign?: JsonObject;
  /** JSONata: the state's output when this catcher handles the error. @default the error output */
  readonly output?: Json;
}

/** What undoes a Task's effect when the saga fails (Baton's `Compensate`). */
export interface CompensationProps {
  /** The worker that compensates; exactly one of `worker` and `resource`. @default none */
  readonly worker?: string;
  /** Any Task resource instead of a worker. @default none */
  readonly resource?: string;
  /**
   * The compensation's input, evaluated against `{ Input, Result }`: the step's input and result.
   * @default the whole `{ Input, Result }` document
   */
  readonly parameters?: JsonObject;
  /**
   * JSONata (a step in JSONata): the compensation's input; `$states.input` is the step's input,
   * `$states.result` its result. @default the whole `{ Input, Result }` document
   */
  readonly arguments?: Json;
  /** @default '$' */
  readonly inputPath?: string | null;
  /** @default no retry */
  readonly retry?: readonly RetryPolicy[];
  /** @default no timeout */
  readonly timeoutSeconds?: number;
  /** @default no heartbeat */
  readonly heartbeatSeconds?: number;
  /** @default none */
  readonly comment?: string;
}

/** Input and output processing shared by most steps. */
export interface DataFlowProps {
  /** @default none */
  readonly comment?: string;
  /**
   * The step's query language. A JSONPath saga may have JSONata steps; a JSONata saga may not
   * have JSONPath ones. @default the saga's
   */
  readonly queryLanguage?: QueryLanguage;
  /** JSONPath. @default '$' */
  readonly inputPath?: string | null;
  /** JSONPath. @default '$' */
  readonly outputPath?: string | null;
  /**
   * Workflow variables the step assigns as it completes, name to value: `.$` keys take paths
   * (JSONPath), `{% %}` values are expressions (JSONata). Every value sees the variables from
   * before the step. @default none
   */
  readonly assign?: JsonObject;
  /** JSONata: the step's output (`{% %}` expressions allowed anywhere in it). @default its result */
  readonly output?: Json;
}

/** A Task step. */
export interface TaskProps extends DataFlowProps {
  /** The worker that runs the step (`baton:worker:<name>`); exactly one of `worker` and `resource`. @default none */
  readonly worker?: string;
  /** Any Task resource instead of a worker, e.g. `arn:aws:states:::sqs:sendMessage`. @default none */
  readonly resource?: string;
  /** JSONPath. @default the state's input */
  readonly parameters?: JsonObject;
  /** JSONata: the task's input. @default the state's input */
  readonly arguments?: Json;
  /** JSONPath. @default the whole result */
  readonly resultSelector?: JsonObject;
  /** JSONPath. @default '$' (the result replaces the input) */
  readonly resultPath?: string | null;
  /** @default no retry */
  readonly retry?: readonly RetryPolicy[];
  /** @default no catch */
  readonly catch?: readonly CatchPolicy[];
  /** Seconds, or in JSONata a `{% %}` expression giving them. @default no timeout (the execution's) */
  readonly timeoutSeconds?: number | string;
  /** Seconds, or in JSONata a `{% %}` expression giving them. @default no heartbeat */
  readonly heartbeatSeconds?: number | string;
  /** What undoes this step when the saga fails after it succeeded. @default nothing to undo */
  readonly compensate?: CompensationProps;
}

/** A Pass step. */
export interface PassProps extends DataFlowProps {
  /** JSONPath. @default the input */
  readonly parameters?: JsonObject;
  /** JSONPath: a fixed result. @default none */
  readonly result?: JsonObject;
  /** JSONPath. @default '$' */
  readonly resultPath?: string | null;
}

/**
 * How long a Wait step waits: exactly one form. In JSONata `seconds` and `timestamp` may be
 * `{% %}` expressions; the `*Path` forms are JSONPath's.
 */
export type WaitDuration =
  | { readonly seconds: number | string }
  | { readonly timestamp: string }
  | { readonly secondsPath: string }
  | { readonly timestampPath: string };

/** A Wait step. */
export type WaitProps = DataFlowProps & WaitDuration;

/** A Parallel step. */
export interface ParallelProps extends DataFlowProps {
  /** The branches; each runs its chain to its end. */
  readonly branches: readonly Chainable[];
  /** JSONPath. @default the input */
  readonly parameters?: JsonObject;
  /** JSONata: each branch's input. @default the state's input */
  readonly arguments?: Json;
  /** JSONPath. @default the array of branch outputs */
  readonly resultSelector?: JsonObject;
  /** JSONPath. @default '$' */
  readonly resultPath?: string | null;
  /** @default no retry */
  readonly retry?: readonly RetryPolicy[];
  /** @default no catch */
  readonly catch?: readonly CatchPolicy[];
}

/** A step that waits for a correlated domain event (`baton:waitForEvent`). */
export interface WaitForEventProps extends DataFlowProps {
  /** The `detail-type` of the awaited event, e.g. `Fraud Check Completed`. */
  readonly detailType: string;
  /** The `source` of the awaited event. @default any source */
  readonly source?: string;
  /**
   * Event paths to values that must match, e.g. `{ 'detail.orderId.$': '$.orderId' }` (the
   * event's `detail.orderId` equals this execution's `$.orderId`).
   */
  readonly match: JsonObject;
  /** How long to wait before failing with `States.Timeout`. */
  readonly timeoutSeconds: number;
  /** @default the whole event */
  readonly resultSelector?: JsonObject;
  /** @default '$' */
  readonly resultPath?: string | null;
  /** @default no catch (a timeout fails the saga, which then compensates) */
  readonly catch?: readonly CatchPolicy[];
}

/** A step that publishes a domain event on EventBridge (`arn:aws:states:::events:putEvents`). */
export interface PublishEventProps extends DataFlowProps {
  /** The event's `detail-type`, e.g. `Order Confirmed`. */
  readonly detailType: string;
  /** The event's `source`, e.g. `com.example.orders`. */
  readonly source: string;
  /** The event's `detail`, a payload template. */
  readonly detail: JsonObject;
  /** @default the domain's bus (the orchestrator's) */
  readonly eventBusName?: string;
  /** JSONPath. @default null (the input passes through unchanged; in JSONata the output does the same) */
  readonly resultPath?: string | null;
  /** @default no retry (the orchestrator already retries throttling) */
  readonly retry?: readonly RetryPolicy[];
}

/** A Succeed step. */
export interface SucceedProps {
  /** @default none */
  readonly comment?: string;
  /** @default the saga's */
  readonly queryLanguage?: QueryLanguage;
  /** JSONPath. @default '$' */
  readonly outputPath?: string | null;
  /** JSONata: the execution's output. @default the step's input */
  readonly output?: Json;
}

/** A Fail step. */
export interface FailProps {
  /** The error name, e.g. `Order.FraudSuspected` (in JSONata, or a `{% %}` expression). */
  readonly error: string;
  /** @default no cause */
  readonly cause?: string;
  /** @default none */
  readonly comment?: string;
  /** @default the saga's */
  readonly queryLanguage?: QueryLanguage;
}

/** Options of {@link SagaBuilder}. */
export interface SagaBuilderProps {
  /** @default none */
  readonly comment?: string;
  /** The execution's time limit. @default no limit */
  readonly timeoutSeconds?: number;
  /** The query language of every step that does not name its own. @default 'JSONPath' */
  readonly queryLanguage?: QueryLanguage;
}

/** What a Choice rule does besides choosing the next step. */
export interface ChoiceBranchProps {
  /** Workflow variables assigned when this rule matches. @default none */
  readonly assign?: JsonObject;
  /** JSONata: the Choice step's output when this rule matches. @default its input */
  readonly output?: Json;
}

/** Choice rules, rendered as ASL comparison objects. */
export const Condition = {
  numberEquals: (variable: string, value: number): ChoiceRule => ({
    Variable: variable,
    NumericEquals: value,
  }),
  numberGreaterThan: (variable: string, value: number): ChoiceRule => ({
    Variable: variable,
    NumericGreaterThan: value,
  }),
  numberGreaterThanEquals: (variable: string, value: number): ChoiceRule => ({
    Variable: variable,
    NumericGreaterThanEquals: value,
  }),
  numberLessThan: (variable: string, value: number): ChoiceRule => ({
    Variable: variable,
    NumericLessThan: value,
  }),
  numberLessThanEquals: (variable: string, value: number): ChoiceRule => ({
    Variable: variable,
    NumericLessThanEquals: value,
  }),
  stringEquals: (variable: string, value: string): ChoiceRule => ({
    Variable: variable,
    StringEquals: value,
  }),
  stringMatches: (variable: string, pattern: string): ChoiceRule => ({
    Variable: variable,
    StringMatches: pattern,
  }),
  booleanEquals: (variable: string, value: boolean): ChoiceRule => ({
    Variable: variable,
    BooleanEquals: value,
  }),
  isPresent: (variable: string, present = true): ChoiceRule => ({ Variable: variable, IsPresent: present }),
  /** JSONata: a `{% %}` expression that gives a boolean, e.g. `'{% $states.input.total > 1000 %}'`. */
  jsonata: (condition: string): ChoiceRule => ({ Condition: condition }),
  and: (...rules: ChoiceRule[]): ChoiceRule => ({ And: rules }),
  or: (...rules: ChoiceRule[]): ChoiceRule => ({ Or: rules }),
  not: (rule: ChoiceRule): ChoiceRule => ({ Not: rule }),
} as const;

/** A step or a chain of steps. */
export type Chainable = SagaStep | SagaChain;

/** Steps in order. Immutable: `next` returns a new chain. */
export class SagaChain {
  /** @internal */
  constructor(readonly steps: readonly SagaStep[]) {}

  /** This chain, then `next`. */
  next(next: Chainable): SagaChain {
    return new SagaChain([...this.steps, ...stepsOf(next)]);
  }
}

/** The steps of a chain or of a single step, in order. */
function stepsOf(chainable: Chainable): readonly SagaStep[] {
  return chainable instanceof SagaChain ? chainable.steps : [chainable];
}

/** Where a step's rendering goes, and what it has rendered so far. */
interface RenderScope {
  readonly states: Record<string, StateDefinition>;
  /** Step -> the successor it was rendered with, to detect a step used with two successors. */
  readonly rendered: Map<SagaStep, string | undefined>;
}

/** A state of the saga. Create steps with a {@link SagaBuilder}. */
export abstract class SagaStep {
  /** @internal */
  constructor(readonly name: string) {}

  /** This step, then `next`. */
  next(next: Chainable): SagaChain {
    return new SagaChain([this, ...stepsOf(next)]);
  }

  /** True for Succeed and Fail: nothing can follow. */
  get terminal(): boolean {
    return false;
  }

  /** @internal Adds this state (and the states of its branches) to `scope`. */
  abstract render(scope: RenderScope, next: string | undefined): void;
}

/** Renders `chain` into `scope`, continuing with `continuation`; returns the name of its first state. */
function renderChain(chainable: Chainable, scope: RenderScope, continuation: string | undefined): string {
  const steps = stepsOf(chainable);
  const first = steps[0];
  if (first === undefined) throw new SagaBuilderError('A chain must have at least one step');
  steps.forEach((step, index) => {
    const following = steps[index + 1];
    if (step.terminal && following !== undefined) {
      throw new SagaBuilderError(
        `Step '${following.name}' follows '${step.name}', which ends the execution: nothing can run after it`,
      );
    }
    const next = following?.name ?? continuation;
    if (scope.rendered.has(step)) {
      const before = scope.rendered.get(step);
      if (before !== next && !step.terminal) {
        throw new SagaBuilderError(
          `Step '${step.name}' is used in two places with different successors ('${before ?? '(end)'}' and '${next ?? '(end)'}'): a step has one Next`,
        );
      }
      return;
    }
    scope.rendered.set(step, next);
    step.render(scope, next);
  });
  return first.name;
}

function transition(next: string | undefined): { Next: string } | { End: true } {
  return next === undefined ? { End: true } : { Next: next };
}

function renderRetry(policies: readonly RetryPolicy[] | undefined): { Retry?: Retrier[] } {
  if (policies === undefined) return {};
  return {
    Retry: policies.map(
      (policy) =>
        compact({
          ErrorEquals: [...policy.errors],
          IntervalSeconds: policy.intervalSeconds,
          MaxAttempts: policy.maxAttempts,
          BackoffRate: policy.backoffRate,
          MaxDelaySeconds: policy.maxDelaySeconds,
          JitterStrategy: policy.jitter,
        }) as unknown as Retrier,
    ),
  };
}

function renderCatch(
  policies: readonly CatchPolicy[] | undefined,
  scope: RenderScope,
  next: string | undefined,
): { Catch?: Catcher[] } {
  if (policies === undefined) return {};
  return {
    Catch: policies.map(
      (policy) =>
        compact({
          ErrorEquals: [...policy.errors],
          Next: renderChain(policy.then, scope, next),
          ResultPath: policy.resultPath,
          Assign: policy.assign,
          Output: policy.output,
        }) as unknown as Catcher,
    ),
  };
}

/** JSONata: the output that passes a step's input through, as `ResultPath: null` does in JSONPath. */
const KEEP_INPUT = '{% $states.input %}';

/** The props every step kind shares, picked from a step's props (undefined when not given). */
function sharedProps(props: DataFlowProps): DataFlowProps {
  return {
    comment: props.comment,
    queryLanguage: props.queryLanguage,
    inputPath: props.inputPath,
    outputPath: props.outputPath,
    assign: props.assign,
    output: props.output,
  };
}

/** Drops the fields whose value is `undefined` (ASL has no `undefined`; `null` is kept). */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function resourceOf(props: { worker?: string; resource?: string }, what: string): string {
  if ((props.worker === undefined) === (props.resource === undefined)) {
    throw new SagaBuilderError(`${what}: give exactly one of 'worker' and 'resource'`);
  }
  return props.worker !== undefined ? workerResource(props.worker) : (props.resource as string);
}

function dataFlow(props: DataFlowProps): Record<string, unknown> {
  return {
    Comment: props.comment,
    QueryLanguage: props.queryLanguage,
    InputPath: props.inputPath,
    OutputPath: props.outputPath,
  };
}

/** The fields rendered after a state's own: its variables and (JSONata) output. */
function assignAndOutput(props: { assign?: JsonObject; output?: Json }): Record<string, unknown> {
  return { Assign: props.assign, Output: props.output };
}

/** A Task step. */
export class TaskStep extends SagaStep {
  /** @internal */
  constructor(
    name: string,
    private readonly props: TaskProps,
  ) {
    super(name);
    resourceOf(props, `Task '${name}'`);
    if (props.compensate) resourceOf(props.compensate, `Task '${name}': compensate`);
  }

  /** @internal */
  render(scope: RenderScope, next: string | undefined): void {
    const { props } = this;
    const compensate = props.compensate;
    scope.states[this.name] = compact({
      Type: 'Task',
      ...dataFlow(props),
      Resource: resourceOf(props, this.name),
      Parameters: props.parameters,
      Arguments: props.arguments,
      ResultSelector: props.resultSelector,
      ResultPath: props.resultPath,
      TimeoutSeconds: props.timeoutSeconds,
      HeartbeatSeconds: props.heartbeatSeconds,
      ...assignAndOutput(props),
      ...renderRetry(props.retry),
      ...renderCatch(props.catch, scope, next),
      Compensate: compensate
        ? (compact({
            Comment: compensate.comment,
            Resource: resourceOf(compensate, this.name),
            InputPath: compensate.inputPath,
            Parameters: compensate.parameters,
            Arguments: compensate.arguments,
            TimeoutSeconds: compensate.timeoutSeconds,
            HeartbeatSeconds: compensate.heartbeatSeconds,
            ...renderRetry(compensate.retry),
          }) as unknown as Compensation)
        : undefined,
      ...transition(next),
    }) as unknown as StateDefinition;
  }
}

/** A Pass step. */
export class PassStep extends SagaStep {
  /** @internal */
  constructor(
    name: string,
    private readonly props: PassProps,
  ) {
    super(name);
  }

  /** @internal */
  render(scope: RenderScope, next: string | undefined): void {
    const { props } = this;
    scope.states[this.name] = compact({
      Type: 'Pass',
      ...dataFlow(props),
      Parameters: props.parameters,
      Result: props.result,
      ResultPath: props.resultPath,
      ...assignAndOutput(props),
      ...transition(next),
    }) as unknown as StateDefinition;
  }
}

/** A Wait step. */
export class WaitStep extends SagaStep {
  /** @internal */
  constructor(
    name: string,
    private readonly props: WaitProps,
  ) {
    super(name);
  }

  /** @internal */
  render(scope: RenderScope, next: string | undefined): void {
    const { props } = this;
    scope.states[this.name] = compact({
      Type: 'Wait',
      ...dataFlow(props),
      Seconds: 'seconds' in props ? props.seconds : undefined,
      Timestamp: 'timestamp' in props ? props.timestamp : undefined,
      SecondsPath: 'secondsPath' in props ? props.secondsPath : undefined,
      TimestampPath: 'timestampPath' in props ? props.timestampPath : undefined,
      ...assignAndOutput(props),
      ...transition(next),
    }) as unknown as StateDefinition;
  }
}

/**
 * A Choice step. Its branches continue with the step after the Choice unless they end; with no
 * `otherwise`, an input that matches no rule continues there too.
 */
export class ChoiceStep extends SagaStep {
  private readonly branches: {
    readonly rule: ChoiceRule;
    readonly then: Chainable;
    readonly props: ChoiceBranchProps;
  }[] = [];
  private fallback: Chainable | undefined;

  /** @internal */
  constructor(
    name: string,
    private readonly props: DataFlowProps,
  ) {
    super(name);
  }

  /**
   * Runs `then` when `rule` matches (rules are tried in the order they were added), assigning the
   * variables of `props.assign` and (JSONata) giving the output `props.output`.
   */
  when(rule: ChoiceRule, then: Chainable, props: ChoiceBranchProps = {}): this {
    this.branches.push({ rule, then, props });
    return this;
  }

  /** Runs `then` when no rule matches. */
  otherwise(then: Chainable): this {
    this.fallback = then;
    return this;
  }

  /** @internal */
  render(scope: RenderScope, next: string | undefined): void {
    if (this.branches.length === 0) throw new SagaBuilderError(`Choice '${this.name}' has no 'when' rule`);
    // Registered before the branches render, so that a branch looping back here finds it.
    const state: Record<string, unknown> = { Type: 'Choice', ...dataFlow(this.props) };
    scope.states[this.name] = state as unknown as StateDefinition;
    state.Choices = this.branches.map(({ rule, then, props }) =>
      compact({
        ...rule,
        ...assignAndOutput(props),
        Next: renderChain(then, scope, next),
      }),
    );
    const fallback = this.fallback === undefined ? next : renderChain(this.fallback, scope, next);
    if (fallback !== undefined) state.Default = fallback;
    Object.assign(state, assignAndOutput(this.props));
    scope.states[this.name] = compact(state) as unknown as StateDefinition;
  }
}

/** A Parallel step: every branch runs to its end; the step's result is the array of their outputs. */
export class ParallelStep extends SagaStep {
  /** @internal */
  constructor(
    name: string,
    private readonly props: ParallelProps,
  ) {
    super(name);
    if (props.branches.length === 0)
      throw new SagaBuilderError(`Parallel '${name}' needs at least one branch`);
  }

  /** @internal */
  render(scope: RenderScope, next: string | undefined): void {
    const { props } = this;
    const branches = props.branches.map((branch) => {
      const states: Record<string, StateDefinition> = {};
      const startAt = renderChain(branch, { states, rendered: scope.rendered }, undefined);
      return { StartAt: startAt, States: states };
    });
    scope.states[this.name] = compact({
      Type: 'Parallel',
      ...dataFlow(props),
      Branches: branches,
      Parameters: props.parameters,
      Arguments: props.arguments,
      ResultSelector: props.resultSelector,
      ResultPath: props.resultPath,
      ...assignAndOutput(props),
      ...renderRetry(props.retry),
      ...renderCatch(props.catch, scope, next),
      ...transition(next),
    }) as unknown as StateDefinition;
  }
}

/** A Succeed step. */
export class SucceedStep extends SagaStep {
  /** @internal */
  constructor(
    name: string,
    private readonly props: SucceedProps,
  ) {
    super(name);
  }

  override get terminal(): boolean {
    return true;
  }

  /** @internal */
  render(scope: RenderScope): void {
    scope.states[this.name] = compact({
      Type: 'Succeed',
      Comment: this.props.comment,
      QueryLanguage: this.props.queryLanguage,
      OutputPath: this.props.outputPath,
      Output: this.props.output,
    }) as unknown as StateDefinition;
  }
}

/** A Fail step: the saga fails with `error`, and its compensations run. */
export class FailStep extends SagaStep {
  /** @internal */
  constructor(
    name: string,
    private readonly props: FailProps,
  ) {
    super(name);
  }

  override get terminal(): boolean {
    return true;
  }

  /** @internal */
  render(scope: RenderScope): void {
    scope.states[this.name] = compact({
      Type: 'Fail',
      Comment: this.props.comment,
      QueryLanguage: this.props.queryLanguage,
      Error: this.props.error,
      Cause: this.props.cause,
    }) as unknown as StateDefinition;
  }
}

/** A workflow definition built by a {@link SagaBuilder}: valid ASL, ready for a SagaOrchestrator. */
export class SagaDefinition {
  /** @internal */
  constructor(
    /** The Amazon States Language document. */
    readonly asl: StateMachineDefinition,
  ) {}

  /** The ASL document, so that `JSON.stringify(definition)` gives the definition's JSON. */
  toJSON(): StateMachineDefinition {
    return this.asl;
  }
}

/**
 * Builds a workflow definition from typed steps. Step names are unique across the whole
 * definition (Parallel branches included), as ASL requires; the builder refuses a second step
 * with a name already taken.
 */
export class SagaBuilder {
  private readonly names = new Set<string>();

  constructor(private readonly props: SagaBuilderProps = {}) {}

  /** A Task run by a worker (or any Task resource), optionally with its compensation. */
  task(name: string, props: TaskProps): TaskStep {
    return new TaskStep(this.claim(name), props);
  }

  /**
   * A Task that waits for a correlated domain event and fails with `States.Timeout` after
   * `timeoutSeconds`. In a JSONata step `match` values are `{% %}` expressions instead of `.$` paths
   * (`{ 'detail.orderId': '{% $states.input.orderId %}' }`), and the event is the step's result.
   */
  waitForEvent(name: string, props: WaitForEventProps): TaskStep {
    const request: JsonObject = { DetailType: props.detailType, Match: props.match };
    if (props.source !== undefined) request.Source = props.source;
    return new TaskStep(this.claim(name), {
      ...sharedProps(props),
      resultSelector: props.resultSelector,
      resultPath: props.resultPath,
      catch: props.catch,
      resource: WAIT_FOR_EVENT_RESOURCE,
      ...(this.isJsonata(props) ? { arguments: request } : { parameters: request }),
      timeoutSeconds: props.timeoutSeconds,
    });
  }

  /**
   * A Task that publishes one domain event on EventBridge. Its input passes through unchanged unless
   * `resultPath` (JSONPath) or `output` (JSONata) says otherwise.
   */
  publishEvent(name: string, props: PublishEventProps): TaskStep {
    const entry: JsonObject = { DetailType: props.detailType, Source: props.source, Detail: props.detail };
    if (props.eventBusName !== undefined) entry.EventBusName = props.eventBusName;
    const request: JsonObject = { Entries: [entry] };
    return new TaskStep(this.claim(name), {
      ...sharedProps(props),
      retry: props.retry,
      resource: PUT_EVENTS_RESOURCE,
      ...(this.isJsonata(props)
        ? { arguments: request, output: props.output === undefined ? KEEP_INPUT : props.output }
        : { parameters: request, resultPath: props.resultPath === undefined ? null : props.resultPath }),
    });
  }

  /** A Pass step. */
  pass(name: string, props: PassProps = {}): PassStep {
    return new PassStep(this.claim(name), props);
  }

  /** A Wait step. */
  wait(name: string, props: WaitProps): WaitStep {
    return new WaitStep(this.claim(name), props);
  }

  /** A Choice step; add rules with `when` and a fallback with `otherwise`. */
  choice(name: string, props: DataFlowProps = {}): ChoiceStep {
    return new ChoiceStep(this.claim(name), props);
  }

  /** A Parallel step. */
  parallel(name: string, props: ParallelProps): ParallelStep {
    return new ParallelStep(this.claim(name), props);
  }

  /** A Succeed step. */
  succeed(name: string, props: SucceedProps = {}): SucceedStep {
    return new SucceedStep(this.claim(name), props);
  }

  /** A Fail step. */
  fail(name: string, props: FailProps): FailStep {
    return new FailStep(this.claim(name), props);
  }

  /**
   * Renders the definition starting at `start` and validates it with the engine's validator.
   * Throws SagaBuilderError listing every issue by its JSON Pointer.
   */
  build(start: Chainable): SagaDefinition {
    const states: Record<string, StateDefinition> = {};
    const startAt = renderChain(start, { states, rendered: new Map() }, undefined);
    const asl = compact({
      QueryLanguage: this.props.queryLanguage,
      Comment: this.props.comment,
      StartAt: startAt,
      TimeoutSeconds: this.props.timeoutSeconds,
      States: states,
    }) as unknown as StateMachineDefinition;
    const issues = validateDefinition(asl);
    if (issues.length > 0) {
      throw new SagaBuilderError(`The saga is not a valid definition:\n${formatIssues(issues)}`);
    }
    return new SagaDefinition(asl);
  }

  /** True when a step with these props is JSONata: its own language, else the saga's. */
  private isJsonata(props: { readonly queryLanguage?: QueryLanguage }): boolean {
    return (props.queryLanguage ?? this.props.queryLanguage) === 'JSONata';
  }

  private claim(name: string): string {
    if (this.names.has(name))
      throw new SagaBuilderError(`A step named '${name}' already exists in this saga`);
    this.names.add(name);
    return name;
  }
}
