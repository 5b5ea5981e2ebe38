/**
 * The task router's DynamoDB transport on the AWS SDK: `dynamodb:getItem|putItem|updateItem|
 * deleteItem` tasks become GetItem, PutItem, UpdateItem and DeleteItem calls of a DynamoDBClient.
 * The task's parameters are the API's request as JSON; binary attribute values (`B`, `BS`) arrive
 * base64-encoded and leave the same way, as in Step Functions' JSON.
 *
 * A transient failure (throttling, a server fault) throws TransientStoreError: the inbox message
 * is redelivered and the call made again (at-least-once, so a conditional write may find its own
 * earlier write). Any other failure fails the task, named `DynamoDB.<ErrorCode>` with the cause
 * worded as Step Functions words it, e.g. `DynamoDB.ConditionalCheckFailedException`
 * (LocalStack's Step Functions DynamoDB service, which its AWS-recorded snapshots check).
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { dynamoDbOperation, type DynamoDbItemAction } from '../contract/task-resources.js';
import type { Json, JsonObject } from '../engine/json.js';
import { IntegrationCallError, type DynamoDbTransport } from '../runtime/task-router.js';
import { errorMessage, errorName, isTransient, transientError } from './aws-errors.js';

/** The request fields whose values are maps of attribute values. */
const ATTRIBUTE_MAP_FIELDS = ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const;

/** Calls DynamoDB with `client`; pass it as the `dynamodb` option of `AwsTaskDispatcher`. */
export function dynamoDbItemTransport(client: DynamoDBClient): DynamoDbTransport {
  return {
    call: async (action, request) => {
      const input = sdkRequest(request);
      let output: object & { $metadata: { httpStatusCode?: number; requestId?: string } };
      try {
        output = await send(client, action, input);
      } catch (error) {
        if (isTransient(error)) throw transientError(`DynamoDB ${dynamoDbOperation(action)}`, error);
        throw new IntegrationCallError(`DynamoDB.${errorName(error)}`, dynamoDbCause(error), {
          cause: error,
        });
      }
      const { $metadata, ...response } = output;
      return {
        response: jsonResponse(response) as JsonObject,
        ...($metadata.httpStatusCode !== undefined && { httpStatusCode: $metadata.httpStatusCode }),
        ...($metadata.requestId !== undefined && { requestId: $metadata.requestId }),
      };
    },
  };
}

function send(
  client: DynamoDBClient,
  action: DynamoDbItemAction,
  // The SDK's serializer takes the fields each API knows; the task's parameters are that request.
  input: never,
): Promise<object & { $metadata: { httpStatusCode?: number; requestId?: string } }> {
  switch (action) {
    case 'getItem':
      return client.send(new GetItemCommand(input));
    case 'putItem':
      return client.send(new PutItemCommand(input));
    case 'updateItem':
      return client.send(new UpdateItemCommand(input));
    case 'deleteItem':
      return client.send(new DeleteItemCommand(input));
  }
}

/** Step Functions' cause of a failed DynamoDB call: the message, then the service's details. */
function dynamoDbCause(error: unknown): string {
  const metadata = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  const details = [
    'Service: AmazonDynamoDBv2',
    `Status Code: ${metadata?.httpStatusCode ?? 'null'}`,
    `Error Code: ${errorName(error)}`,
    `Request ID: ${metadata?.requestId ?? 'null'}`,
    'Proxy: null',
  ];
  return `${errorMessage(error)} (${details.join('; ')})`;
}

/** The request with base64 `B`/`BS` values of its attribute-value maps made bytes. */
function sdkRequest(request: JsonObject): never {
  const input: Record<string, unknown> = { ...request };
  for (const field of ATTRIBUTE_MAP_FIELDS) {
    const map = request[field];
    if (isObject(map)) input[field] = attributeMap(map);
  }
  return input as never;
}

function attributeMap(map: JsonObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([name, value]) => [name, attributeValue(value)]));
}

function attributeValue(value: Json | undefined): unknown {
  if (!isObject(value)) return value;
  const converted: Record<string, unknown> = { ...value };
  if (typeof value.B === 'string') converted.B = bytes(value.B);
  if (Array.isArray(value.BS))
    converted.BS = value.BS.map((item) => (typeof item === 'string' ? bytes(item) : item));
  if (isObject(value.M)) converted.M = attributeMap(value.M);
  if (Array.isArray(value.L)) converted.L = value.L.map(attributeValue);
  return converted;
}

function bytes(base64: string): Uint8Array {
  return Uint8Array.from(Buffer.from(base64, 'base64'));
}

/** A response as JSON: bytes base64-encoded, undefined fields left out. */
function jsonResponse(value: unknown): Json {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonResponse);
  if (typeof value === 'object' && value !== null) {
    const object: JsonObject = {};
    for (const [name, field] of Object.entries(value)) {
      if (field !== undefined) object[name] = jsonResponse(field);
    }
    return object;
  }
  return value as Json;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
