/**
 * Streaming item readers of the Distributed Map's ItemReader.
 *
 * Behaviour from the AWS documentation:
 * - ItemReader (Map): https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 *   (InputType JSON / JSONL / CSV / MANIFEST, CSVHeaderLocation FIRST_ROW or GIVEN with CSVHeaders,
 *   CSVDelimiter COMMA / PIPE / SEMICOLON / SPACE / TAB, CSV values given as strings, CSV headers
 *   of up to 10 KiB, MaxItems, the listObjectsV2 item fields Etag / Key / LastModified / Size /
 *   StorageClass, States.ItemReaderFailed).
 * - S3 Inventory manifest.json: https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html
 */
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync, createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../../lambdas/engine/json.js';
import { ItemReaderFailedError } from '../../../../lambdas/runtime/distributed-map/errors.js';
import {
  parseS3InventoryManifest,
  readAthenaManifestFiles,
  readCsvItems,
  readFilesItems,
  readInputArrayItems,
  readJsonArrayItems,
  readJsonLinesItems,
  readListObjectsItems,
  skipBytes,
  type ByteCursor,
  type ByteSource,
  type ListObjectsPage,
  type ReadItem,
} from '../../../../lambdas/runtime/distributed-map/item-readers.js';

/** A byte stream of `text` cut into chunks of `size` bytes (to cut tokens and UTF-8 sequences). */
function chunked(text: string, size: number, from = 0): ByteSource {
  const bytes = Buffer.from(text, 'utf8').subarray(from);
  return (async function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  })();
}

/** A full garbage collection, so that heap figures count live objects only. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function collect<C>(reads: AsyncIterable<ReadItem<C>>): Promise<Json[]> {
  const items: Json[] = [];
  for await (const { item } of reads) items.push(item);
  return items;
}

async function failure(reads: AsyncIterable<unknown>): Promise<ItemReaderFailedError> {
  try {
    for await (const _ of reads) void _;
  } catch (error) {
    expect(error).toBeInstanceOf(ItemReaderFailedError);
    return error as ItemReaderFailedError;
  }
  throw new Error('the reader did not fail');
}

/** Reads the first `stopAfter` items, then resumes from the saved cursor in a new stream. */
async function readInTwoInvocations(
  text: string,
  read: (source: ByteSource, cursor?: ByteCursor) => AsyncGenerator<ReadItem<ByteCursor>>,
  stopAfter: number,
): Promise<Json[]> {
  const items: Json[] = [];
  let saved: ByteCursor | undefined;
  for await (const { item, cursor } of read(chunked(text, 7))) {
    items.push(item);
    saved = cursor;
    if (items.length === stopAfter) break;
  }
  for await (const { item } of read(chunked(text, 5, saved?.offset ?? 0), saved)) items.push(item);
  return items;
}

