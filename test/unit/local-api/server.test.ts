import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatonClient } from '../../../local/api/client.js';
import { startApiServer, type ApiServer } from '../../../local/api/server.js';
import type { LocalControl } from '../../../local/control.js';
import {
  DECLINED_CUSTOMER,
  OUT_OF_STOCK,
  RESULTS_BUCKET,
  order,
  tallyItems,
  startSampleRuntime,
  type SampleRuntime,
} from './sample-domain.js';

let runtime: SampleRuntime;
let server: ApiServer;

beforeEach(async () => {
  runtime = await startSampleRuntime();
  server = await startApiServer(runtime.control);
});

afterEach(async () => {
  await server.close();
  await runtime.control.close();
});

interface Answer {
  readonly status: number;
  readonly body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

const path = (executionId: string) => `/api/executions/${encodeURIComponent(executionId)}`;

async function start(name: string, overrides: Parameters<typeof order>[1] = {}): Promise<string> {
  const answer = await call('POST', '/api/executions', {
    workflow: 'PlaceOrder',
    name,
    input: order(name, overrides),
  });
  expect(answer.status).toBe(201);
  return answer.body.executionId as string;
}

async function statusOf(executionId: string): Promise<unknown> {
  return (await call('GET', path(executionId))).body.status;
}

describe('GET /api/domains', () => {
  it('lists each domain with its bus, workflows at their versions, and workers', async () => {
    const answer = await call('GET', '/api/domains');
    expect(answer.status).toBe(200);
    expect(answer.body.domains).toEqual([
      {
        name: 'orders',
        eventBus: 'baton-local',
        workflows: [{ name: 'PlaceOrder', version: expect.stringMatching(/^[0-9a-f]{16}$/) }],
        workers: ['reserve', 'release', 'charge', 'refund', 'ship'],
      },
    ]);
  });
});

describe('POST /api/executions', () => {
  it('starts an execution and answers 201 with its id, already run to its end', async () => {
    const answer = await call('POST', '/api/executions', {
      workflow: 'PlaceOrder',
      name: 'o-1',
      input: order('o-1'),
    });
    expect(answer).toEqual({ status: 201, body: { executionId: 'PlaceOrder:o-1' } });
    expect(await statusOf('PlaceOrder:o-1')).toBe('SUCCEEDED');
  });

  it('names an execution started without a name', async () => {
    const answer = await call('POST', '/api/executions', { workflow: 'PlaceOrder', input: order('o-2') });
    expect(answer.body.executionId).toMatch(/^PlaceOrder:[0-9a-f-]{36}$/);
  });

  it('answers 400 naming the missing field', async () => {
    const answer = await call('POST', '/api/executions', { input: {} });
    expect(answer).toEqual({
      status: 400,
      body: { error: { code: 'BadRequest', message: "Missing field 'workflow'" } },
    });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const answer = await call('POST', '/api/executions', '{"workflow": ');
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/^The request body is not valid JSON/);
  });

  it('answers 400 for a body that is JSON but not an object', async () => {
    const answer = await call('POST', '/api/executions', '[1, 2]');
    expect(answer.body.error).toEqual({
      code: 'BadRequest',
      message: 'The request body must be a JSON object',
    });
  });

  it('answers 400 for JSON nested too deeply, naming the field', async () => {
    const deep = `${'['.repeat(2_000)}1${']'.repeat(2_000)}`;
    const answer = await call('POST', '/api/executions', `{"workflow":"PlaceOrder","input":${deep}}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe("Field 'input': must be JSON nested at most 500 levels deep");
  });

  it('answers 400 for an execution name Step Functions would refuse', async () => {
    const answer = await call('POST', '/api/executions', { workflow: 'PlaceOrder', name: 'a b', input: {} });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toContain('/name');
  });

  it('answers 404 for an unknown workflow', async () => {
    const answer = await call('POST', '/api/executions', { workflow: 'Nope', input: {} });
    expect(answer).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: 'No workflow named Nope' } },
    });
  });

  it('answers 404 for an unknown domain', async () => {
    const answer = await call('POST', '/api/executions', {
      workflow: 'PlaceOrder',
      domain: 'billing',
      input: {},
    });
    expect(answer.body.error).toEqual({ code: 'NotFound', message: 'No domain named billing' });
  });

  it('answers 409 when an execution of that name exists', async () => {
    await start('o-3');
    const answer = await call('POST', '/api/executions', { workflow: 'PlaceOrder', name: 'o-3', input: {} });
    expect(answer).toEqual({
      status: 409,
      body: { error: { code: 'Conflict', message: 'An execution named PlaceOrder:o-3 already exists' } },
    });
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const input = { blob: 'x'.repeat(1024 * 1024) };
    const answer = await call('POST', '/api/executions', { workflow: 'PlaceOrder', input });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toEqual({
      code: 'PayloadTooLarge',
      message: 'The request body is larger than 1048576 bytes',
    });
  });
});

describe('GET /api/executions', () => {
  beforeEach(async () => {
    await start('ok-1');
    await start('declined-1', { customerId: DECLINED_CUSTOMER });
    await start('large-1', { total: 5000 });
  });

  it('lists executions newest first, with their domain', async () => {
    const answer = await call('GET', '/api/executions');
    expect(answer.status).toBe(200);
    const executions = answer.body.executions as { name: string; domain: string; status: string }[];
    expect(executions.map((execution) => [execution.name, execution.status])).toEqual([
      ['large-1', 'RUNNING'],
      ['declined-1', 'COMPENSATED'],
      ['ok-1', 'SUCCEEDED'],
    ]);
    expect(executions.every((execution) => execution.domain === 'orders')).toBe(true);
  });

  it('filters by status', async () => {
    const answer = await call('GET', '/api/executions?status=COMPENSATED');
    expect((answer.body.executions as { name: string }[]).map((execution) => execution.name)).toEqual([
      'declined-1',
    ]);
  });

  it('filters by workflow and limits the count', async () => {
    expect(((await call('GET', '/api/executions?workflow=Other')).body.executions as unknown[]).length).toBe(
      0,
    );
    expect(
      ((await call('GET', '/api/executions?workflow=PlaceOrder&limit=2')).body.executions as unknown[])
        .length,
    ).toBe(2);
  });

  it('filters by start time', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await call('GET', `/api/executions?since=${future}`)).body.executions).toEqual([]);
  });

  it('filters by business key', async () => {
    await call('POST', '/api/events', {
      entries: [{ source: 'shop', detailType: 'Order Placed', detail: order('ord-77') }],
    });
    const answer = await call('GET', '/api/executions?businessKey=ord-77');
    expect(answer.body.executions).toMatchObject([
      { executionId: 'PlaceOrder:ord-77', businessKey: 'ord-77' },
    ]);
  });

  it('answers 400 naming a status that does not exist', async () => {
    const answer = await call('GET', '/api/executions?status=DONE');
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/^Field 'status': /);
  });

  it('answers 400 for a since that is not a time', async () => {
    const answer = await call('GET', '/api/executions?since=yesterday');
    expect(answer.body.error).toEqual({
      code: 'BadRequest',
      message: "Field 'since': must be an ISO 8601 time",
    });
  });

  it('answers 400 for a limit that is not a positive integer', async () => {
    expect((await call('GET', '/api/executions?limit=0')).status).toBe(400);
  });
});

describe('GET /api/executions/:id and its history', () => {
  it('describes an execution by its URL-encoded id, with its definition', async () => {
    await start('declined-2', { customerId: DECLINED_CUSTOMER });
    const answer = await call('GET', path('PlaceOrder:declined-2'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      executionId: 'PlaceOrder:declined-2',
      name: 'declined-2',
      workflow: 'PlaceOrder',
      domain: 'orders',
      status: 'COMPENSATED',
      error: 'Payment.Declined',
      cause: 'the card was declined',
      redriveCount: 0,
      input: order('declined-2', { customerId: DECLINED_CUSTOMER }),
      definition: { StartAt: 'Reserve' },
    });
  });

  it('accepts the id with an unencoded colon too', async () => {
    await start('o-4');
    expect((await call('GET', '/api/executions/PlaceOrder:o-4')).body.status).toBe('SUCCEEDED');
  });

  it('answers 404 for an unknown execution', async () => {
    const answer = await call('GET', path('PlaceOrder:nope'));
    expect(answer).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: 'No execution named PlaceOrder:nope' } },
    });
  });

  it('returns the history in order, from ExecutionStarted to the compensation', async () => {
    await start('declined-3', { customerId: DECLINED_CUSTOMER });
    const answer = await call('GET', `${path('PlaceOrder:declined-3')}/history`);
    const types = (answer.body.events as { type: string }[]).map((event) => event.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('CompensationTaskSucceeded');
    expect(types.at(-1)).toBe('CompensationSucceeded');
  });

  it('answers 404 for the history of an unknown execution', async () => {
    expect((await call('GET', `${path('PlaceOrder:nope')}/history`)).status).toBe(404);
  });
});

describe('GET /api/executions/:id/map-runs and /api/map-runs/:arn', () => {
  /** Runs Tally (a Distributed Map over the items) to its end; answers its Map Run's ARN. */
  async function tally(name: string, items: number[]): Promise<string> {
    await runtime.control.registerWorkflow({ workflow: 'Tally', definition: tallyItems, domain: 'orders' });
    const answer = await call('POST', '/api/executions', { workflow: 'Tally', name, input: { items } });
    expect(answer.status).toBe(201);
    await vi.waitFor(async () => expect(await statusOf(`Tally:${name}`)).toBe('SUCCEEDED'), {
      timeout: 20_000,
      interval: 50,
    });
    const described = await call('GET', path(`Tally:${name}`));
    const [arn] = described.body.mapRuns as string[];
    return arn as string;
  }

  it("lists an execution's Map Runs with their status and counts", async () => {
    const arn = await tally('t-1', [1, 2, 3]);
    const answer = await call('GET', `${path('Tally:t-1')}/map-runs`);
    expect(answer.status).toBe(200);
    expect(answer.body.mapRuns).toEqual([
      expect.objectContaining({
        mapRunArn: arn,
        stateName: 'Sum',
        label: 'Items',
        status: 'SUCCEEDED',
        itemCounts: expect.objectContaining({ succeeded: 3, total: 3, pending: 0, running: 0 }),
      }),
    ]);
  });

  it('describes a Map Run by its URL-encoded ARN, with its children and the ResultWriter manifest', async () => {
    const arn = await tally('t-2', [1, 500, 3]);
    const answer = await call('GET', `/api/map-runs/${encodeURIComponent(arn)}`);
    expect(answer.status).toBe(200);
    const id = arn.slice(arn.lastIndexOf(':') + 1);
    expect(answer.body).toMatchObject({
      mapRunArn: arn,
      executionId: 'Tally:t-2',
      executionType: 'EXPRESS',
      status: 'SUCCEEDED',
      toleratedFailureCount: 1,
      itemCounts: { succeeded: 2, failed: 1, total: 3, resultsWritten: 3 },
      executionCounts: { succeeded: 2, failed: 1, total: 3 },
      // The key AWS records for a ResultWriter (test_base_scenarios.snapshot.json,
      // test_map_state_result_writer): <Prefix>/<Map Run id>/manifest.json.
      resultWriterDetails: { bucket: RESULTS_BUCKET, key: `runs/${id}/manifest.json` },
    });
    expect((answer.body.children as { status: string }[]).map((child) => child.status)).toEqual([
      'SUCCEEDED',
      'FAILED',
      'SUCCEEDED',
    ]);
    // The client answers the same.
    expect(await new BatonClient(server.url).describeMapRun(arn)).toEqual(answer.body);
  });

  it('answers 404 naming an unknown Map Run ARN, or an unknown execution', async () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:mapRun:Tally/Items:nope';
    expect(await call('GET', `/api/map-runs/${encodeURIComponent(arn)}`)).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: `No Map Run ${arn}` } },
    });
    expect(await call('GET', `${path('Tally:nope')}/map-runs`)).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: 'No execution named Tally:nope' } },
    });
  });
});

describe('POST /api/executions/:id/redrive', () => {
  it('resumes a failed execution where it failed', async () => {
    const id = await start('stock-1', { items: [{ sku: OUT_OF_STOCK }] });
    expect(await statusOf(id)).toBe('FAILED');
    runtime.restock();
    expect(await call('POST', `${path(id)}/redrive`)).toEqual({ status: 202, body: { executionId: id } });
    const described = (await call('GET', path(id))).body;
    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });

  it('answers 409 for an execution that succeeded', async () => {
    const id = await start('ok-2');
    const answer = await call('POST', `${path(id)}/redrive`);
    expect(answer.status).toBe(409);
    expect(answer.body.error?.message).toBe(
      'Execution PlaceOrder:ok-2 is SUCCEEDED: only a FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED execution can be redriven',
    );
  });

  it('answers 404 for an unknown execution', async () => {
    expect((await call('POST', `${path('PlaceOrder:nope')}/redrive`)).status).toBe(404);
  });
});

describe('POST /api/executions/:id/rerun', () => {
  it('starts a new execution of the same version at the given state, with the input it had there', async () => {
    const id = await start('declined-4', { customerId: DECLINED_CUSTOMER });
    const answer = await call('POST', `${path(id)}/rerun`, { fromState: 'Ship' });
    expect(answer).toEqual({ status: 201, body: { executionId: 'PlaceOrder:declined-4-rerun-1' } });
    const history = (await call('GET', `${path('PlaceOrder:declined-4-rerun-1')}/history`)).body.events as {
      type: string;
      stateName?: string;
    }[];
    expect(history[1]).toMatchObject({ type: 'TaskStateEntered', stateName: 'Ship' });
    const original = (await call('GET', path(id))).body;
    const rerun = (await call('GET', path('PlaceOrder:declined-4-rerun-1'))).body;
    expect(rerun).toMatchObject({ status: 'SUCCEEDED', workflowVersion: original.workflowVersion });
  });

  it('takes the given input', async () => {
    const id = await start('o-5');
    await call('POST', `${path(id)}/rerun`, { fromState: 'Ship', input: { orderId: 'x' } });
    expect((await call('GET', path('PlaceOrder:o-5-rerun-1'))).body.input).toEqual({ orderId: 'x' });
  });

  it('numbers reruns of reruns after the original name', async () => {
    const id = await start('o-6');
    await call('POST', `${path(id)}/rerun`, { fromState: 'Ship' });
    const again = await call('POST', `${path('PlaceOrder:o-6-rerun-1')}/rerun`, { fromState: 'Ship' });
    expect(again.body.executionId).toBe('PlaceOrder:o-6-rerun-2');
  });

  it('answers 409 for a state that is not a top-level state', async () => {
    const id = await start('o-7');
    const answer = await call('POST', `${path(id)}/rerun`, { fromState: 'PackItem' });
    expect(answer.status).toBe(409);
    expect(answer.body.error?.message).toMatch(/^PlaceOrder has no top-level state named 'PackItem'/);
  });

  it('answers 400 naming the missing fromState', async () => {
    const id = await start('o-8');
    expect((await call('POST', `${path(id)}/rerun`, {})).body.error?.message).toBe(
      "Missing field 'fromState'",
    );
  });
});

describe('POST /api/executions/:id/stop', () => {
  it('stops a running execution as ABORTED with the cause', async () => {
    const id = await start('large-2', { total: 5000 });
    expect(await call('POST', `${path(id)}/stop`, { cause: 'customer cancelled' })).toEqual({
      status: 202,
      body: { executionId: id },
    });
    expect((await call('GET', path(id))).body).toMatchObject({
      status: 'ABORTED',
      cause: 'customer cancelled',
    });
  });

  it('runs the compensations first when asked to', async () => {
    const id = await start('large-3', { total: 5000 });
    await call('POST', `${path(id)}/stop`, { compensate: true });
    expect(await statusOf(id)).toBe('COMPENSATED');
  });

  it('answers 409 for an execution that has ended', async () => {
    const id = await start('o-9');
    const answer = await call('POST', `${path(id)}/stop`, {});
    expect(answer.body.error).toEqual({
      code: 'Conflict',
      message:
        'Execution PlaceOrder:o-9 is SUCCEEDED: only a RUNNING or COMPENSATING execution can be stopped',
    });
  });

  it('answers 400 for a compensate that is not a boolean', async () => {
    const id = await start('large-4', { total: 5000 });
    const answer = await call('POST', `${path(id)}/stop`, { compensate: 'yes' });
    expect(answer.body.error?.message).toMatch(/^Field 'compensate': /);
  });
});

describe('POST /api/tasks/*', () => {
  async function waiting(name: string): Promise<{ id: string; token: string }> {
    const id = await start(name, { total: 5000 });
    const token = runtime.waitingTokens.at(-1);
    if (!token) throw new Error('no task waits');
    return { id, token };
  }

  it('completes a waiting task with success', async () => {
    const { id, token } = await waiting('large-5');
    const answer = await call('POST', '/api/tasks/success', {
      taskToken: token,
      output: { detail: { verdict: 'clear' } },
    });
    expect(answer).toEqual({ status: 202, body: {} });
    expect((await call('GET', path(id))).body).toMatchObject({
      status: 'SUCCEEDED',
      output: { fraud: { verdict: 'clear' } },
    });
  });

  it('fails a waiting task with the error and cause (the saga compensates)', async () => {
    const { id, token } = await waiting('large-6');
    const answer = await call('POST', '/api/tasks/failure', {
      taskToken: token,
      error: 'Fraud.Suspected',
      cause: 'velocity',
    });
    expect(answer.status).toBe(202);
    expect((await call('GET', path(id))).body).toMatchObject({
      status: 'COMPENSATED',
      error: 'Fraud.Suspected',
      cause: 'velocity',
    });
  });

  it('accepts a heartbeat for a waiting task', async () => {
    const { id, token } = await waiting('large-7');
    expect(await call('POST', '/api/tasks/heartbeat', { taskToken: token })).toEqual({
      status: 202,
      body: {},
    });
    expect(await statusOf(id)).toBe('RUNNING');
  });

  it('answers 404 for a token that names no execution', async () => {
    const answer = await call('POST', '/api/tasks/success', { taskToken: 'not-a-token', output: {} });
    expect(answer.body.error).toEqual({
      code: 'NotFound',
      message: 'No task is waiting for this task token',
    });
  });

  it('answers 404 for a token whose signature does not verify', async () => {
    const { token } = await waiting('large-8');
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.AAAA`;
    const answer = await call('POST', '/api/tasks/success', { taskToken: forged, output: {} });
    expect(answer.status).toBe(404);
    expect(answer.body.error?.message).toContain('does not verify');
  });

  it('answers 409 for the token of a task that is over', async () => {
    const { token } = await waiting('large-9');
    await call('POST', '/api/tasks/success', { taskToken: token, output: { detail: { verdict: 'clear' } } });
    const answer = await call('POST', '/api/tasks/success', { taskToken: token, output: {} });
    expect(answer.status).toBe(409);
    expect(answer.body.error?.message).toMatch(/^The task of this token is no longer waiting/);
  });

  it('answers 400 naming a missing task token', async () => {
    expect((await call('POST', '/api/tasks/heartbeat', {})).body.error?.message).toBe(
      "Missing field 'taskToken'",
    );
  });

  it('answers 400 naming a missing output', async () => {
    const answer = await call('POST', '/api/tasks/success', { taskToken: 't' });
    expect(answer.body.error?.message).toBe("Missing field 'output'");
  });
});

describe('POST /api/events', () => {
  it('starts the workflow an event triggers, named by its business key, and returns the event ids', async () => {
    const answer = await call('POST', '/api/events', {
      entries: [{ source: 'shop', detailType: 'Order Placed', detail: order('ord-1') }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.eventIds).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect((await call('GET', path('PlaceOrder:ord-1'))).body).toMatchObject({
      status: 'SUCCEEDED',
      businessKey: 'ord-1',
    });
  });

  it('delivers an event to the state waiting for it', async () => {
    const id = await start('large-10', { total: 5000 });
    await call('POST', '/api/events', {
      entries: [
        {
          source: 'fraud',
          detailType: 'Fraud Check Completed',
          detail: { orderId: 'large-10', verdict: 'clear' },
        },
      ],
    });
    expect(await statusOf(id)).toBe('SUCCEEDED');
  });

  it('answers 400 naming the field of a bad entry', async () => {
    const answer = await call('POST', '/api/events', { entries: [{ source: 'shop', detail: {} }] });
    expect(answer.body.error).toEqual({
      code: 'BadRequest',
      message: "Missing field 'entries[0].detailType'",
    });
  });

  it('answers 400 for no entries', async () => {
    expect((await call('POST', '/api/events', { entries: [] })).body.error?.message).toMatch(
      /^Field 'entries': /,
    );
  });

  it('answers 404 for an unknown bus', async () => {
    const answer = await call('POST', '/api/events', {
      entries: [{ source: 's', detailType: 'T', detail: {}, eventBusName: 'elsewhere' }],
    });
    expect(answer.body.error).toEqual({ code: 'NotFound', message: 'No event bus named elsewhere' });
  });
});

describe('GET /api/stream', () => {
  it('streams the status changes of executions as Server-Sent Events', async () => {
    const subscribed = vi.spyOn(runtime.control, 'subscribe');
    const client = new BatonClient(server.url);
    const abort = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const change of client.changes(abort.signal)) {
        seen.push(`${change.executionId} ${change.status}`);
        if (change.status === 'SUCCEEDED') abort.abort();
      }
    })();
    await vi.waitFor(() => expect(subscribed).toHaveBeenCalledOnce(), { timeout: 30_000 });
    await start('o-10');
    await reading;
    expect(seen[0]).toBe('PlaceOrder:o-10 RUNNING');
    expect(seen.at(-1)).toBe('PlaceOrder:o-10 SUCCEEDED');
  });

  it('stops listening when the client goes away', async () => {
    const subscribe = runtime.control.subscribe.bind(runtime.control);
    let listening = 0;
    vi.spyOn(runtime.control, 'subscribe').mockImplementation((listener) => {
      listening += 1;
      const unsubscribe = subscribe(listener);
      return () => {
        listening -= 1;
        unsubscribe();
      };
    });
    const abort = new AbortController();
    const response = await fetch(`${server.url}/api/stream`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(listening).toBe(1);
    abort.abort();
    await vi.waitFor(() => expect(listening).toBe(0), { timeout: 30_000 });
  });
});

describe('routing and guards', () => {
  it('answers 404 naming an unknown route', async () => {
    expect(await call('GET', '/api/nothing')).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: 'No route GET /api/nothing' } },
    });
  });

  it('answers 405 for a known path with another method', async () => {
    const answer = await call('DELETE', '/api/executions');
    expect(answer.body.error).toEqual({
      code: 'MethodNotAllowed',
      message: 'DELETE is not allowed on /api/executions',
    });
  });

  it('refuses a request from another origin', async () => {
    const answer = await call(
      'POST',
      '/api/executions',
      { workflow: 'PlaceOrder' },
      { Origin: 'https://evil.example' },
    );
    expect(answer).toEqual({
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Requests from https://evil.example are not allowed' } },
    });
  });

  it('refuses a Host that is not a loopback name (DNS rebinding)', async () => {
    const { port } = new URL(server.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, path: '/api/domains', headers: { Host: `rebound.example:${port}` } },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(403);
  });

  it('serves the console page, its stylesheet and the dagre bundle', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="/console/console.js">');
    const style = await fetch(`${server.url}/console/console.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const dagre = await fetch(`${server.url}/vendor/dagre.min.js`);
    expect(await dagre.text()).toContain('var dagre=');
  });

  it('serves the console script compiled from TypeScript as one module, with what it imports', async () => {
    const script = await fetch(`${server.url}/console/console.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const text = await script.text();
    // The graph model and the server's own statuses and durations are in it, types are not.
    expect(text).toContain('function buildGraph(');
    expect(text).toContain('COMPENSATION_FAILED');
    expect(text).toContain('function formatDuration(');
    expect(text).not.toMatch(/^\s*import\s/m);
    expect(text).not.toContain('interface ');
  });

  it('serves no file outside the console, nor its sources', async () => {
    expect((await fetch(`${server.url}/console/..%2Fcontrol.ts`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/console.ts`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/graph-model.ts`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/tsconfig.json`)).status).toBe(404);
  });

  it('answers 500 with the message of an unexpected failure, and reports it', async () => {
    const reported: unknown[] = [];
    const broken = { domains: () => Promise.reject(new Error('disk on fire')) } as unknown as LocalControl;
    const other = await startApiServer(broken, { onInternalError: (error) => reported.push(error) });
    try {
      const response = await fetch(`${other.url}/api/domains`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: { code: 'InternalError', message: 'Internal error: disk on fire' },
      });
      expect(reported).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('listens only on loopback addresses', async () => {
    await expect(startApiServer(runtime.control, { host: '0.0.0.0' })).rejects.toThrow(
      "The local API only listens on a loopback address (127.0.0.1, ::1), not '0.0.0.0'",
    );
  });
});

describe('POST /api/workflows', () => {
  it('answers 400 naming the placeholders a definition still has, and registers nothing', async () => {
    const before = (await call('GET', '/api/domains')).body.domains;
    const answer = await call('POST', '/api/workflows', {
      workflow: 'Audit',
      definition: {
        StartAt: 'Send',
        States: {
          Send: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: '${AuditQueueUrl}', MessageBody: 'x' },
            End: true,
          },
        },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(
      /^The definition still has the placeholder \$\{AuditQueueUrl\} \(at \/States\/Send\/Parameters\/QueueUrl\): a running instance has no definition substitutions/,
    );
    expect((await call('GET', '/api/domains')).body.domains).toEqual(before);
  });
});
