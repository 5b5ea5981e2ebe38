/**
 * Validation of an Amazon States Language definition (JSONPath and JSONata modes, workflow
 * variables, plus Baton's saga extension `Compensate` on Task states) before it runs.
 *
 * The rules come from the ASL spec (states-language.net) and the Step Functions developer guide;
 * where the two differ, Step Functions wins, because Baton runs definitions exactly as it does:
 * - Choice `Variable` and `...Path` operands are reference paths (developer guide, "Choice Rules").
 * - Every state must be reachable from its scope's StartAt, and every scope needs a terminal state
 *   (End, Succeed or Fail), as the Step Functions service and its language server enforce.
 * - State names are unique across the whole machine, Parallel branches and Map processors
 *   included (spec, "States"); a branch or processor is its own scope: no transition crosses it.
 * - QueryLanguage: a JSONPath machine may have JSONata states, a JSONata machine only JSONata
 *   states. A JSONata state has none of the JSONPath fields (InputPath, Parameters, ResultSelector,
 *   ResultPath, OutputPath, the `...Path` fields, `.$` keys); every `{% %}` expression is parsed
 *   here. In a JSONPath state, a `{% %}` string is a plain string, as Step Functions treats it.
 * - Variables: `Assign` on every state but Succeed and Fail, on Choice rules and on catchers; a
 *   Parallel branch or Map iteration cannot assign a variable of a scope around it.
 * - Distributed Map (`ProcessorConfig.Mode: DISTRIBUTED`): ItemReader, ItemBatcher, ResultWriter,
 *   Label and the tolerated failure fields are checked against the developer guide's pages of
 *   each field; on an INLINE Map they are issues. The ItemProcessor of a Distributed Map is a
 *   state machine of its own (each item a child execution), so it neither reads nor conflicts
 *   with the variables around it; an EXPRESS one cannot wait (`.sync`, `.waitForTaskToken`, a
 *   Baton worker or `baton:waitForEvent`).
 * - Features Baton does not run yet (a PARQUET ItemReader) are issues, never silently ignored,
 *   so a definition that validates runs as written.
 *
 * This module takes the jsonata library as an argument (see ./jsonata/library.ts); ./validate.ts
 * gives it the bundled one.
 *
 * Every issue is located by the RFC 6901 JSON Pointer of the bad field (a missing field by the
 * pointer it would have). Issues come back in document order, depth-first. The validator never
 * throws and always terminates: recursion is bounded by {@link MAX_DEPTH} and the total work by
 * {@link MAX_NODES}, whatever the input.
 */
import {
  choiceOperandType,
  isChoiceComparisonOperator,
  isValidStringMatchesPattern,
  parseTimestamp,
} from './choice.js';
import { isAllowedName } from './allowed-name.js';
import type { StateMachineDefinition, StateType } from './definition.js';
import { DefinitionError, formatIssue, StatesErrors, type DefinitionIssue } from './errors.js';
import { isIntrinsicCall, parseIntrinsic, type IntrinsicCall } from './intrinsics.js';
import type { JsonataFactory } from './jsonata/library.js';
import { isJsonataText, jsonataProblem } from './jsonata/query.js';
import { maxInputBytesPerBatchProblem, maxItemsPerBatchProblem } from './item-batcher-rules.js';
import { compilePath, compileReferencePath } from './json-path.js';
import {
  INTEGRATION_PREFIX,
  WAIT_FOR_EVENT_RESOURCE,
  WORKER_RESOURCE_PREFIX,
  isResultWriterResource,
  itemReaderAction,
  type ItemReaderAction,
} from './resource-names.js';

/**
 * Every problem found in `definition`, each located by the JSON Pointer of the bad field; `{% %}`
 * expressions are parsed with `jsonata` (none given: each one is an issue saying so).
 */
export function validateDefinitionWith(
  definition: unknown,
  jsonata: JsonataFactory | undefined,
): DefinitionIssue[] {
  const validator = new Validator(definition, jsonata);
  try {
    validator.run();
  } catch (error) {
    // Only a hostile object (a throwing getter, a revoked proxy) gets here: report, never throw.
    validator.report(undefined, `could not be validated: ${messageOf(error)}`);
  }
  return validator.result();
}

/** Returns the definition typed, or throws DefinitionError listing every issue. */
export function assertValidDefinitionWith(
  definition: unknown,
  jsonata: JsonataFactory | undefined,
): StateMachineDefinition {
  const issues = validateDefinitionWith(definition, jsonata);
  if (issues.length > 0) throw new DefinitionError(issues);
  return definition as StateMachineDefinition;
}

/** Formats issues one per line as `<pointer>: <message>` (the root pointer shows as `/`). */
export function formatIssues(issues: readonly DefinitionIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Limits and vocabularies
// ---------------------------------------------------------------------------------------------

/** Deepest JSON nesting inspected; deeper input is reported, not walked (no stack overflow). */
export const MAX_DEPTH = 128;
/** Most JSON nodes inspected; bounds the work even on inputs that share subtrees. */
export const MAX_NODES = 1_000_000;

const MAX_STATE_NAME_LENGTH = 80;
/** Upper bound Step Functions documents for TimeoutSeconds, HeartbeatSeconds, Seconds, IntervalSeconds, MaxAttempts. */
const MAX_SECONDS = 99_999_999;
/** MaxDelaySeconds must be less than this (developer guide, "Retrying after an error"). */
const MAX_DELAY_SECONDS_EXCLUSIVE = 31_622_401;
/** Guards the walk over a parsed call; intrinsics.ts already refuses more than 10 calls per field. */
const MAX_INTRINSIC_NESTING = 10;

const STATE_TYPES: readonly StateType[] = [
  'Task',
  'Pass',
  'Choice',
  'Wait',
  'Parallel',
  'Map',
  'Succeed',
  'Fail',
];
const STATE_TYPE_SET: ReadonlySet<string> = new Set(STATE_TYPES);

/** The intrinsics a Fail state's ErrorPath and CausePath accept: those that return a string. */
const STRING_INTRINSICS: ReadonlySet<string> = new Set([
  'States.Format',
  'States.JsonToString',
  'States.ArrayGetItem',
  'States.Base64Encode',
  'States.Base64Decode',
  'States.Hash',
  'States.UUID',
]);

const TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set([
  'Comment',
  'StartAt',
  'States',
  'Version',
  'TimeoutSeconds',
  'QueryLanguage',
]);
const BRANCH_FIELDS: ReadonlySet<string> = new Set(['Comment', 'StartAt', 'States']);
const ITEM_PROCESSOR_FIELDS: ReadonlySet<string> = new Set([...BRANCH_FIELDS, 'ProcessorConfig']);
const RETRIER_FIELDS: ReadonlySet<string> = new Set([
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
]);
const CATCHER_FIELDS: ReadonlySet<string> = new Set(['ErrorEquals', 'Next', 'ResultPath', 'Comment']);
const COMPENSATE_FIELDS: ReadonlySet<string> = new Set([
  'Resource',
  'InputPath',
  'Parameters',
  'Retry',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'Comment',
]);

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const IO = ['InputPath', 'OutputPath'];
const TRANSITION = ['Next', 'End'];

/** The fields each state type allows in JSONPath mode (Compensate is Baton's). */
const STATE_FIELDS: { readonly [T in StateType]: ReadonlySet<string> } = {
  Task: new Set([
    ...COMMON,
    ...IO,
    ...TRANSITION,
    'Resource',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
    'Compensate',
  ]),
  Pass: new Set([...COMMON, ...IO, ...TRANSITION, 'Result', 'Parameters', 'ResultPath']),
  Choice: new Set([...COMMON, ...IO, 'Choices', 'Default']),
  Wait: new Set([...COMMON, ...IO, ...TRANSITION, 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath']),
  Parallel: new Set([
    ...COMMON,
    ...IO,
    ...TRANSITION,
    'Branches',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ]),
  Map: new Set([
    ...COMMON,
    ...IO,
    ...TRANSITION,
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'ItemSelector',
    'Parameters',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'Label',
  ]),
  Succeed: new Set([...COMMON, ...IO]),
  Fail: new Set([...COMMON, 'Error', 'ErrorPath', 'Cause', 'CausePath']),
};

/** Every field some state type allows: such a field elsewhere gets a more helpful message. */
const KNOWN_STATE_FIELDS: ReadonlySet<string> = new Set(
  STATE_TYPES.flatMap((type) => [...STATE_FIELDS[type]]),
);

/** The fields each state type allows in JSONata mode (Compensate is Baton's). */
const JSONATA_STATE_FIELDS: { readonly [T in StateType]: ReadonlySet<string> } = {
  Task: new Set([
    ...COMMON,
    ...TRANSITION,
    'Resource',
    'Arguments',
    'Output',
    'Assign',
    'Retry',
    'Catch',
    'TimeoutSeconds',
    'HeartbeatSeconds',
    'Credentials',
    'Compensate',
  ]),
  Pass: new Set([...COMMON, ...TRANSITION, 'Output', 'Assign']),
  Choice: new Set([...COMMON, 'Choices', 'Default', 'Output', 'Assign']),
  Wait: new Set([...COMMON, ...TRANSITION, 'Seconds', 'Timestamp', 'Output', 'Assign']),
  Parallel: new Set([
    ...COMMON,
    ...TRANSITION,
    'Branches',
    'Arguments',
    'Output',
    'Assign',
    'Retry',
    'Catch',
  ]),
  Map: new Set([
    ...COMMON,
    ...TRANSITION,
    'ItemProcessor',
    'Iterator',
    'Items',
    'ItemSelector',
    'MaxConcurrency',
    'Output',
    'Assign',
    'Retry',
    'Catch',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailurePercentage',
    'ToleratedFailureCount',
    'Label',
  ]),
  Succeed: new Set([...COMMON, 'Output']),
  Fail: new Set([...COMMON, 'Error', 'Cause']),
};

/** Fields of JSONPath states only: in a JSONata state, Arguments and Output take their place. */
const JSONPATH_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'Result',
  'ItemsPath',
  'MaxConcurrencyPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
]);

/** Fields of JSONata states only. */
const JSONATA_ONLY_FIELDS: ReadonlySet<string> = new Set(['Arguments', 'Output', 'Items']);

const JSONATA_CATCHER_FIELDS: ReadonlySet<string> = new Set([
  'ErrorEquals',
  'Next',
  'Comment',
  'Assign',
  'Output',
]);
const JSONATA_COMPENSATE_FIELDS: ReadonlySet<string> = new Set([
  'Resource',
  'Arguments',
  'Retry',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'Comment',
]);

/** `$states.errorOutput`, which only a catcher's Output and Assign can read. */
const ERROR_OUTPUT_REFERENCE = /\$states\s*\.\s*errorOutput\b/;
/** A variable name: a letter or underscore, then letters, digits and underscores; `states` is reserved. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Step Functions' limit on a variable name's length. */
const MAX_VARIABLE_NAME_LENGTH = 80;

/** Map fields that only a Distributed Map (`ProcessorConfig.Mode: DISTRIBUTED`) has. */
const DISTRIBUTED_MAP_FIELDS: readonly string[] = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'Label',
];

/**
 * Step Functions' bound on a Distributed Map's MaxConcurrency: up to 10,000 child executions at
 * once (developer guide, "Map state in Distributed mode", MaxConcurrency).
 */
const MAX_DISTRIBUTED_CONCURRENCY = 10_000;
/** A Distributed Map's Label: at most 40 characters (developer guide, "Map state in Distributed mode", Label). */
const MAX_LABEL_LENGTH = 40;

