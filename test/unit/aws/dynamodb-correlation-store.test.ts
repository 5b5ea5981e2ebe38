import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCorrelationStore } from '../../../lambdas/aws/dynamodb-correlation-store.js';
import { startDynalite, type LocalTable } from '../../../testing/dynalite-table.js';

let table: LocalTable;
let now = Date.UTC(2026, 0, 1);
let store: DynamoDbCorrelationStore;
const HOUR = 3_600_000;

beforeAll(async () => {
  table = await startDynalite('baton-correlations');
  store = new DynamoDbCorrelationStore({
    client: table.client,
    tableName: table.tableName,
    clock: { now: () => now },
  });
});

afterAll(async () => {
  await table.close();
});

const verdict = (orderId: string, value: string) => ({ detail: { orderId, verdict: value } });

describe('the DynamoDB correlation store', () => {
  it('gives kept events oldest first, whatever their ids', async () => {
    // Event ids are random: the later event's id sorts first.
    await store.keepEvent('order-1', 'ffff-rejected', verdict('order-1', 'REJECTED'), now + HOUR);
    now += 10;
    await store.keepEvent('order-1', '0000-approved', verdict('order-1', 'APPROVED'), now + HOUR);
    expect(await store.keptEvents('order-1')).toEqual([
      verdict('order-1', 'REJECTED'),
      verdict('order-1', 'APPROVED'),
    ]);
  });

  it('keeps a redelivered event once, where it was first kept', async () => {
    await store.keepEvent('order-2', 'bbbb', verdict('order-2', 'FIRST'), now + HOUR);
    now += 10;
    await store.keepEvent('order-2', 'aaaa', verdict('order-2', 'SECOND'), now + HOUR);
    now += 10;
    await store.keepEvent('order-2', 'bbbb', verdict('order-2', 'FIRST'), now + HOUR);
    expect(await store.keptEvents('order-2')).toEqual([
      verdict('order-2', 'FIRST'),
      verdict('order-2', 'SECOND'),
    ]);
  });

  it('orders events kept in the same millisecond by event id, the same on every read', async () => {
    await store.keepEvent('order-3', 'b', verdict('order-3', 'B'), now + HOUR);
    await store.keepEvent('order-3', 'a', verdict('order-3', 'A'), now + HOUR);
    const first = await store.keptEvents('order-3');
    expect(first).toEqual([verdict('order-3', 'A'), verdict('order-3', 'B')]);
    expect(await store.keptEvents('order-3')).toEqual(first);
  });

  it('forgets events and waits once they expire', async () => {
    await store.keepEvent('order-4', 'e', verdict('order-4', 'X'), now + 1000);
    await store.register('order-4', 'token-1', now + 1000);
    expect(await store.waiting('order-4')).toEqual(['token-1']);
    now += 2000;
    expect(await store.keptEvents('order-4')).toEqual([]);
    expect(await store.waiting('order-4')).toEqual([]);
  });
});
