/**
 * The local runtime's payload store: snapshots too large for a DynamoDB item, kept as files under
 * `<dataDir>/payloads` (the role the payload bucket plays on AWS). Written atomically and before
 * the item that refers to them, as on S3, so a crash never leaves a reference to a missing file.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PayloadStore } from '../../lambdas/runtime/ports.js';

/** A payload key that names no file. */
export class PayloadFileNotFoundError extends Error {
  override readonly name = 'PayloadFileNotFoundError';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Payload ${key} not found`, options);
  }
}

/** Payloads as files in a folder; keys become relative paths, each segment percent-encoded. */
export class FilePayloadStore implements PayloadStore {
  constructor(private readonly folder: string) {}

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(temporary, body);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new PayloadFileNotFoundError(key, { cause: error });
      throw error;
    }
  }

  private pathOf(key: string): string {
    return join(this.folder, ...key.split('/').map((segment) => encodeURIComponent(segment)));
  }
}
