import { hacCorrelationTest, hacMeanTest, longRunVariance, neweyWestLag } from './newey-west';

/*
 * Reference values computed by hand (and re-checked with numpy), from the definitions in
 * Newey & West (1987), "A Simple, Positive Semi-Definite, Heteroskedasticity and
 * Autocorrelation Consistent Covariance Matrix", Econometrica 55(3), eq. (2)-(3), and the lag
 * rule of Newey & West (1994), Review of Economic Studies 61(4): L = floor(4 (n/100)^(2/9)).
 */
describe('Newey-West HAC inference', () => {
  it('lag rule floor(4 (n/100)^(2/9))', () => {
    // 4·(0.05)^(2/9) = 2.05 → 2; n=100 → 4; 927 → 4·9.27^(2/9) = 6.56 → 6; 20000 → 12.6 → 12.
    expect([5, 50, 100, 927, 1000, 20000].map(neweyWestLag)).toEqual([2, 3, 4, 6, 6, 12]);
    expect(neweyWestLag(1)).toBe(0);
  });

  it('long-run variance of [1,3,2,5,4] with L = 2, by hand', () => {
    // mean 3, deviations [-2,0,-1,2,1]; γ0 = 10/5 = 2; γ1 = (0·-2 + -1·0 + 2·-1 + 1·2)/5 = 0;
    // γ2 = (-1·-2 + 2·0 + 1·-1)/5 = 0.2; S = γ0 + 2(2/3·γ1 + 1/3·γ2) = 2 + 0.4/3 = 2.1333…
    expect(longRunVariance([1, 3, 2, 5, 4], 2)).toBeCloseTo(2 + 0.4 / 3, 14);
    expect(longRunVariance([1, 3, 2, 5, 4], 0)).toBeCloseTo(2, 14);
  });

  it('t-statistic of the mean: 3 / sqrt(2.1333/5) = 4.59279 with the default lag (2 for n = 5)', () => {
    const r = hacMeanTest([1, 3, 2, 5, 4]);
    expect(r.lag).toBe(2);
    expect(r.value).toBe(3);
    expect(r.se!).toBeCloseTo(0.6531972647421808, 12);
    expect(r.t_stat!).toBeCloseTo(4.592793267718459, 12);
    // Two-sided normal p-value 2·Φ(−4.5928) = 4.3735e-6.
    expect(r.p_value!).toBeCloseTo(4.373522667890784e-6, 15);
  });

  it('a constant series has no t-statistic', () => {
    expect(hacMeanTest([2, 2, 2])).toMatchObject({ value: 2, se: null, t_stat: null, p_value: null });
  });

  it('the IC test: r is the mean of the products of z-scores; its HAC t-statistic', () => {
    // numpy: np.corrcoef(a, b)[0, 1] = 0.7184893051166881; u = z_a·z_b (population sd);
    // with L = floor(4·0.08^(2/9)) = 2: se = 0.16852950299178757, t = 4.263285017530135.
    const a = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2, -0.05, 0.15];
    const b = [0.2, -0.1, 0.1, 0.0, -0.3, 0.25, 0.05, 0.1];
    const r = hacCorrelationTest(a, b);
    expect(r.value!).toBeCloseTo(0.7184893051166881, 13);
    expect(r.lag).toBe(2);
    expect(r.se!).toBeCloseTo(0.16852950299178757, 12);
    expect(r.t_stat!).toBeCloseTo(4.263285017530135, 11);
    expect(hacCorrelationTest([1, 1, 1], [1, 2, 3]).value).toBeNull();
  });

  it('autocorrelation widens the standard error: an AR(1) mean is less significant than iid', () => {
    // Same values, sorted (perfectly persistent) vs alternating: the HAC se reflects the order.
    const persistent = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
    const alternating = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3];
    expect(hacMeanTest(persistent, 3).se!).toBeGreaterThan(hacMeanTest(alternating, 3).se!);
  });
});
