/**
 * The saga the `cost` suite runs: an order saga of 10 Task steps, a Choice and a Pass, with
 * `Compensate` on 6 of the Tasks, its worker stubs, and its inputs (a small order, and a ~10 KB
 * one). Everything is deterministic, so that every run writes the same bytes.
 */
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import { TaskFailure, type WorkerHandler } from '../../lambdas/runtime/worker.js';
import { workerResource as worker } from '../../lambdas/contract/task-resources.js';

/** The name the saga is deployed under. */
export const SAGA_NAME = 'OrderSaga';

/** The Task whose worker fails when the input asks for it (the failing share of the mixed run). */
export const FAILING_STEP = 'BookCarrier';

/**
 * PrepareOrder (Pass) -> ReserveInventory* -> AuthorizePayment* -> RouteOrder (Choice) ->
 * ScreenFraud -> CapturePayment* -> AllocateWarehouse* -> PrintLabel -> BookCarrier* ->
 * UpdateLoyalty* -> NotifyCustomer -> CloseOrder. (* = with Compensate.)
 *
 * States entered: 12 when it succeeds (1 Pass, 10 Tasks, 1 Choice); 9 when BookCarrier fails
 * (PrepareOrder .. BookCarrier), after which the 4 compensations below it run in reverse order
 * (AllocateWarehouse, CapturePayment, AuthorizePayment, ReserveInventory). Compensation tasks are
 * not states: they enter no state and count as no step.
 */
export const sagaDefinition: StateMachineDefinition = {
  Comment: 'bench cost: 10-step order saga',
  StartAt: 'PrepareOrder',
  States: {
    PrepareOrder: {
      Type: 'Pass',
      Parameters: { 'orderId.$': '$.orderId', 'customer.$': '$.customer', channel: 'web' },
      ResultPath: '$.order',
      Next: 'ReserveInventory',
    },
    ReserveInventory: {
      Type: 'Task',
      Resource: worker('reserve-inventory'),
      Parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items' },
      ResultPath: '$.reservation',
      Compensate: {
        Resource: worker('release-inventory'),
        Parameters: { 'reservationId.$': '$.Result.reservationId' },
      },
      Next: 'AuthorizePayment',
    },
    AuthorizePayment: {
      Type: 'Task',
      Resource: worker('authorize-payment'),
      Parameters: { 'orderId.$': '$.orderId', 'amount.$': '$.amount', 'customer.$': '$.customer' },
      ResultPath: '$.payment',
      Compensate: {
        Resource: worker('void-authorization'),
        Parameters: { 'authorizationId.$': '$.Result.authorizationId' },
      },
      Next: 'RouteOrder',
    },
    RouteOrder: {
      Type: 'Choice',
      Choices: [{ Variable: '$.payment.status', StringEquals: 'authorized', Next: 'ScreenFraud' }],
      Default: 'RejectOrder',
    },
    // Never entered with the bench inputs: the Choice's way out.
    RejectOrder: { Type: 'Fail', Error: 'PaymentDeclined', Cause: 'payment not authorized' },
    ScreenFraud: {
      Type: 'Task',
      Resource: worker('screen-fraud'),
      Parameters: { 'orderId.$': '$.orderId', 'customer.$': '$.customer', 'amount.$': '$.amount' },
      ResultPath: '$.screening',
      Next: 'CapturePayment',
    },
    CapturePayment: {
      Type: 'Task',
      Resource: worker('capture-payment'),
      Parameters: { 'authorizationId.$': '$.payment.authorizationId', 'amount.$': '$.amount' },
      ResultPath: '$.capture',
      Compensate: { Resource: worker('refund-payment'), Parameters: { 'captureId.$': '$.Result.captureId' } },
      Next: 'AllocateWarehouse',
    },
    AllocateWarehouse: {
      Type: 'Task',
      Resource: worker('allocate-warehouse'),
      Parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items' },
      ResultPath: '$.allocation',
      Compensate: {
        Resource: worker('release-warehouse'),
        Parameters: { 'allocationId.$': '$.Result.allocationId' },
      },
      Next: 'PrintLabel',
    },
    PrintLabel: {
      Type: 'Task',
      Resource: worker('print-label'),
      Parameters: { 'orderId.$': '$.orderId', 'warehouse.$': '$.allocation.warehouse' },
      ResultPath: '$.label',
      Next: 'BookCarrier',
    },
    BookCarrier: {
      Type: 'Task',
      Resource: worker('book-carrier'),
      Parameters: { 'orderId.$': '$.orderId', 'labelId.$': '$.label.labelId', 'failAt.$': '$.failAt' },
      ResultPath: '$.shipment',
      Compensate: { Resource: worker('cancel-carrier'), Parameters: { 'bookingId.$': '$.Result.bookingId' } },
      Next: 'UpdateLoyalty',
    },
    UpdateLoyalty: {
      Type: 'Task',
      Resource: worker('update-loyalty'),
      Parameters: { 'customer.$': '$.customer', 'amount.$': '$.amount' },
      ResultPath: '$.loyalty',
      Compensate: { Resource: worker('revert-loyalty'), Parameters: { 'entryId.$': '$.Result.entryId' } },
      Next: 'NotifyCustomer',
    },
    NotifyCustomer: {
      Type: 'Task',
      Resource: worker('notify-customer'),
      Parameters: { 'customer.$': '$.customer', 'trackingId.$': '$.shipment.trackingId' },
      ResultPath: '$.notification',
      Next: 'CloseOrder',
    },
    CloseOrder: {
      Type: 'Task',
      Resource: worker('close-order'),
      Parameters: { 'orderId.$': '$.orderId', 'captureId.$': '$.capture.captureId' },
      ResultPath: '$.closed',
      End: true,
    },
  },
};

