/**
 * THE control plane: describe, list, history, start, stop, redrive, rerun, send-task-* and the
 * registration of workflow definitions over the ports of one or more domains (an execution store, a definition store and an inbox per domain).
 * Reads go to the stores; every operation is checked here, then becomes an inbox message that the
 * domain's orchestrator applies. The local runtime (`npm start`) and the CLI's `--stack` mode are
 * wirings of this class, so each request gets the same answer from both.
 */
import { randomUUID } from 'node:crypto';
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { listWorkerNames } from '../../lambdas/contract/task-resources.js';
import { assertValidDefinition } from '../../lambdas/engine/validate.js';
import { PUBLIC_MESSAGE_KINDS, parseInboxMessage } from '../../lambdas/runtime/inbox-messages.js';
import { executionIdOf } from '../../lambdas/runtime/orchestrator.js';
import type {
  DefinitionStore,
  ExecutionStore,
  ExecutionSummary,
  InboxSender,
  StoredExecution,
} from '../../lambdas/runtime/ports.js';
import {
  assertRedrivable,
  describeStored,
  fullHistory,
  isWaitingFor,
  listAcross,
  noSuchExecution,
  noSuchTask,
  pinnedDefinition,
  rerunMessage,
  stopMessage,
  taskNotWaiting,
  taskTokenClaims,
} from '../api/control-rules.js';
import type { MapRunStore } from '../../lambdas/runtime/distributed-map/map-run-ports.js';
import { describeMapRunRecord, mapRunIdOf, mapRunListEntry, mapRunsStarted } from './map-run-description.js';
import {
  ConflictError,
  NotFoundError,
  type DomainInfo,
  type ExecutionDescription,
  type MapRunDescription,
  type MapRunListEntry,
  type ListFilter,
  type LocalControl,
  type PutEventEntry,
  type WorkflowRegistration,
} from '../control.js';

/** How many executions `list` returns when the filter names no limit. */
export const DEFAULT_LIST_LIMIT = 50;

/** What the control plane needs of one domain. */
export interface DomainPorts {
  /** The domain's name, as `describe` and `list` report it. */
  readonly name: string;
  readonly store: ExecutionStore;
  readonly definitions: DefinitionStore;
  /** Where stops and redrives go: the internal inbox. */
  readonly inbox: InboxSender;
  /** Where starts and task results go: the public inbox. @default `inbox` */
  readonly publicInbox?: InboxSender;
  /**
   * The domain's Map Runs (the store its orchestrator's Distributed Maps write).
   * @default none: its Map Runs are listed from the history alone, without status or counts
   */
  readonly mapRuns?: MapRunStore;
}

/** Options of {@link DomainControl}. */
export interface DomainControlOptions {
  readonly domains: readonly DomainPorts[];
  /** Puts events on a bus; returns their ids (or throws naming the refused entries). */
  readonly publish: (entries: readonly PutEventEntry[]) => Promise<string[]>;
  /** What `domains()` answers. */
  readonly describeDomains: () => Promise<DomainInfo[]>;
  /** Names of executions started without one. @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * The domains' task token signer, where the wiring holds the key: a token whose signature does
   * not verify is then refused (NotFoundError) instead of being sent for the inbox to reject.
   * @default none: the orchestrator alone checks signatures (a deployed stack's key stays in AWS)
   */
  readonly tokens?: { verify(taskToken: string): unknown };
  /**
   * Tells `listener` of every change of an execution's status, where the wiring can see them (a
   * local runtime's commits); returns the unsubscribe.
   * @default none: no live changes (a deployed stack's are in its logs and lifecycle events)
   */
  readonly subscribe?: LocalControl['subscribe'];
  /**
   * Whether `registerWorkflow` stores definitions: a local instance's own. A deployed stack's
   * definitions are published by its deploy, each one a reviewed change, not by an operator's call.
   * @default true
   */
  readonly registersDefinitions?: boolean;
}

/** The control operations over the domains' ports. Operations are at-least-once inbox messages. */
export class DomainControl implements LocalControl {
  private readonly ports: readonly DomainPorts[];
  private readonly newId: () => string;

  constructor(private readonly options: DomainControlOptions) {
    this.ports = options.domains;
    this.newId = options.newId ?? (() => randomUUID());
  }

  domains(): Promise<DomainInfo[]> {
    return this.options.describeDomains();
  }

  subscribe(listener: Parameters<LocalControl['subscribe']>[0]): () => void {
    return this.options.subscribe?.(listener) ?? (() => undefined);
  }

  publish(entries: readonly PutEventEntry[]): Promise<string[]> {
    return this.options.publish(entries);
  }

  async registerWorkflow(request: {
    workflow: string;
    definition: Json;
    domain?: string;
  }): Promise<WorkflowRegistration> {
    if (this.options.registersDefinitions === false) {
      throw new ConflictError(
        `Workflow definitions of a deployed stack are published by its deploy: change the definition in the CDK app and run cdk deploy`,
      );
    }
    const definition = assertValidDefinition(request.definition);
    const target = await this.registrationDomain(request.workflow, request.domain);
    const known = (await this.domains()).find((domain) => domain.name === target.name)?.workers ?? [];
    const unknown = listWorkerNames(definition).filter((worker) => !known.includes(worker));
    // A domain that lists no workers (a wiring that cannot know them) is not checked.
    if (known.length > 0 && unknown.length > 0) {
      throw new ConflictError(
        `The domain ${target.name} has no worker ${unknown.join(', ')} (its workers: ${known.join(', ')}): a definition can use the workers the domain deploys`,
      );
    }
    const previous = await target.definitions.latest(request.workflow);
    const { version } = await target.definitions.put(request.workflow, definition);
    return {
      workflow: request.workflow,
      domain: target.name,
      version,
      ...(previous !== undefined ? { previousVersion: previous.version } : {}),
    };
  }

