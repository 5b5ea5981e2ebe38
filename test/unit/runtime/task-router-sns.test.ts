/**
 * `arn:aws:states:::sns:publish` in THE task router, with a transport double: the request built
 * from the parameters, the result shape (`MessageId`, `SdkHttpMetadata`, `SdkResponseMetadata`, as
 * AWS-recorded in LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_sns_task_service.snapshot.json) and
 * `.waitForTaskToken`, which Step Functions supports for SNS.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Json } from '../../../lambdas/engine/json.js';
import type { InboxSender, TaskDispatch } from '../../../lambdas/runtime/ports.js';
import {
  IntegrationCallError,
  TaskRouter,
  type SnsPublishRequest,
  type SnsPublishResponse,
} from '../../../lambdas/runtime/task-router.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:orders';

class RecordingInbox implements InboxSender {
  readonly sent: Json[] = [];
  async send(body: Json): Promise<void> {
    this.sent.push(body);
  }
}

let inbox: RecordingInbox;
let published: SnsPublishRequest[];

beforeEach(() => {
  inbox = new RecordingInbox();
  published = [];
});

function router(answer: () => Promise<SnsPublishResponse> | undefined = () => undefined): TaskRouter {
  return new TaskRouter({
    transports: {
      workers: { has: () => false, send: async () => undefined },
      sns: {
        publish: async (request) => {
          published.push(request);
          return (await answer()) ?? { MessageId: 'msg-1', HttpStatusCode: 200, RequestId: 'REQ-1' };
        },
      },
    },
    inbox,
  });
}

function task(resource: string, input: Json): TaskDispatch {
  return {
    executionId: 'exec-1',
    workflow: 'orders',
    taskToken: 'v1.token.sig',
    command: {
      type: 'DispatchTask',
      token: 'root:e1:2',
      resource,
      input,
      stateName: 'Notify',
      attempt: 1,
      idempotencyKey: 'exec-1/e1',
      compensation: false,
    },
  };
}

describe('arn:aws:states:::sns:publish', () => {
  it('publishes the message and reports MessageId with the HTTP metadata', async () => {
    await router().dispatch(
      task('arn:aws:states:::sns:publish', { TopicArn: TOPIC, Message: 'hello', Subject: 'Order' }),
    );
    expect(published).toEqual([{ TopicArn: TOPIC, Message: 'hello', Subject: 'Order' }]);
    expect(inbox.sent).toEqual([
      {
        kind: 'TaskSucceeded',
        taskToken: 'v1.token.sig',
        output: {
          MessageId: 'msg-1',
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: 'REQ-1' },
        },
      },
    ]);
  });

  it('serializes a message that is not a string, as Step Functions does', async () => {
    await router().dispatch(task('arn:aws:states:::sns:publish', { TopicArn: TOPIC, Message: { id: 1 } }));
    expect(published[0]?.Message).toBe('{"id":1}');
  });

  it('with .waitForTaskToken, publishes and leaves the result to SendTaskSuccess', async () => {
    await router().dispatch(
      task('arn:aws:states:::sns:publish.waitForTaskToken', { TopicArn: TOPIC, Message: 'token' }),
    );
    expect(published).toHaveLength(1);
    expect(inbox.sent).toEqual([]);
  });

  it('fails the task with the error the transport names', async () => {
    await router(() =>
      Promise.reject(new IntegrationCallError('SNS.NotFoundException', 'Topic does not exist')),
    ).dispatch(task('arn:aws:states:::sns:publish', { TopicArn: TOPIC, Message: 'x' }));
    expect(inbox.sent).toEqual([
      {
        kind: 'TaskFailed',
        taskToken: 'v1.token.sig',
        error: 'SNS.NotFoundException',
        cause: 'Topic does not exist',
      },
    ]);
  });

  it('fails the task without publishing when no target is given', async () => {
    await router().dispatch(task('arn:aws:states:::sns:publish', { Message: 'x' }));
    expect(published).toEqual([]);
    expect(inbox.sent).toMatchObject([{ kind: 'TaskFailed', error: 'States.TaskFailed' }]);
  });

  it('fails the task with States.TaskFailed where no SNS transport is wired', async () => {
    const bare = new TaskRouter({
      transports: { workers: { has: () => false, send: async () => undefined } },
      inbox,
    });
    await bare.dispatch(task('arn:aws:states:::sns:publish', { TopicArn: TOPIC, Message: 'x' }));
    expect(inbox.sent).toMatchObject([{ kind: 'TaskFailed', error: 'States.TaskFailed' }]);
  });
});
