import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { NotFoundError } from '../../common/errors/app-error';
import { parseTarget, type TargetSpec } from '../../features/core';
import { isTimeframe, type Timeframe } from '../../market-data/timeframes';
import { ModelsService } from '../../models/models.service';
import type { CostModel } from './live-metrics';

/** What scoring needs to know about a version: its target (to recompute), its test figures and its costs. */
export interface VersionTarget {
  spec: TargetSpec;
  timeframe: Timeframe;
  /** The version's test-part metrics (regressionMetrics + backtest), as registered. */
  metrics: Record<string, unknown>;
  baselines: Record<string, unknown>;
  costs: CostModel;
}

/**
 * The target of each version, parsed once with the dataset builder's own parseTarget (so the
 * realised value is computed exactly as the version's labels were). Only return targets
 * (price_change_{H}, log_return_{H}) are scored: a regression prediction of those compares
 * with the realised move; classes and regimes are not scored (yet). A version never changes
 * its target, so answers are cached for the process's life (bounded).
 */
@Injectable()
export class VersionTargets {
  private readonly cache = new Map<string, Promise<VersionTarget | null>>();

  constructor(
    private readonly models: ModelsService,
    private readonly config: AppConfig,
  ) {}

  get(modelId: string, version: string): Promise<VersionTarget | null> {
    const key = `${modelId}@${version}`;
    let p = this.cache.get(key);
    if (!p) {
      if (this.cache.size > 10_000) this.cache.clear();
      p = this.load(modelId, version);
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }

  private async load(modelId: string, version: string): Promise<VersionTarget | null> {
    const v = await this.models.getVersion(modelId, version);
    if (!isTimeframe(v.timeframe)) return null;
    let spec: TargetSpec;
    try {
      spec = parseTarget(v.target, v.timeframe);
    } catch {
      return null;
    }
    if (spec.family !== 'price_change' && spec.family !== 'log_return') return null;
    const backtest = (v.metrics?.backtest ?? {}) as {
      spread_pips?: number;
      slippage_pips?: number;
      by_symbol?: Record<string, { costs?: { swap_points?: { long: number; short: number } | null } }>;
    };
    // Live PnL pays what the version's own backtest paid, so the two compare; else today's defaults.
    const swap: CostModel['swap'] = { ...this.config.backtestSwapPoints };
    for (const [symbol, b] of Object.entries(backtest.by_symbol ?? {}))
      if (b?.costs && 'swap_points' in b.costs) swap[symbol] = b.costs.swap_points ?? null;
    return {
      spec,
      timeframe: v.timeframe,
      metrics: v.metrics ?? {},
      baselines: v.baselines ?? {},
      costs: {
        spreadPips: typeof backtest.spread_pips === 'number' ? backtest.spread_pips : this.config.backtestSpreadPips,
        slippagePips:
          typeof backtest.slippage_pips === 'number' ? backtest.slippage_pips : this.config.backtestSlippagePips,
        swap,
      },
    };
  }
}

/** For `.catch`: a version gone from the registry reads as null; any other failure is passed on. */
export function nullIfNotFound(e: unknown): null {
  if (e instanceof NotFoundError) return null;
  throw e;
}
