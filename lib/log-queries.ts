/**
 * Saved CloudWatch Logs Insights queries over a domain's orchestrator and worker logs. Every log
 * line of Powertools' Logger is JSON; the orchestrator and workers add `executionId`, `workflow`
 * and `state` to the lines about an execution.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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
        ],
        filterStatements: [`executionId = "${props.exampleWorkflow}:${EXECUTION_ID_PLACEHOLDER}"`],
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
          'executionId',
          'workflow',
          'state',
          'kind',
          'message',
          'reason',
          'error.name',
          'error.message',
        ],
        filterStatements: ['level = "ERROR" or kind = "TaskFailed"'],
        sort: '@timestamp desc',
        limit: 200,
      }),
    });
  }
}
