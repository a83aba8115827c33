import { Injectable } from '@nestjs/common';
import { ModelError } from '../common/errors/app-error';
import { windowFromRows } from '../features/core';
import { FeaturesService } from '../features/features.service';
import type { Timeframe } from '../market-data/timeframes';
import type { LoadedModel } from './model-loader';
import type { Preprocessing } from '../models/artifacts';
import { featureRows } from './prediction-input';
import { assertFiniteWindow, coreErrors, invalid } from './prediction-errors';
import type { PredictBody, PreparedInstance, PreparedWindows, Resolved } from './prediction.types';

const MAX_ID_TAIL = 64;

/** Where a window comes from besides the request: a bar to end at, or the raw rows another version already built. */
export interface WindowSource {
  /** Epoch ms: a window built from stored bars ends at this bar (a shadow predicts the bar the active version answered for). */
  barsUpTo?: number;
  /** The raw rows another version built for the same request, reused instead of reading the bars again. */
  reuse?: PreparedInstance;
}

/**
 * Validates one window's inputs against the version that answers (symbol, timeframe) and builds
 * its scaled window: from the request's `features`, or from the stored bars as training built
 * them (FeaturesService.servedWindow: restarts at gaps, nothing before the training start), scaled with the version's stored scaler. Nothing is batched before
 * this passes.
 */
@Injectable()
export class WindowBuilder {
  constructor(private readonly features: FeaturesService) {}

  /**
   * Whether windows built for `built` can serve `pre` as they are (before scaling): the same
   * features in the same order over the same window. Then a challenger rescales the active
   * version's raw rows with its own scaler instead of reading and computing the bars again.
   */
  static canReuse(pre: Preprocessing, built: PreparedWindows): boolean {
    return (
      pre.window === built.window &&
      sameList(pre.features, built.features) &&
      sameList(pre.scaler.features, pre.features)
    );
  }

  async prepare(
    m: LoadedModel,
    resolved: Resolved,
    inst: PredictBody,
    defaults: PredictBody,
    prefix: string,
    source: WindowSource = {},
  ): Promise<PreparedInstance> {
    const pre = m.pre;
    const symbolRaw = inst.symbol ?? defaults.symbol;
    const timeframe = inst.timeframe ?? defaults.timeframe;
    if (typeof symbolRaw !== 'string' || symbolRaw.length === 0)
      throw invalid(
        `${prefix}symbol`,
        `${prefix}symbol is required: the currency pair the features belong to, e.g. ${resolved.row.symbols[0] ?? 'EUR/USD'}`,
      );
    if (typeof timeframe !== 'string' || timeframe.length === 0)
      throw invalid(
        `${prefix}timeframe`,
        `${prefix}timeframe is required: this model was trained on ${resolved.row.timeframe} bars`,
      );
    let symbol: string;
    try {
      symbol = this.features.canonicalSymbol(symbolRaw);
    } catch {
      throw invalid(
        `${prefix}symbol`,
        `${prefix}symbol ${JSON.stringify(symbolRaw.slice(0, MAX_ID_TAIL))} is not a currency pair; write it as EUR/USD, EURUSD or eur_usd`,
      );
    }
    const allowOther = defaults.allow_other_symbol;
    if (allowOther !== undefined && typeof allowOther !== 'boolean')
      throw invalid('allow_other_symbol', 'allow_other_symbol must be true or false');
    const trained = resolved.row.symbols;
    if (trained.length > 0 && !trained.includes(symbol) && allowOther !== true) {
      throw new ModelError(
        `Model ${resolved.ref.modelId} ${resolved.row.version} was trained on ${trained.join(', ')}, not ${symbol}; send one of those symbols, or "allow_other_symbol": true to apply it to ${symbol} anyway`,
        {
          symbol,
          trained_symbols: trained,
          fields: [{ field: `${prefix}symbol`, errors: [`not one of ${trained.join(', ')}`] }],
        },
        'SYMBOL_NOT_TRAINED',
      );
    }
    const modelTimeframe = pre.timeframe ?? resolved.row.timeframe;
    if (timeframe !== modelTimeframe) {
      throw new ModelError(
        `Model ${resolved.ref.modelId} ${resolved.row.version} was trained on ${modelTimeframe} bars; send timeframe ${modelTimeframe} with features computed on ${modelTimeframe} bars`,
        {
          timeframe,
          trained_timeframe: modelTimeframe,
          fields: [{ field: `${prefix}timeframe`, errors: [`must be ${modelTimeframe}`] }],
        },
        'TIMEFRAME_MISMATCH',
      );
    }

    const { reuse } = source;
    // Rows another version built from stored bars are local features: not for a model trained on the store's (refused below).
    const fromBars = reuse?.asOf !== null && pre.data_rules?.featureSource === 'feature_store';
    if (reuse && !fromBars && reuse.symbol === symbol && reuse.timeframe === timeframe) {
      // The same raw rows, this version's scaler: what windowFromColumns would give on the same bars.
      const window = coreErrors(() => windowFromRows(reuse.rows, pre.scaler, pre.window));
      assertFiniteWindow(window, `${prefix}features`);
      return { symbol, timeframe, window, rows: reuse.rows, asOf: reuse.asOf, horizonGap: reuse.horizonGap };
    }
    const features = inst.features;
    if (features !== undefined) {
      const { rows } = featureRows(features, pre.features, pre.window, `${prefix}features`);
      const window = coreErrors(() => windowFromRows(rows, pre.scaler, pre.window));
      assertFiniteWindow(window, `${prefix}features`);
      return { symbol, timeframe, window, rows, asOf: null };
    }
    // No features: the latest window from the stored bars, built as training built it (features module).
    const served = await this.features.servedWindow(
      symbol,
      timeframe as Timeframe,
      { ...pre, rules: pre.data_rules ?? { start: null, maxGapMs: null } },
      source.barsUpTo,
    );
    const asOf = new Date(served.asOf).toISOString();
    return { symbol, timeframe, window: served.window, rows: served.rows, asOf, horizonGap: served.horizonGap };
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
