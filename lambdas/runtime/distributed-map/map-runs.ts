/**
 * Map Runs: what a Distributed Map state's dispatch on `baton:mapRun` starts, on the orchestrator's
 * own inbox, store and S3. One run is driven by three internal message kinds:
 *
 * - `MapRunTick` (the dispatcher): reads the next items from where the reader stands (an S3
 *   object from a byte offset, a listing from a continuation token, the state input from an
 *   index), evaluates ItemSelector, batches, and sends the children in chunks, never more running
 *   than MaxConcurrency; then commits the reader's cursor (conditional on the record's version)
 *   and sends the next tick. The reader stops before the invocation's time runs out, so a run of
 *   any size goes on tick after tick. When every chunk ended, it writes the results
 *   (ResultWriter) and reports the state's result to the parent; it fails the run as soon as more
 *   items failed than tolerated.
 * - `RunMapChunk` (EXPRESS children): runs each child of the chunk in memory with the same engine
 *   and task router, and records the chunk's outcome once.
 * - `MapRunChildEnded` (STANDARD children): a child execution's end, reported by its own
 *   terminal transition; recorded once.
 *
 * Delivery is at-least-once everywhere: chunk numbers and child names are deterministic (a tick
 * sent again sends the same chunks; a child started twice is started once), chunk outcomes count
 * once (`MapRunStore.recordChunk`), and a tick for another sequence number than the record's is
 * dropped (a stale one) or sent again later (an early one), so one chain of ticks drives a run.
 *
 * See https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { StateMachineDefinition } from '../../engine/definition.js';
import type { Command, ParentLink } from '../../engine/execution.js';
import { MAP_RUN_RESOURCE, type MapRunRequest } from '../../engine/distributed-map.js';
import { itemInputEvaluator } from './item-input.js';
import { StatesErrors, StatesError } from '../../engine/errors.js';
import { itemReaderAction } from '../../engine/resource-names.js';
import type { JsonataFactory } from '../../engine/jsonata/library.js';
import { isJsonObject, type Json, type JsonObject } from '../../engine/json.js';
import { deterministicRandom } from '../../engine/random.js';
import type { Awaitable } from '../awaitable.js';
import type { InboxMessage, MapRunMessage } from '../inbox-messages.js';
import type {
  Clock,
  DefinitionStore,
  InboxSender,
  MapRunPerformer,
  PayloadStore,
  TaskCancellation,
  TaskDispatch,
} from '../ports.js';
import { DistributedMapErrors, ItemReaderFailedError, ResultWriterFailedError } from './errors.js';
import { exceedsToleratedFailure } from './item-batcher.js';
import {
  parseS3InventoryManifest,
  readAthenaManifestFiles,
  readCsvItems,
  readJsonArrayItems,
  readJsonLinesItems,
  readListObjectsItems,
  skipBytes,
  type ByteCursor,
  type ByteReaderOptions,
  type ByteSource,
  type CsvDelimiter,
  type ListObjectsCursor,
  type ReadItem,
} from './item-readers.js';
import {
  MapRunConflictError,
  ObjectStorageError,
  type ChildOutcome,
  type MapRunCounts,
  type MapRunRecord,
  type MapRunStore,
  type ObjectStorage,
} from './map-run-ports.js';
import { inlineResults, writeResults, type ChildResult } from './result-writer.js';
import { addCounts, chunkCounts, MAP_RUN_COUNT_FIELDS, NO_COUNTS } from './map-run-counts.js';

/** What a Map Run's record keeps as its `request`: the state's request and where to report. */
export interface MapRunSpec {
  readonly request: MapRunRequest;
  /** The parent task's signed token: the run's end is reported with it. */
  readonly taskToken: string;
  /** The parent's workflow. */
  readonly workflow: string;
  /** The workflow STANDARD children run: `<workflow>/<label>`. */
  readonly childWorkflow: string;
  /** The child's state machine ARN (`...:stateMachine:<workflow>/<label>`). */
  readonly childStateMachineArn: string;
}

/** An EXPRESS child to run in memory, and how it ended. */
export interface ExpressChild {
  /** The ItemProcessor, as a state machine. */
  readonly definition: StateMachineDefinition;
  /** `<workflow>/<label>`: the child's state machine name. */
  readonly workflow: string;
  readonly name: string;
  readonly input: Json;
  /** Epoch ms after which the child is stopped with `States.Timeout` (Express's 5 minutes). */
  readonly deadline: number;
}

/** How an EXPRESS child ended. */
export interface ExpressChildEnd {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
}

/** Runs EXPRESS children in memory (a wiring of the orchestrator loop: see `express-children.ts`). */
export type ExpressChildRunner = (child: ExpressChild) => Promise<ExpressChildEnd>;

/** Options of {@link MapRuns}. */
export interface MapRunsOptions {
  readonly store: MapRunStore;
  /** The S3 objects ItemReader reads and ResultWriter writes. @default none: such runs fail */
  readonly objects?: ObjectStorage;
  /** The orchestrator's own (internal) inbox: ticks, chunks, child starts, the parent's result. */
  readonly inbox: InboxSender;
  /** Where STANDARD children's workflow (`<workflow>/<label>`) is registered. */
  readonly definitions: Pick<DefinitionStore, 'put'>;
  /** Chunk messages over the message limit are kept here. @default none: such chunks are split */
  readonly payloads?: PayloadStore;
  readonly clock: Clock;
  readonly jsonata: () => Awaitable<JsonataFactory>;
  readonly express: ExpressChildRunner;
  /** Most children running at once, whatever MaxConcurrency says. @default 10000 (Step Functions' bound) */
  readonly maxConcurrency?: number;
  /** EXPRESS children per chunk message. @default 25 */
  readonly childrenPerChunk?: number;
  /** Most children one tick starts (the reader's work per invocation). @default 5000 */
  readonly childrenPerTick?: number;
  /** Seconds between ticks: while children are started or end, then longer as nothing changes. */
  readonly tickDelaysSeconds?: readonly number[];
  /**
   * How STANDARD children run: as executions of their own (started through the inbox, with their
   * own history), or in memory as EXPRESS children are (runWorkflow, which runs one execution).
   * @default 'executions'
   */
  readonly standardChildren?: 'executions' | 'in-memory';
}

