import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../../lambdas/aws/dynamodb-execution-store.js';
import { FilePayloadStore, PayloadFileNotFoundError } from '../../../../local/runtime/file-payload-store.js';
import { startDynalite, type LocalTable } from '../../../../testing/dynalite-table.js';
import { ExecutionRun, ORDER_DEFINITION } from '../../aws/engine-transitions.js';

let folder: string;
let local: LocalTable;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'baton-payloads-'));
  local = await startDynalite('baton-payloads');
});

afterAll(async () => {
  await local.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Every file under `dir`, as paths relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

describe('the local payload store', () => {
  it('keeps a payload under its key, each segment of it a file name', async () => {
    const store = new FilePayloadStore(join(folder, 'plain'));
    const body = randomBytes(1_000);
    await store.put('executions/PlaceOrder:ord-1/3/abc', body);
    expect(Buffer.from(await store.get('executions/PlaceOrder:ord-1/3/abc'))).toEqual(body);
    expect(files(join(folder, 'plain'))).toEqual([join('executions', 'PlaceOrder%3Aord-1', '3', 'abc')]);
  });

  it('names a key it does not have', async () => {
    const store = new FilePayloadStore(join(folder, 'empty'));
    await expect(store.get('executions/x/1/y')).rejects.toThrow(
      new PayloadFileNotFoundError('executions/x/1/y'),
    );
  });

  it('lets the local runtime commit a transition too large for a DynamoDB item', async () => {
    const payloads = new FilePayloadStore(join(folder, 'runtime'));
    const store = new DynamoDbExecutionStore({ client: local.client, tableName: local.tableName, payloads });
    // 400,000 characters that compress to about 300 KB: even stored once, over the item's limit.
    const run = new ExecutionRun(ORDER_DEFINITION, {
      input: { blob: randomBytes(300_000).toString('base64') },
      // Above the engine's 256 KiB, which keeps no input over it.
      maxPayloadBytes: 1_048_576,
    });
    const first = run.start();
    await store.commit(first);
    expect(files(join(folder, 'runtime'))).toHaveLength(1);
    expect((await store.load(run.executionId))?.execution).toEqual(first.execution);
  });
});
