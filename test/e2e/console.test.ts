import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lambdas/engine/json.js';
import { BatonClient } from '../../local/api/client.js';
import { findChromium } from '../helpers/chromium.js';
import { startApiServer, type ApiServer } from '../../local/api/server.js';
import {
  DECLINED_CUSTOMER,
  OUT_OF_STOCK,
  RESULTS_BUCKET,
  order,
  startSampleRuntime,
  tallyItems,
  type SampleRuntime,
} from '../unit/local-api/sample-domain.js';

/** Where the graph's screenshot is left for people to look at. */
const SCREENSHOT = join(tmpdir(), 'baton-console-graph.png');

/** The fills of console.css, as the screenshot's pixels have them. */
const Colour = {
  succeeded: [0x16, 0xa3, 0x4a],
  failed: [0xdc, 0x26, 0x26],
  compensated: [0x7c, 0x3a, 0xed],
  running: [0x25, 0x63, 0xeb],
} as const;

/** A JSONata workflow that assigns variables, one of them a Catch's. */
const tally = {
  QueryLanguage: 'JSONata',
  StartAt: 'Count',
  States: {
    Count: {
      Type: 'Pass',
      Assign: {
        count: '{% $count($states.input.items) %}',
        customer: { id: '{% $states.input.customerId %}' },
      },
      Next: 'Label',
    },
    Label: {
      Type: 'Pass',
      Output: { label: '{% $customer.id & ":" & $string($count) %}' },
      Assign: { labelled: true },
      End: true,
    },
  },
};

/** Runs Tally as a `.sync:2` child execution. */
const tallyParent = {
  StartAt: 'RunTally',
  States: {
    RunTally: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Tally',
        'Input.$': '$',
        Name: 'tally-of-parent-1',
      },
      End: true,
    },
  },
};

/** The sample's Distributed Map with STANDARD children (executions of their own). */
const standardItems = structuredClone(tallyItems) as { States: { Sum: Record<string, JsonObject> } };
standardItems.States.Sum.ItemProcessor = {
  ...standardItems.States.Sum.ItemProcessor,
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
};

let runtime: SampleRuntime;
let server: ApiServer;
let browser: Browser;
let client: BatonClient;

beforeAll(async () => {
  runtime = await startSampleRuntime();
  const start = (name: string, overrides: Parameters<typeof order>[1] = {}) =>
    runtime.control.start({ workflow: 'PlaceOrder', name, input: order(name, overrides) });
  await start('ok-1');
  await start('declined-1', { customerId: DECLINED_CUSTOMER });
  await start('large-1', { total: 5000 });
  await start('stock-1', { items: [{ sku: OUT_OF_STOCK }] });
  await start('large-2', { total: 5000 });
  await runtime.control.registerWorkflow({ workflow: 'Tally', definition: tally, domain: 'orders' });
  await runtime.control.start({ workflow: 'Tally', name: 'tally-1', input: order('tally-1') });
  // A parent that runs Tally as a child execution and waits for it.
  await runtime.control.registerWorkflow({
    workflow: 'TallyParent',
    definition: tallyParent,
    domain: 'orders',
  });
  await runtime.control.start({ workflow: 'TallyParent', name: 'parent-1', input: order('parent-1') });
  // Distributed Maps over three items, one of which fails (tolerated): EXPRESS children with a
  // ResultWriter, and STANDARD children (executions of their own).
  for (const [workflow, definition] of [
    ['ItemsExpress', tallyItems],
    ['ItemsStandard', standardItems as unknown as JsonObject],
  ] as const) {
    await runtime.control.registerWorkflow({ workflow, definition, domain: 'orders' });
    await runtime.control.start({ workflow, name: 'm-1', input: { items: [1, 500, 3] } });
  }
  server = await startApiServer(runtime.control);
  client = new BatonClient(server.url);
  browser = await chromium.launch(await findChromium());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await runtime?.control.close();
});

/** Script errors of each open page: a page must close without any. */
const pageErrors = new WeakMap<Page, string[]>();

