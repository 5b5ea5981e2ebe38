/**
 * The local S3's buckets and objects, on disk under one directory, with an index in memory (read
 * from the directory when the store opens) for listings and lookups:
 *
 *   <directory>/<bucket>/bucket.json                 the bucket's creation time
 *   <directory>/<bucket>/objects/<sha256(key)>.json  an object's key, size, ETag, headers, data file
 *   <directory>/<bucket>/objects/<sha256(key)>.<uuid>.data   its bytes
 *   <directory>/.uploads/<uploadId>/upload.json, <n>.part    multipart uploads in progress
 *
 * A write puts the bytes in a new data file, then replaces the object's record by an atomic rename,
 * then removes the data file the record named before: a crash at any point leaves the old object or
 * the new one, never a mix, and what is acknowledged is on disk (in the operating system's cache,
 * as dynalite's writes are). Data files no record names are leftovers of a crash, removed on open.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  BucketAlreadyOwnedByYouError,
  BucketNotEmptyError,
  EntityTooSmallError,
  InvalidBucketNameError,
  InvalidPartError,
  InvalidPartOrderError,
  NoSuchBucketError,
  NoSuchKeyError,
  NoSuchUploadError,
} from './errors.js';

/** What S3 keeps with an object's bytes, besides its key. */
export interface ObjectAttributes {
  readonly contentType: string;
  readonly contentEncoding?: string;
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  /** `x-amz-meta-*` headers, names lower-cased, without the prefix. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** An object as the index holds it. */
export interface StoredObject extends ObjectAttributes {
  readonly key: string;
  readonly size: number;
  /** Quoted, as S3 sends it: the MD5 of the bytes, or of the parts' MD5s with `-<parts>`. */
  readonly etag: string;
  /** Epoch milliseconds. */
  readonly lastModified: number;
  /** The data file's name in the bucket's `objects` folder. */
  readonly file: string;
}

/** A byte range, both ends included, within the object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A part named in CompleteMultipartUpload. */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

/** S3's minimum size of every part but the last. */
export const MINIMUM_PART_SIZE = 5 * 1024 * 1024;

interface BucketIndex {
  readonly createdAt: number;
  readonly objects: Map<string, StoredObject>;
  /** The objects in key order (UTF-8 binary order, as S3 lists), made again after a change. */
  sorted: StoredObject[] | undefined;
}

interface UploadRecord {
  readonly bucket: string;
  readonly key: string;
  readonly attributes: ObjectAttributes;
}

const UPLOADS = '.uploads';
const BUCKET_FILE = 'bucket.json';
const OBJECTS = 'objects';

/** Buckets and objects on disk; see the module comment. */
export class S3ObjectStore {
  /** Per object, the write in progress: writes of one key apply one after another. */
  private readonly writes = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly directory: string,
    private readonly buckets: Map<string, BucketIndex>,
    private readonly now: () => number,
  ) {}

