/**
 * The orchestrator's adapters that a typical invocation does not use, loaded (`import()`) and
 * their clients made when first used: the S3 payload store (only payloads too large for a DynamoDB
 * item go to S3), the Lambda transport (only `lambda:invoke` and Lambda ARN tasks use it), the
 * AWS SDK transport (`aws-sdk:*` and `sns:publish` tasks), the HTTP Task transport (`http:invoke`), the jsonata library (only workflows
 * with JSONata states use it; the loop asks for it before it compiles one), and the tracer (every
 * invocation uses it, but it can load while the first one reads the signing key from Secrets
 * Manager instead of at init).
 * Lambda's init loads what the handler's module imports statically; these modules, and the S3 and
 * Lambda clients (about 120 and 70 KiB of the bundle), stay in chunks of their own
 * (`lib/lambda-bundling.ts`) until a call needs them.
 *
 * Only this entry point's folder loads modules with `import()`: in a module the `baton/aws` index
 * reaches, a bundler keeps the imported module, and its imports, in every worker's bundle.
 */
import type { JsonataFactory } from '../engine/jsonata/library.js';
import type { DefinitionValidator, DistributedMapExecutor } from '../engine/compile.js';
import type { MapRunPerformer, PayloadStore } from '../runtime/ports.js';
import type { MapRunPortsWiring } from '../aws/orchestrator-environment.js';
import type { ApiGatewayTransport } from '../runtime/api-gateway-invoke.js';
import type { AwsSdkTransport, LambdaTransport, SnsTransport } from '../runtime/task-router.js';
import type { HttpTaskTransport } from '../runtime/http-task.js';
import type { JsonObject } from '../engine/json.js';

/** Applied to each client as it is made (Tracer's `captureAWSv3Client`). */
export type CaptureClient = <Client extends object>(client: Client) => Client;

/** What capturing a client for X-Ray needs of Powertools' Tracer. */
export interface ClientCapturer {
  captureAWSv3Client<Client extends object>(client: Client): Client;
}

/** A tracer loaded on first use ({@link tracerOnFirstUse}). */
export interface TracerOnFirstUse<T extends ClientCapturer> {
  /**
   * Captures a client: at once when the tracer is loaded; else the client is kept, and captured
   * (its middleware stack changed in place) when {@link load} loads the tracer.
   */
  readonly capture: CaptureClient;
  /** Loads the tracer (once), captures every client kept so far, and gives the tracer. */
  readonly load: () => Promise<T>;
}

/**
 * A tracer that `make` loads the first time {@link TracerOnFirstUse.load} is called (Powertools'
 * Tracer and the X-Ray SDK under it, about 110 KiB), with the clients made before then captured when
 * it is. The clients kept must send nothing before `load` resolves: the orchestrator loads the
 * tracer before it handles its first record.
 */
export function tracerOnFirstUse<T extends ClientCapturer>(make: () => Promise<T>): TracerOnFirstUse<T> {
  const waiting: object[] = [];
  let loaded: T | undefined;
  const load = onFirstUse(async () => {
    const tracer = await make();
    for (const client of waiting.splice(0)) tracer.captureAWSv3Client(client);
    loaded = tracer;
    return tracer;
  });
  const capture: CaptureClient = (client) => {
    if (loaded) return loaded.captureAWSv3Client(client);
    waiting.push(client);
    return client;
  };
  return { capture, load };
}

/**
 * A function that gives what `make` makes, made on the first call and the same one after; a failed
 * `make` (a module that could not load) is tried again on the next call.
 */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}

/**
 * Makes the S3 payload store of a bucket; the store's module is loaded, and its client (one for
 * every bucket) made, on the first `put` or `get`.
 */
export function s3PayloadsOnFirstUse(capture: CaptureClient): (bucket: string) => PayloadStore {
  const load = onFirstUse(async () => {
    const module = await import('../aws/s3-payload-store.js');
    return { module, client: capture(new module.S3Client({})) };
  });
  return (bucket) => {
    const store = onFirstUse(async () => {
      const { module, client } = await load();
      return new module.S3PayloadStore({ client, bucket });
    });
    return {
      put: async (key, body) => (await store()).put(key, body),
      get: async (key) => (await store()).get(key),
    };
  };
}

/** The Lambda transport, its module loaded and its client made on the first invocation. */
export function lambdaInvokeOnFirstUse(capture: CaptureClient): LambdaTransport {
  const transport = onFirstUse(async () => {
    const { LambdaClient, lambdaInvokeTransport } = await import('../aws/lambda-invoke-transport.js');
    return lambdaInvokeTransport(capture(new LambdaClient({})));
  });
  return { invoke: async (request) => (await transport()).invoke(request) };
}

/**
 * The `aws-sdk:<service>:<action>` and `sns:publish` transports: the transport's module is loaded on
 * the first such task, and each service's client (from the Lambda runtime's AWS SDK) on the first
 * call to that service.
 */
