/**
 * InMemoryObjectStorage: objects given by `bucket/key` or put, read from offsets, listed in pages,
 * written and inspected. That it answers as S3ObjectStorage on the local S3 does, error codes
 * included, is checked by `test/unit/aws/object-storage-contract.test.ts`.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ObjectStorageError } from '../../../lambdas/runtime/distributed-map/map-run-ports.js';
import { InMemoryObjectStorage } from '../../../testing/index.js';

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function chunkSizes(stream: AsyncIterable<Uint8Array>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const chunk of stream) sizes.push(chunk.length);
  return sizes;
}

describe('InMemoryObjectStorage', () => {
  it('holds the objects given by bucket/key, the key keeping its slashes', async () => {
    const storage = new InMemoryObjectStorage({
      objects: { 'items/2026/orders.csv': 'id\n1\n', 'items/raw.bin': Uint8Array.from([0, 255]) },
    });

    expect(storage.keys('items')).toEqual(['2026/orders.csv', 'raw.bin']);
    expect(storage.text({ bucket: 'items', key: '2026/orders.csv' })).toBe('id\n1\n');
    expect(await bytesOf(await storage.read({ bucket: 'items', key: 'raw.bin' }))).toEqual(
      Buffer.from([0, 255]),
    );
  });

  it('refuses an object name without a bucket or a key, naming it', () => {
    expect(() => new InMemoryObjectStorage({ objects: { 'no-key/': 'x' } })).toThrow(
      'InMemoryObjectStorage: objects["no-key/"] must be named "<bucket>/<key>"',
    );
    expect(() => new InMemoryObjectStorage({ objects: { orders: 'x' } })).toThrow('objects["orders"]');
  });

  it('streams an object in chunks of chunkSize from the offset, bytes not characters', async () => {
    const storage = new InMemoryObjectStorage({ chunkSize: 4 });
    storage.put({ bucket: 'b', key: 'k' }, 'añb€');
    const bytes = Buffer.from('añb€', 'utf8');

    expect(await chunkSizes(await storage.read({ bucket: 'b', key: 'k' }))).toEqual([4, 3]);
    // Offset 2 is the second byte of 'ñ'.
    expect(await bytesOf(await storage.read({ bucket: 'b', key: 'k' }, { start: 2 }))).toEqual(
      bytes.subarray(2),
    );
    expect(
      await bytesOf(await storage.read({ bucket: 'b', key: 'k' }, { start: bytes.length })),
    ).toHaveLength(0);
  });

  it('gives copies: changing a buffer given or read changes nothing stored', async () => {
    const given = Uint8Array.from([1, 2, 3]);
    const storage = new InMemoryObjectStorage();
    storage.put({ bucket: 'b', key: 'k' }, given);
    given[0] = 9;
    const [read] = await chunksOf(await storage.read({ bucket: 'b', key: 'k' }));
    (read as Uint8Array)[1] = 9;

    expect(storage.object({ bucket: 'b', key: 'k' })?.body).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it('keeps an ETag quoted as S3 gives it, LastModified to the second from its clock, and the content type', async () => {
    const storage = new InMemoryObjectStorage({
      buckets: ['out'],
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    });

    await storage.write({ bucket: 'out', key: 'manifest.json' }, '{}', { contentType: 'application/json' });

    expect(storage.object({ bucket: 'out', key: 'manifest.json' })).toEqual({
      body: Uint8Array.from(Buffer.from('{}')),
      etag: `"${createHash('md5').update('{}').digest('hex')}"`,
      lastModified: new Date('2026-01-02T03:04:05.000Z'),
      contentType: 'application/json',
    });
    const page = await storage.list({ bucket: 'out' });
    expect(page.Contents?.[0]).toMatchObject({ ETag: `"${createHash('md5').update('{}').digest('hex')}"` });
  });

  it('lists 1000 objects a page by default, and pageSize a page when given', async () => {
    const objects = Object.fromEntries(
      Array.from({ length: 1001 }, (_, i) => [`b/k${String(i).padStart(4, '0')}`, 'x']),
    );

    const byDefault = await new InMemoryObjectStorage({ objects }).list({ bucket: 'b' });
    const small = await new InMemoryObjectStorage({ objects, pageSize: 10 }).list({ bucket: 'b' });

    expect(byDefault.Contents).toHaveLength(1000);
    expect(byDefault.NextContinuationToken).toBeDefined();
    expect(small.Contents).toHaveLength(10);
  });

  it('lists keys in UTF-8 byte order, as S3 does, not in UTF-16 order', async () => {
    // U+FF5E sorts after U+1F600 (surrogates D83D...) in UTF-16, before it in UTF-8.
    const storage = new InMemoryObjectStorage({
      objects: { 'b/\u{1F600}': 'x', 'b/\uFF5E': 'x', 'b/a': 'x' },
    });

    const keys = (await storage.list({ bucket: 'b' })).Contents?.map((object) => object.Key);

    expect(keys).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });

  it('refuses a continuation token it did not give with InvalidArgument', async () => {
    const storage = new InMemoryObjectStorage({ buckets: ['b'] });

    const error = await storage.list({ bucket: 'b', continuationToken: 'forged' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ObjectStorageError);
    expect(error).toMatchObject({ code: 'InvalidArgument', retryable: false });
  });

  it('writes a stream whole only once it ended: a failing stream leaves the object as it was', async () => {
    const storage = new InMemoryObjectStorage({ objects: { 'out/results.json': 'old' } });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('new');
      throw new Error('source failed');
    }

    await expect(storage.write({ bucket: 'out', key: 'results.json' }, failing())).rejects.toThrow(
      'source failed',
    );

    expect(storage.text({ bucket: 'out', key: 'results.json' })).toBe('old');
  });

  it('writes only to a bucket that exists (put creates one, write does not)', async () => {
    const storage = new InMemoryObjectStorage({ buckets: ['declared'] });

    await storage.write({ bucket: 'declared', key: 'a' }, 'x');
    await expect(storage.write({ bucket: 'undeclared', key: 'a' }, 'x')).rejects.toMatchObject({
      code: 'NoSuchBucket',
      message: 'S3 PutObject of s3://undeclared/a failed (NoSuchBucket): The specified bucket does not exist',
    });
    storage.put({ bucket: 'undeclared', key: 'a' }, 'x');
    expect(storage.keys('undeclared')).toEqual(['a']);
  });

  it('refuses a bad start, page size or chunk size, naming it', async () => {
    const storage = new InMemoryObjectStorage({ objects: { 'b/k': 'x' } });

    await expect(storage.read({ bucket: 'b', key: 'k' }, { start: -1 })).rejects.toThrow(
      'read of s3://b/k: start must be a non-negative integer, not -1',
    );
    expect(() => new InMemoryObjectStorage({ pageSize: 0 })).toThrow(
      'pageSize must be a positive integer, not 0',
    );
    expect(() => new InMemoryObjectStorage({ chunkSize: 1.5 })).toThrow(
      'chunkSize must be a positive integer',
    );
  });
});

async function chunksOf(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
