/**
 * The task router's AWS SDK transport: `arn:aws:states:::aws-sdk:<service>:<action>` calls made
 * with the AWS SDK for JavaScript v3, and SNS Publish on the same path. The client package of a
 * service is loaded with `require` when a task first calls it, so the orchestrator carries no
 * client it does not use: on Lambda the packages come from the runtime's own AWS SDK (the Node.js
 * runtimes include every v3 client, reachable through `NODE_PATH`), or from the function's bundle
 * or a layer when a user pins one; locally from the project's `node_modules`.
 *
 * Generic on purpose: one transport serves every service, guided by the operation's schema that
 * each v3 client carries (`<Operation>$`, read with `@smithy/core/schema`), as Step Functions is
 * guided by the service model:
 *
 * - Step Functions takes parameters in PascalCase even where the API names its fields in lower
 *   camel case (Bedrock, ECS, Batch, Step Functions itself): each field of a structure is matched
 *   to its member case-insensitively and renamed (a map's keys are data and stay as they are); a
 *   timestamp member given as text becomes a Date; a JSON value given to a string or blob member
 *   (S3 PutObject's `Body`) becomes its JSON text.
 * - The response comes back with every structure member in PascalCase (`executionArn` ->
 *   `ExecutionArn`; maps' keys as they are), timestamps as ISO-8601 text, binary values and
 *   streamed bodies (S3 `GetObject`'s `Body`) as UTF-8 text, as AWS-recorded executions show
 *   (LocalStack, tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json,
 *   and its model-guided state_task_service.py).
 *
 * A client without schemas (SDK releases before 2025) gets the request as given and gives the
 * response with its own field names.
 *
 * Failures: a transient one (throttling, a server fault, a broken connection, once the SDK's own
 * retries are spent) is thrown as {@link TransientStoreError}, so the inbox message is redelivered
 * and the call made again, as for Baton's other integrations; a service error is thrown as
 * {@link AwsServiceError}, which the router names as Step Functions does.
 */
import { createRequire } from 'node:module';
import { NormalizedSchema } from '@smithy/core/schema';
import { awsSdkClientPackage, awsSdkCommandClass, awsSdkOperation } from '../contract/aws-sdk-services.js';
import { StatesErrors } from '../engine/errors.js';
import type { Json, JsonObject } from '../engine/json.js';
import {
  AwsServiceError,
  IntegrationCallError,
  type AwsSdkTransport,
  type SnsTransport,
} from '../runtime/task-router.js';
import { exceptionName } from '../runtime/error-names.js';
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
    const schema = operationSchema(module, action);
    const input = schema ? toSdkValue(request, schema.input) : request;
    let output: unknown;
    try {
      output = await client.send(new (Command as new (input: unknown) => unknown)(input));
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
    const response = (await toJson(fields)) as JsonObject;
    return {
      response: schema ? (fromSdkValue(response, schema.output) as JsonObject) : response,
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
        throw new IntegrationCallError(`SNS.${exceptionName(code)}`, `SNS Publish failed: ${error.message}`, {
          cause: error,
        });
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

/** A member's schema, as `@smithy/core/schema` reads it. */
type Schema = NormalizedSchema;

/** The input and output schemas of an operation, from the client module's `<Operation>$`. */
function operationSchema(
  module: Record<string, unknown>,
  action: string,
): { readonly input: Schema; readonly output: Schema } | undefined {
  const operation = module[`${awsSdkOperation(action)}$`];
  if (!Array.isArray(operation) || operation.length < 6) return undefined;
  try {
    const input = NormalizedSchema.of(operation[4] as never);
    const output = NormalizedSchema.of(operation[5] as never);
    return input.isStructSchema() && output.isStructSchema() ? { input, output } : undefined;
  } catch {
    return undefined;
  }
}

/** The member names of a structure schema, by their lower-case form. */
function membersOf(schema: Schema): Map<string, { readonly name: string; readonly schema: Schema }> {
  const members = new Map<string, { readonly name: string; readonly schema: Schema }>();
  for (const [name, member] of schema.structIterator())
    members.set(name.toLowerCase(), { name, schema: member });
  return members;
}

/** A Step Functions parameter value as the SDK takes it (see the module comment). */
function toSdkValue(value: Json, schema: Schema): unknown {
  if (schema.isStructSchema() && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const members = membersOf(schema);
    const input: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const member = members.get(key.toLowerCase());
      input[member?.name ?? key] = member ? toSdkValue(item, member.schema) : item;
    }
    return input;
  }
  if (schema.isListSchema() && Array.isArray(value)) {
    const items = schema.getValueSchema();
    return value.map((item) => toSdkValue(item, items));
  }
  if (schema.isMapSchema() && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const values = schema.getValueSchema();
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toSdkValue(item, values)]));
  }
  if (schema.isTimestampSchema() && typeof value === 'string') {
    const time = new Date(value);
    return Number.isNaN(time.getTime()) ? value : time;
  }
  if (schema.isStringSchema() && value !== null && typeof value === 'object') return JSON.stringify(value);
  // A JSON value given to a blob (S3 PutObject's `Body`): its JSON text, as for a string member.
  if (schema.isBlobSchema() && value !== null && typeof value !== 'string') return JSON.stringify(value);
  return value;
}

/** An SDK response value (already JSON) as Step Functions gives it: structure members in PascalCase. */
function fromSdkValue(value: Json, schema: Schema): Json {
  if (schema.isStructSchema() && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const members = membersOf(schema);
    const output: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const member = members.get(key.toLowerCase());
      output[member ? pascalCase(key) : key] = member ? fromSdkValue(item, member.schema) : item;
    }
    return output;
  }
  if (schema.isListSchema() && Array.isArray(value)) {
    const items = schema.getValueSchema();
    return value.map((item) => fromSdkValue(item, items));
  }
  if (schema.isMapSchema() && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const values = schema.getValueSchema();
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromSdkValue(item, values)]));
  }
  return value;
}

/** `executionArn` -> `ExecutionArn`. */
function pascalCase(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
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
