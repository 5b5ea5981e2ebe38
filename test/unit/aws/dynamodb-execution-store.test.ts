import { randomBytes, randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  PutItemCommand,
  ProvisionedThroughputExceededException,
  QueryCommand,
  ThrottlingException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lambdas/aws/dynamodb-execution-store.js';
import {
  InvalidNextTokenError,
  PayloadStoreMissingError,
  PayloadTooLargeError,
} from '../../../lambdas/aws/dynamodb-errors.js';
import { itemSizeBytes } from '../../../lambdas/aws/dynamodb-item-size.js';
import { ExecutionIndex } from '../../../lambdas/contract/table-schema.js';
import type { HistoryEvent } from '../../../lambdas/engine/index.js';
import {
  TransientStoreError,
  TransitionTooLargeError,
  VersionConflictError,
  type ExecutionSummary,
} from '../../../lambdas/runtime/ports.js';
import { startDynalite, type LocalTable } from '../../../testing/dynalite-table.js';
import { ExecutionRun, LOOP_DEFINITION, ORDER_DEFINITION, ORDER_INPUT } from './engine-transitions.js';
import { MemoryPayloadStore } from './memory-payload-store.js';

interface RecordedCall {
  readonly command: string;
  readonly input: Record<string, unknown>;
  readonly output: Record<string, unknown>;
}

/** Records every call the client makes, with what it sent and what came back. */
function recordCalls(client: DynamoDBClient): RecordedCall[] {
  const calls: RecordedCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      calls.push({
        command: context.commandName ?? '',
        input: args.input as unknown as Record<string, unknown>,
        output: result.output as unknown as Record<string, unknown>,
      });
      return result;
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return calls;
}

/** A big, incompressible input (under the engine's 256 KiB payload limit). */
/**
 * An input whose snapshot cannot fit in an item even with each value stored once: 400,000
 * characters that compress to about 300,000 bytes (the engine fails such an execution for its
 * input size, but records the input first, so the snapshot still holds it).
 */
/** A payload limit under which a large input is kept in the state (the engine keeps none over its limit). */
const LARGE_PAYLOAD_LIMIT = 4_194_304;

function largeInput() {
  return { blob: randomBytes(300_000).toString('base64') };
}

describe('DynamoDbExecutionStore on dynalite', () => {
  let local: LocalTable;
  let store: DynamoDbExecutionStore;

  beforeAll(async () => {
    local = await startDynalite();
    store = new DynamoDbExecutionStore({ client: local.client, tableName: local.tableName });
  });
  afterAll(async () => {
    await local.close();
  });

  it('loads what it committed', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION, { businessKey: 'order-1' });
    const transition = run.start();
    await store.commit(transition);

    expect(await store.load(run.executionId)).toEqual({
      execution: transition.execution,
      version: 1,
      workflow: transition.workflow,
      businessKey: 'order-1',
      recentMessages: transition.recentMessages,
    });
  });

  it('keeps the keys of the stops and redrives applied, version after version', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    await store.commit({ ...run.start(), controlMessages: { 'stop-key': 1 } });

    expect((await store.load(run.executionId))?.controlMessages).toEqual({ 'stop-key': 1 });
  });

  it('loads nothing for an execution that was never committed', async () => {
    expect(await store.load('no-such-execution')).toBeUndefined();
  });

  it('loads the latest of several versions', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    await store.commit(run.start());
    await store.commit(run.completeTask({ reservationId: 'r-1' }));
    const third = run.completeTask({ paymentId: 'p-1' });
    await store.commit(third);

    const loaded = await store.load(run.executionId);
    expect(loaded?.version).toBe(3);
    expect(loaded?.execution).toEqual(third.execution);
    expect(loaded).not.toHaveProperty('businessKey');
  });

  it('rejects a second commit of the same version with a VersionConflictError', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    await store.commit(run.start());
    const second = run.completeTask();
    await store.commit(second);

    const error = await store.commit(second).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ executionId: run.executionId, expectedVersion: 1 });
    expect((error as Error).cause).toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('rejects a second start of the same execution', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    const start = run.start();
    await store.commit(start);

    await expect(store.commit(start)).rejects.toMatchObject({
      name: 'VersionConflictError',
      expectedVersion: 0,
    });
  });

  it('lets exactly one of two concurrent commits of the same version win', async () => {
    const other = new DynamoDbExecutionStore({ client: local.newClient(), tableName: local.tableName });
    const run = new ExecutionRun(LOOP_DEFINITION);
    await store.commit(run.start());
    for (let round = 0; round < 10; round++) {
      const a = run.peek(run.taskSucceeded({ by: 'a', round }));
      const b = run.peek(run.taskSucceeded({ by: 'b', round }));

      const results = await Promise.allSettled([store.commit(a), other.commit(b)]);

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const [rejected] = results.filter((r) => r.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(VersionConflictError);
      const winner = results[0]?.status === 'fulfilled' ? a : b;
      expect((await store.load(run.executionId))?.execution).toEqual(winner.execution);
      run.completeTask({ by: results[0]?.status === 'fulfilled' ? 'a' : 'b', round });
    }
  });

  it('loads the commands saved with a version', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    const first = run.start();
    await store.commit(first);
    const second = run.completeTask();
    await store.commit(second);

    expect(await store.loadCommands(run.executionId, 1)).toEqual(first.commands);
    expect(await store.loadCommands(run.executionId, 2)).toEqual(second.commands);
    expect(await store.loadCommands(run.executionId, 3)).toBeUndefined();
  });

  it('pages through the history of 300 transitions in order', async () => {
    const run = new ExecutionRun(LOOP_DEFINITION, { input: { orderId: 'o-1' } });
    const expected: HistoryEvent[] = [];
    for (let i = 0; i < 300; i++) {
      const transition = i === 0 ? run.start() : run.completeTask(i === 299 ? 'done' : i);
      expected.push(...transition.history);
      await store.commit(transition);
    }
    expect(run.execution?.status).toBe('SUCCEEDED');

    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.history(run.executionId, { limit: 37, ...(nextToken && { nextToken }) });
      expect(page.events.length).toBeLessThanOrEqual(37);
      events.push(...page.events);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken !== undefined);

    expect(events).toEqual(expected);
    expect(events.map((e) => e.id)).toEqual(expected.map((_, i) => i + 1));
    expect(pages).toBe(Math.ceil(expected.length / 37));
  });

  it('returns the whole history in one page when it fits, with no nextToken', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    const first = run.start();
    const second = run.completeTask();
    await store.commit(first);
    await store.commit(second);

    expect(await store.history(run.executionId)).toEqual({ events: [...first.history, ...second.history] });
  });

  it('continues a history page from where the previous one stopped, as the execution goes on', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION);
    const first = run.start();
    await store.commit(first);
    const page = await store.history(run.executionId, { limit: first.history.length - 1 });
    const second = run.completeTask();
    await store.commit(second);

    const rest = await store.history(run.executionId, { nextToken: page.nextToken as string });
    expect([...page.events, ...rest.events]).toEqual([...first.history, ...second.history]);
  });

  it('rejects a history token it did not produce', async () => {
    await expect(store.history('any', { nextToken: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidNextTokenError);
  });

  it('stores a typical Task transition in under 1 KB: one write unit', async () => {
    const client = local.newClient();
    const calls = recordCalls(client);
    const measured = new DynamoDbExecutionStore({ client, tableName: local.tableName });
    const run = new ExecutionRun(ORDER_DEFINITION, { businessKey: ORDER_INPUT.orderId });
    expect(JSON.stringify(ORDER_INPUT).length).toBeGreaterThan(450);
    await measured.commit(run.start());
    const transition = run.completeTask({
      reservationId: 'res_9Xk2Lq',
      expiresAt: '2026-01-01T00:15:00.000Z',
    });
    expect(transition.history.map((e) => e.type)).toEqual([
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
    ]);

    await measured.commit(transition);

    const put = calls.filter((c) => c.command === 'PutItemCommand').at(-1);
    expect(itemSizeBytes(put?.input.Item as Record<string, AttributeValue>)).toBeLessThan(1024);
    expect(put?.output.ConsumedCapacity).toMatchObject({ CapacityUnits: 1 });
  });

  it('asks for the consumed capacity on every call', async () => {
    const client = local.newClient();
    const calls = recordCalls(client);
    const measured = new DynamoDbExecutionStore({ client, tableName: local.tableName });
    const run = new ExecutionRun(ORDER_DEFINITION);
    await measured.commit(run.start());
    await measured.load(run.executionId);
    await measured.loadCommands(run.executionId, 1);
    await measured.history(run.executionId);
    await measured.writeIndex(summaryOf(run, 'RUNNING'), 1);
    await measured.list({ workflow: run.workflow.name, limit: 5 });
    await measured.list({ status: 'RUNNING', limit: 5 });

    expect(new Set(calls.map((c) => c.command))).toEqual(
      new Set(['PutItemCommand', 'QueryCommand', 'GetItemCommand', 'BatchGetItemCommand']),
    );
    for (const call of calls) expect(call.input.ReturnConsumedCapacity).toBe('TOTAL');
  });

  it('offloads a snapshot over the threshold to the payload store and loads it back', async () => {
    const payloads = new MemoryPayloadStore();
    const offloading = new DynamoDbExecutionStore({
      client: local.client,
      tableName: local.tableName,
      payloads,
      offloadThresholdBytes: 300,
    });
    const run = new ExecutionRun(ORDER_DEFINITION);
    const first = run.start();
    await offloading.commit(first);

    const [key] = [...payloads.objects.keys()];
    expect(key).toMatch(new RegExp(`^executions/${run.executionId}/1/[0-9a-f]{16}$`));
    const raw = await local.client.send(
      new GetItemCommand({
        TableName: local.tableName,
        Key: { pk: { S: `EXEC#${run.executionId}` }, sk: { S: 'V#000000000001' } },
      }),
    );
    expect(raw.Item?.ref).toEqual({ S: key });
    expect(raw.Item).not.toHaveProperty('data');
    expect((await offloading.load(run.executionId))?.execution).toEqual(first.execution);
    expect(await offloading.loadCommands(run.executionId, 1)).toEqual(first.commands);
    expect((await offloading.history(run.executionId)).events).toEqual(first.history);
  });

  it('offloads a snapshot too large for an item with the default threshold', async () => {
    const payloads = new MemoryPayloadStore();
    const offloading = new DynamoDbExecutionStore({
      client: local.client,
      tableName: local.tableName,
      payloads,
    });
    const run = new ExecutionRun(ORDER_DEFINITION, {
      input: largeInput(),
      maxPayloadBytes: LARGE_PAYLOAD_LIMIT,
    });
    const first = run.start();

    await offloading.commit(first);

    expect(payloads.objects.size).toBe(1);
    expect((await offloading.load(run.executionId))?.execution).toEqual(first.execution);
  });

  it('keeps a snapshot over the offload threshold in the item when no payload store is configured', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION, {
      input: largeInput(),
      maxPayloadBytes: LARGE_PAYLOAD_LIMIT,
    });
    const first = run.start();

    await store.commit(first);

    expect((await store.load(run.executionId))?.execution).toEqual(first.execution);
  });

  it('throws PayloadTooLargeError (a TransitionTooLargeError) for a snapshot over the item limit without a payload store', async () => {
    // 800,000 characters, about 600 KB compressed: over DynamoDB's 400 KB item limit.
    const run = new ExecutionRun(ORDER_DEFINITION, {
      input: { blob: randomBytes(600_000).toString('base64') },
      maxPayloadBytes: LARGE_PAYLOAD_LIMIT,
    });

    const error = await store.commit(run.start()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toBeInstanceOf(TransitionTooLargeError);
    expect(error).toMatchObject({ executionId: run.executionId, version: 1 });
    expect((error as PayloadTooLargeError).limitBytes).toBeLessThan(400 * 1024);
    expect(await store.load(run.executionId)).toBeUndefined();
  });

  it('throws PayloadStoreMissingError when an offloaded snapshot is read without a payload store', async () => {
    const offloading = new DynamoDbExecutionStore({
      client: local.client,
      tableName: local.tableName,
      payloads: new MemoryPayloadStore(),
      offloadThresholdBytes: 300,
    });
    const run = new ExecutionRun(ORDER_DEFINITION);
    await offloading.commit(run.start());

    await expect(store.load(run.executionId)).rejects.toBeInstanceOf(PayloadStoreMissingError);
  });

  it('does not let an older index write overwrite a newer one', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION, { businessKey: `bk-${randomUUID()}` });
    run.start();
    const running = summaryOf(run, 'RUNNING');
    const succeeded = { ...running, status: 'SUCCEEDED' as const, stopTime: '2026-01-01T00:01:00.000Z' };
    await store.writeIndex(succeeded, 4);

    await store.writeIndex(running, 1);
    await store.writeIndex(running, 4);

    expect((await store.list({ businessKey: running.businessKey })).items).toEqual([succeeded]);
  });

  it('replaces the index with a newer version', async () => {
    const run = new ExecutionRun(ORDER_DEFINITION, { businessKey: `bk-${randomUUID()}` });
    run.start();
    const running = summaryOf(run, 'RUNNING');
    const failed = {
      ...running,
      status: 'FAILED' as const,
      stopTime: '2026-01-01T00:01:00.000Z',
      error: 'Boom',
    };
    await store.writeIndex(running, 1);

    await store.writeIndex(failed, 3);

    const { businessKey } = running;
    expect((await store.list({ businessKey })).items).toEqual([failed]);
    expect((await store.list({ businessKey, status: 'RUNNING' })).items).toEqual([]);
  });
});

