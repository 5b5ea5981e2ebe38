/**
 * Streaming item readers of a Distributed Map's ItemReader: a JSON array, JSON Lines, CSV, an
 * Athena UNLOAD manifest, an S3 Inventory manifest, and the pages of `s3:listObjectsV2`.
 *
 * Each reader takes a byte stream (a Node Readable or any async iterable of `Uint8Array`) and
 * yields one item at a time, never holding more than the item being read. Each yielded item comes
 * with the cursor just after it: an invocation that must stop (the Lambda time limit) saves the
 * last cursor, and the next invocation opens the object again from `cursor.offset` (an S3 `Range`
 * request) and passes the cursor back; the reader then continues with the next item. `MaxItems`
 * counts items across invocations (`itemsEmitted` travels in the cursor).
 *
 * No streaming JSON or CSV library is installed, so the JSON array and CSV tokenizers are small
 * byte-level state machines here: every byte that ends a token in either format (`[`, `]`, `{`,
 * `}`, `,`, `"`, `\`, CR, LF and the CSV delimiters) is ASCII, and an ASCII byte never occurs inside
 * a multi-byte UTF-8 sequence, so the bytes can be cut there and each item decoded on its own.
 * Each item's own text is checked by `JSON.parse`.
 *
 * See https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 */
import type { Json, JsonObject } from '../../engine/json.js';
import { ItemReaderFailedError } from './errors.js';

/** A byte stream: a Node Readable, an S3 GetObject body, or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array>;

/** Where a reader of one object stands: after `itemsEmitted` items, at byte `offset`. */
export interface ByteCursor {
  readonly type: 'bytes';
  /** Byte offset just after the last item yielded: where the next read starts. */
  readonly offset: number;
  /** Lines consumed so far (line-based formats), for error messages. */
  readonly line: number;
  /** Items yielded so far, across invocations: `MaxItems` counts these. */
  readonly itemsEmitted: number;
  /** CSV: the column names read from the first row, kept so that a resumed read has them. */
  readonly headers?: readonly string[];
}

/** One item and the cursor just after it. */
export interface ReadItem<C> {
  readonly item: Json;
  readonly cursor: C;
}

/** Options every byte reader takes. */
export interface ByteReaderOptions {
  /** Continue from this cursor; the source must start at `cursor.offset`. @default the start */
  readonly cursor?: ByteCursor;
  /** Stop after this many items in all (ItemReader `MaxItems`). @default no limit */
  readonly maxItems?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function startCursor(options: ByteReaderOptions): ByteCursor {
  return options.cursor ?? { type: 'bytes', offset: 0, line: 0, itemsEmitted: 0 };
}

function limitReached(itemsEmitted: number, maxItems: number | undefined): boolean {
  return maxItems !== undefined && itemsEmitted >= maxItems;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

function decode(bytes: Uint8Array, position: { offset: number; line?: number }): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new ItemReaderFailedError(`Invalid UTF-8 ${describePosition(position)}.`, position, {
      cause: error,
    });
  }
}

function describePosition(position: { offset: number; line?: number }): string {
  return position.line === undefined
    ? `at byte offset ${position.offset}`
    : `on line ${position.line} (byte offset ${position.offset})`;
}

function parseItem(text: string, position: { offset: number; line?: number }): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ItemReaderFailedError(
      `Malformed JSON item ${describePosition(position)}: ${reason}`,
      position,
      { cause: error },
    );
  }
}

/** One line of a stream, without its line terminator, with its place in the object. */
interface Line {
  readonly bytes: Uint8Array;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** Byte offset just after the line's terminator. */
  readonly end: number;
}

