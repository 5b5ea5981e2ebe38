/**
 * AWS Lambda's Invoke (REST-JSON, `POST /2015-03-31/functions/{FunctionName}/invocations`) over
 * the functions a local deployment runs. `FunctionName` may be the name, the full ARN or the
 * partial ARN (`<account>:function:<name>`), each with a `:<qualifier>` suffix or the `Qualifier`
 * query parameter; only `$LATEST` exists locally. `X-Amz-Invocation-Type` is `RequestResponse`
 * (200, the function's payload), `Event` (202, run in the background: at-most-once here, no
 * retries) or `DryRun` (204).
 *
 * A function error is answered as Lambda does: status 200, `X-Amz-Function-Error: Unhandled` and
 * the runtime's `{ errorType, errorMessage, trace }` as the payload, which Step Functions matches
 * its Retry and Catch on by `errorType`.
 */
import { AwsApiError } from './errors.js';

/** What a function answers, or the error it failed with (as the Lambda runtime reports it). */
export type InvocationOutcome =
  | { readonly type: 'succeeded'; readonly value: unknown }
  | {
      readonly type: 'failed';
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string };
    };

/** A function reachable by Invoke. */
export interface InvocableFunction {
  readonly functionName: string;
  readonly functionArn: string;
  /** Runs one invocation; never rejects (a function error is an outcome). */
  readonly invoke: (event: unknown) => Promise<InvocationOutcome>;
}

/** An answer of the Lambda API: raw payload text and headers. */
export interface LambdaAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: string;
}

/** The only version of a function here. */
const LATEST = '$LATEST';
/** A function's ARN, full or partial, with its qualifier if any. */
const ARN =
  /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(\d{12}):function:([A-Za-z0-9_-]+)(?::([$A-Za-z0-9_-]+))?$/;

/** The Lambda operations, over registered functions. */
export class LambdaApi {
  private readonly byName = new Map<string, InvocableFunction>();
  /** Functions a deployment named but does not run, with why. */
  private readonly leftOut = new Map<string, string>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** Makes a function invocable by name and ARN. */
  register(fn: InvocableFunction): void {
    this.byName.set(fn.functionName, fn);
  }

  /** A function named but not run: an Invoke of it is refused with why. */
  registerLeftOut(functionName: string, reason: string): void {
    this.leftOut.set(functionName, reason);
  }

  /** Waits for the `Event` invocations in flight. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** Invoke: `functionNameOrArn` is the `{FunctionName}` of the URL, decoded. */
  async invoke(
    functionNameOrArn: string,
    query: URLSearchParams,
    headers: { readonly invocationType?: string },
    body: string,
  ): Promise<LambdaAnswer> {
    const fn = this.find(functionNameOrArn, query.get('Qualifier') ?? undefined);
    const invocationType = headers.invocationType ?? 'RequestResponse';
    const common = { 'X-Amz-Executed-Version': LATEST };
    let event: unknown;
    try {
      event = body.trim().length === 0 ? {} : JSON.parse(body);
    } catch {
      throw new AwsApiError('InvalidRequestContentException', 'Could not parse request body into json');
    }
    switch (invocationType) {
      case 'DryRun':
        return { status: 204, headers: common, payload: '' };
      case 'Event': {
        const running = fn.invoke(event).finally(() => this.background.delete(running));
        this.background.add(running);
        return { status: 202, headers: {}, payload: '' };
      }
      case 'RequestResponse': {
        const outcome = await fn.invoke(event);
        if (outcome.type === 'succeeded') {
          return { status: 200, headers: common, payload: JSON.stringify(outcome.value ?? null) };
        }
        const { error } = outcome;
        return {
          status: 200,
          headers: { ...common, 'X-Amz-Function-Error': 'Unhandled' },
          payload: JSON.stringify({
            errorType: error.name,
            errorMessage: error.message,
            trace: (error.stack ?? '').split('\n').filter((line) => line.length > 0),
          }),
        };
      }
      default:
        throw new AwsApiError(
          'InvalidParameterValueException',
          `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
        );
    }
  }

  /** The function a name, ARN or partial ARN designates, or ResourceNotFoundException. */
  private find(functionNameOrArn: string, queryQualifier: string | undefined): InvocableFunction {
    const match = ARN.exec(functionNameOrArn);
    const name = match ? (match[2] as string) : functionNameOrArn;
    const arnQualifier = match?.[3];
    if (arnQualifier !== undefined && queryQualifier !== undefined && arnQualifier !== queryQualifier) {
      throw new AwsApiError(
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    const qualifier = arnQualifier ?? queryQualifier ?? LATEST;
    const arn = `arn:aws:lambda:${this.region}:${match?.[1] ?? this.accountId}:function:${name}`;
    const fn = this.byName.get(name);
    const leftOut = this.leftOut.get(name);
    if (!fn || (match !== null && match[1] !== this.accountId)) {
      throw new AwsApiError(
        'ResourceNotFoundException',
        leftOut !== undefined
          ? `Function not found: ${arn} (baton dev does not run it: ${leftOut})`
          : `Function not found: ${arn}`,
        { status: 404 },
      );
    }
    if (qualifier !== LATEST) {
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Function not found: ${arn}:${qualifier} (only ${LATEST} runs locally)`,
        { status: 404 },
      );
    }
    return fn;
  }
}
