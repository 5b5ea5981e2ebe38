/**
 * The ObjectStorage port in memory: the S3 objects a Distributed Map reads its items from and writes
 * its results to, given in a test (`runWorkflow`'s items given in memory) and inspected after it.
 */
import { createHash } from 'node:crypto';
import type { ListedObject, ListObjectsPage } from './item-readers.js';
import { ObjectStorageError, type ObjectLocation, type ObjectStorage } from './map-run-ports.js';

/** An object's content: a string is stored as its UTF-8 bytes. */
export type ObjectBody = string | Uint8Array;

/** ListObjectsV2's page size on S3, the default here. */
export const DEFAULT_PAGE_SIZE = 1000;
/** Bytes per chunk of a read stream. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/** Options of {@link InMemoryObjectStorage}. */
export interface InMemoryObjectStorageOptions {
  /**
   * Objects to start with, by `<bucket>/<key>` (`'items/2026/orders.csv'`: bucket `items`, key
   * `2026/orders.csv`). Their buckets exist. @default {}
   */
  readonly objects?: Readonly<Record<string, ObjectBody>>;
  /** Buckets that exist, empty or not: where results may be written. @default [] */
  readonly buckets?: readonly string[];
  /** Objects per listing page (S3's `MaxKeys`). @default DEFAULT_PAGE_SIZE (1000) */
  readonly pageSize?: number;
  /** Bytes per chunk of the streams `read` gives. @default DEFAULT_CHUNK_SIZE (64 KiB) */
  readonly chunkSize?: number;
  /** The clock of `LastModified`, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** A stored object, as {@link InMemoryObjectStorage.object} gives it. */
export interface StoredObject {
  readonly body: Uint8Array;
  /** `"<md5 hex>"`, quoted as S3 gives it. */
  readonly etag: string;
  /** Whole seconds, as S3 keeps it. */
  readonly lastModified: Date;
  readonly contentType?: string;
}

/** S3's messages for its codes, for the errors given here. */
const S3_MESSAGES = {
  NoSuchBucket: 'The specified bucket does not exist',
  NoSuchKey: 'The specified key does not exist.',
  InvalidArgument: 'The continuation token provided is incorrect',
} as const;

/**
 * {@link ObjectStorage} in memory, with S3's semantics: a missing bucket fails every call with
 * `NoSuchBucket` and a missing key a read with `NoSuchKey` (not retryable, as on S3); a read from
 * an offset at or past the end is empty; listings are in UTF-8 binary key order, `pageSize` objects
 * a page, with opaque continuation tokens; a write replaces the object once its whole body is in,
 * so a failed stream leaves the old one. ETags are the body's MD5, quoted (S3 gives a multipart
 * upload another form; nothing here depends on it). Objects are copied in and out: a caller's
 * buffer changed afterwards changes nothing stored.
 */
export class InMemoryObjectStorage implements ObjectStorage {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private readonly pageSize: number;
  private readonly chunkSize: number;
  private readonly now: () => number;

  constructor(options: InMemoryObjectStorageOptions = {}) {
    this.pageSize = positiveInteger(options.pageSize ?? DEFAULT_PAGE_SIZE, 'pageSize');
    this.chunkSize = positiveInteger(options.chunkSize ?? DEFAULT_CHUNK_SIZE, 'chunkSize');
    this.now = options.now ?? Date.now;
    for (const bucket of options.buckets ?? []) this.createBucket(bucket);
    for (const [path, body] of Object.entries(options.objects ?? {})) {
      const slash = path.indexOf('/');
      if (slash <= 0 || slash === path.length - 1)
        throw new Error(
          `InMemoryObjectStorage: objects[${JSON.stringify(path)}] must be named "<bucket>/<key>"`,
        );
      this.put({ bucket: path.slice(0, slash), key: path.slice(slash + 1) }, body);
    }
  }

  /** Creates a bucket unless it exists. */
  createBucket(name: string): void {
    if (name === '') throw new Error('InMemoryObjectStorage: a bucket name must not be empty');
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  /** Stores an object, creating its bucket if need be (a test's setup, where `write` would fail). */
  put(location: ObjectLocation, body: ObjectBody, options: { readonly contentType?: string } = {}): void {
    this.createBucket(location.bucket);
    this.store(
      location,
      typeof body === 'string' ? Buffer.from(body, 'utf8') : Uint8Array.from(body),
      options,
    );
  }

  /** The stored object (a copy of its bytes), or undefined. */
  object(location: ObjectLocation): StoredObject | undefined {
    const stored = this.buckets.get(location.bucket)?.get(location.key);
    return stored === undefined ? undefined : { ...stored, body: Uint8Array.from(stored.body) };
  }

  /** The object's bytes as UTF-8 text, or undefined. */
  text(location: ObjectLocation): string | undefined {
    const stored = this.buckets.get(location.bucket)?.get(location.key);
    return stored === undefined ? undefined : Buffer.from(stored.body).toString('utf8');
  }

  /** The keys of a bucket in listing order (empty for a missing bucket). */
  keys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort(compareKeys);
  }