const ITEM_READER_FIELDS: ReadonlySet<string> = new Set([
  'Resource',
  'Parameters',
  'Arguments',
  'ReaderConfig',
]);
const READER_CONFIG_FIELDS: ReadonlySet<string> = new Set([
  'InputType',
  'CSVHeaderLocation',
  'CSVHeaders',
  'CSVDelimiter',
  'ManifestType',
  'Transformation',
  'MaxItems',
  'MaxItemsPath',
]);
const ITEM_BATCHER_FIELDS: ReadonlySet<string> = new Set([
  'MaxItemsPerBatch',
  'MaxItemsPerBatchPath',
  'MaxInputBytesPerBatch',
  'MaxInputBytesPerBatchPath',
  'BatchInput',
]);
const RESULT_WRITER_FIELDS: ReadonlySet<string> = new Set([
  'Resource',
  'Parameters',
  'Arguments',
  'WriterConfig',
]);
const WRITER_CONFIG_FIELDS: ReadonlySet<string> = new Set(['Transformation', 'OutputType']);

/** ReaderConfig.InputType values Baton reads; PARQUET is Step Functions' too, not read by Baton yet. */
const INPUT_TYPES = ['JSON', 'JSONL', 'CSV', 'MANIFEST'] as const;
const CSV_HEADER_LOCATIONS = ['FIRST_ROW', 'GIVEN'] as const;
const CSV_DELIMITERS = ['COMMA', 'PIPE', 'SEMICOLON', 'SPACE', 'TAB'] as const;
const MANIFEST_TYPES = ['ATHENA_DATA', 'S3_INVENTORY'] as const;
const READER_TRANSFORMATIONS = ['NONE', 'LOAD_AND_FLATTEN'] as const;
const WRITER_TRANSFORMATIONS = ['NONE', 'COMPACT', 'FLATTEN'] as const;
const OUTPUT_TYPES = ['JSON', 'JSONL'] as const;
/** Task resources that wait for something outside the call: an Express workflow cannot run them. */
const WAITING_INTEGRATION = /\.(sync(?::2)?|waitForTaskToken)$/;

/** `"A", "B" or "C"`, for a message. */
function oneOf(values: readonly string[]): string {
  const quoted = values.map((value) => `"${value}"`);
  return quoted.length === 1
    ? (quoted[0] as string)
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1] as string}`;
}

const WAIT_DURATION_FIELDS = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'] as const;

const JSONATA_IN_PATH =
  'is a JSONata expression, not a path: {% %} expressions are evaluated only in JSONata states (set "QueryLanguage": "JSONata")';
const TIMESTAMP_FORMAT =
  'must be a timestamp such as 2016-03-14T01:59:00Z (RFC 3339 with an uppercase T, and Z or a numeric offset)';
/** A JSONPath variable reference (`$name`). */
const VARIABLE_REFERENCE = /^\$[A-Za-z_][A-Za-z0-9_]*/;
/** A URI has a scheme (`arn:`, `https:`, ...); the spec constrains nothing else. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

// ---------------------------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------------------------

/**
 * Where a value sits in the definition, as a linked list from the value up to the root (the root
 * itself is `undefined`): sharing parents keeps locating every node O(1).
 */
interface Loc {
  readonly parent: Loc | undefined;
  readonly key: string | number;
  readonly depth: number;
}

function at(parent: Loc | undefined, key: string | number): Loc {
  return { parent, key, depth: parent === undefined ? 1 : parent.depth + 1 };
}

function segmentsOf(loc: Loc | undefined): (string | number)[] {
  const segments: (string | number)[] = [];
  for (let node = loc; node !== undefined; node = node.parent) segments.push(node.key);
  return segments.reverse();
}

/** The RFC 6901 pointer of a location: `~` becomes `~0` and `/` becomes `~1` in each segment. */
function pointerOf(loc: Loc | undefined): string {
  return segmentsOf(loc)
    .map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only plain objects are JSON objects (not Date, Map, class instances). */
function isPlainObject(value: unknown): value is Obj {
  if (!isObject(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** An own field; `undefined` (absent or explicitly undefined, as JS builders produce) means absent. */
function field(obj: Obj, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** The fields of an object that are present (own, and not undefined). */
function presentKeys(obj: Obj): string[] {
  return Object.keys(obj).filter((key) => obj[key] !== undefined);
}

function isJsonata(value: unknown): boolean {
  return isJsonataText(value);
}

/** The message of an error from elsewhere (a path or intrinsic parser), shortened: it may quote the input. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}...` : message;
}

/** A user value quoted for a message, shortened so hostile input cannot bloat the report. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}...` : text);
}

/** Every path argument of a call and of the calls nested in it (at most {@link MAX_INTRINSIC_NESTING} deep). */
function intrinsicPaths(call: IntrinsicCall, depth = 0): string[] {
  if (depth > MAX_INTRINSIC_NESTING) return [];
  return call.args.flatMap((arg) => {
    if (arg.type === 'path') return [arg.path];
    return arg.type === 'call' ? intrinsicPaths(arg, depth + 1) : [];
  });
}

type PathKind = 'path' | 'reference' | 'result';

/** What is wrong with `text` as a path of `kind`; undefined when it is fine. */
function pathProblem(text: string, kind: PathKind, variables: boolean): string | undefined {
  if (isJsonata(text)) return JSONATA_IN_PATH;
  if (isIntrinsicCall(text)) {
    return "must be a path: intrinsic functions are only allowed in payload template fields ending in '.$' (and in a Fail state's ErrorPath and CausePath)";
  }
  const variable = VARIABLE_REFERENCE.exec(text);
  if (variable && !variables) {
    return `reads the variable ${quote(variable[0])}: variables cannot be read in this field`;
  }
  try {
    const path = variable ? `$${text.slice(variable[0].length)}` : text;
    if (kind === 'path') compilePath(path);
    else compileReferencePath(path);
  } catch (error) {
    return messageOf(error);
  }
  if (kind === 'result' && text.startsWith('$$')) {
    return 'must be a reference path into the state input ($...), not into the context object ($$...)';
  }
  return undefined;
}

/** Step Functions' wording for a field of the other query language. */
function onlyFor(language: 'JSONPath' | 'JSONata', key: string, other: 'JSONPath' | 'JSONata'): string {
  return `The QueryLanguage is set to '${language}', but field '${key}' is only supported for the '${other}' QueryLanguage`;
}

function integerMessage(min: 0 | 1): string {
  return min === 1 ? 'must be a positive integer' : 'must be a non-negative integer';
}

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

interface RawIssue {
  readonly loc: Loc | undefined;
  readonly message: string;
}

/** One `States` object: the machine, a Parallel branch or a Map processor. */
interface Scope {
  readonly statesLoc: Loc;
  /** The scope around this one (a Parallel branch's or Map processor's), undefined for the machine. */
  readonly parent: Scope | undefined;
  /** The variables the scope's states assign, with the location of the first Assign of each. */
  readonly assigned: Map<string, Loc>;
  /** Each state's name and location, in document order. */
  readonly names: ReadonlyMap<string, Loc>;
  /** The targets each state can transition to (Next, Default, Choices[].Next, Catch[].Next). */
  readonly edges: Map<string, string[]>;
  startAt: string | undefined;
  hasTerminal: boolean;
  /** Set when some state could not be read, so the graph checks would only add noise. */
  incomplete: boolean;
}

interface Transition {
  readonly loc: Loc;
  readonly target: string;
  readonly scope: Scope;
}

class Validator {
  private readonly issues: RawIssue[] = [];
  private visits = 0;
  /** Set when a limit stopped the walk: the graph checks then see a partial picture and are skipped. */
  private truncated = false;
  private exhausted = false;
  /** The first location of each state name in the whole machine. */
  private readonly stateNames = new Map<string, Loc>();
  private readonly scopes: Scope[] = [];
  private readonly transitions: Transition[] = [];
  private readonly keyIndexes = new WeakMap<object, Map<string, number>>();
  /** The machine's QueryLanguage, which its states inherit. */
  private machineLanguage: 'JSONPath' | 'JSONata' = 'JSONPath';

  constructor(
    private readonly root: unknown,
    private readonly jsonata: JsonataFactory | undefined,
  ) {}

  report(loc: Loc | undefined, message: string): void {
    this.issues.push({ loc, message });
  }

  run(): void {
    this.machine();
    if (!this.truncated) {
      this.checkGraphs();
      this.checkVariableScopes();
    }
  }

  /** The issues in document order (depth-first); issues at the same place keep the order found. */
  result(): DefinitionIssue[] {
    const keyed = this.issues.map((issue, seq) => ({ issue, seq, order: this.safeOrderOf(issue.loc) }));
    keyed.sort((a, b) => compareOrder(a.order, b.order) || a.seq - b.seq);
    return keyed.map(({ issue }) => ({ pointer: pointerOf(issue.loc), message: issue.message }));
  }

  /** Counts a visit and checks the limits; false means: do not look inside this value. */
  private enter(loc: Loc | undefined): boolean {
    if (this.exhausted) return false;
    this.visits += 1;
    if (this.visits > MAX_NODES) {
      this.exhausted = true;
      this.truncated = true;
      this.report(undefined, `is too large to validate (more than ${MAX_NODES} nodes)`);
      return false;
    }
    if (loc !== undefined && loc.depth > MAX_DEPTH) {
      this.truncated = true;
      this.report(loc, `is nested too deeply (more than ${MAX_DEPTH} levels)`);
      return false;
    }
    return true;
  }

  // ----- structure --------------------------------------------------------------------------

  private machine(): void {
    const definition = this.root;
    if (!this.enter(undefined)) return;
    if (!isObject(definition)) {
      this.report(undefined, 'must be a JSON object (a state machine definition)');
      return;
    }
    this.unknownFields(definition, undefined, TOP_LEVEL_FIELDS);
    this.comment(definition, undefined);
    const version = field(definition, 'Version');
    if (version !== undefined && typeof version !== 'string') {
      this.report(at(undefined, 'Version'), 'must be a string');
    }
    const timeout = field(definition, 'TimeoutSeconds');
    if (timeout !== undefined) this.integer(timeout, at(undefined, 'TimeoutSeconds'), 1);
    this.queryLanguage(definition, undefined);
    if (field(definition, 'QueryLanguage') === 'JSONata') this.machineLanguage = 'JSONata';
    this.scope(definition, undefined, undefined);
  }

  /** StartAt and States of the machine, a Parallel branch or a Map processor. */
  private scope(body: Obj, loc: Loc | undefined, parent: Scope | undefined): void {
    const statesLoc = at(loc, 'States');
    const states = field(body, 'States');
    const names = new Map<string, Loc>();
    const scope: Scope = {
      statesLoc,
      parent,
      assigned: new Map(),
      names,
      edges: new Map(),
      startAt: undefined,
      hasTerminal: false,
      incomplete: false,
    };
    if (states === undefined) {
      this.report(statesLoc, 'is required');
    } else if (!isObject(states)) {
      this.report(statesLoc, 'must be an object whose fields are the states');
    } else {
      for (const name of presentKeys(states)) names.set(name, at(statesLoc, name));
      if (names.size === 0) this.report(statesLoc, 'must have at least one state');
    }

    const startAtLoc = at(loc, 'StartAt');
    const startAt = field(body, 'StartAt');
    if (startAt === undefined) this.report(startAtLoc, 'is required');
    else if (typeof startAt !== 'string') this.report(startAtLoc, 'must be a string (the name of a state)');
    else if (names.has(startAt)) scope.startAt = startAt;
    else if (isObject(states)) this.report(startAtLoc, `no state named ${quote(startAt)} in States`);

    this.scopes.push(scope);
    if (!isObject(states) || !this.enter(statesLoc)) return;
    for (const [name, stateLoc] of names) this.state(states[name], stateLoc, name, scope);
  }

