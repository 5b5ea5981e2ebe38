/**
 * ListObjectsV2's paging, as the Amazon S3 API Reference describes it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html): keys in UTF-8 binary
 * order, a common prefix counting as one entry against MaxKeys, and a page that ends on a common
 * prefix continuing after everything under it.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeContinuationToken,
  encodeContinuationToken,
  listPage,
  type ListingRequest,
} from '../../../../local/emulators/s3/listing.js';
import { compareKeys, type StoredObject } from '../../../../local/emulators/s3/object-store.js';

const objects = (...keys: string[]): StoredObject[] =>
  keys
    .map((key) => ({
      key,
      size: 1,
      etag: '"x"',
      lastModified: 0,
      file: key,
      contentType: 'text/plain',
      metadata: {},
    }))
    .sort((a, b) => compareKeys(a.key, b.key));

/** Every page of a listing, following the continuation tokens as a client does. */
function allPages(sorted: readonly StoredObject[], request: Omit<ListingRequest, 'after'>): string[][] {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const page = listPage(sorted, {
      ...request,
      ...(token !== undefined ? { after: decodeContinuationToken(token) } : {}),
    });
    pages.push([
      ...page.contents.map((object) => object.key),
      ...page.commonPrefixes.map((prefix) => `${prefix}*`),
    ]);
    token = page.next !== undefined ? encodeContinuationToken(page.next) : undefined;
    expect(page.isTruncated).toBe(token !== undefined);
  } while (token !== undefined);
  return pages;
}

describe('a ListObjectsV2 page', () => {
  it('rolls keys up into common prefixes, each counting once, and continues after a prefix ending a page', () => {
    const sorted = objects('a/1', 'a/2', 'a/3', 'b', 'c/1', 'c/2', 'd');
    expect(allPages(sorted, { prefix: '', delimiter: '/', maxKeys: 2 })).toEqual([
      ['b', 'a/*'],
      ['d', 'c/*'],
    ]);
    // A page ending on the common prefix a/ resumes after every key under it, not with a/2.
    expect(allPages(sorted, { prefix: '', delimiter: '/', maxKeys: 1 })).toEqual([
      ['a/*'],
      ['b'],
      ['c/*'],
      ['d'],
    ]);
  });

  it('lists keys in UTF-8 byte order, where a character beyond the BMP sorts after U+FFFD', () => {
    // UTF-16 order would put '\u{1F600}' (surrogates D83D..) before '\uFFFD'.
    const sorted = objects('\u{1F600}', '\uFFFD', 'z');
    expect(sorted.map((object) => object.key)).toEqual(['z', '\uFFFD', '\u{1F600}']);
    expect(allPages(sorted, { prefix: '', maxKeys: 1 })).toEqual([['z'], ['\uFFFD'], ['\u{1F600}']]);
  });

  it('keeps to the prefix and starts after StartAfter', () => {
    const sorted = objects('logs/1', 'logs/2', 'logs/3', 'logsx', 'other');
    const page = listPage(sorted, {
      prefix: 'logs/',
      maxKeys: 1000,
      after: { marker: 'logs/1', isCommonPrefix: false },
    });
    expect(page.contents.map((object) => object.key)).toEqual(['logs/2', 'logs/3']);
    expect(page.isTruncated).toBe(false);
  });

  it('refuses a continuation token it did not make, as InvalidArgument', () => {
    expect(() => decodeContinuationToken('not-a-token')).toThrow(
      expect.objectContaining({
        name: 'InvalidArgument',
        details: expect.objectContaining({ ArgumentName: 'continuation-token' }),
      }),
    );
  });
});
