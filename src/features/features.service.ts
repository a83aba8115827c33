import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import { DataValidationError, NotFoundError } from '../common/errors/app-error';
import { MarketDataService } from '../market-data/market-data.service';
import type { Timeframe } from '../market-data/timeframes';
import { buildDataset, computeFeatures, listCatalogue, parseFeature, parseTarget, type BarSeries, type CatalogueEntry, type Dataset } from './core';
import type { TargetOptions } from './core/targets/targets';
import { defaultCandidates } from './default-candidates';
import type { FeatureValuesResponse, SelectFeaturesResponse } from './dto/features.dto';
import { asValidationErrors } from './feature-errors';
import { rankingView, selectOnTrainingPart } from './select-training-part';
import { FeatureStoreClient } from './feature-store';


/** What a trainer asks for: the data configuration of a training request. */
export interface DatasetRequest {
  symbols: string[];
  timeframe: Timeframe;
  features: string[];
  target: string;
  targetOptions?: TargetOptions;
  start?: number;
  end?: number;
  window: number;
  validationSplit: number;
  testSplit: number;
  scaler?: 'zscore' | 'minmax';
}

/**
 * The features module's service: the catalogue, computed values (locally or from the
 * Feature Store), feature selection, and the dataset builder every trainer uses. All
 * computation is in ./core (pure); this class only fetches the bars and maps errors.
 */
@Injectable()
export class FeaturesService {
  constructor(
    private readonly marketData: MarketDataService,
    private readonly featureStore: FeatureStoreClient,
  ) {}

  /** EUR/USD from any accepted spelling; 422 naming the field otherwise. */
  canonicalSymbol(raw: string): string {
    return this.marketData.symbol(raw, 'symbols');
  }

  catalogue(): CatalogueEntry[] {
    return listCatalogue();
  }

  /** Validate feature names up front (unknown name or bad parameter → 422 naming it). */
  checkFeatures(names: string[]): void {
    asValidationErrors(() => names.forEach((n) => parseFeature(n)));
  }

  async values(q: { symbol: string; timeframe: string; features: string[]; start?: string; end?: string; feature_source?: 'local' | 'feature_store'; limit?: number }): Promise<FeatureValuesResponse> {
    const symbol = this.marketData.symbol(q.symbol);
    const timeframe = this.marketData.timeframe(q.timeframe);
    const start = q.start === undefined ? undefined : Date.parse(q.start);
    const end = q.end === undefined ? undefined : Date.parse(q.end);
    if (start !== undefined && end !== undefined && start > end) throw new DataValidationError(`start ${q.start} is after end ${q.end}`, { fields: [{ field: 'start', errors: ['start is after end'] }] });
    const limit = q.limit ?? 10_000;
    const source = q.feature_source ?? 'local';
    const dup = q.features.find((f, i) => q.features.indexOf(f) !== i);
    if (dup) throw new DataValidationError(`feature '${dup}' is listed twice`, { fields: [{ field: 'features', errors: [`'${dup}' is listed twice`] }] });
    this.checkFeatures(q.features);

    let timestamps: number[];
    let columns: Record<string, (number | null)[]>;
    if (source === 'feature_store') {
      const frame = await this.featureStore.fetchFeatures({ symbol, timeframe, features: q.features, start: start ?? 0, end: end ?? Date.now() });
      ({ timestamps } = frame);
      columns = frame.values;
    } else {
      // Compute on the whole history up to `end`, then cut: values at the start of the range
      // are the same as in a full computation (no artificial warm-up at `start`).
      const series = await this.marketData.loadSeries(symbol, timeframe, undefined, end);
      if (series.timestamps.length === 0) throw new NotFoundError(`No ${timeframe} bars stored for ${symbol}`, { symbol, timeframe }, 'SERIES_NOT_FOUND');
      columns = asValidationErrors(() => computeFeatures(series, q.features));
      timestamps = series.timestamps;
    }
    const from = start === undefined ? 0 : lowerBound(timestamps, start);
    const to = Math.min(timestamps.length, from + limit);
    const rows = [];
    for (let i = from; i < to; i++) {
      const values: Record<string, number | null> = {};
      for (const name of q.features) values[name] = columns[name][i];
      rows.push({ timestamp: new Date(timestamps[i]).toISOString(), values });
    }
    return { symbol, timeframe, features: q.features, feature_source: source, rows, next_start: to < timestamps.length ? isoOrNull(timestamps[to]) : null };
  }

