import { describe, expect, it } from 'vitest';
import type { HistoryEvent, HistoryEventType } from '../../../lambdas/engine/execution.js';
import type { Json } from '../../../lambdas/engine/json.js';
import {
  END_NODE,
  START_NODE,
  buildGraph,
  compensations,
  describeChoiceRule,
  runProgress,
  stateRuns,
  stateStatuses,
  timelineRows,
  traversal,
} from '../../../local/console/graph-model.js';
import { placeOrder } from './sample-domain.js';

/** The fields a test gives an event, whatever its type (only those the model reads matter). */
type EventFields = Partial<Record<'stateName' | 'threadId' | 'error' | 'cause' | 'resource', string>> &
  Partial<Record<'index' | 'attempt' | 'delayMs', number>> &
  Partial<Record<'input' | 'output', Json>> & { assignedVariables?: Record<string, string> };

/** A history, one event per 10 ms from 00:00:00; events have only the fields given (and a thread). */
function history(...events: [HistoryEventType, EventFields?][]): HistoryEvent[] {
  return events.map(
    ([type, fields], index) =>
      ({
        id: index + 1,
        type,
        timestamp: new Date(Date.UTC(2026, 0, 1) + index * 10).toISOString(),
        threadId: 'root',
        ...fields,
      }) as HistoryEvent,
  );
}

describe('the workflow graph', () => {
  const graph = buildGraph(placeOrder);
  const edge = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to);

  it('has a node per state, nested states named by their path', () => {
    const ids = graph.nodes.filter((node) => node.kind === 'state').map((node) => node.id);
    expect(ids).toEqual([
      'Reserve',
      'IsLarge',
      'FraudCheck',
      'Charge',
      'Declined',
      'Ship',
      'Finish',
      'Done',
      'Finish/0/Notify',
      'Finish/1/Pack',
      'Finish/1/Pack/0/PackItem',
    ]);
  });

  it('links Start to StartAt, Next to the next state, and Succeed to End', () => {
    expect(edge(START_NODE, 'Reserve')?.kind).toBe('next');
    expect(edge('Reserve', 'IsLarge')?.kind).toBe('next');
    expect(edge('Done', END_NODE)?.kind).toBe('next');
  });

  it('labels Choice rules with their comparison and marks Default', () => {
    expect(edge('IsLarge', 'FraudCheck')).toEqual({
      from: 'IsLarge',
      to: 'FraudCheck',
      kind: 'choice',
      label: '$.total > 1000',
    });
    expect(edge('IsLarge', 'Charge')).toMatchObject({ kind: 'default', label: 'Default' });
  });

  it('draws Catch as its own edge, and nothing out of a Fail state', () => {
    expect(edge('Charge', 'Declined')).toMatchObject({ kind: 'catch', label: 'Catch Payment.Declined' });
    expect(graph.edges.filter((e) => e.from === 'Declined')).toEqual([]);
  });

  it('nests Parallel branches and Map processors as groups holding their states', () => {
    expect(graph.groups).toEqual([
      { id: 'Finish::group', label: 'Finish (Parallel)' },
      { id: 'Finish::branch0', label: 'Branch 1', parent: 'Finish::group' },
      { id: 'Finish::branch1', label: 'Branch 2', parent: 'Finish::group' },
      { id: 'Finish/1/Pack::group', label: 'Pack (Map)', parent: 'Finish::branch1' },
      { id: 'Finish/1/Pack::branch0', label: 'Item processor', parent: 'Finish/1/Pack::group' },
    ]);
    const parentOf = (id: string) => graph.nodes.find((node) => node.id === id)?.parent;
    expect(parentOf('Finish')).toBe('Finish::group');
    expect(parentOf('Finish/1/Pack/0/PackItem')).toBe('Finish/1/Pack::branch0');
  });

  it('enters each branch from its Parallel or Map state and leaves every branch to the next state', () => {
    expect(edge('Finish', 'Finish/0/Notify')?.kind).toBe('branch');
    expect(edge('Finish/1/Pack', 'Finish/1/Pack/0/PackItem')?.kind).toBe('branch');
    expect(edge('Finish/0/Notify', 'Done')?.kind).toBe('next');
    expect(edge('Finish/1/Pack/0/PackItem', 'Done')?.kind).toBe('next');
    expect(edge('Finish', 'Done')).toBeUndefined();
  });

  it('describes combined Choice rules briefly', () => {
    expect(describeChoiceRule({ And: [{}, {}], Next: 'X' })).toBe('all of 2 rules');
    expect(describeChoiceRule({ Not: { Variable: '$.ok', BooleanEquals: true }, Next: 'X' })).toBe(
      'not $.ok = true',
    );
    expect(describeChoiceRule({ Variable: '$.customer.address.country.code', StringEquals: 'FR' })).toBe(
      '$.customer.address.country.…',
    );
  });
});

