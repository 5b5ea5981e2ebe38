/**
 * The payload store on S3: snapshots and payloads too large for a DynamoDB item.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PayloadStore } from '../runtime/ports.js';
import { AwsAdapterError, isTransient, transientError } from './aws-errors.js';

/** A payload key that does not exist in the store. */
export class PayloadNotFoundError extends AwsAdapterError {
  override readonly name = 'PayloadNotFoundError';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Payload ${key} not found`, options);
  }
}

/** Options of {@link S3PayloadStore}. */
export interface S3PayloadStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Prepended to every key, e.g. `baton/`. @default '' */
  readonly prefix?: string;
}

/**
 * The client class, exported here for a function that loads this module with `import()` when it
 * first offloads a payload and makes its client then: the orchestrator, so that neither the store
 * nor the S3 client (some 120 KiB of its bundle) is loaded at a cold start
 * (`lambdas/orchestrator/adapters-on-first-use.ts`).
 */
export { S3Client };

/** S3 error names meaning the key does not exist. */
const NOT_FOUND_ERROR_NAMES: ReadonlySet<string> = new Set(['NoSuchKey', 'NotFound']);

/**
 * {@link PayloadStore} on an S3 bucket. Objects are encrypted by the bucket's default encryption
 * (the construct sets it), so no key is named here. `put` overwrites: callers make keys unique
 * per content where two writers could race.
 */
export class S3PayloadStore implements PayloadStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3PayloadStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: body,
          ContentType: 'application/octet-stream',
        }),
      );
    } catch (error) {
      throw translateS3Error(error, 'PutObject', key);
    }
  }

  /** The bytes stored under `key`. Throws {@link PayloadNotFoundError} when there are none. */
  async get(key: string): Promise<Uint8Array> {
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      if (output.Body === undefined) throw new PayloadNotFoundError(key);
      return await output.Body.transformToByteArray();
    } catch (error) {
      throw translateS3Error(error, 'GetObject', key);
    }
  }
}

/**
 * The domain error for an exception of an S3 call: a missing key becomes
 * {@link PayloadNotFoundError}, throttling (SlowDown, 429), server faults (5xx) and broken
 * connections the runtime's `TransientStoreError`, both with the original as `cause`; anything else
 * (AccessDenied, NoSuchBucket) is returned unchanged.
 */
function translateS3Error(error: unknown, operation: string, key: string): unknown {
  if (error instanceof PayloadNotFoundError) return error;
  if (error instanceof Error && NOT_FOUND_ERROR_NAMES.has(error.name)) {
    return new PayloadNotFoundError(key, { cause: error });
  }
  return isTransient(error) ? transientError(`S3 ${operation} of ${key}`, error) : error;
}
