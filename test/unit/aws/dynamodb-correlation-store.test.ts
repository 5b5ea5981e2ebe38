import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDbCorrelationStore,
  EventTooLargeError,
} from '../../../lambdas/aws/dynamodb-correlation-store.js';
import { KEPT_EVENT_GRACE_MS, firstEventFor } from '../../../lambdas/runtime/correlation.js';
import type { CorrelationStore } from '../../../lambdas/runtime/ports.js';
import { FilePayloadStore } from '../../../local/runtime/file-payload-store.js';
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
/** The kept events of `key`, without their times. */
const events = async (key: string, from: CorrelationStore = store) =>
  (await from.keptEvents(key)).map((kept) => kept.event);

describe('the DynamoDB correlation store', () => {
  it('gives kept events oldest first, whatever their ids', async () => {
    // Event ids are random: the later event's id sorts first.
    await store.keepEvent('order-1', 'ffff-rejected', verdict('order-1', 'REJECTED'), now + HOUR);
    now += 10;
    await store.keepEvent('order-1', '0000-approved', verdict('order-1', 'APPROVED'), now + HOUR);
    expect(await events('order-1')).toEqual([verdict('order-1', 'REJECTED'), verdict('order-1', 'APPROVED')]);
  });

  it('keeps a redelivered event once, where it was first kept', async () => {
    await store.keepEvent('order-2', 'bbbb', verdict('order-2', 'FIRST'), now + HOUR);
    now += 10;
    await store.keepEvent('order-2', 'aaaa', verdict('order-2', 'SECOND'), now + HOUR);
    now += 10;
    await store.keepEvent('order-2', 'bbbb', verdict('order-2', 'FIRST'), now + HOUR);
    expect(await events('order-2')).toEqual([verdict('order-2', 'FIRST'), verdict('order-2', 'SECOND')]);
  });

  it('orders events kept in the same millisecond by event id, the same on every read', async () => {
    await store.keepEvent('order-3', 'b', verdict('order-3', 'B'), now + HOUR);
    await store.keepEvent('order-3', 'a', verdict('order-3', 'A'), now + HOUR);
    const first = await events('order-3');
    expect(first).toEqual([verdict('order-3', 'A'), verdict('order-3', 'B')]);
    expect(await events('order-3')).toEqual(first);
  });

  it('forgets waits once they expire, and events a day after they expire', async () => {
    await store.keepEvent('order-4', 'e', verdict('order-4', 'X'), now + 1000);
    const registeredAt = await store.register('order-4', 'token-1', now + 1000);
    expect(await store.waiting('order-4')).toEqual([{ taskToken: 'token-1', registeredAt }]);
    now += 2000;
    expect(await store.waiting('order-4')).toEqual([]);
    // Expired, but still answered: a wait that registered before may read late.
    expect(await store.keptEvents('order-4')).toEqual([
      { event: verdict('order-4', 'X'), keptAt: registeredAt, expiresAt: registeredAt + 1000 },
    ]);
    expect(firstEventFor(await store.keptEvents('order-4'), now)).toBeUndefined();
    now += KEPT_EVENT_GRACE_MS;
    expect(await store.keptEvents('order-4')).toEqual([]);
  });

  it('answers the time of the first registration when a task registers again', async () => {
    const first = await store.register('order-5', 'token-5', now + HOUR);
    now += 60_000;
    expect(await store.register('order-5', 'token-5', now + HOUR)).toBe(first);
    expect(await store.waiting('order-5')).toEqual([{ taskToken: 'token-5', registeredAt: first }]);
  });

  it('gives a wait that reads late the event that was alive when it registered, not a later one', async () => {
    await store.keepEvent('order-6', 'early', verdict('order-6', 'EARLY'), now + 1000);
    const registeredAt = await store.register('order-6', 'token-6', now + HOUR);
    now += 500;
    await store.keepEvent('order-6', 'later', verdict('order-6', 'LATER'), now + HOUR);
    // The invocation that registered died; its message comes back after the first event expired.
    now += 10 * 60_000;
    const again = await store.register('order-6', 'token-6', now + HOUR);
    expect(again).toBe(registeredAt);
    expect(firstEventFor(await store.keptEvents('order-6'), again)).toEqual(verdict('order-6', 'EARLY'));
  });

  it('keeps an event too large for an item deflated when that fits', async () => {
    // 700,000 bytes of JSON (EventBridge takes up to 1 MB), most of it repetitive.
    const large = { detail: { orderId: 'o-7', lines: 'line of an order;'.repeat(41_000) } };
    await store.keepEvent('order-7', 'large', large, now + HOUR);
    expect(await events('order-7')).toEqual([large]);
  });

  it('refuses an incompressible event too large for an item with a named error when there is no payload store', async () => {
    const large = { detail: { orderId: 'o-8', blob: randomBytes(400_000).toString('base64') } };
    await expect(store.keepEvent('order-8', 'huge', large, now + HOUR)).rejects.toThrow(EventTooLargeError);
    await expect(store.keepEvent('order-8', 'huge', large, now + HOUR)).rejects.toThrow(
      /Event huge is \d+ bytes deflated, over the 350000 bytes a correlation item holds/,
    );
  });

  it('keeps an incompressible event too large for an item in the payload store', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'baton-correlation-payloads-'));
    try {
      const withPayloads = new DynamoDbCorrelationStore({
        client: table.client,
        tableName: table.tableName,
        clock: { now: () => now },
        payloads: new FilePayloadStore(folder),
      });
      const large = { detail: { orderId: 'o-9', blob: randomBytes(400_000).toString('base64') } };
      await withPayloads.keepEvent('order-9', 'huge', large, now + HOUR);
      await withPayloads.keepEvent('order-9', 'huge', large, now + HOUR);
      expect(await events('order-9', withPayloads)).toEqual([large]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
