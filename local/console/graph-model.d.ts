/** Types of `graph-model.js` (served to the browser as-is), for the tests that import it. */
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';

export declare const StateStatus: {
  readonly NotRun: 'not-run';
  readonly Running: 'running';
  readonly Succeeded: 'succeeded';
  readonly Failed: 'failed';
  readonly Retried: 'retried';
  readonly Compensated: 'compensated';
};
export type StateStatus = (typeof StateStatus)[keyof typeof StateStatus];

export declare const START_NODE: '__start__';
export declare const END_NODE: '__end__';

export interface GraphNode {
  readonly id: string;
  readonly kind: 'start' | 'end' | 'state';
  readonly label: string;
  readonly stateName?: string;
  readonly type?: string;
  readonly topLevel?: boolean;
  /** The group (Parallel, Map, branch) it is drawn in. */
  readonly parent?: string;
}

export interface GraphGroup {
  readonly id: string;
  readonly label: string;
  readonly parent?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'default' | 'choice' | 'catch' | 'branch';
  readonly label: string;
}

export interface StateRun {
  readonly stateName: string;
  readonly threadId: string;
  readonly iteration?: number;
  readonly status: StateStatus;
  readonly enteredAt: number;
  readonly exitedAt?: number;
  readonly input?: Json;
  readonly output?: Json;
  readonly result?: Json;
  readonly error?: string;
  readonly cause?: string;
  readonly attempts: number;
  readonly retries: readonly { attempt?: number; delayMs?: number; error?: string; cause?: string }[];
}

export interface CompensationRun {
  readonly stateName: string;
  readonly resource?: string;
  readonly input?: Json;
  readonly attempt: number;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly error?: string;
  readonly cause?: string;
}

export interface TimelineRow {
  readonly id: number;
  readonly offsetMs: number;
  readonly type: string;
  readonly stateName: string;
  readonly details: string;
  readonly tone: 'failed' | 'compensation' | 'retried' | 'succeeded' | 'neutral';
}

export declare function describeChoiceRule(rule: Readonly<Record<string, unknown>>): string;
export declare function buildGraph(definition: StateMachineDefinition): {
  nodes: GraphNode[];
  groups: GraphGroup[];
  edges: GraphEdge[];
};
export declare function stateRuns(history: readonly HistoryEvent[]): StateRun[];
export declare function compensations(history: readonly HistoryEvent[]): CompensationRun[];
export declare function stateStatuses(history: readonly HistoryEvent[]): Map<string, StateStatus>;
export declare function formatDuration(ms: number): string;
export declare function timelineRows(history: readonly HistoryEvent[]): TimelineRow[];
export declare function traversal(
  graph: { nodes: readonly GraphNode[]; edges: readonly GraphEdge[] },
  history: readonly HistoryEvent[],
): { nodes: Set<string>; edges: Set<number> };
