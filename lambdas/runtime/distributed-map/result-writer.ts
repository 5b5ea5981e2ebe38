/**
 * What a Distributed Map's ResultWriter writes, as pure functions: the result files
 * (`SUCCEEDED_n.json`, `FAILED_n.json`, `PENDING_n.json`), the `manifest.json` that lists them,
 * the state's output that points at the manifest, and the WriterConfig transformations.
 *
 * See https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 * ("Exporting to Amazon S3": executions with the same status go to their own files under
 * `<Prefix>/<Map Run id>/`; the manifest lists them under `ResultFiles.SUCCEEDED|FAILED|PENDING`
 * with `Key` and `Size`; each file holds at most 5 GB).
 */
import type { Json, JsonObject } from '../../engine/json.js';
import { ResultWriterFailedError } from './errors.js';

/** Largest result file Step Functions writes before it starts the next one (5 GB). */
export const MAX_RESULT_FILE_BYTES = 5 * 1000 ** 3;

/** Final status of one child execution, as the result files group them. */
export type ChildStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING';

/** The result files' groups: FAILED holds failed, timed-out and aborted children. */
export type ResultGroup = 'SUCCEEDED' | 'FAILED' | 'PENDING';

/** One child execution (one item, or one batch) of a Map Run, as the writer needs it. */
export interface ChildResult {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly status: ChildStatus;
  /** The child's input. */
  readonly input: Json;
  /** The child's output, when it succeeded. */
  readonly output?: Json;
  /** Error and cause, when it failed. */
  readonly error?: string;
  readonly cause?: string;
  /** ISO-8601 times. */
  readonly startDate?: string;
  readonly stopDate?: string;
  /** @default 0 */
  readonly redriveCount?: number;
}

/** `WriterConfig.Transformation`. */
export type ResultTransformation = 'NONE' | 'COMPACT' | 'FLATTEN';
/** `WriterConfig.OutputType`. */
export type ResultOutputType = 'JSON' | 'JSONL';

/** ResultWriter's fields, resolved. */
export interface ResultWriterConfig {
  /** Bucket and Prefix (`Parameters`/`Arguments`); absent with WriterConfig alone. */
  readonly destination?: { readonly bucket: string; readonly prefix: string };
  /**
   * `WriterConfig.Transformation`. @default NONE when results go to S3 without WriterConfig,
   * COMPACT otherwise (the docs' defaults)
   */
  readonly transformation?: ResultTransformation;
  /** `WriterConfig.OutputType`. @default JSON */
  readonly outputType?: ResultOutputType;
  /** Largest file before the next one starts. @default {@link MAX_RESULT_FILE_BYTES} */
  readonly maxFileBytes?: number;
}

function groupOf(status: ChildStatus): ResultGroup {
  switch (status) {
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
    case 'TIMED_OUT':
    case 'ABORTED':
      return 'FAILED';
    case 'PENDING':
      return 'PENDING';
  }
}

/**
 * The full entry of one child in a result file (Transformation NONE): the child's metadata,
 * with Input and Output as JSON strings, as Step Functions writes them.
 */
export function fullResultEntry(child: ChildResult): JsonObject {
  const entry: JsonObject = {
    ExecutionArn: child.executionArn,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
  };
  if (child.output !== undefined) {
    entry.Output = JSON.stringify(child.output);
    entry.OutputDetails = { Included: true };
  }
  if (child.error !== undefined) entry.Error = child.error;
  if (child.cause !== undefined) entry.Cause = child.cause;
  entry.RedriveCount = child.redriveCount ?? 0;
  entry.RedriveStatus = child.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE';
  if (child.startDate !== undefined) entry.StartDate = child.startDate;
  entry.StateMachineArn = child.stateMachineArn;
  entry.Status = child.status;
  if (child.stopDate !== undefined) entry.StopDate = child.stopDate;
  return entry;
}

/**
 * The entries one child contributes under a transformation. A child that did not succeed is
 * written whole whatever the transformation (the docs: "If a child workflow execution fails,
 * Step Functions returns its execution result unchanged"). COMPACT gives the output alone;
 * FLATTEN gives an array output's elements one by one.
 */
export function resultEntries(child: ChildResult, transformation: ResultTransformation): Json[] {
  if (child.status !== 'SUCCEEDED' || transformation === 'NONE') return [fullResultEntry(child)];
  const output = child.output ?? null;
  if (transformation === 'FLATTEN' && Array.isArray(output)) return output;
  return [output];
}

/** The Map Run's id: the last `:`-separated part of its ARN, the folder of its results. */
export function mapRunId(mapRunArn: string): string {
  const id = mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1);
  if (id === '' || !mapRunArn.includes(':mapRun:')) {
    throw new ResultWriterFailedError(`"${mapRunArn}" is not a Map Run ARN.`);
  }
  return id;
}

