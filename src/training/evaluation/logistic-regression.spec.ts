import { fitLogistic, predictLogistic } from './logistic-regression';

describe('multinomial logistic regression (baseline)', () => {
  it('separates linearly separable classes and gives probabilities that sum to 1', () => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 300; i++) {
      const a = ((i * 37) % 100) / 10 - 5;
      const b = ((i * 53) % 100) / 10 - 5;
      x.push(a, b);
      y.push(a + b > 1 ? 2 : a - b > 1 ? 0 : 1);
    }
    const model = fitLogistic(x, y, 2, 3, { iterations: 500 });
    const probs = predictLogistic(model, x);
    let correct = 0;
    for (let i = 0; i < y.length; i++) {
      const row = probs.subarray(i * 3, i * 3 + 3);
      expect(row[0] + row[1] + row[2]).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === y[i]) correct++;
    }
    expect(correct / y.length).toBeGreaterThan(0.9);
  });

  it('recovers the log-odds of a known two-class model (P(y=1) = σ(2x))', () => {
    const x: number[] = [];
    const y: number[] = [];
    // Exact frequencies instead of random draws: at each x, round(40·σ(2x)) ones.
    for (let g = -20; g <= 20; g++) {
      const xv = g / 10;
      const ones = Math.round(40 / (1 + Math.exp(-2 * xv)));
      for (let r = 0; r < 40; r++) {
        x.push(xv);
        y.push(r < ones ? 1 : 0);
      }
    }
    const model = fitLogistic(x, y, 1, 2, { iterations: 800, l2: 0, learningRate: 4 });
    const [p0, p1] = predictLogistic(model, [1]);
    expect(Math.log(p1 / p0)).toBeCloseTo(2, 1);
  });

  it('is deterministic', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const y = [0, 0, 1, 1];
    expect(Array.from(predictLogistic(fitLogistic(x, y, 2, 2), x))).toEqual(
      Array.from(predictLogistic(fitLogistic(x, y, 2, 2), x)),
    );
  });
});
