/**
 * `baton --stack <name>`: the CLI's operations against a deployed stack instead of a local
 * instance, through the same AWS adapters the orchestrator uses. Reads go to the table
 * (DynamoDbExecutionStore, DynamoDbDefinitionStore, DynamoDbMapRunStore); operations become inbox messages
 * (SqsInboxSender); `publish` is EventBridge PutEvents.
 *
 * The stack's resources come from its CloudFormation outputs, as the SagaOrchestrator construct
 * names them: `<Prefix>InboxQueueUrl`, `<Prefix>TableName` and `<Prefix>EventBusName` for each
 * domain (the construct's prefix is `Baton<Domain>`, e.g. `BatonOrdersInboxQueueUrl`). A stack may
 * hold several domains.
 *
 * Operations are asynchronous on AWS: a start, stop or redrive is sent to the inbox and applied
 * when the orchestrator takes it (usually within a second); task tokens are verified there too.
 */
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbDefinitionStore } from '../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../lambdas/aws/dynamodb-execution-store.js';
import { DynamoDbMapRunStore } from '../lambdas/aws/dynamodb-map-run-store.js';
import type { MapRunStore } from '../lambdas/runtime/distributed-map/map-run-ports.js';
import { SqsInboxSender } from '../lambdas/aws/sqs-inbox-sender.js';
import { STACK_OUTPUT_PREFIX, StackOutput } from '../lambdas/contract/stack-outputs.js';
import type { DefinitionStore, ExecutionStore, InboxSender } from '../lambdas/runtime/ports.js';
import { NotFoundError, type DomainInfo, type LocalControl, type PutEventEntry } from '../local/control.js';
import { DomainControl } from '../local/control/domain-control.js';

/** Page size of a listing that sets no limit. */

/** One domain's resources in a deployed stack. */
export interface StackDomain {
  /** From the output prefix: `BatonOrders` gives `orders`. */
  readonly name: string;
  readonly inboxQueueUrl: string;
  /** Where starts and task results go (stacks deployed before it existed have none). */
  readonly publicInboxQueueUrl?: string;
  readonly tableName: string;
  readonly eventBusName: string;
}

/** EventBridge refused some entries of a PutEvents call. */
export class EventsRefusedError extends Error {
  override readonly name = 'EventsRefusedError';
}

/** The stack has no outputs naming a Baton domain's resources. */
export class StackOutputsError extends Error {
  override readonly name = 'StackOutputsError';
}

/**
 * The domains a stack's outputs describe: every output key containing `InboxQueueUrl` starts one,
 * and the outputs with the same prefix and `TableName` and `EventBusName` complete it.
 */
export function domainsFromOutputs(stackName: string, outputs: readonly Output[]): StackDomain[] {
  const values = new Map<string, string>();
  for (const output of outputs) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
      values.set(output.OutputKey, output.OutputValue);
    }
  }
  const domains: StackDomain[] = [];
  for (const [key, inboxQueueUrl] of values) {
    const at = key.indexOf(StackOutput.inboxQueueUrl);
    if (at < 0 || key.includes(StackOutput.publicInboxQueueUrl)) continue;
    const prefix = key.slice(0, at);
    const tableName = values.get(`${prefix}${StackOutput.tableName}`);
    const eventBusName = values.get(`${prefix}${StackOutput.eventBusName}`);
    if (tableName === undefined || eventBusName === undefined) {
      throw new StackOutputsError(
        `Stack ${stackName} has the output ${key} but not ${prefix}${StackOutput.tableName} and ${prefix}${StackOutput.eventBusName}`,
      );
    }
    const bare =
      (prefix.startsWith(STACK_OUTPUT_PREFIX) ? prefix.slice(STACK_OUTPUT_PREFIX.length) : prefix) ||
      'default';
    const publicInboxQueueUrl = values.get(`${prefix}${StackOutput.publicInboxQueueUrl}`);
    domains.push({
      name: bare.charAt(0).toLowerCase() + bare.slice(1),
      inboxQueueUrl,
      ...(publicInboxQueueUrl !== undefined ? { publicInboxQueueUrl } : {}),
      tableName,
      eventBusName,
    });
  }
  if (domains.length === 0) {
    throw new StackOutputsError(
      `Stack ${stackName} has no output whose key contains ${StackOutput.inboxQueueUrl}: is it a stack with a Baton SagaOrchestrator?`,
    );
  }
  return domains;
}

/** Reads a stack's Baton domains from CloudFormation. NotFoundError when there is no such stack. */
export async function readStackDomains(
  client: CloudFormationClient,
  stackName: string,
): Promise<StackDomain[]> {
  let outputs: Output[];
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = response.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    // CloudFormation answers an unknown stack with a ValidationError "Stack with id X does not exist".
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      throw new NotFoundError(`No stack named ${stackName}`, { cause: error });
    }
    throw error;
  }
  return domainsFromOutputs(stackName, outputs);
}

