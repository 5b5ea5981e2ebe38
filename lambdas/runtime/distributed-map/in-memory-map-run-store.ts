/**
 * A MapRunStore in memory (runWorkflow, the in-process domain, tests), with the semantics of the
 * DynamoDB store: conditional create and update, the first outcome of a chunk kept and counted
 * once. Values are copied in and out, so a caller cannot change what is stored.
 */
import {
  MapRunConflictError,
  type ChunkOutcome,
  type MapRunCounts,
  type MapRunRecord,
  type MapRunStore,
} from './map-run-ports.js';
import {
  NO_COUNTS,
  addCounts,
  checkChunkCount,
  checkChunkOutcome,
  checkMapRunId,
  checkMapRunRecord,
  chunkCounts,
} from './map-run-counts.js';

interface StoredRun {
  record?: MapRunRecord;
  readonly chunks: Map<number, ChunkOutcome>;
  counts: MapRunCounts;
}

export class InMemoryMapRunStore implements MapRunStore {
  private readonly runs = new Map<string, StoredRun>();

  async create(record: MapRunRecord): Promise<MapRunRecord> {
    checkMapRunRecord(record, 'create');
    const run = this.run(record.mapRunId);
    run.record ??= structuredClone(record);
    return structuredClone(run.record);
  }

  async load(mapRunId: string): Promise<MapRunRecord | undefined> {
    checkMapRunId(mapRunId);
    const record = this.runs.get(mapRunId)?.record;
    return record === undefined ? undefined : structuredClone(record);
  }

  async update(record: MapRunRecord): Promise<void> {
    checkMapRunRecord(record, 'update');
    const run = this.runs.get(record.mapRunId);
    if (run?.record?.version !== record.version - 1) {
      throw new MapRunConflictError(record.mapRunId, record.version - 1);
    }
    run.record = structuredClone(record);
  }

  async recordChunk(mapRunId: string, outcome: ChunkOutcome): Promise<ChunkOutcome> {
    checkChunkOutcome(mapRunId, outcome);
    const run = this.run(mapRunId);
    const stored = run.chunks.get(outcome.chunk);
    if (stored !== undefined) return structuredClone(stored);
    const kept = structuredClone(outcome);
    run.chunks.set(outcome.chunk, kept);
    run.counts = addCounts(run.counts, chunkCounts(kept));
    return structuredClone(kept);
  }

  async counts(mapRunId: string): Promise<MapRunCounts> {
    checkMapRunId(mapRunId);
    return { ...(this.runs.get(mapRunId)?.counts ?? NO_COUNTS) };
  }

  async *chunks(mapRunId: string, chunks: number): AsyncIterable<ChunkOutcome> {
    checkChunkCount(mapRunId, chunks);
    const stored = this.runs.get(mapRunId)?.chunks;
    if (stored === undefined) return;
    const numbers = [...stored.keys()].filter((chunk) => chunk < chunks).sort((a, b) => a - b);
    for (const chunk of numbers) {
      const outcome = stored.get(chunk);
      if (outcome !== undefined) yield structuredClone(outcome);
    }
  }

  private run(mapRunId: string): StoredRun {
    let run = this.runs.get(mapRunId);
    if (run === undefined) {
      run = { chunks: new Map(), counts: NO_COUNTS };
      this.runs.set(mapRunId, run);
    }
    return run;
  }
}
