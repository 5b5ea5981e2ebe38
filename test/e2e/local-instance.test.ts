/**
 * The CLI and the console against what `npm start` serves: the local runtime (dynalite on disk,
 * the local queues and bus, pollers running the example worker modules) behind the HTTP API, wired
 * as `local/start.ts` wires them, with the example domains. The other CLI and console tests run the
 * same control plane on in-process domains, where each request is delivered before it returns;
 * here everything is asynchronous, as users see it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExecutionStatus } from '../../lambdas/engine/execution.js';
import { exampleDomains } from '../../examples/app/domains.js';
import { BatonClient } from '../../local/api/client.js';
import { startApiServer, type ApiServer } from '../../local/api/server.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { findChromium } from '../helpers/chromium.js';
import { orderDetail } from '../helpers/example-orders.js';
import { runCli, type CliResult } from '../helpers/cli.js';

let dataDir: string;
let runtime: LocalRuntime;
let server: ApiServer;
let client: BatonClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'baton-instance-'));
  runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
  server = await startApiServer(runtime);
  client = new BatonClient(server.url);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

function baton(args: readonly string[]): Promise<CliResult> {
  return runCli(['--url', server.url, ...args], { cwd: dataDir, env: {} });
}

async function until(executionId: string, status: ExecutionStatus): Promise<void> {
  await vi.waitFor(async () => expect((await client.describe(executionId)).status).toBe(status), {
    timeout: 45_000,
    interval: 50,
  });
}

async function placeOrder(orderId: string, customerId: string, total: number): Promise<void> {
  const result = await baton([
    'publish',
    '--source',
    'com.example.storefront',
    '--detail-type',
    'Order Placed',
    '--detail',
    JSON.stringify(orderDetail(orderId, customerId, total)),
  ]);
  expect(result).toMatchObject({ code: 0 });
}

describe('baton against the local runtime', () => {
  it('publishes an order that runs to its end, then lists, describes and shows its history', async () => {
    await placeOrder('li-1', 'cust-42', 20);
    await until('PlaceOrder:li-1', 'SUCCEEDED');
    // The orders domain's Order Confirmed starts the shipping domain's saga by choreography.
    await until('ScheduleShipment:li-1', 'SUCCEEDED');
    const listed = await baton(['list', '--workflow', 'PlaceOrder', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ executionId: 'PlaceOrder:li-1', status: 'SUCCEEDED', domain: 'orders' }),
    );
    const described = await baton(['describe', 'PlaceOrder:li-1']);
    expect(described.stdout).toMatch(/SUCCEEDED/);
    const history = await baton(['history', 'PlaceOrder:li-1']);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('✓ ChargePayment');
  });

  it('shows a declined order compensated, with the steps it undid', async () => {
    await placeOrder('li-2', 'cust-declined', 20);
    await until('PlaceOrder:li-2', 'COMPENSATED');
    const history = await baton(['history', 'PlaceOrder:li-2']);
    expect(history.stdout).toContain('PlaceOrder:li-2  COMPENSATED  Payment.Declined');
    expect(history.stdout).toContain('↩ Undoing ReserveInventory');
  });

  it('starts by name from a file once, and refuses the taken name', async () => {
    const input = join(dataDir, 'order.json');
    writeFileSync(input, JSON.stringify(orderDetail('li-3', 'cust-42', 20)));
    const first = await baton(['start', 'PlaceOrder', '--input', `@${input}`, '--name', 'li-3']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('PlaceOrder:li-3');
    // The start is queued when the command returns; the name is taken once the orchestrator has
    // started the execution (until then a second start of the same name is the same start).
    await until('PlaceOrder:li-3', 'SUCCEEDED');
    const again = await baton(['start', 'PlaceOrder', '--input', `@${input}`, '--name', 'li-3']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('An execution named PlaceOrder:li-3 already exists');
  });

  it('stops a waiting order and undoes its steps', async () => {
    await placeOrder('li-4', 'cust-7', 2500);
    // Waiting for its fraud check: the inventory is reserved, so there is something to undo.
    await vi.waitFor(
      async () =>
        expect(
          (await client.history('PlaceOrder:li-4')).some(
            (event) => event.type === 'TaskScheduled' && event.stateName === 'WaitForFraudCheck',
          ),
        ).toBe(true),
      { timeout: 45_000, interval: 50 },
    );
    const stopped = await baton(['stop', 'PlaceOrder:li-4', '--compensate']);
    expect(stopped.code).toBe(0);
    await until('PlaceOrder:li-4', 'COMPENSATED');
    const again = await baton(['stop', 'PlaceOrder:li-4']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('only a RUNNING or COMPENSATING execution can be stopped');
  });

  it('refuses a forged task token, naming why', async () => {
    const claims = Buffer.from(JSON.stringify({ e: 'PlaceOrder:li-1', t: 'root:1:1' })).toString('base64url');
    const result = await baton(['send-task-success', `v1.${claims}.forged`, '--output', '{}']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does not verify');
  });
});

describe('the console served by the local runtime', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch(await findChromium());
    await placeOrder('li-5', 'cust-42', 20);
    await until('PlaceOrder:li-5', 'SUCCEEDED');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('lists the executions and draws one as it ran', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/`);
    const row = page.locator('tr[data-execution="PlaceOrder:li-5"] .badge');
    await row.waitFor();
    expect(await row.textContent()).toBe('SUCCEEDED');
    await page.goto(`${server.url}/#/executions/${encodeURIComponent('PlaceOrder:li-5')}`);
    await page.locator('svg.graph').waitFor();
    const charge = page.locator('g.node[data-state="ChargePayment"]');
    expect(await charge.getAttribute('data-status')).toBe('succeeded');
    await page.close();
    expect(errors).toEqual([]);
  });
});
