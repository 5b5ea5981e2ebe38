/**
 * Conformance: a Fail state with no Error and no Cause. Step Functions records no error name and no
 * cause: the ExecutionFailed event has empty details (`"executionFailedEventDetails": {}`) and
 * DescribeExecution has neither `error` nor `cause` (LocalStack's snapshot recorded against AWS,
 * localstack/localstack tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json,
 * TestSnfBase::test_state_fail_empty, on templates/base/statemachines/raise_empty_failure.json5).
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../../../lambdas/index.js';
import { Driver } from '../../../helpers/decide.js';

const RAISE_EMPTY_FAILURE = {
  Comment: 'RAISE_EMPTY_FAILURE',
  StartAt: 'FailState',
  States: { FailState: { Type: 'Fail' } },
};

describe('a Fail state with no Error and no Cause', () => {
  it('fails the execution with no error name and no cause', async () => {
    const result = await runWorkflow(RAISE_EMPTY_FAILURE, {});
    expect(result.status).toBe('FAILED');
    expect(result).not.toHaveProperty('error');
    expect(result).not.toHaveProperty('cause');
  });

  it('records an ExecutionFailed event with no error and no cause', async () => {
    const result = await runWorkflow(RAISE_EMPTY_FAILURE, {});
    expect(result.history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    const failed = result.history.at(-1) as object;
    expect(failed).not.toHaveProperty('error');
    expect(failed).not.toHaveProperty('cause');
  });

  it('leaves error and cause out of the execution and of its Execution Failed lifecycle event', () => {
    const driver = new Driver(RAISE_EMPTY_FAILURE);
    const decision = driver.start();
    expect(decision.execution.status).toBe('FAILED');
    expect(decision.execution).not.toHaveProperty('error');
    expect(decision.execution).not.toHaveProperty('cause');
    const published = decision.commands.find(
      (command) => command.type === 'PublishEvent' && command.detailType === 'Execution Failed',
    );
    expect(published).toBeDefined();
    expect(published?.type === 'PublishEvent' && published.detail).not.toHaveProperty('error');
    expect(published?.type === 'PublishEvent' && published.detail).not.toHaveProperty('cause');
  });

  // test_base.snapshot.json, TestSnfBase::test_state_fail: `"Error": "SomeFailure"` with a Cause
  // gives both; with an Error alone there is no cause to report.
  it('reports the Error alone when the state gives no Cause', async () => {
    const result = await runWorkflow(
      { StartAt: 'FailState', States: { FailState: { Type: 'Fail', Error: 'SomeFailure' } } },
      {},
    );
    expect(result.error).toBe('SomeFailure');
    expect(result).not.toHaveProperty('cause');
  });

  it('fails an enclosing Parallel state with no error name, which a Catch on States.ALL takes', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'FailState', States: { FailState: { Type: 'Fail' } } }],
            Catch: [
              { ErrorEquals: ['SomeFailure'], Next: 'Named' },
              { ErrorEquals: ['States.ALL'], Next: 'Any' },
            ],
            End: true,
          },
          Named: { Type: 'Succeed' },
          Any: { Type: 'Succeed' },
        },
      },
      {},
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({});
    const parallelFailed = result.history.find((event) => event.type === 'ParallelStateFailed');
    expect(parallelFailed).toBeDefined();
    expect(parallelFailed).not.toHaveProperty('error');
    expect(
      result.history.some((event) => event.type === 'SucceedStateEntered' && event.stateName === 'Any'),
    ).toBe(true);
  });

  it('leaves the error out of a JSONata Fail state that has none', async () => {
    const result = await runWorkflow(
      { QueryLanguage: 'JSONata', StartAt: 'FailState', States: { FailState: { Type: 'Fail' } } },
      {},
    );
    expect(result.status).toBe('FAILED');
    expect(result).not.toHaveProperty('error');
    expect(result).not.toHaveProperty('cause');
  });
});
