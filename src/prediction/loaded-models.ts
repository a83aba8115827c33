import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { getTf } from '../ml';
import { ModelCache } from './model-cache';
import { type LoadedModel, ModelLoader } from './model-loader';
import { PREDICTION_OPTIONS, type PredictionOptions } from './prediction.options';
import type { BatchTotals, PredictionStats, Resolved, ServingReport } from './prediction.types';

/**
 * The loaded versions: a bounded LRU cache of models (entries and bytes), each with its
 * micro-batcher, loaded on first use and evicted by size, on demand or at shutdown; and the
 * forward-pass counters the batchers report.
 */
@Injectable()
export class LoadedModels implements OnModuleDestroy {
  private readonly cache: ModelCache<LoadedModel>;
  private readonly batchTotals: BatchTotals = { batches: 0, coalesced: 0, windows: 0, max_batch: 0 };

  constructor(
    private readonly loader: ModelLoader,
    @Inject(PREDICTION_OPTIONS) private readonly options: PredictionOptions,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.cache = new ModelCache<LoadedModel>(
      { maxEntries: options.cacheMaxModels, maxBytes: options.cacheMaxBytes },
      (event) => this.metrics?.modelCache.inc({ event }),
    );
  }

  onModuleDestroy(): void {
    this.cache.clear();
  }

  /** Run `fn` with `resolved`'s model loaded (loading it first when it is not); the model is not evicted while `fn` runs. */
  use<R>(resolved: Resolved, fn: (m: LoadedModel) => R | Promise<R>): Promise<R> {
    return this.cache.use(
      resolved.key,
      () =>
        this.loader.load(resolved.ref, {
          maxBatchSize: this.options.batchMaxSize,
          maxWaitMs: this.options.batchMaxWaitMs,
          onBatch: (size) => this.countBatch(size),
        }),
      fn,
    );
  }

  /** Load `resolved` now (warm); whether it stayed in the cache and its size. */
  async warm(resolved: Resolved): Promise<{ cached: boolean; bytes: number }> {
    let bytes = 0;
    await this.use(resolved, (m) => {
      bytes = m.bytes;
    });
    return { cached: this.cache.has(resolved.key), bytes };
  }

  /** Unload a model's versions (all, or one); how many were loaded. */
  evict(modelId: string, version?: string): number {
    const prefix = version === undefined ? `${modelId}@` : `${modelId}@${version}#`;
    return this.cache.evictWhere((key) => key.startsWith(prefix));
  }

  /** What every loaded version (or those of one model / version) runs on. */
  serving(modelId?: string, version?: string): ServingReport[] {
    const out: ServingReport[] = [];
    for (const m of this.cache.values()) {
      if ((modelId !== undefined && m.ref.modelId !== modelId) || (version !== undefined && m.ref.version !== version))
        continue;
      out.push({
        model_id: m.ref.modelId,
        version: m.ref.version,
        engine: m.engineName,
        reason: m.report.reason,
        measured: m.report.measured ?? null,
        bytes: m.bytes,
      });
    }
    return out;
  }

  stats(): PredictionStats {
    return {
      cache: this.cache.stats,
      batches: { ...this.batchTotals },
      loaded: this.cache.keys(),
      tensors: getTf().memory().numTensors,
    };
  }

  private countBatch(size: number): void {
    const t = this.batchTotals;
    t.batches++;
    t.windows += size;
    if (size > 1) t.coalesced++;
    if (size > t.max_batch) t.max_batch = size;
    this.metrics?.predictBatchSize.observe(size);
  }
}
