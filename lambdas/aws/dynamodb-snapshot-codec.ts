/**
 * The binary encoding of a version item's `data`: one format byte, then the document's JSON
 * compressed with raw DEFLATE primed with a preset dictionary of the engine's JSON vocabulary.
 * Since format 2, each value is in the JSON once (`json-sharing.ts`): a payload that the state,
 * the saga stack, the history and the commands all name is written, compressed and read once.
 *
 * Why not plain gzip: the structure of a snapshot (key names, event types, command shapes) is most
 * of what is left after compression of a small state, and gzip cannot know it in advance. With a
 * typical Task transition of a ~500-byte input, gzip yields ~940 bytes, which with the item's keys
 * exceeds the 1 KB of one write unit; the primed stream is ~30% smaller and fits (see the tests).
 *
 * Other documents the DynamoDB adapters store (Map Run records and chunk outcomes) are encoded the
 * same way ({@link encodeStoredJson}): one format to keep decoding, whatever the item.
 *
 * The dictionary is part of the stored format: NEVER edit {@link DICTIONARY_V1}. To change it, add a
 * new format byte and dictionary, write the new one, and keep decoding the old ones.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Command, Execution, HistoryEvent } from '../engine/execution.js';
import type { WorkflowRef } from '../runtime/ports.js';
import type { Json } from '../engine/json.js';
import { CorruptItemError } from './dynamodb-errors.js';
import { restoreRepeats, shareRepeats } from './json-sharing.js';

/** What a version item stores: the commit's transition, minus the keys. */
export interface VersionDocument {
  readonly execution: Execution;
  readonly history: readonly HistoryEvent[];
  readonly commands: readonly Command[];
  readonly messageId: string;
  readonly workflow: WorkflowRef;
  readonly businessKey?: string;
  readonly recentMessages: Readonly<Record<string, number>>;
  readonly controlMessages?: Readonly<Record<string, number>>;
  readonly traceId?: string;
}

/** The first byte of an encoded document. */
export const SnapshotFormat = {
  /** Raw DEFLATE (RFC 1951) of the JSON, primed with {@link DICTIONARY_V1}. Read, no longer written. */
  DEFLATE_DICTIONARY_V1: 1,
  /** The same, of the JSON with repeated values written once (`shareRepeats`). Written since 2026-12. */
  DEFLATE_DICTIONARY_V1_SHARED: 2,
} as const;

/**
 * Strings a snapshot is likely to contain, rarest first: DEFLATE references closer strings with
 * fewer bits. Frozen: see the module comment.
 */
export const DICTIONARY_V1 = Buffer.from(
  [
    '"ProcessorConfig":"INLINE","Execution Timed Out","Execution Aborted","Execution Compensation Failed",',
    '"ExecutionTimedOut","ExecutionAborted","ExecutionRedriven","TaskTimedOut","TaskStateAborted","WaitStateAborted",',
    '"MapStateStarted","MapStateSucceeded","MapStateFailed","MapStateAborted","MapIterationStarted",',
    '"MapIterationSucceeded","MapIterationFailed","MapIterationAborted","MapStateEntered","MapStateExited",',
    '"ParallelStateStarted","ParallelStateSucceeded","ParallelStateFailed","ParallelStateAborted",',
    '"ParallelStateEntered","ParallelStateExited","SucceedStateEntered","SucceedStateExited","FailStateEntered",',
    '"CompensationTaskTimedOut","CompensationTaskFailed","CompensationFailed","COMPENSATION_FAILED","TIMED_OUT","ABORTED",',
    '{"type":"Map","items":[],"itemInputs":[],"nextIndex":0,"running":0,"maxConcurrency":0,"results":[],"remaining":0}',
    '{"type":"Parallel","children":["root:1:0"],"results":[null],"remaining":1},"parent":{"threadId":"root","index":0}',
    '{"type":"Yield","timerId":"root:1:yield"}{"type":"None"}"timeoutSeconds":"heartbeatSeconds":"timeoutAt":"heartbeatMs":',
    '"Execution Failed","detail":{"executionId":"","name":"","stateMachineName":"","status":"FAILED","startTime":"20',
    '"ExecutionFailed","error":"States.TaskFailed","cause":"","States.Timeout","States.ALL","FAILED",',
    '"failure":{"stateName":"","input":{}},"stopTime":17',
    '"active":{"entryId":"1","attempt":1,"retryCounts":[],"token":"c:1:1","lastHeartbeatAt":17,"startedAt":17},',
    '{"id":1,"type":"CompensationStarted","timestamp":"20","error":"","cause":""},"COMPENSATED","COMPENSATING",',
    '{"id":1,"type":"CompensationTaskScheduled","timestamp":"20","stateName":"","input":{"Input":{},"Result":{}},',
    '{"id":1,"type":"CompensationTaskSucceeded","timestamp":"20","stateName":""},"CompensationSucceeded",',
    '"resource":"baton:worker:","attempt":1,"idempotencyKey":":c:1","compensation":true}',
    '"saga":{"stack":[{"entryId":"1","scope":"root","stateName":"","document":{"Input":{},"Result":{}}}],"compensated":0}',
    '{"type":"CancelTimer","timerId":"root:1:wait"}{"type":"ScheduleTimer","timerId":"root:1:retry:2","fireAt":17',
    '"waiting":{"type":"Wait","timerId":"root:1:wait"}"WaitStateEntered","WaitStateExited",',
    '"waiting":{"type":"Retry","timerId":"root:1:retry:2"}"retryCounts":[1],"attempt":2,',
    '{"id":1,"type":"StateRetryScheduled","timestamp":"20","stateName":"","threadId":"root","error":"","cause":"","attempt":2,"delayMs":1000}',
    '{"id":1,"type":"TaskFailed","timestamp":"20","stateName":"","threadId":"root","error":"","cause":"","resource":"baton:worker:"}',
    '"ChoiceStateEntered","ChoiceStateExited","PassStateEntered","PassStateExited",',
    '{"type":"PublishEvent","eventId":":Execution Started:0","detailType":"Execution Started","detail":{"executionId":"",',
    '"name":"","stateMachineName":"StateMachine","status":"RUNNING","startTime":"20","redriveCount":0}}',
    '"Execution Succeeded","Execution Compensated","SUCCEEDED","ExecutionSucceeded","output":{},"stopTime":"20',
    '{"id":1,"type":"ExecutionStarted","timestamp":"20","input":{}}',
    '{"execution":{"executionId":"","name":"","stateMachineName":"StateMachine","status":"RUNNING","input":{},',
    '"startTime":17,"seed":"","sequence":1,"lastEventId":1,"threads":{"root":{"id":"root","scope":"root",',
    '"active":{"name":"","entryId":"1","input":{},"enteredAt":17,"retryCounts":[],"attempt":1,',
    '"waiting":{"type":"Task","token":"root:1:1","resource":"baton:worker:","lastHeartbeatAt":17}}}},',
    '"saga":{"stack":[],"compensated":0},"redriveCount":0},"history":[',
    '{"id":1,"type":"TaskSucceeded","timestamp":"20","stateName":"","threadId":"root","output":{},"resource":"baton:worker:"},',
    '{"id":1,"type":"TaskStateExited","timestamp":"20","stateName":"","threadId":"root","output":{}},',
    '{"id":1,"type":"TaskStateEntered","timestamp":"20","stateName":"","threadId":"root","input":{}},',
    '{"id":1,"type":"TaskScheduled","timestamp":"20","stateName":"","threadId":"root","input":{},"resource":"baton:worker:","attempt":1}],',
    '"commands":[{"type":"DispatchTask","token":"root:1:1","resource":"baton:worker:","input":{},"stateName":"","attempt":1,',
    '"idempotencyKey":":1","compensation":false}],"messageId":"","workflow":{"name":"","version":""},"recentMessages":{"":1}}',
  ].join(''),
  'utf8',
);

