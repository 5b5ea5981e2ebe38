/**
 * The workflows the `engine` suite runs, their inputs, and the stub task functions both engines
 * call. Everything here is deterministic (no clocks, ids or randomness in outputs) so that the two
 * engines' outputs can be compared for equality.
 */
import type { Json, JsonObject, StateDefinition, StateMachineDefinition } from 'baton';

/**
 * A stub task: synchronous, returns a small object. The same function objects are handed to Baton
 * (by `Resource`) and to aws-local-stepfunctions (by state name), so neither side does more work.
 */
export type StubTask = (input: Json) => JsonObject;

/** One workflow of the suite, with what it takes to run and check it. */
export interface BenchWorkflow {
  /** Short label used in the output, e.g. `(a) pass-task`. */
  readonly label: string;
  /** One line on what the workflow exercises. */
  readonly description: string;
  /** The definition Baton runs (may use Baton's `Compensate` extension). */
  readonly definition: StateMachineDefinition;
  readonly input: JsonObject;
  /** Stub task functions by `Resource` (compensation resources included). */
  readonly tasks: Readonly<Record<string, StubTask>>;
  /** States entered by one execution, counted by hand from the definition (see each workflow). */
  readonly expectedTransitions: number;
  /** Extra checks on a successful output; returns what is wrong, or undefined. */
  readonly checkOutput: (output: Json) => string | undefined;
}

// ---------------------------------------------------------------- helpers for the stubs

/**
 * A Lambda function ARN for a stub. Both engines want a real-looking Resource (Baton requires a
 * URI, the peer validates ARN syntax); neither calls it, since both run the local stub instead.
 */
