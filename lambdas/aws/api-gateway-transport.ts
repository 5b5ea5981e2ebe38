/**
 * The task router's API Gateway transport: `arn:aws:states:::apigateway:invoke` calls made over
 * HTTP(S) with Node's own client, which keeps the response's header names as the server spelled
 * them (`Content-Type`, `x-amzn-RequestId`), as Step Functions' result does. `IAM_ROLE` and
 * `RESOURCE_POLICY` calls are signed with Signature Version 4 for `execute-api` by the AWS SDK's
 * own signer, with the orchestrator's credentials (the SDK's default chain: on Lambda, its role),
 * in the region of the API's host. Step Functions signs `RESOURCE_POLICY` calls as itself; Baton
 * signs them as the orchestrator's role, so the API's resource policy must allow that role.
 *
 * A call that gets no response (a refused connection, an unknown host, no answer within the
 * timeout) rejects with {@link ApiGatewayCallError}, which fails the task with
 * `ApiGateway.<code>`; credentials that cannot be read reject with the SDK's error, so that the
 * message is redelivered.
 */
import { STATUS_CODES, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { executeApiHost } from '../contract/execute-api-host.js';
import {
  ApiGatewayCallError,
  type ApiGatewayRequest,
  type ApiGatewayResponse,
  type ApiGatewayTransport,
} from '../runtime/api-gateway-invoke.js';

/** Options of {@link apiGatewayTransport}. */
export interface ApiGatewayTransportOptions {
  /** The credentials signed calls use. @default the AWS SDK's default chain */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** The region of a signed call to a host that does not name one. @default `AWS_REGION` */
  readonly region?: string;
  /**
   * Locally (`baton dev`): only endpoints given as a URL are called (a local server), never API
   * Gateway itself, and nothing is signed. @default false
   */
  readonly local?: boolean;
  /** How long a call may take before it fails with `ApiGateway.Timeout`, ms. @default 60000 */
  readonly timeoutMs?: number;
  /** The clock of signatures. @default the system clock */
  readonly now?: () => Date;
}

/** The API Gateway transport. */
export function apiGatewayTransport(options: ApiGatewayTransportOptions = {}): ApiGatewayTransport {
  const credentials = options.credentials ?? defaultProvider();
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    invoke: async (request) => {
      const headers = await signedHeaders(request, options, credentials);
      return send(request, headers, timeoutMs);
    },
    // Locally API Gateway (and any AWS host) is out of reach: such tasks need a mocked result.
    ...(options.local && { reaches: (url: URL) => !url.hostname.toLowerCase().endsWith('.amazonaws.com') }),
  };
}

/**
 * The request's headers, one value each (a header's values joined with `, `, as HTTP allows), with
 * the Signature Version 4 headers added when the call is signed.
 */
export async function signedHeaders(
  request: ApiGatewayRequest,
  options: Pick<ApiGatewayTransportOptions, 'region' | 'local' | 'now'>,
  credentials: AwsCredentialIdentityProvider,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { host: request.url.host };
  for (const [name, values] of Object.entries(request.headers)) headers[name] = values.join(', ');
  if (request.authType === 'NO_AUTH' || options.local) return headers;
  const region = executeApiHost(request.url.hostname)?.region ?? options.region ?? process.env.AWS_REGION;
  if (region === undefined)
    throw new ApiGatewayCallError(
      'SigningError',
      `no region to sign the call to ${request.url.host} in: set AWS_REGION`,
    );
  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Sha256 });
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(request.url.searchParams.keys())) {
    const values = request.url.searchParams.getAll(name);
    query[name] = values.length === 1 ? (values[0] as string) : values;
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port !== '' && { port: Number(request.url.port) }),
      path: request.url.pathname,
      query,
      headers,
      ...(request.body !== undefined && { body: request.body }),
    },
    options.now ? { signingDate: options.now() } : {},
  );
  return signed.headers;
}

/** Sends the call and reads the whole response. */
function send(
  request: ApiGatewayRequest,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<ApiGatewayResponse> {
  const call = request.url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const outgoing = call(
      request.url,
      {
        method: request.method,
        headers: {
          ...headers,
          ...(request.body !== undefined && { 'content-length': String(Buffer.byteLength(request.body)) }),
        },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(callError(error, request)));
        response.on('end', () =>
          resolve({
            statusCode: response.statusCode ?? 0,
            statusText: response.statusMessage || (STATUS_CODES[response.statusCode ?? 0] ?? ''),
            headers: headerLists(response),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(
        new ApiGatewayCallError('Timeout', `${request.url.host} did not answer within ${timeoutMs} ms`),
      ),
    );
    outgoing.on('error', (error) => reject(callError(error, request)));
    outgoing.end(request.body);
  });
}

/** Each response header with its values, named as the server spelled it first. */
function headerLists(response: IncomingMessage): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  const names = new Map<string, string>();
  const raw = response.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] as string;
    const spelled = names.get(name.toLowerCase()) ?? name;
    names.set(name.toLowerCase(), spelled);
    (lists[spelled] ??= []).push(raw[index + 1] as string);
  }
  return lists;
}

function callError(error: Error, request: ApiGatewayRequest): ApiGatewayCallError {
  if (error instanceof ApiGatewayCallError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? error.name;
  return new ApiGatewayCallError(code, `${request.method} ${request.url.origin}: ${error.message}`, {
    cause: error,
  });
}
