/**
 * A local AWS endpoint: an HTTP server on 127.0.0.1 that speaks just enough of the AWS wire
 * protocols for Baton's Lambdas, backed by the local services, so that code using the AWS SDK
 * with its default configuration (a bundled Lambda, say) runs unchanged against them once the
 * SDK's endpoint variables point here (see {@link AwsEndpointServer.environment}).
 *
 * Hand-written: no maintained emulator of these services is on npm, and this one stays as small
 * as what Baton calls. It implements
 *
 * - Amazon SQS, AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`): see `sqs-api.ts`;
 * - Amazon EventBridge, AWS JSON 1.1 (`AWSEvents.PutEvents`): see `events-api.ts`;
 * - EventBridge Scheduler, REST-JSON (`/schedules/{Name}`): see `scheduler-api.ts`;
 * - AWS Secrets Manager, AWS JSON 1.1 (`secretsmanager.GetSecretValue`): see `secrets-api.ts`;
 * - AWS Lambda, REST-JSON (`POST /2015-03-31/functions/{FunctionName}/invocations`): see
 *   `lambda-api.ts`.
 *
 * DynamoDB and S3 are not here: dynalite speaks DynamoDB (point `AWS_ENDPOINT_URL_DYNAMODB` at it),
 * the local S3 (`../s3/server.ts`) S3 (`AWS_ENDPOINT_URL_S3`). Any other
 * request is answered with an `UnknownOperationException` naming it, in the caller's protocol.
 * Requests are not authenticated: signatures are accepted as they come.
 *
 * Errors are rendered as the SDK parses them (`@aws-sdk/core`'s protocol classes): JSON-RPC errors
 * as `{ "__type": ..., "message": ... }` (SQS adds its `x-amzn-query-error` header with the older
 * query code, from which the SDK picks the modeled exception), REST-JSON errors with the
 * `x-amzn-errortype` header and `{ "Message": ... }`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalEventBus } from '../eventbridge/bus.js';
import type { Clock, Scheduler } from '../sqs/clock.js';
import type { LocalQueue } from '../sqs/queue.js';
import { AwsApiError, unknownOperation } from './errors.js';
import { EVENTS_FIELD_ERRORS, EventsApi } from './events-api.js';
import { LambdaApi, type InvocableFunction } from './lambda-api.js';
import { FieldReader, isObject, type FieldErrors } from './request-fields.js';
import {
  SCHEDULER_FIELD_ERRORS,
  SchedulerApi,
  type FailedScheduleDelivery,
  type LocalSchedule,
} from './scheduler-api.js';
import { SECRETS_FIELD_ERRORS, SecretsApi, type SecretInput } from './secrets-api.js';
import { SQS_FIELD_ERRORS, SqsApi } from './sqs-api.js';

/** Largest request body accepted (SQS's batch limit is 1 MiB; this leaves room for JSON). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The services of the endpoint, as the calls log names them. */
export type EndpointService = 'sqs' | 'events' | 'scheduler' | 'secretsmanager' | 'lambda' | 'unknown';

/** One request the endpoint answered. */
export interface EndpointCall {
  readonly service: EndpointService;
  /** `SendMessage`, `PutEvents`, `CreateSchedule`, ... or what an unknown request looked like. */
  readonly operation: string;
  readonly status: number;
  /** The error code answered, if any. */
  readonly errorCode?: string;
}

/** Options of {@link AwsEndpointServer.start}. */
export interface AwsEndpointOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0: a free port */
  readonly port?: number;
  /** Region of the ARNs the endpoint makes (secrets, schedules). @default 'us-east-1' */
  readonly region?: string;
  /** Account of the ARNs the endpoint makes. @default '000000000000' */
  readonly accountId?: string;
  /** Time of schedules. @default the system clock */
  readonly clock?: Clock;
  /** Timers of schedules. @default setTimeout */
  readonly scheduler?: Scheduler;
  /** Told about errors that are the endpoint's fault (answered as 500 InternalFailure). @default console.error */
  readonly onInternalError?: (error: unknown) => void;
}

/** The REST operations on `/schedules/{Name}`, by HTTP method. */
const SCHEDULE_OPERATIONS: Readonly<Record<string, string>> = {
  POST: 'CreateSchedule',
  GET: 'GetSchedule',
  DELETE: 'DeleteSchedule',
};

type Protocol =
  | { readonly type: 'json-rpc'; readonly version: '1.0' | '1.1'; readonly sqs: boolean }
  | { readonly type: 'rest-json' }
  | { readonly type: 'rest-xml' };

interface Answer {
  readonly status: number;
  /** JSON, or a payload sent as it is (Lambda's). */
  readonly body: object | string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The running endpoint. */
export class AwsEndpointServer {
  /** Every request answered, oldest first. */
  readonly calls: EndpointCall[] = [];

