/**
 * Feature selection on the training part: rank every candidate by how much it says about
 * the target, flag near-duplicates, suggest a set. Deterministic: same input, same output.
 *
 * Ranking: each candidate gets a rank by mutual information (k-NN estimator, captures
 * non-linear dependence) and a rank by |Spearman rho| (monotone dependence, robust to
 * outliers); candidates are ordered by the mean of the two ranks, ties broken by MI, then
 * name. Redundancy: walking that order, a candidate whose |rho| with an already kept
 * (better-ranked, non-redundant) candidate exceeds the threshold is marked redundant with
 * it. The suggestion is the first K non-redundant candidates.
 *
 * Feed it training-part rows only: statistics from validation/test rows would leak the
 * evaluation data into the choice of inputs.
 */
import { InvalidSelectionInputError } from '../errors';
import type { FeatureColumn } from '../types';
import { mutualInformationContinuous, mutualInformationDiscrete } from './mutual-information';
import { averageRanks, pearson } from './rank';

export interface SelectionOptions {
  /** 'continuous' (regression target) or 'discrete' (class indices). Default: continuous. */
  targetKind?: 'continuous' | 'discrete';
  /** Suggested set size. Default 10 (or fewer if fewer are non-redundant). */
  k?: number;
  /** |Spearman| between two candidates above which the worse one is redundant. Default 0.95. */
  redundancyThreshold?: number;
  /** Neighbours in the MI estimator. Default 3 (Kraskov's recommendation, sklearn's default). */
  neighbors?: number;
  /** Rows used by the O(N^2) MI estimator; evenly spaced rows are kept beyond it. Default 2000. */
  maxRows?: number;
}

export interface CandidateScore {
  feature: string;
  mutualInformation: number;
  spearman: number;
  rank: number;
  redundant: boolean;
  redundantWith: string | null;
  /** |rho| with that better-ranked candidate. */
  redundancyCorrelation: number | null;
}

export interface SelectionResult {
  rows: number;
  ranking: CandidateScore[];
  suggested: string[];
  options: Required<SelectionOptions>;
}

function rankDescending(values: number[]): number[] {
  // rank 1 = largest; average ranks on ties so equal scores are treated equally.
  const r = averageRanks(values.map((v) => -v));
  return Array.from(r);
}

export function selectFeatures(
  candidates: Record<string, FeatureColumn>,
  target: FeatureColumn,
  options: SelectionOptions = {},
): SelectionResult {
  const opts: Required<SelectionOptions> = {
    targetKind: options.targetKind ?? 'continuous',
    k: options.k ?? 10,
    redundancyThreshold: options.redundancyThreshold ?? 0.95,
    neighbors: options.neighbors ?? 3,
    maxRows: options.maxRows ?? 2000,
  };
  const names = Object.keys(candidates).sort();
  if (names.length === 0) throw new InvalidSelectionInputError('no candidate features given');
  for (const name of names) {
    if (candidates[name].length !== target.length) {
      throw new InvalidSelectionInputError(
        `'${name}' has ${candidates[name].length} rows, the target ${target.length}`,
      );
    }
  }
  // Complete rows only: every candidate and the target present (warm-up rows drop out).
  const rowsUsed: number[] = [];
  for (let r = 0; r < target.length; r++) {
    if (target[r] === null) continue;
    if (names.every((nm) => candidates[nm][r] !== null && Number.isFinite(candidates[nm][r]))) rowsUsed.push(r);
  }
  const minRows = Math.max(20, opts.neighbors + 2);
  if (rowsUsed.length < minRows) {
    throw new InvalidSelectionInputError(
      `${rowsUsed.length} rows have every candidate and the target; at least ${minRows} are needed`,
    );
  }
  const col = (c: FeatureColumn, rows: number[]) => Float64Array.from(rows, (r) => c[r] as number);
  const y = col(target, rowsUsed);
  const yRanks = averageRanks(y);
  const xRanks = new Map(names.map((nm) => [nm, averageRanks(col(candidates[nm], rowsUsed))]));

  // MI on at most maxRows evenly spaced rows (deterministic subsample).
  const step = Math.max(1, rowsUsed.length / opts.maxRows);
  const sub = Array.from({ length: Math.min(rowsUsed.length, opts.maxRows) }, (_, i) => rowsUsed[Math.floor(i * step)]);
  const ySub = col(target, sub);
  const mi = names.map((nm) =>
    opts.targetKind === 'discrete'
      ? mutualInformationDiscrete(col(candidates[nm], sub), ySub, opts.neighbors)
      : mutualInformationContinuous(col(candidates[nm], sub), ySub, opts.neighbors),
  );
  const rho = names.map((nm) => pearson(xRanks.get(nm) as Float64Array, yRanks));
  const miRank = rankDescending(mi);
  const rhoRank = rankDescending(rho.map(Math.abs));

  const order = names
    .map((nm, i) => ({ i, score: (miRank[i] + rhoRank[i]) / 2 }))
    .sort((a, b) => a.score - b.score || mi[b.i] - mi[a.i] || (names[a.i] < names[b.i] ? -1 : 1));

  const kept: number[] = [];
  const ranking: CandidateScore[] = order.map(({ i }, position) => {
    let redundantWith: string | null = null;
    let corr: number | null = null;
    for (const j of kept) {
      const c = Math.abs(pearson(xRanks.get(names[i]) as Float64Array, xRanks.get(names[j]) as Float64Array));
      if (c > opts.redundancyThreshold) {
        redundantWith = names[j];
        corr = c;
        break;
      }
    }
    if (redundantWith === null) kept.push(i);
    return {
      feature: names[i],
      mutualInformation: mi[i],
      spearman: rho[i],
      rank: position + 1,
      redundant: redundantWith !== null,
      redundantWith,
      redundancyCorrelation: corr,
    };
  });
  const suggested = ranking
    .filter((c) => !c.redundant)
    .slice(0, opts.k)
    .map((c) => c.feature);
  return { rows: rowsUsed.length, ranking, suggested, options: opts };
}
