import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StateMachineDefinition } from '../../../lambdas/engine/definition.js';
import { NotFoundError } from '../../../local/control.js';
import { InProcessControl } from '../../../testing/in-process-control.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';

const T0 = Date.UTC(2026, 0, 1);

const waitASecond: StateMachineDefinition = {
  StartAt: 'Pause',
  States: { Pause: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Succeed' } },
};

const echo: StateMachineDefinition = {
  StartAt: 'Echo',
  States: { Echo: { Type: 'Task', Resource: 'baton:worker:echo', End: true } },
};

/** A fake wall clock the control follows, moved by the test. */
function fakeClock() {
  let now = T0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const controls: InProcessControl[] = [];
afterEach(async () => {
  await Promise.all(controls.splice(0).map((control) => control.close()));
});

async function setUp(definition: StateMachineDefinition, clock = fakeClock()) {
  const domain = new InProcessDomain({ startTime: T0, workers: { echo: (input: unknown) => input } });
  await domain.deploy('Flow', definition);
  const control = new InProcessControl({
    domains: [{ name: 'main', domain, workflows: ['Flow'] }],
    clock,
    pollIntervalMs: 5,
    newId: (() => {
      let n = 0;
      return () => `id-${++n}`;
    })(),
  });
  controls.push(control);
  return { control, clock, domain };
}

describe('the in-process control', () => {
  it('fires a Wait state when the wall clock passes its time, in the background', async () => {
    const { control, clock } = await setUp(waitASecond);
    const id = await control.start({ workflow: 'Flow', input: {} });
    expect(id).toBe('Flow:id-1');
    expect((await control.describe(id)).status).toBe('RUNNING');
    clock.advance(999);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await control.describe(id)).status).toBe('RUNNING');
    clock.advance(1);
    await vi.waitFor(async () => expect((await control.describe(id)).status).toBe('SUCCEEDED'), {
      timeout: 30_000,
      interval: 50,
    });
  });

  it('delivers nothing more once closed', async () => {
    const { control, clock } = await setUp(waitASecond);
    const id = await control.start({ workflow: 'Flow', input: {} });
    await control.close();
    clock.advance(5000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await control.describe(id)).status).toBe('RUNNING');
  });

  it('tells listeners each status change until they unsubscribe', async () => {
    const { control } = await setUp(echo);
    const changes: string[] = [];
    const unsubscribe = control.subscribe((change) => changes.push(`${change.executionId} ${change.status}`));
    await control.start({ workflow: 'Flow', input: {}, name: 'a' });
    unsubscribe();
    await control.start({ workflow: 'Flow', input: {}, name: 'b' });
    expect(changes).toEqual(['Flow:a RUNNING', 'Flow:a SUCCEEDED']);
  });

  it('keeps telling the other listeners when one throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const domain = new InProcessDomain({ startTime: T0, workers: { echo: (input: unknown) => input } });
    await domain.deploy('Flow', echo);
    const control = new InProcessControl({
      domains: [{ name: 'main', domain, workflows: ['Flow'] }],
      onError: (error) => errors.push(error),
    });
    controls.push(control);
    const seen: string[] = [];
    control.subscribe(() => {
      throw new Error('listener broke');
    });
    control.subscribe((change) => seen.push(change.status));
    await control.start({ workflow: 'Flow', input: {} });
    expect(seen.at(-1)).toBe('SUCCEEDED');
    expect(String(errors[0])).toContain('listener broke');
  });

  it('starts a workflow on the domain that runs it, and routes events by bus', async () => {
    const orders = new InProcessDomain({ startTime: T0, workers: { echo: (input: unknown) => input } });
    const billing = new InProcessDomain({ startTime: T0, workers: { echo: (input: unknown) => input } });
    await orders.deploy('Order', echo);
    await billing.deploy('Invoice', echo);
    const control = new InProcessControl({
      domains: [
        { name: 'orders', domain: orders, workflows: ['Order'], eventBus: 'orders-bus' },
        {
          name: 'billing',
          domain: billing,
          workflows: ['Invoice'],
          eventBus: 'billing-bus',
          triggers: [{ workflow: 'Invoice', detailType: 'Order Shipped', businessKeyPath: '$.detail.id' }],
        },
      ],
    });
    controls.push(control);
    const id = await control.start({ workflow: 'Invoice', input: { n: 1 } });
    expect((await control.describe(id)).domain).toBe('billing');
    await control.publish([
      { source: 'shop', detailType: 'Order Shipped', detail: { id: 'i-1' }, eventBusName: 'orders-bus' },
    ]);
    await expect(control.describe('Invoice:i-1')).rejects.toThrow(NotFoundError);
    await control.publish([
      { source: 'shop', detailType: 'Order Shipped', detail: { id: 'i-2' }, eventBusName: 'billing-bus' },
    ]);
    expect((await control.describe('Invoice:i-2')).status).toBe('SUCCEEDED');
  });

  it('refuses two domains of the same name', () => {
    const domain = new InProcessDomain();
    expect(
      () =>
        new InProcessControl({
          domains: [
            { name: 'a', domain, workflows: [] },
            { name: 'a', domain, workflows: [] },
          ],
        }),
    ).toThrow("Two domains are named 'a'");
  });
});
