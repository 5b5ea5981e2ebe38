/**
 * Validation of a definition before it runs (the rules: ./definition-validator.ts), with the
 * bundled jsonata library parsing every `{% %}` expression.
 */
import { assertValidDefinitionWith, validateDefinitionWith } from './definition-validator.js';
import type { StateMachineDefinition } from './definition.js';
import type { DefinitionIssue } from './errors.js';
import { bundledJsonata } from './jsonata/bundled-jsonata.js';

export { formatIssues, MAX_DEPTH, MAX_NODES } from './definition-validator.js';

/** Every problem found in `definition`, each located by the JSON Pointer of the bad field. */
export function validateDefinition(definition: unknown): DefinitionIssue[] {
  return validateDefinitionWith(definition, bundledJsonata);
}

/** Returns the definition typed, or throws DefinitionError listing every issue. */
export function assertValidDefinition(definition: unknown): StateMachineDefinition {
  return assertValidDefinitionWith(definition, bundledJsonata);
}
