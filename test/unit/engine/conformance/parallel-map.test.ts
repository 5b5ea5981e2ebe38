/**
 * Conformance: the Parallel state and the Map state in Inline mode, as the AWS Step Functions
 * Developer Guide documents them ("Parallel workflow state", "Using Map state in Inline mode").
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow, type Json } from '../../../../lambdas/index.js';
import { namedError, recordingTask, sleep } from '../../../helpers/conformance.js';

const ADD = 'arn:aws:states:us-east-1:123456789012:activity:Add';
const SUBTRACT = 'arn:aws:states:us-east-1:123456789012:activity:Subtract';
const WORK = 'arn:aws:lambda:us-east-1:123456789012:function:Work';
const NEVER = 'arn:aws:lambda:us-east-1:123456789012:function:Never';

/** Guide, "Parallel workflow state > Parallel State Input and Output Processing": FunWithMath. */
const FUN_WITH_MATH = {
  Comment: 'Parallel Example.',
  StartAt: 'FunWithMath',
  States: {
    FunWithMath: {
      Type: 'Parallel',
      End: true,
      Branches: [
        { StartAt: 'Add', States: { Add: { Type: 'Task', Resource: ADD, End: true } } },
        { StartAt: 'Subtract', States: { Subtract: { Type: 'Task', Resource: SUBTRACT, End: true } } },
      ],
    },
  },
};

const pair = (input: Json) => input as [number, number];