  private readonly sqs: SqsApi;
  private readonly events = new EventsApi();
  private readonly secrets: SecretsApi;
  private readonly schedulerApi: SchedulerApi;
  private readonly lambda: LambdaApi;
  private readonly pending = new Set<AbortController>();
  private readonly onInternalError: (error: unknown) => void;
  private origin = '';

  private constructor(
    private readonly server: Server,
    options: AwsEndpointOptions,
  ) {
    const region = options.region ?? 'us-east-1';
    const accountId = options.accountId ?? '000000000000';
    this.onInternalError = options.onInternalError ?? ((error: unknown) => console.error(error));
    this.sqs = new SqsApi(() => this.origin);
    this.secrets = new SecretsApi(region, accountId);
    this.lambda = new LambdaApi(region, accountId);
    this.schedulerApi = new SchedulerApi({
      region,
      accountId,
      canDeliverTo: (arn) => this.sqs.queueByArn(arn) !== undefined,
      deliver: (arn, input) => {
        const queue = this.sqs.queueByArn(arn);
        if (!queue) throw new Error(`No queue ${arn} is registered with the local endpoint`);
        queue.sendMessage({ body: input });
      },
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.serve(request, response).catch((error: unknown) => {
        this.onInternalError(error);
        response.destroy();
      });
    });
  }

  /** Starts the endpoint on `host:port`. */
  static async start(options: AwsEndpointOptions = {}): Promise<AwsEndpointServer> {
    const server = createServer();
    const endpoint = new AwsEndpointServer(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    endpoint.origin = `http://${host}:${address.port}`;
    return endpoint;
  }

  /** The endpoint's origin, `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.origin;
  }

  /** Makes a queue reachable by SQS calls (and as an EventBridge or Scheduler target); returns its URL here. */
  registerQueue(queue: LocalQueue): string {
    return this.sqs.register(queue);
  }

  /** The URL of a registered queue on this endpoint (the SDK sends to the QueueUrl's host). */
  queueUrl(queue: LocalQueue): string {
    return this.sqs.urlOf(queue);
  }

  /** A registered queue, by ARN. */
  queueByArn(arn: string): LocalQueue | undefined {
    return this.sqs.queueByArn(arn);
  }

  /** Makes a bus reachable by PutEvents, by name and by ARN. */
  registerEventBus(bus: LocalEventBus): void {
    this.events.register(bus);
  }

  /** Stores a secret for GetSecretValue; returns its ARN. */
  registerSecret(secret: SecretInput): string {
    return this.secrets.register(secret);
  }

  /** Creates a Scheduler schedule group (`default` exists already). */
  registerScheduleGroup(name: string): void {
    this.schedulerApi.registerGroup(name);
  }

  /** Makes a function invocable by Lambda's Invoke, by name and ARN. */
  registerFunction(fn: InvocableFunction): void {
    this.lambda.register(fn);
  }

  /** A function named but not run locally: an Invoke of it is refused, saying why. */
  registerLeftOutFunction(functionName: string, reason: string): void {
    this.lambda.registerLeftOut(functionName, reason);
  }

  /** Waits for the Lambda invocations of type `Event` in flight. */
  lambdaIdle(): Promise<void> {
    return this.lambda.idle();
  }

  /** The schedules that exist now. */
  get schedules(): LocalSchedule[] {
    return this.schedulerApi.list();
  }

  /** Schedules that fired but could not deliver to their target. */
  get failedScheduleDeliveries(): readonly FailedScheduleDelivery[] {
    return this.schedulerApi.failedDeliveries;
  }

  /**
   * The environment that points an AWS SDK for JavaScript v3 with default configuration here:
   * the service-specific endpoint variables (`AWS_ENDPOINT_URL_<SERVICE ID>`, the service id
   * upper-cased with spaces as underscores), DynamoDB's and S3's when given (the local S3's, on
   * whose IP address the SDK addresses buckets path-style by itself); S3's is this endpoint
   * otherwise, so that a stray call gets a clear UnknownOperationException. `AWS_ENDPOINT_URL`
   * points every other service here too: a local deployment never calls real AWS, whatever client
   * a function makes.
   */
  environment(options: { dynamodb?: string; s3?: string } = {}): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.origin,
      AWS_ENDPOINT_URL_LAMBDA: this.origin,
      AWS_ENDPOINT_URL_SQS: this.origin,
      AWS_ENDPOINT_URL_EVENTBRIDGE: this.origin,
      AWS_ENDPOINT_URL_SCHEDULER: this.origin,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.origin,
      AWS_ENDPOINT_URL_S3: options.s3 ?? this.origin,
      ...(options.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: options.dynamodb } : {}),
    };
  }

  /** Ends pending long polls and schedules, and stops listening. */
  async close(): Promise<void> {
    for (const controller of this.pending) controller.abort();
    this.schedulerApi.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const controller = new AbortController();
    this.pending.add(controller);
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
      this.pending.delete(controller);
    });
    const target = header(request, 'x-amz-target');
    const url = new URL(request.url ?? '/', 'http://localhost');
    let protocol: Protocol = { type: 'json-rpc', version: '1.1', sqs: false };
    let service: EndpointService = 'unknown';
    let operation = target ?? `${request.method ?? 'GET'} ${url.pathname}`;
    try {
      const text = await readBody(request);
      let answer: Answer;
      if (target !== undefined) {
        const dot = target.lastIndexOf('.');
        const prefix = target.slice(0, dot);
        operation = target.slice(dot + 1);
        const json = (errors: FieldErrors) => new FieldReader(parseJson(text), errors);
        switch (prefix) {
          case 'AmazonSQS':
            service = 'sqs';
            protocol = { type: 'json-rpc', version: '1.0', sqs: true };
            answer = ok(await this.sqs.handle(operation, json(SQS_FIELD_ERRORS), controller.signal));
            break;
          case 'AWSEvents':
            service = 'events';
            answer = ok(await this.events.handle(operation, json(EVENTS_FIELD_ERRORS)));
            break;
          case 'secretsmanager':
            service = 'secretsmanager';
            answer = ok(await this.secrets.handle(operation, json(SECRETS_FIELD_ERRORS)));
            break;
          default:
            throw unknownOperation(`the JSON operation ${target}`);
        }
      } else {
        const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
        const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
        if (invocation && request.method === 'POST') {
          service = 'lambda';
          protocol = { type: 'rest-json' };
          operation = 'Invoke';
          const invocationType = header(request, 'x-amz-invocation-type');
          const answered = await this.lambda.invoke(
            decodeURIComponent(invocation[1] as string),
            url.searchParams,
            invocationType !== undefined ? { invocationType } : {},
            text,
          );
          answer = { status: answered.status, body: answered.payload, headers: answered.headers };
        } else if (match) {
          service = 'scheduler';
          protocol = { type: 'rest-json' };
          operation =
            SCHEDULE_OPERATIONS[request.method ?? ''] ?? `${request.method ?? ''} /schedules/{Name}`;
          const name = decodeURIComponent(match[1] as string);
          const body = new FieldReader(text.length > 0 ? parseJson(text) : {}, SCHEDULER_FIELD_ERRORS);
          answer = ok(await this.schedulerApi.handle(request.method ?? 'GET', name, url.searchParams, body));
        } else {
          const signingService = credentialScopeService(request);
          protocol = signingService === 's3' ? { type: 'rest-xml' } : { type: 'rest-json' };
          throw unknownOperation(
            `${request.method ?? 'GET'} ${url.pathname}${signingService ? ` (signed for ${signingService})` : ''}`,
          );
        }
      }
      this.calls.push({ service, operation, status: answer.status });
      send(response, protocol, answer);
    } catch (error) {
      const apiError =
        error instanceof AwsApiError
          ? error
          : new AwsApiError('InternalFailure', 'The local AWS endpoint failed', { status: 500 });
      if (!(error instanceof AwsApiError)) this.onInternalError(error);
      this.calls.push({ service, operation, status: apiError.status, errorCode: apiError.code });
      sendError(response, protocol, apiError);
    }
  }
}

