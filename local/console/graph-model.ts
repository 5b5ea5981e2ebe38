/**
 * The console's model of an execution, as pure functions of its definition and history (no DOM,
 * no Node): the workflow graph (states, transitions, Parallel branches and Map processors as nested
 * groups), each state's status, each state's runs (input, output, error, retries, compensation) and
 * the timeline. `console.ts` draws them.
 */
import type {
  BranchDefinition,
  ChoiceRule,
  StateDefinition,
  StateMachineDefinition,
  StateType,
} from '../../lambdas/engine/definition.js';
import {
  isTerminal,
  type ExecutionStatus,
  type HistoryEvent,
  type HistoryEventType,
} from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { formatDuration } from '../api/duration.js';

/** What a state's node shows, from the history (also the class names of console.css). */
export const StateStatus = {
  NotRun: 'not-run',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** Succeeded after one or more retries, or waiting to retry. */
  Retried: 'retried',
  /** Succeeded, then undone by the saga. */
  Compensated: 'compensated',
} as const;
export type StateStatus = (typeof StateStatus)[keyof typeof StateStatus];

/** The pseudo-nodes where the machine starts and ends. */
export const START_NODE = '__start__';
export const END_NODE = '__end__';

/** Where the machine starts or ends. */
export interface TerminalNode {
  readonly id: typeof START_NODE | typeof END_NODE;
  readonly kind: 'start' | 'end';
  readonly label: string;
  /** Drawn outside every group. */
  readonly parent?: undefined;
}

/** A state; its id is its path (`Finish/0/Notify` for a state of a Parallel's first branch). */
export interface StateNode {
  readonly id: string;
  readonly kind: 'state';
  readonly label: string;
  readonly stateName: string;
  readonly type: StateType;
  /** A state of the machine itself, not of a branch (a rerun can start there). */
  readonly topLevel: boolean;
  /** The group (Parallel, Map, branch) it is drawn in. */
  readonly parent?: string;
}

export type GraphNode = TerminalNode | StateNode;

/** A box around a Parallel or Map state and its branches, or around one branch. */
export interface GraphGroup {
  readonly id: string;
  readonly label: string;
  readonly parent?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'default' | 'choice' | 'catch' | 'branch';
  readonly label: string;
}

export interface Graph {
  readonly nodes: readonly GraphNode[];
  readonly groups: readonly GraphGroup[];
  readonly edges: readonly GraphEdge[];
}

/** A retry a run waited for. */
export interface RetryRun {
  readonly attempt?: number;
  readonly delayMs?: number;
  readonly error?: string;
  readonly cause?: string;
}

/** One entry into a state, and how it went. */
export interface StateRun {
  readonly stateName: string;
  readonly threadId: string;
  readonly iteration?: number;
  readonly status: StateStatus;
  readonly enteredAt: number;
  readonly exitedAt?: number;
  readonly input?: Json;
  readonly output?: Json;
  /** What the task answered (before the state's result and output paths). */
  readonly result?: Json;
  readonly error?: string;
  readonly cause?: string;
  readonly attempts: number;
  readonly retries: readonly RetryRun[];
  /**
   * The variables the state (or the Catch that took its error) assigned as it exited, each as its
   * JSON text, as the exit event reports them. @default none assigned
   */
  readonly assignedVariables?: Readonly<Record<string, string>>;
}

/** One undoing of a state by the saga. */
export interface CompensationRun {
  readonly stateName: string;
  readonly resource?: string;
  readonly input?: Json;
  readonly attempt: number;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly error?: string;
  readonly cause?: string;
}

export interface TimelineRow {
  readonly id: number;
  readonly offsetMs: number;
  readonly type: HistoryEventType;
  readonly stateName: string;
  readonly details: string;
  readonly tone: 'failed' | 'compensation' | 'retried' | 'succeeded' | 'neutral';
}

/** The nodes the execution entered and the indexes in `graph.edges` of the edges it went along. */
export interface Traversal {
  readonly nodes: ReadonlySet<string>;
  readonly edges: ReadonlySet<number>;
}

/** Mutable while a history is read; handed out as the readonly types above. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The fields an event may carry, whatever its type: for code that reads them from events of many
 * types (a family such as `*StateEntered`, or every event of the timeline). Code reading a field
 * of one type narrows on `type` instead.
 */
