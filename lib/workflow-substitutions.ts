/**
 * The construct's side of definition substitutions (`lambdas/contract/definition-substitutions.ts`
 * holds the rules): the `definitionSubstitutions` prop made into strings and resources, the
 * CloudFormation tokens of a definition made into placeholders, and what is substituted at synth
 * and what is left for CloudFormation to resolve at deploy.
 */
import { Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  isSubstitutionName,
  MissingSubstitutionError,
  placeholder,
  placeholderUses,
  substituteDefinition,
} from '../lambdas/contract/definition-substitutions.js';
import { InvalidPropsError, InvalidWorkflowError } from './errors.js';
import type { IntegrationResource } from './workflow-integrations.js';

/**
 * The value of a `${Name}` placeholder: a string (a CloudFormation token such as `queue.queueUrl`
 * allowed, resolved at deploy), or a resource, which stands for its queue URL, function ARN or
 * event bus ARN and is what the orchestrator is granted on when a state sends, invokes or
 * publishes to it.
 */
export type DefinitionSubstitution =
  string | sqs.IQueue | lambda.IFunction | events.IEventBus | dynamodb.ITable;

/** The `definitionSubstitutions` prop, checked: each value as a string, and the resources by name. */
export interface PreparedSubstitutions {
  readonly values: Readonly<Record<string, string>>;
  readonly resources: ReadonlyMap<string, IntegrationResource>;
}

/** A definition with its substitutions applied as far as synth can. */
export interface SubstitutedWorkflow {
  /** The definition to publish: literals substituted, deploy-time values still placeholders. */
  readonly definition: unknown;
  /** Placeholder name -> the token CloudFormation resolves, for the placeholders left in `definition`. */
  readonly deferred: Readonly<Record<string, string>>;
  /** Placeholder name -> resource, for the deferred placeholders whose substitution is a resource. */
  readonly resources: ReadonlyMap<string, IntegrationResource>;
  /** `definition` with stand-ins for what is resolved at deploy, for the validator to read. */
  readonly validationView: unknown;
}

/** The name under which the n-th token of a definition becomes a placeholder. */
const TOKEN_NAME_PREFIX = 'BatonToken';
/** A CDK string token, as `Token.asString` encodes it. */
const STRING_TOKEN = /\$\{Token\[[^\]]+\]\}/g;
/** The `Resource` field of a Task or of its `Compensate`, at any depth. */
const TASK_RESOURCE_POINTER = /\/States\/[^/]+\/(Compensate\/)?Resource$/;
/** The DetailType and Source of a `baton:waitForEvent` state. */
const AWAITED_EVENT_POINTER = /\/States\/[^/]+\/Parameters\/(DetailType|Source)$/;
/** What the validator reads in place of a function ARN resolved at deploy. */
const STAND_IN_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:resolved-at-deploy';

/** Checks the prop and turns resources into strings. Throws InvalidPropsError naming the bad entry. */
export function prepareSubstitutions(
  substitutions: Readonly<Record<string, DefinitionSubstitution>> | undefined,
): PreparedSubstitutions {
  const values: Record<string, string> = {};
  const resources = new Map<string, IntegrationResource>();
  for (const [name, value] of Object.entries(substitutions ?? {})) {
    const prop = `definitionSubstitutions.${name}`;
    if (!isSubstitutionName(name) || name.startsWith(TOKEN_NAME_PREFIX)) {
      throw new InvalidPropsError(
        prop,
        `a substitution name is letters, digits, '_', '.', '-' or ':', and does not start with ${TOKEN_NAME_PREFIX}`,
      );
    }
    if (typeof value === 'string') {
      values[name] = value;
      continue;
    }
    const resource = integrationResource(value);
    if (resource === undefined) {
      throw new InvalidPropsError(
        prop,
        'must be a string, a queue, a Lambda function, an event bus or a DynamoDB table',
      );
    }
    resources.set(name, resource);
    values[name] = resourceText(resource);
  }
  return { values, resources };
}

/** The resource a value is, told by its attributes (so that imported resources count too). */
export function integrationResource(value: unknown): IntegrationResource | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('queueUrl' in value && 'queueArn' in value) return { type: 'queue', queue: value as sqs.IQueue };
  if ('functionArn' in value && 'functionName' in value) {
    return { type: 'function', function: value as lambda.IFunction };
  }
  if ('eventBusArn' in value && 'eventBusName' in value) {
    return { type: 'eventBus', eventBus: value as events.IEventBus };
  }
  if ('tableArn' in value && 'tableName' in value) {
    return { type: 'table', table: value as dynamodb.ITable };
  }
  return undefined;
}

