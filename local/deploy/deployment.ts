/**
 * Deploys synthesized stacks onto local services, doing what CloudFormation and the AWS services
 * would do with the template, and nothing from the CDK app's source. `baton dev` runs a user's
 * app this way, and the deployment simulation test runs the example app:
 *
 * - `AWS::SQS::Queue` -> a {@link LocalQueue} with the template's visibility timeout, retention,
 *   delay and redrive policy, served by the local AWS endpoint;
 * - `AWS::DynamoDB::Table` -> a dynalite table created from the template's key schema and indexes;
 * - `AWS::S3::Bucket` -> a bucket of the local S3 ({@link LocalS3Server}), named as the template
 *   names it or as CloudFormation would (stack name and logical id, lower-cased);
 * - `AWS::SecretsManager::Secret` -> a secret with a value generated as `GenerateSecretString` asks;
 * - `AWS::Scheduler::ScheduleGroup` -> a schedule group of the endpoint's Scheduler;
 * - `AWS::Events::EventBus` / `AWS::Events::Rule` -> a {@link LocalEventBus} and its rules, with the
 *   template's event patterns, input transformers, retry policies and dead-letter queues;
 * - `AWS::Lambda::Function` -> its bundled asset (`aws:asset:path`) run in child processes with the
 *   template's environment variables, resolved, plus what the Lambda runtime sets, and every AWS
 *   endpoint pointed at the local ones (S3's at the local S3; nothing it runs calls AWS); invocable through the local
 *   endpoint's Lambda Invoke (`lambda:invoke` states, Lambda ARN resources, a function's SDK);
 * - `AWS::Lambda::EventSourceMapping` -> an {@link SqsEventSourceMapping} with the template's batch
 *   size, batching window, maximum concurrency and ReportBatchItemFailures;
 * - custom resources -> their service token function invoked with CloudFormation's Create event,
 *   its answer received on a local response URL, as CloudFormation does.
 *
 * Roles, log groups, topics and keys get names and ARNs (the functions' environment
 * refers to some of them) but no behaviour; so does a function left out with `onSkipped`. Every other resource is listed in
 * {@link DeployedStack.notSimulated}: the simulation test pins that list, so a new kind of
 * resource cannot be ignored silently. An intrinsic that refers to something not created throws
 * (`intrinsics.ts`).
 *
 * With {@link DeploymentOptions.dataDir} the deployment keeps its data there, and a deployment
 * of the same stacks on the same directory carries on where the last one stopped: the tables are
 * dynalite's files, each queue its journal, the buckets and objects the local S3's files (`s3/`),
 * each generated secret keeps its value (the task token key), and the Scheduler's schedules are
 * saved on close and created again. Without it, everything
 * is in memory and in a temporary directory removed on close.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CloudFormationCustomResourceResponse } from 'aws-lambda';
import { DEFINITION_RESOURCE_TYPE } from '../../lambdas/contract/definition-resource.js';
import type { InvocationOutcome } from '../emulators/aws-endpoint/lambda-api.js';
import type { LocalSchedule } from '../emulators/aws-endpoint/scheduler-api.js';
import { AwsEndpointServer } from '../emulators/aws-endpoint/server.js';
import { LocalS3Server } from '../emulators/s3/server.js';
import { LocalEventBus, type FailedDelivery, type RuleTarget } from '../emulators/eventbridge/bus.js';
import { createLambdaContext } from '../emulators/lambda/context.js';
import { SqsEventSourceMapping, type SqsHandler } from '../emulators/lambda/sqs-event-source.js';
import { SYSTEM_CLOCK } from '../emulators/sqs/clock.js';
import { LocalQueue } from '../emulators/sqs/queue.js';
import type { AssemblyStack, CloudAssembly, TemplateResource } from './cloud-assembly.js';
import {
  resolve,
  resolveString,
  UnresolvedError,
  type ResolutionContext,
  type ResolvedResource,
} from './intrinsics.js';
import { InvocationError, LambdaProcessPool } from './lambda-process.js';

/** The account of a stack synthesized without one (`unknown-account`). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The bus every account has. */
const DEFAULT_EVENT_BUS = 'default';
/** In a persistent deployment's data directory: the schedules pending at close. */
const SCHEDULES_FILE = 'schedules.json';
/** In a persistent deployment's data directory: the generated secrets' values, by name. */
const SECRETS_FILE = 'secrets.json';

/** What a resource given a name only answers to `Ref` and `Fn::GetAtt`. */
interface NamedOnly {
  /** The template property that names it, if the template may set the name. */
  readonly nameProperty?: string;
  readonly resolve: (name: string, region: string, account: string) => ResolvedResource;
}

/**
 * Resource types that get a name and an ARN for references, but no behaviour: `Ref` and the
 * attributes CloudFormation documents for each (those CDK reads: `role.roleArn`, `key.keyArn`,
 * `bucket.bucketRegionalDomainName`, ...).
 */
