/**
 * `baton --stack <name>`: the CLI's operations against a deployed stack instead of a local
 * instance, through the same AWS adapters the orchestrator uses. Reads go to the table
 * (DynamoDbExecutionStore, DynamoDbDefinitionStore); operations become inbox messages
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
import { randomUUID } from 'node:crypto';
import { DynamoDbDefinitionStore } from '../../lambdas/aws/dynamodb-definition-store.js';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { SqsInboxSender } from '../../lambdas/aws/sqs-inbox-sender.js';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { parseInboxMessage } from '../../lambdas/runtime/inbox-messages.js';
import { executionIdOf } from '../../lambdas/runtime/orchestrator.js';
import type {
  DefinitionStore,
  ExecutionStore,
  ExecutionSummary,
  InboxSender,
  StoredExecution,
} from '../../lambdas/runtime/ports.js';
import type { ControlOperations } from '../api/client.js';
import {
  assertRedrivable,
  describeStored,
  isWaitingFor,
  noSuchExecution,
  noSuchTask,
  rerunMessage,
  stopMessage,
  taskNotWaiting,
  taskTokenClaims,
} from '../api/control-rules.js';
import {
  ConflictError,
  NotFoundError,
  type DomainInfo,
  type ExecutionDescription,
  type ListFilter,
  type PutEventEntry,
} from '../control.js';

/** The output key suffixes that name a domain's resources. */
export const StackOutputSuffix = {
  inboxQueueUrl: 'InboxQueueUrl',
  tableName: 'TableName',
  eventBusName: 'EventBusName',
} as const;

/** Page size of a listing that sets no limit. */
const DEFAULT_LIST_LIMIT = 50;

