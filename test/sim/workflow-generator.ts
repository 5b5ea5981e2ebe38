/**
 * Random, valid workflow definitions built from every state type (Task with and without
 * `Compensate`, Retry and Catch; Pass; Choice; Wait; Parallel; Map; Succeed; Fail), Tasks that wait
 * for a correlated event (`baton:waitForEvent`), and random execution inputs that fit them.
 *
 * Every transition points forward (to a later state of the same scope), so that every execution
 * terminates; states that end up unreachable are pruned, so that definitions pass
 * `validateDefinition`. State names are unique across the whole definition (branches and Map
 * processors included), so that a history event's `stateName` identifies its definition.
 */
import type {
  BranchDefinition,
  Catcher,
  ChoiceRule,
  Compensation,
  Retrier,
  StateDefinition,
  StateMachineDefinition,
  TaskState,
} from '../../lambdas/engine/definition.js';
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import { WAIT_FOR_EVENT_RESOURCE } from '../../lambdas/contract/task-resources.js';
import type { Prng } from './prng.js';

/** Worker names the generated Task states use (`baton:worker:<name>`). */
export const TASK_WORKERS = ['alpha', 'beta', 'gamma'] as const;
/** The worker that undoes effects (the `Compensate` resource of every compensable Task). */
export const UNDO_WORKER = 'undo';
/** The error a worker throws for a retryable failure. */
export const TRANSIENT_ERROR = 'Sim.Transient';
/** The error a worker throws for a business failure. */
export const DECLINED_ERROR = 'Sim.Declined';
/** The error of a payload over a limit: `States.ALL` does not catch it, only its name does. */
export const DATA_LIMIT_ERROR = 'States.DataLimitExceeded';
/** The detail-type of the events a wait for one execution's step matches. */
export const SIGNAL_DETAIL_TYPE = 'Sim Signal';
/** The detail-type of the events every execution waiting on a topic matches. */
export const BROADCAST_DETAIL_TYPE = 'Sim Broadcast';
/** The source some waits require (`Source`); events from others must not end them. */
export const PARTNER_SOURCE = 'sim.partner';

/**
 * A `baton:waitForEvent` state: what it matches. A signal wait matches events for its execution and
 * its state (`detail.ref` is `$$.Execution.Id`, `detail.step` its name); a broadcast wait matches
 * every event of its topic, whichever execution waits.
 */
export interface WaitInfo {
  readonly stateName: string;
  readonly detailType: string;
  /** The source the wait requires, if any. */
  readonly source?: string;
  readonly match: { readonly type: 'signal' } | { readonly type: 'broadcast'; readonly topic: string };
}

/** What the world needs to know about a generated Task state to script its worker. */
export interface TaskInfo {
  readonly stateName: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  readonly compensable: boolean;
  readonly compensationTimeoutSeconds?: number;
}

/** A generated workflow with what the world and the checker need to know about it. */
export interface GeneratedWorkflow {
  readonly name: string;
  readonly definition: StateMachineDefinition;
  /** Every Task state, by name. */
  readonly tasks: ReadonlyMap<string, TaskInfo>;
  /** Names of the Task states that carry `Compensate`. */
  readonly compensable: ReadonlySet<string>;
  /** Every `baton:waitForEvent` state, by name. */
  readonly waits: ReadonlyMap<string, WaitInfo>;
  /** Whether its Tasks keep their results in fields of their own (see {@link GeneratorFeatures}). */
  readonly keepsResults: boolean;
}

/** What generated workflows may use besides the plain states. */
export interface GeneratorFeatures {
  /** Tasks that wait for correlated events. @default false */
  readonly waits?: boolean;
  /**
   * Tasks keep their whole results, each in a field of its own, so that a state grows with every
   * task (with large results, past DynamoDB's item limit). @default false
   */
  readonly keepResults?: boolean;
}

/** How big generated workflows get. */
export interface GeneratorLimits {
  /** States of the top-level scope (before pruning). @default 7 */
  readonly maxTopStates: number;
  /** States of a branch or Map processor. @default 3 */
  readonly maxInnerStates: number;
  /** Nesting of Parallel and Map. @default 2 */
  readonly maxDepth: number;
}

const DEFAULT_LIMITS: GeneratorLimits = { maxTopStates: 7, maxInnerStates: 3, maxDepth: 2 };

type Kind = StateDefinition['Type'];

/** Generates a valid workflow definition. */
export function generateWorkflow(
  rng: Prng,
  name: string,
  limits: GeneratorLimits = DEFAULT_LIMITS,
  features: GeneratorFeatures = {},
): GeneratedWorkflow {
  const generator = new Generator(rng, limits, features);
  const root = generator.scope(0);
  const definition: StateMachineDefinition = {
    Comment: `generated workflow ${name}`,
    StartAt: root.StartAt,
    States: root.States,
    ...(rng.chance(0.12) ? { TimeoutSeconds: rng.int(120, 3 * 3600) } : {}),
  };
  return {
    name,
    definition,
    tasks: generator.tasks,
    compensable: new Set([...generator.tasks.values()].filter((t) => t.compensable).map((t) => t.stateName)),
    waits: generator.waits,
    keepsResults: features.keepResults === true,
  };
}

