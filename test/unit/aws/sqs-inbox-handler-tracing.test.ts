/**
 * The inbox handler with tracing on, as on Lambda with active tracing: Powertools Tracer enabled
 * (AWS_EXECUTION_ENV), the X-Ray SDK in its Lambda mode (LAMBDA_TASK_ROOT, the facade segment of
 * the invocation's _X_AMZN_TRACE_ID), and the segment documents it emits read from a UDP socket
 * standing in for the X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS). The SDK reads these when it loads, so
 * the Tracer is imported after they are set. SQS is faked at its HTTP layer: no network.
 */
import { distributedMapExecutor } from '../../../lambdas/engine/decide/distributed-map-state.js';
import { createSocket, type Socket } from 'node:dgram';
import { Readable } from 'node:stream';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsTaskDispatcher } from '../../../lambdas/aws/sqs-task-dispatcher.js';
import { createInboxHandler } from '../../../lambdas/aws/sqs-inbox-handler.js';
import { Orchestrator } from '../../../lambdas/runtime/orchestrator.js';
import { tracerOnFirstUse } from '../../../lambdas/orchestrator/adapters-on-first-use.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';
import { bundledJsonata } from '../../../lambdas/engine/jsonata/bundled-jsonata.js';
import { assertValidDefinitionWith } from '../../../lambdas/engine/definition-validator.js';

const TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793';
const FACADE_ID = '53995c3f42cd8ad8';
/** What SQS hands this invocation on a record: the header of the trace that sent it. */
const PRODUCER_TRACE_HEADER = 'Root=1-67891233-abcdef012345678912345678;Parent=463ac35c9f6413ad;Sampled=1';
const WORKER_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/charge';

/** A segment document as the X-Ray daemon receives it. */
interface SegmentDocument {
  readonly id: string;
  readonly name: string;
  readonly trace_id: string;
  readonly parent_id?: string;
  readonly type?: string;
  readonly annotations?: Record<string, unknown>;
  readonly fault?: boolean;
  readonly error?: boolean;
}

/** What the SDK hands its HTTP handler, as much as these tests read of it. */
interface SentRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** SQS's HTTP endpoint, faked as the SDK's request handler: it keeps each request and answers it. */
function recordingSqsEndpoint() {
  const requests: SentRequest[] = [];
  const handler = {
    handle: async (request: SentRequest) => {
      requests.push(request);
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(JSON.stringify({ MessageId: `m-${requests.length}` }))]),
        },
      };
    },
  };
  return { requests, handler };
}

function record(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: '0',
      AWSTraceHeader: PRODUCER_TRACE_HEADER,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:inbox',
    awsRegion: 'us-east-1',
  };
}

const context = { functionName: 'orchestrator', awsRequestId: 'req-1' } as Context;

const daemon: { socket?: Socket; documents: SegmentDocument[] } = { documents: [] };
let tracer: Tracer;

