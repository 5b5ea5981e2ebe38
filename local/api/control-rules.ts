/**
 * What every {@link LocalControl} (the local runtime, the in-process control, the CLI's
 * deployed-stack control) shares: the checks made before an operation goes to an inbox, so that all
 * refuse the same requests with the same messages, and the reads they answer alike (descriptions,
 * histories, listings across domains).
 */
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import {
  isStateEntered,
  type Execution,
  type ExecutionStatus,
  type HistoryEvent,
  type StateEnteredEvent,
} from '../../lambdas/engine/execution.js';
import { isJsonObject, type Json } from '../../lambdas/engine/json.js';
import { parseExecutionArn } from '../../lambdas/contract/state-machine-arn.js';
import {
  parseTaskResource,
  taskResourceReferences,
  walkStates,
} from '../../lambdas/contract/task-resources.js';
import { MAX_EXECUTION_NAME_LENGTH } from '../../lambdas/runtime/inbox-messages.js';
import { executionIdOf, summaryOf } from '../../lambdas/runtime/orchestrator.js';
import type {
  DefinitionStore,
  ExecutionStore,
  ExecutionSummary,
  StoredExecution,
  WorkflowRef,
} from '../../lambdas/runtime/ports.js';
import {
  ConflictError,
  NotFoundError,
  type ChildExecution,
  type ExecutionDescription,
  type ListFilter,
} from '../control.js';
import { REDRIVABLE_STATUSES, isStoppable } from './execution-actions.js';

/** The message of a lookup that found no execution. */
export function noSuchExecution(executionId: string): NotFoundError {
  return new NotFoundError(`No execution named ${executionId}`);
}

/** Throws ConflictError unless an execution in `status` can be redriven. */
export function assertRedrivable(executionId: string, status: ExecutionStatus): void {
  if (!REDRIVABLE_STATUSES.has(status)) {
    throw new ConflictError(
      `Execution ${executionId} is ${status}: only a FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED execution can be redriven`,
    );
  }
}

/** Throws ConflictError unless an execution in `status` can be stopped (the engine stops RUNNING ones). */
export function assertStoppable(executionId: string, status: ExecutionStatus): void {
  if (!isStoppable(status)) {
    throw new ConflictError(
      `Execution ${executionId} is ${status}: only a RUNNING or COMPENSATING execution can be stopped`,
    );
  }
}

/** Throws ConflictError unless `fromState` is a top-level state of `definition` (a rerun starts there). */
export function assertRerunState(
  definition: StateMachineDefinition,
  workflow: WorkflowRef,
  fromState: string,
): void {
  if (!Object.hasOwn(definition.States, fromState)) {
    throw new ConflictError(
      `${workflow.name} has no top-level state named '${fromState}' (a rerun starts at one of: ${Object.keys(definition.States).join(', ')})`,
    );
  }
}

/**
 * The input a rerun from `stateName` gets when none is given: what the state last received at the
 * top level of the original execution, or the execution's input when it never ran.
 */
export function rerunInput(history: readonly HistoryEvent[], stateName: string, executionInput: Json): Json {
  const entered = history.findLast(
    (event): event is StateEnteredEvent =>
      isStateEntered(event) &&
      event.stateName === stateName &&
      event.threadId === 'root' &&
      event.input !== undefined,
  );
  if (entered?.input !== undefined) return entered.input;
  const started = history[0];
  if (started?.type === 'ExecutionStarted' && started.inputDetails?.truncated) {
    // A start over the payload limit keeps no input: rerunning it on null would run another thing.
    throw new ConflictError(
      'The execution input was over the payload limit and was not kept: give the rerun an input',
    );
  }
  return executionInput;
}

/** `<name>-rerun-<n>` with the first `n` that `taken` says is free, within Step Functions' 80 characters. */
export async function rerunName(
  name: string,
  taken: (candidate: string) => Promise<boolean>,
): Promise<string> {
  const base = name.replace(/-rerun-\d+$/, '');
  for (let n = 1; ; n++) {
    const suffix = `-rerun-${n}`;
    const candidate = `${base.slice(0, MAX_EXECUTION_NAME_LENGTH - suffix.length)}${suffix}`;
    if (!(await taken(candidate))) return candidate;
  }
}

