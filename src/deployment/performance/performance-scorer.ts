import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { computeTarget, type FeatureColumn } from '../../features/core';
import { MarketDataEvents } from '../../market-data/bar-events';
import { MarketDataService } from '../../market-data/market-data.service';
import type { Timeframe } from '../../market-data/timeframes';
import { type PendingPrediction, PredictionRepository, type Realisation } from './prediction.repository';
import { nullIfNotFound, VersionTargets } from './version-targets';

/** (deployment, version) pairs that got new scored predictions. */
export type ScoredOwners = Array<{ deployment_id: string; version: string }>;

/**
 * Scores stored predictions once their horizon has realised: when bars of a series are
 * written (market-data's typed event: an import, a resample, the demo loader) and, lazily,
 * before performance is read. The realised value is the version's own target computed with
 * the dataset builder's computeTarget on the stored bars (label at t reads close[t + H]), so
 * a live prediction is scored exactly as a test sample was. One scoring at a time per series
 * (a chain), so the event and a read never score the same rows twice.
 */
@Injectable()
export class PerformanceScorer implements OnModuleInit {
  private readonly logger = new Logger('LivePerformance');
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly listeners: Array<(owners: ScoredOwners) => void> = [];

  constructor(
    private readonly repo: PredictionRepository,
    private readonly targets: VersionTargets,
    private readonly marketData: MarketDataService,
    private readonly events: MarketDataEvents,
  ) {}

  onModuleInit(): void {
    this.events.onBarsWritten((e) => {
      void this.score(e.symbol, e.timeframe).catch((err) =>
        this.logger.warn(`scoring ${e.symbol} ${e.timeframe} after new bars failed: ${(err as Error).message}`),
      );
    });
  }

  /** Called with the pairs each scoring pass touched (the decay test runs on them). */
  onScored(listener: (owners: ScoredOwners) => void): void {
    this.listeners.push(listener);
  }

  /** Score the series' pending predictions (of one deployment, or all); resolves with the pairs that got scores. */
  score(symbol: string, timeframe: string, deploymentId?: string): Promise<ScoredOwners> {
    const key = `${symbol}\u0000${timeframe}`;
    const run = (this.chains.get(key) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.scoreNow(symbol, timeframe, deploymentId));
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.finally(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  private async scoreNow(symbol: string, timeframe: string, deploymentId?: string): Promise<ScoredOwners> {
    const pending = await this.repo.pending(symbol, timeframe, Date.now() + 366 * 86_400_000, deploymentId);
    if (!pending.length) return [];
    let from = Infinity;
    for (const p of pending) from = Math.min(from, p.as_of);
    // Bars from the oldest pending one on: enough for every label (return targets look back 0 bars).
    const series = await this.marketData.loadSeries(symbol, timeframe as Timeframe, from);
    const n = series.timestamps.length;
    if (!n) return [];
    const index = new Map<number, number>();
    for (let i = 0; i < n; i++) index.set(series.timestamps[i], i);
    const lastTs = series.timestamps[n - 1];

    const byVersion = new Map<string, PendingPrediction[]>();
    for (const p of pending) {
      const k = `${p.model_id}@${p.version}`;
      let list = byVersion.get(k);
      if (!list) byVersion.set(k, (list = []));
      list.push(p);
    }
    const labels = new Map<string, FeatureColumn>();
    const done: Realisation[] = [];
    const touched = new Map<string, { deployment_id: string; version: string }>();
    const lost: string[] = [];
    for (const list of byVersion.values()) {
      // Not found: the version is gone, its predictions can never be scored. Other errors (the database) leave them pending.
      const target = await this.targets.get(list[0].model_id, list[0].version).catch(nullIfNotFound);
      if (!target) {
        lost.push(...list.map((p) => p.id)); // the version is gone or its target cannot be recomputed
        continue;
      }
      let column = labels.get(target.spec.name);
      if (!column) labels.set(target.spec.name, (column = computeTarget(series, target.spec)));
      const H = target.spec.horizonBars;
      for (const p of list) {
        const i = index.get(p.as_of);
        if (i === undefined) {
          if (lastTs > p.as_of) lost.push(p.id); // its bar was deleted while later ones exist
          continue;
        }
        const v = column[i];
        if (v === null || v === undefined) continue; // bar t + H not stored yet
        done.push({ id: p.id, realised: v, price: series.close[i], realised_at: series.timestamps[i + H] });
        touched.set(`${p.deployment_id}@${p.version}`, { deployment_id: p.deployment_id, version: p.version });
      }
    }
    await this.repo.realise(done);
    await this.repo.markUnscorable(lost);
    if (!done.length) return [];
    const owners = [...touched.values()];
    for (const l of this.listeners) {
      try {
        l(owners);
      } catch (e) {
        this.logger.warn(`a scoring listener threw: ${(e as Error).message}`);
      }
    }
    return owners;
  }
}
