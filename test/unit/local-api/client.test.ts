import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BatonClient } from '../../../local/api/client.js';
import { ApiRequestError, NotRunningError } from '../../../local/api/errors.js';
import { ConflictError, NotFoundError } from '../../../local/control.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server that answers every request with `status` and `body`. */
async function answering(status: number, body: string): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const error = (code: string, message: string) => JSON.stringify({ error: { code, message } });

describe('the API client', () => {
  it('says that no instance is running, and how to start one, when the connection is refused', async () => {
    const url = await answering(200, '{}');
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const failure = await new BatonClient(url).list().catch((thrown: unknown) => thrown);
    expect(failure).toBeInstanceOf(NotRunningError);
    expect((failure as Error).message).toBe(
      `No Baton instance is running at ${url} — start one with \`npm start\``,
    );
  });

  it('turns 404 and 409 answers into the control errors, with the server message', async () => {
    const missing = new BatonClient(await answering(404, error('NotFound', 'No execution named W:x')));
    await expect(missing.describe('W:x')).rejects.toEqual(new NotFoundError('No execution named W:x'));
    const conflict = new BatonClient(await answering(409, error('Conflict', 'already exists')));
    await expect(conflict.start({ workflow: 'W', input: {} })).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps the status and code of other error answers', async () => {
    const client = new BatonClient(await answering(400, error('BadRequest', "Missing field 'workflow'")));
    const failure = (await client
      .start({ workflow: '', input: {} })
      .catch((thrown: unknown) => thrown)) as ApiRequestError;
    expect(failure).toBeInstanceOf(ApiRequestError);
    expect([failure.status, failure.code, failure.message]).toEqual([
      400,
      'BadRequest',
      "Missing field 'workflow'",
    ]);
  });

  it('says when what answers is not a Baton instance', async () => {
    const client = new BatonClient(await answering(200, '<html>hello</html>'));
    await expect(client.domains()).rejects.toThrow(
      /answered GET \/api\/domains with something that is not JSON/,
    );
  });

  it('encodes execution ids in paths', async () => {
    let seen = '';
    const server = createServer((request, response) => {
      seen = request.url ?? '';
      response.end('{"events":[]}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new BatonClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).history(
      'Place Order:o/1',
    );
    expect(seen).toBe('/api/executions/Place%20Order%3Ao%2F1/history');
  });
});
