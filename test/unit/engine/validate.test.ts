import { describe, expect, it } from 'vitest';
import { DefinitionError, type DefinitionIssue } from '../../../lambdas/engine/errors.js';
import {
  assertValidDefinition,
  formatIssues,
  MAX_DEPTH,
  validateDefinition,
} from '../../../lambdas/engine/validate.js';

type Json = Record<string, unknown>;

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:Charge';

/** A machine whose StartAt is its first state. */
function machine(states: Json, extra: Json = {}): Json {
  return { StartAt: Object.keys(states)[0], States: states, ...extra };
}

/** A machine with the single state `S` (issues then sit under `/States/S`). */
function single(state: Json): Json {
  return machine({ S: state });
}

function task(extra: Json = {}): Json {
  return { Type: 'Task', Resource: LAMBDA, End: true, ...extra };
}

function pass(extra: Json = {}): Json {
  return { Type: 'Pass', End: true, ...extra };
}

/** A Choice machine: rule(s) under `/States/C/Choices`, targets `A` and `B`. */
function choice(choices: unknown, extra: Json = {}): Json {
  return machine({
    C: { Type: 'Choice', Choices: choices, Default: 'B', ...extra },
    A: { Type: 'Succeed' },
    B: { Type: 'Succeed' },
  });
}

function rule(extra: Json): Json {
  return { Variable: '$.x', Next: 'A', ...extra };
}

function expectValid(definition: unknown): void {
  expect(validateDefinition(definition)).toEqual([]);
}

/** Exactly one issue, at `pointer`, whose message contains `fragment`. */
function expectOnly(definition: unknown, pointer: string, fragment: string): void {
  expect(validateDefinition(definition)).toEqual([{ pointer, message: expect.stringContaining(fragment) }]);
}

/** Among the issues, one at `pointer` whose message contains `fragment`. */
function expectIssue(definition: unknown, pointer: string, fragment: string): void {
  expect(validateDefinition(definition)).toContainEqual({
    pointer,
    message: expect.stringContaining(fragment),
  });
}

