import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The arguments that run `npm start`'s script from source, on `dataDir`, without an instance file. */
const startArgs = (dataDir: string, ...options: string[]): string[] => [
  '--import',
  'tsx',
  join(root, 'local', 'start.ts'),
  '--data-dir',
  dataDir,
  '--no-instance-file',
  ...options,
];

describe('npm start', () => {
  it('runs the three demo orders to SUCCEEDED, COMPENSATED and (after the fraud check) SUCCEEDED', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-start-'));
    try {
      const result = spawnSync(process.execPath, startArgs(dataDir, '--port', '0', '--exit-after-demo'), {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/console: +http:\/\/127\.0\.0\.1:\d+\//);
      // The local S3, for the AWS CLI and SDK clients, next to the other endpoints.
      expect(result.stdout).toMatch(
        /S3: +http:\/\/127\.0\.0\.1:\d+ \(AWS_ENDPOINT_URL_S3; aws --endpoint-url /,
      );
      expect(result.stdout).toMatch(
        /Demo finished in [\d.]+ s: PlaceOrder:ord-\w+-ok SUCCEEDED, PlaceOrder:ord-\w+-declined COMPENSATED, PlaceOrder:ord-\w+-large SUCCEEDED/,
      );
      // Choreography: the shipping domain reacted to Order Confirmed.
      expect(result.stdout).toMatch(/ScheduleShipment:ord-\w+-ok +SUCCEEDED/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a second start (even --fresh) in the same data directory without touching its data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-start-lock-'));
    const start = (...extra: string[]) =>
      spawn(process.execPath, startArgs(dataDir, '--port', '0', '--no-demo', ...extra), {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const first = start();
    const firstExit = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        first.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /Serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        void firstExit.then((code) => reject(new Error(`the first instance exited (${code}): ${stdout}`)));
      });
      const before = readdirSync(dataDir).sort();
      expect(before).toEqual(expect.arrayContaining(['dynamodb', 's3']));

      const second = start('--fresh');
      let stdout = '';
      let stderr = '';
      second.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      second.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
      expect(stderr).toBe(`already running at ${url} (pid ${first.pid})\n`);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(before));
    } finally {
      first.kill('SIGTERM');
      expect(await firstExit).toBe(0);
      // Released on a clean exit.
      expect(existsSync(join(dataDir, 'instance.lock'))).toBe(false);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says in one line which port is taken and how to choose another', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-start-port-'));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = spawnSync(process.execPath, startArgs(dataDir, '--port', String(port), '--no-demo'), {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr).toBe(
        `baton: port ${port} is already in use by another process: stop it, or start with --port <another port>\n`,
      );
      expect(result.status).toBe(1);
      expect(existsSync(join(dataDir, 'instance.lock'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
