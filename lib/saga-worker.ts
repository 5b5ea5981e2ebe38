/**
 * One worker of a SagaOrchestrator: its queue and DLQ, its function (given, or bundled from an
 * entry file), and the event source mapping between them with partial batch responses.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BatonEnv, PowertoolsEnv } from '../lambdas/contract/environment-names.js';
import { BATON_METRICS_NAMESPACE } from '../lambdas/contract/metric-names.js';
import { BatonFunction } from './baton-function.js';
import { InvalidPropsError } from './errors.js';
import { QueueWithDeadLetter } from './queue-with-dead-letter.js';

/** The function timeout of an entry worker whose states set no TimeoutSeconds. */
export const DEFAULT_WORKER_TIMEOUT = Duration.seconds(30);
/** @see SagaWorkerOptions.memorySize */
export const DEFAULT_WORKER_MEMORY_MB = 256;
/** @see SagaWorkerOptions.batchSize */
export const DEFAULT_WORKER_BATCH_SIZE = 10;
/** Receives of a task message before it goes to the worker's DLQ. */
export const WORKER_MAX_RECEIVE_COUNT = 5;
/** AWS: a queue's visibility timeout should be at least six times its function's timeout. */
export const VISIBILITY_TO_FUNCTION_TIMEOUT = 6;
/** The longest timeout a Lambda function can have. */
const MAX_FUNCTION_TIMEOUT_SECONDS = 900;
/** The longest visibility timeout SQS accepts (12 hours). */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** How a worker is deployed, beyond its function. */
export interface SagaWorkerOptions {
  /** The entry file of a worker to bundle (a module exporting a `defineWorker` handler); exactly one of `entry` and `function`. @default none */
  readonly entry?: string;
  /** An existing function; it must read the environment `defineWorker` expects. @default none */
  readonly function?: lambda.IFunction;
  /** The exported handler of `entry`. @default 'handler' */
  readonly handler?: string;
  /**
   * The function's timeout (for `function`: what it is, to size the queue's visibility timeout).
   * @default for `entry`, the largest TimeoutSeconds of the states using the worker (at most 15 minutes), or 30 s; for `function`, its own timeout when it is a `lambda.Function`, else 15 minutes
   */
  readonly timeout?: Duration;
  /** Only for `entry`. @default 256 */
  readonly memorySize?: number;
  /** Task messages per invocation, 1-10. @default 10 */
  readonly batchSize?: number;
  /** The most concurrent invocations the queue triggers, 2-1000. @default no limit but the account's */
  readonly maxConcurrency?: number;
  /** More environment variables, only for `entry`. @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

/** A worker: an existing function, or options (with an entry file or a function). */
export type SagaWorkerSource = lambda.IFunction | SagaWorkerOptions;

/** Props of {@link SagaWorker}, filled in by the SagaOrchestrator. */
export interface SagaWorkerProps {
  readonly workerName: string;
  readonly source: SagaWorkerSource;
  /** The orchestrator's inbox, where results go. */
  readonly inbox: sqs.IQueue;
  /** The largest TimeoutSeconds of the states (and compensations) using the worker, if any sets one. */
  readonly stateTimeoutSeconds?: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly logLevel: string;
  readonly logPayloads: boolean;
}

/** A worker queue, its DLQ and its function, wired together. */
export class SagaWorker extends Construct {
  readonly workerName: string;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: lambda.IFunction;
  /** The function's log group. */
  readonly logGroup: logs.ILogGroup;
  /** The visibility timeout given to the queue. */
  readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: SagaWorkerProps) {
    super(scope, id);
    this.workerName = props.workerName;
    const prop = `workers.${props.workerName}`;
    const options: SagaWorkerOptions = isFunction(props.source) ? { function: props.source } : props.source;
    if ((options.entry === undefined) === (options.function === undefined)) {
      throw new InvalidPropsError(prop, "give exactly one of 'entry' and 'function'");
    }
    const batchSize = options.batchSize ?? DEFAULT_WORKER_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
      throw new InvalidPropsError(`${prop}.batchSize`, `must be an integer from 1 to 10, got ${batchSize}`);
    }
    if (options.maxConcurrency !== undefined) {
      const max = options.maxConcurrency;
      if (!Number.isInteger(max) || max < 2 || max > 1000) {
        throw new InvalidPropsError(
          `${prop}.maxConcurrency`,
          `must be an integer from 2 to 1000, got ${max}`,
        );
      }
    }