/** The folder of a Map Run's results: `<Prefix>/<Map Run id>/` (an empty prefix adds nothing). */
export function resultFolder(prefix: string, mapRunArn: string): string {
  const normalized = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${normalized}${mapRunId(mapRunArn)}/`;
}

/** One file to put in S3. */
export interface ResultFile {
  readonly key: string;
  readonly body: string;
  /** UTF-8 length of `body`: the manifest's `Size`. */
  readonly size: number;
}

/** Everything a ResultWriter with an S3 destination writes, and the state's output. */
export interface WrittenResults {
  readonly files: readonly ResultFile[];
  readonly manifest: ResultFile;
  /** The Distributed Map state's result: `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`. */
  readonly stateOutput: JsonObject;
}

/** Serializes entries as one file of the output type: a JSON array, or JSON Lines. */
function fileBody(entries: readonly string[], outputType: ResultOutputType): string {
  return outputType === 'JSON' ? `[${entries.join(',')}]` : entries.map((entry) => `${entry}\n`).join('');
}

/**
 * The files of one group (`SUCCEEDED`, `FAILED`, `PENDING`), cut before any would exceed
 * `maxFileBytes`, named `<GROUP>_<n>.json` (`.jsonl` for JSON Lines — an assumption: the docs
 * show JSON files only).
 */
export function groupFiles(
  group: ResultGroup,
  entries: readonly Json[],
  folder: string,
  outputType: ResultOutputType,
  maxFileBytes: number,
): ResultFile[] {
  const files: ResultFile[] = [];
  const extension = outputType === 'JSON' ? 'json' : 'jsonl';
  let current: string[] = [];
  let currentBytes = 2; // "[]" or nothing for JSONL; counted the same for simplicity of the bound
  const flush = (): void => {
    const body = fileBody(current, outputType);
    files.push({
      key: `${folder}${group}_${files.length}.${extension}`,
      body,
      size: Buffer.byteLength(body, 'utf8'),
    });
    current = [];
    currentBytes = 2;
  };
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    const bytes = Buffer.byteLength(text, 'utf8') + 1; // the separator: "," or "\n"
    if (current.length > 0 && currentBytes + bytes > maxFileBytes) flush();
    current.push(text);
    currentBytes += bytes;
  }
  if (current.length > 0) flush();
  return files;
}

/**
 * What the ResultWriter writes to S3 for a Map Run's children: the result files by group and
 * the manifest listing them (`DestinationBucket`, `MapRunArn`, `ResultFiles` with each file's
 * `Key` and `Size`), and the state output pointing at the manifest.
 */
export function writeResults(
  children: Iterable<ChildResult>,
  mapRunArn: string,
  config: ResultWriterConfig & { readonly destination: { readonly bucket: string; readonly prefix: string } },
): WrittenResults {
  const transformation = config.transformation ?? 'NONE';
  const outputType = config.outputType ?? 'JSON';
  const maxFileBytes = config.maxFileBytes ?? MAX_RESULT_FILE_BYTES;
  const folder = resultFolder(config.destination.prefix, mapRunArn);
  const grouped: Record<ResultGroup, Json[]> = { SUCCEEDED: [], FAILED: [], PENDING: [] };
  for (const child of children) {
    grouped[groupOf(child.status)].push(...resultEntries(child, transformation));
  }
  const byGroup = {
    FAILED: groupFiles('FAILED', grouped.FAILED, folder, outputType, maxFileBytes),
    PENDING: groupFiles('PENDING', grouped.PENDING, folder, outputType, maxFileBytes),
    SUCCEEDED: groupFiles('SUCCEEDED', grouped.SUCCEEDED, folder, outputType, maxFileBytes),
  };
  const listing = (files: readonly ResultFile[]): Json[] =>
    files.map((file) => ({ Key: file.key, Size: file.size }));
  const manifestBody = JSON.stringify({
    DestinationBucket: config.destination.bucket,
    MapRunArn: mapRunArn,
    ResultFiles: {
      FAILED: listing(byGroup.FAILED),
      PENDING: listing(byGroup.PENDING),
      SUCCEEDED: listing(byGroup.SUCCEEDED),
    },
  });
  const manifestKey = `${folder}manifest.json`;
  return {
    files: [...byGroup.SUCCEEDED, ...byGroup.FAILED, ...byGroup.PENDING],
    manifest: { key: manifestKey, body: manifestBody, size: Buffer.byteLength(manifestBody, 'utf8') },
    stateOutput: {
      MapRunArn: mapRunArn,
      ResultWriterDetails: { Bucket: config.destination.bucket, Key: manifestKey },
    },
  };
}

/**
 * The Distributed Map state's result when nothing goes to S3 (no ResultWriter, or WriterConfig
 * alone): the children's entries in item order under the transformation (COMPACT by default).
 */
export function inlineResults(
  children: Iterable<ChildResult>,
  transformation: ResultTransformation = 'COMPACT',
): Json[] {
  const results: Json[] = [];
  for (const child of children) results.push(...resultEntries(child, transformation));
  return results;
}
