/**
 * The characters Step Functions allows in the names it takes from a user (execution names, a
 * Distributed Map's Label): no whitespace, none of `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`,
 * and no control characters (developer guide, "Map state", Label; StartExecution `name`).
 */
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** Step Functions forbids whitespace, these punctuation marks and control characters in names. */
export function isAllowedName(name: string): boolean {
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}
