import { selectFeatures, type Dataset, type SelectionResult } from './core';

/**
 * Feature selection on a dataset built with a window of one bar: each training sample is one
 * row of candidate values, so the builder's chronological split, purge gap and warm-up
 * handling decide which rows the scores may see (the training part only).
 */
export function selectOnTrainingPart(
  dataset: Dataset,
  opts: { k?: number; redundancyThreshold?: number },
): SelectionResult {
  const { train, features } = dataset;
  const columns: Record<string, number[]> = {};
  features.forEach((name, f) => {
    const col = new Array<number>(train.count);
    for (let i = 0; i < train.count; i++) col[i] = train.windows[i * features.length + f];
    columns[name] = col;
  });
  return selectFeatures(columns, Array.from(train.targets), {
    targetKind: dataset.target.kind === 'classification' ? 'discrete' : 'continuous',
    k: opts.k ?? 10,
    redundancyThreshold: opts.redundancyThreshold ?? 0.95,
  });
}

/** The API's snake_case view of a ranking row. */
export function rankingView(result: SelectionResult) {
  return result.ranking.map((c) => ({
    feature: c.feature,
    rank: c.rank,
    mutual_information: c.mutualInformation,
    spearman: c.spearman,
    redundant: c.redundant,
    redundant_with: c.redundantWith,
    redundancy_correlation: c.redundancyCorrelation,
  }));
}
