/**
 * How `scripts/run-corpus-distributed-maps.ts` runs a Distributed Map definition it has never seen
 * on the local runtime: derived from the definition alone, at run time.
 *
 * - A stand-in value for every path the definition reads (its "universe"): the execution input,
 *   and the mocked result of each Task, are built from it, so the paths the states read exist.
 *   Names decide the values (a `bucket` gets the case's bucket, a `Key` an object key, a `Prefix`
 *   a prefix, DynamoDB's `N` a number); a Choice rule's compared value is taken (a status loop
 *   takes its exit); a path only tested with IsPresent is left out (a "next page?" loop ends).
 * - Mocks for every Task state but S3's (which run on the local S3, against the seeded objects),
 *   per workflow and state name, in the mocks file format (`lambdas/runtime/integration-mocks.ts`).
 * - The S3 objects to seed: for each ItemReader and each listing Task whose Bucket is written in
 *   the definition, items in the reader's format (CSV with a header row, or with the given
 *   headers; a JSON array; JSON Lines; a few objects under a listed prefix), shaped as the item
 *   processor reads them. Readers whose Bucket or Key come from the state are seeded once a run
 *   shows where they read (`seedFor` of the Map Run's resolved parameters).
 */
import type { Json, JsonObject } from '../lambdas/engine/json.js';

/** Items seeded per object (a handful). */
export const SEEDED_ITEMS = 4;

type Segment = string | number;

/** A path a state reads, and the name of the field it fills (what it stands for). */
interface Read {
  readonly path: Segment[];
  readonly field?: string;
}

/** A block of states that read the same input: a state machine, a branch, an item processor. */
interface Block {
  /** Its states, Parallel branches' included (they read the Parallel state's input). */
  readonly states: readonly (readonly [string, JsonObject])[];
  readonly jsonata: boolean;
}

/** A state machine the definition runs: the top level, or a Distributed Map's item processor. */
export interface WorkflowScope {
  /** The workflow's name locally: `<parent>/<Label or state name>` for a Map's children. */
  readonly workflow: string;
  readonly definition: JsonObject;
  /** Its query language is JSONata (its own, or the one it inherits from the parent). */
  readonly jsonata: boolean;
}

/** An S3 location's objects to write. */
export interface Seed {
  readonly bucket: string;
  readonly objects: readonly { readonly key: string; readonly body: string }[];
}

/** What a case needs before it runs. */
export interface CasePlan {
  readonly workflow: string;
  readonly input: Json;
  /** Buckets the definition names (or the plan's own bucket): created before the run. */
  readonly buckets: readonly string[];
  /** Objects whose location the definition writes down. */
  readonly seeds: readonly Seed[];
  /** `{"States": {workflow: {state: {"Return": ...}}}}` */
  readonly mocks: { readonly States: Record<string, Record<string, { Return: Json }>> };
  /** The format of a reader at a location the run resolves: by Map state name. */
  readonly readers: Readonly<Record<string, ReaderShape>>;
}

/** What a Distributed Map's reader reads and what its children expect of an item. */
export interface ReaderShape {
  readonly action: 'getObject' | 'listObjectsV2';
  readonly inputType: string;
  readonly headers?: readonly string[];
  readonly item: Json;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a definition has a Map state whose ItemProcessor runs DISTRIBUTED, at any depth. */
export function hasDistributedMap(definition: JsonObject): boolean {
  let found = false;
  forEachState(definition, (_name, state) => {
    if (isDistributed(state)) found = true;
  });
  return found;
}

function isDistributed(state: JsonObject): boolean {
  const processor = state.ItemProcessor;
  return (
    state.Type === 'Map' &&
    isObject(processor) &&
    isObject(processor.ProcessorConfig) &&
    processor.ProcessorConfig.Mode === 'DISTRIBUTED'
  );
}

function statesOf(machine: Json | undefined): [string, JsonObject][] {
  if (!isObject(machine) || !isObject(machine.States)) return [];
  return Object.entries(machine.States).filter((entry): entry is [string, JsonObject] => isObject(entry[1]));
}

/** Every state at any depth (branches, item processors). */
function forEachState(machine: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  for (const [name, state] of statesOf(machine)) {
    visit(name, state);
    for (const branch of Array.isArray(state.Branches) ? state.Branches : []) {
      if (isObject(branch)) forEachState(branch, visit);
    }
    const processor = state.ItemProcessor ?? state.Iterator;
    if (isObject(processor)) forEachState(processor, visit);
  }
}

/** The workflows a definition runs: itself, and each Distributed Map's children, named as Baton names them. */
export function workflowScopes(workflow: string, definition: JsonObject): WorkflowScope[] {
  const top = definition.QueryLanguage === 'JSONata';
  const scopes: WorkflowScope[] = [{ workflow, definition, jsonata: top }];
  const visit = (machine: JsonObject, name: string, inherited: boolean) => {
    const jsonata = machine.QueryLanguage === undefined ? inherited : machine.QueryLanguage === 'JSONata';
    for (const [stateName, state] of statesOf(machine)) {
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) {
        if (isObject(branch)) visit(branch, name, jsonata);
      }
      const processor = state.ItemProcessor ?? state.Iterator;
      if (!isObject(processor)) continue;
      if (isDistributed(state)) {
        const label = typeof state.Label === 'string' ? state.Label : stateName;
        const child = `${name}/${label}`;
        scopes.push({ workflow: child, definition: processor, jsonata });
        visit(processor, child, jsonata);
      } else {
        visit(processor, name, jsonata);
      }
    }
  };
  visit(definition, workflow, top);
  return scopes;
}