describe('DynamoDbExecutionStore.list on dynalite', () => {
  let local: LocalTable;
  let store: DynamoDbExecutionStore;
  const summaries = [
    summary('e1', 'wf-a', 'SUCCEEDED', 1, 'bk-1'),
    summary('e2', 'wf-a', 'RUNNING', 2, 'bk-2'),
    summary('e3', 'wf-b', 'FAILED', 3),
    summary('e4', 'wf-b', 'RUNNING', 4, 'bk-1'),
    summary('e5', 'wf-a', 'FAILED', 5),
    summary('e6', 'wf-c', 'COMPENSATED', 6),
  ];
  const byId = (...ids: string[]) => ids.map((id) => summaries.find((s) => s.executionId === id));

  beforeAll(async () => {
    local = await startDynalite();
    store = new DynamoDbExecutionStore({ client: local.client, tableName: local.tableName });
    for (const s of summaries) await store.writeIndex(s, 1);
  });
  afterAll(async () => {
    await local.close();
  });

  it('lists every execution, newest first, from the ByStartTime index (no Scan)', async () => {
    const client = local.newClient();
    const calls = recordCalls(client);
    const listing = new DynamoDbExecutionStore({ client, tableName: local.tableName });

    const { items } = await listing.list({});

    expect(items).toEqual(byId('e6', 'e5', 'e4', 'e3', 'e2', 'e1'));
    expect(calls.map((c) => c.command)).toEqual(['QueryCommand', 'BatchGetItemCommand']);
    expect(calls[0]?.input.IndexName).toBe(ExecutionIndex.byStartTime.indexName);
  });

  it('lists by workflow', async () => {
    expect((await store.list({ workflow: 'wf-a' })).items).toEqual(byId('e5', 'e2', 'e1'));
  });

  it('lists by status', async () => {
    expect((await store.list({ status: 'RUNNING' })).items).toEqual(byId('e4', 'e2'));
    expect((await store.list({ status: 'COMPENSATED' })).items).toEqual(byId('e6'));
  });

  it('lists by business key', async () => {
    expect((await store.list({ businessKey: 'bk-1' })).items).toEqual(byId('e4', 'e1'));
  });

  it('lists the executions started since a time', async () => {
    expect((await store.list({ since: at(4) })).items).toEqual(byId('e6', 'e5', 'e4'));
    expect((await store.list({ workflow: 'wf-a', since: at(2) })).items).toEqual(byId('e5', 'e2'));
  });

  it('combines filters', async () => {
    expect((await store.list({ workflow: 'wf-a', status: 'FAILED' })).items).toEqual(byId('e5'));
    expect((await store.list({ businessKey: 'bk-1', status: 'RUNNING' })).items).toEqual(byId('e4'));
    expect((await store.list({ businessKey: 'bk-1', workflow: 'wf-c' })).items).toEqual([]);
    expect((await store.list({ status: 'RUNNING', since: at(3) })).items).toEqual(byId('e4'));
  });

  it('pages with limit and nextToken', async () => {
    for (const filter of [{}, { workflow: 'wf-a' }, { status: 'FAILED' as const }]) {
      const all = (await store.list(filter)).items;
      const paged: ExecutionSummary[] = [];
      let nextToken: string | undefined;
      do {
        const page = await store.list({ ...filter, limit: 2, ...(nextToken && { nextToken }) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.items);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      expect(paged).toEqual(all);
    }
  });

  it('fills a page across queries when a filter drops entries', async () => {
    const page = await store.list({ businessKey: 'bk-1', status: 'SUCCEEDED', limit: 1 });
    expect(page.items).toEqual(byId('e1'));
  });

  it('rejects a nextToken from a list with different filters', async () => {
    const { nextToken } = await store.list({ workflow: 'wf-a', limit: 1 });

    await expect(store.list({ status: 'RUNNING', nextToken: nextToken as string })).rejects.toBeInstanceOf(
      InvalidNextTokenError,
    );
  });

  it('rejects a limit out of range', async () => {
    await expect(store.list({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('DynamoDbExecutionStore error translation', () => {
  const client = new DynamoDBClient({ region: 'us-east-1' });
  const ddb = mockClient(client);
  const store = new DynamoDbExecutionStore({ client, tableName: 'baton' });
  const run = new ExecutionRun(ORDER_DEFINITION);
  const transition = run.start();

  beforeEach(() => {
    ddb.reset();
  });

  it('turns ConditionalCheckFailedException on commit into VersionConflictError, keeping the cause', async () => {
    const failure = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    ddb.on(PutItemCommand).rejects(failure);

    const error = await store.commit(transition).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ executionId: run.executionId, expectedVersion: 0 });
    expect((error as Error).cause).toBe(failure);
  });

  it.each([
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })],
    [
      'ProvisionedThroughputExceededException',
      () => new ProvisionedThroughputExceededException({ message: 'Slow down', $metadata: {} }),
    ],
    ['InternalServerError', () => new InternalServerError({ message: 'Oops', $metadata: {} })],
    ['RequestLimitExceeded', () => Object.assign(new Error('Too many'), { name: 'RequestLimitExceeded' })],
  ])('turns %s into TransientStoreError, keeping the cause', async (_name, makeError) => {
    const failure = makeError();
    ddb.on(PutItemCommand).rejects(failure);
    ddb.on(QueryCommand).rejects(failure);

    const commitError = await store.commit(transition).catch((e: unknown) => e);
    const loadError = await store.load(run.executionId).catch((e: unknown) => e);

    for (const error of [commitError, loadError]) {
      expect(error).toBeInstanceOf(TransientStoreError);
      expect((error as Error).cause).toBe(failure);
    }
  });

  it('rethrows other errors with their name intact', async () => {
    const failure = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    ddb.on(GetItemCommand).rejects(failure);

    await expect(store.loadCommands(run.executionId, 1)).rejects.toBe(failure);
  });

  it('ignores ConditionalCheckFailedException on writeIndex: a newer index is there', async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));

    await expect(store.writeIndex(summaryOf(run, 'RUNNING'), 1)).resolves.toBeUndefined();
  });

  it('turns throttling on writeIndex into TransientStoreError', async () => {
    ddb.on(PutItemCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));

    await expect(store.writeIndex(summaryOf(run, 'RUNNING'), 1)).rejects.toBeInstanceOf(TransientStoreError);
  });
});

