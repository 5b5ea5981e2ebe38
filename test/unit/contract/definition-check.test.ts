import { describe, expect, it } from 'vitest';
import { checkDefinition } from '../../../lambdas/index.js';
import { formatCheck } from '../../../cli/check.js';

const definition = {
  StartAt: 'Charge',
  States: {
    Charge: {
      Type: 'Task',
      Resource: 'baton:worker:charge',
      Compensate: { Resource: 'baton:worker:refund' },
      Next: 'Fan',
    },
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Notify',
          States: {
            Notify: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sns:publish',
              Parameters: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: 'x' },
              End: true,
            },
          },
        },
        {
          StartAt: 'Audit',
          States: {
            Audit: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sqs:sendMessage',
              Parameters: {
                QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/audit',
                MessageBody: 'x',
              },
              End: true,
            },
          },
        },
      ],
      Next: 'Price',
    },
    Price: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'price' },
      Next: 'Save',
    },
    Save: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: { TableName: 'orders', Item: { id: { 'S.$': '$.id' } } },
      Next: 'Retain',
    },
    Retain: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:cloudwatchlogs:putRetentionPolicy',
      Parameters: { LogGroupName: 'orders', RetentionInDays: 30 },
      Next: 'Crawl',
    },
    Crawl: {
      Type: 'Task',
      Resource: 'arn:aws:states:::eks:createCluster.sync',
      Parameters: { JobName: 'crawl' },
      Next: 'Wait',
    },
    Wait: {
      Type: 'Task',
      Resource: 'baton:waitForEvent',
      Parameters: { DetailType: 'Paid', Match: { 'detail.id.$': '$.id' } },
      TimeoutSeconds: 60,
      End: true,
    },
  },
};

describe('checkDefinition', () => {
  it('lists every Task and Compensate resource, nested ones too, with where it runs and its IAM actions', () => {
    const check = checkDefinition(definition);
    expect(check.issues).toEqual([]);
    expect(check.tasks).toEqual([
      {
        pointer: '/States/Charge/Resource',
        resource: 'baton:worker:charge',
        aws: true,
        local: 'embedded',
        actions: ['sqs:SendMessage'],
      },
      {
        pointer: '/States/Charge/Compensate/Resource',
        resource: 'baton:worker:refund',
        aws: true,
        local: 'embedded',
        actions: ['sqs:SendMessage'],
      },
      {
        pointer: '/States/Fan/Branches/0/States/Notify/Resource',
        resource: 'arn:aws:states:::sns:publish',
        aws: true,
        local: 'mock',
        actions: ['sns:Publish'],
      },
      {
        pointer: '/States/Fan/Branches/1/States/Audit/Resource',
        resource: 'arn:aws:states:::sqs:sendMessage',
        aws: true,
        local: 'embedded',
        actions: ['sqs:SendMessage'],
      },
      {
        pointer: '/States/Price/Resource',
        resource: 'arn:aws:states:::lambda:invoke',
        aws: true,
        local: 'embedded',
        actions: ['lambda:InvokeFunction'],
      },
      {
        pointer: '/States/Save/Resource',
        resource: 'arn:aws:states:::dynamodb:putItem',
        aws: true,
        local: 'embedded',
        actions: ['dynamodb:PutItem'],
      },
      {
        // The service as the AWS SDK names it; its IAM prefix as IAM does (aws-cdk-lib's table).
        pointer: '/States/Retain/Resource',
        resource: 'arn:aws:states:::aws-sdk:cloudwatchlogs:putRetentionPolicy',
        aws: true,
        local: 'mock',
        actions: ['logs:PutRetentionPolicy'],
      },
      {
        pointer: '/States/Crawl/Resource',
        resource: 'arn:aws:states:::eks:createCluster.sync',
        aws: false,
        local: false,
        actions: [],
      },
      {
        pointer: '/States/Wait/Resource',
        resource: 'baton:waitForEvent',
        aws: true,
        local: 'embedded',
        actions: [],
      },
    ]);
    // eks:createCluster.sync is not performed on AWS: the definition is valid but not ok to deploy.
    expect(check.ok).toBe(false);
  });

  it('lists the start, describe and stop actions of a .sync job, which runs locally only mocked', () => {
    const check = checkDefinition({
      StartAt: 'Q',
      States: {
        Q: { Type: 'Task', Resource: 'arn:aws:states:::athena:startQueryExecution.sync', End: true },
      },
    });
    expect(check.tasks).toEqual([
      {
        pointer: '/States/Q/Resource',
        resource: 'arn:aws:states:::athena:startQueryExecution.sync',
        aws: true,
        local: 'mock',
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
      },
    ]);
  });

  it('lists the connection reads of an HTTP Task, whose call is real locally too', () => {
    const check = checkDefinition({
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true } },
    });
    expect(check.tasks).toEqual([
      {
        pointer: '/States/Call/Resource',
        resource: 'arn:aws:states:::http:invoke',
        aws: true,
        local: 'embedded',
        actions: ['events:DescribeConnection', 'secretsmanager:GetSecretValue'],
      },
    ]);
  });

  it('reports validation issues by pointer, and never throws on what is not a definition', () => {
    const broken = checkDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } });
    expect(broken.ok).toBe(false);
    expect(broken.issues[0]).toMatchObject({ pointer: '/States/A/Next' });
    expect(checkDefinition('not a definition')).toMatchObject({ ok: false, tasks: [] });
    expect(checkDefinition(null).issues.length).toBeGreaterThan(0);
  });

  it('is ok for a valid definition whose every resource runs on AWS', () => {
    const ok = checkDefinition({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'baton:worker:a', End: true } },
    });
    expect(ok).toMatchObject({ ok: true, issues: [] });
  });
});

