/**
 * What a local deployment does with resources it cannot run: a function on another runtime, a
 * custom resource whose function is not run; and with the account's default bus, which no stack
 * creates. Strict by default (the deployment simulation pins
 * everything); `baton dev` reports them and carries on, since a user's app holds more than Baton.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CloudAssembly, Template } from '../../../../local/deploy/cloud-assembly.js';
import { LocalDeployment } from '../../../../local/deploy/deployment.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-skipped-'));
mkdirSync(join(directory, 'asset.python'));
writeFileSync(join(directory, 'asset.python', 'index.py'), 'def handler(event, context): pass\n');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const template: Template = {
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue' },
    // On the account's default bus, which no stack creates.
    Uploaded: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['media'] },
        Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
      },
    },
    Resizer: {
      Type: 'AWS::Lambda::Function',
      Properties: { Runtime: 'python3.12', Handler: 'index.handler' },
      Metadata: { 'aws:asset:path': 'asset.python' },
    },
    Resizing: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        FunctionName: { Ref: 'Resizer' },
      },
    },
    Thumbnails: {
      Type: 'Custom::Thumbnails',
      Properties: { ServiceToken: { 'Fn::GetAtt': ['Resizer', 'Arn'] } },
    },
  },
  Outputs: {
    ResizerName: { Value: { Ref: 'Resizer' } },
    ResizerArn: { Value: { 'Fn::GetAtt': ['Resizer', 'Arn'] } },
  },
};
const assembly: CloudAssembly = {
  directory,
  stacks: new Map([
    [
      'Media',
      {
        stackName: 'Media',
        artifactId: 'Media',
        directory,
        account: undefined,
        region: 'us-east-1',
        dependencies: [],
        fileAssets: new Map(),
        template,
      },
    ],
  ]),
};

describe('resources a local deployment cannot run', () => {
  it('fail the deployment, naming the resource, when nothing is told of them', async () => {
    await expect(LocalDeployment.deploy({ assembly, stacks: ['Media'] })).rejects.toThrow(
      'Resizer: the python3.12 runtime is not run locally, only Node.js',
    );
  });

  it('are reported and left out with onSkipped, and the rest is deployed', async () => {
    const skipped: string[] = [];
    const deployment = await LocalDeployment.deploy({
      assembly,
      stacks: ['Media'],
      onSkipped: (message) => skipped.push(message),
    });
    try {
      expect(skipped).toEqual([
        'Media/Resizer (AWS::Lambda::Function) is not run locally: Resizer: the python3.12 runtime is not run locally, only Node.js',
        'Media/Resizing (AWS::Lambda::EventSourceMapping) is not run locally: Resizing: the function Media-Resizer is not a function deployed locally',
        expect.stringMatching(/^Media\/Thumbnails \(Custom::Thumbnails\) is not run locally: .*Resizer/),
      ]);
      expect(deployment.stack('Media').queues.size).toBe(1);
      expect(deployment.buses.get('default')?.ruleNames).toEqual([
        deployment.stack('Media').rules.get('Uploaded'),
      ]);
      expect([...deployment.stack('Media').notSimulated.keys()].sort()).toEqual([
        'Resizer',
        'Resizing',
        'Thumbnails',
      ]);
    } finally {
      await deployment.close();
    }
  });

  it('keep the name and ARN of a function left out, for what refers to it', async () => {
    const deployment = await LocalDeployment.deploy({
      assembly,
      stacks: ['Media'],
      onSkipped: () => undefined,
    });
    try {
      expect(deployment.output('Media', 'ResizerName')).toBe('Media-Resizer');
      expect(deployment.output('Media', 'ResizerArn')).toBe(
        'arn:aws:lambda:us-east-1:000000000000:function:Media-Resizer',
      );
      expect(deployment.stack('Media').functions.has('Resizer')).toBe(false);
    } finally {
      await deployment.close();
    }
  });
});
