/**
 * A tiny seeded PRNG for the fault plan. Every draw is keyed by (seed, request number, rule, item)
 * rather than taken from one running stream, so the nth request gets the same decision for the same
 * seed whatever the earlier requests carried.
 */

/** mulberry32: a fast 32-bit generator; returns a function yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return function next(): number {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Mixes a seed and 32-bit keys into one well-spread 32-bit hash (order matters). */
export function hash32(seed: number, keys: readonly number[]): number {
  let h = fmix32(seed ^ 0x9e3779b9);
  for (const k of keys) h = fmix32(Math.imul(h, 31) + fmix32(k >>> 0));
  return h >>> 0;
}

/** One uniform draw in [0, 1) determined only by `seed` and `keys`. */
export function unitDraw(seed: number, ...keys: number[]): number {
  return mulberry32(hash32(seed, keys))();
}
