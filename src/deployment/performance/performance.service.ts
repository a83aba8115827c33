import { Inject, Injectable } from '@nestjs/common';
import { DataValidationError } from '../../common/errors/app-error';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { DeploymentService } from '../deployment.service';
import type { Deployment, PredictionRole } from '../entities';
import { DecayMonitor } from './decay-monitor';
import { fisherCi95, liveMetrics, type LiveMetrics, type ScoredPrediction } from './live-metrics';
import { compounded, groupByBucket, type SeriesBucket } from './performance-series';
import { PerformanceScorer } from './performance-scorer';
import { PredictionRecorder } from './prediction-recorder';
import { PredictionRepository, type ScoredRow, type ScoreWindow } from './prediction.repository';
import { nullIfNotFound, VersionTargets, type VersionTarget } from './version-targets';

export const WINDOW_HELP = 'window must be all, 1d, 7d, 30d or last_n:N (N from 1 to 100000)';
const DAY_MS = 86_400_000;

/** `all` | `1d` | `7d` | `30d` | `last_n:N` → a ScoreWindow; 422 otherwise. */
export function parseWindow(raw: string | undefined): ScoreWindow {
  const w = raw ?? 'all';
  if (w === 'all') return { kind: 'all' };
  const days = { '1d': 1, '7d': 7, '30d': 30 }[w];
  if (days) return { kind: 'since', ms: days * DAY_MS };
  const m = /^last_n:(\d{1,6})$/.exec(w);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 100_000) return { kind: 'last_n', n: Number(m[1]) };
  throw new DataValidationError(WINDOW_HELP, { fields: [{ field: 'window', errors: [WINDOW_HELP] }] });
}

const NOT_SCORED =
  'not scored: only versions with a return target (price_change_{H}, log_return_{H}) have live figures';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * GET /deployments/{id}/performance: per version serving on the deployment (the active one,
 * then its shadow or canary challengers with their `role`), its live figures
 * over the window beside the version's own test-part figures, and the decay test's verdict.
 * Reading first writes this process's buffered predictions and scores whatever has realised,
 * so the figures are current whether or not a bars event has been handled yet.
 */
@Injectable()
export class PerformanceService {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly recorder: PredictionRecorder,
    private readonly scorer: PerformanceScorer,
    private readonly monitor: DecayMonitor,
    private readonly repo: PredictionRepository,
    private readonly targets: VersionTargets,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  async report(id: string, rawWindow?: string) {
    const window = parseWindow(rawWindow);
    const d = await this.current(id);
    const versions = [await this.versionReport(d, d.version, 'active', window)];
    for (const [version, role] of await this.challengers(d))
      versions.push(await this.versionReport(d, version, role, window));
    const fresh = await this.deployments.get(id);
    return {
      deployment_id: d.id,
      model_id: d.model_id,
      target: d.target,
      deployment_status: d.status,
      performance_status: fresh.performance_status ?? null,
      performance_changed_at: fresh.performance_changed_at
        ? new Date(fresh.performance_changed_at).toISOString()
        : null,
      window: rawWindow ?? 'all',
      versions,
    };
  }

  /**
   * GET /deployments/{id}/performance/series: per version serving on the deployment, its scored
   * predictions by calendar bucket (UTC day, ISO week or month of the bar they were made from),
   * each bucket scored like the whole, the PnL compounded across buckets, beside the version's
   * backtest figures (the levels the dashboard draws them against).
   */
  async series(id: string, bucket: SeriesBucket) {
    const d = await this.current(id);
    const roles = new Map<string, PredictionRole>([[d.version, 'active'], ...(await this.challengers(d))]);
    const versions = [];
    for (const [version, role] of roles) {
      const target = await this.targets.get(d.model_id, version).catch(nullIfNotFound);
      if (!target) {
        versions.push({ version, role, backtest: null, points: [], note: NOT_SCORED });
        continue;
      }
      const rows = await this.repo.scored(d.id, version, { kind: 'all' });
      const buckets = groupByBucket(toScored(rows), bucket).map((b) => ({ b, live: liveOf(b.rows, target) }));
      const cumulative = compounded(buckets.map((x) => x.live.pnl_after_costs));
      versions.push({
        version,
        role,
        backtest: backtestOf(target),
        points: buckets.map(({ b, live }, i) => ({
          start: new Date(b.start).toISOString(),
          end: new Date(b.end).toISOString(),
          n: live.n,
          ic: live.ic,
          rank_ic: live.rank_ic,
          directional_accuracy: live.directional_accuracy,
          directional_accuracy_se: live.directional_accuracy_se,
          mse: live.mse,
          pnl_after_costs: live.pnl_after_costs,
          cumulative_pnl_after_costs: cumulative[i],
        })),
      });
    }
    return { deployment_id: d.id, model_id: d.model_id, target: d.target, bucket, versions };
  }

