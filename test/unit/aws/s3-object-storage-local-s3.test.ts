/**
 * S3ObjectStorage over HTTP against the local S3 (`local/emulators/s3`), through the real SDK
 * client: ranged reads from byte offsets, a 20 MiB object streamed in bounded memory, listing pages
 * with continuation tokens, multipart writes read back equal, and S3's error codes. S3's answers
 * relied on (Amazon S3 API Reference, https://docs.aws.amazon.com/AmazonS3/latest/API/): GetObject
 * with `Range: bytes=N-` gives bytes N to the end (206), 416 InvalidRange from the end on;
 * ListObjectsV2's ETag is quoted and StorageClass is STANDARD for a plain PutObject; a multipart
 * object's ETag is `"<md5 of the parts' md5s>-<parts>"`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_PART_SIZE, S3ObjectStorage } from '../../../lambdas/aws/s3-object-storage.js';
import { ObjectStorageError } from '../../../lambdas/runtime/distributed-map/map-run-ports.js';
import { LocalS3Server } from '../../../local/emulators/s3/server.js';

const MIB = 1024 * 1024;
const BUCKET = 'object-storage';
const directory = mkdtempSync(join(tmpdir(), 'baton-object-storage-'));
let server: LocalS3Server;
let client: S3Client;
let storage: S3ObjectStorage;

beforeAll(async () => {
  server = await LocalS3Server.start({ directory });
  client = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  storage = new S3ObjectStorage({ client, partSize: MINIMUM_PART_SIZE });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function put(key: string, body: string | Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** `size` bytes of a pattern that differs at every offset a part boundary could fall on. */
function patterned(offset: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let index = 0; index < size; index += 1)
    bytes[index] = ((offset + index) * 31 + ((offset + index) >> 12)) & 0xff;
  return bytes;
}

/** A stream of `total` patterned bytes in chunks of `chunkSize`, hashing what it gives. */
function patternedStream(total: number, chunkSize: number): AsyncIterable<Uint8Array> & { sha256(): string } {
  const hash = createHash('sha256');
  return {
    sha256: () => hash.digest('hex'),
    async *[Symbol.asyncIterator]() {
      for (let offset = 0; offset < total; offset += chunkSize) {
        const chunk = patterned(offset, Math.min(chunkSize, total - offset));
        hash.update(chunk);
        yield chunk;
      }
    },
  };
}

