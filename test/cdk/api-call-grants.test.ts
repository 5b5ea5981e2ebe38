/**
 * The orchestrator's grants for `aws-sdk:<service>:<action>` and `sns:publish` states: each IAM
 * action the states need (the service's IAM prefix and the API operation, as `checkDefinition`
 * reports it) on the resources `integrationTargets.apiCalls` lists for it, as CDK's
 * `CallAwsService` asks for `iamResources`; `sns:Publish` on a literal `TopicArn` and
 * `bedrock:InvokeModel` on a literal model ARN without listing.
 * Step Functions itself cannot generate these policies for AWS SDK integrations ("Use AWS SDK
 * service integrations", Step Functions developer guide: IAM policies are the user's to write).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { InvalidWorkflowError } from '../../lib/errors.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import type { SagaOrchestratorProps } from '../../lib/saga-orchestrator-props.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function build(props: (stack: Stack) => Omit<SagaOrchestratorProps, 'domain'>) {
  const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
  const orchestrator = new SagaOrchestrator(stack, 'Orders', { domain: 'orders', ...props(stack) });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const role = orchestrator.orchestratorFunction.role;
  if (!role) throw new Error('the orchestrator has no role');
  const roleId = stack.getLogicalId(role.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
  const statements = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return { stack, orchestrator, statements };
}

const task = (resource: string, parameters: Record<string, unknown>, next?: string) => ({
  Type: 'Task',
  Resource: resource,
  Parameters: parameters,
  ...(next ? { Next: next } : { End: true }),
});

const workflow = {
  StartAt: 'Read',
  States: {
    Read: task('arn:aws:states:::aws-sdk:s3:getObject', { Bucket: 'in', Key: 'a.csv' }, 'Retain'),
    Retain: task(
      'arn:aws:states:::aws-sdk:cloudwatchlogs:putRetentionPolicy',
      { LogGroupName: 'orders', RetentionInDays: 30 },
      'Notify',
    ),
    Notify: task(
      'arn:aws:states:::sns:publish',
      { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:orders', Message: 'done' },
      'Summarize',
    ),
    Summarize: task('arn:aws:states:::bedrock:invokeModel', {
      ModelId: 'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2',
      Body: { prompt: 'x' },
    }),
  },
};

describe('AWS SDK and SNS integration grants', () => {
  it('grants each action on the resources listed for it, and sns:Publish on a literal topic', () => {
    const { statements } = build((stack) => {
      const bucket = new s3.Bucket(stack, 'In');
      return {
        workflows: { Orders: workflow },
        integrationTargets: {
          apiCalls: {
            's3:GetObject': [bucket.arnForObjects('*')],
            'logs:PutRetentionPolicy': ['arn:aws:logs:eu-west-1:123456789012:log-group:orders'],
          },
        },
      };
    });
    const on = (action: string) =>
      statements.filter((statement) => [statement.Action].flat().includes(action)).map((s) => s.Resource);
    // The payload bucket's own statement, and the listed bucket's objects.
    expect(JSON.stringify(on('s3:GetObject'))).toMatch(/\["In[A-F0-9]{8}","Arn"\]\},"\/\*"/);
    expect(on('logs:PutRetentionPolicy')).toEqual(['arn:aws:logs:eu-west-1:123456789012:log-group:orders']);
    expect(on('sns:Publish')).toEqual(['arn:aws:sns:eu-west-1:123456789012:orders']);
    expect(on('bedrock:InvokeModel')).toEqual([
      'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2',
    ]);
  });

  it('refuses to synthesize a state whose action has no resources listed, naming the state and the action', () => {
    let error: unknown;
    try {
      build(() => ({
        workflows: { Orders: workflow },
        integrationTargets: { apiCalls: { 's3:GetObject': ['*'] } },
      }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidWorkflowError);
    expect((error as Error).message).toBe(
      "Workflow Orders: /States/Retain/Resource: arn:aws:states:::aws-sdk:cloudwatchlogs:putRetentionPolicy needs logs:PutRetentionPolicy, and the construct cannot tell which resources the call reaches: list them in integrationTargets.apiCalls['logs:PutRetentionPolicy'] (ARNs, or ['*'] for any)",
    );
  });

  it('asks for the topics of an sns:publish state whose topic is chosen at run time', () => {
    expect(() =>
      build(() => ({
        workflows: {
          Orders: {
            StartAt: 'Notify',
            States: {
              Notify: task('arn:aws:states:::sns:publish', { 'TopicArn.$': '$.topic', Message: 'x' }),
            },
          },
        },
      })),
    ).toThrow('/States/Notify/Resource: arn:aws:states:::sns:publish needs sns:Publish');
  });

  it('grants reading a literal HTTP Task connection and its secret, and asks for the connections chosen at run time', () => {
    const arn =
      'arn:aws:events:eu-west-1:123456789012:connection/Stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac';
    const http = (connection: Record<string, unknown>) => ({
      StartAt: 'Call',
      States: {
        Call: task('arn:aws:states:::http:invoke', {
          ApiEndpoint: 'https://api.stripe.com/v1/customers',
          Method: 'GET',
          Authentication: connection,
        }),
      },
    });
    const { statements } = build(() => ({ workflows: { Orders: http({ ConnectionArn: arn }) } }));
    const on = (action: string) =>
      statements.filter((statement) => [statement.Action].flat().includes(action)).map((s) => s.Resource);
    expect(on('events:DescribeConnection')).toEqual([
      ['arn:aws:events:eu-west-1:123456789012:connection/Stripe', arn],
    ]);
    expect(on('secretsmanager:GetSecretValue')).toContainEqual(
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:events!connection/Stripe/*',
    );
    expect(() =>
      build(() => ({ workflows: { Orders: http({ 'ConnectionArn.$': '$.connection' }) } })),
    ).toThrow('/States/Call/Resource: arn:aws:states:::http:invoke needs events:DescribeConnection');
  });

  it('warns about a listed action no state needs', () => {
    const { orchestrator } = build(() => ({
      workflows: { Orders: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } },
      integrationTargets: { apiCalls: { 's3:PutObject': ['*'] } },
    }));
    const warnings = orchestrator.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning');
    expect(warnings.map((warning) => String(warning.data))).toEqual([
      expect.stringContaining(
        'integrationTargets.apiCalls lists s3:PutObject, but no service integration state needs it',
      ),
    ]);
  });
});

/**
 * `apigateway:invoke`: `execute-api:Invoke` only when the call is signed with the role (`AuthType:
 * IAM_ROLE`), on the API of a literal endpoint host in the stack's account, as Step Functions'
 * generated policy names `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>`
 * (AWS documentation, "Create API Gateway REST APIs with Step Functions", IAM policies); a computed
 * endpoint needs the APIs listed.
 */