describe('valid definitions from the AWS documentation', () => {
  it('accepts the Hello World Pass state machine', () => {
    expectValid({
      Comment: 'A Hello World example of the Amazon States Language using a Pass state',
      StartAt: 'HelloWorld',
      States: { HelloWorld: { Type: 'Pass', Result: 'Hello World!', End: true } },
    });
  });

  it('accepts the Choice state example of the Amazon States Language page', () => {
    expectValid({
      Comment: 'An example of the Amazon States Language using a choice state.',
      StartAt: 'FirstState',
      States: {
        FirstState: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:FUNCTION_NAME',
          Next: 'ChoiceState',
        },
        ChoiceState: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.foo', NumericEquals: 1, Next: 'FirstMatchState' },
            { Variable: '$.foo', NumericEquals: 2, Next: 'SecondMatchState' },
          ],
          Default: 'DefaultState',
        },
        FirstMatchState: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:OnFirstMatch',
          Next: 'NextState',
        },
        SecondMatchState: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:OnSecondMatch',
          Next: 'NextState',
        },
        DefaultState: { Type: 'Fail', Error: 'DefaultStateError', Cause: 'No Matches!' },
        NextState: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:FUNCTION_NAME',
          End: true,
        },
      },
    });
  });

  it('accepts the Choice rules of the Choice state page (And, Not, IsPresent, StringMatches, timestamps, paths)', () => {
    expectValid({
      StartAt: 'ChoiceStateX',
      States: {
        ChoiceStateX: {
          Type: 'Choice',
          Choices: [
            {
              Not: { Variable: '$.type', StringEquals: 'Private' },
              Next: 'Public',
            },
            {
              And: [
                { Variable: '$.value', IsPresent: true },
                { Variable: '$.value', IsNumeric: true },
                { Variable: '$.value', NumericGreaterThanEquals: 20 },
                { Variable: '$.value', NumericLessThan: 30 },
              ],
              Next: 'ValueInTwenties',
            },
            { Variable: '$.foo', StringMatches: 'log-*.txt', Next: 'Public' },
            { Variable: '$.foo', TimestampEquals: '2001-01-01T12:00:00Z', Next: 'Public' },
            { Variable: '$.foo', StringEqualsPath: '$.bar', Next: 'Public' },
            { Variable: '$.possiblyNullValue', IsNull: true, Next: 'Public', Comment: 'null check' },
          ],
          Default: 'DefaultState',
        },
        Public: { Type: 'Pass', End: true },
        ValueInTwenties: { Type: 'Pass', End: true },
        DefaultState: { Type: 'Fail', Cause: 'No Matches!' },
      },
    });
  });

  it('accepts the Parallel state example', () => {
    expectValid({
      Comment: 'Parallel Example.',
      StartAt: 'LookupCustomerInfo',
      States: {
        LookupCustomerInfo: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'LookupAddress',
              States: {
                LookupAddress: {
                  Type: 'Task',
                  Resource: 'arn:aws:lambda:region:account-id:function:AddressFinder',
                  End: true,
                },
              },
            },
            {
              StartAt: 'LookupPhone',
              States: {
                LookupPhone: {
                  Type: 'Task',
                  Resource: 'arn:aws:lambda:region:account-id:function:PhoneFinder',
                  End: true,
                },
              },
            },
          ],
        },
      },
    });
  });

  it('accepts the inline Map example with ItemProcessor, ItemsPath and ItemSelector', () => {
    expectValid({
      StartAt: 'Validate-All',
      States: {
        'Validate-All': {
          Type: 'Map',
          InputPath: '$.detail',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Validate',
            States: {
              Validate: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                OutputPath: '$.Payload',
                Parameters: {
                  FunctionName: 'arn:aws:lambda:region:account-id:function:validate',
                  'Payload.$': '$',
                },
                End: true,
              },
            },
          },
          ItemsPath: '$.shipped',
          ItemSelector: { 'parcel.$': '$$.Map.Item.Value', 'courier.$': '$.delivery-partner' },
          MaxConcurrency: 0,
          ResultPath: '$.detail.shipped',
          End: true,
        },
      },
    });
  });

  it('accepts the legacy Map form with Iterator and Parameters', () => {
    expectValid({
      StartAt: 'ExampleMapState',
      States: {
        ExampleMapState: {
          Type: 'Map',
          Parameters: { 'ContextIndex.$': '$$.Map.Item.Index', 'ContextValue.$': '$$.Map.Item.Value' },
          Iterator: {
            StartAt: 'TestPass',
            States: { TestPass: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    });
  });

  it('accepts the Wait state examples (Seconds, Timestamp, TimestampPath, SecondsPath)', () => {
    expectValid({
      StartAt: 'wait_ten_seconds',
      States: {
        wait_ten_seconds: { Type: 'Wait', Seconds: 10, Next: 'wait_until' },
        wait_until: { Type: 'Wait', Timestamp: '2024-03-14T01:59:00Z', Next: 'wait_until_path' },
        wait_until_path: { Type: 'Wait', TimestampPath: '$.expirydate', Next: 'wait_seconds_path' },
        wait_seconds_path: { Type: 'Wait', SecondsPath: '$.delay', End: true },
      },
    });
  });

  it('accepts the error handling example with Retry and Catch', () => {
    expectValid({
      Comment: 'A Catch example of the Amazon States Language using an AWS Lambda function',
      StartAt: 'CreateAccount',
      States: {
        CreateAccount: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:region:account-id:function:FunctionName',
          Retry: [
            {
              ErrorEquals: ['States.Timeout', 'Lambda.ServiceException'],
              IntervalSeconds: 3,
              MaxAttempts: 2,
              BackoffRate: 1.5,
              MaxDelaySeconds: 10,
              JitterStrategy: 'FULL',
            },
            { ErrorEquals: ['ErrorA', 'ErrorB'], MaxAttempts: 0 },
            { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2.0 },
          ],
          Catch: [
            { ErrorEquals: ['CustomError'], Next: 'CustomErrorFallback' },
            { ErrorEquals: ['States.TaskFailed'], Next: 'ReservedTypeFallback' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.error-info', Next: 'CatchAllFallback' },
          ],
          End: true,
        },
        CustomErrorFallback: {
          Type: 'Pass',
          Result: 'This is a fallback from a custom Lambda function exception',
          End: true,
        },
        ReservedTypeFallback: {
          Type: 'Pass',
          Result: 'This is a fallback from a reserved error code',
          End: true,
        },
        CatchAllFallback: { Type: 'Pass', Result: 'This is a fallback from any error code', End: true },
      },
    });
  });

  it('accepts the input and output processing example (InputPath, Parameters, ResultSelector, ResultPath, OutputPath)', () => {
    expectValid({
      StartAt: 'Step Functions Example',
      States: {
        'Step Functions Example': {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          InputPath: '$.library',
          Parameters: {
            FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:Example',
            Payload: {
              comment: 'Selecting what I care about.',
              MyDetails: { 'size.$': '$.product.details.size' },
            },
            'execution.$': '$$.Execution.Id',
            'names.$': '$.books[*].title',
          },
          ResultSelector: { 'ClusterId.$': '$.output.ClusterId', 'ResourceType.$': '$.resourceType' },
          ResultPath: '$.EMROutput',
          OutputPath: '$.EMROutput',
          TimeoutSeconds: 300,
          HeartbeatSeconds: 60,
          End: true,
        },
      },
    });
  });

  it('accepts null InputPath, OutputPath and ResultPath', () => {
    expectValid(single(pass({ InputPath: null, OutputPath: null, ResultPath: null })));
  });

  it('accepts the Fail state with ErrorPath and CausePath reference paths', () => {
    expectValid(single({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$$.Execution.Input.Cause' }));
  });

  it('accepts a Succeed state with InputPath and OutputPath', () => {
    expectValid(single({ Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b', Comment: 'done' }));
  });

  it('accepts a Task with Credentials, TimeoutSecondsPath and HeartbeatSecondsPath', () => {
    expectValid(
      single(
        task({
          Credentials: { 'RoleArn.$': '$.roleArn' },
          TimeoutSecondsPath: '$.timeout',
          HeartbeatSecondsPath: '$.heartbeat',
        }),
      ),
    );
  });

  it('accepts a Baton saga Task with Compensate', () => {
    expectValid({
      StartAt: 'Charge',
      States: {
        Charge: {
          Type: 'Task',
          Resource: LAMBDA,
          Compensate: {
            Comment: 'refund the charge',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Refund',
            InputPath: '$.payment',
            Parameters: { 'chargeId.$': '$.id', reason: 'saga rolled back' },
            Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 10 }],
            TimeoutSeconds: 60,
            HeartbeatSeconds: 10,
          },
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
  });

  it('accepts Pass results of any JSON type', () => {
    expectValid(single(pass({ Result: { 'a.$': 42, list: [1, 'two', null, false, { nested: [] }] } })));
  });

  it('accepts states reached only through Catch, Default and Choices', () => {
    expectValid(
      machine({
        Start: task({
          End: undefined,
          Next: 'Route',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
        }),
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Ok' }],
          Default: 'Other',
        },
        Ok: { Type: 'Succeed' },
        Other: { Type: 'Succeed' },
        Failed: { Type: 'Fail' },
      }),
    );
  });

  it('accepts a loop that has a way out', () => {
    expectValid(
      machine({
        Poll: task({ End: undefined, Next: 'Check' }),
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.done', BooleanEquals: false, Next: 'Poll' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      }),
    );
  });

  it('accepts QueryLanguage JSONPath at the top level and on a state', () => {
    expectValid({
      ...single(pass({ QueryLanguage: 'JSONPath' })),
      QueryLanguage: 'JSONPath',
      Version: '1.0',
    });
  });

  it('accepts a filter expression in InputPath (a Path, not a reference path)', () => {
    expectValid(single(pass({ InputPath: '$.items[?(@.price > 10)]' })));
  });

  it('accepts every predefined error name in ErrorEquals', () => {
    const names = [
      'States.DataLimitExceeded',
      'States.ExceedToleratedFailureThreshold',
      'States.HeartbeatTimeout',
      'States.Http.Socket',
      'States.IntrinsicFailure',
      'States.ItemReaderFailed',
      'States.NoChoiceMatched',
      'States.ParameterPathFailure',
      'States.Permissions',
      'States.QueryEvaluationError',
      'States.ResultPathMatchFailure',
      'States.ResultWriterFailed',
      'States.Runtime',
      'States.TaskFailed',
      'States.Timeout',
      'States.BranchFailed',
    ];
    expectValid(single(task({ Retry: [{ ErrorEquals: names }] })));
  });

  it('accepts a state name of 80 emoji (80 Unicode characters, 160 UTF-16 units)', () => {
    expectValid(machine({ ['😀'.repeat(80)]: pass() }));
  });

  it('accepts explicitly undefined optional fields, as JavaScript builders produce', () => {
    expectValid(single(pass({ Comment: undefined, InputPath: undefined })));
  });
});

describe('top level', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an array', []],
    ['a number', 42],
    ['a string', 'text'],
    ['a boolean', true],
  ])('rejects %s as a definition', (_label, input) => {
    expectOnly(input, '', 'must be a JSON object');
  });

  it('requires StartAt', () => {
    expectOnly({ States: { A: pass() } }, '/StartAt', 'is required');
  });

  it('requires StartAt to be a string', () => {
    expectOnly({ StartAt: 1, States: { A: pass() } }, '/StartAt', 'must be a string');
  });

  it('requires StartAt to name a state', () => {
    expectOnly({ StartAt: 'Nope', States: { A: pass() } }, '/StartAt', 'no state named "Nope"');
  });

  it('requires States', () => {
    expectOnly({ StartAt: 'A' }, '/States', 'is required');
  });

  it('requires States to be an object', () => {
    expectIssue({ StartAt: 'A', States: [pass()] }, '/States', 'must be an object');
  });

  it('requires at least one state', () => {
    expectIssue({ StartAt: 'A', States: {} }, '/States', 'must have at least one state');
  });

  it('requires Comment to be a string', () => {
    expectOnly({ ...single(pass()), Comment: 5 }, '/Comment', 'must be a string');
  });

  it('requires Version to be a string', () => {
    expectOnly({ ...single(pass()), Version: 1 }, '/Version', 'must be a string');
  });

  it('requires TimeoutSeconds to be a positive integer', () => {
    expectOnly({ ...single(pass()), TimeoutSeconds: 0 }, '/TimeoutSeconds', 'must be a positive integer');
  });

  it('rejects a fractional TimeoutSeconds', () => {
    expectOnly({ ...single(pass()), TimeoutSeconds: 1.5 }, '/TimeoutSeconds', 'must be a positive integer');
  });

  it('accepts QueryLanguage JSONata', () => {
    expectValid({ ...single({ Type: 'Pass', End: true }), QueryLanguage: 'JSONata' });
  });

  it('rejects an unknown QueryLanguage', () => {
    expectOnly(
      { ...single(pass()), QueryLanguage: 'XPath' },
      '/QueryLanguage',
      'must be "JSONPath" or "JSONata"',
    );
  });

  it('rejects an unknown top-level field', () => {
    expectOnly({ ...single(pass()), Startat: 'S' }, '/Startat', 'unknown field');
  });
});

describe('state names', () => {
  it('rejects a name longer than 80 characters', () => {
    const name = 'x'.repeat(81);
    expectOnly(machine({ [name]: pass() }), `/States/${name}`, 'at most 80 characters');
  });

  it('rejects an empty name', () => {
    expectOnly({ StartAt: '', States: { '': pass() } }, '/States/', 'must not be empty');
  });

  it('rejects a name used again inside a Parallel branch', () => {
    const definition = machine({
      P: {
        Type: 'Parallel',
        Next: 'A',
        Branches: [{ StartAt: 'A', States: { A: pass() } }],
      },
      A: { Type: 'Succeed' },
    });
    expectOnly(definition, '/States/A', 'already used at /States/P/Branches/0/States/A');
  });

  it('rejects a name used in two Parallel branches', () => {
    const definition = single({
      Type: 'Parallel',
      End: true,
      Branches: [
        { StartAt: 'Work', States: { Work: pass() } },
        { StartAt: 'Work', States: { Work: pass() } },
      ],
    });
    expectOnly(
      definition,
      '/States/S/Branches/1/States/Work',
      'already used at /States/S/Branches/0/States/Work',
    );
  });

  it('rejects a name used again inside a Map processor', () => {
    const definition = single({
      Type: 'Map',
      End: true,
      ItemProcessor: { StartAt: 'S', States: { S: pass() } },
    });
    expectOnly(definition, '/States/S/ItemProcessor/States/S', 'already used at /States/S');
  });

  it('escapes "~" and "/" in pointers as "~0" and "~1"', () => {
    expectOnly(machine({ 'a/b~c': pass({ End: 'yes' }) }), '/States/a~1b~0c/End', 'must be true');
  });
});

describe('Type', () => {
  it('requires Type', () => {
    expectOnly(single({ End: true }), '/States/S/Type', 'is required');
  });

  it('rejects an unknown Type', () => {
    expectOnly(single({ Type: 'Lambda', End: true }), '/States/S/Type', 'must be one of Task, Pass, Choice');
  });

  it('requires a state to be an object', () => {
    expectOnly(single(['Pass'] as unknown as Json), '/States/S', 'must be an object');
  });
});

describe('transitions', () => {
  it('requires Next to name a state', () => {
    expectOnly(
      single(pass({ End: undefined, Next: 'Missing' })),
      '/States/S/Next',
      'no state named "Missing"',
    );
  });

  it('requires Next to be a string', () => {
    expectOnly(single(pass({ End: undefined, Next: 3 })), '/States/S/Next', 'must be a string');
  });

  it('rejects a transition from a Parallel branch to a state outside it', () => {
    const definition = machine({
      P: {
        Type: 'Parallel',
        Next: 'After',
        Branches: [{ StartAt: 'Inner', States: { Inner: pass({ End: undefined, Next: 'After' }) } }],
      },
      After: { Type: 'Succeed' },
    });
    expectIssue(
      definition,
      '/States/P/Branches/0/States/Inner/Next',
      'is in another States object (/States/After)',
    );
  });

  it('rejects a transition from a Map processor to a state outside it', () => {
    const definition = machine({
      M: {
        Type: 'Map',
        Next: 'After',
        ItemProcessor: { StartAt: 'Inner', States: { Inner: pass({ End: undefined, Next: 'After' }) } },
      },
      After: { Type: 'Succeed' },
    });
    expectIssue(definition, '/States/M/ItemProcessor/States/Inner/Next', 'is in another States object');
  });

  it('rejects a transition into a Parallel branch', () => {
    const definition = machine({
      Start: pass({ End: undefined, Next: 'Inner' }),
      P: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'Inner', States: { Inner: pass() } }] },
    });
    expectIssue(
      definition,
      '/States/Start/Next',
      'is in another States object (/States/P/Branches/0/States/Inner)',
    );
  });

  it('requires Next or End on a Task, Pass, Wait, Parallel or Map state', () => {
    expectOnly(single(pass({ End: undefined })), '/States/S', 'must have either Next or End: true');
  });

  it('rejects Next together with End', () => {
    expectOnly(
      machine({ S: pass({ Next: 'T' }), T: { Type: 'Succeed' } }),
      '/States/S/End',
      'cannot be used together with Next',
    );
  });

  it('requires End to be true', () => {
    expectOnly(single(pass({ End: false })), '/States/S/End', 'must be true');
  });

  it('rejects Next on a Choice state', () => {
    expectOnly(
      choice([rule({ BooleanEquals: true })], { Next: 'A' }),
      '/States/C/Next',
      'unknown field (not allowed on Choice states)',
    );
  });

  it('rejects End on a Succeed state', () => {
    expectOnly(
      single({ Type: 'Succeed', End: true }),
      '/States/S/End',
      'unknown field (not allowed on Succeed states)',
    );
  });

  it('rejects Next on a Fail state', () => {
    expectIssue(
      machine({ S: { Type: 'Fail', Next: 'T' }, T: { Type: 'Succeed' } }),
      '/States/S/Next',
      'unknown field (not allowed on Fail states)',
    );
  });
});

describe('reachability and terminal states', () => {
  it('rejects a state that StartAt cannot reach', () => {
    expectOnly(
      machine({ A: pass(), Orphan: pass() }),
      '/States/Orphan',
      'is not reachable from StartAt ("A")',
    );
  });

  it('rejects an unreachable cycle even though its states reference each other', () => {
    const definition = machine({
      A: pass(),
      X: pass({ End: undefined, Next: 'Y' }),
      Y: pass({ End: undefined, Next: 'X' }),
    });
    expect(validateDefinition(definition)).toEqual([
      { pointer: '/States/X', message: expect.stringContaining('is not reachable') },
      { pointer: '/States/Y', message: expect.stringContaining('is not reachable') },
    ]);
  });

  it('rejects an unreachable state inside a Parallel branch', () => {
    const definition = single({
      Type: 'Parallel',
      End: true,
      Branches: [{ StartAt: 'B1', States: { B1: pass(), B2: pass() } }],
    });
    expectOnly(definition, '/States/S/Branches/0/States/B2', 'is not reachable from StartAt ("B1")');
  });

  it('rejects a machine without a terminal state', () => {
    const definition = machine({
      A: pass({ End: undefined, Next: 'B' }),
      B: pass({ End: undefined, Next: 'A' }),
    });
    expectOnly(definition, '/States', 'has no terminal state');
  });
});

describe('unknown and misplaced fields', () => {
  it('rejects an unknown field on a state', () => {
    expectOnly(single(task({ Timeout: 5 })), '/States/S/Timeout', 'unknown field');
  });

  it('rejects Retry on a Pass state', () => {
    expectOnly(
      single(pass({ Retry: [{ ErrorEquals: ['States.ALL'] }] })),
      '/States/S/Retry',
      'unknown field (not allowed on Pass states)',
    );
  });

  it('rejects Catch on a Wait state', () => {
    expectOnly(
      single({ Type: 'Wait', Seconds: 1, End: true, Catch: [] }),
      '/States/S/Catch',
      'unknown field (not allowed on Wait states)',
    );
  });

  it('rejects ResultPath on a Choice state', () => {
    expectOnly(
      choice([rule({ BooleanEquals: true })], { ResultPath: '$.x' }),
      '/States/C/ResultPath',
      'unknown field (not allowed on Choice states)',
    );
  });

  it('rejects InputPath on a Fail state', () => {
    expectOnly(single({ Type: 'Fail', InputPath: '$' }), '/States/S/InputPath', 'not allowed on Fail states');
  });

  it('rejects Compensate on a state other than Task', () => {
    expectOnly(
      single(pass({ Compensate: { Resource: LAMBDA } })),
      '/States/S/Compensate',
      'only allowed on Task states',
    );
  });

  it('rejects an unknown field in a branch', () => {
    const definition = single({
      Type: 'Parallel',
      End: true,
      Branches: [{ StartAt: 'B', States: { B: pass() }, Name: 'x' }],
    });
    expectOnly(definition, '/States/S/Branches/0/Name', 'unknown field');
  });

  it('rejects ProcessorConfig in a Parallel branch', () => {
    const definition = single({
      Type: 'Parallel',
      End: true,
      Branches: [{ StartAt: 'B', States: { B: pass() }, ProcessorConfig: { Mode: 'INLINE' } }],
    });
    expectOnly(definition, '/States/S/Branches/0/ProcessorConfig', 'unknown field');
  });
});

describe('paths', () => {
  it('rejects an InputPath that is not valid JSONPath', () => {
    expectOnly(single(pass({ InputPath: 'input' })), '/States/S/InputPath', "must start with '$'");
  });

  it('rejects an OutputPath that is not a string', () => {
    expectOnly(single(pass({ OutputPath: 5 })), '/States/S/OutputPath', 'must be a path (a string) or null');
  });

  it('rejects a ResultPath that is not a reference path', () => {
    expectOnly(single(pass({ ResultPath: '$.items[*]' })), '/States/S/ResultPath', 'is not a reference path');
  });

  it('rejects a ResultPath into the context object', () => {
    expectOnly(
      single(pass({ ResultPath: '$$.Execution' })),
      '/States/S/ResultPath',
      'not into the context object',
    );
  });

  it('rejects an ItemsPath that is not a reference path', () => {
    const definition = single({
      Type: 'Map',
      End: true,
      ItemsPath: '$..items',
      ItemProcessor: { StartAt: 'I', States: { I: pass() } },
    });
    expectOnly(definition, '/States/S/ItemsPath', 'is not a reference path');
  });

  it('rejects an intrinsic function call in InputPath', () => {
    expectOnly(
      single(pass({ InputPath: "States.Format('{}', $.a)" })),
      '/States/S/InputPath',
      'intrinsic functions are only allowed',
    );
  });

  it('accepts a variable reference in InputPath', () => {
    expectValid(single(pass({ InputPath: '$order.items' })));
  });

  it('rejects a variable reference in ResultPath', () => {
    expectOnly(
      single(pass({ ResultPath: '$order.items' })),
      '/States/S/ResultPath',
      'reads the variable "$order": variables cannot be read in this field',
    );
  });

  it('rejects an unbalanced bracket', () => {
    expectOnly(single(pass({ OutputPath: '$.a[0' })), '/States/S/OutputPath', 'not a valid JSONPath');
  });
});

describe('payload templates', () => {
  it('requires Parameters to be an object', () => {
    expectOnly(
      single(pass({ Parameters: ['a'] })),
      '/States/S/Parameters',
      'must be an object (a payload template)',
    );
  });

  it("requires the value of a field ending in '.$' to be a string", () => {
    expectOnly(single(pass({ Parameters: { 'a.$': 1 } })), '/States/S/Parameters/a.$', 'must be a string');
  });

  it("requires the value of a field ending in '.$' to be a path or an intrinsic call", () => {
    expectOnly(
      single(pass({ Parameters: { 'a.$': 'name' } })),
      '/States/S/Parameters/a.$',
      'must be a path ($... or $$...)',
    );
  });

  it("rejects an invalid path in a field ending in '.$'", () => {
    expectOnly(
      single(pass({ Parameters: { 'a.$': '$.a[' } })),
      '/States/S/Parameters/a.$',
      'not a valid JSONPath',
    );
  });

  it("checks fields ending in '.$' nested in objects and arrays", () => {
    expectOnly(
      single(pass({ Parameters: { list: [{ deep: { 'x.$': 'nope' } }] } })),
      '/States/S/Parameters/list/0/deep/x.$',
      'must be a path',
    );
  });

  it("rejects two fields that have the same name once '.$' is stripped", () => {
    expectOnly(
      single(pass({ Parameters: { a: 1, 'a.$': '$.a' } })),
      '/States/S/Parameters/a.$',
      'duplicates the field "a"',
    );
  });

  it('checks ResultSelector as a payload template', () => {
    expectOnly(
      single(task({ ResultSelector: { 'id.$': 'id' } })),
      '/States/S/ResultSelector/id.$',
      'must be a path',
    );
  });

  it('checks ItemSelector as a payload template', () => {
    const definition = single({
      Type: 'Map',
      End: true,
      ItemSelector: { 'v.$': '$$.Map.Item.Value[' },
      ItemProcessor: { StartAt: 'I', States: { I: pass() } },
    });
    expectOnly(definition, '/States/S/ItemSelector/v.$', 'not a valid JSONPath');
  });

  it('requires Credentials to be an object', () => {
    expectOnly(
      single(task({ Credentials: 'arn:aws:iam::123456789012:role/x' })),
      '/States/S/Credentials',
      'must be an object',
    );
  });

  it('rejects NaN in a Result', () => {
    expectOnly(single(pass({ Result: { n: Number.NaN } })), '/States/S/Result/n', 'must be a finite number');
  });

  it('rejects undefined inside a Result', () => {
    expectOnly(single(pass({ Result: { n: undefined } })), '/States/S/Result/n', 'is not a JSON value');
  });

  it('rejects a function inside Parameters', () => {
    expectOnly(
      single(pass({ Parameters: { f: () => 1 } })),
      '/States/S/Parameters/f',
      'is not a JSON value (function)',
    );
  });

  it('rejects a Date inside a Result', () => {
    expectOnly(
      single(pass({ Result: { when: new Date(0) } })),
      '/States/S/Result/when',
      'is not a JSON value',
    );
  });
});

describe('Task', () => {
  it('requires Resource', () => {
    expectOnly(single({ Type: 'Task', End: true }), '/States/S/Resource', 'is required');
  });

  it('requires Resource to be a string', () => {
    expectOnly(single(task({ Resource: { Ref: 'Fn' } })), '/States/S/Resource', 'must be a string');
  });

  it('requires Resource to be a URI', () => {
    expectOnly(single(task({ Resource: 'my function' })), '/States/S/Resource', 'must be a URI');
  });

  it('requires TimeoutSeconds to be a positive integer', () => {
    expectOnly(single(task({ TimeoutSeconds: 0 })), '/States/S/TimeoutSeconds', 'must be a positive integer');
  });

  it('caps TimeoutSeconds at 99999999', () => {
    expectOnly(
      single(task({ TimeoutSeconds: 100_000_000 })),
      '/States/S/TimeoutSeconds',
      'must be at most 99999999',
    );
  });

  it('requires HeartbeatSeconds to be a positive integer', () => {
    expectOnly(
      single(task({ HeartbeatSeconds: -5 })),
      '/States/S/HeartbeatSeconds',
      'must be a positive integer',
    );
  });

  it('requires HeartbeatSeconds to be less than TimeoutSeconds', () => {
    expectOnly(
      single(task({ TimeoutSeconds: 60, HeartbeatSeconds: 60 })),
      '/States/S/HeartbeatSeconds',
      'must be less than TimeoutSeconds (60)',
    );
  });

  it('rejects TimeoutSeconds together with TimeoutSecondsPath', () => {
    expectOnly(
      single(task({ TimeoutSeconds: 60, TimeoutSecondsPath: '$.t' })),
      '/States/S/TimeoutSecondsPath',
      'cannot be used together with TimeoutSeconds',
    );
  });

  it('rejects HeartbeatSeconds together with HeartbeatSecondsPath', () => {
    expectOnly(
      single(task({ HeartbeatSeconds: 6, HeartbeatSecondsPath: '$.h' })),
      '/States/S/HeartbeatSecondsPath',
      'cannot be used together with HeartbeatSeconds',
    );
  });

  it('requires TimeoutSecondsPath to be a reference path', () => {
    expectOnly(
      single(task({ TimeoutSecondsPath: '$.t[*]' })),
      '/States/S/TimeoutSecondsPath',
      'is not a reference path',
    );
  });
});

describe('Compensate (Baton saga extension)', () => {
  it('requires Compensate to be an object', () => {
    expectOnly(single(task({ Compensate: LAMBDA })), '/States/S/Compensate', 'must be an object');
  });

  it('requires a Resource in Compensate', () => {
    expectOnly(
      single(task({ Compensate: { Parameters: {} } })),
      '/States/S/Compensate/Resource',
      'is required',
    );
  });

  it('rejects an unknown field in Compensate', () => {
    expectOnly(
      single(task({ Compensate: { Resource: LAMBDA, Next: 'X' } })),
      '/States/S/Compensate/Next',
      'unknown field',
    );
  });

  it('checks the Parameters of Compensate as a payload template', () => {
    expectOnly(
      single(task({ Compensate: { Resource: LAMBDA, Parameters: { 'id.$': 'id' } } })),
      '/States/S/Compensate/Parameters/id.$',
      'must be a path',
    );
  });

  it('checks the retriers of Compensate', () => {
    expectOnly(
      single(task({ Compensate: { Resource: LAMBDA, Retry: [{ ErrorEquals: ['X'], BackoffRate: 0 }] } })),
      '/States/S/Compensate/Retry/0/BackoffRate',
      'must be >= 1.0',
    );
  });

  it('requires the HeartbeatSeconds of Compensate to be less than its TimeoutSeconds', () => {
    expectOnly(
      single(task({ Compensate: { Resource: LAMBDA, TimeoutSeconds: 5, HeartbeatSeconds: 10 } })),
      '/States/S/Compensate/HeartbeatSeconds',
      'must be less than TimeoutSeconds (5)',
    );
  });

  it('checks the InputPath of Compensate', () => {
    expectOnly(
      single(task({ Compensate: { Resource: LAMBDA, InputPath: 'x' } })),
      '/States/S/Compensate/InputPath',
      "must start with '$'",
    );
  });

  it('rejects TimeoutSecondsPath in Compensate', () => {
    expectOnly(
      single(task({ Compensate: { Resource: LAMBDA, TimeoutSecondsPath: '$.t' } })),
      '/States/S/Compensate/TimeoutSecondsPath',
      'unknown field',
    );
  });
});

describe('Retry', () => {
  function retry(retriers: unknown): Json {
    return single(task({ Retry: retriers }));
  }

  it('requires Retry to be an array', () => {
    expectOnly(retry({ ErrorEquals: ['X'] }), '/States/S/Retry', 'must be an array of retriers');
  });

  it('requires a retrier to be an object', () => {
    expectOnly(retry(['X']), '/States/S/Retry/0', 'must be an object (a retrier)');
  });

  it('requires ErrorEquals', () => {
    expectOnly(retry([{ MaxAttempts: 1 }]), '/States/S/Retry/0/ErrorEquals', 'is required');
  });

  it('requires ErrorEquals to be non-empty', () => {
    expectOnly(retry([{ ErrorEquals: [] }]), '/States/S/Retry/0/ErrorEquals', 'must be a non-empty array');
  });

  it('requires error names to be strings', () => {
    expectOnly(
      retry([{ ErrorEquals: ['A', 7] }]),
      '/States/S/Retry/0/ErrorEquals/1',
      'must be a non-empty string',
    );
  });

  it('requires States.ALL to appear alone in ErrorEquals', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X', 'States.ALL'] }]),
      '/States/S/Retry/0/ErrorEquals/1',
      'must appear alone',
    );
  });

  it('requires States.ALL to appear only in the last retrier', () => {
    expectOnly(
      retry([{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }]),
      '/States/S/Retry/0/ErrorEquals/0',
      'only in the last retrier',
    );
  });

  it('requires IntervalSeconds to be a positive integer', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], IntervalSeconds: 0 }]),
      '/States/S/Retry/0/IntervalSeconds',
      'must be a positive integer',
    );
  });

  it('caps IntervalSeconds at 99999999', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], IntervalSeconds: 1e8 }]),
      '/States/S/Retry/0/IntervalSeconds',
      'at most 99999999',
    );
  });

  it('accepts MaxAttempts 0', () => {
    expectValid(retry([{ ErrorEquals: ['X'], MaxAttempts: 0 }]));
  });

  it('requires MaxAttempts to be a non-negative integer', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], MaxAttempts: -1 }]),
      '/States/S/Retry/0/MaxAttempts',
      'must be a non-negative integer',
    );
  });

  it('caps MaxAttempts at 99999999', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], MaxAttempts: 1e8 }]),
      '/States/S/Retry/0/MaxAttempts',
      'at most 99999999',
    );
  });

  it('requires BackoffRate to be at least 1.0', () => {
    expect(validateDefinition(retry([{ ErrorEquals: ['X'], BackoffRate: 0.5 }]))).toEqual([
      { pointer: '/States/S/Retry/0/BackoffRate', message: 'must be >= 1.0' },
    ]);
  });

  it('accepts BackoffRate 1.0', () => {
    expectValid(retry([{ ErrorEquals: ['X'], BackoffRate: 1.0 }]));
  });

  it('requires BackoffRate to be a number', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], BackoffRate: '2' }]),
      '/States/S/Retry/0/BackoffRate',
      'must be a number',
    );
  });

  it('requires MaxDelaySeconds to be less than 31622401', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], MaxDelaySeconds: 31_622_401 }]),
      '/States/S/Retry/0/MaxDelaySeconds',
      'must be less than 31622401',
    );
  });

  it('requires MaxDelaySeconds to be a positive integer', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], MaxDelaySeconds: 0 }]),
      '/States/S/Retry/0/MaxDelaySeconds',
      'must be a positive integer',
    );
  });

  it('requires JitterStrategy to be FULL or NONE', () => {
    expectOnly(
      retry([{ ErrorEquals: ['X'], JitterStrategy: 'HALF' }]),
      '/States/S/Retry/0/JitterStrategy',
      'must be "FULL" or "NONE"',
    );
  });

  it('rejects an unknown field in a retrier', () => {
    expectOnly(retry([{ ErrorEquals: ['X'], Next: 'S' }]), '/States/S/Retry/0/Next', 'unknown field');
  });
});