  /** The deployment, after writing this process's buffered predictions and scoring what has realised. */
  private async current(id: string): Promise<Deployment> {
    const d = await this.deployments.get(id);
    await this.recorder.flush().catch(() => undefined);
    for (const s of await this.repo.pendingSeries(d.id)) await this.scorer.score(s.symbol, s.timeframe, d.id);
    return d;
  }

  /**
   * The challengers that served on the deployment besides its active version: the current one
   * (its mode as role, even before its first prediction) and any earlier one with kept predictions.
   */
  private async challengers(d: Deployment): Promise<Map<string, PredictionRole>> {
    const out = new Map<string, PredictionRole>();
    for (const r of await this.repo.versionRoles(d.id)) if (r.version !== d.version) out.set(r.version, r.role);
    if (d.challenger_version && d.challenger_mode) out.set(d.challenger_version, d.challenger_mode);
    return out;
  }

  private async versionReport(d: Deployment, version: string, role: PredictionRole, window: ScoreWindow) {
    const target = await this.targets.get(d.model_id, version).catch(nullIfNotFound);
    const decay = await this.monitor.evaluate(d.id, version);
    const counts = await this.repo.counts(d.id, version);
    if (!target) {
      return {
        version,
        role,
        target: null,
        horizon_bars: null,
        live: null,
        backtest: null,
        status: decay.status,
        decay: null,
        predictions: counts,
        note: NOT_SCORED,
      };
    }
    const live = liveOf(toScored(await this.repo.scored(d.id, version, window)), target);
    return {
      version,
      role,
      target: target.spec.name,
      horizon_bars: target.spec.horizonBars,
      live: { ...live, costs: { spread_pips: target.costs.spreadPips, slippage_pips: target.costs.slippagePips } },
      backtest: backtestOf(target),
      status: decay.status,
      decay: { ...decay, window: `last_n:${this.options.decayWindow}` },
      predictions: counts,
    };
  }
}

const toScored = (rows: ScoredRow[]): ScoredPrediction[] =>
  rows.map((r) => ({
    symbol: r.symbol,
    asOf: r.as_of,
    realisedAt: r.realised_at,
    predicted: r.predicted,
    realised: r.realised,
    price: r.price,
  }));

/** Live figures of scored rows, with the statistics and costs the version was tested with. */
function liveOf(scored: ScoredPrediction[], target: VersionTarget): LiveMetrics {
  return liveMetrics(
    scored,
    {
      timeframe: target.timeframe,
      horizonBars: target.spec.horizonBars,
      targetIsLogReturn: target.spec.family === 'log_return',
    },
    target.costs,
  );
}

/** The version's registered test-part figures, in the live figures' fields. */
function backtestOf(target: VersionTarget) {
  const m = target.metrics;
  const bt = (m.backtest ?? {}) as { by_symbol?: Record<string, { total_return?: number }>; sharpe?: number };
  const totals = Object.values(bt.by_symbol ?? {})
    .map((b) => num(b?.total_return))
    .filter((v): v is number => v !== null);
  const naive = (target.baselines.naive_zero ?? {}) as { mse?: number };
  const n = num(m.n) ?? 0;
  return {
    n,
    ic: num(m.ic),
    ic_ci95: fisherCi95(num(m.ic), n),
    rank_ic: num(m.rank_ic),
    directional_accuracy: num(m.directional_accuracy),
    directional_accuracy_se: num(m.directional_accuracy_se),
    mse: num(m.mse),
    mse_naive_zero: num(naive.mse),
    pnl_after_costs: totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : null,
    sharpe: num(bt.sharpe),
  };
}