describe('state statuses from the history', () => {
  it('leaves out states that did not run', () => {
    const statuses = stateStatuses(history(['ExecutionStarted'], ['TaskStateEntered', { stateName: 'A' }]));
    expect(statuses.has('B')).toBe(false);
  });

  it('shows an entered state as running and an exited one as succeeded', () => {
    const statuses = stateStatuses(
      history(
        ['PassStateEntered', { stateName: 'A' }],
        ['PassStateExited', { stateName: 'A' }],
        ['TaskStateEntered', { stateName: 'B' }],
        ['TaskScheduled', { stateName: 'B', attempt: 1 }],
      ),
    );
    expect(Object.fromEntries(statuses)).toEqual({ A: 'succeeded', B: 'running' });
  });

  it('shows a state that succeeded after a retry, or waits to retry, as retried', () => {
    const retried = history(
      ['TaskStateEntered', { stateName: 'A' }],
      ['TaskFailed', { stateName: 'A', error: 'Busy' }],
      ['StateRetryScheduled', { stateName: 'A', attempt: 2, delayMs: 1000, error: 'Busy' }],
    );
    expect(stateStatuses(retried).get('A')).toBe('retried');
    const done = [
      ...retried,
      ...history(['TaskScheduled', { stateName: 'A', attempt: 2 }], ['TaskStateExited', { stateName: 'A' }]),
    ];
    expect(stateStatuses(done).get('A')).toBe('retried');
  });

  it('keeps a state whose failure was caught as failed', () => {
    const statuses = stateStatuses(
      history(
        ['TaskStateEntered', { stateName: 'A' }],
        ['TaskFailed', { stateName: 'A', error: 'E' }],
        ['TaskStateExited', { stateName: 'A' }],
        ['FailStateEntered', { stateName: 'F', error: 'E' }],
      ),
    );
    expect(Object.fromEntries(statuses)).toEqual({ A: 'failed', F: 'failed' });
  });

  it('shows an undone state as compensated, and one whose undoing failed as failed', () => {
    const statuses = stateStatuses(
      history(
        ['TaskStateEntered', { stateName: 'A' }],
        ['TaskStateExited', { stateName: 'A' }],
        ['TaskStateEntered', { stateName: 'B' }],
        ['TaskStateExited', { stateName: 'B' }],
        ['CompensationStarted', { threadId: undefined }],
        ['CompensationTaskScheduled', { stateName: 'B', threadId: undefined }],
        ['CompensationTaskFailed', { stateName: 'B', error: 'E', threadId: undefined }],
        ['CompensationTaskScheduled', { stateName: 'A', threadId: undefined }],
        ['CompensationTaskSucceeded', { stateName: 'A', threadId: undefined }],
      ),
    );
    expect(Object.fromEntries(statuses)).toEqual({ A: 'compensated', B: 'failed' });
  });

  it('shows a Map processor state failed when one iteration failed', () => {
    const statuses = stateStatuses(
      history(
        ['MapIterationStarted', { stateName: 'M', threadId: '7', index: 0 }],
        ['PassStateEntered', { stateName: 'I', threadId: '7' }],
        ['PassStateExited', { stateName: 'I', threadId: '7' }],
        ['MapIterationStarted', { stateName: 'M', threadId: '8', index: 1 }],
        ['TaskStateEntered', { stateName: 'I', threadId: '8' }],
        ['TaskFailed', { stateName: 'I', threadId: '8', error: 'E' }],
      ),
    );
    expect(statuses.get('I')).toBe('failed');
    expect(statuses.has('M')).toBe(false);
  });

  it('lets a redriven run supersede the failed one', () => {
    const statuses = stateStatuses(
      history(
        ['TaskStateEntered', { stateName: 'A' }],
        ['TaskFailed', { stateName: 'A', error: 'E' }],
        ['ExecutionFailed', {}],
        ['ExecutionRedriven', {}],
        ['TaskStateEntered', { stateName: 'A' }],
        ['TaskStateExited', { stateName: 'A' }],
      ),
    );
    expect(statuses.get('A')).toBe('succeeded');
  });
});

