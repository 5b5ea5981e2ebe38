/**
 * The local HTTP API: a {@link LocalControl} as JSON over HTTP on a loopback address, for the
 * `baton` CLI and the console (served at `/`). No framework: a table of routes on `node:http`.
 *
 *   GET  /api/domains                         → { domains }
 *   POST /api/workflows       { workflow, definition, domain? }    → { workflow, domain, version, previousVersion? }
 *   POST /api/events          { entries }     → { eventIds }
 *   POST /api/executions      { workflow, input?, name?, domain? }  → 201 { executionId }
 *   GET  /api/executions?workflow&status&since&businessKey&limit   → { executions }
 *   GET  /api/executions/:id                  → the execution's description
 *   GET  /api/executions/:id/history          → { events }
 *   GET  /api/executions/:id/map-runs         → { mapRuns }: the Map Runs it started
 *   GET  /api/map-runs/:arn                   → the Map Run's description (DescribeMapRun's shape)
 *   POST /api/executions/:id/redrive          → 202 { executionId }
 *   POST /api/executions/:id/rerun  { fromState, input? }           → 201 { executionId }
 *   POST /api/executions/:id/stop   { compensate?, cause? }         → 202 { executionId }
 *   POST /api/tasks/success   { taskToken, output }                 → 202 {}
 *   POST /api/tasks/failure   { taskToken, error?, cause? }         → 202 {}
 *   POST /api/tasks/heartbeat { taskToken }                         → 202 {}
 *   GET  /api/stream          Server-Sent Events: `event: execution`, data `{ executionId, status }`
 *
 * Execution ids contain ':' (`PlaceOrder:ord-1`): encode them in paths (`encodeURIComponent`).
 * Errors are `{ "error": { "code", "message" } }` (see `errors.ts`): 400 for bad JSON or a missing or
 * invalid field (named) or an invalid workflow definition, 404 for an unknown name, 409 for an operation that cannot apply, 413 for a
 * body over 1 MiB, 500 for anything else.
 *
 * The console is `/` (its page) and `/console/<file>` (its script and stylesheet, `console-files.ts`),
 * with dagre's browser bundle at `/vendor/dagre.min.js`.
 *
 * Only loopback addresses are served, and a request must name a loopback host (no DNS rebinding)
 * and, when a browser sends one, come from the console's own origin: another web page the user
 * has open cannot start or stop executions.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConflictError, NotFoundError, type LocalControl } from '../control.js';
import { isConsoleFile, readConsoleFile } from './console-files.js';
import { placeholder, placeholderUses } from '../../lambdas/contract/definition-substitutions.js';
import { ApiErrorCode, BadRequestError, RequestTooLargeError, type ApiErrorBody } from './errors.js';
import {
  PublishRequest,
  RegisterWorkflowRequest,
  RerunRequest,
  StartRequest,
  StopRequest,
  TaskFailureRequest,
  TaskHeartbeatRequest,
  TaskSuccessRequest,
  parseBody,
  parseListQuery,
  putEventEntries,
} from './requests.js';

/** Largest request body accepted: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How often an idle event stream gets a comment line, so that proxies and browsers keep it open. */
const STREAM_KEEPALIVE_MS = 15_000;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** @default 0: any free port */
  readonly port?: number;
  /** A loopback address. @default '127.0.0.1' */
  readonly host?: string;
  /** @default MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** Where unexpected failures (answered 500) are reported. @default console.error */
  readonly onInternalError?: (error: unknown) => void;
}