const NAMED_ONLY: Readonly<Record<string, NamedOnly>> = {
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    resolve: (name, _region, account) => ({
      ref: name,
      attributes: { Arn: `arn:aws:iam::${account}:role/${name}`, RoleId: `AROA${name}` },
    }),
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    resolve: (name, region, account) => ({
      ref: name,
      attributes: { Arn: `arn:aws:logs:${region}:${account}:log-group:${name}:*` },
    }),
  },
  // A topic's Ref is its ARN.
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    resolve: (name, region, account) => {
      const arn = `arn:aws:sns:${region}:${account}:${name}`;
      return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    },
  },
  // A key's Ref is its key id; a key has no name, the logical id stands for the id.
  'AWS::KMS::Key': {
    resolve: (name, region, account) => ({
      ref: name,
      attributes: { Arn: `arn:aws:kms:${region}:${account}:key/${name}`, KeyId: name },
    }),
  },
};

/**
 * Where the functions find the AWS SDK for JavaScript v3 without bundling it, as on Lambda, whose
 * Node.js runtimes put every v3 client on `NODE_PATH` (`/var/runtime/node_modules`): here, the
 * `node_modules` folder this package's own clients are installed in.
 */
const RUNTIME_SDK_PATH = join(
  dirname(createRequire(import.meta.url).resolve('@aws-sdk/client-dynamodb/package.json')),
  '..',
  '..',
);

/** What a bucket answers to `Ref` and `Fn::GetAtt` (CloudFormation's `AWS::S3::Bucket` return values). */
function bucketReference(name: string, region: string): ResolvedResource {
  return {
    ref: name,
    attributes: {
      Arn: `arn:aws:s3:::${name}`,
      DomainName: `${name}.s3.amazonaws.com`,
      DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
      RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
      WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
    },
  };
}

