/**
 * Property-based fuzzing of everything a user or a network peer hands Baton: definitions, inbox
 * and worker messages, JSONPath, intrinsic arguments and payload sizes. The properties: no crash
 * (only the documented, named errors), no hang (every case is bounded), and clear reasons.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflow, DefinitionError, runWorkflow, validateDefinition } from '../../lambdas/index.js';
import { evaluateIntrinsic, parseIntrinsic, IntrinsicSyntaxError } from '../../lambdas/engine/intrinsics.js';
import { IntrinsicFailureError, StatesError } from '../../lambdas/engine/errors.js';
import { compilePath, PathSyntaxError, readPath } from '../../lambdas/engine/json-path.js';
import { MalformedMessageError, parseInboxMessage } from '../../lambdas/runtime/inbox-messages.js';
import { MalformedTaskMessageError, parseWorkerTaskMessage } from '../../lambdas/runtime/worker.js';
import type { Json } from '../../lambdas/engine/json.js';

const RUNS = 300;
const jsonValue = fc.jsonValue({ maxDepth: 6 }) as fc.Arbitrary<Json>;

/** Something shaped loosely like a definition: the fields the validator looks at, with junk values. */
const definitionLike = fc.record(
  {
    StartAt: fc.oneof(fc.string(), fc.constant('A'), jsonValue),
    States: fc.oneof(
      fc.dictionary(
        fc.oneof(fc.constant('A'), fc.string({ maxLength: 100 })),
        fc.record(
          {
            Type: fc.constantFrom(
              'Task',
              'Pass',
              'Choice',
              'Wait',
              'Parallel',
              'Map',
              'Succeed',
              'Fail',
              'Bogus',
            ),
            Next: fc.oneof(fc.constant('A'), fc.string()),
            End: fc.oneof(fc.boolean(), jsonValue),
            Resource: fc.oneof(fc.constant('arn:aws:lambda:us-east-1:1:function:f'), fc.string()),
            Retry: fc.oneof(
              jsonValue,
              fc.array(fc.record({ ErrorEquals: jsonValue, BackoffRate: jsonValue })),
            ),
            Parameters: jsonValue,
            Choices: jsonValue,
            Branches: jsonValue,
            ItemProcessor: jsonValue,
            ResultPath: fc.oneof(fc.string(), fc.constant(null), jsonValue),
          },
          { requiredKeys: ['Type'] },
        ),
        { maxKeys: 5 },
      ),
      jsonValue,
    ),
    TimeoutSeconds: jsonValue,
  },
  { requiredKeys: [] },
);

