/**
 * The `Context` object a local Lambda invocation receives: names and ARN as Lambda forms them,
 * a request id, and `getRemainingTimeInMillis()` counted on the injected clock against the
 * function's timeout.
 */
import type { Context } from 'aws-lambda';
import type { Clock } from '../sqs/clock.js';
import { UnsupportedContextMethodError } from './errors.js';

/** What a context is made from. */
export interface LambdaContextOptions {
  readonly functionName: string;
  readonly awsRequestId: string;
  /** Epoch ms at which the invocation times out. */
  readonly deadline: number;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  /** @default 128 */
  readonly memoryLimitInMB?: number;
  /** @default '$LATEST' */
  readonly functionVersion?: string;
}

/** Builds the context of one invocation. `done`, `succeed` and `fail` throw: handlers are async. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const version = options.functionVersion ?? '$LATEST';
  const day = new Date(options.clock.now()).toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: version,
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 128),
    awsRequestId: options.awsRequestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[${version}]${options.awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, options.deadline - options.clock.now()),
    done: () => {
      throw new UnsupportedContextMethodError('done');
    },
    fail: () => {
      throw new UnsupportedContextMethodError('fail');
    },
    succeed: () => {
      throw new UnsupportedContextMethodError('succeed');
    },
  };
}
