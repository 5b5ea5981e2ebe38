/**
 * S3ObjectStorage against a mocked S3 client: the requests it sends and how it turns S3's errors
 * into ObjectStorageError. S3's behaviours relied on are from the Amazon S3 API Reference:
 * GetObject answers a Range that starts at or past the object's end with 416 InvalidRange
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, and RFC 9110 §15.5.17);
 * ListObjectsV2 gives NextContinuationToken only while IsTruncated; multipart uploads take parts of
 * 5 MiB at least but the last, and an upload that fails is aborted
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html, AbortMultipartUpload).
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MINIMUM_PART_SIZE, S3ObjectStorage } from '../../../lambdas/aws/s3-object-storage.js';
import { ObjectStorageError } from '../../../lambdas/runtime/distributed-map/map-run-ports.js';

const client = new S3Client({ region: 'us-east-1' });
const s3 = mockClient(client);
const storage = new S3ObjectStorage({ client, partSize: MINIMUM_PART_SIZE });
const location = { bucket: 'items', key: 'data/items.csv' };

function serviceError(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message: `${name} message`,
  });
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function failureOf(call: Promise<unknown>): Promise<ObjectStorageError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ObjectStorageError);
  return error as ObjectStorageError;
}

/** `count` chunks of `size` bytes, chunk `n` filled with byte `n`; tells when it was closed. */
function chunks(count: number, size: number): AsyncIterable<Uint8Array> & { closed: boolean } {
  const source = {
    closed: false,
    async *[Symbol.asyncIterator]() {
      try {
        for (let index = 0; index < count; index += 1) yield new Uint8Array(size).fill(index);
      } finally {
        source.closed = true;
      }
    },
  };
  return source;
}

