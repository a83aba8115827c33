import { gaussian, mulberry32 } from '../testing/synthetic';
import { bootstrapSharpeInterval, defaultBlockLength, quantileSorted, stationaryResampleIndices } from './bootstrap';

/** A uniform source that plays back the given draws. */
const scripted = (draws: number[]) => {
  let i = 0;
  return () => draws[i++];
};

describe('stationary block bootstrap of the Sharpe ratio (Politis & Romano 1994)', () => {
  it('follows the resampling rule step by step (traced by hand)', () => {
    // n = 4, mean block 2 (p = 1/2). Start: floor(0.6·4) = 2; 0.7 ≥ p → next (3); 0.2 < p → jump
    // to floor(0.1·4) = 0; 0.9 ≥ p → next (1).
    expect(Array.from(stationaryResampleIndices(4, 2, scripted([0.6, 0.7, 0.2, 0.1, 0.9])))).toEqual([2, 3, 0, 1]);
    // Wraps circularly: start 3, continue → 0, continue → 1, continue → 2.
    expect(Array.from(stationaryResampleIndices(4, 2, scripted([0.9, 0.8, 0.5, 0.99])))).toEqual([3, 0, 1, 2]);
    // Block length 1 (p = 1): every step jumps: the iid bootstrap.
    expect(Array.from(stationaryResampleIndices(3, 1, scripted([0.1, 0.0, 0.5, 0.0, 0.9])))).toEqual([0, 1, 2]);
  });

  it('block length round(n^(1/3)); linear-interpolation quantiles as numpy', () => {
    expect([1, 8, 100, 1000].map(defaultBlockLength)).toEqual([1, 2, 5, 10]);
    // numpy.quantile([1, 2, 3, 4], 0.25) = 1.75
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 15);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });

  it('same returns and seed → the same interval, bit for bit; another seed differs', () => {
    const normal = gaussian(mulberry32(5));
    const r = Array.from({ length: 300 }, () => 0.001 + 0.01 * normal());
    const a = bootstrapSharpeInterval(r, { periodsPerYear: 260, seed: 42 });
    const b = bootstrapSharpeInterval(r, { periodsPerYear: 260, seed: 42 });
    const c = bootstrapSharpeInterval(r, { periodsPerYear: 260, seed: 43 });
    expect(a).toEqual(b);
    expect(c.low).not.toBe(a.low);
    expect(a).toMatchObject({
      method: 'stationary_bootstrap',
      resamples: 1000,
      expected_block_length: 7,
      level: 0.95,
      seed: 42,
      undefined_resamples: 0,
    });
  });

  it('on iid returns its standard error is close to the analytic one, sqrt((1 + SR²/2)/n) (Lo 2002)', () => {
    const normal = gaussian(mulberry32(11));
    const n = 500;
    const r = Array.from({ length: n }, () => 0.05 + normal());
    const ci = bootstrapSharpeInterval(r, { periodsPerYear: 1, seed: 7, resamples: 2000 });
    const analytic = Math.sqrt((1 + 0.05 ** 2 / 2) / n);
    expect(ci.standard_error!).toBeGreaterThan(analytic * 0.8);
    expect(ci.standard_error!).toBeLessThan(analytic * 1.25);
    expect(ci.low!).toBeLessThan(ci.high!);
  });

  it('no variation: no interval', () => {
    expect(bootstrapSharpeInterval([0, 0, 0, 0], { periodsPerYear: 1, seed: 1 })).toMatchObject({
      low: null,
      high: null,
      undefined_resamples: 1000,
    });
    expect(bootstrapSharpeInterval([0.1], { periodsPerYear: 1, seed: 1 })).toMatchObject({ low: null, high: null });
  });
});
