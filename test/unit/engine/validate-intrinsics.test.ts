/**
 * Validation of intrinsic function calls in definitions. These tests rely on the intrinsic parser
 * (`parseIntrinsic` in intrinsics.ts), which the validator calls for every intrinsic it meets.
 */
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../lambdas/engine/validate.js';

type Json = Record<string, unknown>;

function pass(parameters: Json): Json {
  return { StartAt: 'S', States: { S: { Type: 'Pass', Parameters: parameters, End: true } } };
}

function fail(extra: Json): Json {
  return { StartAt: 'S', States: { S: { Type: 'Fail', ...extra } } };
}

function expectOnly(definition: unknown, pointer: string, fragment: string): void {
  expect(validateDefinition(definition)).toEqual([{ pointer, message: expect.stringContaining(fragment) }]);
}

/** `depth` calls of States.Array nested in one another. */
function nestedArray(depth: number): string {
  return `${'States.Array('.repeat(depth)}1${')'.repeat(depth)}`;
}

describe('intrinsic functions in payload templates', () => {
  it('accepts the States.Array example of the intrinsic functions page', () => {
    expect(validateDefinition(pass({ 'KeyId.$': 'States.Array($.Id)' }))).toEqual([]);
  });

  it('accepts nested intrinsics reading the input and the context object', () => {
    const definition = pass({
      'message.$':
        "States.Format('Hello {} from {}', States.ArrayGetItem(States.StringSplit($.names, ','), 0), $$.Execution.Id)",
    });
    expect(validateDefinition(definition)).toEqual([]);
  });

  it('accepts intrinsics in ResultSelector', () => {
    const definition = {
      StartAt: 'S',
      States: {
        S: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          ResultSelector: { 'body.$': 'States.StringToJson($.Payload.body)' },
          End: true,
        },
      },
    };
    expect(validateDefinition(definition)).toEqual([]);
  });

  it('accepts 10 nested intrinsic functions', () => {
    expect(validateDefinition(pass({ 'a.$': nestedArray(10) }))).toEqual([]);
  });

  it('rejects more than 10 nested intrinsic functions', () => {
    expectOnly(
      pass({ 'a.$': nestedArray(11) }),
      '/States/S/Parameters/a.$',
      'is not a valid intrinsic function call',
    );
  });

  it('rejects a malformed intrinsic call', () => {
    expectOnly(
      pass({ 'a.$': "States.Format('{}', $.a" }),
      '/States/S/Parameters/a.$',
      'is not a valid intrinsic function call',
    );
  });

  it('rejects an unknown intrinsic function', () => {
    expectOnly(
      pass({ 'a.$': 'States.Nope($.a)' }),
      '/States/S/Parameters/a.$',
      'is not a valid intrinsic function call',
    );
  });

  it('rejects an invalid path argument', () => {
    expectOnly(
      pass({ 'a.$': 'States.Array($.a..)' }),
      '/States/S/Parameters/a.$',
      'has an invalid path argument',
    );
  });

  it('checks intrinsics nested inside arrays of a template', () => {
    expectOnly(
      pass({ list: [{ 'a.$': 'States.Array(' }] }),
      '/States/S/Parameters/list/0/a.$',
      'is not a valid intrinsic',
    );
  });
});

describe('intrinsic functions in a Fail state', () => {
  it('accepts States.Format in ErrorPath and CausePath', () => {
    const definition = fail({
      ErrorPath: "States.Format('{}Error', $.kind)",
      CausePath: "States.Format('{} failed: {}', $$.State.Name, $.reason)",
    });
    expect(validateDefinition(definition)).toEqual([]);
  });

  it('accepts States.JsonToString in CausePath', () => {
    expect(validateDefinition(fail({ CausePath: 'States.JsonToString($.details)' }))).toEqual([]);
  });

  it('rejects an intrinsic that does not return a string in ErrorPath', () => {
    expectOnly(
      fail({ ErrorPath: 'States.Array($.a)' }),
      '/States/S/ErrorPath',
      'intrinsic function that returns a string',
    );
  });

  it('rejects a malformed intrinsic in CausePath', () => {
    expectOnly(
      fail({ CausePath: 'States.Format(' }),
      '/States/S/CausePath',
      'is not a valid intrinsic function call',
    );
  });
});
