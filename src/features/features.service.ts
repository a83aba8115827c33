import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import { DataValidationError, NotFoundError } from '../common/errors/app-error';
import { MarketDataService } from '../market-data/market-data.service';
import type { Timeframe } from '../market-data/timeframes';
import { AppConfig } from '../config/app-config';
import {
  buildDataset,
  listCatalogue,
  parseFeature,
  parseTarget,
  type BarSeries,
  type CatalogueEntry,
  type Dataset,
  type DatasetPlan,
  type HorizonGapPolicy,
} from './core';
import type { BarColumn } from '../market-data/bar-pages';
import { OPTIONAL_COLUMNS, type ColumnarSeries } from './core/types';
import { FeatureComputePool } from './compute/compute-pool';
import type { DatasetOptions } from './compute/protocol';
import { unpackDataset, unpackSeries } from './compute/unpack';
import { DEFAULT_VALUES_ROWS, valuesWork } from './compute/work-limit';
import type { TargetOptions } from './core/targets/targets';
import { defaultCandidates } from './default-candidates';
import type { FeatureValuesResponse, SelectFeaturesResponse } from './dto/features.dto';
import { asValidationErrors } from './feature-errors';
import { rankingView, selectOnTrainingPart } from './select-training-part';
import { FeatureStoreClient } from './feature-store';
import { refuseStoreModel, servedWindow, type ServedModel, type ServedWindow } from './served-window';

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
  /** Samples whose horizon spans a gap: keep (default) or drop (core/dataset/horizon-gaps.ts). */
  horizonGaps?: HorizonGapPolicy;
  /** Walk-forward folds: plan them all, or build the one fold named (core/dataset/walk-forward.ts). */
  walkForward?: DatasetOptions['walkForward'];
  /** Where the feature columns come from: computed here (default) or the Feature Store (core/dataset/store-features.ts). */
  featureSource?: 'local' | 'feature_store';
}

/**
 * The features module's service: the catalogue, computed values (locally or from the
 * Feature Store), feature selection, and the dataset builder every trainer uses. All
 * computation is in ./core (pure); this class fetches the bars, hands the heavy work to the
 * compute threads (./compute) and maps errors.
 */
