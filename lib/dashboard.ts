/**
 * The CloudWatch dashboard of a domain: executions by outcome, step latency, the inbox and the
 * dead-letter queues, the functions, the alarms, and the latest errors from the logs.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LabelledQueue } from './alarms.js';
import { CountMetric, TimingMetric } from '../lambdas/contract/metric-names.js';
import { LogKey, TraceAnnotation } from '../lambdas/contract/observability-names.js';
import { batonMetric } from './baton-metrics.js';

/** A function shown on the dashboard. */
export interface LabelledFunction {
  readonly label: string;
  readonly function: lambda.IFunction;
}

/** Props of {@link SagaDashboard}. */
export interface SagaDashboardProps {
  readonly dashboardName: string;
  readonly domain: string;
  readonly metricsService: string;
  readonly inbox: sqs.IQueue;
  readonly deadLetterQueues: readonly LabelledQueue[];
  /** The orchestrator first, then the workers. */
  readonly functions: readonly LabelledFunction[];
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly logGroups: readonly logs.ILogGroup[];
}

const FULL_WIDTH = 24;
const HALF_WIDTH = 12;
const THIRD_WIDTH = 8;

/** The dashboard of one SagaOrchestrator. */
export class SagaDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SagaDashboardProps) {
    super(scope, id);
    const service = props.metricsService;
    const count = (name: Parameters<typeof batonMetric>[0], label: string) =>
      batonMetric(name, service, { label });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: FULL_WIDTH,
        height: 3,
        markdown:
          `# Baton: ${props.domain}\nExecutions are named \`<workflow>:<name>\`. To follow one, run the Logs Insights query *Baton/${props.domain}/Timeline of execution X* ` +
          `(its \`${LogKey.traceId}\` column names the trace of each step), or filter X-Ray traces with \`annotation.${TraceAnnotation.executionId} = "<workflow>:<name>"\`: ` +
          'each SQS-triggered invocation is a trace of its own, linked to the traces that sent its messages.',
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: FULL_WIDTH,
        height: 3,
        alarms: [...props.alarms],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Executions (per 5 minutes)',
        width: HALF_WIDTH,
        left: [
          count(CountMetric.executionsStarted, 'Started'),
          count(CountMetric.executionsSucceeded, 'Succeeded'),
          count(CountMetric.executionsFailed, 'Failed'),
          count(CountMetric.executionsTimedOut, 'Timed out'),
          count(CountMetric.executionsCompensated, 'Compensated'),
          count(CountMetric.executionsCompensationFailed, 'Compensation failed'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Step latency: inbox message age when handled (ms)',
        width: HALF_WIDTH,
        left: ['p50', 'p90', 'p99'].map((statistic) =>
          batonMetric(TimingMetric.stepLatency, service, { statistic, label: statistic }),
        ),
        right: [
          batonMetric(TimingMetric.decisionTime, service, { statistic: 'p99', label: 'Decision time p99' }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Inbox',
        width: THIRD_WIDTH,
        left: [
          props.inbox.metricApproximateNumberOfMessagesVisible({ label: 'Visible', statistic: 'Maximum' }),
        ],
        right: [
          props.inbox.metricApproximateAgeOfOldestMessage({ label: 'Oldest (s)', statistic: 'Maximum' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        width: THIRD_WIDTH,
        left: props.deadLetterQueues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ label, statistic: 'Maximum' }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Conflicts, duplicates, rejections',
        width: THIRD_WIDTH,
        left: [
          count(CountMetric.versionConflicts, 'Version conflicts'),
          count(CountMetric.duplicateMessages, 'Duplicates'),
          count(CountMetric.rejectedMessages, 'Rejected'),
          count(CountMetric.transitionsTooLarge, 'Too large to store'),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        width: HALF_WIDTH,
        left: props.functions.flatMap(({ label, function: fn }) => [
          fn.metricErrors({ label: `${label} errors`, statistic: 'Sum' }),
          fn.metricThrottles({ label: `${label} throttles`, statistic: 'Sum' }),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p99 (ms)',
        width: HALF_WIDTH,
        left: props.functions.map(({ label, function: fn }) =>
          fn.metricDuration({ label, statistic: 'p99' }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Latest errors',
        width: FULL_WIDTH,
        height: 6,
        logGroupNames: props.logGroups.map((group) => group.logGroupName),
        queryLines: [
          `fields @timestamp, service, ${LogKey.executionId}, ${LogKey.state}, message, error.name, ${LogKey.traceId}`,
          'filter level = "ERROR"',
          'sort @timestamp desc',
          'limit 50',
        ],
      }),
    );
  }
}