/** Splits a byte stream into lines at LF (a CR before it is dropped); the last line may lack LF. */
async function* splitLines(source: ByteSource, startOffset: number): AsyncGenerator<Line> {
  let pending: Uint8Array[] = [];
  let pendingStart = startOffset;
  let consumed = startOffset;
  for await (const chunk of source) {
    let from = 0;
    for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, from)) {
      pending.push(chunk.subarray(from, at));
      const end = consumed + at + 1;
      yield { bytes: trimCarriageReturn(concatBytes(pending)), offset: pendingStart, end };
      pending = [];
      pendingStart = end;
      from = at + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    consumed += chunk.length;
  }
  const rest = concatBytes(pending.length === 0 ? [new Uint8Array(0)] : pending);
  if (rest.length > 0) yield { bytes: trimCarriageReturn(rest), offset: pendingStart, end: consumed };
}

function trimCarriageReturn(bytes: Uint8Array): Uint8Array {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
}

function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (!isWhitespace(byte)) return false;
  return true;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === LF || byte === CR;
}

/**
 * Reads a JSON Lines object (`InputType: JSONL`): one JSON value per line; blank lines are
 * skipped. A line that is not JSON fails with `States.ItemReaderFailed` naming its line and offset.
 */
export async function* readJsonLinesItems(
  source: ByteSource,
  options: ByteReaderOptions = {},
): AsyncGenerator<ReadItem<ByteCursor>> {
  let cursor = startCursor(options);
  if (limitReached(cursor.itemsEmitted, options.maxItems)) return;
  let line = cursor.line;
  for await (const { bytes, offset, end } of splitLines(source, cursor.offset)) {
    line += 1;
    if (isBlank(bytes)) {
      cursor = { ...cursor, offset: end, line };
      continue;
    }
    const position = { offset, line };
    const item = parseItem(decode(bytes, position), position);
    cursor = { type: 'bytes', offset: end, line, itemsEmitted: cursor.itemsEmitted + 1 };
    yield { item, cursor };
    if (limitReached(cursor.itemsEmitted, options.maxItems)) return;
  }
}

/**
 * Cause of `States.ItemReaderFailed` when a JSON dataset's top level is not an array, word for
 * word as Step Functions gives it (LocalStack's AWS-recorded snapshot
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json, test
 * `test_map_item_reader_json_no_json_list_object`).
 */
export const NOT_AN_ARRAY_CAUSE = 'Attempting to map over non-iterable node.';

/** Cause of `States.ItemReaderFailed` for CSV headers naming a column twice, as Step Functions gives it. */
export const DUPLICATE_CSV_HEADERS_CAUSE = 'CSV headers cannot contain duplicates.';

type ArrayPhase = 'start' | 'beforeFirst' | 'beforeItem' | 'inItem' | 'afterItem' | 'done';

/**
 * Reads a JSON file whose top level is an array (`InputType: JSON`), yielding its elements one by
 * one without parsing the whole file. A resumed read starts just after an element, where a `,` or
 * the closing `]` is expected.
 */
