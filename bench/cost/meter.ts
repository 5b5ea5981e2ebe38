/**
 * Counting AWS requests. DynamoDB: SDK middleware on the client records every command, its
 * `ConsumedCapacity` as reported (dynalite reports the table's units of GetItem, PutItem and
 * Query) and models what dynalite does not report: GSI writes, and units of calls that report
 * none. SQS, EventBridge and timers: wrappers on the in-process domain's queues and ports.
 */
import { performance } from 'node:perf_hooks';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSizeBytes, writeUnits } from '../../lambdas/aws/dynamodb-item-size.js';
import {
  INDEX_SORT_KEY,
  KeyPrefix,
  LATEST_SORT_KEY,
  TableKey,
  createTableInput,
} from '../../lambdas/contract/table-schema.js';
import type { DomainEvent } from '../../lambdas/runtime/ports.js';
import type { InProcessDomain } from '../../testing/in-process-domain.js';
import type { LocalQueue } from '../../local/emulators/sqs/queue.js';

type Item = Record<string, AttributeValue>;

/** Bytes billed as one read unit (strongly consistent; eventually consistent reads cost half). */
const READ_UNIT_BYTES = 4096;
/** SQS and EventBridge bill each started 64 KB of a payload as one request or event. */
export const CHUNK_BYTES = 64 * 1024;

/** One GSI write a table write causes, by DynamoDB's rules (see {@link DynamoDbMeter}). */
export interface GsiWrite {
  readonly index: string;
  readonly op: 'put' | 'delete' | 'update';
  readonly units: number;
  readonly bytes: number;
}

/** One DynamoDB request as the meter saw it. */
export interface DynamoRequest {
  /** What the request was for, e.g. `PutItem version item (commit)`. */
  readonly kind: string;
  readonly command: string;
  readonly write: boolean;
  /** Units on the table itself (reported by dynalite, or modeled when it reports none). */
  readonly tableUnits: number;
  readonly reported: boolean;
  /** True when dynalite reported less than DynamoDB's minimum for the request, and the minimum is counted. */
  readonly raised: boolean;
  /** The modeled units of the same request (to check dynalite against the billing rules). */
  readonly modeledTableUnits: number;
  readonly gsi: readonly GsiWrite[];
  /** Size of the item written, for writes. */
  readonly itemBytes?: number;
  /** The error's name when the request failed (a failed conditional write is still billed). */
  readonly failed?: string;
}

/** Aggregate of a list of requests. */
export interface DynamoTotals {
  readonly writeRequests: number;
  /** Table and GSI write units. */
  readonly writeUnits: number;
  readonly gsiWriteUnits: number;
  readonly readRequests: number;
  readonly readUnits: number;
  readonly failed: number;
  /** Requests whose units dynalite did not report (modeled instead). */
  readonly modeled: number;
  /** Requests where dynalite reported less than DynamoDB's minimum (counted at the minimum). */
  readonly raised: number;
  /** Requests where the units counted differ from the modeled ones. */
  readonly mismatches: number;
  readonly byKind: ReadonlyMap<string, KindTotals>;
}

/** Aggregate of the requests of one kind. */
export interface KindTotals {
  readonly write: boolean;
  requests: number;
  tableUnits: number;
  gsiUnits: number;
  /** GSI units by `index op`, e.g. `ByStatus delete`. */
  readonly gsi: Map<string, number>;
  readonly itemBytes: number[];
}

interface IndexModel {
  readonly name: string;
  readonly keys: readonly string[];
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly include: readonly string[];
}

const WRITE_COMMANDS = new Set(['PutItemCommand', 'DeleteItemCommand', 'UpdateItemCommand']);

/**
 * Records every request of a DynamoDB client while `recording` is true.
 *
 * GSI write model (DynamoDB developer guide, "Provisioned throughput considerations for GSIs"):
 * a table write costs, per GSI, nothing if the item is in the index neither before nor after
 * (it lacks one of the index's key attributes: sparse index); a put if it enters the index; a
 * delete if it leaves; a delete plus a put if an index key value changes; an update if only a
 * projected attribute changes; nothing otherwise. Each is one write unit per started KB of the
 * index entry (table keys, index keys and projected attributes; the 100 bytes of per-entry
 * overhead DynamoDB adds are a storage figure and are not counted). The indexes and projections
 * come from `createTableInput`, and the meter keeps a shadow copy of every item that is in some
 * index, to know what a write replaces.
 */