describe('Parallel state', () => {
  // Guide, "Parallel State Input and Output Processing": with [3, 2] as input "both the Add and
  // Subtract states receive that array as input".
  it('gives every branch a copy of its input', async () => {
    const add = recordingTask((input) => pair(input)[0] + pair(input)[1]);
    const subtract = recordingTask((input) => pair(input)[0] - pair(input)[1]);
    await runWorkflow(FUN_WITH_MATH, [3, 2], { tasks: { [ADD]: add, [SUBTRACT]: subtract } });
    expect(add.inputs).toEqual([[3, 2]]);
    expect(subtract.inputs).toEqual([[3, 2]]);
  });

  // Same section: "the output of the Parallel state would be an array. [ 5, 1 ]".
  it('outputs an array with the output of each branch, in branch order', async () => {
    const result = await runWorkflow(FUN_WITH_MATH, [3, 2], {
      tasks: {
        // The first branch finishes last: the output keeps branch order, not completion order.
        [ADD]: async (input) => {
          await sleep(30);
          return pair(input)[0] + pair(input)[1];
        },
        [SUBTRACT]: (input) => pair(input)[0] - pair(input)[1],
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([5, 1]);
  });

  // Same section: "The output array can be inserted into the input data (and the whole sent as the
  // Parallel state's output) by using a ResultPath field in the usual way".
  it('inserts the branch outputs into its input at ResultPath', async () => {
    const definition = structuredClone(FUN_WITH_MATH);
    Object.assign(definition.States.FunWithMath, { InputPath: '$.operands', ResultPath: '$.results' });
    const result = await runWorkflow(
      definition,
      { operands: [3, 2] },
      {
        tasks: {
          [ADD]: (input) => pair(input)[0] + pair(input)[1],
          [SUBTRACT]: (input) => pair(input)[0] - pair(input)[1],
        },
      },
    );
    expect(result.output).toEqual({ operands: [3, 2], results: [5, 1] });
  });

  // Guide, "Parallel workflow state > Parameters": "Used to pass information to the state machines
  // defined in the Branches array."
  it('gives every branch the Parameters payload', async () => {
    const work = recordingTask();
    await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Parameters: { 'order.$': '$.id', source: 'parallel' },
            Branches: [
              { StartAt: 'A', States: { A: { Type: 'Task', Resource: WORK, End: true } } },
              { StartAt: 'B', States: { B: { Type: 'Task', Resource: WORK, End: true } } },
            ],
            End: true,
          },
        },
      },
      { id: 'o-1', noise: true },
      { tasks: { [WORK]: work } },
    );
    expect(work.inputs).toEqual([
      { order: 'o-1', source: 'parallel' },
      { order: 'o-1', source: 'parallel' },
    ]);
  });

  // Guide, "Parallel workflow state > Error Handling": "If any branch fails, because of an unhandled
  // error or by transitioning to a Fail state, the entire Parallel state is considered to have
  // failed ... If the error is not handled by the Parallel state itself, Step Functions stops the
  // execution with an error."
  it('fails the execution with the error of a failing branch', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Fine', States: { Fine: { Type: 'Pass', End: true } } },
              { StartAt: 'Broken', States: { Broken: { Type: 'Task', Resource: WORK, End: true } } },
            ],
            End: true,
          },
        },
      },
      {},
      {
        tasks: {
          [WORK]: () => {
            throw namedError('ErrorA', 'the branch broke');
          },
        },
      },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ErrorA');
    expect(result.cause).toBe('the branch broke');
  });

  // Same section ("unless it is caught by a Catch block", Fail workflow state) and "Handling
  // errors > Fallback states": Parallel states can have a Catch field.
  it('lets its own Catch handle the error of a branch that reached a Fail state', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Fine', States: { Fine: { Type: 'Pass', End: true } } },
              {
                StartAt: 'FailState',
                States: { FailState: { Type: 'Fail', Error: 'ErrorA', Cause: 'Invalid response.' } },
              },
            ],
            Catch: [{ ErrorEquals: ['ErrorA'], ResultPath: '$.error-info', Next: 'RecoveryState' }],
            End: true,
          },
          RecoveryState: { Type: 'Pass', End: true },
        },
      },
      { order: 1 },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      order: 1,
      'error-info': { Error: 'ErrorA', Cause: 'Invalid response.' },
    });
  });

  // Guide, "Parallel workflow state > Error Handling": when a branch fails "all its branches are stopped".
  it('stops the other branches when one branch fails', async () => {
    const never = recordingTask();
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'FailState',
                States: { FailState: { Type: 'Fail', Error: 'ErrorA', Cause: 'Invalid response.' } },
              },
              {
                StartAt: 'Slow',
                States: {
                  Slow: { Type: 'Wait', Seconds: 10, Next: 'AfterWait' },
                  AfterWait: { Type: 'Task', Resource: NEVER, End: true },
                },
              },
            ],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Linger' }],
            End: true,
          },
          // Keeps the execution running past the moment the stopped branch would have resumed.
          Linger: { Type: 'Wait', Seconds: 60, End: true },
        },
      },
      {},
      { tasks: { [NEVER]: never } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(never.inputs).toEqual([]);
  });

  // Guide, "Handling errors > Retrying after an error": Task, Parallel and Map states can have a
  // Retry field; retrying a Parallel state runs its branches again.
  it('runs its branches again when its Retry fires', async () => {
    let calls = 0;
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Flaky', States: { Flaky: { Type: 'Task', Resource: WORK, End: true } } },
              { StartAt: 'Fine', States: { Fine: { Type: 'Pass', Result: 'fine', End: true } } },
            ],
            Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 1 }],
            End: true,
          },
        },
      },
      {},
      {
        tasks: {
          [WORK]: () => {
            calls += 1;
            if (calls === 1) throw namedError('Flaky');
            return 'recovered';
          },
        },
      },
    );
    expect(calls).toBe(2);
    expect(result.output).toEqual(['recovered', 'fine']);
  });
});