export async function* readJsonArrayItems(
  source: ByteSource,
  options: ByteReaderOptions = {},
): AsyncGenerator<ReadItem<ByteCursor>> {
  let cursor = startCursor(options);
  if (limitReached(cursor.itemsEmitted, options.maxItems)) return;
  let phase: ArrayPhase = cursor.offset === 0 && cursor.itemsEmitted === 0 ? 'start' : 'afterItem';
  let consumed = cursor.offset;
  // The element being read: its bytes so far, where it started, and what is open inside it.
  let parts: Uint8Array[] = [];
  let itemOffset = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;

  const fail = (message: string, offset: number): never => {
    throw new ItemReaderFailedError(`${message} at byte offset ${offset}.`, { offset });
  };

  for await (const chunk of source) {
    let itemStartInChunk = 0;
    for (let at = 0; at < chunk.length; at += 1) {
      const byte = chunk[at] as number;
      const offset = consumed + at;
      switch (phase) {
        case 'start':
          if (isWhitespace(byte)) continue;
          // The cause Step Functions gives for a JSON dataset that is not an array.
          if (byte !== OPEN_BRACKET) throw new ItemReaderFailedError(NOT_AN_ARRAY_CAUSE, { offset });
          phase = 'beforeFirst';
          continue;
        case 'done':
          if (!isWhitespace(byte)) fail('Unexpected content after the closing "]"', offset);
          continue;
        case 'afterItem':
          if (isWhitespace(byte)) continue;
          if (byte === COMMA) phase = 'beforeItem';
          else if (byte === CLOSE_BRACKET) phase = 'done';
          else fail('Expected "," or "]" after an array element', offset);
          continue;
        case 'beforeFirst':
        case 'beforeItem':
          if (isWhitespace(byte)) continue;
          if (byte === CLOSE_BRACKET && phase === 'beforeFirst') {
            phase = 'done';
            continue;
          }
          if (byte === CLOSE_BRACKET || byte === COMMA) fail('Expected an array element', offset);
          phase = 'inItem';
          itemOffset = offset;
          itemStartInChunk = at;
          parts = [];
          depth = 0;
          inString = byte === QUOTE;
          escaped = false;
          scalar = byte !== QUOTE && byte !== OPEN_BRACE && byte !== OPEN_BRACKET;
          if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth = 1;
          if (!scalar) continue;
          break;
        case 'inItem':
          break;
      }
      // phase === 'inItem': find where the element ends.
      let ended = false;
      let endsAt = at; // index of the element's last byte in this chunk, when it ended
      if (scalar) {
        if (byte === COMMA || byte === CLOSE_BRACKET || isWhitespace(byte)) {
          ended = true;
          endsAt = at - 1;
          at -= 1; // the delimiter is read again as 'afterItem'
        }
      } else if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) {
          inString = false;
          ended = depth === 0;
        }
      } else if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth += 1;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth -= 1;
        ended = depth === 0;
      }
      if (!ended) continue;
      parts.push(chunk.subarray(itemStartInChunk, endsAt + 1));
      const position = { offset: itemOffset };
      const item = parseItem(decode(concatBytes(parts), position), position);
      parts = [];
      phase = 'afterItem';
      cursor = {
        type: 'bytes',
        offset: consumed + endsAt + 1,
        line: 0,
        itemsEmitted: cursor.itemsEmitted + 1,
      };
      yield { item, cursor };
      if (limitReached(cursor.itemsEmitted, options.maxItems)) return;
    }
    if (phase === 'inItem') parts.push(chunk.subarray(itemStartInChunk));
    consumed += chunk.length;
  }
  if (phase === 'start') fail('The JSON dataset is empty: expected "["', consumed);
  if ((phase as ArrayPhase) !== 'done') fail('The JSON array is not closed', consumed);
}

/** CSV field delimiters as `ReaderConfig.CSVDelimiter` names them. */
export const CSV_DELIMITERS = {
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  SPACE: ' ',
  TAB: '\t',
} as const;

/** A `ReaderConfig.CSVDelimiter` value. */
export type CsvDelimiter = keyof typeof CSV_DELIMITERS;

/** Step Functions reads CSV header rows of up to 10 KiB (ItemReader page, CSVHeaderLocation). */
export const MAX_CSV_HEADER_BYTES = 10 * 1024;

/** How a CSV reader finds its column names. */
export type CsvHeaders =
  { readonly location: 'FIRST_ROW' } | { readonly location: 'GIVEN'; readonly headers: readonly string[] };

/** Options of the CSV reader. */
export interface CsvReaderOptions extends ByteReaderOptions {
  /** `CSVHeaderLocation` (and `CSVHeaders` when GIVEN). */
  readonly headers: CsvHeaders;
  /** `CSVDelimiter`. @default 'COMMA' */
  readonly delimiter?: CsvDelimiter;
}

/** One CSV record and where it ends. */
interface CsvRecord {
  readonly fields: string[];
  /** Index just after the record's line terminator. */
  readonly next: number;
}

/**
 * Parses one record of `buffer` from `start`. Returns undefined when the record may continue in
 * bytes not yet read (and `atEnd` is false).
 */
