/**
 * `npm run bench -- local`: end-to-end steps per second of the example PlaceOrder saga on the
 * embedded services (dynalite on disk, local SQS queues and bus, Lambda pollers running the same
 * inbox handler and worker modules), with the shipping domain reacting by choreography.
 *
 * A step is a state entered (history events whose type ends in `StateEntered`), counted from the
 * executions' stored histories. Peer, in the same run: the same definition and the same worker
 * functions through the in-process engine (`runWorkflow`), which has no store and no queues: the
 * ratio shows what the transports and persistence cost.
 *
 * Also printed: the process's CPU time per step (all threads: the loop, dynalite's thread, the
 * garbage collector; steadier than steps/s on a machine doing other work) and memory (RSS and
 * V8 heap after a full collection) after the warm-up, when the burst has ended, and once the
 * burst's last messages (the tasks' timeout timers, stale by then) have been delivered
 * (BENCH_LOCAL_DRAIN_SECONDS, default 35; 0 skips it). BENCH_LOCAL_ORDERS=5000 runs 10,000
 * executions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ExecutionStatus } from '../../lambdas/engine/execution.js';
import { runWorkflow } from '../../lambdas/index.js';
import { exampleDomains, ordersDomain } from '../../examples/app/domains.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import type { Suite } from '../suite.js';

const ORDERS = Number(process.env.BENCH_LOCAL_ORDERS ?? 300);
/** Orders run before timing (BENCH_LOCAL_WARMUP_ORDERS). */
const WARMUP_ORDERS = Math.max(1, Number(process.env.BENCH_LOCAL_WARMUP_ORDERS ?? 100));
const GOAL_STEPS_PER_SECOND = 1_000;
/**
 * The burst's last messages are its tasks' timeout timers, 30 s (the example's longest) after
 * dispatch: memory is read again this long after the end (BENCH_LOCAL_DRAIN_SECONDS; 0 skips it).
 */
const DRAIN_SECONDS = Number(process.env.BENCH_LOCAL_DRAIN_SECONDS ?? 35);
const TERMINAL: readonly ExecutionStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'COMPENSATED',
  'COMPENSATION_FAILED',
];

function order(orderId: string) {
  return {
    source: 'com.example.storefront',
    detailType: 'Order Placed',
    detail: {
      orderId,
      customerId: 'cust-42',
      items: [{ sku: 'BOOK-1', quantity: 1 }],
      total: 50,
      currency: 'EUR',
      shippingAddress: { country: 'DE' },
    },
  };
}

export const localSuite: Suite = {
  name: 'local',
  description:
    'end-to-end steps/s of the example saga on the embedded services (npm start), against the in-process engine',
  run: async ({ log }) => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-bench-local-'));
    // The settings `npm start` runs with.
    const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
    try {
      const terminal = new Set<string>();
      runtime.subscribe(({ executionId, status }) => {
        if (TERMINAL.includes(status)) terminal.add(executionId);
      });
      // Warm-up, so that module loading, table creation and the first JIT compilations are not
      // timed: the figures are those of an instance that has been running for a while.
      const warmIds = Array.from({ length: WARMUP_ORDERS }, (_, i) => `warm-${i}`);
      for (let i = 0; i < warmIds.length; i += 10) await runtime.publish(warmIds.slice(i, i + 10).map(order));
      await waitFor(() => warmIds.every((id) => terminal.has(`ScheduleShipment:${id}`)), 120_000);
      terminal.clear();

      const before = memory();
      const ids = Array.from({ length: ORDERS }, (_, i) => `bench-${i}`);
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      for (let i = 0; i < ids.length; i += 10) await runtime.publish(ids.slice(i, i + 10).map(order));
      await waitFor(
        () => ids.every((id) => terminal.has(`PlaceOrder:${id}`) && terminal.has(`ScheduleShipment:${id}`)),
        Math.max(120_000, ORDERS * 100),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStarted);
      const ended = memory();
      let drained: string | undefined;
      if (DRAIN_SECONDS > 0) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_SECONDS * 1000));
        drained = memory();
      }

      let steps = 0;
      const statuses = new Map<string, number>();
      for (const id of ids) {
        for (const workflow of ['PlaceOrder', 'ScheduleShipment']) {
          const executionId = `${workflow}:${id}`;
          const history = await runtime.history(executionId);
          steps += history.filter((event) => event.type.endsWith('StateEntered')).length;
          const status = (await runtime.describe(executionId)).status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }
      const localRate = steps / seconds;

      // Peer: the same PlaceOrder definition and worker functions, in-process.
      const definition = ordersDomain().workflows.PlaceOrder;
      const tasks = await workerFunctions();
      const peerStarted = performance.now();
      let peerSteps = 0;
      for (const id of ids) {
        const result = await runWorkflow(definition, order(id).detail, { tasks, name: id });
        if (result.status !== 'SUCCEEDED')
          throw new Error(`peer: ${id} ended ${result.status}: ${result.error}: ${result.cause}`);
        peerSteps += result.history.filter((event) => event.type.endsWith('StateEntered')).length;
      }
      const peerRate = peerSteps / ((performance.now() - peerStarted) / 1000);

      log(`-- local: ${ORDERS} orders (PlaceOrder + ScheduleShipment by choreography), published at once`);
      log(`  executions: ${[...statuses].map(([status, count]) => `${count} ${status}`).join(', ')}`);
      log(`  steps (states entered): ${steps}, in ${seconds.toFixed(2)} s`);
      log(`  embedded services:        ${Math.round(localRate).toLocaleString('en-US')} steps/s end to end`);
      log(
        `  executions/s:             ${Math.round((2 * ORDERS) / seconds).toLocaleString('en-US')}; CPU per step ${((cpu.user + cpu.system) / 1000 / steps).toFixed(2)} ms (process, all threads)`,
      );
      log(`  memory after the warm-up:   ${before}`);
      log(`  memory when all had ended:  ${ended}`);
      if (drained !== undefined) log(`  memory ${DRAIN_SECONDS} s later:        ${drained}`);
      log(
        `  peer, in-process engine:  ${Math.round(peerRate).toLocaleString('en-US')} steps/s (PlaceOrder only, no store, no queues)`,
      );
      log(`  ratio local/in-process:   ${(localRate / peerRate).toFixed(3)}x`);
      log(
        `goal: >= ${GOAL_STEPS_PER_SECOND} steps/s end to end: ${localRate >= GOAL_STEPS_PER_SECOND ? 'met' : 'NOT met'} (${Math.round(localRate)})`,
      );
      log(`local steps per second: ${Math.round(localRate)}`);
    } finally {
      await runtime.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** Collects garbage, when the flag can be set at run time: heap figures then count live objects only. */
const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** RSS and V8 heap in use, after a full collection. */
function memory(): string {
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
  return `RSS ${mb(rss)}, heap ${mb(heapUsed)}`;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The orders domain's worker functions, by resource, for the in-process peer. */
async function workerFunctions() {
  const { reserveInventory } = await import('../../examples/app/workers/inventory-reserve.js');
  const { chargePayment } = await import('../../examples/app/workers/payment-charge.js');
  const { createShipment } = await import('../../examples/app/workers/shipment-create.js');
  return {
    'baton:worker:inventory-reserve': reserveInventory,
    'baton:worker:payment-charge': chargePayment,
    'baton:worker:shipment-create': createShipment,
    'arn:aws:states:::events:putEvents': () => ({ Entries: [{ EventId: 'local' }], FailedEntryCount: 0 }),
  } as never;
}
