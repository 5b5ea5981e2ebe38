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

/**
 * Batch, ECS and CodeBuild: the router passes Step Functions' PascalCase parameters (the AWS SDK
 * transport turns them into the API's camel case from the client's schemas, and its responses into
 * PascalCase: test/unit/aws/aws-sdk-transport.test.ts), adds what Step Functions adds, and reads
 * the PascalCase responses (LocalStack's AWS-checked state_task_service_batch.py and
 * state_task_service_ecs.py).
 */
describe('Batch, ECS and CodeBuild jobs', () => {
  function pascalServices(statuses: readonly string[]) {
    const calls: { action: string; request: JsonObject }[] = [];
    let looks = 0;
    const next = () => statuses[Math.min(looks++, statuses.length - 1)] as string;
    const transport: AwsSdkTransport = {
      call: async (_service, action, request): Promise<JsonObject> => {
        calls.push({ action, request });
        switch (action) {
          case 'submitJob':
            return { JobArn: 'arn:job/1', JobId: 'job-1', JobName: 'nightly' };
          case 'describeJobs':
            return {
              Jobs: [
                {
                  JobId: 'job-1',
                  Status: next(),
                  Parameters: { inputFile: 'a.csv' },
                  Container: { ExitCode: 0 },
                },
              ],
            };
          case 'runTask':
            return { Tasks: [{ TaskArn: 'arn:task/1', ClusterArn: 'arn:cluster/c' }], Failures: [] };
          case 'describeTasks':
            return { Tasks: [{ TaskArn: 'arn:task/1', LastStatus: next(), Containers: [{ ExitCode: 0 }] }] };
          case 'startBuild':
            return { Build: { Id: 'b-1', BuildStatus: 'IN_PROGRESS' } };
          case 'batchGetBuilds':
            return { Builds: [{ Id: 'b-1', BuildStatus: next() }] };
          default:
            return {};
        }
      },
    };
    return { transport, calls };
  }

  async function runWith(statuses: readonly string[], state: JsonObject) {
    const aws = pascalServices(statuses);
    const d = new InProcessDomain({ awsSdk: aws.transport });
    await d.deploy('Job', {
      StartAt: 'Run',
      States: { Run: { Type: 'Task', End: true, ...state } },
    } as never);
    d.start('Job', {}, 'j-1');
    await d.runUntilIdle();
    const execution = (await d.store.load('Job:j-1'))?.execution;
    d.dispose();
    return { execution, calls: aws.calls };
  }

  it("batch:submitJob.sync: Step Functions' environment variable, DescribeJobs until SUCCEEDED, the job as the result", async () => {
    const { execution, calls } = await runWith(['RUNNABLE', 'SUCCEEDED'], {
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      Parameters: {
        JobName: 'nightly',
        JobQueue: 'q',
        JobDefinition: 'd',
        Parameters: { inputFile: 'a.csv' },
        ContainerOverrides: { Environment: [{ Name: 'MODE', Value: 'full' }] },
      },
    });
    expect(calls[0]).toEqual({
      action: 'submitJob',
      request: {
        JobName: 'nightly',
        JobQueue: 'q',
        JobDefinition: 'd',
        Parameters: { inputFile: 'a.csv' },
        ContainerOverrides: {
          Environment: [
            { Name: 'MODE', Value: 'full' },
            { Name: 'MANAGED_BY_AWS', Value: 'STARTED_BY_STEP_FUNCTIONS' },
          ],
        },
      },
    });
    expect(calls[1]).toEqual({ action: 'describeJobs', request: { jobs: ['job-1'] } });
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toEqual({
      JobId: 'job-1',
      Status: 'SUCCEEDED',
      Parameters: { inputFile: 'a.csv' },
      Container: { ExitCode: 0 },
    });
  });

  it("ecs:runTask: request-response gives DescribeTasks' response; .sync waits for STOPPED, with StartedBy", async () => {
    const plain = await runWith(['RUNNING'], {
      Resource: 'arn:aws:states:::ecs:runTask',
      Parameters: { Cluster: 'c', TaskDefinition: 't' },
    });
    expect(plain.calls.map((call) => call.action)).toEqual(['runTask', 'describeTasks']);
    expect(plain.execution?.output).toEqual({
      Tasks: [{ TaskArn: 'arn:task/1', LastStatus: 'RUNNING', Containers: [{ ExitCode: 0 }] }],
    });
    const sync = await runWith(['PENDING', 'RUNNING', 'STOPPED'], {
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: { Cluster: 'c', TaskDefinition: 't' },
    });
    expect(sync.calls[0]?.request).toEqual({
      Cluster: 'c',
      TaskDefinition: 't',
      StartedBy: 'AWS Step Functions',
    });
    expect(sync.calls[1]).toEqual({
      action: 'describeTasks',
      request: { cluster: 'arn:cluster/c', tasks: ['arn:task/1'] },
    });
    expect(sync.execution?.output).toEqual({
      TaskArn: 'arn:task/1',
      LastStatus: 'STOPPED',
      Containers: [{ ExitCode: 0 }],
    });
  });

  it('ecs:runTask.waitForTaskToken runs the task and waits for the callback', async () => {
    const { execution, calls } = await runWith(['RUNNING'], {
      Resource: 'arn:aws:states:::ecs:runTask.waitForTaskToken',
      Parameters: {
        Cluster: 'c',
        TaskDefinition: 't',
        Overrides: {
          ContainerOverrides: [{ Name: 'app', Environment: [{ Name: 'TOKEN', 'Value.$': '$$.Task.Token' }] }],
        },
      },
    });
    expect(calls.map((call) => call.action)).toEqual(['runTask']);
    expect(execution?.status).toBe('RUNNING');
  });

  it('codebuild:startBuild.sync ends with { Build } or fails with it as the cause', async () => {
    const ok = await runWith(['IN_PROGRESS', 'SUCCEEDED'], {
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Parameters: { ProjectName: 'p' },
    });
    expect(ok.calls[0]).toEqual({ action: 'startBuild', request: { ProjectName: 'p' } });
    expect(ok.execution?.output).toEqual({ Build: { Id: 'b-1', BuildStatus: 'SUCCEEDED' } });
    const failed = await runWith(['FAILED'], {
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Parameters: { ProjectName: 'p' },
    });
    expect(failed.execution?.error).toBe('States.TaskFailed');
    expect(JSON.parse(failed.execution?.cause ?? '{}')).toEqual({
      Build: { Id: 'b-1', BuildStatus: 'FAILED' },
    });
  });
});

