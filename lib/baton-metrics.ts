/**
 * The orchestrator's EMF metrics (Powertools Metrics): namespace `Baton`, one `service`
 * dimension holding the domain's event source (e.g. `baton.orders`).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** The namespace of the orchestrator's metrics. */
export const BATON_METRICS_NAMESPACE = 'Baton';

/** The metric names the orchestrator emits (see `OrchestratorMetricName` in the runtime). */
export type BatonMetricName =
  | 'ExecutionsStarted'
  | 'ExecutionsSucceeded'
  | 'ExecutionsFailed'
  | 'ExecutionsTimedOut'
  | 'ExecutionsAborted'
  | 'ExecutionsCompensated'
  | 'ExecutionsCompensationFailed'
  | 'VersionConflicts'
  | 'DuplicateMessages'
  | 'RejectedMessages'
  | 'StepLatency'
  | 'DecisionTime';

/** One of the orchestrator's metrics for one domain. */
export function batonMetric(
  metricName: BatonMetricName,
  service: string,
  options: { readonly statistic?: string; readonly label?: string; readonly period?: Duration } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: BATON_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    ...(options.label ? { label: options.label } : {}),
  });
}
