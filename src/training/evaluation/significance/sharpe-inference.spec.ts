import { deflatedSharpe, expectedMaxSharpe, probabilisticSharpe, sharpeMoments } from './sharpe-inference';

describe('probabilistic and deflated Sharpe ratios', () => {
  it("reproduces the numerical example of Bailey & López de Prado (2014), 'The Deflated Sharpe Ratio', JPM 40(5)", () => {
    // The paper's example: N = 100 trials, variance of their annualised Sharpes V = 1/2, the best
    // annualised SR = 2.5 over T = 1250 daily observations (250 a year), skewness −3, kurtosis 10.
    // It reports SR0 ≈ 0.1132 (daily) and DSR ≈ 0.9004.
    const daily = 2.5 / Math.sqrt(250);
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0).toBeCloseTo(0.1132, 4);
    const dsr = probabilisticSharpe(daily, sr0, 1250, -3, 10)!;
    expect(dsr).toBeCloseTo(0.9004, 4);
    // The same through deflatedSharpe, with trial Sharpes whose sample variance is 1/2 (annualised).
    const trials = [2.5 - 0.5, 2.5, 2.5 + 0.5]; // sample variance (0.25 + 0 + 0.25) / 2 = 0.25
    const viaTrials = deflatedSharpe(
      { sharpe: daily, n: 1250, skewness: -3, kurtosis: 10 },
      100,
      trials.map((t) => 2.5 + (t - 2.5) * Math.SQRT2),
      250,
    )!;
    expect(viaTrials.sharpe_variance).toBeCloseTo(0.5 / 250, 15);
    expect(viaTrials.value!).toBeCloseTo(0.9004, 4);
    expect(viaTrials.expected_max_sharpe_annualized).toBeCloseTo(0.1132 * Math.sqrt(250), 2);
    expect(viaTrials.variance_source).toBe('trials');
  });

  it('PSR(0) of ten returns, by hand (moments with population m2, m3, m4; SR with the n−1 sd)', () => {
    // numpy / scipy: SR = 0.462546126834829, skew = −0.04516237518617979 (scipy.stats.skew),
    // kurtosis = 2.3365187914204437 (scipy.stats.kurtosis, fisher=False);
    // PSR = Φ(SR·sqrt(9) / sqrt(1 − skew·SR + (kurt − 1)/4·SR²)) = 0.9078564323424754.
    const r = [0.01, -0.005, 0.02, 0.003, -0.012, 0.008, 0.015, -0.002, 0.006, 0.001];
    const m = sharpeMoments(r);
    expect(m.sharpe!).toBeCloseTo(0.462546126834829, 13);
    expect(m.skewness!).toBeCloseTo(-0.04516237518617979, 13);
    expect(m.kurtosis!).toBeCloseTo(2.3365187914204437, 12);
    expect(probabilisticSharpe(m.sharpe!, 0, m.n, m.skewness!, m.kurtosis!)!).toBeCloseTo(0.9078564323424754, 12);
  });

  it('one trial is no selection: SR0 = 0 and DSR = PSR(0); fewer than two trial Sharpes use the sampling variance', () => {
    expect(expectedMaxSharpe(1, 0.3)).toBe(0);
    const m = { sharpe: 0.1, n: 101, skewness: 0, kurtosis: 3 };
    const one = deflatedSharpe(m, 1, [], 52)!;
    expect(one.value).toBe(probabilisticSharpe(0.1, 0, 101, 0, 3));
    const five = deflatedSharpe(m, 5, [1.2], 52)!;
    expect(five.variance_source).toBe('sampling');
    expect(five.sharpe_variance).toBeCloseTo(1 / 100, 15);
    // More trials, a higher bar: the DSR falls.
    expect(five.value!).toBeLessThan(one.value!);
    expect(deflatedSharpe(m, 50, [], 52)!.value!).toBeLessThan(five.value!);
  });

  it('undefined inputs give null, not NaN', () => {
    expect(sharpeMoments([0.01, 0.01, 0.01]).sharpe).toBeNull();
    expect(deflatedSharpe({ sharpe: null, n: 10, skewness: null, kurtosis: null }, 3, [], 52)).toBeNull();
  });
});