interface EventFields {
  readonly id: number;
  readonly type: HistoryEventType;
  readonly timestamp: string;
  readonly stateName?: string;
  readonly threadId?: string;
  readonly index?: number;
  readonly input?: Json;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  readonly resource?: string;
  readonly attempt?: number;
  readonly delayMs?: number;
  readonly assignedVariables?: Readonly<Record<string, string>>;
}

const fieldsOf = (event: HistoryEvent): EventFields => event;

const CHOICE_OPERATORS: Readonly<Record<string, string>> = {
  StringEquals: '=',
  StringEqualsPath: '=',
  NumericEquals: '=',
  NumericEqualsPath: '=',
  BooleanEquals: '=',
  BooleanEqualsPath: '=',
  TimestampEquals: '=',
  NumericLessThan: '<',
  NumericLessThanPath: '<',
  NumericGreaterThan: '>',
  NumericGreaterThanPath: '>',
  NumericLessThanEquals: '≤',
  NumericLessThanEqualsPath: '≤',
  NumericGreaterThanEquals: '≥',
  NumericGreaterThanEqualsPath: '≥',
  StringMatches: '~',
  IsPresent: 'present:',
  IsNull: 'null:',
};

const MAX_EDGE_LABEL = 28;

function shorten(text: string): string {
  return text.length > MAX_EDGE_LABEL ? `${text.slice(0, MAX_EDGE_LABEL - 1)}…` : text;
}

/** A short description of a Choice rule, for its edge. */
export function describeChoiceRule(rule: ChoiceRule): string {
  if (Array.isArray(rule.And)) return `all of ${rule.And.length} rules`;
  if (Array.isArray(rule.Or)) return `any of ${rule.Or.length} rules`;
  if (rule.Not) return shorten(`not ${describeChoiceRule(rule.Not)}`);
  const operator = Object.keys(rule).find((key) => !['Variable', 'Next', 'Comment'].includes(key));
  if (!operator) return rule.Variable ?? 'rule';
  const symbol = CHOICE_OPERATORS[operator] ?? operator;
  return shorten(`${rule.Variable ?? ''} ${symbol} ${JSON.stringify(rule[operator])}`);
}

/** The branches of a Parallel state, or the item processor of a Map state (none for other types). */
function branchesOf(state: StateDefinition): readonly (BranchDefinition | undefined)[] {
  if (state.Type === 'Parallel') return state.Branches;
  if (state.Type === 'Map') return [state.ItemProcessor ?? state.Iterator];
  return [];
}

/**
 * The graph of a definition: a node per state (ids are paths, `Finish/0/Notify` for a state of a
 * Parallel's first branch), a group per Parallel or Map state holding the state's node and one
 * sub-group per branch (or the item processor), and edges for Next, End, Default, Choices, Catch
 * and the way into and out of each branch.
 */
