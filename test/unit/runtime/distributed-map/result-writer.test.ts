/**
 * What a Distributed Map's ResultWriter writes.
 *
 * Behaviour from the AWS documentation, ResultWriter (Map):
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 * (files by status under `<Prefix>/<Map Run id>/`; manifest.json with DestinationBucket, MapRunArn
 * and ResultFiles.FAILED / PENDING / SUCCEEDED entries of Key and Size; the state output
 * `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`; Transformation NONE / COMPACT / FLATTEN,
 * failed children written unchanged whatever the transformation; OutputType JSON / JSONL).
 * The manifest's key and shape also match LocalStack's ResultWriter (localstack/localstack,
 * services/stepfunctions/.../result_writer/resource_eval/resource_eval_s3.py).
 */
import { describe, expect, it } from 'vitest';
import {
  fullResultEntry,
  inlineResults,
  mapRunId,
  resultFolder,
  writeResults,
  type ChildResult,
} from '../../../../lambdas/runtime/distributed-map/result-writer.js';

const MAP_RUN_ARN =
  'arn:aws:states:us-east-1:123456789012:mapRun:orders/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7';

function child(index: number, status: ChildResult['status'], extra: Partial<ChildResult> = {}): ChildResult {
  return {
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:orders/Map:child-${index}`,
    name: `child-${index}`,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders/Map',
    status,
    input: { n: index },
    startDate: '2026-01-01T00:00:00.000Z',
    stopDate: '2026-01-01T00:00:01.000Z',
    ...(status === 'SUCCEEDED' ? { output: [index, index * 10] } : {}),
    ...(status === 'FAILED' ? { error: 'Boom', cause: 'it broke' } : {}),
    ...extra,
  };
}

describe('result locations', () => {
  it('puts a Map Run results under <Prefix>/<Map Run id>/', () => {
    expect(mapRunId(MAP_RUN_ARN)).toBe('ad9b5f27-090b-3ac6-9beb-243cd77144a7');
    expect(resultFolder('jobs', MAP_RUN_ARN)).toBe('jobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/');
    expect(resultFolder('jobs/', MAP_RUN_ARN)).toBe('jobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/');
    expect(resultFolder('', MAP_RUN_ARN)).toBe('ad9b5f27-090b-3ac6-9beb-243cd77144a7/');
  });

  it('gives the manifest key and the state output AWS records', () => {
    // LocalStack's AWS-recorded snapshot tests/aws/services/stepfunctions/v2/scenarios/
    // test_base_scenarios.snapshot.json, test_map_state_result_writer (Label "TestMap", Bucket
    // "result-bucket", Prefix "mapJobs"): the Map Run ARN is
    // arn:<partition>:states:<region>:<account>:mapRun:<state machine>/TestMap:<id> and the state's
    // output is {MapRunArn, ResultWriterDetails: {Bucket, Key: "mapJobs/<id>/manifest.json"}}.
    const arn =
      'arn:aws:states:us-east-1:111111111111:mapRun:machine/TestMap:0b7d4e6a-1f2c-3d4e-8f90-a1b2c3d4e5f6';
    const written = writeResults([child(0, 'SUCCEEDED')], arn, {
      destination: { bucket: 'result-bucket', prefix: 'mapJobs' },
    });
    expect(written.stateOutput).toEqual({
      MapRunArn: arn,
      ResultWriterDetails: {
        Bucket: 'result-bucket',
        Key: 'mapJobs/0b7d4e6a-1f2c-3d4e-8f90-a1b2c3d4e5f6/manifest.json',
      },
    });
    expect(Object.keys(written.stateOutput)).toEqual(['MapRunArn', 'ResultWriterDetails']);
  });

  it('refuses an ARN that is not a Map Run, as States.ResultWriterFailed', () => {
    expect(() => mapRunId('arn:aws:states:us-east-1:1:execution:x:y')).toThrow(
      expect.objectContaining({ name: 'States.ResultWriterFailed' }),
    );
  });
});

describe('writeResults', () => {
  const children = [
    child(0, 'SUCCEEDED'),
    child(1, 'FAILED'),
    child(2, 'SUCCEEDED'),
    child(3, 'TIMED_OUT'),
    child(4, 'PENDING'),
  ];
  const destination = { bucket: 'out', prefix: 'jobs' };

  it('writes one file per status group and a manifest listing each with its Key and byte Size', () => {
    const written = writeResults(children, MAP_RUN_ARN, { destination });
    const folder = 'jobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/';
    expect(written.files.map((file) => file.key)).toEqual([
      `${folder}SUCCEEDED_0.json`,
      `${folder}FAILED_0.json`,
      `${folder}PENDING_0.json`,
    ]);
    const manifest = JSON.parse(written.manifest.body);
    expect(written.manifest.key).toBe(`${folder}manifest.json`);
    expect(manifest).toEqual({
      DestinationBucket: 'out',
      MapRunArn: MAP_RUN_ARN,
      ResultFiles: {
        FAILED: [{ Key: `${folder}FAILED_0.json`, Size: written.files[1]?.size }],
        PENDING: [{ Key: `${folder}PENDING_0.json`, Size: written.files[2]?.size }],
        SUCCEEDED: [{ Key: `${folder}SUCCEEDED_0.json`, Size: written.files[0]?.size }],
      },
    });
    for (const file of written.files) expect(file.size).toBe(Buffer.byteLength(file.body, 'utf8'));
    expect(written.stateOutput).toEqual({
      MapRunArn: MAP_RUN_ARN,
      ResultWriterDetails: { Bucket: 'out', Key: `${folder}manifest.json` },
    });
  });

  it('writes full entries by default (NONE): metadata with Input and Output as JSON strings', () => {
    const written = writeResults(children, MAP_RUN_ARN, { destination });
    const succeeded = JSON.parse(written.files[0]?.body ?? '');
    expect(succeeded).toHaveLength(2);
    expect(succeeded[0]).toMatchObject({
      ExecutionArn: children[0]?.executionArn,
      Input: '{"n":0}',
      InputDetails: { Included: true },
      Name: 'child-0',
      Output: '[0,0]',
      OutputDetails: { Included: true },
      Status: 'SUCCEEDED',
      StartDate: '2026-01-01T00:00:00.000Z',
      StopDate: '2026-01-01T00:00:01.000Z',
    });
    const failed = JSON.parse(written.files[1]?.body ?? '');
    expect(failed.map((entry: { Status: string }) => entry.Status)).toEqual(['FAILED', 'TIMED_OUT']);
    expect(failed[0]).toMatchObject({ Error: 'Boom', Cause: 'it broke' });
    expect(failed[0].Output).toBeUndefined();
  });

  it('writes outputs alone under COMPACT and array elements one by one under FLATTEN, failed children unchanged', () => {
    const compact = writeResults(children, MAP_RUN_ARN, { destination, transformation: 'COMPACT' });
    expect(JSON.parse(compact.files[0]?.body ?? '')).toEqual([
      [0, 0],
      [2, 20],
    ]);
    const flatten = writeResults(children, MAP_RUN_ARN, { destination, transformation: 'FLATTEN' });
    expect(JSON.parse(flatten.files[0]?.body ?? '')).toEqual([0, 0, 2, 20]);
    expect(JSON.parse(flatten.files[1]?.body ?? '')[0]).toEqual(fullResultEntry(children[1] as ChildResult));
  });

  it('writes JSON Lines under OutputType JSONL', () => {
    const written = writeResults(children, MAP_RUN_ARN, {
      destination,
      transformation: 'COMPACT',
      outputType: 'JSONL',
    });
    expect(written.files[0]?.body).toBe('[0,0]\n[2,20]\n');
    expect(written.files[0]?.key.endsWith('SUCCEEDED_0.jsonl')).toBe(true);
  });

  it('starts the next numbered file before one would exceed the file size limit', () => {
    // Each entry is 22 bytes ("x" * 20 quoted) plus a comma: four fit in 100 bytes, five do not.
    const many = Array.from({ length: 10 }, (_, index) =>
      child(index, 'SUCCEEDED', { output: 'x'.repeat(20) }),
    );
    const written = writeResults(many, MAP_RUN_ARN, {
      destination,
      transformation: 'COMPACT',
      maxFileBytes: 100,
    });
    expect(written.files.map((file) => file.key.split('/').at(-1))).toEqual([
      'SUCCEEDED_0.json',
      'SUCCEEDED_1.json',
      'SUCCEEDED_2.json',
    ]);
    expect(written.files.every((file) => file.size <= 100)).toBe(true);
    expect(written.files.flatMap((file) => JSON.parse(file.body))).toHaveLength(10);
    expect(JSON.parse(written.manifest.body).ResultFiles.SUCCEEDED).toHaveLength(3);
  });
});

describe('inlineResults', () => {
  it('gives the outputs in item order (COMPACT) when nothing goes to S3', () => {
    expect(inlineResults([child(0, 'SUCCEEDED'), child(1, 'SUCCEEDED')])).toEqual([
      [0, 0],
      [1, 10],
    ]);
    expect(inlineResults([child(0, 'SUCCEEDED'), child(1, 'SUCCEEDED')], 'FLATTEN')).toEqual([0, 0, 1, 10]);
  });
});
