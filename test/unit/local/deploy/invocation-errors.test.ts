/**
 * A function run locally that fails, whoever invokes it, is told to `onInvocationError` (baton dev
 * prints it without --verbose): here a module without the handler its template names, which
 * fails every invocation with Runtime.HandlerNotFound.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import type { CloudAssembly, Template } from '../../../../local/deploy/cloud-assembly.js';
import { LocalDeployment } from '../../../../local/deploy/deployment.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-invocation-errors-'));
mkdirSync(join(directory, 'asset.worker'));
writeFileSync(join(directory, 'asset.worker', 'index.mjs'), 'export const handle = async () => 1;\n');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const template: Template = {
  Resources: {
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', FunctionName: 'worker' },
      Metadata: { 'aws:asset:path': 'asset.worker' },
    },
  },
};
const assembly: CloudAssembly = {
  directory,
  stacks: new Map([
    [
      'Jobs',
      {
        stackName: 'Jobs',
        artifactId: 'Jobs',
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

describe('a failed invocation of a function run locally', () => {
  it('is told to onInvocationError, naming the function and the error', async () => {
    const errors: string[] = [];
    const deployment = await LocalDeployment.deploy({
      assembly,
      stacks: ['Jobs'],
      onInvocationError: (error) => errors.push(error.message),
    });
    const client = new LambdaClient({
      endpoint: deployment.endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const response = await client.send(new InvokeCommand({ FunctionName: 'worker' }));
      expect(response.FunctionError).toBe('Unhandled');
      expect(JSON.parse(new TextDecoder().decode(response.Payload))).toMatchObject({
        errorType: 'Runtime.HandlerNotFound',
      });
      expect(errors).toEqual(['worker: Runtime.HandlerNotFound: index.handler is undefined or not exported']);
    } finally {
      client.destroy();
      await deployment.close();
    }
  }, 30_000);
});
