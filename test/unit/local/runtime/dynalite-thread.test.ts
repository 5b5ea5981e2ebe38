import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DynaliteThreadStoppedError,
  localDynamoDbClient,
  startDynaliteThread,
} from '../../../../local/runtime/dynalite-thread.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function dataPath(): string {
  const folder = mkdtempSync(join(tmpdir(), 'baton-dynalite-'));
  folders.push(folder);
  return join(folder, 'dynamodb');
}

const table = {
  TableName: 'items',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

describe('dynalite in its thread, through the message request handler', () => {
  it('answers SDK calls, and keeps what it answered across a restart on the same folder', async () => {
    const path = dataPath();
    const first = await startDynaliteThread(path);
    const client = localDynamoDbClient(first);
    await client.send(new CreateTableCommand(table));
    // A new table is CREATING until dynalite's next turn: on a busy machine a put can come first.
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: 'items' });
    await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, n: { N: '1' } } }));
    await first.close();

    const second = await startDynaliteThread(path);
    try {
      const read = await localDynamoDbClient(second).send(
        new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } } }),
      );
      expect(read.Item).toEqual({ pk: { S: 'a' }, n: { N: '1' } });
    } finally {
      await second.close();
    }
  });

  it("turns dynalite's error answers into the SDK's named exceptions", async () => {
    const thread = await startDynaliteThread(dataPath());
    try {
      const error = await localDynamoDbClient(thread)
        .send(new GetItemCommand({ TableName: 'missing', Key: { pk: { S: 'a' } } }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
    } finally {
      await thread.close();
    }
  });

  it('fails calls once the thread is closed, instead of leaving them waiting', async () => {
    const thread = await startDynaliteThread(dataPath());
    const client = localDynamoDbClient(thread);
    await thread.close();
    const error = await client
      .send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } } }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DynaliteThreadStoppedError);
  });
});
