/**
 * What the local runtime offers its HTTP API (and through it the `baton` CLI and the console).
 * One implementation runs the example domains on embedded services (`local/runtime.ts`); tests
 * implement it on in-process domains.
 */
import type { StateMachineDefinition } from '../lambdas/engine/definition.js';
import type { ExecutionStatus, HistoryEvent } from '../lambdas/engine/execution.js';
import type { Json } from '../lambdas/engine/json.js';
import type { ExecutionSummary } from '../lambdas/runtime/ports.js';

/** A domain running locally. */
export interface DomainInfo {
  readonly name: string;
  /** The bus its rules listen on. */
  readonly eventBus: string;
  readonly workflows: readonly { readonly name: string; readonly version: string }[];
  readonly workers: readonly string[];
}

/** An entry to put on an event bus, as in EventBridge's PutEvents. */
export interface PutEventEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Json;
  /** @default the shared local bus */
  readonly eventBusName?: string;
}

/** The full picture of one execution. */
export interface ExecutionDescription extends ExecutionSummary {
  readonly domain: string;
  readonly input: Json;
  readonly output?: Json;
  readonly cause?: string;
  readonly redriveCount: number;
  /** The definition it runs (pinned version), for drawing its graph. */
  readonly definition: StateMachineDefinition;
  /**
   * The X-Ray trace of the invocation that started it (on AWS with tracing on), the one to open
   * first: the traces of its later steps are linked to it. @default none
   */
  readonly traceId?: string;
  /**
   * The workflow variables of the execution's top level (`Assign`) as they stand now: what a
   * state after the last one that ran would read. A Parallel branch's or Map iteration's own
   * variables are not here (they live only as long as it runs). @default none assigned
   */
  readonly variables?: Readonly<Record<string, Json>>;
  /** The execution that started this one (`states:startExecution`). @default none */
  readonly parent?: ParentExecution;
  /** The child executions its `states:startExecution` tasks started, in order. @default none */
  readonly children?: readonly ChildExecution[];
  /**
   * The ARNs of the Map Runs its Distributed Map states started, in order (a Map state entered
   * again starts a new one). `listMapRuns` and `describeMapRun` tell more. @default none
   */
  readonly mapRuns?: readonly string[];
  /** Compensation under way or failed. */
  readonly compensationFailure?: {
    readonly stateName: string;
    readonly error: string;
    readonly cause: string;
  };
}

/** The parent of a child execution. */
export interface ParentExecution {
  readonly executionId: string;
  /** Its domain, when it is not the child's. @default the child's domain */
  readonly domain?: string;
  /** How it waits for the child: `requestResponse`, `sync`, `sync:2` or `waitForTaskToken`. */
  readonly integration: string;
  /**
   * The Map Run that started the child (a STANDARD child of a Distributed Map), and the child's
   * number in it. @default none: a `states:startExecution` task started it
   */
  readonly mapRun?: { readonly mapRunArn: string; readonly child: number };
}

/** A child execution a task started. */
export interface ChildExecution {
  readonly executionId: string;
  readonly executionArn: string;
  /** The Task state that started it. */
  readonly stateName: string;
}

/** A Map Run's status, as DescribeMapRun names it. */
export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/**
 * A Map Run's items or child executions by status, with DescribeMapRun's field names
 * (`itemCounts`, `executionCounts`). `pending`: not started yet, where the total is known (items
 * from the state input; every source once its reader is done), else 0; `running`: started, not
 * ended; `total`: started plus pending; `resultsWritten`: ended, their results kept for the
 * state's output or ResultWriter.
 */
export interface MapRunCountsByStatus {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
  readonly resultsWritten: number;
}

/**
 * One Map Run of an execution: ListMapRuns' fields (`executionArn`, `mapRunArn`,
 * `stateMachineArn`, `startDate`, `stopDate`) and, while its record is kept, its status and counts.
 */
export interface MapRunListEntry {
  readonly mapRunArn: string;
  readonly executionArn: string;
  /** The children's state machine, `...:stateMachine:<workflow>/<label>`. */
  readonly stateMachineArn: string;
  /** ISO 8601 */
  readonly startDate: string;
  readonly stopDate?: string;
  /** The Distributed Map state that started it. */
  readonly stateName: string;
  readonly label: string;
  /** @default unknown: the run's record is no longer kept */
  readonly status?: MapRunStatus;
  readonly itemCounts?: MapRunCountsByStatus;
  readonly executionCounts?: MapRunCountsByStatus;
}

