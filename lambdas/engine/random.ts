/**
 * Deterministic randomness for the engine. The engine may not call Math.random (the same inputs must
 * always give the same decisions, for replay and simulation), so every random draw is a pure
 * function of the execution's seed and a draw counter kept in the execution state.
 *
 * Hand-written because it is ten lines: a 32-bit string hash (FNV-1a) feeding mulberry32.
 */

/** A number in [0, 1) derived from `seed` and `counter` alone. */
export function deterministicRandom(seed: string, counter: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  let state = (hash ^ Math.imul(counter + 1, 0x9e3779b9)) >>> 0;
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
