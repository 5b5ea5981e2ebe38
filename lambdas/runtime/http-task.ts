/**
 * The HTTP Task (`arn:aws:states:::http:invoke`), as Step Functions defines it ("Call HTTPS APIs in
 * Step Functions workflows", https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html):
 * the request built from `ApiEndpoint`, `Method`, `Headers`, `QueryParameters`, `RequestBody` and
 * `Transform` (a JSON body sent as JSON, or with `RequestBodyEncoding: URL_ENCODED` as a form, its
 * arrays written as `RequestEncodingOptions.ArrayFormat` says), the authorization and parameters of
 * the EventBridge connection `Authentication.ConnectionArn` names (API key, Basic, or an OAuth
 * client-credentials token fetched and kept until it expires), and the result
 * `{ Headers, ResponseBody, StatusCode, StatusText }`; a response whose status is not 2xx fails the
 * task with `States.Http.StatusCode.<status>`.
 *
 * Loaded on first use by the orchestrator Lambda (its own chunk, not in the init bundle): the task
 * router imports only its types. The HTTP call itself is `fetch` (Node 20 and 22).
 */
import { StatesErrors } from '../engine/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../engine/json.js';
import { CONNECTION_ARN } from '../contract/connection-arn.js';
import { AwsServiceError, IntegrationCallError, type AwsSdkTransport } from './task-router.js';

/** The resource of the HTTP Task. */
export const HTTP_INVOKE_RESOURCE = 'arn:aws:states:::http:invoke';

/** The methods Step Functions' HTTP Task accepts. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

/** How `URL_ENCODED` writes an array: `a[]=1&a[]=2`, `a=1,2`, `a[0]=1&a[1]=2` (the default), `a=1&a=2`. */
export const ARRAY_FORMATS = ['BRACKETS', 'COMMAS', 'INDICES', 'REPEAT'] as const;
export type ArrayFormat = (typeof ARRAY_FORMATS)[number];

/** One request as the HTTP transport sends it. */
export interface HttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One response as the HTTP transport received it (any status). */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  /** Header name (as the transport gives it) and value, in order, repeated names kept. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

/** Sends HTTP requests. Rejects only when no response came (a refused connection, a timeout). */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** A key/value parameter of a connection (`InvocationHttpParameters`, `OAuthHttpParameters`). */
export interface ConnectionParameter {
  readonly key: string;
  readonly value: string;
}

/** The extra headers, query string and body parameters a connection adds. */
export interface ConnectionHttpParameters {
  readonly headers: readonly ConnectionParameter[];
  readonly query: readonly ConnectionParameter[];
  readonly body: readonly ConnectionParameter[];
}

/** What a connection authorizes with: EventBridge's three authorization types, secrets included. */
export type ConnectionAuthorization =
  | { readonly type: 'API_KEY'; readonly name: string; readonly value: string }
  | { readonly type: 'BASIC'; readonly username: string; readonly password: string }
  | {
      readonly type: 'OAUTH_CLIENT_CREDENTIALS';
      readonly authorizationEndpoint: string;
      readonly httpMethod: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly oauthParameters: ConnectionHttpParameters;
    };

/** A connection, resolved: its authorization and the parameters it adds to each call. */
export interface ConnectionCredentials {
  readonly authorization: ConnectionAuthorization;
  readonly invocationParameters: ConnectionHttpParameters;
}

/** Finds a connection's credentials. Rejects with IntegrationCallError when it cannot, for good. */
export interface ConnectionResolver {
  credentials(connectionArn: string): Promise<ConnectionCredentials>;
}

/** Performs HTTP Tasks: what the task router's `http` transport is. */
export interface HttpTaskTransport {
  /**
   * Calls the API the task's parameters describe and resolves with the task's result; rejects with
   * IntegrationCallError for a failed task (bad parameters, a non-2xx status, an unusable
   * connection) and with anything else when a redelivery may succeed.
   */
  invoke(parameters: JsonObject): Promise<JsonObject>;
}

