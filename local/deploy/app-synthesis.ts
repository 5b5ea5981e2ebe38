/**
 * Synthesizes a CDK app the way the CDK CLI's `cdk synth` does, without the CLI: the `app`
 * command of `cdk.json`, run by the shell in the app's directory, with the environment the CLI
 * gives it (`CDK_OUTDIR`, and `CDK_CONTEXT_JSON` holding `cdk.json`'s and `cdk.context.json`'s
 * context plus the CLI's defaults: construct paths and asset paths in the template metadata, every
 * stack's assets bundled). Offline: no account, no lookups, no credentials passed on.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCloudAssembly, type CloudAssembly } from './cloud-assembly.js';
import { NoCdkAppError, SynthFailedError } from './errors.js';

/** How long the app may take. @see SynthesisOptions.timeoutMs */
export const DEFAULT_SYNTH_TIMEOUT_MS = 300_000;
/** How much of the app's output a failure shows (its end: where the error is). */
const FAILURE_OUTPUT_CHARS = 8_000;

/** What the CDK CLI puts in the context by default (`--path-metadata`, `--asset-metadata`, bundling). */
const CLI_DEFAULT_CONTEXT = {
  'aws:cdk:enable-path-metadata': true,
  // The deployment runs each function from the asset folder this metadata names.
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': true,
  'aws:cdk:bundling-stacks': ['**'],
} as const;

/** Credentials and profiles are not passed on: the synth must need none, and touch no account. */
const WITHHELD_VARIABLES = [
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'CDK_DEFAULT_ACCOUNT',
];

/** Options of {@link synthesizeApp}. */
export interface SynthesisOptions {
  /** The app's directory, where `cdk.json` is. */
  readonly appDir: string;
  /** Where the assembly goes; emptied first. */
  readonly outdir: string;
  /** @default DEFAULT_SYNTH_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** The environment the app command starts from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives the app's output as it comes (bundling progress, warnings). @default dropped */
  readonly onOutput?: (text: string) => void;
}

/** The `app` command and context of a `cdk.json`. */
export interface CdkAppSettings {
  readonly app: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** Reads `<appDir>/cdk.json` (and `cdk.context.json`); NoCdkAppError when there is no app command. */
export function readCdkAppSettings(appDir: string): CdkAppSettings {
  const path = join(appDir, 'cdk.json');
  if (!existsSync(path)) throw new NoCdkAppError(resolve(appDir), 'No cdk.json');
  let settings: { app?: unknown; context?: Record<string, unknown> };
  try {
    settings = JSON.parse(readFileSync(path, 'utf8')) as typeof settings;
  } catch (error) {
    throw new NoCdkAppError(resolve(appDir), `cdk.json does not parse (${(error as Error).message})`);
  }
  if (typeof settings.app !== 'string' || settings.app.trim() === '') {
    throw new NoCdkAppError(resolve(appDir), 'cdk.json has no "app" command');
  }
  // cdk.context.json holds the values the CLI looked up before; cdk.json's context wins, as in the CLI.
  const saved = join(appDir, 'cdk.context.json');
  const looked = existsSync(saved)
    ? (JSON.parse(readFileSync(saved, 'utf8')) as Record<string, unknown>)
    : {};
  return { app: settings.app, context: { ...looked, ...(settings.context ?? {}) } };
}

/** Runs the app's command into `outdir` and reads the assembly; SynthFailedError with its output when it fails. */
export async function synthesizeApp(options: SynthesisOptions): Promise<CloudAssembly> {
  const appDir = resolve(options.appDir);
  const settings = readCdkAppSettings(appDir);
  const outdir = resolve(options.outdir);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ ...settings.context, ...CLI_DEFAULT_CONTEXT }),
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
  for (const name of WITHHELD_VARIABLES) delete env[name];

  await new Promise<void>((done, fail) => {
    // The CLI runs the command through the shell too (`npx ts-node ...`, `node app.js`, `mvn ...`).
    const child = spawn(settings.app, { cwd: appDir, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-FAILURE_OUTPUT_CHARS);
      options.onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timeoutMs = options.timeoutMs ?? DEFAULT_SYNTH_TIMEOUT_MS;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(new SynthFailedError(settings.app, `could not start (${error.message})`, output));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done();
      else if (signal === 'SIGKILL') {
        fail(new SynthFailedError(settings.app, `did not finish within ${timeoutMs / 1000} s`, output));
      } else fail(new SynthFailedError(settings.app, `exited with ${signal ?? code}`, output));
    });
  });
  if (!existsSync(join(outdir, 'manifest.json'))) {
    throw new SynthFailedError(
      settings.app,
      'wrote no cloud assembly',
      `Nothing in ${outdir}: does the app call app.synth()? An app that sets its own outdir (new App({ outdir })) writes there: give that folder with --assembly`,
    );
  }
  return readCloudAssembly(outdir);
}
