import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInboxHandler } from '../../../lambdas/aws/sqs-inbox-handler.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';

function record(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:inbox',
    awsRegion: 'us-east-1',
  };
}

const context = { functionName: 'orchestrator', awsRequestId: 'req-1' } as Context;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const PUBLIC_INBOX = 'arn:aws:sqs:us-east-1:123456789012:public-inbox';

/** The same record, as the public inbox delivers it. */
function fromPublicInbox(messageId: string, body: unknown): SQSRecord {
  return { ...record(messageId, body), eventSourceARN: PUBLIC_INBOX };
}

describe('the public inbox', () => {
  it('starts executions and takes task results, but refuses stops, redrives, timers, events and child starts', async () => {
    const d = new InProcessDomain({});
    await d.deploy('Wait', {
      StartAt: 'Nap',
      States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } },
    });
    const handler = createInboxHandler({
      orchestrator: d.orchestrator,
      logger: new Logger({ logLevel: 'SILENT' }),
      publicQueueArn: PUBLIC_INBOX,
    });
    const started = await handler(
      { Records: [fromPublicInbox('start', { kind: 'StartExecution', workflow: 'Wait', name: 'w-1' })] },
      context,
    );
    expect(started.batchItemFailures).toEqual([]);
    const timerId = (await d.store.load('Wait:w-1'))?.execution.threads.root?.active.waiting;
    const forged = [
      fromPublicInbox('stop', { kind: 'StopExecution', executionId: 'Wait:w-1' }),
      fromPublicInbox('redrive', { kind: 'RedriveExecution', executionId: 'Wait:w-1' }),
      fromPublicInbox('timer', {
        kind: 'TimerFired',
        executionId: 'Wait:w-1',
        timerId: timerId?.type === 'Wait' ? timerId.timerId : 'root:1:wait',
      }),
      fromPublicInbox('event', {
        kind: 'EventReceived',
        event: { id: 'e-1', 'detail-type': 'Fraud Check Completed', source: 'x', detail: {} },
      }),
      fromPublicInbox('from-event', {
        kind: 'StartFromEvent',
        workflow: 'Wait',
        event: { id: 'e-2', 'detail-type': 'Go', source: 'x', detail: {} },
      }),
      fromPublicInbox('child', {
        kind: 'StartExecution',
        workflow: 'Wait',
        name: 'claims-a-parent',
        parent: {
          executionId: 'Other:o-1',
          integration: 'requestResponse',
          stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Wait',
          executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Wait:claims-a-parent',
        },
      }),
    ];

    const response = await handler({ Records: forged }, context);

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      'stop',
      'redrive',
      'timer',
      'event',
      'from-event',
      'child',
    ]);
    expect((await d.store.load('Wait:w-1'))?.execution.status).toBe('RUNNING');
    expect((await d.store.list({})).items).toHaveLength(1);
  });

  it('applies every kind from the internal inbox, which only the domain itself sends to', async () => {
    const d = new InProcessDomain({});
    await d.deploy('Wait', {
      StartAt: 'Nap',
      States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } },
    });
    const handler = createInboxHandler({
      orchestrator: d.orchestrator,
      logger: new Logger({ logLevel: 'SILENT' }),
      publicQueueArn: PUBLIC_INBOX,
    });
    await handler(
      { Records: [record('start', { kind: 'StartExecution', workflow: 'Wait', name: 'w-2' })] },
      context,
    );

    const response = await handler(
      { Records: [record('stop', { kind: 'StopExecution', executionId: 'Wait:w-2' })] },
      context,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect((await d.store.load('Wait:w-2'))?.execution.status).toBe('ABORTED');
  });
});

