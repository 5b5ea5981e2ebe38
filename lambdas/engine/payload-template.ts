/**
 * Payload templates: Parameters, ResultSelector, ItemSelector and Compensate.Parameters.
 *
 * A key ending in `.$` takes the value of a path (`$...` from the input, `$$...` from the context
 * object) or of an intrinsic function call, under the key without its `.$` suffix. This applies at
 * any depth, inside nested objects and arrays. Subtrees without such keys are shared as they are.
 */
import { StatesRuntimeError } from './errors.js';
import {
  evaluateIntrinsic,
  isIntrinsicCall,
  parseIntrinsic,
  type IntrinsicCall,
  type IntrinsicEnvironment,
} from './intrinsics.js';
import { isJsonObject, type Json, type JsonObject } from './json.js';
import { compilePath, readPath, truncate, type CompiledPath } from './json-path.js';
import { compileVariablePath, readVariablePath, type VariablePath } from './variable-path.js';

/** What evaluating a template reads from. The context object is built only when a `$$` path needs it. */
export interface TemplateScope {
  readonly input: Json;
  readonly context: () => Json;
  readonly random: () => number;
  /** The value of a workflow variable in scope (`$name` paths), undefined when it is not set. */
  readonly variable?: (name: string) => Json | undefined;
}

/** A compiled template node. */
type Node =
  | { readonly type: 'literal'; readonly value: Json }
  | { readonly type: 'path'; readonly path: CompiledPath; readonly field: string }
  | { readonly type: 'variable'; readonly path: VariablePath; readonly field: string }
  | { readonly type: 'intrinsic'; readonly call: IntrinsicCall; readonly field: string }
  | { readonly type: 'object'; readonly entries: readonly (readonly [string, Node])[] }
  | { readonly type: 'array'; readonly items: readonly Node[] };

/** A template compiled once per definition and evaluated on every entry into its state. */
export interface CompiledTemplate {
  readonly root: Node;
}

/** Compiles a template. The definition was validated, so paths and intrinsics parse. */
export function compileTemplate(template: JsonObject): CompiledTemplate {
  return { root: compileNode(template) };
}

function compileNode(value: Json): Node {
  if (Array.isArray(value)) {
    const items = value.map(compileNode);
    return items.every((item) => item.type === 'literal')
      ? { type: 'literal', value }
      : { type: 'array', items };
  }
  if (!isJsonObject(value)) return { type: 'literal', value };
  const entries: (readonly [string, Node])[] = [];
  let dynamic = false;
  for (const [key, child] of Object.entries(value)) {
    if (key.endsWith('.$') && typeof child === 'string') {
      dynamic = true;
      const field = key;
      const variable = isIntrinsicCall(child) ? undefined : compileVariablePath(child);
      const node: Node = isIntrinsicCall(child)
        ? { type: 'intrinsic', call: parseIntrinsic(child), field }
        : variable
          ? { type: 'variable', path: variable, field }
          : { type: 'path', path: compilePath(child), field };
      entries.push([key.slice(0, -2), node]);
    } else {
      const node = compileNode(child);
      if (node.type !== 'literal') dynamic = true;
      entries.push([key, node]);
    }
  }
  return dynamic ? { type: 'object', entries } : { type: 'literal', value };
}

/**
 * Evaluates a template against a scope. Throws `States.Runtime` when a path does not exist (what
 * Step Functions reports, although the ASL specification names `States.ParameterPathFailure`;
 * like every `States.Runtime` error it is neither retried nor caught), `States.IntrinsicFailure`
 * when an intrinsic fails.
 */
export function evaluateTemplate(template: CompiledTemplate, scope: TemplateScope): Json {
  return evaluateNode(template.root, scope);
}

function evaluateNode(node: Node, scope: TemplateScope): Json {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'path':
      return readTemplatePath(node.path, node.field, scope);
    case 'variable':
      return readTemplateVariable(node.path, node.field, scope);
    case 'intrinsic':
      return evaluateIntrinsic(node.call, intrinsicEnvironment(scope));
    case 'object': {
      const out: JsonObject = {};
      for (const [key, child] of node.entries) out[key] = evaluateNode(child, scope);
      return out;
    }
    case 'array':
      return node.items.map((item) => evaluateNode(item, scope));
  }
}

function readTemplatePath(path: CompiledPath, field: string, scope: TemplateScope): Json {
  const context = path.root === 'context' ? scope.context() : null;
  const result = readPath(path, scope.input, context);
  if (!result.found) {
    const source = path.root === 'context' ? 'context object' : 'input';
    const doc = path.root === 'context' ? context : scope.input;
    throw new StatesRuntimeError(
      `The JSONPath '${path.source}' specified for the field '${field}' could not be found in the ${source} '${truncate(JSON.stringify(doc))}'`,
    );
  }
  return result.value;
}

function readTemplateVariable(path: VariablePath, field: string, scope: TemplateScope): Json {
  const value = scope.variable?.(path.name);
  const result = readVariablePath(path, value);
  if (!result.found) {
    throw new StatesRuntimeError(
      value === undefined
        ? `The JSONPath '${path.source}' specified for the field '${field}' reads the variable '$${path.name}', which is not set`
        : `The JSONPath '${path.source}' specified for the field '${field}' could not be found in the variable '$${path.name}' '${truncate(JSON.stringify(value))}'`,
    );
  }
  return result.value;
}

/** The environment an intrinsic call sees: paths read from the scope, randomness from its seed. */
export function intrinsicEnvironment(scope: TemplateScope): IntrinsicEnvironment {
  return {
    random: scope.random,
    readPath: (source: string) => {
      const variable = compileVariablePath(source);
      if (variable) return readTemplateVariable(variable, source, scope);
      const path = compilePath(source);
      return readTemplatePath(path, source, scope);
    },
  };
}
