/** A DefinitionStore in memory: immutable versions named by content hash. */
import { definitionVersion } from '../lambdas/contract/definition-version.js';
import type { StateMachineDefinition } from '../lambdas/engine/definition.js';
import type { DefinitionStore, WorkflowRef } from '../lambdas/runtime/ports.js';

export class InMemoryDefinitionStore implements DefinitionStore {
  private readonly versions = new Map<string, StateMachineDefinition>();
  private readonly latestByName = new Map<string, WorkflowRef>();

  async put(name: string, definition: StateMachineDefinition): Promise<WorkflowRef> {
    const ref = { name, version: definitionVersion(definition) };
    this.versions.set(`${name}@${ref.version}`, structuredClone(definition));
    this.latestByName.set(name, ref);
    return ref;
  }

  async get(ref: WorkflowRef): Promise<StateMachineDefinition | undefined> {
    return this.versions.get(`${ref.name}@${ref.version}`);
  }

  async latest(name: string): Promise<WorkflowRef | undefined> {
    return this.latestByName.get(name);
  }
}
