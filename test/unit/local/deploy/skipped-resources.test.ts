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
    Thumbnails: {
      Type: 'Custom::Thumbnails',
      Properties: { ServiceToken: { 'Fn::GetAtt': ['Resizer', 'Arn'] } },
    },
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
        expect.stringMatching(/^Media\/Thumbnails \(Custom::Thumbnails\) is not run locally: .*Resizer/),
      ]);
      expect(deployment.stack('Media').queues.size).toBe(1);
      expect(deployment.buses.get('default')?.ruleNames).toEqual([
        deployment.stack('Media').rules.get('Uploaded'),
      ]);
      expect([...deployment.stack('Media').notSimulated.keys()].sort()).toEqual(['Resizer', 'Thumbnails']);
    } finally {
      await deployment.close();
    }
  });
});
