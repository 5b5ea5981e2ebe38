/**
 * Step Functions' optimized integrations that start a job: Amazon Athena queries, AWS Glue job runs
 * and Amazon SageMaker jobs, in their request-response form (the API's response is the result) and
 * their `.sync` form ("Run a Job": the task ends when the job does). Each entry says which API call
 * starts the job, which one describes it, where its status is and which statuses end it, and which
 * call stops it when the task is aborted: the one job-waiting mechanism (the task router's
 * `pollTask`, on delayed inbox messages) reads nothing else.
 *
 * Bedrock model customization and MediaConvert jobs follow the same pattern.
 * Batch, ECS and CodeBuild name their API's fields in lower camel case; Step Functions takes and
 * gives them in PascalCase, which the AWS SDK transport does for every service (from the client's
 * schemas): the describe and stop requests below may be written in the API's case, and every
 * response read here is in PascalCase.
 *
 * Sources: the AWS documentation of each integration ("Run Athena queries", "Run AWS Glue jobs",
 * "Create and manage Amazon SageMaker AI jobs" in the Step Functions developer guide); for Glue,
 * also LocalStack's implementation checked against AWS (state_task_service_glue.py: the start
 * response gets `JobName`, `.sync` ends with GetJobRun's `JobRun` plus `JobName`, and FAILED, TIMEOUT
 * and ERROR fail the task with `States.TaskFailed` and the run as the cause, while STOPPED ends it).
 * All three services take PascalCase requests, as Step Functions passes them.
 */
import type { Json, JsonObject } from '../engine/json.js';

/** How a `.sync` job is awaited. */
export interface JobWait {
  /** The describe call's action (`getQueryExecution`) and its request, from the start's result. */
  readonly describe: { readonly action: string; readonly request: (started: JsonObject) => JsonObject };
  /** The job's status in the describe response. */
  readonly status: (described: JsonObject) => string | undefined;
  /** Statuses that end the task successfully. */
  readonly succeeded: readonly string[];
  /** Statuses that fail the task (`States.TaskFailed`, the result as the cause). */
  readonly failed: readonly string[];
  /** The task's result, from the describe response. @default the describe response */
  readonly output?: (described: JsonObject, started: JsonObject) => Json;
  /** The call that stops the job when the task is aborted. */
  readonly stop?: { readonly action: string; readonly request: (started: JsonObject) => JsonObject };
}

/** One job-starting integration. */
export interface JobIntegration {
  /** The AWS SDK service name (`athena`, `glue`, `sagemaker`): the same call as `aws-sdk:<service>:<action>`. */
  readonly service: string;
  readonly action: string;
  /** The start call's result: its response, or with fields Step Functions adds. @default the response */
  readonly started?: (response: JsonObject, request: JsonObject) => JsonObject;
  /** Present when the integration has a `.sync` form. */
  readonly sync?: JobWait;
  /** Whether the integration has a `.waitForTaskToken` form (the start call, then a callback). @default false */
  readonly waitForTaskToken?: boolean;
  /** Changes the start request (PascalCase) before it is sent, by form. @default unchanged */
  readonly prepare?: (
    request: JsonObject,
    form: 'requestResponse' | 'sync' | 'waitForTaskToken',
  ) => JsonObject;
  /**
   * Request-response: the result is the description of what was started, not the start's
   * response (ECS RunTask gives DescribeTasks' response). @default false
   */
  readonly describeStarted?: boolean;
}

const field = (value: Json | undefined, ...path: string[]): Json | undefined => {
  let current = value;
  for (const name of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = current[name];
  }
  return current;
};

const text = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

const athenaQuery = (started: JsonObject): JsonObject => ({
  QueryExecutionId: started.QueryExecutionId ?? null,
});