describe('Map state (Inline mode)', () => {
  /** A Map over the input array whose iterations call WORK; `fields` go on the Map state. */
  function mapOverWork(fields: Record<string, unknown> = {}) {
    return {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Work',
            States: { Work: { Type: 'Task', Resource: WORK, End: true } },
          },
          End: true,
          ...fields,
        },
      },
    };
  }

  /** A task taking `delayMs(item)` real milliseconds that records how many run at once. */
  function concurrencyProbe(delayMs: (item: number) => number) {
    const state = { running: 0, max: 0, started: [] as number[] };
    const task = async (input: Json) => {
      const item = input as number;
      state.started.push(item);
      state.running += 1;
      state.max = Math.max(state.max, state.running);
      await sleep(delayMs(item));
      state.running -= 1;
      return item * 10;
    };
    return { state, task };
  }

  // Guide, "Using Map state in Inline mode > Inline Map state input and output processing": "the
  // output of the Map state is a JSON array, where each item is the output of an iteration".
  it('outputs the iteration outputs in item order, whatever order they finish in', async () => {
    const { task } = concurrencyProbe((item) => 60 - item * 10);
    const result = await runWorkflow(mapOverWork(), [1, 2, 3, 4, 5], { tasks: { [WORK]: task } });
    expect(result.output).toEqual([10, 20, 30, 40, 50]);
  });

  // Guide, "Inline Map state fields > MaxConcurrency": "A MaxConcurrency value of 1 invokes the
  // ItemProcessor once for each array element. Items in the array are processed in the order of
  // their appearance in the input. Step Functions doesn't start a new iteration until it completes
  // the previous iteration."
  it('runs one iteration at a time, in item order, with MaxConcurrency 1', async () => {
    const { state, task } = concurrencyProbe(() => 10);
    const result = await runWorkflow(mapOverWork({ MaxConcurrency: 1 }), [1, 2, 3, 4], {
      tasks: { [WORK]: task },
    });
    expect(state.max).toBe(1);
    expect(state.started).toEqual([1, 2, 3, 4]);
    expect(result.output).toEqual([10, 20, 30, 40]);
  });

  // Guide, "Inline Map state fields > MaxConcurrency": "provides the upper bound on the number of
  // Map state iterations that can run in parallel".
  it('never runs more iterations at once than MaxConcurrency', async () => {
    const { state, task } = concurrencyProbe(() => 15);
    await runWorkflow(mapOverWork({ MaxConcurrency: 2 }), [1, 2, 3, 4, 5, 6], { tasks: { [WORK]: task } });
    expect(state.max).toBe(2);
  });

  // Guide, "Inline Map state fields > MaxConcurrency": "The default value is 0, which places no
  // limit on concurrency. Step Functions invokes iterations as concurrently as possible."
  it('runs all iterations concurrently when MaxConcurrency is 0', async () => {
    const { state, task } = concurrencyProbe(() => 15);
    await runWorkflow(mapOverWork({ MaxConcurrency: 0 }), [1, 2, 3, 4, 5], { tasks: { [WORK]: task } });
    expect(state.max).toBe(5);
  });

  // Guide, "Inline Map state fields > ItemProcessor": "the failure of any iteration causes the Map
  // state to fail".
  it('fails with the error of a failing iteration', async () => {
    const result = await runWorkflow(mapOverWork(), [1, 2, 3], {
      tasks: {
        [WORK]: (input) => {
          if (input === 2) throw namedError('BadItem', 'item 2 is bad');
          return input;
        },
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('BadItem');
    expect(result.cause).toBe('item 2 is bad');
  });

  // Guide, "Inline Map state fields > Catch": catchers define a fallback state for the Map state.
  it('lets its own Catch handle the error of an iteration', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: WORK, End: true } } },
            Catch: [{ ErrorEquals: ['BadItem'], ResultPath: '$.error', Next: 'Recover' }],
            End: true,
          },
          Recover: { Type: 'Pass', End: true },
        },
      },
      { items: [1, 2, 3] },
      {
        tasks: {
          [WORK]: (input) => {
            if (input === 2) throw namedError('BadItem', 'item 2 is bad');
            return input;
          },
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ items: [1, 2, 3], error: { Error: 'BadItem', Cause: 'item 2 is bad' } });
  });

  // Guide, "Inline Map state fields > Retry", note: "If you define Retriers for the Inline Map
  // state, the retry policy applies to all Map state iterations, instead of only failed iterations."
  it('runs every iteration again when its Retry fires, not only the failed one', async () => {
    const seen: number[] = [];
    let failed = false;
    const result = await runWorkflow(
      mapOverWork({ Retry: [{ ErrorEquals: ['BadItem'], IntervalSeconds: 1, MaxAttempts: 1 }] }),
      [1, 2, 3],
      {
        tasks: {
          [WORK]: (input) => {
            seen.push(input as number);
            if (input === 2 && !failed) {
              failed = true;
              throw namedError('BadItem');
            }
            return input;
          },
        },
      },
    );
    expect(result.output).toEqual([1, 2, 3]);
    expect([...seen].sort()).toEqual([1, 1, 2, 2, 3, 3]);
  });

  // Guide, "Manipulate parameters > ResultSelector": ResultSelector is available in Map states;
  // "Flattening an array of arrays" with "$[*][*]".
  it('applies ResultSelector to the array of iteration outputs', async () => {
    const result = await runWorkflow(
      mapOverWork({ ResultSelector: { 'flattenArray.$': '$[*][*]' } }),
      [1, 2],
      { tasks: { [WORK]: (input) => [input, input] } },
    );
    expect(result.output).toEqual({ flattenArray: [1, 1, 2, 2] });
  });
});
