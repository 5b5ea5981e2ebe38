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
import { definitionVersion } from '../lambdas/contract/definition-version.js';
import {
  DEFINITION_RESOURCE_TYPE,
  type DefinitionResourceProperties,
} from '../lambdas/contract/definition-resource.js';
import { KeyPrefix } from '../lambdas/contract/table-schema.js';
import { BatonFunction } from './baton-function.js';

export { DEFINITION_RESOURCE_TYPE };

/** Props of {@link DefinitionPublisher}. */
export interface DefinitionPublisherProps {
  readonly table: dynamodb.ITable;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** A published workflow: its version id, known at synth. */
export interface PublishedWorkflow {
  readonly name: string;
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

  /** Publishes `definition` as a version of `name` at deploy; returns the version id. */
  publish(name: string, definition: StateMachineDefinition): PublishedWorkflow {
    const version = definitionVersion(definition);
    const properties: DefinitionResourceProperties = {
      TableName: this.table.tableName,
      Workflow: name,
      Definition: JSON.stringify(definition),
      Version: version,
    };
    const resource = new CustomResource(this, `Workflow-${name}`, {
      serviceToken: this.handler.function.functionArn,
      resourceType: DEFINITION_RESOURCE_TYPE,
      serviceTimeout: Duration.minutes(2),
      properties: { ...properties },
    });
    // The role's policy must exist before CloudFormation invokes the function.
    resource.node.addDependency(this.handler.role);
    const published = { name, version, resource };
    this.published.set(name, published);
    return published;
  }

  /** The workflows published so far. */
  get workflows(): readonly PublishedWorkflow[] {
    return [...this.published.values()];
  }
}
