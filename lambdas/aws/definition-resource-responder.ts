/**
 * The answers of the definition custom resource to CloudFormation: it writes a workflow definition
 * into the Baton table at deploy time, as an immutable version plus the `LATEST` pointer, through
 * the same DefinitionStore the orchestrator reads with (so the items and version ids are the
 * runtime's by construction). The Lambda entry point is `lambdas/definition-publisher/handler.ts`.
 *
 * CloudFormation invokes it directly (no provider framework) and it answers on the presigned
 * `ResponseURL`. Create and Update store the version and move `LATEST` to it; Delete changes
 * nothing: versions are immutable, and running executions keep reading the one they started on.
 * A stack rollback sends an Update with the previous definition, which moves `LATEST` back.
 *
 * Placeholders the construct could not fill at synth (CloudFormation tokens: queue URLs, function
 * ARNs) come as the `Substitutions` property, resolved by CloudFormation; they are substituted
 * before the version is stored, so its id is that of the definition that runs, and a new value (a
 * replaced queue) makes a new version.
 */
import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from 'aws-lambda';
import type { DefinitionResourceProperties } from '../contract/definition-resource.js';
import { substituteDefinition } from '../contract/definition-substitutions.js';
import type { StateMachineDefinition } from '../engine/definition.js';
import type { DefinitionStore } from '../runtime/ports.js';

/** Time kept back from the Lambda deadline to send a FAILED answer before being cut off. */
const RESPONSE_MARGIN_MS = 5_000;

/**
 * Handles one custom resource event end to end: stores the definition (or not, for a Delete) with
 * the store `storeFor` gives for the event's table, and sends the answer to the `ResponseURL`,
 * a FAILED one if the work outlives the Lambda's remaining time.
 */
export async function handleDefinitionResource(
  event: CloudFormationCustomResourceEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  storeFor: (tableName: string) => DefinitionStore,
): Promise<void> {
  const deadline = Math.max(1_000, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
  const response = await withDeadline(respond(event, storeFor), deadline, () =>
    failed(event, `Timed out after ${deadline} ms writing the definition`),
  );
  await sendResponse(event.ResponseURL, response);
}

/** The answer to one custom resource event. Never throws: a failure is a FAILED answer with its reason. */
export async function respond(
  event: CloudFormationCustomResourceEvent,
  storeFor: (tableName: string) => DefinitionStore,
): Promise<CloudFormationCustomResourceResponse> {
  if (event.RequestType === 'Delete') {
    return { ...common(event), PhysicalResourceId: event.PhysicalResourceId, Status: 'SUCCESS' };
  }
  try {
    const properties = readProperties(event.ResourceProperties);
    const parsed = JSON.parse(properties.Definition) as unknown;
    const definition = (
      properties.Substitutions ? substituteDefinition(parsed, properties.Substitutions) : parsed
    ) as StateMachineDefinition;
    const ref = await storeFor(properties.TableName).put(properties.Workflow, definition);
    if (properties.Version !== undefined && ref.version !== properties.Version) {
      throw new Error(
        `Stored ${properties.Workflow} as version ${ref.version}, but synth computed ${properties.Version}: the two version functions disagree`,
      );
    }
    return {
      ...common(event),
      PhysicalResourceId: `${ref.name}@${ref.version}`,
      Status: 'SUCCESS',
      Data: { Version: ref.version },
    };
  } catch (error) {
    return failed(event, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}

function readProperties(properties: Record<string, unknown>): DefinitionResourceProperties {
  const read = (name: 'TableName' | 'Workflow' | 'Definition' | 'Version'): string => {
    const value = properties[name];
    if (typeof value !== 'string' || value.length === 0) throw new Error(`The property ${name} is missing`);
    return value;
  };
  const substitutions = readSubstitutions(properties.Substitutions);
  return {
    TableName: read('TableName'),
    Workflow: read('Workflow'),
    Definition: read('Definition'),
    // Without substitutions the definition is complete at synth, and so is its version.
    ...(substitutions ? { Substitutions: substitutions } : { Version: read('Version') }),
    ...(substitutions && properties.Version !== undefined ? { Version: read('Version') } : {}),
  };
}

function readSubstitutions(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('The property Substitutions must be an object of names to strings');
  }
  const substitutions: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (typeof text !== 'string') throw new Error(`The substitution ${name} is not a string`);
    substitutions[name] = text;
  }
  return substitutions;
}

function common(event: CloudFormationCustomResourceEvent) {
  return { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
}

function failed(
  event: CloudFormationCustomResourceEvent,
  reason: string,
): CloudFormationCustomResourceResponse {
  return {
    ...common(event),
    // A failed Create has no physical id yet; CloudFormation then sends a Delete with this one, which changes nothing.
    PhysicalResourceId:
      'PhysicalResourceId' in event ? event.PhysicalResourceId : `failed-${event.RequestId}`,
    Status: 'FAILED',
    Reason: reason.slice(0, 1_000),
  };
}

async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** PUTs the answer to the presigned URL. The URL was signed without a content type, so none is sent. */
async function sendResponse(url: string, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const result = await fetch(url, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
  });
  if (!result.ok) throw new Error(`CloudFormation refused the response: HTTP ${result.status}`);
}
