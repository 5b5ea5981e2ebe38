/**
 * The control plane's behaviour suite (test/helpers/control-plane-behaviours.ts) on the local
 * wirings: the local runtime that `npm start` serves (dynalite, the local queues and bus, pollers) and the in-process domains that
 * quick local runs and the API tests use. Both host the example domains with the very worker
 * modules the Lambda functions deploy (`examples/app/workers/*.ts`, their `handler` exports), so the
 * same request must get the same answer from each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleDomains } from '../../examples/app/domains.js';
import { InProcessControl } from '../../testing/in-process-control.js';
import { InProcessDomain, type WorkerLambda } from '../../testing/in-process-domain.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';
import { describeControlPlane, type ControlPlaneWiring } from '../helpers/control-plane-behaviours.js';

const WORKERS_DIR = new URL('../../examples/app/workers/', import.meta.url);

const wirings: readonly ControlPlaneWiring[] = [
  {
    name: 'the local runtime (npm start)',
    listsWorkflows: true,
    verifiesTokens: true,
    registersWorkflows: true,
    async start() {
      const dataDir = mkdtempSync(join(tmpdir(), 'baton-control-'));
      const runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
      return {
        control: runtime,
        close: async () => {
          await runtime.shutdown();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'in-process domains',
    listsWorkflows: true,
    verifiesTokens: true,
    registersWorkflows: true,
    async start() {
      const domains = await Promise.all(
        exampleDomains().map(async (example) => {
          const workerLambdas: Record<string, WorkerLambda> = {};
          for (const worker of Object.keys(example.workers)) {
            const module = (await import(new URL(`${worker}.ts`, WORKERS_DIR).href)) as {
              handler: WorkerLambda;
            };
            workerLambdas[worker] = module.handler;
          }
          const domain = new InProcessDomain({
            startTime: Date.now(),
            workerLambdas,
            eventSource: `baton.${example.domain}`,
          });
          for (const [name, definition] of Object.entries(example.workflows))
            await domain.deploy(name, definition);
          return { example, domain };
        }),
      );
      const control = new InProcessControl({
        domains: domains.map(({ example, domain }) => ({
          name: example.domain,
          domain,
          workflows: Object.keys(example.workflows),
          eventBus: 'baton-example',
          triggers: example.triggers,
        })),
      });
      return {
        control,
        close: async () => {
          await control.close();
          for (const { domain } of domains) domain.dispose();
        },
      };
    },
  },
];

for (const wiring of wirings) describeControlPlane(wiring);
