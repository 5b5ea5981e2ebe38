/**
 * `arn:aws:states:::apigateway:invoke` in `npm start`'s runtime: an endpoint given as a URL (a
 * local server the test starts on 127.0.0.1) is called as it is; API Gateway itself has no local
 * stand-in, so its tasks take the mocked result given to the runtime, and without one fail with
 * `Baton.IntegrationNotMocked`, saying how to declare one. Result shape as Step Functions gives it
 * (AWS documentation, "Create API Gateway REST APIs with Step Functions").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import type { ExecutionDescription } from '../../local/control.js';
import { MockedResults } from '../../lambdas/runtime/integration-mocks.js';
import { NOT_MOCKED_ERROR } from '../../lambdas/runtime/task-router.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { whenEnded } from '../helpers/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-apigw-'));
let runtime: LocalRuntime;
let server: Server;
let endpoint: string;
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(200, [['Content-Type', 'application/json']]);
    response.end('{"bills":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runtime = await LocalRuntime.start({
    domains: exampleDomains(),
    dataDir,
    mocks: MockedResults.parse(
      { States: { Mocked: { Call: { Throw: { Error: 'ApiGateway.403', Cause: 'denied' } } } } },
      'mocks.json',
    ),
  });
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(workflow: string, apiEndpoint: string): Promise<ExecutionDescription> {
  const definition = {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::apigateway:invoke',
        Parameters: {
          ApiEndpoint: apiEndpoint,
          Method: 'GET',
          Stage: 'prod',
          Path: 'bills',
          AuthType: 'IAM_ROLE',
        },
        End: true,
      },
    },
  };
  await runtime.registerWorkflow({ workflow, domain: 'shipping', definition: definition as never });
  return whenEnded(runtime, await runtime.start({ workflow, input: {}, name: `${workflow}-1` }));
}

it('calls an endpoint given as a local URL as it is', async () => {
  const result = await run('Local', endpoint);
  expect(result.status).toBe('SUCCEEDED');
  expect(paths).toEqual(['/prod/bills']);
  expect(result.output).toEqual({
    Headers: expect.objectContaining({ 'Content-Type': ['application/json'] }),
    ResponseBody: { bills: [] },
    StatusCode: 200,
    StatusText: 'OK',
  });
}, 60_000);

it('takes the mocked result of a call to API Gateway', async () => {
  const result = await run('Mocked', 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com');
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('ApiGateway.403');
}, 60_000);

it('fails a call to API Gateway without a mock with Baton.IntegrationNotMocked, saying how to declare one', async () => {
  const result = await run('Unmocked', 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com');
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe(NOT_MOCKED_ERROR);
  expect(result.cause).toContain(
    'arn:aws:states:::apigateway:invoke needs API Gateway (a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com), which is not available locally',
  );
  expect(result.cause).toContain("state 'Call' of workflow 'Unmocked'");
}, 60_000);