/** SHA-256 of {@link DICTIONARY_V1}: a test pins it so that an edit cannot go unnoticed. */
export function dictionaryDigest(): string {
  return createHash('sha256').update(DICTIONARY_V1).digest('hex');
}

/** Encodes a document as `data` bytes (format byte + compressed JSON). */
export function encodeVersionDocument(document: VersionDocument): Uint8Array {
  return encodeStoredJson(document);
}

/** Decodes `data` bytes written by {@link encodeVersionDocument}. Throws {@link CorruptItemError}. */
export function decodeVersionDocument(bytes: Uint8Array): VersionDocument {
  const parsed = decodeStoredJson(bytes);
  if (!isVersionDocument(parsed)) {
    throw new CorruptItemError('Snapshot data is not a version document');
  }
  return parsed;
}

/**
 * Encodes any JSON document the way version documents are stored (the current format byte, then
 * the primed DEFLATE of its shared JSON): the one stored format of the DynamoDB adapters, used too
 * for the other documents they keep in items or offload (Map Run records and chunk outcomes).
 */
export function encodeStoredJson(document: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(shareRepeats(document)), 'utf8');
  const compressed = deflateRawSync(json, { level: 9, dictionary: DICTIONARY_V1 });
  const out = new Uint8Array(1 + compressed.length);
  out[0] = SnapshotFormat.DEFLATE_DICTIONARY_V1_SHARED;
  out.set(compressed, 1);
  return out;
}

/**
 * Decodes bytes written by {@link encodeStoredJson} (or by format 1). Throws
 * {@link CorruptItemError}; what the JSON must hold is for the caller to check.
 */
export function decodeStoredJson(bytes: Uint8Array): Json {
  const format = bytes[0];
  if (
    format !== SnapshotFormat.DEFLATE_DICTIONARY_V1 &&
    format !== SnapshotFormat.DEFLATE_DICTIONARY_V1_SHARED
  ) {
    throw new CorruptItemError(`Unknown snapshot format byte ${String(format)}`);
  }
  try {
    const json = inflateRawSync(bytes.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');
    const parsed = JSON.parse(json) as Json;
    return format === SnapshotFormat.DEFLATE_DICTIONARY_V1_SHARED ? restoreRepeats(parsed) : parsed;
  } catch (error) {
    throw new CorruptItemError('Snapshot data cannot be decompressed or parsed', { cause: error });
  }
}

function isVersionDocument(value: unknown): value is VersionDocument {
  if (typeof value !== 'object' || value === null) return false;
  const doc = value as Record<string, unknown>;
  return (
    typeof doc.execution === 'object' &&
    doc.execution !== null &&
    Array.isArray(doc.history) &&
    Array.isArray(doc.commands) &&
    typeof doc.messageId === 'string' &&
    typeof doc.workflow === 'object' &&
    doc.workflow !== null &&
    typeof doc.recentMessages === 'object' &&
    doc.recentMessages !== null
  );
}
