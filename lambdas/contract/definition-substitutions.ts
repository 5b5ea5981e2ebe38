/**
 * Definition substitutions, as Step Functions' `DefinitionSubstitutions`: a definition names a
 * value it does not know when it is written (a queue URL, a function ARN) with a `${Name}`
 * placeholder, and a map of name to string fills it in. The construct substitutes what it knows
 * at synth; values known only at deploy (CloudFormation tokens) reach the definition custom
 * resource as properties CloudFormation resolves, and the responder substitutes them before the
 * version is stored, so the version id is that of the substituted definition.
 *
 * Rules (one function, used at synth and at deploy):
 * - placeholders are replaced inside string values only, never in object keys, numbers or booleans;
 * - a name is letters, digits, `_`, `.`, `-` and `:` (`${OrdersQueueUrl}`);
 * - `${!Name}` is the literal text `${Name}` (CloudFormation's `Fn::Sub` escape), for a definition
 *   that must carry such text;
 * - a placeholder with no value is an error naming it and the JSON Pointer of the string holding it.
 */

/** `${Name}` or the escape `${!Name}`. */
const PLACEHOLDER = /\$\{(!?)([A-Za-z0-9_.:-]+)\}/g;
/** A substitution name, as a placeholder writes it. */
const SUBSTITUTION_NAME = /^[A-Za-z0-9_.:-]+$/;

/** A placeholder names a value that was not given. */
export class MissingSubstitutionError extends Error {
  override readonly name = 'MissingSubstitutionError';

  constructor(
    /** The placeholder's name, e.g. `OrdersQueueUrl`. */
    readonly key: string,
    /** JSON Pointer of the string value holding the placeholder. */
    readonly pointer: string,
  ) {
    super(`${pointer || '/'}: no substitution named '${key}' for the placeholder \${${key}}`);
  }
}

/** Options of {@link substituteDefinition}. */
export interface SubstitutionOptions {
  /**
   * Names left as placeholders (with escapes left as they are), for a later pass to fill: the
   * construct defers the values that CloudFormation resolves at deploy.
   * @default none: every placeholder is replaced and every escape unescaped
   */
  readonly defer?: ReadonlySet<string>;
}

/** Whether `name` can be written as a placeholder. */
export function isSubstitutionName(name: string): boolean {
  return SUBSTITUTION_NAME.test(name);
}

/** The placeholder text of `name`: `${name}`. */
export function placeholder(name: string): string {
  return `\${${name}}`;
}

/**
 * `definition` with every placeholder of its string values replaced by its value. Pure: returns a
 * new value, never changes its argument. Throws MissingSubstitutionError for a placeholder that
 * has no value and is not deferred.
 */
export function substituteDefinition(
  definition: unknown,
  substitutions: Readonly<Record<string, string>>,
  options: SubstitutionOptions = {},
): unknown {
  const defer = options.defer ?? new Set<string>();
  const final = defer.size === 0;
  const visit = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') return substituteString(value, pointer);
    if (Array.isArray(value)) return value.map((item, index) => visit(item, `${pointer}/${index}`));
    if (typeof value === 'object' && value !== null) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        copy[key] = visit(item, `${pointer}/${escapeSegment(key)}`);
      }
      return copy;
    }
    return value;
  };
  const substituteString = (text: string, pointer: string): string =>
    text.replace(PLACEHOLDER, (match, escape: string, name: string) => {
      if (escape === '!') return final ? placeholder(name) : match;
      if (defer.has(name)) return match;
      if (!Object.hasOwn(substitutions, name)) throw new MissingSubstitutionError(name, pointer);
      return substitutions[name] as string;
    });
  return visit(definition, '');
}

/** A placeholder found in a definition. */
export interface PlaceholderUse {
  readonly name: string;
  /** JSON Pointer of the string value holding it. */
  readonly pointer: string;
}

/** Every placeholder of the definition's string values (escapes are not placeholders), in document order. */
export function placeholderUses(definition: unknown): PlaceholderUse[] {
  const uses: PlaceholderUse[] = [];
  const visit = (value: unknown, pointer: string): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(PLACEHOLDER)) {
        if (match[1] !== '!') uses.push({ name: match[2] as string, pointer });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${pointer}/${index}`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, `${pointer}/${escapeSegment(key)}`);
    }
  };
  visit(definition, '');
  return uses;
}

/**
 * The name of the placeholder that is the whole of `text` (`${OrdersQueueUrl}` gives
 * `OrdersQueueUrl`), or undefined when `text` is anything else.
 */
export function wholePlaceholder(text: string): string | undefined {
  const match = /^\$\{([A-Za-z0-9_.:-]+)\}$/.exec(text);
  return match ? (match[1] as string) : undefined;
}

/** RFC 6901: `~` becomes `~0`, `/` becomes `~1`. */
function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
