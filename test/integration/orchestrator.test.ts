import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { CorrelationStore, ExecutionStore } from '../../lambdas/runtime/ports.js';
import { InMemoryCorrelationStore } from '../../testing/in-memory-correlation-store.js';
import { TaskFailure } from '../../lambdas/runtime/worker.js';
import { InProcessDomain, type InProcessDomainOptions } from '../../testing/in-process-domain.js';

const placeOrder = {
  StartAt: 'Reserve',
  States: {
    Reserve: {
      Type: 'Task',
      Resource: 'baton:worker:reserve',
      ResultPath: '$.reservation',
      Compensate: { Resource: 'baton:worker:release', Parameters: { 'id.$': '$.Result.id' } },
      Next: 'Charge',
    },
    Charge: {
      Type: 'Task',
      Resource: 'baton:worker:charge',
      ResultPath: '$.payment',
      Retry: [{ ErrorEquals: ['Payment.Busy'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
      Compensate: { Resource: 'baton:worker:refund', Parameters: { 'paymentId.$': '$.Result.paymentId' } },
      Next: 'Ship',
    },
    Ship: { Type: 'Task', Resource: 'baton:worker:ship', ResultPath: '$.shipment', End: true },
  },
} satisfies StateMachineDefinition;

function domain(workers: InProcessDomainOptions['workers'], store?: ExecutionStore): InProcessDomain {
  return new InProcessDomain({ workers, ...(store ? { store } : {}) });
}

const okWorkers = (calls: string[]) => ({
  reserve: () => (calls.push('reserve'), { id: 'res-1' }),
  release: () => (calls.push('release'), {}),
  charge: () => (calls.push('charge'), { paymentId: 'pay-1' }),
  refund: () => (calls.push('refund'), {}),
  ship: () => (calls.push('ship'), { tracking: 'T-1' }),
});

async function statusOf(d: InProcessDomain, executionId: string) {
  return (await d.store.load(executionId))?.execution;
}

describe('orchestrator on in-process transports', () => {
  it('fails a state whose worker returns more than an inbox message can carry, once, catchably by name', async () => {
    let runs = 0;
    const d = domain({
      huge: () => {
        runs += 1;
        return { blob: 'x'.repeat(2 * 1024 * 1024) };
      },
    });
    await d.deploy('Big', {
      StartAt: 'Fetch',
      States: {
        Fetch: {
          Type: 'Task',
          Resource: 'baton:worker:huge',
          Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'TooBig' }],
          End: true,
        },
        TooBig: { Type: 'Pass', End: true },
      },
    });
    d.start('Big', {}, 'b-1');
    await d.runUntilIdle();
    const execution = await statusOf(d, 'Big:b-1');
    expect(execution?.status).toBe('SUCCEEDED');
    expect((execution?.output as { error: { Error: string } }).error.Error).toBe('States.DataLimitExceeded');
    expect(runs).toBe(1);
    expect([...d.workerDeadLetters.values()].flatMap((queue) => queue.peek())).toEqual([]);
  });

  it('runs a saga to SUCCEEDED through the inbox and worker queues', async () => {
    const calls: string[] = [];
    const d = domain(okWorkers(calls));
    await d.deploy('PlaceOrder', placeOrder);
    d.start('PlaceOrder', { orderId: 'o-1' }, 'o-1');
    await d.runUntilIdle();
    const execution = await statusOf(d, 'PlaceOrder:o-1');
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toMatchObject({
      orderId: 'o-1',
      payment: { paymentId: 'pay-1' },
      shipment: { tracking: 'T-1' },
    });
    expect(calls).toEqual(['reserve', 'charge', 'ship']);
    expect(d.published.map((event) => event.detailType)).toEqual([
      'Execution Started',
      'Execution Succeeded',
    ]);
  });

  it('compensates completed steps in reverse order when a step fails', async () => {
    const calls: string[] = [];
    const d = domain({
      ...okWorkers(calls),
      ship: () => {
        calls.push('ship');
        throw new TaskFailure('Shipping.Unavailable', 'no carrier');
      },
    });
    await d.deploy('PlaceOrder', placeOrder);
    d.start('PlaceOrder', {}, 'o-2');
    await d.runUntilIdle();
    expect((await statusOf(d, 'PlaceOrder:o-2'))?.status).toBe('COMPENSATED');
    expect(calls).toEqual(['reserve', 'charge', 'ship', 'refund', 'release']);
    expect(d.published.map((event) => event.detailType)).toContain('Execution Compensated');
  });

  it('retries with backoff on the virtual clock, with the same idempotency key', async () => {
    const keys: string[] = [];
    const attempts: number[] = [];
    let charges = 0;
    const d = domain({
      ...okWorkers([]),
      charge: (_input, context) => {
        keys.push(context.idempotencyKey);
        attempts.push(context.attempt);
        charges += 1;
        if (charges < 3) throw new TaskFailure('Payment.Busy', 'try later');
        return { paymentId: 'pay-9' };
      },
    });
    await d.deploy('PlaceOrder', placeOrder);
    const started = d.now();
    d.start('PlaceOrder', {}, 'o-3');
    await d.runUntilIdle();
    expect((await statusOf(d, 'PlaceOrder:o-3'))?.status).toBe('SUCCEEDED');
    expect(attempts).toEqual([1, 2, 3]);
    expect(new Set(keys).size).toBe(1);
    expect(d.now() - started).toBeGreaterThanOrEqual(2000 + 4000);
  });

  it('applies a thousand Map results arriving at the same moment, each once, with no conflict and no redelivery', async () => {
    const d = domain({ item: (input: { i: number }) => input.i * 10 });
    await d.deploy('Fan', {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 0,
          ItemSelector: { 'i.$': '$$.Map.Item.Value' },
          ItemProcessor: {
            StartAt: 'T',
            States: { T: { Type: 'Task', Resource: 'baton:worker:item', End: true } },
          },
          End: true,
        },
      },
    } as StateMachineDefinition);
    d.start('Fan', { items: Array.from({ length: 1_000 }, (_, i) => i) }, 'f-1');
    await d.step();
    expect(d.workerQueues.get('item')?.peek()).toHaveLength(1_000);
    while (await d.stepWorker('item'));
    // All thousand results wait in the inbox: delivered at once, as that many concurrent
    // invocations of one orchestrator would take them (the local runtime's pollers share one).
    expect(await d.deliverInboxConcurrently()).toBe(1_000);
    await d.runUntilIdle();
    expect(d.failures).toEqual([]);
    expect(d.inboxDeadLetters.peek()).toEqual([]);
    expect(d.results.filter((result) => result.type === 'applied')).toHaveLength(1 + 1_000);
    const execution = await statusOf(d, 'Fan:f-1');
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toEqual(Array.from({ length: 1_000 }, (_, i) => i * 10));
  });

  it('ignores a duplicated task result and keeps a single application', async () => {
    const calls: string[] = [];
    const d = domain(okWorkers(calls));
    await d.deploy('PlaceOrder', placeOrder);
    d.start('PlaceOrder', {}, 'o-4');
    await d.step(); // start
    await d.step(); // reserve worker reports
    const result = d.inbox.peek()[0];
    expect(result).toBeDefined();
    d.send(result?.body as string); // the same result, delivered a second time
    await d.runUntilIdle();
    expect((await statusOf(d, 'PlaceOrder:o-4'))?.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['reserve', 'charge', 'ship']);
    expect(d.results.filter((r) => r.type === 'ignored')).toHaveLength(1);
  });

  it('tolerates a stale timer delivered after the state moved on (reordered delivery)', async () => {
    const d = domain({ slow: () => 'done' });
    await d.deploy('Timed', {
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'baton:worker:slow', TimeoutSeconds: 60, End: true } },
    });
    d.start('Timed', {}, 't-1');
    await d.runUntilIdle();
    expect((await statusOf(d, 'Timed:t-1'))?.status).toBe('SUCCEEDED');
    // The timeout timer (60 s later) arrived after the result and changed nothing.
    expect(d.results.some((r) => r.type === 'ignored' && r.reason.includes('TimerFired'))).toBe(true);
  });

  it('performs the saved commands again when the Lambda died between commit and perform', async () => {
    const calls: string[] = [];
    const d = domain(okWorkers(calls));
    await d.deploy('PlaceOrder', placeOrder);
    let crashed = false;
    const realDispatch = d.ports.tasks.dispatch;
    (d.ports.tasks as { dispatch: typeof realDispatch }).dispatch = async (task) => {
      if (!crashed && task.command.stateName === 'Charge') {
        crashed = true;
        throw new Error('Lambda timed out after the commit');
      }
      return realDispatch(task);
    };
    d.start('PlaceOrder', {}, 'o-5');
    await d.runUntilIdle();
    expect(crashed).toBe(true);
    expect((await statusOf(d, 'PlaceOrder:o-5'))?.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['reserve', 'charge', 'ship']);
    expect(d.results.some((r) => r.type === 'duplicate')).toBe(true);
  });

  it('starts one execution when the start event is delivered twice', async () => {
    const calls: string[] = [];
    const d = domain(okWorkers(calls));
    await d.deploy('PlaceOrder', placeOrder);
    d.start('PlaceOrder', { orderId: 'o-6' }, 'o-6');
    d.start('PlaceOrder', { orderId: 'o-6' }, 'o-6');
    await d.runUntilIdle();
    expect(calls).toEqual(['reserve', 'charge', 'ship']);
    expect(d.published.filter((event) => event.detailType === 'Execution Started')).toHaveLength(1);
  });

  it('starts from an EventBridge event named by its business key, once per key', async () => {
    const d = domain(okWorkers([]));
    await d.deploy('PlaceOrder', placeOrder);
    const event = (id: string) => ({
      kind: 'StartFromEvent',
      workflow: 'PlaceOrder',
      businessKeyPath: '$.detail.orderId',
      event: { id, 'detail-type': 'Order Placed', source: 'shop', detail: { orderId: 'o-7', total: 10 } },
    });
    d.send(event('evt-1'));
    d.send(event('evt-2'));
    await d.runUntilIdle();
    const stored = await d.store.load('PlaceOrder:o-7');
    expect(stored?.execution.status).toBe('SUCCEEDED');
    expect(stored?.businessKey).toBe('o-7');
    expect(stored?.execution.input).toEqual({ orderId: 'o-7', total: 10 });
    const listed = await d.store.list({ businessKey: 'o-7' });
    expect(listed.items.map((item) => item.status)).toEqual(['SUCCEEDED']);
  });

  it('rejects a forged task token and sends the message to the DLQ', async () => {
    const d = domain(okWorkers([]));
    await d.deploy('PlaceOrder', placeOrder);
    d.send({
      kind: 'TaskSucceeded',
      taskToken: 'v1.eyJlIjoiUGxhY2VPcmRlcjpvLTEiLCJ0Ijoicm9vdDoxOjEifQ.forged',
      output: {},
    });
    await d.runUntilIdle();
    expect(d.inboxDeadLetters.peek()).toHaveLength(1);
    expect(String(d.failures[0]?.error)).toContain('Rejected task token');
  });

  it('sends a malformed inbox message to the DLQ with its reason and goes on', async () => {
    const d = domain(okWorkers([]));
    await d.deploy('PlaceOrder', placeOrder);
    d.send({ kind: 'TaskSucceeded' });
    d.start('PlaceOrder', {}, 'o-8');
    await d.runUntilIdle();
    expect(d.inboxDeadLetters.peek()).toHaveLength(1);
    expect(String(d.failures[0]?.error)).toContain('Invalid inbox message at /taskToken');
    expect((await statusOf(d, 'PlaceOrder:o-8'))?.status).toBe('SUCCEEDED');
  });
});

