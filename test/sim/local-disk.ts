/**
 * The disk of a simulated local runtime (`npm start`): the folder its queues and timers persist to,
 * as `local/runtime/local-runtime.ts` lays them out, and what a `kill -9` leaves of it.
 *
 * The queues are the real `LocalQueue` with `persistTo` (each send and delete appended to a journal
 * before the call returns, snapshots written after a debounce), the timers the real
 * `LocalTimerScheduler` with its file. Nothing here decides what is durable: a crash copies the
 * files exactly as they are at that instant into the folder the restarted process opens, so the
 * runtime's own journal and snapshots are the only durability there is. The dead process's objects
 * may go on writing to the old folder while their invocations unwind; nothing reads it again, as
 * nothing a dead process does reaches the disk.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The local runtime's snapshot debounce of the inbox and worker queues (`QUEUE_PERSIST_DEBOUNCE_MS`). */
export const QUEUE_PERSIST_DEBOUNCE_MS = 500;

/** Options of {@link LocalDisk.create}. */
export interface LocalDiskOptions {
  /**
   * A crash also loses the queues' journals, as if the runtime kept only its debounced snapshots.
   * Only for tests of the simulation itself: such a runtime loses acknowledged work, and the
   * simulation must say so.
   * @default false
   */
  readonly forgetJournals?: boolean;
}

/** A temporary folder holding one seed's files, one sub-folder per process life. */
export class LocalDisk {
  private life = 0;

  private constructor(
    readonly root: string,
    private readonly options: LocalDiskOptions,
  ) {
    mkdirSync(this.folder, { recursive: true });
  }

  /**
   * A fresh disk in a temporary folder: in memory (`/dev/shm`) where there is one, since only
   * what reaches the file system counts here (a process crash, not an operating-system crash), and
   * a seed writes its journals line by line.
   */
  static create(options: LocalDiskOptions = {}): LocalDisk {
    return new LocalDisk(
      mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'baton-sim-')),
      options,
    );
  }

  /** The folder of the running process's queues and timers. */
  get folder(): string {
    return join(this.root, `process-${this.life}`);
  }

  /** Where files that outlive every process go (the payload store's role). */
  get shared(): string {
    return join(this.root, 'shared');
  }

  /**
   * The process was killed: the next one opens a copy of the files as they are now. Only
   * synchronous writes of the dead process are in the copy: its pending snapshot writes, and
   * whatever it would still have written, are not.
   */
  crash(): void {
    const before = this.folder;
    this.life += 1;
    cpSync(before, this.folder, { recursive: true });
    if (this.options.forgetJournals) {
      const queues = join(this.folder, 'queues');
      for (const name of readdirSync(queues, { withFileTypes: true }))
        if (name.name.includes('.journal')) rmSync(join(queues, name.name));
    }
  }

  /** Removes the whole disk. */
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
