import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../../../lambdas/engine/json.js';
import { CorruptTimerJournalError, LocalTimerScheduler } from '../../../../local/runtime/local-ports.js';

const HOUR = 3_600_000;
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function timerFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'baton-timers-'));
  folders.push(folder);
  return join(folder, 'timers-orders.json');
}

/** A scheduler on a fixed clock whose inbox records what it is sent. */
function scheduler(file: string, now = 0) {
  const sent: { body: Json; delaySeconds?: number }[] = [];
  const timers = new LocalTimerScheduler({
    inbox: {
      send: async (body, options) => {
        sent.push({
          body,
          ...(options?.delaySeconds !== undefined ? { delaySeconds: options.delaySeconds } : {}),
        });
      },
    },
    file,
    clock: { now: () => now },
    pollIntervalMs: 0,
  });
  return { timers, sent };
}

describe('LocalTimerScheduler with a file', () => {
  it('keeps the timers beyond 900 s it was given, and forgets the cancelled ones, across a restart', async () => {
    const file = timerFile();
    const { timers } = scheduler(file);
    await timers.schedule({ executionId: 'PlaceOrder:a', timerId: 'exec:timeout', fireAt: 2 * HOUR });
    await timers.schedule({ executionId: 'PlaceOrder:b', timerId: 'exec:timeout', fireAt: 3 * HOUR });
    await timers.cancel({ executionId: 'PlaceOrder:a', timerId: 'exec:timeout' });
    // No stop: the process is killed.

    const { timers: restarted, sent } = scheduler(file, 3 * HOUR - 60_000);
    expect(restarted.nextMoveAt()).toBe(3 * HOUR - 900_000);
    await restarted.fireDue();
    expect(sent).toEqual([
      {
        body: { kind: 'TimerFired', executionId: 'PlaceOrder:b', timerId: 'exec:timeout' },
        delaySeconds: 60,
      },
    ]);
    expect(restarted.nextMoveAt()).toBeUndefined();
    restarted.stop();
    timers.stop();
  });

  it('folds its journal into the file as it grows, so that it stays short and nothing is lost', async () => {
    const file = timerFile();
    const { timers } = scheduler(file);
    for (let i = 0; i < 5_000; i += 1) {
      await timers.schedule({
        executionId: `PlaceOrder:${i}`,
        timerId: 'exec:timeout',
        fireAt: 2 * HOUR + i,
      });
      if (i % 10 !== 0) await timers.cancel({ executionId: `PlaceOrder:${i}`, timerId: 'exec:timeout' });
    }
    const journalLines = readFileSync(`${file}.journal`, 'utf8').split('\n').length - 1;
    expect(journalLines).toBeLessThan(1_000);

    const { timers: restarted, sent } = scheduler(file, 3 * HOUR);
    await restarted.fireDue();
    expect(sent.map(({ body }) => (body as { executionId: string }).executionId)).toEqual(
      Array.from({ length: 500 }, (_, i) => `PlaceOrder:${i * 10}`),
    );
    restarted.stop();
    timers.stop();
  });

  it('skips a last journal line cut short by a crash', async () => {
    const file = timerFile();
    const { timers } = scheduler(file);
    await timers.schedule({ executionId: 'PlaceOrder:a', timerId: 'exec:timeout', fireAt: 2 * HOUR });
    timers.stop();
    appendFileSync(`${file}.journal`, '{"op":"set","id":"PlaceOrder:b|exec');

    const { timers: restarted } = scheduler(file);
    expect(restarted.nextMoveAt()).toBe(2 * HOUR - 900_000);
    restarted.stop();
  });

  it('refuses a journal damaged before its last line, naming it', async () => {
    const file = timerFile();
    appendFileSync(`${file}.journal`, 'not json\n{"op":"delete","id":"x"}\n');
    expect(() => scheduler(file)).toThrow(CorruptTimerJournalError);
    expect(() => scheduler(file)).toThrow(`${file}.journal: line 1`);
  });
});
