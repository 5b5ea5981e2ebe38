/**
 * The ObjectStorage port on S3: what a Distributed Map run streams its ItemReader's object from,
 * lists objects with, and writes its ResultWriter files to.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
  type _Object as S3Object,
} from '@aws-sdk/client-s3';
import type { ListedObject, ListObjectsPage } from '../runtime/distributed-map/item-readers.js';
import {
  ObjectStorageError,
  type ObjectLocation,
  type ObjectStorage,
} from '../runtime/distributed-map/map-run-ports.js';
import { errorMessage, errorName, isTransient } from './aws-errors.js';

const MIB = 1024 * 1024;
/** S3's smallest part of a multipart upload, the last part excepted. */
export const MINIMUM_PART_SIZE = 5 * MIB;
/** S3's largest part. */
export const MAXIMUM_PART_SIZE = 5 * 1024 * MIB;
/** S3's most parts in one upload. */
export const MAXIMUM_PARTS = 10_000;
/** Part size of a multipart write: 10,000 parts of it make some 78 GiB. */
export const DEFAULT_PART_SIZE = 8 * MIB;
/** ListObjectsV2's largest (and default) page. */
export const MAXIMUM_LIST_KEYS = 1000;

/** Holds the place of a part once uploaded, so that its bytes can be collected. */
const PART_UPLOADED: IteratorResult<Uint8Array> = { done: true, value: undefined };

/** Options of {@link S3ObjectStorage}. */
export interface S3ObjectStorageOptions {
  readonly client: S3Client;
  /**
   * Bytes per part when `write` is given a stream: the stream is cut into parts of exactly this
   * size (the last may be shorter), one part held in memory at a time. A stream shorter than one
   * part is written with one PutObject. From {@link MINIMUM_PART_SIZE} to {@link MAXIMUM_PART_SIZE}.
   * @default DEFAULT_PART_SIZE (8 MiB)
   */
  readonly partSize?: number;
  /** Objects per ListObjectsV2 page (`MaxKeys`), 1 to 1000. @default 1000 */
  readonly maxKeys?: number;
}

/**
 * {@link ObjectStorage} on S3 through the AWS SDK v3 client. Reads are GetObject with a `Range`
 * from the start offset, streamed; a listing is one ListObjectsV2 call; a write is one PutObject,
 * or a multipart upload (aborted when it fails) for a stream longer than one part. Every S3 failure
 * becomes an {@link ObjectStorageError} carrying S3's error code. Writes overwrite: the object is
 * whole or absent, never partly written.
 */
export class S3ObjectStorage implements ObjectStorage {
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly maxKeys: number;