describe('S3ObjectStorage on the local S3', () => {
  describe('read', () => {
    const text = 'héllo, wörld: 1 € = 100 ¢\n';
    const bytes = Buffer.from(text, 'utf8');

    beforeAll(async () => {
      await put('text/utf8.txt', text);
      await storage.write({ bucket: BUCKET, key: 'text/empty.txt' }, new Uint8Array(0));
    });

    it('reads the whole object from offset 0', async () => {
      expect(await bytesOf(await storage.read({ bucket: BUCKET, key: 'text/utf8.txt' }))).toEqual(bytes);
    });

    it('reads bytes from an offset inside a multi-byte character: bytes, not text', async () => {
      // 'é' is bytes 1 and 2 (0xC3 0xA9): offset 2 starts at its second byte.
      expect(bytes[2]).toBe(0xa9);
      const rest = await bytesOf(await storage.read({ bucket: BUCKET, key: 'text/utf8.txt' }, { start: 2 }));

      expect(rest).toEqual(bytes.subarray(2));
      expect(rest[0]).toBe(0xa9);
    });

    it('reads the last byte alone, and nothing from the end or past it', async () => {
      const location = { bucket: BUCKET, key: 'text/utf8.txt' };

      expect(await bytesOf(await storage.read(location, { start: bytes.length - 1 }))).toEqual(
        Buffer.from('\n'),
      );
      expect(await bytesOf(await storage.read(location, { start: bytes.length }))).toHaveLength(0);
      expect(await bytesOf(await storage.read(location, { start: bytes.length + 100 }))).toHaveLength(0);
    });

    it('reads an empty object as an empty stream, from 0 and from any offset', async () => {
      const location = { bucket: BUCKET, key: 'text/empty.txt' };

      expect(await bytesOf(await storage.read(location))).toHaveLength(0);
      expect(await bytesOf(await storage.read(location, { start: 1 }))).toHaveLength(0);
    });

    it('fails a missing key with NoSuchKey and a missing bucket with NoSuchBucket', async () => {
      await expect(storage.read({ bucket: BUCKET, key: 'missing' }, { start: 3 })).rejects.toMatchObject({
        name: 'ObjectStorageError',
        code: 'NoSuchKey',
        retryable: false,
      });
      await expect(storage.read({ bucket: 'no-such-bucket', key: 'k' })).rejects.toMatchObject({
        code: 'NoSuchBucket',
      });
    });

    it('streams a 20 MiB object chunk by chunk, holding a small part of it in memory', async () => {
      const size = 20 * MIB;
      const source = patternedStream(size, 256 * 1024);
      await storage.write({ bucket: BUCKET, key: 'big/20mib.bin' }, source);
      const expected = source.sha256();
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const baseline = process.memoryUsage().arrayBuffers;

      const stream = await storage.read({ bucket: BUCKET, key: 'big/20mib.bin' });
      const hash = createHash('sha256');
      let received = 0;
      let largestChunk = 0;
      let nextSample = 0;
      let mostHeld = 0;
      for await (const chunk of stream) {
        hash.update(chunk);
        received += chunk.length;
        largestChunk = Math.max(largestChunk, chunk.length);
        if (received >= nextSample) {
          // Live buffers only: what the stream holds beyond what existed before the read.
          gc();
          mostHeld = Math.max(mostHeld, process.memoryUsage().arrayBuffers - baseline);
          nextSample += 2 * MIB;
        }
      }

      expect(received).toBe(size);
      expect(hash.digest('hex')).toBe(expected);
      expect(largestChunk).toBeLessThanOrEqual(MIB);
      // The whole object would be 20 MiB. The stream holds some 200 KiB most of the time; a sample
      // now and then finds a few MiB in flight between the local S3 and the client (both in this
      // process), so the bound is set well above that and well below the object.
      expect(mostHeld).toBeLessThan(12 * MIB);
    });
  });

  describe('write', () => {
    it('writes a stream over 5 MiB as a multipart upload that reads back equal, also from an offset in its second part', async () => {
      const size = 2 * MINIMUM_PART_SIZE + 12_345;
      const source = patternedStream(size, 100_003);
      const location = { bucket: BUCKET, key: 'results/SUCCEEDED_0.json' };

      await storage.write(location, source, { contentType: 'application/json' });

      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: location.key }));
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
      expect(head.ContentLength).toBe(size);
      expect(head.ContentType).toBe('application/json');
      const whole = await bytesOf(await storage.read(location));
      expect(createHash('sha256').update(whole).digest('hex')).toBe(source.sha256());
      const start = MINIMUM_PART_SIZE + 777;
      const rest = await bytesOf(await storage.read(location, { start }));
      // Buffer.equals, not toEqual: a deep equality of 5 MiB byte by byte takes half a minute.
      expect(rest.length).toBe(size - start);
      expect(rest.equals(patterned(start, size - start))).toBe(true);
    });

    it('writes strings as UTF-8 and bytes as they are, overwriting', async () => {
      const location = { bucket: BUCKET, key: 'results/manifest.json' };

      await storage.write(location, Uint8Array.from([1, 2, 3]));
      await storage.write(location, '{"é":1}', { contentType: 'application/json' });

      expect((await bytesOf(await storage.read(location))).toString('utf8')).toBe('{"é":1}');
    });

    it('writes a short stream with one PutObject (a plain MD5 ETag)', async () => {
      const location = { bucket: BUCKET, key: 'results/short.json' };

      await storage.write(location, patternedStream(1000, 300));

      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: location.key }));
      expect(head.ETag).toBe(`"${createHash('md5').update(patterned(0, 1000)).digest('hex')}"`);
    });

    it('fails a write to a missing bucket with NoSuchBucket, for bytes and for a multipart stream', async () => {
      const location = { bucket: 'no-such-bucket', key: 'out.json' };

      await expect(storage.write(location, 'x')).rejects.toMatchObject({ code: 'NoSuchBucket' });
      await expect(
        storage.write(location, patternedStream(MINIMUM_PART_SIZE + 1, MIB)),
      ).rejects.toMatchObject({
        code: 'NoSuchBucket',
      });
    });
  });

  describe('list', () => {
    const keys = Array.from({ length: 8 }, (_, index) => `listing/item-${index}.json`);

    beforeAll(async () => {
      // Put out of order: the listing is in key order whatever the order of writes.
      for (const key of [...keys].reverse()) await put(key, key);
      await put('listing-other.json', 'not under the prefix');
    });

    it('lists a prefix page by page, following continuation tokens to the last page', async () => {
      const paged = new S3ObjectStorage({ client, maxKeys: 3 });
      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await paged.list({
          bucket: BUCKET,
          prefix: 'listing/',
          ...(token !== undefined ? { continuationToken: token } : {}),
        });
        pages.push((page.Contents ?? []).map((object) => object.Key));
        token = page.NextContinuationToken;
      } while (token !== undefined);

      expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)]);
    });

    it('gives each object as S3 lists it: quoted MD5 ETag, Size, LastModified a Date, StorageClass', async () => {
      const page = await storage.list({ bucket: BUCKET, prefix: 'listing/item-0' });

      expect(page.NextContinuationToken).toBeUndefined();
      const [object] = page.Contents ?? [];
      expect(object).toEqual({
        Key: 'listing/item-0.json',
        Size: Buffer.byteLength('listing/item-0.json'),
        ETag: `"${createHash('md5').update('listing/item-0.json').digest('hex')}"`,
        LastModified: expect.any(Date),
        StorageClass: 'STANDARD',
      });
    });

    it('lists an empty prefix as an empty page, and a missing bucket as NoSuchBucket', async () => {
      expect(await storage.list({ bucket: BUCKET, prefix: 'nothing-here/' })).toEqual({ Contents: [] });
      const error = await storage.list({ bucket: 'no-such-bucket' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ObjectStorageError);
      expect(error).toMatchObject({ code: 'NoSuchBucket', retryable: false });
    });
  });
});
