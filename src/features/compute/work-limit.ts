import { DataValidationError } from '../../common/errors/app-error';
import type { FeatureSpec } from '../core';

/** The default page of GET /features/values when the request gives no limit. */
export const DEFAULT_VALUES_ROWS = 10_000;

export interface ValuesWork {
  /** Rows to answer. */
  rows: number;
  /** Bars before `start` each feature's value depends on (the longest memory). */
  warmupBars: number;
  /** Σ of the features' per-value costs. */
  featureCost: number;
  cells: number;
}

/**
 * The work of one GET /features/values: every feature is computed over the page plus the
 * longest warm-up before it, each value weighted by its feature's cost (1 for a streaming
 * indicator; more for those that rescan their window per bar), so
 *   cells = (rows + warm-up bars) × Σ cost.
 * An explicit `limit` over FEATURE_VALUES_MAX_CELLS is a 422 WORK_LIMIT that says how many
 * rows would fit; without one the page shrinks to fit (next_start continues it).
 */
export function valuesWork(
  specs: FeatureSpec[],
  opts: { limit?: number; fromStart: boolean; maxCells: number },
): ValuesWork {
  const warmupBars = opts.fromStart ? 0 : Math.max(0, ...specs.map((s) => s.memory));
  const featureCost = specs.reduce((sum, s) => sum + s.cost, 0);
  const maxRows = Math.floor(opts.maxCells / featureCost) - warmupBars;
  const rows = opts.limit ?? Math.min(DEFAULT_VALUES_ROWS, maxRows);
  const cells = Math.ceil((Math.max(rows, 1) + warmupBars) * featureCost);
  if (rows < 1 || cells > opts.maxCells) {
    const heaviest = [...specs].sort((a, b) => b.memory * b.cost - a.memory * a.cost)[0];
    const advice =
      maxRows >= 1
        ? `ask for at most ${maxRows} rows (limit), or fewer features`
        : `even one row is too much: the warm-up alone is ${warmupBars} bars (${heaviest.name}); ask for fewer or shorter-window features`;
    throw new DataValidationError(
      `this request needs ${cells.toLocaleString('en-US')} feature cells ((${Math.max(rows, 1)} rows + ${warmupBars} warm-up bars) × cost ${featureCost} of ${specs.length} feature(s)), above FEATURE_VALUES_MAX_CELLS (${opts.maxCells.toLocaleString('en-US')}): ${advice}`,
      {
        cells,
        max_cells: opts.maxCells,
        rows: Math.max(rows, 1),
        warmup_bars: warmupBars,
        feature_cost: featureCost,
        max_rows: Math.max(0, maxRows),
      },
      'WORK_LIMIT',
    );
  }
  return { rows, warmupBars, featureCost, cells };
}
