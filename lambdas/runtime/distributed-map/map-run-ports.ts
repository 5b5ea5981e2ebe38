/**
 * The ports of Distributed Map runs: the S3 objects a Map Run reads its items from and writes its
 * results to, and the record of each run (where its reader stands, what its children ended with).
 * The AWS adapters (`lambdas/aws`) implement them on S3 and DynamoDB; the local runtime uses the
 * same adapters on the local S3 and dynalite; runWorkflow and the in-process domain keep them in
 * memory. No AWS SDK type appears here.
 */
import type { Json } from '../../engine/json.js';
import type { ListObjectsPage } from './item-readers.js';

/** An S3 object's address. */
export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** Streaming reads, listings and writes of S3 objects. */
export interface ObjectStorage {
  /**
   * The object's bytes from byte `start` (an S3 `Range: bytes=<start>-` request) to its end, as a
   * stream that is read chunk by chunk, never whole. Throws {@link ObjectStorageError}.
   */
  read(location: ObjectLocation, options?: { readonly start?: number }): Promise<AsyncIterable<Uint8Array>>;
  /** One ListObjectsV2 page. Throws {@link ObjectStorageError}. */
  list(request: {
    readonly bucket: string;
    readonly prefix?: string;
    readonly continuationToken?: string;
  }): Promise<ListObjectsPage>;
  /**
   * Writes an object whole. `body` may be a stream of parts (a multipart upload when it is large).
   * Throws {@link ObjectStorageError}.
   */
  write(
    location: ObjectLocation,
    body: Uint8Array | string | AsyncIterable<Uint8Array>,
    options?: { readonly contentType?: string },
  ): Promise<void>;
}

/** An S3 call failed: `code` is S3's error code (`NoSuchKey`, `NoSuchBucket`, `AccessDenied`...). */
export class ObjectStorageError extends Error {
  override readonly name = 'ObjectStorageError';
  constructor(
    readonly code: string,
    message: string,
    /** Whether trying again may succeed (throttling, a 5xx, a network failure). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A Map Run's status, as DescribeMapRun names it. */
export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/**
 * A Map Run's record: the resolved request, where its reader stands and how far it got. Only the
 * run's dispatcher (the `MapRunTick` handler) writes it, each write conditional on `version`.
 */
export interface MapRunRecord {
  readonly mapRunId: string;
  /** The parent execution. */
  readonly executionId: string;
  /** The Map Run ARN (`...:mapRun:<stateMachine>/<label>:<id>`). */
  readonly mapRunArn: string;
  /** The resolved request the parent's Map state dispatched (a `MapRunRequest`). */
  readonly request: Json;
  readonly status: MapRunStatus;
  /** Where the item reader stands; undefined before the first read. */
  readonly cursor?: Json;
  /** The reader has yielded its last item. */
  readonly readerDone: boolean;
  /** Items read (and handed to children) so far. */
  readonly itemsRead: number;
  /** Chunks dispatched: chunk numbers 0 to `chunks - 1` exist. */
  readonly chunks: number;
  /** Child executions dispatched (a child takes one item, or one batch). */
  readonly children: number;
  /** The dispatcher's tick sequence: a tick for another number is stale or early. */
  readonly tick: number;
  /** Ticks in a row that found nothing new (the next tick waits longer). */
  readonly idleTicks: number;
  /** Chunks the last tick found ended. @default 0 */
  readonly chunksEnded?: number;
  /**
   * The counts of the outcomes redrives replaced (children that failed, ran again in new chunks):
   * taken off the run's counts. @default none
   */
  readonly superseded?: MapRunCounts;
  /**
   * Children the last tick found ended. The next tick's room under MaxConcurrency is counted from
   * it, not from the counts as they stand: every delivery of a tick then sends the same children
   * in the same chunks. @default 0
   */
  readonly childrenEnded?: number;
  /**
   * Items whose child failed, timed out or was aborted, as the last tick counted them: the
   * tolerated failure threshold is checked on them, for the same reason. @default 0
   */
  readonly failedItems?: number;
  /** Epoch ms. */
  readonly startDate: number;
  readonly stopDate?: number;
  readonly error?: string;
  readonly cause?: string;
  /** The state output's `ResultWriterDetails` once written. */
  readonly resultWriterDetails?: Json;
  readonly redriveCount: number;
  /** 1 after the create, then 2, 3...: the guard of the next write. */
  readonly version: number;
}

/** A child execution's end, as the Map Run keeps it for its counts, its results and a redrive. */
export interface ChildOutcome {
  /** The child's number in the run (0-based, in item order). */
  readonly child: number;
  /** Index of its first item, and how many items it took (1 without an ItemBatcher). */
  readonly firstItem: number;
  readonly items: number;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly input: Json;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The child execution's ARN. */
  readonly executionArn: string;
  readonly name: string;
  /** Epoch ms. */
  readonly startDate: number;
  readonly stopDate: number;
}

/** What one chunk of children (one dispatch message) ended with: written once, never changed. */
export interface ChunkOutcome {
  readonly chunk: number;
  readonly children: readonly ChildOutcome[];
}

/** A Map Run's counts, summed over the chunks that ended. */
export interface MapRunCounts {
  readonly chunksEnded: number;
  /** Child executions, by status. */
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  /** Items, by their child's status (a batch counts each of its items). */
  readonly itemsSucceeded: number;
  readonly itemsFailed: number;
  readonly itemsTimedOut: number;
  readonly itemsAborted: number;
}

/** The Map Run was written by someone else since it was loaded (a duplicate tick): re-read. */
export class MapRunConflictError extends Error {
  override readonly name = 'MapRunConflictError';
  constructor(
    readonly mapRunId: string,
    readonly expectedVersion: number,
  ) {
    super(`Map Run ${mapRunId} is no longer at version ${expectedVersion}`);
  }
}

/**
 * Persistence of Map Runs. The counts are sharded (a 10,000-wide run's ends do not contend on one
 * item) and each chunk counts once however often its end is recorded.
 */
export interface MapRunStore {
  /** Creates the record (version 1) unless it exists; answers the stored record either way. */
  create(record: MapRunRecord): Promise<MapRunRecord>;
  load(mapRunId: string): Promise<MapRunRecord | undefined>;
  /**
   * Writes `record` if and only if the stored version is `record.version - 1`. Throws
   * {@link MapRunConflictError} otherwise.
   */
  update(record: MapRunRecord): Promise<void>;
  /**
   * Records a chunk's end once: the first outcome recorded for a chunk number stays (a redelivered
   * or re-run chunk changes nothing) and its counts are added exactly once. Answers the outcome
   * that is stored. At-least-once callers, exactly-once effect.
   */
  recordChunk(mapRunId: string, outcome: ChunkOutcome): Promise<ChunkOutcome>;
  /** The counts over every chunk recorded so far. */
  counts(mapRunId: string): Promise<MapRunCounts>;
  /** The recorded chunks among `0 .. chunks - 1`, in chunk order (a missing chunk is skipped). */
  chunks(mapRunId: string, chunks: number): AsyncIterable<ChunkOutcome>;
}
