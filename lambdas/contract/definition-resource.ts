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
  /**
   * The definition as JSON text: substituted at synth, except the placeholders of `Substitutions`
   * (see `definition-substitutions.ts`).
   */
  readonly Definition: string;
  /**
   * Values of the placeholders left in `Definition`, resolved by CloudFormation at deploy (queue
   * URLs, function ARNs): the responder substitutes them before it stores the version, so a new
   * value makes a new version. Absent when the construct substituted everything at synth.
   */
  readonly Substitutions?: Readonly<Record<string, string>>;
  /**
   * The version id computed at synth; the stored one must equal it. Absent when `Substitutions`
   * is given: the version is then known only once they are resolved, and the responder returns it
   * as the `Version` attribute.
   */
  readonly Version?: string;
}
