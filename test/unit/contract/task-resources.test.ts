import { describe, expect, it } from 'vitest';
import { listWorkerNames, parseTaskResource } from '../../../lambdas/contract/task-resources.js';

describe('parseTaskResource', () => {
  it('reads a worker resource as the worker name', () => {
    expect(parseTaskResource('baton:worker:charge-card')).toEqual({ type: 'worker', name: 'charge-card' });
  });

  it('reads the SQS, EventBridge and Lambda integrations with and without .waitForTaskToken', () => {
    expect(parseTaskResource('arn:aws:states:::sqs:sendMessage')).toEqual({
      type: 'sqs',
      waitForTaskToken: false,
    });
    expect(parseTaskResource('arn:aws:states:::sqs:sendMessage.waitForTaskToken')).toEqual({
      type: 'sqs',
      waitForTaskToken: true,
    });
    expect(parseTaskResource('arn:aws:states:::events:putEvents')).toEqual({
      type: 'events',
      waitForTaskToken: false,
    });
    expect(parseTaskResource('arn:aws:states:::events:putEvents.waitForTaskToken')).toEqual({
      type: 'events',
      waitForTaskToken: true,
    });
    expect(parseTaskResource('arn:aws:states:::lambda:invoke')).toEqual({
      type: 'lambda',
      waitForTaskToken: false,
    });
  });

  it('reads the API Gateway integration with and without .waitForTaskToken, and no .sync', () => {
    expect(parseTaskResource('arn:aws:states:::apigateway:invoke')).toEqual({
      type: 'apigateway',
      waitForTaskToken: false,
    });
    expect(parseTaskResource('arn:aws:states:::apigateway:invoke.waitForTaskToken')).toEqual({
      type: 'apigateway',
      waitForTaskToken: true,
    });
    expect(parseTaskResource('arn:aws:states:::apigateway:invoke.sync').type).toBe('unsupported');
    expect(parseTaskResource('arn:aws:states:::apigateway:getRestApi').type).toBe('unsupported');
  });

  it('accepts integration ARNs of other partitions', () => {
    expect(parseTaskResource('arn:aws-cn:states:::sqs:sendMessage')).toEqual({
      type: 'sqs',
      waitForTaskToken: false,
    });
    expect(parseTaskResource('arn:aws-us-gov:states:::lambda:invoke')).toEqual({
      type: 'lambda',
      waitForTaskToken: false,
    });
  });

  it('reads a bare Lambda function ARN, with or without a qualifier', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:ship-order';
    expect(parseTaskResource(arn)).toEqual({ type: 'lambda-arn', functionArn: arn });
    expect(parseTaskResource(`${arn}:live`)).toEqual({ type: 'lambda-arn', functionArn: `${arn}:live` });
  });

  it('reads the DynamoDB item integrations, request-response only as in Step Functions', () => {
    for (const action of ['getItem', 'putItem', 'updateItem', 'deleteItem'] as const) {
      expect(parseTaskResource(`arn:aws:states:::dynamodb:${action}`)).toEqual({ type: 'dynamodb', action });
      expect(parseTaskResource(`arn:aws-cn:states:::dynamodb:${action}`)).toEqual({
        type: 'dynamodb',
        action,
      });
    }
  });

  it('reads SNS publish with and without .waitForTaskToken', () => {
    expect(parseTaskResource('arn:aws:states:::sns:publish')).toEqual({
      type: 'sns',
      waitForTaskToken: false,
    });
    expect(parseTaskResource('arn:aws:states:::sns:publish.waitForTaskToken')).toEqual({
      type: 'sns',
      waitForTaskToken: true,
    });
  });

  it('parses AWS SDK integrations, in the global and the regional form', () => {
    expect(parseTaskResource('arn:aws:states:::aws-sdk:s3:getObject')).toEqual({
      type: 'aws-sdk',
      service: 's3',
      action: 'getObject',
      waitForTaskToken: false,
    });
    expect(
      parseTaskResource('arn:aws-cn:states:::aws-sdk:redshiftdata:executeStatement.waitForTaskToken'),
    ).toEqual({
      type: 'aws-sdk',
      service: 'redshiftdata',
      action: 'executeStatement',
      waitForTaskToken: true,
    });
    expect(
      parseTaskResource('arn:aws:states:us-east-1:123456789012:aws-sdk:transcribe:getTranscriptionJob'),
    ).toEqual({
      type: 'aws-sdk',
      service: 'transcribe',
      action: 'getTranscriptionJob',
      waitForTaskToken: false,
    });
    expect(parseTaskResource('arn:aws:states:us-east-1:123456789012:sns:publish')).toEqual({
      type: 'sns',
      waitForTaskToken: false,
    });
  });

  it('parses the job integrations Baton performs, .sync only where the service has it', () => {
    expect(parseTaskResource('arn:aws:states:::athena:startQueryExecution.sync')).toEqual({
      type: 'job',
      service: 'athena',
      action: 'startQueryExecution',
      sync: true,
    });
    expect(parseTaskResource('arn:aws:states:us-east-1:123456789012:athena:getQueryResults')).toEqual({
      type: 'job',
      service: 'athena',
      action: 'getQueryResults',
      sync: false,
    });
    expect(parseTaskResource('arn:aws:states:::sagemaker:createTrainingJob.sync')).toMatchObject({
      type: 'job',
      sync: true,
    });
    for (const resource of [
      'arn:aws:states:::athena:getQueryResults.sync',
      'arn:aws:states:::glue:deleteJob',
      'arn:aws:states:::sagemaker:createModel.sync',
    ]) {
      expect(parseTaskResource(resource)).toEqual({ type: 'unsupported', resource });
    }
  });

  it('parses the HTTP Task, request-response only as in Step Functions', () => {
    expect(parseTaskResource('arn:aws:states:::http:invoke')).toEqual({ type: 'http-invoke' });
    expect(parseTaskResource('arn:aws-us-gov:states:::http:invoke')).toEqual({ type: 'http-invoke' });
    for (const resource of [
      'arn:aws:states:::http:invoke.sync',
      'arn:aws:states:::http:invoke.waitForTaskToken',
    ]) {
      expect(parseTaskResource(resource)).toEqual({ type: 'unsupported', resource });
    }
  });

  it('calls everything else unsupported', () => {
    for (const resource of [
      // Step Functions refuses these at CreateStateMachine (LocalStack's AWS-recorded
      // test_dynamodb_task_service.snapshot.json, test_invalid_integration: dynamodb:query).
      'arn:aws:states:::dynamodb:query',
      'arn:aws:states:::dynamodb:putItem.waitForTaskToken',
      'arn:aws:states:::sqs:sendMessage.sync',
      // Step Functions' AWS SDK integrations have no .sync form.
      'arn:aws:states:::aws-sdk:s3:getObject.sync',
      'arn:aws:states:::aws-sdk:S3:getObject',
      'arn:aws:states:::aws-sdk:s3:GetObject',
      'baton:worker:',
      'baton:worker:has space',
      'arn:aws:lambda:eu-west-1:123:function:short-account',
      'charge',
    ]) {
      expect(parseTaskResource(resource)).toEqual({ type: 'unsupported', resource });
    }
  });
});

