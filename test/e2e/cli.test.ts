import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempFolder } from '../helpers/temp-folder.js';

const root = join(import.meta.dirname, '..', '..');
const example = join(root, 'examples', 'place-order');

/** Runs the CLI's entry function in-process, from the repository root. */
function baton(...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: root, env: {} });
}

function tempFile(name: string, content: string): string {
  const path = join(tempFolder('baton-cli-'), name);
  writeFileSync(path, content);
  return path;
}

const definition = join(example, 'definition.asl.json');
const tasks = join(example, 'tasks.mjs');

describe('baton run', () => {
  it('prints one JSON object with the output and exits 0 when the workflow succeeds', async () => {
    const { code, stdout } = await baton(
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

  it('exits 1 with the error when the saga is compensated', async () => {
    const input = JSON.stringify({
      orderId: 'o-2',
      customerId: 'cust-declined',
      items: [{ sku: 'A', quantity: 1 }],
      total: 10,
    });
    const { code, stdout } = await baton('run', definition, '--input', input, '--tasks', tasks);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'COMPENSATED', error: 'Payment.Declined' });
  });

  it('exits 2 and names the JSON Pointer of the bad field for an invalid definition', async () => {
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
    const { code, stdout, stderr } = await baton('run', bad);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('/States/Charge/Retry/0/BackoffRate: must be >= 1.0');
  });

  it('exits 2 for a definition that is not JSON', async () => {
    const { code, stderr } = await baton('run', tempFile('broken.json', '{"StartAt": '));
    expect(code).toBe(2);
    expect(stderr).toContain('not valid JSON');
  });

  it('exits 2 when the definition argument is missing', async () => {
    expect((await baton('run')).code).toBe(2);
  });

  it('exits 2 when --input is not JSON', async () => {
    const { code, stderr } = await baton('run', definition, '--input', '{oops');
    expect(code).toBe(2);
    expect(stderr).toContain('--input is not valid JSON');
  });

  it('exits 2 when the tasks module cannot be loaded', async () => {
    const { code, stderr } = await baton('run', definition, '--tasks', './does-not-exist.mjs');
    expect(code).toBe(2);
    expect(stderr).toContain("Cannot load the tasks module './does-not-exist.mjs'");
  });
});

describe('the baton executable', () => {
  it('runs as a process, as `npx baton` does, with the exit code of the workflow', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'bin', 'baton.ts'),
        'run',
        definition,
        '--input',
        `@${join(example, 'input.json')}`,
        '--tasks',
        tasks,
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('baton check', () => {
  it('lists where each Task resource runs and exits 0 when the definition is ready for AWS', async () => {
    const { code, stdout } = await baton('check', definition);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^definition\.asl\.json: 0 validation issues, \d+ Task resources/);
    expect(stdout).toMatch(/\/States\/\S+\/Resource\s+baton:worker:\S+\s+yes\s+embedded\s+sqs:SendMessage/);
  });

  it('exits 1 naming a resource the orchestrator on AWS does not perform, and prints JSON with --json', async () => {
    const path = tempFile(
      'crawl.asl.json',
      JSON.stringify({
        StartAt: 'Crawl',
        States: { Crawl: { Type: 'Task', Resource: 'arn:aws:states:::eks:createCluster.sync', End: true } },
      }),
    );
    const text = await baton('check', path);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('1 resource would fail when dispatched on AWS');
    const json = await baton('check', path, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      issues: [],
      tasks: [
        {
          pointer: '/States/Crawl/Resource',
          resource: 'arn:aws:states:::eks:createCluster.sync',
          aws: false,
        },
      ],
    });
  });

  it('exits 2 when the file is not JSON', async () => {
    const { code, stderr } = await baton('check', tempFile('broken.json', '{ nope'));
    expect(code).toBe(2);
    expect(stderr).toContain('is not valid JSON');
  });
});
