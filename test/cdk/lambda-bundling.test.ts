import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_FILE,
  BUNDLE_TARGET,
  CHUNK_FOLDER,
  bundleFunction,
  loadedAtInit,
  type BundleMetafile,
} from '../../lib/lambda-bundling.js';
import { tempFolder } from '../helpers/temp-folder.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The npm packages (`@aws-sdk/client-s3`) whose code is in the given output files. */
function packagesIn(metafile: BundleMetafile, outdir: string, files: readonly string[]): Set<string> {
  const wanted = new Set(files);
  const packages = new Set<string>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!wanted.has(relative(outdir, resolve(path)))) continue;
    for (const input of Object.keys(output.inputs)) {
      const index = input.lastIndexOf('node_modules/');
      if (index < 0) continue;
      const [first = '', second = ''] = input.slice(index + 'node_modules/'.length).split('/');
      packages.add(first.startsWith('@') ? `${first}/${second}` : first);
    }
  }
  return packages;
}

/** The source files (relative to the repository root) whose code is in the given output files. */
function sourcesIn(metafile: BundleMetafile, outdir: string, files: readonly string[]): Set<string> {
  const wanted = new Set(files);
  const sources = new Set<string>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!wanted.has(relative(outdir, resolve(path)))) continue;
    for (const input of Object.keys(output.inputs)) sources.add(relative(ROOT, resolve(input)));
  }
  return sources;
}

/** The HTTP Task's transport: only `http:invoke` tasks load it. */
const HTTP_TASK_MODULE = 'lambdas/runtime/http-task.ts';

/** The jsonata library: only workflows with JSONata states need it (the loop asks for it then). */
const JSONATA_LIBRARY = 'lambdas/engine/jsonata/jsonata-sync.generated.ts';

/** Powertools' Tracer and what it brings: the handler loads them while it reads its signing key. */
const TRACER_PACKAGES = ['@aws-lambda-powertools/tracer', 'aws-xray-sdk-core', 'semver', 'cls-hooked'];

/** What a Lambda function never needs at init: credentials come from its environment. */
const CREDENTIAL_PROVIDERS_NOT_ON_LAMBDA = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/token-providers',
];

/** The orchestrator's clients that only payloads too large for DynamoDB and `lambda:invoke` tasks use. */
const CLIENTS_ON_DEMAND = ['@aws-sdk/client-s3', '@aws-sdk/client-lambda'];

