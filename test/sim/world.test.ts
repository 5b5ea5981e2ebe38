/**
 * The simulated world itself: what it records must not depend on how long a run lasts, and a
 * process it kills must leave no file open (a killed process's descriptors are the operating
 * system's to close; a run of ten thousand seeds runs out of them otherwise).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_RETENTION_SECONDS } from '../../lambdas/contract/queue-settings.js';
import { drawOutcomes, scaledRates, type FaultRates } from './faults.js';
import { LocalDisk } from './local-disk.js';
import { Prng } from './prng.js';
import { generateWorkflow } from './workflow-generator.js';
import { World } from './world.js';

const disks: LocalDisk[] = [];
afterEach(() => {
  for (const disk of disks.splice(0)) disk.dispose();
});

/** A world with one generated workflow and no faults but `rates`. */
function world(rates: Partial<FaultRates> = {}, localRuntime?: LocalDisk): World {
  return new World({
    rng: new Prng(1),
    rates: { ...scaledRates(0), ...rates },
    outcomes: drawOutcomes(new Prng(2)),
    workflows: [generateWorkflow(new Prng(3), 'Wf0')],
    ...(localRuntime ? { localRuntime } : {}),
  });
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

describe('the simulated world', () => {
  it('records a poison message that reached the DLQ even when the run outlasts its retention there', async () => {
    const sim = world();
    await sim.deploy();
    sim.sendPoison(sim.inbox, 'not json at all', 0);
    // Something to do after the dead letter's 14 days are over: the run lasts that long.
    const late = (DEAD_LETTER_RETENTION_SECONDS + 3_600) * 1_000;
    sim.at(late, 'a producer sends a start', async () =>
      sim.sendInbox({ kind: 'StartExecution', workflow: 'Wf0', name: 'late', input: {} }, 0),
    );
    expect(await sim.run()).toBeUndefined();
    const record = await sim.record(['Wf0:late'], undefined);
    // The queue itself no longer has it ...
    expect(sim.deadLetterQueues.get('inbox')?.peek()).toEqual([]);
    // ... but it went there, and only there.
    expect(record.deadLetters).toEqual([expect.objectContaining({ queue: 'inbox', poison: true })]);
    expect(record.deadLetters[0]?.messageId).toBe(record.poisonSent[0]?.messageId);
    await sim.dispose();
  });

  it('closes the files of each process it kills, and of the last one once disposed', async () => {
    const disk = LocalDisk.create();
    disks.push(disk);
    // Killed between deliveries twice, at once: the first two processes die with journals open.
    const sim = world({ idleProcessCrash: 1, maxProcessCrashes: 2 }, disk);
    await sim.deploy();
    for (let i = 0; i < 3; i++)
      sim.sendInbox({ kind: 'StartExecution', workflow: 'Wf0', name: `e${i}`, input: {} }, i * 1_000);
    expect(await sim.run()).toBeUndefined();
    expect(sim.counts['process crash (kill -9)']).toBe(2);
    expect(openFilesUnder(disk.root).filter((file) => !file.startsWith(disk.folder))).toEqual([]);
    await sim.dispose();
    expect(openFilesUnder(disk.root)).toEqual([]);
  });
});
