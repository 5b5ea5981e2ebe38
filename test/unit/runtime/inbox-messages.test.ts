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
});
