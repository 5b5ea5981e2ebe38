/**
 * What an EventBridge rule target receives: the matched event, a constant `Input`, the part of the
 * event an `InputPath` selects, or the text an `InputTransformer` renders — as the EventBridge User
 * Guide's "Transforming target input" page describes:
 *
 * - `InputPathsMap` names up to 100 variables, each a JSONPath into the event. The template refers
 *   to them as `<name>`, next to the predefined `<aws.events.rule-arn>`, `<aws.events.rule-name>`,
 *   `<aws.events.event>` (the event without `detail`), `<aws.events.event.json>` (the whole event)
 *   and `<aws.events.event.ingestion-time>`.
 * - Outside a JSON string, a variable becomes its JSON text (a string value gains its quotes).
 *   Inside a JSON string, a string value is inserted as it is — not escaped, as EventBridge does
 *   not escape extracted values — and an object or array is inserted as JSON without its quotes.
 * - JSON output is passed on minified. A template whose output is not JSON (`<instance> is in
 *   state <status>`) is passed on as text.
 * - A variable whose path matches nothing "isn't created and won't appear in the output": it is
 *   replaced by `null` outside a string and by nothing inside one. (The guide does not say what is
 *   left in its place; this choice keeps JSON templates valid.)
 */
import { compileEventPath as checkEventPath, readEventPath, type EventPath } from './event-path.js';
import { isJsonObject, type Json, type JsonObject } from '../json.js';
import { EventBridgeValidationError } from './errors.js';

/** At most 100 variables per transformer. */
export const MAX_INPUT_PATHS = 100;
/** Longest InputTemplate, characters. */
export const MAX_INPUT_TEMPLATE_LENGTH = 8_192;
/** Longest InputPath, characters. */
export const MAX_INPUT_PATH_LENGTH = 256;
const MAX_VARIABLE_NAME_LENGTH = 256;

/** `InputTransformer` of a target. */
export interface InputTransformer {
  /** Variable name → JSONPath into the event. @default no variables */
  readonly inputPathsMap?: Readonly<Record<string, string>>;
  /** The text to send, with `<variable>` placeholders. */
  readonly inputTemplate: string;
}

/** How a target's input is made: at most one of `input`, `inputPath`, `inputTransformer`. */
export interface TargetInputOptions {
  /** Constant JSON text sent instead of the event. */
  readonly input?: string;
  /** JSONPath selecting the part of the event to send. */
  readonly inputPath?: string;
  readonly inputTransformer?: InputTransformer;
}

/** What a target receives: JSON (parsed, with its minified text) or plain text. */
export type TargetInput =
  | { readonly type: 'json'; readonly value: Json; readonly text: string }
  | { readonly type: 'text'; readonly text: string };

/** What the predefined variables resolve to for one delivery. */
export interface TargetInputContext {
  readonly ruleName: string;
  readonly ruleArn: string;
  /** ISO 8601, when the bus accepted the event. */
  readonly ingestionTime: string;
}

/** Renders the input of one target for one event. */
export type TargetInputRenderer = (event: JsonObject, context: TargetInputContext) => TargetInput;

/**
 * Checks a target's input options and compiles them. Throws {@link EventBridgeValidationError}
 * naming the field at fault (`Targets[0].InputTransformer.InputPathsMap.instance`, ...).
 */
export function compileTargetInput(field: string, options: TargetInputOptions): TargetInputRenderer {
  const given = [options.input, options.inputPath, options.inputTransformer].filter(
    (value) => value !== undefined,
  );
  if (given.length > 1) {
    throw new EventBridgeValidationError(
      field,
      'only one of Input, InputPath and InputTransformer may be set',
    );
  }
  if (options.input !== undefined) return constantInput(`${field}.Input`, options.input);
  if (options.inputPath !== undefined) return pathInput(`${field}.InputPath`, options.inputPath);
  if (options.inputTransformer !== undefined) {
    return transformerInput(`${field}.InputTransformer`, options.inputTransformer);
  }
  return (event) => jsonInput(event);
}

function constantInput(field: string, input: string): TargetInputRenderer {
  let value: Json;
  try {
    value = JSON.parse(input) as Json;
  } catch (error) {
    throw new EventBridgeValidationError(field, `must be valid JSON text (${(error as Error).message})`, {
      cause: error,
    });
  }
  const rendered = jsonInput(value);
  return () => rendered;
}

