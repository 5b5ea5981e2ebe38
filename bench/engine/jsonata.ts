/**
 * Baton's JSONata mode against its JSONPath mode: the suite's (b) saga written in JSONata (the
 * data later steps need kept in variables, each result shaped by Arguments, Output and Assign),
 * run on the same input and stubs, must give the same output; it is then timed against (b) in
 * alternating rounds. Goal (issue 13): at least half the JSONPath version's transitions/s.
 */
import { isDeepStrictEqual } from 'node:util';
import type { StateDefinition, StateMachineDefinition } from 'baton';
import { formatCount, formatRange, formatRatio, median, timedRound } from '../measure.js';
import type { SuiteContext } from '../suite.js';
import { baton, WrongResultError } from './engines.js';
import { saga, type BenchWorkflow } from './workflows.js';

/** Goal: the JSONata saga's transitions/s over the JSONPath saga's. */
export const JSONATA_RATIO_GOAL = 0.5;

function fn(name: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:bench-${name}`;
}

const e = (expression: string): string => `{% ${expression} %}`;

function branch(label: string, task: string, resource: string): StateMachineDefinition {
  return {
    StartAt: label,
    States: {
      [label]: {
        Type: 'Pass',
        Output: {
          orderId: e('$states.input.orderId'),
          customer: e('$states.input.order.customer'),
          step: label,
        },
        Next: task,
      },
      [task]: { Type: 'Task', Resource: resource, End: true },
    },
  };
}

const states: Record<string, StateDefinition> = {
  PrepareOrder: {
    Type: 'Pass',
    Assign: {
      orderId: e('$states.input.orderId'),
      amount: e('$states.input.amount'),
      items: e('$states.input.items'),
      order: { orderId: e('$states.input.orderId'), customer: e('$states.input.customer'), channel: 'web' },
    },
    Next: 'ReserveInventory',
  },
  ReserveInventory: {
    Type: 'Task',
    Resource: fn('reserve-inventory'),
    Arguments: { orderId: e('$orderId'), items: e('$items') },
    Assign: { reservation: e('$states.result') },
    Compensate: { Resource: fn('release-inventory'), Arguments: { orderId: e('$orderId') } },
    Next: 'ChargePayment',
  },
  ChargePayment: {
    Type: 'Task',
    Resource: fn('charge-payment'),
    Arguments: { orderId: e('$orderId'), amount: e('$amount') },
    Assign: {
      payment: {
        paymentId: e('$states.result.paymentId'),
        status: e('$states.result.status'),
        amount: e('$states.result.amount'),
      },
    },
    Compensate: { Resource: fn('refund-payment'), Arguments: { orderId: e('$orderId') } },
    Next: 'RouteOrder',
  },
  RouteOrder: {
    Type: 'Choice',
    Choices: [{ Condition: e("$payment.status = 'captured' and $amount > 0"), Next: 'Fulfil' }],
    Default: 'RejectOrder',
  },
  RejectOrder: { Type: 'Fail', Error: 'OrderRejected', Cause: 'payment not captured' },
  Fulfil: {
    Type: 'Parallel',
    Arguments: { orderId: e('$orderId'), order: e('$order') },
    Branches: [
      branch('PackLabel', 'PackItems', fn('pack-items')),
      branch('ShipLabel', 'ScheduleShipment', fn('schedule-shipment')),
      branch('NotifyLabel', 'NotifyCustomer', fn('notify-customer')),
    ],
    Assign: { fulfilment: e('$states.result') },
    Next: 'ProcessItems',
  },
  ProcessItems: {
    Type: 'Map',
    Items: e('$items'),
    ItemSelector: {
      orderId: e('$orderId'),
      index: e('$states.context.Map.Item.Index'),
      sku: e('$states.context.Map.Item.Value.sku'),
      qty: e('$states.context.Map.Item.Value.qty'),
    },
    ItemProcessor: {
      StartAt: 'PriceLine',
      States: {
        PriceLine: {
          Type: 'Pass',
          Output: {
            sku: e('$states.input.sku'),
            qty: e('$states.input.qty'),
            index: e('$states.input.index'),
            currency: 'EUR',
          },
          Next: 'ProcessItem',
        },
        ProcessItem: { Type: 'Task', Resource: fn('process-item'), End: true },
      },
    },
    Assign: { lines: e('$states.result') },
    Next: 'Summarise',
  },
  Summarise: {
    Type: 'Pass',
    Assign: {
      summary: {
        orderId: e('$orderId'),
        paymentId: e('$payment.paymentId'),
        trackingId: e('$fulfilment[1].trackingId'),
        lines: e('$lines'),
      },
    },
    Next: 'ConfirmOrder',
  },
  ConfirmOrder: {
    Type: 'Task',
    Resource: fn('confirm-order'),
    Arguments: { orderId: e('$orderId'), lines: e('$summary.lines') },
    Assign: { confirmation: e('$states.result') },
    Compensate: { Resource: fn('cancel-order'), Arguments: { orderId: e('$orderId') } },
    Next: 'EmitReceipt',
  },
  EmitReceipt: {
    Type: 'Task',
    Resource: fn('emit-receipt'),
    Arguments: { orderId: e('$orderId'), total: e('$confirmation.total') },
    Assign: { receipt: e('$states.result') },
    Next: 'Done',
  },
  Done: {
    Type: 'Pass',
    Output: {
      orderId: e('$orderId'),
      reservationId: e('$reservation.reservationId'),
      payment: e('$payment'),
      fulfilment: e('$fulfilment'),
      summary: e('$summary'),
      confirmation: e('$confirmation'),
      receipt: e('$receipt'),
    },
    End: true,
  },
};

/** (b) saga in JSONata: same input, stubs, states entered and output as (b). */
export const sagaJsonata: BenchWorkflow = {
  ...saga,
  label: '(b) saga in JSONata',
  description: 'the (b) saga written in JSONata: Arguments, Output, Assign, Condition, Items',
  definition: { QueryLanguage: 'JSONata', StartAt: 'PrepareOrder', States: states },
};

/** Figures of the comparison, for the summary. */
export interface JsonataFigures {
  readonly jsonPathRate: number;
  readonly jsonataRate: number;
  /** JSONata transitions/s over JSONPath transitions/s, medians (same transitions per execution). */
  readonly ratio: number;
}

/** Times (b) in JSONPath and in JSONata on Baton, rounds alternating. */
export async function benchJsonata({ settings, log }: SuiteContext): Promise<JsonataFigures> {
  log();
  log(`-- engine ${sagaJsonata.label}: ${sagaJsonata.description} (Baton only: the peer has no JSONata)`);
  const jsonPath = baton.prepare(saga);
  const jsonata = baton.prepare(sagaJsonata);
  const [a, b] = [await jsonPath.trace(), await jsonata.trace()];
  if (!isDeepStrictEqual(a.output, b.output) || a.transitions !== b.transitions) {
    throw new WrongResultError(
      `${sagaJsonata.label}: differs from ${saga.label}:\n  JSONPath ${JSON.stringify(a.output)}\n  JSONata  ${JSON.stringify(b.output)}`,
    );
  }
  log(`  check: same output as ${saga.label}, ${b.transitions} states entered`);
  await timedRound(jsonPath.run, settings.warmupMs);
  await timedRound(jsonata.run, settings.warmupMs);
  const jsonPathRates: number[] = [];
  const jsonataRates: number[] = [];
  for (let index = 0; index < settings.rounds; index++) {
    const order = index % 2 === 0 ? [jsonPath, jsonata] : [jsonata, jsonPath];
    for (const run of order) {
      const round = await timedRound(run.run, settings.roundMs);
      (run === jsonPath ? jsonPathRates : jsonataRates).push(round.rate * a.transitions);
    }
  }
  const ratios = jsonataRates.map((rate, index) => rate / (jsonPathRates[index] as number));
  const figures = {
    jsonPathRate: median(jsonPathRates),
    jsonataRate: median(jsonataRates),
    ratio: median(jsonataRates) / median(jsonPathRates),
  };
  log(
    `  baton JSONPath ${formatCount(figures.jsonPathRate)} transitions/s (${formatRange(jsonPathRates)}), ` +
      `JSONata ${formatCount(figures.jsonataRate)} transitions/s (${formatRange(jsonataRates)})`,
  );
  log(
    `  ratio JSONata/JSONPath (medians): ${formatRatio(figures.ratio)}; per-round ${formatRange(ratios, formatRatio)}`,
  );
  return figures;
}
