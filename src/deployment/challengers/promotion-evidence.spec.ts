import { dieboldMariano } from '../../training/evaluation/significance/diebold-mariano';
import type { ScoredRow } from '../performance/prediction.repository';
import { PROMOTION_MIN_SAMPLES, promotionEvidence } from './promotion-evidence';

const DAY = 86_400_000;
const row = (i: number, predicted: number, realised: number, symbol = 'EUR/USD'): ScoredRow => ({
  symbol,
  as_of: i * DAY,
  realised_at: (i + 1) * DAY,
  predicted,
  realised,
  price: 1.1,
});

describe('promotionEvidence', () => {
  // Realised moves, a noisy active version and a challenger that tracks them closely.
  const real = Array.from({ length: 40 }, (_, i) => 0.01 * Math.sin(i * 1.7));
  const active = real.map((r, i) => row(i, r + 0.01 * Math.cos(i * 2.3), r));
  const better = real.map((r, i) => row(i, r + 0.001 * Math.cos(i * 3.1), r));

  it('pairs losses by bar and tests them with DM-HLN (challenger − active)', () => {
    const e = promotionEvidence(active, better, 1);
    const la = active.map((a) => (a.realised - a.predicted) ** 2);
    const lc = better.map((c) => (c.realised - c.predicted) ** 2);
    const dm = dieboldMariano(lc, la, 1, 'squared_error');
    expect(e).toMatchObject({
      n: 40,
      min_samples: PROMOTION_MIN_SAMPLES,
      dm_statistic: dm.statistic,
      p_value: dm.p_value,
      mean_loss_difference: dm.mean_difference,
      horizon_bars: 1,
    });
    expect(e.dm_statistic!).toBeLessThan(0);
    expect(e.p_value!).toBeLessThan(0.05);
    expect(e.supports_promotion).toBe(true);
  });

  it('never promotes a worse challenger, too few pairs, or bars only one version predicted', () => {
    expect(promotionEvidence(better, active, 1).supports_promotion).toBe(false); // significant, but the wrong way
    const few = promotionEvidence(active.slice(0, PROMOTION_MIN_SAMPLES - 1), better, 1);
    expect({ n: few.n, supports: few.supports_promotion }).toEqual({ n: PROMOTION_MIN_SAMPLES - 1, supports: false });
    // Another symbol at the same bars: no pairs.
    const other = promotionEvidence(
      active,
      better.map((r) => ({ ...r, symbol: 'GBP/USD' })),
      1,
    );
    expect(other).toMatchObject({
      n: 0,
      dm_statistic: null,
      p_value: null,
      mean_loss_difference: null,
      supports_promotion: false,
    });
  });
});
