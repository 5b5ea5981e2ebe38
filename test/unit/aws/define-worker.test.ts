import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineWorker } from '../../../lambdas/aws/define-worker.js';
import type { Json } from '../../../lambdas/engine/json.js';
import type { InboxSender } from '../../../lambdas/runtime/ports.js';
import { TaskFailure } from '../../../lambdas/runtime/worker.js';

/** A log line as Powertools Logger prints it. */
type LogLine = Record<string, unknown> & { readonly message: string };

/**
 * A Powertools logger whose lines are kept: with POWERTOOLS_DEV set, Logger prints to the global
 * console (Powertools' advice for tests), which is spied on.
 */
function recordingLogger() {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  const lines: LogLine[] = [];
  const keep = (line: unknown) => {
    lines.push(JSON.parse(String(line)) as LogLine);
  };
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation(keep);
  }
  return { lines, logger: new Logger({ serviceName: 'charge' }) };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function inbox() {
  const sent: Json[] = [];
  const options: unknown[] = [];
  const sender: InboxSender = {
    send: async (body, sendOptions) => {
      sent.push(body);
      options.push(sendOptions);
    },
  };
  return { sent, options, sender };
}

const task = (input: Json) => ({
  taskToken: 'v1.token.sig',
  executionId: 'PlaceOrder:o-1',
  workflow: 'PlaceOrder',
  stateName: 'Charge',
  attempt: 2,
  idempotencyKey: 'PlaceOrder:o-1:7',
  input,
  compensation: false,
});

function taskRecord(body: unknown, messageId = 'm-1'): SQSRecord {
  return {
    messageId,
    receiptHandle: 'r',
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      AWSTraceHeader: 'Root=1-67891233-abcdef012345678912345678;Parent=463ac35c9f6413ad;Sampled=1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:charge',
    awsRegion: 'us-east-1',
  };
}

function event(body: unknown): SQSEvent {
  return { Records: [taskRecord(body)] };
}

const context = {} as Context;

