/**
 * A local S3: an HTTP server on 127.0.0.1 that speaks S3's REST-XML API for the operations an
 * application's functions, Baton's payload store and Distributed Map's item readers and result
 * writers call, backed by {@link S3ObjectStore} on disk. Point the AWS SDK or CLI at {@link
 * LocalS3Server.url} (`AWS_ENDPOINT_URL_S3`): with an IP address for a host the SDK addresses
 * buckets path-style (`/<bucket>/<key>`) by itself; `<bucket>.localhost` hosts work too.
 *
 * Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
 * ListObjectsV2, ListObjects, PutObject, GetObject (Range), HeadObject, DeleteObject,
 * DeleteObjects, CopyObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload. Any other (ACLs, tagging, versioning, ...) is answered with
 * `NotImplemented` naming it. Requests are not authenticated: any credentials and signature are
 * accepted, as by the local AWS endpoint.
 *
 * Hand-written rather than s3rver (3.7.1, the last release, 2021), which the AWS SDK v3 breaks on
 * Node.js 20 and 22: a truncated ListObjectsV2 fails with 500 (its continuation tokens use DES,
 * which OpenSSL 3 leaves out), a stream body sent aws-chunked is stored with its chunk framing, a
 * CopySource with an encoded `+` is not found, and credentials other than its own are refused.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked.js';
import {
  InvalidArgumentError,
  InvalidRangeError,
  InvalidRequestError,
  InvalidUriError,
  LocalS3Error,
  MalformedXmlError,
  NoSuchBucketError,
  NotImplementedError,
} from './errors.js';
import {
  decodeContinuationToken,
  encodeContinuationToken,
  listPage,
  type ListingPage,
  type ListingPosition,
} from './listing.js';
import { S3ObjectStore, type ByteRange, type ObjectAttributes, type StoredObject } from './object-store.js';

/** Options of {@link LocalS3Server.start}. */
export interface LocalS3Options {
  /** Where the buckets and objects are kept (created if missing). */
  readonly directory: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0: a free port */
  readonly port?: number;
  /** The region HeadBucket and GetBucketLocation report. @default 'us-east-1' */
  readonly region?: string;
  /** Told about errors that are the server's fault (answered as 500 InternalError). @default console.error */
  readonly onInternalError?: (error: unknown) => void;
}

/** ListObjects' page size limit (a larger MaxKeys is served as this). */
const MAX_KEYS = 1000;
/** DeleteObjects' limit of keys per request. */
const MAX_DELETE_KEYS = 1000;
/** S3's highest part number. */
const MAX_PART_NUMBER = 10_000;
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** The owner every bucket and object has here. */
const OWNER = { id: '0'.repeat(64), displayName: 'local' };

/**
 * Query parameters that name a sub-resource (an operation on a bucket's or object's configuration)
 * the local S3 does not implement.
 */
const UNIMPLEMENTED_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'versioning',
  'versions',
  'website',
];

/** The running local S3. */
export class LocalS3Server {
  private origin = '';

