/**
 * The definition publisher Lambda: CloudFormation invokes it for each workflow definition resource
 * of a SagaOrchestrator (`lib/definition-publisher.ts`). Wiring only: a DynamoDB client, and the
 * custom resource's answers from `lambdas/aws/definition-resource-responder.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { handleDefinitionResource } from '../aws/definition-resource-responder.js';
import { DynamoDbDefinitionStore } from '../aws/dynamodb-definition-store.js';

const client = new DynamoDBClient({});

/** The Lambda entry point. */
export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  await handleDefinitionResource(
    event,
    context,
    (tableName) => new DynamoDbDefinitionStore({ client, tableName }),
  );
}
