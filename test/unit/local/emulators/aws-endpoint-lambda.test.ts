/**
 * Lambda's Invoke on the local AWS endpoint, through the SDK's LambdaClient as the orchestrator
 * calls it: by name, ARN or partial ARN, RequestResponse and Event, a function error as Lambda
 * reports it, and ResourceNotFoundException for a function not deployed.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationOutcome } from '../../../../local/emulators/aws-endpoint/lambda-api.js';
import { AwsEndpointServer } from '../../../../local/emulators/aws-endpoint/server.js';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:score';
const events: unknown[] = [];

let endpoint: AwsEndpointServer;
let client: LambdaClient;

beforeAll(async () => {
  endpoint = await AwsEndpointServer.start({ region: 'eu-west-1', accountId: '123456789012' });
  endpoint.registerFunction({
    functionName: 'score',
    functionArn: ARN,
    invoke: (event): Promise<InvocationOutcome> => {
      events.push(event);
      const amount = (event as { amount: number }).amount;
      return Promise.resolve(
        amount < 0
          ? {
              type: 'failed',
              error: {
                name: 'ScoreTooLow',
                message: 'below zero',
                stack: 'ScoreTooLow: below zero\n    at handler',
              },
            }
          : { type: 'succeeded', value: { score: amount * 2 } },
      );
    },
  });
  endpoint.registerLeftOutFunction('resize', 'the python3.12 runtime is not run locally');
  client = new LambdaClient({
    endpoint: endpoint.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await endpoint.close();
});

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parsed = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;

describe('Lambda Invoke on the local endpoint', () => {
  it.each([['score'], [ARN], [`${ARN}:$LATEST`], ['123456789012:function:score']])(
    "answers %s with the function's payload",
    async (functionName) => {
      const response = await client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: payload({ amount: 21 }) }),
      );
      expect(response.StatusCode).toBe(200);
      expect(response.FunctionError).toBeUndefined();
      expect(response.ExecutedVersion).toBe('$LATEST');
      expect(parsed(response.Payload)).toEqual({ score: 42 });
    },
  );

  it("reports a function error as Lambda's runtime does", async () => {
    const response = await client.send(
      new InvokeCommand({ FunctionName: 'score', Payload: payload({ amount: -1 }) }),
    );
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(parsed(response.Payload)).toEqual({
      errorType: 'ScoreTooLow',
      errorMessage: 'below zero',
      trace: ['ScoreTooLow: below zero', '    at handler'],
    });
  });

  it('runs an Event invocation in the background and answers 202', async () => {
    events.length = 0;
    const response = await client.send(
      new InvokeCommand({ FunctionName: 'score', InvocationType: 'Event', Payload: payload({ amount: 5 }) }),
    );
    expect(response.StatusCode).toBe(202);
    await endpoint.lambdaIdle();
    expect(events).toEqual([{ amount: 5 }]);
  });

  it('refuses a function that is not deployed, or a version other than $LATEST', async () => {
    await expect(client.send(new InvokeCommand({ FunctionName: 'missing' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new InvokeCommand({ FunctionName: 'score', Qualifier: '3' }))).rejects.toThrow(
      /only \$LATEST runs locally/,
    );
  });

  it('says why a function left out of the deployment is not found', async () => {
    await expect(client.send(new InvokeCommand({ FunctionName: 'resize' }))).rejects.toThrow(
      /does not run it: the python3.12 runtime/,
    );
  });

  it("points a function's clients here, Lambda's and any other service's, never at AWS", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, endpoint.environment(), {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const lambda = new LambdaClient({});
    const cloudFormation = new CloudFormationClient({});
    try {
      const response = await lambda.send(
        new InvokeCommand({ FunctionName: 'score', Payload: payload({ amount: 1 }) }),
      );
      expect(parsed(response.Payload)).toEqual({ score: 2 });
      // A service the endpoint does not speak: refused here, not sent to AWS.
      const calls = endpoint.calls.length;
      await expect(cloudFormation.send(new DescribeStacksCommand({}))).rejects.toThrow();
      expect(endpoint.calls.slice(calls)).toEqual([
        expect.objectContaining({ service: 'unknown', errorCode: 'UnknownOperationException' }),
      ]);
    } finally {
      lambda.destroy();
      cloudFormation.destroy();
      process.env = saved;
    }
  });
});
