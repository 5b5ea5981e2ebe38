import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack, Validations, type App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { definitionVersion } from '../../lambdas/contract/definition-version.js';
import { InvalidPropsError, InvalidWorkflowError } from '../../lib/errors.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { definitionIntegrations } from '../../lib/workflow-integrations.js';
import type { SagaOrchestratorProps } from '../../lib/saga-orchestrator-props.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const task = (resource: string, parameters: Record<string, unknown>, next?: string) => ({
  Type: 'Task',
  Resource: resource,
  Parameters: parameters,
  ...(next ? { Next: next } : { End: true }),
});

const SEND = 'arn:aws:states:::sqs:sendMessage';
const INVOKE = 'arn:aws:states:::lambda:invoke';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    timeout: Duration.seconds(10),
  });
}

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly orchestrator: SagaOrchestrator;
  readonly resources: Resources;
}

function build(props: (stack: Stack) => Omit<SagaOrchestratorProps, 'domain'>, app: App = testApp()): Built {
  const stack = new Stack(app, 'Test', { env: TEST_ENV });
  const orchestrator = new SagaOrchestrator(stack, 'Orders', { domain: 'orders', ...props(stack) });
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return { app, stack, orchestrator, resources };
}

/** Every statement of the policies attached to the orchestrator function's role. */
function orchestratorStatements({ stack, orchestrator, resources }: Built): Statement[] {
  const role = orchestrator.orchestratorFunction.role;
  if (!role) throw new Error('the orchestrator has no role');
  const roleId = stack.getLogicalId(role.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The resources that statements allowing `action` name, resolved as in the template. */
function resourcesAllowed(statements: Statement[], action: string): unknown[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes(action))
    .flatMap((statement) => [statement.Resource].flat());
}

function definitionResource(resources: Resources, workflow: string) {
  const found = Object.values(resources).find(
    (resource) =>
      resource.Type === 'Custom::BatonWorkflowDefinition' && resource.Properties.Workflow === workflow,
  );
  if (!found) throw new Error(`no definition resource for ${workflow}`);
  return found.Properties;
}

/** The logical id of an L2 construct's resource. */
const logicalId = (built: Built, construct: unknown) =>
  built.stack.getLogicalId(
    (construct as { node: { defaultChild: unknown } }).node.defaultChild as Parameters<
      Stack['getLogicalId']
    >[0],
  );
const ref = (built: Built, construct: unknown) => ({ Ref: logicalId(built, construct) });
const arn = (built: Built, construct: unknown) => ({ 'Fn::GetAtt': [logicalId(built, construct), 'Arn'] });

describe('integration grants from the definitions', () => {
  let built: Built;
  let audit: sqs.Queue;
  let auditKey: kms.Key;
  let retry: sqs.Queue;
  let charge: lambda.Function;
  let refund: lambda.Function;
  let partnerBus: events.EventBus;

  beforeAll(() => {
    built = build((stack) => {
      auditKey = new kms.Key(stack, 'AuditKey', { enableKeyRotation: true });
      audit = new sqs.Queue(stack, 'Audit', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: auditKey,
        enforceSSL: true,
      });
      retry = new sqs.Queue(stack, 'Retry', { enforceSSL: true });
      charge = inlineFunction(stack, 'Charge');
      refund = inlineFunction(stack, 'Refund');
      partnerBus = new events.EventBus(stack, 'Partner');
      return {
        definitionSubstitutions: {
          AuditQueueUrl: audit,
          ChargeFunction: charge,
          RefundFunction: refund,
          PartnerBus: partnerBus,
          Region: 'eu-west-1',
        },
        integrationTargets: { queues: [retry] },
        workflows: {
          Audit: {
            StartAt: 'Send',
            States: {
              Send: task(SEND, { QueueUrl: '${AuditQueueUrl}', 'MessageBody.$': '$' }, 'Literal'),
              Literal: task(
                SEND,
                { QueueUrl: 'https://sqs.${Region}.amazonaws.com/210987654321/ledger', MessageBody: 'x' },
                'Chosen',
              ),
              Chosen: task(SEND, { 'QueueUrl.$': '$.replyTo', MessageBody: 'x' }),
            },
          },
          Pay: {
            StartAt: 'Charge',
            States: {
              Charge: task(INVOKE, { FunctionName: '${ChargeFunction}', 'Payload.$': '$' }, 'Versioned'),
              Versioned: task(INVOKE, { FunctionName: 'pricing', 'Qualifier.$': '$.alias' }, 'Pinned'),
              Pinned: task(INVOKE, { FunctionName: '123456789012:function:tax:prod' }, 'Refund'),
              Refund: { Type: 'Task', Resource: '${RefundFunction}', Next: 'Legacy' },
              Legacy: {
                Type: 'Task',
                Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:legacy',
                Next: 'Publish',
              },
              Publish: task(PUT_EVENTS, {
                Entries: [
                  { Source: 'orders', DetailType: 'Paid', Detail: {}, EventBusName: '${PartnerBus}' },
                  { Source: 'orders', DetailType: 'Paid', Detail: {}, EventBusName: 'analytics' },
                  { Source: 'orders', DetailType: 'Paid', Detail: {} },
                ],
              }),
            },
          },
        },
      };
    });
  });

  it('grants exactly sqs:SendMessage on each queue the definitions send to, and nothing more on them', () => {
    const statements = orchestratorStatements(built);
    const sent = resourcesAllowed(statements, 'sqs:SendMessage');
    expect(sent).toContainEqual(arn(built, audit));
    expect(sent).toContainEqual(arn(built, retry));
    expect(sent).toContainEqual('arn:aws:sqs:eu-west-1:210987654321:ledger');
    for (const queue of [audit, retry]) {
      const onQueue = statements.filter((statement) =>
        JSON.stringify([statement.Resource].flat()).includes(JSON.stringify(arn(built, queue))),
      );
      expect(onQueue.flatMap((statement) => [statement.Action].flat())).toEqual(['sqs:SendMessage']);
    }
  });

  it("grants the encrypted queue's key for sending, and no more", () => {
    const statements = orchestratorStatements(built).filter((statement) =>
      JSON.stringify(statement.Resource).includes(JSON.stringify(arn(built, auditKey))),
    );
    expect(statements.flatMap((statement) => [statement.Action].flat()).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
  });

  it('grants lambda:InvokeFunction on each function, with :* only where a qualifier is chosen at run time', () => {
    const invoked = resourcesAllowed(orchestratorStatements(built), 'lambda:InvokeFunction');
    const functionArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
    expect(invoked).toHaveLength(5);
    expect(invoked).toEqual(
      expect.arrayContaining([
        arn(built, charge),
        arn(built, refund),
        functionArn('pricing:*'),
        functionArn('tax:prod'),
        'arn:aws:lambda:eu-west-1:123456789012:function:legacy',
      ]),
    );
  });

  it('grants events:PutEvents on the buses entries name, besides the domain bus', () => {
    const published = resourcesAllowed(orchestratorStatements(built), 'events:PutEvents');
    expect(published).toEqual(
      expect.arrayContaining([
        arn(built, partnerBus),
        'arn:aws:events:eu-west-1:123456789012:event-bus/analytics',
      ]),
    );
    expect(published).toHaveLength(3);
  });

  it('publishes deploy-time substitutions as properties CloudFormation resolves, with no synth version', () => {
    const properties = definitionResource(built.resources, 'Audit');
    expect(JSON.parse(properties.Definition as string).States.Send.Parameters.QueueUrl).toBe(
      '${AuditQueueUrl}',
    );
    expect(properties.Substitutions).toEqual({ AuditQueueUrl: ref(built, audit) });
    expect(properties.Version).toBeUndefined();
    // No text that template checks would take for an Fn::Sub variable.
    expect(properties.Definition).not.toContain('${');
    expect(built.stack.resolve(built.orchestrator.workflowVersions.Audit)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/WorkflowAudit/), 'Version'],
    });
  });

  it('substitutes literal values at synth', () => {
    const definition = JSON.parse(definitionResource(built.resources, 'Audit').Definition as string);
    expect(definition.States.Literal.Parameters.QueueUrl).toBe(
      'https://sqs.eu-west-1.amazonaws.com/210987654321/ledger',
    );
  });
});

