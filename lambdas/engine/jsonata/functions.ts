/**
 * The functions Step Functions adds to JSONata (developer guide, "Transforming data with JSONata",
 * JSONata functions provided by Step Functions): `$partition`, `$range`, `$hash`, `$random`,
 * `$uuid` and `$parse`; and the built-ins the engine rebinds so that evaluation stays pure:
 * `$shuffle` (same algorithm as jsonata's, drawing from the execution's seeded randomness) and
 * `$eval`, which Step Functions does not offer ("$eval is not available — use $parse instead").
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

/** The largest array `$range` builds: a guard against exhausting memory, far above the payload limit. */
export const MAX_RANGE_ITEMS = 1_000_000;

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function partition(array: unknown, size: unknown): unknown[] {
  if (!Array.isArray(array))
    throw new JsonataFunctionError('$partition: the first argument must be an array');
  if (!isInteger(size) || size < 1) {
    throw new JsonataFunctionError('$partition: the chunk size must be a positive integer');
  }
  const chunks: unknown[] = [];
  for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
  return chunks;
}

function range(first: unknown, last: unknown, step: unknown): number[] {
  if (!isInteger(first) || !isInteger(last) || !isInteger(step) || step === 0) {
    throw new JsonataFunctionError(
      '$range: the start and end must be integers and the step a non-zero integer',
    );
  }
  const count = Math.max(0, Math.floor((last - first) / step) + 1);
  if (count > MAX_RANGE_ITEMS) {
    throw new JsonataFunctionError(
      `$range: the range has ${count} items; at most ${MAX_RANGE_ITEMS} are allowed`,
    );
  }
  const items: number[] = [];
  for (let i = 0; i < count; i += 1) items.push(first + i * step);
  return items;
}

function hash(data: unknown, algorithm: unknown): string {
  if (typeof data !== 'string') throw new JsonataFunctionError('$hash: the data to hash must be a string');
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
      if (!isInteger(seed)) throw new JsonataFunctionError('$random: the seed must be an integer');
      return seededRandom(seed);
    },
    uuid: () => randomUuid(env.random),
    parse,
    shuffle: (array: unknown) => shuffle(array, env.random),
    eval: () => {
      throw new JsonataFunctionError('$eval is not available in Step Functions: use $parse instead');
    },
  };
}