describe('state runs, compensations and the timeline', () => {
  const events = history(
    ['ExecutionStarted', { threadId: undefined }],
    ['TaskStateEntered', { stateName: 'A', input: { a: 1 } }],
    ['TaskScheduled', { stateName: 'A', attempt: 1, resource: 'baton:worker:a' }],
    ['TaskFailed', { stateName: 'A', error: 'Busy', cause: 'later' }],
    ['StateRetryScheduled', { stateName: 'A', attempt: 2, delayMs: 1000, error: 'Busy' }],
    ['TaskScheduled', { stateName: 'A', attempt: 2, resource: 'baton:worker:a' }],
    ['TaskSucceeded', { stateName: 'A', output: { r: 2 } }],
    ['TaskStateExited', { stateName: 'A', output: { a: 1, r: 2 } }],
    ['CompensationTaskScheduled', { stateName: 'A', resource: 'baton:worker:undo-a', input: { x: 1 } }],
    ['CompensationTaskSucceeded', { stateName: 'A' }],
  );

  it("records a state's input, output, attempts, retries and duration", () => {
    expect(stateRuns(events)).toEqual([
      {
        stateName: 'A',
        threadId: 'root',
        iteration: undefined,
        status: 'retried',
        enteredAt: Date.UTC(2026, 0, 1) + 10,
        exitedAt: Date.UTC(2026, 0, 1) + 70,
        input: { a: 1 },
        output: { a: 1, r: 2 },
        result: { r: 2 },
        attempts: 2,
        retries: [{ attempt: 2, delayMs: 1000, error: 'Busy', cause: undefined }],
      },
    ]);
  });

  it('lists the compensations with their resource, input and outcome', () => {
    expect(compensations(events)).toEqual([
      {
        stateName: 'A',
        resource: 'baton:worker:undo-a',
        input: { x: 1 },
        attempt: 1,
        status: 'succeeded',
        startedAt: Date.UTC(2026, 0, 1) + 80,
        endedAt: Date.UTC(2026, 0, 1) + 90,
      },
    ]);
  });

  it('gives each timeline row its offset, details and tone', () => {
    const rows = timelineRows(events);
    expect(rows[3]).toEqual({
      id: 4,
      offsetMs: 30,
      type: 'TaskFailed',
      stateName: 'A',
      details: 'Busy: later',
      tone: 'failed',
    });
    expect(rows[4]?.details).toBe('attempt 2 · retry in 1.00 s · Busy');
    expect(rows[4]?.tone).toBe('retried');
    expect(rows[8]?.tone).toBe('compensation');
  });
});

describe('the variables a state assigned', () => {
  const events = history(
    ['PassStateEntered', { stateName: 'Total', input: { n: 2 } }],
    ['PassStateExited', { stateName: 'Total', output: {}, assignedVariables: { total: '2', who: '"c-1"' } }],
    ['TaskStateEntered', { stateName: 'Charge', input: {} }],
    ['TaskStateExited', { stateName: 'Charge', output: {} }],
  );

  it("keeps them on the state's run, as the exit event reports them", () => {
    const [total, charge] = stateRuns(events);
    expect(total?.assignedVariables).toEqual({ total: '2', who: '"c-1"' });
    expect(charge).not.toHaveProperty('assignedVariables');
  });

  it('names them in the timeline row of the exit', () => {
    expect(timelineRows(events)[1]?.details).toBe('assigned $total, $who');
    expect(timelineRows(events)[3]?.details).toBe('');
  });
});

