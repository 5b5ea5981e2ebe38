/**
 * The task router's AWS SDK transport: `arn:aws:states:::aws-sdk:<service>:<action>` calls made
 * with the AWS SDK for JavaScript v3, and SNS Publish on the same path. The client package of a
 * service is loaded with `require` when a task first calls it, so the orchestrator carries no
 * client it does not use: on Lambda the packages come from the runtime's own AWS SDK (the Node.js
 * runtimes include every v3 client, reachable through `NODE_PATH`), or from the function's bundle
 * or a layer when a user pins one; locally from the project's `node_modules`.
 *
 * Generic on purpose: Step Functions' AWS SDK integration takes the API's request as it is
 * (PascalCase fields) and returns the API's response, so one transport serves every service. What
 * it converts is what JSON cannot carry: timestamps become ISO-8601 text, binary values and
 * streamed bodies (S3 `GetObject`'s `Body`) UTF-8 text, as AWS-recorded executions show
 * (LocalStack, tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json).
 * Request values are passed as the JSON gives them: a timestamp parameter is given as the API's
 * text form, a blob parameter as text.
 *
 * Failures: a transient one (throttling, a server fault, a broken connection, once the SDK's own
 * retries are spent) is thrown as {@link TransientStoreError}, so the inbox message is redelivered
 * and the call made again, as for Baton's other integrations; a service error is thrown as
 * {@link AwsServiceError}, which the router names as Step Functions does.
 */
import { createRequire } from 'node:module';
import { awsSdkClientPackage, awsSdkCommandClass, awsSdkOperation } from '../contract/aws-sdk-services.js';
import { StatesErrors } from '../engine/errors.js';
import type { Json, JsonObject } from '../engine/json.js';
import {
  AwsServiceError,
  IntegrationCallError,
  type AwsSdkTransport,
  type SnsTransport,
} from '../runtime/task-router.js';
import { errorMessage, errorName, isTransient, transientError } from './aws-errors.js';

/** Applied to each client as it is made (Tracer's `captureAWSv3Client`). */
export type CaptureClient = <Client extends object>(client: Client) => Client;

/** Options of {@link awsSdkTransport}. */
export interface AwsSdkTransportOptions {
  /**
   * The configuration of a service's client (`region`, `endpoint`, `credentials`...), by client
   * package suffix (`s3`, `redshift-data`). @default the SDK's defaults (environment, role)
   */
  readonly clientConfig?: (clientName: string) => Readonly<Record<string, unknown>> | undefined;
  /** Applied to each client made. */
  readonly capture?: CaptureClient;
  /** Loads a client package. @default `require`, from this module's folder and `NODE_PATH` */
  readonly load?: (packageName: string) => unknown;
}

/** One call's answer: the response as JSON, and the HTTP metadata the SDK gave. */
export interface AwsSdkAnswer {
  readonly response: JsonObject;
  readonly httpStatusCode?: number;
  readonly requestId?: string;
}

/** Makes calls to any service; the client of each service is made on its first call. */
export class AwsSdkCaller {
  private readonly clients = new Map<
    string,
    { readonly module: Record<string, unknown>; readonly client: SdkClient }
  >();
  private readonly load: (packageName: string) => unknown;

  constructor(private readonly options: AwsSdkTransportOptions = {}) {
    this.load = options.load ?? createRequire(import.meta.url);
  }

  /** Calls `<service>:<action>`; see the module's comment for what is converted and thrown. */
  async call(service: string, action: string, request: JsonObject): Promise<AwsSdkAnswer> {
    const { module, client } = this.clientOf(service);
    const Command = module[awsSdkCommandClass(action)];
    if (typeof Command !== 'function') {
      throw new IntegrationCallError(
        StatesErrors.TaskFailed,
        `${awsSdkClientPackage(service)} has no operation ${awsSdkOperation(action)} ` +
          `(aws-sdk:${service}:${action}): check the action's name in the service's API reference`,
      );
    }
    let output: unknown;
    try {
      output = await client.send(new (Command as new (input: unknown) => unknown)(request));
    } catch (error) {
      if (isTransient(error)) throw transientError(`aws-sdk:${service}:${action}`, error);
      const metadata = serviceErrorMetadata(error);
      if (metadata === undefined) throw error;
      throw new AwsServiceError({
        serviceId: client.config.serviceId ?? service,
        code: errorName(error),
        message: errorMessage(error),
        ...metadata,
      });
    }
    const { $metadata: metadata, ...fields } = (output ?? {}) as {
      $metadata?: { httpStatusCode?: number; requestId?: string };
    };
    return {
      response: (await toJson(fields)) as JsonObject,
      ...(metadata?.httpStatusCode !== undefined && { httpStatusCode: metadata.httpStatusCode }),
      ...(metadata?.requestId !== undefined && { requestId: metadata.requestId }),
    };
  }