describe('listWorkerNames', () => {
  it('lists the workers of Task states, Compensate blocks, Parallel branches and Map processors, once each', () => {
    const definition = {
      StartAt: 'Reserve',
      States: {
        Reserve: {
          Type: 'Task',
          Resource: 'baton:worker:reserve',
          Compensate: { Resource: 'baton:worker:release' },
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Charge',
              States: { Charge: { Type: 'Task', Resource: 'baton:worker:charge', End: true } },
            },
            {
              StartAt: 'Again',
              States: { Again: { Type: 'Task', Resource: 'baton:worker:reserve', End: true } },
            },
          ],
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Pack',
            States: { Pack: { Type: 'Task', Resource: 'baton:worker:pack', End: true } },
          },
          Next: 'Legacy',
        },
        Legacy: {
          Type: 'Map',
          Iterator: {
            StartAt: 'Label',
            States: { Label: { Type: 'Task', Resource: 'baton:worker:label', End: true } },
          },
          Next: 'Notify',
        },
        Notify: { Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', End: true },
      },
    };
    expect(listWorkerNames(definition)).toEqual(['charge', 'label', 'pack', 'release', 'reserve']);
  });

  it('ignores worker-like strings inside Parameters and Pass results', () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { Resource: 'baton:worker:not-a-worker', MessageBody: 'x' },
          Next: 'Done',
        },
        Done: { Type: 'Pass', Result: { Resource: 'baton:worker:nor-this' }, End: true },
      },
    };
    expect(listWorkerNames(definition)).toEqual([]);
  });

  it('returns nothing for something that is not a definition', () => {
    expect(listWorkerNames(null)).toEqual([]);
    expect(listWorkerNames({ States: [] })).toEqual([]);
  });
});