export function buildGraph(definition: StateMachineDefinition): Graph {
  const nodes: GraphNode[] = [
    { id: START_NODE, kind: 'start', label: 'Start' },
    { id: END_NODE, kind: 'end', label: 'End' },
  ];
  const groups: GraphGroup[] = [];
  const edges: GraphEdge[] = [];
  const edge = (from: string, to: string, kind: GraphEdge['kind'], label = '') =>
    edges.push({ from, to, kind, label });

  /** Adds the states of `machine`; `exit` is where End leads. Returns the id of its StartAt state. */
  const addScope = (
    machine: StateMachineDefinition | BranchDefinition,
    prefix: string,
    parent: string | undefined,
    exit: string,
  ): string => {
    const idOf = (name: string) => `${prefix}${name}`;
    for (const [name, state] of Object.entries(machine.States)) {
      const id = idOf(name);
      // A Parallel or Map state is drawn inside its own group, with its branches.
      const drawnIn = state.Type === 'Parallel' || state.Type === 'Map' ? `${id}::group` : parent;
      nodes.push({
        id,
        kind: 'state',
        label: name,
        stateName: name,
        type: state.Type,
        topLevel: prefix === '',
        ...(drawnIn !== undefined ? { parent: drawnIn } : {}),
      });
    }
    for (const [name, state] of Object.entries(machine.States)) {
      const id = idOf(name);
      const next = 'Next' in state ? state.Next : undefined;
      const successor = next !== undefined ? idOf(next) : exit;
      switch (state.Type) {
        case 'Parallel':
        case 'Map': {
          const group = `${id}::group`;
          groups.push({
            id: group,
            label: `${name} (${state.Type})`,
            ...(parent !== undefined ? { parent } : {}),
          });
          branchesOf(state).forEach((branch, index) => {
            if (!branch) return;
            const sub = `${id}::branch${index}`;
            groups.push({
              id: sub,
              label: state.Type === 'Parallel' ? `Branch ${index + 1}` : 'Item processor',
              parent: group,
            });
            edge(id, addScope(branch, `${id}/${index}/`, sub, successor), 'branch');
          });
          break;
        }
        case 'Choice':
          for (const rule of state.Choices) {
            if (rule.Next !== undefined) edge(id, idOf(rule.Next), 'choice', describeChoiceRule(rule));
          }
          if (state.Default !== undefined) edge(id, idOf(state.Default), 'default', 'Default');
          break;
        case 'Fail':
          break;
        case 'Succeed':
          edge(id, exit, 'next');
          break;
        case 'Task':
        case 'Pass':
        case 'Wait':
          edge(id, successor, 'next');
          break;
        default: {
          const unknown: never = state;
          throw new TypeError(`Unknown state type ${(unknown as StateDefinition).Type}`);
        }
      }
      const catchers = 'Catch' in state ? (state.Catch ?? []) : [];
      for (const catcher of catchers) {
        edge(id, idOf(catcher.Next), 'catch', shorten(`Catch ${catcher.ErrorEquals.join(', ')}`));
      }
    }
    return idOf(machine.StartAt);
  };

  edge(START_NODE, addScope(definition, '', undefined, END_NODE), 'next');
  return { nodes, groups, edges };
}

const FAILURE_EVENTS: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'TaskFailed',
  'TaskTimedOut',
  'ParallelStateFailed',
  'MapStateFailed',
  'TaskStateAborted',
  'WaitStateAborted',
  'ParallelStateAborted',
  'MapStateAborted',
]);

/** Events that end the execution, or its forward run: states still open then have failed. */
const TERMINAL_EVENTS: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
  'CompensationStarted',
]);

/** Events of a state's run that change nothing about its status, or belong to the iterations. */
const NEUTRAL_EVENTS: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'ParallelStateStarted',
  'ParallelStateSucceeded',
  'MapStateStarted',
  'MapStateSucceeded',
  'MapIterationStarted',
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapIterationAborted',
]);

/** The error an event that ends a run reports: its own, or `Aborted` for an abort that names none. */
function failureOf(event: HistoryEvent): string | undefined {
  return fieldsOf(event).error ?? (event.type.endsWith('Aborted') ? 'Aborted' : undefined);
}

/**
 * Every run of every state: one per entry into the state, in order. A run has its thread, its
 * Map iteration (when known), times, input, output, error, attempts, retries and status.
 */