describe('hostile definitions', () => {
  it('validation returns issues (each with a pointer) and never throws, for any JSON', () => {
    fc.assert(
      fc.property(fc.oneof(jsonValue, definitionLike), (definition) => {
        const issues = validateDefinition(definition);
        for (const issue of issues) {
          expect(typeof issue.pointer).toBe('string');
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('compiling rejects bad definitions only with a DefinitionError', () => {
    fc.assert(
      fc.property(fc.oneof(jsonValue, definitionLike, fc.string()), (definition) => {
        try {
          compileWorkflow(definition);
        } catch (error) {
          expect(error).toBeInstanceOf(DefinitionError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a deeply nested definition quickly instead of overflowing the stack', () => {
    let deep: Json = { StartAt: 'A', States: { A: { Type: 'Succeed' } } };
    for (let i = 0; i < 50_000; i++) deep = { Branch: deep };
    const started = Date.now();
    expect(validateDefinition(deep).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('hostile messages', () => {
  it('an inbox message either parses or is rejected with a reason naming where', () => {
    fc.assert(
      fc.property(
        fc.oneof(jsonValue, fc.string(), fc.record({ kind: fc.string(), taskToken: jsonValue })),
        (body) => {
          try {
            parseInboxMessage(body);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedMessageError);
            expect((error as Error).message).toMatch(/not JSON|Invalid inbox message at \//);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a worker message either parses or is rejected with a reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          jsonValue.map((value) => JSON.stringify(value)),
        ),
        (body) => {
          try {
            parseWorkerTaskMessage(body);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedTaskMessageError);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('hostile paths and intrinsic arguments', () => {
  it('a path either compiles or fails with PathSyntaxError; reading never throws', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }).map((tail) => `$${tail}`),
        jsonValue,
        (path, doc) => {
          let compiled;
          try {
            compiled = compilePath(path);
          } catch (error) {
            expect(error).toBeInstanceOf(PathSyntaxError);
            return;
          }
          try {
            readPath(compiled, doc, null);
          } catch (error) {
            // jsonpath-plus may reject exotic syntax at evaluation time; it must be an Error, never a hang.
            expect(error).toBeInstanceOf(Error);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('intrinsics fail with States.IntrinsicFailure (or a syntax error), never anything else', () => {
    const names = [
      'Format',
      'StringToJson',
      'JsonToString',
      'Array',
      'ArrayPartition',
      'ArrayContains',
      'ArrayRange',
      'ArrayGetItem',
      'ArrayLength',
      'ArrayUnique',
      'Base64Encode',
      'Base64Decode',
      'Hash',
      'JsonMerge',
      'MathRandom',
      'MathAdd',
      'StringSplit',
      'UUID',
    ];
    const argument = fc.oneof(
      fc.constant('$.a'),
      fc.constant('$.b'),
      fc.integer().map(String),
      fc.constant("'x'"),
      fc.constant('$$.Execution.Id'),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.array(argument, { maxLength: 4 }),
        jsonValue,
        jsonValue,
        (name, args, a, b) => {
          const expression = `States.${name}(${args.join(', ')})`;
          let call;
          try {
            call = parseIntrinsic(expression);
          } catch (error) {
            expect(error).toBeInstanceOf(IntrinsicSyntaxError);
            return;
          }
          try {
            evaluateIntrinsic(call, {
              random: () => 0.5,
              readPath: (path) => (path === '$.a' ? a : path === '$.b' ? b : 'arn:x'),
            });
          } catch (error) {
            expect(error).toBeInstanceOf(IntrinsicFailureError);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('bounds huge intrinsic work: States.ArrayRange beyond 1000 items fails fast', () => {
    const call = parseIntrinsic('States.ArrayRange($.from, $.to, 1)');
    const started = Date.now();
    expect(() =>
      evaluateIntrinsic(call, { random: () => 0, readPath: (p) => (p === '$.from' ? 0 : 1e9) }),
    ).toThrow(IntrinsicFailureError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('bounds giant strings: a huge States.Format fails with States.IntrinsicFailure', () => {
    const call = parseIntrinsic("States.Format('{}{}{}{}', $.s, $.s, $.s, $.s)");
    const s = 'x'.repeat(200_000);
    expect(() => evaluateIntrinsic(call, { random: () => 0, readPath: () => s })).toThrow(
      IntrinsicFailureError,
    );
  });
});

describe('payload sizes around the limit', () => {
  const passTask = {
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:echo', End: true } },
  };
  const limit = 1024;

  it.each([limit - 64, limit - 8, limit, limit + 1, limit + 512])(
    'a %i-byte task result is accepted only up to the limit',
    async (size) => {
      const text = 'x'.repeat(size - 2); // JSON.stringify adds two quotes
      const result = await runWorkflow(
        passTask,
        {},
        {
          maxPayloadBytes: limit,
          tasks: { 'arn:aws:lambda:us-east-1:1:function:echo': () => text },
        },
      );
      if (size <= limit) expect(result.status).toBe('SUCCEEDED');
      else expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    },
  );

  it('counts UTF-8 bytes, not characters', async () => {
    const text = 'é'.repeat(600); // 1,200 bytes in UTF-8, 600 characters
    const result = await runWorkflow(
      passTask,
      {},
      {
        maxPayloadBytes: limit,
        tasks: { 'arn:aws:lambda:us-east-1:1:function:echo': () => text },
      },
    );
    expect(result.error).toBe('States.DataLimitExceeded');
  });

  it('lets a Catch naming States.DataLimitExceeded handle it, but not States.ALL', async () => {
    const caught = (errorEquals: string[]) => ({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:1:function:echo',
          Catch: [{ ErrorEquals: errorEquals, Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Succeed' },
      },
    });
    const tasks = { 'arn:aws:lambda:us-east-1:1:function:echo': () => 'x'.repeat(5000) };
    expect(
      (await runWorkflow(caught(['States.DataLimitExceeded']), {}, { maxPayloadBytes: limit, tasks })).status,
    ).toBe('SUCCEEDED');
    expect((await runWorkflow(caught(['States.ALL']), {}, { maxPayloadBytes: limit, tasks })).status).toBe(
      'FAILED',
    );
  });

  it('never crashes the engine on random task results: each run ends in a terminal status', async () => {
    await fc.assert(
      fc.asyncProperty(jsonValue, async (value) => {
        const result = await runWorkflow(
          passTask,
          {},
          { tasks: { 'arn:aws:lambda:us-east-1:1:function:echo': () => value } },
        );
        expect(['SUCCEEDED', 'FAILED']).toContain(result.status);
      }),
      { numRuns: 100 },
    );
  });
});

describe('errors keep their names', () => {
  it('StatesError subclasses carry the ASL code as name', () => {
    expect(new IntrinsicFailureError('x')).toBeInstanceOf(StatesError);
    expect(new IntrinsicFailureError('x').name).toBe('States.IntrinsicFailure');
  });
});
