/**
 * `baton dev`: a user's CDK app on the local runtime. In the app's directory it synthesizes the
 * app as `cdk synth` does (`local/deploy/app-synthesis.ts`: cdk.json's `app` command, no CDK CLI
 * needed), or reads an existing assembly (`--assembly cdk.out`); deploys every stack with a
 * SagaOrchestrator, and the stacks they depend on, onto the local services as CloudFormation
 * would (`local/deploy/deployment.ts`: tables, queues, buses and rules, the functions' bundled
 * assets run as Lambda runs them); and serves the HTTP API and the console for them, so that the
 * `baton` CLI and the console work against it as against `npm start`.
 *
 * The control plane is THE control plane ({@link StackControl}, a {@link DomainControl} wiring),
 * on the deployed stacks' outputs exactly as `--stack` reads a deployed stack: the tables through
 * the DynamoDB adapters on the local dynalite, operations as messages to the inbox queues through
 * the SQS adapter on the local AWS endpoint, events through EventBridge PutEvents there.
 *
 * The app's buckets are buckets of the local S3, which the functions' S3 clients reach through
 * `AWS_ENDPOINT_URL_S3`; its URL is printed at startup and recorded in `.baton/instance.json`.
 *
 * Data lives in `.baton/dev/` of the app (tables, buckets, queues, secrets, pending schedules, the
 * synthesized assembly): stopped and started again, the executions carry on.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_AWS_SDK_SERVICES } from '../lambdas/contract/definition-check.js';
import { BatonEnv } from '../lambdas/contract/environment-names.js';
import { StackOutput } from '../lambdas/contract/stack-outputs.js';
import { LATEST_SORT_KEY, TableKey } from '../lambdas/contract/table-schema.js';
import { ExecutionStatus } from '../lambdas/engine/execution.js';
import { serveLocalInstance } from '../local/api/local-instance.js';
import type { ApiServer } from '../local/api/server.js';
import type { DomainInfo, LocalControl } from '../local/control.js';
import { readCdkAppSettings, synthesizeApp } from '../local/deploy/app-synthesis.js';
import { readCloudAssembly, type CloudAssembly } from '../local/deploy/cloud-assembly.js';
import { LocalDeployment } from '../local/deploy/deployment.js';
import { UnresolvedError } from '../local/deploy/intrinsics.js';
import { hasOrchestrator, orchestratorStacks } from '../local/deploy/orchestrator-stacks.js';
import { LocalDeployError } from '../local/deploy/errors.js';
import { loadMocksFile } from '../local/runtime/mocks-file.js';
import {
  acquireInstanceLock,
  INSTANCE_LOCK_FILE,
  InstanceLockedError,
} from '../local/runtime/instance-lock.js';
import { StackControl, domainsFromOutputs, stackDomainPorts, type StackDomain } from './stack-control.js';

/** Where, in the app's directory, `baton dev` keeps its data. */
export const DEV_DATA_DIR = join('.baton', 'dev');
/** The synthesized assembly, inside the data directory. */
const ASSEMBLY_DIR = 'cdk.out';

/** Options of {@link startDev}. */
export interface DevOptions {
  /** The CDK app's directory (cdk.json); the instance is recorded in its `.baton/instance.json`. */
  readonly appDir: string;
  /** An assembly synthesized already (`cdk.out`), instead of synthesizing the app. @default synthesize */
  readonly assembly?: string;
  /** @default `<appDir>/.baton/dev` */
  readonly dataDir?: string;
  /** The API's port; 0 for any free one. */
  readonly port: number;
  /** Only these stacks (with an orchestrator) and their dependencies. @default every stack with one */
  readonly stacks?: readonly string[];
  /** Start from empty tables and queues. @default false */
  readonly fresh?: boolean;
  /**
   * Print what the app prints while it synthesizes, and every line the functions print, not only
   * their warnings, errors and plain text. @default false
   */
  readonly verbose?: boolean;
  /**
   * A mocks file: results of tasks whose service has no local stand-in (see
   * `lambdas/runtime/integration-mocks.ts`). @default none: such tasks fail, saying how to mock them
   */
  readonly mocks?: string;
  /** Progress and status lines. */
  readonly log: (line: string) => void;
}