  private stateName(name: string, loc: Loc): void {
    if (name.length === 0) {
      this.report(loc, 'state name must not be empty');
    } else if (name.length > MAX_STATE_NAME_LENGTH) {
      // Unicode characters, so count code points, not UTF-16 units.
      const length = Array.from(name).length;
      if (length > MAX_STATE_NAME_LENGTH) {
        this.report(
          loc,
          `state name must be at most ${MAX_STATE_NAME_LENGTH} characters long (it has ${length})`,
        );
      }
    }
    const first = this.stateNames.get(name);
    if (first === undefined) {
      this.stateNames.set(name, loc);
    } else {
      this.report(
        loc,
        `state name ${quote(name)} is already used at ${pointerOf(first)}: state names must be unique across the whole state machine, Parallel branches and Map processors included`,
      );
    }
  }

  private state(value: unknown, loc: Loc, name: string, scope: Scope): void {
    if (!this.enter(loc)) return;
    this.stateName(name, loc);
    if (!isObject(value)) {
      this.report(loc, 'must be an object (a state)');
      scope.incomplete = true;
      return;
    }
    const type = field(value, 'Type');
    const typeLoc = at(loc, 'Type');
    if (type === undefined || typeof type !== 'string' || !STATE_TYPE_SET.has(type)) {
      this.report(typeLoc, type === undefined ? 'is required' : `must be one of ${STATE_TYPES.join(', ')}`);
      scope.incomplete = true;
      return;
    }
    const stateType = type as StateType;
    this.comment(value, loc);
    this.queryLanguage(value, loc);
    const ownLanguage = field(value, 'QueryLanguage');
    if (this.machineLanguage === 'JSONata' && ownLanguage === 'JSONPath') {
      this.report(
        at(loc, 'QueryLanguage'),
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine (a JSONata state machine cannot have JSONPath states)",
      );
    }
    const jsonata =
      ownLanguage === 'JSONata' || (ownLanguage === undefined && this.machineLanguage === 'JSONata');
    if (jsonata) {
      this.stateFields(value, loc, stateType, true);
      this.jsonataState(value, loc, name, scope, stateType);
      return;
    }
    this.stateFields(value, loc, stateType, false);
    if (stateType !== 'Succeed' && stateType !== 'Fail') this.assign(value, loc, false, scope);
    switch (stateType) {
      case 'Task':
        return this.task(value, loc, name, scope);
      case 'Pass':
        return this.pass(value, loc, name, scope);
      case 'Choice':
        return this.choice(value, loc, name, scope);
      case 'Wait':
        return this.wait(value, loc, name, scope);
      case 'Parallel':
        return this.parallel(value, loc, name, scope);
      case 'Map':
        return this.map(value, loc, name, scope);
      case 'Succeed':
        this.inputOutput(value, loc);
        scope.hasTerminal = true;
        return;
      case 'Fail':
        this.fail(value, loc);
        scope.hasTerminal = true;
        return;
    }
  }

  /** Reports every field the state's type does not allow, naming the reason when it is known. */
  private stateFields(state: Obj, loc: Loc, type: StateType, jsonata: boolean): void {
    const allowed = jsonata ? JSONATA_STATE_FIELDS[type] : STATE_FIELDS[type];
    for (const key of presentKeys(state)) {
      if (allowed.has(key)) continue;
      if (!jsonata && key === 'Assign' && type !== 'Succeed' && type !== 'Fail') continue;
      const keyLoc = at(loc, key);
      if (jsonata && JSONPATH_ONLY_FIELDS.has(key)) {
        this.report(
          keyLoc,
          `${onlyFor('JSONata', key, 'JSONPath')} (a JSONata state uses Arguments, Output and {% %} expressions)`,
        );
      } else if (!jsonata && JSONATA_ONLY_FIELDS.has(key) && JSONATA_STATE_FIELDS[type].has(key)) {
        this.report(
          keyLoc,
          `${onlyFor('JSONPath', key, 'JSONata')}: set "QueryLanguage": "JSONata" on the state or the state machine to use it`,
        );
      } else if (key === 'Assign') {
        this.report(keyLoc, `unknown field (${type} states cannot assign variables)`);
      } else if (key === 'Compensate') {
        this.report(
          keyLoc,
          "unknown field (Compensate, Baton's saga extension, is only allowed on Task states)",
        );
      } else if (KNOWN_STATE_FIELDS.has(key)) {
        this.report(keyLoc, `unknown field (not allowed on ${type} states)`);
      } else {
        this.report(keyLoc, 'unknown field');
      }
    }
  }

  private unknownFields(obj: Obj, loc: Loc | undefined, allowed: ReadonlySet<string>): void {
    for (const key of presentKeys(obj)) {
      if (!allowed.has(key)) this.report(at(loc, key), 'unknown field');
    }
  }

  // ----- states -----------------------------------------------------------------------------

  private task(state: Obj, loc: Loc, name: string, scope: Scope): void {
    this.nextOrEnd(state, loc, name, scope);
    this.inputOutput(state, loc);
    this.resource(state, loc);
    this.optionalTemplate(state, loc, 'Parameters');
    this.optionalTemplate(state, loc, 'ResultSelector');
    this.resultPath(state, loc);
    this.retry(state, loc);
    this.catch(state, loc, name, scope);
    this.timeouts(state, loc, true);
    this.optionalTemplate(state, loc, 'Credentials');
    const compensate = field(state, 'Compensate');
    if (compensate !== undefined) this.compensate(compensate, at(loc, 'Compensate'));
  }

  private pass(state: Obj, loc: Loc, name: string, scope: Scope): void {
    this.nextOrEnd(state, loc, name, scope);
    this.inputOutput(state, loc);
    this.optionalTemplate(state, loc, 'Parameters');
    this.resultPath(state, loc);
    const result = field(state, 'Result');
    if (result !== undefined) this.json(result, at(loc, 'Result'), false);
  }

  private wait(state: Obj, loc: Loc, name: string, scope: Scope): void {
    this.nextOrEnd(state, loc, name, scope);
    this.inputOutput(state, loc);
    const present = WAIT_DURATION_FIELDS.filter((key) => field(state, key) !== undefined);
    const [first, ...extra] = present;
    if (first === undefined) {
      this.report(loc, 'must have exactly one of Seconds, Timestamp, SecondsPath or TimestampPath');
    }
    for (const key of extra) this.report(at(loc, key), `cannot be used together with ${String(first)}`);

    const seconds = field(state, 'Seconds');
    if (seconds !== undefined) this.integer(seconds, at(loc, 'Seconds'), 0, MAX_SECONDS);
    const timestamp = field(state, 'Timestamp');
    if (timestamp !== undefined) this.timestamp(timestamp, at(loc, 'Timestamp'));
    for (const key of ['SecondsPath', 'TimestampPath']) {
      const path = field(state, key);
      if (path !== undefined) this.path(path, at(loc, key), 'reference', false);
    }
  }

  private choice(state: Obj, loc: Loc, name: string, scope: Scope): void {
    this.inputOutput(state, loc);
    const choicesLoc = at(loc, 'Choices');
    const choices = field(state, 'Choices');
    if (choices === undefined) {
      this.report(choicesLoc, 'is required');
    } else if (!Array.isArray(choices) || choices.length === 0) {
      this.report(choicesLoc, 'must be a non-empty array of Choice rules');
      scope.incomplete = true;
    } else if (this.enter(choicesLoc)) {
      for (let i = 0; i < choices.length; i += 1) {
        this.choiceRule(choices[i], at(choicesLoc, i), true, name, scope);
      }
    }
    const fallback = field(state, 'Default');
    if (fallback !== undefined) this.transition(fallback, at(loc, 'Default'), name, scope);
  }

  /** A Choice rule: a comparison (Variable and one operator) or a combination (And, Or, Not). */
  private choiceRule(rule: unknown, loc: Loc, topLevel: boolean, from: string, scope: Scope): void {
    if (!this.enter(loc)) return;
    if (!isObject(rule)) {
      this.report(loc, 'must be an object (a Choice rule)');
      if (topLevel) scope.incomplete = true;
      return;
    }
    let kind: string | undefined;
    for (const key of presentKeys(rule)) {
      const keyLoc = at(loc, key);
      if (key === 'Variable' || key === 'Comment') continue;
      if (key === 'Next') {
        if (!topLevel) {
          this.report(keyLoc, 'only top-level Choice rules can have Next (not rules inside And, Or or Not)');
        }
      } else if (key === 'And' || key === 'Or' || key === 'Not' || isChoiceComparisonOperator(key)) {
        if (kind === undefined) {
          kind = key;
        } else {
          this.report(
            keyLoc,
            `cannot be used together with ${kind}: a Choice rule has exactly one comparison operator, or one of And, Or, Not`,
          );
        }
      } else if (key === 'Condition' || key === 'Output') {
        this.report(
          keyLoc,
          `${onlyFor('JSONPath', key, 'JSONata')}: set "QueryLanguage": "JSONata" on the state or the state machine to use it`,
        );
      } else if (key === 'Assign') {
        if (!topLevel)
          this.report(
            keyLoc,
            'only top-level Choice rules can have Assign (not rules inside And, Or or Not)',
          );
        else this.assign(rule, loc, false, scope);
      } else {
        this.report(keyLoc, 'unknown field');
      }
    }
    if (topLevel) {
      const next = field(rule, 'Next');
      if (next === undefined) this.report(at(loc, 'Next'), 'is required');
      else this.transition(next, at(loc, 'Next'), from, scope);
    }
    this.comment(rule, loc);

    const variableLoc = at(loc, 'Variable');
    const variable = field(rule, 'Variable');
    if (kind === undefined) {
      this.report(loc, 'must have a comparison operator (with Variable), or one of And, Or, Not');
      if (variable !== undefined) this.path(variable, variableLoc, 'reference', false);
      return;
    }
    if (kind === 'And' || kind === 'Or' || kind === 'Not') {
      if (variable !== undefined) this.report(variableLoc, `is not allowed with ${kind}`);
      const kindLoc = at(loc, kind);
      const operand = rule[kind];
      if (kind === 'Not') {
        this.choiceRule(operand, kindLoc, false, from, scope);
      } else if (!Array.isArray(operand) || operand.length === 0) {
        this.report(kindLoc, 'must be a non-empty array of Choice rules');
      } else if (this.enter(kindLoc)) {
        for (let i = 0; i < operand.length; i += 1) {
          this.choiceRule(operand[i], at(kindLoc, i), false, from, scope);
        }
      }
      return;
    }
    if (variable === undefined) this.report(variableLoc, 'is required');
    else this.path(variable, variableLoc, 'reference', false);
    this.operand(kind, rule[kind], at(loc, kind));
  }

