/**
 * A Distributed Map state's history when its Map Run's end reaches the parent before the message
 * that the run started (an SQS queue does not keep order; found by the simulation's
 * `map-state-one-result`): MapRunStarted is still recorded, before the end, as Step Functions'
 * history always has it (LocalStack's AWS-recorded
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json: MapStateStarted,
 * MapRunStarted, MapRunSucceeded/MapRunFailed, MapStateSucceeded/MapStateFailed).
 */
import { describe, expect, it } from 'vitest';
import { Driver, dispatches } from '../../helpers/decide.js';

const definition = {
  StartAt: 'Items',
  States: {
    Items: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
        StartAt: 'Done',
        States: { Done: { Type: 'Pass', End: true } },
      },
      End: true,
    },
  },
};

/** A driver that keeps the history every decision recorded. */
class RecordingDriver extends Driver {
  readonly history: { type: string; mapRunArn?: string }[] = [];

  override apply(...args: Parameters<Driver['apply']>): ReturnType<Driver['apply']> {
    const decision = super.apply(...args);
    this.history.push(...(decision.history as readonly { type: string }[]));
    return decision;
  }
}

const mapEvents = (driver: RecordingDriver) =>
  driver.history
    .map((event) => event.type)
    .filter((type) => /^Map(Run|State(Started|Succeeded|Failed|Aborted)$)/.test(type));

describe('a Map Run that ends before its start is applied', () => {
  it('records MapRunStarted before MapRunSucceeded, once, and ignores the late start', () => {
    const driver = new RecordingDriver(definition);
    const [task] = dispatches(driver.start({ items: [1, 2] }));
    if (!task) throw new Error('no Map Run dispatched');
    driver.apply({ type: 'TaskSucceeded', token: task.token, output: [1, 2] });
    expect(
      driver.apply({ type: 'TaskSubmitted', token: task.token, output: { MapRunArn: 'arn' } }).changed,
    ).toBe(false);
    expect(mapEvents(driver)).toEqual([
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
    ]);
    expect(driver.execution?.status).toBe('SUCCEEDED');
  });

  it('records MapRunStarted before MapRunFailed', () => {
    const driver = new RecordingDriver(definition);
    const [task] = dispatches(driver.start({ items: [1] }));
    if (!task) throw new Error('no Map Run dispatched');
    driver.apply({
      type: 'TaskFailed',
      token: task.token,
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'x',
    });
    expect(mapEvents(driver)).toEqual(['MapStateStarted', 'MapRunStarted', 'MapRunFailed', 'MapStateFailed']);
  });

  it('records MapRunStarted once, with its ARN, when the start came first', () => {
    const driver = new RecordingDriver(definition);
    const [task] = dispatches(driver.start({ items: [1] }));
    if (!task) throw new Error('no Map Run dispatched');
    driver.apply({ type: 'TaskSubmitted', token: task.token, output: { MapRunArn: 'arn:run' } });
    driver.apply({ type: 'TaskSucceeded', token: task.token, output: [1] });
    expect(mapEvents(driver)).toEqual([
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
    ]);
    expect(driver.history.find((event) => event.type === 'MapRunStarted')).toMatchObject({
      mapRunArn: 'arn:run',
    });
  });

  it('records MapRunStarted before MapRunAborted, and cancels the run by its token, when stopped first', () => {
    const driver = new RecordingDriver(definition);
    const [task] = dispatches(driver.start({ items: [1] }));
    if (!task) throw new Error('no Map Run dispatched');
    const stopped = driver.apply({ type: 'StopExecution' });
    expect(mapEvents(driver)).toEqual([
      'MapStateStarted',
      'MapRunStarted',
      'MapRunAborted',
      'MapStateAborted',
    ]);
    expect(stopped.commands).toContainEqual({
      type: 'CancelTask',
      token: task.token,
      resource: task.resource,
      submitted: null,
    });
  });
});