describe('Bedrock model customization and MediaConvert jobs', () => {
  async function runJob(resource: string, parameters: JsonObject, answers: Record<string, JsonObject[]>) {
    const calls: { action: string; request: JsonObject }[] = [];
    const seen: Record<string, number> = {};
    const awsSdk: AwsSdkTransport = {
      call: async (_service, action, request): Promise<JsonObject> => {
        calls.push({ action, request });
        const list = answers[action] ?? [{}];
        const index = Math.min(seen[action] ?? 0, list.length - 1);
        seen[action] = index + 1;
        return list[index] as JsonObject;
      },
    };
    const d = new InProcessDomain({ awsSdk });
    await d.deploy('Job', {
      StartAt: 'Run',
      States: { Run: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } },
    } as never);
    d.start('Job', {}, 'j-1');
    await d.runUntilIdle();
    const execution = (await d.store.load('Job:j-1'))?.execution;
    d.dispose();
    return { execution, calls };
  }

  it('bedrock:createModelCustomizationJob.sync waits for Completed, looking the job up by its ARN', async () => {
    const { execution, calls } = await runJob(
      'arn:aws:states:::bedrock:createModelCustomizationJob.sync',
      { JobName: 'tune', CustomModelName: 'm', BaseModelIdentifier: 'b', RoleArn: 'r' },
      {
        createModelCustomizationJob: [{ JobArn: 'arn:job/tune' }],
        getModelCustomizationJob: [
          { Status: 'InProgress' },
          { Status: 'Completed', OutputModelArn: 'arn:model/m' },
        ],
      },
    );
    expect(calls[1]).toEqual({
      action: 'getModelCustomizationJob',
      request: { JobIdentifier: 'arn:job/tune' },
    });
    expect(execution?.output).toEqual({ Status: 'Completed', OutputModelArn: 'arn:model/m' });
  });

  it('mediaconvert:createJob.sync fails with the job as the cause when it ends in ERROR', async () => {
    const { execution, calls } = await runJob(
      'arn:aws:states:::mediaconvert:createJob.sync',
      { Role: 'r', Settings: {} },
      {
        createJob: [{ Job: { Id: 'j-7', Status: 'SUBMITTED' } }],
        getJob: [{ Job: { Id: 'j-7', Status: 'PROGRESSING' } }, { Job: { Id: 'j-7', Status: 'ERROR' } }],
      },
    );
    expect(calls.map((call) => call.action)).toEqual(['createJob', 'getJob', 'getJob']);
    expect(execution?.error).toBe('States.TaskFailed');
    expect(JSON.parse(execution?.cause ?? '{}')).toEqual({ Job: { Id: 'j-7', Status: 'ERROR' } });
  });
});
