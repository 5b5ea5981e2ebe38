import { randomBytes } from 'node:crypto';
import { deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptItemError } from '../../../lambdas/aws/dynamodb-errors.js';
import {
  DICTIONARY_V1,
  SnapshotFormat,
  decodeStoredJson,
  decodeVersionDocument,
  dictionaryDigest,
  encodeStoredJson,
  encodeVersionDocument,
  type VersionDocument,
} from '../../../lambdas/aws/dynamodb-snapshot-codec.js';
import { ExecutionRun, ORDER_DEFINITION } from './engine-transitions.js';

function documentOf(run: ExecutionRun, output = {}): VersionDocument {
  run.start();
  const { execution, history, commands, messageId, workflow, recentMessages } = run.completeTask(output);
  return { execution, history, commands, messageId, workflow, recentMessages };
}

describe('the version document codec', () => {
  it('decodes what it encoded', () => {
    const document = documentOf(new ExecutionRun(ORDER_DEFINITION), { reservationId: 'r-1' });

    expect(decodeVersionDocument(encodeVersionDocument(document))).toEqual(document);
  });

  it('starts the bytes with the format byte', () => {
    const bytes = encodeVersionDocument(documentOf(new ExecutionRun(ORDER_DEFINITION)));

    expect(bytes[0]).toBe(SnapshotFormat.DEFLATE_DICTIONARY_V1_SHARED);
  });

  it('still decodes documents of format 1 (written before values were shared)', () => {
    const document = documentOf(new ExecutionRun(ORDER_DEFINITION), { reservationId: 'r-1' });
    const compressed = deflateRawSync(Buffer.from(JSON.stringify(document)), { dictionary: DICTIONARY_V1 });
    const bytes = Uint8Array.from([SnapshotFormat.DEFLATE_DICTIONARY_V1, ...compressed]);

    expect(decodeVersionDocument(bytes)).toEqual(document);
  });

  it('stores a payload that the state, the history and the commands all hold once', () => {
    const blob = randomBytes(8_000).toString('base64');
    const document = documentOf(new ExecutionRun(ORDER_DEFINITION, { input: { blob } }), { ok: true });
    const copies = JSON.stringify(document).split(blob).length - 1;

    const bytes = encodeVersionDocument(document);
    const stored = inflateRawSync(bytes.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');

    expect(copies).toBeGreaterThan(2);
    expect(stored.split(blob).length - 1).toBe(1);
    expect(decodeVersionDocument(bytes)).toEqual(document);
  });

  it('encodes a typical transition a quarter smaller than gzip', () => {
    const document = documentOf(new ExecutionRun(ORDER_DEFINITION), { reservationId: 'r-1' });

    const gzipped = gzipSync(JSON.stringify(document)).length;

    expect(encodeVersionDocument(document).length).toBeLessThan(gzipped * 0.75);
  });

  it('keeps the dictionary of format 1 unchanged (it is part of the stored format)', () => {
    expect(dictionaryDigest()).toBe('1a8a701dec332c1e1f3be2c3eb1c7bf9e588b02d65c54e05756b64f2dd14472d');
  });

  it('rejects an unknown format byte', () => {
    const bytes = encodeVersionDocument(documentOf(new ExecutionRun(ORDER_DEFINITION)));
    bytes[0] = 9;

    expect(() => decodeVersionDocument(bytes)).toThrow(CorruptItemError);
  });

  it('rejects corrupt compressed data', () => {
    expect(() => decodeVersionDocument(Uint8Array.from([1, 0xff, 0xff, 0xff]))).toThrow(CorruptItemError);
  });

  it('stores other JSON documents in the same format, repeated values once', () => {
    const blob = randomBytes(300).toString('hex');
    const outcome = { chunk: 3, children: [{ input: blob }, { input: blob, output: [1, null, 'x'] }] };
    const bytes = encodeStoredJson(outcome);

    expect(bytes[0]).toBe(SnapshotFormat.DEFLATE_DICTIONARY_V1_SHARED);
    expect(decodeStoredJson(bytes)).toEqual(outcome);
    const stored = inflateRawSync(bytes.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');
    expect(stored.split(blob).length - 1).toBe(1);
  });

  it('does not take another JSON document for a version document', () => {
    expect(() => decodeVersionDocument(encodeStoredJson({ chunk: 1, children: [] }))).toThrow(
      'Snapshot data is not a version document',
    );
  });
});
