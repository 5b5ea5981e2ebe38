/**
 * The execution store on DynamoDB (layout in `table-schema.ts`): one partition per execution, one
 * immutable version item per transition, one index item per execution for list and search.
 */
import { createHash } from 'node:crypto';
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Command, ExecutionStatus, HistoryEvent } from '../engine/execution.js';
import {
  VersionConflictError,
  TransientStoreError,
  type Clock,
  type ExecutionFilter,
  type ExecutionStore,
  type ExecutionSummary,
  type HistoryPage,
  type PayloadStore,
  type StoredExecution,
  type Transition,
} from '../runtime/ports.js';
import {
  CorruptItemError,
  InvalidNextTokenError,
  PayloadStoreMissingError,
  PayloadTooLargeError,
  isConditionalCheckFailed,
  translateDynamoDbError,
} from './dynamodb-errors.js';
import { MAX_ITEM_BYTES, itemSizeBytes } from './dynamodb-item-size.js';
import {
  decodeVersionDocument,
  encodeVersionDocument,
  type VersionDocument,
} from './dynamodb-snapshot-codec.js';
import {
  ExecutionIndex,
  INDEX_SORT_KEY,
  KeyPrefix,
  TTL_ATTRIBUTE,
  LIST_PARTITION_ALL,
  MAX_VERSION,
  TableKey,
  executionPartitionKey,
  versionSortKey,
  type ExecutionIndexDescriptor,
} from '../contract/table-schema.js';

/** Encoded snapshots larger than this go to the payload store. */
export const DEFAULT_OFFLOAD_THRESHOLD_BYTES = 200_000;
/** Page size of `list` when the filter sets none. */
export const DEFAULT_LIST_LIMIT = 50;
/** Largest page size of `list`. */
export const MAX_LIST_LIMIT = 1_000;
/** Page size of `history`, in events, when the caller sets none. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** Largest page size of `history`, in events. */
export const MAX_HISTORY_LIMIT = 1_000;
/**
 * Queries one `list` call may make to fill a page when a filter drops index entries. A page can
 * therefore hold fewer items than `limit` while a `nextToken` says that more may follow.
 */
export const MAX_LIST_QUERIES_PER_PAGE = 10;
/** How often BatchGetItem's unprocessed keys are asked for again before giving up. */
const BATCH_GET_ATTEMPTS = 5;
/** BatchGetItem accepts at most this many keys. */
const BATCH_GET_MAX_KEYS = 100;

const systemClock: Clock = { now: () => Date.now() };

/** Options of {@link DynamoDbExecutionStore}. */
export interface DynamoDbExecutionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Where snapshots over `offloadThresholdBytes` (encoded) go; the item then keeps only a reference.
   * @default none: snapshots stay in the item up to DynamoDB's 400 KB item limit, and committing a
   *   larger one throws PayloadTooLargeError (the loop then decides a smaller transition)
   */
  readonly payloads?: PayloadStore;
  /** @default 200_000 ({@link DEFAULT_OFFLOAD_THRESHOLD_BYTES}) */
  readonly offloadThresholdBytes?: number;
  /** Source of the `createdAt` debugging attribute of version items. @default the system clock */
  readonly clock?: Clock;
  /**
   * How long a finished execution is kept, in seconds: every item gets a TTL (`expiresAt`) of
   * its write time + a year (the longest execution) + this. The table's TTL must be on.
   * @default no TTL: executions are kept
   */
  readonly retentionSeconds?: number;
}

/**
 * {@link ExecutionStore} on a DynamoDB table created from `createTableInput`.
 *
 * - `commit` is one conditional PutItem of a new, immutable item `V#<version>`: it succeeds for
 *   exactly one writer of a given version. A Task transition of a ~500-byte state encodes to under
 *   1 KB, i.e. one write unit. Version items must never be deleted one by one (only whole
 *   partitions), or a commit could skip over a deleted version.
 * - `load` and `loadCommands` read strongly consistently: a stale read would only lead to a
 *   version conflict, but at the price of a wasted decision.
 * - `list` reads the GSIs, which are eventually consistent: a commit shows there shortly after.
 * - Every call asks for `ReturnConsumedCapacity: 'TOTAL'`, for cost measurement by middleware.
 */