/** What {@link StackControl} works on, per domain: the same ports the orchestrator uses. */
export interface StackDomainPorts {
  readonly domain: StackDomain;
  readonly store: ExecutionStore;
  readonly definitions: DefinitionStore;
  /** The internal inbox (stops, redrives). */
  readonly inbox: InboxSender;
  /** The public inbox (starts, task results). @default `inbox` */
  readonly publicInbox?: InboxSender;
  /** The domain's Map Runs, in its table. @default none: Map Runs are listed without their counts */
  readonly mapRuns?: MapRunStore;
}

/** Options of {@link StackControl}. */
export interface StackControlOptions {
  readonly domains: readonly StackDomainPorts[];
  /** Puts events on EventBridge. */
  readonly eventBridge: EventBridgeClient;
  /** Names of executions started without one. @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * What `domains()` answers, where the wiring knows more than the outputs (`baton dev` reads the
   * workflows and workers from the deployed stacks). @default the domains, with no workflows or workers listed
   */
  readonly describeDomains?: () => Promise<DomainInfo[]>;
  /** Status changes, where the wiring sees them (`baton dev`: the lifecycle events). @default none */
  readonly subscribe?: LocalControl['subscribe'];
  /**
   * Whether definitions may be registered directly in the tables: for stacks deployed locally
   * by `baton dev`; a deployed stack's come with its deploy. @default false
   */
  readonly registersDefinitions?: boolean;
}

/**
 * The CLI's operations on a deployed stack: the control plane wired to the stack's table and
 * inbox queues, and to EventBridge for `publish`.
 */
export class StackControl extends DomainControl {
  constructor(options: StackControlOptions) {
    super({
      domains: options.domains.map((ports) => ({ ...ports, name: ports.domain.name })),
      publish: (entries) =>
        publishOnEventBridge(options.eventBridge, entries, options.domains[0]?.domain.eventBusName),
      // Workflows are not listed: the table keeps definitions by name, with no index of names.
      describeDomains:
        options.describeDomains ??
        (() =>
          Promise.resolve(
            options.domains.map(({ domain }) => ({
              name: domain.name,
              eventBus: domain.eventBusName,
              workflows: [],
              workers: [],
            })),
          )),
      ...(options.newId ? { newId: options.newId } : {}),
      ...(options.subscribe ? { subscribe: options.subscribe } : {}),
      registersDefinitions: options.registersDefinitions ?? false,
    });
  }
}

/** Puts the events on EventBridge (on `defaultBus` unless an entry names one); returns their ids. */
async function publishOnEventBridge(
  eventBridge: EventBridgeClient,
  entries: readonly PutEventEntry[],
  defaultBus: string | undefined,
): Promise<string[]> {
  const response = await eventBridge.send(
    new PutEventsCommand({
      Entries: entries.map((entry) => ({
        Source: entry.source,
        DetailType: entry.detailType,
        Detail: JSON.stringify(entry.detail),
        EventBusName: entry.eventBusName ?? defaultBus,
      })),
    }),
  );
  const failed = (response.Entries ?? []).filter((entry) => entry.ErrorCode !== undefined);
  if ((response.FailedEntryCount ?? 0) > 0 || failed.length > 0) {
    const reasons = failed.map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`).join('; ');
    throw new EventsRefusedError(
      `EventBridge refused ${failed.length} of ${entries.length} events: ${reasons}`,
    );
  }
  return (response.Entries ?? []).map((entry) => entry.EventId ?? '');
}

/** Options of {@link connectToStack}. */
export interface ConnectOptions {
  /** @default the AWS SDK's: AWS_REGION, then the profile's region */
  readonly region?: string;
}

/** A StackControl for the stack's domains, with the user's default AWS credentials. */
export async function connectToStack(stackName: string, options: ConnectOptions = {}): Promise<StackControl> {
  const config = options.region !== undefined ? { region: options.region } : {};
  const domains = await readStackDomains(new CloudFormationClient(config), stackName);
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  return new StackControl({
    eventBridge: new EventBridgeClient(config),
    domains: domains.map((domain) => stackDomainPorts(domain, dynamodb, sqs)),
  });
}

/** The stores and inboxes of a deployed domain, on the given clients. */
export function stackDomainPorts(
  domain: StackDomain,
  dynamodb: DynamoDBClient,
  sqs: SQSClient,
): StackDomainPorts {
  return {
    domain,
    store: new DynamoDbExecutionStore({ client: dynamodb, tableName: domain.tableName }),
    definitions: new DynamoDbDefinitionStore({ client: dynamodb, tableName: domain.tableName }),
    mapRuns: new DynamoDbMapRunStore({ client: dynamodb, tableName: domain.tableName }),
    inbox: new SqsInboxSender({ client: sqs, queueUrl: domain.inboxQueueUrl }),
    ...(domain.publicInboxQueueUrl
      ? { publicInbox: new SqsInboxSender({ client: sqs, queueUrl: domain.publicInboxQueueUrl }) }
      : {}),
  };
}
