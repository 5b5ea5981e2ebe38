/**
 * Who owns a data directory: `npm start` takes `<dataDir>/instance.lock` before it deletes
 * (`--fresh`) or opens anything in it, and a second start in the same directory is refused while
 * the owner lives. The lock is created exclusively (`open(..., 'wx')`) and holds the owner's pid
 * and, once it is listening, its URL; a lock whose pid is gone (the owner crashed) is taken over.
 *
 *   const lock = acquireInstanceLock(dataDir); // throws InstanceLockedError
 *   lock.setUrl(server.url);
 *   process.once('exit', () => lock.release());
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** The lock's file name inside the data directory. */
export const INSTANCE_LOCK_FILE = 'instance.lock';
/** A lock file that exists but cannot be read yet is someone writing it, for at most this long. */
const UNREADABLE_GRACE_MS = 10_000;
/** A takeover guard older than this was left by a process that died mid-takeover. */
const TAKEOVER_GUARD_STALE_MS = 10_000;

/** What `<dataDir>/instance.lock` holds. */
export interface InstanceLockRecord {
  readonly pid: number;
  /** The API's base URL once it listens, e.g. `http://127.0.0.1:4545`. */
  readonly url?: string;
  readonly port?: number;
  /** ISO 8601. */
  readonly startedAt: string;
}

/** Another live process owns the data directory. */
export class InstanceLockedError extends Error {
  override readonly name = 'InstanceLockedError';
  constructor(
    readonly pid: number | undefined,
    readonly url?: string,
  ) {
    super(
      url !== undefined
        ? `already running at ${url} (pid ${pid})`
        : pid !== undefined
          ? `already running (pid ${pid}), still starting: its URL is not known yet`
          : 'already running: another instance is taking the lock right now',
    );
  }
}

/** A held lock. */
export interface InstanceLock {
  readonly path: string;
  /** Records where this instance listens (for the message a second start prints). */
  setUrl(url: string): void;
  /** Removes the lock if it is still this process's; safe to call more than once. */
  release(): void;
}

/** Options of {@link acquireInstanceLock}, for tests. */
export interface InstanceLockOptions {
  /** @default process.pid */
  readonly pid?: number;
  /** @default process.kill(pid, 0) succeeds or fails with EPERM */
  readonly isAlive?: (pid: number) => boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dataDir>/instance.lock` (creating `dataDir`), taking over a stale one. Throws
 * {@link InstanceLockedError} when a live process holds it.
 */
export function acquireInstanceLock(dataDir: string, options: InstanceLockOptions = {}): InstanceLock {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  const now = options.now ?? Date.now;
  const path = join(dataDir, INSTANCE_LOCK_FILE);
  mkdirSync(dataDir, { recursive: true });
  let record: InstanceLockRecord = { pid, startedAt: new Date(now()).toISOString() };

  const owner = (): InstanceLockRecord | 'unreadable' | undefined => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<InstanceLockRecord>;
      return typeof parsed.pid === 'number' ? (parsed as InstanceLockRecord) : 'unreadable';
    } catch {
      return 'unreadable';
    }
  };
  /** Throws when the current holder is alive (or is still writing the file); else returns. */
  const refuseIfHeld = (): void => {
    const holder = owner();
    if (holder === undefined) return;
    if (holder === 'unreadable') {
      // Created but not written yet (or a hand-edited file): someone is starting, unless it is old.
      if (now() - mtimeMs(path) < UNREADABLE_GRACE_MS) throw new InstanceLockedError(undefined);
      return;
    }
    // Our own pid in the file is a previous process's whose pid we were given again (containers).
    if (holder.pid !== pid && isAlive(holder.pid)) throw new InstanceLockedError(holder.pid, holder.url);
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, record)) return held();
    refuseIfHeld();
    // Stale: take it over under a guard, so that two processes taking over the same stale lock
    // cannot both believe they won (the second sees the first's live pid and is refused).
    const guard = `${path}.takeover`;
    if (!tryCreate(guard, record)) {
      if (now() - mtimeMs(guard) < TAKEOVER_GUARD_STALE_MS) throw new InstanceLockedError(undefined);
      rmSync(guard, { force: true });
      continue;
    }
    try {
      refuseIfHeld();
      rmSync(path, { force: true });
      if (tryCreate(path, record)) return held();
    } finally {
      rmSync(guard, { force: true });
    }
  }
  throw new InstanceLockedError(undefined);

  function held(): InstanceLock {
    let released = false;
    return {
      path,
      setUrl(url: string): void {
        if (released) return;
        record = { ...record, url, port: Number(new URL(url).port) };
        // Written aside and renamed over, so that a reader never sees half a record.
        const temporary = `${path}.${pid}.tmp`;
        const fd = openSync(temporary, 'w');
        try {
          writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, path);
      },
      release(): void {
        if (released) return;
        released = true;
        const holder = owner();
        if (holder !== undefined && holder !== 'unreadable' && holder.pid === pid)
          rmSync(path, { force: true });
      },
    };
  }
}

/** Creates `path` exclusively with `record` in it; false when it exists already. */
function tryCreate(path: string, record: InstanceLockRecord): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
