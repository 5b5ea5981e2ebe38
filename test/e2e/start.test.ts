import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('npm start', () => {
  it('runs the three demo orders to SUCCEEDED, COMPENSATED and (after the fraud check) SUCCEEDED', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-start-'));
    try {
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'local', 'start.ts'),
          '--data-dir',
          dataDir,
          '--port',
          '0',
          '--exit-after-demo',
          '--no-instance-file',
        ],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/console: +http:\/\/127\.0\.0\.1:\d+\//);
      expect(result.stdout).toMatch(
        /Demo finished in [\d.]+ s: PlaceOrder:ord-\w+-ok SUCCEEDED, PlaceOrder:ord-\w+-declined COMPENSATED, PlaceOrder:ord-\w+-large SUCCEEDED/,
      );
      // Choreography: the shipping domain reacted to Order Confirmed.
      expect(result.stdout).toMatch(/ScheduleShipment:ord-\w+-ok +SUCCEEDED/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
