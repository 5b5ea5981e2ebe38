/**
 * The `baton` command line: commands, options and exit codes. `bin/baton.ts` runs it.
 *
 *   baton run <definition.json> [--input '<json>' | --input @input.json] [--tasks ./tasks.mjs]
 *
 * `run` prints exactly one JSON object `{ status, output?, error?, cause? }` on stdout and exits 0
 * for SUCCEEDED, 1 for any other terminal status, 2 for an invalid definition or a usage error
 * (the message, on stderr, names the JSON Pointer of the bad field).
 *
 *   baton dev [--assembly cdk.out] [--only Stack1,Stack2] [--port 4545] [--data-dir .baton/dev] [--fresh] [--mocks mocks.json]
 *
 * `dev` runs the SagaOrchestrators of the CDK app in the current directory locally (see `dev.ts`)
 * until Ctrl-C; it exits 2 without a cdk.json, 1 when the synth fails or no stack has an
 * orchestrator.
 *
 * The other commands (`register`, `publish`, `start`, `list`, `describe`, `history`, `map-runs`,
 * `map-run`, `redrive`, `rerun`, `stop`, `send-task-success|failure|heartbeat`) talk to a running instance: the local one
 * (`npm start` or `baton dev`) through its HTTP API, found with `--url`, `BATON_URL`, the nearest
 * `.baton/instance.json` or `http://127.0.0.1:$BATON_PORT` (4545), in that order; or a deployed
 * stack with `--stack <name>` (see `stack-control.ts`). They exit 0 when the operation was done,
 * 1 when it failed (nothing running, an unknown name, an operation that cannot apply), 2 for a
 * usage error (a missing argument, JSON that does not parse: the message names the option).
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { ExecutionStatus } from '../lambdas/engine/execution.js';
import type { Json } from '../lambdas/engine/json.js';
import { isJsonObject } from '../lambdas/engine/json.js';
import { DefinitionError, checkDefinition, runWorkflow, type TaskFunction } from '../lambdas/index.js';
import { BatonClient, type ControlOperations } from '../local/api/client.js';
import { ApiRequestError, NotRunningError } from '../local/api/errors.js';
import { apiPortFromEnvironment, findInstanceUrl } from '../local/api/instance-file.js';
import { ConflictError, NotFoundError, type ListFilter } from '../local/control.js';
import { LocalDeployError, NoCdkAppError } from '../local/deploy/errors.js';
import { formatCheck } from './check.js';
import { formatDescription, formatExecutionTable } from './execution-table.js';
import { formatMapRun, formatMapRunTable } from './map-run-table.js';
import { formatTimeline } from './timeline.js';

/** Exit codes of the CLI. */
export const ExitCode = { Succeeded: 0, NotSucceeded: 1, OperationFailed: 1, Usage: 2 } as const;

