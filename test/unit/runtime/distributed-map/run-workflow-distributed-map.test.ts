/**
 * Distributed Map through runWorkflow: the same Map Runs (dispatcher ticks, chunks, the reader,
 * the batcher, the tolerated failure, ResultWriter) as the orchestrator Lambda and the local
 * runtime, on in-memory Map Runs and S3 objects.
 *
 * Shapes follow the AWS guide (state-map-distributed, input-output-itemreader, input-output-itembatcher,
 * input-output-resultwriter, maprun-fail-threshold) and LocalStack's AWS-recorded
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json (history events
 * of a Map Run: MapStateStarted, MapRunStarted, MapRunSucceeded / MapRunFailed, MapStateSucceeded
 * / MapStateFailed; the Map Run ARN `...:mapRun:<stateMachine>/<label>:<id>`; the ResultWriter
 * output `{MapRunArn, ResultWriterDetails: {Bucket, Key: <Prefix>/<id>/manifest.json}}`).
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/runtime/run-workflow.js';
import { InMemoryObjectStorage } from '../../../../lambdas/runtime/distributed-map/in-memory-object-storage.js';
import type { Json } from '../../../../lambdas/engine/json.js';

const processor = (executionType: 'EXPRESS' | 'STANDARD' = 'EXPRESS') => ({
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: executionType },
  StartAt: 'Work',
  States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
});

function machine(map: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    StartAt: 'Map',
    States: {
      Map: { Type: 'Map', ItemProcessor: processor(), End: true, ...map },
      ...extra,
    },
  };
}

const double = {
  'arn:aws:states:::lambda:invoke': (input: Json) => ({ doubled: (input as { n: number }).n * 2 }),
};

describe('Distributed Map in runWorkflow', () => {
  it('runs one EXPRESS child per item of the state input and returns their outputs in item order', async () => {
    const result = await runWorkflow(
      machine({ ItemsPath: '$.items', MaxConcurrency: 2 }),
      { items: [1, 2, 3, 4, 5].map((n) => ({ n })) },
      { tasks: double },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([2, 4, 6, 8, 10].map((doubled) => ({ doubled })));
    const types = result.history.map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining(['MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded']),
    );
    const started = result.history.find((event) => event.type === 'MapRunStarted') as { mapRunArn?: string };
    expect(started.mapRunArn).toMatch(
      /^arn:aws:states:[a-z0-9-]+:\d{12}:mapRun:StateMachine\/Map:[0-9a-f-]{36}$/,
    );
  });

  it('gives each child what ItemSelector makes of its item, with $$.Map.Item.Index and Value', async () => {
    const seen: Json[] = [];
    const result = await runWorkflow(
      machine({
        ItemsPath: '$.items',
        ItemSelector: { 'index.$': '$$.Map.Item.Index', 'value.$': '$$.Map.Item.Value', 'tag.$': '$.tag' },
      }),
      { items: ['a', 'b'], tag: 'T' },
      {
        tasks: {
          'arn:aws:states:::lambda:invoke': (input) => {
            seen.push(input);
            return input;
          },
        },
      },
    );
    expect(result.output).toEqual([
      { index: 0, value: 'a', tag: 'T' },
      { index: 1, value: 'b', tag: 'T' },
    ]);
  });

  it('batches items with ItemBatcher: each child gets {BatchInput, Items}', async () => {
    const inputs: Json[] = [];
    const result = await runWorkflow(
      machine({
        ItemsPath: '$.items',
        ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'run.$': '$.run' } },
      }),
      { items: [1, 2, 3, 4, 5], run: 'r1' },
      {
        tasks: {
          'arn:aws:states:::lambda:invoke': (input) => {
            inputs.push(input);
            return (input as { Items: number[] }).Items.length;
          },
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(inputs).toEqual([
      { BatchInput: { run: 'r1' }, Items: [1, 2] },
      { BatchInput: { run: 'r1' }, Items: [3, 4] },
      { BatchInput: { run: 'r1' }, Items: [5] },
    ]);
    expect(result.output).toEqual([2, 2, 1]);
  });

  it('reads a CSV object from S3 with its header row, rows as objects of strings', async () => {
    const objects = new InMemoryObjectStorage({
      objects: { 'data/orders.csv': 'id,amount\n1,10\n2,20\n3,30\n' },
    });
    const result = await runWorkflow(
      machine({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'data', 'Key.$': '$.key' },
        },
      }),
      { key: 'orders.csv' },
      { tasks: { 'arn:aws:states:::lambda:invoke': (input) => input }, objects },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([
      { id: '1', amount: '10' },
      { id: '2', amount: '20' },
      { id: '3', amount: '30' },
    ]);
  });

  it('reads JSON Lines up to MaxItems', async () => {
    const lines = Array.from({ length: 50 }, (_, n) => JSON.stringify({ n })).join('\n');
    const objects = new InMemoryObjectStorage({ objects: { 'data/items.jsonl': lines } });
    const result = await runWorkflow(
      machine({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSONL', MaxItems: 7 },
          Parameters: { Bucket: 'data', Key: 'items.jsonl' },
        },
      }),
      {},
      { tasks: double, objects },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => ({ doubled: n * 2 })));
  });

  it('lists objects with s3:listObjectsV2, one item per object', async () => {
    const objects = new InMemoryObjectStorage({
      objects: { 'data/in/a.txt': 'aa', 'data/in/b.txt': 'bbb', 'data/other.txt': 'x' },
    });
    const result = await runWorkflow(
      machine({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { Bucket: 'data', Prefix: 'in/' },
        },
        ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'size.$': '$$.Map.Item.Value.Size' },
      }),
      {},
      { tasks: { 'arn:aws:states:::lambda:invoke': (input) => input }, objects },
    );
    expect(result.output).toEqual([
      { key: 'in/a.txt', size: 2 },
      { key: 'in/b.txt', size: 3 },
    ]);
  });

  it('tolerates ToleratedFailureCount failed items and keeps their errors in the results', async () => {
    const failing = {
      'arn:aws:states:::lambda:invoke': (input: Json) => {
        if ((input as { n: number }).n === 2) throw Object.assign(new Error('two is bad'), { name: 'Bad' });
        return input;
      },
    };
    const result = await runWorkflow(
      machine({ ItemsPath: '$.items', ToleratedFailureCount: 1 }),
      { items: [1, 2, 3].map((n) => ({ n })) },
      { tasks: failing },
    );
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as Json[];
    expect(output).toHaveLength(3);
    expect(output[0]).toEqual({ n: 1 });
    expect(output[1]).toMatchObject({ Error: 'Bad', Cause: 'two is bad', Status: 'FAILED' });
  });

  it('fails with States.ExceedToleratedFailureThreshold past the threshold, which a Catch takes', async () => {
    const failing = {
      'arn:aws:states:::lambda:invoke': (input: Json) => {
        if ((input as { n: number }).n % 2 === 0) throw Object.assign(new Error('even'), { name: 'Even' });
        return input;
      },
    };
    const result = await runWorkflow(
      machine(
        {
          ItemsPath: '$.items',
          ToleratedFailurePercentage: 20,
          Catch: [
            {
              ErrorEquals: ['States.ExceedToleratedFailureThreshold'],
              Next: 'Caught',
              ResultPath: '$.error',
            },
          ],
        },
        { Caught: { Type: 'Pass', End: true } },
      ),
      { items: [1, 2, 3, 4, 5].map((n) => ({ n })) },
      { tasks: failing },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { error: { Error: string } }).error.Error).toBe(
      'States.ExceedToleratedFailureThreshold',
    );
    expect(result.history.map((event) => event.type)).toContain('MapRunFailed');
  });

  it('takes ToleratedFailurePercentage of all the items, not of those read when the first one fails', async () => {
    // The documented rule (maprun-fail-threshold): the Map Run fails when the share of failed
    // items of all its items exceeds the percentage. 1 of 20 is 5 %, within 10 %, even though the
    // failed item is among the first two read (MaxConcurrency 2).
    const failing = {
      'arn:aws:states:::lambda:invoke': (input: Json) => {
        if ((input as { n: number }).n === 0) throw Object.assign(new Error('zero'), { name: 'Zero' });
        return input;
      },
    };
    const result = await runWorkflow(
      machine({ ItemsPath: '$.items', MaxConcurrency: 2, ToleratedFailurePercentage: 10 }),
      { items: Array.from({ length: 20 }, (_, n) => ({ n })) },
      { tasks: failing },
    );
    expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED' });
    expect(
      (result.output as Json[]).filter((entry) => (entry as { Status?: string }).Status === 'FAILED'),
    ).toHaveLength(1);
  });

  it('writes the results to S3 with ResultWriter: the manifest, SUCCEEDED_0.json and the state output', async () => {
    const objects = new InMemoryObjectStorage({ buckets: ['results'] });
    const result = await runWorkflow(
      machine({
        ItemsPath: '$.items',
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'results', Prefix: 'runs' },
        },
      }),
      { items: [1, 2].map((n) => ({ n })) },
      { tasks: double, objects },
    );
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as {
      MapRunArn: string;
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    const id = output.MapRunArn.slice(output.MapRunArn.lastIndexOf(':') + 1);
    expect(output.ResultWriterDetails).toEqual({ Bucket: 'results', Key: `runs/${id}/manifest.json` });
    const manifest = JSON.parse(
      objects.text({ bucket: 'results', key: `runs/${id}/manifest.json` }) ?? '',
    ) as {
      ResultFiles: { SUCCEEDED: { Key: string }[] };
    };
    expect(manifest.ResultFiles.SUCCEEDED).toEqual([
      { Key: `runs/${id}/SUCCEEDED_0.json`, Size: expect.any(Number) },
    ]);
    const succeeded = JSON.parse(
      objects.text({ bucket: 'results', key: `runs/${id}/SUCCEEDED_0.json` }) ?? '',
    ) as {
      Input: string;
      Output: string;
      Status: string;
    }[];
    expect(
      succeeded.map((entry) => [JSON.parse(entry.Input), JSON.parse(entry.Output), entry.Status]),
    ).toEqual([
      [{ n: 1 }, { doubled: 2 }, 'SUCCEEDED'],
      [{ n: 2 }, { doubled: 4 }, 'SUCCEEDED'],
    ]);
  });

  it('fails with States.ItemReaderFailed naming the missing object', async () => {
    const objects = new InMemoryObjectStorage({ buckets: ['data'] });
    const result = await runWorkflow(
      machine({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'data', Key: 'missing.json' },
        },
      }),
      {},
      { tasks: double, objects },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.ItemReaderFailed');
    expect(result.cause).toContain('s3://data/missing.json');
  });

  it('runs a JSONata Distributed Map: Items, ItemSelector with $states.context.Map.Item', async () => {
    const result = await runWorkflow(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Map',
        States: {
          Map: {
            Type: 'Map',
            Items: '{% $states.input.values %}',
            ItemSelector: {
              value: '{% $states.context.Map.Item.Value * 10 %}',
              at: '{% $states.context.Map.Item.Index %}',
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
              StartAt: 'Echo',
              States: { Echo: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      { values: [1, 2] },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([
      { value: 10, at: 0 },
      { value: 20, at: 1 },
    ]);
  });
});