  /** Opens (or creates) the store in `directory`, reading its index. */
  static async open(directory: string, now: () => number = Date.now): Promise<S3ObjectStore> {
    await mkdir(join(directory, UPLOADS), { recursive: true });
    const buckets = new Map<string, BucketIndex>();
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === UPLOADS) continue;
      const bucketDir = join(directory, entry.name);
      let createdAt: number;
      try {
        createdAt = (
          JSON.parse(await readFile(join(bucketDir, BUCKET_FILE), 'utf8')) as { createdAt: number }
        ).createdAt;
      } catch {
        continue; // Not a bucket: a crash before its record was written.
      }
      const objects = new Map<string, StoredObject>();
      const files = await readdir(join(bucketDir, OBJECTS));
      for (const file of files.filter((name) => name.endsWith('.json'))) {
        const object = JSON.parse(await readFile(join(bucketDir, OBJECTS, file), 'utf8')) as StoredObject;
        objects.set(object.key, object);
      }
      const named = new Set([...objects.values()].map((object) => object.file));
      for (const file of files) {
        if (!file.endsWith('.json') && !named.has(file))
          await rm(join(bucketDir, OBJECTS, file), { force: true });
      }
      buckets.set(entry.name, { createdAt, objects, sorted: undefined });
    }
    return new S3ObjectStore(directory, buckets, now);
  }

  /** The buckets, by name, with their creation times (epoch ms). */
  listBuckets(): { readonly name: string; readonly createdAt: number }[] {
    return [...this.buckets]
      .map(([name, bucket]) => ({ name, createdAt: bucket.createdAt }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  /** Creates a bucket. Throws {@link BucketAlreadyOwnedByYouError} if it exists. */
  async createBucket(name: string): Promise<void> {
    validateBucketName(name);
    if (this.buckets.has(name)) throw new BucketAlreadyOwnedByYouError(name);
    const bucketDir = join(this.directory, name);
    await mkdir(join(bucketDir, OBJECTS), { recursive: true });
    const createdAt = this.now();
    await writeAtomically(join(bucketDir, BUCKET_FILE), JSON.stringify({ createdAt }));
    this.buckets.set(name, { createdAt, objects: new Map(), sorted: undefined });
  }

  /** Deletes an empty bucket. */
  async deleteBucket(name: string): Promise<void> {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) throw new BucketNotEmptyError(name);
    this.buckets.delete(name);
    await rm(join(this.directory, name), { recursive: true, force: true });
  }

  /** The objects of a bucket in key order. */
  list(bucketName: string): readonly StoredObject[] {
    const bucket = this.bucket(bucketName);
    bucket.sorted ??= [...bucket.objects.values()].sort((a, b) => compareKeys(a.key, b.key));
    return bucket.sorted;
  }

  /** An object's record. Throws {@link NoSuchBucketError} or {@link NoSuchKeyError}. */
  head(bucketName: string, key: string): StoredObject {
    const object = this.bucket(bucketName).objects.get(key);
    if (!object) throw new NoSuchKeyError(bucketName, key);
    return object;
  }

  /**
   * The bytes of an object (of `range` within it). The data file is opened before this returns,
   * so an overwrite that removes it afterwards does not cut the read short.
   */
  async read(
    bucketName: string,
    key: string,
    range?: ByteRange,
  ): Promise<{ object: StoredObject; body: Readable }> {
    for (;;) {
      const object = this.head(bucketName, key);
      try {
        const handle = await open(join(this.directory, bucketName, OBJECTS, object.file), 'r');
        const body = createReadStream('', {
          fd: handle,
          ...(range ? { start: range.start, end: range.end } : {}),
          autoClose: true,
        });
        return { object, body };
      } catch (error) {
        // Replaced between the lookup and the open: read the new one.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  /** Stores an object, replacing any of the same key. */
  put(
    bucketName: string,
    key: string,
    body: Uint8Array,
    attributes: ObjectAttributes,
  ): Promise<StoredObject> {
    this.bucket(bucketName);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    return this.store(bucketName, key, attributes, etag, body.length, async (path) => writeFile(path, body));
  }

  /** Copies an object; `attributes` replace the source's (MetadataDirective REPLACE). */
  async copy(
    source: { readonly bucket: string; readonly key: string },
    target: { readonly bucket: string; readonly key: string },
    attributes?: ObjectAttributes,
  ): Promise<StoredObject> {
    this.bucket(target.bucket);
    const { object, body } = await this.read(source.bucket, source.key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return this.put(target.bucket, target.key, Buffer.concat(chunks), attributes ?? attributesOf(object));
  }

  /** Deletes an object; deleting one that does not exist succeeds, as on S3. */
  async delete(bucketName: string, key: string): Promise<void> {
    const bucket = this.bucket(bucketName);
    await this.serialized(bucketName, key, async () => {
      const object = bucket.objects.get(key);
      if (!object) return;
      bucket.objects.delete(key);
      bucket.sorted = undefined;
      const objects = join(this.directory, bucketName, OBJECTS);
      await rm(join(objects, `${keyHash(key)}.json`), { force: true });
      await rm(join(objects, object.file), { force: true });
    });
  }

  /** Starts a multipart upload; returns its id. */
  async createUpload(bucketName: string, key: string, attributes: ObjectAttributes): Promise<string> {
    this.bucket(bucketName);
    const uploadId = randomUUID().replaceAll('-', '');
    const folder = join(this.directory, UPLOADS, uploadId);
    await mkdir(folder, { recursive: true });
    const record: UploadRecord = { bucket: bucketName, key, attributes };
    await writeAtomically(join(folder, 'upload.json'), JSON.stringify(record));
    return uploadId;
  }

  /** Stores a part (1-10000) of an upload; returns its ETag. */
  async uploadPart(
    bucketName: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<string> {
    await this.upload(bucketName, key, uploadId);
    await writeAtomically(join(this.directory, UPLOADS, uploadId, `${partNumber}.part`), body);
    return `"${createHash('md5').update(body).digest('hex')}"`;
  }

  /**
   * Joins the named parts into the object, as S3 does: in ascending order, each as uploaded (same
   * ETag), every part but the last at least {@link MINIMUM_PART_SIZE}. The ETag is the MD5 of the
   * parts' MD5s, with `-<number of parts>`.
   */
  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<StoredObject> {
    const upload = await this.upload(bucketName, key, uploadId);
    if (parts.length === 0) throw new InvalidPartError(0, 'none given');
    const folder = join(this.directory, UPLOADS, uploadId);
    const bodies: Buffer[] = [];
    const digests: Buffer[] = [];
    if (
      parts.some(
        (part, index) => index > 0 && part.partNumber <= (parts[index - 1] as CompletedPart).partNumber,
      )
    )
      throw new InvalidPartOrderError();
    for (const [index, part] of parts.entries()) {
      let body: Buffer;
      try {
        body = await readFile(join(folder, `${part.partNumber}.part`));
      } catch {
        throw new InvalidPartError(part.partNumber, 'was not uploaded');
      }
      const digest = createHash('md5').update(body).digest();
      if (unquote(part.etag) !== digest.toString('hex'))
        throw new InvalidPartError(part.partNumber, `has ETag "${digest.toString('hex')}", not ${part.etag}`);
      if (index < parts.length - 1 && body.length < MINIMUM_PART_SIZE)
        throw new EntityTooSmallError(part.partNumber, body.length);
      bodies.push(body);
      digests.push(digest);
    }
    const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
    const size = bodies.reduce((total, body) => total + body.length, 0);
    const object = await this.store(bucketName, key, upload.attributes, etag, size, async (path) => {
      const handle = await open(path, 'w');
      try {
        for (const body of bodies) await handle.write(body);
      } finally {
        await handle.close();
      }
    });
    await rm(folder, { recursive: true, force: true });
    return object;
  }

  /** Aborts an upload, removing its parts. */
  async abortUpload(bucketName: string, key: string, uploadId: string): Promise<void> {
    await this.upload(bucketName, key, uploadId);
    await rm(join(this.directory, UPLOADS, uploadId), { recursive: true, force: true });
  }

  private async upload(bucketName: string, key: string, uploadId: string): Promise<UploadRecord> {
    this.bucket(bucketName);
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw new NoSuchUploadError(uploadId);
    let record: UploadRecord;
    try {
      record = JSON.parse(
        await readFile(join(this.directory, UPLOADS, uploadId, 'upload.json'), 'utf8'),
      ) as UploadRecord;
    } catch {
      throw new NoSuchUploadError(uploadId);
    }
    if (record.bucket !== bucketName || record.key !== key) throw new NoSuchUploadError(uploadId);
    return record;
  }

  /** Writes the data file, then the record, then removes the data file it replaces. */
  private store(
    bucketName: string,
    key: string,
    attributes: ObjectAttributes,
    etag: string,
    size: number,
    write: (path: string) => Promise<void>,
  ): Promise<StoredObject> {
    return this.serialized(bucketName, key, async () => {
      const bucket = this.bucket(bucketName);
      const objects = join(this.directory, bucketName, OBJECTS);
      const hash = keyHash(key);
      const file = `${hash}.${randomUUID()}.data`;
      const path = join(objects, file);
      try {
        await write(path);
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
      const object: StoredObject = {
        key,
        size,
        etag,
        lastModified: this.now(),
        file,
        ...attributesOf(attributes),
      };
      await writeAtomically(join(objects, `${hash}.json`), JSON.stringify(object));
      const replaced = bucket.objects.get(key);
      bucket.objects.set(key, object);
      bucket.sorted = undefined;
      if (replaced) await rm(join(objects, replaced.file), { force: true });
      return object;
    });
  }

  private async serialized<T>(bucketName: string, key: string, work: () => Promise<T>): Promise<T> {
    const id = `${bucketName}/${key}`;
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.writes.set(id, settled);
    try {
      return await next;
    } finally {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    }
  }

  private bucket(name: string): BucketIndex {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new NoSuchBucketError(name);
    return bucket;
  }
}

/** The attributes alone, without keys left undefined. */
function attributesOf(source: ObjectAttributes): ObjectAttributes {
  return {
    contentType: source.contentType,
    metadata: source.metadata,
    ...(source.contentEncoding !== undefined ? { contentEncoding: source.contentEncoding } : {}),
    ...(source.cacheControl !== undefined ? { cacheControl: source.cacheControl } : {}),
    ...(source.contentDisposition !== undefined ? { contentDisposition: source.contentDisposition } : {}),
  };
}

/**
 * S3's bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html),
 * those that keep a name a safe folder name among them.
 */
export function validateBucketName(name: string): void {
  if (name.length < 3 || name.length > 63)
    throw new InvalidBucketNameError(name, 'must be 3 to 63 characters long');
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    throw new InvalidBucketNameError(
      name,
      'only lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit',
    );
  if (name.includes('..')) throw new InvalidBucketNameError(name, 'two adjacent dots');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) throw new InvalidBucketNameError(name, 'formatted as an IP address');
}

/** S3 lists keys in UTF-8 binary order, which differs from UTF-16 order beyond the BMP. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