  private constructor(
    private readonly server: Server,
    /** The buckets and objects, for code in the same process (creating a stack's buckets). */
    readonly store: S3ObjectStore,
    private readonly region: string,
    onInternalError: (error: unknown) => void,
  ) {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      response.setHeader('x-amz-request-id', requestId);
      this.serve(request, response).catch((error: unknown) => {
        if (error instanceof LocalS3Error) {
          sendError(response, request, error, requestId);
          return;
        }
        onInternalError(error);
        if (response.headersSent) response.destroy();
        else
          sendXml(
            response,
            500,
            errorDocument(
              'InternalError',
              'We encountered an internal error. Please try again.',
              {},
              requestId,
            ),
            request.method === 'HEAD',
          );
      });
    });
  }

  /** Opens the store in `options.directory` and starts serving it. */
  static async start(options: LocalS3Options): Promise<LocalS3Server> {
    const store = await S3ObjectStore.open(options.directory);
    const server = createServer();
    const s3 = new LocalS3Server(
      server,
      store,
      options.region ?? 'us-east-1',
      options.onInternalError ?? ((error: unknown) => console.error(error)),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    s3.origin = `http://${host}:${address.port}`;
    return s3;
  }

  /** The endpoint, `http://127.0.0.1:<port>`: `AWS_ENDPOINT_URL_S3`, or an S3 client's `endpoint`. */
  get url(): string {
    return this.origin;
  }

  /** Creates a bucket unless it exists (CloudFormation's create of an `AWS::S3::Bucket`). */
  async ensureBucket(name: string): Promise<void> {
    if (!this.store.hasBucket(name)) await this.store.createBucket(name);
  }

  /** Stops listening and ends open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawUrl = request.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
    const { bucket, key } = target(request.headers.host, rawPath);
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const subresource = UNIMPLEMENTED_SUBRESOURCES.find((name) => query.has(name));
    if (subresource !== undefined) throw new NotImplementedError(`${method} ?${subresource}`);

    if (bucket === undefined) {
      if (method !== 'GET') throw new NotImplementedError(`${method} /`);
      return this.listBuckets(response);
    }
    if (key === undefined) {
      switch (method) {
        case 'PUT':
          await this.store.createBucket(bucket);
          response.writeHead(200, { Location: `/${bucket}` }).end();
          return;
        case 'HEAD':
          if (!this.store.hasBucket(bucket)) throw new NoSuchBucketError(bucket);
          response.writeHead(200, { 'x-amz-bucket-region': this.region }).end();
          return;
        case 'DELETE':
          await this.store.deleteBucket(bucket);
          response.writeHead(204).end();
          return;
        case 'GET':
          if (query.has('location')) {
            if (!this.store.hasBucket(bucket)) throw new NoSuchBucketError(bucket);
            const location = this.region === 'us-east-1' ? '' : escapeXml(this.region);
            sendXml(response, 200, `<LocationConstraint xmlns="${XMLNS}">${location}</LocationConstraint>`);
            return;
          }
          if (query.has('uploads')) throw new NotImplementedError('ListMultipartUploads');
          return this.listObjects(response, bucket, query);
        case 'POST':
          if (query.has('delete')) return this.deleteObjects(response, bucket, body);
      }
      throw new NotImplementedError(`${method} /${bucket}`);
    }
    const uploadId = query.get('uploadId') ?? undefined;
    switch (method) {
      case 'GET':
      case 'HEAD':
        if (query.has('partNumber')) throw new NotImplementedError('GetObject of a part (partNumber)');
        return this.getObject(request, response, bucket, key, method === 'HEAD');
      case 'PUT': {
        const copySource = header(request, 'x-amz-copy-source');
        if (uploadId !== undefined) {
          if (copySource !== undefined) throw new NotImplementedError('UploadPartCopy');
          const partNumber = Number(query.get('partNumber'));
          if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER)
            throw new InvalidArgumentError(
              'partNumber',
              String(query.get('partNumber')),
              `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
            );
          const etag = await this.store.uploadPart(
            bucket,
            key,
            uploadId,
            partNumber,
            objectBytes(request, body),
          );
          response.writeHead(200, { ETag: etag }).end();
          return;
        }
        if (copySource !== undefined) return this.copyObject(request, response, bucket, key, copySource);
        const object = await this.store.put(bucket, key, objectBytes(request, body), attributesFrom(request));
        response.writeHead(200, { ETag: object.etag }).end();
        return;
      }
      case 'DELETE':
        if (uploadId !== undefined) await this.store.abortUpload(bucket, key, uploadId);
        else await this.store.delete(bucket, key);
        response.writeHead(204).end();
        return;
      case 'POST':
        if (query.has('uploads')) {
          const id = await this.store.createUpload(bucket, key, attributesFrom(request));
          sendXml(
            response,
            200,
            `<InitiateMultipartUploadResult xmlns="${XMLNS}">${tag('Bucket', bucket)}${tag('Key', key)}${tag('UploadId', id)}</InitiateMultipartUploadResult>`,
          );
          return;
        }
        if (uploadId !== undefined) {
          const parts = elements(body.toString('utf8'), 'Part').map((part) => ({
            partNumber: Number(elements(part, 'PartNumber')[0]),
            etag: unescapeXml(elements(part, 'ETag')[0] ?? ''),
          }));
          if (parts.some((part) => !Number.isInteger(part.partNumber)))
            throw new MalformedXmlError('a Part without an integer PartNumber');
          const object = await this.store.completeUpload(bucket, key, uploadId, parts);
          sendXml(
            response,
            200,
            `<CompleteMultipartUploadResult xmlns="${XMLNS}">${tag('Location', `${this.origin}/${bucket}/${encodeKey(key)}`)}${tag('Bucket', bucket)}${tag('Key', key)}${tag('ETag', object.etag)}</CompleteMultipartUploadResult>`,
          );
          return;
        }
    }
    throw new NotImplementedError(`${method} /${bucket}/${key}`);
  }

  private listBuckets(response: ServerResponse): void {
    const buckets = this.store
      .listBuckets()
      .map(
        (bucket) =>
          `<Bucket>${tag('Name', bucket.name)}${tag('CreationDate', new Date(bucket.createdAt).toISOString())}</Bucket>`,
      )
      .join('');
    sendXml(
      response,
      200,
      `<ListAllMyBucketsResult xmlns="${XMLNS}"><Owner>${tag('ID', OWNER.id)}${tag('DisplayName', OWNER.displayName)}</Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
    );
  }

  /** ListObjectsV2 (`list-type=2`), or ListObjects (version 1, with `marker`). */
  private listObjects(response: ServerResponse, bucket: string, query: URLSearchParams): void {
    const version2 = query.get('list-type') === '2';
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? undefined;
    const maxKeysText = query.get('max-keys');
    const maxKeys = maxKeysText === null ? MAX_KEYS : Number(maxKeysText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw new InvalidArgumentError(
        'max-keys',
        String(maxKeysText),
        'Provided max-keys not an integer or within integer range',
      );
    const encodingType = query.get('encoding-type') ?? undefined;
    if (encodingType !== undefined && encodingType !== 'url')
      throw new InvalidArgumentError(
        'encoding-type',
        encodingType,
        'Invalid Encoding Method specified in Request',
      );
    const encode = (text: string) => (encodingType === 'url' ? encodeKey(text) : text);
    const token = version2 ? (query.get('continuation-token') ?? undefined) : undefined;
    const startAfter = query.get(version2 ? 'start-after' : 'marker') ?? undefined;
    let after: ListingPosition | undefined;
    if (token !== undefined) after = decodeContinuationToken(token);
    else if (startAfter !== undefined && startAfter !== '')
      after = { marker: startAfter, isCommonPrefix: false };
    const page: ListingPage = listPage(this.store.list(bucket), {
      prefix,
      ...(delimiter !== undefined ? { delimiter } : {}),
      maxKeys: Math.min(maxKeys, MAX_KEYS),
      ...(after !== undefined ? { after } : {}),
    });
    const contents = page.contents
      .map(
        (object) =>
          `<Contents>${tag('Key', encode(object.key))}${tag('LastModified', new Date(object.lastModified).toISOString())}${tag('ETag', object.etag)}${tag('Size', object.size)}${version2 ? '' : `<Owner>${tag('ID', OWNER.id)}${tag('DisplayName', OWNER.displayName)}</Owner>`}${tag('StorageClass', 'STANDARD')}</Contents>`,
      )
      .join('');
    const prefixes = page.commonPrefixes
      .map((common) => `<CommonPrefixes>${tag('Prefix', encode(common))}</CommonPrefixes>`)
      .join('');
    const common =
      tag('Name', bucket) +
      tag('Prefix', encode(prefix)) +
      (delimiter !== undefined ? tag('Delimiter', encode(delimiter)) : '') +
      tag('MaxKeys', Math.min(maxKeys, MAX_KEYS)) +
      (encodingType !== undefined ? tag('EncodingType', encodingType) : '') +
      tag('IsTruncated', page.isTruncated);
    const paging = version2
      ? tag('KeyCount', page.contents.length + page.commonPrefixes.length) +
        (token !== undefined ? tag('ContinuationToken', token) : '') +
        (page.next !== undefined ? tag('NextContinuationToken', encodeContinuationToken(page.next)) : '') +
        (startAfter !== undefined && token === undefined ? tag('StartAfter', encode(startAfter)) : '')
      : tag('Marker', encode(startAfter ?? '')) +
        // S3 gives NextMarker only with a delimiter; without one, the last key is the marker.
        (page.next !== undefined && delimiter !== undefined
          ? tag('NextMarker', encode(page.next.marker))
          : '');
    sendXml(
      response,
      200,
      `<ListBucketResult xmlns="${XMLNS}">${common}${paging}${contents}${prefixes}</ListBucketResult>`,
    );
  }

  private async deleteObjects(response: ServerResponse, bucket: string, body: Buffer): Promise<void> {
    const xml = body.toString('utf8');
    if (!xml.includes('<Delete')) throw new MalformedXmlError('no Delete element');
    const keys = elements(xml, 'Object').map((object) => {
      const key = elements(object, 'Key')[0];
      if (key === undefined) throw new MalformedXmlError('an Object without its Key');
      return unescapeXml(key);
    });
    if (keys.length === 0 || keys.length > MAX_DELETE_KEYS)
      throw new MalformedXmlError(
        `${keys.length} objects: from 1 to ${MAX_DELETE_KEYS} may be deleted at once`,
      );
    const quiet = elements(xml, 'Quiet')[0]?.trim() === 'true';
    const results: string[] = [];
    for (const key of keys) {
      await this.store.delete(bucket, key);
      if (!quiet) results.push(`<Deleted>${tag('Key', key)}</Deleted>`);
    }
    sendXml(response, 200, `<DeleteResult xmlns="${XMLNS}">${results.join('')}</DeleteResult>`);
  }

  private async copyObject(
    request: IncomingMessage,
    response: ServerResponse,
    bucket: string,
    key: string,
    copySource: string,
  ): Promise<void> {
    // `<bucket>/<key>`, URL-encoded, optionally with a leading slash and `?versionId=`.
    const path = decoded(copySource.split('?')[0] ?? '').replace(/^\//, '');
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1)
      throw new InvalidArgumentError(
        'x-amz-copy-source',
        copySource,
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      );
    const source = { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
    const replace = header(request, 'x-amz-metadata-directive') === 'REPLACE';
    if (source.bucket === bucket && source.key === key && !replace)
      throw new InvalidRequestError(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    const object = await this.store.copy(
      source,
      { bucket, key },
      replace ? attributesFrom(request) : undefined,
    );
    sendXml(
      response,
      200,
      `<CopyObjectResult xmlns="${XMLNS}">${tag('LastModified', new Date(object.lastModified).toISOString())}${tag('ETag', object.etag)}</CopyObjectResult>`,
    );
  }

  private async getObject(
    request: IncomingMessage,
    response: ServerResponse,
    bucket: string,
    key: string,
    headOnly: boolean,
  ): Promise<void> {
    const found = this.store.head(bucket, key);
    const range = byteRange(header(request, 'range'), found.size);
    if (headOnly) {
      response.writeHead(200, objectHeaders(found, undefined)).end();
      return;
    }
    const { object, body } = await this.store.read(bucket, key, range);
    // The object read may be a newer one than the lookup's: its range is computed again.
    const readRange = byteRange(header(request, 'range'), object.size);
    if (readRange?.start !== range?.start || readRange?.end !== range?.end) {
      body.destroy();
      return this.getObject(request, response, bucket, key, headOnly);
    }
    response.writeHead(range ? 206 : 200, objectHeaders(object, range));
    try {
      await pipeline(body, response);
    } catch (error) {
      // The client went away (it aborted, or the server is closing): no one to answer.
      if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      throw error;
    }
  }
}

/** The bucket and key a request addresses: path-style, or a `<bucket>.localhost` host. */
function target(host: string | undefined, rawPath: string): { bucket?: string; key?: string } {
  const hostname = (host ?? '').replace(/:\d+$/, '');
  const path = rawPath.replace(/^\//, '');
  if (hostname.endsWith('.localhost')) {
    const bucket = hostname.slice(0, -'.localhost'.length);
    return path === '' ? { bucket } : { bucket, key: decoded(path) };
  }
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash < 0 || slash === path.length - 1)
    return { bucket: decoded(slash < 0 ? path : path.slice(0, -1)) };
  return { bucket: decoded(path.slice(0, slash)), key: decoded(path.slice(slash + 1)) };
}

/** Percent-decoded; InvalidURI for broken encoding (`%zz`), as S3 answers it. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidUriError(text);
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An object's bytes from a PutObject or UploadPart body: aws-chunked ones decoded. */
function objectBytes(request: IncomingMessage, body: Buffer): Buffer {
  if (!isAwsChunked(request.headers)) return body;
  const decodedLength = header(request, 'x-amz-decoded-content-length');
  return decodeAwsChunked(body, decodedLength === undefined ? undefined : Number(decodedLength));
}

/** What PutObject, CopyObject (REPLACE) and CreateMultipartUpload keep from the request's headers. */
function attributesFrom(request: IncomingMessage): ObjectAttributes {
  const encoding = (header(request, 'content-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'aws-chunked')
    .join(', ');
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string')
      metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const cacheControl = header(request, 'cache-control');
  const contentDisposition = header(request, 'content-disposition');
  return {
    contentType: header(request, 'content-type') ?? 'binary/octet-stream',
    metadata,
    ...(encoding !== '' ? { contentEncoding: encoding } : {}),
    ...(cacheControl !== undefined ? { cacheControl } : {}),
    ...(contentDisposition !== undefined ? { contentDisposition } : {}),
  };
}

/** GetObject's and HeadObject's headers. */
function objectHeaders(object: StoredObject, range: ByteRange | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': object.contentType,
    'Content-Length': String(range ? range.end - range.start + 1 : object.size),
    ETag: object.etag,
    'Last-Modified': new Date(object.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  if (object.contentEncoding !== undefined) headers['Content-Encoding'] = object.contentEncoding;
  if (object.cacheControl !== undefined) headers['Cache-Control'] = object.cacheControl;
  if (object.contentDisposition !== undefined) headers['Content-Disposition'] = object.contentDisposition;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/**
 * The byte range a `Range` header asks for (RFC 9110 §14.1.2: `bytes=a-b`, `bytes=a-`,
 * `bytes=-n`), within an object of `size` bytes; a range starting past the end is InvalidRange.
 * S3 serves one range per request: a header it cannot read as one is ignored, the whole object sent.
 */
function byteRange(text: string | undefined, size: number): ByteRange | undefined {
  if (text === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(text.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw new InvalidRangeError(text, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw new InvalidRangeError(text, size);
  return { start, end };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(
  response: ServerResponse,
  request: IncomingMessage,
  error: LocalS3Error,
  requestId: string,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendXml(
    response,
    error.status,
    errorDocument(error.name, error.message, error.details, requestId),
    request.method === 'HEAD',
  );
}

function errorDocument(
  code: string,
  message: string,
  details: Readonly<Record<string, string>>,
  requestId: string,
): string {
  const extra = Object.entries(details)
    .map(([name, value]) => tag(name, value))
    .join('');
  return `<Error>${tag('Code', code)}${tag('Message', message)}${extra}${tag('RequestId', requestId)}</Error>`;
}

/** An XML answer; a HEAD request's has the status and headers only, as S3's. */
function sendXml(response: ServerResponse, status: number, xml: string, headOnly = false): void {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, 'utf8');
  response.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(headOnly ? 0 : body.length),
  });
  response.end(headOnly ? undefined : body);
}

function tag(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('\r', '&#13;');
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    switch (entity) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(
          entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)),
        );
    }
  });
}

/** The contents of each `<name>...</name>` in `xml` (the request bodies S3 takes are this flat). */
function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

/** A key as S3 encodes it in URLs and `encoding-type=url` listings: each segment, slashes kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
