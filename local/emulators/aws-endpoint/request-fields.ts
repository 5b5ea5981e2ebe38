/**
 * Reading the fields of a JSON request body, with the service's own error for a field that is
 * missing or of the wrong type.
 */
import { AwsApiError } from './errors.js';

/** A parsed JSON object. */
export type Fields = Readonly<Record<string, unknown>>;

/** How a service names a bad field: the code for a missing one and for an invalid one. */
export interface FieldErrors {
  readonly missing: string;
  readonly invalid: string;
}

/** Reads typed fields of one request object; `path` prefixes field names in messages. */
export class FieldReader {
  constructor(
    private readonly fields: Fields,
    private readonly errors: FieldErrors,
    private readonly path = '',
  ) {}

  /** Whether the field is present (and not null). */
  has(name: string): boolean {
    const value = this.fields[name];
    return value !== undefined && value !== null;
  }

  requiredString(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw this.missing(name);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.invalid(name, 'must be a string');
    return value;
  }

  optionalInteger(name: string): number | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.invalid(name, 'must be an integer');
    return value;
  }

  optionalNumber(name: string): number | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid(name, 'must be a number');
    return value;
  }

  optionalStringList(name: string): string[] | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw this.invalid(name, 'must be a list of strings');
    }
    return value as string[];
  }

  /** A nested object, read with the same errors. */
  optionalObject(name: string): FieldReader | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw this.invalid(name, 'must be an object');
    return new FieldReader(value, this.errors, `${this.path}${name}.`);
  }

  requiredObject(name: string): FieldReader {
    const value = this.optionalObject(name);
    if (value === undefined) throw this.missing(name);
    return value;
  }

  /** A map of objects (`MessageAttributes`): name -> reader. */
  optionalObjectMap(name: string): Map<string, FieldReader> | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw this.invalid(name, 'must be an object');
    const entries = new Map<string, FieldReader>();
    for (const [key, item] of Object.entries(value)) {
      if (!isObject(item)) throw this.invalid(`${name}.${key}`, 'must be an object');
      entries.set(key, new FieldReader(item, this.errors, `${this.path}${name}.${key}.`));
    }
    return entries;
  }

  /** A list of objects (`Entries`). */
  requiredObjectList(name: string): FieldReader[] {
    const value = this.fields[name];
    if (value === undefined || value === null) throw this.missing(name);
    if (!Array.isArray(value)) throw this.invalid(name, 'must be a list');
    return value.map((item, index) => {
      if (!isObject(item)) throw this.invalid(`${name}[${index}]`, 'must be an object');
      return new FieldReader(item, this.errors, `${this.path}${name}[${index}].`);
    });
  }

  /** The error for a value that is present but not acceptable. */
  invalid(name: string, reason: string): AwsApiError {
    return new AwsApiError(
      this.errors.invalid,
      `Value for parameter ${this.path}${name} is invalid: ${reason}`,
    );
  }

  private missing(name: string): AwsApiError {
    return new AwsApiError(this.errors.missing, `The request must contain the parameter ${this.path}${name}`);
  }
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