describe('Catch', () => {
  function withCatch(catchers: unknown): Json {
    return machine({ S: task({ Catch: catchers }), Fallback: { Type: 'Fail' } });
  }

  it('requires Catch to be an array', () => {
    expectIssue(
      withCatch({ ErrorEquals: ['X'], Next: 'Fallback' }),
      '/States/S/Catch',
      'must be an array of catchers',
    );
  });

  it('requires a catcher to be an object', () => {
    expectIssue(withCatch([null]), '/States/S/Catch/0', 'must be an object (a catcher)');
  });

  it('requires Next in a catcher', () => {
    expectIssue(withCatch([{ ErrorEquals: ['X'] }]), '/States/S/Catch/0/Next', 'is required');
  });

  it('requires the Next of a catcher to name a state', () => {
    expectOnly(
      machine({ S: task({ Catch: [{ ErrorEquals: ['X'], Next: 'Nowhere' }] }) }),
      '/States/S/Catch/0/Next',
      'no state named "Nowhere"',
    );
  });

  it('requires ErrorEquals in a catcher', () => {
    expectOnly(withCatch([{ Next: 'Fallback' }]), '/States/S/Catch/0/ErrorEquals', 'is required');
  });

  it('requires the ResultPath of a catcher to be a reference path', () => {
    expectOnly(
      withCatch([{ ErrorEquals: ['X'], Next: 'Fallback', ResultPath: '$.errors[*]' }]),
      '/States/S/Catch/0/ResultPath',
      'is not a reference path',
    );
  });

  it('accepts a null ResultPath in a catcher', () => {
    expectValid(withCatch([{ ErrorEquals: ['X'], Next: 'Fallback', ResultPath: null }]));
  });

  it('requires States.ALL to appear only in the last catcher', () => {
    expectOnly(
      withCatch([
        { ErrorEquals: ['States.ALL'], Next: 'Fallback' },
        { ErrorEquals: ['X'], Next: 'Fallback' },
      ]),
      '/States/S/Catch/0/ErrorEquals/0',
      'only in the last catcher',
    );
  });

  it('requires States.ALL to appear alone in a catcher', () => {
    expectOnly(
      withCatch([{ ErrorEquals: ['States.ALL', 'States.Runtime'], Next: 'Fallback' }]),
      '/States/S/Catch/0/ErrorEquals/0',
      'must appear alone',
    );
  });

  it('accepts Assign in a catcher', () => {
    expectValid(withCatch([{ ErrorEquals: ['X'], Next: 'Fallback', Assign: { failed: true } }]));
  });

  it('rejects Output in a catcher of a JSONPath state, naming it a JSONata field', () => {
    expectOnly(
      withCatch([{ ErrorEquals: ['X'], Next: 'Fallback', Output: '{% $states.errorOutput %}' }]),
      '/States/S/Catch/0/Output',
      "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
    );
  });
});

