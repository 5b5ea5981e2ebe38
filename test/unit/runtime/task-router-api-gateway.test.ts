/**
 * `arn:aws:states:::apigateway:invoke[.waitForTaskToken]` in THE task router, with a transport
 * double. What Step Functions does, from the AWS documentation ("Create API Gateway REST APIs with
 * Step Functions": the parameters, the refused headers, RequestBody for PATCH, POST and PUT only,
 * AllowNullValues, the result `{ ResponseBody, Headers, StatusCode, StatusText }`, the error
 * `ApiGateway.<status>` with the response body as the cause) and from executions recorded against
 * AWS in LocalStack's tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json
 * (test_invoke_base: `ResponseBody: {}` for the body `{}`; test_invoke_with_body_post: a text
 * RequestBody reaches the API as a JSON string, `"0"` with Content-Length 3, and the JSON text
 * answered comes back as a string; test_invoke_error: a missing resource fails with
 * `ApiGateway.403` and the cause `{"message":"Missing Authentication Token"}`).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Json } from '../../../lambdas/engine/json.js';
import {
  ApiGatewayCallError,
  executeApiHost,
  type ApiGatewayRequest,
  type ApiGatewayResponse,
} from '../../../lambdas/runtime/api-gateway-invoke.js';
import { MockedResults } from '../../../lambdas/runtime/integration-mocks.js';
import type { InboxSender, TaskDispatch } from '../../../lambdas/runtime/ports.js';
import { NOT_MOCKED_ERROR, TaskRouter } from '../../../lambdas/runtime/task-router.js';

const RESOURCE = 'arn:aws:states:::apigateway:invoke';
const ENDPOINT = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';

class RecordingInbox implements InboxSender {
  readonly sent: Json[] = [];
  async send(body: Json): Promise<void> {
    this.sent.push(body);
  }
}

let inbox: RecordingInbox;
let calls: ApiGatewayRequest[];

beforeEach(() => {
  inbox = new RecordingInbox();
  calls = [];
});

const OK: ApiGatewayResponse = {
  statusCode: 200,
  statusText: 'OK',
  headers: { 'Content-Type': ['application/json'], 'x-amzn-RequestId': ['req-1'] },
  body: '{"myBills":[]}',
};

function router(
  answer: (request: ApiGatewayRequest) => Promise<ApiGatewayResponse> = async () => OK,
  options: { reaches?: (url: URL) => boolean; mocks?: boolean } = {},
): TaskRouter {
  return new TaskRouter({
    transports: {
      workers: { has: () => false, send: async () => undefined },
      apiGateway: {
        invoke: async (request) => {
          calls.push(request);
          return answer(request);
        },
        ...(options.reaches && { reaches: options.reaches }),
      },
    },
    inbox,
    ...(options.mocks && { mocks: MockedResults.none('a mocks file'), environment: 'locally' }),
  });
}

function task(input: Json, resource = RESOURCE): TaskDispatch {
  return {
    executionId: 'exec-1',
    workflow: 'bills',
    taskToken: 'v1.token.sig',
    command: { type: 'DispatchTask', token: 'root:e1:2', resource, input, stateName: 'Call API', attempt: 1 },
  } as TaskDispatch;
}

describe('the request', () => {
  it('is built as the documentation example: https://<ApiEndpoint>/<Stage>/<Path>?<QueryParameters>', async () => {
    await router().dispatch(
      task({
        ApiEndpoint: ENDPOINT,
        Method: 'GET',
        Headers: { key: ['value1', 'value2'] },
        Stage: 'prod',
        Path: 'bills',
        QueryParameters: { billId: ['123456'], tag: ['a', 'b'] },
        AuthType: 'NO_AUTH',
      }),
    );
    expect(calls).toHaveLength(1);
    const call = calls[0] as ApiGatewayRequest;
    expect(call.method).toBe('GET');
    expect(call.url.href).toBe(`https://${ENDPOINT}/prod/bills?billId=123456&tag=a&tag=b`);
    expect(call.headers).toEqual({ key: ['value1', 'value2'] });
    expect(call.body).toBeUndefined();
    expect(call.authType).toBe('NO_AUTH');
  });

  it('joins Stage and Path with one slash each, and defaults AuthType to NO_AUTH', async () => {
    await router().dispatch(
      task({ ApiEndpoint: ENDPOINT, Method: 'POST', Stage: '/v1/', Path: '/bills/add' }),
    );
    expect(calls[0]?.url.pathname).toBe('/v1/bills/add');
    expect(calls[0]?.authType).toBe('NO_AUTH');
    // An HTTP API's $default stage: no Stage.
    await router().dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET', Path: 'pets' }));
    expect(calls[1]?.url.pathname).toBe('/pets');
  });

  it('sends RequestBody as JSON, a text body as a JSON string (as recorded against AWS)', async () => {
    await router().dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'POST', RequestBody: { billId: 'b-1' } }));
    await router().dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'PUT', RequestBody: '0' }));
    expect(calls[0]?.body).toBe('{"billId":"b-1"}');
    expect(calls[0]?.headers['Content-Type']).toEqual(['application/json']);
    // test_invoke_with_body_post["0"]: Content-Length 3, the string "0" with its quotes.
    expect(calls[1]?.body).toBe('"0"');
  });

  it('leaves null fields out of the body unless AllowNullValues is true', async () => {
    const body = { NewPet: { type: 'turtle', price: 123, category: null }, tags: [null, { a: null }] };
    await router().dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'POST', RequestBody: body }));
    await router().dispatch(
      task({ ApiEndpoint: ENDPOINT, Method: 'POST', RequestBody: body, AllowNullValues: true }),
    );
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({
      NewPet: { type: 'turtle', price: 123 },
      tags: [null, {}],
    });
    expect(JSON.parse(calls[1]?.body ?? '')).toEqual(body);
  });

  it.each([
    [{ Method: 'GET' }, 'ApiEndpoint must be a non-empty string'],
    [
      { ApiEndpoint: ENDPOINT, Method: 'CONNECT' },
      'Method must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS',
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', AuthType: 'COGNITO' },
      'AuthType must be one of NO_AUTH, IAM_ROLE, RESOURCE_POLICY',
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', RequestBody: {} },
      'RequestBody is only supported for PATCH, POST and PUT, not GET',
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', Headers: { key: 'value' } },
      'Headers.key must be a list of strings',
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', QueryParameters: { id: [1] } },
      'QueryParameters.id must be a list of strings',
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', Headers: { Authorization: ['x'] } },
      "The 'Headers' field contains unsupported values: Authorization",
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', Headers: { 'X-Amz-Date': ['x'] } },
      "The 'Headers' field contains unsupported values: X-Amz-Date",
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'GET', Headers: { host: ['x'] } },
      "The 'Headers' field contains unsupported values: host",
    ],
    [
      { ApiEndpoint: `${ENDPOINT}/prod?x=1`, Method: 'GET' },
      `ApiEndpoint '${ENDPOINT}/prod?x=1' must be a host (give the stage, path and query in Stage, Path and QueryParameters)`,
    ],
    [
      { ApiEndpoint: ENDPOINT, Method: 'POST', RequestBody: {}, AllowNullValues: 'yes' },
      'AllowNullValues must be a boolean',
    ],
  ])('refuses %j: %s', async (input, message) => {
    await router().dispatch(task(input as Json));
    expect(calls).toEqual([]);
    expect(inbox.sent).toEqual([
      {
        kind: 'TaskFailed',
        taskToken: 'v1.token.sig',
        error: 'States.TaskFailed',
        cause: expect.stringContaining(`Invalid parameters for ${RESOURCE}: ${message}`),
      },
    ]);
  });
});

describe('the result', () => {
  it('is { Headers, ResponseBody, StatusCode, StatusText }, the body parsed when it is JSON', async () => {
    await router().dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET', Stage: 'prod', Path: 'bills' }));
    expect(inbox.sent).toEqual([
      {
        kind: 'TaskSucceeded',
        taskToken: 'v1.token.sig',
        output: {
          Headers: { 'Content-Type': ['application/json'], 'x-amzn-RequestId': ['req-1'] },
          ResponseBody: { myBills: [] },
          StatusCode: 200,
          StatusText: 'OK',
        },
      },
    ]);
  });

  it('keeps a body that is not JSON as text, and a JSON string as the string (test_invoke_with_body_post)', async () => {
    const answer = (body: string) => async () => ({
      statusCode: 201,
      statusText: 'Created',
      headers: {},
      body,
    });
    await router(answer('plain text')).dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }));
    await router(answer('"{\\"message\\": \\"HelloWorld!\\"}"')).dispatch(
      task({ ApiEndpoint: ENDPOINT, Method: 'GET' }),
    );
    await router(answer('{}')).dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }));
    const outputs = inbox.sent.map(
      (sent) => (sent as { output: { ResponseBody: Json; StatusText: string } }).output,
    );
    expect(outputs.map((output) => output.ResponseBody)).toEqual([
      'plain text',
      '{"message": "HelloWorld!"}',
      {},
    ]);
    expect(outputs[0]?.StatusText).toBe('Created');
  });

  it('with .waitForTaskToken, sends the call and leaves the task waiting for the token', async () => {
    await router().dispatch(
      task(
        { ApiEndpoint: ENDPOINT, Method: 'POST', Headers: { TaskToken: ['v1.token.sig'] }, RequestBody: {} },
        `${RESOURCE}.waitForTaskToken`,
      ),
    );
    expect(calls[0]?.headers.TaskToken).toEqual(['v1.token.sig']);
    expect(inbox.sent).toEqual([]);
  });
});

describe('the errors', () => {
  it('fails with ApiGateway.<status> and the response body as the cause (test_invoke_error)', async () => {
    const forbidden = async () => ({
      statusCode: 403,
      statusText: 'Forbidden',
      headers: {},
      body: '{"message":"Missing Authentication Token"}',
    });
    await router(forbidden).dispatch(
      task({
        ApiEndpoint: ENDPOINT,
        Method: 'POST',
        Path: 'id_funcinvalid',
        Stage: 'sfn-apigw-api',
        RequestBody: 'HelloWorld',
      }),
    );
    expect(inbox.sent).toEqual([
      {
        kind: 'TaskFailed',
        taskToken: 'v1.token.sig',
        error: 'ApiGateway.403',
        cause: '{"message":"Missing Authentication Token"}',
      },
    ]);
  });

  it('fails .waitForTaskToken tasks on an error status too', async () => {
    await router(async () => ({
      statusCode: 500,
      statusText: 'Internal Server Error',
      headers: {},
      body: 'boom',
    })).dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }, `${RESOURCE}.waitForTaskToken`));
    expect(inbox.sent).toEqual([expect.objectContaining({ error: 'ApiGateway.500', cause: 'boom' })]);
  });

  it('fails with ApiGateway.<exception> when the call gets no status', async () => {
    const refused = async (): Promise<ApiGatewayResponse> => {
      throw new ApiGatewayCallError('ECONNREFUSED', 'GET https://x: connect ECONNREFUSED');
    };
    await router(refused).dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }));
    expect(inbox.sent).toEqual([expect.objectContaining({ error: 'ApiGateway.ECONNREFUSED' })]);
  });

  it('throws any other transport error, so that the message is redelivered', async () => {
    const broken = async (): Promise<ApiGatewayResponse> => {
      throw new Error('credentials could not be read');
    };
    await expect(router(broken).dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }))).rejects.toThrow(
      'credentials could not be read',
    );
    expect(inbox.sent).toEqual([]);
  });

  it('locally, an API Gateway host needs a mocked result, and the cause says so', async () => {
    const local = router(undefined, {
      reaches: (url) => !url.hostname.endsWith('.amazonaws.com'),
      mocks: true,
    });
    await local.dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }));
    expect(calls).toEqual([]);
    expect(inbox.sent).toEqual([
      expect.objectContaining({
        error: NOT_MOCKED_ERROR,
        cause: expect.stringMatching(
          new RegExp(
            `needs API Gateway \\(${ENDPOINT.replace(/\./g, '\\.')}\\), which is not available locally.*state 'Call API'.*a mocks file`,
          ),
        ),
      }),
    ]);
  });

  it('with no transport, fails with States.TaskFailed naming API Gateway', async () => {
    const bare = new TaskRouter({
      transports: { workers: { has: () => false, send: async () => undefined } },
      inbox,
    });
    await bare.dispatch(task({ ApiEndpoint: ENDPOINT, Method: 'GET' }));
    expect(inbox.sent).toEqual([
      expect.objectContaining({
        error: 'States.TaskFailed',
        cause: expect.stringContaining('needs API Gateway'),
      }),
    ]);
  });
});

describe('executeApiHost', () => {
  it('reads the API and region of an API Gateway host, and nothing of any other', () => {
    expect(executeApiHost(ENDPOINT)).toEqual({ apiId: 'a1b2c3d4e5', region: 'eu-west-1' });
    expect(executeApiHost('abc.execute-api.cn-north-1.amazonaws.com.cn')).toEqual({
      apiId: 'abc',
      region: 'cn-north-1',
    });
    expect(executeApiHost('api.example.com')).toBeUndefined();
    expect(executeApiHost('127.0.0.1')).toBeUndefined();
  });
});
