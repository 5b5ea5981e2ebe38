/**
 * `aws-sdk:<service>:<action>` tasks in `npm start`'s runtime: the orchestrator's own AWS SDK
 * transport, with the real AWS SDK v3 clients, calls DynamoDB on dynalite, S3 on the local S3 and
 * SQS on the local endpoint; services with no local stand-in take the mocked results given to the runtime, and
 * without one fail with `Baton.IntegrationNotMocked`, saying how to declare one.
 *
 * Shapes and names as AWS-recorded executions give them (LocalStack,
 * tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json): DynamoDB
 * PutItem's result is `{}`, GetItem's `{ Item }`; an AWS SDK integration's DynamoDB error is
 * `DynamoDb.<Code>` (while the optimized `dynamodb:getItem` names it `DynamoDB.<Code>`).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import type { ExecutionDescription } from '../../local/control.js';
import type { JsonObject } from '../../lambdas/engine/json.js';
import { MockedResults } from '../../lambdas/runtime/integration-mocks.js';
import { NOT_MOCKED_ERROR } from '../../lambdas/runtime/task-router.js';
import { LocalQueue } from '../../local/emulators/sqs/queue.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { whenEnded } from '../helpers/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-aws-sdk-'));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    domains: exampleDomains(),
    dataDir,
    mocks: MockedResults.parse(
      {
        States: { Catalog: { StartCrawl: { Return: { JobRunId: 'jr_1' } } } },
        Resources: { 'arn:aws:states:::sns:publish': { Return: { MessageId: 'm-1' } } },
      },
      'mocks.json',
    ),
  });
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(
  workflow: string,
  definition: object,
  input: JsonObject = {},
): Promise<ExecutionDescription> {
  await runtime.registerWorkflow({ workflow, domain: 'shipping', definition: definition as never });
  return whenEnded(runtime, await runtime.start({ workflow, input, name: `${workflow}-1` }));
}

it('calls DynamoDB, S3 and SQS with the real SDK, and names service errors as Step Functions does', async () => {
  const queue = new LocalQueue({ name: 'catalog-events' });
  runtime.endpoint.registerQueue(queue);
  const sdk = 'arn:aws:states:::aws-sdk';
  const result = await run('Catalog', {
    StartAt: 'CreateTable',
    States: {
      CreateTable: {
        Type: 'Task',
        Resource: `${sdk}:dynamodb:createTable`,
        Parameters: {
          TableName: 'catalog',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
        ResultSelector: { 'status.$': '$.TableDescription.TableStatus' },
        ResultPath: '$.created',
        Next: 'Put',
      },
      Put: {
        Type: 'Task',
        Resource: `${sdk}:dynamodb:putItem`,
        Parameters: { TableName: 'catalog', Item: { id: { S: 'sku-1' }, name: { S: 'Kettle' } } },
        ResultPath: '$.put',
        Next: 'Get',
      },
      Get: {
        Type: 'Task',
        Resource: `${sdk}:dynamodb:getItem`,
        Parameters: { TableName: 'catalog', Key: { id: { S: 'sku-1' } } },
        ResultPath: '$.got',
        Next: 'Missing',
      },
      Missing: {
        Type: 'Task',
        Resource: `${sdk}:dynamodb:getItem`,
        Parameters: { TableName: 'no-such-table', Key: { id: { S: 'x' } } },
        Catch: [
          { ErrorEquals: ['DynamoDb.ResourceNotFoundException'], ResultPath: '$.missing', Next: 'Queues' },
        ],
        Next: 'Queues',
      },
      Queues: {
        Type: 'Task',
        Resource: `${sdk}:sqs:getQueueUrl`,
        Parameters: { QueueName: 'catalog-events' },
        ResultPath: '$.queue',
        Next: 'Bucket',
      },
      Bucket: {
        Type: 'Task',
        Resource: `${sdk}:s3:createBucket`,
        Parameters: { Bucket: 'catalog-exports' },
        ResultPath: null,
        Next: 'Export',
      },
      Export: {
        Type: 'Task',
        Resource: `${sdk}:s3:putObject`,
        Parameters: {
          Bucket: 'catalog-exports',
          Key: 'sku-1.json',
          'Body.$': 'States.JsonToString($.got.Item)',
        },
        ResultSelector: { 'etag.$': '$.ETag' },
        ResultPath: '$.exported',
        Next: 'ReadBack',
      },
      ReadBack: {
        Type: 'Task',
        Resource: `${sdk}:s3:getObject`,
        Parameters: { Bucket: 'catalog-exports', Key: 'sku-1.json' },
        ResultSelector: { 'body.$': '$.Body', 'length.$': '$.ContentLength', 'modified.$': '$.LastModified' },
        ResultPath: '$.read',
        Next: 'Send',
      },
      Send: {
        Type: 'Task',
        Resource: `${sdk}:sqs:sendMessage`,
        Parameters: { 'QueueUrl.$': '$.queue.QueueUrl', MessageBody: 'sku-1 added' },
        ResultSelector: { 'md5.$': '$.MD5OfMessageBody' },
        ResultPath: '$.send',
        Next: 'StartCrawl',
      },
      StartCrawl: {
        Type: 'Task',
        Resource: `${sdk}:glue:startJobRun`,
        Parameters: { JobName: 'crawl' },
        ResultPath: '$.crawl',
        Next: 'Notify',
      },
      Notify: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:catalog', Message: 'done' },
        ResultPath: '$.notified',
        End: true,
      },
    },
  });
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({
    status: 'SUCCEEDED',
  });
  const output = result.output as Record<string, unknown>;
  expect(output.created).toEqual({ status: 'CREATING' }); // as CreateTable answers on AWS
  expect(output.put).toEqual({});
  expect(output.got).toEqual({ Item: { id: { S: 'sku-1' }, name: { S: 'Kettle' } } });
  expect(output.missing).toMatchObject({ Error: 'DynamoDb.ResourceNotFoundException' });
  expect((output.missing as { Cause: string }).Cause).toMatch(
    /\(Service: DynamoDb, Status Code: 400, Request ID: /,
  );
  expect(output.queue).toEqual({ QueueUrl: runtime.endpoint.queueUrl(queue) });
  expect(output.send).toEqual({ md5: createHash('md5').update('sku-1 added').digest('hex') });
  expect(queue.peek().map((message) => message.body)).toEqual(['sku-1 added']);
  // S3 on the local S3: GetObject's Body as text, its timestamp as ISO-8601 text.
  const item = JSON.stringify({ id: { S: 'sku-1' }, name: { S: 'Kettle' } });
  expect(output.exported).toEqual({ etag: `"${createHash('md5').update(item).digest('hex')}"` });
  expect(output.read).toEqual({
    body: item,
    length: Buffer.byteLength(item),
    modified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  });
  expect(output.crawl).toEqual({ JobRunId: 'jr_1' });
  expect(output.notified).toEqual({ MessageId: 'm-1' });
}, 60_000);

it('fails a call with no local stand-in and no mock, saying how to declare one', async () => {
  const result = await run('Unmocked', {
    StartAt: 'Detect',
    States: {
      Detect: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:rekognition:detectLabels',
        Parameters: { Image: { S3Object: { Bucket: 'b', Name: 'n' } } },
        End: true,
      },
    },
  });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe(NOT_MOCKED_ERROR);
  expect(result.cause).toContain("no mocked result is declared for state 'Detect' of workflow 'Unmocked'");
  expect(result.cause).toContain('declare one in mocks.json');
}, 60_000);

it('hands a .waitForTaskToken target the signed $$.Task.Token, which SendTaskSuccess takes back', async () => {
  const queue = new LocalQueue({ name: 'approvals' });
  const queueUrl = runtime.endpoint.registerQueue(queue);
  const workflow = 'Approval';
  await runtime.registerWorkflow({
    workflow,
    domain: 'shipping',
    definition: {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken',
          Parameters: {
            QueueUrl: queueUrl,
            'MessageBody.$':
              'States.JsonToString(States.StringToJson(States.Format(\'\\{"token":"{}"\\}\', $$.Task.Token)))',
          },
          End: true,
        },
      },
    },
  });
  const executionId = await runtime.start({ workflow, input: {}, name: 'approval-1' });
  const deadline = Date.now() + 45_000;
  let body: string | undefined;
  while (body === undefined && Date.now() < deadline) {
    body = queue.peek()[0]?.body;
    if (body === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { token } = JSON.parse(body ?? '{}') as { token: string };
  // The token a worker or a person gets is the signed one: the engine's own token is never sent.
  expect(token).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
  await runtime.sendTaskSuccess(token, { approved: true });
  let found = await runtime.describe(executionId);
  while (found.status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    found = await runtime.describe(executionId);
  }
  expect(found.status).toBe('SUCCEEDED');
  expect(found.output).toEqual({ approved: true });
}, 60_000);