describe('Wait', () => {
  function wait(extra: Json): Json {
    return single({ Type: 'Wait', End: true, ...extra });
  }

  it('requires one of Seconds, Timestamp, SecondsPath and TimestampPath', () => {
    expectOnly(
      wait({}),
      '/States/S',
      'must have exactly one of Seconds, Timestamp, SecondsPath or TimestampPath',
    );
  });

  it('rejects two of Seconds, Timestamp, SecondsPath and TimestampPath', () => {
    expectOnly(
      wait({ Seconds: 5, SecondsPath: '$.s' }),
      '/States/S/SecondsPath',
      'cannot be used together with Seconds',
    );
  });

  it('accepts Seconds 0', () => {
    expectValid(wait({ Seconds: 0 }));
  });

  it('requires Seconds to be a non-negative integer', () => {
    expectOnly(wait({ Seconds: -1 }), '/States/S/Seconds', 'must be a non-negative integer');
  });

  it('caps Seconds at 99999999', () => {
    expectOnly(wait({ Seconds: 100_000_000 }), '/States/S/Seconds', 'at most 99999999');
  });

  it('requires Timestamp to be an RFC 3339 timestamp with an uppercase T', () => {
    expectOnly(wait({ Timestamp: '2016-03-14 01:59:00Z' }), '/States/S/Timestamp', 'must be a timestamp');
  });

  it('rejects a Timestamp with a lowercase z', () => {
    expectOnly(wait({ Timestamp: '2016-03-14T01:59:00z' }), '/States/S/Timestamp', 'must be a timestamp');
  });

  it('accepts a Timestamp with a numeric offset and fractional seconds', () => {
    expectValid(wait({ Timestamp: '2016-03-14T01:59:00.123+01:00' }));
  });

  it('requires SecondsPath to be a reference path', () => {
    expectOnly(wait({ SecondsPath: '$.delays[0:2]' }), '/States/S/SecondsPath', 'is not a reference path');
  });
});