describe('waiting for a correlated domain event', () => {
  const fraudCheck = {
    StartAt: 'WaitForFraudCheck',
    States: {
      WaitForFraudCheck: {
        Type: 'Task',
        Resource: 'baton:waitForEvent',
        Parameters: { DetailType: 'Fraud Check Completed', Match: { 'detail.orderId.$': '$.orderId' } },
        TimeoutSeconds: 3600,
        ResultSelector: { 'verdict.$': '$.detail.verdict' },
        ResultPath: '$.fraud',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' }],
        End: true,
      },
      TimedOut: { Type: 'Fail', Error: 'FraudCheck.TimedOut', Cause: 'no verdict within an hour' },
    },
  } satisfies StateMachineDefinition;

  const event = (id: string, orderId: string) => ({
    id,
    'detail-type': 'Fraud Check Completed',
    source: 'fraud',
    detail: { orderId, verdict: 'clear' },
  });

  it('completes the waiting state with the event whose correlated field matches', async () => {
    const d = domain({});
    await d.deploy('Fraud', fraudCheck);
    d.start('Fraud', { orderId: 'o-1' }, 'o-1');
    d.start('Fraud', { orderId: 'o-2' }, 'o-2');
    await d.runVisible();
    d.advance(60_000);
    d.publishEvent(event('e-1', 'o-2'));
    await d.runVisible();
    expect((await statusOf(d, 'Fraud:o-2'))?.output).toEqual({ orderId: 'o-2', fraud: { verdict: 'clear' } });
    expect((await statusOf(d, 'Fraud:o-1'))?.status).toBe('RUNNING');
  });

  it('matches an event that arrived before the state started waiting', async () => {
    const d = domain({});
    await d.deploy('Fraud', fraudCheck);
    d.publishEvent(event('e-2', 'o-3'));
    await d.runVisible();
    d.start('Fraud', { orderId: 'o-3' }, 'o-3');
    await d.runVisible();
    expect((await statusOf(d, 'Fraud:o-3'))?.status).toBe('SUCCEEDED');
  });

  it('ends the wait with the oldest event kept, even when a later one reaches the inbox first', async () => {
    // The invocation that keeps the first verdict dies right after keeping it; its message comes
    // back only after the second verdict was handled. The task must still end with the first
    // verdict, the one its own registration would read (before: it ended with the second).
    let clock = () => 0;
    const inner = new InMemoryCorrelationStore({ now: () => clock() });
    let crashes = 1;
    const correlations: CorrelationStore = {
      register: (key, token, expiresAt) => inner.register(key, token, expiresAt),
      unregister: (key, token) => inner.unregister(key, token),
      waiting: (key) => inner.waiting(key),
      keptEvents: (key) => inner.keptEvents(key),
      keepEvent: async (key, eventId, kept, expiresAt) => {
        await inner.keepEvent(key, eventId, kept, expiresAt);
        if (eventId === 'e-first' && crashes-- > 0) throw new Error('the invocation died after keeping');
      },
    };
    const d = new InProcessDomain({ workers: {}, correlations });
    clock = () => d.now();
    await d.deploy('Fraud', fraudCheck);
    d.start('Fraud', { orderId: 'o-5' }, 'o-5');
    await d.runVisible();
    d.publishEvent({ ...event('e-first', 'o-5'), detail: { orderId: 'o-5', verdict: 'first' } });
    await d.runVisible();
    d.advance(1_000);
    d.publishEvent({ ...event('e-second', 'o-5'), detail: { orderId: 'o-5', verdict: 'second' } });
    await d.runUntilIdle();
    expect((await statusOf(d, 'Fraud:o-5'))?.output).toEqual({ orderId: 'o-5', fraud: { verdict: 'first' } });
  });

  it('fails with States.Timeout, catchable, when no event comes in time', async () => {
    const d = domain({});
    await d.deploy('Fraud', fraudCheck);
    d.start('Fraud', { orderId: 'o-4' }, 'o-4');
    await d.runUntilIdle();
    const execution = await statusOf(d, 'Fraud:o-4');
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('FraudCheck.TimedOut');
  });
});
