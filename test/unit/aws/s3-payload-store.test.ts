import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PayloadNotFoundError, S3PayloadStore } from '../../../lambdas/aws/s3-payload-store.js';
import { TransientStoreError } from '../../../lambdas/runtime/ports.js';

const client = new S3Client({ region: 'us-east-1' });
const s3 = mockClient(client);
const store = new S3PayloadStore({ client, bucket: 'payloads', prefix: 'baton/' });

function serviceError(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message: name,
  });
}

describe('S3PayloadStore', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('puts the bytes under the prefixed key, leaving encryption to the bucket default', async () => {
    s3.on(PutObjectCommand).resolves({});
    const body = Uint8Array.from([1, 2, 3]);

    await store.put('executions/e1/3/abc', body);

    const [call] = s3.commandCalls(PutObjectCommand);
    expect(call?.args[0].input).toEqual({
      Bucket: 'payloads',
      Key: 'baton/executions/e1/3/abc',
      Body: body,
      ContentType: 'application/octet-stream',
    });
  });

  it('gets the bytes back', async () => {
    s3.on(GetObjectCommand, { Bucket: 'payloads', Key: 'baton/k' }).resolves({
      Body: { transformToByteArray: async () => Uint8Array.from([7, 8]) } as never,
    });

    expect(await store.get('k')).toEqual(Uint8Array.from([7, 8]));
  });

  it('turns NoSuchKey into PayloadNotFoundError, keeping the cause', async () => {
    const missing = new NoSuchKey({
      message: 'The specified key does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
    s3.on(GetObjectCommand).rejects(missing);

    const error = await store.get('gone').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadNotFoundError);
    expect(error).toMatchObject({ key: 'gone' });
    expect((error as Error).cause).toBe(missing);
  });

  it.each([
    ['InternalError', 500],
    ['SlowDown', 503],
  ])('turns %s (%i) into TransientStoreError, keeping the cause', async (name, status) => {
    const failure = serviceError(name, status);
    s3.on(GetObjectCommand).rejects(failure);
    s3.on(PutObjectCommand).rejects(failure);

    for (const error of [
      await store.get('k').catch((e: unknown) => e),
      await store.put('k', new Uint8Array()).catch((e: unknown) => e),
    ]) {
      expect(error).toBeInstanceOf(TransientStoreError);
      expect((error as Error).cause).toBe(failure);
    }
  });

  it('rethrows other errors unchanged', async () => {
    const denied = serviceError('AccessDenied', 403);
    s3.on(PutObjectCommand).rejects(denied);

    await expect(store.put('k', new Uint8Array())).rejects.toBe(denied);
  });
});
