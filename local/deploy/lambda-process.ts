/**
 * A bundled Lambda function run as Lambda runs it: each execution environment is a Node.js child
 * process (`lambda-host.mjs`) with the function's environment variables and nothing of the
 * deploying process's, loading the bundle with Node's own ESM loader. An environment handles one invocation
 * at a time; the pool starts another (a cold start) when all are busy, and replaces one that
 * timed out (killed at the function's timeout, as Lambda does) or crashed.
 *
 * Child processes rather than `import()` in this process: each function gets its own module instance
 * and its own `process.env` (the functions of a domain set different BATON_WORKER_NAME and
 * POWERTOOLS_SERVICE_NAME, which their modules read at load time), and the bundle runs on the
 * real Node loader, not through Vite's transform.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';

const HOST = fileURLToPath(new URL('lambda-host.mjs', import.meta.url));

/** A function of the cloud assembly, ready to run. */
export interface BundledFunction {
  /** Its physical name. */
  readonly functionName: string;
  readonly functionArn: string;
  /** The bundled asset's directory (`cdk.out/asset.<hash>`). */
  readonly codeDirectory: string;
  /** `index.handler`. */
  readonly handler: string;
  /** Everything the process sees: the template's variables, the runtime's, the endpoints. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
}

/** A failed invocation, as the Lambda runtime reports it. */
export class InvocationError extends Error {
  override readonly name: string;
  /** The error's own message, without the function's name (Lambda's `errorMessage`). */
  readonly errorMessage: string;
  /** Its stack as the function's environment printed it, if any (Lambda's `trace`). */
  readonly trace: string | undefined;

  constructor(error: { name: string; message: string; stack?: string }, functionName: string) {
    super(`${functionName}: ${error.name}: ${error.message}`);
    this.name = error.name;
    this.errorMessage = error.message;
    this.trace = error.stack;
    if (error.stack) this.stack = `${functionName}: ${error.stack}`;
  }
}

type HostMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: { name: string; message: string; stack?: string } }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: { name: string; message: string; stack?: string };
    };

interface Environment {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy: boolean;
  /** Settles the invocation in progress with the environment's death. */
  onExit?: (reason: Error) => void;
}

/** Options of {@link LambdaProcessPool}. */
export interface LambdaProcessPoolOptions {
  /** Receives each line the environments print (logs, EMF metrics), prefixed with the function name. */
  readonly onLog?: (line: string) => void;
  /**
   * Told of every failed invocation (the function threw, timed out or crashed, or its module did
   * not load: `Runtime.HandlerNotFound`, `Runtime.ImportModuleError`), before the caller gets the
   * error: whatever the caller does with it (an SQS batch retried, a task failed), it is seen.
   * @default nothing
   */
  readonly onInvocationError?: (error: Error) => void;
}

/** The execution environments of one function. */
export class LambdaProcessPool {
  /** Environments started so far (cold starts). */
  coldStarts = 0;
  /** Invocations handled so far. */
  invocations = 0;

  private readonly environments = new Set<Environment>();
  private nextId = 0;
  private closed = false;

  constructor(
    readonly fn: BundledFunction,
    private readonly options: LambdaProcessPoolOptions = {},
  ) {}

  /** Invokes the function; rejects with {@link InvocationError} when it throws, times out or crashes. */
  async invoke(event: unknown, context: Context): Promise<unknown> {
    if (this.closed) throw new Error(`${this.fn.functionName} is shut down`);
    const environment = this.idleEnvironment() ?? this.start();
    environment.busy = true;
    try {
      await environment.ready;
      return await this.run(environment, event, context);
    } catch (error) {
      // An invocation cut short by close() is not the function's failure.
      if (!this.closed) this.options.onInvocationError?.(error as Error);
      throw error;
    } finally {
      environment.busy = false;
    }
  }

  /** The invocation as an SQS-triggered handler (what SqsEventSourceMapping calls). */
  readonly handler = (event: unknown, context: Context) =>
    this.invoke(event, context) as Promise<Record<string, unknown> | undefined>;

  /** Stops every environment. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.environments].map((environment) => this.stop(environment)));
  }

  private idleEnvironment(): Environment | undefined {
    return [...this.environments].find((environment) => !environment.busy);
  }

  private start(): Environment {
    this.coldStarts += 1;
    const child = fork(HOST, [this.fn.codeDirectory, this.fn.handler], {
      cwd: this.fn.codeDirectory,
      env: { ...this.fn.environment },
      execArgv: [],
      // Its own process group: a Ctrl-C in the terminal stops the deployment, which stops its
      // environments in order, instead of killing them under invocations in flight.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.options.onLog?.(`[${this.fn.functionName}] ${line}`);
      });
    }
    const environment: Environment = {
      child,
      busy: false,
      ready: new Promise<void>((resolve, reject) => {
        const onMessage = (message: HostMessage) => {
          if (message.type === 'ready') resolve();
          if (message.type === 'init-error') reject(new InvocationError(message.error, this.fn.functionName));
          if (message.type !== 'result') child.off('message', onMessage);
        };
        child.on('message', onMessage);
        child.once('exit', (code, signal) =>
          reject(
            new Error(`${this.fn.functionName}: the environment exited during init (${signal ?? code})`),
          ),
        );
      }),
    };
    // The init error is reported to the invocation that waits for it; no unhandled rejection here.
    environment.ready.catch(() => this.stop(environment));
    child.once('exit', (code, signal) => {
      this.environments.delete(environment);
      environment.onExit?.(
        new InvocationError(
          { name: 'Runtime.ExitError', message: `the environment exited (${signal ?? code})` },
          this.fn.functionName,
        ),
      );
    });
    this.environments.add(environment);
    return environment;
  }

  private run(environment: Environment, event: unknown, context: Context): Promise<unknown> {
    const id = this.nextId++;
    this.invocations += 1;
    const remaining = context.getRemainingTimeInMillis();
    const { child } = environment;
    return new Promise<unknown>((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        environment.onExit = undefined;
        settle();
      };
      const onMessage = (message: HostMessage) => {
        if (message.type !== 'result' || message.id !== id) return;
        finish(() =>
          message.ok
            ? resolve(message.value ?? undefined)
            : reject(
                new InvocationError(message.error ?? { name: 'Error', message: '?' }, this.fn.functionName),
              ),
        );
      };
      // Lambda stops the environment at the function's timeout; the next invocation cold-starts.
      const timer = setTimeout(() => {
        finish(() =>
          reject(
            new InvocationError(
              {
                name: 'Sandbox.Timedout',
                message: `Task timed out after ${this.fn.timeoutSeconds}.00 seconds`,
              },
              this.fn.functionName,
            ),
          ),
        );
        void this.stop(environment);
      }, remaining);
      environment.onExit = (reason) => finish(() => reject(reason));
      child.on('message', onMessage);
      child.send({
        type: 'invoke',
        id,
        event,
        context: {
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          awsRequestId: context.awsRequestId,
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          deadline: Date.now() + remaining,
        },
      });
    });
  }

  private async stop(environment: Environment): Promise<void> {
    const { child } = environment;
    this.environments.delete(environment);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
