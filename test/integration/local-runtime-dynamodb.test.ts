/**
 * `npm start`'s runtime performs DynamoDB item tasks on its embedded DynamoDB (dynalite), not
 * "unavailable locally": a call on a table that does not exist there fails as it does on AWS,
 * with `DynamoDB.ResourceNotFoundException`, which a Catch written for Step Functions matches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-dynamodb-'));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

it('calls the embedded DynamoDB, whose errors carry their Step Functions names', async () => {
  await runtime.registerWorkflow({
    workflow: 'ReadMissing',
    domain: 'shipping',
    definition: {
      StartAt: 'Read',
      States: {
        Read: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 'no-such-table', Key: { id: { S: '1' } } },
          Catch: [{ ErrorEquals: ['DynamoDB.ResourceNotFoundException'], Next: 'Missing' }],
          End: true,
        },
        Missing: { Type: 'Pass', End: true },
      },
    },
  });
  const executionId = await runtime.start({ workflow: 'ReadMissing', input: {}, name: 'run-1' });
  // The start is a message on the inbox: the execution exists once the orchestrator took it.
  const deadline = Date.now() + 45_000;
  let found = await runtime.describe(executionId).catch(() => undefined);
  while (found?.status !== 'SUCCEEDED' && found?.status !== 'FAILED' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    found = await runtime.describe(executionId).catch(() => undefined);
  }
  expect(found?.status).toBe('SUCCEEDED');
  expect(found?.output).toMatchObject({ Error: 'DynamoDB.ResourceNotFoundException' });
});
