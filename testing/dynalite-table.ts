/**
 * An embedded DynamoDB (dynalite, in memory) on 127.0.0.1 with the Baton table created: what the
 * tests and the cost bench run the DynamoDB adapters against. (The local runtime keeps its data on
 * disk instead: `local/runtime/dynalite-worker.mjs`.)
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../lambdas/contract/table-schema.js';

/** dynalite ships no types: this is the part of its API used here. */
type Dynalite = (options?: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

/** A running dynalite with the table created. Call `close` when done. */
export interface LocalTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly endpoint: string;
  /** A new client on the same endpoint (a second Lambda, say). Closed by `close`. */
  newClient(): DynamoDBClient;
  close(): Promise<void>;
}

/** Starts dynalite on a free port and creates the table from `createTableInput`. */
export async function startDynalite(tableName = 'baton-test'): Promise<LocalTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const newClient = () => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  await createBatonTable(client, tableName);
  return {
    client,
    tableName,
    endpoint,
    newClient,
    close: async () => {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** Creates a table with Baton's schema and waits until it is ACTIVE. */
export async function createBatonTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  // Tables are created asynchronously: wait until it is ACTIVE (a slow CI machine shows the race).
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 },
    { TableName: tableName },
  );
}