/** One domain's resources in a deployed stack. */
export interface StackDomain {
  /** From the output prefix: `BatonOrders` gives `orders`. */
  readonly name: string;
  readonly inboxQueueUrl: string;
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
    const at = key.indexOf(StackOutputSuffix.inboxQueueUrl);
    if (at < 0) continue;
    const prefix = key.slice(0, at);
    const tableName = values.get(`${prefix}${StackOutputSuffix.tableName}`);
    const eventBusName = values.get(`${prefix}${StackOutputSuffix.eventBusName}`);
    if (tableName === undefined || eventBusName === undefined) {
      throw new StackOutputsError(
        `Stack ${stackName} has the output ${key} but not ${prefix}${StackOutputSuffix.tableName} and ${prefix}${StackOutputSuffix.eventBusName}`,
      );
    }
    const bare = prefix.replace(/^Baton/, '') || 'default';
    domains.push({
      name: bare.charAt(0).toLowerCase() + bare.slice(1),
      inboxQueueUrl,
      tableName,
      eventBusName,
    });
  }
  if (domains.length === 0) {
    throw new StackOutputsError(
      `Stack ${stackName} has no output whose key contains ${StackOutputSuffix.inboxQueueUrl}: is it a stack with a Baton SagaOrchestrator?`,
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
  readonly inbox: InboxSender;
}

/** Options of {@link StackControl}. */
export interface StackControlOptions {
  readonly domains: readonly StackDomainPorts[];
  /** Puts events on EventBridge. */
  readonly eventBridge: EventBridgeClient;
  /** Names of executions started without one. @default crypto.randomUUID */
  readonly newId?: () => string;
}

/** The CLI's operations on a deployed stack. */
export class StackControl implements ControlOperations {
  private readonly ports: readonly StackDomainPorts[];
  private readonly eventBridge: EventBridgeClient;
  private readonly newId: () => string;

  constructor(options: StackControlOptions) {
    this.ports = options.domains;
    this.eventBridge = options.eventBridge;
    this.newId = options.newId ?? (() => randomUUID());
  }

  /** Workflows are not listed: the table keeps definitions by name, with no index of names. */
  async domains(): Promise<DomainInfo[]> {
    return this.ports.map(({ domain }) => ({
      name: domain.name,
      eventBus: domain.eventBusName,
      workflows: [],
      workers: [],
    }));
  }

  async publish(entries: readonly PutEventEntry[]): Promise<string[]> {
    const defaultBus = this.ports[0]?.domain.eventBusName;
    const response = await this.eventBridge.send(
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

  async start(request: { workflow: string; input: Json; name?: string; domain?: string }): Promise<string> {
    const candidates = this.ports.filter(
      (ports) => request.domain === undefined || ports.domain.name === request.domain,
    );
    if (candidates.length === 0) throw new NotFoundError(`No domain named ${request.domain}`);
    let target: StackDomainPorts | undefined;
    for (const ports of candidates) {
      if (await ports.definitions.latest(request.workflow)) {
        target = ports;
        break;
      }
    }
    if (!target) throw new NotFoundError(`No workflow named ${request.workflow}`);
    const name = request.name ?? this.newId();
    const executionId = executionIdOf(request.workflow, name);
    if (await this.find(executionId))
      throw new ConflictError(`An execution named ${executionId} already exists`);
    await send(target, { kind: 'StartExecution', workflow: request.workflow, name, input: request.input });
    return executionId;
  }

  async list(filter: ListFilter): Promise<(ExecutionSummary & { domain: string })[]> {
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
    const pages = await Promise.all(
      this.ports.map(async ({ domain, store }) =>
        (await store.list({ ...filter, limit })).items.map((item) => ({ ...item, domain: domain.name })),
      ),
    );
    return pages
      .flat()
      .sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0))
      .slice(0, limit);
  }

  async describe(executionId: string): Promise<ExecutionDescription> {
    const { ports, stored } = await this.require(executionId);
    return describeStored(ports.domain.name, ports.definitions, stored);
  }

  async history(executionId: string): Promise<HistoryEvent[]> {
    const { ports } = await this.require(executionId);
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ports.store.history(executionId, nextToken ? { nextToken } : {});
      events.push(...page.events);
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async redrive(executionId: string): Promise<void> {
    const { ports, stored } = await this.require(executionId);
    assertRedrivable(executionId, stored.execution.status);
    await send(ports, { kind: 'RedriveExecution', executionId });
  }

  async rerun(executionId: string, request: { fromState: string; input?: Json }): Promise<string> {
    const { ports, stored } = await this.require(executionId);
    const rerun = await rerunMessage(
      stored,
      await definitionOf(ports, stored),
      request,
      () => this.history(executionId),
      async (candidate) => (await this.find(candidate)) !== undefined,
    );
    await send(ports, rerun.message);
    return rerun.executionId;
  }

  async stop(executionId: string, request: { compensate?: boolean; cause?: string }): Promise<void> {
    const { ports, stored } = await this.require(executionId);
    await send(ports, stopMessage(executionId, stored.execution.status, request));
  }

  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    await send(await this.domainOfToken(taskToken), { kind: 'TaskSucceeded', taskToken, output });
  }

  async sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void> {
    await send(await this.domainOfToken(taskToken), {
      kind: 'TaskFailed',
      taskToken,
      error,
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    await send(await this.domainOfToken(taskToken), { kind: 'TaskHeartbeat', taskToken });
  }

  private async find(
    executionId: string,
  ): Promise<{ ports: StackDomainPorts; stored: StoredExecution } | undefined> {
    for (const ports of this.ports) {
      const stored = await ports.store.load(executionId);
      if (stored) return { ports, stored };
    }
    return undefined;
  }

  private async require(executionId: string): Promise<{ ports: StackDomainPorts; stored: StoredExecution }> {
    const found = await this.find(executionId);
    if (!found) throw noSuchExecution(executionId);
    return found;
  }

  /** The domain of the task's execution; the token's signature is checked by the orchestrator. */
  private async domainOfToken(taskToken: string): Promise<StackDomainPorts> {
    const claims = taskTokenClaims(taskToken);
    const found = claims === undefined ? undefined : await this.find(claims.executionId);
    if (!claims || !found) throw noSuchTask();
    if (!isWaitingFor(found.stored.execution, claims.engineToken)) throw taskNotWaiting();
    return found.ports;
  }
}

/** Validates the message as the inbox will (MalformedMessageError), then sends it. */
async function send(ports: StackDomainPorts, body: Json): Promise<void> {
  parseInboxMessage(body);
  await ports.inbox.send(body);
}

async function definitionOf(
  ports: StackDomainPorts,
  stored: StoredExecution,
): Promise<StateMachineDefinition> {
  const definition = await ports.definitions.get(stored.workflow);
  if (!definition) {
    throw new NotFoundError(`No definition ${stored.workflow.name}@${stored.workflow.version} in the table`);
  }
  return definition;
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
    domains: domains.map((domain) => ({
      domain,
      store: new DynamoDbExecutionStore({ client: dynamodb, tableName: domain.tableName }),
      definitions: new DynamoDbDefinitionStore({ client: dynamodb, tableName: domain.tableName }),
      inbox: new SqsInboxSender({ client: sqs, queueUrl: domain.inboxQueueUrl }),
    })),
  });
}