describe('the inbox SQS handler', () => {
  it('reports only the malformed and rejected records as batch item failures', async () => {
    const d = new InProcessDomain({});
    await d.deploy('Hello', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const handler = createInboxHandler({ orchestrator: d.orchestrator, logger });
    const event: SQSEvent = {
      Records: [
        record('good', { kind: 'StartExecution', workflow: 'Hello', name: 'h-1', input: {} }),
        record('not-json', '{oops'),
        record('unknown-workflow', { kind: 'StartExecution', workflow: 'Missing', input: {} }),
        record('forged', { kind: 'TaskSucceeded', taskToken: 'v1.e30.bad', output: {} }),
      ],
    };
    const response = await handler(event, context);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'forged',
      'not-json',
      'unknown-workflow',
    ]);
    expect((await d.store.load('Hello:h-1'))?.execution.status).toBe('SUCCEEDED');
  });

  it('returns every record as failed rather than throwing when the whole batch fails', async () => {
    const d = new InProcessDomain({});
    const handler = createInboxHandler({
      orchestrator: d.orchestrator,
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const response = await handler({ Records: [record('a', 'x'), record('b', 'y')] }, context);
    expect(response.batchItemFailures).toHaveLength(2);
  });

  it('keeps the failures of each of two overlapping invocations apart', async () => {
    const d = new InProcessDomain({});
    await d.deploy('Hello', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const handler = createInboxHandler({
      orchestrator: d.orchestrator,
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    // Both run at once, as two pollers of one function do: each must report its own bad records.
    const [first, second] = await Promise.all([
      handler(
        {
          Records: [
            record('bad-1', '{oops'),
            record('good-1', { kind: 'StartExecution', workflow: 'Hello', name: 'a', input: {} }),
          ],
        },
        context,
      ),
      handler(
        {
          Records: [
            record('good-2', { kind: 'StartExecution', workflow: 'Hello', name: 'b', input: {} }),
            record('bad-2', '{oops'),
          ],
        },
        context,
      ),
    ]);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'bad-1' }]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'bad-2' }]);
  });

  it('logs each handled message with the execution it was for', async () => {
    // With POWERTOOLS_DEV set, Logger prints to the global console (Powertools' advice for tests).
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const lines: Record<string, unknown>[] = [];
    vi.spyOn(console, 'info').mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)) as Record<string, unknown>);
    });
    const d = new InProcessDomain({});
    await d.deploy('Hello', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const handler = createInboxHandler({
      orchestrator: d.orchestrator,
      logger: new Logger({ serviceName: 'test' }),
    });

    await handler(
      {
        Records: [
          record('a', { kind: 'StartExecution', workflow: 'Hello', name: 'h-a', input: {} }),
          record('b', { kind: 'StartExecution', workflow: 'Hello', name: 'h-b', input: {} }),
        ],
      },
      context,
    );

    expect(
      lines
        .filter((line) => line.message === 'Inbox message handled')
        .map(({ executionId, messageId }) => [executionId, messageId]),
    ).toEqual([
      ['Hello:h-a', 'a'],
      ['Hello:h-b', 'b'],
    ]);
  });
});

describe('heartbeats', () => {
  it("count from SQS's SentTimestamp, so one delivered again after its key was forgotten changes nothing", async () => {
    // The worker is never stepped: the test reads its task from the queue and beats for it.
    const d = new InProcessDomain({ workers: { work: () => null } });
    await d.deploy('Slow', {
      StartAt: 'Work',
      States: { Work: { Type: 'Task', Resource: 'baton:worker:work', HeartbeatSeconds: 60, End: true } },
    });
    const handler = createInboxHandler({
      orchestrator: d.orchestrator,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
    d.start('Slow', {}, 's-1');
    await d.step();
    const [dispatched] = d.workerQueues.get('work')?.peek() ?? [];
    const { taskToken } = JSON.parse(dispatched?.body ?? '{}') as { taskToken: string };
    d.advance(1_000);
    const sentAt = String(d.now());
    const heartbeat = (id: string): SQSRecord => {
      const beat = record(id, { kind: 'TaskHeartbeat', taskToken });
      return { ...beat, attributes: { ...beat.attributes, SentTimestamp: sentAt } };
    };
    const handle = vi.spyOn(d.orchestrator, 'handle');
    await handler({ Records: [heartbeat('hb-1')] }, context);
    expect(handle.mock.calls[0]?.[2]).toEqual({ sentAt: Number(sentAt) });
    expect(await handle.mock.results[0]?.value).toMatchObject({ type: 'applied' });
    d.advance(50_000);
    // The same heartbeat delivered again under another key (as after 1,000 transitions): stale.
    await handler({ Records: [heartbeat('hb-1-again')] }, context);
    expect(await handle.mock.results[1]?.value).toMatchObject({ type: 'ignored' });
  });
});