function parseCsvRecord(
  buffer: Uint8Array,
  start: number,
  delimiter: number,
  atEnd: boolean,
  offsetOf: (index: number) => number,
): CsvRecord | undefined {
  const fields: string[] = [];
  let at = start;
  for (;;) {
    let value: string;
    if (at < buffer.length && buffer[at] === QUOTE) {
      const pieces: Uint8Array[] = [];
      let from = at + 1;
      let cursor = from;
      for (;;) {
        if (cursor >= buffer.length) {
          if (!atEnd) return undefined;
          throw csvError('Unterminated quoted field', offsetOf(at));
        }
        if (buffer[cursor] === QUOTE) {
          if (cursor + 1 >= buffer.length && !atEnd) return undefined;
          if (buffer[cursor + 1] === QUOTE) {
            pieces.push(buffer.subarray(from, cursor + 1));
            cursor += 2;
            from = cursor;
            continue;
          }
          pieces.push(buffer.subarray(from, cursor));
          at = cursor + 1;
          break;
        }
        cursor += 1;
      }
      value = decode(concatBytes(pieces), { offset: offsetOf(start) });
      if (at < buffer.length) {
        const next = buffer[at];
        if (next !== delimiter && next !== CR && next !== LF) {
          throw csvError('Unexpected character after a closing quote', offsetOf(at));
        }
      }
    } else {
      let end = at;
      while (end < buffer.length) {
        const byte = buffer[end];
        if (byte === delimiter || byte === CR || byte === LF) break;
        end += 1;
      }
      if (end >= buffer.length && !atEnd) return undefined;
      value = decode(buffer.subarray(at, end), { offset: offsetOf(start) });
      at = end;
    }
    fields.push(value);
    if (at >= buffer.length) return { fields, next: at };
    const byte = buffer[at];
    if (byte === delimiter) {
      at += 1;
      continue;
    }
    if (byte === LF) return { fields, next: at + 1 };
    // CR: a CRLF pair, or a lone CR, ends the record.
    if (at + 1 >= buffer.length && !atEnd) return undefined;
    return { fields, next: buffer[at + 1] === LF ? at + 2 : at + 1 };
  }
}

function csvError(message: string, offset: number): ItemReaderFailedError {
  return new ItemReaderFailedError(`${message} at byte offset ${offset}.`, { offset });
}

function checkDistinct(headers: readonly string[], position?: { offset: number; line: number }): void {
  if (new Set(headers).size !== headers.length) {
    throw new ItemReaderFailedError(DUPLICATE_CSV_HEADERS_CAUSE, position);
  }
}

/**
 * Reads a CSV object (`InputType: CSV`). Each row becomes an object whose keys are the column
 * names and whose values are strings, as Step Functions gives them (no number conversion).
 * Quoted fields may hold delimiters, line breaks and doubled quotes; rows end with LF, CRLF or CR;
 * empty rows are skipped (a row of spaces is data). As Step Functions does, a row with fewer fields
 * than there are columns gets `""` for the missing ones, and the fields of a row beyond the last
 * column are dropped; column names that repeat fail with `States.ItemReaderFailed`
 * ("CSV headers cannot contain duplicates."). Source: LocalStack's AWS-recorded snapshot
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json, tests
 * `test_map_item_reader_csv_headers_decl_extra_fields`, `..._csv_first_row_extra_fields`,
 * `..._base_csv_headers_first_line` and `..._csv_headers_decl_duplicate_headers`.
 */