@Injectable()
export class FeaturesService {
  constructor(
    private readonly marketData: MarketDataService,
    private readonly featureStore: FeatureStoreClient,
    private readonly compute: FeatureComputePool,
    private readonly config: AppConfig,
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

  async values(q: {
    symbol: string;
    timeframe: string;
    features: string[];
    start?: string;
    end?: string;
    feature_source?: 'local' | 'feature_store';
    limit?: number;
  }): Promise<FeatureValuesResponse | Buffer> {
    const symbol = this.marketData.symbol(q.symbol);
    const timeframe = this.marketData.timeframe(q.timeframe);
    const start = q.start === undefined ? undefined : Date.parse(q.start);
    const end = q.end === undefined ? undefined : Date.parse(q.end);
    if (start !== undefined && end !== undefined && start > end)
      throw new DataValidationError(`start ${q.start} is after end ${q.end}`, {
        fields: [{ field: 'start', errors: ['start is after end'] }],
      });
    const source = q.feature_source ?? 'local';
    const dup = q.features.find((f, i) => q.features.indexOf(f) !== i);
    if (dup)
      throw new DataValidationError(`feature '${dup}' is listed twice`, {
        fields: [{ field: 'features', errors: [`'${dup}' is listed twice`] }],
      });
    const specs = asValidationErrors(() => q.features.map((n) => parseFeature(n)));
    if (source === 'feature_store')
      return this.storeValues(symbol, timeframe, q.features, start, end, q.limit ?? DEFAULT_VALUES_ROWS);

    // Only the page and the bars its values depend on are read and computed (the longest
    // feature memory before `start`), not the whole history; the values are the
    // full-history ones within round-off (catalogue/span.spec.ts pins the tolerance).
    const work = valuesWork(specs, {
      limit: q.limit,
      fromStart: start === undefined,
      maxCells: this.config.featureValuesMaxCells,
    });
    const columns = [...new Set(specs.flatMap((s) => s.columns))];
    const { series, lookback } = await this.marketData.loadColumns(symbol, timeframe, {
      start,
      end,
      limit: work.rows + 1,
      lookback: work.warmupBars,
      columns,
    });
    if (
      series.length === 0 &&
      (await this.marketData.loadColumns(symbol, timeframe, { end, limit: 1, columns: [] })).series.length === 0
    ) {
      throw new NotFoundError(`No ${timeframe} bars stored for ${symbol}`, { symbol, timeframe }, 'SERIES_NOT_FOUND');
    }
    const found = series.length - lookback;
    const rows = Math.min(work.rows, found);
    const nextStart = found > work.rows ? series.timestamps[lookback + work.rows] : null;
    const { body } = await this.compute.run({
      kind: 'feature-values',
      series: truncate(series, lookback + rows),
      features: q.features,
      skip: lookback,
      rows,
      nextStart,
    });
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  private async storeValues(
    symbol: string,
    timeframe: Timeframe,
    features: string[],
    start: number | undefined,
    end: number | undefined,
    limit: number,
  ): Promise<FeatureValuesResponse> {
    const frame = await this.featureStore.fetchFeatures({
      symbol,
      timeframe,
      features,
      start: start ?? 0,
      end: end ?? Date.now(),
    });
    const { timestamps, values } = frame;
    const from = start === undefined ? 0 : lowerBound(timestamps, start);
    const to = Math.min(timestamps.length, from + limit);
    const rows = [];
    for (let i = from; i < to; i++) {
      const row: Record<string, number | null> = {};
      for (const name of features) row[name] = values[name][i];
      rows.push({ timestamp: new Date(timestamps[i]).toISOString(), values: row });
    }
    return {
      symbol,
      timeframe,
      features,
      feature_source: 'feature_store',
      rows,
      next_start: to < timestamps.length ? isoOrNull(timestamps[to]) : null,
    };
  }

  /**
   * Serving's input from stored bars: the latest window (ending at `upTo` when given) of a model,
   * computed as its training computed it (from its training start, restarting at gaps).
   */
  async servedWindow(symbol: string, timeframe: Timeframe, model: ServedModel, upTo?: number): Promise<ServedWindow> {
    refuseStoreModel(model);
    const [series] = await this.loadSeries([symbol], timeframe, model.rules.start ?? undefined, upTo);
    return servedWindow(series, model);
  }

  async loadSeries(symbols: string[], timeframe: Timeframe, start?: number, end?: number): Promise<BarSeries[]> {
    const out: BarSeries[] = [];
    for (const raw of symbols) {
      const symbol = this.marketData.symbol(raw, 'symbols');
      const series = await this.marketData.loadSeries(symbol, timeframe, start, end);
      if (series.timestamps.length === 0) throw noData(symbol, timeframe, start, end);
      out.push(series);
    }
    return out;
  }

  /** The bars of a dataset request as typed arrays (read in pages; 422 NO_DATA for a symbol without bars). */
  private async loadColumnSeries(
    symbols: string[],
    timeframe: Timeframe,
    start?: number,
    end?: number,
    columns?: BarColumn[],
  ): Promise<ColumnarSeries[]> {
    const out: ColumnarSeries[] = [];
    for (const raw of symbols) {
      const symbol = this.marketData.symbol(raw, 'symbols');
      const { series } = await this.marketData.loadColumns(symbol, timeframe, { start, end, columns });
      if (series.length === 0) throw noData(symbol, timeframe, start, end);
      out.push(series);
    }
    return out;
  }

  /**
   * `feature_source: "feature_store"`: the store's rows for each symbol over the span of its
   * loaded bars (the builder aligns them on those bars). The store's errors pass as they are
   * (503 down or slow, 502 unusable, 422 unknown feature): at submission they answer the
   * request, in a job they are its failure reason.
   */
  private async storeFeatures(req: DatasetRequest, series: ColumnarSeries[]): Promise<DatasetOptions['storeFeatures']> {
    if (req.featureSource !== 'feature_store') return undefined;
    const out: NonNullable<DatasetOptions['storeFeatures']> = {};
    for (const s of series) {
      out[s.symbol] = await this.featureStore.fetchFeatures({
        symbol: s.symbol,
        timeframe: req.timeframe,
        features: req.features,
        start: s.timestamps[0],
        end: s.timestamps[s.length - 1],
      });
    }
    return out;
  }

  private datasetOptions(req: DatasetRequest, storeFeatures?: DatasetOptions['storeFeatures']): DatasetOptions {
    return {
      ...(storeFeatures ? { storeFeatures } : {}),
      features: req.features,
      target: req.target,
      targetOptions: req.targetOptions,
      window: req.window,
      validationSplit: req.validationSplit,
      testSplit: req.testSplit,
      scaler: req.scaler ?? 'zscore',
      ...(req.horizonGaps ? { horizonGaps: req.horizonGaps } : {}),
      ...(req.walkForward ? { walkForward: req.walkForward } : {}),
    };
  }

  /**
   * The one dataset builder every trainer uses (chronological parts, purge gap, train-only
   * scaler), on a compute thread of its own: a training job's build can take a minute.
   * `series` are the bars it was built from as timestamps and closes, what the trainers'
   * evaluation reads (not the other columns: millions of bars are an event-loop cost to copy).
   */
  async buildDataset(req: DatasetRequest): Promise<{ dataset: Dataset; series: BarSeries[] }> {
    const series = await this.loadColumnSeries(req.symbols, req.timeframe, req.start, req.end);
    const store = await this.storeFeatures(req, series);
    const result = await this.compute.runDedicated({
      kind: 'dataset',
      series,
      options: this.datasetOptions(req, store),
    });
    const dataset = await unpackDataset(result.dataset);
    const plain: BarSeries[] = [];
    for (const s of result.series) plain.push(await unpackSeries(s, false));
    return { dataset, series: plain };
  }

  /**
   * The part sizes the dataset will have, for the checks before a job is queued, on a compute
   * thread and without computing features (see planDataset): the submission's answer takes
   * about as long as reading its bars.
   */
  async planDataset(req: DatasetRequest): Promise<DatasetPlan> {
    // Only what the plan checks: timestamps, close, and the columns the features need (none from the store).
    const columns =
      req.featureSource === 'feature_store'
        ? []
        : asValidationErrors(() => [...new Set(req.features.flatMap((f) => parseFeature(f).columns))]);
    const series = await this.loadColumnSeries(req.symbols, req.timeframe, req.start, req.end, columns);
    // With the store, its rows decide which bars have features: the plan asks it (a store down is a 503 here).
    const options = this.datasetOptions(req, await this.storeFeatures(req, series));
    // A thread of its own, like the job's build: the submission must not wait behind feature traffic.
    return (await this.compute.runDedicated({ kind: 'dataset-plan', series, options })).plan;
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
        const ok = parseFeature(name).columns.every(
          (c) => c === 'close' || series.every((s) => s[c]?.every((v) => v !== null)),
        );
        if (!ok) skipped.push(name);
        return ok;
      });
    }
    // A window of one bar: each training sample is one row of candidate values; the builder
    // supplies the chronological split, the purge gap and warm-up handling.
    const dataset = asValidationErrors(() =>
      buildDataset({
        series,
        features: candidates,
        target: body.target,
        window: 1,
        validationSplit: body.validation_split ?? 0.2,
        testSplit: body.test_split ?? 0.1,
        scaler: 'zscore',
      }),
    );
    const train = dataset.train;
    const result = asValidationErrors(() =>
      selectOnTrainingPart(dataset, { k: body.k, redundancyThreshold: body.redundancy_threshold }),
    );
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

function noData(symbol: string, timeframe: Timeframe, start?: number, end?: number): DataValidationError {
  return new DataValidationError(
    `No ${timeframe} bars stored for ${symbol}${start || end ? ` between ${isoOrNull(start) ?? 'the beginning'} and ${isoOrNull(end) ?? 'now'}` : ''}; import them first (POST /api/v1/market-data/import)`,
    { symbol, timeframe, bars_found: 0 },
    'NO_DATA',
  );
}

/** The first `n` bars of a columnar series (views, no copy). */
function truncate(s: ColumnarSeries, n: number): ColumnarSeries {
  const out: ColumnarSeries = {
    ...s,
    length: n,
    timestamps: s.timestamps.subarray(0, n),
    close: s.close.subarray(0, n),
  };
  for (const c of OPTIONAL_COLUMNS) {
    const col = s[c];
    if (col) out[c] = col.subarray(0, n);
  }
  return out;
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
