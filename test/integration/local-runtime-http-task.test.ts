/**
 * `http:invoke` tasks in `npm start`'s runtime: the HTTP call is real (here to a server on
 * 127.0.0.1 that the test starts and stops), the connection declared in the mocks file's
 * `Connections` (ARN -> AuthorizationType and AuthParameters, as an `AWS::Events::Connection` has
 * them); a connection not declared fails the task, saying where to declare it. Request and result
 * shapes from "Call HTTPS APIs in Step Functions workflows"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import type { ExecutionDescription } from '../../local/control.js';
import { MockedResults } from '../../lambdas/runtime/integration-mocks.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { whenEnded } from '../helpers/local-runtime.js';

const CONNECTION =
  'arn:aws:events:us-east-1:123456789012:connection/Partner/5f1c3a0e-1111-2222-3333-444455556666';
const dataDir = mkdtempSync(join(tmpdir(), 'baton-http-'));
let runtime: LocalRuntime;
let server: Server;
let base = '';
const received: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push({ url: request.url ?? '', headers: request.headers });
    response.writeHead(201, 'Created', { 'content-type': 'application/json' }).end('{"id":"p-1"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runtime = await LocalRuntime.start({
    domains: exampleDomains(),
    dataDir,
    mocks: MockedResults.parse(
      {
        Connections: {
          [CONNECTION]: {
            AuthorizationType: 'API_KEY',
            AuthParameters: {
              ApiKeyAuthParameters: { ApiKeyName: 'x-partner-key', ApiKeyValue: 'local-key' },
            },
          },
        },
      },
      'mocks.json',
    ),
  });
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(workflow: string, connectionArn: string): Promise<ExecutionDescription> {
  await runtime.registerWorkflow({
    workflow,
    domain: 'shipping',
    definition: {
      StartAt: 'Notify',
      States: {
        Notify: {
          Type: 'Task',
          Resource: 'arn:aws:states:::http:invoke',
          Parameters: {
            ApiEndpoint: `${base}/partners/notify`,
            Method: 'POST',
            Authentication: { ConnectionArn: connectionArn },
            RequestBody: { order: 'o-1' },
          },
          ResultSelector: {
            'status.$': '$.StatusCode',
            'text.$': '$.StatusText',
            'body.$': '$.ResponseBody',
          },
          End: true,
        },
      },
    } as never,
  });
  return whenEnded(runtime, await runtime.start({ workflow, input: {}, name: `${workflow}-1` }));
}

it("calls the API for real with the declared connection's API key", async () => {
  const result = await run('Partner', CONNECTION);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toEqual({ status: 201, text: 'Created', body: { id: 'p-1' } });
  expect(received).toHaveLength(1);
  expect(received[0]?.url).toBe('/partners/notify');
  expect(received[0]?.headers['x-partner-key']).toBe('local-key');
});

it('fails a task whose connection is not declared, saying where to declare it', async () => {
  const result = await run('Unknown', CONNECTION.replace('Partner', 'Other'));
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('Events.ConnectionResource.InvalidConnectionState');
  expect(result.cause).toMatch(/declare it in the "Connections" of a mocks file given with --mocks <file>/);
});
