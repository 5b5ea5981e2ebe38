/**
 * Conformance: custom error names that start with `States.`. The ASL specification reserves the
 * prefix, but Step Functions accepts such names in a Fail state's Error and in Retry and Catch
 * ErrorEquals, and matches them by name. AWS's sample either-or-parallel-pattern
 * (aws-samples/step-functions-workflows-collection, either-or-parallel-pattern/statemachine/
 * statemachine.asl.json and its README's "Testing" steps) fails Parallel branches with
 * `"Error": "States.FauxFailure1"` and routes on `Catch: [{ "ErrorEquals": ["States.FauxFailure1"] }]`;
 * chain-of-responsibility retries `"ErrorEquals": ["States.TaskFailedId"]`.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflow, validateDefinition } from '../../../../lambdas/index.js';
import { enteredStates, failingTask } from '../../../helpers/conformance.js';

const DISPENSE = 'arn:aws:lambda:us-east-1:123456789012:function:Dispense';

describe('custom error names starting with "States."', () => {
  it('are accepted as a Fail state Error and in Retry and Catch ErrorEquals', () => {
    const issues = validateDefinition({
      StartAt: 'Dispense',
      States: {
        Dispense: {
          Type: 'Task',
          Resource: DISPENSE,
          Retry: [
            { ErrorEquals: ['States.TaskFailedId'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
          ],
          Catch: [{ ErrorEquals: ['States.QuorumMet'], Next: 'Out' }],
          End: true,
        },
        Out: { Type: 'Fail', Error: 'States.RanOutOfTime' },
      },
    });
    expect(issues).toEqual([]);
  });

  it('route a Parallel state through the Catch that names the error a branch failed with', async () => {
    const result = await runWorkflow(
      {
        StartAt: 'Either',
        States: {
          Either: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Process1 Completed',
                States: { 'Process1 Completed': { Type: 'Fail', Error: 'States.FauxFailure1' } },
              },
            ],
            Catch: [
              { ErrorEquals: ['States.FauxFailure2'], Next: 'Process2 Next' },
              { ErrorEquals: ['States.FauxFailure1'], Next: 'Process1 Next' },
            ],
            End: true,
          },
          'Process1 Next': { Type: 'Succeed' },
          'Process2 Next': { Type: 'Succeed' },
        },
      },
      {},
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(enteredStates(result.history)).toContain('Process1 Next');
    expect(enteredStates(result.history)).not.toContain('Process2 Next');
  });

  it('are retried by the retrier that names them', async () => {
    const dispense = failingTask(['States.TaskFailedId', 'States.TaskFailedId'], 'dispensed');
    const result = await runWorkflow(
      {
        StartAt: 'Dispense50',
        States: {
          Dispense50: {
            Type: 'Task',
            Resource: DISPENSE,
            Retry: [
              { ErrorEquals: ['States.TaskFailedId'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
            ],
            End: true,
          },
        },
      },
      {},
      { tasks: { [DISPENSE]: dispense } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(dispense.inputs).toHaveLength(3);
  });
});
