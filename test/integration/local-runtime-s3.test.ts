/**
 * The local runtime's S3 (`runtime.endpoints.s3`), driven by the real `@aws-sdk/client-s3` as an
 * application's code and the AWS CLI drive it: the operations S3 integrations, payloads and
 * Distributed Map's item readers and result writers need, S3's errors by their names, and the
 * buckets and objects kept on disk across a restart of the runtime. What S3 answers is from the
 * Amazon S3 API Reference (https://docs.aws.amazon.com/AmazonS3/latest/API/): GetObject (Range,
 * 206 and Content-Range; InvalidRange 416), HeadObject (404 without a body: the SDK's NotFound),
 * ListObjectsV2 (MaxKeys, ContinuationToken, CommonPrefixes), CopyObject (CopySource URL-encoded),
 * multipart uploads (ETag `<md5 of part md5s>-<parts>`), ErrorResponses (NoSuchKey, NoSuchBucket).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-local-s3-'));
const BUCKET = 'integration-bucket';
let runtime: LocalRuntime;
let s3: S3Client;

/** A client as a user makes one for the local runtime: its endpoint, any credentials. */
function client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'anything', secretAccessKey: 'anything' },
  });
}

async function text(key: string, range?: string): Promise<string | undefined> {
  const object = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(range ? { Range: range } : {}) }),
  );
  return object.Body?.transformToString();
}