/** A running `baton dev`. */
export interface DevInstance {
  /** The API's and console's base URL. */
  readonly url: string;
  /** The stacks deployed, in order. */
  readonly stacks: readonly string[];
  /** Where SDK clients reach the local services: `s3`, the local S3 holding the stacks' buckets. */
  readonly endpoints: { readonly s3: string };
  readonly control: LocalControl;
  /** Stops serving, stops the functions, saves the queues and schedules, closes the tables. */
  close(): Promise<void>;
}

/** Synthesizes (or reads) the app, deploys its Baton stacks locally and serves them. */
export async function startDev(options: DevOptions): Promise<DevInstance> {
  const { log } = options;
  const started = Date.now();
  // The SDK warns that its releases after January 2027 need Node 22; Lambda runs 22 already.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const appDir = resolve(options.appDir);
  const dataDir = resolve(options.dataDir ?? join(appDir, DEV_DATA_DIR));
  let lock: ReturnType<typeof acquireInstanceLock>;
  try {
    lock = acquireInstanceLock(dataDir);
  } catch (error) {
    if (!(error instanceof InstanceLockedError)) throw error;
    throw new LocalDeployError(`baton dev is ${error.message} for ${dataDir}: stop it first`, {
      cause: error,
    });
  }
  try {
    if (options.fresh) {
      for (const entry of readdirSync(dataDir)) {
        if (!entry.startsWith(INSTANCE_LOCK_FILE))
          rmSync(join(dataDir, entry), { recursive: true, force: true });
      }
    }
    let assembly: CloudAssembly;
    if (options.assembly !== undefined) {
      assembly = readCloudAssembly(resolve(appDir, options.assembly));
      log(`Baton dev: the cloud assembly ${assembly.directory}`);
    } else {
      const { app } = readCdkAppSettings(appDir);
      log(`Baton dev: synthesizing the CDK app in ${appDir} (${app})...`);
      assembly = await synthesizeApp({
        appDir,
        outdir: join(dataDir, ASSEMBLY_DIR),
        // The app's own output (bundling, warnings) with --verbose; a failure shows it anyway.
        ...(options.verbose ? { onOutput: (text: string) => log(text.trimEnd()) } : {}),
      });
      const count = assembly.stacks.size;
      log(`  synthesized ${count} stack${count === 1 ? '' : 's'} in ${seconds(Date.now() - started)}`);
    }
    const stacks = orchestratorStacks(assembly, options.stacks);
    log(`Deploying ${stacks.length} stack${stacks.length === 1 ? '' : 's'} locally: ${stacks.join(', ')}`);
    log(`  data:      ${dataDir} (kept across restarts; --fresh starts empty)`);
    const mocks = loadMocksFile(options.mocks);
    if (options.mocks !== undefined) log(`  mocks:     ${resolve(options.mocks)}`);
    const deployment = await LocalDeployment.deploy({
      assembly,
      stacks,
      dataDir,
      // The orchestrators call only the services with a local stand-in, and mock the others.
      functionEnvironment: {
        [BatonEnv.localAwsSdkServices]: LOCAL_AWS_SDK_SERVICES.join(','),
        [BatonEnv.localMocks]: JSON.stringify(mocks.config),
      },
      onStack: (name) => log(`  deploying ${name}...`),
      onSkipped: (message) => log(`  warning:   ${message}`),
      onLog: functionLogPrinter(options),
      // Always shown: a function that fails on every message (a module without its handler
      // export) would otherwise leave its executions RUNNING without a word.
      onInvocationError: (error) => log(`  error:     ${error.message}`),
    });
    let served: Awaited<ReturnType<typeof serve>>;
    try {
      served = await serve(deployment, stacks, appDir, options.port);
    } catch (error) {
      await deployment.close();
      throw error;
    }
    lock.setUrl(served.server.url);
    for (const domain of await served.control.domains()) {
      const workflows = domain.workflows.map((workflow) => workflow.name).join(', ') || 'none';
      log(
        `  domain:    ${domain.name} — workflows ${workflows}; workers ${domain.workers.join(', ') || 'none'}`,
      );
    }
    log(`  console:   ${served.server.url}/`);
    log(`  API:       ${served.server.url}/api (the baton CLI finds it through .baton/instance.json)`);
    const buckets = stacks.flatMap((name) => [...deployment.stack(name).buckets.values()]);
    log(
      `  S3:        ${deployment.s3.url} (AWS_ENDPOINT_URL_S3 of the functions; buckets ${buckets.join(', ') || 'none'})`,
    );
    log(
      `Ready in ${seconds(Date.now() - started)}. Try: npx baton start <workflow> --input '{}' · npx baton list`,
    );
    const unsubscribe = served.control.subscribe(({ executionId, status }) => {
      log(`  ${`+${seconds(Date.now() - started)}`.padStart(9)}  ${executionId.padEnd(40)} ${status}`);
    });
    let closing: Promise<void> | undefined;
    return {
      url: served.server.url,
      stacks,
      endpoints: { s3: deployment.s3.url },
      control: served.control,
      close: () =>
        (closing ??= (async () => {
          unsubscribe();
          await served.server.close();
          served.close();
          await deployment.close();
          lock.release();
        })()),
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The control plane over the deployed stacks' domains, and its API server. */
async function serve(
  deployment: LocalDeployment,
  stackNames: readonly string[],
  appDir: string,
  port: number,
): Promise<{ control: StackControl; server: ApiServer; close: () => void }> {
  const clientConfig = {
    endpoint: deployment.endpoint.url,
    region: deployment.stack(stackNames[0] ?? '').context.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const sqs = new SQSClient(clientConfig);
  const eventBridge = new EventBridgeClient(clientConfig);
  const dynamodb = deployment.dynamodb.client;
  const domains: { domain: StackDomain; stackName: string; eventSource?: string }[] = [];
  for (const stackName of stackNames) {
    const stack = deployment.stack(stackName);
    if (!hasOrchestrator(stack.source)) continue;
    const outputs = resolvedOutputs(deployment, stackName);
    for (const domain of domainsFromOutputs(stackName, outputs)) {
      const prefix = outputs.find((output) => output.OutputValue === domain.inboxQueueUrl)?.OutputKey;
      const source = outputs.find(
        (output) =>
          output.OutputKey ===
          `${prefix?.slice(0, -StackOutput.inboxQueueUrl.length)}${StackOutput.eventSource}`,
      )?.OutputValue;
      domains.push({ domain, stackName, ...(source !== undefined ? { eventSource: source } : {}) });
    }
  }
  const listeners = new Set<Parameters<LocalControl['subscribe']>[0]>();
  for (const { domain, eventSource } of domains) {
    // The orchestrator's lifecycle events tell the console and the log of each status change.
    deployment.buses.get(domain.eventBusName)?.putRule({
      name: `baton-dev-${domain.name}-lifecycle`,
      eventPattern: { source: [eventSource ?? `baton.${domain.name}`] },
      targets: [
        {
          id: 'baton-dev',
          deliver: (input) => {
            const detail = (
              JSON.parse(input.text) as { detail?: { executionId?: unknown; status?: unknown } }
            ).detail;
            const status = detail?.status;
            if (typeof detail?.executionId !== 'string' || !isStatus(status)) return;
            for (const listener of listeners) listener({ executionId: detail.executionId, status });
          },
        },
      ],
    });
  }
  const control = new StackControl({
    eventBridge,
    domains: domains.map(({ domain }) => stackDomainPorts(domain, dynamodb, sqs)),
    describeDomains: () =>
      Promise.all(domains.map(({ domain, stackName }) => describeDomain(deployment, stackName, domain))),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // The stacks run here: a definition may be tried before it goes into the app (baton register).
    registersDefinitions: true,
  });
  const server = await serveLocalInstance(control, {
    projectDir: appDir,
    port,
    endpoints: { s3: deployment.s3.url },
  });
  return {
    control,
    server,
    close: () => {
      sqs.destroy();
      eventBridge.destroy();
    },
  };
}

/** The stack's outputs as CloudFormation would give them; those naming what is not deployed locally are left out. */
function resolvedOutputs(
  deployment: LocalDeployment,
  stackName: string,
): { OutputKey: string; OutputValue: string }[] {
  const keys = Object.keys(deployment.stack(stackName).source.template.Outputs ?? {});
  return keys.flatMap((key) => {
    try {
      return [{ OutputKey: key, OutputValue: deployment.output(stackName, key) }];
    } catch (error) {
      if (error instanceof UnresolvedError) return [];
      throw error;
    }
  });
}

/** A domain as `baton dev` runs it: its workflows at their latest versions, and its workers. */
async function describeDomain(
  deployment: LocalDeployment,
  stackName: string,
  domain: StackDomain,
): Promise<DomainInfo> {
  // Every workflow the table has a latest version of: those the stack deployed and those registered since.
  const items = await deployment.dynamodb.client.send(
    new ScanCommand({
      TableName: domain.tableName,
      FilterExpression: '#sk = :latest',
      ExpressionAttributeNames: { '#sk': TableKey.sort },
      ExpressionAttributeValues: { ':latest': { S: LATEST_SORT_KEY } },
      ConsistentRead: true,
    }),
  );
  const workflows = (items.Items ?? [])
    .flatMap((item) =>
      item.name?.S !== undefined && item.version?.S !== undefined
        ? [{ name: item.name.S, version: item.version.S }]
        : [],
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  // A worker reports to its domain's public inbox (or the inbox, for stacks without one).
  const reportsTo = domain.publicInboxQueueUrl ?? domain.inboxQueueUrl;
  const workers = [...deployment.stack(stackName).functions.values()]
    .filter(
      (pool) =>
        pool.fn.environment[BatonEnv.workerName] !== undefined &&
        pool.fn.environment[BatonEnv.inboxQueueUrl] === reportsTo,
    )
    .map((pool) => pool.fn.environment[BatonEnv.workerName] as string)
    .sort();
  return { name: domain.name, eventBus: domain.eventBusName, workflows, workers };
}

const STATUSES: ReadonlySet<string> = new Set(Object.values(ExecutionStatus));

function isStatus(value: unknown): value is ExecutionStatus {
  return typeof value === 'string' && STATUSES.has(value);
}

/**
 * What of the functions' output is shown: their plain lines (a worker's console.log) and the
 * Powertools lines at WARN and above; everything with `verbose`.
 */
function functionLogPrinter(options: DevOptions): (line: string) => void {
  return (line) => {
    if (line.trim() === '') return;
    if (!options.verbose) {
      const json = line.indexOf('{');
      const level = json >= 0 ? /"level":"([A-Z]+)"/.exec(line.slice(json))?.[1] : undefined;
      if (level !== undefined && !['WARN', 'ERROR', 'CRITICAL'].includes(level)) return;
      // EMF metrics: one JSON line per invocation, for CloudWatch.
      if (line.includes('"_aws":{')) return;
    }
    options.log(line);
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * `baton dev` from start to stop: starts, serves until `stopped()` settles (Ctrl-C: SIGINT or
 * SIGTERM), then closes everything it started, child processes included.
 */
export async function runDev(options: DevOptions, stopped: () => Promise<string>): Promise<void> {
  const instance = await startDev(options);
  const stop = stopped();
  options.log(`\nServing ${instance.url}/ — Ctrl-C to stop.`);
  const signal = await stop;
  options.log(`${signal}: stopping the functions, saving the queues...`);
  await instance.close();
  options.log('Stopped.');
}
