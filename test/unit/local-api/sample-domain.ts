/**
 * A small order saga on an in-process domain, served by InProcessControl: what the API, CLI and
 * console tests run against. Orders succeed, are declined (compensated), wait for a fraud check
 * (RUNNING until its event or task result comes), fail on an item out of stock (FAILED,
 * redrivable once restocked), or succeed after a retry.
 */
import type { StateMachineDefinition } from '../../../lambdas/engine/definition.js';
import type { Json, JsonObject } from '../../../lambdas/engine/json.js';
import { TaskFailure, type WorkerContext } from '../../../lambdas/runtime/worker.js';
import { InMemoryCorrelationStore } from '../../../testing/in-memory-correlation-store.js';
import { InProcessControl } from '../../../testing/in-process-control.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';
import { InMemoryObjectStorage } from '../../../lambdas/runtime/distributed-map/in-memory-object-storage.js';

export const placeOrder: StateMachineDefinition = {
  Comment: 'Reserve, check fraud for large orders, charge, ship, then notify and pack in parallel',
  StartAt: 'Reserve',
  States: {
    Reserve: {
      Type: 'Task',
      Resource: 'baton:worker:reserve',
      ResultPath: '$.reservation',
      Compensate: { Resource: 'baton:worker:release', Parameters: { 'id.$': '$.Result.id' } },
      Next: 'IsLarge',
    },
    IsLarge: {
      Type: 'Choice',
      Choices: [{ Variable: '$.total', NumericGreaterThan: 1000, Next: 'FraudCheck' }],
      Default: 'Charge',
    },
    FraudCheck: {
      Type: 'Task',
      Resource: 'baton:waitForEvent',
      Parameters: { DetailType: 'Fraud Check Completed', Match: { 'detail.orderId.$': '$.orderId' } },
      TimeoutSeconds: 3600,
      ResultSelector: { 'verdict.$': '$.detail.verdict' },
      ResultPath: '$.fraud',
      Next: 'Charge',
    },
    Charge: {
      Type: 'Task',
      Resource: 'baton:worker:charge',
      ResultPath: '$.payment',
      Retry: [{ ErrorEquals: ['Payment.Busy'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
      Catch: [{ ErrorEquals: ['Payment.Declined'], ResultPath: '$.declined', Next: 'Declined' }],
      Compensate: { Resource: 'baton:worker:refund', Parameters: { 'paymentId.$': '$.Result.paymentId' } },
      Next: 'Ship',
    },
    Declined: { Type: 'Fail', Error: 'Payment.Declined', Cause: 'the card was declined' },
    Ship: { Type: 'Task', Resource: 'baton:worker:ship', ResultPath: '$.shipment', Next: 'Finish' },
    Finish: {
      Type: 'Parallel',
      ResultPath: null,
      Branches: [
        { StartAt: 'Notify', States: { Notify: { Type: 'Pass', End: true } } },
        {
          StartAt: 'Pack',
          States: {
            Pack: {
              Type: 'Map',
              ItemsPath: '$.items',
              ItemProcessor: { StartAt: 'PackItem', States: { PackItem: { Type: 'Pass', End: true } } },
              End: true,
            },
          },
        },
      ],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly total: number;
  readonly items: readonly { readonly sku: string }[];
}

export const order = (orderId: string, overrides: Partial<Order> = {}): Order & Json =>
  ({
    orderId,
    customerId: 'cust-1',
    total: 50,
    items: [{ sku: 'BOOK' }, { sku: 'LAMP' }],
    ...overrides,
  }) as Order & Json;

/** A running control over the sample domain, and handles to steer it. */
export interface SampleRuntime {
  readonly control: InProcessControl;
  readonly domain: InProcessDomain;
  /** Task tokens of the states waiting for an event, in order. */
  readonly waitingTokens: string[];
  /** Makes the out-of-stock SKU available (a redrive then succeeds). */
  restock(): void;
}

/** The bucket of the in-memory S3 that Distributed Maps may write their results to. */
export const RESULTS_BUCKET = 'results';

/**
 * A Distributed Map over the input's `items`: EXPRESS children that fail an item over 100 (one
 * failure tolerated), their results written to {@link RESULTS_BUCKET} under `runs/`.
 */
export const tallyItems: JsonObject = {
  StartAt: 'Sum',
  States: {
    Sum: {
      Type: 'Map',
      Label: 'Items',
      ItemsPath: '$.items',
      ItemSelector: { 'n.$': '$$.Map.Item.Value' },
      ToleratedFailureCount: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericGreaterThan: 100, Next: 'TooBig' }],
            Default: 'Double',
          },
          TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'over 100' },
          Double: { Type: 'Pass', Parameters: { 'value.$': 'States.MathAdd($.n, $.n)' }, End: true },
        },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: RESULTS_BUCKET, Prefix: 'runs' },
      },
      End: true,
    },
  },
};

/** SKU that fails Reserve until restocked. */
export const OUT_OF_STOCK = 'OUT-OF-STOCK';
/** Customer whose card is declined (the saga compensates). */
export const DECLINED_CUSTOMER = 'cust-declined';
/** Customer whose first charge finds the provider busy: retried one (real) second later. */
export const BUSY_CUSTOMER = 'cust-busy';

export async function startSampleRuntime(): Promise<SampleRuntime> {
  let inStock = false;
  const waitingTokens: string[] = [];
  // The correlation store's clock is the domain's, which exists only once the store is passed in.
  const clock = { now: (): number => Date.now() };
  const correlations = new InMemoryCorrelationStore({ now: () => clock.now() });
  const register = correlations.register.bind(correlations);
  correlations.register = async (key, taskToken, expiresAt) => {
    waitingTokens.push(taskToken);
    return register(key, taskToken, expiresAt);
  };
  const domain = new InProcessDomain({
    startTime: Date.now(),
    correlations,
    // Where Distributed Maps' ResultWriters write.
    objects: new InMemoryObjectStorage({ buckets: [RESULTS_BUCKET] }),
    workers: {
      reserve: (input: Order) => {
        if (!inStock && input.items.some((item) => item.sku === OUT_OF_STOCK)) {
          throw new TaskFailure('Inventory.Unavailable', `${OUT_OF_STOCK} is out of stock`);
        }
        return { id: `res-${input.orderId}` };
      },
      release: () => ({ released: true }),
      charge: (input: Order, context: WorkerContext) => {
        if (input.customerId === DECLINED_CUSTOMER)
          throw new TaskFailure('Payment.Declined', 'card declined');
        if (input.customerId === BUSY_CUSTOMER && context.attempt === 1) {
          throw new TaskFailure('Payment.Busy', 'the payment provider is busy');
        }
        return { paymentId: `pay-${input.orderId}` };
      },
      refund: () => ({ refunded: true }),
      ship: (input: Order) => ({ tracking: `T-${input.orderId}` }),
    },
  });
  clock.now = () => domain.now();
  await domain.deploy('PlaceOrder', placeOrder);
  const control = new InProcessControl({
    domains: [
      {
        name: 'orders',
        domain,
        workflows: ['PlaceOrder'],
        triggers: [
          { workflow: 'PlaceOrder', detailType: 'Order Placed', businessKeyPath: '$.detail.orderId' },
        ],
      },
    ],
  });
  return {
    control,
    domain,
    waitingTokens,
    restock: () => {
      inStock = true;
    },
  };
}