  /** The domain named, else the one that has the workflow, else the only one. */
  private async registrationDomain(workflow: string, domain: string | undefined): Promise<DomainPorts> {
    if (domain !== undefined) {
      const named = this.ports.find((ports) => ports.name === domain);
      if (!named) throw new NotFoundError(`No domain named ${domain}`);
      return named;
    }
    for (const ports of this.ports) {
      if (await ports.definitions.latest(workflow)) return ports;
    }
    const [only, ...others] = this.ports;
    if (only === undefined) throw new NotFoundError('No domain runs here');
    if (others.length > 0) {
      throw new ConflictError(
        `No domain has a workflow named ${workflow} yet: name the one to register it in (domains: ${this.ports.map((ports) => ports.name).join(', ')})`,
      );
    }
    return only;
  }

  /** Refuses (ConflictError) a name an execution already has, as StartExecution does. */
  async start(request: { workflow: string; input: Json; name?: string; domain?: string }): Promise<string> {
    const candidates = this.ports.filter(
      (ports) => request.domain === undefined || ports.name === request.domain,
    );
    if (candidates.length === 0) throw new NotFoundError(`No domain named ${request.domain}`);
    let target: DomainPorts | undefined;
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

  list(filter: ListFilter): Promise<(ExecutionSummary & { domain: string })[]> {
    return listAcross(this.ports, filter, DEFAULT_LIST_LIMIT);
  }

  async describe(executionId: string): Promise<ExecutionDescription> {
    const { ports, stored } = await this.require(executionId);
    return describeStored(ports.name, ports.definitions, stored, ports.store);
  }

  async history(executionId: string): Promise<HistoryEvent[]> {
    const { ports } = await this.require(executionId);
    return fullHistory(ports.store, executionId);
  }

  async listMapRuns(executionId: string): Promise<MapRunListEntry[]> {
    const { ports } = await this.require(executionId);
    const history = await fullHistory(ports.store, executionId);
    return Promise.all(
      mapRunsStarted(history).map((started) => mapRunListEntry(started, executionId, ports.mapRuns)),
    );
  }

  async describeMapRun(mapRunArn: string): Promise<MapRunDescription> {
    const mapRunId = mapRunIdOf(mapRunArn);
    if (mapRunId === undefined) {
      throw new NotFoundError(
        `No Map Run ${mapRunArn}: a Map Run ARN reads arn:<partition>:states:<region>:<account>:mapRun:<workflow>/<label>:<id>`,
      );
    }
    for (const ports of this.ports) {
      const record = await ports.mapRuns?.load(mapRunId);
      if (record && record.mapRunArn === mapRunArn && ports.mapRuns) {
        return describeMapRunRecord(record, ports.mapRuns);
      }
    }
    throw new NotFoundError(`No Map Run ${mapRunArn}`);
  }

  async redrive(executionId: string): Promise<void> {
    const { ports, stored } = await this.require(executionId);
    assertRedrivable(executionId, stored.execution.status);
    // Bound to the run it redrives: delivered again after that run failed too, it changes nothing.
    await send(ports, { kind: 'RedriveExecution', executionId, redriveCount: stored.execution.redriveCount });
  }

  async rerun(executionId: string, request: { fromState: string; input?: Json }): Promise<string> {
    const { ports, stored } = await this.require(executionId);
    const rerun = await rerunMessage(
      stored,
      await pinnedDefinition(ports.definitions, stored),
      request,
      () => fullHistory(ports.store, executionId),
      async (candidate) => (await this.find(candidate)) !== undefined,
    );
    await send(ports, rerun.message);
    return rerun.executionId;
  }

  async stop(executionId: string, request: { compensate?: boolean; cause?: string }): Promise<void> {
    const { ports, stored } = await this.require(executionId);
    await send(ports, stopMessage(executionId, stored.execution, request));
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
  ): Promise<{ ports: DomainPorts; stored: StoredExecution } | undefined> {
    for (const ports of this.ports) {
      const stored = await ports.store.load(executionId);
      if (stored) return { ports, stored };
    }
    return undefined;
  }

  private async require(executionId: string): Promise<{ ports: DomainPorts; stored: StoredExecution }> {
    const found = await this.find(executionId);
    if (!found) throw noSuchExecution(executionId);
    return found;
  }

  /**
   * The domain of the task's execution, refusing a token whose task no longer waits. The token's
   * signature is checked by the orchestrator, which holds the key.
   */
  private async domainOfToken(taskToken: string): Promise<DomainPorts> {
    const claims = taskTokenClaims(taskToken);
    if (claims) this.assertVerifies(taskToken);
    const found = claims === undefined ? undefined : await this.find(claims.executionId);
    if (!claims || !found) throw noSuchTask();
    if (!isWaitingFor(found.stored.execution, claims.engineToken)) throw taskNotWaiting();
    return found.ports;
  }

  private assertVerifies(taskToken: string): void {
    if (!this.options.tokens) return;
    try {
      this.options.tokens.verify(taskToken);
    } catch (error) {
      throw new NotFoundError('No task is waiting for this task token (it does not verify)', {
        cause: error,
      });
    }
  }
}

/** Validates the message as the inbox will (MalformedMessageError), then sends it. */
async function send(ports: DomainPorts, body: Json): Promise<void> {
  const message = parseInboxMessage(body);
  const inbox = PUBLIC_MESSAGE_KINDS.has(message.kind) ? (ports.publicInbox ?? ports.inbox) : ports.inbox;
  await inbox.send(body);
}
