import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import { DynamoDbCorrelationStore } from '../../lambdas/aws/dynamodb-correlation-store.js';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { TaskFailure } from '../../lambdas/runtime/worker.js';
import { InProcessDomain, type InProcessDomainOptions } from '../../testing/in-process-domain.js';
import { startDynalite, type LocalTable } from '../../testing/dynalite-table.js';

let table: LocalTable;

beforeAll(async () => {
  table = await startDynalite();
});

afterAll(async () => {
  await table.close();
});

/** A domain whose state lives in DynamoDB (dynalite), with in-process queues and bus. */
function domain(workers: InProcessDomainOptions['workers']): InProcessDomain {
  let now = () => Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now() };
  const d = new InProcessDomain({
    workers,
    store: new DynamoDbExecutionStore({ client: table.client, tableName: table.tableName, clock }),
    definitions: new DynamoDbDefinitionStore({ client: table.client, tableName: table.tableName, clock }),
    correlations: new DynamoDbCorrelationStore({ client: table.client, tableName: table.tableName, clock }),
  });
  now = () => d.now();
  return d;
}

const saga = {
  StartAt: 'Reserve',
  States: {
    Reserve: {
      Type: 'Task',
      Resource: 'baton:worker:reserve',
      ResultPath: '$.reservation',
      Compensate: { Resource: 'baton:worker:release' },
      Next: 'Charge',
    },
    Charge: {
      Type: 'Task',
      Resource: 'baton:worker:charge',
      ResultPath: '$.payment',
      Retry: [{ ErrorEquals: ['Payment.Busy'], IntervalSeconds: 1, MaxAttempts: 2 }],
      Compensate: { Resource: 'baton:worker:refund' },
      End: true,
    },
  },
} satisfies StateMachineDefinition;