/** A running API server. */
export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:4545`. */
  readonly url: string;
  /** Stops accepting requests, ends the event streams and closes the connections. */
  close(): Promise<void>;
}

/** Starts the API (and the console) for `control`; resolves once it listens. */
export async function startApiServer(
  control: LocalControl,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new RangeError(`The local API only listens on a loopback address (127.0.0.1, ::1), not '${host}'`);
  }
  const context: HandlerContext = {
    control,
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    streams: new Set(),
    onInternalError:
      options.onInternalError ?? ((error) => console.error('baton api: internal error', error)),
  };
  const server = createServer((request, response) => {
    void handle(context, request, response);
  });
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    close: async () => {
      for (const stream of context.streams) stream.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

// ------------------------------------------------------------------ routing

interface HandlerContext {
  readonly control: LocalControl;
  readonly maxBodyBytes: number;
  /** Open event streams, ended on close. */
  readonly streams: Set<ServerResponse>;
  readonly onInternalError: (error: unknown) => void;
}

/** What a route answers with: JSON, a file's content, or an event stream it writes itself. */
type Reply = JsonReply | FileReply | { readonly type: 'stream' };

interface FileReply {
  readonly type: 'file';
  /** Its name, for the content type. */
  readonly name: string;
  readonly content: Buffer | string;
}

interface JsonReply {
  readonly type: 'json';
  readonly status: number;
  readonly body: unknown;
}

interface RouteRequest {
  readonly control: LocalControl;
  /** Path parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The body as text (read on demand, within the size limit). */
  body(): Promise<string>;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly context: HandlerContext;
}

interface Route {
  readonly method: 'GET' | 'POST';
  /** Path segments; `:name` matches one segment. */
  readonly segments: readonly string[];
  readonly handle: (request: RouteRequest) => Promise<Reply>;
}

const json = (body: unknown, status = 200): JsonReply => ({ type: 'json', status, body });

function route(method: Route['method'], path: string, handle: Route['handle']): Route {
  return { method, segments: path.split('/').filter(Boolean), handle };
}

/**
 * A definition registered with a running instance is stored as it is: the instance has no
 * `definitionSubstitutions`, so a `${Name}` left in it would fail the executions at run time.
 */
function refuseUnsubstituted(definition: unknown): void {
  const uses = placeholderUses(definition);
  if (uses.length === 0) return;
  const names = [...new Set(uses.map((use) => placeholder(use.name)))];
  throw new BadRequestError(
    `The definition still has the placeholder${names.length === 1 ? '' : 's'} ${names.join(', ')} (at ${uses.map((use) => use.pointer).join(', ')}): a running instance has no definition substitutions, so register the definition with their values written in (a queue URL, a function ARN)`,
  );
}

const routes: readonly Route[] = [
  route('GET', '/api/domains', async ({ control }) => json({ domains: await control.domains() })),
  route('POST', '/api/workflows', async ({ control, body }) => {
    const request = parseBody(RegisterWorkflowRequest, await body());
    refuseUnsubstituted(request.definition);
    return json(await control.registerWorkflow(withoutUndefined(request)));
  }),
  route('POST', '/api/events', async ({ control, body }) => {
    const entries = putEventEntries(parseBody(PublishRequest, await body()));
    return json({ eventIds: await control.publish(entries) });
  }),
  route('POST', '/api/executions', async ({ control, body }) => {
    const request = parseBody(StartRequest, await body());
    return json({ executionId: await control.start(withoutUndefined(request)) }, 201);
  }),
  route('GET', '/api/executions', async ({ control, query }) =>
    json({ executions: await control.list(parseListQuery(query)) }),
  ),
  route('GET', '/api/executions/:id', async ({ control, params }) =>
    json(await control.describe(id(params))),
  ),
  route('GET', '/api/executions/:id/history', async ({ control, params }) =>
    json({ events: await control.history(id(params)) }),
  ),
  route('GET', '/api/executions/:id/map-runs', async ({ control, params }) =>
    json({ mapRuns: await control.listMapRuns(id(params)) }),
  ),
  route('GET', '/api/map-runs/:arn', async ({ control, params }) =>
    json(await control.describeMapRun(params.arn ?? '')),
  ),
  route('POST', '/api/executions/:id/redrive', async ({ control, params, body }) => {
    await body();
    await control.redrive(id(params));
    return json({ executionId: id(params) }, 202);
  }),
  route('POST', '/api/executions/:id/rerun', async ({ control, params, body }) => {
    const request = parseBody(RerunRequest, await body());
    return json({ executionId: await control.rerun(id(params), withoutUndefined(request)) }, 201);
  }),
  route('POST', '/api/executions/:id/stop', async ({ control, params, body }) => {
    await control.stop(id(params), withoutUndefined(parseBody(StopRequest, await body())));
    return json({ executionId: id(params) }, 202);
  }),
  route('POST', '/api/tasks/success', async ({ control, body }) => {
    const request = parseBody(TaskSuccessRequest, await body());
    await control.sendTaskSuccess(request.taskToken, request.output);
    return json({}, 202);
  }),
  route('POST', '/api/tasks/failure', async ({ control, body }) => {
    const request = parseBody(TaskFailureRequest, await body());
    await control.sendTaskFailure(request.taskToken, request.error, request.cause);
    return json({}, 202);
  }),
  route('POST', '/api/tasks/heartbeat', async ({ control, body }) => {
    await control.sendTaskHeartbeat(parseBody(TaskHeartbeatRequest, await body()).taskToken);
    return json({}, 202);
  }),
  route('GET', '/api/stream', async (request) => {
    openStream(request);
    return { type: 'stream' };
  }),
  route('GET', '/', async () => consoleFile('index.html')),
  route('GET', '/console/:file', async ({ params }) => consoleFile(params.file ?? '')),
  route('GET', '/vendor/dagre.min.js', async () => {
    const path = dagreBundle();
    return { type: 'file', name: path, content: await readFile(path) };
  }),
];

async function handle(context: HandlerContext, request: IncomingMessage, response: ServerResponse) {
  let reply: Reply;
  try {
    reply = await dispatch(context, request, response);
  } catch (error) {
    reply = errorReply(context, error);
  }
  if (reply.type === 'stream') return;
  if (reply.type === 'file') {
    response.writeHead(200, { 'Content-Type': contentType(reply.name), 'Cache-Control': 'no-store' });
    response.end(reply.content);
    return;
  }
  response.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(reply.body));
}

async function dispatch(
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<Reply> {
  guardOrigin(request);
  const url = new URL(request.url ?? '/', 'http://localhost');
  const segments = url.pathname.split('/').filter(Boolean);
  let methodMismatch = false;
  for (const candidate of routes) {
    const params = match(candidate.segments, segments);
    if (!params) continue;
    if (candidate.method !== request.method) {
      methodMismatch = true;
      continue;
    }
    let bodyText: Promise<string> | undefined;
    return candidate.handle({
      control: context.control,
      params,
      query: url.searchParams,
      body: () => (bodyText ??= readBody(request, context.maxBodyBytes)),
      request,
      response,
      context,
    });
  }
  if (methodMismatch) throw new MethodNotAllowedError(`${request.method} is not allowed on ${url.pathname}`);
  throw new NotFoundError(`No route ${request.method} ${url.pathname}`);
}

function match(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] as string;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch (error) {
        throw new BadRequestError(`The path segment '${segment}' is not valid percent-encoding`, {
          cause: error,
        });
      }
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

/** One of the console's files; NotFoundError for any other name. */
async function consoleFile(name: string): Promise<FileReply> {
  if (!isConsoleFile(name)) throw new NotFoundError(`No console file named ${name}`);
  return { type: 'file', name, content: await readConsoleFile(name) };
}

function id(params: Readonly<Record<string, string>>): string {
  return params.id ?? '';
}

/** zod leaves absent optional fields as `undefined`; the control's requests leave them out. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

// ------------------------------------------------------------------ request guards

class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

class MethodNotAllowedError extends Error {
  override readonly name = 'MethodNotAllowedError';
}

function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Refuses a Host that is not a loopback name (a DNS-rebinding page reaching 127.0.0.1 under its own
 * name) and a browser request from another origin (a page posting to the API behind the user's back).
 */
function guardOrigin(request: IncomingMessage): void {
  const host = request.headers.host ?? '';
  const hostname = host.replace(/:\d+$/, '');
  if (!isLoopback(hostname)) throw new ForbiddenError(`The host '${host}' is not a loopback address`);
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new ForbiddenError(`Requests from ${origin} are not allowed`);
  }
}

/** The body as UTF-8 text; RequestTooLargeError past `limit` bytes (the rest is drained, not kept). */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(request.headers['content-length'] ?? 0) > limit;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) reject(new RequestTooLargeError(limit));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

// ------------------------------------------------------------------ answers

function errorReply(context: HandlerContext, error: unknown): JsonReply {
  const body = (code: ApiErrorCode, message: string): JsonReply =>
    json({ error: { code, message } } satisfies ApiErrorBody, ApiErrorCode[code]);
  if (error instanceof BadRequestError) return body('BadRequest', error.message);
  // A message the inbox would refuse (an execution name with a forbidden character, ...).
  if (error instanceof Error && error.name === 'MalformedMessageError')
    return body('BadRequest', error.message);
  // A workflow definition that does not validate: the message names each problem's JSON Pointer.
  if (error instanceof Error && error.name === 'DefinitionError') return body('BadRequest', error.message);
  if (error instanceof NotFoundError) return body('NotFound', error.message);
  if (error instanceof ConflictError) return body('Conflict', error.message);
  if (error instanceof RequestTooLargeError) return body('PayloadTooLarge', error.message);
  if (error instanceof ForbiddenError) return body('Forbidden', error.message);
  if (error instanceof MethodNotAllowedError) return body('MethodNotAllowed', error.message);
  context.onInternalError(error);
  return body('InternalError', `Internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/** Streams every change of any execution as an SSE `execution` event until the client goes. */
function openStream({ control, request, response, context }: RouteRequest): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  response.write('retry: 2000\n: connected\n\n');
  context.streams.add(response);
  const unsubscribe = control.subscribe((change) => {
    response.write(`event: execution\ndata: ${JSON.stringify(change)}\n\n`);
  });
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), STREAM_KEEPALIVE_MS);
  keepAlive.unref();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    unsubscribe();
    context.streams.delete(response);
  };
  request.on('close', end);
  response.on('close', end);
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

function contentType(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** dagre's browser bundle (it defines the global `dagre`), from node_modules. */
function dagreBundle(): string {
  const main = createRequire(import.meta.url).resolve('@dagrejs/dagre');
  return join(dirname(main), 'dagre.min.js');
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
