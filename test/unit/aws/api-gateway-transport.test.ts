/**
 * The API Gateway transport's signing and HTTP call. Signing is the AWS SDK's own SigV4 signer
 * (`@smithy/signature-v4` with the SDK's SHA-256, `@smithy/core/checksum`): first checked against
 * the `get-vanilla` case of AWS's Signature Version 4 test suite (AWS General Reference, "Signature
 * Version 4 test suite": AKIDEXAMPLE, 20150830T123600Z, us-east-1, service `service`), then as the
 * transport uses it: `execute-api` in the region of the API's host, the session token sent, nothing
 * signed for NO_AUTH or locally. The HTTP call goes to a server on 127.0.0.1 that the test starts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayTransport, signedHeaders } from '../../../lambdas/aws/api-gateway-transport.js';
import { ApiGatewayCallError, apiGatewayRequest } from '../../../lambdas/runtime/api-gateway-invoke.js';

const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
});
const SIGNED_AT = new Date('2015-08-30T12:36:00Z');
const ENDPOINT = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';

describe('signing', () => {
  it("the SDK's signer with the SDK's SHA-256 gives the get-vanilla signature of the SigV4 test suite", async () => {
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      region: 'us-east-1',
      service: 'service',
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: SIGNED_AT },
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs IAM_ROLE and RESOURCE_POLICY calls for execute-api in the region of the host', async () => {
    for (const AuthType of ['IAM_ROLE', 'RESOURCE_POLICY']) {
      const request = apiGatewayRequest({
        ApiEndpoint: ENDPOINT,
        Method: 'POST',
        Stage: 'prod',
        Path: 'bills',
        QueryParameters: { id: ['1', '2'] },
        Headers: { key: ['value1', 'value2'] },
        RequestBody: { billId: 'b-1' },
        AuthType,
      });
      const headers = await signedHeaders(request, { now: () => SIGNED_AT }, credentials);
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;key;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
      );
      expect(headers['x-amz-date']).toBe('20150830T123600Z');
      expect(headers['x-amz-security-token']).toBe('session-token');
      expect(headers.key).toBe('value1, value2');
      expect(headers.host).toBe(ENDPOINT);
    }
  });

  it('the signature covers the body and the query: changing either changes it', async () => {
    const sign = async (params: Record<string, unknown>) =>
      (
        await signedHeaders(
          apiGatewayRequest({
            ApiEndpoint: ENDPOINT,
            Method: 'POST',
            AuthType: 'IAM_ROLE',
            ...params,
          } as never),
          { now: () => SIGNED_AT },
          credentials,
        )
      ).authorization;
    const base = await sign({ RequestBody: { a: 1 }, QueryParameters: { q: ['1'] } });
    expect(await sign({ RequestBody: { a: 2 }, QueryParameters: { q: ['1'] } })).not.toBe(base);
    expect(await sign({ RequestBody: { a: 1 }, QueryParameters: { q: ['2'] } })).not.toBe(base);
    expect(await sign({ RequestBody: { a: 1 }, QueryParameters: { q: ['1'] } })).toBe(base);
  });

  it('signs nothing for NO_AUTH, or locally', async () => {
    const request = (AuthType: string) =>
      apiGatewayRequest({ ApiEndpoint: ENDPOINT, Method: 'GET', AuthType });
    expect((await signedHeaders(request('NO_AUTH'), {}, credentials)).authorization).toBeUndefined();
    expect(
      (await signedHeaders(request('IAM_ROLE'), { local: true }, credentials)).authorization,
    ).toBeUndefined();
  });

  it('needs a region for a host that names none', async () => {
    const request = apiGatewayRequest({
      ApiEndpoint: 'http://127.0.0.1:1',
      Method: 'GET',
      AuthType: 'IAM_ROLE',
    });
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      await expect(signedHeaders(request, {}, credentials)).rejects.toThrow(
        /no region to sign the call to 127\.0\.0\.1:1/,
      );
      const headers = await signedHeaders(request, { region: 'eu-central-1' }, credentials);
      expect(headers.authorization).toContain('/eu-central-1/execute-api/aws4_request');
    } finally {
      if (saved !== undefined) process.env.AWS_REGION = saved;
    }
  });
});

describe('the HTTP call', () => {
  let server: Server;
  let base: string;
  const received: { request: IncomingMessage; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ request, body });
        response.writeHead(request.url?.startsWith('/missing') ? 404 : 200, [
          ['Content-Type', 'application/json'],
          ['X-Custom', 'a'],
          ['x-custom', 'b'],
        ]);
        response.end(JSON.stringify({ echoed: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the request and reads the status, the headers as spelled, each with its values, and the body', async () => {
    const transport = apiGatewayTransport({ credentials, region: 'eu-west-1' });
    const response = await transport.invoke(
      apiGatewayRequest({
        ApiEndpoint: base,
        Method: 'PUT',
        Stage: 'prod',
        Path: 'bills/1',
        Headers: { 'X-Request': ['r-1'] },
        RequestBody: 'HelloWorld',
        AuthType: 'IAM_ROLE',
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.headers['Content-Type']).toEqual(['application/json']);
    expect(response.headers['X-Custom']).toEqual(['a', 'b']);
    expect(JSON.parse(response.body)).toEqual({ echoed: '"HelloWorld"' });
    const { request } = received.at(-1) as { request: IncomingMessage };
    expect(request.method).toBe('PUT');
    expect(request.url).toBe('/prod/bills/1');
    expect(request.headers['x-request']).toBe('r-1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
  });

  it('gives an error status as a response (the router names the failure)', async () => {
    const transport = apiGatewayTransport({ credentials });
    const response = await transport.invoke(
      apiGatewayRequest({ ApiEndpoint: base, Method: 'GET', Path: 'missing' }),
    );
    expect(response.statusCode).toBe(404);
    expect(response.statusText).toBe('Not Found');
  });

  it('rejects with ApiGatewayCallError and the error code when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const transport = apiGatewayTransport({ credentials });
    const call = transport.invoke(
      apiGatewayRequest({ ApiEndpoint: `http://127.0.0.1:${port}`, Method: 'GET' }),
    );
    await expect(call).rejects.toBeInstanceOf(ApiGatewayCallError);
    await expect(call).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('locally reaches a local URL, and not API Gateway', () => {
    const local = apiGatewayTransport({ credentials, local: true });
    expect(local.reaches?.(new URL(base))).toBe(true);
    expect(local.reaches?.(new URL(`https://${ENDPOINT}`))).toBe(false);
    expect(apiGatewayTransport({ credentials }).reaches).toBeUndefined();
  });
});
