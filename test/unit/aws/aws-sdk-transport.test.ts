/**
 * The AWS SDK transport's conversions, with a real v3 client's operation schemas (Step Functions'
 * own API, `@aws-sdk/client-sfn`, whose fields are in lower camel case) and a stand-in for the
 * network: Step Functions takes such an API's parameters in PascalCase and gives its response in
 * PascalCase, guided by the service model (LocalStack's model-guided state_task_service.py; the
 * corpus's AWS samples write `aws-sdk:bedrock:getModelCustomizationJob` with `JobIdentifier`), with
 * timestamps as ISO-8601 text and map keys as they are.
 */
import * as s3 from '@aws-sdk/client-s3';
import * as sfn from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { AwsSdkCaller } from '../../../lambdas/aws/aws-sdk-transport.js';
import { AwsServiceError } from '../../../lambdas/runtime/task-router.js';

/** The client-sfn module, its client class swapped for one that records inputs and answers `answer`. */
function withAnswer(answer: (input: Record<string, unknown>) => unknown) {
  const sent: Record<string, unknown>[] = [];
  class SFNClient {
    readonly config = { serviceId: 'SFN' };
    async send(command: { input: Record<string, unknown> }) {
      sent.push(command.input);
      return answer(command.input);
    }
  }
  const caller = new AwsSdkCaller({ load: () => ({ ...sfn, SFNClient }) });
  return { caller, sent };
}

describe('AwsSdkCaller', () => {
  it('turns PascalCase parameters into the API members, and the response into PascalCase', async () => {
    const { caller, sent } = withAnswer(() => ({
      $metadata: { httpStatusCode: 200, requestId: 'r-1' },
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:M:e-1',
      startDate: new Date('2026-12-07T10:00:00.000Z'),
    }));
    const answer = await caller.call('sfn', 'startExecution', {
      StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:M',
      Name: 'e-1',
      Input: { orderId: 'o-1' },
    });
    // A JSON value given to a string member (`input`) becomes its JSON text.
    expect(sent).toEqual([
      {
        stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:M',
        name: 'e-1',
        input: '{"orderId":"o-1"}',
      },
    ]);
    expect(answer).toEqual({
      response: {
        ExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:M:e-1',
        StartDate: '2026-12-07T10:00:00.000Z',
      },
      httpStatusCode: 200,
      requestId: 'r-1',
    });
  });

  it('converts nested structures and lists, leaves map keys alone, and takes timestamps as text', async () => {
    const { caller, sent } = withAnswer(() => ({
      executions: [{ executionArn: 'e-1', status: 'SUCCEEDED', startDate: new Date(0) }],
    }));
    const answer = await caller.call('sfn', 'listExecutions', { StateMachineArn: 'm', MaxResults: 10 });
    expect(sent).toEqual([{ stateMachineArn: 'm', maxResults: 10 }]);
    expect(answer.response).toEqual({
      Executions: [{ ExecutionArn: 'e-1', Status: 'SUCCEEDED', StartDate: '1970-01-01T00:00:00.000Z' }],
    });
    await caller.call('sfn', 'tagResource', {
      ResourceArn: 'm',
      Tags: [{ Key: 'team', Value: 'payments' }],
    });
    expect(sent[1]).toEqual({ resourceArn: 'm', tags: [{ key: 'team', value: 'payments' }] });
  });

  it('gives a JSON value for a blob member (S3 PutObject Body) as its JSON text, text as it is', async () => {
    // LocalStack's AWS-validated test_aws_sdk_task_service.py::test_s3_put_object puts a string, an
    // object, a list, a boolean and a number as `Body` of `aws-sdk:s3:putObject`: all accepted.
    const sent: Record<string, unknown>[] = [];
    class S3Client {
      readonly config = { serviceId: 'S3' };
      async send(command: { input: Record<string, unknown> }) {
        sent.push(command.input);
        return { ETag: '"e"' };
      }
    }
    const caller = new AwsSdkCaller({ load: () => ({ ...s3, S3Client }) });
    for (const body of ['text data', { Dict: 'Value' }, ['List', 'Data'], false, 0]) {
      await caller.call('s3', 'putObject', { Bucket: 'b', Key: 'k', Body: body });
    }
    expect(sent.map((input) => input.Body)).toEqual([
      'text data',
      '{"Dict":"Value"}',
      '["List","Data"]',
      'false',
      '0',
    ]);
  });

  it('names a service error by the SDK service id, keeping status and request id', async () => {
    const { caller } = withAnswer(() => {
      throw Object.assign(new Error('Execution Does Not Exist'), {
        name: 'ExecutionDoesNotExist',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'r-2' },
      });
    });
    const failure = await caller
      .call('sfn', 'describeExecution', { ExecutionArn: 'x' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AwsServiceError);
    expect((failure as AwsServiceError).details).toEqual({
      serviceId: 'SFN',
      code: 'ExecutionDoesNotExist',
      message: 'Execution Does Not Exist',
      statusCode: 400,
      requestId: 'r-2',
    });
  });

  it('refuses an action the client does not have, naming it', async () => {
    const { caller } = withAnswer(() => ({}));
    await expect(caller.call('sfn', 'fly', {})).rejects.toThrow(
      '@aws-sdk/client-sfn has no operation Fly (aws-sdk:sfn:fly)',
    );
  });
});
