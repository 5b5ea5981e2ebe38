import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_API_PORT,
  INSTANCE_FILE,
  apiPortFromEnvironment,
  findInstanceUrl,
  removeInstanceFile,
  writeInstanceFile,
} from '../../../local/api/instance-file.js';
import { BatonClient } from '../../../local/api/client.js';
import { serveLocalInstance } from '../../../local/api/local-instance.js';
import { startSampleRuntime } from './sample-domain.js';
import { tempFolder } from '../../helpers/temp-folder.js';

const record = (url: string) => ({ url, pid: 42, startedAt: '2026-01-01T00:00:00.000Z' });

describe('the instance file', () => {
  it('is found from a folder below the project', async () => {
    const project = tempFolder('baton-instance-');
    const path = await writeInstanceFile(project, record('http://127.0.0.1:4545'));
    expect(path).toBe(join(project, '.baton', 'instance.json'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(record('http://127.0.0.1:4545'));
    mkdirSync(join(project, 'a', 'b'), { recursive: true });
    expect(await findInstanceUrl(join(project, 'a', 'b'))).toBe('http://127.0.0.1:4545');
  });

  it('is removed only by the instance it names', async () => {
    const project = tempFolder('baton-instance-');
    await writeInstanceFile(project, record('http://127.0.0.1:5000'));
    await removeInstanceFile(project, 'http://127.0.0.1:4545');
    expect(existsSync(join(project, '.baton', 'instance.json'))).toBe(true);
    await removeInstanceFile(project, 'http://127.0.0.1:5000');
    expect(existsSync(join(project, '.baton', 'instance.json'))).toBe(false);
  });

  it('is not found where there is none', async () => {
    expect(await findInstanceUrl(tempFolder('baton-none-'))).toBeUndefined();
  });
});

describe('the API port', () => {
  it('is 4545 unless BATON_PORT says otherwise', () => {
    expect(apiPortFromEnvironment({})).toBe(DEFAULT_API_PORT);
    expect(apiPortFromEnvironment({ BATON_PORT: '4600' })).toBe(4600);
  });

  it('must be a port number', () => {
    expect(() => apiPortFromEnvironment({ BATON_PORT: 'http' })).toThrow(
      "BATON_PORT must be a port number from 0 to 65535, got 'http'",
    );
  });
});

describe('serving a local instance', () => {
  it('serves the API on the port, records its URL, and removes the record on close', async () => {
    const runtime = await startSampleRuntime();
    const project = tempFolder('baton-serve-');
    const instance = await serveLocalInstance(runtime.control, { projectDir: project, port: 0 });
    try {
      expect(await findInstanceUrl(project)).toBe(instance.url);
      expect((await new BatonClient(instance.url).domains())[0]?.name).toBe('orders');
    } finally {
      await instance.close();
      await runtime.control.close();
    }
    expect(await findInstanceUrl(project)).toBeUndefined();
  });

  it('records the endpoints it is given for SDK clients and the AWS CLI', async () => {
    const runtime = await startSampleRuntime();
    const project = tempFolder('baton-serve-');
    const s3 = 'http://127.0.0.1:41234';
    const instance = await serveLocalInstance(runtime.control, {
      projectDir: project,
      port: 0,
      endpoints: { s3 },
    });
    try {
      const record = JSON.parse(readFileSync(join(project, INSTANCE_FILE), 'utf8')) as unknown;
      expect(record).toMatchObject({ url: instance.url, endpoints: { s3 } });
    } finally {
      await instance.close();
      await runtime.control.close();
    }
  });

  it('says which port is taken and how to choose another', async () => {
    const runtime = await startSampleRuntime();
    const project = tempFolder('baton-serve-');
    const first = await serveLocalInstance(runtime.control, { projectDir: project, port: 0 });
    const port = Number(new URL(first.url).port);
    try {
      await expect(
        serveLocalInstance(runtime.control, { projectDir: project, env: { BATON_PORT: String(port) } }),
      ).rejects.toThrow(`Port ${port} is already in use (another Baton instance?)`);
    } finally {
      await first.close();
      await runtime.control.close();
    }
  });
});
