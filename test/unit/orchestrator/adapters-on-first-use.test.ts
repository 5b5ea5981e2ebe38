import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bundledJsonata } from '../../../lambdas/engine/jsonata/bundled-jsonata.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '../../../lambdas/engine/json.js';
import { apiGatewayRequest } from '../../../lambdas/runtime/api-gateway-invoke.js';
import type { AwsSdkTransport } from '../../../lambdas/runtime/task-router.js';
import {
  apiGatewayOnFirstUse,
  httpOnFirstUse,
  jsonataOnFirstUse,
  lambdaInvokeOnFirstUse,
  onFirstUse,
  s3PayloadsOnFirstUse,
  tracerOnFirstUse,
  type CaptureClient,
  type ClientCapturer,
} from '../../../lambdas/orchestrator/adapters-on-first-use.js';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);

/** A capture function that records the clients it is given. */
function recordingCapture(): { readonly capture: CaptureClient; readonly captured: object[] } {
  const captured: object[] = [];
  return {
    captured,
    capture: (client) => {
      captured.push(client);
      return client;
    },
  };
}

beforeEach(() => {
  s3.reset();
  lambda.reset();
});

describe('onFirstUse', () => {
  it('makes nothing until called, then the same value on every call', async () => {
    let made = 0;
    const value = onFirstUse(async () => ({ made: ++made }));
    expect(made).toBe(0);
    const [first, second] = await Promise.all([value(), value()]);
    expect(first).toBe(second);
    expect(await value()).toBe(first);
    expect(made).toBe(1);
  });

  it('tries again after a failed make instead of keeping the failure', async () => {
    let attempts = 0;
    const value = onFirstUse(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('module not found');
      return 'loaded';
    });
    await expect(value()).rejects.toThrow('module not found');
    await expect(value()).resolves.toBe('loaded');
    expect(attempts).toBe(2);
  });
});

describe('s3PayloadsOnFirstUse', () => {
  it('makes the S3 client at the first put, not before, and captures it once for every bucket', async () => {
    s3.on(PutObjectCommand).resolves({});
    const { capture, captured } = recordingCapture();
    const payloadsIn = s3PayloadsOnFirstUse(capture);
    const first = payloadsIn('payloads-a');
    const second = payloadsIn('payloads-b');
    expect(captured).toEqual([]);

    await first.put('executions/e1/1', Uint8Array.from([1]));
    await second.put('executions/e2/1', Uint8Array.from([2]));

    expect(captured).toHaveLength(1);
    expect(captured[0]).toBeInstanceOf(S3Client);
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Bucket)).toEqual([
      'payloads-a',
      'payloads-b',
    ]);
  });

  it('reads back through the same store', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: { transformToByteArray: async () => Uint8Array.from([7, 8]) } as never,
    });
    const store = s3PayloadsOnFirstUse(recordingCapture().capture)('payloads');
    expect(Array.from(await store.get('executions/e1/1'))).toEqual([7, 8]);
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'payloads',
      Key: 'executions/e1/1',
    });
  });
});

describe('lambdaInvokeOnFirstUse', () => {
  it('makes the Lambda client at the first invocation, not before, and invokes with it', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, $metadata: { httpStatusCode: 200 } });
    const { capture, captured } = recordingCapture();
    const transport = lambdaInvokeOnFirstUse(capture);
    expect(captured).toEqual([]);

    const response = await transport.invoke({ FunctionName: 'ship-order', Payload: '{}' });
    await transport.invoke({ FunctionName: 'ship-order', Payload: '{}' });

    expect(response).toEqual(expect.objectContaining({ StatusCode: 200 }));
    expect(captured).toHaveLength(1);
    expect(captured[0]).toBeInstanceOf(LambdaClient);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });
});

describe('jsonataOnFirstUse', () => {
  it('loads the bundled jsonata library, once', async () => {
    const jsonata = jsonataOnFirstUse();
    expect(await jsonata()).toBe(bundledJsonata);
    expect(await jsonata()).toBe(bundledJsonata);
  });
});

