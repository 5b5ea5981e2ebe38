/**
 * Conformance: a `.` before `[` in a JSONPath. Step Functions reads paths with Jayway JsonPath,
 * whose PathCompiler.readDotToken (json-path/JsonPath,
 * json-path/src/main/java/com/jayway/jsonpath/internal/path/PathCompiler.java) skips a single `.`
 * and reads the next token: `$.a.[0]` is `$.a[0]`, `$.[?(...)]` is `$[?(...)]`, while `..` stays
 * recursive descent. AWS's own samples rely on it and run on the service:
 * aws-samples/step-functions-workflows-collection idempotent-workflow (`"results.$": "$.[0]"`) and
 * ec2-instance-isolation (`"SnapshotState.$": "$.Snapshots.[0].State"`).
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow, validateDefinition } from '../../../../lambdas/index.js';

function passWith(fields: Record<string, unknown>): Record<string, unknown> {
  return { StartAt: 'P', States: { P: { Type: 'Pass', End: true, ...fields } } };
}

describe('a dot before a bracket in a path', () => {
  it.each([
    ['a Parameters field ending in .$', { Parameters: { 'results.$': '$.[0]' } }],
    [
      'a ResultSelector field',
      {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:123456789012:function:F',
        ResultSelector: { 'SnapshotState.$': '$.Snapshots.[0].State' },
      },
    ],
    ['an intrinsic function argument', { Parameters: { 'data.$': 'States.StringToJson($.[0].body)' } }],
    ['InputPath', { InputPath: '$.items.[0]' }],
    ['OutputPath', { OutputPath: '$.[1]' }],
    ['ResultPath', { ResultPath: '$.items.[0]' }],
  ])('is accepted in %s', (_, fields) => {
    expect(validateDefinition(passWith(fields))).toEqual([]);
  });

  it('is accepted in a Choice rule Variable', () => {
    const issues = validateDefinition({
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Variable: '$.items.[0]', StringEquals: 'a', Next: 'Done' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    expect(issues).toEqual([]);
  });

  it('reads the same node as the path without the dot', async () => {
    const result = await runWorkflow(
      passWith({
        Parameters: {
          'first.$': '$.[0]',
          'state.$': '$.[1].Snapshots.[0].State',
        },
      }),
      ['a', { Snapshots: [{ State: 'completed' }, { State: 'pending' }] }],
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ first: 'a', state: 'completed' });
  });

  it('applies a filter after a dot to that node only, not to everything below it', async () => {
    const result = await runWorkflow(passWith({ Parameters: { 'ones.$': '$.items.[?(@.x == 1)]' } }), {
      items: [{ x: 1, nested: [{ x: 1 }] }, { x: 2 }],
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ ones: [{ x: 1, nested: [{ x: 1 }] }] });
  });

  it('keeps two dots before a bracket as recursive descent', async () => {
    const result = await runWorkflow(passWith({ Parameters: { 'all.$': '$..[0]' } }), {
      a: [1, 2],
      b: { c: [3] },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ all: [1, 3] });
  });

  it('leaves a dot before a bracket inside a quoted name alone', async () => {
    const result = await runWorkflow(passWith({ Parameters: { 'v.$': "$['a.[b']" } }), { 'a.[b': 7 });
    expect(result.output).toEqual({ v: 7 });
  });
});
