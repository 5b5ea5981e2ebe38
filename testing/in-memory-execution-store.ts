/**
 * An ExecutionStore in memory, with the same semantics as the DynamoDB one: one conditional commit
 * per version, history kept per transition, an index written on status changes. For tests, the
 * simulation and quick local runs; nothing survives the process.
 */
import type { Command, HistoryEvent } from '../lambdas/engine/execution.js';
import {
  VersionConflictError,
  type ExecutionFilter,
  type ExecutionStore,
  type ExecutionSummary,
  type HistoryPage,
  type StoredExecution,
  type Transition,
} from '../lambdas/runtime/ports.js';

interface StoredTransition {
  readonly stored: StoredExecution;
  readonly messageId: string;
  readonly history: readonly HistoryEvent[];
  readonly commands: readonly Command[];
}

const DEFAULT_PAGE = 100;
const DEFAULT_LIST_LIMIT = 50;

export class InMemoryExecutionStore implements ExecutionStore {
  private readonly transitions = new Map<string, StoredTransition[]>();
  private readonly index = new Map<string, { summary: ExecutionSummary; version: number }>();
  /** Counts of calls, by operation, for tests and cost models. */
  readonly calls = { load: 0, commit: 0, loadCommands: 0, history: 0, list: 0, writeIndex: 0 };

  async load(executionId: string): Promise<StoredExecution | undefined> {
    this.calls.load += 1;
    const list = this.transitions.get(executionId);
    return list?.[list.length - 1]?.stored;
  }

  async commit(transition: Transition): Promise<void> {
    this.calls.commit += 1;
    const list = this.transitions.get(transition.executionId) ?? [];
    // The same guard as the conditional put: only the writer of the next version wins.
    if (list.length !== transition.version - 1) {
      throw new VersionConflictError(transition.executionId, transition.version - 1);
    }
    const stored: StoredExecution = {
      execution: transition.execution,
      version: transition.version,
      workflow: transition.workflow,
      recentMessages: transition.recentMessages,
      ...(transition.controlMessages !== undefined ? { controlMessages: transition.controlMessages } : {}),
      ...(transition.businessKey !== undefined ? { businessKey: transition.businessKey } : {}),
      ...(transition.traceId !== undefined ? { traceId: transition.traceId } : {}),
    };
    // Stored as JSON copies: what a real store returns shares nothing with what was written.
    list.push(
      structuredClone({
        stored,
        messageId: transition.messageId,
        history: transition.history,
        commands: transition.commands,
      }),
    );
    this.transitions.set(transition.executionId, list);
  }

  async findMessageVersion(
    executionId: string,
    messageId: string,
    searchVersions: number,
  ): Promise<number | undefined> {
    const list = this.transitions.get(executionId) ?? [];
    for (let i = list.length - 1; i >= Math.max(0, list.length - searchVersions); i--) {
      if (list[i]?.messageId === messageId) return i + 1;
    }
    return undefined;
  }

  async loadCommands(executionId: string, version: number): Promise<readonly Command[] | undefined> {
    this.calls.loadCommands += 1;
    return this.transitions.get(executionId)?.[version - 1]?.commands;
  }

  async history(
    executionId: string,
    page: { nextToken?: string; limit?: number } = {},
  ): Promise<HistoryPage> {
    this.calls.history += 1;
    const all = (this.transitions.get(executionId) ?? []).flatMap((transition) => transition.history);
    const start = page.nextToken ? Number(page.nextToken) : 0;
    const end = start + (page.limit ?? DEFAULT_PAGE);
    return { events: all.slice(start, end), ...(end < all.length ? { nextToken: String(end) } : {}) };
  }

  async list(filter: ExecutionFilter): Promise<{ items: ExecutionSummary[]; nextToken?: string }> {
    this.calls.list += 1;
    const matching = [...this.index.values()]
      .map((entry) => entry.summary)
      .filter(
        (summary) =>
          (filter.workflow === undefined || summary.workflow === filter.workflow) &&
          (filter.status === undefined || summary.status === filter.status) &&
          (filter.businessKey === undefined || summary.businessKey === filter.businessKey) &&
          (filter.since === undefined || summary.startTime >= filter.since),
      )
      .sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0));
    const start = filter.nextToken ? Number(filter.nextToken) : 0;
    const end = start + (filter.limit ?? DEFAULT_LIST_LIMIT);
    return {
      items: matching.slice(start, end),
      ...(end < matching.length ? { nextToken: String(end) } : {}),
    };
  }

  async writeIndex(summary: ExecutionSummary, version: number): Promise<void> {
    this.calls.writeIndex += 1;
    const current = this.index.get(summary.executionId);
    // An older, re-performed write must not overwrite a newer status.
    if (current && current.version > version) return;
    this.index.set(summary.executionId, { summary, version });
  }

  /** Every execution id, for tests and the simulation. */
  executionIds(): string[] {
    return [...this.transitions.keys()];
  }
}
