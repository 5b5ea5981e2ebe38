/**
 * The orchestrator Lambda, triggered by the domain's inbox queue (with ReportBatchItemFailures).
 * Wiring only: configuration from the environment, Powertools for logs, traces and metrics, the
 * loop from `lambdas/runtime`, the adapters from `lambdas/aws`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  createOrchestrator,
  defaultClients,
  readOrchestratorEnvironment,
} from '../aws/orchestrator-environment.js';
import { createInboxHandler, loggerPort, metricsPort } from '../aws/sqs-inbox-handler.js';
import { BatonEnv } from '../contract/environment-names.js';
import { BATON_METRICS_NAMESPACE } from '../contract/metric-names.js';
import {
  apiGatewayOnFirstUse,
  distributedMapOnFirstUse,
  awsSdkOnFirstUse,
  httpOnFirstUse,
  jsonataOnFirstUse,
  lambdaInvokeOnFirstUse,
  mapRunsOnFirstUse,
  s3PayloadsOnFirstUse,
  tracerOnFirstUse,
  validatorOnFirstUse,
} from './adapters-on-first-use.js';

const serviceName = process.env[BatonEnv.eventSource] ?? 'baton-orchestrator';
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: BATON_METRICS_NAMESPACE, serviceName });
// Powertools' Tracer and the X-Ray SDK under it load on the first invocation, while it reads the
// signing key, not at init; the clients made now are captured then, before any of them sends.
const tracing = tracerOnFirstUse(async () => {
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  return new Tracer({ serviceName });
});
const { capture } = tracing;
const clients = defaultClients({ capture });
// Loaded on first use (most invocations need neither): payloads too large for DynamoDB go to S3;
// `lambda:invoke` and Lambda ARN tasks (the construct grants invoke on the functions definitions name).
const payloads = s3PayloadsOnFirstUse(capture);
const lambda = lambdaInvokeOnFirstUse(capture);
// Workflows with JSONata states: the jsonata library is loaded before the first one is compiled.
const jsonata = jsonataOnFirstUse();
// The definition validator: loaded when the first workflow is compiled, not at init.
const validator = validatorOnFirstUse();
// `aws-sdk:*` and `sns:publish` tasks: each service's client from the Lambda runtime's AWS SDK.
// Under `baton dev`, only the services with a local stand-in are called (the rest need a mock).
const localServices = process.env[BatonEnv.localAwsSdkServices];
const awsSdk = awsSdkOnFirstUse(
  capture,
  localServices?.split(',').filter((name) => name.length > 0),
);

// `apigateway:invoke` tasks: Node's HTTP client, calls signed with the function's role when asked.
const apiGateway = apiGatewayOnFirstUse(localServices !== undefined);
// Distributed Map runs: loaded on a run's first message.
const mapRuns = mapRunsOnFirstUse(capture, { jsonata, validator });

let handle: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;

/**
 * The handler, built on the first invocation: the signing key is read from Secrets Manager (by
 * Powertools Parameters' own client, which is not captured) while the tracer loads.
 */
async function createHandler(): Promise<(event: SQSEvent, context: Context) => Promise<SQSBatchResponse>> {
  const config = readOrchestratorEnvironment();
  // `baton dev --mocks <file>` only: mocked results of tasks with no local stand-in.
  const mocksJson = process.env[BatonEnv.localMocks];
  const mocks =
    mocksJson === undefined
      ? undefined
      : (await import('../runtime/integration-mocks.js')).MockedResults.parse(
          JSON.parse(mocksJson),
          'the mocks file given to baton dev --mocks',
        );
  // `http:invoke` tasks: fetch, and the connections read through the AWS SDK transport; under
  // `baton dev`, declared in the mocks file (the local endpoint has no EventBridge connections).
  const http = httpOnFirstUse(
    awsSdk.awsSdk,
    localServices === undefined
      ? undefined
      : {
          connections: mocks?.connections ?? {},
          hint:
            'declare it in the "Connections" of the mocks file given to baton dev --mocks (ARN -> AuthorizationType ' +
            'and AuthParameters, as an AWS::Events::Connection resource has them), or declare a mocked result for this state',
        },
  );
  const [orchestrator, tracer] = await Promise.all([
    createOrchestrator({
      config,
      clients,
      jsonata,
      validator,
      distributedMap: distributedMapOnFirstUse(),
      logger: loggerPort(logger),
      metrics: metricsPort(metrics),
      lambda,
      payloads,
      awsSdk,
      apiGateway,
      http,
      mapRuns,
      ...(mocks ? { mocks } : {}),
    }),
    tracing.load(),
  ]);
  return createInboxHandler({
    orchestrator,
    logger,
    tracer,
    metrics,
    ...(config.publicInboxQueueArn ? { publicQueueArn: config.publicInboxQueueArn } : {}),
  });
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  handle ??= await createHandler();
  return handle(event, context);
}