describe('integration grants: what is not used is not granted', () => {
  it('grants no Lambda and no queue or bus beyond the domain own for a worker-only domain', () => {
    const built = build((stack) => ({
      workers: { step: inlineFunction(stack, 'Step') },
      workflows: { Only: { StartAt: 'A', States: { A: task('baton:worker:step', {}) } } },
    }));
    const statements = orchestratorStatements(built);
    expect(resourcesAllowed(statements, 'lambda:InvokeFunction')).toEqual([]);
    expect(resourcesAllowed(statements, 'kms:GenerateDataKey')).toEqual([]);
    expect(resourcesAllowed(statements, 'events:PutEvents')).toHaveLength(1);
    const sent = resourcesAllowed(statements, 'sqs:SendMessage').map((resource) => JSON.stringify(resource));
    expect(sent).toEqual([
      JSON.stringify(arn(built, built.orchestrator.inbox)),
      JSON.stringify(arn(built, built.orchestrator.workers.step?.queue)),
    ]);
  });

  it('grants nothing on integration targets that no state chooses at run time', () => {
    let spare: sqs.Queue | undefined;
    const built = build((stack) => {
      spare = new sqs.Queue(stack, 'Spare');
      return {
        integrationTargets: { queues: [spare] },
        workflows: { Only: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } },
      };
    });
    const sent = resourcesAllowed(orchestratorStatements(built), 'sqs:SendMessage');
    expect(sent).not.toContainEqual(arn(built, spare));
  });
});

