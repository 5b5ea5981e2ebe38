/**
 * Redriving a Parallel or an inline Map runs again only what did not succeed. AWS Step Functions
 * API reference, RedriveExecution: "When you redrive an execution, it continues the failed
 * execution from the unsuccessful step and uses the same input. Step Functions preserves the
 * results and execution history of the successful steps, and doesn't rerun these steps [...] For
 * workflows that include an Inline Map or Parallel state, RedriveExecution API action reschedules
 * and redrives only the iterations and branches that failed or aborted."
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../lambdas/engine/index.js';
import { Driver, dispatches } from '../../helpers/decide.js';

function task(resource: string, next?: string) {
  return { Type: 'Task', Resource: `baton:worker:${resource}`, ...(next ? { Next: next } : { End: true }) };
}

/**
 * Completes every task dispatched by `decision` with `outcome(stateName)`, until none is left,
 * depth first (a step a result dispatches is completed before the other pending ones).
 */
function settle(driver: Driver, decision: Decision, outcome: (state: string) => 'ok' | 'fail'): string[] {
  const ran: string[] = [];
  const pending = [...dispatches(decision)];
  for (let next = pending.shift(); next; next = pending.shift()) {
    ran.push(next.stateName);
    const after =
      outcome(next.stateName) === 'ok'
        ? driver.apply({ type: 'TaskSucceeded', token: next.token, output: { done: next.stateName } })
        : driver.apply({ type: 'TaskFailed', token: next.token, error: 'Boom', cause: next.stateName });
    pending.unshift(...dispatches(after));
  }
  return ran;
}

describe('redriving a Parallel state', () => {
  const definition = {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Reserve', States: { Reserve: task('reserve', 'Confirm'), Confirm: task('confirm') } },
          { StartAt: 'Charge', States: { Charge: task('charge') } },
        ],
        End: true,
      },
    },
  };

  it('runs again only the branch that failed, from the state where it failed', () => {
    const driver = new Driver(definition);
    let chargeFails = true;
    const first = settle(driver, driver.start(), (state) =>
      state === 'Charge' && chargeFails ? 'fail' : state === 'Confirm' ? 'fail' : 'ok',
    );
    expect(first.sort()).toEqual(['Charge', 'Confirm', 'Reserve']);
    expect(driver.execution?.status).toBe('FAILED');

    chargeFails = false;
    const again = settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok');

    // Reserve succeeded before: not run again; Confirm and Charge resume where they stood.
    expect(again.sort()).toEqual(['Charge', 'Confirm']);
    expect(driver.execution?.status).toBe('SUCCEEDED');
    expect(driver.execution?.output).toEqual([{ done: 'Confirm' }, { done: 'Charge' }]);
  });

  it('keeps the output of a branch that succeeded before the redrive', () => {
    const driver = new Driver(definition);
    settle(driver, driver.start(), (state) => (state === 'Charge' ? 'fail' : 'ok'));
    expect(driver.execution?.status).toBe('FAILED');

    const again = settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok');

    expect(again).toEqual(['Charge']);
    expect(driver.execution?.output).toEqual([{ done: 'Confirm' }, { done: 'Charge' }]);
  });

  it('after a stop, runs again only the branches that were still running', () => {
    const driver = new Driver(definition);
    const started = dispatches(driver.start());
    const reserve = started.find((d) => d.stateName === 'Reserve');
    const confirm = dispatches(
      driver.apply({ type: 'TaskSucceeded', token: reserve?.token as string, output: { done: 'Reserve' } }),
    )[0];
    driver.apply({ type: 'TaskSucceeded', token: confirm?.token as string, output: { done: 'Confirm' } });
    driver.apply({ type: 'StopExecution' });
    expect(driver.execution?.status).toBe('ABORTED');

    const again = settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok');

    expect(again).toEqual(['Charge']);
    expect(driver.execution?.output).toEqual([{ done: 'Confirm' }, { done: 'Charge' }]);
  });

  it('runs every branch again when a Retry retries the state, and a later redrive only what that run left', () => {
    const driver = new Driver({
      StartAt: 'Both',
      States: {
        Both: {
          ...definition.States.Both,
          Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1, IntervalSeconds: 1 }],
        },
      },
    });
    const ran: string[] = [];
    let attempt = 0;
    let decision = driver.start();
    for (;;) {
      ran.push(...settle(driver, decision, (state) => (state === 'Charge' ? 'fail' : 'ok')));
      const retry = driver.execution?.threads.root?.active.waiting;
      if (retry?.type !== 'Retry') break;
      attempt += 1;
      decision = driver.apply({ type: 'TimerFired', timerId: retry.timerId });
    }
    expect(attempt).toBe(1);
    expect(ran.filter((state) => state === 'Reserve')).toHaveLength(2);
    expect(driver.execution?.status).toBe('FAILED');

    expect(settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok')).toEqual(['Charge']);
    expect(driver.execution?.status).toBe('SUCCEEDED');
  });
});