/** A child execution of a Map Run. */
export interface MapRunChild {
  /** Its number in the run (0-based, in item order). */
  readonly child: number;
  readonly name: string;
  readonly executionArn: string;
  /** A STANDARD child's execution id (`<workflow>/<label>:<name>`), to describe it. @default none (EXPRESS) */
  readonly executionId?: string;
  /** RUNNING until its end is recorded. */
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** Index of its first item, and how many items it took (1 without an ItemBatcher). */
  readonly firstItem?: number;
  readonly items?: number;
  /** ISO 8601, once ended. */
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * One Map Run, as DescribeMapRun answers (`mapRunArn`, `executionArn`, `status`, `startDate`,
 * `stopDate`, `maxConcurrency`, `toleratedFailurePercentage`, `toleratedFailureCount`,
 * `itemCounts`, `executionCounts`, `redriveCount`), with what the console and the CLI show besides.
 */
export interface MapRunDescription {
  readonly mapRunArn: string;
  readonly executionArn: string;
  /** The parent execution's id. */
  readonly executionId: string;
  readonly stateMachineArn: string;
  readonly stateName: string;
  readonly label: string;
  readonly executionType: 'STANDARD' | 'EXPRESS';
  /** The workflow STANDARD children run (`<workflow>/<label>`): `list --workflow` lists them. */
  readonly childWorkflow: string;
  readonly status: MapRunStatus;
  readonly startDate: string;
  readonly stopDate?: string;
  /** 0: no limit set. */
  readonly maxConcurrency: number;
  /** 0 when not set, as DescribeMapRun reports it. */
  readonly toleratedFailurePercentage: number;
  readonly toleratedFailureCount: number;
  readonly itemCounts: MapRunCountsByStatus;
  readonly executionCounts: MapRunCountsByStatus;
  readonly redriveCount: number;
  /** Why it failed. @default none */
  readonly error?: string;
  readonly cause?: string;
  /** Where ResultWriter put the manifest, once written. @default none */
  readonly resultWriterDetails?: { readonly bucket: string; readonly key: string };
  /**
   * Its first children by number (at most {@link MAP_RUN_CHILDREN_LISTED}): STANDARD ones from
   * their start, EXPRESS ones once their chunk ended.
   */
  readonly children: readonly MapRunChild[];
}

/** How many children `describeMapRun` lists. */
export const MAP_RUN_CHILDREN_LISTED = 100;

/** Filters of a listing, all optional. */
export interface ListFilter {
  readonly workflow?: string;
  readonly status?: ExecutionStatus;
  /** ISO 8601 */
  readonly since?: string;
  readonly businessKey?: string;
  readonly limit?: number;
}

/** What registering a workflow definition did. */
export interface WorkflowRegistration {
  readonly workflow: string;
  readonly domain: string;
  /** The version new executions start on: named by the definition's content, as a deploy names it. */
  readonly version: string;
  /** The version new executions started on before, if the workflow existed. */
  readonly previousVersion?: string;
}

/** A name (execution, workflow, domain, state) that does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A request that cannot apply (redrive of a running execution, rerun from an unknown state). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** The operations of a running local instance. Every method may throw NotFoundError or ConflictError. */
export interface LocalControl {
  domains(): Promise<DomainInfo[]>;
  /** Puts events on a bus; returns their event ids. */
  publish(entries: readonly PutEventEntry[]): Promise<string[]>;
  /**
   * Registers a definition of `workflow` as its new latest version, as a deploy publishes one:
   * each distinct content is a new immutable version, new executions start on it, running ones
   * keep the version they started on. Registering the latest content again changes nothing.
   * Throws DefinitionError for an invalid definition (naming the JSON Pointer of each problem),
   * ConflictError where definitions are not registered this way (a deployed stack: `cdk deploy`).
   */
  registerWorkflow(request: {
    workflow: string;
    definition: Json;
    domain?: string;
  }): Promise<WorkflowRegistration>;
  /** Starts a workflow; returns the execution id. */
  start(request: { workflow: string; input: Json; name?: string; domain?: string }): Promise<string>;
  list(filter: ListFilter): Promise<(ExecutionSummary & { domain: string })[]>;
  describe(executionId: string): Promise<ExecutionDescription>;
  history(executionId: string): Promise<HistoryEvent[]>;
  /** The Map Runs the execution's Distributed Map states started, in order. */
  listMapRuns(executionId: string): Promise<MapRunListEntry[]>;
  /** One Map Run by its ARN: status, counts and first children. NotFoundError for an unknown ARN. */
  describeMapRun(mapRunArn: string): Promise<MapRunDescription>;
  redrive(executionId: string): Promise<void>;
  /** Starts a new execution of the same definition version at `fromState`; returns its id. */
  rerun(executionId: string, request: { fromState: string; input?: Json }): Promise<string>;
  stop(executionId: string, request: { compensate?: boolean; cause?: string }): Promise<void>;
  sendTaskSuccess(taskToken: string, output: Json): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void>;
  sendTaskHeartbeat(taskToken: string): Promise<void>;
  /** Calls `listener` after every change of any execution (for live pages); returns an unsubscribe. */
  subscribe(listener: (change: { executionId: string; status: ExecutionStatus }) => void): () => void;
}