describe('integration targets chosen at run time', () => {
  const chosen = (parameters: Record<string, unknown>, resource = SEND) => ({
    StartAt: 'Notify',
    States: { Notify: task(resource, parameters) },
  });

  it('fails synth naming the field when a dynamic queue has no resource given', () => {
    expect(() =>
      build(() => ({ workflows: { Notify: chosen({ 'QueueUrl.$': '$.queue', MessageBody: 'x' }) } })),
    ).toThrow(
      'Workflow Notify: /States/Notify/Parameters/QueueUrl.$: the queue is chosen at run time, so the construct cannot grant on it: list the queues it may be in integrationTargets.queues',
    );
  });

  it('fails synth naming the field for a dynamic function', () => {
    let thrown: unknown;
    try {
      build(() => ({ workflows: { Pay: chosen({ 'FunctionName.$': '$.fn' }, INVOKE) } }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidWorkflowError);
    expect((thrown as InvalidWorkflowError).issues).toEqual([
      {
        pointer: '/States/Notify/Parameters/FunctionName.$',
        message: expect.stringContaining('integrationTargets.functions'),
      },
    ]);
  });

  it('fails synth for a function a JSONata expression chooses', () => {
    const jsonata = {
      QueryLanguage: 'JSONata',
      StartAt: 'Invoke',
      States: {
        Invoke: {
          Type: 'Task',
          Resource: INVOKE,
          Arguments: { FunctionName: '{% $states.input.fn %}' },
          End: true,
        },
      },
    };
    expect(() => build(() => ({ workflows: { Pay: jsonata } }))).toThrow(
      /^Workflow Pay: \/States\/Invoke\/Arguments\/FunctionName: the function is chosen at run time/,
    );
  });

  it('lets entries chosen whole at run time reach the domain bus, and the listed buses if any', () => {
    const publish = { StartAt: 'Notify', States: { Notify: task(PUT_EVENTS, { 'Entries.$': '$.events' }) } };
    const alone = build(() => ({ workflows: { Publish: publish } }));
    expect(resourcesAllowed(orchestratorStatements(alone), 'events:PutEvents')).toHaveLength(1);
    let partner: events.EventBus | undefined;
    const listed = build((stack) => {
      partner = new events.EventBus(stack, 'Partner');
      return { integrationTargets: { eventBuses: [partner] }, workflows: { Publish: publish } };
    });
    expect(resourcesAllowed(orchestratorStatements(listed), 'events:PutEvents')).toContainEqual(
      arn(listed, partner),
    );
  });

  it('grants a dynamic function on its listed functions, qualified or not', () => {
    let fn: lambda.Function | undefined;
    const built = build((stack) => {
      fn = inlineFunction(stack, 'Target');
      return {
        integrationTargets: { functions: [fn] },
        workflows: { Pay: chosen({ 'FunctionName.$': '$.fn' }, INVOKE) },
      };
    });
    const invoked = resourcesAllowed(orchestratorStatements(built), 'lambda:InvokeFunction');
    expect(invoked).toEqual([arn(built, fn), { 'Fn::Join': ['', [arn(built, fn), ':*']] }]);
  });

  it('needs the resource for a token written straight into a definition, and resolves it at deploy', () => {
    let queue: sqs.Queue | undefined;
    const chain = (stack: Stack) => {
      queue = new sqs.Queue(stack, 'Direct');
      return new sfn.CustomState(stack, 'Send', {
        stateJson: {
          Type: 'Task',
          Resource: SEND,
          Parameters: { QueueUrl: queue.queueUrl, MessageBody: 'x' },
        },
      });
    };
    expect(() => build((stack) => ({ workflows: { Direct: chain(stack) } }))).toThrow(
      /Workflow Direct: \/States\/Send\/Parameters\/QueueUrl: the queue is chosen at run time/,
    );
    const built = build((stack) => {
      const state = chain(stack);
      return { integrationTargets: { queues: [queue as sqs.Queue] }, workflows: { Direct: state } };
    });
    const properties = definitionResource(built.resources, 'Direct');
    expect(JSON.parse(properties.Definition as string).States.Send.Parameters.QueueUrl).toBe(
      '${BatonToken0}',
    );
    expect(properties.Substitutions).toEqual({ BatonToken0: ref(built, queue) });
    expect(resourcesAllowed(orchestratorStatements(built), 'sqs:SendMessage')).toContainEqual(
      arn(built, queue),
    );
  });

  it('refuses a Resource placeholder whose substitution is not a function', () => {
    expect(() =>
      build(() => ({
        definitionSubstitutions: { Target: 'arn:aws:lambda:eu-west-1:123456789012:function:x' },
        workflows: {
          Legacy: { StartAt: 'A', States: { A: { Type: 'Task', Resource: '${Target}', End: true } } },
        },
      })),
    ).not.toThrow();
    expect(() =>
      build((stack) => ({
        definitionSubstitutions: { Target: new sqs.Queue(stack, 'NotAFunction').queueArn },
        workflows: {
          Legacy: { StartAt: 'A', States: { A: { Type: 'Task', Resource: '${Target}', End: true } } },
        },
      })),
    ).toThrow(/Workflow Legacy: \/States\/A\/Resource: the placeholder \$\{Target\} is resolved at deploy/);
  });
});

describe('definition substitutions', () => {
  const notify = {
    StartAt: 'Send',
    States: { Send: task(SEND, { QueueUrl: '${OrdersQueueUrl}', MessageBody: 'cost: ${!Price}' }) },
  };

  it('fails synth naming a placeholder that has no substitution, and where it is', () => {
    expect(() => build(() => ({ workflows: { Notify: notify } }))).toThrow(
      "Workflow Notify: /States/Send/Parameters/QueueUrl: no substitution named 'OrdersQueueUrl' for the placeholder ${OrdersQueueUrl}",
    );
  });

  it('versions a definition substituted at synth by its substituted text', () => {
    const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
    const built = build(() => ({
      definitionSubstitutions: { OrdersQueueUrl: url },
      workflows: { Notify: notify },
    }));
    const substituted = {
      StartAt: 'Send',
      States: { Send: task(SEND, { QueueUrl: url, MessageBody: 'cost: ${Price}' }) },
    };
    const properties = definitionResource(built.resources, 'Notify');
    expect(JSON.parse(properties.Definition as string)).toEqual(substituted);
    expect(properties.Version).toBe(definitionVersion(substituted));
    expect(properties.Substitutions).toBeUndefined();
    expect(built.orchestrator.workflowVersions.Notify).toBe(definitionVersion(substituted));
  });

  it('refuses a deploy-time value where the construct routes awaited events at synth', () => {
    expect(() =>
      build((stack) => ({
        definitionSubstitutions: { Kind: new sqs.Queue(stack, 'Kinds').queueName },
        workflows: {
          Wait: {
            StartAt: 'Approval',
            States: {
              Approval: {
                Type: 'Task',
                Resource: 'baton:waitForEvent',
                Parameters: { DetailType: '${Kind}', Match: { 'detail.id.$': '$.id' } },
                TimeoutSeconds: 60,
                End: true,
              },
            },
          },
        },
      })),
    ).toThrow(
      /Workflow Wait: \/States\/Approval\/Parameters\/DetailType: the placeholder \$\{Kind\} is resolved at deploy/,
    );
  });

  it('refuses a substitution name a placeholder cannot carry', () => {
    expect(() =>
      build(() => ({ definitionSubstitutions: { 'bad name': 'x' }, workflows: { Notify: notify } })),
    ).toThrow(InvalidPropsError);
  });
});

describe('integrations under cdk-nag AwsSolutions', () => {
  it('synthesizes the grants with no unacknowledged finding', () => {
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Test', { env: TEST_ENV });
    // The test's own targets: not what is checked here.
    const dlq = new sqs.Queue(stack, 'AuditDlq', { enforceSSL: true });
    const queue = new sqs.Queue(stack, 'Audit', {
      enforceSSL: true,
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'It is the dead-letter queue' });
    const fn = inlineFunction(stack, 'Charge');
    Validations.of(fn).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "The test target's basic execution role",
      },
      { id: 'AwsSolutions-L1', reason: 'The runtime the tests pin' },
    );
    new SagaOrchestrator(stack, 'Orders', {
      domain: 'orders',
      definitionSubstitutions: { AuditQueueUrl: queue, ChargeFunction: fn },
      workflows: {
        Audit: {
          StartAt: 'Send',
          States: {
            Send: task(SEND, { QueueUrl: '${AuditQueueUrl}', MessageBody: 'x' }, 'Charge'),
            Charge: task(INVOKE, { FunctionName: '${ChargeFunction}', 'Qualifier.$': '$.alias' }),
          },
        },
      },
    });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toBeUndefined();
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });
});

