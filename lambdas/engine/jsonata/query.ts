/**
 * JSONata mode's expressions: a string field written `{% <expression> %}` is evaluated by jsonata
 * 2.0.6 (the version Step Functions runs), any other string is a literal. Fields that take a JSON
 * value (Arguments, Output, Assign, ItemSelector, ...) may nest expressions at any depth in
 * objects and arrays; each is parsed once, when the definition is compiled.
 *
 * Every expression sees `$states` (`input`, `context`, and `result` or `errorOutput` where the
 * state has them), the workflow variables in scope as `$name`, and the functions Step Functions
 * adds (./functions.ts). There is no root document: as in Step Functions, data is read through
 * `$states` and variables. A failure, an expression that returns nothing, or a value the field
 * cannot take is a `States.QueryEvaluationError`.
 *
 * The common case, a plain read such as `$states.input.order.id` or `$customer.name` that lands
 * on a value which is not an array, is answered without the library, with the result the library
 * would give: every other case goes through jsonata.
 */
import { QueryEvaluationError } from '../errors.js';
import { isJsonObject, type Json, type JsonObject } from '../json.js';
import {
  JsonataUnavailableError,
  type JsonataCompiledExpression,
  type JsonataFactory,
  type JsonataLibraryError,
} from './library.js';

/**
 * True for a string Step Functions evaluates as JSONata: it starts with `{%` and ends with `%}`,
 * with nothing before or after them. (In a JSONPath state such a string is a plain string.)
 */
export function isJsonataText(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 4 && value.startsWith('{%') && value.endsWith('%}');
}

/** A `{% %}` string that jsonata cannot parse, or that Step Functions does not accept. */
export class JsonataSyntaxError extends Error {
  override readonly name = 'JsonataSyntaxError';
}

/** A direct read: a variable (`states` for `$states`) and the fields below it. */
interface DirectRead {
  readonly variable: string;
  readonly fields: readonly string[];
}

/** An expression parsed once per definition. */
export interface CompiledExpression {
  /** The expression between `{%` and `%}`, trimmed, as error causes quote it. */
  readonly text: string;
  /** The field it sits in, as Step Functions names it in causes: `Arguments/Input/id`. */
  readonly field: string;
  readonly program: JsonataCompiledExpression;
  readonly direct: DirectRead | undefined;
  /** The `$names` the text mentions (but `states`): only those are bound when it is evaluated. */
  readonly names: readonly string[];
  /** True when it may read `$states.context` (or `$states` as a whole). */
  readonly usesContext: boolean;
}

/** A JSON value of a JSONata-mode field, with its `{% %}` strings parsed. */
export type JsonataTemplate =
  | { readonly type: 'literal'; readonly value: Json }
  | { readonly type: 'expression'; readonly expression: CompiledExpression }
  | { readonly type: 'object'; readonly entries: readonly (readonly [string, JsonataTemplate])[] }
  | { readonly type: 'array'; readonly items: readonly JsonataTemplate[] };

/** `$states` of one evaluation. */
export interface JsonataStates {
  readonly input: Json;
  readonly context: Json;
  readonly result?: Json;
  readonly errorOutput?: Json;
}

/** What an evaluation sees. */
export interface JsonataScope {
  readonly states: JsonataStates;
  /** The variables in scope, by name. */
  readonly variables: Readonly<Record<string, Json>>;
  /** The added and rebound functions (./functions.ts), by name without `$`. */
  readonly functions: Readonly<Record<string, unknown>>;
  /** What `$now()` and `$millis()` report: the decision's time, epoch milliseconds. */
  readonly now: number;
}

/**
 * Evaluation steps (jsonata's evaluations of syntax nodes) one expression may take. jsonata runs a
 * recursive lambda in tail position as a loop, so without a bound `($f := function() { $f() };
 * $f())` would never return and hold the orchestrator. Step Functions stops an evaluation after
 * a time; the engine has no clock, so it counts steps (a few seconds' worth at most).
 */
export const MAX_EVALUATION_STEPS = 5_000_000;
const EVALUATE_ENTRY = Symbol.for('jsonata.__evaluate_entry');
/** Steps left to the evaluation under way (evaluations are synchronous: one at a time). */
let stepsLeft = MAX_EVALUATION_STEPS;

