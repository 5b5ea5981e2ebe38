import { describe, expect, it } from 'vitest';
import type { HistoryEvent, HistoryEventType } from '../../../lambdas/engine/execution.js';
import {
  END_NODE,
  START_NODE,
  buildGraph,
  compensations,
  describeChoiceRule,
  stateRuns,
  stateStatuses,
  timelineRows,
} from '../../../local/console/graph-model.js';
import { placeOrder } from './sample-domain.js';

/** A history, one event per 10 ms from 00:00:00. */
function history(...events: [HistoryEventType, Partial<HistoryEvent>?][]): HistoryEvent[] {
  return events.map(([type, fields], index) => ({
    id: index + 1,
    type,
    timestamp: new Date(Date.UTC(2026, 0, 1) + index * 10).toISOString(),
    threadId: 'root',
    ...fields,
  }));
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