/** An execution input the generated definitions can read: `n`, `flag` and nested `items`. */
export function generateInput(rng: Prng, depth = 0): JsonObject {
  const count = depth >= 2 ? 0 : rng.chance(0.12) ? rng.int(6, depth === 0 ? 24 : 8) : rng.int(0, 4);
  const items: Json[] = [];
  for (let i = 0; i < count; i++) items.push(generateInput(rng, depth + 1));
  return { n: rng.int(0, 9), flag: rng.chance(0.5), items };
}

class Generator {
  readonly tasks = new Map<string, TaskInfo>();
  readonly waits = new Map<string, WaitInfo>();
  private counter = 0;

  constructor(
    private readonly rng: Prng,
    private readonly limits: GeneratorLimits,
    private readonly features: GeneratorFeatures,
  ) {}

  /** A States container whose states only ever jump forward. */
  scope(depth: number): BranchDefinition {
    const rng = this.rng;
    const count = rng.int(1, depth === 0 ? this.limits.maxTopStates : this.limits.maxInnerStates);
    const kinds: Kind[] = [];
    for (let i = 0; i < count; i++) kinds.push(this.kind(depth, i, count));
    const names = kinds.map((kind) => `${kind}${++this.counter}`);
    const states: Record<string, StateDefinition> = {};
    kinds.forEach((kind, i) => {
      const later = names.slice(i + 1);
      states[names[i] as string] = this.state(kind, names[i] as string, later, depth);
    });
    const startAt = names[0] as string;
    return { StartAt: startAt, States: prune(startAt, states) };
  }

  private kind(depth: number, index: number, count: number): Kind {
    const last = index === count - 1;
    const nested = depth < this.limits.maxDepth;
    const kind = this.rng.weighted<Kind>({
      Task: 40,
      Pass: 9,
      Choice: last ? 0 : 9,
      Wait: 7,
      Parallel: nested ? 7 : 0,
      Map: nested ? 7 : 0,
      Succeed: last ? 4 : 2,
      Fail: last ? 4 : 2,
    });
    return kind;
  }

  private state(kind: Kind, name: string, later: readonly string[], depth: number): StateDefinition {
    const rng = this.rng;
    const transition = (): { Next: string } | { End: true } =>
      later.length === 0
        ? { End: true }
        : { Next: rng.chance(0.15) ? rng.pick(later) : (later[0] as string) };
    // Without ResultPath, a state's result replaces its input: rarely, as an array result (Map,
    // Parallel) then breaks the ResultPath of later states (a legitimate States.* failure).
    const resultPath = (prefix: string): { ResultPath?: string | null } => {
      const draw = rng.next();
      const replace = prefix === 'r' ? 0.13 : 0.05;
      if (draw < replace) return {};
      if (draw < replace + 0.12) return { ResultPath: null };
      return { ResultPath: `$.${prefix}${this.counter}` };
    };
    switch (kind) {
      case 'Task':
        return this.task(name, later, transition, resultPath);
      case 'Pass':
        return {
          Type: 'Pass',
          ...(rng.chance(0.5)
            ? { Result: { pass: name, k: rng.int(0, 9) } }
            : { Parameters: { 'n.$': '$.n', from: name } }),
          ...resultPath('pass'),
          ...transition(),
        };
      case 'Choice': {
        const rules: ChoiceRule[] = [];
        const ruleCount = rng.int(1, 2);
        for (let i = 0; i < ruleCount; i++) rules.push({ ...this.rule(), Next: rng.pick(later) });
        return {
          Type: 'Choice',
          Choices: rules,
          ...(rng.chance(0.85) ? { Default: rng.pick(later) } : {}),
        };
      }
      case 'Wait': {
        const form = rng.weighted({ seconds: 6, timestamp: 1, secondsPath: 2 });
        const wait =
          form === 'seconds'
            ? { Seconds: rng.pick([0, 1, 5, 30, 300, 3600, 86_400]) }
            : form === 'timestamp'
              ? { Timestamp: rng.pick(['2025-12-31T23:00:00Z', '2026-01-01T00:05:00Z']) }
              : { SecondsPath: '$.n' };
        return { Type: 'Wait', ...wait, ...transition() };
      }
      case 'Parallel': {
        const branches: BranchDefinition[] = [];
        const branchCount = rng.int(2, 3);
        for (let i = 0; i < branchCount; i++) branches.push(this.scope(depth + 1));
        return {
          Type: 'Parallel',
          Branches: branches,
          ...resultPath('par'),
          ...this.retry(false),
          ...this.catchers(later),
          ...transition(),
        };
      }
      case 'Map':
        return {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: rng.pick([0, 0, 1, 2, 3]),
          ItemProcessor: this.scope(depth + 1),
          ...resultPath('map'),
          ...this.retry(false),
          ...this.catchers(later),
          ...transition(),
        };
      case 'Succeed':
        return { Type: 'Succeed' };
      case 'Fail':
        return { Type: 'Fail', Error: 'Sim.Failed', Cause: `generated Fail state ${name}` };
    }
  }