  constructor(options: S3ObjectStorageOptions) {
    this.client = options.client;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.maxKeys = options.maxKeys ?? MAXIMUM_LIST_KEYS;
    if (
      !Number.isSafeInteger(this.partSize) ||
      this.partSize < MINIMUM_PART_SIZE ||
      this.partSize > MAXIMUM_PART_SIZE
    )
      throw new RangeError(
        `S3ObjectStorage: partSize must be an integer from ${MINIMUM_PART_SIZE} to ${MAXIMUM_PART_SIZE} bytes, not ${options.partSize}`,
      );
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1 || this.maxKeys > MAXIMUM_LIST_KEYS)
      throw new RangeError(
        `S3ObjectStorage: maxKeys must be an integer from 1 to ${MAXIMUM_LIST_KEYS}, not ${options.maxKeys}`,
      );
  }

  /**
   * The object's bytes from `start`, streamed as they arrive. S3 refuses a range that starts at or
   * past the end (416 InvalidRange): that is read as the empty rest of the object. Iterate the
   * stream to its end or leave the loop early; either frees the connection.
   */
  async read(
    location: ObjectLocation,
    options: { readonly start?: number } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    const start = options.start ?? 0;
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError(
        `read of ${describe(location)}: start must be a non-negative integer, not ${start}`,
      );
    let output;
    try {
      output = await this.client.send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          ...(start > 0 ? { Range: `bytes=${start}-` } : {}),
        }),
      );
    } catch (error) {
      if (start > 0 && errorName(error) === 'InvalidRange') return emptyStream();
      throw objectStorageError(error, 'GetObject', describe(location));
    }
    if (output.Body === undefined) return emptyStream();
    const body = byteSource(output.Body, location);
    let skip = 0;
    if (start > 0 && !output.ContentRange?.startsWith(`bytes ${start}-`)) {
      // S3 always serves the range; a store that ignores it sends the whole object (200, no
      // Content-Range), whose first bytes are dropped here rather than read twice as items.
      if (output.ContentRange !== undefined) {
        body.destroy?.();
        throw new ObjectStorageError(
          'InvalidResponse',
          `S3 GetObject of ${describe(location)} answered the range ${output.ContentRange}, not bytes ${start}-`,
          false,
        );
      }
      skip = start;
    }
    return new TranslatedBody(body, describe(location), skip);
  }

  async list(request: {
    readonly bucket: string;
    readonly prefix?: string;
    readonly continuationToken?: string;
  }): Promise<ListObjectsPage> {
    const where = `s3://${request.bucket}/${request.prefix ?? ''}`;
    let output;
    try {
      output = await this.client.send(
        new ListObjectsV2Command({
          Bucket: request.bucket,
          MaxKeys: this.maxKeys,
          ...(request.prefix ? { Prefix: request.prefix } : {}),
          ...(request.continuationToken !== undefined
            ? { ContinuationToken: request.continuationToken }
            : {}),
        }),
      );
    } catch (error) {
      throw objectStorageError(error, 'ListObjectsV2', where);
    }
    const contents = (output.Contents ?? []).map((object, index) => listedObject(object, index, where));
    return {
      Contents: contents,
      ...(output.IsTruncated === true && output.NextContinuationToken !== undefined
        ? { NextContinuationToken: output.NextContinuationToken }
        : {}),
    };
  }

  /**
   * Writes the object. Bytes and strings (UTF-8) go in one PutObject; a stream is cut into parts
   * of `partSize` bytes, written with one PutObject when it is no longer than a part, else as a
   * multipart upload that is aborted if the stream or S3 fails, so that no half object appears.
   * A failure of the stream itself is thrown as it is.
   */
  async write(
    location: ObjectLocation,
    body: Uint8Array | string | AsyncIterable<Uint8Array>,
    options: { readonly contentType?: string } = {},
  ): Promise<void> {
    const contentType = options.contentType !== undefined ? { ContentType: options.contentType } : {};
    if (typeof body === 'string' || body instanceof Uint8Array) {
      await this.put(location, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, contentType);
      return;
    }
    await this.writeStream(location, partsOf(body, this.partSize, location), contentType);
  }

  private async put(
    location: ObjectLocation,
    bytes: Uint8Array,
    contentType: { readonly ContentType?: string },
  ): Promise<void> {
    await this.call('PutObject', describe(location), () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          Body: bytes,
          ContentLength: bytes.length,
          ...contentType,
        }),
      ),
    );
  }

  /**
   * One PutObject when the first part is the whole stream, else a multipart upload of the parts,
   * one part in memory at a time (each dropped before the next is read).
   */
  private async writeStream(
    location: ObjectLocation,
    parts: AsyncGenerator<Uint8Array>,
    contentType: { readonly ContentType?: string },
  ): Promise<void> {
    const where = describe(location);
    const target = { Bucket: location.bucket, Key: location.key };
    let next = await parts.next();
    if (next.done === true || next.value.length < this.partSize) {
      // The whole stream fits in one part: no upload to create, complete or abort.
      await this.put(location, next.done === true ? new Uint8Array(0) : next.value, contentType);
      return;
    }
    let uploadId: string | undefined;
    try {
      // CRC32 declared at the start, so that S3 expects, and checks, each part's checksum at the end.
      const created = await this.call('CreateMultipartUpload', where, () =>
        this.client.send(
          new CreateMultipartUploadCommand({ ...target, ...contentType, ChecksumAlgorithm: 'CRC32' }),
        ),
      );
      if (created.UploadId === undefined)
        throw new ObjectStorageError(
          'InvalidResponse',
          `S3 CreateMultipartUpload of ${where} answered no UploadId`,
          false,
        );
      const upload = created.UploadId;
      uploadId = upload;
      const completed: CompletedPart[] = [];
      while (next.done !== true) {
        const partNumber = completed.length + 1;
        if (partNumber > MAXIMUM_PARTS)
          throw new ObjectStorageError(
            'TooManyParts',
            `${where} is longer than ${MAXIMUM_PARTS} parts of ${this.partSize} bytes: give S3ObjectStorage a larger partSize`,
            false,
          );
        completed.push(await this.uploadPart(target, upload, partNumber, next.value, where));
        // The uploaded part's bytes are let go before the next part is gathered.
        next = PART_UPLOADED;
        next = await parts.next();
      }
      await this.call('CompleteMultipartUpload', where, () =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            ...target,
            UploadId: upload,
            MultipartUpload: { Parts: completed },
          }),
        ),
      );
    } catch (error) {
      if (uploadId !== undefined) await this.abort(target, uploadId, error);
      try {
        await parts.return(undefined);
      } catch {
        // The stream's own cleanup failed: the error that stopped the upload is the one to report.
      }
      throw error;
    }
  }

  private async uploadPart(
    target: { readonly Bucket: string; readonly Key: string },
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    where: string,
  ): Promise<CompletedPart> {
    const uploaded = await this.call('UploadPart', `${where} (part ${partNumber})`, () =>
      this.client.send(
        new UploadPartCommand({
          ...target,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ChecksumAlgorithm: 'CRC32',
        }),
      ),
    );
    return {
      PartNumber: partNumber,
      ETag: uploaded.ETag,
      ...(uploaded.ChecksumCRC32 !== undefined ? { ChecksumCRC32: uploaded.ChecksumCRC32 } : {}),
    };
  }

  /** Aborts an upload that failed; a failed abort is noted on the original error, never thrown. */
  private async abort(
    target: { readonly Bucket: string; readonly Key: string },
    uploadId: string,
    failure: unknown,
  ): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ ...target, UploadId: uploadId }));
    } catch (abortError) {
      // The parts stay until the bucket's lifecycle rule for incomplete uploads removes them.
      if (failure instanceof Error)
        failure.message += ` (and AbortMultipartUpload of upload ${uploadId} failed: ${errorName(abortError)})`;
    }
  }

  private async call<T>(operation: string, where: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw objectStorageError(error, operation, where);
    }
  }
}