/** Variables Lambda reserves: a template must not set them (Lambda refuses the function). */
const RESERVED_VARIABLES = [
  '_HANDLER',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

/** Options of {@link LocalDeployment.deploy}. */
export interface DeploymentOptions {
  readonly assembly: CloudAssembly;
  /** Stack names, in deployment order. */
  readonly stacks: readonly string[];
  /** Where the functions' output (logs, metrics) goes, line by line. @default dropped */
  readonly onLog?: (line: string) => void;
  /**
   * Where the tables, queues, secrets and schedules are kept between runs (see the module
   * comment). @default none: in memory, gone on close
   */
  readonly dataDir?: string;
  /**
   * Told of every failed invocation of a function run locally, whoever invoked it (an event source
   * mapping, Lambda's Invoke, CloudFormation): the error names the function. @default nothing
   */
  readonly onInvocationError?: (error: Error) => void;
  /** Told as each stack is being deployed. @default nothing */
  readonly onStack?: (stackName: string) => void;
  /** Variables every function gets besides its own (`baton dev`'s local-only settings). @default none */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /**
   * Where a resource that cannot run locally is reported, and left out, instead of failing the
   * deployment: a function on another runtime than Node.js or without a code asset, a custom
   * resource whose function fails (one that calls an AWS service not emulated here). Baton's own
   * resources never fail this way. @default none: such a resource fails the deployment
   */
  readonly onSkipped?: (message: string) => void;
}

/** What one stack became. Maps are keyed by logical id. */
export interface DeployedStack {
  readonly stackName: string;
  readonly source: AssemblyStack;
  readonly context: ResolutionContext;
  readonly queues: Map<string, LocalQueue>;
  /** Logical id -> table name. */
  readonly tables: Map<string, string>;
  /** Logical id -> bucket name (in {@link LocalDeployment.s3}). */
  readonly buckets: Map<string, string>;
  readonly functions: Map<string, LambdaProcessPool>;
  readonly mappings: Map<string, SqsEventSourceMapping>;
  /** Logical id -> the answer its service token sent to the response URL. */
  readonly customResources: Map<string, CloudFormationCustomResourceResponse>;
  /** Logical id -> rule name on its bus. */
  readonly rules: Map<string, string>;
  /** Logical id -> type of the resources given a name only. */
  readonly namedOnly: Map<string, string>;
  /** Logical id -> type of the resources not simulated at all. */
  readonly notSimulated: Map<string, string>;
}

type MutableContext = ResolutionContext & {
  readonly resources: Map<string, ResolvedResource>;
};

/** Local services with the stacks deployed on them. */
export class LocalDeployment {
  readonly stacks = new Map<string, DeployedStack>();
  /** Event buses by name. */
  readonly buses = new Map<string, LocalEventBus>();
  /** Where the functions' DynamoDB calls go. */
  readonly dynamodb: { readonly endpoint: string; readonly client: DynamoDBClient };

  private readonly functionsByArn = new Map<string, LambdaProcessPool>();
  private readonly functionsByName = new Map<string, LambdaProcessPool>();
  private readonly eventDeadLetters = new Map<string, LocalQueue>();
  /** Export name -> value, of the stacks deployed so far. */
  private readonly exports = new Map<string, string>();

  private constructor(
    readonly endpoint: AwsEndpointServer,
    /** The local S3: the stacks' buckets, where the functions' S3 calls go. */
    readonly s3: LocalS3Server,
    private readonly dynalite: Server,
    dynamodbEndpoint: string,
    private readonly customResourceResponses: {
      readonly server: Server;
      readonly url: string;
      readonly responses: Map<string, (response: CloudFormationCustomResourceResponse) => void>;
    },
    private readonly scratch: string,
    private readonly options: DeploymentOptions,
  ) {
    this.dynamodb = {
      endpoint: dynamodbEndpoint,
      client: new DynamoDBClient({
        endpoint: dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    };
  }

  /** Starts the local services and deploys the stacks; the functions start polling their queues. */
  static async deploy(options: DeploymentOptions): Promise<LocalDeployment> {
    const first = options.assembly.stacks.get(options.stacks[0] ?? '');
    if (!first) throw new Error(`No stack ${options.stacks[0]} in the assembly`);
    if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
    const dynalite = (createRequire(import.meta.url)('dynalite') as (options: object) => Server)({
      ...(options.dataDir !== undefined ? { path: join(options.dataDir, 'dynamodb') } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    const dynamodbEndpoint = await listen(dynalite);
    const endpoint = await AwsEndpointServer.start({
      region: first.region,
      accountId: first.account ?? LOCAL_ACCOUNT_ID,
    });
    const scratch = mkdtempSync(join(tmpdir(), 'baton-deploy-env-'));
    const s3 = await LocalS3Server.start({
      directory: join(options.dataDir ?? scratch, 's3'),
      region: first.region,
    });
    // CloudFormation's side of custom resources: the presigned response URL each answer is PUT to.
    const responses = new Map<string, (response: CloudFormationCustomResourceResponse) => void>();
    const responseServer = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(200).end();
        const requestId = decodeURIComponent((request.url ?? '/').slice(1));
        responses.get(requestId)?.(
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as CloudFormationCustomResourceResponse,
        );
      });
    });
    const responseUrl = await listen(responseServer);
    const deployment = new LocalDeployment(
      endpoint,
      s3,
      dynalite,
      dynamodbEndpoint,
      { server: responseServer, url: responseUrl, responses },
      scratch,
      options,
    );
    // Every account has its default bus: rules and targets may name it without a stack creating it.
    const defaultBus = new LocalEventBus({
      name: DEFAULT_EVENT_BUS,
      region: first.region,
      account: first.account ?? LOCAL_ACCOUNT_ID,
      onDeliveryFailed: (failure) => deployment.deadLetter(failure),
    });
    deployment.buses.set(DEFAULT_EVENT_BUS, defaultBus);
    endpoint.registerEventBus(defaultBus);
    try {
      for (const name of options.stacks) {
        const stack = options.assembly.stacks.get(name);
        if (!stack) throw new Error(`No stack ${name} in the assembly`);
        options.onStack?.(name);
        await deployment.deployStack(stack);
      }
      await deployment.restoreSchedules();
      for (const stack of deployment.stacks.values()) {
        for (const mapping of stack.mappings.values()) mapping.start();
      }
    } catch (error) {
      await deployment.close();
      throw error;
    }
    return deployment;
  }

  /** A deployed stack. */
  stack(name: string): DeployedStack {
    const stack = this.stacks.get(name);
    if (!stack) throw new Error(`Stack ${name} was not deployed`);
    return stack;
  }

  /** The value of a stack output, resolved. */
  output(stackName: string, outputName: string): string {
    const stack = this.stack(stackName);
    const output = stack.source.template.Outputs?.[outputName];
    if (!output) throw new Error(`${stackName} has no output ${outputName}`);
    return resolveString(output.Value, stack.context, `Output ${outputName}`);
  }

  /**
   * Stops polling, the functions, the endpoint, the local S3 and dynalite, and removes the scratch directory.
   * With a data directory, the queues are written to it and the pending schedules saved.
   */
  async close(): Promise<void> {
    const stacks = [...this.stacks.values()];
    await Promise.all(
      stacks.flatMap((stack) => [...stack.mappings.values()].map((mapping) => mapping.stop())),
    );
    await this.endpoint.lambdaIdle();
    await Promise.all(stacks.flatMap((stack) => [...stack.functions.values()].map((pool) => pool.close())));
    for (const bus of this.buses.values()) await bus.idle();
    for (const stack of stacks) for (const queue of stack.queues.values()) await queue.close();
    this.saveSchedules();
    await this.endpoint.close();
    await this.s3.close();
    this.dynamodb.client.destroy();
    for (const server of [this.dynalite, this.customResourceResponses.server]) {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** Where a persistent deployment keeps `name`, or undefined in memory. */
  private dataFile(name: string): string | undefined {
    return this.options.dataDir === undefined ? undefined : join(this.options.dataDir, name);
  }

  /** Writes the schedules that have not fired yet, for the next deployment on the data directory. */
  private saveSchedules(): void {
    const file = this.dataFile(SCHEDULES_FILE);
    if (file === undefined) return;
    const pending = this.endpoint.schedules.filter((schedule) => schedule.firedAt === undefined);
    writeFileSync(file, `${JSON.stringify(pending, null, 2)}\n`);
  }

  /**
   * Creates again, through the Scheduler API, the schedules the last deployment left pending; one
   * due while nothing ran fires now (late, as timers may; never early).
   */
  private async restoreSchedules(): Promise<void> {
    const file = this.dataFile(SCHEDULES_FILE);
    if (file === undefined || !existsSync(file)) return;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as LocalSchedule[];
    if (saved.length === 0) return;
    const scheduler = new SchedulerClient({
      endpoint: this.endpoint.url,
      region: this.options.assembly.stacks.get(this.options.stacks[0] ?? '')?.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      for (const schedule of saved) {
        await scheduler.send(
          new CreateScheduleCommand({
            Name: schedule.name,
            GroupName: schedule.groupName,
            ScheduleExpression: schedule.scheduleExpression,
            FlexibleTimeWindow: { Mode: 'OFF' },
            State: schedule.state,
            ActionAfterCompletion: schedule.actionAfterCompletion,
            Target: { Arn: schedule.targetArn, RoleArn: schedule.roleArn, Input: schedule.input },
            ...(schedule.description !== undefined ? { Description: schedule.description } : {}),
          }),
        );
      }
    } finally {
      scheduler.destroy();
    }
  }

  /** The value a persistent deployment gave this secret before, or `generate()`'s, remembered. */
  private secretValue(name: string, generate: () => string): string {
    const file = this.dataFile(SECRETS_FILE);
    if (file === undefined) return generate();
    const secrets = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
      : {};
    const known = secrets[name];
    if (known !== undefined) return known;
    const value = generate();
    // The task token key among them: readable by the user only.
    writeFileSync(file, `${JSON.stringify({ ...secrets, [name]: value }, null, 2)}\n`, { mode: 0o600 });
    return value;
  }

  private async deployStack(source: AssemblyStack): Promise<void> {
    const resources = source.template.Resources;
    const context: MutableContext = {
      stackName: source.stackName,
      region: source.region,
      accountId: source.account ?? LOCAL_ACCOUNT_ID,
      exports: this.exports,
      resources: new Map(),
      types: new Map(Object.entries(resources).map(([id, resource]) => [id, resource.Type])),
    };
    const stack: DeployedStack = {
      stackName: source.stackName,
      source,
      context,
      queues: new Map(),
      tables: new Map(),
      buckets: new Map(),
      functions: new Map(),
      mappings: new Map(),
      customResources: new Map(),
      rules: new Map(),
      namedOnly: new Map(),
      notSimulated: new Map(),
    };
    this.stacks.set(source.stackName, stack);
    const ofType = (...types: string[]) =>
      Object.entries(resources).filter(([, resource]) => types.includes(resource.Type));

    // First: the other resources refer to them (a queue or table to its key, a function to its role).
    for (const [id, resource] of ofType(...Object.keys(NAMED_ONLY))) this.nameOnly(stack, id, resource);
    for (const [id, resource] of ofType('AWS::Events::EventBus')) this.createBus(stack, id, resource);
    this.createQueues(stack, ofType('AWS::SQS::Queue'));
    for (const [id, resource] of ofType('AWS::DynamoDB::Table')) await this.createTable(stack, id, resource);
    for (const [id, resource] of ofType('AWS::S3::Bucket')) await this.createBucket(stack, id, resource);
    for (const [id, resource] of ofType('AWS::SecretsManager::Secret'))
      this.createSecret(stack, id, resource);
    for (const [id, resource] of ofType('AWS::Scheduler::ScheduleGroup')) {
      const name = stringProperty(resource, 'Name', context) ?? physicalName(stack, id, 64);
      this.endpoint.registerScheduleGroup(name);
      context.resources.set(id, {
        ref: name,
        attributes: {
          Arn: `arn:aws:scheduler:${context.region}:${context.accountId}:schedule-group/${name}`,
        },
      });
    }
    for (const [id, resource] of ofType('AWS::Lambda::Function')) {
      this.skippable(stack, id, resource, () => {
        try {
          this.createFunction(stack, id, resource);
        } catch (error) {
          // Named but not run: an Invoke of it says so instead of "not found".
          const name = context.resources.get(id)?.ref;
          if (name !== undefined) this.endpoint.registerLeftOutFunction(name, (error as Error).message);
          throw error;
        }
      });
    }
    for (const [id, resource] of ofType('AWS::Lambda::EventSourceMapping')) {
      this.skippable(stack, id, resource, () => this.createMapping(stack, id, resource));
    }
    const custom = Object.entries(resources).filter(
      ([, resource]) =>
        resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource',
    );
    for (const [id, resource] of custom) {
      await this.skippable(stack, id, resource, () => this.createCustomResource(stack, id, resource));
    }
    for (const [id, resource] of ofType('AWS::Events::Rule')) this.createRule(stack, id, resource);

    for (const [id, resource] of Object.entries(resources)) {
      if (!context.resources.has(id) && !stack.mappings.has(id) && !stack.rules.has(id)) {
        stack.notSimulated.set(id, resource.Type);
      }
    }
    this.addExports(stack);
  }

  /** Creates a resource; with `onSkipped`, a failure is reported and the resource left out. */
  private skippable<T>(
    stack: DeployedStack,
    id: string,
    resource: TemplateResource,
    create: () => T,
  ): T | undefined {
    // Baton's definitions must be stored: without them nothing runs.
    const skip = resource.Type === DEFINITION_RESOURCE_TYPE ? undefined : this.options.onSkipped;
    const report = (error: unknown) => {
      if (!skip) throw error;
      skip(`${stack.stackName}/${id} (${resource.Type}) is not run locally: ${(error as Error).message}`);
      // Left out, even if it has a name for references.
      stack.notSimulated.set(id, resource.Type);
      return undefined;
    };
    try {
      const created = create();
      return created instanceof Promise ? (created.catch(report) as T) : created;
    } catch (error) {
      return report(error);
    }
  }

  /** The stack's exported outputs, for the stacks deployed after it; those naming what is not created are left out. */
  private addExports(stack: DeployedStack): void {
    const outputs = stack.source.template.Outputs ?? {};
    for (const output of Object.values(outputs) as { Value: unknown; Export?: { Name?: unknown } }[]) {
      if (output.Export?.Name === undefined) continue;
      try {
        this.exports.set(
          resolveString(output.Export.Name, stack.context, 'Export.Name'),
          resolveString(output.Value, stack.context, 'Output'),
        );
      } catch (error) {
        // An import of it fails, naming the export; nothing here needs it.
        if (!(error instanceof UnresolvedError)) throw error;
      }
    }
  }

  /** A resource of {@link NAMED_ONLY}: its name (the template's, else a physical name) and ARN. */
  private nameOnly(stack: DeployedStack, id: string, resource: TemplateResource): void {
    const { context } = stack;
    const kind = NAMED_ONLY[resource.Type] as NamedOnly;
    const name =
      (kind.nameProperty !== undefined ? stringProperty(resource, kind.nameProperty, context) : undefined) ??
      physicalName(stack, id, 63);
    (context.resources as Map<string, ResolvedResource>).set(
      id,
      kind.resolve(name, context.region, context.accountId),
    );
    stack.namedOnly.set(id, resource.Type);
  }

  private createBus(stack: DeployedStack, id: string, resource: TemplateResource): void {
    const { context } = stack;
    const name = stringProperty(resource, 'Name', context) ?? physicalName(stack, id, 256);
    const bus = new LocalEventBus({
      name,
      region: context.region,
      account: context.accountId,
      onDeliveryFailed: (failure) => this.deadLetter(failure),
    });
    this.buses.set(name, bus);
    this.endpoint.registerEventBus(bus);
    (context.resources as Map<string, ResolvedResource>).set(id, {
      ref: name,
      attributes: { Arn: bus.arn, Name: name },
    });
  }

  /** Queues in dependency order: a dead-letter queue before the queues that redrive to it. */
  private createQueues(stack: DeployedStack, queues: readonly [string, TemplateResource][]): void {
    const remaining = new Map(queues);
    while (remaining.size > 0) {
      const before = remaining.size;
      for (const [id, resource] of remaining) {
        const redrive = resource.Properties?.RedrivePolicy as
          { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined;
        let redrivePolicy: LocalQueue['redrivePolicy'];
        if (redrive) {
          const target = redrive.deadLetterTargetArn as { 'Fn::GetAtt'?: [string, string] };
          const targetId = target['Fn::GetAtt']?.[0];
          if (targetId !== undefined && remaining.has(targetId)) continue;
          const deadLetterQueue = this.endpoint.queueByArn(
            resolveString(
              redrive.deadLetterTargetArn,
              stack.context,
              `${id} RedrivePolicy.deadLetterTargetArn`,
            ),
          );
          if (!deadLetterQueue)
            throw new Error(`${id}: its dead-letter queue is not a queue deployed locally`);
          redrivePolicy = { deadLetterQueue, maxReceiveCount: Number(redrive.maxReceiveCount) };
        }
        this.createQueue(stack, id, resource, redrivePolicy);
        remaining.delete(id);
      }
      if (remaining.size === before)
        throw new Error(`Queues with circular redrive policies: ${[...remaining.keys()]}`);
    }
  }

  private createQueue(
    stack: DeployedStack,
    id: string,
    resource: TemplateResource,
    redrivePolicy: LocalQueue['redrivePolicy'],
  ): void {
    const { context } = stack;
    const properties = (resolve(resource.Properties ?? {}, context) ?? {}) as Record<string, unknown>;
    if (properties.FifoQueue === true || properties.FifoQueue === 'true') {
      throw new Error(`${id}: FIFO queues are not simulated`);
    }
    const number = (name: string) => (properties[name] === undefined ? undefined : Number(properties[name]));
    const visibilityTimeoutSeconds = number('VisibilityTimeout');
    const messageRetentionSeconds = number('MessageRetentionPeriod');
    const delaySeconds = number('DelaySeconds');
    const maximumMessageSize = number('MaximumMessageSize');
    const receiveMessageWaitTimeSeconds = number('ReceiveMessageWaitTimeSeconds');
    const name = (properties.QueueName as string | undefined) ?? physicalName(stack, id, 80);
    const queue = new LocalQueue({
      name,
      region: context.region,
      accountId: context.accountId,
      ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
      ...(messageRetentionSeconds !== undefined ? { messageRetentionSeconds } : {}),
      ...(delaySeconds !== undefined ? { delaySeconds } : {}),
      ...(maximumMessageSize !== undefined ? { maximumMessageSize } : {}),
      ...(receiveMessageWaitTimeSeconds !== undefined ? { receiveMessageWaitTimeSeconds } : {}),
      ...(redrivePolicy ? { redrivePolicy } : {}),
      ...(this.options.dataDir !== undefined
        ? { persistTo: join(this.options.dataDir, 'queues', `${name}.json`) }
        : {}),
    });
    const url = this.endpoint.registerQueue(queue);
    stack.queues.set(id, queue);
    (context.resources as Map<string, ResolvedResource>).set(id, {
      ref: url,
      attributes: { Arn: queue.arn, QueueName: queue.name, QueueUrl: url },
    });
  }

  private async createTable(stack: DeployedStack, id: string, resource: TemplateResource): Promise<void> {
    const { context } = stack;
    const properties = resolve(resource.Properties ?? {}, context) as Record<string, unknown>;
    const tableName = (properties.TableName as string | undefined) ?? physicalName(stack, id, 255);
    const input = {
      TableName: tableName,
      BillingMode: properties.BillingMode,
      AttributeDefinitions: properties.AttributeDefinitions,
      KeySchema: properties.KeySchema,
      GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
      LocalSecondaryIndexes: properties.LocalSecondaryIndexes,
      ProvisionedThroughput: properties.ProvisionedThroughput,
    } as CreateTableCommandInput;
    try {
      await this.dynamodb.client.send(new CreateTableCommand(input));
    } catch (error) {
      // Created by an earlier deployment on the same data directory: its items are kept.
      if (!(error instanceof ResourceInUseException) || this.options.dataDir === undefined) throw error;
    }
    await waitUntilTableExists(
      { client: this.dynamodb.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 },
      { TableName: input.TableName },
    );
    stack.tables.set(id, tableName);
    (context.resources as Map<string, ResolvedResource>).set(id, {
      ref: tableName,
      attributes: { Arn: `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${tableName}` },
    });
  }

  /** A bucket of the local S3; one an earlier deployment on the same data directory made is kept, objects and all. */
  private async createBucket(stack: DeployedStack, id: string, resource: TemplateResource): Promise<void> {
    const { context } = stack;
    const name = stringProperty(resource, 'BucketName', context) ?? physicalName(stack, id, 63, true);
    try {
      await this.s3.ensureBucket(name);
    } catch (error) {
      throw new Error(`${id}: ${(error as Error).message}`, { cause: error });
    }
    stack.buckets.set(id, name);
    (context.resources as Map<string, ResolvedResource>).set(id, bucketReference(name, context.region));
  }

  private createSecret(stack: DeployedStack, id: string, resource: TemplateResource): void {
    const { context } = stack;
    const properties = resolve(resource.Properties ?? {}, context) as Record<string, unknown>;
    const generate = properties.GenerateSecretString as
      | {
          PasswordLength?: number;
          ExcludePunctuation?: boolean;
          IncludeSpace?: boolean;
          ExcludeCharacters?: string;
        }
      | undefined;
    const name = (properties.Name as string | undefined) ?? physicalName(stack, id, 256);
    const value =
      (properties.SecretString as string | undefined) ??
      this.secretValue(name, () =>
        generatePassword(generate?.PasswordLength ?? 32, {
          punctuation: generate?.ExcludePunctuation !== true,
          space: generate?.IncludeSpace === true,
          exclude: generate?.ExcludeCharacters ?? '',
        }),
      );
    const arn = this.endpoint.registerSecret({ name, value });
    (context.resources as Map<string, ResolvedResource>).set(id, { ref: arn, attributes: { Id: arn } });
  }

  private createFunction(stack: DeployedStack, id: string, resource: TemplateResource): void {
    const { context } = stack;
    const properties = resource.Properties ?? {};
    // Named first: a function left out (reported by `skippable`) keeps its name and ARN for the
    // resources that refer to it; it just does not run.
    const functionName = stringProperty(resource, 'FunctionName', context) ?? physicalName(stack, id, 64);
    const functionArn = `arn:aws:lambda:${context.region}:${context.accountId}:function:${functionName}`;
    (context.resources as Map<string, ResolvedResource>).set(id, {
      ref: functionName,
      attributes: { Arn: functionArn },
    });
    // Bundled at synth (the workers) or prebuilt in the package (Baton's own functions): either way
    // a folder of the assembly holding the bundle Lambda loads. The template's metadata names it
    // when the CLI synthesized it; else the asset manifest does, by the S3 key the code is at.
    const s3Key = (properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
    const assetPath =
      resource.Metadata?.['aws:asset:path'] ??
      (typeof s3Key === 'string' ? stack.source.fileAssets.get(s3Key) : undefined);
    if (typeof assetPath !== 'string') {
      throw new Error(`${id}: no code asset in the assembly (aws:asset:path ${String(assetPath)})`);
    }
    const runtime = properties.Runtime;
    if (typeof runtime === 'string' && !runtime.startsWith('nodejs')) {
      throw new Error(`${id}: the ${runtime} runtime is not run locally, only Node.js`);
    }
    const variables = resolve(
      (properties.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      context,
    ) as Record<string, unknown>;
    for (const [name, value] of Object.entries(variables)) {
      if (RESERVED_VARIABLES.includes(name)) throw new Error(`${id}: Lambda reserves the variable ${name}`);
      if (typeof value !== 'string') throw new Error(`${id}: variable ${name} is ${JSON.stringify(value)}`);
    }
    const logGroup = (properties.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
    const memorySize = Number(properties.MemorySize ?? 128);
    const handler = String(properties.Handler ?? 'index.handler');
    const codeDirectory = join(stack.source.directory, assetPath);
    const pool = new LambdaProcessPool(
      {
        functionName,
        functionArn,
        codeDirectory,
        handler,
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memorySize,
        environment: {
          ...(variables as Record<string, string>),
          // What the Lambda runtime sets. Not AWS_EXECUTION_ENV: with it, Powertools Tracer would
          // turn X-Ray on, and there is no X-Ray daemon here.
          _HANDLER: handler,
          AWS_REGION: context.region,
          AWS_DEFAULT_REGION: context.region,
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_LOG_GROUP_NAME: logGroup
            ? resolveString(logGroup, context, `${id} LoggingConfig.LogGroup`)
            : `/aws/lambda/${functionName}`,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_SESSION_TOKEN: 'local',
          LAMBDA_TASK_ROOT: codeDirectory,
          LANG: 'en_US.UTF-8',
          TZ: ':UTC',
          NODE_PATH: RUNTIME_SDK_PATH,
          // Local only: the SDK's endpoints, and no shared AWS config or credentials files.
          ...this.endpoint.environment({ dynamodb: this.dynamodb.endpoint, s3: this.s3.url }),
          AWS_CONFIG_FILE: join(this.scratch, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(this.scratch, 'no-credentials'),
          // The bundles target Node.js 22 (the template's runtime); the SDK warns on the Node.js 20 that may run here.
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...this.options.functionEnvironment,
        },
      },
      {
        ...(this.options.onLog ? { onLog: this.options.onLog } : {}),
        ...(this.options.onInvocationError ? { onInvocationError: this.options.onInvocationError } : {}),
      },
    );
    stack.functions.set(id, pool);
    this.functionsByArn.set(functionArn, pool);
    this.functionsByName.set(functionName, pool);
    this.endpoint.registerFunction({
      functionName,
      functionArn,
      invoke: (event) => this.invokeFunction(pool, event, context),
    });
  }

  /** One invocation through Lambda's Invoke API: the function error, if any, as the runtime reports it. */
  private async invokeFunction(
    pool: LambdaProcessPool,
    event: unknown,
    context: ResolutionContext,
  ): Promise<InvocationOutcome> {
    const { fn } = pool;
    try {
      const value = await pool.invoke(
        event,
        createLambdaContext({
          functionName: fn.functionName,
          awsRequestId: randomUUID(),
          deadline: Date.now() + fn.timeoutSeconds * 1_000,
          clock: SYSTEM_CLOCK,
          region: context.region,
          accountId: context.accountId,
          memoryLimitInMB: fn.memorySize,
        }),
      );
      return { type: 'succeeded', value };
    } catch (error) {
      if (error instanceof InvocationError) {
        return {
          type: 'failed',
          error: {
            name: error.name,
            message: error.errorMessage,
            ...(error.trace !== undefined ? { stack: error.trace } : {}),
          },
        };
      }
      const { name, message } = error as Error;
      return { type: 'failed', error: { name, message } };
    }
  }

  private createMapping(stack: DeployedStack, id: string, resource: TemplateResource): void {
    const properties = resolve(resource.Properties ?? {}, stack.context) as Record<string, unknown>;
    const sourceArn = String(properties.EventSourceArn);
    const queue = this.endpoint.queueByArn(sourceArn);
    if (!queue) throw new Error(`${id}: the event source ${sourceArn} is not a queue deployed locally`);
    const functionName = String(properties.FunctionName);
    const pool = this.functionsByName.get(functionName) ?? this.functionsByArn.get(functionName);
    if (!pool) throw new Error(`${id}: the function ${functionName} is not a function deployed locally`);
    const maximumConcurrency = (properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)
      ?.MaximumConcurrency;
    const batchingWindow = properties.MaximumBatchingWindowInSeconds;
    const mapping = new SqsEventSourceMapping({
      queue,
      handler: pool.handler as SqsHandler,
      functionName: pool.fn.functionName,
      batchSize: Number(properties.BatchSize ?? 10),
      ...(batchingWindow !== undefined ? { maximumBatchingWindowSeconds: Number(batchingWindow) } : {}),
      ...(maximumConcurrency !== undefined ? { maximumConcurrency: Number(maximumConcurrency) } : {}),
      reportBatchItemFailures: ((properties.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      functionTimeoutSeconds: pool.fn.timeoutSeconds,
      memoryLimitInMB: pool.fn.memorySize,
    });
    if (properties.Enabled !== false) stack.mappings.set(id, mapping);
  }

  /** Invokes the service token function with a Create event and waits for its answer, as CloudFormation does. */
  private async createCustomResource(
    stack: DeployedStack,
    id: string,
    resource: TemplateResource,
  ): Promise<void> {
    const { context } = stack;
    const properties = resolve(resource.Properties ?? {}, context) as Record<string, unknown>;
    const serviceToken = String(properties.ServiceToken);
    const pool = this.functionsByArn.get(serviceToken);
    if (!pool) throw new Error(`${id}: the service token ${serviceToken} is not a function deployed locally`);
    const requestId = randomUUID();
    const answered = new Promise<CloudFormationCustomResourceResponse>((done) =>
      this.customResourceResponses.responses.set(requestId, done),
    );
    const timeoutMs = pool.fn.timeoutSeconds * 1_000;
    await pool.invoke(
      {
        RequestType: 'Create',
        ServiceToken: serviceToken,
        ResponseURL: `${this.customResourceResponses.url}/${encodeURIComponent(requestId)}`,
        StackId: `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${stack.stackName}/${randomUUID()}`,
        RequestId: requestId,
        LogicalResourceId: id,
        ResourceType: resource.Type,
        ResourceProperties: properties,
      },
      createLambdaContext({
        functionName: pool.fn.functionName,
        awsRequestId: randomUUID(),
        deadline: Date.now() + timeoutMs,
        clock: SYSTEM_CLOCK,
        region: context.region,
        accountId: context.accountId,
        memoryLimitInMB: pool.fn.memorySize,
      }),
    );
    const response = await Promise.race([
      answered,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${id}: no answer on the response URL`)), timeoutMs).unref(),
      ),
    ]);
    this.customResourceResponses.responses.delete(requestId);
    if (response.Status !== 'SUCCESS') throw new Error(`${id}: CREATE_FAILED: ${response.Reason ?? '?'}`);
    stack.customResources.set(id, response);
    const data = (response.Data ?? {}) as Record<string, unknown>;
    (context.resources as Map<string, ResolvedResource>).set(id, {
      ref: response.PhysicalResourceId,
      attributes: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)])),
    });
  }

  private createRule(stack: DeployedStack, id: string, resource: TemplateResource): void {
    const { context } = stack;
    const properties = resolve(resource.Properties ?? {}, context) as Record<string, unknown>;
    const busName = String(properties.EventBusName ?? 'default');
    const bus =
      this.buses.get(busName) ?? [...this.buses.values()].find((candidate) => candidate.arn === busName);
    if (!bus) throw new Error(`${id}: its bus ${busName} was not deployed by any stack deployed locally`);
    const name = (properties.Name as string | undefined) ?? physicalName(stack, id, 64);
    const targets = ((properties.Targets as Record<string, unknown>[] | undefined) ?? []).map(
      (target): RuleTarget => {
        const arn = String(target.Arn);
        const queue = this.endpoint.queueByArn(arn);
        if (!queue)
          throw new Error(`${id}: target ${String(target.Id)} (${arn}) is not a queue deployed locally`);
        if (target.SqsParameters !== undefined)
          throw new Error(`${id}: SqsParameters (FIFO) are not simulated`);
        const transformer = target.InputTransformer as
          { InputTemplate: string; InputPathsMap?: Record<string, string> } | undefined;
        const retry = target.RetryPolicy as
          { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
        const deadLetterArn = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
        if (deadLetterArn !== undefined) {
          const deadLetters = this.endpoint.queueByArn(deadLetterArn);
          if (!deadLetters) throw new Error(`${id}: its dead-letter queue ${deadLetterArn} is not simulated`);
          this.eventDeadLetters.set(`${name}/${String(target.Id)}`, deadLetters);
        }
        return {
          id: String(target.Id),
          deliver: (input) => {
            queue.sendMessage({ body: input.text });
          },
          ...(target.Input !== undefined ? { input: String(target.Input) } : {}),
          ...(target.InputPath !== undefined ? { inputPath: String(target.InputPath) } : {}),
          ...(transformer
            ? {
                inputTransformer: {
                  inputTemplate: transformer.InputTemplate,
                  ...(transformer.InputPathsMap ? { inputPathsMap: transformer.InputPathsMap } : {}),
                },
              }
            : {}),
          ...(retry
            ? {
                retryPolicy: {
                  ...(retry.MaximumRetryAttempts !== undefined
                    ? { maximumRetryAttempts: retry.MaximumRetryAttempts }
                    : {}),
                  ...(retry.MaximumEventAgeInSeconds !== undefined
                    ? { maximumEventAgeSeconds: retry.MaximumEventAgeInSeconds }
                    : {}),
                },
              }
            : {}),
        };
      },
    );
    const state = properties.State === 'DISABLED' ? 'DISABLED' : 'ENABLED';
    bus.putRule({ name, eventPattern: properties.EventPattern, targets, state });
    stack.rules.set(id, name);
    (context.resources as Map<string, ResolvedResource>).set(id, {
      ref: name,
      attributes: { Arn: bus.ruleArn(name) },
    });
  }

  /** EventBridge sends an event it could not deliver to the target's DLQ, with why in its attributes. */
  private deadLetter(failure: FailedDelivery): void {
    const queue = this.eventDeadLetters.get(`${failure.ruleName}/${failure.targetId}`);
    if (!queue) return;
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    queue.sendMessage({
      body: JSON.stringify(failure.event),
      messageAttributes: {
        ERROR_CODE: { dataType: 'String', stringValue: failure.reason },
        ERROR_MESSAGE: { dataType: 'String', stringValue: message.slice(0, 256) || '?' },
      },
    });
  }
}

function stringProperty(
  resource: TemplateResource,
  name: string,
  context: ResolutionContext,
): string | undefined {
  const value = resource.Properties?.[name];
  return value === undefined ? undefined : resolveString(value, context, name);
}

/**
 * A physical name as CloudFormation makes them (stack name and logical id), within `max`
 * characters; a bucket's lower-cased and ending in a letter or digit, as bucket names must.
 */
function physicalName(stack: DeployedStack, logicalId: string, max: number, bucket = false): string {
  const name = `${stack.stackName}-${logicalId}`.slice(0, max);
  return bucket ? name.toLowerCase().replace(/[^a-z0-9]+$/, '') : name;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A password as GenerateSecretString makes one. */
function generatePassword(
  length: number,
  options: { punctuation: boolean; space: boolean; exclude: string },
): string {
  const alphabet = [
    ...(LETTERS + (options.punctuation ? PUNCTUATION : '') + (options.space ? ' ' : '')),
  ].filter((char) => !options.exclude.includes(char));
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => done());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