export function awsSdkOnFirstUse(
  capture: CaptureClient,
  /** Locally (`baton dev`): the services with a stand-in; the others are not called. @default all */
  services?: readonly string[],
): {
  readonly awsSdk: AwsSdkTransport;
  readonly sns?: SnsTransport;
} {
  const load = onFirstUse(async () => {
    const module = await import('../aws/aws-sdk-transport.js');
    const caller = new module.AwsSdkCaller({ capture });
    return { awsSdk: module.awsSdkTransport(caller), sns: module.snsPublishTransport(caller) };
  });
  const awsSdk: AwsSdkTransport = {
    call: async (service, action, request) => (await load()).awsSdk.call(service, action, request),
    ...(services !== undefined && { has: (service: string) => services.includes(service) }),
  };
  if (services !== undefined && !services.includes('sns')) return { awsSdk };
  return { awsSdk, sns: { publish: async (request) => (await load()).sns.publish(request) } };
}

/**
 * The `apigateway:invoke` transport, its module (and the credential chain and signer it uses)
 * loaded on the first such task. Locally (`baton dev`), API Gateway itself is not called and
 * nothing is signed: such tasks need a mocked result, or an endpoint given as a local URL.
 */
export function apiGatewayOnFirstUse(local = false): ApiGatewayTransport {
  const load = onFirstUse(async () =>
    (await import('../aws/api-gateway-transport.js')).apiGatewayTransport({ local }),
  );
  return {
    invoke: async (request) => (await load()).invoke(request),
    // Decided without loading the module, which only a call needs.
    ...(local && {
      reaches: (url: URL) => !url.hostname.toLowerCase().endsWith('.amazonaws.com'),
    }),
  };
}

/**
 * The `http:invoke` transport: its module loaded on the first HTTP Task, the call made with
 * `fetch`, the connections read through `awsSdk` (EventBridge and Secrets Manager clients, each
 * made on its first call) or, locally, taken from `local.connections` (ARN -> AuthorizationType
 * and AuthParameters), `local.hint` saying how to declare one that is missing.
 */
export function httpOnFirstUse(
  awsSdk: AwsSdkTransport,
  local?: { readonly connections: Readonly<Record<string, JsonObject>>; readonly hint: string },
): HttpTaskTransport {
  const transport = onFirstUse(async () => {
    const module = await import('../runtime/http-task.js');
    return module.httpTaskTransport({
      http: module.fetchHttpTransport(),
      connections: local
        ? module.givenConnections(local.connections, local.hint)
        : module.awsConnectionResolver({ awsSdk }),
    });
  });
  return { invoke: async (parameters) => (await transport()).invoke(parameters) };
}

/** The definition validator, its module (about 30 KiB) loaded when a workflow is first compiled. */
export function validatorOnFirstUse(): () => Promise<DefinitionValidator> {
  return onFirstUse(
    async () => (await import('../engine/definition-validator.js')).assertValidDefinitionWith,
  );
}

/** The Distributed Map executor of the engine, loaded when the first workflow with one is compiled. */
export function distributedMapOnFirstUse(): () => Promise<DistributedMapExecutor> {
  return onFirstUse(
    async () => (await import('../engine/decide/distributed-map-state.js')).distributedMapExecutor,
  );
}

/** The jsonata library, its module (about 80 KiB) loaded on the first call. */
export function jsonataOnFirstUse(): () => Promise<JsonataFactory> {
  return onFirstUse(async () => (await import('../engine/jsonata/bundled-jsonata.js')).bundledJsonata);
}

/**
 * Distributed Map runs: their modules (the Map Run store, the S3 object storage and its client,
 * the item readers and the result writer) loaded on a run's first message; the jsonata library
 * and the validator as the loop loads them (EXPRESS children are compiled with them).
 */
export function mapRunsOnFirstUse(
  capture: CaptureClient,
  loaders: {
    readonly jsonata: () => Promise<JsonataFactory>;
    readonly validator: () => Promise<DefinitionValidator>;
  },
): (wiring: MapRunPortsWiring) => MapRunPerformer {
  return (wiring) => {
    const load = onFirstUse(async () => {
      const [{ createMapRuns }, { DynamoDbMapRunStore }, { S3ObjectStorage }, { S3Client }] =
        await Promise.all([
          import('../runtime/distributed-map/express-children.js'),
          import('../aws/dynamodb-map-run-store.js'),
          import('../aws/s3-object-storage.js'),
          // The payload store's module exports the S3 client: importing `@aws-sdk/client-s3` here
          // too would move part of the SDK's shared code into the chunks loaded at init.
          import('../aws/s3-payload-store.js'),
        ]);
      return createMapRuns({
        store: new DynamoDbMapRunStore({
          client: wiring.dynamodb,
          tableName: wiring.tableName,
          ...(wiring.payloads ? { payloads: wiring.payloads } : {}),
        }),
        objects: new S3ObjectStorage({ client: capture(new S3Client({})) }),
        inbox: wiring.inbox,
        definitions: wiring.definitions,
        ...(wiring.payloads ? { payloads: wiring.payloads } : {}),
        clock: wiring.clock,
        jsonata: loaders.jsonata,
        validator: loaders.validator,
        childTasks: wiring.childTasks,
      });
    });
    return {
      start: async (task) => (await load()).start(task),
      cancel: async (cancellation) => (await load()).cancel(cancellation),
      handle: async (message, options) => (await load()).handle(message, options),
      childEnd: async (command) => (await load()).childEnd(command),
    };
  };
}
