/**
 * The example app's cloud assembly, synthesized as `npm run synth` does: the pinned CDK CLI in a
 * child process (esbuild, which bundles the functions, cannot start inside a vitest worker
 * thread), offline and without credentials, into a temporary directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A CloudFormation resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
}

/** A synthesized template. */
export interface Template {
  readonly Resources: Readonly<Record<string, TemplateResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Type: string; readonly Default?: unknown }>>;
  readonly Outputs?: Readonly<Record<string, { readonly Value: unknown }>>;
}

/** A stack of the assembly. */
export interface AssemblyStack {
  readonly stackName: string;
  /** From the manifest: `aws://<account>/<region>`, `unknown-account` when synthesized without one. */
  readonly account: string | undefined;
  readonly region: string;
  readonly template: Template;
}

/** A synthesized cloud assembly. */
export interface CloudAssembly {
  readonly directory: string;
  readonly stacks: ReadonlyMap<string, AssemblyStack>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `cdk synth` into a new temporary directory; rejects with the CLI's output when it fails. */
export async function synthesizeExampleApp(options: { timeoutMs?: number } = {}): Promise<CloudAssembly> {
  const directory = mkdtempSync(join(tmpdir(), 'baton-deploy-sim-'));
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' };
  // The synth must need no credentials, as on a fresh clone.
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    delete env[name];
  }
  const synthesized = new Promise<void>((resolve, reject) => {
    const cli = spawn(
      join(ROOT, 'node_modules/.bin/cdk'),
      ['synth', '--quiet', '--no-notices', '--no-lookups', '--output', directory],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => cli.kill('SIGKILL'), options.timeoutMs ?? 110_000);
    cli.once('error', reject);
    cli.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`cdk synth failed (${signal ?? code}):\n${output.slice(-4_000)}`));
    });
  });
  try {
    await synthesized;
    return readCloudAssembly(directory);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the stacks of an assembly directory. */
export function readCloudAssembly(directory: string): CloudAssembly {
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as {
    artifacts: Record<
      string,
      { type: string; environment?: string; properties?: { templateFile?: string; stackName?: string } }
    >;
  };
  const stacks = new Map<string, AssemblyStack>();
  for (const [id, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    if (!match) throw new Error(`Stack ${id} has no environment in the manifest`);
    const [, account, region] = match as unknown as [string, string, string];
    const stackName = artifact.properties?.stackName ?? id;
    stacks.set(stackName, {
      stackName,
      account: account === 'unknown-account' ? undefined : account,
      region,
      template: JSON.parse(
        readFileSync(join(directory, artifact.properties?.templateFile ?? `${id}.template.json`), 'utf8'),
      ) as Template,
    });
  }
  return { directory, stacks };
}