/** The blocks of one workflow: its top level (with branches), and each inline Map's processor. */
function blocksOf(machine: JsonObject, jsonata: boolean): Block[] {
  const top: (readonly [string, JsonObject])[] = [];
  const inner: Block[] = [];
  const collect = (m: JsonObject) => {
    const language = m.QueryLanguage === 'JSONata' ? true : jsonata;
    for (const [name, state] of statesOf(m)) {
      top.push([name, state]);
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) {
        if (isObject(branch)) collect(branch);
      }
      const processor = state.ItemProcessor ?? state.Iterator;
      if (isObject(processor) && !isDistributed(state)) inner.push(...blocksOf(processor, language));
    }
  };
  collect(machine);
  return [{ states: top, jsonata: machine.QueryLanguage === 'JSONata' || jsonata }, ...inner];
}

// ----- paths -----

/** `$.a.b[0]['c']` as segments; undefined for what is not a plain path into the state. */
export function parsePath(path: string): Segment[] | undefined {
  if (path === '$') return [];
  if (!path.startsWith('$') || path.startsWith('$$')) return undefined;
  const segments: Segment[] = [];
  const pattern = /\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']+)'\]|\["([^"]+)"\]/gy;
  let at = 1;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (!match) return undefined;
    segments.push(match[2] !== undefined ? Number(match[2]) : (match[1] ?? match[3] ?? match[4] ?? ''));
    at = pattern.lastIndex;
  }
  return segments;
}

/** The `$.`-paths inside an intrinsic function call (`States.Format('{}', $.a)`). */
function intrinsicPaths(text: string): Segment[][] {
  // Every `$.` path of the call, context paths (`$$.`) left out.
  const paths: Segment[][] = [];
  for (const match of text.matchAll(/(?<![$\w])\$(?:\.[A-Za-z_][\w-]*|\[\d+\]|\['[^']+'\])+/g)) {
    const parsed = parsePath(match[0]);
    if (parsed) paths.push(parsed);
  }
  return paths;
}

/** The paths a payload template (`Parameters`, `ItemSelector`...) reads from the state input. */
function templatePaths(template: Json | undefined, out: Read[]): void {
  if (Array.isArray(template)) {
    for (const value of template) templatePaths(value, out);
    return;
  }
  if (!isObject(template)) return;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      const parsed = parsePath(value);
      if (parsed) out.push({ path: parsed, field: key.slice(0, -2) });
      else if (value.startsWith('States.')) out.push(...intrinsicPaths(value).map((path) => ({ path })));
    } else {
      templatePaths(value, out);
    }
  }
}

/** The paths JSONata expressions read from `$states.input`, and the values Conditions compare them with. */
function jsonataReads(value: Json | undefined, out: Read[], compared: Map<string, Json>): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(/\$states\.input((?:\.[A-Za-z_]\w*)+)/g)) {
      const parsed = parsePath(`$${match[1] ?? ''}`);
      if (parsed) out.push({ path: parsed });
    }
    for (const match of value.matchAll(/\$states\.input((?:\.[A-Za-z_]\w*)+)\s*=\s*"([^"]*)"/g)) {
      const key = JSON.stringify(parsePath(`$${match[1] ?? ''}`));
      if (!compared.has(key)) compared.set(key, match[2] ?? '');
    }
    return;
  }
  if (Array.isArray(value)) for (const entry of value) jsonataReads(entry, out, compared);
  else if (isObject(value)) {
    for (const [key, entry] of Object.entries(value)) {
      // What a Map's children or a branch read is not this state's input.
      if (key === 'ItemProcessor' || key === 'Iterator' || key === 'Branches') continue;
      jsonataReads(entry, out, compared);
    }
  }
}

