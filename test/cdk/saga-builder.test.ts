import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { definitionVersion } from '../../lambdas/contract/definition-version.js';
import { validateDefinition } from '../../lambdas/engine/index.js';
import type { Json } from '../../lambdas/engine/json.js';
import { runWorkflow } from '../../lambdas/runtime/run-workflow.js';
import { SagaBuilderError } from '../../lib/errors.js';
import { placeOrderSaga } from '../../examples/app/place-order-saga.js';
import { Condition, SagaBuilder, type SagaDefinition } from '../../lib/saga-builder.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';

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

/**
 * An order saga written in JSONata with the builder: reserve (undone by a release), a Choice that
 * assigns a tier, a charge whose decline is caught and recorded in a variable, and a Succeed whose
 * output is built from the variables.
 */
function jsonataOrderSaga(): SagaDefinition {
  const saga = new SagaBuilder({ queryLanguage: 'JSONata', comment: 'PlaceOrder in JSONata' });
  const reserve = saga.task('Reserve', {
    worker: 'inventory-reserve',
    arguments: { orderId: '{% $states.input.orderId %}', skus: '{% $states.input.items.sku %}' },
    assign: { reservationId: '{% $states.result.reservationId %}', total: '{% $states.input.total %}' },
    output: '{% $states.input %}',
    compensate: {
      worker: 'inventory-release',
      arguments: { reservationId: '{% $states.result.reservationId %}' },
    },
  });
  const declined = saga.fail('Declined', {
    error: 'Payment.Declined',
    cause: '{% "order " & $states.input.orderId & ": " & $reason %}',
  });
  const charge = saga.task('Charge', {
    worker: 'payment-charge',
    arguments: { amount: '{% $total %}', tier: '{% $tier %}' },
    assign: { paymentId: '{% $states.result.paymentId %}' },
    catch: [
      {
        errors: ['Payment.Declined'],
        assign: { reason: '{% $states.errorOutput.Cause %}' },
        output: { orderId: '{% $states.input.orderId %}' },
        then: declined,
      },
    ],
  });
  const tier = saga
    .choice('Tier')
    .when(Condition.jsonata('{% $total > 1000 %}'), saga.pass('Large'), { assign: { tier: 'large' } })
    .otherwise(saga.pass('Small', { assign: { tier: 'small' } }));
  const done = saga.succeed('Done', {
    output: {
      reservationId: '{% $reservationId %}',
      paymentId: '{% $paymentId %}',
      tier: '{% $tier %}',
    },
  });
  return saga.build(reserve.next(tier).next(charge).next(done));
}

/** The workers of the JSONata saga, as runWorkflow task functions. */
function orderTasks(calls: { resource: string; input: Json }[]) {
  const task =
    (resource: string, answer: (input: Record<string, Json>) => Json) =>
    (input: Json): Json => {
      calls.push({ resource, input });
      return answer(input as Record<string, Json>);
    };
  return {
    'baton:worker:inventory-reserve': task('reserve', (input) => ({
      reservationId: `res-${String(input['orderId'])}`,
    })),
    'baton:worker:inventory-release': task('release', () => ({ released: true })),
    'baton:worker:payment-charge': task('charge', (input) => {
      if (Number(input['amount']) > 5000) {
        throw Object.assign(new Error('card declined'), { name: 'Payment.Declined' });
      }
      return { paymentId: `pay-${String(input['amount'])}` };
    }),
  };
}

const jsonataOrder = (total: number) => ({
  orderId: 'o-1',
  total,
  items: [{ sku: 'BOOK' }, { sku: 'LAMP' }],
});

