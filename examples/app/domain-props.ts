/** Maps an example domain's plain configuration to SagaOrchestrator props. */
import type { SagaOrchestratorProps } from '../../lib/saga-orchestrator-props.js';
import type { ExampleDomain } from './domains.js';
import { workerEntry } from './worker-entry.js';

export function domainProps(
  domain: ExampleDomain,
): Pick<SagaOrchestratorProps, 'domain' | 'workflows' | 'workers' | 'triggers'> {
  return {
    domain: domain.domain,
    workflows: domain.workflows,
    workers: Object.fromEntries(
      Object.entries(domain.workers).map(([name, worker]) => [name, { entry: workerEntry(name), ...worker }]),
    ),
    triggers: domain.triggers.map((trigger) => ({
      workflow: trigger.workflow,
      eventPattern: { source: [trigger.source], detailType: [trigger.detailType] },
      businessKeyPath: trigger.businessKeyPath,
    })),
  };
}
