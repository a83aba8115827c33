import { dieboldMariano } from './diebold-mariano';

/*
 * Reference values computed by hand from Diebold & Mariano (1995), "Comparing Predictive
 * Accuracy", Journal of Business & Economic Statistics 13(3), and the correction of Harvey,
 * Leybourne & Newbold (1997), "Testing the equality of prediction mean squared errors",
 * International Journal of Forecasting 13(2), eq. (9): DM* = DM·sqrt((n + 1 − 2h + h(h−1)/n)/n)
 * against t(n − 1). Re-checked with numpy / scipy.stats.t.
 */
describe('Diebold-Mariano with the Harvey-Leybourne-Newbold correction', () => {
  // Squared errors of a model and a baseline: d = [-3, 0, -1, 5, -3, -5], mean −7/6.
  const model = [1, 4, 0, 9, 1, 4];
  const baseline = [4, 4, 1, 4, 4, 9];

  it('h = 1: γ0 = 60.8333/6; DM = −0.89749; DM* = DM·sqrt(5/6) = −0.81929; p = 0.44989 (t, 5 df)', () => {
    const r = dieboldMariano(model, baseline, 1, 'squared_error');
    expect(r.mean_difference).toBeCloseTo(-7 / 6, 14);
    expect(r.statistic!).toBeCloseTo(-0.8192880303729141, 12);
    expect(r.p_value!).toBeCloseTo(0.44989494542406017, 10);
    expect(r).toMatchObject({
      horizon: 1,
      n: 6,
      variance: 'rectangular',
      correction: 'harvey_leybourne_newbold',
      loss: 'squared_error',
    });
  });

  it('h = 2: V = γ0 + 2γ1 = 8.40741; DM* = −0.73461; p = 0.49556', () => {
    const r = dieboldMariano(model, baseline, 2, 'squared_error');
    expect(r.statistic!).toBeCloseTo(-0.7346070902819487, 12);
    expect(r.p_value!).toBeCloseTo(0.4955646151085392, 10);
  });

  it('identical losses: no statistic (the test is undefined), not a division by zero', () => {
    expect(dieboldMariano([1, 2, 3], [1, 2, 3], 1, 'x')).toMatchObject({
      statistic: null,
      p_value: null,
      mean_difference: 0,
    });
  });

  it('a model that is always better by a varying margin is clearly significant', () => {
    const m = Array.from({ length: 200 }, (_, i) => 1 + 0.1 * Math.sin(i));
    const b = m.map((v, i) => v + 0.5 + 0.2 * Math.cos(3 * i));
    const r = dieboldMariano(m, b, 1, 'x');
    expect(r.statistic!).toBeLessThan(-10);
    expect(r.p_value!).toBeLessThan(1e-10);
  });
});
