/**
 * The distributed-map bench's meter and cost model: what it counts from the wire and the queue,
 * and how it prices a run. Prices: https://aws.amazon.com/step-functions/pricing/ and
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html (one parent
 * transition per child a Distributed Map starts), as cited in bench/distributed-map/pricing.ts.
 */
import { describe, expect, it } from 'vitest';
import { LocalRuntimeMeter } from '../../../bench/distributed-map/meter.js';
import { batonCost, stepFunctionsCost } from '../../../bench/distributed-map/pricing.js';
import { LocalQueue } from '../../../local/emulators/sqs/queue.js';

describe('LocalRuntimeMeter', () => {
  it('counts DynamoDB requests and units from the wire, with the minimum of each kind', () => {
    const meter = new LocalRuntimeMeter();
    meter.observeDynamo('DynamoDB_20120810.PutItem', '{}', 200, '{"ConsumedCapacity":{"CapacityUnits":2}}');
    meter.recording = true;
    meter.observeDynamo(
      'DynamoDB_20120810.PutItem',
      '{}',
      200,
      '{"ConsumedCapacity":{"CapacityUnits":2,"TableName":"t"}}',
    );
    // A failed conditional write reports nothing and is billed one unit.
    meter.observeDynamo(
      'DynamoDB_20120810.PutItem',
      '{}',
      400,
      '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}',
    );
    // dynalite reports 0 for a Query that found nothing: a strongly consistent one costs 1.
    meter.observeDynamo(
      'DynamoDB_20120810.Query',
      '{"ConsistentRead":true}',
      200,
      '{"ConsumedCapacity":{"CapacityUnits":0}}',
    );
    meter.observeDynamo('DynamoDB_20120810.GetItem', '{}', 200, '{"ConsumedCapacity":{"CapacityUnits":0.5}}');
    expect(meter.dynamo.get('PutItem')).toEqual({ requests: 2, units: 3, conditionFailed: 1 });
    expect(meter.dynamoTotals()).toEqual({
      writeRequests: 2,
      writeUnits: 3,
      readRequests: 2,
      readUnits: 1.5,
    });
  });

  it('counts inbox messages by kind and 64 KiB chunk, and times an invocation from receive to delete', async () => {
    const queue = new LocalQueue({ name: 'bench-meter-test' });
    const meter = new LocalRuntimeMeter();
    meter.meterQueue(queue);
    meter.recording = true;
    queue.sendMessage({ body: JSON.stringify({ kind: 'MapRunTick', mapRunId: 'r', tick: 1 }) });
    queue.sendMessage({ body: JSON.stringify({ kind: 'RunMapChunk', pad: 'x'.repeat(70 * 1024) }) });
    const received = await queue.receiveMessage({ maxNumberOfMessages: 10 });
    expect(received).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.deleteMessageBatch(
      received.map((message, i) => ({ id: String(i), receiptHandle: message.receiptHandle })),
    );
    expect(meter.messages.get('MapRunTick')).toMatchObject({ sends: 1, chunks: 1 });
    expect(meter.messages.get('RunMapChunk')).toMatchObject({ sends: 1, chunks: 2 });
    expect(meter.sqsSends()).toEqual({ messages: 2, chunks: 3 });
    expect({ receives: meter.receives, received: meter.received, deletes: meter.deleteBatches }).toEqual({
      receives: 1,
      received: 2,
      deletes: 1,
    });
    expect(meter.invocationMs).toHaveLength(1);
    expect(meter.invocationMs[0]).toBeGreaterThanOrEqual(15);
    await queue.close();
  });
});

describe('the cost model', () => {
  it('prices Step Functions: a parent transition per child, Express requests, 100 ms steps of 64 MB', () => {
    const lines = stepFunctionsCost({
      children: 1_000_000,
      parentTransitions: 1,
      billedChildSeconds: 100_000,
    });
    const usd = Object.fromEntries(lines.map((line) => [line.service, line.usd]));
    expect(usd['Standard transitions']).toBeCloseTo(25.000025, 6);
    expect(usd['Express requests']).toBeCloseTo(1, 9);
    // 100,000 s x 64/1024 GB = 6,250 GB-s at $0.06 per GB-hour.
    expect(usd['Express duration']).toBeCloseTo((6250 * 0.06) / 3600, 9);
  });

  it("prices Baton's requests at list prices", () => {
    const meter = new LocalRuntimeMeter();
    meter.recording = true;
    meter.observeDynamo('DynamoDB_20120810.PutItem', '{}', 200, '{"ConsumedCapacity":{"CapacityUnits":1}}');
    meter.observeDynamo(
      'DynamoDB_20120810.GetItem',
      '{"ConsistentRead":true}',
      200,
      '{"ConsumedCapacity":{"CapacityUnits":1}}',
    );
    meter.observeS3('GetObjectCommand');
    meter.observeS3('PutObjectCommand');
    meter.receives = 1;
    meter.deleteBatches = 1;
    const { lines } = batonCost(meter, { invocationSeconds: 2, cpuSeconds: 1 });
    const usd = Object.fromEntries(lines.map((line) => [line.service, line.usd]));
    expect(usd['SQS']).toBeCloseTo(2 * 0.4e-6, 12);
    expect(usd['DynamoDB writes']).toBeCloseTo(0.625e-6, 12);
    expect(usd['DynamoDB reads']).toBeCloseTo(0.125e-6, 12);
    expect(usd['S3']).toBeCloseTo(0.005 / 1000 + 0.0004 / 1000, 12);
    expect(usd['Lambda requests']).toBeCloseTo(0.2e-6, 12);
    // 2 s at 1 GB on Arm.
    expect(usd['Lambda duration']).toBeCloseTo(2 * 0.0000133334, 12);
    expect(lines.find((line) => line.service === '(Lambda duration, CPU)')?.included).toBe(false);
  });
});
