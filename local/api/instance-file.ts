/**
 * How the `baton` CLI finds the running local instance: `npm start` serves the API on
 * {@link DEFAULT_API_PORT} (or `BATON_PORT`) and writes its URL to `.baton/instance.json` in the
 * project; the CLI looks for that file from its working directory upwards, and takes `--url` over it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** The port `npm start` serves the API on unless `BATON_PORT` says otherwise. */
export const DEFAULT_API_PORT = 4545;
/** Where, relative to the project directory, the running instance says where it is. */
export const INSTANCE_FILE = join('.baton', 'instance.json');

/** What `.baton/instance.json` holds. */
export interface InstanceRecord {
  /** The API's base URL, e.g. `http://127.0.0.1:4545`. */
  readonly url: string;
  readonly pid: number;
  /** ISO 8601. */
  readonly startedAt: string;
  /**
   * Where AWS SDK clients and the AWS CLI reach the instance's services, e.g.
   * `{ "s3": "http://127.0.0.1:41234" }` (`aws --endpoint-url <s3> s3 ls`, or `AWS_ENDPOINT_URL_S3`).
   * Absent in records of instances older than it.
   */
  readonly endpoints?: { readonly s3?: string };
}

/** The API port from `BATON_PORT`, or {@link DEFAULT_API_PORT}. Throws RangeError for a bad value. */
export function apiPortFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BATON_PORT;
  if (text === undefined || text === '') return DEFAULT_API_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`BATON_PORT must be a port number from 0 to 65535, got '${text}'`);
  }
  return port;
}

/** Records the running instance in `<projectDir>/.baton/instance.json`; returns the file's path. */
export async function writeInstanceFile(projectDir: string, record: InstanceRecord): Promise<string> {
  const path = join(projectDir, INSTANCE_FILE);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}

/** Removes the record when it is still this instance's (another instance may have replaced it). */
export async function removeInstanceFile(projectDir: string, url: string): Promise<void> {
  const path = join(projectDir, INSTANCE_FILE);
  const record = await readRecord(path);
  if (record?.url === url) await rm(path, { force: true });
}

/** The URL recorded in the nearest `.baton/instance.json` from `startDir` upwards, if any. */
export async function findInstanceUrl(startDir: string): Promise<string | undefined> {
  let dir = resolve(startDir);
  for (;;) {
    const record = await readRecord(join(dir, INSTANCE_FILE));
    if (record) return record.url;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readRecord(path: string): Promise<InstanceRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as Partial<InstanceRecord>;
    return typeof record.url === 'string' ? (record as InstanceRecord) : undefined;
  } catch {
    // A half-written or hand-edited file: as if there were none.
    return undefined;
  }
}