/** The error of a task whose connection cannot be used (unreadable, not authorized, refused by its OAuth endpoint). */
export const CONNECTION_ERROR = 'Events.ConnectionResource.InvalidConnectionState';

/** The error of a request that got no response (refused, reset, or no answer within 60 seconds). */
export const SOCKET_ERROR = 'States.Http.Socket';

/** The HTTP Task's parameters, checked. */
export interface HttpTaskParameters {
  readonly apiEndpoint: string;
  readonly method: string;
  readonly connectionArn: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly queryParameters: readonly (readonly [string, string])[];
  readonly requestBody?: Json;
  readonly bodyEncoding: 'NONE' | 'URL_ENCODED';
  readonly arrayFormat: ArrayFormat;
}

/** A parameter the HTTP Task does not accept: the task fails with States.TaskFailed. */
function invalid(message: string): IntegrationCallError {
  return new IntegrationCallError(
    StatesErrors.TaskFailed,
    `Invalid parameters for ${HTTP_INVOKE_RESOURCE}: ${message}`,
  );
}

/** Checks the task's parameters (JSONPath Parameters or JSONata Arguments). */
export function parseHttpTaskParameters(params: JsonObject): HttpTaskParameters {
  const apiEndpoint = params.ApiEndpoint;
  if (typeof apiEndpoint !== 'string' || !/^https?:\/\/[^/]/i.test(apiEndpoint))
    throw invalid('ApiEndpoint must be an http(s) URL');
  const method = params.Method;
  if (typeof method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(method.toUpperCase()))
    throw invalid(`Method must be one of ${HTTP_METHODS.join(', ')}`);
  const authentication = params.Authentication;
  const connectionArn = isJsonObject(authentication) ? authentication.ConnectionArn : undefined;
  if (typeof connectionArn !== 'string' || !CONNECTION_ARN.test(connectionArn))
    throw invalid(
      'Authentication.ConnectionArn must be an EventBridge connection ARN ' +
        '(arn:aws:events:<region>:<account>:connection/<name>/<id>)',
    );
  const headers: Record<string, string> = {};
  if (params.Headers !== undefined && params.Headers !== null) {
    if (!isJsonObject(params.Headers)) throw invalid('Headers must be an object');
    for (const [name, value] of Object.entries(params.Headers))
      headers[name] = scalarText(value, `Headers.${name}`);
  }
  const queryParameters: [string, string][] = [];
  if (params.QueryParameters !== undefined && params.QueryParameters !== null) {
    if (!isJsonObject(params.QueryParameters)) throw invalid('QueryParameters must be an object');
    for (const [name, value] of Object.entries(params.QueryParameters)) {
      const values = Array.isArray(value) ? value : [value];
      values.forEach((item, index) =>
        queryParameters.push([
          name,
          scalarText(item, `QueryParameters.${name}${Array.isArray(value) ? `[${index}]` : ''}`),
        ]),
      );
    }
  }
  const transform = params.Transform;
  if (transform !== undefined && transform !== null && !isJsonObject(transform))
    throw invalid('Transform must be an object');
  const encoding = isJsonObject(transform) ? (transform.RequestBodyEncoding ?? 'NONE') : 'NONE';
  if (encoding !== 'NONE' && encoding !== 'URL_ENCODED')
    throw invalid('Transform.RequestBodyEncoding must be NONE or URL_ENCODED');
  const options = isJsonObject(transform) ? transform.RequestEncodingOptions : undefined;
  const format = isJsonObject(options) ? (options.ArrayFormat ?? 'INDICES') : 'INDICES';
  const arrayFormat = ARRAY_FORMATS.find((known) => known === format);
  if (arrayFormat === undefined)
    throw invalid(`Transform.RequestEncodingOptions.ArrayFormat must be one of ${ARRAY_FORMATS.join(', ')}`);
  const requestBody = params.RequestBody;
  if (encoding === 'URL_ENCODED' && requestBody !== undefined && !isJsonObject(requestBody))
    throw invalid('RequestBody must be a JSON object when Transform.RequestBodyEncoding is URL_ENCODED');
  return {
    apiEndpoint,
    method: method.toUpperCase(),
    connectionArn,
    headers,
    queryParameters,
    ...(requestBody !== undefined && requestBody !== null ? { requestBody } : {}),
    bodyEncoding: encoding,
    arrayFormat,
  };
}