/** `s3://bucket/key`, for messages. */
function describe(location: ObjectLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}

/**
 * The domain error of a failed S3 call: `code` is S3's error code (the SDK exception's name), or a
 * network error's code (`ECONNRESET`); retryable for throttling, 5xx, timeouts and broken
 * connections. The SDK error is kept as `cause`.
 */
function objectStorageError(error: unknown, operation: string, where: string): ObjectStorageError {
  if (error instanceof ObjectStorageError) return error;
  const code = s3ErrorCode(error);
  return new ObjectStorageError(
    code,
    `S3 ${operation} of ${where} failed (${code}): ${errorMessage(error)}`,
    isTransient(error),
    { cause: error },
  );
}

function s3ErrorCode(error: unknown): string {
  if (error instanceof S3ServiceException) return error.name;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length > 0 ? code : errorName(error);
}

/** A listed object as the item readers take it; S3 always sends these fields. */
function listedObject(object: S3Object, index: number, where: string): ListedObject {
  const { Key, Size, LastModified, ETag, StorageClass } = object;
  const missing = [
    Key === undefined ? 'Key' : undefined,
    Size === undefined ? 'Size' : undefined,
    LastModified === undefined ? 'LastModified' : undefined,
    ETag === undefined ? 'ETag' : undefined,
  ].filter((field) => field !== undefined);
  if (missing.length > 0)
    throw new ObjectStorageError(
      'InvalidResponse',
      `S3 ListObjectsV2 of ${where} answered Contents[${index}] without ${missing.join(', ')}`,
      false,
    );
  return {
    Key: Key as string,
    Size: Size as number,
    LastModified: LastModified as Date,
    ETag: ETag as string,
    ...(StorageClass !== undefined ? { StorageClass } : {}),
  };
}

/** What GetObject's `Body` is at run time: a Node Readable (or, elsewhere, a web stream or Blob). */
interface BodyShape {
  readonly [Symbol.asyncIterator]?: () => AsyncIterator<Uint8Array>;
  readonly stream?: () => AsyncIterable<Uint8Array>;
  readonly destroy?: () => void;
}

function byteSource(body: unknown, location: ObjectLocation): BodyShape & AsyncIterable<Uint8Array> {
  const shape = body as BodyShape;
  if (typeof shape[Symbol.asyncIterator] === 'function')
    return shape as BodyShape & AsyncIterable<Uint8Array>;
  if (typeof shape.stream === 'function') return shape.stream() as BodyShape & AsyncIterable<Uint8Array>;
  throw new ObjectStorageError(
    'InvalidResponse',
    `S3 GetObject of ${describe(location)} answered a Body that is not a stream`,
    false,
  );
}

/**
 * GetObject's body, chunk by chunk as the connection delivers them; a connection that breaks
 * mid-object fails the iteration with a retryable {@link ObjectStorageError}. Leaving a loop early
 * (or calling `return` before the first chunk) destroys the response and frees its connection.
 */
class TranslatedBody implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly body: BodyShape & AsyncIterable<Uint8Array>,
    private readonly where: string,
    /** Leading bytes to drop (a whole object sent for a range). */
    private readonly skip: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const inner = this.body[Symbol.asyncIterator]();
    const { body, where } = this;
    let skip = this.skip;
    return {
      async next() {
        try {
          for (;;) {
            const result = await inner.next();
            if (result.done === true || skip === 0) return result;
            const chunk = result.value;
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            const rest = chunk.subarray(skip);
            skip = 0;
            return { done: false, value: rest };
          }
        } catch (error) {
          throw objectStorageError(error, 'GetObject (reading the body)', where);
        }
      },
      async return() {
        body.destroy?.();
        await inner.return?.();
        return { done: true, value: undefined };
      },
    };
  }
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {
  // No bytes.
}

/**
 * The stream cut into parts of exactly `partSize` bytes, the last one shorter (an empty stream is
 * one empty part). Each part is a fresh copy: the source may reuse its chunks' memory.
 */
async function* partsOf(
  source: AsyncIterable<Uint8Array>,
  partSize: number,
  location: ObjectLocation,
): AsyncGenerator<Uint8Array> {
  let part = Buffer.allocUnsafe(partSize);
  let filled = 0;
  let yielded = false;
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array))
      throw new TypeError(
        `write of ${describe(location)}: the body stream gave a ${typeof chunk}, not a Uint8Array`,
      );
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - filled, chunk.length - offset);
      part.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === partSize) {
        yield part;
        yielded = true;
        part = Buffer.allocUnsafe(partSize);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !yielded) yield part.subarray(0, filled);
}
