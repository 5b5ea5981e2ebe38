/**
 * One saga written in JSONPath and in JSONata (the README's example): both give the same task
 * inputs, the same output, and the same compensation when shipping fails.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow, type Json } from '../../../lambdas/index.js';
import { namedError } from '../../helpers/conformance.js';

const JSONPATH_SAGA = {
  StartAt: 'Reserve',
  States: {
    Reserve: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:reserve',
      Parameters: {
        'orderId.$': '$.orderId',
        'items.$': '$.items',
      },
      ResultSelector: {
        'reservationId.$': '$.reservationId',
      },
      ResultPath: '$.reservation',
      Assign: {
        'orderId.$': '$$.Execution.Input.orderId',
      },
      Next: 'Charge',
    },
    Charge: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:charge',
      Parameters: {
        'orderId.$': '$orderId',
        'amount.$': '$.total',
      },
      ResultPath: '$.payment',
      Compensate: {
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:refund',
        Parameters: {
          'chargeId.$': '$.Result.chargeId',
          'amount.$': '$.Input.total',
        },
      },
      Retry: [
        {
          ErrorEquals: ['PaymentProviderUnavailable'],
          MaxAttempts: 3,
        },
      ],
      Next: 'Ship',
    },
    Ship: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:ship',
      Parameters: {
        'orderId.$': '$orderId',
        'reservationId.$': '$.reservation.reservationId',
      },
      ResultPath: '$.shipment',
      OutputPath: '$.shipment',
      End: true,
    },
  },
};

const JSONATA_SAGA = {
  QueryLanguage: 'JSONata',
  StartAt: 'Reserve',
  States: {
    Reserve: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:reserve',
      Arguments: {
        orderId: '{% $states.input.orderId %}',
        items: '{% $states.input.items %}',
      },
      Assign: {
        orderId: '{% $states.input.orderId %}',
        total: '{% $states.input.total %}',
        reservationId: '{% $states.result.reservationId %}',
      },
      Next: 'Charge',
    },
    Charge: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:charge',
      Arguments: {
        orderId: '{% $orderId %}',
        amount: '{% $total %}',
      },
      Compensate: {
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:refund',
        Arguments: {
          chargeId: '{% $states.result.chargeId %}',
          amount: '{% $total %}',
        },
      },
      Retry: [
        {
          ErrorEquals: ['PaymentProviderUnavailable'],
          MaxAttempts: 3,
        },
      ],
      Next: 'Ship',
    },
    Ship: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:ship',
      Arguments: {
        orderId: '{% $orderId %}',
        reservationId: '{% $reservationId %}',
      },
      End: true,
    },
  },
};

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:';

function tasks(shipFails: boolean) {
  const calls: Record<string, Json[]> = {};
  const record =
    (name: string, answer: (input: Json) => unknown) =>
    (input: Json): unknown => {
      (calls[name] ??= []).push(input);
      return answer(input);
    };
  return {
    calls,
    tasks: {
      [`${ARN}reserve`]: record('reserve', () => ({ reservationId: 'r-1', warehouse: 'north' })),
      [`${ARN}charge`]: record('charge', () => ({ chargeId: 'ch-9', status: 'captured' })),
      [`${ARN}refund`]: record('refund', () => ({ refunded: true })),
      [`${ARN}ship`]: record('ship', () => {
        if (shipFails) throw namedError('OutOfStock');
        return { trackingId: 't-5' };
      }),
    },
  };
}

const INPUT = { orderId: 'o-1', items: ['book'], total: 30 };

describe('the README saga, written both ways', () => {
  it.each([
    ['JSONPath', JSONPATH_SAGA],
    ['JSONata', JSONATA_SAGA],
  ])('%s: calls the steps with the same inputs and ends with the shipment', async (_mode, definition) => {
    const run = tasks(false);
    const result = await runWorkflow(definition, INPUT, { tasks: run.tasks });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toEqual({ trackingId: 't-5' });
    expect(run.calls).toEqual({
      reserve: [{ orderId: 'o-1', items: ['book'] }],
      charge: [{ orderId: 'o-1', amount: 30 }],
      ship: [{ orderId: 'o-1', reservationId: 'r-1' }],
    });
  });

  it.each([
    ['JSONPath', JSONPATH_SAGA],
    ['JSONata', JSONATA_SAGA],
  ])('%s: refunds the charge when shipping fails', async (_mode, definition) => {
    const run = tasks(true);
    const result = await runWorkflow(definition, INPUT, { tasks: run.tasks });
    expect(result.status).toBe('COMPENSATED');
    expect(run.calls.refund).toEqual([{ chargeId: 'ch-9', amount: 30 }]);
  });
});
