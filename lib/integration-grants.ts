/**
 * The orchestrator's grants for the definitions' service integrations, least privilege: exactly
 * `sqs:SendMessage` (with the key's `kms:GenerateDataKey` and `kms:Decrypt` when the queue is a
 * CDK queue with a KMS key: a literal URL says nothing of its key), `events:PutEvents` and
 * `lambda:InvokeFunction`, and the DynamoDB item actions the states use (`dynamodb:GetItem`,
 * `PutItem`, `UpdateItem`, `DeleteItem`, with the table's KMS key when it is a CDK table with
 * one), on the targets the definitions name (`workflow-integrations.ts`), plus
 * the `integrationTargets` of the kinds that some state chooses at run time. Nothing is granted
 * for an integration no definition uses.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import type { DefinitionIssue } from '../lambdas/engine/index.js';
import { acknowledgeWildcardResource } from './nag-acknowledgement.js';
import type { IntegrationTargets } from './saga-orchestrator-props.js';
import {
  functionNameParts,
  queueUrlParts,
  tableNameParts,
  type FunctionQualifier,
  type IntegrationTarget,
  type IntegrationTargetKind,
} from './workflow-integrations.js';

/** What to grant, gathered from every workflow's targets. */
export interface IntegrationGrantPlan {
  readonly queues: ReadonlySet<sqs.IQueue>;
  readonly queueArns: ReadonlySet<string>;
  readonly eventBuses: ReadonlySet<events.IEventBus>;
  readonly eventBusArns: ReadonlySet<string>;
  /** Function -> the ARN suffixes it is invoked with: '' (unqualified), ':<qualifier>' or ':*'. */
  readonly functions: ReadonlyMap<lambda.IFunction, ReadonlySet<string>>;
  readonly functionArns: ReadonlySet<string>;
  /** Table -> the DynamoDB actions states use on it. */
  readonly tables: ReadonlyMap<dynamodb.ITable, ReadonlySet<string>>;
  /** Table ARN -> the DynamoDB actions states use on it. */
  readonly tableArns: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The plan, or the issues of one workflow (a dynamic target with no resource given, a literal that names nothing). */
export type IntegrationPlanResult =
  | {
      readonly type: 'planned';
      readonly plan: IntegrationGrantPlan;
      readonly unusedTargetKinds: readonly IntegrationTargetKind[];
    }
  | { readonly type: 'invalid'; readonly workflow: string; readonly issues: readonly DefinitionIssue[] };

/** Which prop lists the resources of each kind. */
const TARGETS_PROP: Record<IntegrationTargetKind, Exclude<keyof IntegrationTargets, 'apiCalls'>> = {
  queue: 'queues',
  function: 'functions',
  eventBus: 'eventBuses',
  table: 'tables',
};

/** Turns the workflows' targets into ARNs and resources of `scope`'s stack. */
export function planIntegrationGrants(
  scope: IConstruct,
  workflows: Readonly<Record<string, readonly IntegrationTarget[]>>,
  integrationTargets: IntegrationTargets,
): IntegrationPlanResult {
  const stack = Stack.of(scope);
  const queues = new Set<sqs.IQueue>();
  const queueArns = new Set<string>();
  const eventBuses = new Set<events.IEventBus>();
  const eventBusArns = new Set<string>();
  const functions = new Map<lambda.IFunction, Set<string>>();
  const functionArns = new Set<string>();
  const tables = new Map<dynamodb.ITable, Set<string>>();
  const tableArns = new Map<string, Set<string>>();
  const dynamicTableActions = new Set<string>();
  const add = <K>(map: Map<K, Set<string>>, key: K, action: string) => {
    const actions = map.get(key) ?? new Set<string>();
    actions.add(action);
    map.set(key, actions);
  };
  const dynamicKinds = new Set<IntegrationTargetKind>();
  const invokedWith = (fn: lambda.IFunction, suffix: string) => {
    const suffixes = functions.get(fn) ?? new Set<string>();
    suffixes.add(suffix);
    functions.set(fn, suffixes);
  };
  for (const [workflow, targets] of Object.entries(workflows)) {
    const issues: DefinitionIssue[] = [];
    for (const target of targets) {
      switch (target.type) {
        case 'resource': {
          const resource = target.resource;
          switch (resource.type) {
            case 'queue':
              queues.add(resource.queue);
              break;
            case 'eventBus':
              eventBuses.add(resource.eventBus);
              break;
            case 'function':
              invokedWith(resource.function, qualifierSuffix(target.qualifier));
              break;
            case 'table':
              if (target.action !== undefined) add(tables, resource.table, target.action);
              break;
          }
          break;
        }
        case 'queueUrl': {
          const parts = queueUrlParts(target.url);
          if (parts === undefined) {
            issues.push({
              pointer: target.pointer,
              message: `'${target.url}' is not a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>); name a CDK queue with a substitution instead`,
            });
            break;
          }
          queueArns.add(
            stack.formatArn({
              service: 'sqs',
              region: parts.region,
              account: parts.account,
              resource: parts.name,
            }),
          );
          break;
        }
        case 'eventBusName':
          eventBusArns.add(
            target.nameOrArn.startsWith('arn:')
              ? target.nameOrArn
              : stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: target.nameOrArn }),
          );
          break;
        case 'functionName': {
          const parts = functionNameParts(target.name);
          if (parts === undefined) {
            issues.push({
              pointer: target.pointer,
              message: `'${target.name}' is not a function name or ARN; name a CDK function with a substitution instead`,
            });
            break;
          }
          const qualifier =
            parts.qualifier !== undefined ? `:${parts.qualifier}` : qualifierSuffix(target.qualifier);
          functionArns.add(
            stack.formatArn({
              service: 'lambda',
              ...(parts.region !== undefined ? { region: parts.region } : {}),
              ...(parts.account !== undefined ? { account: parts.account } : {}),
              resource: 'function',
              resourceName: `${parts.name}${qualifier}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          );
          break;
        }
        case 'tableName': {
          const parts = tableNameParts(target.nameOrArn);
          if (parts === undefined) {
            issues.push({
              pointer: target.pointer,
              message: `'${target.nameOrArn}' is not a table name or ARN; name a CDK table with a substitution instead`,
            });
            break;
          }
          const arn =
            'arn' in parts
              ? parts.arn
              : stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: parts.name });
          add(tableArns, arn, target.action);
          break;
        }
        case 'dynamic': {
          if (target.action !== undefined) dynamicTableActions.add(target.action);
          const given = integrationTargets[TARGETS_PROP[target.kind]] ?? [];
          if (given.length === 0 && target.mayNeedNone !== true) {
            issues.push({
              pointer: target.pointer,
              message: `the ${kindName(target.kind)} is chosen at run time, so the construct cannot grant on it: list the ${kindName(target.kind)}s it may be in integrationTargets.${TARGETS_PROP[target.kind]}`,
            });
          }
          dynamicKinds.add(target.kind);
          break;
        }
      }
    }
    if (issues.length > 0) return { type: 'invalid', workflow, issues };
  }
  if (dynamicKinds.has('queue')) for (const queue of integrationTargets.queues ?? []) queues.add(queue);
  if (dynamicKinds.has('eventBus'))
    for (const bus of integrationTargets.eventBuses ?? []) eventBuses.add(bus);
  if (dynamicKinds.has('function')) {
    for (const fn of integrationTargets.functions ?? []) {
      invokedWith(fn, '');
      invokedWith(fn, ':*');
    }
  }
  if (dynamicKinds.has('table')) {
    for (const table of integrationTargets.tables ?? []) {
      for (const action of dynamicTableActions) add(tables, table, action);
    }
  }
  const unusedTargetKinds = (Object.keys(TARGETS_PROP) as IntegrationTargetKind[]).filter(
    (kind) => !dynamicKinds.has(kind) && (integrationTargets[TARGETS_PROP[kind]] ?? []).length > 0,
  );
  return {
    type: 'planned',
    plan: { queues, queueArns, eventBuses, eventBusArns, functions, functionArns, tables, tableArns },
    unusedTargetKinds,
  };
}

/**
 * Adds the plan's statements to `role`. `acknowledgeOn` carries the cdk-nag acknowledgements of the
 * `:*` function ARNs (a qualifier chosen at run time: any version or alias of that one function).
 */
export function applyIntegrationGrants(
  plan: IntegrationGrantPlan,
  role: iam.IRole,
  acknowledgeOn: IConstruct,
): void {
  for (const queue of plan.queues) {
    queue.grant(role, 'sqs:SendMessage');
    // What SQS asks of a producer on a queue encrypted with a KMS key.
    queue.encryptionMasterKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
  if (plan.queueArns.size > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [...plan.queueArns] }),
    );
  }
  for (const bus of plan.eventBuses) bus.grantPutEventsTo(role);
  if (plan.eventBusArns.size > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [...plan.eventBusArns] }),
    );
  }
  const functionArns = new Set(plan.functionArns);
  for (const [fn, suffixes] of plan.functions) {
    for (const suffix of suffixes) functionArns.add(`${fn.functionArn}${suffix}`);
  }
  if (functionArns.size > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [...functionArns] }),
    );
  }
  for (const [table, actions] of plan.tables) {
    table.grant(role, ...[...actions].sort());
    // What DynamoDB asks of a caller on a table encrypted with a customer managed key.
    const writes = [...actions].some((action) => action !== 'dynamodb:GetItem');
    table.encryptionKey?.grant(
      role,
      ...(writes
        ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']
        : ['kms:Decrypt']),
    );
  }
  for (const [arn, actions] of plan.tableArns) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions].sort(), resources: [arn] }));
  }
  for (const arn of functionArns) {
    if (!arn.endsWith(':*')) continue;
    acknowledgeWildcardResource(
      acknowledgeOn,
      arn,
      'A lambda:invoke state chooses the qualifier at run time: the statement covers the versions and aliases of this one function',
    );
  }
}

function qualifierSuffix(qualifier: FunctionQualifier | undefined): string {
  if (qualifier === undefined) return '';
  return qualifier.type === 'dynamic' ? ':*' : `:${qualifier.qualifier}`;
}

function kindName(kind: IntegrationTargetKind): string {
  switch (kind) {
    case 'queue':
      return 'queue';
    case 'function':
      return 'function';
    case 'eventBus':
      return 'event bus';
    case 'table':
      return 'table';
  }
}
