/**
 * `npm run check:package`: the package as a user gets it. Packs it, installs the tarball into fresh
 * apps in a temporary folder and checks, in each, what a user does first:
 *
 * - a CommonJS app (what `cdk init` makes: no `"type": "module"`) `require()`s every entry point,
 *   synthesizes a SagaOrchestrator with a worker, and runs a workflow;
 * - an ES module app does the same with `import`, then runs `npx baton dev` on its assembly and an
 *   execution through its worker;
 * - a TypeScript app (NodeNext, `skipLibCheck: false`) type-checks its use of every entry point;
 * - an app with only `baton` installed (no aws-cdk-lib) runs a workflow with `runWorkflow`.
 *
 * Installs prefer the npm cache (filled by `npm ci`), so it runs offline once the cache is warm.
 * Prints each step; exits non-zero with the failing step's output.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const pinned = (name: string) => `${name}@${manifest.devDependencies[name] ?? 'latest'}`;

const work = mkdtempSync(join(tmpdir(), 'baton-package-'));
const started = Date.now();

/** A step failed; its output is printed already. */
class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
}

function run(step: string, command: string, args: readonly string[], cwd: string): void {
  const at = Date.now();
  try {
    execFileSync(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', npm_config_loglevel: 'error' },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    console.error(`check-package: ${step}: FAILED`);
    console.error(String(stdout ?? ''));
    console.error(String(stderr ?? ''));
    throw new CheckFailed(step);
  }
  console.log(`check-package: ${step}: ok (${((Date.now() - at) / 1000).toFixed(1)} s)`);
}

function app(name: string, files: Readonly<Record<string, string>>): string {
  const folder = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

const definition = `{ StartAt: 'Hello', States: { Hello: { Type: 'Task', Resource: 'baton:worker:hello', End: true } } }`;
const worker = (imports: string) => `${imports}
export const handler = defineWorker(async (input) => ({ hello: input.name ?? 'world' }));
`;
const stack = `const app = new cdk.App({ outdir: 'cdk.out' });
const stack = new cdk.Stack(app, 'Orders');
new SagaOrchestrator(stack, 'Orders', {
  domain: 'orders',
  workflows: { Hello: ${definition} },
  workers: { hello: { entry: WORKER } },
});
app.synth();`;
const runs = `runWorkflow(${definition}, { name: 'Ada' }, { tasks: { 'baton:worker:hello': (input) => ({ hello: input.name }) } })
  .then((result) => {
    if (result.status !== 'SUCCEEDED' || result.output.hello !== 'Ada') throw new Error('runWorkflow: ' + JSON.stringify(result));
  });
new InProcessDomain({ workers: { hello: () => null } });`;

/**
 * `npx baton dev` in the app, on the assembly its synth wrote: it serves, runs a Hello execution
 * started by `npx baton start` through the app's worker, and stops on SIGINT with exit code 0.
 */
async function checkDev(folder: string): Promise<void> {
  const step = 'baton dev: deploy, start Hello, SUCCEEDED, stop';
  const at = Date.now();
  const baton = join(folder, 'node_modules', '.bin', 'baton');
  const dev = spawn(baton, ['dev', '--assembly', 'cdk.out', '--port', '0'], {
    cwd: folder,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  const fail = (why: string): never => {
    console.error(`check-package: ${step}: FAILED: ${why}`);
    console.error(output);
    throw new CheckFailed(step);
  };
  try {
    const deadline = Date.now() + 60_000;
    while (!/Serving http/.test(output)) {
      if (Date.now() > deadline || dev.exitCode !== null) fail('it did not serve');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cli = (...args: string[]) =>
      execFileSync(baton, args, { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    cli('start', 'Hello', '--name', 'package-check', '--input', '{"name":"Ada"}');
    let status = '';
    while (status !== 'SUCCEEDED') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      let text: string;
      try {
        text = cli('describe', 'Hello:package-check', '--json');
      } catch (error) {
        // The start is a message to the inbox: the execution exists once the orchestrator took it.
        if (!String((error as { stderr?: unknown }).stderr).includes('No execution named')) throw error;
        if (Date.now() > deadline) fail('Hello:package-check never started');
        continue;
      }
      const described = JSON.parse(text) as { status: string; output?: { hello?: string } };
      status = described.status;
      if (status === 'SUCCEEDED' && described.output?.hello !== 'Ada') fail(JSON.stringify(described));
      if (!['RUNNING', 'SUCCEEDED'].includes(status)) fail(`Hello:package-check ended ${status}`);
      if (Date.now() > deadline) fail(`Hello:package-check is still ${status}`);
    }
  } finally {
    dev.kill('SIGINT');
  }
  const code = await exited;
  if (code !== 0) fail(`it exited with ${code} on SIGINT`);
  console.log(`check-package: ${step}: ok (${((Date.now() - at) / 1000).toFixed(1)} s)`);
}

try {
  run('npm pack', 'npm', ['pack', '--silent', '--pack-destination', work], root);
  const tarball = join(work, readdirSync(work).find((file) => file.endsWith('.tgz')) ?? 'missing.tgz');
  const install = (folder: string, packages: readonly string[]) =>
    run(
      `install in ${folder.slice(work.length + 1)}`,
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...packages],
      folder,
    );
  const cdkPackages = [pinned('aws-cdk-lib'), pinned('constructs'), pinned('esbuild')];

  const commonJs = app('commonjs', {
    'package.json': JSON.stringify({ name: 'commonjs-app', private: true }),
    'workers/hello.js': worker("const { defineWorker } = require('baton/aws');").replace(
      'export const handler',
      'exports.handler',
    ),
    'app.js': `const cdk = require('aws-cdk-lib');
const { SagaOrchestrator } = require('baton/cdk');
const { runWorkflow } = require('baton');
const { InProcessDomain } = require('baton/testing');
const WORKER = require('node:path').join(__dirname, 'workers/hello.js');
${stack}
${runs}`,
  });
  install(commonJs, cdkPackages);
  run('CommonJS app: require, synth, run', 'node', ['app.js'], commonJs);

  const esm = app('esm', {
    'package.json': JSON.stringify({ name: 'esm-app', private: true, type: 'module' }),
    'workers/hello.js': worker("import { defineWorker } from 'baton/aws';"),
    'app.js': `import * as cdk from 'aws-cdk-lib';
import { SagaOrchestrator } from 'baton/cdk';
import { runWorkflow } from 'baton';
import { InProcessDomain } from 'baton/testing';
const WORKER = new URL('workers/hello.js', import.meta.url).pathname;
${stack}
${runs}`,
  });
  install(esm, cdkPackages);
  run('ES module app: import, synth, run', 'node', ['app.js'], esm);
  await checkDev(esm);

  const typed = app('typescript', {
    'package.json': JSON.stringify({ name: 'typescript-app', private: true }),
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['es2022'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
    }),
    'workers/hello.ts': worker("import { defineWorker } from 'baton/aws';").replace(
      '(input)',
      '(input: { name?: string })',
    ),
    'app.ts': `import * as cdk from 'aws-cdk-lib';
import { SagaOrchestrator } from 'baton/cdk';
import { runWorkflow, type Json } from 'baton';
import { InProcessDomain } from 'baton/testing';
const WORKER = \`\${__dirname}/workers/hello.ts\`;
${stack}
${runs.replace('(input) =>', '(input: Json) =>').replace('input.name', '(input as { name: string }).name').replace('result.output.hello', '(result.output as { hello: string }).hello')}`,
  });
  install(typed, [...cdkPackages, pinned('typescript'), pinned('@types/node')]);
  run('TypeScript app: type-check with skipLibCheck false', 'npx', ['tsc', '-p', '.'], typed);

  const bare = app('without-cdk', {
    'package.json': JSON.stringify({ name: 'without-cdk', private: true, type: 'module' }),
    'app.js': `import { runWorkflow } from 'baton';
import { defineWorker } from 'baton/aws';
defineWorker(async () => null);
const result = await runWorkflow({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 1, End: true } } });
if (result.output !== 1) throw new Error(JSON.stringify(result));`,
  });
  install(bare, []);
  run('app without aws-cdk-lib: runWorkflow', 'node', ['app.js'], bare);
  console.log(`check-package: all checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