export async function* readCsvItems(
  source: ByteSource,
  options: CsvReaderOptions,
): AsyncGenerator<ReadItem<ByteCursor>> {
  let cursor = startCursor(options);
  if (limitReached(cursor.itemsEmitted, options.maxItems)) return;
  const delimiter = CSV_DELIMITERS[options.delimiter ?? 'COMMA'].charCodeAt(0);
  let headers: readonly string[] | undefined =
    options.headers.location === 'GIVEN' ? options.headers.headers : cursor.headers;
  if (headers !== undefined && headers.length === 0) {
    throw new ItemReaderFailedError('CSVHeaders must name at least one column.');
  }
  if (headers !== undefined) checkDistinct(headers);
  let row = cursor.line;
  let carry: Uint8Array = new Uint8Array(0);
  let carryOffset = cursor.offset;

  function* records(buffer: Uint8Array, atEnd: boolean): Generator<ReadItem<ByteCursor>> {
    let at = 0;
    while (at < buffer.length) {
      const offsetOf = (index: number): number => carryOffset + index;
      const record = parseCsvRecord(buffer, at, delimiter, atEnd, offsetOf);
      if (record === undefined) break;
      const recordOffset = offsetOf(at);
      at = record.next;
      row += 1;
      if (record.fields.length === 1 && record.fields[0] === '') {
        cursor = { ...cursor, offset: offsetOf(at), line: row };
        continue;
      }
      if (headers === undefined) {
        if (at > MAX_CSV_HEADER_BYTES) {
          throw new ItemReaderFailedError(
            `The CSV header row is larger than ${MAX_CSV_HEADER_BYTES} bytes.`,
            { offset: recordOffset, line: row },
          );
        }
        checkDistinct(record.fields, { offset: recordOffset, line: row });
        headers = record.fields;
        cursor = { ...cursor, offset: offsetOf(at), line: row, headers };
        continue;
      }
      const item: JsonObject = {};
      headers.forEach((name, index) => {
        item[name] = record.fields[index] ?? '';
      });
      cursor = {
        type: 'bytes',
        offset: offsetOf(at),
        line: row,
        itemsEmitted: cursor.itemsEmitted + 1,
        ...(options.headers.location === 'FIRST_ROW' ? { headers } : {}),
      };
      yield { item, cursor };
      if (limitReached(cursor.itemsEmitted, options.maxItems)) return;
    }
    carryOffset += at;
    carry = buffer.subarray(at);
  }

  for await (const chunk of source) {
    const buffer = carry.length === 0 ? chunk : concatBytes([carry, chunk]);
    for (const read of records(buffer, false)) {
      yield read;
      if (limitReached(read.cursor.itemsEmitted, options.maxItems)) return;
    }
    if (headers === undefined && carry.length > MAX_CSV_HEADER_BYTES) {
      throw new ItemReaderFailedError(`The CSV header row is larger than ${MAX_CSV_HEADER_BYTES} bytes.`, {
        offset: carryOffset,
        line: row + 1,
      });
    }
  }
  yield* records(carry, true);
}

/** An S3 object a manifest or a listing names. */
export interface S3Location {
  readonly Bucket: string;
  readonly Key: string;
}

/** Parses `s3://bucket/key`; anything else fails with `States.ItemReaderFailed`. */
export function parseS3Uri(uri: string, where: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri.trim());
  if (match === null) {
    throw new ItemReaderFailedError(`${where}: "${uri}" is not an S3 URI (s3://bucket/key).`);
  }
  return { Bucket: match[1] as string, Key: match[2] as string };
}

/**
 * Reads an Athena UNLOAD manifest (`ManifestType: ATHENA_DATA`): a text file with one S3 URI of a
 * data file per line. Yields the data files' locations; their rows are the Map's items, read with
 * {@link readFilesItems} and the reader of the data files' `InputType`.
 */
export async function* readAthenaManifestFiles(source: ByteSource): AsyncGenerator<S3Location> {
  let line = 0;
  for await (const { bytes, offset } of splitLines(source, 0)) {
    line += 1;
    if (isBlank(bytes)) continue;
    yield parseS3Uri(decode(bytes, { offset, line }), `Athena manifest line ${line}`);
  }
}

