/**
 * `.sync` jobs (Athena, Glue, SageMaker) through the loop, as the Lambda runs them: the router
 * starts the job, reports the task submitted, and looks at the job again on delayed PollTask
 * messages until it ends; a task aborted meanwhile stops the job and its polling. The AWS side is a
 * stand-in that answers as the services do (shapes from the API references; Glue's `.sync` result,
 * `JobRun` plus `JobName`, and its failure as `States.TaskFailed` with the run as the cause, as
 * LocalStack's AWS-checked state_task_service_glue.py has them).
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lambdas/engine/json.js';
import {
  AwsServiceError,
  JOB_POLL_DELAYS_SECONDS,
  type AwsSdkTransport,
} from '../../lambdas/runtime/task-router.js';
import { InProcessDomain } from '../../testing/in-process-domain.js';

/** An AWS stand-in: each describe answers the next status of `states`, the last one repeating. */
function services(states: readonly string[]) {
  const calls: { service: string; action: string; request: JsonObject; at: number }[] = [];
  let clock = () => 0;
  let described = 0;
  const transport: AwsSdkTransport = {
    call: async (service, action, request): Promise<JsonObject> => {
      calls.push({ service, action, request, at: clock() });
      const state = states[Math.min(described, states.length - 1)] as string;
      switch (`${service}:${action}`) {
        case 'athena:startQueryExecution':
          return { QueryExecutionId: 'q-1' };
        case 'athena:getQueryExecution':
          described++;
          return { QueryExecution: { QueryExecutionId: 'q-1', Status: { State: state } } };
        case 'athena:stopQueryExecution':
          return {};
        case 'glue:startJobRun':
          return { JobRunId: 'jr-1' };
        case 'glue:getJobRun':
          described++;
          return {
            JobRun: {
              Id: 'jr-1',
              JobRunState: state,
              ...(state === 'FAILED' ? { ErrorMessage: 'out of memory' } : {}),
            },
          };
        default:
          throw new AwsServiceError({
            serviceId: service,
            code: 'UnknownOperation',
            message: action,
            statusCode: 400,
          });
      }
    },
  };
  return { transport, calls, setClock: (now: () => number) => (clock = now) };
}

const athena = (extra: JsonObject = {}) => ({
  StartAt: 'Query',
  States: {
    Query: {
      Type: 'Task',
      Resource: 'arn:aws:states:::athena:startQueryExecution.sync',
      Parameters: { QueryString: 'SELECT 1', WorkGroup: 'primary' },
      End: true,
      ...extra,
    },
  },
});

async function run(definition: object, states: readonly string[]) {
  const aws = services(states);
  const d = new InProcessDomain({ awsSdk: aws.transport });
  aws.setClock(() => d.now());
  await d.deploy('Job', definition as never);
  const started = d.now();
  d.start('Job', {}, 'j-1');
  await d.runUntilIdle();
  const execution = (await d.store.load('Job:j-1'))?.execution;
  const history = (await d.store.history('Job:j-1')).events.map((event) => event.type);
  d.dispose();
  return { execution, history, calls: aws.calls, started };
}

describe('athena:startQueryExecution.sync', () => {
  it('looks at the query on delayed messages until it succeeds, and ends with GetQueryExecution', async () => {
    const { execution, history, calls, started } = await run(athena(), [
      'QUEUED',
      'RUNNING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toEqual({
      QueryExecution: { QueryExecutionId: 'q-1', Status: { State: 'SUCCEEDED' } },
    });
    expect(calls.map((call) => call.action)).toEqual([
      'startQueryExecution',
      'getQueryExecution',
      'getQueryExecution',
      'getQueryExecution',
      'getQueryExecution',
    ]);
    expect(calls[1]?.request).toEqual({ QueryExecutionId: 'q-1' });
    // Each look after the delay of its turn.
    const looks = calls.slice(1).map((call) => (call.at - started) / 1000);
    let expected = 0;
    expect(looks).toEqual(JOB_POLL_DELAYS_SECONDS.slice(0, 4).map((delay) => (expected += delay)));
    expect(history).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskSubmitted', 'TaskSucceeded']));
  });

  it('fails the task with States.TaskFailed and the description when the query fails', async () => {
    const { execution } = await run(athena(), ['RUNNING', 'FAILED']);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('States.TaskFailed');
    expect(JSON.parse(execution?.cause ?? '{}')).toEqual({
      QueryExecution: { QueryExecutionId: 'q-1', Status: { State: 'FAILED' } },
    });
  });

  it('stops the query, and looks no more, when the task times out', async () => {
    const { execution, calls } = await run(athena({ TimeoutSeconds: 10 }), ['RUNNING']);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('States.Timeout');
    const actions = calls.map((call) => call.action);
    expect(actions).toContain('stopQueryExecution');
    // Looks at 2, 6 s; the task times out at 10 s, before the look due at 14 s.
    expect(actions.filter((action) => action === 'getQueryExecution')).toHaveLength(2);
    expect(actions.at(-1)).toBe('stopQueryExecution');
  });
});

describe('glue:startJobRun', () => {
  const glue = (resource: string) => ({
    StartAt: 'Run',
    States: { Run: { Type: 'Task', Resource: resource, Parameters: { JobName: 'nightly' }, End: true } },
  });

  it('request-response ends with the run id and the job name Step Functions adds', async () => {
    const { execution } = await run(glue('arn:aws:states:::glue:startJobRun'), ['RUNNING']);
    expect(execution?.output).toEqual({ JobRunId: 'jr-1', JobName: 'nightly' });
  });

  it('.sync ends with the run and the job name, or fails with the run as the cause', async () => {
    const ok = await run(glue('arn:aws:states:::glue:startJobRun.sync'), ['RUNNING', 'SUCCEEDED']);
    expect(ok.execution?.output).toEqual({ Id: 'jr-1', JobRunState: 'SUCCEEDED', JobName: 'nightly' });
    expect(ok.calls[1]?.request).toEqual({ JobName: 'nightly', RunId: 'jr-1' });
    const failed = await run(glue('arn:aws:states:::glue:startJobRun.sync'), ['FAILED']);
    expect(failed.execution?.error).toBe('States.TaskFailed');
    expect(JSON.parse(failed.execution?.cause ?? '{}')).toEqual({
      Id: 'jr-1',
      JobRunState: 'FAILED',
      ErrorMessage: 'out of memory',
      JobName: 'nightly',
    });
  });
});
