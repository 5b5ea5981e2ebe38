/**
 * A synthesized cloud assembly (`cdk.out`), read as the CDK CLI reads it before a deploy: the
 * manifest's stack artifacts, their templates, environments and dependencies, and the nested
 * assemblies of CDK Stages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AssemblyReadError, MissingContextError } from './errors.js';

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
  /** Its artifact id in the manifest (what other artifacts' dependencies name). */
  readonly artifactId: string;
  /** The (nested) assembly directory its template and asset paths are relative to. */
  readonly directory: string;
  /** From the manifest: `aws://<account>/<region>`; undefined for `unknown-account`. */
  readonly account: string | undefined;
  /** The region, or {@link LOCAL_REGION} for a stack synthesized without one. */
  readonly region: string;
  /** Names of the stacks CloudFormation must deploy before this one. */
  readonly dependencies: readonly string[];
  /**
   * The file assets of the stack's asset manifest: the object key a template names in S3
   * (`<hash>.zip`) -> the asset's folder or file, relative to {@link directory}. What the CDK CLI
   * uploads; found so even in an assembly synthesized without asset metadata.
   */
  readonly fileAssets: ReadonlyMap<string, string>;
  readonly template: Template;
}

/** A synthesized cloud assembly. */
export interface CloudAssembly {
  readonly directory: string;
  /** By stack name, in manifest order. */
  readonly stacks: ReadonlyMap<string, AssemblyStack>;
}

/** The region of stacks synthesized region-agnostic (`unknown-region`). */
export const LOCAL_REGION = 'us-east-1';

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly dependencies?: readonly string[];
  readonly properties?: {
    readonly templateFile?: string;
    /** Of a `cdk:asset-manifest` artifact: its file. */
    readonly file?: string;
    readonly stackName?: string;
    /** Of a `cdk:cloud-assembly` artifact (a Stage): its assembly's folder. */
    readonly directoryName?: string;
  };
}

interface Manifest {
  readonly artifacts?: Readonly<Record<string, ManifestArtifact>>;
  readonly missing?: readonly { readonly key: string; readonly provider?: string }[];
}

/** Reads the stacks of an assembly directory (and of the Stages nested in it). */
export function readCloudAssembly(directory: string): CloudAssembly {
  const root = resolve(directory);
  const stacks = new Map<string, AssemblyStack>();
  readStacks(root, stacks);
  return { directory: root, stacks };
}

function readStacks(directory: string, stacks: Map<string, AssemblyStack>): void {
  const manifest = readJson<Manifest>(join(directory, 'manifest.json'), 'manifest');
  if (manifest.missing && manifest.missing.length > 0) {
    const keys = manifest.missing.map((entry) => entry.provider ?? entry.key).join(', ');
    throw new MissingContextError(
      `The app needs context that the CDK CLI looks up in your AWS account (${keys}): run \`cdk synth\` once with credentials, so that cdk.context.json holds it, then baton dev again`,
    );
  }
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const stackNames = new Map<string, string>();
  for (const [id, artifact] of artifacts) {
    if (artifact.type === 'aws:cloudformation:stack')
      stackNames.set(id, artifact.properties?.stackName ?? id);
  }
  for (const [id, artifact] of artifacts) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      readStacks(join(directory, artifact.properties.directoryName), stacks);
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    if (!match) throw new AssemblyReadError(`Stack ${id} has no environment in ${directory}/manifest.json`);
    const [, account, region] = match as unknown as [string, string, string];
    const stackName = stackNames.get(id) ?? id;
    stacks.set(stackName, {
      stackName,
      artifactId: id,
      directory,
      account: account === 'unknown-account' ? undefined : account,
      region: region === 'unknown-region' ? LOCAL_REGION : region,
      dependencies: (artifact.dependencies ?? []).flatMap((dependency) => {
        const name = stackNames.get(dependency);
        return name === undefined ? [] : [name];
      }),
      fileAssets: fileAssets(
        directory,
        (artifact.dependencies ?? []).flatMap((dependency) => {
          const manifestArtifact = manifest.artifacts?.[dependency];
          return manifestArtifact?.type === 'cdk:asset-manifest' && manifestArtifact.properties?.file
            ? [manifestArtifact.properties.file]
            : [];
        }),
      ),
      template: readJson<Template>(
        join(directory, artifact.properties?.templateFile ?? `${id}.template.json`),
        `template of ${stackName}`,
      ),
    });
  }
}

/** Object key -> source path of the file assets in these asset manifests. */
function fileAssets(directory: string, manifests: readonly string[]): Map<string, string> {
  const assets = new Map<string, string>();
  for (const file of manifests) {
    const manifest = readJson<{
      files?: Record<
        string,
        { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }
      >;
    }>(join(directory, file), 'asset manifest');
    for (const asset of Object.values(manifest.files ?? {})) {
      if (asset.source?.path === undefined) continue;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey !== undefined) assets.set(destination.objectKey, asset.source.path);
      }
    }
  }
  return assets;
}

function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) {
    throw new AssemblyReadError(
      `No ${what} at ${path}: is ${dirname(path)} a cloud assembly (a cdk.out directory)?`,
    );
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new AssemblyReadError(`Cannot read the ${what} at ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