/** The Express workflow limit: a child running longer is stopped with `States.Timeout`. */
export const EXPRESS_CHILD_TIMEOUT_MS = 5 * 60 * 1000;
const DEFAULT_MAX_CONCURRENCY = 10_000;
const DEFAULT_CHILDREN_PER_CHUNK = 25;
const DEFAULT_CHILDREN_PER_TICK = 5000;
const DEFAULT_TICK_DELAYS_SECONDS: readonly number[] = [1, 1, 2, 5, 10, 30];
/** A tick stops reading when this little of the invocation is left (the sends and the commit follow). */
const TIME_MARGIN_MS = 10_000;
/** Chunk messages stay under SQS's 256 KiB with room for the envelope. */
const MAX_CHUNK_MESSAGE_BYTES = 200 * 1024;
/** The largest inline result (without ResultWriter): Step Functions' payload limit. */
const MAX_INLINE_RESULT_BYTES = 256 * 1024;

type TickMessage = Extract<InboxMessage, { kind: 'MapRunTick' }>;
type ChunkMessage = Extract<InboxMessage, { kind: 'RunMapChunk' }>;
type ChildEndedMessage = Extract<InboxMessage, { kind: 'MapRunChildEnded' }>;
/** One child to start: its number, its items and its input. */
interface PlannedChild {
  readonly child: number;
  readonly firstItem: number;
  readonly items: number;
  readonly input: Json;
  /** Where the reader stands after this child's items, and how many it has read then. */
  readonly after?: { readonly cursor: Json | undefined; readonly itemsRead: number };
}

/** A reader's position, as the record keeps it. */
type Cursor =
  | { readonly type: 'array'; readonly itemsEmitted: number }
  | ByteCursor
  | ListObjectsCursor
  | {
      readonly type: 'flatten';
      readonly list: ListObjectsCursor;
      /** The object being read (of the listing), and where in it. */
      readonly file?: { readonly key: string; readonly inner: ByteCursor };
      readonly itemsEmitted: number;
    }
  | {
      readonly type: 'manifestFiles';
      readonly fileIndex: number;
      readonly inner?: ByteCursor;
      readonly itemsEmitted: number;
    };

/** Performs Map Runs: started by the task router, driven by their internal inbox messages. */
export class MapRuns implements MapRunPerformer {
  private readonly maxConcurrency: number;
  private readonly childrenPerChunk: number;
  private readonly childrenPerTick: number;
  private readonly tickDelays: readonly number[];

  constructor(private readonly options: MapRunsOptions) {
    this.maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.childrenPerChunk = options.childrenPerChunk ?? DEFAULT_CHILDREN_PER_CHUNK;
    this.childrenPerTick = options.childrenPerTick ?? DEFAULT_CHILDREN_PER_TICK;
    this.tickDelays = options.tickDelaysSeconds ?? DEFAULT_TICK_DELAYS_SECONDS;
  }

  /**
   * Starts the run a Distributed Map state dispatched: creates its record (once: a dispatch
   * performed again finds it), reports it submitted (the parent then knows its ARN and stops it
   * with the state) and sends its first tick. At-least-once, idempotent.
   */
  async start(task: TaskDispatch): Promise<void> {
    const request = task.command.input as unknown as MapRunRequest;
    if (request.redriveOf !== undefined) return this.redrive(task, request, request.redriveOf);
    const mapRunId = uuidFrom(`${task.executionId}\n${task.command.token}`);
    const stateMachineArn = String((request.context.StateMachine as JsonObject | undefined)?.Id ?? '');
    const childWorkflow = `${task.workflow}/${request.label}`;
    const mapRunArn = `${stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${request.label}:${mapRunId}`;
    const spec: MapRunSpec = {
      request,
      taskToken: task.taskToken,
      workflow: task.workflow,
      childWorkflow,
      childStateMachineArn: `${stateMachineArn}/${request.label}`,
    };
    if (request.executionType === 'STANDARD' && this.options.standardChildren !== 'in-memory') {
      await this.options.definitions.put(
        childWorkflow,
        request.processor as unknown as StateMachineDefinition,
      );
    }
    const record = await this.options.store.create({
      mapRunId,
      executionId: task.executionId,
      mapRunArn,
      request: spec as unknown as Json,
      status: 'RUNNING',
      readerDone: false,
      itemsRead: 0,
      chunks: 0,
      children: 0,
      tick: 0,
      idleTicks: 0,
      startDate: this.options.clock.now(),
      redriveCount: 0,
      version: 1,
    });
    await this.options.inbox.send({
      kind: 'TaskSubmitted',
      taskToken: task.taskToken,
      output: { MapRunArn: record.mapRunArn },
      resource: MAP_RUN_RESOURCE,
    });
    if (record.status === 'RUNNING' && record.tick === 0) await this.sendTick(mapRunId, 0, 0);
  }