describe('Choice', () => {
  it('requires Choices', () => {
    expectIssue(
      machine({ C: { Type: 'Choice', Default: 'A' }, A: { Type: 'Succeed' } }),
      '/States/C/Choices',
      'is required',
    );
  });

  it('requires Choices to be non-empty', () => {
    expectIssue(choice([]), '/States/C/Choices', 'must be a non-empty array of Choice rules');
  });

  it('requires a Choice rule to be an object', () => {
    expectIssue(choice(['$.x']), '/States/C/Choices/0', 'must be an object (a Choice rule)');
  });

  it('requires Next in a top-level Choice rule', () => {
    expectIssue(
      choice([{ Variable: '$.x', BooleanEquals: true }]),
      '/States/C/Choices/0/Next',
      'is required',
    );
  });

  it('rejects Next in a nested Choice rule', () => {
    expectOnly(
      choice([{ Not: { Variable: '$.x', BooleanEquals: true, Next: 'A' }, Next: 'A' }]),
      '/States/C/Choices/0/Not/Next',
      'only top-level Choice rules can have Next',
    );
  });

  it('requires a comparison operator or a combinator', () => {
    expectOnly(
      choice([{ Variable: '$.x', Next: 'A' }]),
      '/States/C/Choices/0',
      'must have a comparison operator',
    );
  });

  it('rejects two comparison operators in one rule', () => {
    expectOnly(
      choice([rule({ StringEquals: 'a', StringMatches: 'a*' })]),
      '/States/C/Choices/0/StringMatches',
      'cannot be used together with StringEquals',
    );
  });

  it('rejects a comparison operator together with And', () => {
    expectIssue(
      choice([{ And: [{ Variable: '$.x', IsNull: true }], BooleanEquals: true, Next: 'A' }]),
      '/States/C/Choices/0/BooleanEquals',
      'cannot be used together with And',
    );
  });

  it('requires Variable in a comparison', () => {
    expectOnly(choice([{ BooleanEquals: true, Next: 'A' }]), '/States/C/Choices/0/Variable', 'is required');
  });

  it('requires Variable to be a reference path', () => {
    expectOnly(
      choice([rule({ Variable: '$.items[*].ok', BooleanEquals: true })]),
      '/States/C/Choices/0/Variable',
      'is not a reference path',
    );
  });

  it('rejects Variable on an And rule', () => {
    expectOnly(
      choice([{ Variable: '$.x', And: [{ Variable: '$.x', IsNull: true }], Next: 'A' }]),
      '/States/C/Choices/0/Variable',
      'is not allowed with And',
    );
  });

  it('requires And to be a non-empty array', () => {
    expectOnly(
      choice([{ And: [], Next: 'A' }]),
      '/States/C/Choices/0/And',
      'must be a non-empty array of Choice rules',
    );
  });

  it('requires Not to be a Choice rule object', () => {
    expectOnly(
      choice([{ Not: [], Next: 'A' }]),
      '/States/C/Choices/0/Not',
      'must be an object (a Choice rule)',
    );
  });

  it('checks rules nested in Or and Not', () => {
    expectOnly(
      choice([{ Or: [{ Not: { Variable: '$.x', NumericEquals: '1' } }], Next: 'A' }]),
      '/States/C/Choices/0/Or/0/Not/NumericEquals',
      'must be a number',
    );
  });

  it('requires a string for StringEquals', () => {
    expectOnly(choice([rule({ StringEquals: 1 })]), '/States/C/Choices/0/StringEquals', 'must be a string');
  });

  it('requires a boolean for BooleanEquals', () => {
    expectOnly(
      choice([rule({ BooleanEquals: 'true' })]),
      '/States/C/Choices/0/BooleanEquals',
      'must be a boolean',
    );
  });

  it('requires a timestamp for TimestampLessThan', () => {
    expectOnly(
      choice([rule({ TimestampLessThan: '2016-03-14' })]),
      '/States/C/Choices/0/TimestampLessThan',
      'must be a timestamp',
    );
  });

  it('requires a reference path for NumericGreaterThanPath', () => {
    expectOnly(
      choice([rule({ NumericGreaterThanPath: 'limit' })]),
      '/States/C/Choices/0/NumericGreaterThanPath',
      "must start with '$'",
    );
  });

  it('requires a boolean for IsPresent', () => {
    expectOnly(choice([rule({ IsPresent: 'yes' })]), '/States/C/Choices/0/IsPresent', 'must be a boolean');
  });

  it('rejects a StringMatches pattern with an open escape', () => {
    expectOnly(
      choice([rule({ StringMatches: 'a\\b' })]),
      '/States/C/Choices/0/StringMatches',
      'is not a valid pattern',
    );
  });

  it('requires Default to name a state', () => {
    expectOnly(
      choice([rule({ BooleanEquals: true })], { Default: 'Z' }),
      '/States/C/Default',
      'no state named "Z"',
    );
  });

  it('requires the Next of a Choice rule to name a state', () => {
    expectOnly(
      choice([rule({ BooleanEquals: true, Next: 'Z' })]),
      '/States/C/Choices/0/Next',
      'no state named "Z"',
    );
  });

  it('rejects an unknown field in a Choice rule', () => {
    expectOnly(
      choice([rule({ BooleanEquals: true, Else: 'B' })]),
      '/States/C/Choices/0/Else',
      'unknown field',
    );
  });

  it('rejects Condition in a JSONPath Choice rule, naming it a JSONata field', () => {
    expectIssue(
      choice([{ Condition: '{% $x %}', Next: 'A' }]),
      '/States/C/Choices/0/Condition',
      "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' QueryLanguage",
    );
  });
});

describe('Parallel', () => {
  it('requires Branches', () => {
    expectOnly(single({ Type: 'Parallel', End: true }), '/States/S/Branches', 'is required');
  });

  it('requires Branches to be non-empty', () => {
    expectOnly(
      single({ Type: 'Parallel', End: true, Branches: [] }),
      '/States/S/Branches',
      'must be a non-empty array',
    );
  });

  it('requires a branch to be an object', () => {
    expectOnly(
      single({ Type: 'Parallel', End: true, Branches: ['A'] }),
      '/States/S/Branches/0',
      'must be an object',
    );
  });

  it('requires StartAt in a branch', () => {
    expectOnly(
      single({ Type: 'Parallel', End: true, Branches: [{ States: { B: pass() } }] }),
      '/States/S/Branches/0/StartAt',
      'is required',
    );
  });

  it('validates the states of a branch', () => {
    expectOnly(
      single({
        Type: 'Parallel',
        End: true,
        Branches: [{ StartAt: 'B', States: { B: task({ TimeoutSeconds: 0 }) } }],
      }),
      '/States/S/Branches/0/States/B/TimeoutSeconds',
      'must be a positive integer',
    );
  });

  it('validates branches nested in branches', () => {
    const inner = {
      Type: 'Parallel',
      End: true,
      Branches: [{ StartAt: 'Deep', States: { Deep: pass({ End: 1 }) } }],
    };
    expectOnly(
      single({ Type: 'Parallel', End: true, Branches: [{ StartAt: 'Inner', States: { Inner: inner } }] }),
      '/States/S/Branches/0/States/Inner/Branches/0/States/Deep/End',
      'must be true',
    );
  });
});

describe('Map', () => {
  function map(extra: Json): Json {
    return single({
      Type: 'Map',
      End: true,
      ItemProcessor: { StartAt: 'I', States: { I: pass() } },
      ...extra,
    });
  }

  it('requires ItemProcessor (or the legacy Iterator)', () => {
    expectOnly(single({ Type: 'Map', End: true }), '/States/S/ItemProcessor', 'is required');
  });

  it('rejects ItemProcessor together with Iterator', () => {
    expectOnly(
      map({ Iterator: { StartAt: 'J', States: { J: pass() } } }),
      '/States/S/Iterator',
      'cannot be used together with ItemProcessor',
    );
  });

  it('rejects ItemSelector together with Parameters', () => {
    expectOnly(
      map({ ItemSelector: {}, Parameters: {} }),
      '/States/S/Parameters',
      'cannot be used together with ItemSelector',
    );
  });

  it('requires MaxConcurrency to be a non-negative integer', () => {
    expectOnly(map({ MaxConcurrency: -1 }), '/States/S/MaxConcurrency', 'must be a non-negative integer');
  });

  it('rejects MaxConcurrency together with MaxConcurrencyPath', () => {
    expectOnly(
      map({ MaxConcurrency: 2, MaxConcurrencyPath: '$.n' }),
      '/States/S/MaxConcurrencyPath',
      'cannot be used together with MaxConcurrency',
    );
  });

  it('rejects an unknown ProcessorConfig Mode', () => {
    expectOnly(
      single({
        Type: 'Map',
        End: true,
        ItemProcessor: { ProcessorConfig: { Mode: 'FAST' }, StartAt: 'I', States: { I: pass() } },
      }),
      '/States/S/ItemProcessor/ProcessorConfig/Mode',
      'must be "INLINE" or "DISTRIBUTED"',
    );
  });

  it('rejects ExecutionType on an INLINE Map', () => {
    expectOnly(
      single({
        Type: 'Map',
        End: true,
        ItemProcessor: { ProcessorConfig: { ExecutionType: 'EXPRESS' }, StartAt: 'I', States: { I: pass() } },
      }),
      '/States/S/ItemProcessor/ProcessorConfig/ExecutionType',
      'is only allowed with Mode "DISTRIBUTED"',
    );
  });

  it.each([
    ['ItemReader', { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} }],
    ['ItemBatcher', { MaxItemsPerBatch: 10 }],
    ['ResultWriter', { Resource: 'arn:aws:states:::s3:putObject' }],
    ['ToleratedFailurePercentage', 5],
    ['ToleratedFailurePercentagePath', '$.p'],
    ['ToleratedFailureCount', 5],
    ['ToleratedFailureCountPath', '$.c'],
    ['Label', 'batch'],
  ])('reports %s on an INLINE Map as needing Mode DISTRIBUTED', (key, value) => {
    expectOnly(
      map({ [key]: value }),
      `/States/S/${key}`,
      `${key} is a Distributed Map field: it needs "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"`,
    );
  });

  it('validates the states of the legacy Iterator', () => {
    expectOnly(
      single({
        Type: 'Map',
        End: true,
        Iterator: { StartAt: 'J', States: { J: { Type: 'Wait', End: true } } },
      }),
      '/States/S/Iterator/States/J',
      'must have exactly one of Seconds',
    );
  });
});

