import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const example = join(root, 'examples', 'place-order');

/** Runs the CLI from source, as `npx baton` runs its build. */
function baton(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bin', 'baton.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const definition = join(example, 'definition.asl.json');
const tasks = join(example, 'tasks.mjs');

describe('baton run', () => {
  it('prints one JSON object with the output and exits 0 when the workflow succeeds', () => {
    const { code, stdout } = baton(
      'run',
      definition,
      '--input',
      `@${join(example, 'input.json')}`,
      '--tasks',
      tasks,
    );
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({
      status: 'SUCCEEDED',
      output: {
        orderId: 'ord-1001',
        status: 'CONFIRMED',
        paymentId: 'pay-1',
        trackingNumber: 'TRACK-ord-1001',
      },
    });
  });

  it('exits 1 with the error when the saga is compensated', () => {
    const input = JSON.stringify({
      orderId: 'o-2',
      customerId: 'cust-declined',
      items: [{ sku: 'A', quantity: 1 }],
      total: 10,
    });
    const { code, stdout } = baton('run', definition, '--input', input, '--tasks', tasks);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'COMPENSATED', error: 'Payment.Declined' });
  });

  it('exits 2 and names the JSON Pointer of the bad field for an invalid definition', () => {
    const bad = tempFile(
      'bad.json',
      JSON.stringify({
        StartAt: 'Charge',
        States: {
          Charge: {
            Type: 'Task',
            Resource: 'baton:worker:charge',
            Retry: [{ ErrorEquals: ['E'], BackoffRate: 0.5 }],
            End: true,
          },
        },
      }),
    );
    const { code, stdout, stderr } = baton('run', bad);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('/States/Charge/Retry/0/BackoffRate: must be >= 1.0');
  });

  it('exits 2 for a definition that is not JSON', () => {
    const { code, stderr } = baton('run', tempFile('broken.json', '{"StartAt": '));
    expect(code).toBe(2);
    expect(stderr).toContain('not valid JSON');
  });

  it('exits 2 when the definition argument is missing', () => {
    expect(baton('run').code).toBe(2);
  });

  it('exits 2 when --input is not JSON', () => {
    const { code, stderr } = baton('run', definition, '--input', '{oops');
    expect(code).toBe(2);
    expect(stderr).toContain('--input is not valid JSON');
  });

  it('exits 2 when the tasks module cannot be loaded', () => {
    const { code, stderr } = baton('run', definition, '--tasks', './does-not-exist.mjs');
    expect(code).toBe(2);
    expect(stderr).toContain("Cannot load the tasks module './does-not-exist.mjs'");
  });
});
