import { describe, expect, it } from 'vitest';
import { runWorkflow, type HistoryEvent, type TaskFunction } from '../../../lambdas/index.js';

/** A three-step saga: Reserve -> Charge -> Ship, the first two compensable. */
function saga(overrides: { chargeRetry?: unknown[]; refundRetry?: unknown[]; shipCatch?: unknown[] } = {}) {
  return {
    StartAt: 'Reserve',
    States: {
      Reserve: {
        Type: 'Task',
        Resource: 'baton:worker:reserve',
        ResultPath: '$.reservation',
        Compensate: {
          Resource: 'baton:worker:release',
          Parameters: { 'id.$': '$.Result.id', 'order.$': '$.Input.order' },
        },
        Next: 'Charge',
      },
      Charge: {
        Type: 'Task',
        Resource: 'baton:worker:charge',
        ResultPath: '$.payment',
        ...(overrides.chargeRetry ? { Retry: overrides.chargeRetry } : {}),
        Compensate: {
          Resource: 'baton:worker:refund',
          Parameters: { 'paymentId.$': '$.Result.paymentId' },
          ...(overrides.refundRetry ? { Retry: overrides.refundRetry } : {}),
        },
        Next: 'Ship',
      },
      Ship: {
        Type: 'Task',
        Resource: 'baton:worker:ship',
        ResultPath: '$.shipment',
        ...(overrides.shipCatch ? { Catch: overrides.shipCatch } : {}),
        End: true,
      },
      ...(overrides.shipCatch
        ? { ShippingFallback: { Type: 'Pass', Result: 'manual', ResultPath: '$.shipment', End: true } }
        : {}),
    },
  };
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Task functions that log their calls in order. */
function recordingTasks(
  calls: string[],
  behaviour: Record<string, TaskFunction> = {},
): Record<string, TaskFunction> {
  const base: Record<string, TaskFunction> = {
    reserve: () => ({ id: 'res-1' }),
    release: (input) => ({ released: input }),
    charge: () => ({ paymentId: 'pay-1' }),
    refund: (input) => ({ refunded: input }),
    ship: () => ({ tracking: 'T-1' }),
  };
  const merged = { ...base, ...behaviour };
  return Object.fromEntries(
    Object.entries(merged).map(([resource, fn]) => [
      `baton:worker:${resource}`,
      (input: Parameters<TaskFunction>[0], context: Parameters<TaskFunction>[1]) => {
        calls.push(context.compensation ? `undo:${resource}` : resource);
        return fn(input, context);
      },
    ]),
  );
}

const types = (history: readonly HistoryEvent[]) => history.map((event) => event.type);

describe('saga compensation', () => {
  it('succeeds without compensating when every step succeeds', async () => {
    const calls: string[] = [];
    const result = await runWorkflow(saga(), { order: 'o-1' }, { tasks: recordingTasks(calls) });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['reserve', 'charge', 'ship']);
    expect(types(result.history)).not.toContain('CompensationStarted');
  });

  it('undoes completed steps in reverse order when a later step fails', async () => {
    const calls: string[] = [];
    const tasks = recordingTasks(calls, {
      ship: () => {
        throw namedError('Shipping.Unavailable', 'no carrier');
      },
    });
    const result = await runWorkflow(saga(), { order: 'o-1' }, { tasks });
    expect(result.status).toBe('COMPENSATED');
    expect(result.error).toBe('Shipping.Unavailable');
    expect(result.cause).toBe('no carrier');
    expect(calls).toEqual(['reserve', 'charge', 'ship', 'undo:refund', 'undo:release']);
  });

  it('gives each compensation its Parameters evaluated against the step input and result', async () => {
    const received: unknown[] = [];
    const tasks = recordingTasks([], {
      ship: () => {
        throw namedError('Boom', 'x');
      },
      refund: (input) => received.push(['refund', input]),
      release: (input) => received.push(['release', input]),
    });
    await runWorkflow(saga(), { order: 'o-7' }, { tasks });
    expect(received).toEqual([
      ['refund', { paymentId: 'pay-1' }],
      ['release', { id: 'res-1', order: 'o-7' }],
    ]);
  });

  it('compensates only the steps that completed', async () => {
    const calls: string[] = [];
    const tasks = recordingTasks(calls, {
      charge: () => {
        throw namedError('Payment.Declined', 'card declined');
      },
    });
    const result = await runWorkflow(saga(), { order: 'o-1' }, { tasks });
    expect(result.status).toBe('COMPENSATED');
    expect(calls).toEqual(['reserve', 'charge', 'undo:release']);
  });

  it('ends FAILED when the first step fails, since nothing needs undoing', async () => {
    const tasks = recordingTasks([], {
      reserve: () => {
        throw namedError('Inventory.OutOfStock', 'none left');
      },
    });
    const result = await runWorkflow(saga(), { order: 'o-1' }, { tasks });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Inventory.OutOfStock');
  });

  it('compensates after the failing step has exhausted its retries', async () => {
    const calls: string[] = [];
    const tasks = recordingTasks(calls, {
      charge: () => {
        throw namedError('Payment.ProviderUnavailable', 'try later');
      },
    });
    const definition = saga({
      chargeRetry: [{ ErrorEquals: ['Payment.ProviderUnavailable'], MaxAttempts: 2, IntervalSeconds: 5 }],
    });
    const result = await runWorkflow(definition, { order: 'o-1' }, { tasks });
    expect(result.status).toBe('COMPENSATED');
    expect(calls).toEqual(['reserve', 'charge', 'charge', 'charge', 'undo:release']);
  });

  it('runs no compensation when a Catch recovers from the failure', async () => {
    const calls: string[] = [];
    const tasks = recordingTasks(calls, {
      ship: () => {
        throw namedError('Shipping.Unavailable', 'no carrier');
      },
    });
    const definition = saga({
      shipCatch: [{ ErrorEquals: ['Shipping.Unavailable'], ResultPath: '$.error', Next: 'ShippingFallback' }],
    });
    const result = await runWorkflow(definition, { order: 'o-1' }, { tasks });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['reserve', 'charge', 'ship']);
    expect(result.output).toMatchObject({
      shipment: 'manual',
      error: { Error: 'Shipping.Unavailable', Cause: 'no carrier' },
    });
  });

  it('ends COMPENSATION_FAILED naming the compensation that failed, and skips none silently', async () => {
    const calls: string[] = [];
    const tasks = recordingTasks(calls, {
      ship: () => {
        throw namedError('Shipping.Unavailable', 'no carrier');
      },
      refund: () => {
        throw namedError('Refund.Rejected', 'provider refused');
      },
    });
    const result = await runWorkflow(saga(), { order: 'o-1' }, { tasks });
    expect(result.status).toBe('COMPENSATION_FAILED');
    expect(result.error).toBe('Shipping.Unavailable');
    expect(result.compensationFailure).toEqual({
      stateName: 'Charge',
      error: 'Refund.Rejected',
      cause: 'provider refused',
    });
    expect(calls).toEqual(['reserve', 'charge', 'ship', 'undo:refund']);
    expect(types(result.history)).toContain('CompensationFailed');
  });

  it('retries a failing compensation with its own Retry policy', async () => {
    const calls: string[] = [];
    let refunds = 0;
    const tasks = recordingTasks(calls, {
      ship: () => {
        throw namedError('Boom', 'x');
      },
      refund: () => {
        refunds += 1;
        if (refunds < 3) throw namedError('Refund.Busy', 'later');
        return {};
      },
    });
    const result = await runWorkflow(
      saga({ refundRetry: [{ ErrorEquals: ['Refund.Busy'], MaxAttempts: 3 }] }),
      { order: 'o-1' },
      { tasks },
    );
    expect(result.status).toBe('COMPENSATED');
    expect(calls).toEqual([
      'reserve',
      'charge',
      'ship',
      'undo:refund',
      'undo:refund',
      'undo:refund',
      'undo:release',
    ]);
  });

  it('records compensation history events in order', async () => {
    const tasks = recordingTasks([], {
      ship: () => {
        throw namedError('Boom', 'x');
      },
    });
    const result = await runWorkflow(saga(), { order: 'o-1' }, { tasks });
    const compensation = types(result.history).filter((type) => type.startsWith('Compensation'));
    expect(compensation).toEqual([
      'CompensationStarted',
      'CompensationTaskScheduled',
      'CompensationTaskSucceeded',
      'CompensationTaskScheduled',
      'CompensationTaskSucceeded',
      'CompensationSucceeded',
    ]);
  });

  it('compensates steps completed inside Parallel branches when the saga fails later', async () => {
    const calls: string[] = [];
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'A',
              States: {
                A: {
                  Type: 'Task',
                  Resource: 'baton:worker:a',
                  Compensate: { Resource: 'baton:worker:undoA' },
                  End: true,
                },
              },
            },
            {
              StartAt: 'B',
              States: {
                B: {
                  Type: 'Task',
                  Resource: 'baton:worker:b',
                  Compensate: { Resource: 'baton:worker:undoB' },
                  End: true,
                },
              },
            },
          ],
          Next: 'Fail',
        },
        Fail: { Type: 'Fail', Error: 'Late', Cause: 'after the parallel' },
      },
    };
    const tasks = recordingTasks(calls, { a: () => 'a', b: () => 'b', undoA: () => null, undoB: () => null });
    const result = await runWorkflow(definition, {}, { tasks });
    expect(result.status).toBe('COMPENSATED');
    expect(calls).toEqual(['a', 'b', 'undo:undoB', 'undo:undoA']);
  });

  it('compensates when the execution times out', async () => {
    const calls: string[] = [];
    const definition = {
      TimeoutSeconds: 60,
      StartAt: 'Reserve',
      States: {
        Reserve: {
          Type: 'Task',
          Resource: 'baton:worker:reserve',
          Compensate: { Resource: 'baton:worker:release' },
          Next: 'Wait',
        },
        Wait: { Type: 'Wait', Seconds: 3600, End: true },
      },
    };
    const result = await runWorkflow(definition, {}, { tasks: recordingTasks(calls) });
    expect(result.status).toBe('COMPENSATED');
    expect(result.error).toBe('States.Timeout');
    expect(calls).toEqual(['reserve', 'undo:release']);
  });
});

describe('saga compensation input', () => {
  it('fails the compensation loudly when its Parameters name a missing path', async () => {
    const definition = {
      StartAt: 'Reserve',
      States: {
        Reserve: {
          Type: 'Task',
          Resource: 'baton:worker:reserve',
          Compensate: { Resource: 'baton:worker:release', Parameters: { 'order.$': '$.Input.order' } },
          Next: 'Boom',
        },
        Boom: { Type: 'Fail', Error: 'Late' },
      },
    };
    const tasks = { 'baton:worker:reserve': () => ({}), 'baton:worker:release': () => ({}) };
    const result = await runWorkflow(definition, {}, { tasks });
    expect(result.status).toBe('COMPENSATION_FAILED');
    expect(result.compensationFailure).toMatchObject({
      stateName: 'Reserve',
      error: 'States.Runtime',
    });
  });
});
