/**
 * Conformance: JSONPath filters that cannot be applied at run time. Step Functions evaluates paths
 * with Jayway JsonPath (json-path/JsonPath):
 *
 * - A filter path the node does not have is no match: in `$[?(@.a.b.c > 1)]` on `[{"a": 1}]`,
 *   `@.a.b.c` is missing, so the item is left out (Jayway's filter evaluation reads a missing path
 *   as no value) and the result is `[]`.
 * - An unquoted word in a filter (`$[?(@.TargetLanguageCode==es)]`, from AWS's sample
 *   aws-samples/step-functions-workflows-collection parallel-translate/statemachine/
 *   statemachine.asl.yaml) is not a literal Jayway can read: FilterCompiler.readLiteral reads it as
 *   a number and `new BigDecimal("e")` fails. The sample deploys, so CreateStateMachine accepts it;
 *   the path fails when it is evaluated, and a path that cannot be applied is `States.Runtime`
 *   (Developer Guide, "Error names": "States.Runtime ... An execution failed due to some exception
 *   that it couldn't process. Often these are caused by errors at runtime, such as attempting to
 *   apply InputPath or OutputPath on a null JSON payload").
 *
 * Either way the execution ends with a status; the run never throws.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow, validateDefinition } from '../../../../lambdas/index.js';

function pickWith(path: string): Record<string, unknown> {
  return {
    StartAt: 'Pick',
    States: { Pick: { Type: 'Pass', Parameters: { 'picked.$': path }, End: true } },
  };
}

describe('a JSONPath filter at run time', () => {
  it('leaves out an item that lacks the path the filter reads', async () => {
    const result = await runWorkflow(pickWith('$[?(@.a.b.c > 1)]'), [{ a: 1 }, { a: { b: { c: 2 } } }]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ picked: [{ a: { b: { c: 2 } } }] });
  });

  it('gives an empty list when no item has the path', async () => {
    const result = await runWorkflow(pickWith('$[?(@.a.b.c > 1)]'), [{ a: 1 }]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ picked: [] });
  });

  it('accepts an unquoted word in a filter at validation, as CreateStateMachine does', () => {
    expect(validateDefinition(pickWith('$[?(@.TargetLanguageCode==es)].TranslatedText'))).toEqual([]);
  });

  it('fails the execution with States.Runtime when a filter has an unquoted word', async () => {
    const result = await runWorkflow(pickWith('$[?(@.TargetLanguageCode==es)].TranslatedText'), [
      { TargetLanguageCode: 'es', TranslatedText: 'hola' },
    ]);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain('$[?(@.TargetLanguageCode==es)].TranslatedText');
  });

  // Developer Guide, "Error names": "A retry or catch on States.ALL won't catch States.Runtime errors."
  it('fails a Parallel branch with States.Runtime, which a Catch on States.ALL does not take', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Translate',
        States: {
          Translate: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Pick',
                States: { Pick: { Type: 'Pass', Parameters: { 'es.$': '$[?(@.lang==es)]' }, End: true } },
              },
            ],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }],
            End: true,
          },
          Handled: { Type: 'Pass', End: true },
        },
      },
      [{ lang: 'es' }],
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
  });
});
