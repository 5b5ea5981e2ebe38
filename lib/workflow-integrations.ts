/**
 * What a definition's service integrations reach, read at synth so that the orchestrator is granted
 * exactly that: `sqs:SendMessage` on the queues its `sqs:sendMessage` states name,
 * `events:PutEvents` on the buses its `events:putEvents` entries name, `lambda:InvokeFunction` on
 * the functions its `lambda:invoke` states and Lambda ARN resources name (the `:*` form only where
 * a qualifier may be used). A target is known when it is a literal, or a placeholder whose
 * substitution is a CDK resource; a target chosen at run time (`QueueUrl.$`, a JSONata
 * expression, a placeholder resolved by CloudFormation from a plain token) is "dynamic": the
 * construct then grants on the resources listed in `integrationTargets`, and refuses to synthesize
 * without them, naming the field.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { wholePlaceholder } from '../lambdas/contract/definition-substitutions.js';
import {
  dynamoDbOperation,
  escapePointer,
  parseTaskResource,
  taskResourceReferences,
} from '../lambdas/contract/task-resources.js';
import type { DefinitionIssue } from '../lambdas/engine/index.js';
import { pointerGet } from './workflow-source.js';

/** A CDK resource a substitution names, to grant on. */
export type IntegrationResource =
  | { readonly type: 'queue'; readonly queue: sqs.IQueue }
  | { readonly type: 'function'; readonly function: lambda.IFunction }
  | { readonly type: 'eventBus'; readonly eventBus: events.IEventBus }
  | { readonly type: 'table'; readonly table: dynamodb.ITable };

/** The kinds of integration target. */
export type IntegrationTargetKind = IntegrationResource['type'];

/**
 * One target a definition's integration reaches, discriminated on `type`:
 * - `resource`: a CDK resource (from a substitution); for a function, whether a qualifier may be used;
 * - `queueUrl`, `eventBusName`, `functionName`, `tableName`: a literal, to be made an ARN in the stack;
 * - `dynamic`: chosen at run time; `pointer` locates the field.
 */
export type IntegrationTarget =
  | {
      readonly type: 'resource';
      readonly resource: IntegrationResource;
      readonly qualifier?: FunctionQualifier;
      /** For a table, the IAM action its state needs (`dynamodb:PutItem`). */
      readonly action?: string;
    }
  | { readonly type: 'queueUrl'; readonly url: string; readonly pointer: string }
  | { readonly type: 'eventBusName'; readonly nameOrArn: string }
  | {
      readonly type: 'functionName';
      readonly name: string;
      readonly qualifier?: FunctionQualifier;
      readonly pointer: string;
    }
  | {
      readonly type: 'tableName';
      readonly nameOrArn: string;
      /** The IAM action its state needs (`dynamodb:GetItem`). */
      readonly action: string;
      readonly pointer: string;
    }
  | {
      readonly type: 'dynamic';
      readonly kind: IntegrationTargetKind;
      readonly pointer: string;
      /** For a table, the IAM action its state needs on every table of integrationTargets. */
      readonly action?: string;
      /** The target may also be one always granted (entries chosen whole may name the domain bus). */
      readonly mayNeedNone?: true;
    };

/** How a function is invoked: a literal qualifier, or one chosen at run time (`:*`). */
export type FunctionQualifier =
  { readonly type: 'literal'; readonly qualifier: string } | { readonly type: 'dynamic' };

/** The targets of a definition's integrations, and the issues found reading them. */
export interface DefinitionIntegrations {
  readonly targets: readonly IntegrationTarget[];
  readonly issues: readonly DefinitionIssue[];
}

/** A field of a task's Parameters (JSONPath) or Arguments (JSONata). */
type TaskField =
  | { readonly type: 'absent' }
  | { readonly type: 'literal'; readonly value: unknown; readonly pointer: string }
  | { readonly type: 'dynamic'; readonly pointer: string };

/**
 * The integration targets of `definition` (the definition as the construct publishes it: literal
 * substitutions done, deploy-time ones still placeholders). `resources` maps placeholder names to
 * the CDK resources their substitutions are.
 */