/** A problem with what the user gave: exits 2 with this message. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function readInput(value: string | undefined): Promise<unknown> {
  return value === undefined ? {} : readJsonOption('--input', value);
}

/** The JSON of an option given as text or as `@file`; UsageError naming the option when it does not parse. */
async function readJsonOption(option: string, value: string): Promise<Json> {
  const fromFile = value.startsWith('@');
  const text = fromFile ? await readText(value.slice(1), `${option} file`) : value;
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new UsageError(
      `${option}${fromFile ? ` ${value}` : ''} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read the ${what} '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
}

async function loadTasks(path: string | undefined): Promise<Record<string, TaskFunction>> {
  if (path === undefined) return {};
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`Cannot load the tasks module '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  const tasks = module.default;
  if (typeof tasks !== 'object' || tasks === null) {
    throw new UsageError(
      `The tasks module '${path}' must have a default export mapping Resource strings to functions`,
    );
  }
  for (const [resource, fn] of Object.entries(tasks)) {
    if (typeof fn !== 'function') {
      throw new UsageError(
        `The tasks module '${path}': the entry for '${resource}' is a ${typeof fn}, not a function`,
      );
    }
  }
  return tasks as Record<string, TaskFunction>;
}

async function run(
  definitionPath: string,
  options: { input?: string; tasks?: string },
  write: (text: string) => void,
): Promise<number> {
  const definition = await readText(definitionPath, 'definition file');
  const input = await readInput(options.input);
  const tasks = await loadTasks(options.tasks);
  const result = await runWorkflow(definition, input, { tasks });
  const printed: Record<string, unknown> = { status: result.status };
  if (result.output !== undefined) printed.output = result.output;
  if (result.error !== undefined) printed.error = result.error;
  if (result.cause !== undefined) printed.cause = result.cause;
  if (result.compensationFailure !== undefined) printed.compensationFailure = result.compensationFailure;
  write(`${JSON.stringify(printed)}\n`);
  return result.status === 'SUCCEEDED' ? ExitCode.Succeeded : ExitCode.NotSucceeded;
}

/** Where the instance commands go: the global options. */
interface TargetOptions {
  readonly url?: string;
  readonly stack?: string;
  readonly region?: string;
}

/** What the program reads from its surroundings; tests replace parts of it. */
export interface ProgramEnvironment {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where `.baton/instance.json` is looked for, upwards. @default process.cwd() */
  readonly cwd?: string;
  /** The clock of `--since 1h`. @default Date.now */
  readonly now?: () => number;
  /** Where results and help go. @default process.stdout */
  readonly stdout?: (text: string) => void;
  /** Where errors go. @default process.stderr */
  readonly stderr?: (text: string) => void;
}

const writeStdout = (text: string): void => void process.stdout.write(text);
const writeStderr = (text: string): void => void process.stderr.write(text);

const STACK_HELP = `
Targets:
  By default the commands talk to the local instance started by \`npm start\` or \`baton dev\`: --url, else BATON_URL,
  else the URL in the nearest .baton/instance.json, else http://127.0.0.1:$BATON_PORT (default 4545).

  --stack <name> targets a deployed stack with your default AWS credentials. Its CloudFormation
  outputs name each domain's resources, as the SagaOrchestrator construct exports them: the keys
  <Prefix>InboxQueueUrl, <Prefix>TableName and <Prefix>EventBusName (e.g. BatonOrdersInboxQueueUrl).
  Executions are read from the table, operations are sent to the inbox queue, events go to the bus.

Exit codes: 0 done, 1 the operation failed, 2 usage error.`;

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `--since`: an ISO 8601 time, or a duration back from now (`30m`, `1h`, `2d`). */
function parseSince(value: string, now: number): string {
  const duration = DURATION.exec(value.trim());
  if (duration) {
    return new Date(now - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number)).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new UsageError(
      `--since must be an ISO 8601 time or a duration such as 30m, 1h or 2d, got '${value}'`,
    );
  }
  return new Date(time).toISOString();
}