  private clientOf(service: string): {
    readonly module: Record<string, unknown>;
    readonly client: SdkClient;
  } {
    const packageName = awsSdkClientPackage(service);
    const known = this.clients.get(packageName);
    if (known) return known;
    let module: Record<string, unknown>;
    try {
      module = this.load(packageName) as Record<string, unknown>;
    } catch (error) {
      throw new IntegrationCallError(
        StatesErrors.TaskFailed,
        `aws-sdk:${service}: the AWS SDK client ${packageName} could not be loaded ` +
          `(${errorMessage(error)}); check the service's name (the AWS SDK's, lower-cased, as Step ` +
          'Functions takes it) or add the package to the function',
      );
    }
    // Each package exports one `<Service>Client` class (`S3Client`, `SFNClient`).
    const ClientClass = Object.entries(module).find(
      ([name, value]) => /^[A-Z][A-Za-z0-9]*Client$/.test(name) && typeof value === 'function',
    )?.[1] as (new (config: object) => SdkClient) | undefined;
    if (ClientClass === undefined) {
      throw new IntegrationCallError(StatesErrors.TaskFailed, `${packageName} exports no client class`);
    }
    const made = new ClientClass({
      ...this.options.clientConfig?.(packageName.slice('@aws-sdk/client-'.length)),
    });
    const entry = { module, client: this.options.capture ? this.options.capture(made) : made };
    this.clients.set(packageName, entry);
    return entry;
  }
}

/** The client surface used here. */
interface SdkClient {
  readonly config: { readonly serviceId?: string };
  send(command: unknown): Promise<unknown>;
}

/** `aws-sdk:<service>:<action>` calls: the response, without metadata. */
export function awsSdkTransport(caller: AwsSdkCaller): AwsSdkTransport {
  return { call: async (service, action, request) => (await caller.call(service, action, request)).response };
}

/**
 * SNS Publish (`arn:aws:states:::sns:publish`) on the same path: a failure is named
 * `SNS.<Code>Exception`, as Step Functions' optimized SNS integration names it.
 */
export function snsPublishTransport(caller: AwsSdkCaller): SnsTransport {
  return {
    publish: async (request) => {
      let answer: AwsSdkAnswer;
      try {
        answer = await caller.call('sns', 'publish', request as unknown as JsonObject);
      } catch (error) {
        if (!(error instanceof AwsServiceError)) throw error;
        const code = error.details.code;
        throw new IntegrationCallError(
          `SNS.${code.endsWith('Exception') ? code : `${code}Exception`}`,
          `SNS Publish failed: ${error.message}`,
          { cause: error },
        );
      }
      const { MessageId, SequenceNumber } = answer.response;
      return {
        ...(typeof MessageId === 'string' && { MessageId }),
        ...(typeof SequenceNumber === 'string' && { SequenceNumber }),
        ...(answer.httpStatusCode !== undefined && { HttpStatusCode: answer.httpStatusCode }),
        ...(answer.requestId !== undefined && { RequestId: answer.requestId }),
      };
    },
  };
}

/** The HTTP metadata of an error the service answered with, or undefined for any other error. */
function serviceErrorMetadata(
  error: unknown,
): { statusCode: number; requestId?: string; extendedRequestId?: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const metadata = (error as { $metadata?: Record<string, unknown> }).$metadata;
  const statusCode = metadata?.httpStatusCode;
  if (typeof statusCode !== 'number') return undefined;
  const requestId = metadata?.requestId;
  const extendedRequestId = metadata?.extendedRequestId;
  return {
    statusCode,
    ...(typeof requestId === 'string' && { requestId }),
    ...(typeof extendedRequestId === 'string' && { extendedRequestId }),
  };
}

/**
 * An SDK output as JSON: Dates as ISO-8601 text, bytes and streamed bodies as UTF-8 text,
 * undefined fields left out, big integers as numbers.
 */
async function toJson(value: unknown): Promise<Json> {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return Promise.all(value.map(toJson));
  if (typeof value === 'object') {
    const stream = value as { transformToString?: unknown };
    if (typeof stream.transformToString === 'function')
      return (stream.transformToString as () => Promise<string>).call(value);
    const object: JsonObject = {};
    for (const [name, field] of Object.entries(value)) {
      if (field !== undefined) object[name] = await toJson(field);
    }
    return object;
  }
  return null;
}