describe('readJsonArrayItems', () => {
  const document = ` [ {"a": [1, {"b": "]},\\""}]}, "x,y", 12.5e1 , true,null, [[]], "é😀" ] `;
  const expected = JSON.parse(document) as Json[];

  it.each([1, 2, 3, 64])(
    'yields each element of a top-level array, whatever the chunk size (%i)',
    async (size) => {
      expect(await collect(readJsonArrayItems(chunked(document, size)))).toEqual(expected);
    },
  );

  it('yields nothing for an empty array', async () => {
    expect(await collect(readJsonArrayItems(chunked('[ ]', 1)))).toEqual([]);
  });

  it('resumes after the last element from a saved cursor and a stream starting at its offset', async () => {
    const items = await readInTwoInvocations(
      document,
      (source, cursor) => readJsonArrayItems(source, { cursor }),
      3,
    );
    expect(items).toEqual(expected);
  });

  it('stops at MaxItems, counted across invocations', async () => {
    expect(await collect(readJsonArrayItems(chunked(document, 4), { maxItems: 2 }))).toEqual(
      expected.slice(0, 2),
    );
    const resumed: ByteCursor = { type: 'bytes', offset: 0, line: 0, itemsEmitted: 2 };
    expect(await collect(readJsonArrayItems(chunked(document, 4), { cursor: resumed, maxItems: 2 }))).toEqual(
      [],
    );
  });

  it('fails with States.ItemReaderFailed naming the offset of a malformed element', async () => {
    const error = await failure(readJsonArrayItems(chunked('[1, {"a": tru}, 3]', 4)));
    expect(error.name).toBe('States.ItemReaderFailed');
    expect(error.message).toContain('byte offset 4');
    expect(error.position).toEqual({ offset: 4 });
  });

  it('fails when the top level is not an array, with the cause Step Functions gives', async () => {
    // LocalStack's AWS-recorded snapshot tests/aws/services/stepfunctions/v2/scenarios/
    // test_base_scenarios.snapshot.json, test_map_item_reader_json_no_json_list_object: the file
    // {"Hello": "world"} fails the Map Run with States.ItemReaderFailed and this cause.
    const error = await failure(readJsonArrayItems(chunked('{"Hello": "world"}', 4)));
    expect(error.name).toBe('States.ItemReaderFailed');
    expect(error.message).toBe('Attempting to map over non-iterable node.');
  });

  it('fails when the array is not closed', async () => {
    const error = await failure(readJsonArrayItems(chunked('[1, 2', 2)));
    expect(error.message).toContain('not closed');
  });

  it('fails when elements are not separated by commas', async () => {
    const error = await failure(readJsonArrayItems(chunked('[1 2]', 2)));
    expect(error.message).toContain('Expected "," or "]"');
  });
});

