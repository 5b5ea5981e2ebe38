/**
 * The Lambda functions Baton deploys (orchestrator, workers, definition publisher): Node.js 22 on
 * ARM64, X-Ray active tracing, a log group with a retention, and a role of their own that can
 * write to that log group and nothing else until granted more. Baton's own functions run the
 * bundles the package ships (`lambda-bundling.ts`); workers are bundled at synth with esbuild (no
 * Docker), with the same settings.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, AssetHashType, DockerImage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dirname } from 'node:path';
import { batonFunctionAsset, bundleFunction, type BatonFunctionName } from './lambda-bundling.js';

/** The runtime of every Baton function. */
export const BATON_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** What a function runs. */
export type BatonFunctionCode =
  /** One of Baton's own functions, prebuilt in the package. */
  | { readonly type: 'baton'; readonly name: BatonFunctionName }
  /** A TypeScript or JavaScript entry file, bundled at synth; `handler` defaults to 'handler'. */
  | { readonly type: 'entry'; readonly entry: string; readonly handler?: string };

/** Props of {@link BatonFunction}. */
export interface BatonFunctionProps {
  readonly code: BatonFunctionCode;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** @default none */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** Applies to the log group. */
  readonly removalPolicy: RemovalPolicy;
}

/** A bundled Node.js function with its own role and log group. */
export class BatonFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Actions the user asked to grant on every resource (`integrationTargets.apiCalls` with `*`). */
  private readonly wildcardActions = new Set<string>();

  constructor(scope: Construct, id: string, props: BatonFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // A role of its own instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    const common = {
      description: props.description,
      runtime: BATON_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      // Stack traces point at the TypeScript sources through the bundled source maps.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    };
    const { code } = props;
    if (code.type === 'baton') {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        code: lambda.Code.fromAsset(batonFunctionAsset(code.name)),
        handler: 'index.handler',
      });
    } else {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        code: workerCode(code.entry),
        handler: `index.${code.handler ?? 'handler'}`,
      });
    }
    // X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; every other statement of this role names its resources',
    });
    // The acknowledgement above covers X-Ray only: a later grant on every resource must not hide
    // behind it, so synth fails if the role gets one.
    this.node.addValidation({ validate: () => wildcardGrantsBeyondXRay(this.role, this.wildcardActions) });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Baton pins nodejs22.x: the bundles are built (target node22) and tested on Node.js 22; moving to a newer runtime is a deliberate, tested upgrade',
    });
  }

  /**
   * Grants `action` on every resource, as the user asked (an action with no resource-level
   * permissions, such as `rekognition:DetectLabels`). Synth warns, naming it: the function's cdk-nag
   * acknowledgement of `Resource::*` (for X-Ray) would otherwise hide it.
   */
  grantOnEveryResource(action: string, why: string): void {
    this.wildcardActions.add(action);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: ['*'] }));
    Annotations.of(this).addWarningV2(
      'baton:wildcard-grant',
      `${action} is granted on every resource ('*'): ${why}`,
    );
  }
}

/** The actions active tracing needs on `*` (X-Ray offers no resource-level permissions for them). */
const XRAY_WILDCARD_ACTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

/**
 * An error per statement of `role`'s policy that grants on every resource anything but X-Ray's
 * actions and the actions the user asked for on `*` (`allowed`).
 */
function wildcardGrantsBeyondXRay(role: iam.Role, allowed: ReadonlySet<string>): string[] {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return [];
  const document = policy.document.toJSON() as
    { Statement?: { Effect?: string; Action?: string | string[]; Resource?: unknown }[] } | undefined;
  const errors: string[] = [];
  for (const statement of document?.Statement ?? []) {
    const resources = [statement.Resource].flat();
    if (statement.Effect !== 'Allow' || !resources.includes('*')) continue;
    const actions = [statement.Action ?? []]
      .flat()
      .filter((action) => !XRAY_WILDCARD_ACTIONS.has(action) && !allowed.has(action));
    if (actions.length > 0) {
      errors.push(
        `${role.node.path} is granted ${actions.join(', ')} on every resource ('*'): name the resources ` +
          '(its cdk-nag acknowledgement of Resource::* covers X-Ray tracing only)',
      );
    }
  }
  return errors;
}

/**
 * A worker's code: its entry bundled at synth by `bundleFunction`, as Baton's own functions are
 * (index.mjs and its chunks, loaded on demand), with esbuild from the app's dependencies; never
 * Docker. The asset's hash is the bundle's.
 */
function workerCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(dirname(entry), {
    // Hashed by the bundle, not by the entry's folder: a change to a module it imports from
    // elsewhere in the app must deploy new code.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never run: local bundling either bundles or fails the synth with the reason.
      image: DockerImage.fromRegistry('scratch'),
      // Part of the key under which CDK caches a bundling: workers side by side share a folder.
      command: ['bundle', entry],
      local: {
        tryBundle(outputDir: string): boolean {
          try {
            bundleFunction(entry, outputDir);
          } catch (error) {
            throw new Error(
              `Could not bundle the worker ${entry} (Baton bundles workers with esbuild: npm install esbuild): ${
                error instanceof Error ? error.message : String(error)
              }`,
              { cause: error },
            );
          }
          return true;
        },
      },
    },
  });
}