function countStep(): void {
  if (--stepsLeft < 0) {
    throw { code: 'U1001', message: 'Expression evaluation timeout: Check for infinite loop' };
  }
}

const NAME_REFERENCE = /\$([A-Za-z_][A-Za-z0-9_]*)/g;
/** `$states` other than `$states.input`, `.result` or `.errorOutput`: it may reach the context. */
const USES_CONTEXT = /\$states(?!\s*\.\s*(?:input|result|errorOutput)\b)/;
const DIRECT_READ = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;
const OPERATOR_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'in']);

/** The expression of a `{% %}` string. */
export function expressionText(text: string): string {
  return text.slice(2, -2).trim();
}

/**
 * Parses a `{% %}` string with `jsonata`. Throws {@link JsonataSyntaxError} when jsonata cannot
 * parse it, or when it reads `$`, `$$` or a field name at its top level (Step Functions has no root
 * document); {@link JsonataUnavailableError} when no library is given.
 */
export function compileExpression(
  source: string,
  field: string,
  jsonata: JsonataFactory | undefined,
): CompiledExpression {
  const text = expressionText(source);
  if (text.length === 0) throw new JsonataSyntaxError('the JSONata expression is empty');
  if (jsonata === undefined) {
    throw new JsonataUnavailableError(
      `the JSONata expression of ${field === '' ? 'a field' : `'${field}'`} cannot be parsed: no jsonata library was given to the compiler (the orchestrator loads it before compiling a workflow that uses JSONata)`,
    );
  }
  let program: JsonataCompiledExpression;
  try {
    program = jsonata(text);
  } catch (error) {
    throw new JsonataSyntaxError(`is not a valid JSONata expression: ${libraryMessage(error)}`, {
      cause: error,
    });
  }
  program.assign(EVALUATE_ENTRY, countStep);
  const rootProblem = topLevelProblem(program.ast());
  if (rootProblem !== undefined) throw new JsonataSyntaxError(rootProblem);
  const names = new Set<string>();
  for (const match of text.matchAll(NAME_REFERENCE)) if (match[1] !== 'states') names.add(match[1] as string);
  return {
    text,
    field,
    program,
    direct: directRead(text),
    names: [...names],
    usesContext: USES_CONTEXT.test(text),
  };
}

/** True when some expression of `template` may read `$states.context`. */
export function templateUsesContext(template: JsonataTemplate | undefined): boolean {
  if (template === undefined) return false;
  switch (template.type) {
    case 'literal':
      return false;
    case 'expression':
      return template.expression.usesContext;
    case 'object':
      return template.entries.some(([, child]) => templateUsesContext(child));
    case 'array':
      return template.items.some(templateUsesContext);
  }
}