/** What a resource stands for in a definition: what SendMessage, Invoke, PutEvents and the item calls take. */
function resourceText(resource: IntegrationResource): string {
  switch (resource.type) {
    case 'queue':
      return resource.queue.queueUrl;
    case 'function':
      return resource.function.functionArn;
    case 'eventBus':
      return resource.eventBus.eventBusArn;
    case 'table':
      return resource.table.tableName;
  }
}

/**
 * Applies `prepared` to a rendered definition: its own tokens become placeholders, placeholders
 * with literal values are substituted, those with token values are left for deploy. Throws
 * InvalidWorkflowError naming the pointer of a placeholder that has no substitution.
 */
export function substituteWorkflow(
  workflow: string,
  rendered: unknown,
  prepared: PreparedSubstitutions,
): SubstitutedWorkflow {
  const tokens: Record<string, string> = {};
  const withPlaceholders = tokensToPlaceholders(rendered, tokens);
  const values = { ...prepared.values, ...tokens };
  const used = new Set(placeholderUses(withPlaceholders).map((use) => use.name));
  const deferred: Record<string, string> = {};
  const resources = new Map<string, IntegrationResource>();
  for (const name of used) {
    const value = values[name];
    if (value === undefined || !Token.isUnresolved(value)) continue;
    deferred[name] = value;
    const resource = prepared.resources.get(name);
    if (resource) resources.set(name, resource);
  }
  let definition: unknown;
  try {
    definition = substituteDefinition(withPlaceholders, values, { defer: new Set(Object.keys(deferred)) });
  } catch (error) {
    if (error instanceof MissingSubstitutionError) {
      throw new InvalidWorkflowError(
        workflow,
        [
          {
            pointer: error.pointer,
            message: `no substitution named '${error.key}' for the placeholder \${${error.key}}: add it to definitionSubstitutions, or write \${!${error.key}} for the literal text`,
          },
        ],
        { cause: error },
      );
    }
    throw error;
  }
  const unknownResources = placeholderUses(definition).filter(
    (use) =>
      TASK_RESOURCE_POINTER.test(use.pointer) &&
      Object.hasOwn(deferred, use.name) &&
      resources.get(use.name)?.type !== 'function',
  );
  // The construct routes awaited events by their detail-type and source at synth.
  const awaitedAtDeploy = placeholderUses(definition).filter(
    (use) => AWAITED_EVENT_POINTER.test(use.pointer) && Object.hasOwn(deferred, use.name),
  );
  if (awaitedAtDeploy.length > 0) {
    throw new InvalidWorkflowError(
      workflow,
      awaitedAtDeploy.map(({ name, pointer }) => ({
        pointer,
        message: `the placeholder \${${name}} is resolved at deploy, but the rule that routes awaited events is made at synth: use a literal`,
      })),
    );
  }
  if (unknownResources.length > 0) {
    throw new InvalidWorkflowError(
      workflow,
      unknownResources.map(({ name, pointer }) => ({
        pointer,
        message: `the placeholder \${${name}} is resolved at deploy, so its kind is unknown at synth: give a Lambda function (lambda.IFunction) as the substitution '${name}' to invoke it`,
      })),
    );
  }
  if (Object.keys(deferred).length === 0) {
    return { definition, deferred, resources, validationView: definition };
  }
  // The validator reads a function ARN where one comes at deploy; other placeholders are strings to it.
  const standIns = Object.fromEntries(
    Object.keys(deferred).map((name) => [
      name,
      resources.get(name)?.type === 'function' ? STAND_IN_FUNCTION_ARN : placeholder(name),
    ]),
  );
  return { definition, deferred, resources, validationView: substituteDefinition(definition, standIns) };
}

/** `value` with each string token replaced by a placeholder named `BatonToken<n>`, recorded in `tokens`. */
function tokensToPlaceholders(value: unknown, tokens: Record<string, string>): unknown {
  if (typeof value === 'string') {
    if (!Token.isUnresolved(value)) return value;
    return value.replace(STRING_TOKEN, (token) => {
      const existing = Object.entries(tokens).find(([, recorded]) => recorded === token);
      if (existing) return placeholder(existing[0]);
      const name = `${TOKEN_NAME_PREFIX}${Object.keys(tokens).length}`;
      tokens[name] = token;
      return placeholder(name);
    });
  }
  if (Array.isArray(value)) return value.map((item) => tokensToPlaceholders(item, tokens));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, tokensToPlaceholders(item, tokens)]),
    );
  }
  return value;
}