export class DynamoDbMeter {
  readonly requests: DynamoRequest[] = [];
  /** Only recorded requests count; the shadow copy of indexed items is kept up to date always. */
  recording = false;
  private readonly indexes: readonly IndexModel[];
  private readonly tableKeys: readonly string[];
  private readonly shadow = new Map<string, Item>();

  constructor(client: DynamoDBClient, tableName: string) {
    const schema = createTableInput(tableName);
    this.tableKeys = (schema.KeySchema ?? []).map((key) => key.AttributeName ?? '');
    this.indexes = (schema.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName ?? '',
      keys: (index.KeySchema ?? []).map((key) => key.AttributeName ?? ''),
      projection: index.Projection?.ProjectionType ?? 'ALL',
      include: index.Projection?.NonKeyAttributes ?? [],
    }));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        try {
          const result = await next(args);
          this.observe(command, input, result.output as unknown as Record<string, unknown>);
          return result;
        } catch (error) {
          this.observe(command, input, undefined, error instanceof Error ? error.name : String(error));
          throw error;
        }
      },
      { step: 'initialize', name: 'batonBenchCostMeter' },
    );
  }

  /** Forgets the recorded requests (not the shadow copy). */
  reset(): void {
    this.requests.length = 0;
  }

  /** Runs `work` with recording off, e.g. reading histories back to verify a run. */
  async unrecorded<T>(work: () => Promise<T>): Promise<T> {
    const was = this.recording;
    this.recording = false;
    try {
      return await work();
    } finally {
      this.recording = was;
    }
  }

  /** The models of the GSIs, for the report: `ByStatus (status, startTime; ALL)`. */
  describeIndexes(): string[] {
    return this.indexes.map((index) => `${index.name} (${index.keys.join(', ')}; ${index.projection})`);
  }

  private observe(
    command: string,
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
    failed?: string,
  ): void {
    const write = WRITE_COMMANDS.has(command);
    const gsi: GsiWrite[] = [];
    let modeledTableUnits: number;
    let itemBytes: number | undefined;
    if (write) {
      const item = input['Item'] as Item | undefined;
      const key = item ?? (input['Key'] as Item | undefined) ?? {};
      const shadowKey = this.keyOf(key);
      const old = this.shadow.get(shadowKey);
      itemBytes = item ? itemSizeBytes(item) : undefined;
      // A write costs per started KB of the larger of the old and the new item (at least 1); a
      // failed conditional write, per started KB of the existing item (at least 1).
      modeledTableUnits =
        failed === undefined
          ? Math.max(item ? writeUnits(item) : 1, old ? writeUnits(old) : 1)
          : old
            ? writeUnits(old)
            : 1;
      if (command === 'UpdateItemCommand') {
        throw new Error('The cost meter does not model UpdateItem (no adapter used it when it was written)');
      }
      if (failed === undefined) {
        const next = command === 'PutItemCommand' ? item : undefined;
        gsi.push(...this.indexWrites(old, next));
        if (next !== undefined && this.indexes.some((index) => this.inIndex(next, index))) {
          this.shadow.set(shadowKey, next);
        } else {
          this.shadow.delete(shadowKey);
        }
      }
    } else {
      modeledTableUnits = this.modeledReadUnits(input, output);
    }
    if (!this.recording) return;
    const capacity = output?.['ConsumedCapacity'] as { CapacityUnits?: number } | undefined;
    const reported = capacity?.CapacityUnits;
    // Every request consumes at least the minimum of its kind ("Queries that do not return results
    // consume the minimum number of read capacity units"); dynalite reports 0 for such a Query.
    const minimum = write || input['ConsistentRead'] === true ? 1 : 0.5;
    this.requests.push({
      kind: kindOf(command, input),
      command: command.replace(/Command$/, ''),
      write,
      tableUnits: reported === undefined ? modeledTableUnits : Math.max(reported, minimum),
      reported: reported !== undefined,
      raised: reported !== undefined && reported < minimum,
      modeledTableUnits,
      gsi,
      ...(itemBytes !== undefined && { itemBytes }),
      ...(failed !== undefined && { failed }),
    });
  }

  private keyOf(item: Item): string {
    return this.tableKeys.map((name) => item[name]?.S ?? '').join('\u0000');
  }

  private inIndex(item: Item, index: IndexModel): boolean {
    return index.keys.every((name) => item[name] !== undefined);
  }

  /** The entry an item has in an index: table keys, index keys and projected attributes. */
  private entry(item: Item, index: IndexModel): Item {
    if (index.projection === 'ALL') return item;
    const names = new Set([...this.tableKeys, ...index.keys, ...index.include]);
    return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
  }

  private indexWrites(old: Item | undefined, next: Item | undefined): GsiWrite[] {
    const writes: GsiWrite[] = [];
    for (const index of this.indexes) {
      const before = old !== undefined && this.inIndex(old, index) ? this.entry(old, index) : undefined;
      const after = next !== undefined && this.inIndex(next, index) ? this.entry(next, index) : undefined;
      const put = (entry: Item, op: GsiWrite['op']) =>
        writes.push({ index: index.name, op, units: writeUnits(entry), bytes: itemSizeBytes(entry) });
      if (before === undefined && after !== undefined) put(after, 'put');
      else if (before !== undefined && after === undefined) put(before, 'delete');
      else if (before !== undefined && after !== undefined) {
        const keyChanged = index.keys.some((name) => !sameValue(before[name], after[name]));
        if (keyChanged) {
          put(before, 'delete');
          put(after, 'put');
        } else if (!sameItem(before, after)) {
          put(after, 'update');
        }
      }
    }
    return writes;
  }

  /** Read units from the sizes of the items read, when dynalite reports none. */
  private modeledReadUnits(
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
  ): number {
    const factor = input['ConsistentRead'] === true ? 1 : 0.5;
    const items: Item[] = [];
    const one = output?.['Item'] as Item | undefined;
    if (one) items.push(one);
    items.push(...((output?.['Items'] as Item[] | undefined) ?? []));
    const responses = output?.['Responses'] as Record<string, Item[]> | undefined;
    // BatchGetItem: each item is rounded up on its own.
    if (responses) {
      const all = Object.values(responses).flat();
      return all.reduce((sum, item) => sum + Math.ceil(itemSizeBytes(item) / READ_UNIT_BYTES) * factor, 0);
    }
    const bytes = items.reduce((sum, item) => sum + itemSizeBytes(item), 0);
    return Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * factor;
  }
}

