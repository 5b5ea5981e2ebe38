import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  MalformedMessageError,
  parseInboxMessage,
} from '../../../lambdas/runtime/inbox-messages.js';

/** `depth` arrays, one inside the other, around 1. */
function nested(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

describe('inbox messages', () => {
  it('accept JSON values nested up to the limit', () => {
    const message = parseInboxMessage(
      `{"kind":"StartExecution","workflow":"W","name":"n","input":${nested(MAX_JSON_DEPTH)}}`,
    );
    expect(message.kind).toBe('StartExecution');
  });

  it('refuse deeper nesting with a reason naming the field, instead of exhausting the stack', () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 5_000]) {
      expect(() =>
        parseInboxMessage(`{"kind":"StartExecution","workflow":"W","name":"n","input":${nested(depth)}}`),
      ).toThrow(
        new MalformedMessageError(
          `Invalid inbox message at /input: must be JSON nested at most ${MAX_JSON_DEPTH} levels deep`,
        ),
      );
    }
  });

  it('refuse a task output deeper than the limit', () => {
    expect(() =>
      parseInboxMessage(`{"kind":"TaskSucceeded","taskToken":"t","output":${nested(MAX_JSON_DEPTH + 1)}}`),
    ).toThrow(/at \/output: must be JSON nested at most/);
  });

  it.each([
    [{ kind: 'Nope' }, "/kind: Invalid discriminator value. Expected 'StartExecution' | 'StartFromEvent'"],
    [{ kind: 'StartExecution' }, '/workflow: Invalid input: expected string, received undefined'],
    [{ kind: 'StartExecution', workflow: 'W', name: 'a b' }, '/name: contains a character Step Functions'],
    [
      { kind: 'StartExecution', workflow: 'W', name: 'n'.repeat(81) },
      '/name: Too big: expected string to have <=80',
    ],
    [
      { kind: 'StartFromEvent', workflow: 'W', inputPath: 'detail', event: {} },
      '/inputPath: Invalid string: must start with "$"',
    ],
    [
      { kind: 'EventReceived', event: { id: 'e', source: 's', detail: {} } },
      '/event/detail-type: Invalid input: expected string',
    ],
    [{ kind: 'TaskSucceeded', taskToken: 't' }, '/output: Invalid input: expected JSON, received undefined'],
    [
      { kind: 'TaskFailed', taskToken: 't', error: 'e'.repeat(257) },
      '/error: Too big: expected string to have <=256',
    ],
    [
      { kind: 'StopExecution', executionId: 'x', redriveCount: -1 },
      '/redriveCount: Too small: expected number to be >=0',
    ],
    [
      { kind: 'RedriveExecution', executionId: 'x', redriveCount: 1.5 },
      '/redriveCount: Invalid input: expected int',
    ],
  ])('name the field and what is wrong with it: %j', (message, reason) => {
    expect(() => parseInboxMessage(JSON.stringify(message))).toThrow(`Invalid inbox message at ${reason}`);
  });

  it('fill in the defaults', () => {
    expect(parseInboxMessage({ kind: 'StartExecution', workflow: 'W' })).toEqual({
      kind: 'StartExecution',
      workflow: 'W',
      input: {},
    });
    expect(parseInboxMessage({ kind: 'TaskFailed', taskToken: 't' })).toEqual({
      kind: 'TaskFailed',
      taskToken: 't',
      error: 'States.TaskFailed',
    });
  });

  it('keep the fields of a domain event that the schema does not name', () => {
    const event = { id: 'e-1', 'detail-type': 'Order Placed', source: 'shop', detail: {}, time: 'now' };
    expect(parseInboxMessage({ kind: 'EventReceived', event })).toEqual({ kind: 'EventReceived', event });
  });
});
