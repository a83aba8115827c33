/**
 * A walk-forward fold's result as the parent needs it to combine the folds, and its stored
 * (JSON) form in `walk_forward_folds.result`. The fold's job and the parent's final step may run
 * in different processes, so everything the combination reads travels through the row: the
 * out-of-sample predictions of the model and of the baselines, ridge's selection, the block's
 * per-sample fields (targets, times, symbols, footprints) and the fold's report entry.
 * Float arrays are stored as base64 of their bytes: exact (a decimal rendering of NaN would not
 * survive JSON) and a third of the size. The block's windows are not kept: scoring given
 * predictions never reads them (the combined part has none).
 */
import type { Dataset, DatasetPart } from '../../features/core';
import type { BaselinePredictions } from '../evaluation/baselines';
import type { TrainerOutcome } from '../trainers';
import type { FoldOutOfSample } from './combine';

/** The fold's entry in the version's `walk_forward.folds`. */
export interface FoldReport {
  fold: number;
  train_start: string;
  train_end: string;
  test_start: string;
  test_end: string;
  n: number;
  train_samples: number;
  validation_samples: number;
  metrics: Record<string, unknown>;
  baselines: Record<string, unknown>;
}

export interface FoldResult extends FoldOutOfSample {
  report: FoldReport;
}

const iso = (t: number) => new Date(t).toISOString();
const bounds = (ts: readonly number[]) =>
  ts.reduce((b, t) => [Math.min(b[0], t), Math.max(b[1], t)], [Infinity, -Infinity]);

/** What a trained fold leaves for the parent: its block, its predictions and its report entry. */
export function foldResult(fold: number, dataset: Dataset, outcome: TrainerOutcome): FoldResult {
  const [trainStart] = bounds(dataset.train.timestamps);
  const [, trainEnd] = bounds(dataset.validation.timestamps);
  const [testStart, testEnd] = bounds(dataset.test.timestamps);
  return {
    test: { ...dataset.test, windows: new Float32Array(0) },
    prediction: outcome.outOfSample!.prediction,
    baselines: outcome.outOfSample!.baselines,
    report: {
      fold,
      train_start: iso(trainStart),
      train_end: iso(trainEnd),
      test_start: iso(testStart),
      test_end: iso(testEnd),
      n: dataset.test.count,
      train_samples: dataset.train.count,
      validation_samples: dataset.validation.count,
      metrics: outcome.metrics,
      baselines: outcome.baselines,
    },
  };
}

const f64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function unf64(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  // A copy: Buffer's pool memory need not be 8-byte aligned.
  return new Float64Array(new Uint8Array(b).buffer);
}

export function storeFold(r: FoldResult): Record<string, unknown> {
  const { selected_on, validation, model } = r.baselines.ridgeSelection;
  return {
    report: r.report,
    test: {
      count: r.test.count,
      targets: f64(r.test.targets),
      timestamps: r.test.timestamps,
      symbols: r.test.symbols,
      windowStart: r.test.windowStart,
      targetEnd: r.test.targetEnd,
    },
    prediction: f64(r.prediction),
    baselines: {
      naive_zero: f64(r.baselines.naive_zero),
      naive_last: f64(r.baselines.naive_last),
      ridge: f64(r.baselines.ridge),
      ridgeSelection: {
        selected_on,
        validation,
        model: { lambda: model.lambda, intercept: model.intercept, coefficients: f64(model.coefficients) },
      },
    },
  };
}

interface StoredFold {
  report: FoldReport;
  test: Omit<DatasetPart, 'windows' | 'targets'> & { targets: string };
  prediction: string;
  baselines: Record<'naive_zero' | 'naive_last' | 'ridge', string> & {
    ridgeSelection: Omit<BaselinePredictions['ridgeSelection'], 'model'> & {
      model: { lambda: number; intercept: number; coefficients: string };
    };
  };
}

export function loadFold(stored: Record<string, unknown>): FoldResult {
  const s = stored as unknown as StoredFold;
  const sel = s.baselines.ridgeSelection;
  return {
    report: s.report,
    test: { ...s.test, targets: unf64(s.test.targets), windows: new Float32Array(0) },
    prediction: unf64(s.prediction),
    baselines: {
      naive_zero: unf64(s.baselines.naive_zero),
      naive_last: unf64(s.baselines.naive_last),
      ridge: unf64(s.baselines.ridge),
      ridgeSelection: { ...sel, model: { ...sel.model, coefficients: unf64(sel.model.coefficients) } },
    },
  };
}
