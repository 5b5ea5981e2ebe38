/**
 * `arn:aws:states:::apigateway:invoke[.waitForTaskToken]`: what Step Functions defines about its
 * optimized API Gateway integration, as pure functions the task router uses (AWS documentation,
 * "Create API Gateway REST APIs with Step Functions"; executions recorded against AWS in LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json):
 *
 * - the request: `ApiEndpoint` (the API's host, `<api-id>.execute-api.<region>.amazonaws.com`) and
 *   `Method` required; `Stage`, `Path`, `Headers` and `QueryParameters` (each name with a list of
 *   values), `RequestBody` (JSON or text, PATCH, POST and PUT only, sent as JSON: a text body is sent
 *   as a JSON string, as the recorded executions show), `AllowNullValues` (default false: fields
 *   whose value is null are left out of the body) and `AuthType` (`NO_AUTH`, `IAM_ROLE`,
 *   `RESOURCE_POLICY`); the headers Step Functions refuses are refused;
 * - the result: `{ Headers, ResponseBody, StatusCode, StatusText }`, each header with its list of
 *   values, the body parsed when it is JSON;
 * - the errors: a status other than 2XX fails the task with `ApiGateway.<status>` and the response
 *   body as the cause; a call that got no status, with `ApiGateway.<exception>`.
 */
import { isJsonObject, type Json, type JsonObject } from '../engine/json.js';

export { executeApiHost } from '../contract/execute-api-host.js';

/** The HTTP methods the integration takes. */
export const API_GATEWAY_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** How the call is authenticated. */
export const API_GATEWAY_AUTH_TYPES = ['NO_AUTH', 'IAM_ROLE', 'RESOURCE_POLICY'] as const;

export type ApiGatewayAuthType = (typeof API_GATEWAY_AUTH_TYPES)[number];

/** The methods that carry `RequestBody`. */
const BODY_METHODS: ReadonlySet<string> = new Set(['PATCH', 'POST', 'PUT']);

/** The request headers Step Functions does not permit (compared without case), and the prefixes. */
const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set(
  [
    'Authorization',
    'Connection',
    'Content-md5',
    'Expect',
    'Host',
    'Max-Forwards',
    'Proxy-Authenticate',
    'Server',
    'TE',
    'Transfer-Encoding',
    'Trailer',
    'Upgrade',
    'Via',
    'Www-Authenticate',
  ].map((name) => name.toLowerCase()),
);
const FORBIDDEN_HEADER_PREFIXES = ['x-forwarded', 'x-amz', 'x-amzn'];

/** One call, built from the task's parameters. */
export interface ApiGatewayRequest {
  readonly method: (typeof API_GATEWAY_METHODS)[number];
  /** `https://<ApiEndpoint>/<Stage>/<Path>?<QueryParameters>`. */
  readonly url: URL;
  /** Header name -> its values, as the task gives them. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** JSON text, sent with `Content-Type: application/json`. */
  readonly body?: string;
  readonly authType: ApiGatewayAuthType;
}

