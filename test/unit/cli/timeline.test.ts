import { describe, expect, it } from 'vitest';
import type {
  HistoryEvent,
  HistoryEventFields,
  HistoryEventType,
} from '../../../lambdas/engine/execution.js';
import { formatDescription, formatExecutionTable } from '../../../cli/execution-table.js';
import { formatTimeline } from '../../../cli/timeline.js';

const T0 = Date.UTC(2026, 0, 1);
const ROOT = 'root';

/** The history event of `type` at `atMs` after T0, with exactly the fields that type carries. */
function event<T extends HistoryEventType>(
  type: T,
  atMs: number,
  fields: HistoryEventFields<T>,
): HistoryEvent {
  return { id: 0, type, timestamp: new Date(T0 + atMs).toISOString(), ...fields } as HistoryEvent;
}

describe('a retry after an error with no name', () => {
  it('says so instead of printing undefined', () => {
    // A Retry on States.ALL around a Parallel whose branch reached a Fail state with no Error.
    const text = formatTimeline([
      event('ExecutionStarted', 0, { input: {} }),
      event('StateRetryScheduled', 10, { stateName: 'Fan', threadId: ROOT, attempt: 2, delayMs: 1000 }),
    ]);
    expect(text).toContain('retry, attempt 2 in 1.00 s (after an error with no name)');
    expect(text).not.toContain('undefined');
  });
});