function scalarText(value: Json | undefined, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid(`${where} must be a string, a number or a boolean`);
}

/**
 * A JSON object as an `application/x-www-form-urlencoded` body: nested objects as `a[b]=1`, arrays
 * as `format` says (BRACKETS `a[]=1&a[]=2`, COMMAS `a=1,2`, INDICES `a[0]=1&a[1]=2`, REPEAT
 * `a=1&a=2`, the examples of the HTTP Task's documentation), null as an empty value. Names and
 * values are percent-encoded, the brackets Baton adds left as they are.
 */
export function urlEncodedBody(body: JsonObject, format: ArrayFormat): string {
  const pairs: string[] = [];
  const add = (name: string, value: string): void => {
    pairs.push(`${name}=${encodeURIComponent(value)}`);
  };
  const visit = (name: string, value: Json): void => {
    if (value === null) return add(name, '');
    if (Array.isArray(value)) {
      if (format === 'COMMAS' && value.every((item) => !isJsonObject(item) && !Array.isArray(item))) {
        pairs.push(
          `${name}=${value.map((item) => encodeURIComponent(item === null ? '' : String(item))).join(',')}`,
        );
        return;
      }
      value.forEach((item, index) =>
        visit(format === 'INDICES' ? `${name}[${index}]` : format === 'BRACKETS' ? `${name}[]` : name, item),
      );
      return;
    }
    if (isJsonObject(value)) {
      for (const [key, item] of Object.entries(value)) visit(`${name}[${encodeURIComponent(key)}]`, item);
      return;
    }
    add(name, String(value));
  };
  for (const [key, value] of Object.entries(body)) visit(encodeURIComponent(key), value);
  return pairs.join('&');
}

/** The headers a task may not set: those of the transport and of the connection's authorization. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'authorization',
  'connection',
  'transfer-encoding',
]);
const RESERVED_HEADER_PREFIXES = ['x-amz', 'x-forwarded'];

/** Options of {@link buildHttpRequest}. */
export interface BuildOptions {
  /** The `Authorization` header of the connection (Basic, or an OAuth bearer token). */
  readonly authorization?: string;
  /** The region in Step Functions' `User-Agent` (`Amazon|StepFunctions|HttpInvoke|<region>`). */
  readonly region?: string;
}

/**
 * The request of an HTTP Task: the task's headers and query parameters with the connection's
 * added (the connection's win on a clash, as its authorization must), the body as JSON text
 * (`Content-Type: application/json` unless the task sets one), a form (`URL_ENCODED`), or text as
 * it is; the connection's body parameters are added to a JSON object or form body.
 */