describe('a failed execution', () => {
  it('shows the state that failed without a state event (States.Runtime) as failed, not running', () => {
    const events = history(
      ['ExecutionStarted', { threadId: undefined }],
      ['TaskStateEntered', { stateName: 'A' }],
      ['TaskScheduled', { stateName: 'A', attempt: 1 }],
      ['TaskSucceeded', { stateName: 'A', output: {} }],
      ['ExecutionFailed', { threadId: undefined, error: 'States.Runtime', cause: 'no $.x' }],
    );
    expect(stateStatuses(events).get('A')).toBe('failed');
    expect(stateRuns(events)[0]).toMatchObject({
      status: 'failed',
      error: 'States.Runtime',
      cause: 'no $.x',
      exitedAt: Date.UTC(2026, 0, 1) + 40,
    });
  });

  it('gives a failed task run an end, so it is not in progress', () => {
    const events = history(
      ['TaskStateEntered', { stateName: 'A' }],
      ['TaskScheduled', { stateName: 'A', attempt: 1 }],
      ['TaskFailed', { stateName: 'A', error: 'E', cause: 'c' }],
      ['ExecutionFailed', { threadId: undefined, error: 'E', cause: 'c' }],
    );
    expect(stateRuns(events)[0]).toMatchObject({ status: 'failed', exitedAt: Date.UTC(2026, 0, 1) + 20 });
  });

  it('shows a state left with an error caught by a Catch as failed', () => {
    const events = history(
      ['PassStateEntered', { stateName: 'A' }],
      ['PassStateExited', { stateName: 'A', error: 'States.Runtime', cause: 'bad path' }],
      ['FailStateEntered', { stateName: 'F' }],
    );
    expect(Object.fromEntries(stateStatuses(events))).toEqual({ A: 'failed', F: 'failed' });
  });

  it("fails the open state of the Map iteration that failed, and of the Parallel's failed branch", () => {
    const events = history(
      ['ParallelStateEntered', { stateName: 'P' }],
      ['ParallelStateStarted', { stateName: 'P' }],
      ['PassStateEntered', { stateName: 'B1', threadId: '2' }],
      ['MapIterationStarted', { stateName: 'M', threadId: '3', index: 0 }],
      ['TaskStateEntered', { stateName: 'I', threadId: '3' }],
      ['MapIterationFailed', { stateName: 'M', threadId: '3', error: 'E' }],
      ['ParallelStateFailed', { stateName: 'P', error: 'E' }],
      ['ParallelStateExited', { stateName: 'P', error: 'E' }],
      ['SucceedStateEntered', { stateName: 'S' }],
    );
    const statuses = stateStatuses(events);
    expect(statuses.get('I')).toBe('failed');
    expect(statuses.get('B1')).toBe('failed');
    expect(statuses.get('P')).toBe('failed');
  });

  it('leaves a state that is still running running', () => {
    const events = history(['TaskStateEntered', { stateName: 'A' }], ['TaskScheduled', { stateName: 'A' }]);
    expect(stateRuns(events)[0]?.exitedAt).toBeUndefined();
    expect(stateStatuses(events).get('A')).toBe('running');
  });
});

describe("a run's progress in its panel", () => {
  const running = { status: 'RUNNING' } as const;

  it('is in progress while the run and the execution go on', () => {
    const [run] = stateRuns(history(['TaskStateEntered', { stateName: 'A' }]));
    expect(run && runProgress(run, running)).toBe('in progress');
  });

  it('is how long the run took once it left the state', () => {
    const [run] = stateRuns(
      history(['TaskStateEntered', { stateName: 'A' }], ['TaskStateExited', { stateName: 'A' }]),
    );
    expect(run && runProgress(run, running)).toBe('10 ms');
  });

  it('is not in progress for a failed run while the execution runs on (a failed Map iteration)', () => {
    const [, run] = stateRuns(
      history(
        ['MapStateEntered', { stateName: 'M' }],
        ['MapIterationStarted', { stateName: 'M', threadId: '2', index: 0 }],
        ['TaskStateEntered', { stateName: 'I', threadId: '2' }],
        ['MapIterationFailed', { stateName: 'M', threadId: '2', error: 'E' }],
      ),
    );
    expect(run?.status).toBe('failed');
    expect(run && runProgress(run, running)).not.toBe('in progress');
  });

  it('runs until the execution stopped for a run the end of the execution left open', () => {
    const [run] = stateRuns(history(['TaskStateEntered', { stateName: 'A' }]));
    const stopped = {
      status: 'ABORTED',
      stopTime: new Date(Date.UTC(2026, 0, 1) + 2500).toISOString(),
    } as const;
    expect(run && runProgress(run, stopped)).toBe('2.50 s');
    expect(run && runProgress(run, { status: 'FAILED' })).toBe('');
  });
});

