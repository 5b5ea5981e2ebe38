/**
 * The `aws-chunked` content encoding, in which the AWS SDKs send a body whose checksum follows it
 * as a trailer (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html): SDK v3
 * sends every stream body of PutObject and UploadPart this way, with
 * `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`.
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n<trailers>\r\n
 */
import { IncompleteBodyError } from './errors.js';

/** Whether a request's body is aws-chunked, from its headers. */
export function isAwsChunked(headers: {
  readonly 'content-encoding'?: string | undefined;
  readonly 'x-amz-content-sha256'?: string | string[] | undefined;
}): boolean {
  const sha = headers['x-amz-content-sha256'];
  return (
    (headers['content-encoding'] ?? '').split(',').some((coding) => coding.trim() === 'aws-chunked') ||
    (typeof sha === 'string' && sha.startsWith('STREAMING-'))
  );
}

/**
 * The bytes an aws-chunked body carries; chunk signatures and trailers (the checksum) are not
 * checked. `decodedLength` is the request's `x-amz-decoded-content-length`, when given.
 */
export function decodeAwsChunked(body: Buffer, decodedLength?: number): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset, 'latin1');
    if (lineEnd < 0) throw new IncompleteBodyError(`no chunk header at byte ${offset}`);
    const sizeText = (body.toString('latin1', offset, lineEnd).split(';')[0] ?? '').trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText))
      throw new IncompleteBodyError(`chunk size '${sizeText}' at byte ${offset} is not hexadecimal`);
    const size = Number.parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size + 2 > body.length)
      throw new IncompleteBodyError(`a chunk of ${size} bytes at byte ${offset} ends past the body`);
    chunks.push(body.subarray(offset, offset + size));
    offset += size;
    if (body.toString('latin1', offset, offset + 2) !== '\r\n')
      throw new IncompleteBodyError(`no line end after the chunk ending at byte ${offset}`);
    offset += 2;
  }
  const decoded = Buffer.concat(chunks);
  if (decodedLength !== undefined && decoded.length !== decodedLength)
    throw new IncompleteBodyError(
      `${decoded.length} bytes decoded, x-amz-decoded-content-length says ${decodedLength}`,
    );
  return decoded;
}
