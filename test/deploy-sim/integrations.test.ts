/**
 * The deployment simulation of integrations: a small app (`integrations-app/`) synthesized and
 * deployed as `baton dev` does it, whose workflow sends to a queue of the app's own through
 * `arn:aws:states:::sqs:sendMessage`, the queue named by a `${AuditQueueUrl}` substitution whose
 * value (the queue's URL) CloudFormation resolves at deploy; and whose other workflow invokes a
 * function of the app's through `arn:aws:states:::lambda:invoke`, on the local endpoint's Lambda
 * Invoke, never on AWS; whose next workflow makes AWS SDK calls, on the app's table (dynalite)
 * and to services with no local stand-in, mocked as `baton dev --mocks` mocks them; and a JSONata
 * workflow, for which the bundled orchestrator loads the jsonata library from a chunk of its asset
 * (it is not loaded at init). What runs is the bundled orchestrator
 * and definition publisher, with the properties and environment the template gives them.
 *
 * Set DEPLOY_SIM_VERBOSE=1 to see the functions' logs as they run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { LOCAL_AWS_SDK_SERVICES } from '../../lambdas/contract/definition-check.js';
import { definitionVersion } from '../../lambdas/contract/definition-version.js';
import { BatonEnv } from '../../lambdas/contract/environment-names.js';
import { synthesizeApp } from '../../local/deploy/app-synthesis.js';
import { LocalDeployment, type DeployedStack } from '../../local/deploy/deployment.js';
import type { LocalQueue } from '../../local/emulators/sqs/queue.js';

const STACK = 'BatonIntegrationsSim';
const WAIT_MS = 30_000;
const APP_DIR = fileURLToPath(new URL('./integrations-app/', import.meta.url));

let deployment: LocalDeployment;
let assemblyDirectory: string | undefined;
const logs: string[] = [];

beforeAll(async () => {
  assemblyDirectory = mkdtempSync(join(tmpdir(), 'baton-deploy-sim-integrations-'));
  const assembly = await synthesizeApp({ appDir: APP_DIR, outdir: assemblyDirectory, timeoutMs: 110_000 });
  deployment = await LocalDeployment.deploy({
    assembly,
    stacks: [STACK],
    // What `baton dev --mocks` gives the functions: Glue and SNS have no local stand-in.
    functionEnvironment: {
      [BatonEnv.localAwsSdkServices]: LOCAL_AWS_SDK_SERVICES.join(','),
      [BatonEnv.localMocks]: JSON.stringify({
        States: { Catalog: { Crawl: { Return: { JobRunId: 'jr_1' } } } },
        Resources: { 'arn:aws:states:::sns:publish': { Return: { MessageId: 'm-1' } } },
      }),
    },
    onLog: (line) => {
      logs.push(line);
      if (process.env.DEPLOY_SIM_VERBOSE) console.log(line);
    },
  });
}, 150_000);

afterAll(async () => {
  await deployment?.close();
  if (assemblyDirectory) rmSync(assemblyDirectory, { recursive: true, force: true });
}, 120_000);

/** The logical id of the resource whose construct path is `path` (its `Resource`). */
function logicalIdAt(stack: DeployedStack, path: string): string | undefined {
  return Object.entries(stack.source.template.Resources).find(
    ([, resource]) => resource.Metadata?.['aws:cdk:path'] === `${STACK}/${path}/Resource`,
  )?.[0];
}

/** The name of the table whose construct path is `path`: the app has a table of its own besides Baton's. */
function tableAt(stack: DeployedStack, path: string): string {
  const id = logicalIdAt(stack, path);
  const name = id === undefined ? undefined : stack.tables.get(id);
  if (!name) throw new Error(`no table at ${path}`);
  return name;
}

/** The queue whose construct path is `path` (its `Resource`). */
function queueAt(stack: DeployedStack, path: string): LocalQueue {
  const id = Object.entries(stack.source.template.Resources).find(
    ([, resource]) => resource.Metadata?.['aws:cdk:path'] === `${STACK}/${path}/Resource`,
  )?.[0];
  const queue = id === undefined ? undefined : stack.queues.get(id);
  if (!queue) throw new Error(`no queue at ${path}`);
  return queue;
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}. Latest function output:\n${logs.slice(-60).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('sqs:sendMessage to a queue named by a deploy-time substitution', () => {
  it('publishes the definition with the queue URL substituted, as a version of that text', async () => {
    const stack = deployment.stack(STACK);
    const tableName = tableAt(stack, 'Ledger/Table');
    const definitions = new DynamoDbDefinitionStore({
      client: deployment.dynamodb.client,
      tableName,
    });
    const latest = await definitions.latest('RecordOrder');
    const stored = latest && (await definitions.get(latest));
    const audit = stored?.States.Audit as { Parameters?: { QueueUrl?: string } } | undefined;
    // The URL the local endpoint gives the queue, as CloudFormation would give its own.
    expect(audit?.Parameters?.QueueUrl).toMatch(
      new RegExp(`^https?://.+/${queueAt(stack, 'AuditQueue').name}$`),
    );
    expect(latest?.version).toBe(definitionVersion(stored));
    expect([...stack.customResources.values()]).toContainEqual(
      expect.objectContaining({ Status: 'SUCCESS', Data: { Version: latest?.version } }),
    );
  });

  it('sends the state to the queue and ends the execution with the message id', async () => {
    const stack = deployment.stack(STACK);
    queueAt(stack, 'Ledger/PublicInbox/Queue').sendMessage({
      body: JSON.stringify({
        kind: 'StartExecution',
        workflow: 'RecordOrder',
        name: 'order-1',
        input: { orderId: 'order-1', secret: 'not forwarded' },
      }),
    });
    const audit = queueAt(stack, 'AuditQueue');
    const [message] = await eventually('a message on the audit queue', async () => {
      const received = await audit.receiveMessage({ waitTimeSeconds: 1 });
      return received.length > 0 ? received : undefined;
    });
    expect(JSON.parse(message?.body ?? '')).toEqual({ orderId: 'order-1', recorded: true });

    const tableName = tableAt(stack, 'Ledger/Table');
    const store = new DynamoDbExecutionStore({
      client: deployment.dynamodb.client,
      tableName,
    });
    const finished = await eventually('the execution to end', async () => {
      const stored = await store.load('RecordOrder:order-1');
      return stored && stored.execution.status !== 'RUNNING' ? stored.execution : undefined;
    });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ messageId: message?.messageId });
  });
});

