/**
 * The names behind `aws-sdk:<service>:<action>`: the client package and the IAM action. The service
 * names are the AWS SDK's, lower-cased, as Step Functions takes them (AWS documentation, "Use AWS
 * SDK service integrations"); the table that maps them comes from aws-cdk-lib's metadata, which
 * CDK's own `CallAwsService` uses for the same names.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  awsSdkClientPackage,
  awsSdkCommandClass,
  awsSdkIamAction,
} from '../../../lambdas/contract/aws-sdk-services.js';
import { generate, OUTPUT } from '../../../scripts/generate-aws-sdk-services.js';

describe('AWS SDK service names', () => {
  it('is generated from the installed aws-cdk-lib (regenerate with scripts/generate-aws-sdk-services.ts)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(generate());
  });

  it.each([
    ['s3', '@aws-sdk/client-s3'],
    ['sfn', '@aws-sdk/client-sfn'],
    ['cloudwatchlogs', '@aws-sdk/client-cloudwatch-logs'],
    ['redshiftdata', '@aws-sdk/client-redshift-data'],
    ['bedrockagent', '@aws-sdk/client-bedrock-agent'],
    ['emrserverless', '@aws-sdk/client-emr-serverless'],
    ['secretsmanager', '@aws-sdk/client-secrets-manager'],
    ['eventbridge', '@aws-sdk/client-eventbridge'],
  ])('%s calls %s', (service, packageName) => {
    expect(awsSdkClientPackage(service)).toBe(packageName);
  });

  it.each([
    ['s3', 'getObject', 's3:GetObject'],
    ['sfn', 'startExecution', 'states:StartExecution'],
    ['cloudwatchlogs', 'putRetentionPolicy', 'logs:PutRetentionPolicy'],
    ['eventbridge', 'putEvents', 'events:PutEvents'],
    ['redshiftdata', 'executeStatement', 'redshift-data:ExecuteStatement'],
    ['bedrockagent', 'startIngestionJob', 'bedrock:StartIngestionJob'],
  ])('%s:%s needs %s', (service, action, iamAction) => {
    expect(awsSdkIamAction(service, action)).toBe(iamAction);
  });

  it('names the command class of an action, an operation that ends in Command included', () => {
    expect(awsSdkCommandClass('getObject')).toBe('GetObjectCommand');
    expect(awsSdkCommandClass('sendCommand')).toBe('SendCommandCommand');
  });
});
