/**
 * `AWS::S3::Bucket` resources become buckets of the deployment's local S3, named as the template
 * names them or, without a name, after the stack and logical id, lower-cased (CloudFormation's
 * generated names, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html,
 * add a random suffix that a local deployment leaves out so that a restart finds the same bucket).
 * Their Ref and attributes are CloudFormation's; with a data directory their objects outlive the
 * deployment, and closing it stops the local S3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import type { CloudAssembly, Template } from '../../../../local/deploy/cloud-assembly.js';
import { LocalDeployment } from '../../../../local/deploy/deployment.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-buckets-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const assemblyOf = (template: Template): CloudAssembly => ({
  directory,
  stacks: new Map([
    [
      'Media-Stack',
      {
        stackName: 'Media-Stack',
        artifactId: 'Media-Stack',
        directory,
        account: undefined,
        region: 'eu-west-1',
        dependencies: [],
        fileAssets: new Map(),
        template,
      },
    ],
  ]),
});

const template: Template = {
  Resources: {
    Uploads: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'media-uploads' } },
    Thumbnails8F2A: { Type: 'AWS::S3::Bucket' },
  },
  Outputs: {
    UploadsName: { Value: { Ref: 'Uploads' } },
    ThumbnailsArn: { Value: { 'Fn::GetAtt': ['Thumbnails8F2A', 'Arn'] } },
    ThumbnailsDomain: { Value: { 'Fn::GetAtt': ['Thumbnails8F2A', 'RegionalDomainName'] } },
  },
};

function client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

describe("a stack's buckets", () => {
  it('are created in the local S3, named as CloudFormation names them, and keep their objects across deployments', async () => {
    const dataDir = join(directory, 'data');
    const first = await LocalDeployment.deploy({
      assembly: assemblyOf(template),
      stacks: ['Media-Stack'],
      dataDir,
    });
    const endpoint = first.s3.url;
    try {
      expect([...first.stack('Media-Stack').buckets]).toEqual([
        ['Uploads', 'media-uploads'],
        ['Thumbnails8F2A', 'media-stack-thumbnails8f2a'],
      ]);
      expect(first.output('Media-Stack', 'UploadsName')).toBe('media-uploads');
      expect(first.output('Media-Stack', 'ThumbnailsArn')).toBe('arn:aws:s3:::media-stack-thumbnails8f2a');
      expect(first.output('Media-Stack', 'ThumbnailsDomain')).toBe(
        'media-stack-thumbnails8f2a.s3.eu-west-1.amazonaws.com',
      );
      const s3 = client(endpoint);
      try {
        const { Buckets } = await s3.send(new ListBucketsCommand({}));
        expect(Buckets?.map((bucket) => bucket.Name)).toEqual([
          'media-stack-thumbnails8f2a',
          'media-uploads',
        ]);
        await s3.send(new PutObjectCommand({ Bucket: 'media-uploads', Key: 'cat.jpg', Body: 'meow' }));
      } finally {
        s3.destroy();
      }
    } finally {
      await first.close();
    }
    await expect(fetch(`${endpoint}/`)).rejects.toThrow();

    const second = await LocalDeployment.deploy({
      assembly: assemblyOf(template),
      stacks: ['Media-Stack'],
      dataDir,
    });
    const s3 = client(second.s3.url);
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: 'media-uploads', Key: 'cat.jpg' }));
      expect(await object.Body?.transformToString()).toBe('meow');
    } finally {
      s3.destroy();
      await second.close();
    }
  });

  it('fail the deployment with a name S3 refuses, naming the resource', async () => {
    const bad: Template = {
      Resources: { Bad: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'Not_Valid' } } },
    };
    await expect(
      LocalDeployment.deploy({ assembly: assemblyOf(bad), stacks: ['Media-Stack'] }),
    ).rejects.toThrow(/^Bad: The specified bucket is not valid: Not_Valid/);
  });
});
