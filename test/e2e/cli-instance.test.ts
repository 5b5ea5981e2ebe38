import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JsonObject } from '../../lambdas/engine/json.js';
import { BatonClient } from '../../local/api/client.js';
import { startApiServer, type ApiServer } from '../../local/api/server.js';
import {
  BUSY_CUSTOMER,
  DECLINED_CUSTOMER,
  OUT_OF_STOCK,
  order,
  startSampleRuntime,
  tallyItems,
  type SampleRuntime,
} from '../unit/local-api/sample-domain.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempFolder } from '../helpers/temp-folder.js';

const root = join(import.meta.dirname, '..', '..');

let runtime: SampleRuntime;
let server: ApiServer;
let client: BatonClient;

/** Runs the CLI's entry function in-process against the test's instance (or `options.url`). */
async function baton(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; url?: string | null } = {},
): Promise<CliResult> {
  const target = options.url === null ? [] : ['--url', options.url ?? server.url];
  return runCli([...target, ...args], { cwd: options.cwd ?? root, env: { ...options.env } });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function start(name: string, overrides: Parameters<typeof order>[1] = {}): Promise<string> {
  return runtime.control.start({ workflow: 'PlaceOrder', name, input: order(name, overrides) });
}

beforeAll(async () => {
  runtime = await startSampleRuntime();
  server = await startApiServer(runtime.control);
  client = new BatonClient(server.url);
  await start('ok-1');
  await start('declined-1', { customerId: DECLINED_CUSTOMER });
  await start('large-1', { total: 5000 });
});

/** Tally:t-1, a Distributed Map over three items (one fails, tolerated), run to its end once; its Map Run's ARN. */
let tally: Promise<string> | undefined;
function tallied(): Promise<string> {
  tally ??= (async () => {
    await runtime.control.registerWorkflow({ workflow: 'Tally', definition: tallyItems, domain: 'orders' });
    await runtime.control.start({ workflow: 'Tally', name: 't-1', input: { items: [1, 500, 3] } });
    return vi.waitFor(
      async () => {
        const described = await client.describe('Tally:t-1');
        expect(described.status).toBe('SUCCEEDED');
        return described.mapRuns?.[0] as string;
      },
      { timeout: 20_000, interval: 50 },
    );
  })();
  return tally;
}

/** The sample's Distributed Map with STANDARD children. */
const standardTally = JSON.parse(
  JSON.stringify(tallyItems).replace('"ExecutionType":"EXPRESS"', '"ExecutionType":"STANDARD"'),
) as JsonObject;

/** `text` as a regular expression that matches it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

afterAll(async () => {
  await server.close();
  await runtime.control.close();
});

describe.concurrent('baton against a running instance', () => {
  it('list prints a table of the executions with their statuses', async () => {
    const { code, stdout } = await baton(['list']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EXECUTION\s+STATUS\s+STARTED\s+DURATION\s+BUSINESS KEY\s+ERROR$/);
    expect(stdout).toMatch(/PlaceOrder:ok-1\s+SUCCEEDED/);
    expect(stdout).toMatch(/PlaceOrder:declined-1\s+COMPENSATED\s+.*Payment\.Declined/);
    expect(stdout).toMatch(/PlaceOrder:large-1\s+RUNNING/);
  });

  it('list --status --json prints the matching executions as JSON', async () => {
    const { code, stdout } = await baton(['list', '--status', 'COMPENSATED', '--json']);
    expect(code).toBe(0);
    const executions = JSON.parse(stdout) as { executionId: string; status: string }[];
    expect(executions.every((execution) => execution.status === 'COMPENSATED')).toBe(true);
    expect(executions.map((execution) => execution.executionId)).toContain('PlaceOrder:declined-1');
  });

  it('list --since takes durations and ISO times', async () => {
    expect((await baton(['list', '--since', '1h', '--workflow', 'PlaceOrder'])).stdout).toContain('ok-1');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expect((await baton(['list', '--since', tomorrow])).stdout.trim()).toBe('No executions.');
  });

  it('list exits 2 for a --since that is neither', async () => {
    const { code, stderr } = await baton(['list', '--since', 'last week']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "--since must be an ISO 8601 time or a duration such as 30m, 1h or 2d, got 'last week'",
    );
  });

  it('history prints a timeline with the failure and the compensation', async () => {
    const { code, stdout } = await baton(['history', 'PlaceOrder:declined-1']);
    expect(code).toBe(0);
    expect(stdout).toContain('PlaceOrder:declined-1  COMPENSATED  Payment.Declined: the card was declined');
    expect(stdout).toMatch(/\+\d+ ms {2}→ Reserve \(Task\)/);
    expect(stdout).toMatch(/✓ Reserve {2}\(\d+ ms\)/);
    expect(stdout).toContain('✗ Charge failed  Payment.Declined: card declined');
    expect(stdout).toContain('↩ Undoing Reserve with baton:worker:release');
    expect(stdout).toContain('↩ Compensation succeeded');
    expect(stdout).toMatch(/16 events · \d+ ms · 1 step compensated/);
  });

  it('history shows a retry and how long the state took with it', async () => {
    const id = await start('busy-1', { customerId: BUSY_CUSTOMER });
    await vi.waitFor(async () => expect((await client.describe(id)).status).toBe('SUCCEEDED'), {
      timeout: 30_000,
      interval: 100,
    });
    const { stdout } = await baton(['history', id]);
    expect(stdout).toContain('↻ Charge: retry, attempt 2 in 1.00 s (after Payment.Busy)');
    expect(stdout).toMatch(/✓ Charge {2}\(1\.\d\d s\)/);
    expect(stdout).toMatch(/· 1 retry$/m);
  });

  it('history --json prints the events', async () => {
    const { stdout } = await baton(['history', 'PlaceOrder:ok-1', '--json']);
    const events = JSON.parse(stdout) as { type: string }[];
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('describe prints the execution', async () => {
    const { code, stdout } = await baton(['describe', 'PlaceOrder:declined-1']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Execution +PlaceOrder:declined-1$/m);
    expect(stdout).toMatch(/^Status +COMPENSATED$/m);
    expect(stdout).toMatch(/^Error +Payment\.Declined: the card was declined$/m);
  });

  it('describe names the Map Runs; map-runs lists them with items by status; map-run shows one with its children', async () => {
    const arn = await tallied();
    const described = await baton(['describe', 'Tally:t-1']);
    expect(described.stdout).toMatch(new RegExp(`^Map Runs +${escape(arn)}$`, 'm'));
    const listed = await baton(['map-runs', 'Tally:t-1']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^LABEL\s+STATE\s+STATUS\s+ITEMS\s+STARTED\s+MAP RUN$/);
    expect(lines[1]).toMatch(
      new RegExp(`^Items\\s+Sum\\s+SUCCEEDED\\s+2/3 succeeded, 1 failed\\s+\\S+ \\S+Z\\s+${escape(arn)}$`),
    );
    const shown = await baton(['map-run', arn]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Status +SUCCEEDED$/m);
    expect(shown.stdout).toMatch(/^Execution +Tally:t-1 \(state Sum, label Items\)$/m);
    expect(shown.stdout).toMatch(/^Items +2\/3 succeeded, 1 failed$/m);
    expect(shown.stdout).toMatch(/^Tolerated +1 failed items, 0% of the items$/m);
    expect(shown.stdout).toMatch(/^Results +s3:\/\/results\/runs\/[0-9a-f-]{36}\/manifest\.json$/m);
    expect(shown.stdout).toMatch(/^1 +FAILED +1 +\S+ +TooBig: over 100$/m);
  });

  it('describe of a STANDARD child of a Map Run names its parent and the Map Run', async () => {
    await runtime.control.registerWorkflow({
      workflow: 'TallyStandard',
      definition: standardTally,
      domain: 'orders',
    });
    await runtime.control.start({ workflow: 'TallyStandard', name: 's-1', input: { items: [1] } });
    const parent = await vi.waitFor(
      async () => {
        const described = await client.describe('TallyStandard:s-1');
        expect(described.status).toBe('SUCCEEDED');
        return described;
      },
      { timeout: 20_000, interval: 50 },
    );
    const arn = parent.mapRuns?.[0] as string;
    const childId = `TallyStandard/Items:${arn.slice(arn.lastIndexOf(':') + 1)}-0`;
    const { code, stdout } = await baton(['describe', childId]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Parent +TallyStandard:s-1 \(sync:2\)$/m);
    expect(stdout).toMatch(new RegExp(`^Map Run +${escape(arn)} \\(child 0\\)$`, 'm'));
  });

  it('map-run --json prints the description; map-run and map-runs exit 1 naming what is unknown', async () => {
    const arn = await tallied();
    const json = await baton(['map-run', arn, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(await client.describeMapRun(arn));
    const unknown = 'arn:aws:states:eu-west-1:123456789012:mapRun:Tally/Items:nope';
    expect(await baton(['map-run', unknown])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `baton: No Map Run ${unknown}\n`,
    });
    expect(await baton(['map-runs', 'Tally:nope'])).toMatchObject({
      code: 1,
      stderr: 'baton: No execution named Tally:nope\n',
    });
  });

  it('describe exits 1 naming an unknown execution', async () => {
    const { code, stdout, stderr } = await baton(['describe', 'PlaceOrder:nope']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('baton: No execution named PlaceOrder:nope\n');
  });

  it('start runs a workflow with input from a file and prints the execution id', async () => {
    const dir = tempFolder('baton-cli-');
    const file = join(dir, 'order.json');
    writeFileSync(file, JSON.stringify(order('cli-1')));
    const { code, stdout } = await baton(['start', 'PlaceOrder', '--input', `@${file}`, '--name', 'cli-1']);
    expect(code).toBe(0);
    expect(stdout).toBe('PlaceOrder:cli-1\n');
    expect((await client.describe('PlaceOrder:cli-1')).status).toBe('SUCCEEDED');
  });

  it('start exits 1 naming an unknown workflow', async () => {
    const { code, stderr } = await baton(['start', 'Nope']);
    expect(code).toBe(1);
    expect(stderr).toBe('baton: No workflow named Nope\n');
  });

  it('start exits 2 naming the option whose JSON does not parse', async () => {
    const { code, stderr } = await baton(['start', 'PlaceOrder', '--input', '{oops']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^baton: --input is not valid JSON: /);
  });

  it('publish puts an event that starts the workflow it triggers', async () => {
    const detail = JSON.stringify(order('ord-cli'));
    const { code, stdout } = await baton([
      'publish',
      '--source',
      'shop',
      '--detail-type',
      'Order Placed',
      '--detail',
      detail,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Published event [0-9a-f-]{36}\n$/);
    expect(await client.describe('PlaceOrder:ord-cli')).toMatchObject({
      status: 'SUCCEEDED',
      businessKey: 'ord-cli',
    });
  });

  it('publish exits 2 when --detail is not JSON', async () => {
    const { code, stderr } = await baton([
      'publish',
      '--source',
      's',
      '--detail-type',
      'T',
      '--detail',
      '{bad',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^baton: --detail is not valid JSON: /);
  });

  it('stop --compensate stops a running execution and undoes its steps', async () => {
    const id = await start('large-2', { total: 5000 });
    const { code, stdout } = await baton(['stop', id, '--compensate', '--cause', 'customer cancelled']);
    expect(code).toBe(0);
    expect(stdout).toBe(`Stop sent: ${id} (with compensation)\n`);
    expect(await client.describe(id)).toMatchObject({ status: 'COMPENSATED', cause: 'customer cancelled' });
  });

  it('stop exits 1 for an execution that has ended', async () => {
    const { code, stderr } = await baton(['stop', 'PlaceOrder:ok-1']);
    expect(code).toBe(1);
    expect(stderr).toContain('is SUCCEEDED: only a RUNNING or COMPENSATING execution can be stopped');
  });

  it('redrive resumes a failed execution', async () => {
    const id = await start('stock-1', { items: [{ sku: OUT_OF_STOCK }] });
    expect((await client.describe(id)).status).toBe('FAILED');
    runtime.restock();
    const { code, stdout } = await baton(['redrive', id]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Redrive sent: ${id}\n`);
    expect(await client.describe(id)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });

  it('redrive exits 1 for an execution that cannot be redriven', async () => {
    const { code, stderr } = await baton(['redrive', 'PlaceOrder:ok-1']);
    expect(code).toBe(1);
    expect(stderr).toContain('is SUCCEEDED: only a FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED');
  });

  it('rerun starts a new execution at the given state and prints its id', async () => {
    const { code, stdout } = await baton([
      'rerun',
      'PlaceOrder:declined-1',
      '--from',
      'Ship',
      '--input',
      '{"orderId":"x","items":[]}',
    ]);
    expect(code).toBe(0);
    const id = stdout.trim();
    expect(id).toMatch(/^PlaceOrder:declined-1-rerun-\d+$/);
    expect(await client.describe(id)).toMatchObject({
      status: 'SUCCEEDED',
      input: { orderId: 'x', items: [] },
    });
  });

  it('rerun exits 1 for a state the workflow does not have, and 2 without --from', async () => {
    const unknown = await baton(['rerun', 'PlaceOrder:ok-1', '--from', 'Nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("PlaceOrder has no top-level state named 'Nowhere'");
    expect((await baton(['rerun', 'PlaceOrder:ok-1'])).code).toBe(2);
  });

  it('send-task-success completes a waiting task with its output', async () => {
    const id = await start('large-3', { total: 5000 });
    const token = runtime.waitingTokens.at(-1) as string;
    const output = JSON.stringify({ detail: { verdict: 'clear' } });
    const { code, stdout } = await baton(['send-task-success', token, '--output', output]);
    expect(code).toBe(0);
    expect(stdout).toBe('Task success sent\n');
    expect(await client.describe(id)).toMatchObject({
      status: 'SUCCEEDED',
      output: { fraud: { verdict: 'clear' } },
    });
  });

  it('send-task-failure fails a waiting task, and send-task-heartbeat keeps one alive', async () => {
    const id = await start('large-4', { total: 5000 });
    const token = runtime.waitingTokens.at(-1) as string;
    expect((await baton(['send-task-heartbeat', token])).stdout).toBe('Task heartbeat sent\n');
    const failed = await baton([
      'send-task-failure',
      token,
      '--error',
      'Fraud.Suspected',
      '--cause',
      'velocity',
    ]);
    expect(failed.code).toBe(0);
    expect(await client.describe(id)).toMatchObject({ status: 'COMPENSATED', error: 'Fraud.Suspected' });
    const again = await baton(['send-task-success', token]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('The task of this token is no longer waiting');
  });
});

describe.concurrent('baton when no instance is running', () => {
  it('exits 1 and says how to start one, for --url', async () => {
    const port = await closedPort();
    const { code, stderr } = await baton(['list'], { url: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `baton: No Baton instance is running at http://127.0.0.1:${port} — start one with \`npm start\`, or \`npx baton dev\` in your CDK app's directory\n`,
    );
  });

  it('uses the URL in .baton/instance.json of the working directory or above', async () => {
    const project = tempFolder('baton-project-');
    mkdirSync(join(project, '.baton'));
    writeFileSync(
      join(project, '.baton', 'instance.json'),
      JSON.stringify({ url: server.url, pid: process.pid }),
    );
    mkdirSync(join(project, 'src'));
    const { code, stdout } = await baton(['list'], { url: null, cwd: join(project, 'src') });
    expect(code).toBe(0);
    expect(stdout).toContain('PlaceOrder:ok-1');
  });

  it('falls back to 127.0.0.1:$BATON_PORT when there is no instance file', async () => {
    const port = await closedPort();
    const empty = tempFolder('baton-empty-');
    const { code, stderr } = await baton(['list'], {
      url: null,
      cwd: empty,
      env: { BATON_PORT: String(port) },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`No Baton instance is running at http://127.0.0.1:${port}`);
  });
});
