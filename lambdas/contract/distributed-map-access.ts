/**
 * What a Distributed Map's ItemReader and ResultWriter need of Amazon S3, read from the
 * definition: the IAM actions the orchestrator calls, and the ARNs they reach when the definition
 * names the bucket (and key or prefix) literally. A bucket read from the state input (`Bucket.$`,
 * a `{% %}` expression) is known only when the state runs: its actions come without resources,
 * and the construct asks for them in `integrationTargets.apiCalls`, as for an AWS SDK call.
 *
 * The actions follow the developer guide's IAM policies for each field ("ItemReader (Map)", "IAM
 * policies for datasets": `s3:GetObject` on the object; `s3:ListBucket` on the bucket for
 * `listObjectsV2`, and `s3:GetObject` on the listed objects when they are read; "ResultWriter
 * (Map)", "IAM policies for ResultWriter": `s3:PutObject`, `s3:AbortMultipartUpload`,
 * `s3:ListMultipartUploadParts` on `<bucket>/<prefix>*`).
 */
import { isJsonataText } from '../engine/jsonata/query.js';
import { isResultWriterResource, itemReaderAction } from '../engine/resource-names.js';
import { walkStates } from './task-resources.js';

/** One IAM action and, when the definition names them, the S3 ARNs it reaches. */
export interface S3Grant {
  readonly action: string;
  /** ARNs such as `arn:aws:s3:::bucket/key`; absent when the bucket is chosen at run time. */
  readonly resources?: readonly string[];
}

/** An ItemReader or ResultWriter and what it needs of S3. */
export interface DistributedMapAccess {
  /** JSON Pointer of its `Resource` field, e.g. `/States/Rows/ItemReader/Resource`. */
  readonly pointer: string;
  readonly resource: string;
  readonly grants: readonly S3Grant[];
}

/** The actions the ResultWriter's multipart uploads need (developer guide, "ResultWriter (Map)"). */
export const RESULT_WRITER_ACTIONS: readonly string[] = [
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/** Every ItemReader and ResultWriter of a definition's Distributed Maps, nested ones too. */
export function distributedMapAccess(definition: unknown): DistributedMapAccess[] {
  const found: DistributedMapAccess[] = [];
  walkStates(definition, (state, pointer) => {
    if (state.Type !== 'Map') return;
    const reader = state.ItemReader;
    if (isRecord(reader) && typeof reader.Resource === 'string') {
      const grants = readerGrants(reader, reader.Resource);
      if (grants !== undefined) {
        found.push({ pointer: `${pointer}/ItemReader/Resource`, resource: reader.Resource, grants });
      }
    }
    const writer = state.ResultWriter;
    if (isRecord(writer) && typeof writer.Resource === 'string' && isResultWriterResource(writer.Resource)) {
      const request = requestOf(writer);
      const bucket = literal(request, 'Bucket');
      // An absent Prefix writes at the bucket's root; a prefix chosen at run time may be any.
      const prefix = request !== undefined && hasField(request, 'Prefix') ? literal(request, 'Prefix') : '';
      const resources =
        bucket === undefined ? undefined : [`${bucketArn(bucket)}/${prefix === undefined ? '' : prefix}*`];
      found.push({
        pointer: `${pointer}/ResultWriter/Resource`,
        resource: writer.Resource,
        grants: RESULT_WRITER_ACTIONS.map((action) => grant(action, resources)),
      });
    }
  });
  return found;
}

/** What an ItemReader needs, or undefined for a resource that is not an ItemReader's (the validator reports it). */
function readerGrants(reader: Record<string, unknown>, resource: string): S3Grant[] | undefined {
  const action = itemReaderAction(resource);
  if (action === undefined) return undefined;
  const request = requestOf(reader);
  const bucket = literal(request, 'Bucket');
  const config = isRecord(reader.ReaderConfig) ? reader.ReaderConfig : {};
  if (action === 's3:getObject') {
    // A manifest names data files beside it; a key chosen at run time may be any in the bucket.
    const key = config.InputType === 'MANIFEST' ? undefined : literal(request, 'Key');
    const object = bucket === undefined ? undefined : `${bucketArn(bucket)}/${key ?? '*'}`;
    return [grant('s3:GetObject', object === undefined ? undefined : [object])];
  }
  const grants = [grant('s3:ListBucket', bucket === undefined ? undefined : [bucketArn(bucket)])];
  if (config.Transformation === 'LOAD_AND_FLATTEN') {
    const prefix = request !== undefined && hasField(request, 'Prefix') ? literal(request, 'Prefix') : '';
    grants.push(
      grant('s3:GetObject', bucket === undefined ? undefined : [`${bucketArn(bucket)}/${prefix ?? ''}*`]),
    );
  }
  return grants;
}

function grant(action: string, resources: readonly string[] | undefined): S3Grant {
  return resources === undefined ? { action } : { action, resources };
}

/** The ARN of a bucket by name (the construct puts in the stack's partition). */
function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** The S3 request of an ItemReader or ResultWriter: Parameters (JSONPath) or Arguments (JSONata) when it is an object. */
function requestOf(holder: Record<string, unknown>): Record<string, unknown> | undefined {
  const request = holder.Parameters ?? holder.Arguments;
  return isRecord(request) ? request : undefined;
}

/** Whether the request has a field, given literally or through a `.$` path. */
function hasField(request: Record<string, unknown>, name: string): boolean {
  return request[name] !== undefined || request[`${name}.$`] !== undefined;
}

/** A field's literal string; undefined when absent, computed (`.$`, `{% %}`) or not a non-empty string. */
function literal(request: Record<string, unknown> | undefined, name: string): string | undefined {
  if (request === undefined || request[`${name}.$`] !== undefined) return undefined;
  const value = request[name];
  return typeof value === 'string' && value.length > 0 && !isJsonataText(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
