/**
 * Large payloads for the item-size faults: task results, execution inputs and events padded to an
 * exact number of UTF-8 bytes with data that does not compress (the DynamoDB store deflates its
 * snapshots, so only incompressible data reaches its item limit), drawn from size classes around
 * each limit the path has:
 *
 * - the 256 KiB payload limit of a state (the engine fails the state, the worker SDK reports a
 *   result over it), hit exactly, one byte over, and well over;
 * - the SQS message limit (the worker SDK must report a result over it rather than fail to send
 *   it, redelivery after redelivery, into the DLQ);
 * - DynamoDB's 400 KB item limit, which a state reaches by keeping several large results.
 *
 * Sizes count UTF-8 bytes, as both limits do: some payloads are written in two-byte characters, so
 * that a payload under the limit in characters is over it in bytes.
 */
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../lambdas/engine/decide/env.js';
import type { Json, JsonObject } from '../../lambdas/engine/json.js';
import type { SizeProfile } from './faults.js';
import type { Prng } from './prng.js';

/** The payload limit of a state, in UTF-8 bytes (256 KiB). */
export const PAYLOAD_LIMIT_BYTES = DEFAULT_MAX_PAYLOAD_BYTES;
/** The largest SQS message the simulated queues take (LocalQueue's default, SQS's since 2025). */
export const SQS_MESSAGE_LIMIT_BYTES = 1_048_576;

/** Where a payload's size lies with respect to the limits. */
export type SizeClass =
  /** Tens of kilobytes: fits everything alone, adds up in a state. */
  | 'large'
  /** Just under the payload limit: two or three in a state pass DynamoDB's item limit. */
  | 'near'
  /** Exactly the payload limit (allowed). */
  | 'at-limit'
  /** One byte over the payload limit. */
  | 'just-over'
  /** Well over the payload limit, within an SQS message. */
  | 'over'
  /** Over the SQS message limit. */
  | 'over-queue';

/** The UTF-8 size of a class, drawn. */
export function bytesOf(rng: Prng, sizeClass: SizeClass): number {
  switch (sizeClass) {
    case 'large':
      return rng.int(20_000, 120_000);
    case 'near':
      return rng.int(150_000, PAYLOAD_LIMIT_BYTES - 1);
    case 'at-limit':
      return PAYLOAD_LIMIT_BYTES;
    case 'just-over':
      return PAYLOAD_LIMIT_BYTES + 1;
    case 'over':
      return rng.int(PAYLOAD_LIMIT_BYTES + 2, 700_000);
    case 'over-queue':
      return rng.int(SQS_MESSAGE_LIMIT_BYTES + 1, SQS_MESSAGE_LIMIT_BYTES + 200_000);
  }
}

/** A large payload to write: its class, its UTF-8 size, and whether in two-byte characters. */
export interface PayloadDraw {
  readonly sizeClass: SizeClass;
  readonly bytes: number;
  readonly wide: boolean;
}

/** The largest event detail on seeds that keep events in DynamoDB items with no payload store. */
const EVENT_ITEM_CAP_BYTES = 390_000;
/**
 * Large payloads an execution's state takes in, at most: three near the payload limit pass
 * DynamoDB's item limit; more would only make every later load and commit slower. And only one
 * execution of a seed takes any (its large state is then loaded at every delivery of its messages).
 */
const MAX_LARGE_PER_EXECUTION = 3;

/**
 * Draws the seed's large payloads (task results, execution inputs, event details) from its
 * {@link SizeProfile}.
 *
 * A limit, not a defect: with no payload store, the DynamoDB correlation store keeps an event in one
 * item, deflated when it must, so an incompressible event over an item is refused with
 * `EventTooLargeError` (its inbox message ends in the DLQ with that reason; on AWS the construct
 * always gives the orchestrator a payload bucket). On the seeds that keep events in items so,
 * event details stay under {@link EVENT_ITEM_CAP_BYTES}; each one capped is counted.
 */
export class LargePayloads {
  /** The execution whose state takes in large payloads, and how many it took so far. */
  private large: { readonly executionId: string; taken: number } | undefined;

  constructor(
    readonly profile: SizeProfile,
    /** Whether kept events end up in DynamoDB items as they are (a DynamoDB store without a payload store). */
    private readonly items: { readonly events: boolean },
    private readonly count: (what: string) => void,
    /**
     * Whether the large execution's tasks return large results most of the time (until it took its
     * share), so that its state, which keeps them, passes DynamoDB's item limit.
     */
    readonly growing = false,
  ) {}

