/**
 * Counting what a Distributed Map run on the local runtime asks of the services it would ask on
 * AWS: every DynamoDB request (at dynalite's request handler: the runtime's client resolves its
 * middleware once per command type, so middleware added later would miss the commands used at
 * start-up), every S3 request (SDK middleware on the runtime's S3 client), every message the
 * domain's inbox queue carries, and the orchestrator's invocations (a batch received from the
 * inbox and deleted once handled, as Lambda's SQS pollers do), timed from the receive to the
 * delete.
 *
 * The local runtime exposes no meters: dynalite, the S3 client and the inbox queue are reached
 * through its private fields, by name. If one is renamed, {@link meterLocalRuntime} throws rather
 * than count nothing.
 */
import { performance } from 'node:perf_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalQueue } from '../../local/emulators/sqs/queue.js';
import type { DynaliteRequestHandler } from '../../local/runtime/dynalite-thread.js';
import type { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { CHUNK_BYTES } from '../cost/meter.js';

/** DynamoDB requests of one command. */
export interface DynamoCommandCounts {
  requests: number;
  /** Write or read request units: reported by dynalite, else DynamoDB's minimum for the request. */
  units: number;
  /** Conditional writes that failed (billed all the same). */
  conditionFailed: number;
}

/** What one inbox message kind (`MapRunTick`, `RunMapChunk`...) took. */
export interface MessageKindCounts {
  sends: number;
  /** Started 64 KiB chunks: SQS bills each as a request. */
  chunks: number;
  bytes: number;
}

/** Everything counted while `recording` is on. */
export class LocalRuntimeMeter {
  recording = false;
  readonly dynamo = new Map<string, DynamoCommandCounts>();
  readonly s3 = new Map<string, number>();
  readonly messages = new Map<string, MessageKindCounts>();
  /** ReceiveMessage calls that returned messages (a Lambda poller's receive per batch). */
  receives = 0;
  received = 0;
  /** DeleteMessageBatch calls: one per orchestrator invocation that handled its batch. */
  deleteBatches = 0;
  deleted = 0;
  /** Wall time of each orchestrator invocation: its batch's receive to its delete, ms. */
  readonly invocationMs: number[] = [];
  private readonly receivedAt = new Map<string, number>();

  /** DynamoDB totals: write requests and units, read requests and units. */
  dynamoTotals(): { writeRequests: number; writeUnits: number; readRequests: number; readUnits: number } {
    let writeRequests = 0;
    let writeUnits = 0;
    let readRequests = 0;
    let readUnits = 0;
    for (const [command, counts] of this.dynamo) {
      if (WRITE_COMMANDS.has(command)) {
        writeRequests += counts.requests;
        writeUnits += counts.units;
      } else {
        readRequests += counts.requests;
        readUnits += counts.units;
      }
    }
    return { writeRequests, writeUnits, readRequests, readUnits };
  }

  /** SQS messages sent, and their billed 64 KiB chunks. */
  sqsSends(): { messages: number; chunks: number } {
    let messages = 0;
    let chunks = 0;
    for (const counts of this.messages.values()) {
      messages += counts.sends;
      chunks += counts.chunks;
    }
    return { messages, chunks };
  }

  /**
   * One DynamoDB request as it went over the wire: the operation (`X-Amz-Target`), the request's
   * JSON text and the answer's status and JSON text (read with patterns, not parsed: a listing's
   * answer can be large).
   */
  observeDynamo(target: string, requestText: string, status: number, answerText: string): void {
    if (!this.recording) return;
    const name = target.slice(target.indexOf('.') + 1);
    let counts = this.dynamo.get(name);
    if (counts === undefined) {
      counts = { requests: 0, units: 0, conditionFailed: 0 };
      this.dynamo.set(name, counts);
    }
    counts.requests += 1;
    const write = WRITE_COMMANDS.has(name);
    const units = CAPACITY.exec(answerText)?.[1];
    // Every request consumes at least the minimum of its kind ("a Query that returns no items
    // consumes the minimum"); a failed conditional write consumes a write unit.
    const minimum = write || CONSISTENT.test(requestText) ? 1 : 0.5;
    counts.units += Math.max(units === undefined ? 0 : Number(units), minimum);
    if (status >= 400 && answerText.includes('ConditionalCheckFailedException')) counts.conditionFailed += 1;
  }

  observeS3(command: string): void {
    if (!this.recording) return;
    const name = command.replace(/Command$/, '');
    this.s3.set(name, (this.s3.get(name) ?? 0) + 1);
  }

  meterQueue(queue: LocalQueue): void {
    const send = queue.sendMessage.bind(queue);
    queue.sendMessage = (input) => {
      if (this.recording) {
        const bytes = Buffer.byteLength(input.body);
        const kind = KIND.exec(input.body)?.[1] ?? 'other';
        let counts = this.messages.get(kind);
        if (counts === undefined) {
          counts = { sends: 0, chunks: 0, bytes: 0 };
          this.messages.set(kind, counts);
        }
        counts.sends += 1;
        counts.bytes += bytes;
        counts.chunks += Math.max(1, Math.ceil(bytes / CHUNK_BYTES));
      }
      return send(input);
    };
    const receive = queue.receiveMessage.bind(queue);
    queue.receiveMessage = async (input) => {
      const messages = await receive(input);
      if (this.recording && messages.length > 0) {
        const now = performance.now();
        this.receives += 1;
        this.received += messages.length;
        for (const message of messages) this.receivedAt.set(message.receiptHandle, now);
      }
      return messages;
    };
    const removeBatch = queue.deleteMessageBatch.bind(queue);
    queue.deleteMessageBatch = (entries) => {
      if (this.recording) {
        const now = performance.now();
        let first = now;
        for (const entry of entries) {
          const at = this.receivedAt.get(entry.receiptHandle);
          this.receivedAt.delete(entry.receiptHandle);
          if (at !== undefined && at < first) first = at;
        }
        this.deleteBatches += 1;
        this.deleted += entries.length;
        this.invocationMs.push(now - first);
      }
      return removeBatch(entries);
    };
  }
}

const WRITE_COMMANDS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
/** The message kind, from the JSON text of an inbox message (`{"kind":"RunMapChunk",...`). */
const KIND = /"kind":"([A-Za-z]+)"/;
/** The table's units in a `ConsumedCapacity` (the first figure: the total). */
const CAPACITY = /"CapacityUnits":([0-9.]+)/;
const CONSISTENT = /"ConsistentRead":true/;

/** The local runtime's parts the meter reaches by name (private fields). */
interface RuntimeInternals {
  readonly dynalite?: { readonly requestHandler?: DynaliteRequestHandler };
  readonly s3Client?: S3Client;
  readonly domainsByName?: ReadonlyMap<string, { readonly inbox?: LocalQueue }>;
}

/** Meters the runtime's DynamoDB client, its S3 client and the inbox queue of `domain`. */
export function meterLocalRuntime(runtime: LocalRuntime, domain: string): LocalRuntimeMeter {
  const internals = runtime as unknown as RuntimeInternals;
  const handler = internals.dynalite?.requestHandler;
  const { s3Client } = internals;
  const inbox = internals.domainsByName?.get(domain)?.inbox;
  if (handler === undefined || s3Client === undefined || inbox === undefined) {
    throw new Error(
      'The local runtime no longer has the fields `dynalite`, `s3Client` and `domainsByName` the bench meters: update bench/distributed-map/meter.ts',
    );
  }
  const meter = new LocalRuntimeMeter();
  const handle = handler.handle.bind(handler);
  handler.handle = async (request, options) => {
    const answer = await handle(request, options);
    if (!meter.recording) return answer;
    const body = request.body;
    meter.observeDynamo(
      request.headers['x-amz-target'] ?? 'unknown',
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
          : '',
      answer.response.statusCode,
      Buffer.from(answer.response.body).toString('utf8'),
    );
    return answer;
  };
  s3Client.middlewareStack.add(
    (next, context) => (args) => {
      meter.observeS3(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'batonBenchDistributedMapS3Meter' },
  );
  meter.meterQueue(inbox);
  return meter;
}
