/**
 * The orchestrator's CloudWatch metrics (EMF, through Powertools Metrics): the namespace and the
 * metric names the runtime emits and the CDK construct's dashboard and alarms read. Stable:
 * renaming one breaks deployed dashboards and alarms.
 */

/** The namespace of Baton's metrics. */
export const BATON_METRICS_NAMESPACE = 'Baton';

/** Counters: executions by outcome, and the messages the loop turned away. */
export const CountMetric = {
  executionsStarted: 'ExecutionsStarted',
  executionsSucceeded: 'ExecutionsSucceeded',
  executionsFailed: 'ExecutionsFailed',
  executionsTimedOut: 'ExecutionsTimedOut',
  executionsAborted: 'ExecutionsAborted',
  executionsCompensated: 'ExecutionsCompensated',
  executionsCompensationFailed: 'ExecutionsCompensationFailed',
  versionConflicts: 'VersionConflicts',
  duplicateMessages: 'DuplicateMessages',
  rejectedMessages: 'RejectedMessages',
  /** A transition the store could not hold, replaced by a smaller one (States.DataLimitExceeded). */
  transitionsTooLarge: 'TransitionsTooLarge',
} as const;

/** Timings, in milliseconds. */
export const TimingMetric = {
  /** From a message's arrival in the inbox (its SentTimestamp) to its handling done. */
  stepLatency: 'StepLatency',
  /** The reducer's time for one transition. */
  decisionTime: 'DecisionTime',
} as const;

/** One of {@link CountMetric}. */
export type CountMetricName = (typeof CountMetric)[keyof typeof CountMetric];

/** One of {@link TimingMetric}. */
export type TimingMetricName = (typeof TimingMetric)[keyof typeof TimingMetric];

/** Any metric the orchestrator emits. */
export type MetricName = CountMetricName | TimingMetricName;
