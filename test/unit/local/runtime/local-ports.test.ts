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
function scheduler(file: string | undefined, now = 0, keepBeyondSeconds?: number) {
  const sent: { body: Json; delaySeconds?: number }[] = [];
  const timers = new LocalTimerScheduler({
    ...(keepBeyondSeconds !== undefined ? { keepBeyondSeconds } : {}),
    inbox: {
      send: async (body, options) => {
        sent.push({
          body,
          ...(options?.delaySeconds !== undefined ? { delaySeconds: options.delaySeconds } : {}),
        });
      },
    },
    ...(file !== undefined ? { file } : {}),
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

describe('LocalTimerScheduler: which timers it keeps', () => {
  const timer = (executionId: string, fireAt: number) => ({ executionId, timerId: 'task:1:timeout', fireAt });

  it('keeps a timer due beyond keepBeyondSeconds, so that a cancel takes it back before it reaches the inbox', async () => {
    let now = 0;
    const sent: Json[] = [];
    const timers = new LocalTimerScheduler({
      inbox: { send: async (body) => void sent.push(body) },
      clock: { now: () => now },
      pollIntervalMs: 0,
      keepBeyondSeconds: 2,
    });
    await timers.schedule(timer('PlaceOrder:done', 30_000));
    await timers.schedule(timer('PlaceOrder:late', 30_000));
    await timers.cancel({ executionId: 'PlaceOrder:done', timerId: 'task:1:timeout' });
    now = 27_000;
    await timers.fireDue();
    expect(sent).toEqual([]);
    now = 28_500;
    await timers.fireDue();
    expect(sent).toEqual([{ kind: 'TimerFired', executionId: 'PlaceOrder:late', timerId: 'task:1:timeout' }]);
    expect(timers.nextMoveAt()).toBeUndefined();
  });

  it('sends a timer due within keepBeyondSeconds to the inbox at once, never before it is due', async () => {
    const { timers, sent } = scheduler(undefined, 0, 2);
    await timers.schedule(timer('PlaceOrder:a', 1_200));
    expect(sent).toEqual([
      {
        body: { kind: 'TimerFired', executionId: 'PlaceOrder:a', timerId: 'task:1:timeout' },
        delaySeconds: 2,
      },
    ]);
    expect(timers.nextMoveAt()).toBeUndefined();
  });

  it('keeps, by default, only what SQS cannot delay: timers beyond 900 s', async () => {
    const { timers, sent } = scheduler(undefined);
    await timers.schedule(timer('PlaceOrder:a', 900_000));
    await timers.schedule(timer('PlaceOrder:b', 900_001));
    expect(sent.map(({ delaySeconds }) => delaySeconds)).toEqual([900]);
    expect(timers.nextMoveAt()).toBe(1);
  });

  it('refuses a keepBeyondSeconds SQS could not delay', () => {
    expect(() => scheduler(undefined, 0, 901)).toThrow(RangeError);
    expect(() => scheduler(undefined, 0, 0)).toThrow(RangeError);
  });
});