function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return canonical(a) === canonical(b);
}

function sameItem(a: Item, b: Item): boolean {
  return canonical(a) === canonical(b);
}

/** What a request was for, from its command and key: the rows of the breakdown table. */
export function kindOf(command: string, input: Record<string, unknown>): string {
  const item = (input['Item'] ?? input['Key']) as Item | undefined;
  const sortKey = item?.[TableKey.sort]?.S ?? '';
  const values = input['ExpressionAttributeValues'] as Item | undefined;
  const partition = values?.[':pk']?.S ?? '';
  switch (command) {
    case 'PutItemCommand':
      if (sortKey.startsWith(KeyPrefix.executionVersion)) return 'PutItem version item (commit)';
      if (sortKey === INDEX_SORT_KEY) return 'PutItem index item (writeIndex)';
      if (sortKey.startsWith(KeyPrefix.definitionVersion) || sortKey === LATEST_SORT_KEY)
        return 'PutItem definition';
      return 'PutItem correlation';
    case 'GetItemCommand':
      if (sortKey === LATEST_SORT_KEY) return 'GetItem definition LATEST (start)';
      if (sortKey.startsWith(KeyPrefix.definitionVersion)) return 'GetItem definition version';
      return 'GetItem version item (loadCommands)';
    case 'QueryCommand':
      if (input['IndexName'] !== undefined) return `Query ${String(input['IndexName'])} (list)`;
      if (partition.startsWith(KeyPrefix.correlation)) return 'Query correlation';
      if (input['Limit'] === 1 && input['ScanIndexForward'] === false) return 'Query latest version (load)';
      return 'Query versions (history)';
    case 'BatchGetItemCommand':
      return 'BatchGetItem summaries (list)';
    case 'DeleteItemCommand':
      return 'DeleteItem correlation';
    default:
      return command.replace(/Command$/, '');
  }
}