export function stateRuns(history: readonly HistoryEvent[]): StateRun[] {
  const runs: Mutable<StateRun>[] = [];
  const current = new Map<string, Mutable<StateRun>>();
  /** The Map iteration of each thread that is one (its index, when the event names it). */
  const iterationOf = new Map<string, number | undefined>();
  /** Where each Parallel run's branches began (the index of its ParallelStateStarted event). */
  const parallelStartedAt = new Map<string, number>();
  /** Where each thread's first run was entered. */
  const threadFirstSeen = new Map<string, number>();
  /** Ends the runs still open (running, or waiting to retry) that `match` picks: they failed. */
  const failOpen = (event: HistoryEvent, at: number, match: (run: StateRun) => boolean) => {
    for (const run of runs) {
      if (run.exitedAt !== undefined || !match(run)) continue;
      if (run.status !== StateStatus.Running && run.status !== StateStatus.Retried) continue;
      run.status = StateStatus.Failed;
      run.exitedAt = at;
      if (run.error === undefined) {
        run.error = failureOf(event);
        run.cause = fieldsOf(event).cause;
      }
    }
  };
  history.forEach((event, position) => {
    const at = Date.parse(event.timestamp);
    const { stateName, threadId } = fieldsOf(event);
    if (event.type === 'MapIterationStarted' && event.threadId !== undefined) {
      iterationOf.set(event.threadId, event.index);
    }
    if (TERMINAL_EVENTS.has(event.type)) {
      // The execution ended (or began undoing itself) with states still open: an error nothing
      // recorded against the state itself (States.Runtime, a path that did not match) ended them.
      failOpen(event, at, () => true);
      return;
    }
    if (event.type === 'MapIterationFailed' || event.type === 'MapIterationAborted') {
      failOpen(event, at, (run) => run.threadId === threadId);
    }
    if (event.type === 'ParallelStateStarted') {
      parallelStartedAt.set(`${threadId ?? ''}\u0000${stateName}`, position);
    }
    if (event.type === 'ParallelStateFailed') {
      // The branch that failed is not named: it is one of the threads that began since the
      // Parallel state started (its siblings are aborted by events of their own).
      const since = parallelStartedAt.get(`${threadId ?? ''}\u0000${stateName}`) ?? -1;
      failOpen(
        event,
        at,
        (run) =>
          run.threadId !== (threadId ?? 'root') &&
          !iterationOf.has(run.threadId) &&
          (threadFirstSeen.get(run.threadId) ?? -1) > since,
      );
    }
    if (stateName === undefined || event.type.startsWith('Compensation')) return;
    if (NEUTRAL_EVENTS.has(event.type)) return;
    const key = `${threadId ?? ''}\u0000${stateName}`;
    if (event.type.endsWith('StateEntered')) {
      const thread = threadId ?? 'root';
      if (!threadFirstSeen.has(thread)) threadFirstSeen.set(thread, position);
      const iteration = threadId !== undefined ? iterationOf.get(threadId) : undefined;
      const run: Mutable<StateRun> = {
        stateName,
        threadId: thread,
        ...(iteration !== undefined ? { iteration } : {}),
        status: StateStatus.Running,
        enteredAt: at,
        input: fieldsOf(event).input,
        attempts: 0,
        retries: [],
      };
      if (event.type === 'FailStateEntered') {
        run.status = StateStatus.Failed;
        run.exitedAt = at;
        run.error = fieldsOf(event).error;
        run.cause = fieldsOf(event).cause;
      }
      runs.push(run);
      current.set(key, run);
      return;
    }
    const run = current.get(key);
    if (!run) return;
    if (event.type === 'TaskScheduled') {
      run.attempts = Math.max(run.attempts, event.attempt ?? run.attempts + 1);
      if (run.status === StateStatus.Retried) run.status = StateStatus.Running;
    } else if (event.type === 'StateRetryScheduled') {
      run.retries = [
        ...run.retries,
        { attempt: event.attempt, delayMs: event.delayMs, error: event.error, cause: event.cause },
      ];
      run.status = StateStatus.Retried;
      // It failed, but it is not over: it runs again.
      delete run.exitedAt;
      delete run.error;
      delete run.cause;
    } else if (FAILURE_EVENTS.has(event.type)) {
      run.status = StateStatus.Failed;
      run.exitedAt = at;
      run.error = failureOf(event);
      run.cause = fieldsOf(event).cause;
    } else if (event.type.endsWith('StateExited')) {
      const { output, error, cause, assignedVariables } = fieldsOf(event);
      run.exitedAt = at;
      run.output = output;
      if (assignedVariables !== undefined) run.assignedVariables = assignedVariables;
      // Leaving with an error is a failure a Catch caught (one no task event recorded, such as a
      // States.Runtime error of the state's paths).
      if (error !== undefined && run.status !== StateStatus.Failed) {
        run.status = StateStatus.Failed;
        run.error = error;
        run.cause = cause;
      }
      // A failure caught by a Catch also leaves the state: it stays failed. Otherwise the errors
      // of earlier attempts are the retries'.
      if (run.status !== StateStatus.Failed) {
        run.status = run.retries.length > 0 ? StateStatus.Retried : StateStatus.Succeeded;
        delete run.error;
        delete run.cause;
      }
    } else if (event.type === 'TaskSucceeded') {
      run.result = event.output;
    }
  });
  return runs;
}

