import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { InvalidWorkflowError } from '../../lib/errors.js';
import { SagaBuilder } from '../../lib/saga-builder.js';
import { testApp } from './support/cdk-app.js';
import {
  awaitedEvents,
  loadWorkflow,
  renderWorkflowSource,
  taskResourceReferences,
  workflowIssues,
} from '../../lib/workflow-source.js';
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

  it('refuses resources the orchestrator does not run', () => {
    const definition = {
      StartAt: 'Query',
      States: { Query: { Type: 'Task', Resource: 'arn:aws:states:::athena:startQueryExecution', End: true } },
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
