/**
 * `arn:aws:states:::aws-sdk:<service>:<action>` and mocked results in THE task router, with a
 * transport double. Error names and causes as Step Functions gives them: `<Service>.<Code>`, the
 * service the SDK's id without spaces (`DynamoDb` and `Sfn` as spelled by Step Functions), the code
 * ending in `Exception`, and the cause `<message> (Service: ..., Status Code: ..., Request ID: ...)`
 * (LocalStack's state_task_service_aws_sdk.py, which its AWS-recorded snapshots check:
 * tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../../lambdas/engine/json.js';
import { MockedResults } from '../../../lambdas/runtime/integration-mocks.js';
import type { InboxSender, TaskDispatch } from '../../../lambdas/runtime/ports.js';
import {
  AwsServiceError,
  NOT_MOCKED_ERROR,
  TaskRouter,
  type AwsSdkTransport,
  type IntegrationMocks,
} from '../../../lambdas/runtime/task-router.js';

class RecordingInbox implements InboxSender {
  readonly sent: Json[] = [];
  async send(body: Json): Promise<void> {
    this.sent.push(body);
  }
}

let inbox: RecordingInbox;
let calls: { service: string; action: string; request: JsonObject }[];

beforeEach(() => {
  inbox = new RecordingInbox();
  calls = [];
});

function transport(answer: () => Promise<JsonObject> = async () => ({})): AwsSdkTransport {
  return {
    call: async (service, action, request) => {
      calls.push({ service, action, request });
      return answer();
    },
  };
}

function router(awsSdk?: AwsSdkTransport, mocks?: IntegrationMocks): TaskRouter {
  return new TaskRouter({
    transports: {
      workers: { has: () => false, send: async () => undefined },
      ...(awsSdk && { awsSdk }),
    },
    inbox,
    ...(mocks && { mocks }),
    environment: 'locally',
  });
}

function task(resource: string, input: Json, attempt = 1, stateName = 'Call'): TaskDispatch {
  return {
    executionId: 'exec-1',
    workflow: 'orders',
    taskToken: 'v1.token.sig',
    command: {
      type: 'DispatchTask',
      token: 'root:e1:2',
      resource,
      input,
      stateName,
      attempt,
      idempotencyKey: 'exec-1/e1',
      compensation: false,
    },
  };
}

describe('arn:aws:states:::aws-sdk:<service>:<action>', () => {
  it('calls the action with the parameters and reports the response as the result', async () => {
    const response = { Item: { id: { S: 'id1' } } };
    await router(transport(async () => response)).dispatch(
      task('arn:aws:states:::aws-sdk:dynamodb:getItem', { TableName: 't', Key: { id: { S: 'id1' } } }),
    );
    expect(calls).toEqual([
      { service: 'dynamodb', action: 'getItem', request: { TableName: 't', Key: { id: { S: 'id1' } } } },
    ]);
    expect(inbox.sent).toEqual([{ kind: 'TaskSucceeded', taskToken: 'v1.token.sig', output: response }]);
  });

  it('takes the regional form of the resource some AWS samples use', async () => {
    await router(transport()).dispatch(
      task('arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject', { Bucket: 'b', Key: 'k' }),
    );
    expect(calls[0]).toMatchObject({ service: 's3', action: 'getObject' });
  });

  it('with .waitForTaskToken, calls and leaves the result to SendTaskSuccess', async () => {
    await router(transport()).dispatch(
      task('arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken', { QueueUrl: 'q', MessageBody: 'm' }),
    );
    expect(calls).toHaveLength(1);
    expect(inbox.sent).toEqual([]);
  });

  it.each([
    ['S3', 'NoSuchKey', 'S3.NoSuchKeyException'],
    ['DynamoDB', 'ResourceNotFoundException', 'DynamoDb.ResourceNotFoundException'],
    ['SFN', 'ExecutionDoesNotExist', 'Sfn.ExecutionDoesNotExistException'],
    ['Secrets Manager', 'ResourceNotFoundException', 'SecretsManager.ResourceNotFoundException'],
  ])(
    'names a %s %s failure %s, the cause with service, status and request id',
    async (serviceId, code, error) => {
      await router(
        transport(() =>
          Promise.reject(
            new AwsServiceError({
              serviceId,
              code,
              message: 'It is not there',
              statusCode: 404,
              requestId: 'R1',
            }),
          ),
        ),
      ).dispatch(task('arn:aws:states:::aws-sdk:s3:getObject', {}));
      const service = error.slice(0, error.indexOf('.'));
      expect(inbox.sent).toEqual([
        {
          kind: 'TaskFailed',
          taskToken: 'v1.token.sig',
          error,
          cause: `It is not there (Service: ${service}, Status Code: 404, Request ID: R1)`,
        },
      ]);
    },
  );

  it('lets any other failure through, so that the inbox message is redelivered', async () => {
    const broken = router(transport(() => Promise.reject(new Error('socket hang up'))));
    await expect(broken.dispatch(task('arn:aws:states:::aws-sdk:s3:getObject', {}))).rejects.toThrow(
      'socket hang up',
    );
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task when the parameters are not an object', async () => {
    await router(transport()).dispatch(task('arn:aws:states:::aws-sdk:s3:listBuckets', 'text'));
    expect(calls).toEqual([]);
    expect(inbox.sent).toMatchObject([{ kind: 'TaskFailed', error: 'States.TaskFailed' }]);
  });

  it('fails with States.TaskFailed where no AWS SDK transport is wired and nothing can be mocked', async () => {
    await router().dispatch(task('arn:aws:states:::aws-sdk:glue:startJobRun', {}));
    expect(inbox.sent).toMatchObject([{ kind: 'TaskFailed', error: 'States.TaskFailed' }]);
  });
});

describe('mocked results', () => {
  const localOnly: AwsSdkTransport = { ...transport(), has: (service) => service === 'dynamodb' };

  it('fails a call with no stand-in and no mock, naming the state and how to declare one', async () => {
    await router(localOnly, MockedResults.none('mocks.json')).dispatch(
      task('arn:aws:states:::aws-sdk:glue:startJobRun', { JobName: 'j' }, 1, 'Crawl'),
    );
    expect(calls).toEqual([]);
    expect(inbox.sent).toHaveLength(1);
    const failed = inbox.sent[0] as { error: string; cause: string };
    expect(failed.error).toBe(NOT_MOCKED_ERROR);
    expect(failed.cause).toContain('arn:aws:states:::aws-sdk:glue:startJobRun needs the AWS SDK for glue');
    expect(failed.cause).toContain("state 'Crawl' of workflow 'orders'");
    expect(failed.cause).toContain('declare one in mocks.json');
  });

  it('returns the mocked result of the state, before the resource mock and without calling', async () => {
    const mocks = MockedResults.parse(
      {
        States: { orders: { Crawl: { Return: { JobRunId: 'by-state' } } } },
        Resources: { 'arn:aws:states:::aws-sdk:glue:startJobRun': { Return: { JobRunId: 'by-resource' } } },
      },
      'mocks.json',
    );
    const dispatcher = router(localOnly, mocks);
    await dispatcher.dispatch(task('arn:aws:states:::aws-sdk:glue:startJobRun', {}, 1, 'Crawl'));
    await dispatcher.dispatch(task('arn:aws:states:::aws-sdk:glue:startJobRun', {}, 1, 'Other'));
    expect(calls).toEqual([]);
    expect(inbox.sent).toMatchObject([
      { kind: 'TaskSucceeded', output: { JobRunId: 'by-state' } },
      { kind: 'TaskSucceeded', output: { JobRunId: 'by-resource' } },
    ]);
  });

  it('gives one result per attempt, the last repeating, so that a Retry can be tried', async () => {
    const mocks = MockedResults.parse(
      {
        Resources: {
          'arn:aws:states:::sns:publish': [
            { Throw: { Error: 'SNS.ThrottledException', Cause: 'slow down' } },
            { Return: { MessageId: 'm-2' } },
          ],
        },
      },
      'mocks.json',
    );
    const dispatcher = router(undefined, mocks);
    for (const attempt of [1, 2, 3]) {
      await dispatcher.dispatch(
        task('arn:aws:states:::sns:publish', { TopicArn: 't', Message: 'm' }, attempt),
      );
    }
    expect(inbox.sent).toEqual([
      { kind: 'TaskFailed', taskToken: 'v1.token.sig', error: 'SNS.ThrottledException', cause: 'slow down' },
      { kind: 'TaskSucceeded', taskToken: 'v1.token.sig', output: { MessageId: 'm-2' } },
      { kind: 'TaskSucceeded', taskToken: 'v1.token.sig', output: { MessageId: 'm-2' } },
    ]);
  });

  it('does not take a mock from Object.prototype for a state named constructor', async () => {
    await router(localOnly, MockedResults.parse({ States: {} }, 'mocks.json')).dispatch(
      task('arn:aws:states:::aws-sdk:glue:startJobRun', {}, 1, 'constructor'),
    );
    expect(inbox.sent).toMatchObject([{ kind: 'TaskFailed', error: NOT_MOCKED_ERROR }]);
  });

  it.each([
    [{ Resources: { r: { Returns: 1 } } }, '/Resources/r'],
    [{ States: { wf: { S: { Throw: { Cause: 'no error' } } } } }, '/States/wf/S'],
    [{ States: { wf: { S: [] } } }, '/States/wf/S'],
    [{ Mocks: {} }, '/'],
    // The http:invoke connections: keyed by connection ARN, with an authorization type EventBridge has.
    [{ Connections: { 'arn:aws:events:us-east-1:123456789012:rule/x': {} } }, '/Connections'],
    [
      {
        Connections: {
          'arn:aws:events:us-east-1:123456789012:connection/a/b': {
            AuthorizationType: 'TOKEN',
            AuthParameters: {},
          },
        },
      },
      '/Connections/arn:aws:events:us-east-1:123456789012:connection/a/b/AuthorizationType',
    ],
  ])('refuses a malformed mocks file %j, naming %s', (value, pointer) => {
    expect(() => MockedResults.parse(value, 'mocks.json')).toThrow(
      `Invalid mocks in mocks.json at ${pointer}`,
    );
  });

  it('says what a mocked result must be', () => {
    expect(() => MockedResults.parse({ Resources: { r: { Returns: 1 } } }, 'mocks.json')).toThrow(
      'Invalid mocks in mocks.json at /Resources/r: must be {"Return": <output>} or {"Throw": {"Error": "<name>", "Cause": "<text>"}}, or a non-empty list of them (one per attempt)',
    );
  });
});

describe('arn:aws:states:::bedrock:invokeModel', () => {
  const MODEL = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2';

  it('invokes the model with the body as JSON text, and gives Body parsed with ContentType', async () => {
    await router(
      transport(async () => ({ body: '{"completion":"Hello"}', contentType: 'application/json' })),
    ).dispatch(task('arn:aws:states:::bedrock:invokeModel', { ModelId: MODEL, Body: { prompt: 'Hi' } }));
    expect(calls).toEqual([
      {
        service: 'bedrockruntime',
        action: 'invokeModel',
        request: {
          modelId: MODEL,
          body: '{"prompt":"Hi"}',
          contentType: 'application/json',
          accept: 'application/json',
        },
      },
    ]);
    expect(inbox.sent).toEqual([
      {
        kind: 'TaskSucceeded',
        taskToken: 'v1.token.sig',
        output: { Body: { completion: 'Hello' }, ContentType: 'application/json' },
      },
    ]);
  });

  it('refuses Output (the body written to S3), which it does not perform, saying what to do instead', async () => {
    await router(transport()).dispatch(
      task('arn:aws:states:::bedrock:invokeModel', {
        ModelId: MODEL,
        Body: {},
        Output: { S3Uri: 's3://bucket/out.png' },
      }),
    );
    expect(calls).toEqual([]);
    expect(inbox.sent).toMatchObject([{ kind: 'TaskFailed', error: 'States.TaskFailed' }]);
    expect((inbox.sent[0] as { cause: string }).cause).toContain(
      'Output (the body written to S3) is not supported',
    );
  });
});