/** The compensations of the saga, in order: which state was undone, how, and how it went. */
export function compensations(history: readonly HistoryEvent[]): CompensationRun[] {
  const list: Mutable<CompensationRun>[] = [];
  for (const event of history) {
    const { stateName } = fieldsOf(event);
    if (stateName === undefined) continue;
    if (event.type === 'CompensationTaskScheduled') {
      list.push({
        stateName,
        resource: event.resource,
        input: event.input,
        attempt: event.attempt ?? 1,
        status: 'running',
        startedAt: Date.parse(event.timestamp),
      });
      continue;
    }
    const last = list.findLast((entry) => entry.stateName === stateName);
    if (!last) continue;
    if (event.type === 'CompensationTaskSucceeded') {
      last.status = 'succeeded';
      last.endedAt = Date.parse(event.timestamp);
    } else if (event.type === 'CompensationTaskFailed' || event.type === 'CompensationTaskTimedOut') {
      last.status = 'failed';
      last.error = fieldsOf(event).error;
      last.cause = fieldsOf(event).cause;
      last.endedAt = Date.parse(event.timestamp);
    }
  }
  return list;
}

const SEVERITY: readonly StateStatus[] = [
  StateStatus.Failed,
  StateStatus.Running,
  StateStatus.Retried,
  StateStatus.Succeeded,
  StateStatus.NotRun,
];

/**
 * The status of each state that ran, by state name (absent: not run). Per thread the latest run
 * counts (a redrive or a loop supersedes earlier ones); across threads (Map iterations) the most
 * severe wins. A state whose compensation succeeded is compensated; one whose compensation failed
 * is failed.
 */
export function stateStatuses(history: readonly HistoryEvent[]): Map<string, StateStatus> {
  const latest = new Map<string, StateRun>();
  for (const run of stateRuns(history)) latest.set(`${run.threadId}\u0000${run.stateName}`, run);
  const statuses = new Map<string, StateStatus>();
  for (const run of latest.values()) {
    const known = statuses.get(run.stateName);
    if (known === undefined || SEVERITY.indexOf(run.status) < SEVERITY.indexOf(known)) {
      statuses.set(run.stateName, run.status);
    }
  }
  for (const compensation of compensations(history)) {
    if (compensation.status === 'succeeded') statuses.set(compensation.stateName, StateStatus.Compensated);
    if (compensation.status === 'failed') statuses.set(compensation.stateName, StateStatus.Failed);
  }
  return statuses;
}

/**
 * How long a run took, or `in progress` while it still goes: never once it failed (a failed Map
 * iteration's state while the execution runs on) or once the execution ended (then it ran until the
 * execution stopped).
 */
export function runProgress(
  run: StateRun,
  execution: { readonly status: ExecutionStatus; readonly stopTime?: string },
): string {
  if (run.exitedAt !== undefined) return formatDuration(run.exitedAt - run.enteredAt);
  if (run.status === StateStatus.Failed || isTerminal(execution.status)) {
    return execution.stopTime ? formatDuration(Date.parse(execution.stopTime) - run.enteredAt) : '';
  }
  return 'in progress';
}

/** The timeline's rows: time since the start, the event, its state and what it says. */
export function timelineRows(history: readonly HistoryEvent[]): TimelineRow[] {
  const first = history[0];
  const start = first ? Date.parse(first.timestamp) : 0;
  return history.map((event) => {
    const { attempt, delayMs, resource, index, error, cause, stateName, assignedVariables } = fieldsOf(event);
    const details: string[] = [];
    if (attempt !== undefined && attempt > 1) details.push(`attempt ${attempt}`);
    if (delayMs !== undefined) details.push(`retry in ${formatDuration(delayMs)}`);
    if (resource !== undefined && event.type.endsWith('Scheduled')) details.push(resource);
    if (index !== undefined) details.push(`item ${index}`);
    if (error !== undefined) details.push(`${error}${cause ? `: ${cause}` : ''}`);
    if (assignedVariables !== undefined) {
      const names = Object.keys(assignedVariables).map((name) => `$${name}`);
      details.push(`assigned ${names.join(', ')}`);
    }
    return {
      id: event.id,
      offsetMs: Date.parse(event.timestamp) - start,
      type: event.type,
      stateName: stateName ?? '',
      details: details.join(' · '),
      tone: toneOf(event.type),
    };
  });
}

