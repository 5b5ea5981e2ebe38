/**
 * Distributed Map on the local runtime: the orchestrator loop, its inbox queue, dynalite and the
 * local S3, as `npm start` and `npx baton dev` run them. Items are read from S3 objects seeded
 * through the runtime's S3, children run as EXPRESS (in memory, on the domain's task router) or
 * STANDARD (executions of their own, `<workflow>/<label>`), and ResultWriter writes to the local S3.
 *
 * Expected shapes: the AWS guide (state-map-distributed, input-output-itemreader,
 * input-output-resultwriter) and LocalStack's AWS-recorded
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json (the Map Run's
 * history events, its ARN, ResultWriter's state output).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JsonObject } from '../../lambdas/engine/json.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { whenEnded } from '../helpers/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-dmap-'));
let runtime: LocalRuntime;

const child = (executionType: 'EXPRESS' | 'STANDARD') => ({
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: executionType },
  StartAt: 'Price',
  States: {
    Price: {
      Type: 'Pass',
      Parameters: { 'id.$': '$.id', 'total.$': 'States.MathAdd(States.StringToJson($.amount), 1)' },
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.total', NumericGreaterThan: 100, Next: 'TooBig' }],
      Default: 'Done',
    },
    TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'over 100' },
    Done: { Type: 'Succeed' },
  },
});

const workflow = (executionType: 'EXPRESS' | 'STANDARD', extra: JsonObject = {}): JsonObject => ({
  StartAt: 'Orders',
  States: {
    Orders: {
      Type: 'Map',
      Label: 'Orders',
      MaxConcurrency: 3,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
        Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
      },
      ItemProcessor: child(executionType),
      ToleratedFailureCount: 1,
      End: true,
      ...extra,
    },
  },
});

/**
 * Children that read `flags/<id>` from S3 with `aws-sdk:s3:getObject`: an item whose flag is
 * missing fails (S3.NoSuchKeyException), until the flag is written and the execution redriven.
 */
const flagsWorkflow = (executionType: 'EXPRESS' | 'STANDARD'): JsonObject => ({
  StartAt: 'Flags',
  States: {
    Flags: {
      Type: 'Map',
      ItemsPath: '$.ids',
      ItemSelector: { 'id.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: executionType },
        StartAt: 'Read',
        States: {
          Read: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
            Parameters: { Bucket: 'orders', 'Key.$': "States.Format('flags/{}', $.id)" },
            ResultSelector: { 'flag.$': '$.Body' },
            End: true,
          },
        },
      },
      End: true,
    },
  },
});

const CSV =
  'id,amount\n' + Array.from({ length: 12 }, (_, n) => `o${n},${n === 5 ? 500 : n * 2}`).join('\n') + '\n';

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    domains: [
      {
        domain: 'shop',
        workflows: {
          PriceExpress: workflow('EXPRESS') as never,
          PriceStandard: workflow('STANDARD') as never,
          CheckFlags: flagsWorkflow('EXPRESS') as never,
          CheckFlagsStandard: flagsWorkflow('STANDARD') as never,
          PriceWritten: workflow('EXPRESS', {
            ResultWriter: {
              Resource: 'arn:aws:states:::s3:putObject',
              Parameters: { Bucket: 'orders', Prefix: 'out' },
            },
          }) as never,
        },
        workers: {},
        triggers: [],
      },
    ],
    dataDir,
    mapRunCheckpointItems: 4,
  });
  const s3 = new S3Client({
    endpoint: runtime.endpoints.s3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'orders' }));
  s3.destroy();
  await runtime.objectStorage.write({ bucket: 'orders', key: 'in/orders.csv' }, CSV);
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

it('runs EXPRESS children over a CSV in the local S3, a few at a time, tolerating one failed item', async () => {
  const id = await runtime.start({
    workflow: 'PriceExpress',
    input: { bucket: 'orders', key: 'in/orders.csv' },
    name: 'express-1',
  });
  const ended = await whenEnded(runtime, id, 90_000);
  expect({ status: ended.status, error: ended.error }).toEqual({ status: 'SUCCEEDED' });
  const output = ended.output as JsonObject[];
  expect(output).toHaveLength(12);
  expect(output[0]).toEqual({ id: 'o0', total: 1 });
  expect(output[11]).toEqual({ id: 'o11', total: 23 });
  expect(output[5]).toMatchObject({ Error: 'TooBig', Cause: 'over 100', Status: 'FAILED' });
  const started = (await runtime.history(id)).find((event) => event.type === 'MapRunStarted');
  const mapRunArn = started !== undefined && 'mapRunArn' in started ? String(started.mapRunArn) : '';
  const mapRun = await runtime.describeMapRun(mapRunArn);
  expect(mapRun).toMatchObject({
    status: 'SUCCEEDED',
    itemCounts: { succeeded: 11, failed: 1, total: 12, pending: 0, running: 0 },
    executionCounts: { succeeded: 11, failed: 1 },
  });
  await expect(runtime.describeMapRun(`${mapRunArn}-unknown`)).rejects.toThrow(/Map Run/);
}, 120_000);