/** The longest an execution may run: a year, as Step Functions Standard. */
export const MAX_EXECUTION_SECONDS = 365 * 24 * 60 * 60;

/** The plain attribute of a version item holding the key of the message that produced it. */
const MESSAGE_ATTRIBUTE = 'm';

export class DynamoDbExecutionStore implements ExecutionStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly payloads: PayloadStore | undefined;
  private readonly offloadThresholdBytes: number;
  private readonly clock: Clock;

  constructor(options: DynamoDbExecutionStoreOptions) {
    const threshold = options.offloadThresholdBytes ?? DEFAULT_OFFLOAD_THRESHOLD_BYTES;
    if (!Number.isSafeInteger(threshold) || threshold < 1) {
      throw new RangeError(`offloadThresholdBytes must be a positive integer, got ${threshold}`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.payloads = options.payloads;
    this.offloadThresholdBytes = threshold;
    this.clock = options.clock ?? systemClock;
    this.retentionSeconds = options.retentionSeconds;
  }

  private readonly retentionSeconds: number | undefined;

  /**
   * The TTL of an item written now: long enough for the longest execution (a year, as Step
   * Functions) plus the retention, so that no item of a running execution expires, and a finished
   * one is gone `retentionSeconds` after the latest it can have ended.
   */
  private expiry(): Record<string, AttributeValue> {
    if (this.retentionSeconds === undefined) return {};
    const seconds = Math.ceil(this.clock.now() / 1000) + MAX_EXECUTION_SECONDS + this.retentionSeconds;
    return { [TTL_ATTRIBUTE]: { N: String(seconds) } };
  }

  async load(executionId: string): Promise<StoredExecution | undefined> {
    const output = await this.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort, ...VERSION_ITEM_NAMES },
      ExpressionAttributeValues: {
        ':pk': { S: executionPartitionKey(executionId) },
        ':prefix': { S: KeyPrefix.executionVersion },
      },
      ProjectionExpression: VERSION_ITEM_PROJECTION,
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    const item = output.Items?.[0];
    if (item === undefined) return undefined;
    const document = await this.readDocument(executionId, item);
    return {
      execution: document.execution,
      version: readVersion(item),
      workflow: document.workflow,
      ...(document.businessKey !== undefined && { businessKey: document.businessKey }),
      recentMessages: document.recentMessages,
      ...(document.controlMessages !== undefined && { controlMessages: document.controlMessages }),
      ...(document.traceId !== undefined && { traceId: document.traceId }),
    };
  }

  async commit(transition: Transition): Promise<void> {
    const { executionId, version } = transition;
    const document: VersionDocument = {
      execution: transition.execution,
      history: transition.history,
      commands: transition.commands,
      messageId: transition.messageId,
      workflow: transition.workflow,
      ...(transition.businessKey !== undefined && { businessKey: transition.businessKey }),
      recentMessages: transition.recentMessages,
      ...(transition.controlMessages !== undefined && { controlMessages: transition.controlMessages }),
      ...(transition.traceId !== undefined && { traceId: transition.traceId }),
    };
    const data = encodeVersionDocument(document);
    const item: Record<string, AttributeValue> = {
      [TableKey.partition]: { S: executionPartitionKey(executionId) },
      [TableKey.sort]: { S: versionSortKey(version) },
      version: { N: String(version) },
      status: { S: transition.execution.status },
      createdAt: { S: new Date(this.clock.now()).toISOString() },
      // The applying message's key, plain, so that a late redelivery can find its version.
      [MESSAGE_ATTRIBUTE]: { S: transition.messageId },
      ...this.expiry(),
    };
    const inline = { ...item, data: { B: data } };
    const fits = itemSizeBytes(inline) <= MAX_ITEM_BYTES;
    // Without a payload store, an item holds what it can, up to DynamoDB's item limit.
    if (fits && (data.length <= this.offloadThresholdBytes || this.payloads === undefined)) {
      Object.assign(item, inline);
    } else {
      if (this.payloads === undefined) {
        throw new PayloadTooLargeError(
          executionId,
          version,
          data.length,
          MAX_ITEM_BYTES - itemSizeBytes(item) - 'data'.length,
        );
      }
      // The content hash keeps a losing concurrent writer of the same version from overwriting the
      // winner's blob (the loser's blob is left orphaned: a lifecycle rule can expire it).
      const ref = `executions/${executionId}/${version}/${sha256Hex(data).slice(0, 16)}`;
      await this.payloads.put(ref, data);
      item.ref = { S: ref };
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          // Prevents two writers committing the same version: a writer that loaded an older
          // version collides with the item the other one wrote.
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TableKey.partition },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new VersionConflictError(executionId, version - 1, { cause: error });
      }
      throw translateDynamoDbError(error, 'PutItem');
    }
  }

  async findMessageVersion(
    executionId: string,
    messageId: string,
    searchVersions: number,
  ): Promise<number | undefined> {
    let start: Record<string, AttributeValue> | undefined;
    let searched = 0;
    try {
      do {
        const output = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :v)',
            ExpressionAttributeNames: {
              '#pk': TableKey.partition,
              '#sk': TableKey.sort,
              '#m': MESSAGE_ATTRIBUTE,
            },
            ExpressionAttributeValues: {
              ':pk': { S: executionPartitionKey(executionId) },
              ':v': { S: KeyPrefix.executionVersion },
            },
            ProjectionExpression: '#sk, #m',
            ScanIndexForward: false,
            Limit: Math.min(100, searchVersions - searched),
            ConsistentRead: true,
            ReturnConsumedCapacity: 'TOTAL',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of output.Items ?? []) {
          searched += 1;
          if (item[MESSAGE_ATTRIBUTE]?.S === messageId) {
            return Number((item[TableKey.sort]?.S ?? '').slice(KeyPrefix.executionVersion.length));
          }
        }
        start = output.LastEvaluatedKey;
      } while (start && searched < searchVersions);
    } catch (error) {
      throw translateDynamoDbError(error, 'Query');
    }
    return undefined;
  }

  async loadCommands(executionId: string, version: number): Promise<readonly Command[] | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      const output = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: {
            [TableKey.partition]: { S: executionPartitionKey(executionId) },
            [TableKey.sort]: { S: versionSortKey(version) },
          },
          ProjectionExpression: VERSION_ITEM_PROJECTION,
          ExpressionAttributeNames: VERSION_ITEM_NAMES,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      item = output.Item;
    } catch (error) {
      throw translateDynamoDbError(error, 'GetItem');
    }
    if (item === undefined) return undefined;
    return (await this.readDocument(executionId, item)).commands;
  }

  /**
   * History events in order. The `nextToken` is the position of the next event (version and
   * offset within it), so pages stay valid while the execution goes on; the last page has no token.
   */
  async history(
    executionId: string,
    page: { nextToken?: string; limit?: number } = {},
  ): Promise<HistoryPage> {
    const limit = pageLimit('limit', page.limit, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT);
    const start = page.nextToken === undefined ? { v: 1, o: 0 } : decodeHistoryToken(page.nextToken);
    const events: HistoryEvent[] = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    for (;;) {
      const output = await this.query({
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort, ...VERSION_ITEM_NAMES },
        ExpressionAttributeValues: {
          ':pk': { S: executionPartitionKey(executionId) },
          ':from': { S: versionSortKey(start.v) },
          ':to': { S: versionSortKey(MAX_VERSION) },
        },
        ProjectionExpression: VERSION_ITEM_PROJECTION,
        // Most transitions record 2-4 events: read about as many items as the page needs.
        Limit: Math.min(100, Math.ceil(limit / 2)),
        ...(exclusiveStartKey !== undefined && { ExclusiveStartKey: exclusiveStartKey }),
      });
      for (const item of output.Items ?? []) {
        const version = readVersion(item);
        const { history } = await this.readDocument(executionId, item);
        let offset = version === start.v ? start.o : 0;
        while (offset < history.length) {
          if (events.length === limit) {
            return { events, nextToken: encodeToken({ v: version, o: offset }) };
          }
          const taken = history.slice(offset, offset + limit - events.length);
          events.push(...taken);
          offset += taken.length;
        }
      }
      if (output.LastEvaluatedKey === undefined) return { events };
      exclusiveStartKey = output.LastEvaluatedKey;
    }
  }

  /**
   * Executions matching the filter, newest first. The index is picked from the filter: business
   * key, else status, else workflow, else `ByStartTime` (the constant `ALL` partition: no Scan).
   * Status goes before workflow because `ByStatus` projects every attribute (no BatchGetItem) and
   * the statuses people list (RUNNING, FAILED) are the rare ones. `since` is a key condition on
   * the start time; the other filters are applied to the entries the index returns.
   */
  async list(filter: ExecutionFilter): Promise<{ items: ExecutionSummary[]; nextToken?: string }> {
    const limit = pageLimit('limit', filter.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    const { index, partitionValue } = chooseIndex(filter);
    const projectsAll = index === ExecutionIndex.byStatus;
    const names: Record<string, string> = { '#ipk': index.partitionKey };
    const values: Record<string, AttributeValue> = { ':ipk': { S: partitionValue } };
    let keyCondition = '#ipk = :ipk';
    if (filter.since !== undefined) {
      keyCondition += ' AND #isk >= :since';
      names['#isk'] = index.sortKey;
      values[':since'] = { S: filter.since };
    }
    // On the KEYS_ONLY indexes the other attributes are not there to filter on: the summaries
    // read by BatchGetItem are filtered instead.
    const serverFilter = projectsAll ? filterExpression(filter, index, names, values) : undefined;

    const items: ExecutionSummary[] = [];
    let exclusiveStartKey =
      filter.nextToken === undefined ? undefined : decodeListToken(filter.nextToken, index);
    for (let round = 0; round < MAX_LIST_QUERIES_PER_PAGE; round++) {
      const output = await this.query({
        IndexName: index.indexName,
        KeyConditionExpression: keyCondition,
        ...(serverFilter !== undefined && { FilterExpression: serverFilter }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        // Evaluating no more entries than the page still needs keeps LastEvaluatedKey an exact
        // resume point: nothing evaluated is ever left out of a page.
        Limit: limit - items.length,
        ...(exclusiveStartKey !== undefined && { ExclusiveStartKey: exclusiveStartKey }),
      });
      const found = output.Items ?? [];
      const summaries = projectsAll ? found.map(toSummary) : await this.readSummaries(found);
      items.push(...summaries.filter((summary) => matches(summary, filter)));
      exclusiveStartKey = output.LastEvaluatedKey;
      if (exclusiveStartKey === undefined || items.length >= limit) break;
    }
    return {
      items,
      ...(exclusiveStartKey !== undefined && {
        nextToken: encodeToken({ i: index.indexName, k: stringKey(exclusiveStartKey) }),
      }),
    };
  }

  async writeIndex(summary: ExecutionSummary, version: number): Promise<void> {
    const item: Record<string, AttributeValue> = {
      [TableKey.partition]: { S: executionPartitionKey(summary.executionId) },
      [TableKey.sort]: { S: INDEX_SORT_KEY },
      indexVersion: { N: String(version) },
      executionId: { S: summary.executionId },
      name: { S: summary.name },
      workflow: { S: summary.workflow },
      workflowVersion: { S: summary.workflowVersion },
      status: { S: summary.status },
      startTime: { S: summary.startTime },
      listPartition: { S: LIST_PARTITION_ALL },
      ...this.expiry(),
    };
    if (summary.stopTime !== undefined) item.stopTime = { S: summary.stopTime };
    // An empty string cannot be a GSI key: such an execution is simply not findable by business key.
    if (summary.businessKey !== undefined && summary.businessKey !== '') {
      item.businessKey = { S: summary.businessKey };
    }
    if (summary.error !== undefined) item.error = { S: summary.error };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          // Prevents an older index write, re-performed after a redelivery, from overwriting the
          // status a newer commit already wrote.
          ConditionExpression: 'attribute_not_exists(#pk) OR #indexVersion < :version',
          ExpressionAttributeNames: { '#pk': TableKey.partition, '#indexVersion': 'indexVersion' },
          ExpressionAttributeValues: { ':version': { N: String(version) } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      // A newer (or the same) version's index is already there: nothing to do.
      if (isConditionalCheckFailed(error)) return;
      throw translateDynamoDbError(error, 'PutItem');
    }
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>) {
    try {
      return await this.client.send(
        new QueryCommand({ TableName: this.tableName, ReturnConsumedCapacity: 'TOTAL', ...input }),
      );
    } catch (error) {
      throw translateDynamoDbError(error, 'Query');
    }
  }

  /** The document of a version item, from its `data` or from the payload store. */
  private async readDocument(
    executionId: string,
    item: Record<string, AttributeValue>,
  ): Promise<VersionDocument> {
    const data = item.data?.B;
    if (data !== undefined) return decodeVersionDocument(data);
    const ref = item.ref?.S;
    if (ref === undefined) {
      throw new CorruptItemError(`A version item of execution ${executionId} has neither data nor ref`);
    }
    if (this.payloads === undefined) throw new PayloadStoreMissingError(executionId, ref);
    return decodeVersionDocument(await this.payloads.get(ref));
  }

  /** The summaries of the index items behind KEYS_ONLY index entries, in the entries' order. */
  private async readSummaries(
    entries: readonly Record<string, AttributeValue>[],
  ): Promise<ExecutionSummary[]> {
    const byPartition = new Map<string, ExecutionSummary>();
    for (let start = 0; start < entries.length; start += BATCH_GET_MAX_KEYS) {
      let keys: Record<string, AttributeValue>[] | undefined = entries
        .slice(start, start + BATCH_GET_MAX_KEYS)
        .map((entry) => ({
          [TableKey.partition]: requiredAttribute(entry, TableKey.partition),
          [TableKey.sort]: requiredAttribute(entry, TableKey.sort),
        }));
      for (let attempt = 1; keys !== undefined && keys.length > 0; attempt++) {
        if (attempt > BATCH_GET_ATTEMPTS) {
          throw new TransientStoreError(
            `DynamoDB BatchGetItem left ${keys.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} attempts`,
          );
        }
        if (attempt > 1) await delay(25 * 2 ** attempt);
        let output;
        try {
          output = await this.client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: keys,
                  ProjectionExpression: SUMMARY_PROJECTION,
                  ExpressionAttributeNames: SUMMARY_NAMES,
                },
              },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
        } catch (error) {
          throw translateDynamoDbError(error, 'BatchGetItem');
        }
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const summary = toSummary(item);
          byPartition.set(executionPartitionKey(summary.executionId), summary);
        }
        keys = output.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    const summaries: ExecutionSummary[] = [];
    for (const entry of entries) {
      const summary = byPartition.get(entry[TableKey.partition]?.S ?? '');
      if (summary !== undefined) summaries.push(summary);
    }
    return summaries;
  }
}