/** Choice rules: the variables they compare, with the first value each is compared with. */
function choiceReads(
  rule: Json | undefined,
  out: Read[],
  compared: Map<string, Json>,
  presence: Segment[][],
): void {
  if (!isObject(rule)) return;
  for (const nested of ['And', 'Or']) {
    const list = rule[nested];
    if (Array.isArray(list)) for (const entry of list) choiceReads(entry, out, compared, presence);
  }
  if (rule.Not !== undefined) choiceReads(rule.Not, out, compared, presence);
  if (typeof rule.Variable !== 'string') return;
  const path = parsePath(rule.Variable);
  if (!path) return;
  if (rule.IsPresent !== undefined) {
    presence.push(path);
    return;
  }
  out.push({ path });
  const key = JSON.stringify(path);
  for (const [operator, operand] of Object.entries(rule)) {
    if (operator === 'Variable' || operator === 'Next' || operator.endsWith('Path')) continue;
    if (operator.startsWith('Is')) continue;
    let value: Json = operand ?? null;
    if (operator === 'NumericGreaterThan' && typeof operand === 'number') value = operand + 1;
    if (operator === 'NumericLessThan' && typeof operand === 'number') value = operand - 1;
    if (operator.includes('Matches') && typeof operand === 'string') value = operand.replace(/\*/g, 'x');
    if (!compared.has(key)) compared.set(key, value);
  }
}

/** What a state reads from its input. */
function stateReads(
  state: JsonObject,
  jsonata: boolean,
  out: Read[],
  compared: Map<string, Json>,
  presence: Segment[][],
): void {
  if (state.QueryLanguage === 'JSONata' || jsonata) {
    jsonataReads(state, out, compared);
    return;
  }
  for (const field of ['Parameters', 'ItemSelector', 'ResultSelector']) templatePaths(state[field], out);
  if (isObject(state.ItemReader)) templatePaths(state.ItemReader.Parameters, out);
  if (isObject(state.ItemBatcher)) templatePaths(state.ItemBatcher.BatchInput, out);
  if (isObject(state.ResultWriter)) templatePaths(state.ResultWriter.Parameters, out);
  for (const field of ['InputPath', 'SecondsPath', 'TimestampPath', 'ErrorPath', 'CausePath']) {
    const value = state[field];
    if (typeof value !== 'string') continue;
    const parsed = parsePath(value);
    if (parsed) out.push({ path: parsed });
    else if (value.startsWith('States.')) out.push(...intrinsicPaths(value).map((path) => ({ path })));
  }
  if (state.Type !== 'Task' && typeof state.OutputPath === 'string') {
    const parsed = parsePath(state.OutputPath);
    if (parsed) out.push({ path: parsed });
  }
  for (const rule of Array.isArray(state.Choices) ? state.Choices : [])
    choiceReads(rule, out, compared, presence);
}

// ----- values -----

/** The stand-in value of a path, by its name (or the name of the field it fills). */
function leafValue(segments: readonly Segment[], bucket: string, field?: string): Json {
  if (field !== undefined && /^(bucket|bucketname|key|prefix|body)$/i.test(field)) {
    return leafValue([field], bucket);
  }
  const names = segments.filter((segment): segment is string => typeof segment === 'string');
  const last = names.at(-1) ?? '';
  const parent = names.at(-2) ?? '';
  if (/bucket/i.test(last) || (/bucket/i.test(parent) && /^name$/i.test(last))) return bucket;
  if (/prefix/i.test(last)) return 'input/';
  if (/^body$/i.test(last))
    return Array.from({ length: SEEDED_ITEMS }, (_, n) => ({ id: `item-${n + 1}` })) as Json;
  if (/key$/i.test(last)) return 'input/data.json';
  // DynamoDB numbers: a range's ends differ.
  if (last === 'N') return /max/i.test(parent) ? '3' : /min/i.test(parent) ? '1' : '2';
  if (/seconds/i.test(last)) return 1;
  return 'x';
}

