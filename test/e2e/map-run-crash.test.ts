/**
 * A local runtime killed with SIGKILL (`kill -9`) in the middle of a Map Run, again and again,
 * and started again on the same data directory: the run ends SUCCEEDED with every item exactly
 * once in its results (the ResultWriter files) and in its counts. Children may run more than once
 * (EXPRESS children are at-least-once, as in Step Functions: "Express Workflows ... at-least-once",
 * https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html): each child
 * leaves a marker per run, and the test reports how many re-runs the kills caused.
 *
 * The instance is test/fixtures/map-run-kill/instance.ts (the local runtime of `npm start` with
 * one workflow, spawned); the reader commits where it stands every 100 children
 * (`mapRunCheckpointItems`), so it checkpoints many times in a run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const instance = join(root, 'test', 'fixtures', 'map-run-kill', 'instance.ts');

interface Progress {
  readonly markers: number;
  readonly results: number;
  readonly status: string;
}

interface Report {
  readonly status: string;
  readonly resultIds: string[];
  readonly resultStatuses: Record<string, number>;
  readonly runs: Record<string, number>;
  readonly counts: Record<string, number>;
  readonly childExecutions: number;
  readonly childArns: number;
}

/** A moment to kill at, by what the instance reports. */
interface Moment {
  readonly name: string;
  readonly when: (progress: Progress, items: number) => boolean;
}

const MOMENTS: readonly Moment[] = [
  // The reader has dispatched its first checkpoints and goes on reading.
  { name: 'reader dispatching', when: (p, items) => p.markers > 0 && p.markers < items * 0.3 },
  { name: 'chunks running', when: (p, items) => p.markers >= items * 0.5 && p.markers < items },
  // Every child ran: the dispatcher's next tick reads the outcomes and writes the results.
  { name: 'results being written', when: (p, items) => p.markers >= items && p.results === 0 },
  // The results are (partly) written; the parent may not have its result yet.
  { name: 'results written', when: (p) => p.results > 0 && p.status === 'RUNNING' },
];

/** Runs the instance until `moment` (then SIGKILL) or until it reports the execution's end. */
function runUntil(
  dataDir: string,
  type: string,
  items: number,
  start: boolean,
  moment: Moment | undefined,
): Promise<{ killed: boolean; report?: Report }> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      instance,
      '--data-dir',
      dataDir,
      '--type',
      type,
      ...(start ? ['--start', String(items)] : []),
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let buffer = '';
    let errors = '';
    let report: Report | undefined;
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (!line.startsWith('@@') || killed) continue;
        const parsed = JSON.parse(line.slice(2)) as Progress & { report?: Report };
        if (parsed.report) {
          report = parsed.report;
        } else if (moment?.when(parsed, items)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (killed && signal === 'SIGKILL') resolve({ killed });
      else if (report) resolve({ killed: false, report });
      else reject(new Error(`the instance exited (${code ?? signal}) without a report: ${errors}`));
    });
  });
}

describe.each([
  { type: 'EXPRESS', items: 1200 },
  { type: 'STANDARD', items: 600 },
])('a Map Run of $type children killed with SIGKILL', ({ type, items }) => {
  it(`ends SUCCEEDED with each of ${items} items exactly once in its results and counts`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-map-crash-'));
    const began = Date.now();
    try {
      const hit: string[] = [];
      let first = true;
      let report: Report | undefined;
      for (const moment of MOMENTS) {
        const outcome = await runUntil(dataDir, type, items, first, moment);
        first = false;
        if (outcome.killed) hit.push(moment.name);
        report = outcome.report;
        if (report) break;
      }
      report ??= (await runUntil(dataDir, type, items, false, undefined)).report;
      if (!report) throw new Error('no report');
      const ids = Array.from({ length: items }, (_, n) => `item-${n}`).sort();
      const reruns = Object.values(report.runs).reduce((sum, runs) => sum + runs, 0) - items;
      console.log(
        `${type}: ${items} items, ${hit.length} kills (${hit.join(', ')}), ${reruns} child re-runs, ${Math.round((Date.now() - began) / 1000)} s`,
      );
      expect(report.status).toBe('SUCCEEDED');
      // Exactly once in the results, by item id.
      expect([...report.resultIds].sort()).toEqual(ids);
      expect(report.resultStatuses).toEqual({ SUCCEEDED: items });
      expect(report.counts).toMatchObject({ succeeded: items, itemsSucceeded: items, failed: 0 });
      // At least once: every item's child ran; none is missing.
      expect(Object.keys(report.runs).sort()).toEqual(ids);
      // One child execution per item, each named once in the results.
      expect(report.childArns).toBe(items);
      if (type === 'STANDARD') expect(report.childExecutions).toBe(items);
      // The kills landed while the run was under way (the reader's and the chunks' moments).
      expect(hit).toContain('reader dispatching');
      expect(hit).toContain('chunks running');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
