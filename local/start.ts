/**
 * `npm start`: Baton locally. Starts the example domains (orders and shipping, configured in
 * `examples/app/domains.ts`, as the CDK app deploys them) on embedded services, serves the JSON API
 * and the console on 127.0.0.1, and publishes three sample `Order Placed` events: one that
 * succeeds, one whose payment is declined (the saga compensates), and a large order that waits for
 * its `Fraud Check Completed` event (published a moment later). Keeps serving until Ctrl-C.
 *
 *   npm start [-- --no-demo] [--port 4545] [--fresh] [--exit-after-demo] [--data-dir .baton] [--mocks mocks.json]
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exampleDomains } from '../examples/app/domains.js';
import { isTerminal, type ExecutionStatus } from '../lambdas/engine/execution.js';
import { apiPortFromEnvironment, removeInstanceFile, writeInstanceFile } from './api/instance-file.js';
import { startApiServer, type ApiServer } from './api/server.js';
import { acquireInstanceLock, INSTANCE_LOCK_FILE, InstanceLockedError } from './runtime/instance-lock.js';
import { LocalRuntime } from './runtime/local-runtime.js';
import { loadMocksFile, MocksFileError } from './runtime/mocks-file.js';

const FRAUD_CHECK_DELAY_MS = 2_000;
const DEMO_DEADLINE_MS = 30_000;

const { values: args } = parseArgs({
  options: {
    demo: { type: 'boolean', default: true },
    'no-demo': { type: 'boolean', default: false },
    port: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    'exit-after-demo': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.baton' },
    /** Mocked results for tasks with no local stand-in (see lambdas/runtime/integration-mocks.ts). */
    mocks: { type: 'string' },
    /** Record the instance in .baton/instance.json for the CLI (tests turn it off). */
    'no-instance-file': { type: 'boolean', default: false },
  },
});

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** Someone else's process listens on the port: one line, no stack. */
class PortTakenError extends Error {
  constructor(port: number) {
    super(
      `baton: port ${port} is already in use by another process: stop it, or start with --port <another port>`,
    );
  }
}

async function main(): Promise<number> {
  // The SDK warns that releases after January 2027 need Node 22; Lambda runs 22 already.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  const dataDir = args['data-dir'] as string;
  const port = args.port !== undefined ? Number(args.port) : apiPortFromEnvironment();
  // Ownership first: nothing in the data directory is deleted or opened while another instance has it.
  const lock = acquireInstanceLock(dataDir);
  process.once('exit', () => lock.release());
  if (args.fresh) {
    for (const entry of readdirSync(dataDir)) {
      if (!entry.startsWith(INSTANCE_LOCK_FILE))
        rmSync(join(dataDir, entry), { recursive: true, force: true });
    }
  }
  log('Baton: starting the orders and shipping domains on embedded services');
  log(`  data:      ${dataDir}/ (DynamoDB via dynalite, S3, queues, timers; kept across restarts)`);
  const mocks = loadMocksFile(args.mocks);
  if (args.mocks !== undefined)
    log(`  mocks:     ${args.mocks} (mocked results of tasks with no local stand-in)`);
  const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir, mocks });
  let server: ApiServer;
  try {
    server = await startApiServer(runtime, { port });
  } catch (error) {
    await runtime.shutdown();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortTakenError(port);
    throw error;
  }
  lock.setUrl(server.url);
  const recordInstance = !args['no-instance-file'];
  if (recordInstance) {
    await writeInstanceFile(process.cwd(), {
      url: server.url,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endpoints: runtime.endpoints,
    });
  }
  for (const domain of await runtime.domains()) {
    log(
      `  domain:    ${domain.name} — workflows ${domain.workflows.map((w) => w.name).join(', ')}; workers ${domain.workers.join(', ')}`,
    );
  }
  log(`  console:   ${server.url}/`);
  log(`  API:       ${server.url}/api (the baton CLI finds it through .baton/instance.json)`);
  log(
    `  S3:        ${runtime.endpoints.s3} (AWS_ENDPOINT_URL_S3; aws --endpoint-url ${runtime.endpoints.s3} s3 ls)`,
  );
  log(`  ready in ${Date.now() - started} ms. Try: npx baton list · npx baton history <executionId>`);

  const statuses = new Map<string, ExecutionStatus>();
  const unsubscribe = runtime.subscribe(({ executionId, status }) => {
    if (statuses.get(executionId) === status) return;
    statuses.set(executionId, status);
    log(
      `  ${`+${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(8)}  ${executionId.padEnd(36)} ${status}`,
    );
  });

  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('Stopping: finishing in-flight work and saving the queues...');
    unsubscribe();
    await server.close();
    if (recordInstance) await removeInstanceFile(process.cwd(), server.url);
    await runtime.shutdown();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  if (!args['no-demo'] && args.demo) {
    const run = Date.now().toString(36);
    const order = (suffix: string, customerId: string, total: number) => ({
      source: 'com.example.storefront',
      detailType: 'Order Placed',
      detail: {
        orderId: `ord-${run}-${suffix}`,
        customerId,
        items: [{ sku: 'BOOK-1', quantity: 1 }],
        total,
        currency: 'EUR',
        shippingAddress: { country: 'DE' },
      },
    });
    const orders = [
      order('ok', 'cust-42', 59.9),
      order('declined', 'cust-declined', 120),
      order('large', 'cust-7', 1500),
    ];
    log(
      '\nDemo: publishing three Order Placed events (a good order, a declined card, a large order awaiting its fraud check)',
    );
    await runtime.publish(orders);
    setTimeout(() => {
      log(`  publishing Fraud Check Completed (APPROVED) for ord-${run}-large`);
      void runtime.publish([
        {
          source: 'com.example.fraud',
          detailType: 'Fraud Check Completed',
          detail: { orderId: `ord-${run}-large`, verdict: 'APPROVED' },
        },
      ]);
    }, FRAUD_CHECK_DELAY_MS);
    const expected = orders.map((entry) => `PlaceOrder:${entry.detail.orderId}`);
    const hasEnded = (id: string) => {
      const status = statuses.get(id);
      return status !== undefined && isTerminal(status);
    };
    const deadline = Date.now() + DEMO_DEADLINE_MS;
    while (Date.now() < deadline && !expected.every(hasEnded)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const summary = expected.map((id) => `${id} ${statuses.get(id) ?? 'NOT STARTED'}`).join(', ');
    log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary}`);
    if (args['exit-after-demo']) {
      const ok = expected.every(hasEnded);
      await shutdown(ok ? 0 : 1);
      return ok ? 0 : 1;
    }
  }
  log(`\nServing ${server.url}/ — Ctrl-C to stop.`);
  return 0;
}

main().catch((error: unknown) => {
  if (error instanceof InstanceLockedError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof PortTakenError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof MocksFileError) process.stderr.write(`baton: ${error.message}\n`);
  else
    process.stderr.write(
      `baton: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exit(1);
});