function pathInput(field: string, inputPath: string): TargetInputRenderer {
  const path = compileEventPath(field, inputPath);
  if (inputPath.length > MAX_INPUT_PATH_LENGTH) {
    throw new EventBridgeValidationError(field, `must have at most ${MAX_INPUT_PATH_LENGTH} characters`);
  }
  return (event) => {
    const read = readEventPath(path, event);
    return jsonInput(read.found ? read.value : null);
  };
}

function transformerInput(field: string, transformer: InputTransformer): TargetInputRenderer {
  const entries = Object.entries(transformer.inputPathsMap ?? {});
  if (entries.length > MAX_INPUT_PATHS) {
    throw new EventBridgeValidationError(
      `${field}.InputPathsMap`,
      `may define at most ${MAX_INPUT_PATHS} variables`,
    );
  }
  const paths = new Map<string, EventPath>();
  for (const [name, path] of entries) {
    const nameField = `${field}.InputPathsMap.${name}`;
    if (name.length === 0 || name.length > MAX_VARIABLE_NAME_LENGTH) {
      throw new EventBridgeValidationError(
        nameField,
        `a variable name has 1 to ${MAX_VARIABLE_NAME_LENGTH} characters`,
      );
    }
    if (name.toLowerCase().startsWith('aws.')) {
      throw new EventBridgeValidationError(nameField, 'variable names cannot start with "AWS."');
    }
    paths.set(name, compileEventPath(nameField, path));
  }
  const template = transformer.inputTemplate;
  if (template.length === 0 || template.length > MAX_INPUT_TEMPLATE_LENGTH) {
    throw new EventBridgeValidationError(
      `${field}.InputTemplate`,
      `must have 1 to ${MAX_INPUT_TEMPLATE_LENGTH} characters`,
    );
  }
  return (event, context) => {
    const variables = new Map<string, Json | undefined>();
    for (const [name, path] of paths) {
      const read = readEventPath(path, event);
      variables.set(name, read.found ? read.value : undefined);
    }
    const { detail: _detail, ...withoutDetail } = event;
    variables.set('aws.events.rule-arn', context.ruleArn);
    variables.set('aws.events.rule-name', context.ruleName);
    variables.set('aws.events.event', withoutDetail);
    variables.set('aws.events.event.json', event);
    variables.set('aws.events.event.ingestion-time', context.ingestionTime);
    return parsedOrText(renderTemplate(template, variables));
  };
}

/**
 * Substitutes `<name>` placeholders of `variables` in `template`, following JSON string
 * boundaries to decide how each value is written. Placeholders of unknown names stay as they are.
 */
export function renderTemplate(template: string, variables: ReadonlyMap<string, Json | undefined>): string {
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index += 1) {
    const char = template[index] ?? '';
    if (char === '\\' && inString) {
      output += template.slice(index, index + 2);
      index += 1;
      continue;
    }
    if (char === '"') inString = !inString;
    if (char === '<') {
      const end = template.indexOf('>', index + 1);
      const name = end < 0 ? undefined : template.slice(index + 1, end);
      if (name !== undefined && variables.has(name)) {
        output += substitution(variables.get(name), inString);
        index = end;
        continue;
      }
    }
    output += char;
  }
  return output;
}

function substitution(value: Json | undefined, inString: boolean): string {
  if (value === undefined) return inString ? '' : 'null';
  if (!inString) return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (isJsonObject(value) || Array.isArray(value)) return JSON.stringify(value).replaceAll('"', '');
  return JSON.stringify(value);
}

function parsedOrText(text: string): TargetInput {
  try {
    return jsonInput(JSON.parse(text) as Json);
  } catch {
    return { type: 'text', text };
  }
}

function jsonInput(value: Json): TargetInput {
  return { type: 'json', value, text: JSON.stringify(value) };
}

function compileEventPath(field: string, path: string): EventPath {
  if (!path.startsWith('$') || path.startsWith('$$')) {
    throw new EventBridgeValidationError(field, `${JSON.stringify(path)} is not a JSONPath into the event`);
  }
  try {
    return checkEventPath(path);
  } catch (error) {
    throw new EventBridgeValidationError(
      field,
      `${JSON.stringify(path)} is not valid JSONPath: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
