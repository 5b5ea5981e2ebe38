import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DefinitionTooLargeError,
  DynamoDbDefinitionStore,
} from '../../../lambdas/aws/dynamodb-definition-store.js';
import { canonicalJson, definitionVersion } from '../../../lambdas/contract/definition-version.js';
import type { StateMachineDefinition } from '../../../lambdas/engine/index.js';
import { TransientStoreError } from '../../../lambdas/runtime/ports.js';
import { startDynalite, type LocalTable } from '../../../testing/dynalite-table.js';
import { LOOP_DEFINITION, ORDER_DEFINITION } from './engine-transitions.js';

const order = ORDER_DEFINITION as StateMachineDefinition;
const loop = LOOP_DEFINITION as StateMachineDefinition;

/** Counts the calls a client makes, by command name. */
function countCalls(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? '', (counts.get(context.commandName ?? '') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return counts;
}

describe('definition versions', () => {
  it('are 16 hex characters of the content hash', () => {
    expect(definitionVersion(order)).toMatch(/^[0-9a-f]{16}$/);
    expect(definitionVersion(loop)).not.toBe(definitionVersion(order));
  });

  it('do not depend on the order of keys', () => {
    const reordered = JSON.parse(JSON.stringify({ States: order.States, StartAt: order.StartAt }));

    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(definitionVersion(reordered)).toBe(definitionVersion(order));
  });
});

describe('DynamoDbDefinitionStore on dynalite', () => {
  let local: LocalTable;
  let store: DynamoDbDefinitionStore;

  beforeAll(async () => {
    local = await startDynalite();
    store = new DynamoDbDefinitionStore({ client: local.client, tableName: local.tableName });
  });
  afterAll(async () => {
    await local.close();
  });

  it('stores a definition as a version and reads it back', async () => {
    const ref = await store.put('order', order);

    expect(ref).toEqual({ name: 'order', version: definitionVersion(order) });
    const fresh = new DynamoDbDefinitionStore({ client: local.client, tableName: local.tableName });
    expect(await fresh.get(ref)).toEqual(order);
    expect(await fresh.latest('order')).toEqual(ref);
  });

  it('refuses a definition too large for its version item with a named error and the figure', async () => {
    const large = {
      StartAt: 'Big',
      States: { Big: { Type: 'Pass', Result: 'x'.repeat(450_000), End: true } },
    };
    await expect(store.put('large', large as StateMachineDefinition)).rejects.toThrow(
      DefinitionTooLargeError,
    );
    await expect(store.put('large', large as StateMachineDefinition)).rejects.toThrow(
      /^The definition of large is 450\d{3} bytes of JSON, over the 408576 bytes a version item holds/,
    );
    expect(await store.latest('large')).toBeUndefined();
  });

  it('returns the existing version when the same content is put again', async () => {
    const first = await store.put('same', order);
    const again = await store.put('same', JSON.parse(JSON.stringify(order)));

    expect(again).toEqual(first);
    expect(await store.latest('same')).toEqual(first);
  });

  it('moves latest to the last version put, and keeps the older one readable', async () => {
    const v1 = await store.put('moving', order);
    const v2 = await store.put('moving', loop);

    expect(await store.latest('moving')).toEqual(v2);
    const fresh = new DynamoDbDefinitionStore({ client: local.client, tableName: local.tableName });
    expect(await fresh.get(v1)).toEqual(order);
    expect(await fresh.get(v2)).toEqual(loop);
  });

  it('knows nothing of a workflow never put', async () => {
    expect(await store.latest('unknown')).toBeUndefined();
    expect(await store.get({ name: 'unknown', version: '0000000000000000' })).toBeUndefined();
  });

  it('reads a version from DynamoDB once, then from memory', async () => {
    const ref = await store.put('cached', order);
    const client = local.newClient();
    const counts = countCalls(client);
    const reader = new DynamoDbDefinitionStore({ client, tableName: local.tableName });

    await reader.get(ref);
    await reader.get(ref);

    expect(counts.get('GetItemCommand')).toBe(1);
  });
});

describe('DynamoDbDefinitionStore error translation', () => {
  it('turns throttling into TransientStoreError and ignores an existing version on put', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const ddb = mockClient(client);
    const store = new DynamoDbDefinitionStore({ client, tableName: 'baton' });
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    ddb.on(GetItemCommand).rejects(throttled);
    ddb
      .on(PutItemCommand)
      .rejectsOnce(
        Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        }),
      )
      .resolves({});

    const error = await store.latest('order').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect((error as Error).cause).toBe(throttled);
    await expect(store.put('order', order)).resolves.toEqual({
      name: 'order',
      version: definitionVersion(order),
    });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(2);
  });
});
