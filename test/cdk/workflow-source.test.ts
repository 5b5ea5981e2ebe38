import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../lambdas/engine/json.js';
import { runWorkflow } from '../../lambdas/runtime/run-workflow.js';
import { InvalidWorkflowError } from '../../lib/errors.js';
import { SagaBuilder } from '../../lib/saga-builder.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';
import {
  awaitedEvents,
  loadWorkflow,
  renderWorkflowSource,
  workflowIssues,
} from '../../lib/workflow-source.js';
import { taskResourceReferences } from '../../lambdas/contract/task-resources.js';
import { tempFolder } from '../helpers/temp-folder.js';

const workers = new Set(['inventory-reserve', 'payment-charge']);

const twoSteps = {
  StartAt: 'Reserve',
  States: {
    Reserve: { Type: 'Task', Resource: 'baton:worker:inventory-reserve', TimeoutSeconds: 20, Next: 'Charge' },
    Charge: {
      Type: 'Task',
      Resource: 'baton:worker:payment-charge',
      Compensate: { Resource: 'baton:worker:payment-refund', TimeoutSeconds: 45 },
      End: true,
    },
  },
};

describe('renderWorkflowSource', () => {
  it('reads an ASL definition from a JSON file', () => {
    const file = join(tempFolder('baton-wf-'), 'flow.asl.json');
    writeFileSync(file, JSON.stringify(twoSteps));
    expect(renderWorkflowSource('Flow', file)).toEqual(twoSteps);
  });

  it('renders a CDK Step Functions chain to ASL, worker tasks as custom states', () => {
    const stack = new Stack(testApp(), 'Test');
    const chain = sfn.Chain.start(
      new sfn.CustomState(stack, 'Reserve', {
        stateJson: { Type: 'Task', Resource: 'baton:worker:inventory-reserve' },
      }),
    ).next(new sfn.Succeed(stack, 'Done'));

    expect(renderWorkflowSource('Flow', chain)).toEqual({
      StartAt: 'Reserve',
      States: {
        Reserve: { Type: 'Task', Resource: 'baton:worker:inventory-reserve', Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    });
  });

  it('renders a DefinitionBody made from a chainable or a string', () => {
    const stack = new Stack(testApp(), 'Test');
    const body = sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Only'));
    expect(renderWorkflowSource('Flow', body)).toEqual({
      StartAt: 'Only',
      States: { Only: { Type: 'Pass', End: true } },
    });
    expect(renderWorkflowSource('Flow', sfn.DefinitionBody.fromString(JSON.stringify(twoSteps)))).toEqual(
      twoSteps,
    );
  });

  it('takes the ASL of a SagaBuilder definition', () => {
    const saga = new SagaBuilder();
    const definition = saga.build(saga.pass('Only'));
    expect(renderWorkflowSource('Flow', definition)).toEqual(definition.asl);
  });

  it('keeps a CloudFormation token in a string value, to be resolved at deploy', () => {
    const stack = new Stack(testApp(), 'Test');
    const withToken = {
      StartAt: 'Send',
      States: { Send: { Type: 'Pass', Result: { region: stack.region }, End: true } },
    };
    expect(renderWorkflowSource('Flow', withToken)).toEqual(withToken);
  });

  it('refuses a CloudFormation token that is not a string value, naming where', () => {
    const stack = new Stack(testApp(), 'Test');
    const withToken = {
      StartAt: 'Wait',
      States: { Wait: { Type: 'Wait', Seconds: Token.asNumber(stack.account), End: true } },
    };
    expect(() => renderWorkflowSource('Flow', withToken)).toThrow(
      /Workflow Flow: \/States\/Wait\/Seconds: holds a CloudFormation token outside a string value/,
    );
  });

  it('reports a file that cannot be read with the workflow name', () => {
    expect(() => renderWorkflowSource('Flow', '/no/such/file.json')).toThrow(
      /Workflow Flow: \/: could not be rendered/,
    );
  });
});

describe('workflowIssues', () => {
  it('names a worker the orchestrator does not define by the pointer of its Resource, compensations included', () => {
    expect(workflowIssues(twoSteps, { workers })).toEqual([
      {
        pointer: '/States/Charge/Compensate/Resource',
        message: "worker 'payment-refund' is not defined in this SagaOrchestrator",
      },
    ]);
  });

  it('walks Parallel branches', () => {
    const definition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'X', States: { X: { Type: 'Task', Resource: 'baton:worker:ghost', End: true } } },
          ],
          End: true,
        },
      },
    };
    expect(workflowIssues(definition, { workers })).toEqual([
      {
        pointer: '/States/P/Branches/0/States/X/Resource',
        message: "worker 'ghost' is not defined in this SagaOrchestrator",
      },
    ]);
  });

  it('walks the ItemProcessor of a Distributed Map: its workers must exist, and its integrations must run', () => {
    const definition = {
      StartAt: 'Rows',
      States: {
        Rows: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'X',
            States: {
              X: { Type: 'Task', Resource: 'baton:worker:ghost', Next: 'Y' },
              Y: { Type: 'Task', Resource: 'arn:aws:states:::eks:createCluster.sync', End: true },
            },
          },
          End: true,
        },
      },
    };
    expect(workflowIssues(definition, { workers }).map((issue) => issue.pointer)).toEqual([
      '/States/Rows/ItemProcessor/States/X/Resource',
      '/States/Rows/ItemProcessor/States/Y/Resource',
    ]);
  });

  it('refuses resources the orchestrator does not run', () => {
    const definition = {
      StartAt: 'Query',
      States: { Query: { Type: 'Task', Resource: 'arn:aws:states:::eks:createCluster.sync', End: true } },
    };
    expect(workflowIssues(definition, { workers })).toEqual([
      expect.objectContaining({
        pointer: '/States/Query/Resource',
        message: expect.stringContaining('is not a resource Baton runs'),
      }),
    ]);
  });

  it('accepts lambda:invoke and Lambda function ARNs', () => {
    const definition = {
      StartAt: 'Invoke',
      States: {
        Invoke: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'charge' },
          Next: 'Legacy',
        },
        Legacy: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:refund',
          End: true,
        },
      },
    };
    expect(workflowIssues(definition, { workers })).toEqual([]);
  });

  it('requires a literal DetailType, a Match and a timeout on a wait for an event', () => {
    const definition = {
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'baton:waitForEvent',
          Parameters: { 'DetailType.$': '$.type', Match: {} },
          End: true,
        },
      },
    };
    expect(workflowIssues(definition, { workers }).map((issue) => issue.pointer)).toEqual([
      '/States/Wait/Parameters/DetailType',
      '/States/Wait/Parameters/Match',
      '/States/Wait/TimeoutSeconds',
    ]);
  });

  it('names a child state machine the orchestrator does not deploy, and accepts its own workflows', () => {
    const child = (arn: string, field: 'Parameters' | 'Arguments' = 'Parameters') => ({
      StartAt: 'Child',
      States: {
        Child: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          [field]: { StateMachineArn: arn },
          End: true,
        },
      },
    });
    const workflows = new Set(['PlaceOrder', 'Refund']);
    const arn = (name: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`;
    expect(workflowIssues(child(arn('Refund')), { workers, workflows })).toEqual([]);
    expect(workflowIssues(child(arn('Nowhere')), { workers, workflows })).toEqual([
      {
        pointer: '/States/Child/Parameters/StateMachineArn',
        message: expect.stringContaining(
          "names the workflow 'Nowhere', which this SagaOrchestrator does not deploy (its workflows: PlaceOrder, Refund)",
        ) as unknown as string,
      },
    ]);
    expect(
      workflowIssues(child('arn:aws:states:eu-west-1:123456789012:activity:x'), { workers, workflows }),
    ).toEqual([
      {
        pointer: '/States/Child/Parameters/StateMachineArn',
        message: expect.stringContaining('is not a state machine ARN') as unknown as string,
      },
    ]);
    // A path or a deploy-time token is checked when the task runs.
    expect(workflowIssues(child('${Token[TOKEN.1]}'), { workers, workflows })).toEqual([]);
  });

  it("reports the engine validator's issues with their pointers", () => {
    const definition = { StartAt: 'Missing', States: { Only: { Type: 'Pass', End: true } } };
    expect(workflowIssues(definition, { workers }).map((issue) => issue.pointer)).toContain('/StartAt');
  });
});

describe('loadWorkflow', () => {
  it('throws InvalidWorkflowError whose message names the workflow and the pointer', () => {
    let thrown: unknown;
    try {
      loadWorkflow('PlaceOrder', twoSteps, { workers });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidWorkflowError);
    expect((thrown as InvalidWorkflowError).message).toBe(
      "Workflow PlaceOrder: /States/Charge/Compensate/Resource: worker 'payment-refund' is not defined in this SagaOrchestrator",
    );
  });
});

describe('taskResourceReferences and awaitedEvents', () => {
  it('collects each task and compensation with its TimeoutSeconds', () => {
    expect(
      taskResourceReferences(twoSteps).map(({ pointer, timeoutSeconds }) => ({ pointer, timeoutSeconds })),
    ).toEqual([
      { pointer: '/States/Reserve/Resource', timeoutSeconds: 20 },
      { pointer: '/States/Charge/Resource', timeoutSeconds: undefined },
      { pointer: '/States/Charge/Compensate/Resource', timeoutSeconds: 45 },
    ]);
  });

  it('lists the events waited for, once each', () => {
    const wait = (name: string) => ({
      Type: 'Task',
      Resource: 'baton:waitForEvent',
      Parameters: {
        DetailType: 'Fraud Check Completed',
        Source: 'com.example.fraud',
        Match: { 'detail.id.$': '$.id' },
      },
      TimeoutSeconds: 60,
      ...(name === 'A' ? { Next: 'B' } : { End: true }),
    });
    const definition = { StartAt: 'A', States: { A: wait('A'), B: wait('B') } };
    expect(awaitedEvents(definition)).toEqual([
      { detailType: 'Fraud Check Completed', source: 'com.example.fraud' },
    ]);
  });
});

/**
 * A chain of the CDK's JSONata state constructors: count the items into a variable, a Baton
 * worker given Arguments, a Choice on a JSONata Condition, a Succeed whose output reads the
 * variables, a Fail whose cause is an expression.
 */
function jsonataChain(stack: Stack): sfn.IChainable {
  const count = sfn.Pass.jsonata(stack, 'Count', {
    assign: { count: '{% $count($states.input.items) %}', orderId: '{% $states.input.orderId %}' },
    outputs: { items: '{% $states.input.items %}' },
  });
  const price = new sfn.CustomState(stack, 'Price', {
    stateJson: {
      Type: 'Task',
      QueryLanguage: 'JSONata',
      Resource: 'baton:worker:payment-charge',
      Arguments: { orderId: '{% $orderId %}', count: '{% $count %}' },
      Assign: { total: '{% $states.result.total %}' },
    },
  });
  const large = sfn.Succeed.jsonata(stack, 'Large', {
    outputs: { orderId: '{% $orderId %}', total: '{% $total %}', size: 'large' },
  });
  const small = sfn.Fail.jsonata(stack, 'Small', {
    error: 'Order.TooSmall',
    cause: '{% "order " & $orderId & " totals " & $string($total) %}',
  });
  const size = sfn.Choice.jsonata(stack, 'Size')
    .when(sfn.Condition.jsonata('{% $total >= 100 %}'), large)
    .otherwise(small);
  return count.next(price).next(size);
}

/** The worker of the JSONata chains: 40 per item. */
const priceTask = {
  'baton:worker:payment-charge': (input: Json) => ({
    total: 40 * Number((input as { count: number }).count),
  }),
};

const order = (items: number) => ({
  orderId: 'o-7',
  items: Array.from({ length: items }, (_, index) => ({ sku: `S${index}` })),
});

describe('CDK chains in JSONata', () => {
  it('renders the .jsonata state constructors with QueryLanguage, Arguments, Output, Assign and Condition', () => {
    const stack = new Stack(testApp(), 'Test');
    const rendered = renderWorkflowSource('Flow', jsonataChain(stack)) as {
      States: Record<string, unknown>;
    };

    expect(rendered.States['Count']).toEqual({
      Type: 'Pass',
      QueryLanguage: 'JSONata',
      Assign: { count: '{% $count($states.input.items) %}', orderId: '{% $states.input.orderId %}' },
      Output: { items: '{% $states.input.items %}' },
      Next: 'Price',
    });
    expect(rendered.States['Size']).toEqual({
      Type: 'Choice',
      QueryLanguage: 'JSONata',
      Choices: [{ Condition: '{% $total >= 100 %}', Next: 'Large' }],
      Default: 'Small',
    });
    expect(workflowIssues(rendered, { workers })).toEqual([]);
  });

  it('runs a chain of .jsonata states to the output its variables build, or to its Fail', async () => {
    const stack = new Stack(testApp(), 'Test');
    const { definition } = loadWorkflow('Flow', jsonataChain(stack), { workers });

    expect(await runWorkflow(definition, order(3), { tasks: priceTask })).toMatchObject({
      status: 'SUCCEEDED',
      output: { orderId: 'o-7', total: 120, size: 'large' },
    });
    expect(await runWorkflow(definition, order(2), { tasks: priceTask })).toMatchObject({
      status: 'FAILED',
      error: 'Order.TooSmall',
      cause: 'order o-7 totals 80',
    });
  });

  it("renders a definition body with the machine's query language at the top, as a StateMachine does", async () => {
    const stack = new Stack(testApp(), 'Test');
    // States that name no language: the machine's (JSONata) is theirs.
    const chain = new sfn.Pass(stack, 'Label', {
      assign: { first: '{% $states.input.items[0].sku %}' },
      outputs: { count: '{% $count($states.input.items) %}' },
    }).next(
      new sfn.Succeed(stack, 'Done', {
        outputs: { first: '{% $first %}', count: '{% $states.input.count %}' },
      }),
    );
    const source = {
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      queryLanguage: sfn.QueryLanguage.JSONATA,
    };
    const { definition } = loadWorkflow('Flow', source, { workers });

    expect(definition).toEqual({
      QueryLanguage: 'JSONata',
      StartAt: 'Label',
      States: {
        Label: {
          Type: 'Pass',
          Assign: { first: '{% $states.input.items[0].sku %}' },
          Output: { count: '{% $count($states.input.items) %}' },
          Next: 'Done',
        },
        Done: { Type: 'Succeed', Output: { first: '{% $first %}', count: '{% $states.input.count %}' } },
      },
    });
    expect(await runWorkflow(definition, order(2))).toMatchObject({
      status: 'SUCCEEDED',
      output: { first: 'S0', count: 2 },
    });
  });

  it('takes a JSONata definition from a string body', async () => {
    const asl = {
      QueryLanguage: 'JSONata',
      StartAt: 'Only',
      States: { Only: { Type: 'Pass', Output: '{% $sum($states.input.n) %}', End: true } },
    };
    const { definition } = loadWorkflow('Flow', sfn.DefinitionBody.fromString(JSON.stringify(asl)), {
      workers,
    });
    expect(definition).toEqual(asl);
    expect(await runWorkflow(definition, { n: [1, 2, 3] })).toMatchObject({ output: 6 });
  });

  it('publishes a chain with tasks.LambdaInvoke.jsonata as it renders, the function in its Arguments', () => {
    const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
    const charge = new lambda.Function(stack, 'ChargeFunction', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    const invoke = tasks.LambdaInvoke.jsonata(stack, 'Charge', {
      lambdaFunction: charge,
      payload: sfn.TaskInput.fromObject({ amount: '{% $states.input.total %}' }),
      outputs: '{% $states.result.Payload %}',
      assign: { paid: true },
    });
    new SagaOrchestrator(stack, 'Orders', {
      domain: 'orders',
      workflows: { Pay: invoke.next(sfn.Succeed.jsonata(stack, 'Done')) },
      workers: {},
      // The function's ARN is a token until deploy: the orchestrator is granted on the functions listed.
      integrationTargets: { functions: [charge] },
    });
    const published = Template.fromStack(stack).findResources('Custom::BatonWorkflowDefinition');
    const [resource] = Object.values(published) as { Properties: { Definition: string } }[];
    const definition = JSON.parse(resource?.Properties.Definition ?? '{}') as { States: object };
    expect(definition.States).toEqual({
      Charge: {
        Type: 'Task',
        QueryLanguage: 'JSONata',
        // The CDK writes the partition as a token; the published state names the service plainly.
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: {
          // Resolved at deploy to the function's ARN.
          FunctionName: '${BatonToken0}',
          Payload: { amount: '{% $states.input.total %}' },
        },
        Output: '{% $states.result.Payload %}',
        Assign: { paid: true },
        Retry: [
          expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) }),
        ],
        Next: 'Done',
      },
      Done: { Type: 'Succeed', QueryLanguage: 'JSONata' },
    });
  });

  it('checks a JSONata wait for an event in its Arguments, and routes the event it waits for', () => {
    const wait = (detailType: string) => ({
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          QueryLanguage: 'JSONata',
          Resource: 'baton:waitForEvent',
          Arguments: { DetailType: detailType, Match: { 'detail.id': '{% $states.input.id %}' } },
          TimeoutSeconds: 60,
          End: true,
        },
      },
    });
    expect(workflowIssues(wait('Fraud Check Completed'), { workers })).toEqual([]);
    expect(awaitedEvents(wait('Fraud Check Completed'))).toEqual([{ detailType: 'Fraud Check Completed' }]);
    expect(workflowIssues(wait('{% $states.input.type %}'), { workers })).toEqual([
      expect.objectContaining({ pointer: '/States/Wait/Arguments/DetailType' }),
    ]);
  });
});
