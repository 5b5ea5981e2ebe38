import { describe, expect, it } from 'vitest';
import {
  ExecutionIndex,
  createTableInput,
  executionPartitionKey,
  versionSortKey,
} from '../../../lambdas/contract/table-schema.js';

describe('the table schema', () => {
  it('zero-pads versions so that string order is numeric order', () => {
    expect(versionSortKey(42)).toBe('V#000000000042');
    expect(versionSortKey(9) < versionSortKey(10)).toBe(true);
  });

  it('rejects a version a sort key cannot hold', () => {
    expect(() => versionSortKey(0)).toThrow(RangeError);
    expect(() => versionSortKey(1.5)).toThrow(RangeError);
    expect(() => versionSortKey(1e12)).toThrow(RangeError);
  });

  it('puts every item of an execution in one partition', () => {
    expect(executionPartitionKey('abc')).toBe('EXEC#abc');
  });

  it('creates an on-demand table with string pk/sk keys and the four list indexes', () => {
    const input = createTableInput('baton');

    expect(input).toMatchObject({
      TableName: 'baton',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(input.ProvisionedThroughput).toBeUndefined();
    expect(input.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
      [ExecutionIndex.byStatus.indexName, 'ALL'],
      [ExecutionIndex.byWorkflow.indexName, 'KEYS_ONLY'],
      [ExecutionIndex.byBusinessKey.indexName, 'KEYS_ONLY'],
      [ExecutionIndex.byStartTime.indexName, 'KEYS_ONLY'],
    ]);
  });

  it('defines every key attribute of the indexes as a string, and nothing else', () => {
    const input = createTableInput('baton');
    const keyAttributes = new Set([
      'pk',
      'sk',
      ...(input.GlobalSecondaryIndexes ?? []).flatMap((i) => (i.KeySchema ?? []).map((k) => k.AttributeName)),
    ]);

    expect(new Set(input.AttributeDefinitions?.map((d) => d.AttributeName))).toEqual(keyAttributes);
    expect(input.AttributeDefinitions?.every((d) => d.AttributeType === 'S')).toBe(true);
  });
});
