/**
 * The alarms of a domain: anything in a dead-letter queue, failed executions, failed
 * compensations (a saga that could not undo itself: someone must look), an inbox falling behind,
 * and orchestrator invocations that crashed.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CountMetric } from '../lambdas/contract/metric-names.js';
import { batonMetric } from './baton-metrics.js';

/** A dead-letter queue and what it holds the dead letters of. */
export interface LabelledQueue {
  readonly label: string;
  readonly queue: sqs.IQueue;
}

/** Props of {@link SagaAlarms}. */
export interface SagaAlarmsProps {
  readonly domain: string;
  /** The `service` dimension of the orchestrator's metrics. */
  readonly metricsService: string;
  readonly inbox: sqs.IQueue;
  /** Every dead-letter queue of the domain (inbox first, then workers). */
  readonly deadLetterQueues: readonly LabelledQueue[];
  readonly maxInboxMessageAge: Duration;
  readonly orchestratorFunction: lambda.IFunction;
  /** @default alarms without actions */
  readonly alarmTopic?: sns.ITopic;
}

/** The alarms of one SagaOrchestrator. */
export class SagaAlarms extends Construct {
  readonly executionsFailed: cloudwatch.Alarm;
  readonly compensationsFailed: cloudwatch.Alarm;
  readonly inboxMessageAge: cloudwatch.Alarm;
  readonly orchestratorErrors: cloudwatch.Alarm;
  readonly deadLetters: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SagaAlarmsProps) {
    super(scope, id);
    const { domain, metricsService } = props;
    const atLeastOnce = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened: EMF metrics and DLQ metrics are only there when there is something to count.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };

    this.deadLetters = props.deadLetterQueues.map(
      ({ label, queue }) =>
        new cloudwatch.Alarm(this, `DeadLetters-${label}`, {
          ...atLeastOnce,
          metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
          alarmDescription: `Baton ${domain}: messages in the dead-letter queue of ${label}. They were received too often without success; look at them, fix the cause, then redrive them.`,
        }),
    );
    this.executionsFailed = new cloudwatch.Alarm(this, CountMetric.executionsFailed, {
      ...atLeastOnce,
      metric: batonMetric(CountMetric.executionsFailed, metricsService),
      alarmDescription: `Baton ${domain}: executions failed (with nothing to compensate). Find them with the "Failed steps" Logs Insights query.`,
    });
    this.compensationsFailed = new cloudwatch.Alarm(this, CountMetric.executionsCompensationFailed, {
      ...atLeastOnce,
      metric: batonMetric(CountMetric.executionsCompensationFailed, metricsService),
      alarmDescription: `Baton ${domain}: a saga failed and could not undo its completed steps (COMPENSATION_FAILED). Its effects are partly applied: act now.`,
    });
    this.inboxMessageAge = new cloudwatch.Alarm(this, 'InboxMessageAge', {
      threshold: props.maxInboxMessageAge.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      metric: props.inbox.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
      alarmDescription: `Baton ${domain}: the oldest inbox message waited ${props.maxInboxMessageAge.toHumanString()} or more: the orchestrator is falling behind or failing.`,
    });
    this.orchestratorErrors = new cloudwatch.Alarm(this, 'OrchestratorErrors', {
      ...atLeastOnce,
      metric: props.orchestratorFunction.metricErrors({ statistic: 'Sum' }),
      alarmDescription: `Baton ${domain}: orchestrator invocations crashed (not single messages, which are reported as batch item failures).`,
    });

    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      for (const alarm of this.all) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  /** Every alarm of the domain. */
  get all(): readonly cloudwatch.Alarm[] {
    return [
      ...this.deadLetters,
      this.executionsFailed,
      this.compensationsFailed,
      this.inboxMessageAge,
      this.orchestratorErrors,
    ];
  }
}