describe('orchestrator on DynamoDB (dynalite)', () => {
  it('runs a saga to SUCCEEDED and lists it by status', async () => {
    let busy = 1;
    const d = domain({
      reserve: () => ({ id: 'r' }),
      release: () => null,
      charge: () => {
        if (busy-- > 0) throw new TaskFailure('Payment.Busy', 'later');
        return { id: 'p' };
      },
      refund: () => null,
    });
    await d.deploy('Saga', saga);
    d.start('Saga', { n: 1 }, 'ok-1');
    await d.runUntilIdle();
    const stored = await d.store.load('Saga:ok-1');
    expect(stored?.execution.status).toBe('SUCCEEDED');
    expect(stored?.execution.output).toEqual({ n: 1, reservation: { id: 'r' }, payment: { id: 'p' } });
    const listed = await d.store.list({ workflow: 'Saga', status: 'SUCCEEDED' });
    expect(listed.items.map((item) => item.executionId)).toContain('Saga:ok-1');
    const history = await d.store.history('Saga:ok-1');
    expect(history.events[0]?.type).toBe('ExecutionStarted');
    expect(history.events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('compensates in reverse order when the saga fails', async () => {
    const calls: string[] = [];
    const d = domain({
      reserve: () => (calls.push('reserve'), {}),
      release: () => (calls.push('release'), null),
      charge: () => {
        calls.push('charge');
        throw new TaskFailure('Payment.Declined', 'no');
      },
      refund: () => (calls.push('refund'), null),
    });
    await d.deploy('Saga', saga);
    d.start('Saga', {}, 'declined-1');
    await d.runUntilIdle();
    expect((await d.store.load('Saga:declined-1'))?.execution.status).toBe('COMPENSATED');
    expect(calls).toEqual(['reserve', 'charge', 'release']);
  });

  it('applies concurrent branch results through conditional writes, each exactly once', async () => {
    const branches = Array.from({ length: 20 }, (_, i) => ({
      StartAt: `B${i}`,
      States: { [`B${i}`]: { Type: 'Task', Resource: 'baton:worker:branch', Parameters: { i }, End: true } },
    }));
    const d = domain({ branch: (input: { i: number }) => input.i });
    await d.deploy('Fan', {
      StartAt: 'P',
      States: { P: { Type: 'Parallel', Branches: branches, End: true } },
    } as StateMachineDefinition);
    d.start('Fan', {}, 'fan-1');
    await d.step();
    while (await d.stepWorker('branch'));
    expect(await d.deliverInboxConcurrently()).toBe(20);
    await d.runUntilIdle();
    const stored = await d.store.load('Fan:fan-1');
    expect(stored?.execution.status).toBe('SUCCEEDED');
    expect(stored?.execution.output).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(d.inboxDeadLetters.peek()).toEqual([]);
  });

  it('recovers from a crash between commit and perform', async () => {
    const calls: string[] = [];
    const d = domain({
      reserve: () => (calls.push('reserve'), {}),
      release: () => null,
      charge: () => (calls.push('charge'), {}),
      refund: () => null,
    });
    await d.deploy('Saga', saga);
    const dispatch = d.ports.tasks.dispatch;
    let crashes = 1;
    (d.ports.tasks as { dispatch: typeof dispatch }).dispatch = async (task) => {
      if (crashes-- > 0) throw new Error('crashed after the commit');
      return dispatch(task);
    };
    d.start('Saga', {}, 'crash-1');
    await d.runUntilIdle();
    expect((await d.store.load('Saga:crash-1'))?.execution.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['reserve', 'charge']);
  });

  it('completes a correlated wait through the DynamoDB correlation store', async () => {
    const d = domain({});
    await d.deploy('Wait', {
      StartAt: 'W',
      States: {
        W: {
          Type: 'Task',
          Resource: 'baton:waitForEvent',
          Parameters: { DetailType: 'Paid', Match: { 'detail.orderId.$': '$.orderId' } },
          TimeoutSeconds: 600,
          End: true,
        },
      },
    });
    d.start('Wait', { orderId: 'o-9' }, 'w-1');
    await d.runVisible();
    d.publishEvent({ id: 'evt-9', 'detail-type': 'Paid', source: 'payments', detail: { orderId: 'o-9' } });
    await d.runVisible();
    const stored = await d.store.load('Wait:w-1');
    expect(stored?.execution.status).toBe('SUCCEEDED');
    expect(stored?.execution.output).toMatchObject({ id: 'evt-9', detail: { orderId: 'o-9' } });
  });

  it('fails the task whose result the store cannot hold with a catchable States.DataLimitExceeded, never a DLQ', async () => {
    // Each result is 133,336 characters (under the 256 KiB payload limit) of incompressible text,
    // about 100 KB stored; with no payload store, the state of four of them no longer fits an item.
    const d = domain({
      big: (input: { i: number }) => ({ i: input.i, blob: randomBytes(100_000).toString('base64') }),
    });
    const big = (i: number) => ({
      StartAt: `Big${i}`,
      States: {
        [`Big${i}`]: {
          Type: 'Task',
          Resource: 'baton:worker:big',
          Parameters: { i },
          Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: `Dropped${i}` }],
          End: true,
        },
        [`Dropped${i}`]: { Type: 'Pass', Result: 'dropped', End: true },
      },
    });
    await d.deploy('Big', {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [big(0), big(1), big(2), big(3), big(4)],
          // The branches that fit still make an output over the 256 KiB payload limit.
          Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Done' }],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    } as StateMachineDefinition);
    d.start('Big', {}, 'big-1');
    await d.runUntilIdle();

    const stored = await d.store.load('Big:big-1');
    const { events } = await d.store.history('Big:big-1', { limit: 1000 });
    const tooLarge = events.filter(
      (event) => event.type === 'TaskFailed' && event.error === 'States.DataLimitExceeded',
    );
    expect(stored?.execution.status).toBe('SUCCEEDED');
    expect(tooLarge.length).toBeGreaterThan(0);
    expect(tooLarge[0]).toMatchObject({ cause: expect.stringContaining('configure a payload store') });
    expect(events.filter((event) => event.type === 'PassStateEntered')).toHaveLength(tooLarge.length);
    expect(d.inboxDeadLetters.peek()).toEqual([]);
    expect(d.failures).toEqual([]);
  });
  it('fails a start whose input is over the payload limit, visibly, without keeping the input', async () => {
    // 600,000 characters of incompressible text: over the 256 KiB payload limit, and over
    // DynamoDB's 400 KB item limit even deflated, with no payload store to offload it to. Step
    // Functions refuses such a StartExecution at its API; a start that comes as a message must not
    // vanish instead.
    const d = domain({ big: () => null });
    await d.deploy('Big', { StartAt: 'Go', States: { Go: { Type: 'Pass', End: true } } });
    d.start('Big', { blob: randomBytes(450_000).toString('base64') }, 'huge-input');
    await d.runUntilIdle();

    const stored = await d.store.load('Big:huge-input');
    expect(stored?.execution).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      input: null,
      cause: expect.stringMatching(/^The execution input has 600011 bytes, more than the limit of 262144$/),
    });
    const { events } = await d.store.history('Big:huge-input');
    expect(events[0]).toMatchObject({
      type: 'ExecutionStarted',
      input: null,
      inputDetails: { truncated: true },
    });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', error: 'States.DataLimitExceeded' });
    expect(d.inboxDeadLetters.peek()).toEqual([]);
    expect(d.failures).toEqual([]);
  });
});
