/**
 * The README's Distributed Map example (examples/distributed-map/): a workflow loads a CSV of
 * orders into the local S3, and a Distributed Map prices each row in an EXPRESS child, tolerating
 * up to 10 % failed rows, with its results written to S3 by ResultWriter, on the local runtime
 * `npm start` starts (the example domains).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import type { JsonObject } from '../../lambdas/engine/json.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { whenEnded } from '../helpers/local-runtime.js';

const EXAMPLE = new URL('../../examples/distributed-map/', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'baton-dmap-example-'));
let runtime: LocalRuntime;

const file = (name: string) => readFileSync(join(EXAMPLE, name), 'utf8');

beforeAll(async () => {
  runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
  for (const [workflow, name] of [
    ['LoadOrders', 'load-orders.asl.json'],
    ['PriceOrders', 'price-orders.asl.json'],
  ] as const) {
    await runtime.registerWorkflow({
      workflow,
      domain: 'shipping',
      definition: JSON.parse(file(name)) as JsonObject,
    });
  }
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function read(key: string): Promise<unknown> {
  const parts: Uint8Array[] = [];
  for await (const part of await runtime.objectStorage.read({ bucket: 'baton-orders', key }))
    parts.push(part);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
}

it('prices the 20 orders of the CSV: 19 priced, the one over 1000 failed for review, within the tolerance', async () => {
  const loaded = await whenEnded(
    runtime,
    await runtime.start({ workflow: 'LoadOrders', input: { csv: file('orders.csv') }, name: 'load-1' }),
  );
  expect({ status: loaded.status, error: loaded.error, cause: loaded.cause }).toEqual({
    status: 'SUCCEEDED',
  });
  const run = await whenEnded(
    runtime,
    await runtime.start({ workflow: 'PriceOrders', input: {}, name: 'run-1' }),
  );
  expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED' });
  const output = run.output as { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
  expect(output.ResultWriterDetails.Bucket).toBe('baton-orders');
  const manifest = (await read(output.ResultWriterDetails.Key)) as {
    ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: { Key: string }[]; PENDING: { Key: string }[] };
  };
  const succeeded = (await read(manifest.ResultFiles.SUCCEEDED[0]?.Key ?? '')) as { Output: string }[];
  const failed = (await read(manifest.ResultFiles.FAILED[0]?.Key ?? '')) as {
    Input: string;
    Error: string;
  }[];
  expect(succeeded).toHaveLength(19);
  expect(JSON.parse(succeeded[0]?.Output ?? '')).toEqual({ orderId: 'ord-01', customer: 'ada', total: 125 });
  expect(failed.map((entry) => [JSON.parse(entry.Input), entry.Error])).toEqual([
    [{ orderId: 'ord-03', customer: 'cy', amount: 2400 }, 'NeedsReview'],
  ]);
  expect(manifest.ResultFiles.PENDING).toEqual([]);
}, 120_000);