/** What is wrong with a `{% %}` string, or undefined when `jsonata` parses it. */
export function jsonataProblem(source: string, jsonata: JsonataFactory | undefined): string | undefined {
  try {
    compileExpression(source, '', jsonata);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function directRead(text: string): DirectRead | undefined {
  const match = DIRECT_READ.exec(text);
  if (!match) return undefined;
  const fields = (match[2] as string).split('.').slice(1);
  if (fields.some((name) => OPERATOR_WORDS.has(name))) return undefined;
  return { variable: match[1] as string, fields };
}

interface AstNode {
  readonly type?: string;
  readonly value?: unknown;
  readonly steps?: readonly AstNode[];
  readonly lhs?: AstNode | readonly (readonly [AstNode, AstNode])[];
  readonly rhs?: AstNode;
  readonly expression?: AstNode;
  readonly expressions?: readonly AstNode[];
  readonly procedure?: AstNode;
  readonly arguments?: readonly AstNode[];
  readonly condition?: AstNode;
  readonly then?: AstNode;
  readonly else?: AstNode;
  readonly body?: AstNode;
}

/**
 * Step Functions evaluates with no context item, and refuses a definition whose expression reads
 * one (UNSUPPORTED_JSONATA_EXPRESSION): `$$` anywhere, and `$` or a field name where the top-level
 * context would be read (the first step of a path, the operands, arguments and branches around
 * it, a lambda body). A name later in a path, in a predicate or a sort term is relative, and legal.
 * Constructs not listed are not searched: this refuses only what is certainly refused.
 */
function topLevelProblem(ast: unknown): string | undefined {
  let problem: string | undefined;
  const visit = (node: AstNode | undefined, top: boolean, depth: number): void => {
    if (node === undefined || node === null || problem !== undefined || depth > 200) return;
    switch (node.type) {
      case 'variable':
        if (node.value === '$') problem = "Reference to '$$' is not supported.";
        else if (node.value === '' && top) problem = "Reference to '$' at the top level is not supported.";
        return;
      case 'name':
        if (top) problem = `Reference to '${String(node.value)}' at the top level is not supported.`;
        return;
      case 'path':
        node.steps?.forEach((step, index) => visit(step, top && index === 0, depth + 1));
        return;
      case 'binary':
      case 'apply':
      case 'bind':
        if (node.type !== 'bind') visit(node.lhs as AstNode, top, depth + 1);
        visit(node.rhs, top, depth + 1);
        return;
      case 'unary':
        if (node.value === '{' && Array.isArray(node.lhs)) {
          for (const [key, value] of node.lhs as readonly (readonly [AstNode, AstNode])[]) {
            visit(key, top, depth + 1);
            visit(value, top, depth + 1);
          }
        }
        visit(node.expression, top, depth + 1);
        node.expressions?.forEach((item) => visit(item, top, depth + 1));
        return;
      case 'function':
      case 'partial':
        visit(node.procedure, top, depth + 1);
        node.arguments?.forEach((argument) => visit(argument, top, depth + 1));
        return;
      case 'condition':
        visit(node.condition, top, depth + 1);
        visit(node.then, top, depth + 1);
        visit(node.else, top, depth + 1);
        return;
      case 'block':
        node.expressions?.forEach((item) => visit(item, top, depth + 1));
        return;
      case 'lambda':
        visit(node.body, top, depth + 1);
        return;
      default:
        return;
    }
  };
  visit(ast as AstNode, true, 0);
  return problem;
}

/**
 * Compiles a JSONata-mode field's value with `jsonata`; `field` names it in causes (`Output`,
 * `Arguments/Input`).
 */
export function compileJsonataTemplate(
  value: Json,
  field: string,
  jsonata: JsonataFactory | undefined,
): JsonataTemplate {
  if (isJsonataText(value)) {
    return { type: 'expression', expression: compileExpression(value, field, jsonata) };
  }
  if (Array.isArray(value)) {
    // Step Functions names an array element `field[i]` and an object member `field/key`.
    const items = value.map((item, index) => compileJsonataTemplate(item, `${field}[${index}]`, jsonata));
    return items.every((item) => item.type === 'literal')
      ? { type: 'literal', value }
      : { type: 'array', items };
  }
  if (!isJsonObject(value)) return { type: 'literal', value };
  const entries: (readonly [string, JsonataTemplate])[] = [];
  let dynamic = false;
  for (const [key, child] of Object.entries(value)) {
    const node = compileJsonataTemplate(child, field === '' ? key : `${field}/${key}`, jsonata);
    if (node.type !== 'literal') dynamic = true;
    entries.push([key, node]);
  }
  return dynamic ? { type: 'object', entries } : { type: 'literal', value };
}

/** True when a template has no expression: its value is known without evaluating anything. */
export function isLiteralTemplate(template: JsonataTemplate): template is { type: 'literal'; value: Json } {
  return template.type === 'literal';
}

/** Evaluates a compiled field. */
export function evaluateJsonataTemplate(template: JsonataTemplate, scope: JsonataScope): Json {
  switch (template.type) {
    case 'literal':
      return template.value;
    case 'expression':
      return evaluateExpression(template.expression, scope);
    case 'object': {
      const out: JsonObject = {};
      for (const [key, child] of template.entries) out[key] = evaluateJsonataTemplate(child, scope);
      return out;
    }
    case 'array':
      return template.items.map((item) => evaluateJsonataTemplate(item, scope));
  }
}

const SLOW = Symbol('slow');

function readDirect(read: DirectRead, scope: JsonataScope): Json | typeof SLOW {
  let value: unknown;
  if (read.variable === 'states') value = scope.states;
  else if (Object.prototype.hasOwnProperty.call(scope.variables, read.variable)) {
    value = scope.variables[read.variable];
  } else return SLOW;
  for (const name of read.fields) {
    // jsonata maps a field over arrays and flattens: only plain objects are read here.
    if (!isJsonObject(value) || !Object.prototype.hasOwnProperty.call(value, name)) return SLOW;
    value = (value as Record<string, unknown>)[name];
  }
  if (value === undefined || (read.fields.length > 0 && Array.isArray(value))) return SLOW;
  return value as Json;
}

/** Evaluates one expression to a JSON value. */
export function evaluateExpression(expression: CompiledExpression, scope: JsonataScope): Json {
  if (expression.direct) {
    const value = readDirect(expression.direct, scope);
    if (value !== SLOW) return value;
  }
  let result: unknown;
  try {
    stepsLeft = MAX_EVALUATION_STEPS;
    result = expression.program.evaluate(undefined, bindingsOf(expression, scope), undefined, scope.now);
  } catch (error) {
    throw new QueryEvaluationError(
      `The JSONata expression '${expression.text}' specified for the field '${expression.field}' threw an error during evaluation: ${libraryMessage(error)}`,
      { cause: error },
      expression.field,
    );
  }
  const json = toJson(result);
  if (json === undefined) {
    throw new QueryEvaluationError(
      `The JSONata expression '${expression.text}' specified for the field '${expression.field}' returned nothing (undefined).`,
      undefined,
      expression.field,
    );
  }
  return json;
}

/** Evaluates a Condition: it must give a boolean. */
export function evaluateCondition(template: JsonataTemplate, scope: JsonataScope): boolean {
  const value = evaluateJsonataTemplate(template, scope);
  if (typeof value !== 'boolean') {
    const text = template.type === 'expression' ? template.expression.text : JSON.stringify(value);
    const field = template.type === 'expression' ? template.expression.field : 'Condition';
    throw new QueryEvaluationError(
      `The JSONata expression '${text}' specified for the field '${field}' returned a non-boolean value: ${JSON.stringify(value)}`,
      undefined,
      field,
    );
  }
  return value;
}

/** `$states`, and the variables and added functions the expression mentions (a variable hides a function). */
function bindingsOf(expression: CompiledExpression, scope: JsonataScope): Record<string, unknown> {
  const bindings: Record<string, unknown> = { states: scope.states };
  for (const name of expression.names) {
    if (Object.prototype.hasOwnProperty.call(scope.variables, name)) bindings[name] = scope.variables[name];
    else if (Object.prototype.hasOwnProperty.call(scope.functions, name))
      bindings[name] = scope.functions[name];
  }
  return bindings;
}

/** jsonata's error as `<code>: <message>` (a JS error from a function: its message). */
function libraryMessage(error: unknown): string {
  if (error instanceof Error && !('code' in error)) return error.message;
  const { code, message } = (error ?? {}) as JsonataLibraryError;
  if (code && message) return `${code}: ${message}`;
  return message ?? String(error);
}

/**
 * jsonata's result as plain JSON: sequences become arrays, functions and undefined members are
 * dropped (as JSON.stringify would), the value itself when nothing needs to change. A function
 * or non-finite number alone is undefined.
 */
function toJson(value: unknown): Json | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    let out: Json[] | undefined = Object.keys(value).length === value.length ? undefined : [];
    for (let i = 0; i < value.length; i++) {
      const item = toJson(value[i]);
      if (out === undefined && (item !== value[i] || item === undefined)) out = value.slice(0, i) as Json[];
      if (out !== undefined && item !== undefined) out.push(item);
    }
    return out ?? (value as Json[]);
  }
  const record = value as Record<string, unknown>;
  if (record._jsonata_lambda === true || record._jsonata_function === true) return undefined;
  let out: JsonObject | undefined;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = toJson(record[key]);
    if (out === undefined && (item !== record[key] || item === undefined)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j] as string] = record[keys[j] as string] as Json;
    }
    if (out !== undefined && item !== undefined) out[key] = item;
  }
  return out ?? (record as JsonObject);
}