function at(second: number): string {
  return new Date(Date.parse('2026-02-01T00:00:00Z') + second * 1000).toISOString();
}

function summary(
  executionId: string,
  workflow: string,
  status: ExecutionSummary['status'],
  second: number,
  businessKey?: string,
): ExecutionSummary {
  return {
    executionId,
    name: businessKey ?? executionId,
    workflow,
    workflowVersion: '0123456789abcdef',
    status,
    startTime: at(second),
    ...(status !== 'RUNNING' && { stopTime: at(second + 60) }),
    ...(businessKey !== undefined && { businessKey }),
    ...(status === 'FAILED' && { error: 'States.TaskFailed' }),
  };
}

function summaryOf(
  run: ExecutionRun,
  status: ExecutionSummary['status'],
): ExecutionSummary & { businessKey?: string } {
  const execution = run.execution;
  if (execution === undefined) throw new Error('The run has not started');
  return {
    executionId: execution.executionId,
    name: execution.name,
    workflow: run.workflow.name,
    workflowVersion: run.workflow.version,
    status,
    startTime: new Date(execution.startTime).toISOString(),
    ...(execution.name !== execution.executionId && { businessKey: execution.name }),
  };
}

describe('DynamoDbExecutionStore retention', () => {
  it('gives every item a TTL of write time + a year + the retention, when a retention is set', async () => {
    const { startDynalite } = await import('../../../testing/dynalite-table.js');
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDbExecutionStore, MAX_EXECUTION_SECONDS } =
      await import('../../../lambdas/aws/dynamodb-execution-store.js');
    const { compileWorkflow, decide } = await import('../../../lambdas/engine/index.js');
    const table = await startDynalite();
    try {
      const now = Date.parse('2026-05-01T00:00:00Z');
      const store = new DynamoDbExecutionStore({
        client: table.client,
        tableName: table.tableName,
        clock: { now: () => now },
        retentionSeconds: 86_400,
      });
      const workflow = compileWorkflow({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
      const decision = decide(
        undefined,
        { type: 'StartExecution', executionId: 'W:ttl', name: 'ttl', input: {} },
        { now, workflow },
      );
      await store.commit({
        executionId: 'W:ttl',
        version: 1,
        execution: decision.execution,
        history: decision.history,
        commands: decision.commands,
        messageId: 'm-1',
        workflow: { name: 'W', version: 'v1' },
        recentMessages: {},
      });
      await store.writeIndex(
        {
          executionId: 'W:ttl',
          name: 'ttl',
          workflow: 'W',
          workflowVersion: 'v1',
          status: 'SUCCEEDED',
          startTime: new Date(now).toISOString(),
        },
        1,
      );
      const expected = String(now / 1000 + MAX_EXECUTION_SECONDS + 86_400);
      for (const sk of ['V#000000000001', 'INDEX']) {
        const { Item } = await table.client.send(
          new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'EXEC#W:ttl' }, sk: { S: sk } } }),
        );
        expect(Item?.expiresAt?.N, sk).toBe(expected);
      }
    } finally {
      await table.close();
    }
  });
});
