/**
 * The functions Step Functions adds to JSONata (developer guide, "Transforming data with JSONata",
 * JSONata functions provided by Step Functions): `$partition`, `$range`, `$hash`, `$random`,
 * `$uuid` and `$parse`; and the built-ins the engine rebinds so that evaluation stays pure:
 * `$shuffle` (same algorithm as jsonata's, drawing from the execution's seeded randomness) and
 * `$eval`, which Step Functions does not offer ("$eval is not available — use $parse instead").
 *
 * Details the guide leaves out follow what Floci's documentation records of AWS: non-integer
 * arguments are rounded towards zero; a chunk size of 0, an empty array, a `$range` without a step
 * or with a step pointing away from the end, and a `$hash` without an algorithm give nothing
 * (undefined: the field then fails); results are jsonata sequences, so a one-item `$range` is the
 * bare item.
 *
 * The functions receive jsonata's arguments as they are (arrays may be jsonata sequences, a
 * missing argument is `undefined`); an error they throw becomes a States.QueryEvaluationError.
 */
import { HASH_ALGORITHMS, hashText, randomUuid, seededRandom } from '../intrinsics.js';

/** A call of an added function with arguments it cannot take. */
export class JsonataFunctionError extends Error {
  override readonly name = 'JsonataFunctionError';
}

/** Where the added functions draw randomness from. */
export interface FunctionEnvironment {
  /** A draw in [0, 1) from the execution's seed. */
  readonly random: () => number;
}

/**
 * The most items `$range` builds: AWS accepts `$range(1, 360145, 1)` and refuses one more with
 * "Expression evaluation memory limit exceeded".
 */
export const MAX_RANGE_ITEMS = 360_145;

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Marks an array as a jsonata sequence (one item collapses to the item, none to undefined). */
function sequence<T>(items: T[]): T[] {
  Object.defineProperty(items, 'sequence', { value: true, enumerable: false, configurable: true });
  return items;
}

function partition(array: unknown, size: unknown): unknown[] | undefined {
  const items = Array.isArray(array) ? array : array === undefined ? undefined : [array];
  if (items === undefined || !isNumber(size)) {
    throw new JsonataFunctionError('$partition: the arguments must be an array and a chunk size');
  }
  const chunk = Math.trunc(size);
  if (chunk < 1 || items.length === 0) return undefined;
  const chunks: unknown[] = [];
  for (let i = 0; i < items.length; i += chunk) chunks.push(items.slice(i, i + chunk));
  return sequence(chunks);
}

function range(first: unknown, last: unknown, step: unknown): number[] | undefined {
  if (!isNumber(first) || !isNumber(last)) {
    throw new JsonataFunctionError('$range: the start and the end must be numbers');
  }
  if (step === undefined) return undefined;
  if (!isNumber(step)) throw new JsonataFunctionError('$range: the step must be a number');
  const [from, to, by] = [Math.trunc(first), Math.trunc(last), Math.trunc(step)];
  if (by === 0 || (to - from) * by < 0) return undefined;
  const count = Math.floor((to - from) / by) + 1;
  if (count > MAX_RANGE_ITEMS) {
    throw new JsonataFunctionError('$range: Expression evaluation memory limit exceeded');
  }
  const items: number[] = [];
  for (let i = 0; i < count; i += 1) items.push(from + i * by);
  return sequence(items);
}

function hash(data: unknown, algorithm: unknown): string | undefined {
  if (typeof data !== 'string') throw new JsonataFunctionError('$hash: the data to hash must be a string');
  if (algorithm === undefined) return undefined;
  const digest = typeof algorithm === 'string' ? hashText(data, algorithm) : undefined;
  if (digest === undefined) {
    throw new JsonataFunctionError(`$hash: the algorithm must be one of ${HASH_ALGORITHMS.join(', ')}`);
  }
  return digest;
}

function parse(text: unknown): unknown {
  if (typeof text !== 'string') throw new JsonataFunctionError('$parse: the argument must be a string');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new JsonataFunctionError(`$parse: the argument is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/** jsonata's `$shuffle`, step for step, with the execution's draws in place of Math.random. */
function shuffle(array: unknown, random: () => number): unknown {
  if (array === undefined) return undefined;
  const items = Array.isArray(array) ? array : [array];
  if (items.length <= 1) return items;
  const result = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const j = Math.floor(random() * (i + 1));
    if (i !== j) result[i] = result[j];
    result[j] = items[i];
  }
  return result;
}

/** The functions to bind for one evaluation (they close over the execution's randomness). */
export function stepFunctionsFunctions(env: FunctionEnvironment): Readonly<Record<string, unknown>> {
  return {
    partition,
    range,
    hash,
    random: (seed?: unknown) => {
      if (seed === undefined) return env.random();
      if (!isNumber(seed)) throw new JsonataFunctionError('$random: the seed must be an integer');
      return seededRandom(Math.trunc(seed));
    },
    uuid: () => randomUuid(env.random),
    parse,
    shuffle: (array: unknown) => shuffle(array, env.random),
    // Step Functions leaves $eval out: calling it is jsonata's T1006.
    eval: () => {
      throw new JsonataFunctionError(
        'T1006: Attempted to invoke a non-function ($eval is not available in Step Functions: use $parse instead)',
      );
    },
  };
}
