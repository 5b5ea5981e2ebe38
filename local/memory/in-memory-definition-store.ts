/** A DefinitionStore in memory: immutable versions named by content hash. */
import { createHash } from 'node:crypto';
import type { StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type { DefinitionStore, WorkflowRef } from '../../lambdas/runtime/ports.js';

/** The version id of a definition: the first 16 hex digits of the SHA-256 of its canonical JSON. */
export function definitionVersion(definition: unknown): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal definitions hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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