/** The HTTP response to a call. */
export interface ApiGatewayResponse {
  readonly statusCode: number;
  /** The reason phrase (`OK`, `Not Found`). */
  readonly statusText: string;
  /** Header name (as the server spelled it) -> its values. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
}

/** `apigateway:invoke` calls. */
export interface ApiGatewayTransport {
  /**
   * Makes the call and resolves with any response, whatever its status. Rejects with
   * {@link ApiGatewayCallError} when the call got no response (the task fails), with anything else
   * when a redelivery may succeed (credentials that could not be read).
   */
  invoke(request: ApiGatewayRequest): Promise<ApiGatewayResponse>;
  /** Whether this wiring can reach the URL (locally, not API Gateway itself). @default true */
  reaches?(url: URL): boolean;
}

/** A call that got no HTTP response: the task fails with `ApiGateway.<code>`. */
export class ApiGatewayCallError extends Error {
  override readonly name = 'ApiGatewayCallError';
  /** @param code what went wrong, e.g. `ECONNREFUSED`, `ENOTFOUND`, `Timeout` */
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A parameter of an `apigateway:invoke` task that is missing or malformed. */
export class ApiGatewayParameterError extends Error {
  override readonly name = 'ApiGatewayParameterError';
}

/**
 * The call a task's parameters ask for. `ApiEndpoint` is a host (as Step Functions takes it, called
 * over HTTPS) or, for an endpoint that is not API Gateway (a local server), a URL with its scheme.
 * Throws {@link ApiGatewayParameterError} naming the bad parameter.
 */
export function apiGatewayRequest(params: JsonObject): ApiGatewayRequest {
  const endpoint = params.ApiEndpoint;
  if (typeof endpoint !== 'string' || endpoint.length === 0)
    throw new ApiGatewayParameterError(
      'ApiEndpoint must be a non-empty string (<api-id>.execute-api.<region>.amazonaws.com)',
    );
  const method = API_GATEWAY_METHODS.find((known) => known === params.Method);
  if (method === undefined)
    throw new ApiGatewayParameterError(`Method must be one of ${API_GATEWAY_METHODS.join(', ')}`);
  const authType = params.AuthType ?? 'NO_AUTH';
  const auth = API_GATEWAY_AUTH_TYPES.find((known) => known === authType);
  if (auth === undefined)
    throw new ApiGatewayParameterError(`AuthType must be one of ${API_GATEWAY_AUTH_TYPES.join(', ')}`);
  const url = endpointUrl(endpoint);
  const segments = [optionalText(params, 'Stage'), optionalText(params, 'Path')]
    .filter((part): part is string => part !== undefined)
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${segments.join('/')}`;
  for (const [name, values] of Object.entries(valueLists(params, 'QueryParameters')))
    for (const value of values) url.searchParams.append(name, value);
  const headers = valueLists(params, 'Headers');
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower) || FORBIDDEN_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix)))
      throw new ApiGatewayParameterError(`The 'Headers' field contains unsupported values: ${name}`);
  }
  const body = params.RequestBody;
  if (body === undefined || body === null) return { method, url, headers, authType: auth };
  if (!BODY_METHODS.has(method))
    throw new ApiGatewayParameterError(
      `RequestBody is only supported for PATCH, POST and PUT, not ${method}`,
    );
  const allowNullValues = params.AllowNullValues ?? false;
  if (typeof allowNullValues !== 'boolean')
    throw new ApiGatewayParameterError('AllowNullValues must be a boolean');
  const sent = allowNullValues ? body : withoutNulls(body);
  return {
    method,
    url,
    headers: { ...headers, 'Content-Type': ['application/json'] },
    body: JSON.stringify(sent),
    authType: auth,
  };
}

/** The task's result for a response with a 2XX status. */
export function apiGatewayResult(response: ApiGatewayResponse): JsonObject {
  return {
    Headers: Object.fromEntries(
      Object.entries(response.headers).map(([name, values]) => [name, [...values]]),
    ),
    ResponseBody: responseBody(response.body),
    StatusCode: response.statusCode,
    StatusText: response.statusText,
  };
}

/** How a response fails the task: any status other than 2XX, the body as the cause. */
export function apiGatewayFailure(
  response: ApiGatewayResponse,
): { readonly error: string; readonly cause: string } | undefined {
  if (response.statusCode >= 200 && response.statusCode < 300) return undefined;
  return { error: `ApiGateway.${response.statusCode}`, cause: response.body };
}

/** A host as Step Functions takes it (HTTPS), or a URL with its scheme. */
function endpointUrl(endpoint: string): URL {
  const text = /^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ApiGatewayParameterError(
      `ApiEndpoint '${endpoint}' is not a host name (<api-id>.execute-api.<region>.amazonaws.com)`,
    );
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw new ApiGatewayParameterError(
      `ApiEndpoint '${endpoint}' must be a host (give the stage, path and query in Stage, Path and QueryParameters)`,
    );
  return url;
}

function optionalText(params: JsonObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiGatewayParameterError(`${name} must be a string`);
  return value;
}

/** `Headers` or `QueryParameters`: each name with a list of text values. */
function valueLists(params: JsonObject, name: string): Record<string, string[]> {
  const value = params[name];
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value))
    throw new ApiGatewayParameterError(`${name} must be an object of names to lists of values`);
  const lists: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(value)) {
    if (!Array.isArray(values) || !values.every((item) => typeof item === 'string'))
      throw new ApiGatewayParameterError(`${name}.${key} must be a list of strings, e.g. ["value"]`);
    lists[key] = values as string[];
  }
  return lists;
}

/** A body without the object fields whose value is null, at any depth. */
function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  const object: JsonObject = {};
  for (const [name, field] of Object.entries(value)) if (field !== null) object[name] = withoutNulls(field);
  return object;
}

/** A response body: parsed when it is JSON, else the text. */
function responseBody(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch {
    return body;
  }
}
