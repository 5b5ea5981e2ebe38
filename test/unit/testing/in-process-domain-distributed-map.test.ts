/**
 * Distributed Maps on an InProcessDomain (`baton/testing`): the domain's orchestrator runs Map Runs
 * on its in-memory MapRunStore and ObjectStorage, EXPRESS children in memory on its task router and
 * STANDARD children as executions of their own, delivery by delivery on the virtual clock.
 * Expected shapes: LocalStack's AWS-recorded
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json (the parent's
 * history MapStateStarted, MapRunStarted, MapRunSucceeded, MapStateSucceeded; the state output is
 * the children's outputs in item order; `test_map_item_reader_base_csv_headers_first_line`: CSV
 * values stay strings).
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../lambdas/engine/json.js';
import { InMemoryObjectStorage } from '../../../lambdas/runtime/distributed-map/in-memory-object-storage.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';

const doubling = (executionType: 'EXPRESS' | 'STANDARD', extra: JsonObject = {}): JsonObject => ({
  StartAt: 'Sum',
  States: {
    Sum: {
      Type: 'Map',
      Label: 'Items',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: executionType },
        StartAt: 'Double',
        States: {
          Double: { Type: 'Pass', Parameters: { 'value.$': 'States.MathAdd($.n, $.n)' }, End: true },
        },
      },
      End: true,
      ...extra,
    },
  },
});

describe('an InProcessDomain running Distributed Maps', () => {
  it('runs EXPRESS children in memory and records the Map Run in its store', async () => {
    const domain = new InProcessDomain();
    await domain.deploy('Double', doubling('EXPRESS', { ItemsPath: '$.items' }) as never);
    domain.start('Double', { items: [{ n: 1 }, { n: 2 }, { n: 3 }] }, 'd-1');
    await domain.runUntilIdle();
    const stored = await domain.store.load('Double:d-1');
    expect(stored?.execution).toMatchObject({
      status: 'SUCCEEDED',
      output: [{ value: 2 }, { value: 4 }, { value: 6 }],
    });
    const history = (await domain.store.history('Double:d-1', {})).events.map((event) => event.type);
    expect(history).toEqual(
      expect.arrayContaining(['MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded']),
    );
    const started = (await domain.store.history('Double:d-1', {})).events.find(
      (event) => event.type === 'MapRunStarted',
    ) as { mapRunArn: string };
    const record = await domain.mapRunStore.load(
      started.mapRunArn.slice(started.mapRunArn.lastIndexOf(':') + 1),
    );
    expect(record).toMatchObject({ status: 'SUCCEEDED', itemsRead: 3, children: 3, readerDone: true });
    expect(domain.failures).toEqual([]);
  });

  it('runs STANDARD children as executions of their own over a CSV in its object storage', async () => {
    const objects = new InMemoryObjectStorage({ objects: { 'in/rows.csv': 'n\n1\n2\n3\n' } });
    const domain = new InProcessDomain({ objects });
    await domain.deploy(
      'Double',
      doubling('STANDARD', {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'in', Key: 'rows.csv' },
        },
        // CSV values are strings: the child makes a number of each.
        ItemSelector: { 'n.$': 'States.StringToJson($$.Map.Item.Value.n)' },
      }) as never,
    );
    domain.start('Double', {}, 'd-2');
    await domain.runUntilIdle();
    expect((await domain.store.load('Double:d-2'))?.execution).toMatchObject({
      status: 'SUCCEEDED',
      output: [{ value: 2 }, { value: 4 }, { value: 6 }],
    });
    const children = await domain.store.list({ workflow: 'Double/Items' });
    expect(children.items.map((child) => child.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(domain.failures).toEqual([]);
  });
});
