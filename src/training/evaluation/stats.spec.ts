import { averageRanks, pearson, spearman } from './stats';

describe('pearson', () => {
  it('matches the scipy.stats.pearsonr documentation example', () => {
    // docs.scipy.org pearsonr: x=[1..7], y=[10,9,2.5,6,4,3,2] → statistic=-0.828503883588428
    expect(pearson([1, 2, 3, 4, 5, 6, 7], [10, 9, 2.5, 6, 4, 3, 2])).toBeCloseTo(-0.828503883588428, 12);
  });

  it('is null, not NaN, for a constant series or fewer than two values', () => {
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNull();
    expect(pearson([0.1, 0.1, 0.1], [1, 2, 3])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
  });

  it('stays accurate with a large offset', () => {
    const x = [1e9 + 1, 1e9 + 2, 1e9 + 3];
    expect(pearson(x, [1, 2, 3])).toBeCloseTo(1, 12);
  });
});

describe('averageRanks', () => {
  it('gives tied values the average of the ranks they span', () => {
    expect(Array.from(averageRanks([10, 30, 20, 30]))).toEqual([1, 3.5, 2, 3.5]);
    expect(Array.from(averageRanks([5, 5, 5]))).toEqual([2, 2, 2]);
  });
});

describe('spearman', () => {
  it('matches the textbook IQ vs hours-of-TV example (Wikipedia): rho = -29/165', () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    expect(spearman(iq, tv)).toBeCloseTo(-29 / 165, 12);
  });

  it('matches the scipy.stats.spearmanr documentation example, which has ties', () => {
    // docs.scipy.org spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).statistic = 0.8207826816681233
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('is null for a constant series', () => {
    expect(spearman([1, 2, 3], [0, 0, 0])).toBeNull();
  });
});