describe('API Gateway integration grants', () => {
  const api = (parameters: Record<string, unknown>) => ({
    StartAt: 'Call',
    States: { Call: task('arn:aws:states:::apigateway:invoke', { Method: 'GET', ...parameters }) },
  });

  it('grants execute-api:Invoke on the API of a literal endpoint signed with the role', () => {
    const { statements } = build(() => ({
      workflows: {
        Orders: api({ ApiEndpoint: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', AuthType: 'IAM_ROLE' }),
      },
    }));
    const invoke = statements.filter((statement) => [statement.Action].flat().includes('execute-api:Invoke'));
    expect(invoke.map((statement) => statement.Resource)).toEqual([
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/*',
    ]);
  });

  it('grants nothing for NO_AUTH (the default) or RESOURCE_POLICY calls', () => {
    for (const auth of [{}, { AuthType: 'NO_AUTH' }, { AuthType: 'RESOURCE_POLICY' }]) {
      const { statements } = build(() => ({
        workflows: {
          Orders: api({ ApiEndpoint: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', ...auth }),
        },
      }));
      expect(JSON.stringify(statements)).not.toContain('execute-api');
    }
  });

  it('asks for the APIs of a signed call whose endpoint, or AuthType, is computed', () => {
    expect(() =>
      build(() => ({ workflows: { Orders: api({ 'ApiEndpoint.$': '$.api', AuthType: 'IAM_ROLE' }) } })),
    ).toThrow(
      "/States/Call/Resource: arn:aws:states:::apigateway:invoke needs execute-api:Invoke, and the construct cannot tell which resources the call reaches: list them in integrationTargets.apiCalls['execute-api:Invoke']",
    );
    const { statements } = build(() => ({
      workflows: {
        Orders: api({
          ApiEndpoint: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
          'AuthType.$': '$.auth',
        }),
      },
    }));
    expect(JSON.stringify(statements)).toContain('a1b2c3d4e5/*');
    const listed = build(() => ({
      workflows: { Orders: api({ 'ApiEndpoint.$': '$.api', AuthType: 'IAM_ROLE' }) },
      integrationTargets: {
        apiCalls: { 'execute-api:Invoke': ['arn:aws:execute-api:eu-west-1:123456789012:x1/prod/*'] },
      },
    }));
    const invoke = listed.statements.filter((statement) =>
      [statement.Action].flat().includes('execute-api:Invoke'),
    );
    expect(invoke.map((statement) => statement.Resource)).toEqual([
      'arn:aws:execute-api:eu-west-1:123456789012:x1/prod/*',
    ]);
  });
});

/**
 * A Distributed Map's S3 access (Step Functions developer guide: "ItemReader (Map)", IAM policies
 * for datasets; "ResultWriter (Map)", IAM policies for ResultWriter): granted on the ARNs a literal
 * bucket gives, asked for in `integrationTargets.apiCalls` when the bucket is chosen at run time.
 */
describe('Distributed Map S3 grants', () => {
  function rows(fields: Record<string, unknown>) {
    return {
      StartAt: 'Rows',
      States: {
        Rows: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
            StartAt: 'Row',
            States: { Row: { Type: 'Pass', End: true } },
          },
          End: true,
          ...fields,
        },
      },
    };
  }

  const literal = rows({
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { Bucket: 'in', Key: 'rows.jsonl' },
    },
    ResultWriter: {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: 'out', Prefix: 'runs/' },
    },
  });

  /** The resources of the statements that grant `action`, resolved to text. */
  function grantedOn(statements: Statement[], stack: Stack, action: string): string[] {
    return statements
      .filter((statement) => [statement.Action].flat().includes(action))
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(stack.resolve(resource)));
  }

  it('grants GetObject on the object read and the multipart writes under the prefix written', () => {
    const { stack, statements } = build(() => ({ workflows: { Rows: literal } }));
    expect(grantedOn(statements, stack, 's3:GetObject')).toContainEqual('"arn:aws:s3:::in/rows.jsonl"');
    for (const action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']) {
      expect(grantedOn(statements, stack, action)).toContainEqual('"arn:aws:s3:::out/runs/*"');
    }
    expect(grantedOn(statements, stack, 's3:ListBucket')).toEqual([]);
  });

  it('refuses a bucket chosen at run time that integrationTargets.apiCalls does not list, naming the state and the action', () => {
    const dynamic = rows({
      ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { 'Bucket.$': '$.bucket' } },
    });
    expect(() => build(() => ({ workflows: { Rows: dynamic } }))).toThrow(
      "Workflow Rows: /States/Rows/ItemReader/Resource: arn:aws:states:::s3:listObjectsV2 needs s3:ListBucket on a bucket chosen at run time, so the construct cannot tell which: list its ARNs in integrationTargets.apiCalls['s3:ListBucket'] (or ['*'] for any)",
    );
    const { stack, statements } = build(() => ({
      workflows: { Rows: dynamic },
      integrationTargets: { apiCalls: { 's3:ListBucket': ['arn:aws:s3:::logs-a', 'arn:aws:s3:::logs-b'] } },
    }));
    expect(grantedOn(statements, stack, 's3:ListBucket')).toEqual(
      expect.arrayContaining(['"arn:aws:s3:::logs-a"', '"arn:aws:s3:::logs-b"']),
    );
  });

  it('synthesizes with no unacknowledged cdk-nag AwsSolutions finding, the prefix wildcard acknowledged with its reason', () => {
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Rows', { env: TEST_ENV });
    new SagaOrchestrator(stack, 'Orders', { domain: 'orders', workflows: { Rows: literal } });
    // A finding fails the synth (the report then lists it).
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    const acknowledged = app.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, string>)),
      );
    expect(acknowledged).toContainEqual([
      'Annotation::AwsSolutions-IAM5[Resource::arn:aws:s3:::out/runs/*]',
      expect.stringContaining(
        'The ResultWriter at /States/Rows/ResultWriter/Resource writes its result files under its Prefix',
      ),
    ]);
    // The object read is named exactly: nothing to acknowledge for it.
    expect(acknowledged.map(([id]) => id)).not.toContainEqual(expect.stringContaining('in/rows.jsonl'));
  });
});