export function buildHttpRequest(
  task: HttpTaskParameters,
  connection: ConnectionCredentials,
  options: BuildOptions = {},
): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(task.headers)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower) || RESERVED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix)))
      throw invalid(`Headers.${name} cannot be set by the task`);
    headers[lower] = value;
  }
  for (const { key, value } of connection.invocationParameters.headers) headers[key.toLowerCase()] = value;
  const { authorization } = connection;
  if (authorization.type === 'API_KEY') headers[authorization.name.toLowerCase()] = authorization.value;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  headers['user-agent'] = `Amazon|StepFunctions|HttpInvoke|${options.region ?? 'local'}`;
  headers.range = 'bytes=0-262144';

  const url = new URL(task.apiEndpoint);
  for (const [name, value] of task.queryParameters) url.searchParams.append(name, value);
  for (const { key, value } of connection.invocationParameters.query) url.searchParams.append(key, value);

  let body: string | undefined;
  // GET and HEAD carry no body (fetch refuses one): the task's and the connection's are left out.
  const hasBody = task.method !== 'GET' && task.method !== 'HEAD';
  const extra = hasBody ? connection.invocationParameters.body : [];
  const withExtra = (object: JsonObject): JsonObject => {
    const merged: Record<string, Json> = { ...object };
    for (const { key, value } of extra) merged[key] = value;
    return merged;
  };
  if (!hasBody) {
    // nothing to send
  } else if (task.bodyEncoding === 'URL_ENCODED') {
    body = urlEncodedBody(
      withExtra(isJsonObject(task.requestBody) ? task.requestBody : {}),
      task.arrayFormat,
    );
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (typeof task.requestBody === 'string') {
    body = task.requestBody;
  } else if (task.requestBody !== undefined || extra.length > 0) {
    const json =
      isJsonObject(task.requestBody) || task.requestBody === undefined
        ? withExtra(task.requestBody ?? {})
        : task.requestBody;
    body = JSON.stringify(json);
    headers['content-type'] ??= 'application/json; charset=UTF-8';
  }
  return { url: url.toString(), method: task.method, headers, ...(body !== undefined ? { body } : {}) };
}

/**
 * The task's result: the response headers (each name with its values, as a list), the body (parsed
 * when it is JSON, text otherwise), the status code and text.
 */
export function httpTaskResult(response: HttpResponse): JsonObject {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of response.headers) (headers[name] ??= []).push(value);
  let body: Json = response.body;
  const contentType = response.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (/json/i.test(contentType) && response.body.length > 0) {
    try {
      body = JSON.parse(response.body) as Json;
    } catch {
      body = response.body;
    }
  }
  return {
    Headers: headers,
    ResponseBody: body,
    StatusCode: response.status,
    StatusText: response.statusText,
  };
}

/** The failure of a response whose status is not 2xx: `States.Http.StatusCode.<status>`, the result as cause. */
export function httpStatusFailure(result: JsonObject): IntegrationCallError {
  return new IntegrationCallError(
    `States.Http.StatusCode.${String(result.StatusCode)}`,
    JSON.stringify(result),
  );
}

/** A URL without its query, which may hold a connection's secret parameters. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Options of {@link httpTaskTransport}. */
export interface HttpTaskTransportOptions {
  readonly http: HttpTransport;
  readonly connections: ConnectionResolver;
  /** For the `User-Agent` Step Functions sends. @default process.env.AWS_REGION, else 'local' */
  readonly region?: string;
  /** For OAuth tokens' expiry. @default Date.now */
  readonly now?: () => number;
}

/** An OAuth token is used until this long before it expires, ms. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;
/** How long a token whose response gives no `expires_in` is used, ms. */
const TOKEN_DEFAULT_LIFETIME_MS = 5 * 60_000;

