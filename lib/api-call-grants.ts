/**
 * The grants of `aws-sdk:<service>:<action>`, `sns:publish`, `bedrock:invokeModel` and job states
 * (`athena:*`, `glue:*`, `sagemaker:*`, with `.sync` their describe and stop calls too). An AWS SDK call can reach
 * any resource of any service, in fields whose meaning differs per API, so the construct does not
 * guess: as CDK's own `CallAwsService` asks for `iamResources`, each IAM action these states need
 * (`s3:GetObject`, `logs:PutRetentionPolicy`, as `checkDefinition` reports) is granted on the
 * resources listed for it in `integrationTargets.apiCalls`, and a definition that needs an action
 * not listed fails synth, naming the state and the action. The exceptions are an `sns:publish`
 * state whose `TopicArn` is a literal ARN, granted `sns:Publish` on that topic, and a
 * `bedrock:invokeModel` state whose `ModelId` is a literal ARN, granted `bedrock:InvokeModel` on it,
 * and an `apigateway:invoke` state signed with the role (`AuthType: IAM_ROLE`) whose `ApiEndpoint` is
 * a literal API Gateway host (`<api-id>.execute-api.<region>.amazonaws.com`), granted
 * `execute-api:Invoke` on that API in the stack's account (every stage, method and path),
 * and an `http:invoke` state whose `Authentication.ConnectionArn` is a literal connection ARN,
 * granted `events:DescribeConnection` on the connection and `secretsmanager:GetSecretValue` on its
 * secret (`events!connection/<name>/*`, the name EventBridge gives it).
 *
 * A Distributed Map's ItemReader and ResultWriter are granted the same way: on the ARNs their
 * literal bucket (and key or prefix) give, as `checkDefinition` reports them (`s3:GetObject` on
 * the object, `s3:ListBucket` on a listed bucket, `s3:PutObject`, `s3:AbortMultipartUpload` and
 * `s3:ListMultipartUploadParts` on `<bucket>/<prefix>*`), each wildcard acknowledged to cdk-nag
 * with its reason; a bucket chosen at run time needs its action listed in
 * `integrationTargets.apiCalls`, or synth fails naming the state and the action.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkDefinition } from '../lambdas/contract/definition-check.js';
import type { DistributedMapAccess } from '../lambdas/contract/distributed-map-access.js';
import { parseTaskResource } from '../lambdas/contract/task-resources.js';
import { executeApiHost } from '../lambdas/contract/execute-api-host.js';
import { CONNECTION_ARN } from '../lambdas/contract/connection-arn.js';
import type { DefinitionIssue } from '../lambdas/engine/index.js';
import type { BatonFunction } from './baton-function.js';
import { InvalidWorkflowError } from './errors.js';
import { acknowledgeWildcardResource } from './nag-acknowledgement.js';
import { pointerGet } from './workflow-source.js';

/** IAM action -> the resources (ARNs, tokens, or `*`) the states that need it may reach. */
export type ApiCallTargets = Readonly<Record<string, readonly string[]>>;

/** What {@link applyApiCallGrants} adds to the orchestrator's role. */
export interface ApiCallGrantPlan {
  /** IAM action -> the resources it is granted on. */
  readonly grants: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Resources with a wildcard that the construct derived from a definition (a Distributed Map's
   * `<bucket>/<prefix>*`), not listed by the user: each is acknowledged to cdk-nag with this reason.
   */
  readonly derivedWildcards: ReadonlyMap<string, string>;
}

/** The field that names an optimized integration's target, and the ARN a literal value in it names. */
interface LiteralTarget {
  readonly field: string;
  readonly arn: (value: string, scope: IConstruct) => string | undefined;
}

/** A literal that is an ARN of this form names itself. */
function arnOfForm(form: RegExp): LiteralTarget['arn'] {
  return (value) => (form.test(value) ? value : undefined);
}

