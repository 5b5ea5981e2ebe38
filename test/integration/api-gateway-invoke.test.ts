/**
 * `arn:aws:states:::apigateway:invoke[.waitForTaskToken]` through the loop, with the transport the
 * orchestrator Lambda uses (Node's HTTP client, SigV4 by the AWS SDK's signer) against a small HTTP
 * server on 127.0.0.1 that the test starts and stops. Shapes and error names as Step Functions gives
 * them (AWS documentation, "Create API Gateway REST APIs with Step Functions"; LocalStack's
 * AWS-recorded tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiGatewayTransport } from '../../lambdas/aws/api-gateway-transport.js';
import { InProcessDomain } from '../../testing/in-process-domain.js';

let server: Server;
let endpoint: string;
let received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url?.includes('id_funcinvalid')) {
        response.writeHead(403, [['Content-Type', 'application/json']]);
        response.end('{"message":"Missing Authentication Token"}');
        return;
      }
      response.writeHead(200, [
        ['Content-Type', 'application/json'],
        ['x-amzn-RequestId', 'req-1'],
      ]);
      response.end(body === '' ? '{}' : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  received = [];
});

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

function domain() {
  return new InProcessDomain({ apiGateway: apiGatewayTransport({ credentials, region: 'eu-west-1' }) });
}

const invoke = (
  resource: string,
  parameters: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  StartAt: 'ApiGatewayInvoke',
  States: {
    ApiGatewayInvoke: { Type: 'Task', Resource: resource, Parameters: parameters, End: true, ...extra },
  },
});

async function run(d: InProcessDomain, definition: object, input: object = {}) {
  await d.deploy('Api', definition as never);
  d.start('Api', input as never, 'a-1');
  await d.runUntilIdle();
  return (await d.store.load('Api:a-1'))?.execution;
}

describe('apigateway:invoke', () => {
  it('calls the API, signed with IAM_ROLE, and ends with { Headers, ResponseBody, StatusCode, StatusText }', async () => {
    const d = domain();
    const execution = await run(
      d,
      invoke('arn:aws:states:::apigateway:invoke', {
        'ApiEndpoint.$': '$.endpoint',
        Method: 'POST',
        Stage: 'sfn-apigw-api',
        Path: 'id_func',
        QueryParameters: { param1: ['Hello'], param2: ['World'] },
        RequestBody: { message: ['Hello', 'World!'], dropped: null },
        AuthType: 'IAM_ROLE',
      }),
      { endpoint },
    );
    d.dispose();
    expect(execution?.status).toBe('SUCCEEDED');
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.url).toBe('/sfn-apigw-api/id_func?param1=Hello&param2=World');
    expect(received[0]?.headers.authorization).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    expect(received[0]?.body).toBe('{"message":["Hello","World!"]}');
    expect(execution?.output).toEqual({
      Headers: expect.objectContaining({
        'Content-Type': ['application/json'],
        'x-amzn-RequestId': ['req-1'],
      }),
      ResponseBody: { message: ['Hello', 'World!'] },
      StatusCode: 200,
      StatusText: 'OK',
    });
  });

  it('fails with ApiGateway.403 and the response body as the cause, which Catch matches (test_invoke_error)', async () => {
    const d = domain();
    const definition = {
      StartAt: 'ApiGatewayInvoke',
      States: {
        ApiGatewayInvoke: {
          Type: 'Task',
          Resource: 'arn:aws:states:::apigateway:invoke',
          Parameters: {
            'ApiEndpoint.$': '$.endpoint',
            Method: 'POST',
            Stage: 'sfn-apigw-api',
            Path: 'id_funcinvalid',
            RequestBody: 'HelloWorld',
          },
          Catch: [{ ErrorEquals: ['ApiGateway.403'], ResultPath: '$.error', Next: 'Denied' }],
          End: true,
        },
        Denied: { Type: 'Pass', End: true },
      },
    };
    const execution = await run(d, definition, { endpoint });
    d.dispose();
    expect(received[0]?.body).toBe('"HelloWorld"');
    expect(execution?.status).toBe('SUCCEEDED');
    expect((execution?.output as { error: unknown }).error).toEqual({
      Error: 'ApiGateway.403',
      Cause: '{"message":"Missing Authentication Token"}',
    });
  });

  it('fails with ApiGateway.ECONNREFUSED when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const d = domain();
    const execution = await run(
      d,
      invoke('arn:aws:states:::apigateway:invoke', {
        ApiEndpoint: `http://127.0.0.1:${port}`,
        Method: 'GET',
      }),
    );
    d.dispose();
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('ApiGateway.ECONNREFUSED');
  });

  it('.waitForTaskToken: the API gets $$.Task.Token, and the task ends with what is sent back with it', async () => {
    const d = domain();
    // As the documentation's example: the token in a header.
    await d.deploy(
      'Api',
      invoke('arn:aws:states:::apigateway:invoke.waitForTaskToken', {
        'ApiEndpoint.$': '$.endpoint',
        Method: 'POST',
        Stage: 'prod',
        Path: 'bills/add',
        Headers: { 'TaskToken.$': 'States.Array($$.Task.Token)' },
        RequestBody: { billId: 'my-new-bill' },
        AuthType: 'IAM_ROLE',
      }) as never,
    );
    d.start('Api', { endpoint }, 'a-1');
    await d.runVisible();
    expect((await d.store.load('Api:a-1'))?.execution.status).toBe('RUNNING');
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toBe('{"billId":"my-new-bill"}');
    const token = received[0]?.headers.tasktoken;
    expect(token).toEqual(expect.any(String));
    d.send({ kind: 'TaskSucceeded', taskToken: token as string, output: { added: true } });
    await d.runVisible();
    const ended = (await d.store.load('Api:a-1'))?.execution;
    d.dispose();
    expect(ended?.status).toBe('SUCCEEDED');
    expect(ended?.output).toEqual({ added: true });
  });

  it('locally, API Gateway itself is out of reach: the task fails saying so', async () => {
    const d = new InProcessDomain({ apiGateway: apiGatewayTransport({ credentials, local: true }) });
    const execution = await run(
      d,
      invoke('arn:aws:states:::apigateway:invoke', {
        ApiEndpoint: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
        Method: 'GET',
      }),
    );
    d.dispose();
    expect(received).toEqual([]);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('States.TaskFailed');
    expect(execution?.cause).toContain(
      'needs API Gateway (a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com), which is not available',
    );
  });
});