/** Attributes read from version items. `data`, `ref` and the like are reserved words or close to. */
const VERSION_ITEM_NAMES = { '#version': 'version', '#data': 'data', '#ref': 'ref' };
const VERSION_ITEM_PROJECTION = '#version, #data, #ref';

const SUMMARY_ATTRIBUTES = [
  'executionId',
  'name',
  'workflow',
  'workflowVersion',
  'status',
  'startTime',
  'stopTime',
  'businessKey',
  'error',
] as const;
const SUMMARY_NAMES = Object.fromEntries(SUMMARY_ATTRIBUTES.map((name, i) => [`#s${i}`, name]));
const SUMMARY_PROJECTION = Object.keys(SUMMARY_NAMES).join(', ');

function readVersion(item: Record<string, AttributeValue>): number {
  const version = Number(item.version?.N);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new CorruptItemError(`A version item has no valid version: ${JSON.stringify(item.version)}`);
  }
  return version;
}

function requiredAttribute(item: Record<string, AttributeValue>, name: string): AttributeValue {
  const value = item[name];
  if (value === undefined) throw new CorruptItemError(`An index entry has no ${name}`);
  return value;
}

function requiredString(item: Record<string, AttributeValue>, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new CorruptItemError(`An execution index item has no string ${name}`);
  return value;
}