/**
 * The claims of a task token, read without verifying it (the orchestrator verifies it): the
 * execution tells which domain's inbox the result goes to, the engine token which task it is for.
 * Undefined for a malformed token. Format: `v1.<base64url(JSON { e, t })>.<signature>`.
 */
export function taskTokenClaims(taskToken: string): { executionId: string; engineToken: string } | undefined {
  const payload = taskToken.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      e?: unknown;
      t?: unknown;
    };
    return typeof claims.e === 'string' && typeof claims.t === 'string'
      ? { executionId: claims.e, engineToken: claims.t }
      : undefined;
  } catch {
    return undefined;
  }
}

/** True when a task of `execution` (a state's or a compensation's) waits on the engine token. */
export function isWaitingFor(execution: Execution, engineToken: string): boolean {
  if (execution.saga.active?.token === engineToken) return true;
  return Object.values(execution.threads).some(
    (thread) => thread.active.waiting.type === 'Task' && thread.active.waiting.token === engineToken,
  );
}

/** The error of a task token that names no known execution. */
export function noSuchTask(): NotFoundError {
  return new NotFoundError('No task is waiting for this task token');
}

/** The error of a task token whose task is over (its state moved on, or the execution ended). */
export function taskNotWaiting(): ConflictError {
  return new ConflictError(
    'The task of this token is no longer waiting: its state moved on or the execution ended',
  );
}

/** The definition a stored execution is pinned to; NotFoundError when it is missing. */
export async function pinnedDefinition(
  definitions: DefinitionStore,
  stored: StoredExecution,
): Promise<StateMachineDefinition> {
  const definition = await definitions.get(stored.workflow);
  if (!definition) {
    throw new NotFoundError(`No definition ${stored.workflow.name}@${stored.workflow.version} is deployed`);
  }
  return definition;
}