describe('the history timeline', () => {
  const reserve = 'baton:worker:reserve';
  const charge = 'baton:worker:charge';
  const saga = [
    event('ExecutionStarted', 0, { input: {} }),
    event('TaskStateEntered', 5, { stateName: 'Reserve', threadId: ROOT, input: {} }),
    event('TaskScheduled', 6, {
      stateName: 'Reserve',
      threadId: ROOT,
      input: {},
      attempt: 1,
      resource: reserve,
    }),
    event('TaskSucceeded', 40, { stateName: 'Reserve', threadId: ROOT, output: {}, resource: reserve }),
    event('TaskStateExited', 45, { stateName: 'Reserve', threadId: ROOT, output: {} }),
    event('TaskStateEntered', 50, { stateName: 'Charge', threadId: ROOT, input: {} }),
    event('TaskFailed', 60, {
      stateName: 'Charge',
      threadId: ROOT,
      error: 'Payment.Busy',
      cause: 'try later',
      resource: charge,
    }),
    event('StateRetryScheduled', 60, {
      stateName: 'Charge',
      threadId: ROOT,
      attempt: 2,
      delayMs: 1000,
      error: 'Payment.Busy',
      cause: 'try later',
    }),
    event('TaskScheduled', 1060, {
      stateName: 'Charge',
      threadId: ROOT,
      input: {},
      attempt: 2,
      resource: charge,
    }),
    event('TaskFailed', 1070, {
      stateName: 'Charge',
      threadId: ROOT,
      error: 'Payment.Declined',
      cause: 'card declined',
      resource: charge,
    }),
    event('CompensationStarted', 1070, { error: 'Payment.Declined', cause: 'card declined' }),
    event('CompensationTaskScheduled', 1070, {
      stateName: 'Reserve',
      input: {},
      resource: 'baton:worker:release',
      attempt: 1,
    }),
    event('CompensationTaskSucceeded', 1090, { stateName: 'Reserve' }),
    event('CompensationSucceeded', 1090, { error: 'Payment.Declined' }),
  ];

  it('prints one line per step with its offset, a mark, the state and how long it took', () => {
    expect(formatTimeline(saga).split('\n')).toEqual([
      '       +0 ms  ■ Execution started',
      '       +5 ms  → Reserve (Task)',
      '      +45 ms  ✓ Reserve  (40 ms)',
      '      +50 ms  → Charge (Task)',
      '      +60 ms  ✗ Charge failed  Payment.Busy: try later',
      '      +60 ms  ↻ Charge: retry, attempt 2 in 1.00 s (after Payment.Busy)',
      '     +1.06 s    Charge: attempt 2 → baton:worker:charge',
      '     +1.07 s  ✗ Charge failed  Payment.Declined: card declined',
      '     +1.07 s  ↩ Compensation started  (after Payment.Declined: card declined)',
      '     +1.07 s  ↩ Undoing Reserve with baton:worker:release',
      '     +1.09 s  ↩ ✓ Undid Reserve  (20 ms)',
      '     +1.09 s  ↩ Compensation succeeded',
      '              14 events · 1.09 s · 1 retry · 1 step compensated',
    ]);
  });

  it('indents the states of branches and names Map items', () => {
    const lines = formatTimeline([
      event('MapStateEntered', 0, { stateName: 'Pack', threadId: ROOT, input: [] }),
      event('MapIterationStarted', 1, { stateName: 'Pack', threadId: '7', index: 0 }),
      event('PassStateEntered', 2, { stateName: 'PackItem', threadId: '7', input: {} }),
      event('PassStateExited', 3, { stateName: 'PackItem', threadId: '7', output: {} }),
    ]).split('\n');
    expect(lines[1]).toBe('       +2 ms    [item 0] → PackItem (Pass)');
    expect(lines[2]).toBe('       +3 ms    [item 0] ✓ PackItem  (1 ms)');
  });

  it('marks a state left through a Catch', () => {
    const lines = formatTimeline([
      event('TaskStateEntered', 0, { stateName: 'Charge', threadId: ROOT, input: {} }),
      event('TaskFailed', 5, {
        stateName: 'Charge',
        threadId: ROOT,
        error: 'Payment.Declined',
        cause: 'card declined',
        resource: 'baton:worker:charge',
      }),
      event('TaskStateExited', 6, { stateName: 'Charge', threadId: ROOT, output: {} }),
    ]).split('\n');
    expect(lines[2]).toBe('       +6 ms  ↪ Charge: error caught  (6 ms)');
  });

  it('lists the variables a state assigned under its line, one a line', () => {
    const lines = formatTimeline([
      event('PassStateEntered', 0, { stateName: 'Total', threadId: ROOT, input: {} }),
      event('PassStateExited', 4, {
        stateName: 'Total',
        threadId: ROOT,
        output: {},
        assignedVariables: { total: '42', customer: '{"id":"c-1"}' },
      }),
      event('PassStateEntered', 5, { stateName: 'Next', threadId: ROOT, input: {} }),
    ]).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '       +0 ms  → Total (Pass)',
      '       +4 ms  ✓ Total  (4 ms)',
      '                  $total = 42',
      '                  $customer = {"id":"c-1"}',
      '       +5 ms  → Next (Pass)',
    ]);
  });

  it('lists the variables of a Catch and of a Map item under their lines, a long value cut', () => {
    const long = JSON.stringify('x'.repeat(200));
    const lines = formatTimeline([
      event('TaskStateEntered', 0, { stateName: 'Charge', threadId: ROOT, input: {} }),
      event('TaskFailed', 5, {
        stateName: 'Charge',
        threadId: ROOT,
        error: 'Payment.Declined',
        cause: 'card declined',
        resource: 'baton:worker:charge',
      }),
      event('TaskStateExited', 6, {
        stateName: 'Charge',
        threadId: ROOT,
        output: {},
        error: 'Payment.Declined',
        assignedVariables: { reason: '"Payment.Declined"' },
      }),
      event('MapIterationStarted', 7, { stateName: 'Pack', threadId: '7', index: 2 }),
      event('PassStateEntered', 8, { stateName: 'PackItem', threadId: '7', input: {} }),
      event('PassStateExited', 9, {
        stateName: 'PackItem',
        threadId: '7',
        output: {},
        assignedVariables: { label: long },
      }),
    ]).split('\n');
    expect(lines[3]).toBe('                  $reason = "Payment.Declined"');
    expect(lines[5]).toBe('       +9 ms    [item 2] ✓ PackItem  (1 ms)');
    expect(lines[6]).toBe(`${' '.repeat(29)}$label = ${long.slice(0, 79)}…`);
  });

  it('says so when there is no history', () => {
    expect(formatTimeline([])).toBe('(no history)');
  });
});

