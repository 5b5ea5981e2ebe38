/**
 * The console's model of an execution, as pure functions of its definition and history (no DOM):
 * the workflow graph (states, transitions, Parallel branches and Map processors as nested groups),
 * each state's status, each state's runs (input, output, error, retries, compensation) and the
 * timeline. `console.js` draws them; `graph-model.d.ts` types them for the tests.
 */

/** What a state's node shows, from the history. */
export const StateStatus = Object.freeze({
  NotRun: 'not-run',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** Succeeded after one or more retries, or waiting to retry. */
  Retried: 'retried',
  /** Succeeded, then undone by the saga. */
  Compensated: 'compensated',
});

/** The pseudo-nodes where the machine starts and ends. */
export const START_NODE = '__start__';
export const END_NODE = '__end__';

const CHOICE_OPERATORS = {
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

function shorten(text) {
  return text.length > MAX_EDGE_LABEL ? `${text.slice(0, MAX_EDGE_LABEL - 1)}…` : text;
}

/** A short description of a Choice rule, for its edge. */
export function describeChoiceRule(rule) {
  if (Array.isArray(rule.And)) return `all of ${rule.And.length} rules`;
  if (Array.isArray(rule.Or)) return `any of ${rule.Or.length} rules`;
  if (rule.Not) return shorten(`not ${describeChoiceRule(rule.Not)}`);
  const operator = Object.keys(rule).find((key) => !['Variable', 'Next', 'Comment'].includes(key));
  if (!operator) return rule.Variable ?? 'rule';
  const symbol = CHOICE_OPERATORS[operator] ?? operator;
  return shorten(`${rule.Variable ?? ''} ${symbol} ${JSON.stringify(rule[operator])}`);
}

/**
 * The graph of a definition: a node per state (ids are paths, `Finish/0/Notify` for a state of a
 * Parallel's first branch), a group per Parallel or Map state holding the state's node and one
 * sub-group per branch (or the item processor), and edges for Next, End, Default, Choices, Catch
 * and the way into and out of each branch.
 */
export function buildGraph(definition) {
  const nodes = [
    { id: START_NODE, kind: 'start', label: 'Start' },
    { id: END_NODE, kind: 'end', label: 'End' },
  ];
  const groups = [];
  const edges = [];
  const edge = (from, to, kind, label = '') => edges.push({ from, to, kind, label });

  /** Adds the states of `machine`; `exit` is where End leads. Returns the id of its StartAt state. */
  const addScope = (machine, prefix, parent, exit) => {
    const idOf = (name) => `${prefix}${name}`;
    for (const [name, state] of Object.entries(machine.States)) {
      nodes.push({
        id: idOf(name),
        kind: 'state',
        label: name,
        stateName: name,
        type: state.Type,
        topLevel: prefix === '',
        ...(parent !== undefined ? { parent } : {}),
      });
    }
    for (const [name, state] of Object.entries(machine.States)) {
      const id = idOf(name);
      const successor = state.Next !== undefined ? idOf(state.Next) : exit;
      switch (state.Type) {
        case 'Parallel':
        case 'Map': {
          const group = `${id}::group`;
          groups.push({
            id: group,
            label: `${name} (${state.Type})`,
            ...(parent !== undefined ? { parent } : {}),
          });
          const node = nodes.find((candidate) => candidate.id === id);
          node.parent = group;
          const branches =
            state.Type === 'Parallel' ? state.Branches : [state.ItemProcessor ?? state.Iterator];
          branches.forEach((branch, index) => {
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
          for (const rule of state.Choices ?? []) {
            if (rule.Next !== undefined) edge(id, idOf(rule.Next), 'choice', describeChoiceRule(rule));
          }
          if (state.Default !== undefined) edge(id, idOf(state.Default), 'default', 'Default');
          break;
        case 'Fail':
          break;
        case 'Succeed':
          edge(id, exit, 'next');
          break;
        default:
          edge(id, successor, 'next');
      }
      for (const catcher of state.Catch ?? []) {
        edge(id, idOf(catcher.Next), 'catch', shorten(`Catch ${catcher.ErrorEquals.join(', ')}`));
      }
    }
    return idOf(machine.StartAt);
  };

  edge(START_NODE, addScope(definition, '', undefined, END_NODE), 'next');
  return { nodes, groups, edges };
}

const FAILURE_EVENTS = new Set([
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
const TERMINAL_EVENTS = new Set([
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
  'CompensationStarted',
]);

/** Events of a state's run that change nothing about its status, or belong to the iterations. */
const NEUTRAL_EVENTS = new Set([
  'ParallelStateStarted',
  'ParallelStateSucceeded',
  'MapStateStarted',
  'MapStateSucceeded',
  'MapIterationStarted',
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapIterationAborted',
]);

/**
 * Every run of every state: one per entry into the state, in order. A run has its thread, its
 * Map iteration (when known), times, input, output, error, attempts, retries and status.
 */
export function stateRuns(history) {
  const runs = [];
  const current = new Map();
  const iterationOf = new Map();
  /** Where each Parallel run's branches began (the index of its ParallelStateStarted event). */
  const parallelStartedAt = new Map();
  /** Where each thread's first run was entered. */
  const threadFirstSeen = new Map();
  /** Ends the runs still open (running, or waiting to retry) that `match` picks: they failed. */
  const failOpen = (event, at, match) => {
    for (const run of runs) {
      if (run.exitedAt !== undefined || !match(run)) continue;
      if (run.status !== StateStatus.Running && run.status !== StateStatus.Retried) continue;
      run.status = StateStatus.Failed;
      run.exitedAt = at;
      if (run.error === undefined) {
        run.error = event.error ?? (event.type.endsWith('Aborted') ? 'Aborted' : undefined);
        run.cause = event.cause;
      }
    }
  };
  history.forEach((event, position) => {
    const at = Date.parse(event.timestamp);
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
      failOpen(event, at, (run) => run.threadId === event.threadId);
    }
    if (event.type === 'ParallelStateStarted') {
      parallelStartedAt.set(`${event.threadId ?? ''}\u0000${event.stateName}`, position);
    }
    if (event.type === 'ParallelStateFailed') {
      // The branch that failed is not named: it is one of the threads that began since the
      // Parallel state started (its siblings are aborted by events of their own).
      const since = parallelStartedAt.get(`${event.threadId ?? ''}\u0000${event.stateName}`) ?? -1;
      failOpen(
        event,
        at,
        (run) =>
          run.threadId !== (event.threadId ?? 'root') &&
          !iterationOf.has(run.threadId) &&
          (threadFirstSeen.get(run.threadId) ?? -1) > since,
      );
    }
    if (event.stateName === undefined || event.type.startsWith('Compensation')) return;
    if (NEUTRAL_EVENTS.has(event.type)) return;
    const key = `${event.threadId ?? ''}\u0000${event.stateName}`;
    if (event.type.endsWith('StateEntered')) {
      if (!threadFirstSeen.has(event.threadId ?? 'root'))
        threadFirstSeen.set(event.threadId ?? 'root', position);
      const run = {
        stateName: event.stateName,
        threadId: event.threadId ?? 'root',
        iteration: iterationOf.get(event.threadId),
        status: event.type === 'FailStateEntered' ? StateStatus.Failed : StateStatus.Running,
        enteredAt: at,
        input: event.input,
        attempts: 0,
        retries: [],
      };
      if (event.type === 'FailStateEntered') {
        run.exitedAt = at;
        run.error = event.error;
        run.cause = event.cause;
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
      run.retries.push({
        attempt: event.attempt,
        delayMs: event.delayMs,
        error: event.error,
        cause: event.cause,
      });
      run.status = StateStatus.Retried;
      // It failed, but it is not over: it runs again.
      delete run.exitedAt;
      delete run.error;
      delete run.cause;
    } else if (FAILURE_EVENTS.has(event.type)) {
      run.status = StateStatus.Failed;
      run.exitedAt = at;
      run.error = event.error ?? (event.type.endsWith('Aborted') ? 'Aborted' : undefined);
      run.cause = event.cause;
    } else if (event.type.endsWith('StateExited')) {
      run.exitedAt = at;
      run.output = event.output;
      // Leaving with an error is a failure a Catch caught (one no task event recorded, such as a
      // States.Runtime error of the state's paths).
      if (event.error !== undefined && run.status !== StateStatus.Failed) {
        run.status = StateStatus.Failed;
        run.error = event.error;
        run.cause = event.cause;
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
export function compensations(history) {
  const list = [];
  for (const event of history) {
    if (event.type === 'CompensationTaskScheduled') {
      list.push({
        stateName: event.stateName,
        resource: event.resource,
        input: event.input,
        attempt: event.attempt ?? 1,
        status: 'running',
        startedAt: Date.parse(event.timestamp),
      });
      continue;
    }
    const last = list.findLast((entry) => entry.stateName === event.stateName);
    if (!last) continue;
    if (event.type === 'CompensationTaskSucceeded') {
      last.status = 'succeeded';
      last.endedAt = Date.parse(event.timestamp);
    } else if (event.type === 'CompensationTaskFailed' || event.type === 'CompensationTaskTimedOut') {
      last.status = 'failed';
      last.error = event.error;
      last.cause = event.cause;
      last.endedAt = Date.parse(event.timestamp);
    }
  }
  return list;
}

const SEVERITY = [
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
export function stateStatuses(history) {
  const latest = new Map();
  for (const run of stateRuns(history)) latest.set(`${run.threadId}\u0000${run.stateName}`, run);
  const statuses = new Map();
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

/** A duration for people: `850 ms`, `2.40 s`, `3 min 05 s`. */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** The timeline's rows: time since the start, the event, its state and what it says. */
export function timelineRows(history) {
  const start = history.length > 0 ? Date.parse(history[0].timestamp) : 0;
  return history.map((event) => {
    const details = [];
    if (event.attempt !== undefined && event.attempt > 1) details.push(`attempt ${event.attempt}`);
    if (event.delayMs !== undefined) details.push(`retry in ${formatDuration(event.delayMs)}`);
    if (event.resource !== undefined && event.type.endsWith('Scheduled')) details.push(event.resource);
    if (event.index !== undefined) details.push(`item ${event.index}`);
    if (event.error !== undefined) details.push(`${event.error}${event.cause ? `: ${event.cause}` : ''}`);
    return {
      id: event.id,
      offsetMs: Date.parse(event.timestamp) - start,
      type: event.type,
      stateName: event.stateName ?? '',
      details: details.join(' · '),
      tone: toneOf(event.type),
    };
  });
}

function toneOf(type) {
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
export function traversal(graph, history) {
  const nodes = new Set();
  const edges = new Set();
  const runs = stateRuns(history);
  if (runs.length === 0) return { nodes, edges };
  const nodesOf = new Map();
  for (const node of graph.nodes) {
    if (node.kind !== 'state') continue;
    nodesOf.set(node.stateName, [...(nodesOf.get(node.stateName) ?? []), node.id]);
  }
  const idsOf = (stateName) => nodesOf.get(stateName) ?? [];
  /** Marks one edge from one of `from` to one of `to`, preferring `kinds` in order. */
  const take = (from, to, kinds) => {
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
  const ANY_FORWARD = ['next', 'choice', 'default', 'branch'];
  const byThread = new Map();
  for (const run of runs) {
    for (const id of idsOf(run.stateName)) nodes.add(id);
    byThread.set(run.threadId, [...(byThread.get(run.threadId) ?? []), run]);
  }
  const succeeded = history.some((event) => event.type === 'ExecutionSucceeded');
  nodes.add(START_NODE);
  if (succeeded) nodes.add(END_NODE);
  for (const [threadId, list] of byThread) {
    const first = list[0];
    if (threadId === 'root') take([START_NODE], idsOf(first.stateName), ['next']);
    else
      take(
        graph.edges.map((edge) => edge.from),
        idsOf(first.stateName),
        ['branch'],
      );
    for (let i = 1; i < list.length; i++) {
      const from = idsOf(list[i - 1].stateName);
      const to = idsOf(list[i].stateName);
      const kinds =
        list[i - 1].status === StateStatus.Failed ? ['catch', ...ANY_FORWARD] : [...ANY_FORWARD, 'catch'];
      take(from, to, kinds);
    }
    const last = list[list.length - 1];
    if (last.exitedAt === undefined || last.status === StateStatus.Failed) continue;
    // The thread's last state ended it: its edge out of the branch (or to End) was taken, if the
    // state it leads to ran (or the execution succeeded).
    const from = idsOf(last.stateName);
    const exits = graph.edges.filter(
      (edge) =>
        from.includes(edge.from) &&
        edge.kind === 'next' &&
        (edge.to === END_NODE ? succeeded : threadId !== 'root' && nodes.has(edge.to)),
    );
    if (exits.length > 0) edges.add(graph.edges.indexOf(exits[0]));
  }
  return { nodes, edges };
}