function get(value: Json | undefined, segments: readonly Segment[]): Json | undefined {
  let at = value;
  for (const segment of segments) {
    if (typeof segment === 'number') at = Array.isArray(at) ? at[segment] : undefined;
    else at = isObject(at) ? at[segment] : undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

/** Sets `value` at `segments` in `root` (made objects and arrays as needed); answers the root. */
function put(root: Json | undefined, segments: readonly Segment[], value: Json, overwrite: boolean): Json {
  if (segments.length === 0) return overwrite || root === undefined ? value : root;
  const [head, ...rest] = segments as [Segment, ...Segment[]];
  if (typeof head === 'number') {
    const array: Json[] = Array.isArray(root) ? [...root] : [];
    while (array.length <= head) array.push(isObject(array[0]) ? { ...array[0] } : {});
    array[head] = put(array[head], rest, value, overwrite);
    return array;
  }
  // A name into an array: into each of its items (as JSONata maps a path over an array).
  if (Array.isArray(root) && root.length > 0)
    return root.map((item) => put(item, segments, value, overwrite));
  const object: JsonObject = isObject(root) ? { ...root } : {};
  object[head] = put(object[head], rest, value, overwrite);
  return object;
}

/** A value that holds every path the block reads. */
function universe(block: Block, bucket: string, machineItems: (state: JsonObject) => Json): JsonObject {
  const reads: Read[] = [];
  const compared = new Map<string, Json>();
  const presence: Segment[][] = [];
  let root: Json = {};
  for (const [, state] of block.states) {
    stateReads(state, block.jsonata, reads, compared, presence);
    // Items of a Map: an array of the items its processor expects.
    const itemsPath = typeof state.ItemsPath === 'string' ? parsePath(state.ItemsPath) : undefined;
    const items =
      state.Type === 'Map' && typeof state.Items === 'string'
        ? /\$states\.input((?:\.[A-Za-z_]\w*)+)/.exec(state.Items)?.[1]
        : undefined;
    const itemsAt = itemsPath ?? (items !== undefined ? parsePath(`$${items}`) : undefined);
    if (state.Type === 'Map' && itemsAt && !state.ItemReader) {
      const item = machineItems(state);
      root = put(root, itemsAt, [item, item] as Json, true);
    }
  }
  // Longest paths first: `$.a.b` then `$.a` does not replace the object.
  for (const { path, field } of [...reads].sort((a, b) => b.path.length - a.path.length)) {
    // `$[0]...` reads an array state (a Map's output): not the block's input object.
    if (typeof path[0] === 'number') continue;
    const key = JSON.stringify(path);
    const existing = get(root, path);
    if (existing !== undefined) continue;
    const value = compared.has(key) ? (compared.get(key) as Json) : leafValue(path, bucket, field);
    root = put(root, path, value, false);
  }
  return isObject(root) ? root : {};
}

/** The item a Map's children expect (one item; its processor's input unwrapped from a batch). */
function itemShape(state: JsonObject, bucket: string, jsonata: boolean): Json {
  const selector = state.ItemSelector;
  if (isObject(selector)) {
    let item: Json = {};
    const visit = (template: Json) => {
      if (!isObject(template)) return;
      for (const [key, value] of Object.entries(template)) {
        if (key.endsWith('.$') && typeof value === 'string' && value.startsWith('$$.Map.Item.Value')) {
          const rest = parsePath(`$${value.slice('$$.Map.Item.Value'.length)}`);
          if (rest && rest.length > 0) item = put(item, rest, leafValue(rest, bucket), false);
        } else if (!key.endsWith('.$')) {
          visit(value);
        }
      }
    };
    visit(selector);
    if (isObject(item) && Object.keys(item).length > 0) return item;
  }
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!isObject(processor)) return {};
  const language = processor.QueryLanguage === undefined ? jsonata : processor.QueryLanguage === 'JSONata';
  const [top] = blocksOf(processor, language);
  const input = top ? universe(top, bucket, (inner) => itemShape(inner, bucket, language)) : {};
  if (!isObject(state.ItemBatcher)) return input;
  const batch = input.Items;
  if (Array.isArray(batch)) return batch[0] ?? {};
  return isObject(batch) ? batch : {};
}

// ----- mocks -----

const isS3Resource = (resource: string) =>
  /^arn:aws[\w-]*:states:::(aws-sdk:)?s3:/.test(resource) ||
  /^arn:aws[\w-]*:states:[\w-]+:\d+:(aws-sdk:)?s3:/.test(resource);

/** The mocked result of a Task state, shaped so that what reads it finds its paths. */
function mockResult(state: JsonObject, input: JsonObject, jsonata: boolean): Json {
  if (jsonata || state.QueryLanguage === 'JSONata') {
    let result: Json = { ...input };
    const text = JSON.stringify([state.Output ?? null, state.Assign ?? null]);
    for (const match of text.matchAll(/\$states\.result((?:\.[A-Za-z_]\w*)+)/g)) {
      const path = parsePath(`$${match[1] ?? ''}`);
      if (path && get(result, path) === undefined) result = put(result, path, 0, false);
    }
    return result;
  }
  const resultPath = state.ResultPath;
  const at = typeof resultPath === 'string' ? (parsePath(resultPath) ?? []) : [];
  // What the states after it read where the result lands.
  const landed: Json = resultPath === null ? input : (get(input, at) ?? {});
  let result: Json = landed;
  if (isObject(state.ResultSelector)) {
    result = {};
    const visit = (template: JsonObject, prefix: Segment[]) => {
      for (const [key, value] of Object.entries(template)) {
        if (key.endsWith('.$') && typeof value === 'string') {
          const from = parsePath(value);
          const field = [...prefix, key.slice(0, -2)];
          const wanted = get(landed, field);
          if (from && from.length > 0) result = put(result, from, wanted ?? leafValue(from, ''), false);
          // An intrinsic converts what it reads (`States.StringToJson($.Item.n.N)`): a name-made value.
          for (const path of value.startsWith('States.') ? intrinsicPaths(value) : []) {
            result = put(result, path, leafValue(path, ''), false);
          }
        } else if (isObject(value)) {
          visit(value, [...prefix, key]);
        }
      }
    };
    visit(state.ResultSelector, []);
  }
  const output = typeof state.OutputPath === 'string' ? parsePath(state.OutputPath) : undefined;
  if (
    output &&
    output.length > 0 &&
    at.length === 0 &&
    resultPath !== null &&
    !isObject(state.ResultSelector)
  ) {
    // `OutputPath: $.Payload` of a Lambda invoke: what follows reads the payload.
    result = put({}, output, input, true);
    if (typeof state.Resource === 'string' && state.Resource.includes(':lambda:invoke'))
      result = put(result, ['StatusCode'], 200, false);
  }
  return result;
}

// ----- seeds -----

/** Objects that hold `count` items of a reader's format. */
export function seedBodies(shape: ReaderShape, prefix: string): { key: string; body: string }[] {
  const items = Array.from({ length: SEEDED_ITEMS }, (_, n) => itemOf(shape.item, n));
  if (shape.action === 'listObjectsV2') {
    return items.map((item, n) => ({ key: `${prefix}item-${n + 1}.json`, body: JSON.stringify(item) }));
  }
  return [{ key: prefix, body: formatted(shape, items) }];
}

function itemOf(shape: Json, n: number): JsonObject {
  const base: JsonObject = isObject(shape) && Object.keys(shape).length > 0 ? shape : { id: 'x', name: 'x' };
  const item: JsonObject = {};
  for (const [key, value] of Object.entries(base)) {
    item[key] = value === 'x' ? `${key}-${n + 1}` : value;
  }
  return item;
}

function formatted(shape: ReaderShape, items: readonly JsonObject[]): string {
  switch (shape.inputType) {
    case 'CSV': {
      const columns = shape.headers ?? Object.keys(items[0] ?? {});
      const cell = (value: Json | undefined) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
        return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      };
      const rows = items.map((item, n) =>
        columns.map((column) => cell(item[column] ?? `${column}-${n + 1}`)).join(','),
      );
      return [...(shape.headers ? [] : [columns.join(',')]), ...rows].join('\n') + '\n';
    }
    case 'JSONL':
      return items.map((item) => JSON.stringify(item)).join('\n') + '\n';
    default:
      return JSON.stringify(items);
  }
}