describe('redriving a Parallel whose branch ended in the decision that failed it', () => {
  it('does not run again a branch that ended at once (a Succeed) before a sibling failed in the same decision', () => {
    const driver = new Driver({
      StartAt: 'All',
      States: {
        All: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Work', States: { Work: task('work') } },
            { StartAt: 'Broken', States: { Broken: { Type: 'Fail', Error: 'Boom' } } },
            { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
          ],
          End: true,
        },
      },
    });
    driver.start();
    expect(driver.execution?.status).toBe('FAILED');

    const redrive = driver.apply({ type: 'RedriveExecution' });

    expect(redrive.history.filter((event) => event.type === 'SucceedStateEntered')).toEqual([]);
    expect(dispatches(redrive).map((d) => d.stateName)).toEqual(['Work']);
  });
});

describe('redriving a Map state', () => {
  const definition = (maxConcurrency: number) => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        MaxConcurrency: maxConcurrency,
        ItemsPath: '$.items',
        ItemProcessor: { StartAt: 'Ship', States: { Ship: task('ship') } },
        End: true,
      },
    },
  });
  const items = { items: [1, 2, 3, 4] };

  it('runs again only the failed iteration and those that had not started, one at a time as before', () => {
    const driver = new Driver(definition(1));
    let shipped = 0;
    const first = settle(driver, driver.start(items), () => (++shipped === 2 ? 'fail' : 'ok'));
    expect(first).toHaveLength(2);
    expect(driver.execution?.status).toBe('FAILED');

    const redrive = driver.apply({ type: 'RedriveExecution' });
    expect(dispatches(redrive).map((d) => d.input)).toEqual([2]);
    const again = settle(driver, redrive, () => 'ok');

    expect(again).toHaveLength(3);
    expect(driver.execution?.status).toBe('SUCCEEDED');
    expect(driver.execution?.output).toEqual([1, 2, 3, 4].map(() => ({ done: 'Ship' })));
  });

  it('runs again only the iterations that had not succeeded, with every item at once', () => {
    const driver = new Driver(definition(0));
    const started = dispatches(driver.start(items));
    expect(started).toHaveLength(4);
    driver.apply({ type: 'TaskSucceeded', token: started[0]?.token as string, output: 'first' });
    driver.apply({ type: 'TaskSucceeded', token: started[3]?.token as string, output: 'fourth' });
    driver.apply({ type: 'TaskFailed', token: started[1]?.token as string, error: 'Boom' });
    expect(driver.execution?.status).toBe('FAILED');

    const redrive = driver.apply({ type: 'RedriveExecution' });
    expect(dispatches(redrive).map((d) => d.input)).toEqual([2, 3]);
    const [second, third] = dispatches(redrive);
    driver.apply({ type: 'TaskSucceeded', token: second?.token as string, output: 'second' });
    driver.apply({ type: 'TaskSucceeded', token: third?.token as string, output: 'third' });

    expect(driver.execution?.output).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('resumes a Parallel inside a Map iteration at its own failed branch', () => {
    const driver = new Driver({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Both',
            States: {
              Both: {
                Type: 'Parallel',
                Branches: [
                  { StartAt: 'Pack', States: { Pack: task('pack') } },
                  { StartAt: 'Label', States: { Label: task('label') } },
                ],
                End: true,
              },
            },
          },
          End: true,
        },
      },
    });
    let labels = 0;
    settle(driver, driver.start({ items: [1, 2] }), (state) =>
      state === 'Label' && ++labels === 2 ? 'fail' : 'ok',
    );
    expect(driver.execution?.status).toBe('FAILED');

    const again = settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok');

    expect(again).toEqual(['Label']);
    expect(driver.execution?.status).toBe('SUCCEEDED');
  });
});

describe('the variables of a resumed branch or iteration', () => {
  /** A branch (or iteration) that notes its item in a variable, works, then reads the variable. */
  const noteWorkUse = (notePath: string) => ({
    StartAt: 'Note',
    States: {
      Note: { Type: 'Pass', Assign: { 'seen.$': notePath }, Next: 'Work' },
      Work: task('work', 'Use'),
      Use: { Type: 'Pass', Parameters: { 'seen.$': '$seen' }, End: true },
    },
  });

  it('are the ones a Parallel branch had assigned before it failed', () => {
    const driver = new Driver({
      StartAt: 'Both',
      States: { Both: { Type: 'Parallel', Branches: [noteWorkUse('$.id')], End: true } },
    });
    let failing = true;
    settle(driver, driver.start({ id: 'a-1' }), () => (failing ? 'fail' : 'ok'));
    expect(driver.execution?.status).toBe('FAILED');

    failing = false;
    const again = settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok');

    expect(again).toEqual(['Work']);
    expect(driver.execution?.status).toBe('SUCCEEDED');
    expect(driver.execution?.output).toEqual([{ seen: 'a-1' }]);
  });

  it('are the ones each Map iteration had assigned, and each its own', () => {
    const driver = new Driver({
      StartAt: 'Each',
      States: {
        Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: noteWorkUse('$'), End: true },
      },
    });
    let failing = true;
    settle(driver, driver.start({ items: ['x', 'y'] }), () => (failing ? 'fail' : 'ok'));
    expect(driver.execution?.status).toBe('FAILED');

    failing = false;
    settle(driver, driver.apply({ type: 'RedriveExecution' }), () => 'ok');

    expect(driver.execution?.status).toBe('SUCCEEDED');
    expect(driver.execution?.output).toEqual([{ seen: 'x' }, { seen: 'y' }]);
  });
});