describe('readJsonLinesItems', () => {
  const document = '{"id":1}\r\n\n{"id":2,"s":"é"}\n[3]\n"four"';

  it('yields one item per line, skipping blank lines and accepting CRLF and a last line without LF', async () => {
    expect(await collect(readJsonLinesItems(chunked(document, 3)))).toEqual([
      { id: 1 },
      { id: 2, s: 'é' },
      [3],
      'four',
    ]);
  });

  it('resumes from a saved cursor', async () => {
    const items = await readInTwoInvocations(
      document,
      (source, cursor) => readJsonLinesItems(source, { cursor }),
      2,
    );
    expect(items).toEqual([{ id: 1 }, { id: 2, s: 'é' }, [3], 'four']);
  });

  it('fails naming the line and byte offset of a malformed line', async () => {
    const error = await failure(readJsonLinesItems(chunked('{"a":1}\n{"a":\n', 5)));
    expect(error.name).toBe('States.ItemReaderFailed');
    expect(error.message).toContain('line 2 (byte offset 8)');
  });

  it('reads 100,000 lines generated on the fly with flat memory, within seconds', async () => {
    const count = 100_000;
    // A Node Readable of about 20 KiB chunks, as an S3 GetObject body delivers them.
    const source = Readable.from(
      (function* () {
        for (let first = 0; first < count; first += 100) {
          let lines = '';
          for (let index = first; index < first + 100; index += 1) {
            lines += `{"id":${index},"payload":"${'x'.repeat(200)}"}\n`;
          }
          yield Buffer.from(lines);
        }
      })(),
    );
    const started = Date.now();
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let seen = 0;
    let peak = heapBefore;
    for await (const { item, cursor } of readJsonLinesItems(source)) {
      expect((item as { id: number }).id).toBe(seen);
      seen += 1;
      if (seen % 25_000 === 0) {
        collectGarbage();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      expect(cursor.itemsEmitted).toBe(seen);
    }
    expect(seen).toBe(count);
    // The file is about 22 MB; holding its lines or its items would leave tens of MB live.
    expect(peak - heapBefore).toBeLessThan(4 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('readCsvItems', () => {
  it('maps each row to an object of strings keyed by the first row', async () => {
    const csv = 'id,name,score\r\n1,"Smith, Jo",9.5\r\n2,"say ""hi""",10\r\n';
    expect(await collect(readCsvItems(chunked(csv, 3), { headers: { location: 'FIRST_ROW' } }))).toEqual([
      { id: '1', name: 'Smith, Jo', score: '9.5' },
      { id: '2', name: 'say "hi"', score: '10' },
    ]);
  });

  it('keeps line breaks inside quoted fields and reads a last row without a line break', async () => {
    const csv = 'a,b\n"line1\nline2",x\n"",y';
    expect(await collect(readCsvItems(chunked(csv, 2), { headers: { location: 'FIRST_ROW' } }))).toEqual([
      { a: 'line1\nline2', b: 'x' },
      { a: '', b: 'y' },
    ]);
  });

  it('uses the given CSVHeaders, reading the first row as data', async () => {
    const csv = '1|2\n3|4\n';
    const items = await collect(
      readCsvItems(chunked(csv, 1), {
        headers: { location: 'GIVEN', headers: ['x', 'y'] },
        delimiter: 'PIPE',
      }),
    );
    expect(items).toEqual([
      { x: '1', y: '2' },
      { x: '3', y: '4' },
    ]);
  });

  it.each([
    ['SEMICOLON', 'a;b\n1;2\n'],
    ['SPACE', 'a b\n1 2\n'],
    ['TAB', 'a\tb\n1\t2\n'],
    ['COMMA', 'a,b\n1,2\n'],
  ] as const)('splits fields on the %s delimiter', async (delimiter, csv) => {
    expect(
      await collect(readCsvItems(chunked(csv, 2), { headers: { location: 'FIRST_ROW' }, delimiter })),
    ).toEqual([{ a: '1', b: '2' }]);
  });

  it('resumes with the header row it read before, carried in the cursor', async () => {
    const csv = 'k,v\n1,a\n2,b\n3,"c\nd"\n4,e\n';
    const items = await readInTwoInvocations(
      csv,
      (source, cursor) => readCsvItems(source, { headers: { location: 'FIRST_ROW' }, cursor }),
      2,
    );
    expect(items).toEqual([
      { k: '1', v: 'a' },
      { k: '2', v: 'b' },
      { k: '3', v: 'c\nd' },
      { k: '4', v: 'e' },
    ]);
  });

  // The CSV files and results below are those of LocalStack's AWS-recorded snapshot
  // tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json (the files are
  // in test_base_scenarios.py); the key named in each test is the recorded test.
  const recordedRows =
    "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";

  it('gives "" for missing fields and keeps a row of spaces (test_map_item_reader_base_csv_headers_first_line)', async () => {
    const csv = `Col1,Col2,Col3\n${recordedRows}`;
    expect(await collect(readCsvItems(chunked(csv, 3), { headers: { location: 'FIRST_ROW' } }))).toEqual([
      { Col1: 'Value1', Col2: 'Value2', Col3: 'Value3' },
      { Col1: 'Value4', Col2: 'Value5', Col3: 'Value6' },
      { Col1: '', Col2: '', Col3: '' },
      { Col1: 'true', Col2: '1', Col3: "'HelloWorld'" },
      { Col1: 'Null', Col2: 'None', Col3: '' },
      { Col1: '   ', Col2: '', Col3: '' },
    ]);
  });

  it('drops fields beyond the given CSVHeaders (test_map_item_reader_csv_headers_decl_extra_fields)', async () => {
    const items = await collect(
      readCsvItems(chunked(recordedRows, 4), { headers: { location: 'GIVEN', headers: ['H1'] } }),
    );
    expect(items).toEqual([
      { H1: 'Value1' },
      { H1: 'Value4' },
      { H1: '' },
      { H1: 'true' },
      { H1: 'Null' },
      { H1: '   ' },
    ]);
  });

  it('keeps an empty column name and pads or cuts rows to the header (test_map_item_reader_csv_first_row_extra_fields)', async () => {
    const csv = "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";
    expect(await collect(readCsvItems(chunked(csv, 5), { headers: { location: 'FIRST_ROW' } }))).toEqual([
      { H1: 'Value4', '': 'Value5' },
      { H1: '', '': '' },
      { H1: 'true', '': '1' },
      { H1: 'Null', '': 'None' },
      { H1: '   ', '': '' },
    ]);
  });

  it('keeps header names as strings (test_map_item_reader_csv_headers_first_row_typed_headers)', async () => {
    const csv = "0,True,{}\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";
    const items = await collect(readCsvItems(chunked(csv, 6), { headers: { location: 'FIRST_ROW' } }));
    expect(items).toEqual([
      { '0': 'Value4', True: 'Value5', '{}': 'Value6' },
      { '0': '', True: '', '{}': '' },
      { '0': 'true', True: '1', '{}': "'HelloWorld'" },
      { '0': 'Null', True: 'None', '{}': '' },
      { '0': '   ', True: '', '{}': '' },
    ]);
  });

  it('fails on duplicate CSVHeaders with the cause Step Functions gives (test_map_item_reader_csv_headers_decl_duplicate_headers)', async () => {
    const error = await failure(
      readCsvItems(chunked(recordedRows, 4), { headers: { location: 'GIVEN', headers: ['H1', 'H1', 'H3'] } }),
    );
    expect(error.name).toBe('States.ItemReaderFailed');
    expect(error.message).toBe('CSV headers cannot contain duplicates.');
  });

  it('fails on a first row naming a column twice, with the same cause', async () => {
    const error = await failure(
      readCsvItems(chunked('a,b,a\n1,2,3\n', 4), { headers: { location: 'FIRST_ROW' } }),
    );
    expect(error.message).toBe('CSV headers cannot contain duplicates.');
    expect(error.position).toEqual({ offset: 0, line: 1 });
  });

  it('fails on an unterminated quoted field', async () => {
    const error = await failure(
      readCsvItems(chunked('a\n"open\n', 4), { headers: { location: 'FIRST_ROW' } }),
    );
    expect(error.message).toContain('Unterminated quoted field at byte offset 2');
  });

  it('fails on a header row larger than 10 KiB', async () => {
    const header = Array.from({ length: 2000 }, (_, index) => `column${index}`).join(',');
    const error = await failure(
      readCsvItems(chunked(`${header}\n`, 512), { headers: { location: 'FIRST_ROW' } }),
    );
    expect(error.message).toContain('header row is larger than 10240 bytes');
  });

  it('stops at MaxItems', async () => {
    const items = await collect(
      readCsvItems(chunked('a\n1\n2\n3\n', 2), { headers: { location: 'FIRST_ROW' }, maxItems: 2 }),
    );
    expect(items).toEqual([{ a: '1' }, { a: '2' }]);
  });
});

describe('manifests', () => {
  it('reads the data files an Athena UNLOAD manifest lists, one S3 URI per line', async () => {
    const manifest = 's3://results/unload/part-0.csv\ns3://results/unload/sub/part-1.csv\n';
    const files = [];
    for await (const file of readAthenaManifestFiles(chunked(manifest, 5))) files.push(file);
    expect(files).toEqual([
      { Bucket: 'results', Key: 'unload/part-0.csv' },
      { Bucket: 'results', Key: 'unload/sub/part-1.csv' },
    ]);
  });

  it('fails on an Athena manifest line that is not an S3 URI, naming the line', async () => {
    const reads = readAthenaManifestFiles(chunked('s3://b/k\nhttps://b/k\n', 4));
    const error = await failure(reads);
    expect(error.message).toContain('Athena manifest line 2');
  });

  it('reads an S3 Inventory manifest.json: its CSV files and the columns of their rows', () => {
    const manifest = parseS3InventoryManifest(
      JSON.stringify({
        sourceBucket: 'source',
        destinationBucket: 'arn:aws:s3:::inventory',
        version: '2016-11-30',
        fileFormat: 'CSV',
        fileSchema: 'Bucket, Key, Size, LastModifiedDate',
        files: [{ key: 'source/config/data/a.csv.gz', size: 100, MD5checksum: 'x' }],
      }),
    );
    expect(manifest).toEqual({
      bucket: 'inventory',
      files: [{ key: 'source/config/data/a.csv.gz', size: 100 }],
      columns: ['Bucket', 'Key', 'Size', 'LastModifiedDate'],
    });
  });

  it('refuses an S3 Inventory in a format other than CSV', () => {
    const text = JSON.stringify({
      destinationBucket: 'b',
      fileFormat: 'Parquet',
      fileSchema: 'x',
      files: [],
    });
    expect(() => parseS3InventoryManifest(text)).toThrow(/fileFormat Parquet; only CSV is read/);
  });

  it('reads the rows of gzip inventory files in order, resuming inside the second file', async () => {
    const files = {
      'a.csv.gz': gzipSync(
        '"src","k1","10","2024-01-01T00:00:00.000Z"\n"src","k2","20","2024-01-02T00:00:00.000Z"\n',
      ),
      'b.csv.gz': gzipSync(
        '"src","k3","30","2024-01-03T00:00:00.000Z"\n"src","k4","40","2024-01-04T00:00:00.000Z"\n',
      ),
    };
    const columns = ['Bucket', 'Key', 'Size', 'LastModifiedDate'];
    const locations = [
      { Bucket: 'inv', Key: 'a.csv.gz' },
      { Bucket: 'inv', Key: 'b.csv.gz' },
    ];
    const open = (file: { Key: string }, offset: number): ByteSource =>
      skipBytes(Readable.from([files[file.Key as keyof typeof files]]).pipe(createGunzip()), offset);
    const read = (source: ByteSource, options: { cursor?: ByteCursor; maxItems?: number }) =>
      readCsvItems(source, { ...options, headers: { location: 'GIVEN', headers: columns } });

    const first = [];
    let saved;
    for await (const read_ of readFilesItems(locations, open, read)) {
      first.push((read_.item as { Key: string }).Key);
      saved = read_.cursor;
      if (first.length === 3) break;
    }
    const rest = [];
    for await (const read_ of readFilesItems(locations, open, read, { cursor: saved })) {
      rest.push(read_.item);
    }
    expect(first).toEqual(['k1', 'k2', 'k3']);
    expect(rest).toEqual([
      { Bucket: 'src', Key: 'k4', Size: '40', LastModifiedDate: '2024-01-04T00:00:00.000Z' },
    ]);
  });
});

describe('readListObjectsItems', () => {
  const page = (keys: string[], next?: string): ListObjectsPage => ({
    Contents: keys.map((Key) => ({
      Key,
      Size: Key.length,
      LastModified: new Date('2024-05-01T10:00:00.000Z'),
      ETag: `"${Key}-etag"`,
    })),
    ...(next === undefined ? {} : { NextContinuationToken: next }),
  });
  const pages: Record<string, ListObjectsPage> = {
    first: page(['a', 'b'], 't1'),
    t1: page(['c', 'd'], 't2'),
    t2: page(['e']),
  };
  const listPage = async (token: string | undefined): Promise<ListObjectsPage> =>
    pages[token ?? 'first'] as ListObjectsPage;

  it('yields each listed object with the fields Step Functions gives, across pages', async () => {
    const items = await collect(readListObjectsItems(listPage));
    expect(items).toHaveLength(5);
    expect(items[0]).toEqual({
      Etag: '"a-etag"',
      Key: 'a',
      LastModified: 1714557600,
      Size: 1,
      StorageClass: 'STANDARD',
    });
  });

  it('resumes inside a page from a saved cursor and honours MaxItems across invocations', async () => {
    const keys: string[] = [];
    let saved;
    for await (const read of readListObjectsItems(listPage, { maxItems: 4 })) {
      keys.push((read.item as { Key: string }).Key);
      saved = read.cursor;
      if (keys.length === 3) break;
    }
    expect(saved).toEqual({ type: 'listObjects', continuationToken: 't1', indexInPage: 1, itemsEmitted: 3 });
    for await (const read of readListObjectsItems(listPage, { cursor: saved, maxItems: 4 })) {
      keys.push((read.item as { Key: string }).Key);
    }
    expect(keys).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('readInputArrayItems', () => {
  it('yields the state input array from a cursor up to MaxItems', () => {
    const reads = [
      ...readInputArrayItems([1, 2, 3, 4], { cursor: { type: 'array', itemsEmitted: 1 }, maxItems: 3 }),
    ];
    expect(reads.map((read) => read.item)).toEqual([2, 3]);
    expect(reads.at(-1)?.cursor).toEqual({ type: 'array', itemsEmitted: 3 });
  });
});
