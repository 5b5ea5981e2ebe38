/**
 * The CloudFormation outputs a SagaOrchestrator writes for its domain, and that the CLI's
 * `--stack` mode reads back: each output's logical id is the domain's prefix (`Baton<Domain>`,
 * e.g. `BatonOrders`) followed by one of the names below, e.g. `BatonOrdersInboxQueueUrl`.
 */

/** What every output prefix starts with. */
export const STACK_OUTPUT_PREFIX = 'Baton';

/** The output names that follow a domain's prefix. */
export const StackOutput = {
  /** The internal inbox (stops, redrives, timers, events): operators and the domain's own parts. */
  inboxQueueUrl: 'InboxQueueUrl',
  /** The public inbox: starts and task results, what `grantStartExecution` grants. */
  publicInboxQueueUrl: 'PublicInboxQueueUrl',
  /** The executions and definitions table. */
  tableName: 'TableName',
  /** The domain event bus. */
  eventBusName: 'EventBusName',
  /** The `source` of lifecycle events. */
  eventSource: 'EventSource',
  /** The CloudWatch dashboard. */
  dashboardName: 'DashboardName',
} as const;

/** One of {@link StackOutput}. */
export type StackOutputName = (typeof StackOutput)[keyof typeof StackOutput];

/** The output prefix of a domain: `orders` gives `BatonOrders`, `order-history` `BatonOrderHistory`. */
export function stackOutputPrefix(domain: string): string {
  const pascal = domain
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${STACK_OUTPUT_PREFIX}${pascal}`;
}
