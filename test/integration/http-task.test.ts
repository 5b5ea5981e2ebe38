/**
 * HTTP Tasks (`arn:aws:states:::http:invoke`) through the loop, against a real HTTP server on
 * 127.0.0.1 that the test starts and stops: the request as the API gets it, with the connection's
 * API key, Basic credentials or OAuth client-credentials token (from a fake token endpoint, fetched
 * once and again after it expires); the result `{ Headers, ResponseBody, StatusCode, StatusText }`;
 * a 4xx caught as `States.Http.StatusCode.<status>`. Shapes and names from "Call HTTPS APIs in Step
 * Functions workflows" (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lambdas/engine/json.js';
import type { AwsSdkTransport } from '../../lambdas/runtime/task-router.js';
import { InProcessDomain } from '../../testing/in-process-domain.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let base = '';
const received: Received[] = [];
let tokensIssued = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url === '/oauth/token') {
        const expected = `Basic ${Buffer.from('client-1:s3cret').toString('base64')}`;
        if (request.headers.authorization !== expected || !body.includes('grant_type=client_credentials')) {
          response.writeHead(401).end();
          return;
        }
        tokensIssued += 1;
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ access_token: `token-${tokensIssued}`, token_type: 'Bearer', expires_in: 3600 }),
          );
        return;
      }
      if (request.url?.startsWith('/missing')) {
        response
          .writeHead(404, 'Not Found', { 'content-type': 'application/json' })
          .end('{"message":"no such order"}');
        return;
      }
      response
        .writeHead(200, 'OK', { 'content-type': 'application/json', 'x-request-id': 'r-1' })
        .end(JSON.stringify({ ok: true, path: request.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  received.length = 0;
  tokensIssued = 0;
});

const connection = (name: string) =>
  `arn:aws:events:us-east-1:123456789012:connection/${name}/0d4e6b1c-aaaa-bbbb-cccc-123456789012`;

const call = (name: string, parameters: JsonObject, extra: JsonObject = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::http:invoke',
  Parameters: { Authentication: { ConnectionArn: connection(name) }, ...parameters },
  ...extra,
});

async function run(
  definition: object,
  options: ConstructorParameters<typeof InProcessDomain>[0],
  input: JsonObject = {},
) {
  const d = new InProcessDomain(options);
  await d.deploy('Http', definition as never);
  d.start('Http', input, 'h-1');
  await d.runUntilIdle();
  const execution = (await d.store.load('Http:h-1'))?.execution;
  d.dispose();
  return execution;
}

describe('http:invoke', () => {
  it('calls the API with the API key of a connection read from EventBridge and Secrets Manager', async () => {
    const reads: string[] = [];
    const awsSdk: AwsSdkTransport = {
      call: async (service, action): Promise<JsonObject> => {
        reads.push(`${service}:${action}`);
        return action === 'describeConnection'
          ? {
              ConnectionState: 'AUTHORIZED',
              AuthorizationType: 'API_KEY',
              SecretArn:
                'arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/Orders/x-AbCdEf',
              AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key' } },
            }
          : { SecretString: JSON.stringify({ api_key_name: 'x-api-key', api_key_value: 'key-123' }) };
      },
    };
    const execution = await run(
      {
        StartAt: 'Create',
        States: {
          Create: call(
            'Orders',
            {
              ApiEndpoint: `${base}/orders`,
              Method: 'POST',
              'Headers.$': '$.headers',
              QueryParameters: { dryRun: 'false' },
              'RequestBody.$': '$.order',
            },
            { End: true },
          ),
        },
      },
      { awsSdk },
      { headers: { 'X-Client': 'baton' }, order: { sku: 'A-1', quantity: 2 } },
    );
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toEqual({
      Headers: expect.objectContaining({ 'content-type': ['application/json'], 'x-request-id': ['r-1'] }),
      ResponseBody: { ok: true, path: '/orders?dryRun=false' },
      StatusCode: 200,
      StatusText: 'OK',
    });
    expect(reads).toEqual(['eventbridge:describeConnection', 'secretsmanager:getSecretValue']);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.headers['x-api-key']).toBe('key-123');
    expect(request?.headers['x-client']).toBe('baton');
    expect(request?.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(request?.body ?? '')).toEqual({ sku: 'A-1', quantity: 2 });
  });

  it('sends Basic credentials and a URL_ENCODED form, and a 404 is caught as States.Http.StatusCode.404', async () => {
    const execution = await run(
      {
        StartAt: 'Form',
        States: {
          Form: call(
            'Forms',
            {
              ApiEndpoint: `${base}/forms`,
              Method: 'PUT',
              RequestBody: { tags: ['a', 'b'], name: 'Ada Lovelace' },
              Transform: {
                RequestBodyEncoding: 'URL_ENCODED',
                RequestEncodingOptions: { ArrayFormat: 'BRACKETS' },
              },
            },
            { ResultPath: '$.form', Next: 'Missing' },
          ),
          Missing: call(
            'Forms',
            { ApiEndpoint: `${base}/missing/7`, Method: 'GET' },
            {
              Catch: [{ ErrorEquals: ['States.Http.StatusCode.404'], ResultPath: '$.error', Next: 'Done' }],
              End: true,
            },
          ),
          Done: { Type: 'Pass', End: true },
        },
      },
      {
        connections: {
          [connection('Forms')]: {
            AuthorizationType: 'BASIC',
            AuthParameters: { BasicAuthParameters: { Username: 'ada', Password: 'p@ss' } },
          },
        },
      },
    );
    expect(execution?.status).toBe('SUCCEEDED');
    const [form, missing] = received;
    expect(form?.method).toBe('PUT');
    expect(form?.headers.authorization).toBe(`Basic ${Buffer.from('ada:p@ss').toString('base64')}`);
    expect(form?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form?.body).toBe('tags[]=a&tags[]=b&name=Ada%20Lovelace');
    expect(missing?.method).toBe('GET');
    const output = execution?.output as JsonObject;
    const error = output.error as JsonObject;
    expect(error.Error).toBe('States.Http.StatusCode.404');
    expect(JSON.parse(error.Cause as string)).toMatchObject({
      ResponseBody: { message: 'no such order' },
      StatusCode: 404,
      StatusText: 'Not Found',
    });
  });

  it('fetches an OAuth client-credentials token once, uses it until it expires, then fetches another', async () => {
    const get = (next?: string) =>
      call(
        'Api',
        { ApiEndpoint: `${base}/items`, Method: 'GET' },
        next ? { ResultPath: null, Next: next } : { End: true },
      );
    const execution = await run(
      {
        StartAt: 'First',
        States: {
          First: get('Second'),
          Second: get('Later'),
          // Past the token's expires_in (3600 s).
          Later: { Type: 'Wait', Seconds: 3600, Next: 'Third' },
          Third: get(),
        },
      },
      {
        connections: {
          [connection('Api')]: {
            AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
            AuthParameters: {
              OAuthParameters: {
                AuthorizationEndpoint: `${base}/oauth/token`,
                HttpMethod: 'POST',
                ClientParameters: { ClientID: 'client-1', ClientSecret: 's3cret' },
                OAuthHttpParameters: { BodyParameters: [{ Key: 'scope', Value: 'items:read' }] },
              },
              InvocationHttpParameters: { QueryStringParameters: [{ Key: 'api-version', Value: '2' }] },
            },
          },
        },
      },
    );
    expect(execution?.status).toBe('SUCCEEDED');
    expect(
      received.map((request) => `${request.method} ${request.url} ${request.headers.authorization ?? ''}`),
    ).toEqual([
      `POST /oauth/token Basic ${Buffer.from('client-1:s3cret').toString('base64')}`,
      'GET /items?api-version=2 Bearer token-1',
      'GET /items?api-version=2 Bearer token-1',
      `POST /oauth/token Basic ${Buffer.from('client-1:s3cret').toString('base64')}`,
      'GET /items?api-version=2 Bearer token-2',
    ]);
    expect(received[0]?.body).toBe('scope=items%3Aread&grant_type=client_credentials');
  });

  it('fails with Events.ConnectionResource.InvalidConnectionState, saying how to declare a connection, when none is known', async () => {
    const execution = await run(
      {
        StartAt: 'Call',
        States: { Call: call('Unknown', { ApiEndpoint: `${base}/x`, Method: 'GET' }, { End: true }) },
      },
      {},
    );
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('Events.ConnectionResource.InvalidConnectionState');
    expect(execution?.cause).toMatch(
      /No connection arn:aws:events:.*connection\/Unknown\/.* is declared: declare it in InProcessDomain's connections option/,
    );
    expect(received).toHaveLength(0);
  });
});