  /**
   * Redrives a Map Run that failed or was aborted (the parent's execution was redriven at its Map
   * state): the children that did not succeed run again, in new chunks (STANDARD ones as new
   * executions), the reader goes on from where it stood, and the run reports to the new attempt.
   * Performed again (a redelivered dispatch), it finds the run redriven for that attempt already.
   */
  private async redrive(task: TaskDispatch, request: MapRunRequest, mapRunArn: string): Promise<void> {
    const { store, inbox } = this.options;
    const mapRunId = mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1);
    for (;;) {
      const record = await store.load(mapRunId);
      if (!record) {
        // Nothing to redrive (the record expired): the state runs anew.
        return this.start({ ...task, command: { ...task.command, input: withoutRedrive(request) } });
      }
      const spec = record.request as unknown as MapRunSpec;
      const submitted = () =>
        inbox.send({
          kind: 'TaskSubmitted',
          taskToken: task.taskToken,
          output: { MapRunArn: record.mapRunArn },
          resource: MAP_RUN_RESOURCE,
        });
      // Already redriven for this attempt (a dispatch performed again): its tick is sent again too,
      // in case the first performance died before sending it (a second copy of a tick is dropped).
      if (spec.taskToken === task.taskToken) {
        await submitted();
        if (record.status === 'RUNNING') await this.sendTick(mapRunId, record.tick, 0);
        return;
      }
      if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
        // It still runs (its stop had not landed), or it succeeded after its parent stopped: it
        // reports to the new attempt; a succeeded run's next tick reports its result again.
        try {
          await store.update({
            ...record,
            request: { ...spec, taskToken: task.taskToken } as unknown as Json,
            status: 'RUNNING',
            tick: record.tick + 1,
            idleTicks: 0,
            version: record.version + 1,
          });
        } catch (error) {
          if (error instanceof MapRunConflictError) continue;
          throw error;
        }
        await submitted();
        await this.sendTick(mapRunId, record.tick + 1, 0);
        return;
      }
      const latest = new Map<number, ChildOutcome>();
      for await (const chunk of store.chunks(mapRunId, record.chunks)) {
        for (const child of chunk.children) latest.set(child.child, child);
      }
      const again = [...latest.values()].filter((child) => child.status !== 'SUCCEEDED');
      again.sort((a, b) => a.child - b.child);
      const superseded = again.reduce(
        (counts, child) => addCounts(counts, chunkCounts({ chunk: 0, children: [child] })),
        record.superseded ?? NO_COUNTS,
      );
      const redriveCount = record.redriveCount + 1;
      const redriven: MapRunRecord = {
        ...record,
        request: { ...spec, taskToken: task.taskToken } as unknown as Json,
        status: 'RUNNING',
        redriveCount,
        superseded: { ...superseded, chunksEnded: 0 },
        // The children that run again are no longer ended, and their failures no longer count.
        childrenEnded: Math.max(0, (record.childrenEnded ?? 0) - again.length),
        failedItems: 0,
        tick: record.tick + 1,
        idleTicks: 0,
        version: record.version + 1,
      };
      const { stopDate: _stop, error: _error, cause: _cause, ...running } = redriven;
      const planned = again.map((child) => ({
        child: child.child,
        firstItem: child.firstItem,
        items: child.items,
        input: child.input,
      }));
      // The children are sent before the record names their chunks: sent twice (a crash between),
      // the same chunk numbers run once.
      const { chunks } = await this.sendChildren(running, this.spec(running), planned);
      try {
        await store.update({ ...running, chunks: running.chunks + chunks, children: running.children });
      } catch (error) {
        if (error instanceof MapRunConflictError) continue;
        throw error;
      }
      await inbox.send({
        kind: 'TaskSubmitted',
        taskToken: task.taskToken,
        output: { MapRunArn: record.mapRunArn },
        resource: MAP_RUN_RESOURCE,
      });
      await this.sendTick(mapRunId, running.tick, 0);
      return;
    }
  }

  /**
   * The parent no longer waits for the run (stopped, or its state aborted): the run is ABORTED
   * and its running STANDARD children are stopped. EXPRESS chunks not yet run are skipped.
   */
  async cancel(cancellation: TaskCancellation): Promise<void> {
    const { submitted } = cancellation.command;
    const arn = isJsonObject(submitted) ? submitted.MapRunArn : undefined;
    // Without the ARN (the parent was stopped before it learnt it), the id is the one start() made.
    const mapRunId =
      typeof arn === 'string'
        ? arn.slice(arn.lastIndexOf(':') + 1)
        : uuidFrom(`${cancellation.executionId}\n${cancellation.command.token}`);
    for (;;) {
      const record = await this.options.store.load(mapRunId);
      if (!record || record.status !== 'RUNNING') return;
      try {
        await this.options.store.update({
          ...record,
          status: 'ABORTED',
          stopDate: this.options.clock.now(),
          version: record.version + 1,
        });
      } catch (error) {
        if (error instanceof MapRunConflictError) continue;
        throw error;
      }
      await this.stopChildren(record);
      return;
    }
  }

  /** Reports a STANDARD child's end to its run (`MapRunChildEnded` on this domain's inbox). */
  async childEnd(command: Extract<Command, { type: 'ReportToParent' }>): Promise<void> {
    const mapRun = command.parent.mapRun;
    if (!mapRun) return;
    await this.options.inbox.send(mapRunChildEnd(command, mapRun));
  }

  /** Handles one of a run's internal messages. */
  async handle(message: MapRunMessage, options: { readonly deadline?: number } = {}): Promise<string> {
    switch (message.kind) {
      case 'MapRunTick':
        return this.tick(message, options.deadline);
      case 'RunMapChunk':
        return this.runChunk(message);
      case 'MapRunChildEnded':
        return this.childEnded(message);
    }
  }

  private async tick(message: TickMessage, deadline: number | undefined): Promise<string> {
    const { store } = this.options;
    const record = await store.load(message.mapRunId);
    if (!record) return `no Map Run ${message.mapRunId}`;
    if (record.status !== 'RUNNING') return `the Map Run is ${record.status}`;
    if (message.tick < record.tick) return `a stale tick (${message.tick}, the run is at ${record.tick})`;
    if (message.tick > record.tick) {
      // Sent by a tick whose commit has not landed yet (or never will: then that tick's own
      // redelivery commits and sends this number again): look again shortly.
      await this.sendTick(record.mapRunId, message.tick, 1);
      return `an early tick (${message.tick}, the run is at ${record.tick})`;
    }
    const spec = this.spec(record);
    const counts = subtractCounts(await store.counts(record.mapRunId), record.superseded);
    const ended = counts.succeeded + counts.failed + counts.timedOut + counts.aborted;
    const failedItems = counts.itemsFailed + counts.itemsTimedOut + counts.itemsAborted;
    const tolerated = {
      ...(spec.request.toleratedFailurePercentage !== undefined
        ? { percentage: spec.request.toleratedFailurePercentage }
        : {}),
      ...(spec.request.toleratedFailureCount !== undefined
        ? { count: spec.request.toleratedFailureCount }
        : {}),
    };
    const thresholdExceeded = {
      error: DistributedMapErrors.ExceedToleratedFailureThreshold,
      cause: 'The specified tolerated failure threshold was exceeded',
    };
    // Decided on the failures the last tick counted, as the room is: every delivery of this tick
    // then either sends the same children or ends the run, never one and the other (children a
    // delivery sent before it died would run past the run's end, beyond the chunks it records).
    if (toleranceExceeded(record.failedItems ?? 0, record, tolerated)) {
      return this.finish(record, spec, counts, thresholdExceeded);
    }
    let next = record;
    if (!record.readerDone) {
      const cap = Math.min(
        spec.request.maxConcurrency === 0 ? this.maxConcurrency : spec.request.maxConcurrency,
        this.maxConcurrency,
      );
      // Counted from the record: a delivery of this tick that counted more ended children would
      // send a chunk number another delivery already sent with other children.
      const room = Math.min(cap - (record.children - (record.childrenEnded ?? 0)), this.childrenPerTick);
      if (room > 0) {
        try {
          next = await this.dispatch(record, spec, room, deadline);
        } catch (error) {
          if (!(error instanceof StatesError)) throw error;
          return this.finish(record, spec, counts, { error: error.name, cause: error.message });
        }
      }
    }
    if (next.readerDone && counts.chunksEnded >= next.chunks) {
      return this.finish(
        next,
        spec,
        counts,
        toleranceExceeded(failedItems, next, tolerated) ? thresholdExceeded : undefined,
      );
    }
    const progressed = next.chunks !== record.chunks || counts.chunksEnded !== (record.chunksEnded ?? 0);
    const idleTicks = progressed ? 0 : record.idleTicks + 1;
    const delay = this.tickDelays[Math.min(idleTicks, this.tickDelays.length - 1)] ?? 1;
    // The next tick goes first: a crash after it and before the commit leaves this tick to be
    // delivered again, which sends the same next tick (the early one waits for the commit).
    await this.sendTick(record.mapRunId, record.tick + 1, delay);
    try {
      await store.update({
        ...next,
        tick: record.tick + 1,
        idleTicks,
        chunksEnded: counts.chunksEnded,
        childrenEnded: ended,
        failedItems,
        version: record.version + 1,
      });
    } catch (error) {
      if (error instanceof MapRunConflictError) return 'another delivery of this tick committed first';
      throw error;
    }
    return `dispatched ${next.children - record.children} children, ${counts.chunksEnded} of ${next.chunks} chunks ended`;
  }

  /** Reads up to `room` children's items and sends them; answers the record to commit. */
  private async dispatch(
    record: MapRunRecord,
    spec: MapRunSpec,
    room: number,
    deadline: number | undefined,
  ): Promise<MapRunRecord> {
    const { request } = spec;
    const jsonata = request.language === 'JSONata' ? await this.options.jsonata() : undefined;
    const evaluate = itemInputEvaluator(request, jsonata, seededRandom(record.mapRunId, record.itemsRead));
    const clock = this.options.clock;
    const batcher = request.batcher;
    const maxItemsPerBatch = batcher ? (batcher.maxItemsPerBatch ?? Number.POSITIVE_INFINITY) : 1;
    const maxBatchBytes = batcher?.maxInputBytesPerBatch ?? 256 * 1024;
    const prefix: JsonObject = batcher?.batchInput !== undefined ? { BatchInput: batcher.batchInput } : {};
    const planned: PlannedChild[] = [];
    let itemsRead = record.itemsRead;
    let cursor: Json | undefined = record.cursor;
    let readerDone = true;
    // Stopped by the invocation's end rather than by the room: where it stopped is not what another
    // delivery of this tick would see, so only whole chunks are sent (see sendChildren).
    let stoppedInTime = false;
    let batch: Json[] = [];
    let batchBytes = 0;
    let batchFirst = itemsRead;
    let batchCursor: Json | undefined = cursor;
    const close = () => {
      if (batch.length === 0) return;
      planned.push({
        child: record.children + planned.length,
        firstItem: batchFirst,
        items: batch.length,
        input: { ...prefix, Items: batch },
        after: { cursor: batchCursor, itemsRead: batchFirst + batch.length },
      });
      batch = [];
      batchBytes = 0;
    };
    const reader = this.read(spec, record.cursor as Cursor | undefined);
    try {
      for await (const read of reader) {
        const input = evaluate(itemsRead, read.item);
        if (!batcher) {
          cursor = read.cursor as unknown as Json;
          planned.push({
            child: record.children + planned.length,
            firstItem: itemsRead,
            items: 1,
            input,
            after: { cursor, itemsRead: itemsRead + 1 },
          });
          itemsRead += 1;
        } else {
          const bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
          if (
            batch.length > 0 &&
            (batch.length >= maxItemsPerBatch || batchBytes + bytes + 1 > maxBatchBytes)
          ) {
            close();
            // A batch is only committed whole: the cursor after its last item.
            cursor = batchCursor;
            if (planned.length >= room || outOfTime(deadline, clock)) {
              stoppedInTime = outOfTime(deadline, clock) && planned.length < room;
              readerDone = false;
              batchFirst = itemsRead;
              break;
            }
          }
          if (batch.length === 0) batchFirst = itemsRead;
          if (bytes + 20 > maxBatchBytes) {
            throw new ItemReaderFailedError(
              `Item ${itemsRead} is ${bytes} bytes: a batch holding it alone exceeds MaxInputBytesPerBatch (${maxBatchBytes})`,
            );
          }
          batch.push(input);
          batchBytes += bytes + 1;
          itemsRead += 1;
          batchCursor = read.cursor as unknown as Json;
          continue;
        }
        if (planned.length >= room || outOfTime(deadline, clock)) {
          stoppedInTime = planned.length < room;
          readerDone = false;
          break;
        }
      }
    } finally {
      await reader.return(undefined);
    }
    if (batcher) {
      if (readerDone) {
        close();
        cursor = batchCursor;
      } else {
        // The items of the open batch are read again by the next tick.
        itemsRead = batchFirst;
      }
    }
    const sent = await this.sendChildren(record, spec, planned, stoppedInTime);
    if (sent.children < planned.length) {
      // The open chunk's children are read again by the next tick.
      const last = planned[sent.children - 1]?.after;
      cursor = last ? last.cursor : record.cursor;
      itemsRead = last ? last.itemsRead : record.itemsRead;
    }
    return {
      ...record,
      ...(cursor !== undefined ? { cursor } : {}),
      readerDone,
      itemsRead,
      children: record.children + sent.children,
      chunks: record.chunks + sent.chunks,
    };
  }

  /** Sends the planned children in chunks; answers how many chunks. */
  /**
   * Sends the planned children in chunks: EXPRESS ones in chunks of up to 25 children and 200 KiB,
   * STANDARD ones one a chunk. Chunk numbers and contents depend only on the record and the
   * items, so that every delivery of a tick sends the same chunks; `wholeChunksOnly` (reading
   * stopped at the invocation's end, which another delivery would not see alike) leaves out an
   * EXPRESS chunk the limits did not close. Answers what was sent.
   */
  private async sendChildren(
    record: MapRunRecord,
    spec: MapRunSpec,
    planned: readonly PlannedChild[],
    wholeChunksOnly = false,
  ): Promise<{ readonly chunks: number; readonly children: number }> {
    if (spec.request.executionType === 'STANDARD' && this.options.standardChildren !== 'in-memory') {
      await this.sendAll(
        planned.map((child, offset) => {
          // Named by its chunk: a child that runs again after a redrive is a new execution.
          const name = childName(record.mapRunId, record.chunks + offset);
          const start: Extract<InboxMessage, { kind: 'StartExecution' }> = {
            kind: 'StartExecution',
            workflow: spec.childWorkflow,
            name,
            input: child.input,
            parent: {
              executionId: record.executionId,
              integration: 'sync:2',
              stateMachineArn: spec.childStateMachineArn,
              executionArn: childArn(spec, name),
              mapRun: {
                mapRunId: record.mapRunId,
                chunk: record.chunks + offset,
                child: child.child,
                firstItem: child.firstItem,
                items: child.items,
              },
            },
          };
          return start as unknown as Json;
        }),
      );
      return { chunks: planned.length, children: planned.length };
    }
    let chunk = record.chunks;
    let group: PlannedChild[] = [];
    let bytes = 0;
    const messages: Json[] = [];
    const flush = () => {
      if (group.length === 0) return;
      const message: ChunkMessage = {
        kind: 'RunMapChunk',
        mapRunId: record.mapRunId,
        chunk,
        ...(record.redriveCount > 0 ? { run: record.redriveCount } : {}),
        children: group.map(({ child, firstItem, items, input }) => ({ child, firstItem, items, input })),
      };
      messages.push(message as unknown as Json);
      sentChildren += group.length;
      chunk += 1;
      group = [];
      bytes = 0;
    };
    let sentChildren = 0;
    for (const child of planned) {
      const size = Buffer.byteLength(JSON.stringify(child.input), 'utf8') + 64;
      if (
        group.length > 0 &&
        (group.length >= this.childrenPerChunk || bytes + size > MAX_CHUNK_MESSAGE_BYTES)
      )
        flush();
      group.push(child);
      bytes += size;
    }
    if (!wholeChunksOnly || group.length >= this.childrenPerChunk) flush();
    await this.sendAll(messages);
    return { chunks: chunk - record.chunks, children: sentChildren };
  }

  /** Runs an EXPRESS chunk's children in memory and records the chunk's outcome once. */
  private async runChunk(message: ChunkMessage): Promise<string> {
    const { store, clock } = this.options;
    const record = await store.load(message.mapRunId);
    if (!record) return `no Map Run ${message.mapRunId}`;
    const spec = this.spec(record);
    // A stopped run skips its chunks; a redrive's chunk may arrive before the record says RUNNING.
    const run = message.run ?? 0;
    const aborted = record.status === 'ABORTED' && run <= record.redriveCount;
    const definition = spec.request.processor as unknown as StateMachineDefinition;
    const children = await Promise.all(
      message.children.map(async (child): Promise<ChildOutcome> => {
        const name = childName(record.mapRunId, child.child, run);
        const startDate = clock.now();
        const end: ExpressChildEnd = aborted
          ? { status: 'ABORTED', error: 'States.Aborted', cause: 'The Map Run was stopped' }
          : await this.options
              .express({
                definition,
                workflow: spec.childWorkflow,
                name,
                input: child.input,
                deadline: startDate + EXPRESS_CHILD_TIMEOUT_MS,
              })
              .catch((error: unknown): ExpressChildEnd => ({
                status: 'FAILED',
                error: error instanceof Error ? error.name : StatesErrors.TaskFailed,
                cause: error instanceof Error ? error.message : String(error),
              }));
        return {
          child: child.child,
          firstItem: child.firstItem,
          items: child.items,
          status: end.status,
          input: child.input,
          ...(end.output !== undefined ? { output: end.output } : {}),
          ...(end.error !== undefined ? { error: end.error } : {}),
          ...(end.cause !== undefined ? { cause: end.cause } : {}),
          executionArn: childArn(spec, name),
          name,
          startDate,
          stopDate: clock.now(),
        };
      }),
    );
    await store.recordChunk(record.mapRunId, { chunk: message.chunk, children });
    return `chunk ${message.chunk}: ${children.length} children ran`;
  }

  private async childEnded(message: ChildEndedMessage): Promise<string> {
    const child = message.outcome as unknown as ChildOutcome;
    await this.options.store.recordChunk(message.mapRunId, { chunk: message.chunk, children: [child] });
    return `child ${child.child} ${child.status}`;
  }

  /**
   * Ends the run: writes the results (ResultWriter, also when it fails, as Step Functions does),
   * reports the state's result or failure to the parent, then records the status. The report goes
   * before the status: a crash between them is repaired by this tick's redelivery, and the parent
   * ignores a second report of the same task.
   */
  private async finish(
    record: MapRunRecord,
    spec: MapRunSpec,
    counts: MapRunCounts,
    failure: { readonly error: string; readonly cause: string } | undefined,
  ): Promise<string> {
    const { inbox, store, clock } = this.options;
    let done: { readonly error: string; readonly cause: string } | { readonly output: Json };
    try {
      const output = await this.results(record, spec);
      done = failure ?? { output };
    } catch (error) {
      if (!(error instanceof StatesError)) throw error;
      done = failure ?? { error: error.name, cause: error.message };
    }
    if ('output' in done) {
      await inbox.send({ kind: 'TaskSucceeded', taskToken: spec.taskToken, output: done.output });
    } else {
      await inbox.send({
        kind: 'TaskFailed',
        taskToken: spec.taskToken,
        error: done.error,
        cause: done.cause,
      });
    }
    try {
      await store.update({
        ...record,
        status: 'output' in done ? 'SUCCEEDED' : 'FAILED',
        stopDate: clock.now(),
        ...('output' in done ? {} : { error: done.error, cause: done.cause }),
        ...('output' in done && isJsonObject(done.output) && done.output.ResultWriterDetails !== undefined
          ? { resultWriterDetails: done.output.ResultWriterDetails }
          : {}),
        chunksEnded: counts.chunksEnded,
        version: record.version + 1,
      });
    } catch (error) {
      if (!(error instanceof MapRunConflictError)) throw error;
    }
    if ('error' in done) await this.stopChildren(record);
    return 'output' in done ? 'the Map Run succeeded' : `the Map Run failed: ${done.error}`;
  }

  /** The state's result: the children's results in item order, or what ResultWriter wrote. */
  private async results(record: MapRunRecord, spec: MapRunSpec): Promise<Json> {
    // A child that ran again after a redrive is in a later chunk: its last outcome counts.
    const latest = new Map<number, ChildOutcome>();
    for await (const chunk of this.options.store.chunks(record.mapRunId, record.chunks)) {
      for (const child of chunk.children) latest.set(child.child, child);
    }
    const children = [...latest.values()]
      .sort((a, b) => a.child - b.child)
      .map((child) => childResult(spec, child, record.redriveCount));
    const writer = spec.request.resultWriter;
    const destination = writer?.destination;
    if (!destination) {
      const results = inlineResults(children, writer?.transformation ?? 'COMPACT');
      const bytes = Buffer.byteLength(JSON.stringify(results), 'utf8');
      if (bytes > MAX_INLINE_RESULT_BYTES) {
        throw new StatesError(
          StatesErrors.DataLimitExceeded,
          `The results of the Map Run are ${bytes} bytes, more than the limit of ${MAX_INLINE_RESULT_BYTES}: write them to S3 with a ResultWriter`,
        );
      }
      return results;
    }
    const objects = this.options.objects;
    if (!objects) throw new ResultWriterFailedError('This wiring has no S3 to write the results to');
    const written = writeResults(children, record.mapRunArn, {
      destination,
      ...(writer.transformation !== undefined ? { transformation: writer.transformation } : {}),
      ...(writer.outputType !== undefined ? { outputType: writer.outputType } : {}),
    });
    try {
      for (const file of [...written.files, written.manifest]) {
        await objects.write({ bucket: destination.bucket, key: file.key }, file.body, {
          contentType: file.key.endsWith('.jsonl') ? 'application/x-ndjson' : 'application/json',
        });
      }
    } catch (error) {
      if (error instanceof ObjectStorageError && !error.retryable) {
        throw new ResultWriterFailedError(`${error.code}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    return written.stateOutput;
  }

  /** Stops the STANDARD children that have not ended (the run failed or was aborted). */
  private async stopChildren(record: MapRunRecord): Promise<void> {
    const spec = this.spec(record);
    if (spec.request.executionType !== 'STANDARD' || this.options.standardChildren === 'in-memory') return;
    const ended = new Set<number>();
    for await (const chunk of this.options.store.chunks(record.mapRunId, record.chunks))
      ended.add(chunk.chunk);
    const stops: Promise<void>[] = [];
    for (let chunk = 0; chunk < record.chunks; chunk += 1) {
      if (ended.has(chunk)) continue;
      // STANDARD chunks hold one child each, numbered as their chunk.
      const stop: Extract<InboxMessage, { kind: 'StopExecution' }> = {
        kind: 'StopExecution',
        executionId: `${spec.childWorkflow}:${childName(record.mapRunId, chunk)}`,
        error: 'States.Aborted',
        cause: `The Map Run ${record.mapRunArn} ended`,
      };
      stops.push(this.options.inbox.send(stop as unknown as Json));
    }
    await Promise.all(stops);
  }

  /**
   * The run's spec, from its record as loaded: never cached, since a redrive gives it another
   * task token, and another container may have redriven the run.
   */
  private spec(record: MapRunRecord): MapRunSpec {
    return record.request as unknown as MapRunSpec;
  }

  /** Sends messages to the inbox, in SQS batches where the inbox takes them. */
  private async sendAll(messages: readonly Json[]): Promise<void> {
    const { inbox } = this.options;
    if (inbox.sendBatch) await inbox.sendBatch(messages);
    else await Promise.all(messages.map((message) => inbox.send(message)));
  }

  private sendTick(mapRunId: string, tick: number, delaySeconds: number): Promise<void> {
    const message: TickMessage = { kind: 'MapRunTick', mapRunId, tick };
    return this.options.inbox.send(message as unknown as Json, delaySeconds > 0 ? { delaySeconds } : {});
  }

  /** The items from where the reader stands. */
  private read(spec: MapRunSpec, cursor: Cursor | undefined): AsyncGenerator<ReadItem<Cursor>> {
    const { request } = spec;
    const maxItems = request.maxItems;
    const limit = maxItems !== undefined && maxItems > 0 ? { maxItems } : {};
    if (!request.reader) return readArray(request.items ?? [], cursor, limit.maxItems);
    const objects = this.options.objects;
    if (!objects) {
      return failing(new ItemReaderFailedError('This wiring has no S3 to read the items from'));
    }
    return readObjects(objects, request.reader, cursor, limit.maxItems);
  }
}

async function* failing(error: Error): AsyncGenerator<ReadItem<Cursor>> {
  yield* [];
  throw error;
}

async function* readArray(
  items: readonly Json[],
  cursor: Cursor | undefined,
  maxItems: number | undefined,
): AsyncGenerator<ReadItem<Cursor>> {
  const end = Math.min(items.length, maxItems ?? items.length);
  const start = cursor?.type === 'array' ? cursor.itemsEmitted : 0;
  for (let index = start; index < end; index += 1) {
    yield { item: items[index] as Json, cursor: { type: 'array', itemsEmitted: index + 1 } };
  }
}

/** Opens an object's bytes from `offset`, translating S3's failures to `States.ItemReaderFailed`. */
async function openObject(
  objects: ObjectStorage,
  bucket: string,
  key: string,
  offset: number,
): Promise<ByteSource> {
  try {
    const body = await objects.read({ bucket, key }, offset > 0 ? { start: offset } : {});
    if (!key.endsWith('.gz')) return body;
    // A gzip file has no byte ranges of its decompressed text: read it again and skip.
    const gunzipped = Readable.from(await objects.read({ bucket, key })).pipe(createGunzip());
    return offset > 0 ? skipBytes(gunzipped, offset) : gunzipped;
  } catch (error) {
    throw readerFailure(error, `s3://${bucket}/${key}`);
  }
}

function readerFailure(error: unknown, where: string): Error {
  if (error instanceof ObjectStorageError && !error.retryable) {
    return new ItemReaderFailedError(`${error.code} reading ${where}: ${error.message}`, undefined, {
      cause: error,
    });
  }
  return error as Error;
}

type ByteReader = (source: ByteSource, options: ByteReaderOptions) => AsyncGenerator<ReadItem<ByteCursor>>;

/** The reader of an object's format (ReaderConfig.InputType). */
function byteReader(
  config: NonNullable<MapRunRequest['reader']>['readerConfig'],
  headers?: readonly string[],
): ByteReader {
  switch (config.InputType) {
    case 'JSONL':
      return readJsonLinesItems;
    case 'CSV':
    case 'MANIFEST': {
      const delimiter = (config.CSVDelimiter ?? 'COMMA') as CsvDelimiter;
      const given = headers ?? (config.CSVHeaderLocation === 'GIVEN' ? (config.CSVHeaders ?? []) : undefined);
      return (source, options) =>
        readCsvItems(source, {
          ...options,
          delimiter,
          headers: given !== undefined ? { location: 'GIVEN', headers: given } : { location: 'FIRST_ROW' },
        });
    }
    case 'JSON':
    case undefined:
      return readJsonArrayItems;
  }
}

async function* readObjects(
  objects: ObjectStorage,
  reader: NonNullable<MapRunRequest['reader']>,
  cursor: Cursor | undefined,
  maxItems: number | undefined,
): AsyncGenerator<ReadItem<Cursor>> {
  const action = itemReaderAction(reader.resource);
  const params = reader.parameters;
  const bucket = typeof params.Bucket === 'string' ? params.Bucket : '';
  const config = reader.readerConfig;
  if (bucket === '') throw new ItemReaderFailedError('The ItemReader must give a Bucket');
  if (action === 's3:listObjectsV2') {
    const prefix = typeof params.Prefix === 'string' ? params.Prefix : undefined;
    const listPage = async (continuationToken: string | undefined) => {
      try {
        return await objects.list({
          bucket,
          ...(prefix !== undefined ? { prefix } : {}),
          ...(continuationToken !== undefined ? { continuationToken } : {}),
        });
      } catch (error) {
        throw readerFailure(error, `s3://${bucket}/${prefix ?? ''}`);
      }
    };
    if (config.Transformation !== 'LOAD_AND_FLATTEN') {
      yield* readListObjectsItems(listPage, {
        ...(cursor?.type === 'listObjects' ? { cursor } : {}),
        ...(maxItems !== undefined ? { maxItems } : {}),
      });
      return;
    }
    yield* readFlattened(objects, bucket, listPage, byteReader(config), cursor, maxItems);
    return;
  }
  const key = typeof params.Key === 'string' ? params.Key : '';
  if (key === '') throw new ItemReaderFailedError('The ItemReader must give a Key');
  if (config.InputType === 'MANIFEST') {
    yield* readManifest(objects, bucket, key, config, cursor, maxItems);
    return;
  }
  const at = cursor?.type === 'bytes' ? cursor : undefined;
  const source = await openObject(objects, bucket, key, at?.offset ?? 0);
  yield* byteReader(config)(source, {
    ...(at ? { cursor: at } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
  });
}

/** `listObjectsV2` with LOAD_AND_FLATTEN: the items of each listed object in turn. */
async function* readFlattened(
  objects: ObjectStorage,
  bucket: string,
  listPage: Parameters<typeof readListObjectsItems>[0],
  read: ByteReader,
  cursor: Cursor | undefined,
  maxItems: number | undefined,
): AsyncGenerator<ReadItem<Cursor>> {
  const at = cursor?.type === 'flatten' ? cursor : undefined;
  let itemsEmitted = at?.itemsEmitted ?? 0;
  let resume = at?.file;
  let list: ListObjectsCursor | undefined = at?.list;
  for await (const listed of readListObjectsItems(listPage, list ? { cursor: list } : {})) {
    const key = listed.object.Key;
    // The cursor names the listed object being read; a resumed read continues inside it.
    const inner: ByteCursor =
      resume && resume.key === key
        ? { ...resume.inner, itemsEmitted }
        : { type: 'bytes', offset: 0, line: 0, itemsEmitted };
    resume = undefined;
    const source = await openObject(objects, bucket, key, inner.offset);
    for await (const read_ of read(source, {
      cursor: inner,
      ...(maxItems !== undefined ? { maxItems } : {}),
    })) {
      itemsEmitted = read_.cursor.itemsEmitted;
      yield {
        item: read_.item,
        cursor: {
          type: 'flatten',
          ...(list ? { list } : {}),
          file: { key, inner: read_.cursor },
          itemsEmitted,
        } as Cursor,
      };
    }
    if (maxItems !== undefined && itemsEmitted >= maxItems) return;
    list = listed.cursor;
  }
}

/** MANIFEST: the data files an Athena UNLOAD or an S3 Inventory manifest lists, read in turn. */
async function* readManifest(
  objects: ObjectStorage,
  bucket: string,
  key: string,
  config: NonNullable<MapRunRequest['reader']>['readerConfig'],
  cursor: Cursor | undefined,
  maxItems: number | undefined,
): AsyncGenerator<ReadItem<Cursor>> {
  let files: { bucket: string; key: string }[];
  let headers: readonly string[] | undefined;
  const manifest = await openObject(objects, bucket, key, 0);
  if (config.ManifestType === 'S3_INVENTORY') {
    const text = await textOf(manifest);
    const parsed = parseS3InventoryManifest(text);
    files = parsed.files.map((file) => ({ bucket: parsed.bucket, key: file.key }));
    headers = parsed.columns;
  } else {
    files = [];
    for await (const file of readAthenaManifestFiles(manifest))
      files.push({ bucket: file.Bucket, key: file.Key });
  }
  const read = byteReader({ ...config, InputType: 'CSV' }, headers ?? config.CSVHeaders ?? undefined);
  const at = cursor?.type === 'manifestFiles' ? cursor : undefined;
  let itemsEmitted = at?.itemsEmitted ?? 0;
  for (let fileIndex = at?.fileIndex ?? 0; fileIndex < files.length; fileIndex += 1) {
    if (maxItems !== undefined && itemsEmitted >= maxItems) return;
    const file = files[fileIndex] as { bucket: string; key: string };
    const resumed = fileIndex === at?.fileIndex ? at.inner : undefined;
    const inner: ByteCursor = { ...(resumed ?? { type: 'bytes', offset: 0, line: 0 }), itemsEmitted };
    const source = await openObject(objects, file.bucket, file.key, inner.offset);
    for await (const read_ of read(source, {
      cursor: inner,
      ...(maxItems !== undefined ? { maxItems } : {}),
    })) {
      itemsEmitted = read_.cursor.itemsEmitted;
      yield {
        item: read_.item,
        cursor: { type: 'manifestFiles', fileIndex, inner: read_.cursor, itemsEmitted },
      };
    }
  }
}

async function textOf(source: ByteSource): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

/** A child's result, for the writer. */
function childResult(spec: MapRunSpec, child: ChildOutcome, redriveCount: number): ChildResult {
  return {
    executionArn: child.executionArn,
    name: child.name,
    stateMachineArn: spec.childStateMachineArn,
    status: child.status,
    input: child.input,
    ...(child.output !== undefined ? { output: child.output } : {}),
    ...(child.error !== undefined ? { error: child.error } : {}),
    ...(child.cause !== undefined ? { cause: child.cause } : {}),
    startDate: new Date(child.startDate).toISOString(),
    stopDate: new Date(child.stopDate).toISOString(),
    ...(redriveCount > 0 ? { redriveCount } : {}),
  };
}

/**
 * Whether more items failed than the run tolerates: more than ToleratedFailureCount (0 when no
 * threshold is set) as soon as they fail; a greater share of all items than
 * ToleratedFailurePercentage once the reader is done (only then is the total known).
 */
function toleranceExceeded(
  failedItems: number,
  record: Pick<MapRunRecord, 'readerDone' | 'itemsRead'>,
  tolerated: { readonly percentage?: number; readonly count?: number },
): boolean {
  if (failedItems === 0) return false;
  const countRule = tolerated.count !== undefined || tolerated.percentage === undefined;
  if (countRule && failedItems > (tolerated.count ?? 0)) return true;
  if (tolerated.percentage === undefined || !record.readerDone) return false;
  return exceedsToleratedFailure(
    { failedItems, totalItems: record.itemsRead },
    { percentage: tolerated.percentage },
  );
}

/** Whether the invocation's end is near: the reader stops, and the next tick goes on. */
function outOfTime(deadline: number | undefined, clock: Clock): boolean {
  return deadline !== undefined && deadline - clock.now() < TIME_MARGIN_MS;
}

/** A request without its redrive: the state's run anew. */
function withoutRedrive(request: MapRunRequest): Json {
  const { redriveOf: _redriveOf, ...rest } = request;
  return rest as unknown as Json;
}

/** The counts less those a redrive replaced. */
function subtractCounts(counts: MapRunCounts, superseded: MapRunCounts | undefined): MapRunCounts {
  if (!superseded) return counts;
  const less = { ...counts };
  for (const field of MAP_RUN_COUNT_FIELDS) less[field] = counts[field] - superseded[field];
  return less;
}

/** A child's name: the run's id and its number (deterministic: started twice, started once). */
export function childName(mapRunId: string, child: number, redriveCount = 0): string {
  return redriveCount === 0 ? `${mapRunId}-${child}` : `${mapRunId}-${child}-r${redriveCount}`;
}

function childArn(spec: MapRunSpec, name: string): string {
  return `${spec.childStateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** A UUID-shaped id derived from `text`. */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Random draws of ItemSelector's intrinsics, seeded by the run and the position (deterministic). */
function seededRandom(mapRunId: string, from: number): () => number {
  let sequence = from * 1000;
  return () => deterministicRandom(mapRunId, (sequence += 1));
}

/** A Distributed Map child's end, as the Map Run records it (`MapRunChildEnded`). */
export function mapRunChildEnd(
  command: Extract<Command, { type: 'ReportToParent' }>,
  mapRun: NonNullable<ParentLink['mapRun']>,
): Json {
  const { parent } = command;
  // `...:execution:<workflow>/<label>:<name>`: the name follows the last ':' (a child's workflow
  // has a '/', which no workflow a user names has, so parseExecutionArn does not read it).
  const name = parent.executionArn.slice(parent.executionArn.lastIndexOf(':') + 1);
  const status =
    command.status === 'SUCCEEDED'
      ? 'SUCCEEDED'
      : command.status === 'TIMED_OUT'
        ? 'TIMED_OUT'
        : command.status === 'ABORTED'
          ? 'ABORTED'
          : 'FAILED';
  return {
    kind: 'MapRunChildEnded',
    mapRunId: mapRun.mapRunId,
    chunk: mapRun.chunk,
    outcome: {
      child: mapRun.child,
      firstItem: mapRun.firstItem,
      items: mapRun.items,
      status,
      input: command.input,
      ...(command.output !== undefined ? { output: command.output } : {}),
      ...(command.error !== undefined ? { error: command.error } : {}),
      ...(command.cause !== undefined ? { cause: command.cause } : {}),
      executionArn: parent.executionArn,
      name,
      startDate: command.startTime,
      stopDate: command.stopTime,
    },
  };
}