/** The full description of a stored execution, as every LocalControl gives it. */
export async function describeStored(
  domain: string,
  definitions: DefinitionStore,
  stored: StoredExecution,
  store?: ExecutionStore,
): Promise<ExecutionDescription> {
  const { execution } = stored;
  const definition = await pinnedDefinition(definitions, stored);
  const parent = execution.parent;
  // The history is read only for a definition that starts child executions or Map Runs.
  const history =
    store && (startsChildren(definition) || hasDistributedMap(definition))
      ? await fullHistory(store, execution.executionId)
      : [];
  const children = childrenIn(history);
  const mapRuns = history.flatMap((event) =>
    event.type === 'MapRunStarted' && event.mapRunArn !== undefined ? [event.mapRunArn] : [],
  );
  return {
    ...summaryOf(stored),
    domain,
    input: execution.input,
    ...(execution.output !== undefined ? { output: execution.output } : {}),
    ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
    redriveCount: execution.redriveCount,
    ...(stored.traceId !== undefined ? { traceId: stored.traceId } : {}),
    definition,
    ...(parent !== undefined
      ? {
          parent: {
            executionId: parent.executionId,
            ...(parent.domain !== undefined ? { domain: parent.domain } : {}),
            integration: parent.integration,
            ...(parent.mapRun !== undefined
              ? {
                  mapRun: {
                    // The child's state machine `...:stateMachine:<workflow>/<label>` names the run.
                    mapRunArn: `${parent.stateMachineArn.replace(':stateMachine:', ':mapRun:')}:${parent.mapRun.mapRunId}`,
                    child: parent.mapRun.child,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(children.length > 0 ? { children } : {}),
    ...(mapRuns.length > 0 ? { mapRuns } : {}),
    ...(execution.saga.failed !== undefined ? { compensationFailure: execution.saga.failed } : {}),
    ...(execution.variables?.['root'] !== undefined ? { variables: execution.variables['root'] } : {}),
  };
}

/** Whether a definition has a `states:startExecution` task (or compensation). */
function startsChildren(definition: unknown): boolean {
  return taskResourceReferences(definition).some(
    ({ resource }) => typeof resource === 'string' && parseTaskResource(resource).type === 'states',
  );
}

/** Whether a definition has a Distributed Map (`ItemProcessor.ProcessorConfig.Mode: DISTRIBUTED`). */
function hasDistributedMap(definition: unknown): boolean {
  let found = false;
  walkStates(definition, (state) => {
    const processor = state.ItemProcessor;
    const config = isJsonObject(processor) ? processor.ProcessorConfig : undefined;
    if (isJsonObject(config) && config.Mode === 'DISTRIBUTED') found = true;
  });
  return found;
}

/**
 * The child executions a history shows: a `states:startExecution` task's TaskSubmitted (`.sync`,
 * `.sync:2`, `.waitForTaskToken`) or TaskSucceeded (request-response) carries the child's ARN.
 */
export function childrenIn(history: readonly HistoryEvent[]): ChildExecution[] {
  const children: ChildExecution[] = [];
  const seen = new Set<string>();
  for (const event of history) {
    if (event.type !== 'TaskSubmitted' && event.type !== 'TaskSucceeded') continue;
    const resource = parseTaskResource(event.resource);
    if (resource.type !== 'states') continue;
    if (event.type === 'TaskSucceeded' && resource.integration !== 'requestResponse') continue;
    const arn = isJsonObject(event.output) ? event.output.ExecutionArn : undefined;
    const child = typeof arn === 'string' ? parseExecutionArn(arn) : undefined;
    if (!child || seen.has(arn as string)) continue;
    seen.add(arn as string);
    children.push({
      executionId: executionIdOf(child.workflow, child.name),
      executionArn: arn as string,
      stateName: event.stateName,
    });
  }
  return children;
}

/** Every history event of an execution, page after page. */
export async function fullHistory(store: ExecutionStore, executionId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.history(executionId, nextToken ? { nextToken } : {});
    events.push(...page.events);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The newest `limit` executions across several domains' stores. */
export async function listAcross(
  domains: readonly { readonly name: string; readonly store: ExecutionStore }[],
  filter: ListFilter,
  defaultLimit: number,
): Promise<(ExecutionSummary & { domain: string })[]> {
  const limit = filter.limit ?? defaultLimit;
  const pages = await Promise.all(
    domains.map(async ({ name, store }) =>
      (await store.list({ ...filter, limit })).items.map((item) => ({ ...item, domain: name })),
    ),
  );
  return pages
    .flat()
    .sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0))
    .slice(0, limit);
}

/**
 * The start message of a rerun of `stored` from `request.fromState`: checks the state, takes the
 * input the state last had (unless given), and picks the first free `<name>-rerun-<n>`.
 * `taken` says whether an execution id exists already.
 */
export async function rerunMessage(
  stored: StoredExecution,
  definition: StateMachineDefinition,
  request: { readonly fromState: string; readonly input?: Json },
  history: () => Promise<readonly HistoryEvent[]>,
  taken: (executionId: string) => Promise<boolean>,
): Promise<{ executionId: string; message: Json }> {
  assertRerunState(definition, stored.workflow, request.fromState);
  const input = request.input ?? rerunInput(await history(), request.fromState, stored.execution.input);
  const name = await rerunName(stored.execution.name, (candidate) =>
    taken(executionIdOf(stored.workflow.name, candidate)),
  );
  return {
    executionId: executionIdOf(stored.workflow.name, name),
    message: {
      kind: 'StartExecution',
      workflow: stored.workflow.name,
      name,
      input,
      startAt: request.fromState,
      version: stored.workflow.version,
      ...(stored.businessKey !== undefined ? { businessKey: stored.businessKey } : {}),
    },
  };
}

/** The stop message of a running execution (checked). */
export function stopMessage(
  executionId: string,
  execution: Pick<Execution, 'status' | 'redriveCount'>,
  request: { readonly compensate?: boolean; readonly cause?: string },
): Json {
  assertStoppable(executionId, execution.status);
  return {
    kind: 'StopExecution',
    executionId,
    // Bound to the run it stops: delivered late, after a redrive, it does not stop the new run.
    redriveCount: execution.redriveCount,
    ...(request.cause !== undefined ? { cause: request.cause } : {}),
    ...(request.compensate !== undefined ? { compensate: request.compensate } : {}),
  };
}