function readerShape(state: JsonObject, bucket: string, jsonata: boolean): ReaderShape | undefined {
  const reader = state.ItemReader;
  if (!isObject(reader) || typeof reader.Resource !== 'string') return undefined;
  const config = isObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  const headers =
    config.CSVHeaderLocation === 'GIVEN' && Array.isArray(config.CSVHeaders)
      ? config.CSVHeaders.filter((header): header is string => typeof header === 'string')
      : undefined;
  return {
    action: reader.Resource.endsWith('listObjectsV2') ? 'listObjectsV2' : 'getObject',
    inputType: typeof config.InputType === 'string' ? config.InputType : 'JSON',
    ...(headers ? { headers } : {}),
    item: itemShape(state, bucket, jsonata),
  };
}

/** The seed of a reader at its resolved location (its Map Run's `Bucket`, `Key`, `Prefix`). */
export function seedFor(shape: ReaderShape, parameters: JsonObject): Seed | undefined {
  const bucket = parameters.Bucket;
  if (typeof bucket !== 'string' || bucket === '') return undefined;
  if (shape.action === 'listObjectsV2') {
    const prefix = typeof parameters.Prefix === 'string' ? parameters.Prefix : '';
    return { bucket, objects: seedBodies(shape, prefix) };
  }
  const key = parameters.Key;
  if (typeof key !== 'string' || key === '') return undefined;
  return { bucket, objects: seedBodies(shape, key) };
}

