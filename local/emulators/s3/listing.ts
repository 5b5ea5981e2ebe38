/**
 * One page of ListObjectsV2 (and ListObjects), as S3 computes it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html): the keys after the
 * start, with the prefix, in UTF-8 binary order; with a delimiter, the keys that contain it after
 * the prefix rolled up into one common prefix each, which counts as one entry against MaxKeys.
 * Pure: the caller hands in the bucket's objects in key order.
 */
import { InvalidArgumentError } from './errors.js';
import { compareKeys, type StoredObject } from './object-store.js';

/** What a page asks for. */
export interface ListingRequest {
  readonly prefix: string;
  readonly delimiter?: string;
  /** 0-1000. */
  readonly maxKeys: number;
  /** List what comes after this key (StartAfter, Marker, or a continuation token's position). */
  readonly after?: ListingPosition;
}

/** Where a page ended: a key, or a common prefix (everything under it is behind). */
export interface ListingPosition {
  readonly marker: string;
  readonly isCommonPrefix: boolean;
}

/** One page. */
export interface ListingPage {
  readonly contents: readonly StoredObject[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  /** The last entry of a truncated page: where the next page starts. */
  readonly next?: ListingPosition;
}

/** The page of `sorted` (a bucket's objects in key order) that `request` asks for. */
export function listPage(sorted: readonly StoredObject[], request: ListingRequest): ListingPage {
  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let last: ListingPosition | undefined;
  const { after, delimiter, prefix } = request;
  for (const object of sorted) {
    const { key } = object;
    if (!key.startsWith(prefix)) continue;
    if (after !== undefined) {
      if (compareKeys(key, after.marker) <= 0) continue;
      if (after.isCommonPrefix && key.startsWith(after.marker)) continue;
    }
    let entry: ListingPosition = { marker: key, isCommonPrefix: false };
    if (delimiter !== undefined && delimiter !== '') {
      const index = key.indexOf(delimiter, prefix.length);
      if (index >= 0) entry = { marker: key.slice(0, index + delimiter.length), isCommonPrefix: true };
    }
    if (entry.isCommonPrefix && last?.isCommonPrefix === true && last.marker === entry.marker) continue;
    if (contents.length + commonPrefixes.length === request.maxKeys) {
      return last === undefined
        ? { contents, commonPrefixes, isTruncated: true }
        : { contents, commonPrefixes, isTruncated: true, next: last };
    }
    if (entry.isCommonPrefix) commonPrefixes.push(entry.marker);
    else contents.push(object);
    last = entry;
  }
  return { contents, commonPrefixes, isTruncated: false };
}

/** A continuation token: the position, opaque to the caller as S3's are. */
export function encodeContinuationToken(position: ListingPosition): string {
  return Buffer.from(JSON.stringify([position.marker, position.isCommonPrefix]), 'utf8').toString(
    'base64url',
  );
}

/** The position a token from {@link encodeContinuationToken} names; InvalidArgument for any other. */
export function decodeContinuationToken(token: string): ListingPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'boolean')
      return { marker: value[0], isCommonPrefix: value[1] };
  } catch {
    // Falls through to the error below.
  }
  throw new InvalidArgumentError('continuation-token', token, 'The continuation token provided is incorrect');
}