it('runs STANDARD children as executions of their own, each with its history', async () => {
  const id = await runtime.start({
    workflow: 'PriceStandard',
    input: { bucket: 'orders', key: 'in/orders.csv' },
    name: 'standard-1',
  });
  const ended = await whenEnded(runtime, id, 90_000);
  expect({ status: ended.status, error: ended.error, cause: ended.cause }).toEqual({ status: 'SUCCEEDED' });
  const output = ended.output as JsonObject[];
  expect(output.map((entry) => entry.id ?? entry.Status)).toEqual([
    'o0',
    'o1',
    'o2',
    'o3',
    'o4',
    'FAILED',
    'o6',
    'o7',
    'o8',
    'o9',
    'o10',
    'o11',
  ]);
  const children = await runtime.list({ workflow: 'PriceStandard/Orders' });
  expect(children).toHaveLength(12);
  expect(children.filter((item) => item.status === 'FAILED')).toHaveLength(1);
}, 120_000);

it('writes the results to the local S3 with ResultWriter', async () => {
  const id = await runtime.start({
    workflow: 'PriceWritten',
    input: { bucket: 'orders', key: 'in/orders.csv' },
    name: 'written-1',
  });
  const ended = await whenEnded(runtime, id, 90_000);
  expect(ended.status).toBe('SUCCEEDED');
  const output = ended.output as { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
  const mapRunId = output.MapRunArn.slice(output.MapRunArn.lastIndexOf(':') + 1);
  expect(output.ResultWriterDetails).toEqual({ Bucket: 'orders', Key: `out/${mapRunId}/manifest.json` });
  const read = async (key: string) => {
    const parts: Uint8Array[] = [];
    for await (const part of await runtime.objectStorage.read({ bucket: 'orders', key })) parts.push(part);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  };
  const manifest = (await read(output.ResultWriterDetails.Key)) as {
    ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: { Key: string }[] };
  };
  const succeeded = (await read(manifest.ResultFiles.SUCCEEDED[0]?.Key ?? '')) as unknown[];
  const failed = (await read(manifest.ResultFiles.FAILED[0]?.Key ?? '')) as { Error: string }[];
  expect(succeeded).toHaveLength(11);
  expect(failed.map((entry) => entry.Error)).toEqual(['TooBig']);
}, 120_000);

it.each(['EXPRESS', 'STANDARD'] as const)(
  'redrives a failed Map Run: only the %s children that failed run again, the others keep their results',
  async (executionType) => {
    const workflowName = executionType === 'EXPRESS' ? 'CheckFlags' : 'CheckFlagsStandard';
    const prefix = executionType.toLowerCase();
    const ids = ['a', 'b', 'c', 'd'].map((id) => `${prefix}-${id}`);
    for (const id of [ids[0], ids[2]])
      await runtime.objectStorage.write({ bucket: 'orders', key: `flags/${id}` }, 'on');
    const id = await runtime.start({ workflow: workflowName, input: { ids }, name: `${prefix}-redrive` });
    const failed = await whenEnded(runtime, id, 90_000);
    expect({ status: failed.status, error: failed.error }).toEqual({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
    for (const missing of [ids[1], ids[3]]) {
      await runtime.objectStorage.write({ bucket: 'orders', key: `flags/${missing}` }, 'late');
    }
    await runtime.redrive(id);
    const deadline = Date.now() + 90_000;
    let redriven = await runtime.describe(id);
    while ((redriven.status !== 'SUCCEEDED' && redriven.status !== 'FAILED') || redriven.redriveCount === 0) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      redriven = await runtime.describe(id);
    }
    expect({ status: redriven.status, error: redriven.error, cause: redriven.cause }).toEqual({
      status: 'SUCCEEDED',
    });
    // The children that had succeeded kept their results; the two that failed ran again.
    expect(redriven.output).toEqual([{ flag: 'on' }, { flag: 'late' }, { flag: 'on' }, { flag: 'late' }]);
    const history = await runtime.history(id);
    const started = history.filter((event) => event.type === 'MapRunStarted') as {
      mapRunArn?: string;
    }[];
    expect(started).toHaveLength(2);
    expect(started[1]?.mapRunArn).toBe(started[0]?.mapRunArn);
    if (executionType === 'STANDARD') {
      const children = await runtime.list({ workflow: 'CheckFlagsStandard/Flags' });
      expect(children).toHaveLength(6);
    }
  },
  180_000,
);