/**
 * `apigateway:invoke`: on AWS with `execute-api:Invoke` only when signed with the role (IAM_ROLE,
 * or an AuthType computed at run time); locally a mocked result (API Gateway is out of reach).
 */
describe('checkDefinition of apigateway:invoke', () => {
  const check = (parameters: Record<string, unknown>, field = 'Parameters') =>
    checkDefinition({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::apigateway:invoke.waitForTaskToken',
          [field]: { ApiEndpoint: 'a1.execute-api.eu-west-1.amazonaws.com', Method: 'GET', ...parameters },
          End: true,
        },
      },
    }).tasks;

  it.each([
    [{}, []],
    [{ AuthType: 'NO_AUTH' }, []],
    [{ AuthType: 'RESOURCE_POLICY' }, []],
    [{ AuthType: 'IAM_ROLE' }, ['execute-api:Invoke']],
    [{ 'AuthType.$': '$.auth' }, ['execute-api:Invoke']],
  ])('%j needs %j', (parameters, actions) => {
    expect(check(parameters)).toEqual([
      {
        pointer: '/States/Call/Resource',
        resource: 'arn:aws:states:::apigateway:invoke.waitForTaskToken',
        aws: true,
        local: 'mock',
        actions,
      },
    ]);
  });

  it('reads JSONata Arguments too', () => {
    expect(check({ AuthType: '{% $states.input.auth %}' }, 'Arguments')[0]?.actions).toEqual([
      'execute-api:Invoke',
    ]);
  });
});

describe('baton check, as text', () => {
  it('shows the issues, the resources in a table, and what would fail on AWS', () => {
    const text = formatCheck('order.asl.json', checkDefinition(definition));
    const lines = text.split('\n');
    expect(lines[0]).toBe('order.asl.json: 0 validation issues, 9 Task resources (8 run on AWS, 8 locally)');
    expect(text).toMatch(
      /\/States\/Fan\/Branches\/0\/States\/Notify\/Resource\s+arn:aws:states:::sns:publish\s+yes\s+mock\s+sns:Publish/,
    );
    expect(text).toMatch(/\/States\/Crawl\/Resource\s+arn:aws:states:::eks:createCluster.sync\s+NO\s+no\s+-/);
    expect(text).toMatch(
      /\/States\/Price\/Resource\s+arn:aws:states:::lambda:invoke\s+yes\s+embedded\s+lambda:InvokeFunction/,
    );
    expect(text).toContain('1 resource would fail when dispatched on AWS.');
  });
});
