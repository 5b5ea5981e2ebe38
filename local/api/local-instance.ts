/**
 * What `npm start` calls to make a running runtime reachable: the API server on the instance port
 * (`BATON_PORT`, default 4545) and the `.baton/instance.json` record the CLI finds it by, removed
 * again on close.
 *
 *   const instance = await serveLocalInstance(control, { projectDir });
 *   console.log(`Console: ${instance.url}`);
 *   process.once('SIGINT', () => void instance.close());
 */
import type { LocalControl } from '../control.js';
import {
  apiPortFromEnvironment,
  removeInstanceFile,
  writeInstanceFile,
  type InstanceRecord,
} from './instance-file.js';
import { startApiServer, type ApiServer } from './server.js';

/** Options of {@link serveLocalInstance}. */
export interface LocalInstanceOptions {
  /** Where `.baton/instance.json` is written (the project root). */
  readonly projectDir: string;
  /** @default apiPortFromEnvironment(env): BATON_PORT or 4545 */
  readonly port?: number;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default Date.now */
  readonly now?: () => number;
  /** The services' endpoints the record names for SDK clients (see {@link InstanceRecord.endpoints}). @default none */
  readonly endpoints?: InstanceRecord['endpoints'];
}

/** The instance port is taken, most likely by another instance. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Port ${port} is already in use (another Baton instance?): stop it, or start this one with BATON_PORT=<another port>`,
      options,
    );
  }
}

/** Serves the API and console for `control` and records the instance for the CLI. */
export async function serveLocalInstance(
  control: LocalControl,
  options: LocalInstanceOptions,
): Promise<ApiServer> {
  const port = options.port ?? apiPortFromEnvironment(options.env ?? process.env);
  let server: ApiServer;
  try {
    server = await startApiServer(control, { port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(port, { cause: error });
    throw error;
  }
  const now = options.now ?? Date.now;
  await writeInstanceFile(options.projectDir, {
    url: server.url,
    pid: process.pid,
    startedAt: new Date(now()).toISOString(),
    ...(options.endpoints !== undefined ? { endpoints: options.endpoints } : {}),
  });
  return {
    url: server.url,
    close: async () => {
      await removeInstanceFile(options.projectDir, server.url);
      await server.close();
    },
  };
}