describe('definitionIntegrations', () => {
  it('reads JSONata Arguments: an expression chooses the target at run time', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Invoke',
      States: {
        Invoke: {
          Type: 'Task',
          Resource: INVOKE,
          Arguments: { FunctionName: '{% $states.input.fn %}' },
          Next: 'Send',
        },
        Send: { Type: 'Task', Resource: SEND, Arguments: '{% $states.input.request %}', End: true },
      },
    };
    expect(definitionIntegrations(definition, new Map()).targets).toEqual([
      { type: 'dynamic', kind: 'function', pointer: '/States/Invoke/Arguments/FunctionName' },
      { type: 'dynamic', kind: 'queue', pointer: '/States/Send/Arguments' },
    ]);
  });

  it('reads the targets of compensations too', () => {
    const definition = {
      StartAt: 'Reserve',
      States: {
        Reserve: {
          Type: 'Task',
          Resource: 'baton:worker:reserve',
          Compensate: {
            Resource: SEND,
            Parameters: { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/undo' },
          },
          End: true,
        },
      },
    };
    expect(definitionIntegrations(definition, new Map()).targets).toEqual([
      {
        type: 'queueUrl',
        url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/undo',
        pointer: '/States/Reserve/Compensate/Parameters/QueueUrl',
      },
    ]);
  });
});
