/**
 * Acknowledgements of cdk-nag findings on resources the Baton constructs create, each with its
 * reason. They are CDK validation metadata: without cdk-nag they change nothing.
 *
 * A wildcard finding is named after the resource as cdk-nag prints it: the resolved value with
 * `{ Ref: X }` as `<X>` and `{ Fn::GetAtt: [X, Y] }` as `<X.Y>`, joined.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges the AwsSolutions-IAM5 finding of `resource` (an ARN with a wildcard) on `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (record['Fn::Sub'] !== undefined) return flattenReference(record['Fn::Sub']);
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenReference(getAtt[0])}.${flattenReference(getAtt[1])}>`;
    if (record['Fn::ImportValue'] !== undefined) return flattenReference(record['Fn::ImportValue']);
    if (record.Ref !== undefined) return `<${flattenReference(record.Ref)}>`;
  }
  return JSON.stringify(node);
}
