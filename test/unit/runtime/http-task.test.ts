/**
 * The HTTP Task's request, result and errors, as "Call HTTPS APIs in Step Functions workflows"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html) defines them:
 * `ApiEndpoint`, `Method`, `Authentication.ConnectionArn`, `Headers`, `QueryParameters`,
 * `RequestBody`, `Transform.RequestBodyEncoding` (NONE, URL_ENCODED) with
 * `RequestEncodingOptions.ArrayFormat` (BRACKETS, COMMAS, INDICES the default, REPEAT, with the
 * documentation's `array` examples); the result `{ Headers, ResponseBody, StatusCode, StatusText }`;
 * a status other than 2xx fails with `States.Http.StatusCode.<status>`. LocalStack has no HTTP
 * Task (no state_task_service_http.py, no http snapshot under tests/aws/services/stepfunctions/v2/),
 * so nothing AWS-recorded is compared here.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../lambdas/engine/json.js';
import {
  awsConnectionResolver,
  buildHttpRequest,
  connectionCredentials,
  httpTaskResult,
  httpTaskTransport,
  parseHttpTaskParameters,
  urlEncodedBody,
  type ConnectionCredentials,
  type HttpRequest,
  type HttpResponse,
} from '../../../lambdas/runtime/http-task.js';
import {
  AwsServiceError,
  IntegrationCallError,
  type AwsSdkTransport,
} from '../../../lambdas/runtime/task-router.js';

const ARN = 'arn:aws:events:us-east-2:123456789012:connection/Stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac';
const NONE = { headers: [], query: [], body: [] };
const apiKey: ConnectionCredentials = {
  authorization: { type: 'API_KEY', name: 'x-api-key', value: 'k-1' },
  invocationParameters: NONE,
};

const task = (extra: JsonObject = {}): JsonObject => ({
  ApiEndpoint: 'https://api.example.com/v1/customers',
  Method: 'POST',
  Authentication: { ConnectionArn: ARN },
  ...extra,
});

function thrown(run: () => unknown): IntegrationCallError {
  try {
    run();
  } catch (error) {
    if (error instanceof IntegrationCallError) return error;
    throw error;
  }
  throw new Error('nothing thrown');
}

describe('URL_ENCODED bodies', () => {
  const body = { array: ['a', 'b', 'c', 'd'] };
  it('writes arrays as each ArrayFormat says (the documentation examples)', () => {
    expect(urlEncodedBody(body, 'BRACKETS')).toBe('array[]=a&array[]=b&array[]=c&array[]=d');
    expect(urlEncodedBody(body, 'COMMAS')).toBe('array=a,b,c,d');
    expect(urlEncodedBody(body, 'INDICES')).toBe('array[0]=a&array[1]=b&array[2]=c&array[3]=d');
    expect(urlEncodedBody(body, 'REPEAT')).toBe('array=a&array=b&array=c&array=d');
  });

  it('percent-encodes names and values, nests objects, and writes scalars as text', () => {
    expect(
      urlEncodedBody({ 'first name': 'Jo & Al', n: 2, ok: true, none: null, a: { b: 'c' } }, 'INDICES'),
    ).toBe('first%20name=Jo%20%26%20Al&n=2&ok=true&none=&a[b]=c');
  });
});

describe('buildHttpRequest', () => {
  it('sends a JSON body as JSON, with the query, the key header and the User-Agent Step Functions sends', () => {
    const request = buildHttpRequest(
      parseHttpTaskParameters(
        task({
          Headers: { 'X-Trace': 'abc' },
          QueryParameters: { limit: 10, tag: ['a', 'b'], q: 'x y' },
          RequestBody: { name: 'Ada' },
        }),
      ),
      apiKey,
      { region: 'us-east-2' },
    );
    expect(request).toEqual({
      url: 'https://api.example.com/v1/customers?limit=10&tag=a&tag=b&q=x+y',
      method: 'POST',
      headers: {
        'x-trace': 'abc',
        'x-api-key': 'k-1',
        'user-agent': 'Amazon|StepFunctions|HttpInvoke|us-east-2',
        range: 'bytes=0-262144',
        'content-type': 'application/json; charset=UTF-8',
      },
      body: '{"name":"Ada"}',
    });
  });

  it('sends URL_ENCODED bodies as a form, INDICES unless ArrayFormat says otherwise', () => {
    const form = (transform: JsonObject) =>
      buildHttpRequest(
        parseHttpTaskParameters(task({ RequestBody: { ids: [1, 2] }, Transform: transform })),
        apiKey,
      );
    const indices = form({ RequestBodyEncoding: 'URL_ENCODED' });
    expect(indices.body).toBe('ids[0]=1&ids[1]=2');
    expect(indices.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(
      form({ RequestBodyEncoding: 'URL_ENCODED', RequestEncodingOptions: { ArrayFormat: 'REPEAT' } }).body,
    ).toBe('ids=1&ids=2');
    // NONE: the body is JSON, whatever the array format.
    expect(form({ RequestBodyEncoding: 'NONE' }).body).toBe('{"ids":[1,2]}');
  });

  it("adds the connection's invocation parameters: headers, query string, and body fields", () => {
    const request = buildHttpRequest(
      parseHttpTaskParameters(task({ RequestBody: { a: 1 } })),
      {
        authorization: { type: 'BASIC', username: 'u', password: 'p' },
        invocationParameters: {
          headers: [{ key: 'X-Tenant', value: 't-1' }],
          query: [{ key: 'api-version', value: '2' }],
          body: [{ key: 'source', value: 'baton' }],
        },
      },
      { authorization: 'Basic dTpw' },
    );
    expect(request.url).toBe('https://api.example.com/v1/customers?api-version=2');
    expect(request.headers['x-tenant']).toBe('t-1');
    expect(request.headers.authorization).toBe('Basic dTpw');
    expect(JSON.parse(request.body ?? '')).toEqual({ a: 1, source: 'baton' });
  });

  it('sends a text body as it is, and no body when there is none', () => {
    const text = buildHttpRequest(
      parseHttpTaskParameters(task({ RequestBody: 'plain', Headers: { 'Content-Type': 'text/plain' } })),
      apiKey,
    );
    expect(text.body).toBe('plain');
    expect(text.headers['content-type']).toBe('text/plain');
    expect(buildHttpRequest(parseHttpTaskParameters(task({ Method: 'PUT' })), apiKey)).not.toHaveProperty(
      'body',
    );
    // GET and HEAD send none, whatever the task gives.
    const get = buildHttpRequest(
      parseHttpTaskParameters(task({ Method: 'get', RequestBody: { a: 1 } })),
      apiKey,
    );
    expect(get.method).toBe('GET');
    expect(get).not.toHaveProperty('body');
    expect(get.headers).not.toHaveProperty('content-type');
  });

  it('refuses headers the connection or the transport sets', () => {
    expect(
      thrown(() =>
        buildHttpRequest(parseHttpTaskParameters(task({ Headers: { Authorization: 'x' } })), apiKey),
      ).message,
    ).toMatch(/Headers\.Authorization cannot be set/);
    expect(
      thrown(() =>
        buildHttpRequest(parseHttpTaskParameters(task({ Headers: { 'X-Amz-Date': 'x' } })), apiKey),
      ).error,
    ).toBe('States.TaskFailed');
  });
});

describe('parseHttpTaskParameters', () => {
  it.each([
    [{ ApiEndpoint: 'ftp://x' }, /ApiEndpoint must be an http\(s\) URL/],
    [{ Method: 'TRACE' }, /Method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD/],
    [
      { Authentication: { ConnectionArn: 'arn:aws:events:us-east-2:123456789012:rule/x' } },
      /ConnectionArn must be an EventBridge connection ARN/,
    ],
    [{ Authentication: undefined }, /ConnectionArn/],
    [{ Transform: { RequestBodyEncoding: 'BASE64' } }, /RequestBodyEncoding must be NONE or URL_ENCODED/],
    [
      { Transform: { RequestEncodingOptions: { ArrayFormat: 'DEFAULT' } } },
      /ArrayFormat must be one of BRACKETS, COMMAS, INDICES, REPEAT/,
    ],
    [
      { Transform: { RequestBodyEncoding: 'URL_ENCODED' }, RequestBody: 'a=1' },
      /RequestBody must be a JSON object/,
    ],
    [{ QueryParameters: { a: { b: 1 } } }, /QueryParameters\.a must be a string/],
  ])('refuses %j as States.TaskFailed naming the field', (extra, message) => {
    const params = task(extra as JsonObject);
    if ('Authentication' in extra && extra.Authentication === undefined) delete params.Authentication;
    const error = thrown(() => parseHttpTaskParameters(params));
    expect(error.error).toBe('States.TaskFailed');
    expect(error.message).toMatch(/^Invalid parameters for arn:aws:states:::http:invoke: /);
    expect(error.message).toMatch(message);
  });
});

describe('httpTaskResult', () => {
  it('gives Headers (each a list), ResponseBody (parsed JSON), StatusCode and StatusText', () => {
    expect(
      httpTaskResult({
        status: 200,
        statusText: 'OK',
        headers: [
          ['content-type', 'application/json'],
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ],
        body: '{"data":[1]}',
      }),
    ).toEqual({
      Headers: { 'content-type': ['application/json'], 'set-cookie': ['a=1', 'b=2'] },
      ResponseBody: { data: [1] },
      StatusCode: 200,
      StatusText: 'OK',
    });
  });

  it('keeps a body that is not JSON as text', () => {
    const result = httpTaskResult({
      status: 200,
      statusText: 'OK',
      headers: [['content-type', 'text/html']],
      body: '<p>',
    });
    expect(result.ResponseBody).toBe('<p>');
  });
});

describe('httpTaskTransport', () => {
  const answering = (response: HttpResponse) => {
    const sent: HttpRequest[] = [];
    return {
      sent,
      http: { send: async (request: HttpRequest) => (sent.push(request), response) },
    };
  };
  const connections = { credentials: async () => apiKey };

  it('fails with States.Http.StatusCode.<status> and the result as the cause', async () => {
    const { http } = answering({
      status: 404,
      statusText: 'Not Found',
      headers: [['content-type', 'application/json']],
      body: '{"error":"no such customer"}',
    });
    const error = await httpTaskTransport({ http, connections })
      .invoke(task())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrationCallError);
    expect((error as IntegrationCallError).error).toBe('States.Http.StatusCode.404');
    expect(JSON.parse((error as IntegrationCallError).message)).toEqual({
      Headers: { 'content-type': ['application/json'] },
      ResponseBody: { error: 'no such customer' },
      StatusCode: 404,
      StatusText: 'Not Found',
    });
  });

  it('fails with States.Http.Socket when no response comes, the query (which may hold secrets) left out', async () => {
    const http = {
      send: async () => Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
    };
    const error = (await httpTaskTransport({ http, connections })
      .invoke(task({ QueryParameters: { token: 'secret' } }))
      .catch((e: unknown) => e)) as IntegrationCallError;
    expect(error.error).toBe('States.Http.Socket');
    expect(error.message).toBe(
      'POST https://api.example.com/v1/customers got no response: fetch failed: ECONNREFUSED',
    );
  });
});

describe('connections read from EventBridge and Secrets Manager', () => {
  it('reads the authorization type from DescribeConnection and the secrets from its secret, caching both', async () => {
    const calls: string[] = [];
    const awsSdk: AwsSdkTransport = {
      call: async (service, action, request): Promise<JsonObject> => {
        calls.push(`${service}:${action}:${JSON.stringify(request)}`);
        if (action === 'describeConnection') {
          return {
            ConnectionState: 'AUTHORIZED',
            AuthorizationType: 'API_KEY',
            SecretArn:
              'arn:aws:secretsmanager:us-east-2:123456789012:secret:events!connection/Stripe/abc-XyZ',
            AuthParameters: {
              ApiKeyAuthParameters: { ApiKeyName: 'x-api-key' },
              InvocationHttpParameters: {
                HeaderParameters: [
                  { Key: 'X-Secret', IsValueSecret: true },
                  { Key: 'X-Plain', Value: 'p', IsValueSecret: false },
                ],
              },
            },
          };
        }
        return {
          SecretString: JSON.stringify({
            api_key_name: 'x-api-key',
            api_key_value: 'k-2',
            invocation_http_parameters: {
              header_parameters: [{ key: 'X-Secret', value: 's', is_value_secret: true }],
            },
          }),
        };
      },
    };
    let now = 0;
    const resolver = awsConnectionResolver({ awsSdk, now: () => now, maxAgeMs: 1000 });
    const credentials = await resolver.credentials(ARN);
    expect(credentials).toEqual({
      authorization: { type: 'API_KEY', name: 'x-api-key', value: 'k-2' },
      invocationParameters: {
        headers: [
          { key: 'X-Plain', value: 'p' },
          { key: 'X-Secret', value: 's' },
        ],
        query: [],
        body: [],
      },
    });
    expect(calls).toEqual([
      'eventbridge:describeConnection:{"Name":"Stripe"}',
      'secretsmanager:getSecretValue:{"SecretId":"arn:aws:secretsmanager:us-east-2:123456789012:secret:events!connection/Stripe/abc-XyZ"}',
    ]);
    await resolver.credentials(ARN);
    expect(calls).toHaveLength(2);
    now = 1000;
    await resolver.credentials(ARN);
    expect(calls).toHaveLength(4);
  });

  it('fails with Events.ConnectionResource.InvalidConnectionState when the connection cannot be read or used', async () => {
    const missing: AwsSdkTransport = {
      call: async () => {
        throw new AwsServiceError({
          serviceId: 'EventBridge',
          code: 'ResourceNotFoundException',
          message: 'Failed to describe the connection(s).',
        });
      },
    };
    const error = (await awsConnectionResolver({ awsSdk: missing, hint: 'declare a mock' })
      .credentials(ARN)
      .catch((e: unknown) => e)) as IntegrationCallError;
    expect(error.error).toBe('Events.ConnectionResource.InvalidConnectionState');
    expect(error.message).toBe(
      `The connection could not be read: Failed to describe the connection(s). (connection ${ARN}): declare a mock`,
    );
    const deauthorized: AwsSdkTransport = {
      call: async () => ({ ConnectionState: 'DEAUTHORIZED', AuthorizationType: 'BASIC' }),
    };
    const refused = (await awsConnectionResolver({ awsSdk: deauthorized })
      .credentials(ARN)
      .catch((e: unknown) => e)) as IntegrationCallError;
    expect(refused.message).toMatch(/The connection is DEAUTHORIZED, not AUTHORIZED/);
  });

  it("takes CreateConnection's AuthParameters with their secrets (as given locally)", () => {
    const fail = (message: string) => new Error(message);
    expect(
      connectionCredentials(
        {
          AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
          AuthParameters: {
            OAuthParameters: {
              AuthorizationEndpoint: 'https://auth.example.com/token',
              HttpMethod: 'POST',
              ClientParameters: { ClientID: 'id', ClientSecret: 'secret' },
              OAuthHttpParameters: { BodyParameters: [{ Key: 'scope', Value: 'read' }] },
            },
          },
        },
        {},
        fail,
      ).authorization,
    ).toEqual({
      type: 'OAUTH_CLIENT_CREDENTIALS',
      authorizationEndpoint: 'https://auth.example.com/token',
      httpMethod: 'POST',
      clientId: 'id',
      clientSecret: 'secret',
      oauthParameters: { headers: [], query: [], body: [{ key: 'scope', value: 'read' }] },
    });
    expect(() => connectionCredentials({ AuthorizationType: 'BASIC', AuthParameters: {} }, {}, fail)).toThrow(
      'The Basic connection has no username or password',
    );
  });
});