const LITERAL_TARGETS: Readonly<Record<string, LiteralTarget>> = {
  sns: {
    field: 'TopicArn',
    arn: arnOfForm(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/),
  },
  'bedrock-invoke': {
    field: 'ModelId',
    arn: arnOfForm(/^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{0,12}:[a-z-]+\/\S+$/),
  },
  // `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>`: any of them.
  apigateway: {
    field: 'ApiEndpoint',
    arn: (value, scope) => {
      const api = executeApiHost(value);
      if (api === undefined) return undefined;
      return Stack.of(scope).formatArn({
        service: 'execute-api',
        region: api.region,
        resource: api.apiId,
        resourceName: '*',
      });
    },
  },
};

/**
 * What the definitions' AWS SDK and SNS states need. Throws InvalidWorkflowError for a state whose
 * action has no resources in `targets`; warns (on `scope`) about listed actions no state needs.
 */
export function planApiCallGrants(
  scope: IConstruct,
  definitions: Readonly<Record<string, unknown>>,
  targets: ApiCallTargets,
): ApiCallGrantPlan {
  const plan = new Map<string, Set<string>>();
  const derivedWildcards = new Map<string, string>();
  const grant = (action: string, resources: readonly string[]) => {
    const granted = plan.get(action) ?? new Set<string>();
    for (const resource of resources) granted.add(resource);
    plan.set(action, granted);
  };
  const needed = new Set<string>();
  for (const [workflow, definition] of Object.entries(definitions)) {
    const issues: DefinitionIssue[] = [];
    const check = checkDefinition(definition);
    for (const task of check.tasks) {
      const parsed = parseTaskResource(task.resource);
      if (
        parsed.type !== 'aws-sdk' &&
        parsed.type !== 'sns' &&
        parsed.type !== 'bedrock-invoke' &&
        parsed.type !== 'job' &&
        parsed.type !== 'apigateway' &&
        parsed.type !== 'http-invoke'
      )
        continue;
      if (parsed.type === 'http-invoke') {
        const connection = literalConnection(
          pointerGet(definition, task.pointer.slice(0, -'/Resource'.length)),
        );
        if (connection !== undefined) {
          for (const [action, resources] of connectionGrants(connection)) grant(action, resources);
          continue;
        }
      }
      const literal = LITERAL_TARGETS[parsed.type];
      if (literal !== undefined) {
        const target = literalArn(
          pointerGet(definition, task.pointer.slice(0, -'/Resource'.length)),
          literal,
          scope,
        );
        if (target !== undefined) {
          for (const action of task.actions) grant(action, [target]);
          continue;
        }
      }
      for (const action of task.actions) {
        needed.add(action);
        const resources = Object.hasOwn(targets, action) ? targets[action] : undefined;
        if (resources === undefined || resources.length === 0) {
          issues.push({
            pointer: task.pointer,
            message:
              `${task.resource} needs ${action}, and the construct cannot tell which resources the call reaches: ` +
              `list them in integrationTargets.apiCalls['${action}'] (ARNs, or ['*'] for any)`,
          });
        } else grant(action, resources);
      }
    }
    for (const access of check.distributedMaps) {
      for (const { action, resources } of access.grants) {
        if (resources !== undefined) {
          const arns = resources.map((arn) => inStackPartition(arn, scope));
          grant(action, arns);
          for (const arn of arns) {
            if (arn.includes('*')) derivedWildcards.set(arn, wildcardReason(access));
          }
          continue;
        }
        needed.add(action);
        const listed = Object.hasOwn(targets, action) ? targets[action] : undefined;
        if (listed === undefined || listed.length === 0) {
          issues.push({
            pointer: access.pointer,
            message:
              `${access.resource} needs ${action} on a bucket chosen at run time, so the construct cannot tell which: ` +
              `list its ARNs in integrationTargets.apiCalls['${action}'] (or ['*'] for any)`,
          });
        } else grant(action, listed);
      }
    }
    if (issues.length > 0) throw new InvalidWorkflowError(workflow, issues);
  }
  for (const action of Object.keys(targets)) {
    if (!needed.has(action)) {
      Annotations.of(scope).addWarningV2(
        'baton:unused-api-call-target',
        `integrationTargets.apiCalls lists ${action}, but no service integration state needs it: nothing is granted`,
      );
    }
  }
  return { grants: plan, derivedWildcards };
}

