/**
 * Validation of an Amazon States Language definition before it runs.
 * IMPLEMENTATION PENDING (being written now) — signatures are final.
 */
import { DefinitionError, type DefinitionIssue } from './errors.js';
import type { StateMachineDefinition } from './definition.js';

/** Every problem found in `definition`, each located by the JSON Pointer of the bad field. */
export function validateDefinition(_definition: unknown): DefinitionIssue[] {
  return [];
}

/** Returns the definition typed, or throws DefinitionError listing every issue. */
export function assertValidDefinition(definition: unknown): StateMachineDefinition {
  const issues = validateDefinition(definition);
  if (issues.length > 0) throw new DefinitionError(issues);
  return definition as StateMachineDefinition;
}