  /** Checks a comparison operator's value against the operand type choice.ts declares for it. */
  private operand(operator: string, value: unknown, loc: Loc): void {
    switch (choiceOperandType(operator)) {
      case 'string':
        if (typeof value !== 'string') {
          this.report(loc, 'must be a string');
        } else if (operator === 'StringMatches' && !isValidStringMatchesPattern(value)) {
          this.report(loc, "is not a valid pattern: a backslash must escape '*' or another backslash");
        }
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) this.report(loc, 'must be a number');
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.report(loc, 'must be a boolean');
        return;
      case 'is':
        if (typeof value !== 'boolean') this.report(loc, 'must be a boolean (true or false)');
        return;
      case 'timestamp':
        this.timestamp(value, loc);
        return;
      case 'path':
        this.path(value, loc, 'reference', false);
        return;
      case undefined:
        return;
    }
  }

  private parallel(state: Obj, loc: Loc, name: string, scope: Scope): void {
    this.nextOrEnd(state, loc, name, scope);
    this.inputOutput(state, loc);
    this.optionalTemplate(state, loc, 'Parameters');
    this.optionalTemplate(state, loc, 'ResultSelector');
    this.resultPath(state, loc);
    this.retry(state, loc);
    this.catch(state, loc, name, scope);
    const branchesLoc = at(loc, 'Branches');
    const branches = field(state, 'Branches');
    if (branches === undefined) {
      this.report(branchesLoc, 'is required');
    } else if (!Array.isArray(branches) || branches.length === 0) {
      this.report(branchesLoc, 'must be a non-empty array of branches (each with StartAt and States)');
    } else if (this.enter(branchesLoc)) {
      for (let i = 0; i < branches.length; i += 1) {
        this.branch(branches[i], at(branchesLoc, i), BRANCH_FIELDS, scope);
      }
    }
  }

  private map(state: Obj, loc: Loc, name: string, scope: Scope): void {
    this.nextOrEnd(state, loc, name, scope);
    this.inputOutput(state, loc);
    this.optionalTemplate(state, loc, 'ResultSelector');
    this.resultPath(state, loc);
    this.retry(state, loc);
    this.catch(state, loc, name, scope);
    const distributed = this.mapProcessor(state, loc, scope);

    const itemsPath = field(state, 'ItemsPath');
    if (itemsPath !== undefined) this.path(itemsPath, at(loc, 'ItemsPath'), 'reference', false);
    this.optionalTemplate(state, loc, 'ItemSelector');
    this.optionalTemplate(state, loc, 'Parameters');
    if (field(state, 'ItemSelector') !== undefined && field(state, 'Parameters') !== undefined) {
      this.report(
        at(loc, 'Parameters'),
        'cannot be used together with ItemSelector (on a Map state, Parameters is the deprecated name of ItemSelector)',
      );
    }
    const maxConcurrency = field(state, 'MaxConcurrency');
    if (maxConcurrency !== undefined) {
      this.integer(
        maxConcurrency,
        at(loc, 'MaxConcurrency'),
        0,
        distributed ? MAX_DISTRIBUTED_CONCURRENCY : undefined,
      );
    }
    const maxConcurrencyPath = field(state, 'MaxConcurrencyPath');
    if (maxConcurrencyPath !== undefined) {
      this.path(maxConcurrencyPath, at(loc, 'MaxConcurrencyPath'), 'reference', false);
      if (maxConcurrency !== undefined) {
        this.report(at(loc, 'MaxConcurrencyPath'), 'cannot be used together with MaxConcurrency');
      }
    }
    this.distributedFields(state, loc, distributed, false);
  }

  /**
   * The ItemProcessor (or legacy Iterator) of a Map, JSONPath or JSONata; true when the Map is
   * distributed. A Distributed Map's processor runs as child executions, a state machine of its
   * own: its scope has no parent, so its variables neither read nor clash with those around it
   * (developer guide, "Passing data between states with variables", variable scope).
   */
  private mapProcessor(state: Obj, loc: Loc, scope: Scope): boolean {
    const processor = field(state, 'ItemProcessor');
    const iterator = field(state, 'Iterator');
    const config = isObject(processor) ? field(processor, 'ProcessorConfig') : undefined;
    const distributed = isObject(config) && field(config, 'Mode') === 'DISTRIBUTED';
    if (processor !== undefined) {
      const processorLoc = at(loc, 'ItemProcessor');
      this.branch(processor, processorLoc, ITEM_PROCESSOR_FIELDS, distributed ? undefined : scope);
      if (
        distributed &&
        isObject(processor) &&
        isObject(config) &&
        field(config, 'ExecutionType') === 'EXPRESS'
      ) {
        this.expressProcessor(processor, processorLoc);
      }
    }
    if (iterator !== undefined) {
      // Both usually means a half-done migration; validating both would report every name twice.
      if (processor !== undefined) {
        this.report(
          at(loc, 'Iterator'),
          'cannot be used together with ItemProcessor (Iterator is its deprecated name)',
        );
      } else {
        this.branch(iterator, at(loc, 'Iterator'), BRANCH_FIELDS, scope);
      }
    }
    if (processor === undefined && iterator === undefined) {
      this.report(at(loc, 'ItemProcessor'), 'is required');
    }
    return distributed;
  }

  /** A Parallel branch, a Map ItemProcessor or a (legacy) Iterator: a scope of its own. */
  private branch(value: unknown, loc: Loc, allowed: ReadonlySet<string>, parent: Scope | undefined): void {
    if (!this.enter(loc)) return;
    if (!isObject(value)) {
      this.report(loc, 'must be an object with StartAt and States');
      return;
    }
    this.unknownFields(value, loc, allowed);
    this.comment(value, loc);
    const config = field(value, 'ProcessorConfig');
    if (config !== undefined && allowed.has('ProcessorConfig')) {
      this.processorConfig(config, at(loc, 'ProcessorConfig'));
    }
    this.scope(value, loc, parent);
  }

  /**
   * ProcessorConfig: Mode INLINE (the default) or DISTRIBUTED; ExecutionType STANDARD or EXPRESS,
   * required with DISTRIBUTED and meaningless without it (developer guide, "ItemProcessor (Map)":
   * "You must provide this field if you specified DISTRIBUTED for the Mode sub-field").
   */
  private processorConfig(config: unknown, loc: Loc): void {
    if (!isObject(config)) {
      this.report(loc, 'must be an object');
      return;
    }
    for (const key of presentKeys(config)) {
      if (key !== 'Mode' && key !== 'ExecutionType') this.report(at(loc, key), 'unknown field');
    }
    const mode = field(config, 'Mode');
    if (mode !== undefined && mode !== 'INLINE' && mode !== 'DISTRIBUTED') {
      this.report(at(loc, 'Mode'), `must be ${oneOf(['INLINE', 'DISTRIBUTED'])}`);
      return;
    }
    const executionType = field(config, 'ExecutionType');
    const typeLoc = at(loc, 'ExecutionType');
    if (mode !== 'DISTRIBUTED') {
      if (executionType !== undefined) {
        this.report(
          typeLoc,
          'is only allowed with Mode "DISTRIBUTED" (an INLINE Map runs its iterations in the execution itself)',
        );
      }
    } else if (executionType === undefined) {
      this.report(typeLoc, 'is required with Mode "DISTRIBUTED": "STANDARD" or "EXPRESS"');
    } else if (executionType !== 'STANDARD' && executionType !== 'EXPRESS') {
      this.report(typeLoc, `must be ${oneOf(['STANDARD', 'EXPRESS'])}`);
    }
  }

  // ----- Distributed Map --------------------------------------------------------------------

  /**
   * ItemReader, ItemBatcher, ResultWriter, Label and the tolerated failure fields: checked on a
   * Distributed Map, and issues on an INLINE one (they need child executions).
   */
  private distributedFields(state: Obj, loc: Loc, distributed: boolean, jsonata: boolean): void {
    const present = DISTRIBUTED_MAP_FIELDS.filter(
      // A JSONata state's Path fields were reported as JSONPath-only already.
      (key) => field(state, key) !== undefined && !(jsonata && key.endsWith('Path')),
    );
    if (!distributed) {
      for (const key of present) {
        this.report(
          at(loc, key),
          `${key} is a Distributed Map field: it needs "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", ...}}`,
        );
      }
      return;
    }
    const reader = field(state, 'ItemReader');
    if (reader !== undefined) this.itemReader(reader, at(loc, 'ItemReader'), jsonata);
    const batcher = field(state, 'ItemBatcher');
    if (batcher !== undefined) this.itemBatcher(batcher, at(loc, 'ItemBatcher'), jsonata);
    const writer = field(state, 'ResultWriter');
    if (writer !== undefined) this.resultWriter(writer, at(loc, 'ResultWriter'), jsonata);
    const label = field(state, 'Label');
    if (label !== undefined) this.label(label, at(loc, 'Label'));
    this.toleratedFailure(state, loc, jsonata);
  }

  /** Unknown fields of a Distributed Map sub-object, and Parameters/Arguments of the wrong language. */
  private subFields(obj: Obj, loc: Loc, allowed: ReadonlySet<string>, jsonata: boolean): void {
    for (const key of presentKeys(obj)) {
      const keyLoc = at(loc, key);
      if (!allowed.has(key)) this.report(keyLoc, 'unknown field');
      else if (jsonata && (key === 'Parameters' || key.endsWith('Path'))) {
        this.report(
          keyLoc,
          `${onlyFor('JSONata', key, 'JSONPath')} (a JSONata state uses Arguments and {% %} expressions)`,
        );
      } else if (!jsonata && key === 'Arguments') {
        this.report(
          keyLoc,
          `${onlyFor('JSONPath', key, 'JSONata')}: set "QueryLanguage": "JSONata" on the state or the state machine to use it`,
        );
      }
    }
  }

  /**
   * The S3 request of an ItemReader or ResultWriter: Parameters (a payload template) in JSONPath,
   * Arguments (JSON with `{% %}` expressions, or one expression) in JSONata, with the fields
   * `required` given literally or, in JSONPath, by a `.$` field.
   */
  private s3Request(obj: Obj, loc: Loc, jsonata: boolean, required: readonly string[]): void {
    const key = jsonata ? 'Arguments' : 'Parameters';
    const request = field(obj, key);
    const requestLoc = at(loc, key);
    if (request === undefined) {
      const other = field(obj, jsonata ? 'Parameters' : 'Arguments');
      if (other === undefined)
        this.report(requestLoc, `is required: the S3 request (${required.join(', ')})`);
      return;
    }
    if (jsonata) {
      if (isJsonata(request)) {
        this.jsonataValue(request, requestLoc);
        return;
      }
      if (!isObject(request)) {
        this.report(requestLoc, 'must be an object or a JSONata expression ({% ... %}) that gives one');
        return;
      }
      this.jsonataValue(request, requestLoc);
    } else {
      if (!isObject(request)) {
        this.report(requestLoc, 'must be an object (a payload template)');
        return;
      }
      this.json(request, requestLoc, true);
    }
    for (const name of required) {
      if (field(request, name) === undefined && (jsonata || field(request, `${name}.$`) === undefined)) {
        this.report(at(requestLoc, name), jsonata ? 'is required' : `is required (or ${name}.$)`);
      }
    }
  }

  /**
   * ItemReader (developer guide, "ItemReader (Map)"): `s3:getObject` reads one object as
   * ReaderConfig.InputType says; `s3:listObjectsV2` lists a bucket (each object an item), or with
   * Transformation LOAD_AND_FLATTEN reads every listed object as InputType.
   */
  private itemReader(value: unknown, loc: Loc, jsonata: boolean): void {
    if (!this.enter(loc)) return;
    if (!isObject(value)) {
      this.report(loc, 'must be an object (Resource, Parameters or Arguments, ReaderConfig)');
      return;
    }
    this.subFields(value, loc, ITEM_READER_FIELDS, jsonata);
    const resource = field(value, 'Resource');
    const resourceLoc = at(loc, 'Resource');
    let action: ItemReaderAction | undefined;
    if (resource === undefined) {
      this.report(resourceLoc, 'is required');
    } else if (typeof resource !== 'string' || (action = itemReaderAction(resource)) === undefined) {
      this.report(
        resourceLoc,
        'must be arn:aws:states:::s3:getObject (items from one object) or arn:aws:states:::s3:listObjectsV2 (the objects of a bucket)',
      );
    }
    this.s3Request(value, loc, jsonata, action === 's3:getObject' ? ['Bucket', 'Key'] : ['Bucket']);
    this.readerConfig(field(value, 'ReaderConfig'), at(loc, 'ReaderConfig'), action, jsonata);
  }

  private readerConfig(
    config: unknown,
    loc: Loc,
    action: ItemReaderAction | undefined,
    jsonata: boolean,
  ): void {
    const inputTypeRequired =
      'is required with s3:getObject: it says how to read the object ("JSON", "JSONL", "CSV" or "MANIFEST")';
    if (config === undefined) {
      if (action === 's3:getObject') this.report(at(loc, 'InputType'), inputTypeRequired);
      return;
    }
    if (!this.enter(loc)) return;
    if (!isObject(config)) {
      this.report(loc, 'must be an object');
      return;
    }
    this.subFields(config, loc, READER_CONFIG_FIELDS, jsonata);
    const inputType = this.enumField(config, loc, 'InputType', INPUT_TYPES, {
      PARQUET: 'InputType "PARQUET" is not supported yet: Baton reads JSON, JSONL, CSV and MANIFEST items',
    });
    const inputTypeLoc = at(loc, 'InputType');
    this.enumField(config, loc, 'Transformation', READER_TRANSFORMATIONS);
    const flatten = field(config, 'Transformation') === 'LOAD_AND_FLATTEN';
    if (action === 's3:getObject') {
      if (field(config, 'InputType') === undefined) this.report(inputTypeLoc, inputTypeRequired);
      if (field(config, 'Transformation') !== undefined) {
        this.report(at(loc, 'Transformation'), 'is only allowed with arn:aws:states:::s3:listObjectsV2');
      }
    } else if (action === 's3:listObjectsV2') {
      if (field(config, 'InputType') !== undefined && !flatten) {
        this.report(
          inputTypeLoc,
          'is only allowed with s3:listObjectsV2 when Transformation is "LOAD_AND_FLATTEN" (it is then the format of each listed object)',
        );
      } else if (flatten && field(config, 'InputType') === undefined) {
        this.report(
          inputTypeLoc,
          'is required with Transformation "LOAD_AND_FLATTEN": the format of each listed object',
        );
      } else if (flatten && inputType === 'MANIFEST') {
        this.report(
          inputTypeLoc,
          'cannot be "MANIFEST" with s3:listObjectsV2: a manifest is read with s3:getObject',
        );
      }
    }

    // CSV options need InputType CSV; ManifestType needs MANIFEST.
    const csvOnly = (key: string): boolean => {
      if (field(config, key) === undefined) return false;
      if (inputType !== undefined && inputType !== 'CSV') {
        this.report(at(loc, key), 'is only allowed with InputType "CSV"');
        return false;
      }
      return true;
    };
    if (csvOnly('CSVHeaderLocation')) this.enumField(config, loc, 'CSVHeaderLocation', CSV_HEADER_LOCATIONS);
    if (csvOnly('CSVDelimiter')) this.enumField(config, loc, 'CSVDelimiter', CSV_DELIMITERS);
    const given = field(config, 'CSVHeaderLocation') === 'GIVEN';
    const headers = field(config, 'CSVHeaders');
    const headersLoc = at(loc, 'CSVHeaders');
    if (csvOnly('CSVHeaders')) {
      if (!given) {
        this.report(headersLoc, 'is only allowed with CSVHeaderLocation "GIVEN"');
      } else if (
        !Array.isArray(headers) ||
        headers.length === 0 ||
        !headers.every((header) => typeof header === 'string')
      ) {
        this.report(headersLoc, 'must be a non-empty array of strings (the column names)');
      }
    } else if (given && headers === undefined && (inputType === undefined || inputType === 'CSV')) {
      this.report(headersLoc, 'is required with CSVHeaderLocation "GIVEN": the column names');
    }
    if (field(config, 'ManifestType') !== undefined) {
      if (inputType !== undefined && inputType !== 'MANIFEST') {
        this.report(at(loc, 'ManifestType'), 'is only allowed with InputType "MANIFEST"');
      } else {
        this.enumField(config, loc, 'ManifestType', MANIFEST_TYPES);
      }
    }

    const maxItems = field(config, 'MaxItems');
    if (maxItems !== undefined) {
      if (jsonata) this.jsonataInteger(maxItems, at(loc, 'MaxItems'), 0);
      else this.integer(maxItems, at(loc, 'MaxItems'), 0);
    }
    const maxItemsPath = field(config, 'MaxItemsPath');
    if (maxItemsPath !== undefined && !jsonata) {
      this.path(maxItemsPath, at(loc, 'MaxItemsPath'), 'reference', false);
      if (maxItems !== undefined)
        this.report(at(loc, 'MaxItemsPath'), 'cannot be used together with MaxItems');
    }
  }

  /**
   * A field whose value is one of `values`; returns it when valid. `unsupported` names values
   * Step Functions has that Baton does not run yet, with the message to report.
   */
  private enumField<T extends string>(
    obj: Obj,
    loc: Loc,
    key: string,
    values: readonly T[],
    unsupported: Readonly<Record<string, string>> = {},
  ): T | undefined {
    const value = field(obj, key);
    if (value === undefined) return undefined;
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    if (typeof value === 'string' && hasOwn(unsupported, value)) {
      this.report(at(loc, key), unsupported[value] as string);
    } else {
      this.report(at(loc, key), `must be ${oneOf(values)}`);
    }
    return undefined;
  }

  /**
   * ItemBatcher (developer guide, "ItemBatcher (Map)"): at least one batch limit; each limit a
   * value or (JSONPath) a Path, not both; the numbers as the runtime's batcher checks them.
   */
  private itemBatcher(value: unknown, loc: Loc, jsonata: boolean): void {
    if (!this.enter(loc)) return;
    if (!isObject(value)) {
      this.report(loc, 'must be an object (MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput)');
      return;
    }
    this.subFields(value, loc, ITEM_BATCHER_FIELDS, jsonata);
    const limits = [
      ['MaxItemsPerBatch', maxItemsPerBatchProblem],
      ['MaxInputBytesPerBatch', maxInputBytesPerBatchProblem],
    ] as const;
    let any = false;
    for (const [key, problemOf] of limits) {
      const limit = field(value, key);
      const path = field(value, `${key}Path`);
      if (limit !== undefined || (path !== undefined && !jsonata)) any = true;
      if (limit !== undefined) {
        if (jsonata && isJsonata(limit)) {
          this.jsonataValue(limit, at(loc, key));
        } else {
          const problem = problemOf(limit);
          if (problem !== undefined) {
            this.report(
              at(loc, key),
              isJsonata(limit)
                ? `${problem} ({% %} expressions are evaluated only in JSONata states)`
                : problem,
            );
          }
        }
      }
      if (path !== undefined && !jsonata) {
        this.path(path, at(loc, `${key}Path`), 'reference', false);
        if (limit !== undefined) this.report(at(loc, `${key}Path`), `cannot be used together with ${key}`);
      }
    }
    if (!any) {
      this.report(
        loc,
        jsonata
          ? 'must have MaxItemsPerBatch or MaxInputBytesPerBatch (at least one batch limit)'
          : 'must have MaxItemsPerBatch or MaxInputBytesPerBatch, or their Path forms (at least one batch limit)',
      );
    }
    const batchInput = field(value, 'BatchInput');
    if (batchInput !== undefined) {
      const batchLoc = at(loc, 'BatchInput');
      if (jsonata) this.jsonataValue(batchInput, batchLoc);
      else if (!isObject(batchInput)) this.report(batchLoc, 'must be an object (a payload template)');
      else this.json(batchInput, batchLoc, true);
    }
  }

  /**
   * ResultWriter (developer guide, "ResultWriter (Map)"): Resource `s3:putObject` with the bucket
   * (and prefix) to write the results to, WriterConfig to shape them, or both; never empty, and a
   * Resource never without its Parameters (Arguments).
   */
  private resultWriter(value: unknown, loc: Loc, jsonata: boolean): void {
    if (!this.enter(loc)) return;
    if (!isObject(value)) {
      this.report(loc, 'must be an object (Resource and Parameters, WriterConfig, or both)');
      return;
    }
    this.subFields(value, loc, RESULT_WRITER_FIELDS, jsonata);
    const resource = field(value, 'Resource');
    const requestKey = jsonata ? 'Arguments' : 'Parameters';
    const request = field(value, 'Parameters') ?? field(value, 'Arguments');
    const writerConfig = field(value, 'WriterConfig');
    if (resource === undefined && request === undefined && writerConfig === undefined) {
      this.report(
        loc,
        `must have Resource and ${requestKey} (to write the results to S3), WriterConfig (to shape them), or both`,
      );
      return;
    }
    if (resource !== undefined) {
      if (typeof resource !== 'string' || !isResultWriterResource(resource)) {
        this.report(at(loc, 'Resource'), 'must be arn:aws:states:::s3:putObject');
      }
      this.s3Request(value, loc, jsonata, ['Bucket']);
    } else if (request !== undefined) {
      this.report(at(loc, 'Resource'), `is required with ${requestKey}: arn:aws:states:::s3:putObject`);
    }
    if (writerConfig !== undefined) {
      const configLoc = at(loc, 'WriterConfig');
      if (!isObject(writerConfig)) {
        this.report(configLoc, 'must be an object (Transformation, OutputType)');
        return;
      }
      this.unknownFields(writerConfig, configLoc, WRITER_CONFIG_FIELDS);
      this.enumField(writerConfig, configLoc, 'Transformation', WRITER_TRANSFORMATIONS);
      this.enumField(writerConfig, configLoc, 'OutputType', OUTPUT_TYPES);
    }
  }

  /** Label: the Map Run's name prefix, at most 40 characters that Step Functions allows in names. */
  private label(value: unknown, loc: Loc): void {
    if (typeof value !== 'string') {
      this.report(loc, 'must be a string');
    } else if (value.length === 0) {
      this.report(loc, 'must not be empty');
    } else if (Array.from(value).length > MAX_LABEL_LENGTH) {
      this.report(
        loc,
        `must be at most ${MAX_LABEL_LENGTH} characters long (it has ${Array.from(value).length})`,
      );
    } else if (!isAllowedName(value)) {
      this.report(
        loc,
        'must not contain whitespace, control characters or any of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /',
      );
    }
  }

  /**
   * ToleratedFailurePercentage (0 to 100) and ToleratedFailureCount (0 or more), each a value or
   * (JSONPath) a Path, not both; JSONata takes a `{% %}` expression for either (developer guide,
   * "Setting failure thresholds for Distributed Map states").
   */
  private toleratedFailure(state: Obj, loc: Loc, jsonata: boolean): void {
    const percentage = field(state, 'ToleratedFailurePercentage');
    const percentageLoc = at(loc, 'ToleratedFailurePercentage');
    if (percentage !== undefined) {
      if (jsonata && isJsonata(percentage)) this.jsonataValue(percentage, percentageLoc);
      else if (
        typeof percentage !== 'number' ||
        !Number.isFinite(percentage) ||
        percentage < 0 ||
        percentage > 100
      ) {
        this.report(percentageLoc, 'must be a number from 0 to 100');
      }
    }
    const count = field(state, 'ToleratedFailureCount');
    if (count !== undefined) {
      if (jsonata) this.jsonataInteger(count, at(loc, 'ToleratedFailureCount'), 0);
      else this.integer(count, at(loc, 'ToleratedFailureCount'), 0);
    }
    if (jsonata) return;
    for (const key of ['ToleratedFailurePercentage', 'ToleratedFailureCount']) {
      const path = field(state, `${key}Path`);
      if (path === undefined) continue;
      this.path(path, at(loc, `${key}Path`), 'reference', false);
      if (field(state, key) !== undefined)
        this.report(at(loc, `${key}Path`), `cannot be used together with ${key}`);
    }
  }

  /**
   * The Task states of an EXPRESS Distributed Map's processor, Parallel branches and inline Maps
   * included. Express workflows support only the Request Response pattern, not `.sync` or
   * `.waitForTaskToken` (developer guide, "Integrating optimized services with Step Functions");
   * and Baton runs EXPRESS children in memory inside the orchestrator, so nothing there may wait
   * for a message of the inbox: no worker, no `baton:waitForEvent`, no nested Distributed Map
   * (whose Map Run ends through the inbox). A STANDARD processor may nest a Distributed Map.
   */
  private expressProcessor(body: Obj, loc: Loc): void {
    if (loc.depth > MAX_DEPTH) return;
    const states = field(body, 'States');
    if (!isObject(states)) return;
    const statesLoc = at(loc, 'States');
    for (const name of presentKeys(states)) {
      const state = states[name];
      if (!isObject(state)) continue;
      const stateLoc = at(statesLoc, name);
      switch (field(state, 'Type')) {
        case 'Task': {
          this.expressTask(state, stateLoc, name);
          const compensate = field(state, 'Compensate');
          if (isObject(compensate)) this.expressTask(compensate, at(stateLoc, 'Compensate'), name);
          break;
        }
        case 'Parallel': {
          const branches = field(state, 'Branches');
          if (!Array.isArray(branches)) break;
          branches.forEach((branch: unknown, index) => {
            if (isObject(branch)) this.expressProcessor(branch, at(at(stateLoc, 'Branches'), index));
          });
          break;
        }
        case 'Map': {
          const processor = field(state, 'ItemProcessor');
          const config = isObject(processor) ? field(processor, 'ProcessorConfig') : undefined;
          if (isObject(config) && field(config, 'Mode') === 'DISTRIBUTED') {
            this.report(
              at(at(at(stateLoc, 'ItemProcessor'), 'ProcessorConfig'), 'Mode'),
              `state ${quote(name)} is a Distributed Map, which an EXPRESS ItemProcessor cannot run: it waits for its Map Run, whose end arrives through the inbox, and EXPRESS children run in memory inside the orchestrator (use ExecutionType STANDARD)`,
            );
            break;
          }
          if (isObject(processor)) this.expressProcessor(processor, at(stateLoc, 'ItemProcessor'));
          const iterator = field(state, 'Iterator');
          if (isObject(iterator)) this.expressProcessor(iterator, at(stateLoc, 'Iterator'));
          break;
        }
      }
    }
  }

  private expressTask(task: Obj, loc: Loc, name: string): void {
    const resource = field(task, 'Resource');
    if (typeof resource !== 'string') return;
    const resourceLoc = at(loc, 'Resource');
    if (resource.startsWith(WORKER_RESOURCE_PREFIX)) {
      this.report(
        resourceLoc,
        `state ${quote(name)} needs ExecutionType STANDARD: a worker's result arrives through the inbox, and EXPRESS children run in memory inside the orchestrator`,
      );
    } else if (resource === WAIT_FOR_EVENT_RESOURCE) {
      this.report(
        resourceLoc,
        `state ${quote(name)} needs ExecutionType STANDARD: an awaited event arrives through the inbox, and EXPRESS children run in memory inside the orchestrator`,
      );
    } else if (INTEGRATION_PREFIX.test(resource) && WAITING_INTEGRATION.test(resource)) {
      this.report(
        resourceLoc,
        `state ${quote(name)} cannot run ${quote(resource)} in an EXPRESS ItemProcessor: Express workflows support only the Request Response integration pattern, not .sync or .waitForTaskToken (use ExecutionType STANDARD)`,
      );
    }
  }

  private fail(state: Obj, loc: Loc): void {
    this.failField(state, loc, 'Error', 'ErrorPath');
    this.failField(state, loc, 'Cause', 'CausePath');
  }

  /** Error/ErrorPath or Cause/CausePath: at most one; the Path form takes a string-returning intrinsic too. */
  private failField(
    state: Obj,
    loc: Loc,
    literalKey: 'Error' | 'Cause',
    pathKey: 'ErrorPath' | 'CausePath',
  ): void {
    const literal = field(state, literalKey);
    const literalLoc = at(loc, literalKey);
    if (literal !== undefined && typeof literal !== 'string') this.report(literalLoc, 'must be a string');
    const path = field(state, pathKey);
    if (path === undefined) return;
    const pathLoc = at(loc, pathKey);
    if (literal !== undefined) this.report(pathLoc, `cannot be used together with ${literalKey}`);
    if (typeof path !== 'string') {
      this.report(pathLoc, 'must be a string (a reference path or an intrinsic function call)');
    } else if (isIntrinsicCall(path)) {
      this.intrinsic(path, pathLoc, STRING_INTRINSICS);
    } else {
      const problem = pathProblem(path, 'reference', true);
      if (problem !== undefined) this.report(pathLoc, problem);
    }
  }

  /** Baton's saga extension: the Task that undoes this one when the saga fails. */
  private compensate(value: unknown, loc: Loc): void {
    if (!this.enter(loc)) return;
    if (!isObject(value)) {
      this.report(
        loc,
        'must be an object (the Task that undoes this one: Resource, InputPath, Parameters, Retry, ...)',
      );
      return;
    }
    this.unknownFields(value, loc, COMPENSATE_FIELDS);
    this.comment(value, loc);
    this.resource(value, loc);
    const inputPath = field(value, 'InputPath');
    if (inputPath !== undefined) this.path(inputPath, at(loc, 'InputPath'), 'path', true, false);
    this.optionalTemplate(value, loc, 'Parameters');
    this.retry(value, loc);
    this.timeouts(value, loc, false);
  }

  // ----- JSONata mode and variables ---------------------------------------------------------

  /** A JSONata state: its fields were checked against the type's JSONata fields already. */
  private jsonataState(state: Obj, loc: Loc, name: string, scope: Scope, type: StateType): void {
    const optional = (key: string): void => {
      const value = field(state, key);
      if (value !== undefined) this.jsonataValue(value, at(loc, key));
    };
    if (type !== 'Fail') optional('Output');
    if (type !== 'Succeed' && type !== 'Fail') this.assign(state, loc, true, scope);
    switch (type) {
      case 'Task': {
        this.nextOrEnd(state, loc, name, scope);
        this.resource(state, loc);
        optional('Arguments');
        optional('Credentials');
        this.retry(state, loc);
        this.catch(state, loc, name, scope, true);
        this.jsonataTimeouts(state, loc);
        const compensate = field(state, 'Compensate');
        if (compensate !== undefined) this.jsonataCompensate(compensate, at(loc, 'Compensate'));
        return;
      }
      case 'Pass':
        this.nextOrEnd(state, loc, name, scope);
        return;
      case 'Choice':
        return this.jsonataChoice(state, loc, name, scope);
      case 'Wait': {
        this.nextOrEnd(state, loc, name, scope);
        const seconds = field(state, 'Seconds');
        const timestamp = field(state, 'Timestamp');
        if (seconds === undefined && timestamp === undefined) {
          this.report(loc, 'must have exactly one of Seconds or Timestamp');
        } else if (seconds !== undefined && timestamp !== undefined) {
          this.report(at(loc, 'Timestamp'), 'cannot be used together with Seconds');
        }
        if (seconds !== undefined) this.jsonataInteger(seconds, at(loc, 'Seconds'), 0, MAX_SECONDS);
        if (timestamp !== undefined) {
          if (isJsonata(timestamp)) this.jsonataValue(timestamp, at(loc, 'Timestamp'));
          else this.timestamp(timestamp, at(loc, 'Timestamp'));
        }
        return;
      }
      case 'Parallel': {
        this.nextOrEnd(state, loc, name, scope);
        optional('Arguments');
        this.retry(state, loc);
        this.catch(state, loc, name, scope, true);
        const branchesLoc = at(loc, 'Branches');
        const branches = field(state, 'Branches');
        if (branches === undefined) {
          this.report(branchesLoc, 'is required');
        } else if (!Array.isArray(branches) || branches.length === 0) {
          this.report(branchesLoc, 'must be a non-empty array of branches (each with StartAt and States)');
        } else if (this.enter(branchesLoc)) {
          for (let i = 0; i < branches.length; i += 1) {
            this.branch(branches[i], at(branchesLoc, i), BRANCH_FIELDS, scope);
          }
        }
        return;
      }
      case 'Map': {
        this.nextOrEnd(state, loc, name, scope);
        this.retry(state, loc);
        this.catch(state, loc, name, scope, true);
        const distributed = this.mapProcessor(state, loc, scope);
        const items = field(state, 'Items');
        if (items !== undefined) {
          if (isJsonata(items) || Array.isArray(items)) this.jsonataValue(items, at(loc, 'Items'));
          else
            this.report(
              at(loc, 'Items'),
              'must be an array or a JSONata expression ({% ... %}) that gives one',
            );
        }
        optional('ItemSelector');
        const maxConcurrency = field(state, 'MaxConcurrency');
        if (maxConcurrency !== undefined) {
          this.jsonataInteger(
            maxConcurrency,
            at(loc, 'MaxConcurrency'),
            0,
            distributed ? MAX_DISTRIBUTED_CONCURRENCY : undefined,
          );
        }
        this.distributedFields(state, loc, distributed, true);
        return;
      }
      case 'Succeed':
        scope.hasTerminal = true;
        return;
      case 'Fail':
        for (const key of ['Error', 'Cause']) {
          const value = field(state, key);
          if (value === undefined) continue;
          if (typeof value !== 'string')
            this.report(at(loc, key), 'must be a string or a JSONata expression');
          else if (isJsonata(value)) this.jsonataValue(value, at(loc, key));
        }
        scope.hasTerminal = true;
        return;
    }
  }

  /** A JSONata Choice state: each rule is a Condition, with Next and optionally Assign and Output. */
  private jsonataChoice(state: Obj, loc: Loc, name: string, scope: Scope): void {
    const choicesLoc = at(loc, 'Choices');
    const choices = field(state, 'Choices');
    if (choices === undefined) {
      this.report(choicesLoc, 'is required');
    } else if (!Array.isArray(choices) || choices.length === 0) {
      this.report(choicesLoc, 'must be a non-empty array of Choice rules');
      scope.incomplete = true;
    } else if (this.enter(choicesLoc)) {
      choices.forEach((rule: unknown, index) => {
        const ruleLoc = at(choicesLoc, index);
        if (!this.enter(ruleLoc)) return;
        if (!isObject(rule)) {
          this.report(ruleLoc, 'must be an object (a Choice rule)');
          scope.incomplete = true;
          return;
        }
        for (const key of presentKeys(rule)) {
          if (
            key === 'Condition' ||
            key === 'Next' ||
            key === 'Comment' ||
            key === 'Assign' ||
            key === 'Output'
          ) {
            continue;
          }
          const keyLoc = at(ruleLoc, key);
          if (
            key === 'Variable' ||
            key === 'And' ||
            key === 'Or' ||
            key === 'Not' ||
            isChoiceComparisonOperator(key)
          ) {
            this.report(
              keyLoc,
              `${onlyFor('JSONata', key, 'JSONPath')}: a JSONata Choice rule has a Condition`,
            );
          } else {
            this.report(keyLoc, 'unknown field');
          }
        }
        const condition = field(rule, 'Condition');
        const conditionLoc = at(ruleLoc, 'Condition');
        if (condition === undefined) this.report(conditionLoc, 'is required');
        else if (isJsonata(condition)) this.jsonataValue(condition, conditionLoc);
        else if (typeof condition !== 'boolean') {
          this.report(
            conditionLoc,
            'must be a JSONata expression ({% ... %}) that gives a boolean, or a boolean',
          );
        }
        const next = field(rule, 'Next');
        if (next === undefined) this.report(at(ruleLoc, 'Next'), 'is required');
        else this.transition(next, at(ruleLoc, 'Next'), name, scope);
        const output = field(rule, 'Output');
        if (output !== undefined) this.jsonataValue(output, at(ruleLoc, 'Output'));
        this.assign(rule, ruleLoc, true, scope);
        this.comment(rule, ruleLoc);
      });
    }
    const fallback = field(state, 'Default');
    if (fallback !== undefined) this.transition(fallback, at(loc, 'Default'), name, scope);
  }

  /** TimeoutSeconds and HeartbeatSeconds of a JSONata Task: integers or expressions. */
  private jsonataTimeouts(obj: Obj, loc: Loc): void {
    const timeout = field(obj, 'TimeoutSeconds');
    const heartbeat = field(obj, 'HeartbeatSeconds');
    const t =
      timeout === undefined
        ? undefined
        : this.jsonataInteger(timeout, at(loc, 'TimeoutSeconds'), 1, MAX_SECONDS);
    const h =
      heartbeat === undefined
        ? undefined
        : this.jsonataInteger(heartbeat, at(loc, 'HeartbeatSeconds'), 1, MAX_SECONDS);
    if (t !== undefined && h !== undefined && h >= t) {
      this.report(at(loc, 'HeartbeatSeconds'), `must be less than TimeoutSeconds (${t})`);
    }
  }

  /** Baton's Compensate on a JSONata Task: Arguments instead of InputPath and Parameters. */
  private jsonataCompensate(value: unknown, loc: Loc): void {
    if (!this.enter(loc)) return;
    if (!isObject(value)) {
      this.report(loc, 'must be an object (the Task that undoes this one: Resource, Arguments, Retry, ...)');
      return;
    }
    for (const key of presentKeys(value)) {
      if (JSONATA_COMPENSATE_FIELDS.has(key)) continue;
      if (key === 'InputPath' || key === 'Parameters') {
        this.report(at(loc, key), `${onlyFor('JSONata', key, 'JSONPath')} (use Arguments)`);
      } else this.report(at(loc, key), 'unknown field');
    }
    this.comment(value, loc);
    this.resource(value, loc);
    const args = field(value, 'Arguments');
    if (args !== undefined) this.jsonataValue(args, at(loc, 'Arguments'));
    this.retry(value, loc);
    this.timeouts(value, loc, false);
  }

  /** An integer field of a JSONata state: an integer in range, or an expression. */
  private jsonataInteger(value: unknown, loc: Loc, min: 0 | 1, max?: number): number | undefined {
    if (isJsonata(value)) {
      this.jsonataValue(value, loc);
      return undefined;
    }
    return this.integer(value, loc, min, max);
  }

  /**
   * A value of a JSONata state's field: any JSON, whose `{% %}` strings must parse, at any depth.
   * A key ending in `.$` is JSONPath's way of marking a path: a JSONata state writes `{% %}` instead.
   */
  private jsonataValue(value: unknown, loc: Loc, errorOutput = false): void {
    if (value === null || typeof value === 'boolean') return;
    if (typeof value === 'string') {
      if (!isJsonata(value)) return;
      const problem = jsonataProblem(value, this.jsonata);
      if (problem !== undefined) this.report(loc, messageOf(new Error(problem)));
      else if (!errorOutput && ERROR_OUTPUT_REFERENCE.test(value)) {
        this.report(
          loc,
          "Reference to '$states.errorOutput' is not supported here: it is set only in a catcher's Output and Assign",
        );
      }
      return;
    }
    const node = this.jsonNode(value, loc);
    if (node === undefined) return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) this.jsonataValue(node[i], at(loc, i), errorOutput);
      return;
    }
    for (const key of Object.keys(node)) {
      const childLoc = at(loc, key);
      if (key.endsWith('.$')) {
        this.report(
          childLoc,
          "a key ending in '.$' is JSONPath's payload template syntax, not allowed in a JSONata state: write the value as a {% %} expression",
        );
        continue;
      }
      const child = node[key];
      if (child === undefined) this.report(childLoc, 'is not a JSON value (undefined)');
      else this.jsonataValue(child, childLoc, errorOutput);
    }
  }

  /**
   * The Assign of a state, Choice rule or catcher, if present: an object whose keys name the
   * variables (JSONPath: a `.$` suffix makes the value a path or intrinsic, as in Parameters).
   */
  private assign(obj: Obj, loc: Loc, jsonata: boolean, scope: Scope, errorOutput = false): void {
    const assign = field(obj, 'Assign');
    if (assign === undefined) return;
    const assignLoc = at(loc, 'Assign');
    if (!isObject(assign)) {
      this.report(assignLoc, 'must be an object: the names of the variables to assign, and their values');
      return;
    }
    if (jsonata) this.jsonataValue(assign, assignLoc, errorOutput);
    else this.json(assign, assignLoc, true);
    for (const key of presentKeys(assign)) {
      const name = !jsonata && key.endsWith('.$') ? key.slice(0, -2) : key;
      const keyLoc = at(assignLoc, key);
      if (jsonata && key.endsWith('.$')) continue; // reported by jsonataValue
      if (!VARIABLE_NAME.test(name)) {
        this.report(
          keyLoc,
          `${quote(name)} is not a valid variable name: a letter or underscore, then letters, digits or underscores`,
        );
      } else if (name === 'states') {
        this.report(keyLoc, '"states" is reserved: $states holds the state\'s input, result and context');
      } else if (name.length > MAX_VARIABLE_NAME_LENGTH) {
        this.report(keyLoc, `a variable name has at most ${MAX_VARIABLE_NAME_LENGTH} characters`);
      } else if (!scope.assigned.has(name)) {
        scope.assigned.set(name, keyLoc);
      }
    }
  }

  /** A Parallel branch or Map iteration reads the variables of the scopes around it, and cannot assign them. */
  private checkVariableScopes(): void {
    for (const scope of this.scopes) {
      for (const [name, loc] of scope.assigned) {
        for (let outer = scope.parent; outer !== undefined; outer = outer.parent) {
          const first = outer.assigned.get(name);
          if (first === undefined) continue;
          this.report(
            loc,
            `cannot assign the variable ${quote(name)}, which an enclosing scope assigns (${pointerOf(first)}): a Parallel branch or Map iteration reads the variables around it but cannot assign them`,
          );
          break;
        }
      }
    }
  }

  // ----- shared fields ----------------------------------------------------------------------

  /** Exactly one of Next and `End: true`, for Task, Pass, Wait, Parallel and Map. */
  private nextOrEnd(state: Obj, loc: Loc, name: string, scope: Scope): void {
    const next = field(state, 'Next');
    const end = field(state, 'End');
    const endLoc = at(loc, 'End');
    if (end !== undefined) {
      if (end !== true) {
        this.report(endLoc, 'must be true (to continue to another state, use Next instead)');
        scope.incomplete = true;
      } else if (next !== undefined) {
        this.report(endLoc, 'cannot be used together with Next');
      } else {
        scope.hasTerminal = true;
      }
    }
    if (next !== undefined) {
      this.transition(next, at(loc, 'Next'), name, scope);
    } else if (end === undefined) {
      this.report(loc, 'must have either Next or End: true');
      scope.incomplete = true;
    }
  }

  /** A Next or Default: recorded now, checked once every state name of the machine is known. */
  private transition(target: unknown, loc: Loc, from: string, scope: Scope): void {
    if (typeof target !== 'string') {
      this.report(loc, 'must be a string (the name of a state)');
      scope.incomplete = true;
      return;
    }
    const targets = scope.edges.get(from);
    if (targets === undefined) scope.edges.set(from, [target]);
    else targets.push(target);
    this.transitions.push({ loc, target, scope });
  }

  private inputOutput(state: Obj, loc: Loc): void {
    for (const key of IO) {
      const path = field(state, key);
      // A variable can be read here too (`"InputPath": "$total"`), as LocalStack's AWS-recorded
      // snapshots show (tests/aws/services/stepfunctions/v2/assign, BASE_REFERENCE_IN_INPUTPATH).
      if (path !== undefined) this.path(path, at(loc, key), 'path', true, true);
    }
  }

  private resultPath(obj: Obj, loc: Loc): void {
    const path = field(obj, 'ResultPath');
    if (path !== undefined) this.path(path, at(loc, 'ResultPath'), 'result', true, false);
  }

  private resource(obj: Obj, loc: Loc): void {
    const resourceLoc = at(loc, 'Resource');
    const resource = field(obj, 'Resource');
    if (resource === undefined) {
      this.report(resourceLoc, 'is required');
    } else if (typeof resource !== 'string') {
      this.report(resourceLoc, 'must be a string (a URI, such as an ARN)');
    } else if (!URI.test(resource)) {
      this.report(
        resourceLoc,
        `must be a URI, such as arn:aws:states:::lambda:invoke (${quote(resource)} has no scheme)`,
      );
    }
  }

  /** TimeoutSeconds and HeartbeatSeconds (and, on a Task, their Path forms). */
  private timeouts(obj: Obj, loc: Loc, withPaths: boolean): void {
    const values: (number | undefined)[] = [];
    for (const key of ['TimeoutSeconds', 'HeartbeatSeconds']) {
      const value = field(obj, key);
      values.push(value === undefined ? undefined : this.integer(value, at(loc, key), 1, MAX_SECONDS));
      if (!withPaths) continue;
      const pathKey = `${key}Path`;
      const path = field(obj, pathKey);
      if (path === undefined) continue;
      this.path(path, at(loc, pathKey), 'reference', false);
      if (value !== undefined) this.report(at(loc, pathKey), `cannot be used together with ${key}`);
    }
    const [timeout, heartbeat] = values;
    if (timeout !== undefined && heartbeat !== undefined && heartbeat >= timeout) {
      this.report(at(loc, 'HeartbeatSeconds'), `must be less than TimeoutSeconds (${timeout})`);
    }
  }

  private retry(obj: Obj, loc: Loc): void {
    const retryLoc = at(loc, 'Retry');
    const retriers = field(obj, 'Retry');
    if (retriers === undefined) return;
    if (!Array.isArray(retriers)) {
      this.report(retryLoc, 'must be an array of retriers');
      return;
    }
    if (!this.enter(retryLoc)) return;
    for (let i = 0; i < retriers.length; i += 1) {
      this.retrier(retriers[i], at(retryLoc, i), i === retriers.length - 1);
    }
  }

  private retrier(retrier: unknown, loc: Loc, last: boolean): void {
    if (!this.enter(loc)) return;
    if (!isObject(retrier)) {
      this.report(loc, 'must be an object (a retrier)');
      return;
    }
    this.unknownFields(retrier, loc, RETRIER_FIELDS);
    this.errorEquals(retrier, loc, last, 'retrier');
    const interval = field(retrier, 'IntervalSeconds');
    if (interval !== undefined) this.integer(interval, at(loc, 'IntervalSeconds'), 1, MAX_SECONDS);
    const maxAttempts = field(retrier, 'MaxAttempts');
    if (maxAttempts !== undefined) this.integer(maxAttempts, at(loc, 'MaxAttempts'), 0, MAX_SECONDS);
    const backoff = field(retrier, 'BackoffRate');
    if (backoff !== undefined) {
      if (typeof backoff !== 'number' || !Number.isFinite(backoff)) {
        this.report(at(loc, 'BackoffRate'), 'must be a number');
      } else if (backoff < 1) {
        this.report(at(loc, 'BackoffRate'), 'must be >= 1.0');
      }
    }
    const maxDelay = field(retrier, 'MaxDelaySeconds');
    if (maxDelay !== undefined) {
      this.integer(
        maxDelay,
        at(loc, 'MaxDelaySeconds'),
        1,
        MAX_DELAY_SECONDS_EXCLUSIVE - 1,
        `must be less than ${MAX_DELAY_SECONDS_EXCLUSIVE}`,
      );
    }
    const jitter = field(retrier, 'JitterStrategy');
    if (jitter !== undefined && jitter !== 'FULL' && jitter !== 'NONE') {
      this.report(at(loc, 'JitterStrategy'), 'must be "FULL" or "NONE"');
    }
    this.comment(retrier, loc);
  }

  private catch(state: Obj, loc: Loc, from: string, scope: Scope, jsonata = false): void {
    const catchLoc = at(loc, 'Catch');
    const catchers = field(state, 'Catch');
    if (catchers === undefined) return;
    if (!Array.isArray(catchers)) {
      this.report(catchLoc, 'must be an array of catchers');
      scope.incomplete = true;
      return;
    }
    if (!this.enter(catchLoc)) return;
    for (let i = 0; i < catchers.length; i += 1) {
      this.catcher(catchers[i], at(catchLoc, i), i === catchers.length - 1, from, scope, jsonata);
    }
  }

  private catcher(
    catcher: unknown,
    loc: Loc,
    last: boolean,
    from: string,
    scope: Scope,
    jsonata: boolean,
  ): void {
    if (!this.enter(loc)) return;
    if (!isObject(catcher)) {
      this.report(loc, 'must be an object (a catcher)');
      scope.incomplete = true;
      return;
    }
    for (const key of presentKeys(catcher)) {
      if (jsonata ? JSONATA_CATCHER_FIELDS.has(key) : CATCHER_FIELDS.has(key) || key === 'Assign') continue;
      if (jsonata && key === 'ResultPath') {
        this.report(at(loc, key), `${onlyFor('JSONata', 'ResultPath', 'JSONPath')} (use Output)`);
      } else if (!jsonata && key === 'Output') {
        this.report(
          at(loc, key),
          `${onlyFor('JSONPath', 'Output', 'JSONata')}: set "QueryLanguage": "JSONata" on the state or the state machine to use it`,
        );
      } else this.report(at(loc, key), 'unknown field');
    }
    this.errorEquals(catcher, loc, last, 'catcher');
    const next = field(catcher, 'Next');
    if (next === undefined) this.report(at(loc, 'Next'), 'is required');
    else this.transition(next, at(loc, 'Next'), from, scope);
    if (jsonata) {
      const output = field(catcher, 'Output');
      if (output !== undefined) this.jsonataValue(output, at(loc, 'Output'), true);
    } else {
      this.resultPath(catcher, loc);
    }
    this.assign(catcher, loc, jsonata, scope, true);
    this.comment(catcher, loc);
  }

  private errorEquals(obj: Obj, loc: Loc, last: boolean, kind: 'retrier' | 'catcher'): void {
    const equalsLoc = at(loc, 'ErrorEquals');
    const names = field(obj, 'ErrorEquals');
    if (names === undefined) {
      this.report(equalsLoc, 'is required');
      return;
    }
    if (!Array.isArray(names) || names.length === 0) {
      this.report(equalsLoc, 'must be a non-empty array of error names');
      return;
    }
    if (!this.enter(equalsLoc)) return;
    for (let i = 0; i < names.length; i += 1) {
      const name: unknown = names[i];
      const nameLoc = at(equalsLoc, i);
      if (typeof name !== 'string' || name.length === 0) {
        this.report(nameLoc, 'must be a non-empty string (an error name)');
      } else if (name === StatesErrors.ALL) {
        if (names.length > 1) this.report(nameLoc, 'States.ALL must appear alone in ErrorEquals');
        if (!last) this.report(nameLoc, `States.ALL must appear only in the last ${kind}`);
      }
    }
  }

  private comment(obj: Obj, loc: Loc | undefined): void {
    const comment = field(obj, 'Comment');
    if (comment !== undefined && typeof comment !== 'string') {
      this.report(at(loc, 'Comment'), 'must be a string');
    }
  }

  private queryLanguage(obj: Obj, loc: Loc | undefined): void {
    const language = field(obj, 'QueryLanguage');
    if (language === undefined || language === 'JSONPath' || language === 'JSONata') return;
    this.report(at(loc, 'QueryLanguage'), 'must be "JSONPath" or "JSONata"');
  }

  // ----- values -----------------------------------------------------------------------------

  /** Checks an integer in [min, max]; returns it when valid. */
  private integer(
    value: unknown,
    loc: Loc,
    min: 0 | 1,
    max?: number,
    maxMessage?: string,
  ): number | undefined {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.report(
        loc,
        isJsonata(value)
          ? `${integerMessage(min)} ({% %} expressions are evaluated only in JSONata states)`
          : integerMessage(min),
      );
      return undefined;
    }
    if (max !== undefined && value > max) {
      this.report(loc, maxMessage ?? `must be at most ${max}`);
      return undefined;
    }
    return value;
  }

  private timestamp(value: unknown, loc: Loc): void {
    if (typeof value !== 'string' || parseTimestamp(value) === undefined) {
      this.report(loc, TIMESTAMP_FORMAT);
    }
  }

  private path(value: unknown, loc: Loc, kind: PathKind, nullable: boolean, variables = true): void {
    if (value === null && nullable) return;
    if (typeof value !== 'string') {
      const what = kind === 'path' ? 'a path' : 'a reference path';
      this.report(loc, nullable ? `must be ${what} (a string) or null` : `must be ${what} (a string)`);
      return;
    }
    const problem = pathProblem(value, kind, variables);
    if (problem !== undefined) this.report(loc, problem);
  }

  private optionalTemplate(obj: Obj, loc: Loc, key: string): void {
    const template = field(obj, key);
    if (template === undefined) return;
    const templateLoc = at(loc, key);
    if (!isObject(template)) this.report(templateLoc, 'must be an object (a payload template)');
    else this.json(template, templateLoc, true);
  }

  /**
   * The array or plain object to walk into at `loc`, after the checks every JSON value gets (a
   * finite number, a JSON type, the node and depth budget); undefined when there is nothing to walk
   * (a scalar, or a value reported as invalid). Strings are the callers' to check first.
   */
  private jsonNode(value: unknown, loc: Loc): unknown[] | Record<string, unknown> | undefined {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return undefined;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.report(loc, 'must be a finite number (JSON has no NaN or Infinity)');
      return undefined;
    }
    if (typeof value !== 'object') {
      this.report(loc, `is not a JSON value (${typeof value})`);
      return undefined;
    }
    if (!this.enter(loc)) return undefined;
    if (Array.isArray(value)) return value;
    if (!isPlainObject(value)) {
      this.report(
        loc,
        'is not a JSON value (only plain objects, arrays, strings, numbers, booleans and null are)',
      );
      return undefined;
    }
    return value;
  }

  /**
   * Walks a JSON value. In a payload template (`template`), a field whose name ends in `.$` takes
   * a path or an intrinsic call, at any depth, inside arrays too, and no two fields may have the
   * same name once `.$` is stripped (spec, "Payload Template").
   */
  private json(value: unknown, loc: Loc, template: boolean): void {
    if (value === null || typeof value === 'boolean') return;
    // A {% %} string in a JSONPath state is a plain string, as Step Functions treats it.
    if (typeof value === 'string') return;
    const node = this.jsonNode(value, loc);
    if (node === undefined) return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) this.json(node[i], at(loc, i), template);
      return;
    }
    const names = template ? new Map<string, string>() : undefined;
    for (const key of Object.keys(node)) {
      const child = node[key];
      const childLoc = at(loc, key);
      if (names !== undefined) {
        const dynamic = key.endsWith('.$');
        const name = dynamic ? key.slice(0, -2) : key;
        const other = names.get(name);
        if (other === undefined) {
          names.set(name, key);
        } else {
          this.report(childLoc, `duplicates the field ${quote(other)} once '.$' is stripped from the name`);
        }
        if (dynamic) {
          this.dynamicValue(child, childLoc);
          continue;
        }
      }
      if (child === undefined) this.report(childLoc, 'is not a JSON value (undefined)');
      else this.json(child, childLoc, template);
    }
  }

  /** The value of a payload template field ending in `.$`: a path or an intrinsic function call. */
  private dynamicValue(value: unknown, loc: Loc): void {
    if (typeof value !== 'string') {
      this.report(
        loc,
        "must be a string (a path or an intrinsic function call), because the field name ends in '.$'",
      );
    } else if (isJsonata(value)) {
      this.report(loc, JSONATA_IN_PATH);
    } else if (isIntrinsicCall(value)) {
      this.intrinsic(value, loc, undefined);
    } else if (!value.startsWith('$')) {
      this.report(
        loc,
        `must be a path ($... or $$...) or an intrinsic function call (States....), not ${quote(value)}`,
      );
    } else {
      const problem = pathProblem(value, 'path', true);
      if (problem !== undefined) this.report(loc, problem);
    }
  }

  private intrinsic(expression: string, loc: Loc, allowed: ReadonlySet<string> | undefined): void {
    let call: IntrinsicCall;
    try {
      call = parseIntrinsic(expression);
    } catch (error) {
      this.report(loc, `is not a valid intrinsic function call: ${messageOf(error)}`);
      return;
    }
    if (allowed !== undefined && !allowed.has(call.name)) {
      this.report(
        loc,
        `must be a reference path or a call of an intrinsic function that returns a string (${[...allowed].join(', ')}), not ${call.name}`,
      );
    }
    // The parser checks calls, literals and the nesting limit, but leaves path syntax to the path reader.
    for (const path of intrinsicPaths(call)) {
      const problem = pathProblem(path, 'path', true);
      if (problem !== undefined) this.report(loc, `has an invalid path argument: ${problem}`);
    }
  }

  // ----- graph checks -----------------------------------------------------------------------

  /** Transition targets, terminal states and reachability, once every state name is known. */
  private checkGraphs(): void {
    for (const { loc, target, scope } of this.transitions) {
      if (scope.names.has(target)) continue;
      // A broken edge hides part of the graph: reachability and terminal checks would only add noise.
      scope.incomplete = true;
      const elsewhere = this.stateNames.get(target);
      this.report(
        loc,
        elsewhere === undefined
          ? `no state named ${quote(target)} in this States object`
          : `${quote(target)} is in another States object (${pointerOf(elsewhere)}): a Parallel branch or Map processor is a scope of its own, and no transition crosses its boundary`,
      );
    }
    for (const scope of this.scopes) {
      if (scope.incomplete || scope.names.size === 0) continue;
      if (!scope.hasTerminal) {
        this.report(
          scope.statesLoc,
          'has no terminal state (a state with End: true, or a Succeed or Fail state)',
        );
      }
      if (scope.startAt === undefined) continue;
      const reached = new Set<string>([scope.startAt]);
      const queue = [scope.startAt];
      for (let i = 0; i < queue.length; i += 1) {
        for (const target of scope.edges.get(queue[i] as string) ?? []) {
          if (scope.names.has(target) && !reached.has(target)) {
            reached.add(target);
            queue.push(target);
          }
        }
      }
      for (const [name, loc] of scope.names) {
        if (!reached.has(name)) this.report(loc, `is not reachable from StartAt (${quote(scope.startAt)})`);
      }
    }
  }

  // ----- ordering ---------------------------------------------------------------------------

  private safeOrderOf(loc: Loc | undefined): number[] {
    try {
      return this.orderOf(loc);
    } catch {
      return [];
    }
  }

  /**
   * The position of a location in the document: for each step, the index of the key among its
   * object's keys (or the array index). A missing field sorts after its present siblings.
   */
  private orderOf(loc: Loc | undefined): number[] {
    const order: number[] = [];
    let node: unknown = this.root;
    let found = true;
    for (const segment of segmentsOf(loc)) {
      if (found && Array.isArray(node) && typeof segment === 'number' && segment < node.length) {
        order.push(segment);
        node = node[segment];
      } else if (found && isObject(node) && typeof segment === 'string' && hasOwn(node, segment)) {
        order.push(this.keyIndex(node, segment));
        node = node[segment];
      } else {
        found = false;
        order.push(Number.POSITIVE_INFINITY);
      }
    }
    return order;
  }

  private keyIndex(obj: Obj, key: string): number {
    let indexes = this.keyIndexes.get(obj);
    if (indexes === undefined) {
      indexes = new Map(Object.keys(obj).map((name, index) => [name, index]));
      this.keyIndexes.set(obj, indexes);
    }
    return indexes.get(key) ?? Number.POSITIVE_INFINITY;
  }
}

/** Lexicographic order of positions; a location comes before the locations inside it. */
function compareOrder(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