function ok(body: object): Answer {
  return { status: 200, body };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The service a SigV4 `Authorization` header was signed for, if any. */
function credentialScopeService(request: IncomingMessage): string | undefined {
  const match = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    header(request, 'authorization') ?? '',
  );
  return match?.[1];
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > MAX_BODY_BYTES) {
      throw new AwsApiError(
        'RequestEntityTooLarge',
        `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
        {
          status: 413,
        },
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Readonly<Record<string, unknown>> {
  let value: unknown;
  try {
    value = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AwsApiError('SerializationException', 'The request body is not JSON');
  }
  if (!isObject(value))
    throw new AwsApiError('SerializationException', 'The request body is not a JSON object');
  return value;
}

function send(response: ServerResponse, protocol: Protocol, answer: Answer): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    ...answer.headers,
    'content-type':
      protocol.type === 'json-rpc' ? `application/x-amz-json-${protocol.version}` : 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, protocol: Protocol, error: AwsApiError): void {
  const requestId = randomUUID();
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (protocol.type === 'rest-xml') {
    const text = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    response.writeHead(error.status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(text),
      'x-amz-request-id': requestId,
    });
    response.end(text);
    return;
  }
  const headers: Record<string, string | number> = { 'x-amzn-requestid': requestId };
  let body: object;
  if (protocol.type === 'json-rpc') {
    headers['content-type'] = `application/x-amz-json-${protocol.version}`;
    if (protocol.sqs) {
      headers['x-amzn-query-error'] =
        `${error.queryCode ?? error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
      body = { __type: `com.amazonaws.sqs#${error.code}`, message: error.message };
    } else {
      body = { __type: error.code, message: error.message };
    }
  } else {
    headers['content-type'] = 'application/json';
    headers['x-amzn-errortype'] = error.code;
    body = { Message: error.message };
  }
  const text = JSON.stringify(body);
  headers['content-length'] = Buffer.byteLength(text);
  response.writeHead(error.status, headers);
  response.end(text);
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
