/**
 * The orchestrator's EMF metrics (Powertools Metrics): namespace `Baton`, one `service`
 * dimension holding the domain's event source (e.g. `baton.orders`).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  BATON_METRICS_NAMESPACE,
  CountMetric,
  TimingMetric,
  type MetricName,
} from '../lambdas/contract/metric-names.js';

// The names are the contract's, shared with the runtime that emits them; re-exported for users
// of the constructs who build their own widgets and alarms.
export { BATON_METRICS_NAMESPACE, CountMetric, TimingMetric };

/** The metric names the orchestrator emits. */
export type BatonMetricName = MetricName;

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