  /** Whether a task of `executionId` that succeeds should return a large result anyway (see `growing`). */
  grows(rng: Prng, executionId: string): boolean {
    if (!this.growing) return false;
    const large = this.large;
    if (large !== undefined && (large.executionId !== executionId || large.taken >= MAX_LARGE_PER_EXECUTION))
      return false;
    return rng.chance(0.6);
  }

  /**
   * A payload of one of `classes` for `executionId` (undefined: one every execution may receive),
   * or undefined when the execution already took its share of large payloads.
   */
  draw(
    rng: Prng,
    classes: Readonly<Partial<Record<SizeClass, number>>>,
    executionId: string | undefined,
    what: string,
  ): PayloadDraw | undefined {
    const sizeClass = rng.weighted(classes);
    let bytes = bytesOf(rng, sizeClass);
    const wide = rng.chance(this.profile.wide);
    // Only the worker SDK measures a result over the payload limit: the engine never sees it.
    const measuredByEngine = what !== 'task result' || (sizeClass !== 'over' && sizeClass !== 'over-queue');
    if (measuredByEngine && executionId !== undefined) {
      this.large ??= { executionId, taken: 0 };
      if (this.large.executionId !== executionId || this.large.taken >= MAX_LARGE_PER_EXECUTION)
        return undefined;
      this.large.taken += 1;
    }
    if (what === 'event detail' && this.items.events && bytes > EVENT_ITEM_CAP_BYTES) {
      this.count('payload: event kept under the item limit (no payload store to keep a larger one in)');
      bytes = EVENT_ITEM_CAP_BYTES;
    }
    this.count(`payload: ${what} ${sizeClass}${wide ? ' (two-byte characters)' : ''}`);
    return { sizeClass, bytes, wide };
  }
}

/**
 * `value` with a `field` added so that its JSON text is exactly `bytes` UTF-8 bytes (or as close
 * above as the encoding allows, when `value` alone is larger). The filler is incompressible: base64
 * of pseudo-random bytes, or two-byte characters (`wide`).
 */
export function paddedTo(
  rng: Prng,
  value: JsonObject,
  field: string,
  bytes: number,
  wide = false,
): JsonObject {
  const base = utf8Bytes({ ...value, [field]: '' });
  const room = Math.max(0, bytes - base);
  let filler: string;
  if (wide) {
    // Two bytes per character; an odd room takes one ASCII character more.
    filler = wideText(rng, Math.floor(room / 2)) + (room % 2 === 1 ? 'x' : '');
  } else {
    filler = asciiText(rng, room);
  }
  return { ...value, [field]: filler };
}

/** The UTF-8 size of a value's JSON text. */
export function utf8Bytes(value: Json): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * `length` pseudo-random printable ASCII characters, none escaped in JSON (no quote, no backslash):
 * about 6.5 bits of entropy per byte, so DEFLATE leaves more than 80% of them.
 */
function asciiText(rng: Prng, length: number): string {
  const bytes = randomBytes(rng, length);
  for (let i = 0; i < length; i++) bytes[i] = PRINTABLE[(bytes[i] as number) % PRINTABLE.length] as number;
  return bytes.toString('latin1');
}

/** Printable ASCII (0x20-0x7E) without `"` and `\`. */
const PRINTABLE = Buffer.from(
  Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))
    .filter((char) => char !== '"' && char !== '\\')
    .join(''),
  'latin1',
);

/** `length` pseudo-random characters of U+0100..U+07FF, two UTF-8 bytes each, none escaped in JSON. */
function wideText(rng: Prng, length: number): string {
  const bytes = randomBytes(rng, length * 2);
  const codes = new Uint16Array(length);
  for (let i = 0; i < length; i++)
    codes[i] = 0x100 + ((((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number)) % 0x700);
  let text = '';
  const chunk = 8192;
  for (let i = 0; i < length; i += chunk) text += String.fromCharCode(...codes.subarray(i, i + chunk));
  return text;
}

/** Pseudo-random bytes from one draw of the seed (xorshift32): fast, and a function of the seed. */
function randomBytes(rng: Prng, count: number): Buffer {
  let state = rng.uint32() || 0x9e3779b9;
  const buffer = Buffer.allocUnsafe(count + 4);
  for (let i = 0; i < count; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer.writeUInt32LE(state >>> 0, i);
  }
  return buffer.subarray(0, count);
}