beforeAll(async () => {
  const socket = createSocket('udp4');
  socket.on('message', (packet) => {
    // `{"format":"json","version":1}` + newline + the document.
    const [, document] = packet.toString('utf8').split('\n');
    if (document) daemon.documents.push(JSON.parse(document) as SegmentDocument);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  daemon.socket = socket;
  vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
  vi.stubEnv('LAMBDA_TASK_ROOT', '/var/task');
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'orchestrator');
  vi.stubEnv('_X_AMZN_TRACE_ID', `Root=${TRACE_ID};Parent=${FACADE_ID};Sampled=1`);
  vi.stubEnv('AWS_XRAY_DAEMON_ADDRESS', `127.0.0.1:${socket.address().port}`);
  vi.stubEnv('AWS_XRAY_LOGGING_LEVEL', 'silent');
  vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  tracer = new Tracer({ serviceName: 'baton-test' });
});

afterAll(() => {
  daemon.socket?.close();
  vi.unstubAllEnvs();
});

/** The documents the daemon has received once `count` match, or the test's timeout. */
async function documentsWhen(
  match: (document: SegmentDocument) => boolean,
  count: number,
): Promise<SegmentDocument[]> {
  await vi.waitFor(
    () => {
      expect(daemon.documents.filter(match)).toHaveLength(count);
    },
    { timeout: 30_000, interval: 10 },
  );
  return daemon.documents.filter(match);
}

/**
 * An orchestrator on an in-process domain whose worker tasks go out through the AWS task
 * dispatcher, on an SQS client captured by the Tracer, as the orchestrator Lambda wires them: by
 * default made after the tracer; `madeBeforeTracer`, made first and captured when the tracer is
 * loaded (`tracerOnFirstUse`, as the Lambda's handler does at its first invocation).
 */
async function tracedOrchestrator(options: { readonly madeBeforeTracer?: boolean } = {}) {
  const domain = new InProcessDomain({});
  await domain.deploy('Pay', {
    StartAt: 'Charge',
    States: { Charge: { Type: 'Task', Resource: 'baton:worker:charge', End: true } },
  });
  const endpoint = recordingSqsEndpoint();
  const tracing = tracerOnFirstUse(() => Promise.resolve(tracer));
  const capture = options.madeBeforeTracer
    ? tracing.capture
    : <Client extends object>(client: Client): Client => tracer.captureAWSv3Client(client);
  const sqs = capture(
    new SQSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      md5: false,
      requestHandler: endpoint.handler,
    }),
  );
  const orchestrator = new Orchestrator({
    ports: {
      ...domain.ports,
      tasks: new AwsTaskDispatcher({
        sqs,
        eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
        workerQueues: { charge: WORKER_QUEUE_URL },
        // Only service integrations report through it, and this workflow has none.
        inbox: { send: () => Promise.reject(new Error('unexpected service integration result')) },
      }),
    },
    signer: domain.signer,
    eventSource: 'baton.test',
    jsonata: () => bundledJsonata,
    validator: () => assertValidDefinitionWith,
    distributedMap: () => distributedMapExecutor,
  });
  const handler = createInboxHandler({
    orchestrator,
    logger: new Logger({ serviceName: 'baton-test', logLevel: 'SILENT' }),
    tracer: await tracing.load(),
  });
  return { endpoint, handler, domain };
}

