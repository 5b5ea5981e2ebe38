/**
 * The deployment simulation of integrations: a small app (`integrations-app/`) synthesized and
 * deployed as `baton dev` does it, whose workflow sends to a queue of the app's own through
 * `arn:aws:states:::sqs:sendMessage`, the queue named by a `${AuditQueueUrl}` substitution whose
 * value (the queue's URL) CloudFormation resolves at deploy; and whose other workflow invokes a
 * function of the app's through `arn:aws:states:::lambda:invoke`, on the local endpoint's Lambda
 * Invoke, never on AWS. What runs is the bundled orchestrator
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
import { definitionVersion } from '../../lambdas/contract/definition-version.js';
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

/** The name of the ledger domain's table (the stack has two orchestrators, each with its table). */
function ledgerTable(stack: DeployedStack): string {
  const id = Object.entries(stack.source.template.Resources).find(
    ([, resource]) => resource.Metadata?.['aws:cdk:path'] === `${STACK}/Ledger/Table/Resource`,
  )?.[0];
  const tableName = id === undefined ? undefined : stack.tables.get(id);
  if (!tableName) throw new Error('no ledger table');
  return tableName;
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
    const tableName = ledgerTable(stack);
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

    const tableName = ledgerTable(stack);
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
  const tableName = ledgerTable(stack);
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

describe('states:startExecution.sync:2 of a workflow of the same orchestrator', () => {
  it("runs the child on the deployed orchestrator and ends with the child's output, never polling", async () => {
    const finished = await runToEnd('ScoreAsChild', 'parent-1', { amount: 5 });
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.output).toEqual({ score: 10 });
    const tableName = ledgerTable(deployment.stack(STACK));
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
    const stores = [...stack.tables.values()].map(
      (tableName) => new DynamoDbExecutionStore({ client: deployment.dynamodb.client, tableName }),
    );
    const found = (await Promise.all(stores.map((store) => store.load('MakeLabel:label-1')))).filter(
      (stored) => stored !== undefined,
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.execution.parent).toMatchObject({
      executionId: 'LabelAsChild:label-1',
      domain: 'ledger',
      integration: 'sync:2',
    });
  });
});
