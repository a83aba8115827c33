import * as tf from '@tensorflow/tfjs';
import { createPrng, restoreNativeRandom, seedGlobalRandom, withSeed } from './random';

describe('createPrng', () => {
  it('is deterministic per seed, in [0, 1), and differs between seeds', () => {
    const a = createPrng(123);
    const b = createPrng(123);
    const c = createPrng(124);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    // Roughly uniform: each decile holds 10% ± 4% of 1000 draws.
    const deciles = new Array(10).fill(0);
    for (const v of xs) deciles[Math.floor(v * 10)]++;
    for (const n of deciles) expect(Math.abs(n - 100)).toBeLessThan(40);
  });
});

describe('seeding Math.random', () => {
  afterEach(() => restoreNativeRandom());

  it('makes Math.random repeat and restores the previous generator', () => {
    const original = Math.random;
    const restore = seedGlobalRandom(9);
    const first = [Math.random(), Math.random()];
    restore();
    expect(Math.random).toBe(original);
    seedGlobalRandom(9);
    expect([Math.random(), Math.random()]).toEqual(first);
  });

  it('withSeed restores Math.random even when the work throws', async () => {
    const original = Math.random;
    await expect(withSeed(1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(Math.random).toBe(original);
  });

  it('makes unseeded tfjs initialisers repeat (they draw their seed from Math.random)', async () => {
    const draw = () =>
      withSeed(5, async () => {
        const t = tf.randomNormal([6]);
        const v = Array.from(await t.data());
        t.dispose();
        return v;
      });
    const a = await draw();
    expect(await draw()).toEqual(a);
  });

  it('rejects a non-finite seed', () => {
    expect(() => seedGlobalRandom(NaN)).toThrow(RangeError);
  });
});