/** Performs HTTP Tasks with `http`, the connections' credentials from `connections`. */
export function httpTaskTransport(options: HttpTaskTransportOptions): HttpTaskTransport {
  const now = options.now ?? Date.now;
  const region = options.region ?? process.env.AWS_REGION;
  const tokens = new Map<string, { readonly token: string; readonly expiresAt: number }>();
  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    try {
      return await options.http.send(request);
    } catch (error) {
      if (error instanceof IntegrationCallError) throw error;
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? `${error.message}: ${error.cause.message}`
            : error.message
          : String(error);
      throw new IntegrationCallError(
        SOCKET_ERROR,
        `${request.method} ${withoutQuery(request.url)} got no response: ${reason}`,
        { cause: error },
      );
    }
  };

  const oauthToken = async (
    connectionArn: string,
    auth: Extract<ConnectionAuthorization, { type: 'OAUTH_CLIENT_CREDENTIALS' }>,
  ): Promise<string> => {
    const cacheKey = `${connectionArn}\n${auth.clientId}\n${auth.authorizationEndpoint}`;
    const cached = tokens.get(cacheKey);
    if (cached && cached.expiresAt > now()) return cached.token;
    const url = new URL(auth.authorizationEndpoint);
    for (const { key, value } of auth.oauthParameters.query) url.searchParams.append(key, value);
    const headers: Record<string, string> = {};
    for (const { key, value } of auth.oauthParameters.headers) headers[key.toLowerCase()] = value;
    headers.authorization = `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`;
    const form = new URLSearchParams();
    for (const { key, value } of auth.oauthParameters.body) form.append(key, value);
    if (!form.has('grant_type')) form.append('grant_type', 'client_credentials');
    const method = auth.httpMethod.toUpperCase();
    if (method === 'GET') for (const [key, value] of form) url.searchParams.append(key, value);
    else headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await send({
      url: url.toString(),
      method,
      headers,
      ...(method === 'GET' ? {} : { body: form.toString() }),
    });
    let answer: unknown;
    try {
      answer = JSON.parse(response.body);
    } catch {
      answer = undefined;
    }
    const token = isJsonObject(answer as Json) ? (answer as JsonObject).access_token : undefined;
    if (response.status < 200 || response.status > 299 || typeof token !== 'string' || token.length === 0) {
      throw new IntegrationCallError(
        CONNECTION_ERROR,
        `The OAuth authorization endpoint of ${connectionArn} (${auth.authorizationEndpoint}) answered ` +
          `${response.status} ${response.statusText} without an access_token: ${response.body.slice(0, 1000)}`,
      );
    }
    const expiresIn = (answer as JsonObject).expires_in;
    const lifetime =
      typeof expiresIn === 'number' && expiresIn > 0
        ? expiresIn * 1000 - TOKEN_EXPIRY_MARGIN_MS
        : TOKEN_DEFAULT_LIFETIME_MS;
    tokens.set(cacheKey, { token, expiresAt: now() + Math.max(lifetime, 0) });
    return token;
  };

  return {
    invoke: async (params) => {
      const task = parseHttpTaskParameters(params);
      const connection = await options.connections.credentials(task.connectionArn);
      const { authorization } = connection;
      const header =
        authorization.type === 'BASIC'
          ? `Basic ${Buffer.from(`${authorization.username}:${authorization.password}`).toString('base64')}`
          : authorization.type === 'OAUTH_CLIENT_CREDENTIALS'
            ? `Bearer ${await oauthToken(task.connectionArn, authorization)}`
            : undefined;
      const request = buildHttpRequest(task, connection, {
        ...(header !== undefined ? { authorization: header } : {}),
        ...(region !== undefined ? { region } : {}),
      });
      const result = httpTaskResult(await send(request));
      const status = result.StatusCode as number;
      if (status < 200 || status > 299) throw httpStatusFailure(result);
      return result;
    },
  };
}

/** HTTP over `fetch`: redirects are not followed (the task's result is the response it got). */
export function fetchHttpTransport(options: { readonly timeoutMs?: number } = {}): HttpTransport {
  return {
    send: async (request) => {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        ...(request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD'
          ? { body: request.body }
          : {}),
      });
      const headers: [string, string][] = [];
      response.headers.forEach((value, name) => headers.push([name, value]));
      return {
        status: response.status,
        statusText: response.statusText,
        headers,
        body: await response.text(),
      };
    },
  };
}

/** Options of {@link awsConnectionResolver}. */
export interface AwsConnectionResolverOptions {
  /** Where the connection and its secret are read: EventBridge DescribeConnection, Secrets Manager GetSecretValue. */
  readonly awsSdk: AwsSdkTransport;
  /** How long a connection's credentials are kept, ms. @default 5 minutes */
  readonly maxAgeMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Added to the cause of a connection that cannot be read (locally: how to give one). */
  readonly hint?: string;
}

