import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { MetricsService } from '../../metrics/metrics.service';
import { DeploymentRepository } from '../deployments/deployment.repository';
import type { Deployment, NotificationEvent, PerformanceStatus } from '../entities';
import { DeploymentNotifier } from '../notifications/deployment-notifier';
import { regressionMetrics } from '../../training/evaluation';
import { decayTest, type DecayTest } from './live-metrics';
import { PerformanceScorer } from './performance-scorer';
import { PredictionRepository } from './prediction.repository';
import { nullIfNotFound, VersionTargets } from './version-targets';
import { webhookTarget } from '../targets/webhook.driver';

type Verdict = Omit<DecayTest, 'status'> & { status: PerformanceStatus };

/**
 * The decay test of a deployment's active version, over its latest DEPLOYMENT_DECAY_WINDOW
 * scored predictions, run after every scoring pass and on every read. Its verdict is the
 * deployment's `performance_status`; a change is written under the deployment's row lock, so
 * across replicas each transition happens once: into `degraded` (and back to `ok`,
 * `recovered`) the target's notification URL gets one event, and the Prometheus gauge
 * `deployment_performance_degraded` (read from the database at each scrape) follows.
 */
@Injectable()
export class DecayMonitor implements OnModuleInit {
  private readonly logger = new Logger('LivePerformance');
  private readonly transitions: Counter<'to'>;
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly repo: PredictionRepository,
    private readonly targets: VersionTargets,
    private readonly scorer: PerformanceScorer,
    private readonly notifier: DeploymentNotifier,
    private readonly metrics: MetricsService,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {
    this.transitions = new Counter({
      name: 'deployment_performance_transitions_total',
      help: 'Changes of a deployment’s live-performance status (decay test), by the status reached',
      labelNames: ['to'],
      registers: [metrics.registry],
    });
    new Gauge({
      name: 'deployment_performance_degraded',
      help: 'Active deployments by model and target: 1 when the live IC’s 95 % interval lies below the backtest IC (performance_status degraded), else 0',
      labelNames: ['model_id', 'target', 'version'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        try {
          for (const r of await deployments.activePerformance())
            this.set(
              { model_id: r.model_id, target: r.target, version: r.version },
              r.performance_status === 'degraded' ? 1 : 0,
            );
        } catch {
          /* database down: the gauge is left empty rather than failing the scrape */
        }
      },
    });
  }

  onModuleInit(): void {
    this.scorer.onScored((owners) => {
      for (const o of owners)
        void this.evaluate(o.deployment_id, o.version).catch((e) =>
          this.logger.warn(`decay test of deployment ${o.deployment_id} failed: ${(e as Error).message}`),
        );
    });
  }

  /**
   * The decay test of `version` on the deployment; updates the deployment's status when it
   * serves that version. One at a time per deployment (a chain): each reads the scored rows
   * when its turn comes, so a verdict computed on older rows never lands after a newer one.
   */
  evaluate(deploymentId: string, version: string): Promise<Verdict> {
    const run = (this.chains.get(deploymentId) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.evaluateNow(deploymentId, version));
    const tail = run.catch(() => undefined);
    this.chains.set(deploymentId, tail);
    void tail.finally(() => {
      if (this.chains.get(deploymentId) === tail) this.chains.delete(deploymentId);
    });
    return run;
  }

  private async evaluateNow(deploymentId: string, version: string): Promise<Verdict> {
    const d = await this.deployments.findById(deploymentId);
    if (!d) throw new Error(`deployment ${deploymentId} does not exist`);
    const target = await this.targets.get(d.model_id, version).catch(nullIfNotFound);
    let verdict: Verdict;
    if (!target) {
      verdict = { ...decayTest(null, 0, null, this.options.decayMinSamples), status: 'not_scored' };
    } else {
      const rows = await this.repo.scored(deploymentId, version, { kind: 'last_n', n: this.options.decayWindow });
      // Only the IC is needed here (the full figures are computed when performance is read).
      const ic = rows.length
        ? regressionMetrics(
            Float64Array.from(rows, (r) => r.realised),
            Float64Array.from(rows, (r) => r.predicted),
          ).ic
        : null;
      const backtestIc = typeof target.metrics.ic === 'number' ? target.metrics.ic : null;
      verdict = decayTest(ic, rows.length, backtestIc, this.options.decayMinSamples);
    }
    // The locked transaction only when the verdict differs from what is stored (re-checked under the lock).
    if (d.status === 'active' && d.version === version && d.performance_status !== verdict.status)
      await this.transition(d, verdict);
    return verdict;
  }

  private async transition(d: Deployment, verdict: Verdict): Promise<void> {
    // The target's webhook (DEPLOYMENT_NOTIFY_URLS), if it has one: degraded/recovered go there.
    const url = (this.options.drivers[webhookTarget.kind]?.[d.target] as { url: string } | undefined)?.url;
    const note = await this.deployments.transaction(async (tx) => {
      const row = await tx.lockById(d.id);
      const before: PerformanceStatus | null = row?.performance_status ?? null;
      if (!row || before === verdict.status) return null;
      const now = new Date();
      await tx.update(d.id, { performance_status: verdict.status, performance_changed_at: now });
      this.transitions.inc({ to: verdict.status });
      this.logger.log(
        {
          deployment_id: d.id,
          model_id: d.model_id,
          version: d.version,
          from: before,
          to: verdict.status,
          live_ic: verdict.live_ic,
          live_ic_ci95: verdict.live_ic_ci95,
          backtest_ic: verdict.backtest_ic,
          n: verdict.n,
        },
        'live performance status changed',
      );
      const event: NotificationEvent | null =
        verdict.status === 'degraded'
          ? 'degraded'
          : before === 'degraded' && verdict.status === 'ok'
            ? 'recovered'
            : null;
      if (!event || !url) return null;
      return this.notifier.record(tx.manager, {
        deploymentId: d.id,
        event,
        target: d.target,
        url,
        payload: {
          deployment_id: d.id,
          model_id: d.model_id,
          version: d.version,
          target: d.target,
          performance_status: verdict.status,
          previous_performance_status: before,
          decay: {
            n: verdict.n,
            window: `last_n:${this.options.decayWindow}`,
            live_ic: verdict.live_ic,
            live_ic_ci95: verdict.live_ic_ci95,
            backtest_ic: verdict.backtest_ic,
            rule: verdict.rule,
          },
          time: now.toISOString(),
        },
      });
    });
    if (note) this.notifier.dispatch([note]);
  }
}
