import { dieboldMariano } from '../../training/evaluation/significance/diebold-mariano';
import type { ScoredRow } from '../performance/prediction.repository';

/** Fewest bars both versions predicted and that have realised before the evidence can promote. */
export const PROMOTION_MIN_SAMPLES = 30;
/** The challenger must lose significantly less: two-sided DM-HLN p below this, statistic in its favour. */
export const PROMOTION_P_VALUE = 0.05;

export interface PromotionEvidence {
  /** Bars (symbol, as_of) both the active version and the challenger predicted, realised. */
  n: number;
  min_samples: number;
  /** Mean of (challenger − active) squared error: negative = the challenger loses less. */
  mean_loss_difference: number | null;
  mean_loss_active: number | null;
  mean_loss_challenger: number | null;
  /** Diebold–Mariano statistic with the HLN correction (negative favours the challenger); null when undefined. */
  dm_statistic: number | null;
  p_value: number | null;
  horizon_bars: number;
  rule: string;
  /** Whether the figures alone allow the promotion. */
  supports_promotion: boolean;
}

const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : null);

/**
 * The live evidence for promoting a challenger: the realised squared errors of both versions
 * on the bars both predicted (pairs by symbol and bar, oldest first — the same requests, so the
 * losses are paired as Diebold–Mariano needs), tested with the training evaluation's DM-HLN
 * (the horizon sets how many autocovariances overlapping forecasts need).
 */
export function promotionEvidence(
  active: ScoredRow[],
  challenger: ScoredRow[],
  horizonBars: number,
): PromotionEvidence {
  const byBar = new Map(active.map((r) => [`${r.symbol}|${r.as_of}`, r]));
  const la: number[] = [];
  const lc: number[] = [];
  for (const c of challenger) {
    const a = byBar.get(`${c.symbol}|${c.as_of}`);
    if (!a) continue;
    la.push((a.realised - a.predicted) ** 2);
    lc.push((c.realised - c.predicted) ** 2);
  }
  const n = la.length;
  const h = Math.max(1, Math.round(horizonBars));
  const dm = n >= 2 ? dieboldMariano(lc, la, h, 'squared_error') : null;
  const supports =
    n >= PROMOTION_MIN_SAMPLES &&
    dm?.statistic != null &&
    dm.statistic < 0 &&
    dm.p_value != null &&
    dm.p_value < PROMOTION_P_VALUE;
  return {
    n,
    min_samples: PROMOTION_MIN_SAMPLES,
    mean_loss_difference: dm?.mean_difference ?? null,
    mean_loss_active: mean(la),
    mean_loss_challenger: mean(lc),
    dm_statistic: dm?.statistic ?? null,
    p_value: dm?.p_value ?? null,
    horizon_bars: h,
    rule: `promote when n >= ${PROMOTION_MIN_SAMPLES} paired realised predictions and the Diebold–Mariano (HLN) test of squared errors has p < ${PROMOTION_P_VALUE} with the challenger's loss lower`,
    supports_promotion: supports,
  };
}
