/**
 * SQS message attributes: their validation, the bytes they add to a message's size, and the
 * `MD5OfMessageAttributes` digest, all as the Amazon SQS Developer Guide documents them
 * ("Amazon SQS message attributes", "Calculating the MD5 message digest for message attributes").
 */
import { createHash } from 'node:crypto';

/** One message attribute, in the SDK's shape: `String`/`Number` carry `stringValue`, `Binary` `binaryValue`. */
export interface MessageAttributeValue {
  /** `String`, `Number` or `Binary`, optionally with a custom label (`Number.float`). */
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: Uint8Array;
}

/** A message's attributes by name. */
export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>;

/** A message may carry at most 10 attributes. */
export const MAX_MESSAGE_ATTRIBUTES = 10;
const MAX_NAME_LENGTH = 256;
const MAX_DATA_TYPE_LENGTH = 256;
const NAME_CHARACTERS = /^[A-Za-z0-9_.-]+$/;
const RESERVED_NAME_PREFIXES = ['aws.', 'amazon.'];
const BASE_DATA_TYPES = ['String', 'Number', 'Binary'] as const;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why an attribute was refused: the parameter path SQS would name, and the reason. */
export interface AttributeProblem {
  readonly parameter: string;
  readonly value: unknown;
  readonly reason: string;
}

/**
 * Checks attributes against the documented rules; returns the first problem, or `undefined`.
 * Names: up to 256 of `[A-Za-z0-9_.-]`, no leading, trailing or doubled period, no `AWS.` or
 * `Amazon.` prefix in any casing. Values: non-empty, of the type the data type names.
 */
export function findAttributeProblem(attributes: MessageAttributes): AttributeProblem | undefined {
  const names = Object.keys(attributes);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    return {
      parameter: 'MessageAttributes',
      value: names.length,
      reason: `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    };
  }
  for (const name of names) {
    const parameter = `MessageAttribute.${name}`;
    const nameProblem = problemWithName(name);
    if (nameProblem !== undefined)
      return { parameter: 'MessageAttribute.Name', value: name, reason: nameProblem };
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    const typeProblem = problemWithValue(attribute);
    if (typeProblem !== undefined) return { parameter, value: attribute.dataType, reason: typeProblem };
  }
  return undefined;
}

function problemWithName(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH)
    return `must have 1 to ${MAX_NAME_LENGTH} characters`;
  if (!NAME_CHARACTERS.test(name))
    return 'can only contain alphanumeric characters, underscores, hyphens and periods';
  if (name.startsWith('.') || name.endsWith('.')) return 'cannot start or end with a period';
  if (name.includes('..')) return 'cannot contain successive periods';
  const lower = name.toLowerCase();
  if (RESERVED_NAME_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    return 'cannot start with the reserved prefixes AWS. or Amazon.';
  }
  return undefined;
}

function problemWithValue(attribute: MessageAttributeValue): string | undefined {
  const { dataType } = attribute;
  if (dataType.length === 0 || dataType.length > MAX_DATA_TYPE_LENGTH) {
    return `DataType must have 1 to ${MAX_DATA_TYPE_LENGTH} characters`;
  }
  const base = baseDataType(dataType);
  if (base === undefined)
    return `DataType ${dataType} is not String, Number or Binary (with an optional .label)`;
  if (base === 'Binary') {
    if (attribute.stringValue !== undefined) return 'a Binary attribute takes binaryValue, not stringValue';
    if (attribute.binaryValue === undefined || attribute.binaryValue.byteLength === 0) {
      return 'a Binary attribute needs a non-empty binaryValue';
    }
    return undefined;
  }
  if (attribute.binaryValue !== undefined) return `a ${base} attribute takes stringValue, not binaryValue`;
  if (attribute.stringValue === undefined || attribute.stringValue.length === 0) {
    return `a ${base} attribute needs a non-empty stringValue`;
  }
  if (base === 'Number' && !NUMBER_TEXT.test(attribute.stringValue.trim())) {
    return `${JSON.stringify(attribute.stringValue)} is not a number`;
  }
  return undefined;
}

/** `String`, `Number` or `Binary` for a data type with or without a custom label. */
export function baseDataType(dataType: string): (typeof BASE_DATA_TYPES)[number] | undefined {
  const base = dataType.split('.', 1)[0];
  return BASE_DATA_TYPES.find((candidate) => candidate === base);
}

/** The bytes attributes add to a message's size: each name, data type and value. */
export function attributesSize(attributes: MessageAttributes): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.dataType, 'utf8');
    size +=
      attribute.binaryValue !== undefined
        ? attribute.binaryValue.byteLength
        : Buffer.byteLength(attribute.stringValue ?? '', 'utf8');
  }
  return size;
}

/**
 * `MD5OfMessageAttributes` as SQS computes it: attributes sorted by name, each encoded as
 * length-prefixed name, length-prefixed data type, one transport byte (1 string, 2 binary) and
 * length-prefixed value, lengths as 4-byte big-endian integers. `undefined` without attributes.
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(attribute.dataType, 'utf8')));
    if (attribute.binaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(attribute.binaryValue)));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(attribute.stringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}

/** Hex MD5 of a UTF-8 string: `MD5OfMessageBody`. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.byteLength, 0);
  return Buffer.concat([prefix, bytes]);
}

/**
 * The UTF-16 index of the first character SQS rejects in a message body, or `-1`. Allowed:
 * `#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF` (lone surrogates are not).
 */
export function firstInvalidCharacter(text: string): number {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.codePointAt(index) ?? 0;
    if (code > 0xffff) {
      index += 1;
      continue;
    }
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd);
    if (!allowed) return index;
  }
  return -1;
}
