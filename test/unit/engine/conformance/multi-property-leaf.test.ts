/**
 * Conformance: a path ending in several quoted names, `$[*]['bucket', 'key']`. Step Functions reads
 * paths with Jayway JsonPath, whose multi-property leaf (json-path/JsonPath,
 * json-path/src/main/java/com/jayway/jsonpath/internal/path/PathToken.java, handleObjectProperty,
 * the merge case) turns each object the path reaches into an object of the named properties it
 * has, leaving out the missing ones. AWS's sample s3-glacier-multi-file-restore
 * (aws-samples/step-functions-workflows-collection) selects `"result.$": "$.[*].['bucket', 'key']"`.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';

function pick(path: string): Record<string, unknown> {
  return { StartAt: 'Pick', States: { Pick: { Type: 'Pass', Parameters: { 'result.$': path }, End: true } } };
}

const OBJECTS = [
  { bucket: 'b1', key: 'k1', size: 10 },
  { bucket: 'b2', size: 20 },
];

describe('a path ending in several quoted names', () => {
  it('reduces every object a wildcard reaches to those names, as in the AWS sample', async () => {
    const result = await runWorkflow(pick("$.[*].['bucket', 'key']"), OBJECTS);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ result: [{ bucket: 'b1', key: 'k1' }, { bucket: 'b2' }] });
  });

  it('gives one object for a single node', async () => {
    const result = await runWorkflow(pick('$[0][\'bucket\',"size"]'), OBJECTS);
    expect(result.output).toEqual({ result: { bucket: 'b1', size: 10 } });
  });

  it('applies after a filter', async () => {
    const result = await runWorkflow(pick("$[?(@.size > 15)]['bucket','key']"), OBJECTS);
    expect(result.output).toEqual({ result: [{ bucket: 'b2' }] });
  });
});
