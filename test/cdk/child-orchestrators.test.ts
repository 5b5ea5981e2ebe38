/**
 * `childOrchestrators`: a domain's `states:startExecution` tasks start workflows of another
 * domain's SagaOrchestrator, deployed in another stack. The parent is granted its children's
 * internal inboxes, the children's orchestrators may send to the parent's public inbox (a queue
 * policy of the parent's stack), and the parent's stack alone refers to the child's: no cycle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BatonEnv } from '../../lambdas/contract/environment-names.js';
import { InvalidWorkflowError } from '../../lib/errors.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine';

const labelWorkflow = {
  StartAt: 'Label',
  States: { Label: { Type: 'Pass', End: true } },
};

function parentWorkflow(stateMachine: string) {
  return {
    StartAt: 'Child',
    States: {
      Child: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: `${ARN}:${stateMachine}` },
        End: true,
      },
    },
  };
}

function orchestratorVariables(template: Template): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: 'Baton orchestrator of domain orders' },
  });
  const [orchestrator] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return orchestrator?.Properties.Environment.Variables ?? {};
}

function twoStacks(stateMachine = 'MakeLabel', nag = false) {
  const app = testApp();
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const labelsStack = new Stack(app, 'Labels', { env: TEST_ENV });
  const labels = new SagaOrchestrator(labelsStack, 'Labels', {
    domain: 'labels',
    workflows: { MakeLabel: labelWorkflow },
  });
  const ordersStack = new Stack(app, 'Orders', { env: TEST_ENV });
  const orders = new SagaOrchestrator(ordersStack, 'Orders', {
    domain: 'orders',
    childOrchestrators: [labels],
    workflows: { LabelOrder: parentWorkflow(stateMachine) },
  });
  return { app, labelsStack, ordersStack, labels, orders };
}

describe('childOrchestrators', () => {
  it("tells the parent's orchestrator where the child domain's workflows are", () => {
    const { ordersStack } = twoStacks();
    const variables = orchestratorVariables(Template.fromStack(ordersStack));
    expect(variables[BatonEnv.domain]).toBe('orders');
    expect(variables[BatonEnv.publicInboxQueueUrl]).toEqual({
      Ref: expect.stringMatching(/^OrdersPublicInboxQueue/),
    });
    // The child domain's inbox URL is an output of the labels stack; its workflows are listed.
    const childDomains = JSON.stringify(variables[BatonEnv.childDomains]);
    expect(childDomains).toContain('\\"domain\\":\\"labels\\"');
    expect(childDomains).toContain('\\"workflows\\":[\\"MakeLabel\\"]');
    expect(childDomains).toMatch(/OutputName":"[^"]*LabelsInboxQueue/);
  });

  it("grants the parent sending to the child's internal inbox, and the child's orchestrator to the parent's public inbox", () => {
    const { ordersStack } = twoStacks();
    const template = Template.fromStack(ordersStack);
    const statements = (type: string) =>
      Object.values(template.findResources(type)).flatMap(
        (resource) =>
          (resource as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
            .Statement,
      );
    const sendToChild = statements('AWS::IAM::Policy').filter((statement) =>
      /OutputName":"[^"]*LabelsInboxQueue[^"]*Arn/.test(JSON.stringify(statement)),
    );
    expect(sendToChild).toHaveLength(1);
    expect(JSON.stringify(sendToChild[0])).toContain('sqs:SendMessage');
    const reportToParent = statements('AWS::SQS::QueuePolicy').filter(
      (statement) => (statement as { Effect: string }).Effect === 'Allow',
    );
    expect(reportToParent).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Principal: { AWS: expect.objectContaining({}) as unknown },
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OrdersPublicInboxQueue/), 'Arn'] },
      },
    ]);
    expect(JSON.stringify(reportToParent[0])).toMatch(/OutputName":"[^"]*LabelsOrchestratorRole/);
  });

  it("makes the parent's stack depend on the child's, not the other way round", () => {
    const { app, labelsStack, ordersStack } = twoStacks();
    app.synth();
    expect(ordersStack.dependencies).toContain(labelsStack);
    expect(labelsStack.dependencies).not.toContain(ordersStack);
  });

  it("accepts the child domain's workflows at synth, and names a workflow no domain deploys", () => {
    expect(() => twoStacks('MakeLabel')).not.toThrow();
    expect(() => twoStacks('Nowhere')).toThrow(InvalidWorkflowError);
    expect(() => twoStacks('Nowhere')).toThrow(/its workflows: LabelOrder, MakeLabel/);
  });

  it('synthesizes both stacks with no unacknowledged cdk-nag AwsSolutions finding', () => {
    const { app } = twoStacks('MakeLabel', true);
    app.synth();
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });
});