/**
 * Reads connections as Step Functions does, from EventBridge and the connection's Secrets Manager
 * secret (`events!connection/<name>/...`): DescribeConnection gives the authorization type and the
 * parameters that are not secret, GetSecretValue of its `SecretArn` the rest. The secret's fields
 * are read under the names EventBridge writes (`api_key_name`, `api_key_value`, `username`,
 * `password`, `client_id`, `client_secret`, `invocation_http_parameters`...), each falling back on
 * DescribeConnection's value.
 */
export function awsConnectionResolver(options: AwsConnectionResolverOptions): ConnectionResolver {
  const now = options.now ?? Date.now;
  const maxAge = options.maxAgeMs ?? 5 * 60_000;
  const cache = new Map<string, { readonly credentials: ConnectionCredentials; readonly at: number }>();
  const fail = (arn: string, message: string, cause?: unknown) =>
    new IntegrationCallError(
      CONNECTION_ERROR,
      `${message} (connection ${arn})${options.hint ? `: ${options.hint}` : ''}`,
      cause === undefined ? undefined : { cause },
    );
  return {
    credentials: async (arn) => {
      const cached = cache.get(arn);
      if (cached && now() - cached.at < maxAge) return cached.credentials;
      const name = CONNECTION_ARN.exec(arn)?.[4] as string;
      let described: JsonObject;
      let secret: JsonObject = {};
      try {
        described = await options.awsSdk.call('eventbridge', 'describeConnection', { Name: name });
        const secretArn = described.SecretArn;
        if (typeof secretArn === 'string' && secretArn.length > 0) {
          const value = await options.awsSdk.call('secretsmanager', 'getSecretValue', {
            SecretId: secretArn,
          });
          const parsed: unknown =
            typeof value.SecretString === 'string' ? JSON.parse(value.SecretString) : {};
          if (isJsonObject(parsed as Json)) secret = parsed as JsonObject;
        }
      } catch (error) {
        if (
          error instanceof AwsServiceError ||
          error instanceof IntegrationCallError ||
          error instanceof SyntaxError
        )
          throw fail(arn, `The connection could not be read: ${error.message}`, error);
        throw error;
      }
      const state = described.ConnectionState;
      if (typeof state === 'string' && state !== 'AUTHORIZED' && state !== 'ACTIVE')
        throw fail(arn, `The connection is ${state}, not AUTHORIZED`);
      const credentials = connectionCredentials(described, secret, (message) => fail(arn, message));
      cache.set(arn, { credentials, at: now() });
      return credentials;
    },
  };
}

/** A connection's credentials from DescribeConnection's response and its secret's JSON. */
export function connectionCredentials(
  described: JsonObject,
  secret: JsonObject,
  fail: (message: string) => Error,
): ConnectionCredentials {
  const auth = isJsonObject(described.AuthParameters) ? described.AuthParameters : {};
  const text = (...values: (Json | undefined)[]): string | undefined =>
    values.find((value): value is string => typeof value === 'string' && value.length > 0);
  const invocationParameters = mergedParameters(
    httpParameters(auth.InvocationHttpParameters),
    secretParameters(secret.invocation_http_parameters),
  );
  switch (described.AuthorizationType) {
    case 'API_KEY': {
      const given = isJsonObject(auth.ApiKeyAuthParameters) ? auth.ApiKeyAuthParameters : {};
      const name = text(secret.api_key_name, given.ApiKeyName);
      const value = text(secret.api_key_value, given.ApiKeyValue);
      if (!name || !value) throw fail('The API key connection has no key name or value');
      return { authorization: { type: 'API_KEY', name, value }, invocationParameters };
    }
    case 'BASIC': {
      const given = isJsonObject(auth.BasicAuthParameters) ? auth.BasicAuthParameters : {};
      const username = text(secret.username, given.Username);
      const password = text(secret.password, given.Password);
      if (!username || password === undefined) throw fail('The Basic connection has no username or password');
      return { authorization: { type: 'BASIC', username, password }, invocationParameters };
    }
    case 'OAUTH_CLIENT_CREDENTIALS': {
      const given = isJsonObject(auth.OAuthParameters) ? auth.OAuthParameters : {};
      const client = isJsonObject(given.ClientParameters) ? given.ClientParameters : {};
      const authorizationEndpoint = text(secret.authorization_endpoint, given.AuthorizationEndpoint);
      const clientId = text(secret.client_id, client.ClientID);
      const clientSecret = text(secret.client_secret, client.ClientSecret);
      if (!authorizationEndpoint || !clientId || !clientSecret)
        throw fail('The OAuth connection has no authorization endpoint, client ID or client secret');
      return {
        authorization: {
          type: 'OAUTH_CLIENT_CREDENTIALS',
          authorizationEndpoint,
          httpMethod: text(secret.http_method, given.HttpMethod) ?? 'POST',
          clientId,
          clientSecret,
          oauthParameters: mergedParameters(
            httpParameters(given.OAuthHttpParameters),
            secretParameters(secret.oauth_http_parameters),
          ),
        },
        invocationParameters,
      };
    }
    default:
      throw fail(
        `The connection's authorization type ${String(described.AuthorizationType)} is not API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS`,
      );
  }
}

