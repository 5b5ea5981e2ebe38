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

/**
 * A Distributed Map's S3 access, as the developer guide's IAM policies for each field list it
 * ("ItemReader (Map)", IAM policies for datasets; "ResultWriter (Map)", IAM policies for
 * ResultWriter): GetObject on the object read, ListBucket on a listed bucket (GetObject on the
 * listed objects when LOAD_AND_FLATTEN reads them), and PutObject, AbortMultipartUpload and
 * ListMultipartUploadParts under the ResultWriter's prefix.
 */
describe('checkDefinition of a Distributed Map', () => {
  const GET = 'arn:aws:states:::s3:getObject';
  const LIST = 'arn:aws:states:::s3:listObjectsV2';
  const PUT = 'arn:aws:states:::s3:putObject';

  function distributed(fields: Record<string, unknown>, states?: Record<string, unknown>) {
    return {
      StartAt: 'Rows',
      States: {
        Rows: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Work',
            States: states ?? { Work: { Type: 'Task', Resource: 'baton:worker:row', End: true } },
          },
          End: true,
          ...fields,
        },
      },
    };
  }

  it('is ok, and lists the reader and writer with the ARNs their literal buckets give', () => {
    const check = checkDefinition(
      distributed({
        ItemReader: {
          Resource: GET,
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'in', Key: 'rows/2024.csv' },
        },
        ResultWriter: { Resource: PUT, Parameters: { Bucket: 'out', Prefix: 'runs/' } },
      }),
    );
    expect(check.issues).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.distributedMaps).toEqual([
      {
        pointer: '/States/Rows/ItemReader/Resource',
        resource: GET,
        grants: [{ action: 's3:GetObject', resources: ['arn:aws:s3:::in/rows/2024.csv'] }],
      },
      {
        pointer: '/States/Rows/ResultWriter/Resource',
        resource: PUT,
        grants: [
          { action: 's3:PutObject', resources: ['arn:aws:s3:::out/runs/*'] },
          { action: 's3:AbortMultipartUpload', resources: ['arn:aws:s3:::out/runs/*'] },
          { action: 's3:ListMultipartUploadParts', resources: ['arn:aws:s3:::out/runs/*'] },
        ],
      },
    ]);
  });

  it('lists the worker and the integrations of the processor like any other Task', () => {
    const check = checkDefinition(
      distributed(
        { ItemsPath: '$.rows' },
        {
          Work: { Type: 'Task', Resource: 'baton:worker:row', Next: 'Notify' },
          Notify: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sns:publish',
            Parameters: { Message: 'x' },
            End: true,
          },
        },
      ),
    );
    expect(check.tasks.map(({ pointer, actions }) => ({ pointer, actions }))).toEqual([
      { pointer: '/States/Rows/ItemProcessor/States/Work/Resource', actions: ['sqs:SendMessage'] },
      { pointer: '/States/Rows/ItemProcessor/States/Notify/Resource', actions: ['sns:Publish'] },
    ]);
    expect(check.distributedMaps).toEqual([]);
  });

  it('grants ListBucket on a listed bucket, and GetObject under the prefix when LOAD_AND_FLATTEN reads the objects', () => {
    const check = checkDefinition(
      distributed({
        ItemReader: {
          Resource: 'arn:aws:states:us-east-1:123456789012:s3:listObjectsV2',
          ReaderConfig: { Transformation: 'LOAD_AND_FLATTEN', InputType: 'JSONL' },
          Parameters: { Bucket: 'logs', Prefix: 'day/' },
        },
      }),
    );
    expect(check.distributedMaps[0]?.grants).toEqual([
      { action: 's3:ListBucket', resources: ['arn:aws:s3:::logs'] },
      { action: 's3:GetObject', resources: ['arn:aws:s3:::logs/day/*'] },
    ]);
  });

  it('grants GetObject on the whole bucket of a manifest, whose data files lie beside it', () => {
    const check = checkDefinition(
      distributed({
        ItemReader: {
          Resource: GET,
          ReaderConfig: { InputType: 'MANIFEST' },
          Parameters: { Bucket: 'inventory', Key: 'inv/manifest.json' },
        },
      }),
    );
    expect(check.distributedMaps[0]?.grants).toEqual([
      { action: 's3:GetObject', resources: ['arn:aws:s3:::inventory/*'] },
    ]);
  });

  it('grants GetObject on the bucket when only the key comes from the input', () => {
    const check = checkDefinition(
      distributed({
        ItemReader: {
          Resource: GET,
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'in', 'Key.$': '$.key' },
        },
      }),
    );
    expect(check.distributedMaps[0]?.grants).toEqual([
      { action: 's3:GetObject', resources: ['arn:aws:s3:::in/*'] },
    ]);
  });

  it('gives no resources when the bucket comes from a path or a JSONata expression', () => {
    const check = checkDefinition(
      distributed({
        ItemReader: { Resource: LIST, Parameters: { 'Bucket.$': '$.bucket' } },
        ResultWriter: { Resource: PUT, Parameters: { Bucket: 'out', 'Prefix.$': '$.prefix' } },
      }),
    );
    expect(check.distributedMaps.map((access) => access.grants)).toEqual([
      [{ action: 's3:ListBucket' }],
      [
        { action: 's3:PutObject', resources: ['arn:aws:s3:::out/*'] },
        { action: 's3:AbortMultipartUpload', resources: ['arn:aws:s3:::out/*'] },
        { action: 's3:ListMultipartUploadParts', resources: ['arn:aws:s3:::out/*'] },
      ],
    ]);
    const jsonata = checkDefinition({
      ...distributed({
        ItemReader: { Resource: LIST, Arguments: { Bucket: '{% $states.input.bucket %}' } },
      }),
      QueryLanguage: 'JSONata',
    });
    expect(jsonata.issues).toEqual([]);
    expect(jsonata.distributedMaps[0]?.grants).toEqual([{ action: 's3:ListBucket' }]);
  });

  it('lists nothing for a ResultWriter with only WriterConfig', () => {
    const check = checkDefinition(
      distributed({ ResultWriter: { WriterConfig: { Transformation: 'COMPACT', OutputType: 'JSON' } } }),
    );
    expect(check.ok).toBe(true);
    expect(check.distributedMaps).toEqual([]);
  });

  it('shows the S3 access in baton check', () => {
    const text = formatCheck(
      'rows.asl.json',
      checkDefinition(
        distributed({
          ItemReader: { Resource: LIST, Parameters: { 'Bucket.$': '$.bucket' } },
          ResultWriter: { Resource: PUT, Parameters: { Bucket: 'out' } },
        }),
      ),
    );
    expect(text).toMatch(
      /\/States\/Rows\/ItemReader\/Resource\s+arn:aws:states:::s3:listObjectsV2\s+s3:ListBucket\s+chosen at run time/,
    );
    expect(text).toMatch(
      /\/States\/Rows\/ResultWriter\/Resource\s+arn:aws:states:::s3:putObject\s+s3:PutObject\s+arn:aws:s3:::out\/\*/,
    );
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
