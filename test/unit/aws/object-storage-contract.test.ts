/**
 * The ObjectStorage contract, run against S3ObjectStorage on the local S3 and against
 * InMemoryObjectStorage: both must answer every case alike (bytes, pages, ETags, error codes),
 * so that a Distributed Map tested with `runWorkflow` on objects in memory reads and writes as it
 * does on S3. S3's answers: GetObject's Range (a start at or past the end is 416 InvalidRange,
 * read here as nothing left), ListObjectsV2 in UTF-8 binary key order with MaxKeys per page, ETag
 * the quoted MD5 of a PutObject body, NoSuchKey and NoSuchBucket (Amazon S3 API Reference,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStorage } from '../../../lambdas/aws/s3-object-storage.js';
import type { ListObjectsPage } from '../../../lambdas/runtime/distributed-map/item-readers.js';
import type { ObjectStorage } from '../../../lambdas/runtime/distributed-map/map-run-ports.js';
import { LocalS3Server } from '../../../local/emulators/s3/server.js';
import { InMemoryObjectStorage } from '../../../testing/index.js';

const BUCKET = 'contract';
const PAGE_SIZE = 2;
/** The objects every storage starts with. */
const OBJECTS: Readonly<Record<string, string>> = {
  'text/utf8.txt': 'añb€\n',
  'text/empty.txt': '',
  'list/a.json': '{"a":1}',
  'list/b.json': '{"b":2}',
  'list/c.json': '{"c":3}',
  'list/sub/d.json': '{"d":4}',
  'list/\uFF5E.json': 'fullwidth tilde',
  'list/\u{1F600}.json': 'emoji',
  'listing-not-under-the-prefix': 'x',
};

interface Subject {
  readonly storage: ObjectStorage;
  close(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  'S3ObjectStorage on the local S3': async () => {
    const directory = mkdtempSync(join(tmpdir(), 'baton-contract-'));
    const server = await LocalS3Server.start({ directory });
    const client = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [key, body] of Object.entries(OBJECTS))
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from(body) }));
    return {
      storage: new S3ObjectStorage({ client, maxKeys: PAGE_SIZE }),
      close: async () => {
        client.destroy();
        await server.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
  InMemoryObjectStorage: async () => {
    const objects = Object.fromEntries(
      Object.entries(OBJECTS).map(([key, body]) => [`${BUCKET}/${key}`, body]),
    );
    return { storage: new InMemoryObjectStorage({ objects, pageSize: PAGE_SIZE }), close: async () => {} };
  },
};

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function failureOf(
  call: Promise<unknown>,
): Promise<{ name: string; code: string; retryable: boolean }> {
  const error = (await call.then(
    () => ({ name: 'none', code: 'none', retryable: false }),
    (caught: unknown) => caught,
  )) as { name: string; code: string; retryable: boolean };
  return { name: error.name, code: error.code, retryable: error.retryable };
}

async function allPages(storage: ObjectStorage, prefix: string): Promise<ListObjectsPage[]> {
  const pages: ListObjectsPage[] = [];
  let token: string | undefined;
  do {
    const page = await storage.list({
      bucket: BUCKET,
      prefix,
      ...(token !== undefined ? { continuationToken: token } : {}),
    });
    pages.push(page);
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return pages;
}

const md5 = (text: string) => `"${createHash('md5').update(text).digest('hex')}"`;

describe.each(Object.entries(subjects))('the ObjectStorage contract: %s', (_, make) => {
  let subject: Subject;
  let storage: ObjectStorage;
  const utf8 = Buffer.from(OBJECTS['text/utf8.txt'] as string, 'utf8');

  beforeAll(async () => {
    subject = await make();
    storage = subject.storage;
  });

  afterAll(async () => {
    await subject?.close();
  });

  it('reads an object whole, and from every byte offset to its end', async () => {
    const location = { bucket: BUCKET, key: 'text/utf8.txt' };
    for (let start = 0; start <= utf8.length + 1; start += 1) {
      expect(await bytesOf(await storage.read(location, { start }))).toEqual(utf8.subarray(start));
    }
  });

  it('reads an empty object as nothing, from 0 and past its end', async () => {
    const location = { bucket: BUCKET, key: 'text/empty.txt' };
    expect(await bytesOf(await storage.read(location))).toHaveLength(0);
    expect(await bytesOf(await storage.read(location, { start: 3 }))).toHaveLength(0);
  });

  it('fails a missing key with NoSuchKey and a missing bucket with NoSuchBucket, neither retryable', async () => {
    const noSuchKey = { name: 'ObjectStorageError', code: 'NoSuchKey', retryable: false };
    const noSuchBucket = { name: 'ObjectStorageError', code: 'NoSuchBucket', retryable: false };

    expect(await failureOf(storage.read({ bucket: BUCKET, key: 'missing' }))).toEqual(noSuchKey);
    expect(await failureOf(storage.read({ bucket: BUCKET, key: 'missing' }, { start: 4 }))).toEqual(
      noSuchKey,
    );
    expect(await failureOf(storage.read({ bucket: 'no-such-bucket', key: 'k' }))).toEqual(noSuchBucket);
    expect(await failureOf(storage.list({ bucket: 'no-such-bucket' }))).toEqual(noSuchBucket);
    expect(await failureOf(storage.write({ bucket: 'no-such-bucket', key: 'k' }, 'x'))).toEqual(noSuchBucket);
  });

  it('lists a prefix in UTF-8 key order, PAGE_SIZE objects a page, each as S3 lists it', async () => {
    const pages = await allPages(storage, 'list/');

    expect(pages.map((page) => page.Contents?.map((object) => object.Key))).toEqual([
      ['list/a.json', 'list/b.json'],
      ['list/c.json', 'list/sub/d.json'],
      ['list/\uFF5E.json', 'list/\u{1F600}.json'],
    ]);
    const [first] = pages[0]?.Contents ?? [];
    expect(first).toEqual({
      Key: 'list/a.json',
      Size: 7,
      ETag: md5('{"a":1}'),
      LastModified: expect.any(Date),
      StorageClass: 'STANDARD',
    });
  });

  it('lists a prefix that matches nothing as one empty page', async () => {
    expect(await allPages(storage, 'nothing/')).toEqual([{ Contents: [] }]);
  });

  it('writes bytes, text and streams that read back equal, replacing what was there', async () => {
    const location = { bucket: BUCKET, key: 'out/result.json' };
    await storage.write(location, Uint8Array.from([1, 2, 3]));
    expect(await bytesOf(await storage.read(location))).toEqual(Buffer.from([1, 2, 3]));

    await storage.write(location, '[{"é":1}]', { contentType: 'application/json' });
    expect((await bytesOf(await storage.read(location))).toString('utf8')).toBe('[{"é":1}]');

    async function* lines(): AsyncGenerator<Uint8Array> {
      for (let index = 0; index < 100; index += 1) yield Buffer.from(`line ${index}\n`);
    }
    await storage.write(location, lines());
    const text = (await bytesOf(await storage.read(location))).toString('utf8');
    expect(text.split('\n')).toHaveLength(101);
    const [listed] = (await storage.list({ bucket: BUCKET, prefix: 'out/result.json' })).Contents ?? [];
    expect(listed?.ETag).toBe(md5(text));
  });
});