export function definitionIntegrations(
  definition: unknown,
  resources: ReadonlyMap<string, IntegrationResource>,
): DefinitionIntegrations {
  const targets: IntegrationTarget[] = [];
  const issues: DefinitionIssue[] = [];
  for (const reference of taskResourceReferences(definition)) {
    if (typeof reference.resource !== 'string') continue;
    const statePointer = reference.pointer.slice(0, -'/Resource'.length);
    const task = pointerGet(definition, statePointer);
    if (!isRecord(task)) continue;
    const named = wholePlaceholder(reference.resource);
    if (named !== undefined) {
      const resource = resources.get(named);
      if (resource?.type === 'function') targets.push({ type: 'resource', resource });
      else {
        issues.push({
          pointer: reference.pointer,
          message: `the placeholder \${${named}} is resolved at deploy, so its kind is unknown at synth: give a Lambda function (lambda.IFunction) as the substitution '${named}' to invoke it`,
        });
      }
      continue;
    }
    const parsed = parseTaskResource(reference.resource);
    const read = (name: string) => taskField(task, statePointer, name);
    const fields = `${statePointer}/${task.Parameters === undefined && task.Arguments !== undefined ? 'Arguments' : 'Parameters'}`;
    switch (parsed.type) {
      case 'sqs':
        targets.push(...queueTargets(read('QueueUrl'), `${fields}/QueueUrl`, resources, issues));
        break;
      case 'events':
        targets.push(...eventBusTargets(read('Entries'), resources));
        break;
      case 'lambda':
        targets.push(
          ...functionTargets(
            read('FunctionName'),
            read('Qualifier'),
            `${fields}/FunctionName`,
            resources,
            issues,
          ),
        );
        break;
      case 'lambda-arn':
        targets.push({ type: 'functionName', name: parsed.functionArn, pointer: reference.pointer });
        break;
      case 'dynamodb':
        targets.push(
          ...tableTargets(
            read('TableName'),
            `dynamodb:${dynamoDbOperation(parsed.action)}`,
            `${fields}/TableName`,
            resources,
            issues,
          ),
        );
        break;
      case 'worker':
      case 'unsupported':
        break;
    }
  }
  return { targets, issues };
}

function queueTargets(
  field: TaskField,
  missingPointer: string,
  resources: ReadonlyMap<string, IntegrationResource>,
  issues: DefinitionIssue[],
): IntegrationTarget[] {
  switch (field.type) {
    case 'absent':
      issues.push({ pointer: missingPointer, message: 'is required: the URL of the queue to send to' });
      return [];
    case 'dynamic':
      return [{ type: 'dynamic', kind: 'queue', pointer: field.pointer }];
    case 'literal': {
      if (typeof field.value !== 'string') {
        issues.push({ pointer: field.pointer, message: 'must be a string: the URL of the queue to send to' });
        return [];
      }
      const named = wholePlaceholder(field.value);
      if (named !== undefined) return [placeholderTarget(named, 'queue', field.pointer, resources)];
      if (field.value.includes('${')) return [{ type: 'dynamic', kind: 'queue', pointer: field.pointer }];
      return [{ type: 'queueUrl', url: field.value, pointer: field.pointer }];
    }
  }
}

function eventBusTargets(
  entries: TaskField,
  resources: ReadonlyMap<string, IntegrationResource>,
): IntegrationTarget[] {
  // Entries that name no bus go to the domain bus (always granted); entries chosen whole at run
  // time may too, or may name the buses of integrationTargets.
  if (entries.type === 'dynamic') {
    return [{ type: 'dynamic', kind: 'eventBus', pointer: entries.pointer, mayNeedNone: true }];
  }
  if (entries.type !== 'literal' || !Array.isArray(entries.value)) return [];
  const targets: IntegrationTarget[] = [];
  entries.value.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const field = recordField(entry, `${entries.pointer}/${index}`, 'EventBusName');
    if (field.type === 'absent') return;
    if (field.type === 'dynamic') {
      targets.push({ type: 'dynamic', kind: 'eventBus', pointer: field.pointer });
      return;
    }
    if (typeof field.value !== 'string') return;
    const named = wholePlaceholder(field.value);
    if (named !== undefined) targets.push(placeholderTarget(named, 'eventBus', field.pointer, resources));
    else if (field.value.includes('${'))
      targets.push({ type: 'dynamic', kind: 'eventBus', pointer: field.pointer });
    else targets.push({ type: 'eventBusName', nameOrArn: field.value });
  });
  return targets;
}

function functionTargets(
  name: TaskField,
  qualifierField: TaskField,
  missingPointer: string,
  resources: ReadonlyMap<string, IntegrationResource>,
  issues: DefinitionIssue[],
): IntegrationTarget[] {
  let qualifier: FunctionQualifier | undefined;
  if (qualifierField.type === 'dynamic') qualifier = { type: 'dynamic' };
  else if (qualifierField.type === 'literal') {
    qualifier =
      typeof qualifierField.value === 'string' && !qualifierField.value.includes('${')
        ? { type: 'literal', qualifier: qualifierField.value }
        : { type: 'dynamic' };
  }
  const withQualifier = qualifier ? { qualifier } : {};
  switch (name.type) {
    case 'absent':
      issues.push({
        pointer: missingPointer,
        message: 'is required: the name or ARN of the function to invoke',
      });
      return [];
    case 'dynamic':
      return [{ type: 'dynamic', kind: 'function', pointer: name.pointer }];
    case 'literal': {
      if (typeof name.value !== 'string') {
        issues.push({ pointer: name.pointer, message: 'must be a string: the name or ARN of the function' });
        return [];
      }
      const named = wholePlaceholder(name.value);
      if (named !== undefined) {
        const target = placeholderTarget(named, 'function', name.pointer, resources);
        return [target.type === 'resource' ? { ...target, ...withQualifier } : target];
      }
      if (name.value.includes('${')) return [{ type: 'dynamic', kind: 'function', pointer: name.pointer }];
      return [{ type: 'functionName', name: name.value, pointer: name.pointer, ...withQualifier }];
    }
  }
}