  private task(
    name: string,
    later: readonly string[],
    transition: () => { Next: string } | { End: true },
    resultPath: (prefix: string) => { ResultPath?: string | null },
  ): TaskState {
    const rng = this.rng;
    if (this.features.waits === true && rng.chance(0.35))
      return this.wait(name, later, transition, resultPath);
    const timeoutSeconds = rng.chance(0.5) ? rng.int(5, 120) : undefined;
    const heartbeatSeconds =
      rng.chance(0.3) && (timeoutSeconds === undefined || timeoutSeconds > 2)
        ? rng.int(1, Math.min(30, (timeoutSeconds ?? 31) - 1))
        : undefined;
    const compensate = rng.chance(0.45) ? this.compensation() : undefined;
    this.tasks.set(name, {
      stateName: name,
      compensable: compensate !== undefined,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
      ...(compensate?.TimeoutSeconds !== undefined
        ? { compensationTimeoutSeconds: compensate.TimeoutSeconds }
        : {}),
    });
    // A task that keeps its result takes a small input: the state may grow past the payload limit
    // (up to the store's item limit), its tasks' inputs do not.
    const kept = this.features.keepResults === true && rng.chance(0.8);
    return {
      Type: 'Task',
      Resource: `baton:worker:${rng.pick(TASK_WORKERS)}`,
      ...(kept || rng.chance(0.5) ? { Parameters: { 'n.$': '$.n', state: name } } : {}),
      ...(kept ? { ResultPath: `$.kept${name}` } : { ...this.resultSelector(), ...resultPath('r') }),
      ...(timeoutSeconds !== undefined ? { TimeoutSeconds: timeoutSeconds } : {}),
      ...(heartbeatSeconds !== undefined ? { HeartbeatSeconds: heartbeatSeconds } : {}),
      ...this.retry(true),
      ...this.catchers(later),
      ...(compensate ? { Compensate: compensate } : {}),
      ...transition(),
    };
  }

  /**
   * A Task that waits for a correlated event. Always with TimeoutSeconds: an event may never come
   * (or come after the 24 hours events are kept), and a wait must not hold its execution for ever.
   */
  private wait(
    name: string,
    later: readonly string[],
    transition: () => { Next: string } | { End: true },
    resultPath: (prefix: string) => { ResultPath?: string | null },
  ): TaskState {
    const rng = this.rng;
    const broadcast = rng.chance(0.25);
    const source = rng.chance(0.3) ? PARTNER_SOURCE : undefined;
    const topic = `topic-${name}`;
    const info: WaitInfo = {
      stateName: name,
      detailType: broadcast ? BROADCAST_DETAIL_TYPE : SIGNAL_DETAIL_TYPE,
      ...(source !== undefined ? { source } : {}),
      match: broadcast ? { type: 'broadcast', topic } : { type: 'signal' },
    };
    this.waits.set(name, info);
    const match: JsonObject = broadcast
      ? { 'detail.topic': topic }
      : { 'detail.ref.$': '$$.Execution.Id', 'detail.step': name };
    return {
      Type: 'Task',
      Resource: WAIT_FOR_EVENT_RESOURCE,
      Parameters: {
        DetailType: info.detailType,
        ...(source !== undefined ? { Source: source } : {}),
        Match: match,
      },
      ...(rng.chance(0.25) ? { ResultSelector: { 'id.$': '$.id', 'value.$': '$.detail.value' } } : {}),
      ...resultPath('w'),
      TimeoutSeconds: rng.pick([30, 120, 600, 3600, 4 * 3600]),
      ...(rng.chance(0.3)
        ? { Retry: [{ ...this.retrier(['States.Timeout']), MaxAttempts: rng.int(1, 2) }] }
        : {}),
      ...this.catchers(later),
      ...transition(),
    };
  }

  /**
   * A ResultSelector, sometimes one that fails for some results (`$.bonus` is only in the results of
   * odd inputs): a step that succeeded, then failed in its data flow, and may be retried.
   */
  private resultSelector(): { ResultSelector?: JsonObject } {
    const rng = this.rng;
    if (!rng.chance(0.25)) return {};
    return rng.chance(0.6)
      ? { ResultSelector: { 'effectId.$': '$.effectId', 'n.$': '$.n' } }
      : { ResultSelector: { 'effectId.$': '$.effectId', 'bonus.$': '$.bonus' } };
  }

