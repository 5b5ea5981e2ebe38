/**
 * The bundled orchestrator with tracing on, as Lambda runs it with active tracing: Powertools
 * Tracer enabled (AWS_EXECUTION_ENV), the X-Ray SDK in its Lambda mode (LAMBDA_TASK_ROOT, the
 * invocation's _X_AMZN_TRACE_ID), its segment documents read from a UDP socket standing in for the
 * X-Ray daemon. The bundle loads the tracer at its first invocation, not at init, and captures the
 * clients it made at init then: this runs the bundle's `index.mjs` in a Node process of its own and
 * checks that the first invocation's record is traced, annotated, with its DynamoDB call under it.
 * DynamoDB is an HTTP server here that refuses every call (the record then fails, traced as such).
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleFunction } from '../../lib/lambda-bundling.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793';
const FACADE_ID = '53995c3f42cd8ad8';

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

let outdir = '';
let daemon: Socket;
let dynamodb: Server;
const documents: SegmentDocument[] = [];
const dynamoDbTargets: string[] = [];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'baton-bundle-tracing-'));
  bundleFunction(join(ROOT, 'lambdas/orchestrator/handler.ts'), outdir);
  daemon = createSocket('udp4');
  // Each datagram: a JSON header line, then the document.
  daemon.on('message', (message) => {
    const text = message.toString('utf8');
    documents.push(JSON.parse(text.slice(text.indexOf('\n') + 1)) as SegmentDocument);
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  dynamodb = createServer((request, response) => {
    dynamoDbTargets.push(String(request.headers['x-amz-target']));
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
          message: 'Requested resource not found',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => dynamodb.listen(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  daemon?.close();
  await new Promise((resolve) => dynamodb?.close(resolve));
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** Imports the bundle in a fresh Node process and invokes its handler once with `event`. */
async function invokeOnce(event: unknown): Promise<unknown> {
  const script = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(join(outdir, BUNDLE_FILE)).href)});`,
    `const context = { awsRequestId: 'req-1', functionName: 'orchestrator', getRemainingTimeInMillis: () => 30000 };`,
    `process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`,
  ].join('\n');
  const { port } = daemon.address();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'orchestrator',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: 'test',
      LAMBDA_TASK_ROOT: outdir,
      _X_AMZN_TRACE_ID: `Root=${TRACE_ID};Parent=${FACADE_ID};Sampled=1`,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
      AWS_XRAY_LOGGING_LEVEL: 'silent',
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(dynamodb.address() as AddressInfo).port}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      BATON_TABLE_NAME: 'orders',
      BATON_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbox',
      BATON_INBOX_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:orders-inbox',
      BATON_WORKER_QUEUES: '{}',
      BATON_EVENT_BUS_NAME: 'orders',
      BATON_EVENT_SOURCE: 'baton.orders',
      BATON_SCHEDULER_GROUP: 'orders',
      BATON_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
      BATON_TOKEN_SIGNING_KEY: 'k'.repeat(32),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the bundle's process exited with ${code}:\n${stderr}`);
  return JSON.parse(stdout) as unknown;
}

describe('the bundled orchestrator with tracing on', () => {
  it("traces its first invocation's record, annotated, with the DynamoDB call of a client made at init under it", async () => {
    const response = await invokeOnce({
      Records: [
        {
          messageId: 'start-1',
          receiptHandle: 'r',
          body: JSON.stringify({ kind: 'StartExecution', workflow: 'Pay', name: 'a', input: {} }),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders-inbox',
          awsRegion: 'eu-west-1',
        },
      ],
    });

    // DynamoDB refused the definition's read: the record is left for a redelivery.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'start-1' }] });
    expect(dynamoDbTargets.length).toBeGreaterThan(0);
    await expect
      .poll(() => documents.some((document) => document.name === 'inbox StartExecution'), { timeout: 10_000 })
      .toBe(true);
    const record = documents.find((document) => document.name === 'inbox StartExecution');
    expect(record).toMatchObject({
      trace_id: TRACE_ID,
      parent_id: FACADE_ID,
      type: 'subsegment',
      annotations: { workflow: 'Pay' },
    });
    await expect
      .poll(() =>
        documents.filter((document) => document.name === 'DynamoDB' && document.parent_id === record?.id),
      )
      .not.toEqual([]);
  }, 60_000);
});
