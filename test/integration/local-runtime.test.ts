import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../../lambdas/engine/execution.js';
import { TaskTokenSigner } from '../../lambdas/runtime/task-token.js';
import { exampleDomains } from '../../examples/app/domains.js';
import { NotFoundError, ConflictError } from '../../local/control.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { LocalQueue } from '../../local/emulators/sqs/queue.js';
import { orderPlaced as order } from '../helpers/example-orders.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-runtime-'));
  dirs.push(dir);
  return dir;
}

async function until(
  runtime: LocalRuntime,
  executionId: string,
  status: ExecutionStatus,
  timeoutMs = 45_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await runtime.describe(executionId).catch(() => undefined);
    if (found?.status === status) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${executionId} did not reach ${status} within ${timeoutMs} ms`);
}

/** The files under `dir` this process holds open (Linux: its descriptors in /proc). */
function openFilesUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return []; // closed meanwhile (the descriptor readdir itself used)
    }
  });
}

describe('the local runtime', () => {
  it('runs the example domains end to end, choreography included', async () => {
    const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir: dataDir() });
    try {
      await runtime.publish([order('o-1', 'cust-42', 20)]);
      await until(runtime, 'PlaceOrder:o-1', 'SUCCEEDED');
      await until(runtime, 'ScheduleShipment:o-1', 'SUCCEEDED');
      const history = await runtime.history('PlaceOrder:o-1');
      expect(history[0]?.type).toBe('ExecutionStarted');
      expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
    } finally {
      await runtime.shutdown();
    }
  });

  it('keeps a running execution across a restart and finishes it afterwards', async () => {
    const dir = dataDir();
    const first = await LocalRuntime.start({ domains: exampleDomains(), dataDir: dir });
    try {
      await first.publish([order('o-big', 'cust-7', 2500)]);
      const waiting = await until(first, 'PlaceOrder:o-big', 'RUNNING');
      expect(waiting.status).toBe('RUNNING');
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await first.shutdown();
    }
    const second = await LocalRuntime.start({ domains: exampleDomains(), dataDir: dir });
    try {
      expect((await second.describe('PlaceOrder:o-big')).status).toBe('RUNNING');
      await second.publish([
        {
          source: 'com.example.fraud',
          detailType: 'Fraud Check Completed',
          detail: { orderId: 'o-big', verdict: 'APPROVED' },
        },
      ]);
      await until(second, 'PlaceOrder:o-big', 'SUCCEEDED');
    } finally {
      await second.shutdown();
    }
  });

  it('answers unknown names and impossible requests with clear errors', async () => {
    const dir = dataDir();
    const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir: dir });
    try {
      await expect(runtime.describe('PlaceOrder:nope')).rejects.toThrow(NotFoundError);
      await expect(runtime.start({ workflow: 'Nope', input: {} })).rejects.toThrow('No workflow named Nope');
      await runtime.publish([order('o-2', 'cust-42', 20)]);
      await until(runtime, 'PlaceOrder:o-2', 'SUCCEEDED');
      await expect(runtime.redrive('PlaceOrder:o-2')).rejects.toThrow(ConflictError);
      // StartExecution refuses a name that is taken, as the deployed stack's control does.
      await expect(
        runtime.start({ workflow: 'PlaceOrder', name: 'o-2', input: order('o-2', 'cust-42', 20).detail }),
      ).rejects.toThrow('An execution named PlaceOrder:o-2 already exists');
      // Tokens are refused before anything reaches the inbox: a forged one, and a genuine one
      // (signed with the instance's key) of a task that is over.
      const claims = Buffer.from(JSON.stringify({ e: 'PlaceOrder:o-2', t: 'root:1:1' })).toString(
        'base64url',
      );
      await expect(runtime.sendTaskSuccess(`v1.${claims}.forged`, {})).rejects.toThrow(
        'No task is waiting for this task token (it does not verify)',
      );
      const signer = new TaskTokenSigner(readFileSync(join(dir, 'token-key'), 'utf8'));
      const over = signer.sign({ executionId: 'PlaceOrder:o-2', engineToken: 'root:1:1' });
      await expect(runtime.sendTaskSuccess(over, {})).rejects.toThrow(
        'The task of this token is no longer waiting',
      );
      await expect(runtime.rerun('PlaceOrder:o-2', { fromState: 'Nope' })).rejects.toThrow(
        "has no top-level state named 'Nope'",
      );
    } finally {
      await runtime.shutdown();
    }
  });

  it('closes every file it opened when it shuts down, dead-letter queues included', async () => {
    const dir = dataDir();
    // A message the inbox already handed out as often as it allows: its next receive moves it to
    // the dead-letter queue, whose journal the runtime then opens.
    const before = new LocalQueue({
      name: 'baton-orders-inbox',
      persistTo: join(dir, 'queues', 'baton-orders-inbox.json'),
    });
    before.sendMessage({ body: 'not an inbox message' });
    for (let receive = 0; receive < 5; receive++) await before.receiveMessage({ visibilityTimeout: 0 });
    await before.close();
    const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir: dir });
    try {
      const deadLetters = join(dir, 'queues', 'baton-orders-inbox-dlq.json.journal');
      const deadline = Date.now() + 30_000;
      while (!existsSync(deadLetters) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(existsSync(deadLetters)).toBe(true);
    } finally {
      await runtime.shutdown();
    }
    expect(openFilesUnder(dir)).toEqual([]);
  });

  it('reruns an execution from a state with the input that state had', async () => {
    const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir: dataDir() });
    try {
      await runtime.publish([order('o-3', 'cust-declined', 20)]);
      await until(runtime, 'PlaceOrder:o-3', 'COMPENSATED');
      const rerunId = await runtime.rerun('PlaceOrder:o-3', { fromState: 'CreateShipment' });
      const rerun = await until(runtime, rerunId, 'FAILED');
      expect(rerun.error).toBe('States.Runtime');
    } finally {
      await runtime.shutdown();
    }
  });
});
