/**
 * A redriven run owns nothing of the run before it: its compensation attempts get new task tokens
 * (a late result from before the redrive matches nothing), and its execution timeout starts again
 * from the redrive (as Step Functions documents: "When you redrive an execution, the state machine
 * level timeout, if defined, is reset to 0", docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)
 * with a timer of its own (the earlier run's timer firing late changes nothing).
 */
import { describe, expect, it } from 'vitest';
import { Driver, T0, dispatches, timers } from '../../helpers/decide.js';

const saga = {
  StartAt: 'Reserve',
  States: {
    Reserve: {
      Type: 'Task',
      Resource: 'baton:worker:reserve',
      Compensate: { Resource: 'baton:worker:release' },
      Next: 'Charge',
    },
    Charge: { Type: 'Task', Resource: 'baton:worker:charge', End: true },
  },
};

/** The saga with Reserve done and Charge declined: compensating, the release dispatched. */
function compensating(): { driver: Driver; release: string } {
  const driver = new Driver(saga);
  const reserve = dispatches(driver.start())[0]?.token as string;
  const charge = dispatches(driver.apply({ type: 'TaskSucceeded', token: reserve, output: {} }))[0]
    ?.token as string;
  const release = dispatches(
    driver.apply({ type: 'TaskFailed', token: charge, error: 'Declined', cause: '' }),
  )[0]?.token as string;
  return { driver, release };
}

describe('a redriven execution', () => {
  it('gives a redriven compensation a new task token, so a result from before the redrive changes nothing', () => {
    const { driver, release } = compensating();
    driver.apply({ type: 'TaskFailed', token: release, error: 'Release.Down', cause: 'first' });
    expect(driver.execution?.status).toBe('COMPENSATION_FAILED');

    const redriven = dispatches(driver.apply({ type: 'RedriveExecution' }));
    expect(redriven).toHaveLength(1);
    expect(redriven[0]?.token).not.toBe(release);

    // The first attempt's failure, delivered again after the redrive.
    const stale = driver.apply({ type: 'TaskFailed', token: release, error: 'Release.Down', cause: 'late' });
    expect(stale.changed).toBe(false);
    expect(driver.execution?.status).toBe('COMPENSATING');
    driver.apply({ type: 'TaskSucceeded', token: redriven[0]?.token as string, output: {} });
    expect(driver.execution?.status).toBe('COMPENSATED');
  });

  it('starts its execution timeout again from the redrive, on a timer of its own', () => {
    const driver = new Driver({
      TimeoutSeconds: 60,
      StartAt: 'Slow',
      States: { Slow: { Type: 'Task', Resource: 'baton:worker:slow', End: true } },
    });
    const [first] = timers(driver.start());
    expect(first?.fireAt).toBe(T0 + 60_000);
    driver.apply({ type: 'TimerFired', timerId: first?.timerId as string }, T0 + 60_000);
    expect(driver.execution?.status).toBe('TIMED_OUT');

    const redriveAt = T0 + 3_600_000;
    const redrive = driver.apply({ type: 'RedriveExecution' }, redriveAt);
    const [second] = timers(redrive).filter((timer) => timer.timerId !== first?.timerId);
    expect(second?.fireAt).toBe(redriveAt + 60_000);
    expect(second?.timerId).not.toBe(first?.timerId);

    // The first run's timer, delivered again after the redrive, changes nothing.
    expect(
      driver.apply({ type: 'TimerFired', timerId: first?.timerId as string }, redriveAt + 1).changed,
    ).toBe(false);
    expect(driver.execution?.status).toBe('RUNNING');
    driver.apply({ type: 'TimerFired', timerId: second?.timerId as string }, redriveAt + 60_000);
    expect(driver.execution?.status).toBe('TIMED_OUT');
  });

  it('applies a redrive once: delivered again after the redriven run failed in its turn, it changes nothing', () => {
    const driver = new Driver({
      StartAt: 'Charge',
      States: { Charge: { Type: 'Task', Resource: 'baton:worker:charge', End: true } },
    });
    const first = dispatches(driver.start())[0]?.token as string;
    driver.apply({ type: 'TaskFailed', token: first, error: 'Declined', cause: '' });
    const redrive = { type: 'RedriveExecution', run: 0 } as const;
    const second = dispatches(driver.apply(redrive))[0]?.token as string;
    driver.apply({ type: 'TaskFailed', token: second, error: 'Declined', cause: '' });
    expect(driver.execution?.status).toBe('FAILED');
    expect(driver.apply(redrive).changed).toBe(false);
    expect(driver.execution?.redriveCount).toBe(1);
    // Asked for the run now failed (run 1), a redrive applies.
    expect(dispatches(driver.apply({ type: 'RedriveExecution', run: 1 }))).toHaveLength(1);
  });

  it('does not let a stop meant for an earlier run stop the redriven one', () => {
    const driver = new Driver({
      StartAt: 'Charge',
      States: { Charge: { Type: 'Task', Resource: 'baton:worker:charge', End: true } },
    });
    driver.start();
    driver.apply({ type: 'StopExecution', run: 0 });
    expect(driver.execution?.status).toBe('ABORTED');
    driver.apply({ type: 'RedriveExecution', run: 0 });
    expect(driver.apply({ type: 'StopExecution', run: 0 }).changed).toBe(false);
    expect(driver.execution?.status).toBe('RUNNING');
    driver.apply({ type: 'StopExecution', run: 1 });
    expect(driver.execution?.status).toBe('ABORTED');
  });

  it('stops a compensating execution at the compensation it was running, which a redrive then resumes', () => {
    // The release is dispatched, and its message is lost: without a stop the saga would wait for ever.
    const { driver, release } = compensating();
    expect(driver.execution?.status).toBe('COMPENSATING');

    const stopped = driver.apply({ type: 'StopExecution', cause: 'the release never answered' });
    expect(driver.execution?.status).toBe('COMPENSATION_FAILED');
    expect(driver.execution?.saga.failed).toEqual({
      stateName: 'Reserve',
      error: 'States.Aborted',
      cause: 'the release never answered',
    });
    expect(stopped.history.map((event) => event.type)).toEqual([
      'CompensationTaskFailed',
      'CompensationFailed',
    ]);
    // The abandoned attempt's result, arriving late, changes nothing.
    expect(driver.apply({ type: 'TaskSucceeded', token: release, output: {} }).changed).toBe(false);

    const resumed = dispatches(driver.apply({ type: 'RedriveExecution', run: 0 }));
    expect(resumed.map((task) => task.resource)).toEqual(['baton:worker:release']);
    driver.apply({ type: 'TaskSucceeded', token: resumed[0]?.token as string, output: {} });
    expect(driver.execution?.status).toBe('COMPENSATED');
  });
});