describe('defineWorker', () => {
  it('reports the result with the idempotency key and attempt the handler was given', async () => {
    const { sent, sender } = inbox();
    const { logger } = recordingLogger();
    const handler = defineWorker(
      (input: { amount: number }, ctx) => ({
        charged: input.amount,
        key: ctx.idempotencyKey,
        attempt: ctx.attempt,
      }),
      { inbox: sender, logger },
    );
    const response = await handler(event(task({ amount: 12 })), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toEqual([
      {
        kind: 'TaskSucceeded',
        taskToken: 'v1.token.sig',
        output: { charged: 12, key: 'PlaceOrder:o-1:7', attempt: 2 },
      },
    ]);
  });

  it('reports a named failure with its name, and an unexpected one as States.TaskFailed', async () => {
    const { sent, sender } = inbox();
    const { logger } = recordingLogger();
    const declined = defineWorker(
      () => {
        throw new TaskFailure('Payment.Declined', 'card declined');
      },
      { inbox: sender, logger },
    );
    const broken = defineWorker(
      () => {
        throw new TypeError('x is undefined');
      },
      { inbox: sender, logger },
    );
    await declined(event(task({})), context);
    await broken(event(task({})), context);
    expect(sent).toEqual([
      { kind: 'TaskFailed', taskToken: 'v1.token.sig', error: 'Payment.Declined', cause: 'card declined' },
      {
        kind: 'TaskFailed',
        taskToken: 'v1.token.sig',
        error: 'States.TaskFailed',
        cause: 'TypeError: x is undefined',
      },
    ]);
  });

  it('reports a result over the 256 KiB payload limit as States.DataLimitExceeded instead of sending it', async () => {
    const { sent, sender } = inbox();
    const { logger } = recordingLogger();
    const atLimit = 'x'.repeat(262_144 - 2); // with its quotes, exactly 262,144 bytes of JSON
    const handler = defineWorker((input: { size: number }) => (input.size === 0 ? atLimit : `${atLimit}y`), {
      inbox: sender,
      logger,
    });
    await handler(event(task({ size: 0 })), context);
    const response = await handler(event(task({ size: 1 })), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toEqual([
      { kind: 'TaskSucceeded', taskToken: 'v1.token.sig', output: atLimit },
      {
        kind: 'TaskFailed',
        taskToken: 'v1.token.sig',
        error: 'States.DataLimitExceeded',
        cause: "The task result is 262145 bytes, over the 262144-byte limit of a state's payload",
      },
    ]);
  });

  it('does not log payloads by default', async () => {
    const { sender } = inbox();
    const { lines, logger } = recordingLogger();
    await defineWorker(() => 'ok', { inbox: sender, logger })(
      event(task({ card: '4111 1111 1111 1111' })),
      context,
    );
    expect(JSON.stringify(lines)).not.toContain('4111');
  });

  it('logs the input when payload logging is turned on', async () => {
    const { sender } = inbox();
    const { lines, logger } = recordingLogger();
    await defineWorker(() => 'ok', { inbox: sender, logger, logPayloads: true })(
      event(task({ card: '4111' })),
      context,
    );
    expect(JSON.stringify(lines)).toContain('4111');
  });

  it('leaves a malformed task message for the DLQ as a batch item failure', async () => {
    const { sent, sender } = inbox();
    const { logger } = recordingLogger();
    const response = await defineWorker(() => 'ok', { inbox: sender, logger })(
      event({ nope: true }),
      context,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(sent).toEqual([]);
  });

  it('keeps the failures of each of two overlapping invocations apart', async () => {
    const { logger } = recordingLogger();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const failing: InboxSender = {
      send: async () => {
        await gate;
        throw new Error('inbox unreachable');
      },
    };
    const handler = defineWorker(() => 'ok', { inbox: failing, logger });
    // The first invocation is still running when the second starts and ends, as with two pollers.
    const first = handler(event(task({})), context);
    const second = handler(event(task({})), context);
    release();
    const responses = await Promise.all([first, second]);
    expect(responses.map((response) => response.batchItemFailures)).toEqual([
      [{ itemIdentifier: 'm-1' }],
      [{ itemIdentifier: 'm-1' }],
    ]);
  });

  it('logs each of the records it handles at once with its own execution id, workflow and state', async () => {
    const { lines, logger } = recordingLogger();
    const { sender } = inbox();
    // Record a waits until b's result is reported, so b starts and ends while a runs.
    let bReported: () => void = () => undefined;
    const afterB = new Promise<void>((resolve) => (bReported = resolve));
    const reporting: InboxSender = {
      send: async (body, options) => {
        await sender.send(body, options);
        if (JSON.stringify(body).includes('"b"')) bReported();
      },
    };
    const handler = defineWorker(
      async (input: { order: string }) => {
        if (input.order === 'a') await afterB;
        return input.order;
      },
      { inbox: reporting, logger },
    );
    const a = { ...task({ order: 'a' }), executionId: 'PlaceOrder:a' };
    const b = {
      ...task({ order: 'b' }),
      executionId: 'ShipOrder:b',
      workflow: 'ShipOrder',
      stateName: 'Ship',
    };

    const response = await handler({ Records: [taskRecord(a, 'm-a'), taskRecord(b, 'm-b')] }, context);

    expect(response.batchItemFailures).toEqual([]);
    expect(
      lines.map(({ message, executionId, workflow, state }) => [message, executionId, workflow, state]),
    ).toEqual([
      ['Task received', 'PlaceOrder:a', 'PlaceOrder', 'Charge'],
      ['Task received', 'ShipOrder:b', 'ShipOrder', 'Ship'],
      ['Task reported', 'ShipOrder:b', 'ShipOrder', 'Ship'],
      ['Task reported', 'PlaceOrder:a', 'PlaceOrder', 'Charge'],
    ]);
  });

  it('logs a record whose outcome cannot be reported as an error with its message id and execution id', async () => {
    const { lines, logger } = recordingLogger();
    const unreachable: InboxSender = {
      send: async () => {
        throw new Error('inbox unreachable');
      },
    };
    const response = await defineWorker(() => 'ok', { inbox: unreachable, logger })(event(task({})), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(lines.find((line) => line.level === 'ERROR')).toMatchObject({
      message: 'Task outcome not reported: the task will be redelivered',
      messageId: 'm-1',
      executionId: 'PlaceOrder:o-1',
      error: { message: 'inbox unreachable' },
    });
  });

  it("reports the outcome without the record's trace header, which the SDK's own would lose to", async () => {
    const { options, sender } = inbox();
    const { logger } = recordingLogger();
    await defineWorker(() => 'ok', { inbox: sender, logger })(event(task({})), context);

    expect(options).toHaveLength(1);
    expect({ ...(options[0] as object) }).not.toHaveProperty('traceHeader');
  });
});