describe('the executions table and description', () => {
  const summary = {
    executionId: 'PlaceOrder:o-1',
    name: 'o-1',
    workflow: 'PlaceOrder',
    workflowVersion: 'abc',
    status: 'COMPENSATED' as const,
    startTime: '2026-01-01T10:00:00.000Z',
    stopTime: '2026-01-01T10:00:02.500Z',
    businessKey: 'o-1',
    error: 'Payment.Declined',
  };

  it('aligns the columns of the table', () => {
    const running = { ...summary, executionId: 'PlaceOrder:long-name-2', status: 'RUNNING' as const };
    delete (running as { stopTime?: string }).stopTime;
    const [header, first, second] = formatExecutionTable([summary, running]).split('\n') as [
      string,
      string,
      string,
    ];
    expect(header).toMatch(/^EXECUTION +STATUS +STARTED +DURATION +BUSINESS KEY +ERROR$/);
    expect(first).toMatch(
      /^PlaceOrder:o-1 +COMPENSATED +2026-01-01 10:00:00Z +2\.50 s +o-1 +Payment\.Declined$/,
    );
    for (const [column, value] of [
      ['STATUS', 'COMPENSATED'],
      ['STARTED', '2026-01-01'],
      ['DURATION', '2.50 s'],
      ['ERROR', 'Payment.Declined'],
    ] as const) {
      expect(first.indexOf(value)).toBe(header.indexOf(column));
    }
    expect(first.lastIndexOf('o-1')).toBe(header.indexOf('BUSINESS KEY'));
    expect(second.indexOf('RUNNING')).toBe(header.indexOf('STATUS'));
    expect(formatExecutionTable([])).toBe('No executions.');
  });

  it('describes an execution as labelled lines', () => {
    const text = formatDescription({
      ...summary,
      domain: 'orders',
      input: { orderId: 'o-1' },
      cause: 'card declined',
      redriveCount: 0,
      definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } },
    });
    expect(text.split('\n')).toEqual([
      'Execution     PlaceOrder:o-1',
      'Status        COMPENSATED',
      'Workflow      PlaceOrder (version abc) in domain orders',
      'Started       2026-01-01 10:00:00Z',
      'Stopped       2026-01-01 10:00:02Z (after 2.50 s)',
      'Business key  o-1',
      'Error         Payment.Declined: card declined',
      'Input         {"orderId":"o-1"}',
    ]);
  });

  it("lists the execution's current variables after its input and output, one a line", () => {
    const text = formatDescription({
      ...summary,
      domain: 'orders',
      input: {},
      output: { ok: true },
      redriveCount: 0,
      variables: { total: 42, customer: { id: 'c-1' } },
      definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } },
    });
    expect(text.split('\n').slice(-4)).toEqual([
      'Input         {}',
      'Output        {"ok":true}',
      'Variables     $total = 42',
      '              $customer = {"id":"c-1"}',
    ]);
  });

  it('shows the parent of a child execution, and the children of a parent', () => {
    const text = formatDescription({
      ...summary,
      domain: 'shipping',
      input: {},
      redriveCount: 0,
      parent: { executionId: 'PlaceOrder:o-9', domain: 'orders', integration: 'sync:2' },
      children: [
        {
          executionId: 'Label:l-1',
          executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Label:l-1',
          stateName: 'MakeLabel',
        },
        {
          executionId: 'Label:l-2',
          executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Label:l-2',
          stateName: 'MakeLabel',
        },
      ],
      definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } },
    });
    expect(text.split('\n').filter((line) => /^(Parent|Children| {8})/.test(line))).toEqual([
      'Parent        PlaceOrder:o-9 in domain orders (sync:2)',
      'Children      Label:l-1 (started by MakeLabel)',
      '              Label:l-2 (started by MakeLabel)',
    ]);
  });

  it('prints the child a states:startExecution task started in the timeline', () => {
    const text = formatTimeline([
      event('ExecutionStarted', 0, { input: {} }),
      event('TaskSubmitted', 5, {
        stateName: 'MakeLabel',
        threadId: ROOT,
        resource: 'arn:aws:states:::states:startExecution.sync:2',
        output: { ExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Label:l-1' },
      }),
    ]);
    expect(text).toContain(
      'MakeLabel: started child arn:aws:states:eu-west-1:123456789012:execution:Label:l-1',
    );
  });

  it("names the X-Ray trace of an execution's start when it has one", () => {
    const text = formatDescription({
      ...summary,
      domain: 'orders',
      input: {},
      redriveCount: 0,
      traceId: '1-5759e988-bd862e3fe1be46a994272793',
      definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } },
    });
    expect(text).toContain(
      "X-Ray trace   1-5759e988-bd862e3fe1be46a994272793 (its start; later steps' traces are linked to it)",
    );
  });
});
