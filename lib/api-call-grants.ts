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
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkDefinition } from '../lambdas/contract/definition-check.js';
import { parseTaskResource } from '../lambdas/contract/task-resources.js';
import { executeApiHost } from '../lambdas/contract/execute-api-host.js';
import { CONNECTION_ARN } from '../lambdas/contract/connection-arn.js';
import type { DefinitionIssue } from '../lambdas/engine/index.js';
import type { BatonFunction } from './baton-function.js';
import { InvalidWorkflowError } from './errors.js';
import { pointerGet } from './workflow-source.js';

/** IAM action -> the resources (ARNs, tokens, or `*`) the states that need it may reach. */
export type ApiCallTargets = Readonly<Record<string, readonly string[]>>;

/** IAM action -> the resources it is granted on. */
export type ApiCallGrantPlan = ReadonlyMap<string, ReadonlySet<string>>;

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
  const grant = (action: string, resources: readonly string[]) => {
    const granted = plan.get(action) ?? new Set<string>();
    for (const resource of resources) granted.add(resource);
    plan.set(action, granted);
  };
  const needed = new Set<string>();
  for (const [workflow, definition] of Object.entries(definitions)) {
    const issues: DefinitionIssue[] = [];
    for (const task of checkDefinition(definition).tasks) {
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
  return plan;
}

/**
 * Adds the plan's statements to the orchestrator's role. An action listed with `*` is granted on
 * every resource as asked, with a synth warning naming it (see `BatonFunction.grantOnEveryResource`).
 */
export function applyApiCallGrants(plan: ApiCallGrantPlan, orchestrator: BatonFunction): void {
  for (const [action, resources] of [...plan].sort(([a], [b]) => a.localeCompare(b))) {
    if (resources.has('*')) {
      orchestrator.grantOnEveryResource(action, `integrationTargets.apiCalls['${action}'] lists '*'`);
      continue;
    }
    orchestrator.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [action], resources: [...resources] }),
    );
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