/** Everything a case needs to run, from its definition. */
export function planCase(workflow: string, definition: JsonObject, bucket: string): CasePlan {
  const scopes = workflowScopes(workflow, definition);
  const mocks: Record<string, Record<string, { Return: Json }>> = {};
  const readers: Record<string, ReaderShape> = {};
  const buckets = new Set<string>([bucket]);
  const seeds: Seed[] = [];
  let input: JsonObject = {};
  const staticBuckets = (template: Json | undefined) => {
    if (Array.isArray(template)) template.forEach(staticBuckets);
    else if (isObject(template)) {
      for (const [key, value] of Object.entries(template)) {
        if (key === 'Bucket' && typeof value === 'string' && !value.includes('{%')) buckets.add(value);
        else staticBuckets(value);
      }
    }
  };
  // The format of the items the definition's own readers read: what listed objects hold.
  const getObjectReaders: ReaderShape[] = [];
  forEachState(definition, (name, state) => {
    const shape = readerShape(state, bucket, definition.QueryLanguage === 'JSONata');
    if (shape) {
      readers[name] = shape;
      if (shape.action === 'getObject') getObjectReaders.push(shape);
    }
  });
  for (const scope of scopes) {
    const blocks = blocksOf(scope.definition, scope.jsonata);
    for (const [index, block] of blocks.entries()) {
      const universeOf = universe(block, bucket, (state) => itemShape(state, bucket, block.jsonata));
      if (scope === scopes[0] && index === 0) input = universeOf;
      for (const [name, state] of block.states) {
        staticBuckets(state.Parameters ?? null);
        staticBuckets(state.Arguments ?? null);
        if (isObject(state.ItemReader)) staticBuckets(state.ItemReader.Parameters ?? null);
        if (isObject(state.ResultWriter)) staticBuckets(state.ResultWriter.Parameters ?? null);
        const shape = readers[name];
        const parameters = isObject(state.ItemReader) ? state.ItemReader.Parameters : undefined;
        if (shape && isObject(parameters)) {
          const seed = seedFor(shape, parameters);
          if (seed) seeds.push(seed);
        }
        if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
        if (isS3Resource(state.Resource)) {
          // A listing Task over a prefix the definition writes down: objects for it to list.
          const params = state.Parameters;
          if (
            state.Resource.endsWith(':listObjectsV2') &&
            isObject(params) &&
            typeof params.Bucket === 'string'
          ) {
            const prefix = typeof params.Prefix === 'string' ? params.Prefix : '';
            const shape_ = getObjectReaders[0];
            const items = Array.from({ length: SEEDED_ITEMS }, (_, n) => itemOf(shape_?.item ?? {}, n));
            seeds.push({
              bucket: params.Bucket,
              objects: items.map((item, n) => ({
                key: `${prefix}item-${n + 1}${shape_?.inputType === 'CSV' ? '.csv' : '.json'}`,
                body: shape_ ? formatted(shape_, items) : JSON.stringify(item),
              })),
            });
          }
          continue;
        }
        (mocks[scope.workflow] ??= {})[name] = { Return: mockResult(state, universeOf, block.jsonata) };
      }
    }
  }
  return { workflow, input, buckets: [...buckets], seeds, mocks: { States: mocks }, readers };
}