function toneOf(type: HistoryEventType): TimelineRow['tone'] {
  if (type.startsWith('Compensation')) return type.endsWith('Failed') ? 'failed' : 'compensation';
  if (type === 'StateRetryScheduled') return 'retried';
  if (/Failed|TimedOut|Aborted$/.test(type) || type === 'FailStateEntered') return 'failed';
  if (type.endsWith('Exited') || type === 'ExecutionSucceeded') return 'succeeded';
  return 'neutral';
}

/**
 * The path the execution took, from its history: the nodes it entered (Start, every state that
 * ran, End once it succeeded) and the indexes in `graph.edges` of the edges it went along — from a
 * state to the next one its thread entered (a Catch edge when the state failed), into a branch or
 * Map iteration from its Parallel or Map state, out of a branch to the state after it, and to End.
 */
export function traversal(
  graph: Pick<Graph, 'nodes' | 'edges'>,
  history: readonly HistoryEvent[],
): { nodes: Set<string>; edges: Set<number> } {
  const nodes = new Set<string>();
  const edges = new Set<number>();
  const runs = stateRuns(history);
  if (runs.length === 0) return { nodes, edges };
  const nodesOf = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (node.kind !== 'state') continue;
    nodesOf.set(node.stateName, [...(nodesOf.get(node.stateName) ?? []), node.id]);
  }
  const idsOf = (stateName: string): readonly string[] => nodesOf.get(stateName) ?? [];
  /** Marks one edge from one of `from` to one of `to`, preferring `kinds` in order. */
  const take = (
    from: readonly string[],
    to: readonly string[],
    kinds: readonly GraphEdge['kind'][],
  ): boolean => {
    const candidates = graph.edges
      .map((edge, index) => ({ edge, index }))
      .filter(({ edge }) => from.includes(edge.from) && to.includes(edge.to));
    for (const kind of kinds) {
      const found = candidates.find(({ edge }) => edge.kind === kind);
      if (found) {
        edges.add(found.index);
        return true;
      }
    }
    return false;
  };
  const ANY_FORWARD: readonly GraphEdge['kind'][] = ['next', 'choice', 'default', 'branch'];
  const byThread = new Map<string, StateRun[]>();
  for (const run of runs) {
    for (const id of idsOf(run.stateName)) nodes.add(id);
    byThread.set(run.threadId, [...(byThread.get(run.threadId) ?? []), run]);
  }
  const succeeded = history.some((event) => event.type === 'ExecutionSucceeded');
  nodes.add(START_NODE);
  if (succeeded) nodes.add(END_NODE);
  for (const [threadId, list] of byThread) {
    const [first] = list;
    if (!first) continue;
    if (threadId === 'root') take([START_NODE], idsOf(first.stateName), ['next']);
    else
      take(
        graph.edges.map((edge) => edge.from),
        idsOf(first.stateName),
        ['branch'],
      );
    list.forEach((run, i) => {
      const previous = list[i - 1];
      if (!previous) return;
      const kinds =
        previous.status === StateStatus.Failed
          ? ['catch' as const, ...ANY_FORWARD]
          : [...ANY_FORWARD, 'catch' as const];
      take(idsOf(previous.stateName), idsOf(run.stateName), kinds);
    });
    const last = list[list.length - 1] ?? first;
    if (last.exitedAt === undefined || last.status === StateStatus.Failed) continue;
    // The thread's last state ended it: its edge out of the branch (or to End) was taken, if the
    // state it leads to ran (or the execution succeeded).
    const from = idsOf(last.stateName);
    const exit = graph.edges.findIndex(
      (edge) =>
        from.includes(edge.from) &&
        edge.kind === 'next' &&
        (edge.to === END_NODE ? succeeded : threadId !== 'root' && nodes.has(edge.to)),
    );
    if (exit >= 0) edges.add(exit);
  }
  return { nodes, edges };
}