  private compensation(): Compensation {
    const rng = this.rng;
    return {
      Resource: `baton:worker:${UNDO_WORKER}`,
      Parameters: { 'effectId.$': '$.Result.effectId', 'state.$': '$$.State.Name' },
      ...(rng.chance(0.6)
        ? {
            Retry: [
              {
                ErrorEquals: ['States.ALL'],
                IntervalSeconds: rng.int(1, 5),
                MaxAttempts: rng.int(1, 4),
                BackoffRate: 2,
              },
            ],
          }
        : {}),
      ...(rng.chance(0.3) ? { TimeoutSeconds: rng.int(5, 60) } : {}),
    };
  }

  private retry(task: boolean): { Retry?: Retrier[] } {
    const rng = this.rng;
    if (!rng.chance(task ? 0.5 : 0.25)) return {};
    const retriers: Retrier[] = [];
    const pool = task
      ? [[TRANSIENT_ERROR], ['States.Timeout'], ['States.HeartbeatTimeout'], ['States.TaskFailed']]
      : [['States.BranchFailed', TRANSIENT_ERROR], [DECLINED_ERROR]];
    // Rarely by name: the error every retry meets again (an idempotent worker returns the same result).
    if (rng.chance(0.1)) pool.push([DATA_LIMIT_ERROR]);
    const count = rng.int(1, 2);
    for (let i = 0; i < count; i++) retriers.push(this.retrier(rng.pick(pool)));
    if (rng.chance(0.2)) retriers.push(this.retrier(['States.ALL']));
    return { Retry: retriers };
  }

  private retrier(errors: readonly string[]): Retrier {
    const rng = this.rng;
    return {
      ErrorEquals: [...errors],
      IntervalSeconds: rng.int(1, 10),
      MaxAttempts: rng.int(0, 3),
      BackoffRate: rng.pick([1, 1.5, 2, 3]),
      ...(rng.chance(0.3) ? { MaxDelaySeconds: rng.int(1, 20) } : {}),
      ...(rng.chance(0.3) ? { JitterStrategy: 'FULL' as const } : {}),
    };
  }

  private catchers(later: readonly string[]): { Catch?: Catcher[] } {
    const rng = this.rng;
    if (later.length === 0 || !rng.chance(0.3)) return {};
    const errors = rng.pick([
      [DECLINED_ERROR],
      ['States.Timeout', 'States.HeartbeatTimeout'],
      ['States.ALL'],
      [DATA_LIMIT_ERROR],
      [DATA_LIMIT_ERROR, DECLINED_ERROR],
    ]);
    return {
      Catch: [
        {
          ErrorEquals: errors,
          Next: rng.pick(later),
          ...(rng.chance(0.7) ? { ResultPath: `$.error${this.counter}` } : {}),
        },
      ],
    };
  }

  private rule(): ChoiceRule {
    const rng = this.rng;
    const comparison = (): ChoiceRule =>
      rng.chance(0.6)
        ? { Variable: '$.n', NumericGreaterThan: rng.int(0, 9) }
        : { Variable: '$.flag', BooleanEquals: rng.chance(0.5) };
    const draw = rng.next();
    if (draw < 0.7) return comparison();
    if (draw < 0.85) return { And: [comparison(), comparison()] };
    return { Not: comparison() };
  }
}

/** Keeps the states reachable from `startAt` (a forward jump may have skipped some). */
export function prune(
  startAt: string,
  states: Readonly<Record<string, StateDefinition>>,
): Record<string, StateDefinition> {
  const reached = new Set<string>();
  const pending = [startAt];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (reached.has(name)) continue;
    reached.add(name);
    const state = states[name];
    if (!state) continue;
    for (const next of successors(state)) if (!reached.has(next)) pending.push(next);
  }
  const kept: Record<string, StateDefinition> = {};
  for (const [name, state] of Object.entries(states)) if (reached.has(name)) kept[name] = state;
  return kept;
}

/** The definition as a rerun from `stateName` runs it: starting there, without what it cannot reach. */
export function startingAt(definition: StateMachineDefinition, stateName: string): StateMachineDefinition {
  return { ...definition, StartAt: stateName, States: prune(stateName, definition.States) };
}

function successors(state: StateDefinition): string[] {
  const next: string[] = [];
  if ('Next' in state && typeof state.Next === 'string') next.push(state.Next);
  if (state.Type === 'Choice') {
    for (const rule of state.Choices) if (typeof rule.Next === 'string') next.push(rule.Next);
    if (state.Default !== undefined) next.push(state.Default);
  }
  if ('Catch' in state && state.Catch) for (const catcher of state.Catch) next.push(catcher.Next);
  return next;
}