/** The instance a command talks to: a deployed stack, or the local instance found as the help says. */
async function connect(
  target: TargetOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<ControlOperations> {
  if (target.stack !== undefined) {
    // Loaded only for --stack: the AWS SDK clients take a while to load.
    const { connectToStack } = await import('./stack-control.js');
    return connectToStack(target.stack, target.region !== undefined ? { region: target.region } : {});
  }
  let port: number;
  try {
    port = apiPortFromEnvironment(env);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const url = target.url ?? env.BATON_URL ?? (await findInstanceUrl(cwd)) ?? `http://127.0.0.1:${port}`;
  return new BatonClient(url);
}

/** Builds the command tree; `exit` receives the exit code. */
export function buildProgram(exit: (code: number) => void, environment: ProgramEnvironment = {}): Command {
  const env = environment.env ?? process.env;
  const now = environment.now ?? Date.now;
  const stdout = environment.stdout ?? writeStdout;
  const stderr = environment.stderr ?? writeStderr;
  const println = (text: string) => stdout(`${text}\n`);
  const program = new Command('baton')
    .description('Baton: Step Functions workflows with sagas, on serverless AWS parts you already own')
    .option('--url <url>', 'base URL of a local instance (default: found as described below)')
    .option('--stack <name>', 'target a deployed CloudFormation stack instead of the local instance')
    .option('--region <region>', 'AWS region of --stack (default: your AWS configuration)')
    .addHelpText('after', STACK_HELP)
    .exitOverride()
    .configureOutput({ writeOut: stdout, writeErr: stderr });

  /** The instance the command talks to. */
  const control = async (command: Command): Promise<ControlOperations> => {
    const target = command.optsWithGlobals<TargetOptions>();
    if (target.url !== undefined && target.stack !== undefined) {
      throw new UsageError('--url and --stack cannot be used together');
    }
    if (target.url !== undefined && !/^https?:\/\/[^/]+/.test(target.url)) {
      throw new UsageError(`--url must be an http:// URL such as http://127.0.0.1:4545, got '${target.url}'`);
    }
    return connect(target, env, environment.cwd ?? process.cwd());
  };

  program
    .command('dev')
    .description(
      "Run your CDK app's SagaOrchestrators locally: synthesize it, deploy its Baton stacks onto local services, serve the API and console",
    )
    .option(
      '--assembly <dir>',
      'a synthesized cloud assembly (cdk.out) to run, instead of synthesizing the app',
    )
    .option(
      '--only <stacks>',
      'comma-separated stacks to run (with the stacks they depend on); default: every stack with a SagaOrchestrator',
    )
    .option('--port <port>', 'port of the API and console (default: BATON_PORT or 4545; 0: any free port)')
    .option('--data-dir <dir>', 'where tables, queues and the assembly are kept (default: .baton/dev)')
    .option('--fresh', 'start from empty tables and queues')
    .option(
      '--mocks <file>',
      'a JSON file of mocked results for tasks whose service has no local stand-in (see the README, "Mocked results")',
    )
    .option('--verbose', "print the app's output while it synthesizes, and every line the functions log")
    .action(
      async (options: {
        assembly?: string;
        only?: string;
        port?: string;
        dataDir?: string;
        fresh?: boolean;
        mocks?: string;
        verbose?: boolean;
      }) => {
        let port: number;
        try {
          port = options.port !== undefined ? Number(options.port) : apiPortFromEnvironment(env);
        } catch (error) {
          throw new UsageError((error as Error).message, { cause: error });
        }
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw new UsageError(`--port must be a port number from 0 to 65535, got '${options.port}'`);
        }
        // Loaded only for dev: the deployment and the AWS SDK clients take a while to load.
        const { runDev } = await import('./dev.js');
        if (options.mocks !== undefined) {
          const { loadMocksFile, MocksFileError } = await import('../local/runtime/mocks-file.js');
          try {
            loadMocksFile(options.mocks);
          } catch (error) {
            if (error instanceof MocksFileError) throw new UsageError(error.message, { cause: error });
            throw error;
          }
        }
        const stopped = () =>
          new Promise<string>((resolve) => {
            for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
          });
        const only = options.only
          ?.split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        await runDev(
          {
            appDir: environment.cwd ?? process.cwd(),
            port,
            log: println,
            ...(options.assembly !== undefined ? { assembly: options.assembly } : {}),
            ...(only !== undefined && only.length > 0 ? { stacks: only } : {}),
            ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
            ...(options.fresh ? { fresh: true } : {}),
            ...(options.mocks !== undefined ? { mocks: options.mocks } : {}),
            ...(options.verbose ? { verbose: true } : {}),
          },
          stopped,
        );
      },
    );

  program
    .command('run')
    .description('Run a workflow definition in-process (virtual clock) and print its result as JSON')
    .argument('<definition>', 'path of the ASL definition (JSON)')
    .option('--input <json>', 'execution input: JSON text, or @file to read it from a file (default: {})')
    .option('--tasks <module>', 'ES module whose default export maps Resource strings to task functions')
    .action(async (definition: string, options: { input?: string; tasks?: string }) => {
      exit(await run(definition, options, stdout));
    });

  program
    .command('check')
    .description(
      'Check a workflow definition without running it: validation issues, and for every Task resource whether it runs on AWS and locally, with its IAM actions',
    )
    .argument('<definition>', 'path of the ASL definition (JSON)')
    .option('--json', 'print the report as JSON')
    .action(async (definitionPath: string, options: { json?: boolean }) => {
      const text = await readText(definitionPath, 'definition file');
      let definition: unknown;
      try {
        definition = JSON.parse(text);
      } catch (error) {
        throw new UsageError(
          `The definition file '${definitionPath}' is not valid JSON: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      const report = checkDefinition(definition);
      println(options.json ? JSON.stringify(report, null, 2) : formatCheck(basename(definitionPath), report));
      exit(report.ok ? ExitCode.Succeeded : ExitCode.NotSucceeded);
    });

  program
    .command('publish')
    .description('Put an event on an event bus (triggers start workflows, waiting states receive it)')
    .requiredOption('--source <source>', 'the event source, e.g. shop.orders')
    .requiredOption('--detail-type <type>', "the event's detail-type, e.g. 'Order Placed'")
    .option('--detail <json>', 'the detail: a JSON object, or @file (default: {})')
    .option('--bus <name>', 'event bus name (default: the local bus, or the first domain bus of --stack)')
    .action(
      async (
        options: { source: string; detailType: string; detail?: string; bus?: string },
        command: Command,
      ) => {
        const detail = options.detail === undefined ? {} : await readJsonOption('--detail', options.detail);
        if (!isJsonObject(detail)) throw new UsageError('--detail must be a JSON object');
        const ids = await (
          await control(command)
        ).publish([
          {
            source: options.source,
            detailType: options.detailType,
            detail,
            ...(options.bus !== undefined ? { eventBusName: options.bus } : {}),
          },
        ]);
        for (const id of ids) println(`Published event ${id}`);
      },
    );

  program
    .command('register')
    .description(
      'Register a workflow definition with a local instance: a new immutable version that new executions start on (running ones keep theirs)',
    )
    .argument('<workflow>', 'the workflow name, e.g. PlaceOrder')
    .argument('<definition>', 'path of the ASL definition (JSON)')
    .option('--domain <domain>', 'the domain to run it (default: the one that has it, or the only one)')
    .action(
      async (workflow: string, definitionPath: string, options: { domain?: string }, command: Command) => {
        const definition = await readJsonOption('<definition>', `@${definitionPath}`);
        const registered = await (
          await control(command)
        ).registerWorkflow({
          workflow,
          definition,
          ...(options.domain !== undefined ? { domain: options.domain } : {}),
        });
        const where = `${registered.workflow} in domain ${registered.domain}`;
        println(
          registered.previousVersion === registered.version
            ? `Unchanged: version ${registered.version} of ${where} is already the latest`
            : `Registered version ${registered.version} of ${where}${registered.previousVersion ? ` (was ${registered.previousVersion}; running executions keep theirs)` : ''}`,
        );
      },
    );

  program
    .command('start')
    .description('Start an execution of a workflow; prints its execution id')
    .argument('<workflow>', 'the workflow name, e.g. PlaceOrder')
    .option('--input <json>', 'execution input: JSON text, or @file (default: {})')
    .option('--name <name>', 'execution name, unique per workflow (default: a random id)')
    .option('--domain <domain>', 'the domain that runs the workflow (default: the one that has it)')
    .action(
      async (
        workflow: string,
        options: { input?: string; name?: string; domain?: string },
        command: Command,
      ) => {
        const input = options.input === undefined ? {} : await readJsonOption('--input', options.input);
        const executionId = await (
          await control(command)
        ).start({
          workflow,
          input,
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.domain !== undefined ? { domain: options.domain } : {}),
        });
        println(executionId);
      },
    );

  program
    .command('list')
    .description('List executions, newest first')
    .option('--workflow <workflow>', 'only this workflow')
    .addOption(new Option('--status <status>', 'only this status').choices(Object.values(ExecutionStatus)))
    .option('--since <time>', 'only those started since: ISO 8601, or a duration back from now (30m, 1h, 2d)')
    .option('--business-key <key>', 'only this business key (e.g. the order id)')
    .option('--limit <n>', 'at most this many (default: 50)')
    .option('--json', 'print JSON')
    .action(
      async (
        options: {
          workflow?: string;
          status?: ExecutionStatus;
          since?: string;
          businessKey?: string;
          limit?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const filter: { -readonly [K in keyof ListFilter]: ListFilter[K] } = {};
        if (options.workflow !== undefined) filter.workflow = options.workflow;
        if (options.status !== undefined) filter.status = options.status;
        if (options.since !== undefined) filter.since = parseSince(options.since, now());
        if (options.businessKey !== undefined) filter.businessKey = options.businessKey;
        if (options.limit !== undefined) {
          const limit = Number(options.limit);
          if (!Number.isInteger(limit) || limit < 1) {
            throw new UsageError(`--limit must be a positive integer, got '${options.limit}'`);
          }
          filter.limit = limit;
        }
        const executions = await (await control(command)).list(filter);
        println(options.json ? JSON.stringify(executions, null, 2) : formatExecutionTable(executions));
      },
    );

  program
    .command('describe')
    .description('Show one execution: status, times, error, input and output')
    .argument('<executionId>', 'the execution id, <workflow>:<name>')
    .option('--json', 'print JSON (with the definition)')
    .action(async (executionId: string, options: { json?: boolean }, command: Command) => {
      const description = await (await control(command)).describe(executionId);
      println(options.json ? JSON.stringify(description, null, 2) : formatDescription(description));
    });

  program
    .command('history')
    .description('Show the timeline of an execution: states, durations, retries, compensations, errors')
    .argument('<executionId>', 'the execution id, <workflow>:<name>')
    .option('--json', 'print the history events as JSON')
    .action(async (executionId: string, options: { json?: boolean }, command: Command) => {
      const target = await control(command);
      if (options.json) {
        println(JSON.stringify(await target.history(executionId), null, 2));
        return;
      }
      const [description, events] = await Promise.all([
        target.describe(executionId),
        target.history(executionId),
      ]);
      const error = description.error
        ? `  ${description.error}${description.cause ? `: ${description.cause}` : ''}`
        : '';
      println(`${description.executionId}  ${description.status}${error}`);
      println(formatTimeline(events));
    });

  program
    .command('map-runs')
    .description(
      "List an execution's Map Runs (its Distributed Map states' runs): status and items by status",
    )
    .argument('<executionId>', 'the execution id, <workflow>:<name>')
    .option('--json', 'print JSON')
    .action(async (executionId: string, options: { json?: boolean }, command: Command) => {
      const mapRuns = await (await control(command)).listMapRuns(executionId);
      println(options.json ? JSON.stringify(mapRuns, null, 2) : formatMapRunTable(mapRuns));
    });

  program
    .command('map-run')
    .description(
      'Show one Map Run: status, items and child executions by status, its first children, where its results went',
    )
    .argument('<mapRunArn>', 'the Map Run ARN, as `baton map-runs` or `baton describe` print it')
    .option('--json', "print JSON (DescribeMapRun's fields, and the children)")
    .action(async (mapRunArn: string, options: { json?: boolean }, command: Command) => {
      const mapRun = await (await control(command)).describeMapRun(mapRunArn);
      println(options.json ? JSON.stringify(mapRun, null, 2) : formatMapRun(mapRun));
    });

  program
    .command('redrive')
    .description('Resume a FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED execution where it failed')
    .argument('<executionId>', 'the execution id')
    .action(async (executionId: string, _options: unknown, command: Command) => {
      await (await control(command)).redrive(executionId);
      println(`Redrive sent: ${executionId}`);
    });

  program
    .command('rerun')
    .description('Start a new execution of the same definition version at a top-level state; prints its id')
    .argument('<executionId>', 'the execution to rerun')
    .requiredOption('--from <state>', 'the top-level state to start at')
    .option(
      '--input <json>',
      "the state's input: JSON text or @file (default: what it got in the original run)",
    )
    .action(async (executionId: string, options: { from: string; input?: string }, command: Command) => {
      const input = options.input === undefined ? undefined : await readJsonOption('--input', options.input);
      const rerunId = await (
        await control(command)
      ).rerun(executionId, { fromState: options.from, ...(input !== undefined ? { input } : {}) });
      println(rerunId);
    });

  program
    .command('stop')
    .description('Stop a RUNNING execution (ABORTED), optionally running its compensations')
    .argument('<executionId>', 'the execution id')
    .option('--compensate', "undo the saga's completed steps before ending")
    .option('--cause <text>', 'why it was stopped')
    .action(
      async (executionId: string, options: { compensate?: boolean; cause?: string }, command: Command) => {
        await (
          await control(command)
        ).stop(executionId, {
          ...(options.compensate ? { compensate: true } : {}),
          ...(options.cause !== undefined ? { cause: options.cause } : {}),
        });
        println(`Stop sent: ${executionId}${options.compensate ? ' (with compensation)' : ''}`);
      },
    );

  program
    .command('send-task-success')
    .description('Complete a waiting task with its output')
    .argument('<taskToken>', 'the task token the worker received')
    .option('--output <json>', "the task's output: JSON text or @file (default: {})")
    .action(async (taskToken: string, options: { output?: string }, command: Command) => {
      const output = options.output === undefined ? {} : await readJsonOption('--output', options.output);
      await (await control(command)).sendTaskSuccess(taskToken, output);
      println('Task success sent');
    });

  program
    .command('send-task-failure')
    .description('Fail a waiting task (Retry and Catch match on the error)')
    .argument('<taskToken>', 'the task token the worker received')
    .requiredOption('--error <error>', 'the error name, e.g. Payment.Declined')
    .option('--cause <text>', 'what went wrong')
    .action(async (taskToken: string, options: { error: string; cause?: string }, command: Command) => {
      await (await control(command)).sendTaskFailure(taskToken, options.error, options.cause);
      println('Task failure sent');
    });

  program
    .command('send-task-heartbeat')
    .description('Tell a waiting task with HeartbeatSeconds that its worker is alive')
    .argument('<taskToken>', 'the task token the worker received')
    .action(async (taskToken: string, _options: unknown, command: Command) => {
      await (await control(command)).sendTaskHeartbeat(taskToken);
      println('Task heartbeat sent');
    });

  return program;
}

/** The exit code and message of an error the user should see without a stack trace, or undefined. */
function expectedFailure(error: unknown): { code: number; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof DefinitionError || error instanceof UsageError || error instanceof NoCdkAppError) {
    return { code: ExitCode.Usage, message: error.message };
  }
  // baton dev: the app does not synthesize, has no orchestrator, or another instance runs.
  if (error instanceof LocalDeployError || error.name === 'PortInUseError') {
    return { code: ExitCode.OperationFailed, message: error.message };
  }
  // A request the API or the inbox refuses as malformed is a usage error too (a bad --name).
  if (error.name === 'MalformedMessageError' || (error instanceof ApiRequestError && error.status === 400)) {
    return { code: ExitCode.Usage, message: error.message };
  }
  // npm start runs Baton's own example domains; in a user's CDK app, baton dev runs theirs.
  if (error instanceof NotRunningError) {
    return {
      code: ExitCode.OperationFailed,
      message: `${error.message}, or \`npx baton dev\` in your CDK app's directory`,
    };
  }
  if (
    error instanceof NotFoundError ||
    error instanceof ConflictError ||
    error instanceof ApiRequestError ||
    error.name === 'StackOutputsError' ||
    error.name === 'EventsRefusedError'
  ) {
    return { code: ExitCode.OperationFailed, message: error.message };
  }
  // An AWS SDK error (access denied, no credentials, no region) in --stack mode.
  if (
    '$metadata' in error ||
    error.name === 'CredentialsProviderError' ||
    error.message === 'Region is missing'
  ) {
    return { code: ExitCode.OperationFailed, message: `AWS: ${error.name}: ${error.message}` };
  }
  return undefined;
}

/** Runs the CLI with `argv` (without the node and script paths). */
export async function main(argv: readonly string[], environment: ProgramEnvironment = {}): Promise<number> {
  let code: number = ExitCode.Succeeded;
  const program = buildProgram((c) => {
    code = c;
  }, environment);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Succeeded : ExitCode.Usage;
    }
    const failure = expectedFailure(error);
    if (failure) {
      (environment.stderr ?? writeStderr)(`baton: ${failure.message}\n`);
      return failure.code;
    }
    throw error;
  }
  return code;
}