describe('tracerOnFirstUse', () => {
  /** A tracer that records the clients it captures. */
  function recordingTracer(): ClientCapturer & { readonly captured: object[] } {
    const captured: object[] = [];
    return {
      captured,
      captureAWSv3Client: (client) => {
        captured.push(client);
        return client;
      },
    };
  }

  it('loads nothing until asked, then captures the clients made before, in order, and later ones at once', async () => {
    const tracer = recordingTracer();
    let loads = 0;
    const tracing = tracerOnFirstUse(async () => (loads++, tracer));
    const before = [{ name: 'dynamodb' }, { name: 'sqs' }];
    for (const client of before) expect(tracing.capture(client)).toBe(client);
    expect(loads).toBe(0);
    expect(tracer.captured).toEqual([]);

    const [first, second] = await Promise.all([tracing.load(), tracing.load()]);
    expect(first).toBe(tracer);
    expect(second).toBe(tracer);
    expect(loads).toBe(1);
    expect(tracer.captured).toEqual(before);

    const later = { name: 's3' };
    tracing.capture(later);
    expect(tracer.captured).toEqual([...before, later]);
  });

  it('keeps the clients for the next load when one fails', async () => {
    const tracer = recordingTracer();
    let attempts = 0;
    const tracing = tracerOnFirstUse(async () => {
      if (++attempts === 1) throw new Error('chunk not found');
      return tracer;
    });
    const client = { name: 'sqs' };
    tracing.capture(client);
    await expect(tracing.load()).rejects.toThrow('chunk not found');
    await tracing.load();
    expect(tracer.captured).toEqual([client]);
  });
});

describe('apiGatewayOnFirstUse', () => {
  it('loads the transport on the first call, which reaches the endpoint', async () => {
    const server = createServer((_request, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const transport = apiGatewayOnFirstUse();
      expect(transport.reaches).toBeUndefined();
      const port = (server.address() as AddressInfo).port;
      const response = await transport.invoke(
        apiGatewayRequest({ ApiEndpoint: `http://127.0.0.1:${port}`, Method: 'GET' }),
      );
      expect([response.statusCode, response.body]).toEqual([200, '{"ok":true}']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('under baton dev, tells without loading anything that API Gateway hosts are out of reach', () => {
    const local = apiGatewayOnFirstUse(true);
    expect(local.reaches?.(new URL('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com'))).toBe(false);
    expect(local.reaches?.(new URL('http://127.0.0.1:3000'))).toBe(true);
  });
});

describe('httpOnFirstUse', () => {
  const ARN = 'arn:aws:events:us-east-1:123456789012:connection/Api/0f0e0d0c-1111-2222-3333-444455556666';

  /** A server on 127.0.0.1 that records the headers it gets; `use` runs with its base URL. */
  async function withServer(use: (base: string, headers: IncomingHttpHeaders[]) => Promise<void>) {
    const headers: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      headers.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('reads the connection through the AWS SDK transport on the first task, not before', async () => {
    const reads: string[] = [];
    const awsSdk: AwsSdkTransport = {
      call: async (service, action): Promise<JsonObject> => {
        reads.push(`${service}:${action}`);
        return action === 'describeConnection'
          ? { AuthorizationType: 'BASIC', ConnectionState: 'AUTHORIZED', SecretArn: 'arn:secret' }
          : { SecretString: JSON.stringify({ username: 'u', password: 'p' }) };
      },
    };
    const http = httpOnFirstUse(awsSdk);
    expect(reads).toEqual([]);
    await withServer(async (base, headers) => {
      const result = await http.invoke({
        ApiEndpoint: `${base}/x`,
        Method: 'GET',
        Authentication: { ConnectionArn: ARN },
      });
      expect(result).toMatchObject({ StatusCode: 200, ResponseBody: { ok: true } });
      expect(headers[0]?.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    });
    expect(reads).toEqual(['eventbridge:describeConnection', 'secretsmanager:getSecretValue']);
  });

  it('locally (baton dev), takes the declared connections and reads nothing through AWS', async () => {
    const awsSdk: AwsSdkTransport = {
      call: async () => {
        throw new Error('no AWS call expected');
      },
    };
    const http = httpOnFirstUse(awsSdk, {
      connections: {
        [ARN]: {
          AuthorizationType: 'API_KEY',
          AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-key', ApiKeyValue: 'v' } },
        },
      },
      hint: 'declare it in the mocks file',
    });
    await withServer(async (base, headers) => {
      await http.invoke({ ApiEndpoint: `${base}/x`, Method: 'GET', Authentication: { ConnectionArn: ARN } });
      expect(headers[0]?.['x-key']).toBe('v');
      await expect(
        http.invoke({
          ApiEndpoint: `${base}/x`,
          Method: 'GET',
          Authentication: { ConnectionArn: ARN.replace('/Api/', '/Other/') },
        }),
      ).rejects.toThrow(/is declared: declare it in the mocks file$/);
    });
  });
});