/**
 * Distributed Map (ProcessorConfig Mode DISTRIBUTED). The rules come from the Step Functions
 * developer guide: "Map state in Distributed mode" (the fields, MaxConcurrency up to 10,000, Label
 * of at most 40 characters), "ItemProcessor (Map)" (ExecutionType required with DISTRIBUTED),
 * "ItemReader (Map)" (getObject with ReaderConfig.InputType, listObjectsV2 and its
 * LOAD_AND_FLATTEN Transformation, CSV headers, manifests, MaxItems), "ItemBatcher (Map)",
 * "ResultWriter (Map)" (Resource and Parameters, WriterConfig, or both; never empty), "Setting
 * failure thresholds for Distributed Map states", "Integrating optimized services with Step
 * Functions" (Express workflows: Request Response only) and "Passing data between states with
 * variables" (a Distributed Map's child workflow has a variable scope of its own).
 */
describe('Distributed Map', () => {
  const GET = 'arn:aws:states:::s3:getObject';
  const LIST = 'arn:aws:states:::s3:listObjectsV2';
  const PUT = 'arn:aws:states:::s3:putObject';

  function processor(extra: Json = {}, states: Json = { I: pass() }): Json {
    return {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD', ...extra },
      StartAt: Object.keys(states)[0],
      States: states,
    };
  }

  /** A Distributed Map `S` whose processor runs `I` (a Pass), with `extra` fields. */
  function dmap(extra: Json = {}, config: Json = {}): Json {
    return single({ Type: 'Map', End: true, ItemProcessor: processor(config), ...extra });
  }

  function csvReader(config: Json = {}): Json {
    return {
      Resource: GET,
      ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', ...config },
      Parameters: { Bucket: 'amzn-s3-demo-bucket', Key: 'csvDataset/ratings.csv' },
    };
  }

  describe('valid forms', () => {
    it('accepts the ItemReader example of the developer guide (CSV, first row headers)', () => {
      expectValid(
        dmap({
          ItemReader: {
            ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
            Resource: GET,
            Parameters: {
              Bucket: 'amzn-s3-demo-bucket',
              Key: 'csvDataset/ratings.csv',
              VersionId: 'BcK42coT2jE1234VHLUvBV1yLNod2OEt',
            },
          },
        }),
      );
    });

    it.each([
      ['JSON', { InputType: 'JSON' }],
      ['JSONL', { InputType: 'JSONL' }],
      [
        'CSV with given headers and a delimiter',
        { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['a', 'b'], CSVDelimiter: 'PIPE' },
      ],
      ['an S3 inventory manifest', { InputType: 'MANIFEST' }],
      ['an Athena manifest', { InputType: 'MANIFEST', ManifestType: 'ATHENA_DATA' }],
      ['MaxItems', { InputType: 'JSON', MaxItems: 0 }],
      ['MaxItemsPath', { InputType: 'JSON', MaxItemsPath: '$.max' }],
    ])('accepts an s3:getObject reader of %s', (_name, config) => {
      expectValid(
        dmap({ ItemReader: { Resource: GET, ReaderConfig: config, Parameters: { Bucket: 'b', Key: 'k' } } }),
      );
    });

    it('accepts an s3:listObjectsV2 reader, with a region and account in the resource and paths in Parameters', () => {
      expectValid(
        dmap({
          ItemReader: {
            Resource: 'arn:aws:states:us-east-1:123456789012:s3:listObjectsV2',
            Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': '$.prefix' },
          },
        }),
      );
    });

    it('accepts listObjectsV2 with LOAD_AND_FLATTEN and the InputType of each object', () => {
      expectValid(
        dmap({
          ItemReader: {
            Resource: LIST,
            ReaderConfig: { Transformation: 'LOAD_AND_FLATTEN', InputType: 'JSONL' },
            Parameters: { Bucket: 'b', Prefix: 'p/' },
          },
        }),
      );
    });

    it('accepts every batcher, writer, label, threshold and concurrency field', () => {
      expectValid(
        dmap(
          {
            ItemReader: csvReader(),
            ItemSelector: { 'row.$': '$$.Map.Item.Value' },
            ItemBatcher: {
              MaxItemsPerBatch: 10,
              MaxInputBytesPerBatch: 262_144,
              BatchInput: { 'run.$': '$.run' },
            },
            ResultWriter: {
              Resource: PUT,
              Parameters: { Bucket: 'results', Prefix: 'runs/' },
              WriterConfig: { Transformation: 'FLATTEN', OutputType: 'JSONL' },
            },
            Label: 'ratings-2024',
            ToleratedFailurePercentage: 12.5,
            ToleratedFailureCount: 3,
            MaxConcurrency: 10_000,
          },
          { ExecutionType: 'EXPRESS' },
        ),
      );
    });

    it('accepts the Path forms of the batch limits and thresholds', () => {
      expectValid(
        dmap({
          ItemBatcher: { MaxItemsPerBatchPath: '$.n', MaxInputBytesPerBatchPath: '$.bytes' },
          ToleratedFailurePercentagePath: '$.p',
          ToleratedFailureCountPath: '$.c',
        }),
      );
    });

    it('accepts a ResultWriter with only WriterConfig (results shaped, not written)', () => {
      expectValid(
        dmap({ ResultWriter: { WriterConfig: { Transformation: 'COMPACT', OutputType: 'JSON' } } }),
      );
    });

    it('accepts a Distributed Map without ItemReader (items from the state input)', () => {
      expectValid(dmap({ ItemsPath: '$.items' }));
    });

    it('accepts a Distributed Map nested in the processor of another', () => {
      const inner = { Type: 'Map', End: true, ItemProcessor: processor({}, { J: pass() }) };
      expectValid(single({ Type: 'Map', End: true, ItemProcessor: processor({}, { I: inner }) }));
    });

    it('lets a Distributed Map processor assign a variable its parent assigns (its own scope)', () => {
      expectValid(
        machine({
          A: pass({ Assign: { total: 1 }, End: undefined, Next: 'S' }),
          S: { Type: 'Map', End: true, ItemProcessor: processor({}, { I: pass({ Assign: { total: 2 } }) }) },
        }),
      );
    });

    it('still forbids an INLINE processor to assign a variable its parent assigns', () => {
      expectIssue(
        machine({
          A: pass({ Assign: { total: 1 }, End: undefined, Next: 'S' }),
          S: {
            Type: 'Map',
            End: true,
            ItemProcessor: { StartAt: 'I', States: { I: pass({ Assign: { total: 2 } }) } },
          },
        }),
        '/States/S/ItemProcessor/States/I/Assign/total',
        'cannot assign the variable "total"',
      );
    });

    it('accepts workers and waiting integrations in a STANDARD processor', () => {
      const states = {
        W: task({ Resource: 'baton:worker:resize', End: undefined, Next: 'T' }),
        T: task({ Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken' }),
      };
      expectValid(single({ Type: 'Map', End: true, ItemProcessor: processor({}, states) }));
    });
  });

  describe('ProcessorConfig', () => {
    it('requires ExecutionType with Mode DISTRIBUTED', () => {
      expectOnly(
        single({
          Type: 'Map',
          End: true,
          ItemProcessor: { ...processor(), ProcessorConfig: { Mode: 'DISTRIBUTED' } },
        }),
        '/States/S/ItemProcessor/ProcessorConfig/ExecutionType',
        'is required with Mode "DISTRIBUTED"',
      );
    });

    it('rejects an unknown ExecutionType', () => {
      expectOnly(
        dmap({}, { ExecutionType: 'FAST' }),
        '/States/S/ItemProcessor/ProcessorConfig/ExecutionType',
        'must be "STANDARD" or "EXPRESS"',
      );
    });
  });

  it('bounds MaxConcurrency at 10,000', () => {
    expectOnly(dmap({ MaxConcurrency: 10_001 }), '/States/S/MaxConcurrency', 'must be at most 10000');
  });

  describe('ItemReader', () => {
    it('requires Resource', () => {
      expectOnly(
        dmap({ ItemReader: { Parameters: { Bucket: 'b' } } }),
        '/States/S/ItemReader/Resource',
        'is required',
      );
    });

    it('rejects a resource other than s3:getObject and s3:listObjectsV2', () => {
      expectOnly(
        dmap({ ItemReader: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b' } } }),
        '/States/S/ItemReader/Resource',
        'must be arn:aws:states:::s3:getObject (items from one object) or arn:aws:states:::s3:listObjectsV2',
      );
    });

    it('requires Parameters', () => {
      expectOnly(
        dmap({ ItemReader: { Resource: LIST } }),
        '/States/S/ItemReader/Parameters',
        'is required: the S3 request (Bucket)',
      );
    });

    it('requires the Key of an s3:getObject reader', () => {
      expectOnly(
        dmap({
          ItemReader: { Resource: GET, ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b' } },
        }),
        '/States/S/ItemReader/Parameters/Key',
        'is required (or Key.$)',
      );
    });

    it('rejects Arguments in a JSONPath state', () => {
      expectIssue(
        dmap({ ItemReader: { Resource: LIST, Parameters: { Bucket: 'b' }, Arguments: {} } }),
        '/States/S/ItemReader/Arguments',
        "field 'Arguments' is only supported for the 'JSONata' QueryLanguage",
      );
    });

    it('rejects an unknown field', () => {
      expectOnly(
        dmap({ ItemReader: { ...csvReader(), Format: 'csv' } }),
        '/States/S/ItemReader/Format',
        'unknown field',
      );
    });

    it('requires an InputType with s3:getObject', () => {
      expectOnly(
        dmap({ ItemReader: { Resource: GET, Parameters: { Bucket: 'b', Key: 'k' } } }),
        '/States/S/ItemReader/ReaderConfig/InputType',
        'is required with s3:getObject',
      );
    });

    it('rejects an unknown InputType', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ InputType: 'XML', CSVHeaderLocation: undefined }) }),
        '/States/S/ItemReader/ReaderConfig/InputType',
        'must be "JSON", "JSONL", "CSV" or "MANIFEST"',
      );
    });

    it('reports InputType PARQUET as not supported yet', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ InputType: 'PARQUET', CSVHeaderLocation: undefined }) }),
        '/States/S/ItemReader/ReaderConfig/InputType',
        'InputType "PARQUET" is not supported yet',
      );
    });

    it('rejects InputType with s3:listObjectsV2 without LOAD_AND_FLATTEN', () => {
      expectOnly(
        dmap({
          ItemReader: { Resource: LIST, ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b' } },
        }),
        '/States/S/ItemReader/ReaderConfig/InputType',
        'is only allowed with s3:listObjectsV2 when Transformation is "LOAD_AND_FLATTEN"',
      );
    });

    it('requires InputType with LOAD_AND_FLATTEN', () => {
      expectOnly(
        dmap({
          ItemReader: {
            Resource: LIST,
            ReaderConfig: { Transformation: 'LOAD_AND_FLATTEN' },
            Parameters: { Bucket: 'b' },
          },
        }),
        '/States/S/ItemReader/ReaderConfig/InputType',
        'is required with Transformation "LOAD_AND_FLATTEN"',
      );
    });

    it('rejects Transformation with s3:getObject', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ Transformation: 'NONE' }) }),
        '/States/S/ItemReader/ReaderConfig/Transformation',
        'is only allowed with arn:aws:states:::s3:listObjectsV2',
      );
    });

    it('rejects an unknown Transformation', () => {
      expectOnly(
        dmap({
          ItemReader: {
            Resource: LIST,
            ReaderConfig: { Transformation: 'UNZIP' },
            Parameters: { Bucket: 'b' },
          },
        }),
        '/States/S/ItemReader/ReaderConfig/Transformation',
        'must be "NONE" or "LOAD_AND_FLATTEN"',
      );
    });

    it('rejects an unknown CSVHeaderLocation', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ CSVHeaderLocation: 'LAST_ROW' }) }),
        '/States/S/ItemReader/ReaderConfig/CSVHeaderLocation',
        'must be "FIRST_ROW" or "GIVEN"',
      );
    });

    it('requires CSVHeaders with CSVHeaderLocation GIVEN', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ CSVHeaderLocation: 'GIVEN' }) }),
        '/States/S/ItemReader/ReaderConfig/CSVHeaders',
        'is required with CSVHeaderLocation "GIVEN"',
      );
    });

    it('rejects CSVHeaders with CSVHeaderLocation FIRST_ROW', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ CSVHeaders: ['a'] }) }),
        '/States/S/ItemReader/ReaderConfig/CSVHeaders',
        'is only allowed with CSVHeaderLocation "GIVEN"',
      );
    });

    it('requires CSVHeaders to be strings', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ CSVHeaderLocation: 'GIVEN', CSVHeaders: ['a', 1] }) }),
        '/States/S/ItemReader/ReaderConfig/CSVHeaders',
        'must be a non-empty array of strings',
      );
    });

    it('rejects an unknown CSVDelimiter', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ CSVDelimiter: 'COLON' }) }),
        '/States/S/ItemReader/ReaderConfig/CSVDelimiter',
        'must be "COMMA", "PIPE", "SEMICOLON", "SPACE" or "TAB"',
      );
    });

    it('rejects a CSV option with another InputType', () => {
      expectOnly(
        dmap({
          ItemReader: csvReader({ InputType: 'JSON', CSVHeaderLocation: undefined, CSVDelimiter: 'TAB' }),
        }),
        '/States/S/ItemReader/ReaderConfig/CSVDelimiter',
        'is only allowed with InputType "CSV"',
      );
    });

    it('rejects ManifestType without InputType MANIFEST, and an unknown one', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ ManifestType: 'ATHENA_DATA' }) }),
        '/States/S/ItemReader/ReaderConfig/ManifestType',
        'is only allowed with InputType "MANIFEST"',
      );
      expectOnly(
        dmap({
          ItemReader: csvReader({
            InputType: 'MANIFEST',
            CSVHeaderLocation: undefined,
            ManifestType: 'GLUE',
          }),
        }),
        '/States/S/ItemReader/ReaderConfig/ManifestType',
        'must be "ATHENA_DATA" or "S3_INVENTORY"',
      );
    });

    it('requires MaxItems to be a non-negative integer', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ MaxItems: 1.5 }) }),
        '/States/S/ItemReader/ReaderConfig/MaxItems',
        'must be a non-negative integer',
      );
    });

    it('rejects MaxItems together with MaxItemsPath', () => {
      expectOnly(
        dmap({ ItemReader: csvReader({ MaxItems: 5, MaxItemsPath: '$.n' }) }),
        '/States/S/ItemReader/ReaderConfig/MaxItemsPath',
        'cannot be used together with MaxItems',
      );
    });
  });

  describe('ItemBatcher', () => {
    it('requires at least one batch limit', () => {
      expectOnly(
        dmap({ ItemBatcher: { BatchInput: { a: 1 } } }),
        '/States/S/ItemBatcher',
        'must have MaxItemsPerBatch or MaxInputBytesPerBatch',
      );
    });

    it('requires MaxItemsPerBatch to be a positive integer', () => {
      expectOnly(
        dmap({ ItemBatcher: { MaxItemsPerBatch: 0 } }),
        '/States/S/ItemBatcher/MaxItemsPerBatch',
        'must be a positive integer',
      );
    });

    it('bounds MaxInputBytesPerBatch at 256 KiB', () => {
      expectOnly(
        dmap({ ItemBatcher: { MaxInputBytesPerBatch: 262_145 } }),
        '/States/S/ItemBatcher/MaxInputBytesPerBatch',
        'must be an integer from 1 to 262144',
      );
    });

    it('rejects a limit together with its Path', () => {
      expectOnly(
        dmap({ ItemBatcher: { MaxItemsPerBatch: 5, MaxItemsPerBatchPath: '$.n' } }),
        '/States/S/ItemBatcher/MaxItemsPerBatchPath',
        'cannot be used together with MaxItemsPerBatch',
      );
    });

    it('requires BatchInput to be an object', () => {
      expectOnly(
        dmap({ ItemBatcher: { MaxItemsPerBatch: 5, BatchInput: 'x' } }),
        '/States/S/ItemBatcher/BatchInput',
        'must be an object (a payload template)',
      );
    });
  });

  describe('ResultWriter', () => {
    it('rejects an empty ResultWriter', () => {
      expectOnly(
        dmap({ ResultWriter: {} }),
        '/States/S/ResultWriter',
        'must have Resource and Parameters (to write the results to S3), WriterConfig (to shape them), or both',
      );
    });

    it('rejects a Resource without Parameters', () => {
      expectOnly(
        dmap({ ResultWriter: { Resource: PUT } }),
        '/States/S/ResultWriter/Parameters',
        'is required: the S3 request (Bucket)',
      );
    });

    it('rejects Parameters without Resource', () => {
      expectOnly(
        dmap({ ResultWriter: { Parameters: { Bucket: 'b' } } }),
        '/States/S/ResultWriter/Resource',
        'is required with Parameters: arn:aws:states:::s3:putObject',
      );
    });

    it('rejects a resource other than s3:putObject', () => {
      expectOnly(
        dmap({ ResultWriter: { Resource: GET, Parameters: { Bucket: 'b' } } }),
        '/States/S/ResultWriter/Resource',
        'must be arn:aws:states:::s3:putObject',
      );
    });

    it('rejects unknown WriterConfig values', () => {
      expectOnly(
        dmap({ ResultWriter: { WriterConfig: { Transformation: 'ZIP' } } }),
        '/States/S/ResultWriter/WriterConfig/Transformation',
        'must be "NONE", "COMPACT" or "FLATTEN"',
      );
      expectOnly(
        dmap({ ResultWriter: { WriterConfig: { OutputType: 'CSV' } } }),
        '/States/S/ResultWriter/WriterConfig/OutputType',
        'must be "JSON" or "JSONL"',
      );
    });
  });

  describe('Label', () => {
    it('allows at most 40 characters', () => {
      expectOnly(
        dmap({ Label: 'x'.repeat(41) }),
        '/States/S/Label',
        'must be at most 40 characters long (it has 41)',
      );
    });

    it.each([' ', '/', '$', '\u0001'])('rejects the character %j', (character) => {
      expectOnly(dmap({ Label: `a${character}b` }), '/States/S/Label', 'must not contain whitespace');
    });
  });

  describe('tolerated failures', () => {
    it('bounds ToleratedFailurePercentage to 0..100', () => {
      expectOnly(
        dmap({ ToleratedFailurePercentage: 101 }),
        '/States/S/ToleratedFailurePercentage',
        'must be a number from 0 to 100',
      );
    });

    it('requires ToleratedFailureCount to be a non-negative integer', () => {
      expectOnly(
        dmap({ ToleratedFailureCount: -1 }),
        '/States/S/ToleratedFailureCount',
        'must be a non-negative integer',
      );
    });

    it.each(['ToleratedFailurePercentage', 'ToleratedFailureCount'])(
      'rejects %s together with its Path',
      (key) => {
        expectOnly(
          dmap({ [key]: 1, [`${key}Path`]: '$.t' }),
          `/States/S/${key}Path`,
          `cannot be used together with ${key}`,
        );
      },
    );
  });

  describe('EXPRESS processors', () => {
    function express(states: Json): Json {
      return single({
        Type: 'Map',
        End: true,
        ItemProcessor: processor({ ExecutionType: 'EXPRESS' }, states),
      });
    }

    it.each([
      'arn:aws:states:::lambda:invoke.waitForTaskToken',
      'arn:aws:states:::states:startExecution.sync:2',
      'arn:aws:states:::glue:startJobRun.sync',
    ])('rejects %s, naming the state', (resource) => {
      expectOnly(
        express({ T: task({ Resource: resource }) }),
        '/States/S/ItemProcessor/States/T/Resource',
        'state "T" cannot run',
      );
    });

    it('rejects a worker, inside a Parallel branch too', () => {
      expectOnly(
        express({
          P: {
            Type: 'Parallel',
            End: true,
            Branches: [{ StartAt: 'W', States: { W: task({ Resource: 'baton:worker:resize' }) } }],
          },
        }),
        '/States/S/ItemProcessor/States/P/Branches/0/States/W/Resource',
        `state "W" needs ExecutionType STANDARD: a worker's result arrives through the inbox`,
      );
    });

    it('rejects baton:waitForEvent and a worker compensation', () => {
      const issues = validateDefinition(
        express({
          E: task({
            Resource: 'baton:waitForEvent',
            Parameters: { DetailType: 'x' },
            End: undefined,
            Next: 'C',
          }),
          C: task({ Compensate: { Resource: 'baton:worker:refund' } }),
        }),
      );
      expect(issues).toEqual([
        {
          pointer: '/States/S/ItemProcessor/States/E/Resource',
          message: expect.stringContaining(
            'state "E" needs ExecutionType STANDARD: an awaited event arrives through the inbox',
          ),
        },
        {
          pointer: '/States/S/ItemProcessor/States/C/Compensate/Resource',
          message: expect.stringContaining('state "C" needs ExecutionType STANDARD'),
        },
      ]);
    });

    it('rejects a nested Distributed Map, whose Map Run ends through the inbox', () => {
      const inner = { Type: 'Map', End: true, ItemProcessor: processor({}, { J: pass() }) };
      expectOnly(
        express({ N: inner }),
        '/States/S/ItemProcessor/States/N/ItemProcessor/ProcessorConfig/Mode',
        'state "N" is a Distributed Map, which an EXPRESS ItemProcessor cannot run',
      );
    });

    it('accepts request-response integrations', () => {
      expectValid(express({ T: task({ Resource: 'arn:aws:states:::lambda:invoke' }) }));
    });
  });
});