describe("the orchestrator's bundle", () => {
  let outdir = '';
  let metafile: BundleMetafile | undefined;
  // One bundle for every test below: a few seconds on a busy machine.
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'baton-bundle-'));
    metafile = bundleFunction(join(ROOT, 'lambdas/orchestrator/handler.ts'), outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const bundled = (): BundleMetafile => {
    if (!metafile) throw new Error('the orchestrator was not bundled');
    return metafile;
  };

  it('loads the clients of every invocation at init, not the credential providers a Lambda function never calls', () => {
    const packages = packagesIn(bundled(), outdir, loadedAtInit(bundled(), outdir));
    for (const needed of ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs', '@aws-sdk/client-scheduler']) {
      expect(packages, needed).toContain(needed);
    }
    for (const onDemand of CREDENTIAL_PROVIDERS_NOT_ON_LAMBDA)
      expect(packages, onDemand).not.toContain(onDemand);
  });

  it('leaves out of init the S3 and Lambda clients, which a typical invocation does not use', () => {
    const packages = packagesIn(bundled(), outdir, loadedAtInit(bundled(), outdir));
    for (const onDemand of CLIENTS_ON_DEMAND) expect(packages, onDemand).not.toContain(onDemand);
  });

  it('leaves out of init the jsonata library, which only workflows with JSONata states use', () => {
    const atInit = loadedAtInit(bundled(), outdir);
    expect(sourcesIn(bundled(), outdir, atInit)).not.toContain(JSONATA_LIBRARY);
    // The engine's JSONata code that needs no library (templates, direct reads) stays at init.
    expect(sourcesIn(bundled(), outdir, atInit)).toContain('lambdas/engine/jsonata/query.ts');
    const chunks = readdirSync(join(outdir, CHUNK_FOLDER)).map((name) => `${CHUNK_FOLDER}/${name}`);
    const onDemand = chunks.filter((path) => path.endsWith('.mjs') && !atInit.includes(path));
    expect(sourcesIn(bundled(), outdir, onDemand)).toContain(JSONATA_LIBRARY);
  });

  it('leaves out of init the definition validator, loaded when the first workflow is compiled', () => {
    const atInit = loadedAtInit(bundled(), outdir);
    const validator = 'lambdas/engine/definition-validator.ts';
    expect(sourcesIn(bundled(), outdir, atInit)).not.toContain(validator);
    const chunks = readdirSync(join(outdir, CHUNK_FOLDER)).map((name) => `${CHUNK_FOLDER}/${name}`);
    const onDemand = chunks.filter((path) => path.endsWith('.mjs') && !atInit.includes(path));
    expect(sourcesIn(bundled(), outdir, onDemand)).toContain(validator);
  });

  it('leaves out of init the API Gateway transport (its signer and HTTP client), which only apigateway:invoke tasks use', () => {
    const atInit = loadedAtInit(bundled(), outdir);
    const transport = 'lambdas/aws/api-gateway-transport.ts';
    expect(sourcesIn(bundled(), outdir, atInit)).not.toContain(transport);
    const chunks = readdirSync(join(outdir, CHUNK_FOLDER)).map((name) => `${CHUNK_FOLDER}/${name}`);
    const onDemand = chunks.filter((path) => path.endsWith('.mjs') && !atInit.includes(path));
    expect(sourcesIn(bundled(), outdir, onDemand)).toContain(transport);
  });

  it('leaves out of init the HTTP Task transport, which only http:invoke tasks use', () => {
    const atInit = loadedAtInit(bundled(), outdir);
    expect(sourcesIn(bundled(), outdir, atInit)).not.toContain(HTTP_TASK_MODULE);
    const chunks = readdirSync(join(outdir, CHUNK_FOLDER)).map((name) => `${CHUNK_FOLDER}/${name}`);
    const onDemand = chunks.filter((path) => path.endsWith('.mjs') && !atInit.includes(path));
    expect(sourcesIn(bundled(), outdir, onDemand)).toContain(HTTP_TASK_MODULE);
  });

  it('leaves out of init the X-Ray SDK under the tracer, which loads at the first invocation', () => {
    const atInit = loadedAtInit(bundled(), outdir);
    const packages = packagesIn(bundled(), outdir, atInit);
    for (const later of TRACER_PACKAGES) expect(packages, later).not.toContain(later);
    const chunks = readdirSync(join(outdir, CHUNK_FOLDER)).map((name) => `${CHUNK_FOLDER}/${name}`);
    const onDemand = chunks.filter((path) => path.endsWith('.mjs') && !atInit.includes(path));
    for (const later of TRACER_PACKAGES)
      expect(packagesIn(bundled(), outdir, onDemand), later).toContain(later);
  });

  it('keeps what it leaves out of init in chunks of the asset, loaded on demand', () => {
    const atInit = new Set(loadedAtInit(bundled(), outdir));
    const chunks = readdirSync(join(outdir, CHUNK_FOLDER)).filter((name) => name.endsWith('.mjs'));
    const onDemand = chunks.map((name) => `${CHUNK_FOLDER}/${name}`).filter((path) => !atInit.has(path));
    const packages = packagesIn(bundled(), outdir, onDemand);
    for (const left of [...CREDENTIAL_PROVIDERS_NOT_ON_LAMBDA, ...CLIENTS_ON_DEMAND]) {
      expect(packages, left).toContain(left);
    }
  });

  it('writes a source map next to every module', () => {
    const modules = [
      BUNDLE_FILE,
      ...readdirSync(join(outdir, CHUNK_FOLDER)).map((name) => `${CHUNK_FOLDER}/${name}`),
    ].filter((path) => path.endsWith('.mjs'));
    expect(modules.length).toBeGreaterThan(1);
    for (const module of modules) expect(existsSync(join(outdir, `${module}.map`)), module).toBe(true);
  });
});

describe('bundleFunction', () => {
  it('empties the asset folder first, so that no chunk of an earlier build stays in the asset', () => {
    const outdir = tempFolder('baton-bundle-');
    const entry = join(tempFolder('baton-entry-'), 'handler.ts');
    writeFileSync(entry, "export const handler = async () => (await import('node:os')).platform();\n");
    mkdirSync(join(outdir, CHUNK_FOLDER));
    writeFileSync(join(outdir, CHUNK_FOLDER, 'stale-OLD.mjs'), 'export {};\n');
    bundleFunction(entry, outdir);
    expect(existsSync(join(outdir, BUNDLE_FILE))).toBe(true);
    expect(existsSync(join(outdir, CHUNK_FOLDER, 'stale-OLD.mjs'))).toBe(false);
  });
});

describe("a worker's bundle, as NodejsFunction makes it from 'baton/aws'", () => {
  it('holds neither the S3 nor the Lambda client, which only the orchestrator loads (on demand)', () => {
    const folder = tempFolder('baton-worker-');
    const entry = join(folder, 'worker.ts');
    writeFileSync(
      entry,
      `import { defineWorker } from ${JSON.stringify(join(ROOT, 'lambdas/aws/index.js'))};\n` +
        'export const handler = defineWorker(async () => ({ ok: true }));\n',
    );
    // The settings of lib/baton-function.ts that decide what is bundled: one file, ES modules.
    const { metafile } = buildSync({
      entryPoints: [entry],
      outfile: join(folder, 'out', BUNDLE_FILE),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: BUNDLE_TARGET,
      mainFields: ['module', 'main'],
      metafile: true,
      logLevel: 'error',
    });
    const packages = packagesIn(metafile, join(folder, 'out'), [BUNDLE_FILE]);
    expect(packages).toContain('@aws-sdk/client-sqs');
    expect(packages).not.toContain('@aws-sdk/client-s3');
    expect(packages).not.toContain('@aws-sdk/client-lambda');
  });
});
