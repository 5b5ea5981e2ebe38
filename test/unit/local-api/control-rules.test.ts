import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../lambdas/engine/execution.js';
import { ConflictError } from '../../../local/control.js';
import { rerunInput } from '../../../local/api/control-rules.js';

const at = '2026-01-01T00:00:00.000Z';

describe('rerunInput', () => {
  it('reruns a state on the input it last entered with in the root thread', () => {
    const history = [
      { type: 'ExecutionStarted', id: 1, timestamp: at, input: { n: 1 } },
      { type: 'TaskStateEntered', id: 2, timestamp: at, stateName: 'A', threadId: 'root', input: { n: 2 } },
    ] as unknown as HistoryEvent[];
    expect(rerunInput(history, 'A', { n: 1 })).toEqual({ n: 2 });
    expect(rerunInput(history, 'B', { n: 1 })).toEqual({ n: 1 });
  });

  it('refuses to rerun, with no input given, an execution whose input was over the payload limit', () => {
    const history = [
      { type: 'ExecutionStarted', id: 1, timestamp: at, input: null, inputDetails: { truncated: true } },
      {
        type: 'ExecutionFailed',
        id: 2,
        timestamp: at,
        error: 'States.DataLimitExceeded',
        cause: 'too large',
      },
    ] as unknown as HistoryEvent[];
    expect(() => rerunInput(history, 'A', null)).toThrow(ConflictError);
    expect(() => rerunInput(history, 'A', null)).toThrow(/over the payload limit and was not kept/);
  });
});