function toSummary(item: Record<string, AttributeValue>): ExecutionSummary {
  const stopTime = item.stopTime?.S;
  const businessKey = item.businessKey?.S;
  const error = item.error?.S;
  return {
    executionId: requiredString(item, 'executionId'),
    name: requiredString(item, 'name'),
    workflow: requiredString(item, 'workflow'),
    workflowVersion: requiredString(item, 'workflowVersion'),
    status: requiredString(item, 'status') as ExecutionStatus,
    startTime: requiredString(item, 'startTime'),
    ...(stopTime !== undefined && { stopTime }),
    ...(businessKey !== undefined && { businessKey }),
    ...(error !== undefined && { error }),
  };
}

/** The index serving a filter, and the value of its partition key. */
function chooseIndex(filter: ExecutionFilter): { index: ExecutionIndexDescriptor; partitionValue: string } {
  if (filter.businessKey !== undefined) {
    return { index: ExecutionIndex.byBusinessKey, partitionValue: filter.businessKey };
  }
  if (filter.status !== undefined) return { index: ExecutionIndex.byStatus, partitionValue: filter.status };
  if (filter.workflow !== undefined)
    return { index: ExecutionIndex.byWorkflow, partitionValue: filter.workflow };
  return { index: ExecutionIndex.byStartTime, partitionValue: LIST_PARTITION_ALL };
}