/** What an S3 Inventory `manifest.json` says the Map is to read. */
export interface S3InventoryManifest {
  /** The bucket the inventory files are in (the manifest's `destinationBucket`, as a name). */
  readonly bucket: string;
  /** The gzip-compressed CSV inventory files, in order. */
  readonly files: readonly { readonly key: string; readonly size: number }[];
  /** The columns of each CSV row (the manifest's `fileSchema`). */
  readonly columns: readonly string[];
}

/**
 * Parses an S3 Inventory `manifest.json` (a small document, read whole). Only `fileFormat: CSV`
 * is readable here; ORC and Parquet inventories fail with `States.ItemReaderFailed`. Each row of
 * the listed `.csv.gz` files is then an item: an object keyed by `fileSchema`'s column names
 * (`Bucket`, `Key`, `Size`, `LastModifiedDate`, ...) with string values, read with
 * {@link readCsvItems} and `GIVEN` headers after gunzip.
 *
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html
 */
export function parseS3InventoryManifest(text: string): S3InventoryManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new ItemReaderFailedError('The S3 Inventory manifest is not JSON.', undefined, {
      cause: error,
    });
  }
  const bad = (what: string): never => {
    throw new ItemReaderFailedError(`The S3 Inventory manifest ${what}.`);
  };
  if (typeof manifest !== 'object' || manifest === null) return bad('is not an object');
  const { destinationBucket, fileFormat, fileSchema, files } = manifest as Record<string, unknown>;
  if (typeof destinationBucket !== 'string') return bad('has no destinationBucket');
  if (fileFormat !== 'CSV') return bad(`has fileFormat ${String(fileFormat)}; only CSV is read`);
  if (typeof fileSchema !== 'string' || fileSchema.trim() === '') return bad('has no fileSchema');
  if (!Array.isArray(files)) return bad('has no files array');
  const parsed = files.map((file: unknown, index) => {
    const { key, size } = (file ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string') return bad(`has no key in files[${index}]`);
    return { key, size: typeof size === 'number' ? size : 0 };
  });
  return {
    bucket: destinationBucket.replace(/^arn:aws[a-z-]*:s3:::/, ''),
    files: parsed,
    columns: fileSchema.split(',').map((column) => column.trim()),
  };
}

/** Where a reader of several files stands: which file, and where in it. */
export interface FilesCursor {
  readonly type: 'files';
  /** Index of the file being read. */
  readonly fileIndex: number;
  /** Cursor inside that file, or undefined at its start. */
  readonly inner?: ByteCursor;
  readonly itemsEmitted: number;
}

/**
 * Reads the items of several files in order (an Athena manifest's data files, an S3 Inventory's
 * CSV files, or the objects of a listing with `Transformation: LOAD_AND_FLATTEN`). `open` returns
 * the bytes of a file from a byte offset (a `Range` request; for gzip files, the decompressed
 * bytes from that offset). `read` is the reader of the files' format.
 */
export async function* readFilesItems(
  files: readonly S3Location[],
  open: (file: S3Location, offset: number) => ByteSource | Promise<ByteSource>,
  read: (source: ByteSource, options: ByteReaderOptions) => AsyncGenerator<ReadItem<ByteCursor>>,
  options: { readonly cursor?: FilesCursor; readonly maxItems?: number } = {},
): AsyncGenerator<ReadItem<FilesCursor>> {
  let itemsEmitted = options.cursor?.itemsEmitted ?? 0;
  for (let fileIndex = options.cursor?.fileIndex ?? 0; fileIndex < files.length; fileIndex += 1) {
    if (limitReached(itemsEmitted, options.maxItems)) return;
    const resumed = fileIndex === options.cursor?.fileIndex ? options.cursor.inner : undefined;
    const inner: ByteCursor = { ...(resumed ?? { type: 'bytes', offset: 0, line: 0 }), itemsEmitted };
    const source = await open(files[fileIndex] as S3Location, inner.offset);
    for await (const read_ of read(source, { cursor: inner, maxItems: options.maxItems })) {
      itemsEmitted = read_.cursor.itemsEmitted;
      yield { item: read_.item, cursor: { type: 'files', fileIndex, inner: read_.cursor, itemsEmitted } };
    }
  }
}