describe('the inbox SQS handler with tracing on', () => {
  it('records each record on a subsegment of its own, annotated with its execution id and workflow', async () => {
    const { handler } = await tracedOrchestrator();
    const event: SQSEvent = {
      Records: [
        record('start-a', { kind: 'StartExecution', workflow: 'Pay', name: 'a', input: {} }),
        record('start-b', { kind: 'StartExecution', workflow: 'Pay', name: 'b', input: {} }),
      ],
    };

    expect((await handler(event, context)).batchItemFailures).toEqual([]);

    const records = await documentsWhen((document) => document.name === 'inbox StartExecution', 2);
    const annotations = records.map((document) => document.annotations);
    expect(annotations.sort((x, y) => String(x?.executionId).localeCompare(String(y?.executionId)))).toEqual([
      { executionId: 'Pay:a', workflow: 'Pay' },
      { executionId: 'Pay:b', workflow: 'Pay' },
    ]);
    for (const document of records) {
      expect(document).toMatchObject({ trace_id: TRACE_ID, parent_id: FACADE_ID, type: 'subsegment' });
    }
  });

  it("traces the AWS calls a record makes under that record's subsegment", async () => {
    const { handler } = await tracedOrchestrator();
    await handler(
      { Records: [record('start-c', { kind: 'StartExecution', workflow: 'Pay', name: 'c', input: {} })] },
      context,
    );

    const [recordSegment] = await documentsWhen(
      (document) => document.annotations?.executionId === 'Pay:c',
      1,
    );
    const sqsCalls = await documentsWhen(
      (document) => document.name === 'SQS' && document.parent_id === recordSegment?.id,
      1,
    );
    expect(sqsCalls[0]?.trace_id).toBe(TRACE_ID);
  });

  it('traces the calls of a client made before the tracer was loaded, once it is', async () => {
    const { endpoint, handler } = await tracedOrchestrator({ madeBeforeTracer: true });
    await handler(
      {
        Records: [
          record('start-early', { kind: 'StartExecution', workflow: 'Pay', name: 'early', input: {} }),
        ],
      },
      context,
    );

    const [recordSegment] = await documentsWhen(
      (document) => document.annotations?.executionId === 'Pay:early',
      1,
    );
    const [sqsCall] = await documentsWhen(
      (document) => document.name === 'SQS' && document.parent_id === recordSegment?.id,
      1,
    );
    expect(endpoint.requests[0]?.headers['X-Amzn-Trace-Id']).toBe(
      `Root=${TRACE_ID};Parent=${sqsCall?.id};Sampled=1`,
    );
  });

  it("sends the worker task with the SDK's trace header of this invocation, not the record's", async () => {
    const { endpoint, handler } = await tracedOrchestrator();
    await handler(
      { Records: [record('start-d', { kind: 'StartExecution', workflow: 'Pay', name: 'd', input: {} })] },
      context,
    );

    const [request] = endpoint.requests;
    const body: unknown = request?.body;
    const sent = JSON.parse(
      typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array),
    ) as Record<string, unknown>;
    expect(sent.QueueUrl).toBe(WORKER_QUEUE_URL);
    // A MessageSystemAttributes AWSTraceHeader would override the HTTP header: none is set.
    expect(sent).not.toHaveProperty('MessageSystemAttributes');
    const [sqsCall] = await documentsWhen(
      (document) =>
        document.name === 'SQS' && request?.headers['X-Amzn-Trace-Id']?.includes(document.id) === true,
      1,
    );
    expect(request?.headers['X-Amzn-Trace-Id']).toBe(`Root=${TRACE_ID};Parent=${sqsCall?.id};Sampled=1`);
  });

  it('marks the subsegment of a rejected record as failed, annotated with what the message names', async () => {
    const { handler } = await tracedOrchestrator();
    const response = await handler(
      {
        Records: [
          record('stop-unknown', { kind: 'StopExecution', executionId: 'Pay:none' }),
          record('forged', { kind: 'TaskSucceeded', taskToken: 'v1.e30.bad', output: {} }),
          record('not-json', '{oops'),
        ],
      },
      context,
    );

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toContain('forged');
    const [forged] = await documentsWhen((document) => document.name === 'inbox TaskSucceeded', 1);
    expect(forged?.fault ?? forged?.error).toBe(true);
    expect(forged?.annotations ?? {}).toEqual({});
    const [stop] = await documentsWhen((document) => document.name === 'inbox StopExecution', 1);
    expect(stop?.annotations).toEqual({ executionId: 'Pay:none' });
  });

  it('keeps the trace of the invocation that started an execution with it', async () => {
    const { handler, domain, endpoint } = await tracedOrchestrator();
    await handler(
      { Records: [record('start-t', { kind: 'StartExecution', workflow: 'Pay', name: 't', input: {} })] },
      context,
    );
    const started = await domain.store.load('Pay:t');
    expect(started?.traceId).toBe(TRACE_ID);
    // A later step, in another invocation's trace, keeps the execution's.
    const sent = JSON.parse(String(endpoint.requests[0]?.body)) as { MessageBody: string };
    const { taskToken } = JSON.parse(sent.MessageBody) as { taskToken: string };
    vi.stubEnv('_X_AMZN_TRACE_ID', `Root=1-5759e988-000000000000000000000001;Parent=${FACADE_ID};Sampled=1`);
    try {
      await handler(
        { Records: [record('done-t', { kind: 'TaskSucceeded', taskToken, output: 1 })] },
        context,
      );
    } finally {
      vi.stubEnv('_X_AMZN_TRACE_ID', `Root=${TRACE_ID};Parent=${FACADE_ID};Sampled=1`);
    }
    const done = await domain.store.load('Pay:t');
    expect(done?.execution.status).toBe('SUCCEEDED');
    expect(done?.traceId).toBe(TRACE_ID);
  });
});
