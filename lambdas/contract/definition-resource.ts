/**
 * The custom resource that publishes a workflow definition at deploy: its CloudFormation type and
 * the properties the construct (`lib/definition-publisher.ts`) writes and the Lambda
 * (`lambdas/definition-publisher/handler.ts`) reads.
 */

/** The CloudFormation type of a definition resource. */
export const DEFINITION_RESOURCE_TYPE = 'Custom::BatonWorkflowDefinition';

/** The custom resource's properties (all strings: CloudFormation turns numbers into strings). */
export interface DefinitionResourceProperties {
  readonly TableName: string;
  readonly Workflow: string;
  /** The definition as JSON text. */
  readonly Definition: string;
  /** The version id computed at synth; the stored one must equal it. */
  readonly Version: string;
}