function tableTargets(
  field: TaskField,
  action: string,
  missingPointer: string,
  resources: ReadonlyMap<string, IntegrationResource>,
  issues: DefinitionIssue[],
): IntegrationTarget[] {
  switch (field.type) {
    case 'absent':
      issues.push({ pointer: missingPointer, message: 'is required: the name or ARN of the table' });
      return [];
    case 'dynamic':
      return [{ type: 'dynamic', kind: 'table', pointer: field.pointer, action }];
    case 'literal': {
      if (typeof field.value !== 'string') {
        issues.push({ pointer: field.pointer, message: 'must be a string: the name or ARN of the table' });
        return [];
      }
      const named = wholePlaceholder(field.value);
      if (named !== undefined) {
        const target = placeholderTarget(named, 'table', field.pointer, resources);
        return [target.type === 'resource' || target.type === 'dynamic' ? { ...target, action } : target];
      }
      if (field.value.includes('${'))
        return [{ type: 'dynamic', kind: 'table', pointer: field.pointer, action }];
      return [{ type: 'tableName', nameOrArn: field.value, action, pointer: field.pointer }];
    }
  }
}

/**
 * A literal TableName (a table name, or a table ARN) as the parts of its ARN; undefined when it is
 * neither.
 */
export function tableNameParts(value: string): { arn: string } | { name: string } | undefined {
  if (/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/.test(value))
    return { arn: value };
  if (/^[A-Za-z0-9_.-]{3,255}$/.test(value)) return { name: value };
  return undefined;
}

/** A whole-value placeholder: its resource when it is one of `kind`, else a target chosen at deploy. */
function placeholderTarget(
  name: string,
  kind: IntegrationTargetKind,
  pointer: string,
  resources: ReadonlyMap<string, IntegrationResource>,
): IntegrationTarget {
  const resource = resources.get(name);
  if (resource?.type === kind) return { type: 'resource', resource };
  return { type: 'dynamic', kind, pointer };
}

/**
 * A field of the task's parameters: `Parameters` (JSONPath: `Name.$` is a path, evaluated at run
 * time) or `Arguments` (JSONata: a `{% %}` string is an expression; an expression for the whole of
 * Arguments makes every field dynamic).
 */
function taskField(task: Record<string, unknown>, statePointer: string, name: string): TaskField {
  if (task.Parameters !== undefined) {
    return isRecord(task.Parameters)
      ? recordField(task.Parameters, `${statePointer}/Parameters`, name)
      : { type: 'absent' };
  }
  const args = task.Arguments;
  if (typeof args === 'string') return { type: 'dynamic', pointer: `${statePointer}/Arguments` };
  return isRecord(args) ? recordField(args, `${statePointer}/Arguments`, name) : { type: 'absent' };
}

function recordField(record: Record<string, unknown>, pointer: string, name: string): TaskField {
  if (Object.hasOwn(record, `${name}.$`)) {
    return { type: 'dynamic', pointer: `${pointer}/${escapePointer(`${name}.$`)}` };
  }
  if (!Object.hasOwn(record, name)) return { type: 'absent' };
  const value = record[name];
  const fieldPointer = `${pointer}/${escapePointer(name)}`;
  if (typeof value === 'string' && isJsonataExpression(value))
    return { type: 'dynamic', pointer: fieldPointer };
  return { type: 'literal', value, pointer: fieldPointer };
}

function isJsonataExpression(value: string): boolean {
  return value.startsWith('{%') && value.endsWith('%}');
}

/** The ARN parts of a literal queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueUrlParts(url: string): { region: string; account: string; name: string } | undefined {
  const match =
    /^https:\/\/(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?)\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(
      url,
    );
  if (!match) return undefined;
  return { region: (match[1] ?? match[2]) as string, account: match[3] as string, name: match[4] as string };
}

/**
 * A literal FunctionName (a name, `name:qualifier`, `<account>:function:<name>[:qualifier]`, or a
 * function ARN) split into what makes its ARN.
 */
export function functionNameParts(
  value: string,
): { region?: string; account?: string; name: string; qualifier?: string } | undefined {
  const arn =
    /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?$/.exec(
      value,
    );
  if (arn)
    return definedParts({ region: arn[1], account: arn[2], name: arn[3] as string, qualifier: arn[4] });
  const partial = /^(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?$/.exec(value);
  if (partial)
    return definedParts({ account: partial[1], name: partial[2] as string, qualifier: partial[3] });
  const bare = /^([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?$/.exec(value);
  if (bare) return definedParts({ name: bare[1] as string, qualifier: bare[2] });
  return undefined;
}

function definedParts<T extends Record<string, unknown>>(
  parts: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(parts).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
