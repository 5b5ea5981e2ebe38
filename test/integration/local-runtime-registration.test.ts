/**
 * `npm start`'s runtime lists a workflow registered while it runs, at its latest version: the
 * console and `baton list`'s domains follow `baton register` (the versioning itself is in the
 * control plane's behaviour suite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-register-'));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

it('lists a registered workflow, and an updated one, at the version registered last', async () => {
  const definition = (word: string) => ({
    StartAt: 'Say',
    States: { Say: { Type: 'Pass', Result: word, End: true } },
  });
  const first = await runtime.registerWorkflow({
    workflow: 'Hello',
    definition: definition('hi'),
    domain: 'shipping',
  });
  const second = await runtime.registerWorkflow({ workflow: 'Hello', definition: definition('hello') });
  expect(second.previousVersion).toBe(first.version);
  const shipping = (await runtime.domains()).find((domain) => domain.name === 'shipping');
  expect(shipping?.workflows).toEqual(
    expect.arrayContaining([
      { name: 'ScheduleShipment', version: expect.any(String) },
      { name: 'Hello', version: second.version },
    ]),
  );
});
