/**
 * Writes each workflow definition into the Baton table at deploy time, as an immutable version
 * and the `LATEST` pointer new executions start on. The function is the Lambda entry
 * `lambdas/definition-publisher/handler.ts`, bundled like the orchestrator's.
 */
import { CustomResource, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StateMachineDefinition } from '../lambdas/engine/index.js';
import {
  MAX_DEFINITION_BYTES,
  definitionBytes,
  definitionVersion,
} from '../lambdas/contract/definition-version.js';
import {
  DEFINITION_RESOURCE_TYPE,
  type DefinitionResourceProperties,
} from '../lambdas/contract/definition-resource.js';
import { KeyPrefix } from '../lambdas/contract/table-schema.js';
import { BatonFunction } from './baton-function.js';
import { InvalidWorkflowError } from './errors.js';

export { DEFINITION_RESOURCE_TYPE };

/** Props of {@link DefinitionPublisher}. */
export interface DefinitionPublisherProps {
  readonly table: dynamodb.ITable;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** A published workflow and its version id. */
export interface PublishedWorkflow {
  readonly name: string;
  /**
   * The version id: a literal when the definition is complete at synth; the custom resource's
   * `Version` attribute (a token) when substitutions are resolved at deploy.
   */
  readonly version: string;
  readonly resource: CustomResource;
}

/** One function, and one custom resource per workflow. */
export class DefinitionPublisher extends Construct {
  private readonly handler: BatonFunction;
  private readonly table: dynamodb.ITable;
  private readonly published = new Map<string, PublishedWorkflow>();

  constructor(scope: Construct, id: string, props: DefinitionPublisherProps) {
    super(scope, id);
    this.table = props.table;
    this.handler = new BatonFunction(this, 'Handler', {
      code: { type: 'baton', name: 'definition-publisher' },
      description: 'Baton: writes workflow definitions as immutable versions at deploy',
      timeout: Duration.minutes(1),
      memorySize: 256,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // PutItem on definition partitions only: the publisher cannot touch executions.
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KeyPrefix.workflow}*`] } },
      }),
    );
  }

  /**
   * Publishes `definition` as a version of `name` at deploy; returns the version id.
   * `substitutions` fills the placeholders left in `definition` with values CloudFormation
   * resolves (tokens): the publisher substitutes them before storing, so the version is that of the
   * substituted definition, and a changed value (a replaced queue) deploys a new version.
   */
  publish(
    name: string,
    definition: StateMachineDefinition,
    substitutions: Readonly<Record<string, string>> = {},
  ): PublishedWorkflow {
    // A deploy would fail in the publisher, at the version item's PutItem: say so at synth. (Values
    // substituted at deploy are counted as their placeholders: a queue URL is about as long.)
    const bytes = definitionBytes(definition);
    if (bytes > MAX_DEFINITION_BYTES) {
      throw new InvalidWorkflowError(name, [
        {
          pointer: '',
          message:
            `the definition is ${bytes} bytes of JSON, over the ${MAX_DEFINITION_BYTES} bytes a version ` +
            "item holds (DynamoDB's 400 KB item limit): move large constants out of it",
        },
      ]);
    }
    const deferred = Object.keys(substitutions).length > 0;
    const properties: DefinitionResourceProperties = {
      TableName: this.table.tableName,
      Workflow: name,
      Definition: definitionText(definition),
      ...(deferred ? { Substitutions: { ...substitutions } } : { Version: definitionVersion(definition) }),
    };
    const resource = new CustomResource(this, `Workflow-${name}`, {
      serviceToken: this.handler.function.functionArn,
      resourceType: DEFINITION_RESOURCE_TYPE,
      serviceTimeout: Duration.minutes(2),
      properties: { ...properties },
    });
    // The role's policy must exist before CloudFormation invokes the function.
    resource.node.addDependency(this.handler.role);
    const version = properties.Version ?? resource.getAttString('Version');
    const published = { name, version, resource };
    this.published.set(name, published);
    return published;
  }

  /** The workflows published so far. */
  get workflows(): readonly PublishedWorkflow[] {
    return [...this.published.values()];
  }
}

/**
 * The definition as JSON text with every `${` written `\u0024{`: the same JSON once parsed, but no
 * text that template checks (cfn-lint's E1029) take for a CloudFormation `Fn::Sub` variable.
 */
export function definitionText(definition: unknown): string {
  return JSON.stringify(definition).replace(/\$\{/g, '\\u0024{');
}