/** `arn:aws:s3:::...` in the stack's partition (aws-cn, aws-us-gov, ...). */
function inStackPartition(arn: string, scope: IConstruct): string {
  return arn.replace(/^arn:aws:/, `arn:${Stack.of(scope).partition}:`);
}

/** Why a Distributed Map's grant ends in a wildcard, for cdk-nag (one reason for every action on it). */
function wildcardReason(access: DistributedMapAccess): string {
  return access.pointer.endsWith('/ResultWriter/Resource')
    ? `The ResultWriter at ${access.pointer} writes its result files under its Prefix, named by Map Run id at run time; its multipart upload actions are confined to that prefix of the bucket the definition names`
    : `The ItemReader at ${access.pointer} reads objects chosen at run time (a key from the input, listed objects, or a manifest's data files); its reads are confined to the bucket (and prefix) the definition names`;
}

/**
 * Adds the plan's statements to the orchestrator's role. An action listed with `*` is granted on
 * every resource as asked, with a synth warning naming it (see `BatonFunction.grantOnEveryResource`).
 */
export function applyApiCallGrants(plan: ApiCallGrantPlan, orchestrator: BatonFunction): void {
  for (const [action, resources] of [...plan.grants].sort(([a], [b]) => a.localeCompare(b))) {
    if (resources.has('*')) {
      orchestrator.grantOnEveryResource(action, `integrationTargets.apiCalls['${action}'] lists '*'`);
      continue;
    }
    orchestrator.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [action], resources: [...resources] }),
    );
  }
  for (const [resource, reason] of plan.derivedWildcards) {
    acknowledgeWildcardResource(orchestrator, resource, reason);
  }
}

/** The literal ARN a state's target field holds (JSONPath Parameters or JSONata Arguments), if it holds one. */
function literalArn(state: unknown, target: LiteralTarget, scope: IConstruct): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const record = state as Record<string, unknown>;
  const fields = record.Parameters ?? record.Arguments;
  if (typeof fields !== 'object' || fields === null) return undefined;
  const value = (fields as Record<string, unknown>)[target.field];
  return typeof value === 'string' ? target.arn(value, scope) : undefined;
}

/** The literal EventBridge connection ARN of an `http:invoke` state's `Authentication.ConnectionArn`, if it holds one. */
function literalConnection(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const record = state as Record<string, unknown>;
  const fields = record.Parameters ?? record.Arguments;
  if (typeof fields !== 'object' || fields === null) return undefined;
  const authentication = (fields as Record<string, unknown>).Authentication;
  if (typeof authentication !== 'object' || authentication === null) return undefined;
  const arn = (authentication as Record<string, unknown>).ConnectionArn;
  return typeof arn === 'string' && CONNECTION_ARN.test(arn) ? arn : undefined;
}

/** What reading a connection needs: DescribeConnection on it, GetSecretValue on its secret. */
function connectionGrants(connectionArn: string): [string, string[]][] {
  const [, partition, region, account, name] = CONNECTION_ARN.exec(connectionArn) as unknown as string[];
  return [
    // IAM names a connection `connection/<name>`; its ARN adds `/<id>`: both are listed.
    [
      'events:DescribeConnection',
      [`arn:${partition}:events:${region}:${account}:connection/${name}`, connectionArn],
    ],
    [
      'secretsmanager:GetSecretValue',
      [`arn:${partition}:secretsmanager:${region}:${account}:secret:events!connection/${name}/*`],
    ],
  ];
}
