import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../lambdas/engine/index.js';
import { SagaBuilderError } from '../../lib/errors.js';
import { placeOrderSaga } from '../../examples/app/place-order-saga.js';
import { Condition, SagaBuilder } from '../../lib/saga-builder.js';

describe('SagaBuilder', () => {
  it('renders a task with its worker, retries, timeout and compensation', () => {
    const saga = new SagaBuilder({ comment: 'c', timeoutSeconds: 60 });
    const charge = saga.task('Charge', {
      worker: 'payment-charge',
      parameters: { 'amount.$': '$.total' },
      resultPath: '$.payment',
      timeoutSeconds: 30,
      retry: [
        {
          errors: ['Payment.ProviderUnavailable'],
          intervalSeconds: 1,
          maxAttempts: 4,
          backoffRate: 2,
          jitter: 'FULL',
        },
      ],
      compensate: {
        worker: 'payment-refund',
        parameters: { 'paymentId.$': '$.Result.paymentId' },
        retry: [{ errors: ['States.ALL'] }],
      },
    });

    expect(saga.build(charge).asl).toEqual({
      Comment: 'c',
      StartAt: 'Charge',
      TimeoutSeconds: 60,
      States: {
        Charge: {
          Type: 'Task',
          Resource: 'baton:worker:payment-charge',
          Parameters: { 'amount.$': '$.total' },
          ResultPath: '$.payment',
          TimeoutSeconds: 30,
          Retry: [
            {
              ErrorEquals: ['Payment.ProviderUnavailable'],
              IntervalSeconds: 1,
              MaxAttempts: 4,
              BackoffRate: 2,
              JitterStrategy: 'FULL',
            },
          ],
          Compensate: {
            Resource: 'baton:worker:payment-refund',
            Parameters: { 'paymentId.$': '$.Result.paymentId' },
            Retry: [{ ErrorEquals: ['States.ALL'] }],
          },
          End: true,
        },
      },
    });
  });

  it('lets Choice branches continue with the step after the Choice unless they end', () => {
    const saga = new SagaBuilder();
    const reject = saga.fail('Reject', { error: 'Order.Rejected' });
    const review = saga.pass('Review');
    const choice = saga
      .choice('Big?')
      .when(Condition.numberGreaterThan('$.total', 1000), review)
      .when(Condition.booleanEquals('$.blocked', true), reject);
    const after = saga.succeed('Done');

    const states = saga.build(choice.next(after)).asl.States;

    expect(states['Big?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.total', NumericGreaterThan: 1000, Next: 'Review' },
        { Variable: '$.blocked', BooleanEquals: true, Next: 'Reject' },
      ],
      Default: 'Done',
    });
    expect(states.Review).toEqual({ Type: 'Pass', Next: 'Done' });
    expect(states.Reject).toEqual({ Type: 'Fail', Error: 'Order.Rejected' });
  });

  it('renders Parallel branches as their own scopes and continues after the Parallel', () => {
    const saga = new SagaBuilder();
    const parallel = saga.parallel('Both', {
      branches: [saga.task('A', { worker: 'a' }), saga.task('B', { worker: 'b' }).next(saga.pass('B2'))],
      resultPath: '$.both',
    });

    const asl = saga.build(parallel.next(saga.pass('After'))).asl;

    expect(asl.States.Both).toEqual({
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'baton:worker:a', End: true } } },
        {
          StartAt: 'B',
          States: {
            B: { Type: 'Task', Resource: 'baton:worker:b', Next: 'B2' },
            B2: { Type: 'Pass', End: true },
          },
        },
      ],
      ResultPath: '$.both',
      Next: 'After',
    });
  });

  it('renders a wait for a correlated event as a baton:waitForEvent task with its timeout', () => {
    const saga = new SagaBuilder();
    const wait = saga.waitForEvent('WaitForFraudCheck', {
      detailType: 'Fraud Check Completed',
      source: 'com.example.fraud',
      match: { 'detail.orderId.$': '$.orderId' },
      timeoutSeconds: 3600,
      resultPath: '$.fraudCheck',
    });

    expect(saga.build(wait).asl.States.WaitForFraudCheck).toEqual({
      Type: 'Task',
      Resource: 'baton:waitForEvent',
      Parameters: {
        DetailType: 'Fraud Check Completed',
        Match: { 'detail.orderId.$': '$.orderId' },
        Source: 'com.example.fraud',
      },
      ResultPath: '$.fraudCheck',
      TimeoutSeconds: 3600,
      End: true,
    });
  });

  it('renders a published event as an events:putEvents task that keeps its input', () => {
    const saga = new SagaBuilder();
    const publish = saga.publishEvent('Announce', {
      source: 'com.example.orders',
      detailType: 'Order Confirmed',
      detail: { 'orderId.$': '$.orderId' },
    });

    expect(saga.build(publish).asl.States.Announce).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: {
        Entries: [
          {
            DetailType: 'Order Confirmed',
            Source: 'com.example.orders',
            Detail: { 'orderId.$': '$.orderId' },
          },
        ],
      },
      ResultPath: null,
      End: true,
    });
  });

  it('sends a Catch handler on to the step after the caught one', () => {
    const saga = new SagaBuilder();
    const note = saga.pass('NoteTimeout', { result: { timedOut: true }, resultPath: '$.note' });
    const wait = saga.wait('Pause', { seconds: 5 });
    const task = saga.task('Work', {
      worker: 'w',
      catch: [{ errors: ['States.Timeout'], then: note, resultPath: '$.error' }],
    });

    const states = saga.build(task.next(wait)).asl.States;

    expect(states.Work).toMatchObject({
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'NoteTimeout', ResultPath: '$.error' }],
      Next: 'Pause',
    });
    expect(states.NoteTimeout).toMatchObject({ Next: 'Pause' });
    expect(states.Pause).toEqual({ Type: 'Wait', Seconds: 5, End: true });
  });

  it('refuses two steps with the same name', () => {
    const saga = new SagaBuilder();
    saga.pass('Same');
    expect(() => saga.task('Same', { worker: 'w' })).toThrow(/A step named 'Same' already exists/);
  });

  it('refuses a step after one that ends the execution', () => {
    const saga = new SagaBuilder();
    const chain = saga.succeed('Done').next(saga.pass('Never'));
    expect(() => saga.build(chain)).toThrow(/'Never' follows 'Done', which ends the execution/);
  });

  it('refuses a task with both a worker and a resource', () => {
    const saga = new SagaBuilder();
    expect(() => saga.task('Both', { worker: 'w', resource: 'arn:aws:states:::sqs:sendMessage' })).toThrow(
      SagaBuilderError,
    );
  });

  it('validates on build and names every bad field by its JSON Pointer', () => {
    const saga = new SagaBuilder();
    const bad = saga.task('Charge', {
      worker: 'payment-charge',
      retry: [{ errors: ['Oops'], backoffRate: 0.5 }],
    });
    expect(() => saga.build(bad)).toThrow(/\/States\/Charge\/Retry\/0\/BackoffRate: /);
  });

  it('builds the example PlaceOrder saga into a definition the engine accepts', () => {
    const asl = placeOrderSaga().asl;

    expect(validateDefinition(asl)).toEqual([]);
    expect(asl.States.CheckOrderTotal).toMatchObject({
      Choices: [{ Variable: '$.total', NumericGreaterThan: 1000, Next: 'WaitForFraudCheck' }],
      Default: 'ChargePayment',
    });
    expect(asl.States.CheckFraudVerdict).toMatchObject({ Default: 'ChargePayment' });
    expect(asl.States.ReserveInventory).toMatchObject({
      Compensate: { Resource: 'baton:worker:inventory-release' },
      Retry: [{ ErrorEquals: ['Inventory.Unavailable'], JitterStrategy: 'FULL' }],
    });
    expect(asl.States.ChargePayment).toMatchObject({
      Compensate: { Resource: 'baton:worker:payment-refund' },
    });
  });
});
