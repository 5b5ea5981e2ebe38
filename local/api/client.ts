/**
 * A typed client of the local HTTP API (`server.ts`), on `fetch`. Used by the `baton` CLI, the
 * console (in the browser: so no Node here) and the tests. Errors: NotRunningError when nothing
 * listens at the URL, the control's NotFoundError (404) and ConflictError (409), ApiRequestError
 * for any other error answer.
 */
import type { ExecutionStatus, HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import type { ExecutionSummary } from '../../lambdas/runtime/ports.js';
import {
  ConflictError,
  NotFoundError,
  type DomainInfo,
  type ExecutionDescription,
  type ListFilter,
  type LocalControl,
  type MapRunDescription,
  type MapRunListEntry,
  type PutEventEntry,
  type WorkflowRegistration,
} from '../control.js';
import { ApiRequestError, NotRunningError, type ApiErrorBody } from './errors.js';

/** The operations of a local instance that a client can call (all but subscribing). */
export type ControlOperations = Omit<LocalControl, 'subscribe'>;

/** Options of {@link BatonClient}. */
export interface BatonClientOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Calls a running instance's API at `url` (e.g. `http://127.0.0.1:4545`). */
export class BatonClient implements ControlOperations {
  readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(url: string, options: BatonClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    // Called as a function, not as a method of the window: browsers refuse `fetch` on another `this`.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async domains(): Promise<DomainInfo[]> {
    return (await this.call<{ domains: DomainInfo[] }>('GET', '/api/domains')).domains;
  }

  async publish(entries: readonly PutEventEntry[]): Promise<string[]> {
    return (await this.call<{ eventIds: string[] }>('POST', '/api/events', { entries })).eventIds;
  }

  async registerWorkflow(request: {
    workflow: string;
    definition: Json;
    domain?: string;
  }): Promise<WorkflowRegistration> {
    return this.call<WorkflowRegistration>('POST', '/api/workflows', request);
  }

  async start(request: { workflow: string; input: Json; name?: string; domain?: string }): Promise<string> {
    return (await this.call<{ executionId: string }>('POST', '/api/executions', request)).executionId;
  }

  async list(filter: ListFilter = {}): Promise<(ExecutionSummary & { domain: string })[]> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) {
      if (value !== undefined) query.set(key, String(value));
    }
    const suffix = query.size > 0 ? `?${query}` : '';
    type Listing = { executions: (ExecutionSummary & { domain: string })[] };
    return (await this.call<Listing>('GET', `/api/executions${suffix}`)).executions;
  }

  async describe(executionId: string): Promise<ExecutionDescription> {
    return this.call<ExecutionDescription>('GET', executionPath(executionId));
  }

  async history(executionId: string): Promise<HistoryEvent[]> {
    return (await this.call<{ events: HistoryEvent[] }>('GET', `${executionPath(executionId)}/history`))
      .events;
  }

  async listMapRuns(executionId: string): Promise<MapRunListEntry[]> {
    type Listing = { mapRuns: MapRunListEntry[] };
    return (await this.call<Listing>('GET', `${executionPath(executionId)}/map-runs`)).mapRuns;
  }

  async describeMapRun(mapRunArn: string): Promise<MapRunDescription> {
    return this.call<MapRunDescription>('GET', `/api/map-runs/${encodeURIComponent(mapRunArn)}`);
  }

  async redrive(executionId: string): Promise<void> {
    await this.call('POST', `${executionPath(executionId)}/redrive`, {});
  }

  async rerun(executionId: string, request: { fromState: string; input?: Json }): Promise<string> {
    const path = `${executionPath(executionId)}/rerun`;
    return (await this.call<{ executionId: string }>('POST', path, request)).executionId;
  }

  async stop(executionId: string, request: { compensate?: boolean; cause?: string } = {}): Promise<void> {
    await this.call('POST', `${executionPath(executionId)}/stop`, request);
  }

  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    await this.call('POST', '/api/tasks/success', { taskToken, output });
  }

  async sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void> {
    await this.call('POST', '/api/tasks/failure', {
      taskToken,
      error,
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    await this.call('POST', '/api/tasks/heartbeat', { taskToken });
  }

  /** The status changes of the event stream, until `signal` aborts; for tests and tools. */
  async *changes(signal: AbortSignal): AsyncGenerator<{ executionId: string; status: ExecutionStatus }> {
    const response = await this.send('GET', '/api/stream', undefined, signal);
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice('data: '.length))
            .join('\n');
          if (data) yield JSON.parse(data) as { executionId: string; status: ExecutionStatus };
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  private async call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiRequestError(
        response.status,
        'InvalidResponse',
        `${this.url} answered ${method} ${path} with something that is not JSON (is it a Baton instance?)`,
      );
    }
    if (response.ok) return parsed as T;
    const { code = 'Unknown', message = text } = (parsed as Partial<ApiErrorBody> | undefined)?.error ?? {};
    if (response.status === 404) throw new NotFoundError(message);
    if (response.status === 409) throw new ConflictError(message);
    throw new ApiRequestError(response.status, code, message);
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    try {
      return await this.fetch(`${this.url}${path}`, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }
          : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (isConnectionRefused(error)) throw new NotRunningError(this.url, { cause: error });
      // Any other network failure (an unreachable or forbidden port, a reset): nothing usable answers.
      if (error instanceof TypeError && error.message === 'fetch failed') {
        const reason = (error.cause as Error | undefined)?.message;
        throw new NotRunningError(this.url, { cause: error, ...(reason ? { reason } : {}) });
      }
      throw error;
    }
  }
}

function executionPath(executionId: string): string {
  return `/api/executions/${encodeURIComponent(executionId)}`;
}

/** fetch reports a refused connection as a TypeError whose cause has the socket error's code. */
function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } } | undefined)?.cause;
  const codes = [cause?.code, ...(cause?.errors ?? []).map((inner) => inner.code)];
  return codes.some((code) => code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL');
}