function fn(name: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:bench-${name}`;
}

/** Reads `key` from an object input; anything else reads as null (stubs never throw). */
function field(input: Json, key: string): Json {
  return input !== null && typeof input === 'object' && !Array.isArray(input) ? (input[key] ?? null) : null;
}

function text(input: Json, key: string): string {
  const value = field(input, key);
  return typeof value === 'string' ? value : String(value);
}

function count(input: Json, key: string): number {
  const value = field(input, key);
  return typeof value === 'number' ? value : 0;
}

function list(input: Json, key: string): Json[] {
  const value = field(input, key);
  return Array.isArray(value) ? value : [];
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------- (a) Pass -> Task

/**
 * (a) The smallest useful machine: a Pass that injects a constant with Result + ResultPath, then a
 * Task. 2 states entered per execution (Greet, Work).
 */
export const passTask: BenchWorkflow = {
  label: '(a) pass-task',
  description: 'Pass (Result + ResultPath) -> Task (stub), End',
  definition: {
    Comment: 'bench (a): Pass -> Task',
    StartAt: 'Greet',
    States: {
      Greet: {
        Type: 'Pass',
        Result: { greeting: 'hello', version: 1 },
        ResultPath: '$.greeting',
        Next: 'Work',
      },
      Work: { Type: 'Task', Resource: fn('work'), End: true },
    },
  },
  input: { id: 'req-1', name: 'bench' },
  tasks: {
    [fn('work')]: (input) => ({
      id: text(input, 'id'),
      said: text(field(input, 'greeting'), 'greeting'),
      done: true,
    }),
  },
  expectedTransitions: 2,
  checkOutput: (output) =>
    isObject(output) && output['said'] === 'hello' && output['done'] === true
      ? undefined
      : `expected { said: 'hello', done: true, ... }, got ${JSON.stringify(output)}`,
};

// ---------------------------------------------------------------- (b) 10-step saga

const MAP_ITEMS = 10;

/** A Parallel branch: a Pass that shapes the input (Parameters), then one Task. */
function branch(label: string, task: string, resource: string): StateMachineDefinition {
  return {
    StartAt: label,
    States: {
      [label]: {
        Type: 'Pass',
        Parameters: { 'orderId.$': '$.orderId', 'customer.$': '$.order.customer', step: label },
        Next: task,
      },
      [task]: { Type: 'Task', Resource: resource, End: true },
    },
  };
}

const sagaStates: Record<string, StateDefinition> = {
  PrepareOrder: {
    Type: 'Pass',
    Parameters: { 'orderId.$': '$.orderId', 'customer.$': '$.customer', channel: 'web' },
    ResultPath: '$.order',
    Next: 'ReserveInventory',
  },
  ReserveInventory: {
    Type: 'Task',
    Resource: fn('reserve-inventory'),
    Parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items' },
    ResultPath: '$.reservation',
    Compensate: { Resource: fn('release-inventory'), Parameters: { 'orderId.$': '$.orderId' } },
    Next: 'ChargePayment',
  },
  ChargePayment: {
    Type: 'Task',
    Resource: fn('charge-payment'),
    Parameters: { 'orderId.$': '$.orderId', 'amount.$': '$.amount' },
    ResultSelector: { 'paymentId.$': '$.paymentId', 'status.$': '$.status', 'amount.$': '$.amount' },
    ResultPath: '$.payment',
    Compensate: { Resource: fn('refund-payment'), Parameters: { 'orderId.$': '$.orderId' } },
    Next: 'RouteOrder',
  },
  RouteOrder: {
    Type: 'Choice',
    Choices: [
      {
        And: [
          { Variable: '$.payment.status', StringEquals: 'captured' },
          { Variable: '$.amount', NumericGreaterThan: 0 },
        ],
        Next: 'Fulfil',
      },
    ],
    Default: 'RejectOrder',
  },
  // Never entered with the bench input: the Choice's default, so the Choice has two ways out.
  RejectOrder: { Type: 'Fail', Error: 'OrderRejected', Cause: 'payment not captured' },
  Fulfil: {
    Type: 'Parallel',
    Branches: [
      branch('PackLabel', 'PackItems', fn('pack-items')),
      branch('ShipLabel', 'ScheduleShipment', fn('schedule-shipment')),
      branch('NotifyLabel', 'NotifyCustomer', fn('notify-customer')),
    ],
    ResultPath: '$.fulfilment',
    Next: 'ProcessItems',
  },
  ProcessItems: {
    Type: 'Map',
    ItemsPath: '$.items',
    ItemSelector: {
      'orderId.$': '$.orderId',
      'index.$': '$$.Map.Item.Index',
      'sku.$': '$$.Map.Item.Value.sku',
      'qty.$': '$$.Map.Item.Value.qty',
    },
    ItemProcessor: {
      StartAt: 'PriceLine',
      States: {
        PriceLine: {
          Type: 'Pass',
          Parameters: { 'sku.$': '$.sku', 'qty.$': '$.qty', 'index.$': '$.index', currency: 'EUR' },
          Next: 'ProcessItem',
        },
        ProcessItem: { Type: 'Task', Resource: fn('process-item'), End: true },
      },
    },
    ResultPath: '$.lines',
    Next: 'Summarise',
  },
  Summarise: {
    Type: 'Pass',
    Parameters: {
      'orderId.$': '$.orderId',
      'paymentId.$': '$.payment.paymentId',
      'trackingId.$': '$.fulfilment[1].trackingId',
      'lines.$': '$.lines',
    },
    ResultPath: '$.summary',
    Next: 'ConfirmOrder',
  },
  ConfirmOrder: {
    Type: 'Task',
    Resource: fn('confirm-order'),
    Parameters: { 'orderId.$': '$.orderId', 'lines.$': '$.summary.lines' },
    ResultPath: '$.confirmation',
    Compensate: { Resource: fn('cancel-order'), Parameters: { 'orderId.$': '$.orderId' } },
    Next: 'EmitReceipt',
  },
  EmitReceipt: {
    Type: 'Task',
    Resource: fn('emit-receipt'),
    Parameters: { 'orderId.$': '$.orderId', 'total.$': '$.confirmation.total' },
    ResultPath: '$.receipt',
    Next: 'Done',
  },
  Done: {
    Type: 'Pass',
    Parameters: {
      'orderId.$': '$.orderId',
      'reservationId.$': '$.reservation.reservationId',
      'payment.$': '$.payment',
      'fulfilment.$': '$.fulfilment',
      'summary.$': '$.summary',
      'confirmation.$': '$.confirmation',
      'receipt.$': '$.receipt',
    },
    End: true,
  },
};

/**
 * (b) A 10-step order saga: Pass, three Tasks with `Compensate` blocks, a Choice, a Parallel of 3
 * branches, a Map over 10 items, Pass states with Parameters/ResultPath, two more Tasks, a final
 * Pass. States entered per execution: 10 top-level (PrepareOrder, ReserveInventory, ChargePayment,
 * RouteOrder, Fulfil, ProcessItems, Summarise, ConfirmOrder, EmitReceipt, Done) + 3 branches x 2
 * (label Pass + Task) + 10 items x 2 (PriceLine + ProcessItem) = 36.
 */
export const saga: BenchWorkflow = {
  label: '(b) saga',
  description: `10-step saga: 3 Tasks with Compensate, Choice, Parallel(3), Map(${MAP_ITEMS}), Pass/Parameters`,
  definition: { Comment: 'bench (b): order saga', StartAt: 'PrepareOrder', States: sagaStates },
  input: {
    orderId: 'order-42',
    customer: 'customer-7',
    amount: 250,
    items: Array.from({ length: MAP_ITEMS }, (_, i) => ({ sku: `sku-${i}`, qty: (i % 3) + 1 })),
  },
  tasks: {
    [fn('reserve-inventory')]: (input) => ({
      reservationId: `res-${text(input, 'orderId')}`,
      lines: list(input, 'items').length,
    }),
    [fn('charge-payment')]: (input) => ({
      paymentId: `pay-${text(input, 'orderId')}`,
      status: 'captured',
      amount: count(input, 'amount'),
      provider: 'stub',
    }),
    [fn('pack-items')]: (input) => ({ packed: true, orderId: text(input, 'orderId') }),
    [fn('schedule-shipment')]: (input) => ({ trackingId: `trk-${text(input, 'orderId')}`, carrier: 'stub' }),
    [fn('notify-customer')]: (input) => ({ notified: text(input, 'customer'), channel: 'email' }),
    [fn('process-item')]: (input) => ({
      sku: text(input, 'sku'),
      qty: count(input, 'qty'),
      price: count(input, 'qty') * 10 + count(input, 'index'),
    }),
    [fn('confirm-order')]: (input) => ({
      confirmed: true,
      total: list(input, 'lines').reduce<number>((sum, line) => sum + count(line, 'price'), 0),
    }),
    [fn('emit-receipt')]: (input) => ({
      receiptId: `rcp-${text(input, 'orderId')}`,
      total: count(input, 'total'),
    }),
    // Compensations: never called on the success path, present so the saga is complete.
    [fn('release-inventory')]: () => ({ released: true }),
    [fn('refund-payment')]: () => ({ refunded: true }),
    [fn('cancel-order')]: () => ({ cancelled: true }),
  },
  expectedTransitions: 10 + 3 * 2 + MAP_ITEMS * 2,
  checkOutput: (output) => {
    if (!isObject(output)) return `expected an object, got ${JSON.stringify(output)}`;
    const summary = output['summary'];
    const lines = isObject(summary) ? summary['lines'] : undefined;
    if (!Array.isArray(lines) || lines.length !== MAP_ITEMS) return `expected ${MAP_ITEMS} Map results`;
    const fulfilment = output['fulfilment'];
    if (!Array.isArray(fulfilment) || fulfilment.length !== 3) return 'expected 3 Parallel results';
    // sum over items of qty*10 + index, qty = (i % 3) + 1
    const total = Array.from({ length: MAP_ITEMS }, (_, i) => ((i % 3) + 1) * 10 + i).reduce((a, b) => a + b);
    const receipt = output['receipt'];
    if (!isObject(receipt) || receipt['total'] !== total) {
      return `expected receipt.total ${total}, got ${JSON.stringify(receipt)}`;
    }
    return undefined;
  },
};

/** The workflows of the engine suite, in the order they run. */
export const engineWorkflows: readonly BenchWorkflow[] = [passTask, saga];

/**
 * The definition with every `Compensate` block removed (in all nested Parallel branches and Map
 * processors too), for engines that do not know Baton's saga extension. Returns the copy and how
 * many blocks were removed.
 */
export function stripCompensate(definition: StateMachineDefinition): {
  readonly definition: StateMachineDefinition;
  readonly removed: number;
} {
  let removed = 0;
  const stripScope = (scope: StateMachineDefinition): StateMachineDefinition => {
    const states: Record<string, StateDefinition> = {};
    for (const [name, state] of Object.entries(scope.States)) {
      switch (state.Type) {
        case 'Task': {
          if (state.Compensate === undefined) {
            states[name] = state;
            break;
          }
          removed += 1;
          const { Compensate: _dropped, ...rest } = state;
          states[name] = rest;
          break;
        }
        case 'Parallel':
          states[name] = { ...state, Branches: state.Branches.map(stripScope) };
          break;
        case 'Map': {
          const processor = state.ItemProcessor ?? state.Iterator;
          states[name] =
            processor === undefined
              ? state
              : state.ItemProcessor !== undefined
                ? { ...state, ItemProcessor: stripScope(processor) }
                : { ...state, Iterator: stripScope(processor) };
          break;
        }
        default:
          states[name] = state;
      }
    }
    return { ...scope, States: states };
  };
  return { definition: stripScope(definition), removed };
}

/**
 * Every Task state (at any depth) with its Resource. aws-local-stepfunctions binds local handlers by
 * state *name*, Baton by Resource; this is how the same stubs are wired to both.
 */
export function taskStates(definition: StateMachineDefinition): ReadonlyMap<string, string> {
  const found = new Map<string, string>();
  const walk = (scope: StateMachineDefinition): void => {
    for (const [name, state] of Object.entries(scope.States)) {
      if (state.Type === 'Task') {
        const previous = found.get(name);
        // Handlers are keyed by name on the peer, so one name must mean one resource.
        if (previous !== undefined && previous !== state.Resource) {
          throw new Error(`Task state name '${name}' is used for two resources`);
        }
        found.set(name, state.Resource);
      } else if (state.Type === 'Parallel') {
        state.Branches.forEach(walk);
      } else if (state.Type === 'Map') {
        const processor = state.ItemProcessor ?? state.Iterator;
        if (processor) walk(processor);
      }
    }
  };
  walk(definition);
  return found;
}
