/**
 * Saved CloudWatch Logs Insights queries over a domain's orchestrator and worker logs. Every log
 * line of Powertools' Logger is JSON; the orchestrator and workers add `executionId`, `workflow`
 * and `state` to the lines about an execution, and Powertools adds `xray_trace_id`, the trace of
 * the invocation that wrote the line: an execution spans one trace per SQS-triggered invocation
 * (X-Ray links them across SQS), and the timeline lists them.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LogKey } from '../lambdas/contract/observability-names.js';

/** Props of {@link SagaLogQueries}. */
export interface SagaLogQueriesProps {
  readonly domain: string;
  /** The orchestrator's log group, then the workers'. */
  readonly logGroups: readonly logs.ILogGroup[];
  /** A workflow of the domain, to show the shape of an execution id in the timeline query. */
  readonly exampleWorkflow: string;
}

/** The queries' placeholder for the execution id: replace it before running the query. */
export const EXECUTION_ID_PLACEHOLDER = 'REPLACE_WITH_EXECUTION_NAME';

/** The saved queries of a domain. */
export class SagaLogQueries extends Construct {
  readonly timeline: logs.QueryDefinition;
  readonly failedSteps: logs.QueryDefinition;

  constructor(scope: Construct, id: string, props: SagaLogQueriesProps) {
    super(scope, id);
    const logGroups = [...props.logGroups];
    this.timeline = new logs.QueryDefinition(this, 'ExecutionTimeline', {
      queryDefinitionName: `Baton/${props.domain}/Timeline of execution X`,
      logGroups,
      queryString: new logs.QueryString({
        fields: [
          '@timestamp',
          'service',
          'level',
          'message',
          'state',
          'kind',
          'result',
          'attempt',
          'error.name',
          LogKey.traceId,
        ],
        filterStatements: [`${LogKey.executionId} = "${props.exampleWorkflow}:${EXECUTION_ID_PLACEHOLDER}"`],
        sort: '@timestamp asc',
        limit: 1000,
      }),
    });
    this.failedSteps = new logs.QueryDefinition(this, 'FailedSteps', {
      queryDefinitionName: `Baton/${props.domain}/Failed steps in the last hour (pick the range)`,
      logGroups,
      queryString: new logs.QueryString({
        fields: [
          '@timestamp',
          'service',
          LogKey.executionId,
          LogKey.workflow,
          LogKey.state,
          'kind',
          'message',
          'reason',
          'error.name',
          'error.message',
          LogKey.traceId,
        ],
        filterStatements: ['level = "ERROR" or kind = "TaskFailed"'],
        sort: '@timestamp desc',
        limit: 200,
      }),
    });
  }
}
