import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquireInstanceLock,
  INSTANCE_LOCK_FILE,
  InstanceLockedError,
  isProcessAlive,
} from '../../../../local/runtime/instance-lock.js';

const folders: string[] = [];
function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-lock-'));
  folders.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A pid that no process has (the largest pid Linux hands out is below 2^22). */
const DEAD_PID = 2 ** 22 + 12_345;

describe('acquireInstanceLock', () => {
  it('takes a fresh lock, creating the data directory, with the pid and later the URL', () => {
    const dataDir = join(tempFolder(), 'nested', '.baton');
    const lock = acquireInstanceLock(dataDir, { pid: 4242 });
    const path = join(dataDir, INSTANCE_LOCK_FILE);
    expect(lock.path).toBe(path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 4242 });
    lock.setUrl('http://127.0.0.1:4646');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      pid: 4242,
      url: 'http://127.0.0.1:4646',
      port: 4646,
    });
    lock.release();
  });

  it('refuses while a live process holds it, naming its URL and pid', () => {
    const dataDir = tempFolder();
    const first = acquireInstanceLock(dataDir);
    first.setUrl('http://127.0.0.1:4545');
    let error: unknown;
    try {
      acquireInstanceLock(dataDir, { pid: process.pid + 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InstanceLockedError);
    expect((error as Error).message).toBe(`already running at http://127.0.0.1:4545 (pid ${process.pid})`);
    // The refused attempt left the holder's lock as it was.
    expect(JSON.parse(readFileSync(first.path, 'utf8'))).toMatchObject({ pid: process.pid });
    first.release();
  });

  it('refuses, naming the pid, while the holder has not written its URL yet', () => {
    const dataDir = tempFolder();
    const first = acquireInstanceLock(dataDir);
    expect(() => acquireInstanceLock(dataDir, { pid: process.pid + 1 })).toThrow(
      `already running (pid ${process.pid}), still starting`,
    );
    first.release();
  });

  it('refuses while the lock file is freshly created but still empty, takes it over when old', () => {
    const dataDir = tempFolder();
    const path = join(dataDir, INSTANCE_LOCK_FILE);
    writeFileSync(path, '');
    expect(() => acquireInstanceLock(dataDir)).toThrow(InstanceLockedError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const lock = acquireInstanceLock(dataDir);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over a lock whose pid is no longer alive', () => {
    expect(isProcessAlive(DEAD_PID)).toBe(false);
    expect(isProcessAlive(process.pid)).toBe(true);
    const dataDir = tempFolder();
    const path = join(dataDir, INSTANCE_LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: DEAD_PID, url: 'http://127.0.0.1:1', startedAt: '' }));
    const lock = acquireInstanceLock(dataDir);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      pid: process.pid,
      startedAt: expect.any(String) as string,
    });
    expect(existsSync(`${path}.takeover`)).toBe(false);
    lock.release();
  });

  it('releases the lock so that the next start takes it, and only removes its own', () => {
    const dataDir = tempFolder();
    const path = join(dataDir, INSTANCE_LOCK_FILE);
    const lock = acquireInstanceLock(dataDir);
    lock.setUrl('http://127.0.0.1:4545');
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // twice is harmless

    const next = acquireInstanceLock(dataDir, { pid: 777, isAlive: () => false });
    const stale = acquireInstanceLock(dataDir, { pid: 778, isAlive: () => false }); // takes 777's over
    next.release(); // no longer 777's: left alone
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 778 });
    stale.release();
    expect(existsSync(path)).toBe(false);
  });
});
