import fc from 'fast-check';
import { classificationMetrics } from './classification-metrics';

/** Probabilities that put all weight on the predicted class (for label-only sklearn examples). */
function oneHot(pred: number[], k: number): number[][] {
  return pred.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));
}

describe('classificationMetrics', () => {
  it('matches the scikit-learn f1/precision/recall examples', () => {
    // sklearn docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
    // f1_score(average='macro') = 0.26..., average=None = [0.8, 0, 0];
    // precision_score(average=None) = [0.66..., 0, 0]; recall_score(average=None) = [1, 0, 0].
    const m = classificationMetrics([0, 1, 2, 0, 1, 2], oneHot([0, 2, 1, 0, 0, 1], 3), ['a', 'b', 'c']);
    expect(m.f1_macro).toBeCloseTo(0.8 / 3, 12);
    expect(m.f1).toEqual({ a: expect.closeTo(0.8, 12), b: 0, c: 0 });
    expect(m.precision).toEqual({ a: expect.closeTo(2 / 3, 12), b: 0, c: 0 });
    expect(m.recall).toEqual({ a: 1, b: 0, c: 0 });
    expect(m.accuracy).toBeCloseTo(1 / 3, 12);
  });

  it('matches the scikit-learn confusion_matrix example (rows true, columns predicted)', () => {
    // confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]) = [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
    const m = classificationMetrics([2, 0, 2, 2, 0, 1], oneHot([0, 0, 2, 2, 0, 2], 3), ['down', 'flat', 'up']);
    expect(m.confusion_matrix).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(m.n).toBe(6);
    // 'flat' was never predicted: its precision is undefined (null), its recall 0.
    expect(m.precision.flat).toBeNull();
    expect(m.recall.flat).toBe(0);
  });

  it('matches the scikit-learn accuracy_score example and reports its standard error', () => {
    // accuracy_score([0, 2, 1, 3], [0, 1, 2, 3]) = 0.5
    const m = classificationMetrics([0, 2, 1, 3], oneHot([0, 1, 2, 3], 4), ['a', 'b', 'c', 'd']);
    expect(m.accuracy).toBe(0.5);
    expect(m.accuracy_se).toBeCloseTo(Math.sqrt(0.25 / 4), 15);
  });

  it('matches the scikit-learn log_loss examples', () => {
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) = 0.21616...
    // (columns in sorted label order: ham, spam)
    const spam = classificationMetrics(
      [1, 0, 0, 1],
      [
        [0.1, 0.9],
        [0.9, 0.1],
        [0.8, 0.2],
        [0.35, 0.65],
      ],
      ['ham', 'spam'],
    );
    expect(spam.log_loss).toBeGreaterThanOrEqual(0.21616);
    expect(spam.log_loss).toBeLessThan(0.21617);
    // User guide: log_loss([0, 0, 1, 1], [[.9, .1], [.8, .2], [.3, .7], [.01, .99]]) = 0.1738...
    const guide = classificationMetrics([0, 0, 1, 1], Float64Array.from([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.01, 0.99]), [
      'a',
      'b',
    ]);
    expect(guide.log_loss).toBeGreaterThanOrEqual(0.1738);
    expect(guide.log_loss).toBeLessThan(0.1739);
  });

  it('clips probabilities at 1e-15 so a confident miss costs -log(1e-15), not Infinity', () => {
    const m = classificationMetrics([0], [[0, 1]], ['a', 'b']);
    expect(m.log_loss).toBeCloseTo(-Math.log(1e-15), 10);
    expect(classificationMetrics([0], [[1, 0]], ['a', 'b']).log_loss).toBeCloseTo(-Math.log(1 - 1e-15), 20);
  });

  it('leaves classes absent from both truth and predictions out of f1_macro', () => {
    const m = classificationMetrics([0, 0, 2], oneHot([0, 0, 2], 3), ['down', 'flat', 'up']);
    expect(m.f1_macro).toBe(1);
    expect(m.f1.flat).toBeNull();
  });

  it('rejects labels outside the classes and misshapen probabilities', () => {
    expect(() => classificationMetrics([3], [[0.5, 0.5]], ['a', 'b'])).toThrow(/class index/);
    expect(() => classificationMetrics([0, 1], [0.5, 0.5, 0.5], ['a', 'b'])).toThrow(/expected 2 samples/);
    expect(() => classificationMetrics([0], [[0.5, 0.3, 0.2]], ['a', 'b'])).toThrow(/row 0/);
    expect(() => classificationMetrics([0], [[NaN, 1]], ['a', 'b'])).toThrow(/probability/);
    expect(() => classificationMetrics([], [], ['a', 'b'])).toThrow(/empty/);
  });

  it('is invariant to the order of the samples (property)', () => {
    const sample = fc.tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 40 }), (rows) => {
        const probs = rows.map(([, w]) => w.map((v) => v / (w[0] + w[1] + w[2])));
        const reversed = [...rows].reverse();
        const a = classificationMetrics(
          rows.map((r) => r[0]),
          probs,
          ['down', 'flat', 'up'],
        );
        const b = classificationMetrics(
          reversed.map((r) => r[0]),
          [...probs].reverse(),
          ['down', 'flat', 'up'],
        );
        expect(b.confusion_matrix).toEqual(a.confusion_matrix);
        expect(b.accuracy).toBe(a.accuracy);
        expect(b.f1_macro).toBeCloseTo(a.f1_macro, 12);
        expect(b.log_loss).toBeCloseTo(a.log_loss, 12);
      }),
      { numRuns: 200 },
    );
  });
});