describe('S3ObjectStorage', () => {
  beforeEach(() => {
    s3.reset();
  });

  describe('read', () => {
    it('gets the whole object without a Range from offset 0, chunk by chunk', async () => {
      s3.on(GetObjectCommand).resolves({
        Body: Readable.from([Buffer.from('ab'), Buffer.from('c')]) as never,
      });

      const stream = await storage.read(location);

      expect(await bytesOf(stream)).toEqual(Buffer.from('abc'));
      expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Key: 'data/items.csv',
      });
    });

    it('asks for the bytes from the offset to the end with Range: bytes=<start>-', async () => {
      s3.on(GetObjectCommand).resolves({
        Body: Readable.from([Buffer.from('xyz')]) as never,
        ContentRange: 'bytes 1234-1236/1237',
      });

      expect(await bytesOf(await storage.read(location, { start: 1234 }))).toEqual(Buffer.from('xyz'));

      expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Key: 'data/items.csv',
        Range: 'bytes=1234-',
      });
    });

    it('drops the leading bytes itself when a store ignores the Range and sends the whole object', async () => {
      s3.on(GetObjectCommand).resolves({
        Body: Readable.from([Buffer.from('ab'), Buffer.from('cdef'), Buffer.from('g')]) as never,
      });

      expect(await bytesOf(await storage.read(location, { start: 3 }))).toEqual(Buffer.from('defg'));
    });

    it('refuses a range other than the one asked for', async () => {
      const body = Readable.from([Buffer.from('x')]);
      s3.on(GetObjectCommand).resolves({ Body: body as never, ContentRange: 'bytes 0-0/1' });

      const error = await failureOf(storage.read(location, { start: 5 }));

      expect(error).toMatchObject({ code: 'InvalidResponse', retryable: false });
      expect(error.message).toContain('answered the range bytes 0-0/1, not bytes 5-');
      expect(body.destroyed).toBe(true);
    });

    it('reads an offset at or past the end (416 InvalidRange) as an empty rest', async () => {
      s3.on(GetObjectCommand).rejects(serviceError('InvalidRange', 416));

      expect(await bytesOf(await storage.read(location, { start: 10 }))).toHaveLength(0);
    });

    it('turns NoSuchKey into ObjectStorageError with its code, not retryable, the cause kept', async () => {
      const missing = new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      s3.on(GetObjectCommand).rejects(missing);

      const error = await failureOf(storage.read(location, { start: 5 }));

      expect(error).toMatchObject({ code: 'NoSuchKey', retryable: false });
      expect(error.message).toContain('s3://items/data/items.csv');
      expect(error.cause).toBe(missing);
    });

    it('fails a broken connection in mid-object with a retryable error carrying its code', async () => {
      const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
      const body = new Readable({ read() {} });
      body.push(Buffer.from('first'));
      setImmediate(() => body.destroy(reset));
      s3.on(GetObjectCommand).resolves({ Body: body as never });

      const stream = await storage.read(location);
      const received: string[] = [];
      const error = await (async () => {
        for await (const chunk of stream) received.push(Buffer.from(chunk).toString());
      })().catch((caught: unknown) => caught);

      expect(received).toEqual(['first']);
      expect(error).toBeInstanceOf(ObjectStorageError);
      expect(error).toMatchObject({ code: 'ECONNRESET', retryable: true, cause: reset });
    });

    it('destroys the response when the reader stops early, even before its first chunk', async () => {
      const body = new Readable({ read() {} });
      body.push(Buffer.from('never read'));
      s3.on(GetObjectCommand).resolves({ Body: body as never });

      const stream = await storage.read(location);
      await stream[Symbol.asyncIterator]().return?.();

      expect(body.destroyed).toBe(true);
    });

    it('refuses a negative or fractional start, naming it', async () => {
      await expect(storage.read(location, { start: -1 })).rejects.toThrow(
        'read of s3://items/data/items.csv: start must be a non-negative integer, not -1',
      );
      await expect(storage.read(location, { start: 1.5 })).rejects.toThrow(RangeError);
      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    });
  });

  describe('list', () => {
    const modified = new Date('2026-01-02T03:04:05.000Z');

    it('makes one ListObjectsV2 call and gives its page as the item readers take it', async () => {
      s3.on(ListObjectsV2Command).resolves({
        IsTruncated: true,
        NextContinuationToken: 'next-token',
        Contents: [
          { Key: 'in/a.json', Size: 3, LastModified: modified, ETag: '"abc"', StorageClass: 'STANDARD' },
        ],
      });

      const page = await storage.list({ bucket: 'items', prefix: 'in/', continuationToken: 'token' });

      expect(page).toEqual({
        Contents: [
          { Key: 'in/a.json', Size: 3, LastModified: modified, ETag: '"abc"', StorageClass: 'STANDARD' },
        ],
        NextContinuationToken: 'next-token',
      });
      expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Prefix: 'in/',
        ContinuationToken: 'token',
        MaxKeys: 1000,
      });
    });

    it('gives no continuation token for the last page, and an empty one for an empty listing', async () => {
      s3.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });

      expect(await storage.list({ bucket: 'items' })).toEqual({ Contents: [] });
      expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        MaxKeys: 1000,
      });
    });

    it('turns NoSuchBucket into ObjectStorageError with its code', async () => {
      s3.on(ListObjectsV2Command).rejects(new NoSuchBucket({ message: 'no bucket', $metadata: {} }));

      const error = await failureOf(storage.list({ bucket: 'gone' }));

      expect(error).toMatchObject({ code: 'NoSuchBucket', retryable: false });
    });

    it('refuses a listed object without the fields S3 always sends, naming them', async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'a', Size: 1 }] });

      const error = await failureOf(storage.list({ bucket: 'items' }));

      expect(error.code).toBe('InvalidResponse');
      expect(error.message).toContain('Contents[0] without LastModified, ETag');
    });
  });

  describe('errors', () => {
    it.each([
      ['SlowDown', 503, true],
      ['InternalError', 500, true],
      ['ServiceUnavailable', 503, true],
      ['AccessDenied', 403, false],
      ['InvalidBucketName', 400, false],
    ])('names %s (%i) by its code, retryable: %s', async (name, status, retryable) => {
      s3.on(PutObjectCommand).rejects(serviceError(name, status));

      const error = await failureOf(storage.write(location, 'x'));

      expect(error).toMatchObject({ code: name, retryable });
      expect(error.message).toBe(
        `S3 PutObject of s3://items/data/items.csv failed (${name}): ${name} message`,
      );
    });

    it.each(['ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'])(
      'treats a network failure (%s) as retryable',
      async (code) => {
        s3.on(ListObjectsV2Command).rejects(Object.assign(new Error(`connect ${code}`), { code }));

        expect(await failureOf(storage.list({ bucket: 'items' }))).toMatchObject({ code, retryable: true });
      },
    );

    it("treats the SDK's TimeoutError as retryable", async () => {
      s3.on(GetObjectCommand).rejects(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));

      expect(await failureOf(storage.read(location))).toMatchObject({
        code: 'TimeoutError',
        retryable: true,
      });
    });
  });

  describe('write', () => {
    it('puts a string as its UTF-8 bytes, with the content type given', async () => {
      s3.on(PutObjectCommand).resolves({});

      await storage.write(location, 'ünïcode', { contentType: 'application/json' });

      const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        Bucket: 'items',
        Key: 'data/items.csv',
        ContentType: 'application/json',
      });
      expect(Buffer.from(input?.Body as Uint8Array)).toEqual(Buffer.from('ünïcode', 'utf8'));
    });

    it('puts bytes as they are, with no content type unless one is given', async () => {
      s3.on(PutObjectCommand).resolves({});
      const body = Uint8Array.from([0, 255, 7]);

      await storage.write(location, body);

      expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Key: 'data/items.csv',
        Body: body,
        ContentLength: 3,
      });
    });

    it('puts a stream no longer than one part with one PutObject, and an empty stream as an empty object', async () => {
      s3.on(PutObjectCommand).resolves({});

      await storage.write(location, chunks(3, 1000));
      await storage.write(location, chunks(0, 0));

      const bodies = s3
        .commandCalls(PutObjectCommand)
        .map((call) => (call.args[0].input.Body as Uint8Array).length);
      expect(bodies).toEqual([3000, 0]);
      expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    });

    it('uploads a longer stream in parts of partSize bytes, the last shorter, and completes it with their ETags and checksums', async () => {
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
      s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({
        ETag: `"etag-${input.PartNumber}"`,
        ChecksumCRC32: `crc-${input.PartNumber}`,
      }));
      s3.on(CompleteMultipartUploadCommand).resolves({});
      // 11 MiB + 3 bytes, in chunks that straddle the part boundaries.
      const chunkSize = 1024 * 1024 + 1;
      const total = 11 * 1024 * 1024 + 3;
      const source = chunks(Math.ceil(total / chunkSize), chunkSize);

      await storage.write(location, source, { contentType: 'application/json' });

      expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Key: 'data/items.csv',
        ContentType: 'application/json',
        ChecksumAlgorithm: 'CRC32',
      });
      const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
      expect(parts.map((part) => [part.PartNumber, (part.Body as Uint8Array).length, part.UploadId])).toEqual(
        [
          [1, MINIMUM_PART_SIZE, 'upload-1'],
          [2, MINIMUM_PART_SIZE, 'upload-1'],
          [3, Math.ceil(total / chunkSize) * chunkSize - 2 * MINIMUM_PART_SIZE, 'upload-1'],
        ],
      );
      // The bytes go in order: part 2 begins with the rest of chunk 4 (byte value 4).
      const second = parts[1]?.Body as Uint8Array;
      expect(second[0]).toBe(4);
      expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Key: 'data/items.csv',
        UploadId: 'upload-1',
        MultipartUpload: {
          Parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"etag-${n}"`, ChecksumCRC32: `crc-${n}` })),
        },
      });
      expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    });

    it('uploads each part as soon as it is full, before the rest of the stream is read', async () => {
      let produced = 0;
      const producedAtPart: number[] = [];
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
      s3.on(UploadPartCommand).callsFake(() => {
        producedAtPart.push(produced);
        return { ETag: '"e"' };
      });
      s3.on(CompleteMultipartUploadCommand).resolves({});
      async function* source(): AsyncGenerator<Uint8Array> {
        for (let index = 0; index < 12; index += 1) {
          produced += 1;
          yield new Uint8Array(1024 * 1024);
        }
      }

      await storage.write(location, source());

      // 5 MiB parts of 1 MiB chunks: part 1 goes after chunk 5, part 2 after chunk 10.
      expect(producedAtPart).toEqual([5, 10, 12]);
    });

    it('ends a stream that stops at a part boundary with a full last part, not an empty one', async () => {
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
      s3.on(UploadPartCommand).resolves({ ETag: '"e"' });
      s3.on(CompleteMultipartUploadCommand).resolves({});

      await storage.write(location, chunks(2, MINIMUM_PART_SIZE));

      const sizes = s3
        .commandCalls(UploadPartCommand)
        .map((call) => (call.args[0].input.Body as Uint8Array).length);
      expect(sizes).toEqual([MINIMUM_PART_SIZE, MINIMUM_PART_SIZE]);
    });

    it('aborts the upload when a part fails, closes the stream, and reports the part failure', async () => {
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-2' });
      s3.on(UploadPartCommand).resolvesOnce({ ETag: '"1"' }).rejects(serviceError('SlowDown', 503));
      s3.on(AbortMultipartUploadCommand).resolves({});
      const source = chunks(20, 1024 * 1024);

      const error = await failureOf(storage.write(location, source));

      expect(error).toMatchObject({ code: 'SlowDown', retryable: true });
      expect(error.message).toContain('UploadPart of s3://items/data/items.csv (part 2)');
      expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
        Bucket: 'items',
        Key: 'data/items.csv',
        UploadId: 'upload-2',
      });
      expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
      expect(source.closed).toBe(true);
    });

    it('aborts the upload when the stream fails, and throws the stream failure as it is', async () => {
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-3' });
      s3.on(UploadPartCommand).resolves({ ETag: '"1"' });
      s3.on(AbortMultipartUploadCommand).resolves({});
      const broken = new Error('the source broke');
      async function* source(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(MINIMUM_PART_SIZE + 10);
        throw broken;
      }

      await expect(storage.write(location, source())).rejects.toBe(broken);
      expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
      expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    });

    it('reports the failure that stopped the upload even when the abort fails too', async () => {
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-4' });
      s3.on(UploadPartCommand).resolves({ ETag: '"1"' });
      s3.on(CompleteMultipartUploadCommand).rejects(serviceError('InvalidPart', 400));
      s3.on(AbortMultipartUploadCommand).rejects(serviceError('InternalError', 500));

      const error = await failureOf(storage.write(location, chunks(1, MINIMUM_PART_SIZE)));

      expect(error.code).toBe('InvalidPart');
      expect(error.message).toContain('AbortMultipartUpload of upload upload-4 failed: InternalError');
    });

    it('refuses a stream chunk that is not bytes, naming the object', async () => {
      async function* strings(): AsyncGenerator<unknown> {
        yield 'text';
      }

      await expect(storage.write(location, strings() as AsyncIterable<Uint8Array>)).rejects.toThrow(
        'write of s3://items/data/items.csv: the body stream gave a string, not a Uint8Array',
      );
    });
  });

  it('refuses a part size S3 does not take, and a page size over 1000, naming the option', () => {
    expect(() => new S3ObjectStorage({ client, partSize: 1024 })).toThrow(
      /partSize must be an integer from 5242880/,
    );
    expect(() => new S3ObjectStorage({ client, maxKeys: 1001 })).toThrow(
      /maxKeys must be an integer from 1 to 1000/,
    );
  });
});
