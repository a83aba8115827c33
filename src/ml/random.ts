/**
 * Reproducibility. TensorFlow.js draws all its unseeded randomness from `Math.random`:
 * fit's per-epoch shuffle, unseeded dropout masks, and the seed of every unseeded weight
 * initializer (rand_util: `seed ?? Math.random()`). Replacing `Math.random` by a seeded
 * generator for the duration of a training run therefore makes build + fit repeatable on
 * one backend. Layer-level seeds are deliberately NOT used: a seeded Dropout reuses the
 * same mask for every batch, and one seed shared by all initializers gives identical
 * weights to same-shaped layers.
 *
 * `Math.random` is process-global (per worker thread): anything else that draws from it
 * during training shifts the sequence, so train in a dedicated worker thread.
 */

/** sfc32: 128-bit state, passes PractRand to 2^40+, four lines. Returns [0, 1). */
export function createPrng(seed: number): () => number {
  // splitmix32 expands one 32-bit seed into four well-mixed state words.
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

const nativeRandom = Math.random;

/**
 * Replace `Math.random` by a generator seeded with `seed`. Returns a function that puts
 * back whatever `Math.random` was before this call (calls nest like a stack).
 */
export function seedGlobalRandom(seed: number): () => void {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const previous = Math.random;
  Math.random = createPrng(seed);
  return () => {
    Math.random = previous;
  };
}

/** Run `fn` with `Math.random` seeded, restoring it afterwards even if `fn` throws. */
export async function withSeed<T>(seed: number | undefined, fn: () => Promise<T> | T): Promise<T> {
  if (seed === undefined) return fn();
  const restore = seedGlobalRandom(seed);
  try {
    return await fn();
  } finally {
    restore();
  }
}

/** Put back the `Math.random` this process started with, whatever happened since. */
export function restoreNativeRandom(): void {
  Math.random = nativeRandom;
}
