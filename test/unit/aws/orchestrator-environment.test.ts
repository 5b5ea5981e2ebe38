import { describe, expect, it } from 'vitest';
import { MissingConfigurationError } from '../../../lambdas/aws/define-worker.js';
import {
  createPorts,
  defaultClients,
  readOrchestratorEnvironment,
} from '../../../lambdas/aws/orchestrator-environment.js';
import type { TaskDispatch } from '../../../lambdas/runtime/ports.js';
import type { LambdaInvokeRequest, LambdaTransport } from '../../../lambdas/runtime/task-router.js';

const complete = {
  BATON_TABLE_NAME: 'table',
  BATON_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/inbox',
  BATON_INBOX_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:1:inbox',
  BATON_WORKER_QUEUES: '{"charge":"https://sqs.eu-west-1.amazonaws.com/1/charge"}',
  BATON_EVENT_BUS_NAME: 'bus',
  BATON_EVENT_SOURCE: 'baton.orders',
  BATON_SCHEDULER_GROUP: 'group',
  BATON_SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/scheduler',
  BATON_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:key',
  BATON_CORRELATION_SHAPES: '[{"detailType":"Paid","paths":["detail.orderId"]}]',
};

describe('the orchestrator environment', () => {
  it('reads every variable the construct sets', () => {
    const config = readOrchestratorEnvironment(complete);
    expect(config.workerQueues).toEqual({ charge: 'https://sqs.eu-west-1.amazonaws.com/1/charge' });
    expect(config.correlationShapes).toEqual([{ detailType: 'Paid', paths: ['detail.orderId'] }]);
    expect(config.payloadBucket).toBeUndefined();
  });

  it('reads the child domains, and names the variable when they are not what the construct writes', () => {
    const children = [
      {
        domain: 'labels',
        inboxUrl: 'https://sqs.eu-west-1.amazonaws.com/1/labels',
        workflows: ['MakeLabel'],
      },
    ];
    const config = readOrchestratorEnvironment({
      ...complete,
      BATON_DOMAIN: 'orders',
      BATON_PUBLIC_INBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/public',
      BATON_CHILD_DOMAINS: JSON.stringify(children),
    });
    expect(config.childDomains).toEqual(children);
    expect(config.domain).toBe('orders');
    expect(config.publicInboxQueueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/1/public');
    expect(readOrchestratorEnvironment(complete).childDomains).toEqual([]);
    for (const bad of [
      'nope',
      '{}',
      '[{"domain":"labels","inboxUrl":"u"}]',
      '[{"domain":1,"inboxUrl":"u","workflows":[]}]',
    ]) {
      expect(() => readOrchestratorEnvironment({ ...complete, BATON_CHILD_DOMAINS: bad })).toThrow(
        'BATON_CHILD_DOMAINS',
      );
    }
  });

  it('names a missing variable', () => {
    const { BATON_TABLE_NAME: _omitted, ...rest } = complete;
    expect(() => readOrchestratorEnvironment(rest)).toThrow(
      'The environment variable BATON_TABLE_NAME is not set',
    );
  });

  it('rejects worker queues that are not JSON, naming the variable', () => {
    expect(() => readOrchestratorEnvironment({ ...complete, BATON_WORKER_QUEUES: 'nope' })).toThrow(
      MissingConfigurationError,
    );
  });

  it('needs a task token key from the secret or, locally, the variable', () => {
    const { BATON_TOKEN_SECRET_ARN: _omitted, ...rest } = complete;
    expect(() => readOrchestratorEnvironment(rest)).toThrow('BATON_TOKEN_SECRET_ARN');
    expect(
      readOrchestratorEnvironment({ ...rest, BATON_TOKEN_SIGNING_KEY: 'k'.repeat(32) }).tokenSigningKey,
    ).toBe('k'.repeat(32));
  });
});

describe('the orchestrator ports', () => {
  const invokeTask: TaskDispatch = {
    executionId: 'exec-1',
    workflow: 'orders',
    taskToken: 'v1.token.sig',
    command: {
      type: 'DispatchTask',
      token: 'root:e1:2',
      resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      input: { FunctionName: 'charge', Payload: { orderId: 'o-1' } },
      stateName: 'Charge',
      attempt: 1,
      idempotencyKey: 'exec-1/e1',
      timeoutSeconds: 30,
      compensation: false,
    },
  };

  it('perform lambda:invoke tasks with the Lambda transport they are given', async () => {
    const invoked: LambdaInvokeRequest[] = [];
    const lambda: LambdaTransport = {
      invoke: async (request) => {
        invoked.push(request);
        return { StatusCode: 202 };
      },
    };
    const ports = createPorts(readOrchestratorEnvironment(complete), defaultClients(), { lambda });
    await ports.tasks.dispatch(invokeTask);
    expect(invoked).toEqual([
      expect.objectContaining({ FunctionName: 'charge', Payload: '{"orderId":"o-1"}' }),
    ]);
  });
});

describe('the orchestrator ports and the payload bucket', () => {
  const withBucket = { ...complete, BATON_PAYLOAD_BUCKET: 'payloads' };

  it('refuse an environment that names a payload bucket when no payload store is given', () => {
    expect(() => createPorts(readOrchestratorEnvironment(withBucket), defaultClients())).toThrow(
      'BATON_PAYLOAD_BUCKET names the bucket payloads, but no payload store was given',
    );
  });

  it('make the payload store for the bucket the environment names', () => {
    const buckets: string[] = [];
    createPorts(readOrchestratorEnvironment(withBucket), defaultClients(), {
      payloads: (bucket) => {
        buckets.push(bucket);
        return { put: async () => undefined, get: async () => new Uint8Array() };
      },
    });
    expect(buckets).toEqual(['payloads']);
  });

  it('apply the capture function to every client they make', () => {
    const captured: object[] = [];
    const clients = defaultClients({
      capture: (client) => {
        captured.push(client);
        return client;
      },
    });
    expect(captured).toEqual(Object.values(clients));
  });
});