describe('the path taken', () => {
  const graph = buildGraph(placeOrder);
  const taken = (events: HistoryEvent[]) => {
    const { nodes, edges } = traversal(graph, events);
    return {
      nodes: [...nodes].sort(),
      edges: [...edges].map((index) => {
        const edge = graph.edges[index];
        return `${edge?.from}->${edge?.to}:${edge?.kind}`;
      }),
    };
  };

  it('marks the states entered and the edges traversed of a declined (caught) order', () => {
    const { nodes, edges } = taken(
      history(
        ['ExecutionStarted', { threadId: undefined }],
        ['TaskStateEntered', { stateName: 'Reserve' }],
        ['TaskStateExited', { stateName: 'Reserve' }],
        ['ChoiceStateEntered', { stateName: 'IsLarge' }],
        ['ChoiceStateExited', { stateName: 'IsLarge' }],
        ['TaskStateEntered', { stateName: 'Charge' }],
        ['TaskFailed', { stateName: 'Charge', error: 'Payment.Declined' }],
        ['TaskStateExited', { stateName: 'Charge', error: 'Payment.Declined' }],
        ['FailStateEntered', { stateName: 'Declined' }],
        ['ExecutionFailed', { threadId: undefined, error: 'Payment.Declined' }],
      ),
    );
    expect(nodes).toEqual([START_NODE, 'Charge', 'Declined', 'IsLarge', 'Reserve'].sort());
    expect(edges.sort()).toEqual(
      [
        `${START_NODE}->Reserve:next`,
        'Reserve->IsLarge:next',
        'IsLarge->Charge:default',
        'Charge->Declined:catch',
      ].sort(),
    );
  });

  it('goes into and out of Parallel branches and Map iterations, and to End once it succeeded', () => {
    const { nodes, edges } = taken(
      history(
        ['TaskStateEntered', { stateName: 'Ship' }],
        ['TaskStateExited', { stateName: 'Ship' }],
        ['ParallelStateEntered', { stateName: 'Finish' }],
        ['ParallelStateStarted', { stateName: 'Finish' }],
        ['PassStateEntered', { stateName: 'Notify', threadId: '2' }],
        ['PassStateExited', { stateName: 'Notify', threadId: '2' }],
        ['MapStateEntered', { stateName: 'Pack', threadId: '3' }],
        ['MapIterationStarted', { stateName: 'Pack', threadId: '4', index: 0 }],
        ['TaskStateEntered', { stateName: 'PackItem', threadId: '4' }],
        ['TaskStateExited', { stateName: 'PackItem', threadId: '4' }],
        ['MapStateExited', { stateName: 'Pack', threadId: '3' }],
        ['ParallelStateExited', { stateName: 'Finish' }],
        ['SucceedStateEntered', { stateName: 'Done' }],
        ['SucceedStateExited', { stateName: 'Done' }],
        ['ExecutionSucceeded', { threadId: undefined }],
      ),
    );
    expect(nodes).toContain(END_NODE);
    expect(nodes).toContain('Finish/1/Pack/0/PackItem');
    expect(edges.sort()).toEqual(
      [
        'Ship->Finish:next',
        'Finish->Finish/0/Notify:branch',
        'Finish->Finish/1/Pack:branch',
        'Finish/1/Pack->Finish/1/Pack/0/PackItem:branch',
        'Finish/0/Notify->Done:next',
        'Finish/1/Pack/0/PackItem->Done:next',
        `Done->${END_NODE}:next`,
      ].sort(),
    );
  });

  it('marks nothing for an execution that has not entered a state', () => {
    const { nodes, edges } = traversal(graph, history(['ExecutionStarted', { threadId: undefined }]));
    expect(nodes.size + edges.size).toBe(0);
  });
});
