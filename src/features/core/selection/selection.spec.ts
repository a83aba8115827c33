import { InvalidSelectionInputError } from '../errors';
import { gaussian, mulberry32 } from '../testing/synthetic';
import { digammaTable, mutualInformationContinuous, mutualInformationDiscrete } from './mutual-information';
import { averageRanks, spearman } from './rank';
import { selectFeatures } from './select';

const normals = (seed: number, n: number) => {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => g());
};

describe('spearman', () => {
  it("matches the textbook example (IQ vs hours of TV, Wikipedia 'Spearman's rank correlation coefficient'): rho = -29/165", () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    expect(spearman(iq, tv)).toBeCloseTo(-29 / 165, 12);
  });

  it('averages tied ranks and is +-1 for any monotone relation', () => {
    expect(Array.from(averageRanks([10, 20, 20, 30, 20]))).toEqual([1, 3, 3, 5, 3]);
    const x = [0.3, 1, 2, 5, 9, 11];
    expect(
      spearman(
        x,
        x.map((v) => Math.exp(v)),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      spearman(
        x,
        x.map((v) => -(v ** 3)),
      ),
    ).toBeCloseTo(-1, 12);
    expect(spearman(x, [1, 1, 1, 1, 1, 1])).toBe(0);
  });
});

describe('mutual information', () => {
  it('digamma at integers: psi(1) = -gamma, psi(2) = 1 - gamma, psi(10) = 2.2517525890667...', () => {
    const psi = digammaTable(10);
    expect(psi[1]).toBeCloseTo(-0.5772156649015329, 14);
    expect(psi[2]).toBeCloseTo(0.4227843350984671, 14);
    expect(psi[10]).toBeCloseTo(2.251752589066721, 12);
  });

  it('KSG recovers the closed form -0.5 ln(1 - rho^2) for a bivariate Gaussian, and ~0 for independent data', () => {
    const n = 1500;
    const a = normals(1, n);
    const b = normals(2, n);
    const rho = 0.8;
    const y = a.map((v, i) => rho * v + Math.sqrt(1 - rho * rho) * b[i]);
    expect(mutualInformationContinuous(a, y)).toBeCloseTo(-0.5 * Math.log(1 - rho * rho), 1); // 0.511 +- 0.05
    expect(mutualInformationContinuous(a, b)).toBeLessThan(0.03);
  });

  it('Ross estimator gives ln(3) for three perfectly separated equiprobable classes, ~0 for unrelated labels', () => {
    const n = 900;
    const noise = normals(3, n);
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    expect(
      mutualInformationDiscrete(
        labels.map((c, i) => c * 20 + noise[i]),
        labels,
      ),
    ).toBeCloseTo(Math.log(3), 1);
    expect(mutualInformationDiscrete(noise, labels)).toBeLessThan(0.03);
  });
});

describe('selectFeatures', () => {
  const n = 800;
  const signal = normals(10, n);
  const noise = normals(11, n);
  const other = normals(12, n);
  const u = normals(13, n);
  const target = signal.map((s, i) => s + 0.5 * noise[i] + u[i] ** 2);
  const candidates = {
    signal,
    signal_copy: signal.map((s, i) => 1.001 * s + 1e-3 * other[i]), // a near-duplicate of signal
    square_driver: u, // enters through u^2: |rho| ~ 0, MI clearly > 0
    pure_noise: other,
  };

  it('ranks the informative candidates first, marks the near-duplicate redundant and suggests a set', () => {
    const result = selectFeatures(candidates, target, { k: 3 });
    const byName = Object.fromEntries(result.ranking.map((c) => [c.feature, c]));
    expect(
      result.ranking
        .slice(0, 2)
        .map((c) => c.feature)
        .sort(),
    ).toEqual(['signal', 'signal_copy']);
    const dup = [byName.signal, byName.signal_copy].find((c) => c.redundant);
    expect(dup).toBeDefined();
    expect(dup?.redundantWith).toBe(dup?.feature === 'signal' ? 'signal_copy' : 'signal');
    expect(dup?.redundancyCorrelation).toBeGreaterThan(0.95);
    // Non-linear dependence: no rank correlation, but mutual information sees it.
    expect(Math.abs(byName.square_driver.spearman)).toBeLessThan(0.1);
    expect(byName.square_driver.mutualInformation).toBeGreaterThan(byName.pure_noise.mutualInformation + 0.05);
    expect(result.ranking[result.ranking.length - 1].feature).toBe('pure_noise');
    expect(result.suggested).toHaveLength(3);
    expect(result.suggested).not.toContain(dup?.feature);
    expect(result.suggested[0]).not.toBe('pure_noise');
  });

  it('is deterministic and does not depend on the order candidates are given in', () => {
    const a = selectFeatures(candidates, target);
    const reversed = Object.fromEntries(Object.entries(candidates).reverse());
    expect(selectFeatures(reversed, target)).toEqual(a);
  });

  it('uses only complete rows and handles class targets', () => {
    const withNulls = { ...candidates, signal: [null, null, ...signal.slice(2)] };
    expect(selectFeatures(withNulls, target).rows).toBe(n - 2);
    const classes = target.map((t) => (t < 0 ? 0 : t < 1.5 ? 1 : 2));
    const result = selectFeatures(candidates, classes, { targetKind: 'discrete' });
    expect(result.ranking[result.ranking.length - 1].feature).toBe('pure_noise');
  });

  it('refuses inputs it cannot rank', () => {
    expect(() => selectFeatures({}, target)).toThrow(InvalidSelectionInputError);
    expect(() => selectFeatures({ a: [1, 2] }, target)).toThrow(/rows/);
    expect(() => selectFeatures({ a: signal.slice(0, 10) }, target.slice(0, 10))).toThrow(/at least 20/);
  });
});
