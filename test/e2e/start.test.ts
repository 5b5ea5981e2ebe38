import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('npm start', () => {
  it('runs the example saga for three orders and prints each final status', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'local', 'start.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Done: ord-1001 SUCCEEDED, ord-1002 COMPENSATED, ord-1003 FAILED');
    expect(result.stdout).toContain('CompensationTaskScheduled  ReserveInventory');
  });
});