const NO_PARAMETERS: ConnectionHttpParameters = { headers: [], query: [], body: [] };

/** `{ HeaderParameters: [{ Key, Value }], QueryStringParameters, BodyParameters }` (the API's shape). */
function httpParameters(value: Json | undefined): ConnectionHttpParameters {
  if (!isJsonObject(value)) return NO_PARAMETERS;
  const list = (items: Json | undefined): ConnectionParameter[] =>
    Array.isArray(items)
      ? items.flatMap((item) =>
          isJsonObject(item) && typeof item.Key === 'string' && typeof item.Value === 'string'
            ? [{ key: item.Key, value: item.Value }]
            : [],
        )
      : [];
  return {
    headers: list(value.HeaderParameters),
    query: list(value.QueryStringParameters),
    body: list(value.BodyParameters),
  };
}

/** `{ header_parameters: [{ key, value }], query_string_parameters, body_parameters }` (the secret's shape). */
function secretParameters(value: Json | undefined): ConnectionHttpParameters {
  if (!isJsonObject(value)) return NO_PARAMETERS;
  const list = (items: Json | undefined): ConnectionParameter[] =>
    Array.isArray(items)
      ? items.flatMap((item) =>
          isJsonObject(item) && typeof item.key === 'string' && typeof item.value === 'string'
            ? [{ key: item.key, value: item.value }]
            : [],
        )
      : [];
  return {
    headers: list(value.header_parameters),
    query: list(value.query_string_parameters),
    body: list(value.body_parameters),
  };
}

/** The parameters of both, a key in `secret` replacing the same key in `described` (whose secret values are hidden). */
function mergedParameters(
  described: ConnectionHttpParameters,
  secret: ConnectionHttpParameters,
): ConnectionHttpParameters {
  const merge = (a: readonly ConnectionParameter[], b: readonly ConnectionParameter[]) => [
    ...a.filter(({ key }) => !b.some((other) => other.key === key)),
    ...b,
  ];
  return {
    headers: merge(described.headers, secret.headers),
    query: merge(described.query, secret.query),
    body: merge(described.body, secret.body),
  };
}

/**
 * A resolver of connections given in full (locally, in tests): ARN -> CreateConnection's
 * `AuthorizationType` and `AuthParameters` (secrets included), the shape of an
 * `AWS::Events::Connection` resource's properties.
 */
export function givenConnections(
  connections: Readonly<Record<string, JsonObject>>,
  hint: string,
): ConnectionResolver {
  return {
    credentials: async (arn) => {
      const given = Object.hasOwn(connections, arn) ? connections[arn] : undefined;
      const fail = (message: string) => new IntegrationCallError(CONNECTION_ERROR, `${message}: ${hint}`);
      if (given === undefined) throw fail(`No connection ${arn} is declared`);
      return connectionCredentials(given, {}, (message) => fail(`${message} (connection ${arn})`));
    },
  };
}