async function open(hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(5000);
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/${hash}`);
  return page;
}

async function close(page: Page): Promise<void> {
  await page.close();
  expect(pageErrors.get(page)).toEqual([]);
}

async function openExecution(executionId: string): Promise<Page> {
  const page = await open(`#/executions/${encodeURIComponent(executionId)}`);
  await page.locator('svg.graph').waitFor();
  return page;
}

const statusOf = (page: Page, state: string) =>
  page.locator(`g.node[data-state="${state}"]`).getAttribute('data-status');

/** How many pixels of the PNG have exactly this colour. */
function countPixels(png: PNG, [r, g, b]: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) count += 1;
  }
  return count;
}

describe('the console', () => {
  it('lists the executions with their statuses', async () => {
    const page = await open();
    await page.locator('table.executions').waitFor();
    const row = (name: string) => page.locator(`tr[data-execution="PlaceOrder:${name}"] .badge`);
    expect(await row('ok-1').textContent()).toBe('SUCCEEDED');
    expect(await row('declined-1').textContent()).toBe('COMPENSATED');
    expect(await row('large-1').textContent()).toBe('RUNNING');
    expect(await row('stock-1').textContent()).toBe('FAILED');
    await close(page);
  });

  it('filters the list by status and business key', async () => {
    const page = await open();
    await page.locator('table.executions').waitFor();
    await page.selectOption('select[name=status]', 'COMPENSATED');
    await page.locator('tr[data-execution="PlaceOrder:ok-1"]').waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.selectOption('select[name=status]', '');
    await page.fill('input[name=businessKey]', 'no-such-key');
    await page.getByText('No executions match.').waitFor();
    await close(page);
  });

  it('draws the workflow graph with each state coloured by its status, and nested groups', async () => {
    const page = await open();
    await page.locator('a', { hasText: 'declined-1' }).click();
    await page.locator('svg.graph').waitFor();
    const states = await page
      .locator('g.node')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')));
    expect(states.sort()).toEqual(
      [
        'Charge',
        'Declined',
        'Done',
        'Finish',
        'FraudCheck',
        'IsLarge',
        'Notify',
        'Pack',
        'PackItem',
        'Reserve',
        'Ship',
      ].sort(),
    );
    expect(await statusOf(page, 'Reserve')).toBe('compensated');
    expect(await statusOf(page, 'IsLarge')).toBe('succeeded');
    expect(await statusOf(page, 'Charge')).toBe('failed');
    expect(await statusOf(page, 'Declined')).toBe('failed');
    expect(await statusOf(page, 'FraudCheck')).toBe('not-run');
    expect(await page.locator('g.node[data-state="Charge"]').getAttribute('class')).toContain(
      'status-failed',
    );
    const groups = await page
      .locator('g.group')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-group')));
    expect(groups).toEqual(['Finish (Parallel)', 'Branch 1', 'Branch 2', 'Pack (Map)', 'Item processor']);
    expect(await page.locator('g.edge.catch[data-from="Charge"][data-to="Declined"]').count()).toBe(1);
    expect(await page.locator('g.edge.default[data-from="IsLarge"][data-to="Charge"]').count()).toBe(1);
    const taken = await page
      .locator('g.edge.taken')
      .evaluateAll((edges) =>
        edges.map((edge) => `${edge.getAttribute('data-from')}->${edge.getAttribute('data-to')}`),
      );
    expect(taken.sort()).toEqual(
      ['__start__->Reserve', 'Reserve->IsLarge', 'IsLarge->Charge', 'Charge->Declined'].sort(),
    );
    expect(await page.locator('#compensations tbody tr').textContent()).toContain('Reserve');
    expect(await page.locator('#timeline tbody tr').count()).toBe(16);
    await close(page);
  });

  it("shows a state's input and output when its node is clicked", async () => {
    const page = await openExecution('PlaceOrder:ok-1');
    await page.locator('g.node[data-state="Charge"]').click();
    const input = JSON.parse((await page.locator('#details .state-input pre').textContent()) ?? '');
    const output = JSON.parse((await page.locator('#details .state-output pre').textContent()) ?? '');
    expect(input).toMatchObject({ orderId: 'ok-1', reservation: { id: 'res-ok-1' } });
    expect(output).toMatchObject({ payment: { paymentId: 'pay-ok-1' } });
    expect(await page.locator('g.node[data-state="Charge"]').getAttribute('class')).toContain('selected');
    await close(page);
  });

  it("shows the variables a state assigned, and the execution's variables", async () => {
    const page = await openExecution('Tally:tally-1');
    await page.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    const variables = (selector: string) =>
      page
        .locator(`${selector} tr`)
        .evaluateAll((rows) =>
          rows.map((row) => [row.querySelector('th')?.textContent, row.querySelector('pre')?.textContent]),
        );
    expect(await variables('#variables')).toEqual([
      ['$count', '2'],
      ['$customer', JSON.stringify({ id: 'cust-1' }, null, 2)],
      ['$labelled', 'true'],
    ]);
    await page.locator('g.node[data-state="Count"]').click();
    expect(await variables('#details .state-variables')).toEqual([
      ['$count', '2'],
      ['$customer', JSON.stringify({ id: 'cust-1' }, null, 2)],
    ]);
    await page.locator('g.node[data-state="Label"]').click();
    expect(await variables('#details .state-variables')).toEqual([['$labelled', 'true']]);
    const output = JSON.parse((await page.locator('#details .state-output pre').textContent()) ?? '');
    expect(output).toEqual({ label: 'cust-1:2' });
    await close(page);
  });

  it('links a parent to its child execution and the child back to its parent', async () => {
    const parent = await openExecution('TallyParent:parent-1');
    await parent.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    const child = parent.locator('#children a');
    expect(await child.textContent()).toBe('Tally:tally-of-parent-1');
    await child.click();
    await parent.locator('h1 #execution-id', { hasText: 'Tally:tally-of-parent-1' }).waitFor();
    const back = parent.locator('dd a', { hasText: 'TallyParent:parent-1' });
    expect(await back.getAttribute('href')).toBe(
      `#/executions/${encodeURIComponent('TallyParent:parent-1')}`,
    );
    await close(parent);
  });

  it("shows a STANDARD Map Run's progress and counts, and links to its child executions", async () => {
    const page = await openExecution('ItemsStandard:m-1');
    const run = page.locator('#map-runs .map-run');
    // The page looks again while the run runs: it ends SUCCEEDED with one failure tolerated.
    await run.locator('h3 .badge[data-status="SUCCEEDED"]').waitFor({ timeout: 20_000 });
    const count = (kind: string, field: string) =>
      run.locator(`tr[data-counts="${kind}"] td[data-count="${field}"]`).textContent();
    expect([
      await count('items', 'succeeded'),
      await count('items', 'failed'),
      await count('items', 'total'),
    ]).toEqual(['2', '1', '3']);
    expect(await count('executions', 'running')).toBe('0');
    expect(await run.locator('.progress').getAttribute('aria-valuenow')).toBe('3');
    const width = (part: string) =>
      run
        .locator(`.progress [data-part="${part}"]`)
        .evaluate((element) => (element as unknown as { style: { width: string } }).style.width);
    expect([await width('succeeded'), await width('failed')]).toEqual(['66.67%', '33.33%']);
    expect(await run.locator('.progress [data-part="pending"]').count()).toBe(0);
    const rows = run.locator('.map-run-children tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(1).locator('.badge').textContent()).toBe('FAILED');
    expect(await rows.nth(1).textContent()).toContain('TooBig: over 100');
    const link = rows.nth(0).locator('a');
    const childId = (await link.textContent()) as string;
    expect(childId).toMatch(/^ItemsStandard\/Items:[0-9a-f-]{36}-0$/);
    await link.click();
    await page.locator('h1 #execution-id', { hasText: childId }).waitFor();
    await page.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    // The child names its parent and the Map Run that started it.
    expect(await page.locator('dd a', { hasText: 'ItemsStandard:m-1' }).count()).toBe(1);
    expect(await page.locator('#parent-map-run').textContent()).toMatch(
      /^arn:aws:states:[^:]+:\d{12}:mapRun:ItemsStandard\/Items:[0-9a-f-]{36} · child 0$/,
    );
    await close(page);
  });

  it('follows a Map Run while it runs, without a reload', async () => {
    // One child at a time, a tick a second: the run is still going when the page opens.
    const oneByOne = structuredClone(standardItems);
    oneByOne.States.Sum.MaxConcurrency = 1 as unknown as JsonObject;
    await runtime.control.registerWorkflow({
      workflow: 'ItemsOneByOne',
      definition: oneByOne as unknown as JsonObject,
      domain: 'orders',
    });
    await runtime.control.start({
      workflow: 'ItemsOneByOne',
      name: 'm-1',
      input: { items: [1, 2, 3, 4, 5, 6] },
    });
    const page = await openExecution('ItemsOneByOne:m-1');
    const run = page.locator('#map-runs .map-run');
    await run.locator('h3 .badge[data-status="RUNNING"]').waitFor();
    const pending = Number(
      await run.locator('tr[data-counts="items"] td[data-count="pending"]').textContent(),
    );
    expect(pending).toBeGreaterThan(0);
    await run.locator('h3 .badge[data-status="SUCCEEDED"]').waitFor({ timeout: 30_000 });
    expect(await run.locator('tr[data-counts="items"] td[data-count="succeeded"]').textContent()).toBe('6');
    expect(await run.locator('.map-run-children tbody tr').count()).toBe(6);
    await close(page);
  }, 60_000);

  it("shows where an EXPRESS Map Run's ResultWriter put its manifest, and the children's outcomes", async () => {
    const page = await openExecution('ItemsExpress:m-1');
    const run = page.locator('#map-runs .map-run');
    await run.locator('h3 .badge[data-status="SUCCEEDED"]').waitFor({ timeout: 20_000 });
    const arn = (await run.getAttribute('data-map-run')) as string;
    const id = arn.slice(arn.lastIndexOf(':') + 1);
    expect(await run.locator('[data-manifest]').textContent()).toBe(
      `s3://${RESULTS_BUCKET}/runs/${id}/manifest.json`,
    );
    const rows = run.locator('.map-run-children tbody tr');
    expect(await rows.locator('.badge').allTextContents()).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    // EXPRESS children have no execution of their own to link to.
    expect(await rows.locator('a').count()).toBe(0);
    await close(page);
  });

  it('shows no variables for a state that assigned none', async () => {
    const page = await openExecution('PlaceOrder:ok-1');
    await page.locator('g.node[data-state="Charge"]').click();
    await page.locator('#details .state-output').waitFor();
    expect(await page.locator('#details .state-variables').count()).toBe(0);
    expect(await page.locator('#variables').count()).toBe(0);
    await close(page);
  });

  it('shows the error of a failed state', async () => {
    const page = await openExecution('PlaceOrder:declined-1');
    await page.locator('g.node[data-state="Charge"]').click();
    expect(await page.locator('#details .state-error pre').textContent()).toBe(
      'Payment.Declined: card declined',
    );
    await close(page);
  });

  it('takes a screenshot of the graph with the colours of succeeded, failed and compensated states', async () => {
    const page = await openExecution('PlaceOrder:declined-1');
    const shot = await page.locator('svg.graph').screenshot();
    writeFileSync(SCREENSHOT, shot);
    const png = PNG.sync.read(shot);
    expect(png.width).toBeGreaterThan(200);
    expect(png.height).toBeGreaterThan(400);
    const white = countPixels(png, [255, 255, 255]);
    expect(white / (png.width * png.height)).toBeLessThan(0.95);
    // Node boxes are 96+ by 40 px of solid fill; their text takes some of it.
    expect(countPixels(png, Colour.succeeded)).toBeGreaterThan(1500);
    expect(countPixels(png, Colour.failed)).toBeGreaterThan(3000);
    expect(countPixels(png, Colour.compensated)).toBeGreaterThan(1500);
    expect(countPixels(png, Colour.running)).toBe(0);
    await close(page);
  });

  it('highlights the path taken, and shows a failed state as failed and not in progress', async () => {
    const page = await openExecution('PlaceOrder:stock-1');
    expect(await statusOf(page, 'Reserve')).toBe('failed');
    expect(await page.locator('g.node[data-state="Reserve"]').getAttribute('data-taken')).toBe('');
    expect(await page.locator('g.node[data-state="IsLarge"]').getAttribute('data-taken')).toBeNull();
    expect(await page.locator('g.edge.taken').count()).toBe(1);
    expect(await page.locator('g.edge.taken[data-from="__start__"][data-to="Reserve"]').count()).toBe(1);
    const fill = await page
      .locator('g.node[data-state="Reserve"] rect')
      .evaluate((rect) => rect.ownerDocument.defaultView?.getComputedStyle(rect).fill);
    expect(fill).toBe('rgb(220, 38, 38)');
    await page.locator('g.node[data-state="Reserve"]').click();
    const label = (await page.locator('#details .run .label').first().textContent()) ?? '';
    expect(label).toContain('failed');
    expect(label).not.toContain('in progress');
    const error = page.locator('#details .state-error pre');
    expect(
      await error.evaluate((pre) => pre.ownerDocument.defaultView?.getComputedStyle(pre).whiteSpace),
    ).toBe('pre-wrap');
    expect(
      await error.evaluate((pre) => pre.ownerDocument.defaultView?.getComputedStyle(pre).overflowWrap),
    ).toBe('anywhere');
    await close(page);
  });

  it('redrives a failed execution from its page', async () => {
    const page = await openExecution('PlaceOrder:stock-1');
    expect(await statusOf(page, 'Reserve')).toBe('failed');
    runtime.restock();
    await page.locator('#redrive').click();
    await page.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    expect(await statusOf(page, 'Reserve')).toBe('succeeded');
    expect(await statusOf(page, 'Done')).toBe('succeeded');
    expect(await page.locator('#redrive').isDisabled()).toBe(true);
    await close(page);
  });

  it('reruns from the selected state and opens the new execution', async () => {
    const page = await openExecution('PlaceOrder:declined-1');
    expect(await page.locator('#rerun').isDisabled()).toBe(true);
    await page.locator('g.node[data-state="Ship"]').click();
    await page.locator('#rerun').click();
    await page.waitForURL(/#\/executions\/PlaceOrder%3Adeclined-1-rerun-1$/);
    await page.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    expect(await statusOf(page, 'Reserve')).toBe('not-run');
    expect(await statusOf(page, 'Ship')).toBe('succeeded');
    await close(page);
  });

  it('stops a running execution and compensates it', async () => {
    const page = await openExecution('PlaceOrder:large-2');
    expect(await statusOf(page, 'FraudCheck')).toBe('running');
    await page.locator('#stop-compensate').click();
    await page.locator('h1 .badge[data-status="COMPENSATED"]').waitFor();
    expect(await statusOf(page, 'Reserve')).toBe('compensated');
    await close(page);
  });

  it('updates live when the execution changes elsewhere', async () => {
    const page = await openExecution('PlaceOrder:large-1');
    await page.locator('#live.on').waitFor();
    expect(await statusOf(page, 'FraudCheck')).toBe('running');
    await client.publish([
      {
        source: 'fraud',
        detailType: 'Fraud Check Completed',
        detail: { orderId: 'large-1', verdict: 'clear' },
      },
    ]);
    await page.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    expect(await statusOf(page, 'FraudCheck')).toBe('succeeded');
    await close(page);
  });
});