  async loadSeries(symbols: string[], timeframe: Timeframe, start?: number, end?: number): Promise<BarSeries[]> {
    const out: BarSeries[] = [];
    for (const raw of symbols) {
      const symbol = this.marketData.symbol(raw, 'symbols');
      const series = await this.marketData.loadSeries(symbol, timeframe, start, end);
      if (series.timestamps.length === 0) {
        throw new DataValidationError(`No ${timeframe} bars stored for ${symbol}${start || end ? ` between ${isoOrNull(start) ?? 'the beginning'} and ${isoOrNull(end) ?? 'now'}` : ''}; import them first (POST /api/v1/market-data/import)`, { symbol, timeframe, bars_found: 0 }, 'NO_DATA');
      }
      out.push(series);
    }
    return out;
  }

  /** The one dataset builder every trainer uses (chronological parts, purge gap, train-only scaler). */
  async buildDataset(req: DatasetRequest): Promise<{ dataset: Dataset; series: BarSeries[] }> {
    const series = await this.loadSeries(req.symbols, req.timeframe, req.start, req.end);
    const dataset = asValidationErrors(() =>
      buildDataset({
        series,
        features: req.features,
        target: req.target,
        targetOptions: req.targetOptions,
        window: req.window,
        validationSplit: req.validationSplit,
        testSplit: req.testSplit,
        scaler: req.scaler ?? 'zscore',
      }),
    );
    return { dataset, series };
  }

  async select(body: {
    symbols: string[];
    timeframe: string;
    start_date?: string;
    end_date?: string;
    target: string;
    candidates?: string[];
    k?: number;
    validation_split?: number;
    test_split?: number;
    redundancy_threshold?: number;
  }): Promise<SelectFeaturesResponse> {
    const timeframe = this.marketData.timeframe(body.timeframe);
    asValidationErrors(() => parseTarget(body.target, timeframe)); // a bad target is a 422 before any data is read
    const start = body.start_date ? Date.parse(body.start_date) : undefined;
    const end = body.end_date ? Date.parse(body.end_date) : undefined;
    const series = await this.loadSeries(body.symbols, timeframe, start, end);
    const skipped: string[] = [];
    let candidates = body.candidates ? [...new Set(body.candidates)] : defaultCandidates(timeframe);
    this.checkFeatures(candidates);
    if (!body.candidates) {
      // Defaults that need columns a series lacks (ATR on close-only data) are skipped, not errors.
      candidates = candidates.filter((name) => {
        const ok = parseFeature(name).columns.every((c) => c === 'close' || series.every((s) => s[c]?.every((v) => v !== null)));
        if (!ok) skipped.push(name);
        return ok;
      });
    }
    // A window of one bar: each training sample is one row of candidate values; the builder
    // supplies the chronological split, the purge gap and warm-up handling.
    const dataset = asValidationErrors(() =>
      buildDataset({ series, features: candidates, target: body.target, window: 1, validationSplit: body.validation_split ?? 0.2, testSplit: body.test_split ?? 0.1, scaler: 'zscore' }),
    );
    const train = dataset.train;
    const result = asValidationErrors(() => selectOnTrainingPart(dataset, { k: body.k, redundancyThreshold: body.redundancy_threshold }));
    return {
      target: body.target,
      rows: result.rows,
      training_range: { start: isoOrNull(train.timestamps[0]), end: isoOrNull(train.timestamps[train.count - 1]) },
      ranking: rankingView(result),
      suggested: result.suggested,
      skipped,
      fingerprint: dataset.fingerprint,
    };
  }

}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