describe('Fail', () => {
  it('rejects Error together with ErrorPath', () => {
    expectOnly(
      single({ Type: 'Fail', Error: 'E', ErrorPath: '$.e' }),
      '/States/S/ErrorPath',
      'cannot be used together with Error',
    );
  });

  it('rejects Cause together with CausePath', () => {
    expectOnly(
      single({ Type: 'Fail', Cause: 'C', CausePath: '$.c' }),
      '/States/S/CausePath',
      'cannot be used together with Cause',
    );
  });

  it('requires ErrorPath to be a reference path', () => {
    expectOnly(
      single({ Type: 'Fail', ErrorPath: '$.errors[*]' }),
      '/States/S/ErrorPath',
      'is not a reference path',
    );
  });

  it('requires CausePath to be a string', () => {
    expectOnly(single({ Type: 'Fail', CausePath: 7 }), '/States/S/CausePath', 'must be a string');
  });

  it('requires Error to be a string', () => {
    expectOnly(single({ Type: 'Fail', Error: { code: 1 } }), '/States/S/Error', 'must be a string');
  });

  it('accepts a predefined error name as Error', () => {
    expectValid(single({ Type: 'Fail', Error: 'States.TaskFailed' }));
  });
});

describe('JSONata fields in JSONPath states', () => {
  it('accepts Assign on a state', () => {
    expectValid(single(pass({ Assign: { total: 0 } })));
  });

  it('accepts Assign in a top-level Choice rule', () => {
    expectValid(choice([rule({ BooleanEquals: true, Assign: { x: 1 } })]));
  });

  it('rejects Arguments on a JSONPath Task, naming it a JSONata field', () => {
    expectOnly(
      single(task({ Arguments: { a: 1 } })),
      '/States/S/Arguments',
      "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage",
    );
  });

  it('rejects Output on a JSONPath Pass state, naming it a JSONata field', () => {
    expectOnly(
      single(pass({ Output: '{% $states.input %}' })),
      '/States/S/Output',
      "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
    );
  });

  it('rejects Items on a JSONPath Map state, naming it a JSONata field', () => {
    expectOnly(
      single({
        Type: 'Map',
        End: true,
        Items: [1, 2],
        ItemProcessor: { StartAt: 'I', States: { I: pass() } },
      }),
      '/States/S/Items',
      "The QueryLanguage is set to 'JSONPath', but field 'Items' is only supported for the 'JSONata' QueryLanguage",
    );
  });

  it('rejects a {% %} string in place of a number: only JSONata states evaluate it', () => {
    expectOnly(
      single(task({ TimeoutSeconds: '{% $timeout %}' })),
      '/States/S/TimeoutSeconds',
      'evaluated only in JSONata states',
    );
  });

  it('accepts a {% %} string in a payload template as a plain string', () => {
    expectValid(single(pass({ Parameters: { total: '{% $sum($states.input.x) %}' } })));
  });

  it('rejects a {% %} string as a Wait Timestamp: it is not a timestamp in a JSONPath state', () => {
    expectOnly(
      single({ Type: 'Wait', End: true, Timestamp: '{% $deadline %}' }),
      '/States/S/Timestamp',
      'must be a timestamp',
    );
  });
});