/** Sums requests up. */
export function dynamoTotals(requests: readonly DynamoRequest[]): DynamoTotals {
  const byKind = new Map<string, KindTotals>();
  let writeRequests = 0;
  let writeUnits = 0;
  let gsiWriteUnits = 0;
  let readRequests = 0;
  let readUnits = 0;
  let failed = 0;
  let modeled = 0;
  let mismatches = 0;
  let raised = 0;
  for (const request of requests) {
    const gsiUnits = request.gsi.reduce((sum, write) => sum + write.units, 0);
    if (request.write) {
      writeRequests += 1;
      writeUnits += request.tableUnits + gsiUnits;
      gsiWriteUnits += gsiUnits;
    } else {
      readRequests += 1;
      readUnits += request.tableUnits;
    }
    if (request.failed !== undefined) failed += 1;
    if (request.raised) raised += 1;
    if (!request.reported) modeled += 1;
    else if (request.tableUnits !== request.modeledTableUnits) mismatches += 1;
    let kind = byKind.get(request.kind);
    if (kind === undefined) {
      kind = { write: request.write, requests: 0, tableUnits: 0, gsiUnits: 0, gsi: new Map(), itemBytes: [] };
      byKind.set(request.kind, kind);
    }
    kind.requests += 1;
    kind.tableUnits += request.tableUnits;
    kind.gsiUnits += gsiUnits;
    for (const write of request.gsi) {
      const label = `${write.index} ${write.op}`;
      kind.gsi.set(label, (kind.gsi.get(label) ?? 0) + write.units);
    }
    if (request.itemBytes !== undefined) kind.itemBytes.push(request.itemBytes);
  }
  return {
    writeRequests,
    writeUnits,
    gsiWriteUnits,
    readRequests,
    readUnits,
    failed,
    modeled,
    raised,
    mismatches,
    byKind,
  };
}

/** What one queue of the domain carried. */
export interface QueueCounts {
  /** SendMessage requests (one per message). */
  sends: number;
  /** Started 64 KB chunks of the messages sent (SQS bills each as a request). */
  sendChunks: number;
  sendBytes: number;
  /** Deliveries (receives of a message, redeliveries included). */
  receives: number;
  /** Chunks of the messages received. */
  receiveChunks: number;
  receiveBytes: number;
  /** Messages deleted after handling. */
  deletes: number;
}

/** Counts what the in-process domain sends, delivers and publishes. */
export class DomainMeter {
  readonly queues = new Map<string, QueueCounts>();
  eventEntries = 0;
  putEventsCalls = 0;
  eventChunks = 0;
  eventBytes = 0;
  timersScheduled = 0;
  /** Wall time of each `orchestrator.handle` (in process, dynalite on loopback). */
  readonly handleMs: number[] = [];

  constructor(domain: InProcessDomain) {
    this.wrapQueue(domain.inbox);
    for (const queue of domain.workerQueues.values()) this.wrapQueue(queue);
    const events = domain.ports.events;
    const publish = events.publish.bind(events);
    events.publish = async (entries: readonly DomainEvent[]) => {
      this.eventEntries += entries.length;
      // PutEvents takes at most 10 entries per call (the EventBridge adapter batches by 10).
      this.putEventsCalls += Math.ceil(entries.length / 10);
      for (const entry of entries) {
        // An entry's size as EventBridge bills it: Time (14 bytes), Source, DetailType, Detail.
        const bytes =
          14 +
          Buffer.byteLength(entry.source) +
          Buffer.byteLength(entry.detailType) +
          Buffer.byteLength(JSON.stringify(entry.detail));
        this.eventBytes += bytes;
        this.eventChunks += Math.ceil(bytes / CHUNK_BYTES);
      }
      await publish(entries);
    };
    const timers = domain.ports.timers;
    const schedule = timers.schedule.bind(timers);
    timers.schedule = async (timer) => {
      this.timersScheduled += 1;
      await schedule(timer);
    };
    const orchestrator = domain.orchestrator;
    const handle = orchestrator.handle.bind(orchestrator);
    orchestrator.handle = async (...args) => {
      const start = performance.now();
      try {
        return await handle(...args);
      } finally {
        this.handleMs.push(performance.now() - start);
      }
    };
  }

  private wrapQueue(queue: LocalQueue): void {
    const counts: QueueCounts = {
      sends: 0,
      sendChunks: 0,
      sendBytes: 0,
      receives: 0,
      receiveChunks: 0,
      receiveBytes: 0,
      deletes: 0,
    };
    this.queues.set(queue.name, counts);
    const send = queue.sendMessage.bind(queue);
    queue.sendMessage = (input) => {
      const bytes = Buffer.byteLength(input.body);
      counts.sends += 1;
      counts.sendBytes += bytes;
      counts.sendChunks += Math.ceil(bytes / CHUNK_BYTES);
      return send(input);
    };
    const receive = queue.receiveMessage.bind(queue);
    queue.receiveMessage = async (input) => {
      const messages = await receive(input);
      for (const message of messages) {
        const bytes = Buffer.byteLength(message.body);
        counts.receives += 1;
        counts.receiveBytes += bytes;
        counts.receiveChunks += Math.ceil(bytes / CHUNK_BYTES);
      }
      return messages;
    };
    const removeBatch = queue.deleteMessageBatch.bind(queue);
    queue.deleteMessageBatch = (entries) => {
      counts.deletes += entries.length;
      return removeBatch(entries);
    };
  }
}