/** States entered by one execution that succeeds. */
export const STEPS_WHEN_SUCCEEDED = 12;
/** States entered by one execution that fails at {@link FAILING_STEP}. */
export const STEPS_WHEN_COMPENSATED = 9;
/** Compensation tasks run by one execution that fails at {@link FAILING_STEP}. */
export const COMPENSATIONS_WHEN_FAILED = 4;

function field(input: Json, key: string): string {
  const value =
    input !== null && typeof input === 'object' && !Array.isArray(input) ? (input[key] ?? null) : null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A stub result: small, deterministic, derived from the input (like a real service's ids). */
type Stub = (input: Json) => JsonObject;

const stubs: Readonly<Record<string, Stub>> = {
  'reserve-inventory': (input) => ({ reservationId: `res-${field(input, 'orderId')}`, status: 'held' }),
  'authorize-payment': (input) => ({
    authorizationId: `auth-${field(input, 'orderId')}`,
    status: 'authorized',
    provider: 'stub-psp',
  }),
  'screen-fraud': () => ({ score: 12, decision: 'accept' }),
  'capture-payment': (input) => ({ captureId: `cap-${field(input, 'authorizationId')}`, status: 'captured' }),
  'allocate-warehouse': (input) => ({ allocationId: `alloc-${field(input, 'orderId')}`, warehouse: 'FRA-2' }),
  'print-label': (input) => ({ labelId: `lbl-${field(input, 'orderId')}`, format: 'ZPL' }),
  'book-carrier': (input) => {
    if (field(input, 'failAt') === FAILING_STEP) {
      throw new TaskFailure('Carrier.Unavailable', 'no carrier capacity for the requested slot');
    }
    return { bookingId: `bk-${field(input, 'labelId')}`, trackingId: `trk-${field(input, 'orderId')}` };
  },
  'update-loyalty': (input) => ({ entryId: `loy-${field(input, 'customer')}`, points: 25 }),
  'notify-customer': () => ({ channel: 'email', sent: true }),
  'close-order': (input) => ({ closedBy: 'bench', captureId: field(input, 'captureId') }),
  'release-inventory': () => ({ released: true }),
  'void-authorization': () => ({ voided: true }),
  'refund-payment': () => ({ refunded: true }),
  'release-warehouse': () => ({ released: true }),
  'cancel-carrier': () => ({ cancelled: true }),
  'revert-loyalty': () => ({ reverted: true }),
};

/** The worker handlers of the in-process domain, by worker name. */
export function sagaWorkers(): Readonly<Record<string, WorkerHandler<never>>> {
  return Object.fromEntries(
    Object.entries(stubs).map(([name, stub]) => [name, (input: Json) => stub(input)]),
  );
}

/** The stub behind a `baton:worker:<name>` resource, for driving `decide` by hand. */
export function stubFor(resource: string): Stub {
  const stub = stubs[resource.replace(/^baton:worker:/, '')];
  if (stub === undefined) throw new Error(`No stub for ${resource}`);
  return stub;
}

/** A small order (about 400 bytes of JSON): 3 lines. */
export function smallOrder(index: number, fail = false): JsonObject {
  return {
    orderId: `order-${index}`,
    customer: `customer-${index % 97}`,
    amount: 100 + (index % 50),
    currency: 'EUR',
    items: [
      { sku: 'sku-1001', qty: 1, price: 49.9 },
      { sku: 'sku-2002', qty: 2, price: 19.5 },
      { sku: 'sku-3003', qty: 1, price: 11.0 },
    ],
    shipTo: { name: 'Erika Mustermann', street: 'Heidestrasse 17', city: 'Koeln', zip: '51147' },
    failAt: fail ? FAILING_STEP : 'none',
  };
}

/**
 * An order of about `bytes` bytes of JSON: many lines with descriptions, the kind of state that
 * grows in real sagas. Mostly text, so it compresses about as well as real payloads do.
 */
export function largeOrder(index: number, bytes = 10_240): JsonObject {
  const base = smallOrder(index);
  const items: JsonObject[] = [];
  const order = (): JsonObject => ({ ...base, items });
  const words = ['steel', 'blue', 'large', 'cotton', 'organic', 'pack', 'deluxe', 'compact', 'spare', 'eco'];
  for (let line = 0; JSON.stringify(order()).length < bytes; line++) {
    const word = (k: number) => words[(line * 7 + k * 3) % words.length] ?? 'item';
    items.push({
      sku: `sku-${(100_000 + line * 7919) % 1_000_000}`,
      qty: (line % 4) + 1,
      price: ((line * 37) % 500) + 0.99,
      description: `${word(0)} ${word(1)} ${word(2)} item no. ${line}, ${word(3)} finish`,
      warehouseBin: `B${(line * 13) % 97}-${(line * 5) % 11}`,
    });
  }
  return order();
}
