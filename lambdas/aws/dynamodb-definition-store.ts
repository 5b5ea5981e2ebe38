/**
 * The definition store on DynamoDB (layout in `table-schema.ts`): one partition per workflow
 * name, one immutable item per content version and a `LATEST` pointer.
 */
import {
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { StateMachineDefinition } from '../engine/definition.js';
import type { Clock, DefinitionStore, WorkflowRef } from '../runtime/ports.js';
import { CorruptItemError, isConditionalCheckFailed, translateDynamoDbError } from './dynamodb-errors.js';
import { MAX_DEFINITION_BYTES, definitionBytes, definitionVersion } from '../contract/definition-version.js';
import { AwsAdapterError } from './aws-errors.js';
import {
  LATEST_SORT_KEY,
  TableKey,
  definitionVersionSortKey,
  workflowPartitionKey,
} from '../contract/table-schema.js';

const systemClock: Clock = { now: () => Date.now() };

/** A definition too large for its version item. */
export class DefinitionTooLargeError extends AwsAdapterError {
  override readonly name = 'DefinitionTooLargeError';
  constructor(
    readonly workflow: string,
    readonly sizeBytes: number,
  ) {
    super(
      `The definition of ${workflow} is ${sizeBytes} bytes of JSON, over the ${MAX_DEFINITION_BYTES} ` +
        "bytes a version item holds (DynamoDB's 400 KB item limit)",
    );
  }
}

/** Options of {@link DynamoDbDefinitionStore}. */
export interface DynamoDbDefinitionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Source of the `createdAt` and `updatedAt` attributes. @default the system clock */
  readonly clock?: Clock;
}

/**
 * {@link DefinitionStore} on the Baton table.
 *
 * `put` is idempotent: the same content gives the same version, and storing it again changes
 * nothing but the `LATEST` pointer. That pointer is written unconditionally once the version
 * exists: the last `put` wins, which is the order deploys happen in. (A deploy retried after a
 * newer one would move it back; deploys of one workflow are expected to be serialised.)
 * `get` results are cached in memory, since versions are immutable; `latest` is always read.
 */
export class DynamoDbDefinitionStore implements DefinitionStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly cache = new Map<string, StateMachineDefinition>();

  constructor(options: DynamoDbDefinitionStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
  }

  async put(name: string, definition: StateMachineDefinition): Promise<WorkflowRef> {
    const bytes = definitionBytes(definition);
    if (bytes > MAX_DEFINITION_BYTES) throw new DefinitionTooLargeError(name, bytes);
    const version = definitionVersion(definition);
    const now = new Date(this.clock.now()).toISOString();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [TableKey.partition]: { S: workflowPartitionKey(name) },
            [TableKey.sort]: { S: definitionVersionSortKey(version) },
            name: { S: name },
            version: { S: version },
            definition: { S: JSON.stringify(definition) },
            createdAt: { S: now },
          },
          // Prevents a second put of the same content from rewriting an existing version (and its createdAt).
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TableKey.partition },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      // That content is already stored under this version: put is idempotent.
      if (!isConditionalCheckFailed(error)) throw translateDynamoDbError(error, 'PutItem');
    }
    try {
      // Unconditional: the last put wins (see the class comment).
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [TableKey.partition]: { S: workflowPartitionKey(name) },
            [TableKey.sort]: { S: LATEST_SORT_KEY },
            name: { S: name },
            version: { S: version },
            updatedAt: { S: now },
          },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      throw translateDynamoDbError(error, 'PutItem');
    }
    this.cache.set(cacheKey({ name, version }), definition);
    return { name, version };
  }

  async get(ref: WorkflowRef): Promise<StateMachineDefinition | undefined> {
    const cached = this.cache.get(cacheKey(ref));
    if (cached !== undefined) return cached;
    const item = await this.getItem(
      workflowPartitionKey(ref.name),
      definitionVersionSortKey(ref.version),
      'definition',
    );
    const json = item?.definition?.S;
    if (json === undefined) return undefined;
    let definition: StateMachineDefinition;
    try {
      definition = JSON.parse(json) as StateMachineDefinition;
    } catch (error) {
      throw new CorruptItemError(`Definition ${ref.name}@${ref.version} is not valid JSON`, { cause: error });
    }
    this.cache.set(cacheKey(ref), definition);
    return definition;
  }

  async latest(name: string): Promise<WorkflowRef | undefined> {
    const item = await this.getItem(workflowPartitionKey(name), LATEST_SORT_KEY, 'version');
    const version = item?.version?.S;
    return version === undefined ? undefined : { name, version };
  }

  /** Strongly consistent, so that a definition is readable as soon as `put` returned. */
  private async getItem(
    pk: string,
    sk: string,
    attribute: string,
  ): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const output = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [TableKey.partition]: { S: pk }, [TableKey.sort]: { S: sk } },
          ProjectionExpression: '#a',
          ExpressionAttributeNames: { '#a': attribute },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return output.Item;
    } catch (error) {
      throw translateDynamoDbError(error, 'GetItem');
    }
  }
}

function cacheKey(ref: WorkflowRef): string {
  return `${ref.name}\u0000${ref.version}`;
}