/** Drops the first `count` bytes of a stream: resuming inside a gzip file, which has no Range. */
export async function* skipBytes(source: ByteSource, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const chunk of source) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/** One object of a `ListObjectsV2` page, as the S3 API returns it. */
export interface ListedObject {
  readonly Key: string;
  readonly Size: number;
  readonly LastModified: Date;
  readonly ETag: string;
  readonly StorageClass?: string;
}

/** One `ListObjectsV2` page. */
export interface ListObjectsPage {
  readonly Contents?: readonly ListedObject[];
  readonly NextContinuationToken?: string;
}

/** Where a listing reader stands: the page being read and how far into it. */
export interface ListObjectsCursor {
  readonly type: 'listObjects';
  /** Token of the page being read; undefined for the first page. */
  readonly continuationToken?: string;
  /** Objects of that page already yielded. */
  readonly indexInPage: number;
  readonly itemsEmitted: number;
}

/**
 * The item Step Functions makes of a listed object (`s3:listObjectsV2` without a
 * Transformation): `Etag` (spelled so), `Key`, `LastModified` in epoch seconds, `Size`,
 * `StorageClass`, as in the ItemReader page's example.
 */
export function listedObjectItem(object: ListedObject): JsonObject {
  return {
    Etag: object.ETag,
    Key: object.Key,
    LastModified: Math.floor(object.LastModified.getTime() / 1000),
    Size: object.Size,
    StorageClass: object.StorageClass ?? 'STANDARD',
  };
}

/**
 * Reads the objects of a listing page by page (`s3:listObjectsV2`). `listPage` performs one
 * `ListObjectsV2` call with the given continuation token (and the state's Bucket/Prefix).
 */
export async function* readListObjectsItems(
  listPage: (continuationToken: string | undefined) => Promise<ListObjectsPage>,
  options: { readonly cursor?: ListObjectsCursor; readonly maxItems?: number } = {},
): AsyncGenerator<ReadItem<ListObjectsCursor> & { readonly object: ListedObject }> {
  let token = options.cursor?.continuationToken;
  let skip = options.cursor?.indexInPage ?? 0;
  let itemsEmitted = options.cursor?.itemsEmitted ?? 0;
  for (;;) {
    if (limitReached(itemsEmitted, options.maxItems)) return;
    const page = await listPage(token);
    const contents = page.Contents ?? [];
    for (let index = skip; index < contents.length; index += 1) {
      const object = contents[index] as ListedObject;
      itemsEmitted += 1;
      const cursor: ListObjectsCursor =
        index + 1 < contents.length || page.NextContinuationToken === undefined
          ? { type: 'listObjects', continuationToken: token, indexInPage: index + 1, itemsEmitted }
          : {
              type: 'listObjects',
              continuationToken: page.NextContinuationToken,
              indexInPage: 0,
              itemsEmitted,
            };
      yield { item: listedObjectItem(object), object, cursor };
      if (limitReached(itemsEmitted, options.maxItems)) return;
    }
    if (page.NextContinuationToken === undefined) return;
    token = page.NextContinuationToken;
    skip = 0;
  }
}

/** Where a reader of the state input's array stands. */
export interface ArrayCursor {
  readonly type: 'array';
  readonly itemsEmitted: number;
}

/** Reads the items of an array in the state input (no ItemReader, or ItemsPath / Items). */
export function* readInputArrayItems(
  items: readonly Json[],
  options: { readonly cursor?: ArrayCursor; readonly maxItems?: number } = {},
): Generator<ReadItem<ArrayCursor>> {
  const end = Math.min(items.length, options.maxItems ?? items.length);
  for (let index = options.cursor?.itemsEmitted ?? 0; index < end; index += 1) {
    yield { item: items[index] as Json, cursor: { type: 'array', itemsEmitted: index + 1 } };
  }
}