  async read(
    location: ObjectLocation,
    options: { readonly start?: number } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    const start = options.start ?? 0;
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError(
        `read of ${describe(location)}: start must be a non-negative integer, not ${start}`,
      );
    const objects = this.bucket(location.bucket, 'GetObject', describe(location));
    const stored = objects.get(location.key);
    if (stored === undefined) throw s3Error('NoSuchKey', 'GetObject', describe(location));
    return chunksOf(stored.body, start, this.chunkSize);
  }

  async list(request: {
    readonly bucket: string;
    readonly prefix?: string;
    readonly continuationToken?: string;
  }): Promise<ListObjectsPage> {
    const prefix = request.prefix ?? '';
    const where = `s3://${request.bucket}/${prefix}`;
    const objects = this.bucket(request.bucket, 'ListObjectsV2', where);
    const after =
      request.continuationToken === undefined ? undefined : decodeToken(request.continuationToken, where);
    const keys = [...objects.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || compareKeys(key, after) > 0))
      .sort(compareKeys);
    const page = keys.slice(0, this.pageSize);
    const contents = page.map((key): ListedObject => {
      const stored = objects.get(key) as StoredObject;
      return {
        Key: key,
        Size: stored.body.length,
        LastModified: new Date(stored.lastModified),
        ETag: stored.etag,
        StorageClass: 'STANDARD',
      };
    });
    const last = page[page.length - 1];
    return {
      Contents: contents,
      ...(keys.length > page.length && last !== undefined
        ? { NextContinuationToken: encodeToken(last) }
        : {}),
    };
  }

  async write(
    location: ObjectLocation,
    body: Uint8Array | string | AsyncIterable<Uint8Array>,
    options: { readonly contentType?: string } = {},
  ): Promise<void> {
    this.bucket(location.bucket, 'PutObject', describe(location));
    let bytes: Uint8Array;
    if (typeof body === 'string') bytes = Buffer.from(body, 'utf8');
    else if (body instanceof Uint8Array) bytes = Uint8Array.from(body);
    else {
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) {
        if (!(chunk instanceof Uint8Array))
          throw new TypeError(
            `write of ${describe(location)}: the body stream gave a ${typeof chunk}, not a Uint8Array`,
          );
        chunks.push(Uint8Array.from(chunk));
      }
      bytes = Buffer.concat(chunks);
    }
    // The bucket may have been checked before a long stream: S3 would fail the upload's end too.
    this.bucket(location.bucket, 'PutObject', describe(location));
    this.store(location, bytes, options);
  }

  private store(
    location: ObjectLocation,
    bytes: Uint8Array,
    options: { readonly contentType?: string },
  ): void {
    if (location.key === '')
      throw new Error(`InMemoryObjectStorage: an object key must not be empty (bucket ${location.bucket})`);
    (this.buckets.get(location.bucket) as Map<string, StoredObject>).set(location.key, {
      body: bytes,
      etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      // S3 keeps LastModified to the second.
      lastModified: new Date(Math.floor(this.now() / 1000) * 1000),
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
    });
  }

  private bucket(name: string, operation: string, where: string): Map<string, StoredObject> {
    const bucket = this.buckets.get(name);
    if (bucket === undefined) throw s3Error('NoSuchBucket', operation, where);
    return bucket;
  }
}

function s3Error(code: keyof typeof S3_MESSAGES, operation: string, where: string): ObjectStorageError {
  return new ObjectStorageError(
    code,
    `S3 ${operation} of ${where} failed (${code}): ${S3_MESSAGES[code]}`,
    false,
  );
}

function describe(location: ObjectLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** S3's listing order: keys compared as UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const TOKEN_PREFIX = 'in-memory:';

/** A continuation token: the last key listed, opaque to callers. */
function encodeToken(lastKey: string): string {
  return Buffer.from(TOKEN_PREFIX + lastKey, 'utf8').toString('base64url');
}

function decodeToken(token: string, where: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith(TOKEN_PREFIX)) throw s3Error('InvalidArgument', 'ListObjectsV2', where);
  return decoded.slice(TOKEN_PREFIX.length);
}

async function* chunksOf(body: Uint8Array, start: number, chunkSize: number): AsyncGenerator<Uint8Array> {
  for (let offset = start; offset < body.length; offset += chunkSize)
    yield body.slice(offset, Math.min(offset + chunkSize, body.length));
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`InMemoryObjectStorage: ${option} must be a positive integer, not ${value}`);
  return value;
}
