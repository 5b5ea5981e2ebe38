/**
 * `npm start` killed with SIGKILL (`kill -9`) right after it acknowledged work: nothing it
 * acknowledged may be lost. The instance is the real one (`local/start.ts`, spawned), driven over
 * its HTTP API as the CLI and the console drive it, and started again on the same data directory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BatonClient } from '../../local/api/client.js';
import { orderDetail } from '../helpers/example-orders.js';

const root = join(import.meta.dirname, '..', '..');

/** Starts `npm start`'s script from source on `dataDir`; resolves with the process and its API's URL. */
async function startInstance(
  dataDir: string,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'local', 'start.ts'),
      '--data-dir',
      dataDir,
      '--no-instance-file',
      '--port',
      '0',
      '--no-demo',
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) =>
      reject(new Error(`the instance exited (${code}) before serving: ${output}`)),
    );
  });
  return { child, url };
}

function killed(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
}

describe('npm start killed with SIGKILL', () => {
  it('loses no start it acknowledged: after a restart every one runs to its end', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-crash-'));
    const count = 60;
    try {
      const first = await startInstance(dataDir);
      const client = new BatonClient(first.url);
      const names = Array.from({ length: count }, (_, i) => `crash-${i}`);
      for (let i = 0; i < count; i += 10) {
        // Ten at a time, each acknowledged (201) before the next ten.
        await Promise.all(
          names
            .slice(i, i + 10)
            .map((name) =>
              client.start({ workflow: 'PlaceOrder', name, input: orderDetail(name, 'cust-42', 20) }),
            ),
        );
      }
      await killed(first.child, 'SIGKILL');
      await restartAndFinish(dataDir, names);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('loses no committed work: killed while executions are half way, every one ends after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-crash-'));
    const names = Array.from({ length: 40 }, (_, i) => `midway-${i}`);
    try {
      const first = await startInstance(dataDir);
      const client = new BatonClient(first.url);
      await Promise.all(
        names.map((name) =>
          client.start({ workflow: 'PlaceOrder', name, input: orderDetail(name, 'cust-42', 20) }),
        ),
      );
      // Some have ended, others are between their steps: dispatched, timed, waiting for a result.
      await vi.waitFor(
        async () => {
          const listed = await client.list({ workflow: 'PlaceOrder', status: 'SUCCEEDED', limit: 1000 });
          expect(listed.length).toBeGreaterThan(0);
        },
        { timeout: 60_000, interval: 20 },
      );
      await killed(first.child, 'SIGKILL');
      await restartAndFinish(dataDir, names);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** Starts the instance again on `dataDir` and waits until every named PlaceOrder has SUCCEEDED. */
async function restartAndFinish(dataDir: string, names: readonly string[]): Promise<void> {
  const second = await startInstance(dataDir);
  try {
    const after = new BatonClient(second.url);
    await vi.waitFor(
      async () => {
        const listed = await after.list({ workflow: 'PlaceOrder', limit: 1000 });
        const statuses = new Map(listed.map((item) => [item.executionId, item.status]));
        const missing = names.filter((name) => statuses.get(`PlaceOrder:${name}`) !== 'SUCCEEDED');
        expect(missing).toEqual([]);
      },
      { timeout: 90_000, interval: 250 },
    );
  } finally {
    await killed(second.child, 'SIGTERM');
  }
}