/** A SageMaker job named by the request's `<Kind>JobName`, described and stopped by name. */
function sagemakerJob(kind: string, statusField: string): JobWait {
  const name = `${kind}Name`;
  return {
    describe: { action: `describe${kind}`, request: (started) => ({ [name]: started[name] ?? null }) },
    status: (described) => text(described[statusField]),
    succeeded: ['Completed'],
    failed: ['Failed', 'Stopped'],
    stop: { action: `stop${kind}`, request: (started) => ({ [name]: started[name] ?? null }) },
  };
}

/** The name a SageMaker job was created with, kept with the start's result (its response holds only the ARN). */
const withJobName =
  (kind: string) =>
  (response: JsonObject, request: JsonObject): JsonObject => ({
    ...response,
    [`${kind}Name`]: request[`${kind}Name`] ?? null,
  });

const INTEGRATIONS: readonly JobIntegration[] = [
  {
    service: 'athena',
    action: 'startQueryExecution',
    sync: {
      describe: { action: 'getQueryExecution', request: athenaQuery },
      status: (described) => text(field(described, 'QueryExecution', 'Status', 'State')),
      succeeded: ['SUCCEEDED'],
      failed: ['FAILED', 'CANCELLED'],
      stop: { action: 'stopQueryExecution', request: athenaQuery },
    },
  },
  { service: 'athena', action: 'stopQueryExecution' },
  { service: 'athena', action: 'getQueryExecution' },
  { service: 'athena', action: 'getQueryResults' },
  {
    service: 'glue',
    action: 'startJobRun',
    // Step Functions adds the job's name to StartJobRun's response (`JobRunId` only).
    started: (response, request) => ({ ...response, JobName: request.JobName ?? null }),
    sync: {
      describe: {
        action: 'getJobRun',
        request: (started) => ({ JobName: started.JobName ?? null, RunId: started.JobRunId ?? null }),
      },
      status: (described) => text(field(described, 'JobRun', 'JobRunState')),
      succeeded: ['SUCCEEDED', 'STOPPED'],
      failed: ['FAILED', 'TIMEOUT', 'ERROR'],
      output: (described, started) => ({
        ...((described.JobRun ?? {}) as JsonObject),
        JobName: started.JobName ?? null,
      }),
      stop: {
        action: 'batchStopJobRun',
        request: (started) => ({ JobName: started.JobName ?? null, JobRunIds: [started.JobRunId ?? null] }),
      },
    },
  },
  ...(
    [
      ['TrainingJob', 'TrainingJobStatus'],
      ['TransformJob', 'TransformJobStatus'],
      ['ProcessingJob', 'ProcessingJobStatus'],
      ['HyperParameterTuningJob', 'HyperParameterTuningJobStatus'],
      ['LabelingJob', 'LabelingJobStatus'],
    ] as const
  ).map(([kind, status]): JobIntegration => ({
    service: 'sagemaker',
    action: `create${kind}`,
    started: withJobName(kind),
    sync: sagemakerJob(kind, status),
  })),
  ...['createModel', 'createEndpoint', 'createEndpointConfig', 'updateEndpoint'].map(
    (action): JobIntegration => ({ service: 'sagemaker', action }),
  ),
  {
    // AWS Batch: LocalStack's AWS-checked state_task_service_batch.py (the environment variable a
    // `.sync` job gets, DescribeJobs until SUCCEEDED or FAILED, the job as the result or the cause).
    service: 'batch',
    action: 'submitJob',
    waitForTaskToken: true,
    prepare: (request, form) => (form === 'sync' ? withManagedEnvironment(request) : request),
    sync: {
      describe: { action: 'describeJobs', request: (started) => ({ jobs: [started.JobId ?? null] }) },
      status: (described) => text(field(firstOf(described.Jobs), 'Status')),
      succeeded: ['SUCCEEDED'],
      failed: ['FAILED'],
      output: (described) => firstOf(described.Jobs) ?? null,
      stop: {
        action: 'terminateJob',
        request: (started) => ({
          jobId: started.JobId ?? null,
          reason: 'The task that started the job was aborted',
        }),
      },
    },
  },
  {
    // Amazon ECS: LocalStack's AWS-checked state_task_service_ecs.py (`StartedBy` on a `.sync`
    // run; request-response gives DescribeTasks' response; `.sync` waits for STOPPED and gives the task).
    service: 'ecs',
    action: 'runTask',
    waitForTaskToken: true,
    describeStarted: true,
    prepare: (request, form) => (form === 'sync' ? { ...request, StartedBy: 'AWS Step Functions' } : request),
    sync: {
      describe: { action: 'describeTasks', request: ecsTask },
      status: (described) => text(field(firstOf(described.Tasks), 'LastStatus')),
      succeeded: ['STOPPED'],
      failed: [],
      output: (described) => firstOf(described.Tasks) ?? null,
      stop: { action: 'stopTask', request: ecsTask },
    },
  },
  {
    service: 'codebuild',
    action: 'startBuild',
    sync: {
      describe: {
        action: 'batchGetBuilds',
        request: (started) => ({ ids: [field(started.Build, 'Id') ?? null] }),
      },
      status: (described) => text(field(firstOf(described.Builds), 'BuildStatus')),
      succeeded: ['SUCCEEDED'],
      failed: ['FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED'],
      output: (described) => ({ Build: firstOf(described.Builds) ?? null }),
      stop: { action: 'stopBuild', request: (started) => ({ id: field(started.Build, 'Id') ?? null }) },
    },
  },
  { service: 'codebuild', action: 'batchGetReports' },
  {
    // Amazon Bedrock model customization (AWS documentation, "Invoke and customize Amazon Bedrock
    // models with Step Functions": the same fields as the API, request-response or `.sync`).
    service: 'bedrock',
    action: 'createModelCustomizationJob',
    sync: {
      describe: {
        action: 'getModelCustomizationJob',
        request: (started) => ({ JobIdentifier: started.JobArn ?? null }),
      },
      status: (described) => text(described.Status),
      succeeded: ['Completed'],
      failed: ['Failed', 'Stopped'],
      stop: {
        action: 'stopModelCustomizationJob',
        request: (started) => ({ JobIdentifier: started.JobArn ?? null }),
      },
    },
  },
  {
    // AWS Elemental MediaConvert (AWS documentation, "Create and manage MediaConvert jobs with
    // Step Functions": CreateJob's fields; `.sync` waits for the job).
    service: 'mediaconvert',
    action: 'createJob',
    sync: {
      describe: { action: 'getJob', request: (started) => ({ Id: field(started.Job, 'Id') ?? null }) },
      status: (described) => text(field(described.Job, 'Status')),
      succeeded: ['COMPLETE'],
      failed: ['ERROR', 'CANCELED'],
      stop: { action: 'cancelJob', request: (started) => ({ Id: field(started.Job, 'Id') ?? null }) },
    },
  },
];

/** The first item of a list, if it is one. */
function firstOf(value: Json | undefined): Json | undefined {
  return Array.isArray(value) ? value[0] : undefined;
}

/** The ECS task a RunTask started (its first), by cluster and ARN, in the API's case. */
function ecsTask(started: JsonObject): JsonObject {
  const task = firstOf(started.Tasks);
  return { cluster: field(task, 'ClusterArn') ?? null, tasks: [field(task, 'TaskArn') ?? null] };
}

/** A Batch request with the environment variable Step Functions gives a `.sync` job's container. */
function withManagedEnvironment(request: JsonObject): JsonObject {
  const overrides = (request.ContainerOverrides ?? {}) as JsonObject;
  const environment = Array.isArray(overrides.Environment) ? overrides.Environment : [];
  return {
    ...request,
    ContainerOverrides: {
      ...overrides,
      Environment: [...environment, { Name: 'MANAGED_BY_AWS', Value: 'STARTED_BY_STEP_FUNCTIONS' }],
    },
  };
}

/** The job integration `<service>:<action>` (`athena:startQueryExecution`), if Baton performs it. */
export function jobIntegration(service: string, action: string): JobIntegration | undefined {
  return INTEGRATIONS.find((integration) => integration.service === service && integration.action === action);
}