describe('SagaBuilder in JSONata', () => {
  it('renders JSONata steps with Arguments, Output, Assign and Conditions, and QueryLanguage at the top', () => {
    const asl = jsonataOrderSaga().asl;

    expect(asl.QueryLanguage).toBe('JSONata');
    expect(asl.States.Reserve).toEqual({
      Type: 'Task',
      Resource: 'baton:worker:inventory-reserve',
      Arguments: { orderId: '{% $states.input.orderId %}', skus: '{% $states.input.items.sku %}' },
      Assign: { reservationId: '{% $states.result.reservationId %}', total: '{% $states.input.total %}' },
      Output: '{% $states.input %}',
      Compensate: {
        Resource: 'baton:worker:inventory-release',
        Arguments: { reservationId: '{% $states.result.reservationId %}' },
      },
      Next: 'Tier',
    });
    expect(asl.States.Tier).toEqual({
      Type: 'Choice',
      Choices: [{ Condition: '{% $total > 1000 %}', Assign: { tier: 'large' }, Next: 'Large' }],
      Default: 'Small',
    });
    expect(asl.States.Small).toEqual({ Type: 'Pass', Assign: { tier: 'small' }, Next: 'Charge' });
    expect(asl.States.Charge).toMatchObject({
      Catch: [
        {
          ErrorEquals: ['Payment.Declined'],
          Assign: { reason: '{% $states.errorOutput.Cause %}' },
          Output: { orderId: '{% $states.input.orderId %}' },
          Next: 'Declined',
        },
      ],
    });
    expect(validateDefinition(asl)).toEqual([]);
  });

  it('runs to the output its variables build', async () => {
    const calls: { resource: string; input: Json }[] = [];
    const result = await runWorkflow(jsonataOrderSaga().asl, jsonataOrder(2500), {
      tasks: orderTasks(calls),
    });

    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { reservationId: 'res-o-1', paymentId: 'pay-2500', tier: 'large' },
    });
    expect(calls).toEqual([
      { resource: 'reserve', input: { orderId: 'o-1', skus: ['BOOK', 'LAMP'] } },
      { resource: 'charge', input: { amount: 2500, tier: 'large' } },
    ]);
  });

  it('runs a caught decline to its Fail step with the variable the Catch assigned, and compensates', async () => {
    const calls: { resource: string; input: Json }[] = [];
    const result = await runWorkflow(jsonataOrderSaga().asl, jsonataOrder(9000), {
      tasks: orderTasks(calls),
    });

    expect(result).toMatchObject({
      status: 'COMPENSATED',
      error: 'Payment.Declined',
      cause: 'order o-1: card declined',
    });
    expect(calls.at(-1)).toEqual({ resource: 'release', input: { reservationId: 'res-o-1' } });
  });

  it('writes a JSONata step and Assign in a JSONPath saga', async () => {
    const saga = new SagaBuilder();
    const count = saga.pass('Count', {
      queryLanguage: 'JSONata',
      assign: { count: '{% $count($states.input.items) %}' },
      output: { items: '{% $states.input.items %}', doubled: '{% $count($states.input.items) * 2 %}' },
    });
    const keep = saga.pass('Keep', { assign: { 'first.$': '$.items[0]' }, resultPath: '$.kept' });
    const done = saga.succeed('Done', {
      queryLanguage: 'JSONata',
      output: { count: '{% $count %}', first: '{% $first %}', doubled: '{% $states.input.doubled %}' },
    });
    const definition = saga.build(count.next(keep).next(done));

    expect(definition.asl.QueryLanguage).toBeUndefined();
    expect(definition.asl.States.Count).toMatchObject({ QueryLanguage: 'JSONata' });
    expect(definition.asl.States.Keep).toEqual({
      Type: 'Pass',
      Assign: { 'first.$': '$.items[0]' },
      ResultPath: '$.kept',
      Next: 'Done',
    });
    const result = await runWorkflow(definition.asl, { items: ['a', 'b', 'c'] });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { count: 3, first: 'a', doubled: 6 } });
  });

  it('renders waits for events and published events with Arguments in a JSONata saga', () => {
    const saga = new SagaBuilder({ queryLanguage: 'JSONata' });
    const wait = saga.waitForEvent('WaitForFraudCheck', {
      detailType: 'Fraud Check Completed',
      match: { 'detail.orderId': '{% $states.input.orderId %}' },
      timeoutSeconds: 3600,
      assign: { verdict: '{% $states.result.detail.verdict %}' },
    });
    const announce = saga.publishEvent('Announce', {
      source: 'com.example.orders',
      detailType: 'Order Confirmed',
      detail: { orderId: '{% $states.input.orderId %}', verdict: '{% $verdict %}' },
    });
    const states = saga.build(wait.next(announce)).asl.States;

    expect(states.WaitForFraudCheck).toEqual({
      Type: 'Task',
      Resource: 'baton:waitForEvent',
      Arguments: {
        DetailType: 'Fraud Check Completed',
        Match: { 'detail.orderId': '{% $states.input.orderId %}' },
      },
      TimeoutSeconds: 3600,
      Assign: { verdict: '{% $states.result.detail.verdict %}' },
      Next: 'Announce',
    });
    expect(states.Announce).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Arguments: {
        Entries: [
          {
            DetailType: 'Order Confirmed',
            Source: 'com.example.orders',
            Detail: { orderId: '{% $states.input.orderId %}', verdict: '{% $verdict %}' },
          },
        ],
      },
      Output: '{% $states.input %}',
      End: true,
    });
  });

  it('refuses a JSONPath field in a JSONata step, naming it by its JSON Pointer', () => {
    const saga = new SagaBuilder({ queryLanguage: 'JSONata' });
    const bad = saga.task('Charge', { worker: 'payment-charge', resultPath: '$.payment' });
    expect(() => saga.build(bad)).toThrow(/\/States\/Charge\/ResultPath/);
  });

  it('publishes a JSONata saga as it built it when a SagaOrchestrator is synthesized', () => {
    const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
    const fn = (id: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      });
    const definition = jsonataOrderSaga();
    new SagaOrchestrator(stack, 'Orders', {
      domain: 'orders',
      workflows: { PlaceOrder: definition },
      workers: {
        'inventory-reserve': fn('Reserve'),
        'inventory-release': fn('Release'),
        'payment-charge': fn('Charge'),
      },
    });
    Template.fromStack(stack).hasResourceProperties('Custom::BatonWorkflowDefinition', {
      Workflow: 'PlaceOrder',
      Version: definitionVersion(definition.asl),
      Definition: JSON.stringify(definition.asl),
    });
  });
});
