/**
 * The simulation's only source of randomness: a small seeded PRNG, so that a seed fully determines
 * a run and a failing seed replays exactly.
 *
 * Algorithm: sfc32 (Chris Doty-Humphrey's "Small Fast Chaotic" generator, 128 bits of state,
 * passes PractRand to 2^40+ bytes), seeded through splitmix32 so that neighbouring seeds (1, 2,
 * 3, ...) start far apart. Statistical quality is ample for fault injection; it is NOT a
 * cryptographic generator. `fork()` derives an independent stream, so that a part of the world
 * (for example workflow generation) draws from its own stream and adding a draw elsewhere does not
 * reshuffle it.
 *
 * Nothing in the simulation may call `Math.random()` or read the wall clock to make a decision.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    // Discard the first outputs: sfc32 mixes its state in about a dozen rounds.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): max is below min`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + Math.max(0, weight), 0);
    let draw = this.next() * total;
    for (const [key, weight] of entries) {
      draw -= Math.max(0, weight);
      if (draw < 0) return key;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new RangeError('weighted() with no entries');
    return last[0];
  }

  /** A new generator whose stream is independent of this one's later draws. */
  fork(): Prng {
    return new Prng(this.uint32());
  }
}
