/**
 * The median stopping rule (Golovin et al., "Google Vizier", KDD 2017): stop a trial at step
 * s when its best objective so far is worse than the median of what the other trials had
 * reached by step s — here, their best value up to s. Losses: lower is better.
 *
 * Not before `warmupSteps` steps of the trial, and only with at least `minTrials` other
 * trials that reached step s (too few comparisons prune good trials by chance).
 */
export interface MedianRuleOptions {
  warmupSteps: number;
  minTrials: number;
}

export function shouldPrune(trial: number[], others: number[][], step: number, options: MedianRuleOptions): boolean {
  if (step + 1 <= options.warmupSteps || trial.length <= step) return false;
  const best = bestUpTo(trial, step);
  if (best === null) return false;
  const reached = others
    .map((c) => (c.length > step ? bestUpTo(c, step) : null))
    .filter((v): v is number => v !== null);
  if (reached.length < options.minTrials) return false;
  return best > median(reached);
}

function bestUpTo(curve: number[], step: number): number | null {
  let best: number | null = null;
  for (let i = 0; i <= step && i < curve.length; i++)
    if (Number.isFinite(curve[i]) && (best === null || curve[i] < best)) best = curve[i];
  return best;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