/** The FilterExpression for the filters the index's key does not already apply. */
function filterExpression(
  filter: ExecutionFilter,
  index: ExecutionIndexDescriptor,
  names: Record<string, string>,
  values: Record<string, AttributeValue>,
): string | undefined {
  const conditions: string[] = [];
  const fields = [
    ['workflow', filter.workflow],
    ['status', filter.status],
    ['businessKey', filter.businessKey],
  ] as const;
  for (const [attribute, value] of fields) {
    if (value === undefined || attribute === index.partitionKey) continue;
    names[`#f_${attribute}`] = attribute;
    values[`:f_${attribute}`] = { S: value };
    conditions.push(`#f_${attribute} = :f_${attribute}`);
  }
  return conditions.length === 0 ? undefined : conditions.join(' AND ');
}

function matches(summary: ExecutionSummary, filter: ExecutionFilter): boolean {
  return (
    (filter.workflow === undefined || summary.workflow === filter.workflow) &&
    (filter.status === undefined || summary.status === filter.status) &&
    (filter.businessKey === undefined || summary.businessKey === filter.businessKey)
  );
}

function pageLimit(field: string, value: number | undefined, fallback: number, max: number): number {
  const limit = value ?? fallback;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new RangeError(`${field} must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}

function encodeToken(position: object): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidNextTokenError('not a token of this store', { cause: error });
  }
}

function decodeHistoryToken(token: string): { v: number; o: number } {
  const position = decodeToken(token) as { v?: unknown; o?: unknown } | null;
  const v = position?.v;
  const o = position?.o;
  if (
    typeof v !== 'number' ||
    typeof o !== 'number' ||
    !Number.isSafeInteger(v) ||
    !Number.isSafeInteger(o) ||
    v < 1 ||
    v > MAX_VERSION ||
    o < 0
  ) {
    throw new InvalidNextTokenError('not a history token');
  }
  return { v, o };
}

function decodeListToken(token: string, index: ExecutionIndexDescriptor): Record<string, AttributeValue> {
  const position = decodeToken(token) as { i?: unknown; k?: unknown } | null;
  if (position?.i !== index.indexName) {
    throw new InvalidNextTokenError('it belongs to a list with different filters');
  }
  const key = position.k;
  if (typeof key !== 'object' || key === null || !Object.values(key).every((v) => typeof v === 'string')) {
    throw new InvalidNextTokenError('not a list token');
  }
  return Object.fromEntries(Object.entries(key as Record<string, string>).map(([k, v]) => [k, { S: v }]));
}

/** A LastEvaluatedKey (all of whose attributes are strings in this table) as plain strings. */
function stringKey(key: Record<string, AttributeValue>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(key).map(([name, value]) => {
      if (value.S === undefined) throw new CorruptItemError(`Key attribute ${name} is not a string`);
      return [name, value.S];
    }),
  );
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
