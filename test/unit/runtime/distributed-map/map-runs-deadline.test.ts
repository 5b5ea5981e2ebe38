/**
 * The dispatcher stops reading before the invocation's end (a Lambda's remaining time, given as
 * the handle's deadline) and leaves the rest to the next tick, which goes on from the cursor.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../../lambdas/engine/json.js';
import type { MapRunRequest } from '../../../../lambdas/engine/distributed-map.js';
import { MAP_RUN_RESOURCE } from '../../../../lambdas/engine/distributed-map.js';
import { InMemoryMapRunStore } from '../../../../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import { MapRuns } from '../../../../lambdas/runtime/distributed-map/map-runs.js';
import type { InboxMessage, MapRunMessage } from '../../../../lambdas/runtime/inbox-messages.js';

function request(items: Json[]): MapRunRequest {
  return {
    stateName: 'Map',
    label: 'Map',
    executionType: 'EXPRESS',
    processor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    language: 'JSONPath',
    input: {},
    context: { StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:W', Name: 'W' } },
    items,
    maxConcurrency: 0,
  };
}

describe('a Map Run tick near the end of its invocation', () => {
  it('sends only whole chunks when the deadline is near (none here), and all the children when it is not', async () => {
    const now = 1_000_000;
    const store = new InMemoryMapRunStore();
    const sent: InboxMessage[] = [];
    const runs = new MapRuns({
      store,
      inbox: { send: (body) => Promise.resolve(void sent.push(body as unknown as InboxMessage)) },
      definitions: { put: (name) => Promise.resolve({ name, version: 'v' }) },
      clock: { now: () => now },
      jsonata: () => {
        throw new Error('no JSONata here');
      },
      express: () => Promise.resolve({ status: 'SUCCEEDED', output: null }),
    });
    await runs.start({
      executionId: 'W:e1',
      workflow: 'W',
      taskToken: 'token',
      command: {
        type: 'DispatchTask',
        token: 't1',
        resource: MAP_RUN_RESOURCE,
        input: request([1, 2, 3, 4, 5, 6]) as unknown as Json,
        stateName: 'Map',
        attempt: 1,
        idempotencyKey: 'k',
        compensation: false,
      },
    });
    const tick = sent.find((message) => message.kind === 'MapRunTick') as MapRunMessage;
    const mapRunId = (tick as { mapRunId: string }).mapRunId;
    await runs.handle(tick, { deadline: now + 5_000 });
    // Where reading stopped depends on the time left, which another delivery of this tick would
    // not see alike: the open chunk (1 child of 25) is left for the next tick, and the cursor too.
    const stopped = await store.load(mapRunId);
    expect({ children: stopped?.children, chunks: stopped?.chunks, itemsRead: stopped?.itemsRead }).toEqual({
      children: 0,
      chunks: 0,
      itemsRead: 0,
    });
    expect(sent.filter((message) => message.kind === 'RunMapChunk')).toHaveLength(0);
    const next = sent.filter((message) => message.kind === 'MapRunTick').at(-1) as MapRunMessage;
    expect(next).toMatchObject({ tick: 1 });
    await runs.handle(next, { deadline: now + 60_000 });
    const record = await store.load(mapRunId);
    expect({ children: record?.children, readerDone: record?.readerDone }).toEqual({
      children: 6,
      readerDone: true,
    });
  });
});
