import { choleskySolve } from './cholesky';
import { fitRidge, predictRidge, selectRidge } from './ridge';
import { mulberry32, plantedLinear } from './testing/synthetic';

describe('choleskySolve', () => {
  it('solves the textbook system A = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]] (Wikipedia example)', () => {
    const a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
    // b = A · [1, 2, 3]
    const x = choleskySolve(a, [-20, -43, 192], 3);
    expect(Array.from(x).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 2, 3]);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => choleskySolve([1, 2, 2, 1], [1, 1], 2)).toThrow(/not positive definite/);
    expect(() => choleskySolve([1, 0, 0, 1], [1], 2)).toThrow(RangeError);
  });
});

describe('ridge', () => {
  it('shrinks a single slope by 1/(1+λ) on standardised columns, intercept unpenalised', () => {
    // x = 1..4, y = 2x: OLS slope 2. With (1/n)‖r‖² + λ‖w‖² on the standardised column the
    // slope is 2/(1+λ) and the intercept ȳ − slope·x̄.
    for (const lambda of [0.5, 1, 3]) {
      const m = fitRidge([1, 2, 3, 4], [2, 4, 6, 8], 1, lambda);
      expect(m.coefficients[0]).toBeCloseTo(2 / (1 + lambda), 14);
      expect(m.intercept).toBeCloseTo(5 - (2 / (1 + lambda)) * 2.5, 14);
    }
  });

  it('matches the exact solution of a small orthogonal system', () => {
    // Columns x1 = [1,-1,1,-1], x2 = [1,1,-1,-1] are centred, unit-variance and orthogonal,
    // so with y = 5 + 1·x1 + 2·x2 the ridge solution is exactly β/(1+λ), intercept 5.
    const x = [1, 1, -1, 1, 1, -1, -1, -1];
    const y = [8, 6, 4, 2];
    const m = fitRidge(x, y, 2, 1);
    expect(m.coefficients[0]).toBeCloseTo(0.5, 14);
    expect(m.coefficients[1]).toBeCloseTo(1, 14);
    expect(m.intercept).toBeCloseTo(5, 14);
    expect(Array.from(predictRidge(m, x))).toEqual([6.5, 5.5, 4.5, 3.5].map((v) => expect.closeTo(v, 12)));
  });

  it('satisfies the ridge optimality conditions on random data', () => {
    // Stationarity of (1/n)‖r‖² + λ Σ (β_j σ_j)²: Σ r = 0 and (1/n) Σ (x_j − x̄_j) r = λ σ_j² β_j.
    const p = 5;
    const n = 300;
    const { x, y } = plantedLinear(n, [1, -2, 0.5, 0, 3], 0.7, 1, 11, [0, 10, -3, 0, 100]);
    const lambda = 0.3;
    const m = fitRidge(x, y, p, lambda);
    const pred = predictRidge(m, x);
    const r = Array.from(y, (v, i) => v - pred[i]);
    expect(r.reduce((s, v) => s + v, 0) / n).toBeCloseTo(0, 10);
    for (let j = 0; j < p; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[i * p + j] / n;
      let variance = 0;
      let grad = 0;
      for (let i = 0; i < n; i++) {
        const d = x[i * p + j] - mean;
        variance += (d * d) / n;
        grad += (d * r[i]) / n;
      }
      expect(grad).toBeCloseTo(lambda * variance * m.coefficients[j], 8);
    }
  });

  it('recovers planted coefficients (with large column offsets) when λ is small', () => {
    const beta = [0.8, -1.5, 0, 2.2, 0.3, -0.7];
    const { x, y } = plantedLinear(5000, beta, -0.4, 0.05, 7, [1.1, 150, 0, -20, 0.0001, 1e4]);
    const m = fitRidge(x, y, beta.length, 1e-6);
    beta.forEach((b, j) => expect(m.coefficients[j]).toBeCloseTo(b, 2));
    // The intercept absorbs Σ error_j·offset_j, so judge the fit by its predictions on new
    // samples from the same process: within a few noise widths of the noise-free truth.
    const fresh = plantedLinear(200, beta, -0.4, 0, 8, [1.1, 150, 0, -20, 0.0001, 1e4]);
    const pred = predictRidge(m, fresh.x);
    pred.forEach((v, i) => expect(Math.abs(v - fresh.y[i])).toBeLessThan(0.05));
  });

  it('recovers a planted intercept on centred columns', () => {
    const { x, y } = plantedLinear(5000, [0.5, -0.25], -0.4, 0.05, 17);
    expect(fitRidge(x, y, 2, 1e-6).intercept).toBeCloseTo(-0.4, 2);
  });

  it('gives a column that is constant on the training part weight 0', () => {
    const { x: x2, y } = plantedLinear(200, [1, 2], 0, 0.1, 3);
    const x = new Float64Array(200 * 3);
    for (let i = 0; i < 200; i++) {
      x[i * 3] = x2[i * 2];
      x[i * 3 + 1] = 0.1; // constant, with a mean that is not exactly representable
      x[i * 3 + 2] = x2[i * 2 + 1];
    }
    const m = fitRidge(x, y, 3, 1e-3);
    expect(m.coefficients[1]).toBe(0);
    expect(m.coefficients[0]).toBeCloseTo(1, 1);
    expect(m.coefficients[2]).toBeCloseTo(2, 1);
  });

  it('picks the smallest λ of the grid on noise-free data, on the validation part', () => {
    const beta = [1, -1, 0.5, 2];
    const train = plantedLinear(400, beta, 0.2, 0, 1);
    const val = plantedLinear(200, beta, 0.2, 0, 2);
    const s = selectRidge(train.x, train.y, val.x, val.y, 4);
    expect(s.selected_on).toBe('validation');
    expect(s.model.lambda).toBe(1e-3);
    expect(s.validation.map((v) => v.lambda)).toEqual([1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]);
    // Validation error grows with the penalty on noise-free data.
    for (let k = 1; k < s.validation.length; k++) expect(s.validation[k].mse).toBeGreaterThan(s.validation[k - 1].mse);
  });

  it('picks a large λ when the target is noise unrelated to the columns', () => {
    const p = 40;
    const normal = mulberry32(5);
    const mk = (n: number) => ({
      x: Float64Array.from({ length: n * p }, normal),
      y: Float64Array.from({ length: n }, () => normal() - 0.5),
    });
    const train = mk(120);
    const val = mk(400);
    expect(selectRidge(train.x, train.y, val.x, val.y, p).model.lambda).toBeGreaterThanOrEqual(10);
  });

  it('falls back to λ = 1 without validation samples', () => {
    const t = plantedLinear(50, [1], 0, 0.1, 9);
    const s = selectRidge(t.x, t.y, [], [], 1);
    expect(s.selected_on).toBe('default');
    expect(s.model.lambda).toBe(1);
  });

  it('is deterministic', () => {
    const t = plantedLinear(300, [1, 2, 3], 0.5, 0.5, 4);
    const v = plantedLinear(100, [1, 2, 3], 0.5, 0.5, 5);
    expect(selectRidge(t.x, t.y, v.x, v.y, 3)).toEqual(selectRidge(t.x, t.y, v.x, v.y, 3));
  });

  it('rejects misshapen input and a non-positive λ', () => {
    expect(() => fitRidge([1, 2, 3], [1, 2], 2, 1)).toThrow(/expected 2 samples × 2 columns/);
    expect(() => fitRidge([1, 2], [1, 2], 1, 0)).toThrow(/lambda/);
    expect(() => fitRidge([], [], 1, 1)).toThrow(/at least one/);
    expect(() => selectRidge([1, 2], [1, 2], [1], [1, 2], 1)).toThrow(/xVal/);
  });

  // Its speed (well under a second here) is a bench figure, not an assertion: a loaded CI
  // machine must not fail a correct result.
  it('recovers the coefficients of 20k samples × 120 columns', () => {
    const p = 120;
    const beta = Array.from({ length: p }, (_, j) => ((j % 7) - 3) / 10);
    const train = plantedLinear(20_000, beta, 0.1, 1, 21);
    const val = plantedLinear(4_000, beta, 0.1, 1, 22);
    const s = selectRidge(train.x, train.y, val.x, val.y, p);
    beta.forEach((b, j) => expect(Math.abs(s.model.coefficients[j] - b)).toBeLessThan(0.05));
  });
});