beforeAll(async () => {
  runtime = await LocalRuntime.start({ domains: [], dataDir });
  s3 = client(runtime.endpoints.s3);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the local runtime's S3", () => {
  it('is served on 127.0.0.1, with its data under the data directory', () => {
    expect(runtime.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores an object and gives it back whole, by range, and its headers', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'reports/2026/day 1+2.json',
        Body: '{"orders":42}',
        ContentType: 'application/json',
        Metadata: { source: 'test' },
      }),
    );
    const md5 = `"${createHash('md5').update('{"orders":42}').digest('hex')}"`;
    expect(put.ETag).toBe(md5);
    expect(await text('reports/2026/day 1+2.json')).toBe('{"orders":42}');

    const range = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/2026/day 1+2.json', Range: 'bytes=1-8' }),
    );
    expect(range.$metadata.httpStatusCode).toBe(206);
    expect(range.ContentRange).toBe('bytes 1-8/13');
    expect(await range.Body?.transformToString()).toBe('"orders"');
    expect(await text('reports/2026/day 1+2.json', 'bytes=-3')).toBe('42}');

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'reports/2026/day 1+2.json' }));
    expect(head).toMatchObject({
      ContentLength: 13,
      ContentType: 'application/json',
      ETag: md5,
      Metadata: { source: 'test' },
    });
    expect(head.LastModified).toBeInstanceOf(Date);
  });

  it('answers a missing key with NoSuchKey (HeadObject: NotFound) and a missing bucket with NoSuchBucket', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toBeInstanceOf(
      NoSuchKey,
    );
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'a', Body: 'x' })),
    ).rejects.toBeInstanceOf(NoSuchBucket);
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))).rejects.toBeInstanceOf(
      NoSuchBucket,
    );
  });

  it('lists keys under a prefix page by page with continuation tokens, and by common prefix', async () => {
    const keys = Array.from({ length: 7 }, (_, index) => `items/${String(index).padStart(2, '0')}.json`);
    for (const key of [...keys, 'items/archive/old.json', 'other.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    const listed: string[] = [];
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'items/',
          MaxKeys: 3,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      pages.push(page.KeyCount ?? -1);
      listed.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      expect(page.IsTruncated).toBe(page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
    } while (token !== undefined);
    expect(pages).toEqual([3, 3, 2]);
    expect(listed).toEqual([...keys, 'items/archive/old.json']);

    const folders = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'items/', Delimiter: '/' }),
    );
    expect(folders.CommonPrefixes).toEqual([{ Prefix: 'items/archive/' }]);
    expect(folders.Contents?.map((object) => object.Key)).toEqual(keys);
    expect(folders.KeyCount).toBe(8);
  });

  it('copies an object (CopySource URL-encoded) and deletes objects', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/a+b c.txt', Body: 'original' }));
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copy/target.txt',
        CopySource: `${BUCKET}/${encodeURIComponent('copy/a+b c.txt')}`,
      }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update('original').digest('hex')}"`);
    expect(await text('copy/target.txt')).toBe('original');

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'copy/target.txt' }));
    await expect(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copy/target.txt' })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    // Deleting what is not there succeeds, as on S3.
    const again = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'copy/target.txt' }));
    expect(again.$metadata.httpStatusCode).toBe(204);
  });

  it('joins a multipart upload in part order, with the multipart ETag', async () => {
    const first = Buffer.alloc(5 * 1024 * 1024, 'a');
    const last = Buffer.from('the end');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big.bin' }));
    const parts = [];
    for (const [index, body] of [first, last].entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'big.bin',
          UploadId,
          PartNumber: index + 1,
          Body: body,
        }),
      );
      parts.push({ PartNumber: index + 1, ETag: part.ETag });
    }
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const digest = (body: Buffer) => createHash('md5').update(body).digest();
    expect(completed.ETag).toBe(
      `"${createHash('md5')
        .update(Buffer.concat([digest(first), digest(last)]))
        .digest('hex')}-2"`,
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }))).ContentLength).toBe(
      first.length + last.length,
    );
    expect(await text('big.bin', `bytes=${first.length - 2}-`)).toBe('aathe end');
  });

  it("gives Distributed Map's ObjectStorage on the same S3: reads from an offset what the SDK put, writes what the SDK reads", async () => {
    const csv = 'id,name\n1,Zoë\n2,Ana\n';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'map/items.csv', Body: csv }));
    const start = Buffer.byteLength('id,name\n');

    const chunks: Uint8Array[] = [];
    for await (const chunk of await runtime.objectStorage.read(
      { bucket: BUCKET, key: 'map/items.csv' },
      { start },
    ))
      chunks.push(chunk);

    expect(Buffer.concat(chunks).toString('utf8')).toBe('1,Zoë\n2,Ana\n');
    const page = await runtime.objectStorage.list({ bucket: BUCKET, prefix: 'map/' });
    expect(page.Contents?.map((object) => [object.Key, object.ETag])).toEqual([
      ['map/items.csv', `"${createHash('md5').update(csv).digest('hex')}"`],
    ]);
    await runtime.objectStorage.write({ bucket: BUCKET, key: 'map/results/manifest.json' }, '{"ok":true}', {
      contentType: 'application/json',
    });
    expect(await text('map/results/manifest.json')).toBe('{"ok":true}');
    await expect(
      runtime.objectStorage.read({ bucket: BUCKET, key: 'map/missing.csv' }),
    ).rejects.toMatchObject({
      code: 'NoSuchKey',
    });
  });

  it('keeps its buckets and objects across a restart, and stops serving on shutdown', async () => {
    const before = runtime.endpoints.s3;
    s3.destroy();
    await runtime.shutdown();
    await expect(fetch(`${before}/`)).rejects.toThrow();

    runtime = await LocalRuntime.start({ domains: [], dataDir });
    s3 = client(runtime.endpoints.s3);
    expect(await text('reports/2026/day 1+2.json')).toBe('{"orders":42}');
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }))).ContentLength).toBe(
      5 * 1024 * 1024 + 7,
    );
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'items/', MaxKeys: 1000 }),
    );
    expect(listed.KeyCount).toBe(8);
    // The new runtime's ObjectStorage reaches the new endpoint.
    const page = await runtime.objectStorage.list({ bucket: BUCKET, prefix: 'reports/' });
    expect(page.Contents?.map((object) => object.Key)).toEqual(['reports/2026/day 1+2.json']);
  }, 60_000);
});