/** Starts `workflow` through the public inbox and waits for the execution to end. */
async function runToEnd(workflow: string, name: string, input: unknown) {
  const stack = deployment.stack(STACK);
  queueAt(stack, 'Ledger/PublicInbox/Queue').sendMessage({
    body: JSON.stringify({ kind: 'StartExecution', workflow, name, input }),
  });
  const tableName = tableAt(stack, 'Ledger/Table');
  const store = new DynamoDbExecutionStore({
    client: deployment.dynamodb.client,
    tableName,
  });
  return eventually(`${workflow}:${name} to end`, async () => {
    const stored = await store.load(`${workflow}:${name}`);
    return stored && stored.execution.status !== 'RUNNING' ? stored.execution : undefined;
  });
}

describe('lambda:invoke of a function of the app', () => {
  it("ends with the function's payload, invoked on the local endpoint", async () => {
    const finished = await runToEnd('Score', 'score-1', { amount: 21 });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ score: 42 });
    expect(deployment.endpoint.calls).toContainEqual({ service: 'lambda', operation: 'Invoke', status: 200 });
  });

  it('runs a Lambda ARN Resource on the local endpoint too, its output the payload', async () => {
    const finished = await runToEnd('ScoreDirect', 'score-3', { amount: 4 });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ score: 8 });
  });

  it("catches the function's error by its name", async () => {
    const finished = await runToEnd('Score', 'score-2', { amount: -1 });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ rejected: 'ScoreTooLow' });
  });
});

describe('aws-sdk calls and mocked results, in the bundled orchestrator as baton dev runs it', () => {
  it("calls DynamoDB on the app's table with the real SDK, and takes the mocks of Glue and SNS", async () => {
    const finished = await runToEnd('Catalog', 'sku-1', { sku: 'sku-1' });
    expect({ status: finished.status, error: finished.error, cause: finished.cause }).toEqual({
      status: 'SUCCEEDED',
    });
    expect(finished.output).toEqual({
      sku: 'sku-1',
      stored: { id: 'sku-1' },
      crawl: { JobRunId: 'jr_1' },
      alert: { messageId: 'm-1' },
    });
  });
});

describe('a JSONata workflow on the bundled orchestrator', () => {
  it('runs with the jsonata library loaded from its chunk: $sum, a Condition, $uppercase', async () => {
    const large = await runToEnd('Tally', 'tally-1', { ref: 'ab-1', lines: [{ qty: 2, price: 60 }] });
    expect(large.status).toBe('SUCCEEDED');
    expect(large.output).toEqual({ size: 'large', total: 120, ref: 'AB-1' });
    const small = await runToEnd('Tally', 'tally-2', { ref: 'cd-2', lines: [{ qty: 1, price: 7 }] });
    expect(small.output).toEqual({ size: 'small', total: 7 });
  });

  it('still runs a JSONPath workflow on the same function once the library is loaded', async () => {
    const finished = await runToEnd('ScoreDirect', 'score-4', { amount: 5 });
    expect(finished.output).toEqual({ score: 10 });
  });
});

describe('states:startExecution.sync:2 of a workflow of the same orchestrator', () => {
  it("runs the child on the deployed orchestrator and ends with the child's output, never polling", async () => {
    const finished = await runToEnd('ScoreAsChild', 'parent-1', { amount: 5 });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ score: 10 });
    const tableName = tableAt(deployment.stack(STACK), 'Ledger/Table');
    const store = new DynamoDbExecutionStore({
      client: deployment.dynamodb.client,
      tableName,
    });
    const child = (await store.load('Score:child-of-parent-1'))?.execution;
    expect(child?.status).toBe('SUCCEEDED');
    expect(child?.parent).toMatchObject({ executionId: 'ScoreAsChild:parent-1', integration: 'sync:2' });
  });
});

describe('states:startExecution.sync:2 of a workflow of another SagaOrchestrator (childOrchestrators)', () => {
  it("starts the child in the other domain, whose orchestrator reports to the parent's public inbox", async () => {
    const finished = await runToEnd('LabelAsChild', 'label-1', { id: 7 });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ label: 'L-7' });
    // The child lives in the labels domain's table.
    const stack = deployment.stack(STACK);
    const stores = ['Labels/Table', 'Ledger/Table'].map(
      (path) =>
        new DynamoDbExecutionStore({ client: deployment.dynamodb.client, tableName: tableAt(stack, path) }),
    );
    const found = await Promise.all(stores.map((store) => store.load('MakeLabel:label-1')));
    expect(found[1]).toBeUndefined();
    expect(found[0]?.execution.parent).toMatchObject({
      executionId: 'LabelAsChild:label-1',
      domain: 'ledger',
      integration: 'sync:2',
    });
  });
});