describe('issue order', () => {
  it('lists issues in document order, depth-first', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: LAMBDA,
          TimeoutSeconds: 0,
          Next: 'B',
          Retry: [{ ErrorEquals: [], BackoffRate: 0 }],
        },
        B: { Type: 'Wait', Seconds: -1, End: true },
      },
      Extra: true,
    };
    expect(validateDefinition(definition).map((issue) => issue.pointer)).toEqual([
      '/States/A/TimeoutSeconds',
      '/States/A/Retry/0/ErrorEquals',
      '/States/A/Retry/0/BackoffRate',
      '/States/B/Seconds',
      '/Extra',
    ]);
  });

  it('lists an issue about a state before the issues inside it', () => {
    const definition = machine({ A: pass(), B: pass({ Comment: 1 }) });
    expect(validateDefinition(definition).map((issue) => issue.pointer)).toEqual([
      '/States/B',
      '/States/B/Comment',
    ]);
  });

  it('reports every issue, not just the first', () => {
    const definition = machine({
      A: task({ TimeoutSeconds: -1, HeartbeatSeconds: 'x', Resource: 1 }),
    });
    expect(validateDefinition(definition)).toHaveLength(3);
  });
});

describe('hostile input', () => {
  it.each([
    ['a number for States', { StartAt: 'A', States: 5 }],
    ['arrays everywhere', { StartAt: [], States: { A: { Type: [], Next: [], Retry: [[]] } } }],
    ['null states', { StartAt: 'A', States: { A: null } }],
    ['a symbol', Symbol('x')],
    ['a function', () => ({})],
    ['a bigint in a Result', { StartAt: 'A', States: { A: { Type: 'Pass', Result: 10n, End: true } } }],
  ])('never throws on %s', (_label, input) => {
    expect(() => validateDefinition(input)).not.toThrow();
    expect(validateDefinition(input).length).toBeGreaterThan(0);
  });

  it('does not mistake prototype members for state names', () => {
    expectOnly(
      single(pass({ End: undefined, Next: 'constructor' })),
      '/States/S/Next',
      'no state named "constructor"',
    );
  });

  it('handles a state named __proto__ as an ordinary name', () => {
    const definition: unknown = JSON.parse(
      '{"StartAt":"__proto__","States":{"__proto__":{"Type":"Pass","Next":"toString"},"toString":{"Type":"Succeed"}}}',
    );
    expectValid(definition);
  });

  it('reports a Result nested deeper than the limit instead of overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    const issues = validateDefinition(single(pass({ Result: deep })));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain(`nested too deeply (more than ${MAX_DEPTH} levels)`);
  });

  it('reports Parallel states nested deeper than the limit', () => {
    let state: Json = pass();
    for (let i = 0; i < 1000; i += 1) {
      state = { Type: 'Parallel', End: true, Branches: [{ StartAt: `S${i}`, States: { [`S${i}`]: state } }] };
    }
    const issues = validateDefinition(machine({ Top: state }));
    expect(issues.some((issue) => issue.message.includes('nested too deeply'))).toBe(true);
  });

  it('stops on input that shares subtrees exponentially', () => {
    let shared: unknown = { leaf: true };
    for (let i = 0; i < 60; i += 1) shared = { left: shared, right: shared };
    const started = performance.now();
    const issues = validateDefinition(single(pass({ Result: shared })));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(issues).toContainEqual({ pointer: '', message: expect.stringContaining('too large to validate') });
  });

  it('reports a definition whose getters throw instead of throwing', () => {
    const definition = {
      StartAt: 'A',
      get States(): unknown {
        throw new Error('boom');
      },
    };
    expect(validateDefinition(definition)).toContainEqual({
      pointer: '',
      message: 'could not be validated: boom',
    });
  });

  it('reports a very long state name without quoting all of it', () => {
    const name = 'n'.repeat(10_000);
    const issues = validateDefinition({ StartAt: 'x', States: { [name]: pass() } });
    expect(issues.every((issue) => issue.message.length < 500)).toBe(true);
  });
});

describe('performance', () => {
  it('validates a definition of 5,000 states in well under a second', () => {
    const states: Json = {};
    for (let i = 0; i < 5000; i += 1) {
      states[`Step${i}`] = {
        Type: 'Task',
        Resource: LAMBDA,
        Parameters: { 'id.$': '$.id', index: i, nested: { 'when.$': '$$.State.EnteredTime' } },
        ResultPath: `$.results.step${i}`,
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
        ...(i < 4999 ? { Next: `Step${i + 1}` } : { End: true }),
      };
    }
    states.Failed = { Type: 'Fail', Error: 'StepFailed' };
    const definition = { StartAt: 'Step0', States: states };
    validateDefinition(definition);
    const started = performance.now();
    const issues = validateDefinition(definition);
    const elapsed = performance.now() - started;
    expect(issues).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('assertValidDefinition', () => {
  it('returns a valid definition unchanged', () => {
    const definition = single(pass());
    expect(assertValidDefinition(definition)).toBe(definition);
  });

  it('throws a DefinitionError that lists every issue', () => {
    const definition = machine({ A: pass({ Comment: 1 }), B: pass() });
    let error: unknown;
    try {
      assertValidDefinition(definition);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).issues.map((issue: DefinitionIssue) => issue.pointer)).toEqual([
      '/States/A/Comment',
      '/States/B',
    ]);
    expect((error as DefinitionError).message).toContain('/States/A/Comment: must be a string');
  });
});

describe('formatIssues', () => {
  it('formats one issue per line as "<pointer>: <message>"', () => {
    expect(
      formatIssues([
        { pointer: '', message: 'must be a JSON object (a state machine definition)' },
        { pointer: '/States/A/End', message: 'must be true' },
      ]),
    ).toBe('/: must be a JSON object (a state machine definition)\n/States/A/End: must be true');
  });
});
