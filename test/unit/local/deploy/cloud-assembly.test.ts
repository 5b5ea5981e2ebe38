/**
 * Reading a cloud assembly as `baton dev` does, and choosing the stacks it deploys: written here
 * as aws-cdk-lib writes them (manifest, templates, a Stage's nested assembly).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCloudAssembly } from '../../../../local/deploy/cloud-assembly.js';
import {
  AssemblyReadError,
  MissingContextError,
  NoOrchestratorError,
} from '../../../../local/deploy/errors.js';
import { orchestratorStacks } from '../../../../local/deploy/orchestrator-stacks.js';

const scratch = mkdtempSync(join(tmpdir(), 'baton-assembly-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A template with a SagaOrchestrator's outputs for `domain`, or none. */
function template(domain?: string): object {
  const prefix = domain === undefined ? undefined : `Baton${domain}`;
  return {
    Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
    ...(prefix
      ? {
          Outputs: {
            [`${prefix}InboxQueueUrl`]: { Value: { Ref: 'Queue' } },
            [`${prefix}PublicInboxQueueUrl`]: { Value: { Ref: 'Queue' } },
          },
        }
      : {}),
  };
}

function stack(
  id: string,
  dependencies: string[] = [],
  environment = 'aws://unknown-account/unknown-region',
) {
  return {
    type: 'aws:cloudformation:stack',
    environment,
    dependencies: [...dependencies, `${id}.assets`],
    properties: { templateFile: `${id}.template.json`, stackName: id },
  };
}

/** Writes an assembly: `stacks` is artifact id -> template, `manifest` the rest of the manifest. */
function assembly(name: string, manifest: object, templates: Readonly<Record<string, object>>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', ...manifest }));
  for (const [id, body] of Object.entries(templates)) {
    writeFileSync(join(dir, `${id}.template.json`), JSON.stringify(body));
  }
  return dir;
}

describe('a cloud assembly, read', () => {
  it("gives each stack its environment, its dependencies by stack name, and a Stage's stacks", () => {
    const dir = assembly(
      'staged',
      {
        artifacts: {
          Shared: stack('Shared', [], 'aws://123456789012/eu-west-1'),
          'Shared.assets': { type: 'cdk:asset-manifest' },
          Orders: stack('Orders', ['Shared']),
          'Orders.assets': { type: 'cdk:asset-manifest', properties: { file: 'Orders.assets.json' } },
          Prod: { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } },
        },
      },
      { Shared: template(), Orders: template('Orders') },
    );
    assembly(
      join('staged', 'assembly-Prod'),
      { artifacts: { ProdOrders: stack('ProdOrders') } },
      { ProdOrders: template('Orders') },
    );
    writeFileSync(
      join(dir, 'Orders.assets.json'),
      JSON.stringify({
        version: '48.0.0',
        files: {
          abc: {
            source: { path: 'asset.abc', packaging: 'zip' },
            destinations: { 'current_account-current_region': { bucketName: 'b', objectKey: 'abc.zip' } },
          },
        },
      }),
    );
    const read = readCloudAssembly(dir);
    expect([...read.stacks.keys()]).toEqual(['Shared', 'Orders', 'ProdOrders']);
    // Where a function's code is, by the S3 key its template names, without asset metadata.
    expect(read.stacks.get('Orders')?.fileAssets).toEqual(new Map([['abc.zip', 'asset.abc']]));
    expect(read.stacks.get('Shared')).toMatchObject({ account: '123456789012', region: 'eu-west-1' });
    // Synthesized without an environment: the local region and account.
    expect(read.stacks.get('Orders')).toMatchObject({
      account: undefined,
      region: 'us-east-1',
      dependencies: ['Shared'],
    });
    // Asset paths of a Stage's stacks are relative to its own folder.
    expect(read.stacks.get('ProdOrders')?.directory).toBe(join(dir, 'assembly-Prod'));
  });

  it('refuses an assembly that waits for context lookups, saying how to fill them', () => {
    const dir = assembly(
      'lookups',
      { artifacts: {}, missing: [{ key: 'vpc-provider:...', provider: 'vpc-provider' }] },
      {},
    );
    expect(() => readCloudAssembly(dir)).toThrow(MissingContextError);
    expect(() => readCloudAssembly(dir)).toThrow(/vpc-provider.*run `cdk synth` once with credentials/);
  });

  it('refuses a folder that is not an assembly', () => {
    expect(() => readCloudAssembly(join(scratch, 'nothing-here'))).toThrow(AssemblyReadError);
    const missing = join(scratch, 'nothing-here');
    expect(() => readCloudAssembly(missing)).toThrow(
      `No manifest at ${join(missing, 'manifest.json')}: is ${missing} a cloud assembly (a cdk.out directory)?`,
    );
  });
});

describe('the stacks baton dev deploys', () => {
  const read = readCloudAssembly(
    assembly(
      'app',
      {
        artifacts: {
          Network: stack('Network'),
          Shared: stack('Shared', ['Network']),
          Orders: stack('Orders', ['Shared']),
          Shipping: stack('Shipping', ['Shared']),
          Website: stack('Website'),
        },
      },
      {
        Network: template(),
        Shared: template(),
        Orders: template('Orders'),
        Shipping: template('Shipping'),
        Website: template(),
      },
    ),
  );

  it('are those with a SagaOrchestrator, each after the stacks it depends on', () => {
    expect(orchestratorStacks(read)).toEqual(['Network', 'Shared', 'Orders', 'Shipping']);
    expect(orchestratorStacks(read, ['Shipping'])).toEqual(['Network', 'Shared', 'Shipping']);
  });

  it('are none when no stack has an orchestrator, or a stack named has none: the error names them', () => {
    expect(() => orchestratorStacks(read, ['Website'])).toThrow(
      'The stack Website has no SagaOrchestrator; the stacks with one: Orders, Shipping',
    );
    expect(() => orchestratorStacks(read, ['Nope'])).toThrow('The stack Nope is not in the app');
    const plain = {
      directory: scratch,
      stacks: new Map([...read.stacks].filter(([name]) => name === 'Website')),
    };
    expect(() => orchestratorStacks(plain)).toThrow(NoOrchestratorError);
    expect(() => orchestratorStacks(plain)).toThrow(
      'No stack of the app has a SagaOrchestrator (stacks: Website)',
    );
  });
});