    const functionTimeout = workerFunctionTimeout(options, props.stateTimeoutSeconds);
    this.visibilityTimeout = workerVisibilityTimeout(functionTimeout, props.stateTimeoutSeconds);
    const queues = new QueueWithDeadLetter(this, 'Queue', {
      visibilityTimeout: this.visibilityTimeout,
      maxReceiveCount: WORKER_MAX_RECEIVE_COUNT,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    const environment: Record<string, string> = {
      [BatonEnv.inboxQueueUrl]: props.inbox.queueUrl,
      [BatonEnv.workerName]: props.workerName,
      [BatonEnv.logPayloads]: String(props.logPayloads),
      [PowertoolsEnv.serviceName]: props.workerName,
      [PowertoolsEnv.logLevel]: props.logLevel,
      [PowertoolsEnv.metricsNamespace]: BATON_METRICS_NAMESPACE,
    };
    if (options.entry !== undefined) {
      const worker = new BatonFunction(this, 'Worker', {
        code: {
          type: 'entry',
          entry: options.entry,
          ...(options.handler ? { handler: options.handler } : {}),
        },
        description: `Baton worker ${props.workerName}`,
        timeout: functionTimeout,
        memorySize: options.memorySize ?? DEFAULT_WORKER_MEMORY_MB,
        environment: { ...environment, ...options.environment },
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
      });
      this.function = worker.function;
      this.logGroup = worker.logGroup;
    } else {
      const fn = options.function as lambda.IFunction;
      this.function = fn;
      // An IFunction that is not a Function (imported) cannot be changed: its owner sets the environment.
      if (fn instanceof lambda.Function) {
        for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
        this.logGroup = fn.logGroup;
      } else {
        this.logGroup = logs.LogGroup.fromLogGroupName(this, 'Logs', `/aws/lambda/${fn.functionName}`);
      }
    }

    props.inbox.grantSendMessages(this.function);
    this.function.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize,
        reportBatchItemFailures: true,
        ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
      }),
    );
  }
}

/** True for a Lambda function (a construct), false for worker options (a plain object). */
function isFunction(source: SagaWorkerSource): source is lambda.IFunction {
  return Construct.isConstruct(source);
}

/** The worker function's timeout: given, the function's own, or derived from its states' TimeoutSeconds. */
export function workerFunctionTimeout(
  options: SagaWorkerOptions,
  stateTimeoutSeconds: number | undefined,
): Duration {
  if (options.timeout) return options.timeout;
  if (options.function !== undefined) {
    return options.function instanceof lambda.Function && options.function.timeout
      ? options.function.timeout
      : Duration.seconds(MAX_FUNCTION_TIMEOUT_SECONDS);
  }
  return stateTimeoutSeconds === undefined
    ? DEFAULT_WORKER_TIMEOUT
    : Duration.seconds(Math.min(stateTimeoutSeconds, MAX_FUNCTION_TIMEOUT_SECONDS));
}

/**
 * The worker queue's visibility timeout: at least six times the function timeout (so a message is
 * not redelivered while an invocation, or its retries by the poller, still holds it), and at least
 * the largest TimeoutSeconds of the states using the worker (a task is not handed out twice
 * before the orchestrator gives up on it), capped at the SQS maximum of 12 hours.
 */
export function workerVisibilityTimeout(
  functionTimeout: Duration,
  stateTimeoutSeconds: number | undefined,
): Duration {
  const seconds = Math.max(
    VISIBILITY_TO_FUNCTION_TIMEOUT * functionTimeout.toSeconds(),
    stateTimeoutSeconds ?? 0,
  );
  return Duration.seconds(Math.min(seconds, MAX_VISIBILITY_TIMEOUT_SECONDS));
}
