/**
 * Roles, log groups, topics and keys get names and ARNs, no behaviour (buckets are created:
 * buckets.test.ts): whatever refers to them (a queue encrypted with a key, a function's role)
 * deploys, whichever order the template lists them in, and their Ref and attributes are those
 * CloudFormation gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CloudAssembly, Template } from '../../../../local/deploy/cloud-assembly.js';
import { LocalDeployment } from '../../../../local/deploy/deployment.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-named-only-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const output = (value: unknown) => ({ Value: value });

// As CDK synthesizes `new sqs.Queue(this, 'Audit', { encryption: sqs.QueueEncryption.KMS })`: the
// queue before its key.
const template: Template = {
  Resources: {
    Audit: {
      Type: 'AWS::SQS::Queue',
      Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['AuditKey', 'Arn'] } },
    },
    AuditKey: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
    Alerts: { Type: 'AWS::SNS::Topic' },
    Uploads: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'uploads-bucket' } },
    Role: { Type: 'AWS::IAM::Role' },
  },
  Outputs: {
    AuditKeyArn: output({ 'Fn::GetAtt': ['AuditKey', 'Arn'] }),
    AuditKeyId: output({ Ref: 'AuditKey' }),
    AlertsRef: output({ Ref: 'Alerts' }),
    AlertsName: output({ 'Fn::GetAtt': ['Alerts', 'TopicName'] }),
    UploadsDomain: output({ 'Fn::GetAtt': ['Uploads', 'RegionalDomainName'] }),
    RoleArn: output({ 'Fn::GetAtt': ['Role', 'Arn'] }),
  },
};
const assembly: CloudAssembly = {
  directory,
  stacks: new Map([
    [
      'Audit',
      {
        stackName: 'Audit',
        artifactId: 'Audit',
        directory,
        account: undefined,
        region: 'eu-west-1',
        dependencies: [],
        fileAssets: new Map(),
        template,
      },
    ],
  ]),
};

describe('resources given a name only', () => {
  it('resolve Ref and their attributes for the resources that refer to them', async () => {
    const deployment = await LocalDeployment.deploy({ assembly, stacks: ['Audit'] });
    try {
      const value = (name: string) => deployment.output('Audit', name);
      expect(deployment.stack('Audit').queues.has('Audit')).toBe(true);
      expect(value('AuditKeyArn')).toBe('arn:aws:kms:eu-west-1:000000000000:key/Audit-AuditKey');
      expect(value('AuditKeyId')).toBe('Audit-AuditKey');
      expect(value('AlertsRef')).toBe('arn:aws:sns:eu-west-1:000000000000:Audit-Alerts');
      expect(value('AlertsName')).toBe('Audit-Alerts');
      expect(value('UploadsDomain')).toBe('uploads-bucket.s3.eu-west-1.amazonaws.com');
      expect(value('RoleArn')).toBe('arn:aws:iam::000000000000:role/Audit-Role');
    } finally {
      await deployment.close();
    }
  });
});
