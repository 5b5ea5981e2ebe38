/**
 * The README's worked example (examples/step-functions/): a definition written for Step Functions,
 * with a DynamoDB item call, an `aws-sdk` S3 call, a child `states:startExecution.sync:2` and an SNS
 * publish, runs unchanged on the local runtime `npm start -- --mocks examples/step-functions/mocks.json`
 * starts (SNS has no local stand-in: its result is the mocked one).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import type { JsonObject } from '../../lambdas/engine/json.js';
import type { ExecutionDescription } from '../../local/control.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { loadMocksFile } from '../../local/runtime/mocks-file.js';
import { whenEnded } from '../helpers/local-runtime.js';

const EXAMPLE = new URL('../../examples/step-functions/', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'baton-sfn-example-'));
let runtime: LocalRuntime;

const definition = (file: string) => JSON.parse(readFileSync(join(EXAMPLE, file), 'utf8')) as JsonObject;

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    domains: exampleDomains(),
    dataDir,
    mocks: loadMocksFile(join(EXAMPLE, 'mocks.json')),
  });
  for (const [workflow, file] of [
    ['Setup', 'setup.asl.json'],
    ['MakeLabel', 'make-label.asl.json'],
    ['FulfilOrder', 'fulfil-order.asl.json'],
  ] as const) {
    await runtime.registerWorkflow({ workflow, domain: 'shipping', definition: definition(file) });
  }
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

const finished = (executionId: string): Promise<ExecutionDescription> => whenEnded(runtime, executionId);

it("creates the table and bucket, twice without harm (the second run catches the services' errors)", async () => {
  const first = await finished(await runtime.start({ workflow: 'Setup', input: {}, name: 'once' }));
  const again = await finished(await runtime.start({ workflow: 'Setup', input: {}, name: 'twice' }));
  expect([first.status, again.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
}, 60_000);

it('runs FulfilOrder as written for Step Functions: DynamoDB, S3, a .sync:2 child and SNS', async () => {
  const order = await finished(
    await runtime.start({ workflow: 'FulfilOrder', input: { orderId: 'ord-1', total: 42 }, name: 'ord-1' }),
  );
  expect({ status: order.status, error: order.error, cause: order.cause }).toEqual({ status: 'SUCCEEDED' });
  expect(order.output).toEqual({
    orderId: 'ord-1',
    total: 42,
    receipt: { etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) },
    shipping: { label: 'LBL-ord-1' },
    notified: { messageId: 'local-message-1' },
  });
  const label = await finished('MakeLabel:label-ord-1');
  expect(label.status).toBe('SUCCEEDED');
}, 60_000);
