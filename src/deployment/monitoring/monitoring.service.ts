import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModelArtifacts } from '../../models/artifacts';
import type { PredictionEvent as MonitoringEvent } from '../../prediction/deployment-lookup';
import { BufferedFlush } from '../buffered-flush';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import type { Deployment, MonitoringLevel } from '../entities';
import { driftReport, driftUnavailable } from './drift-report';
import { addEvent, addToTotals, emptyPending, mergePending, type Pending } from './monitoring-aggregate';
import { monitoringReport } from './monitoring-report';
import { MonitoringRepository } from './monitoring.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most deployments with unflushed events at once; events for more are dropped (and counted). */
const MAX_BUFFERED_DEPLOYMENTS = 10_000;

/**
 * Monitoring of deployments. `record` is the prediction hot path: it only updates an
 * in-memory aggregate (O(size of the event)); a timer writes the aggregates to the database
 * every MONITORING_FLUSH_MS, one short transaction per deployment. What is kept follows the
 * deployment's monitoring level: low — request and error counts; medium — plus the latency
 * histogram and the distribution of predictions; high — plus each request's inputs and
 * outputs (the last MONITORING_RETENTION) and input drift (PSI) against the training data.
 * Monitoring is best effort: a failed flush keeps its aggregates for the next one (bounded).
 */
@Injectable()
export class MonitoringService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeploymentMonitoring');
  private readonly levels = new Map<string, MonitoringLevel>();
  private readonly preprocessing = new Map<string, Promise<unknown>>();
  private readonly pending: BufferedFlush<Map<string, Pending>>;

  constructor(
    private readonly repo: MonitoringRepository,
    private readonly artifacts: ModelArtifacts,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {
    const retention = options.monitoringRetention;
    this.pending = new BufferedFlush<Map<string, Pending>>({
      kind: {
        empty: () => new Map(),
        size: (b) => b.size,
        merge: (older, newer) => {
          const out = new Map(older);
          for (const [id, p] of newer) {
            const before = out.get(id);
            out.set(id, before ? mergePending(before, p, retention) : p);
          }
          return out;
        },
      },
      intervalMs: options.monitoringFlushMs,
      ready: () => repo.ready(),
      write: (batch) => this.write(batch),
      logger: this.logger,
      items: 'monitoring events',
    });
  }

  onModuleInit(): void {
    this.pending.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pending.stop();
  }

  /** Remember a deployment's level so `record` keeps only what that level needs. */
  noteLevel(deploymentId: string, level: MonitoringLevel): void {
    if (this.levels.size > 50_000) this.levels.clear();
    this.levels.set(deploymentId, level);
  }

  record(deploymentId: string, event: MonitoringEvent): void {
    if (!this.pending.accepting || typeof deploymentId !== 'string' || !UUID.test(deploymentId) || !event) return;
    const buffer = this.pending.buffer;
    let p = buffer.get(deploymentId);
    const now = new Date();
    if (!p) {
      if (buffer.size >= MAX_BUFFERED_DEPLOYMENTS) {
        this.pending.drop();
        return;
      }
      p = emptyPending(now);
      buffer.set(deploymentId, p);
    }
    addEvent(p, event, this.levels.get(deploymentId), now, this.options.monitoringRetention);
  }

  /** Write everything buffered so far (serialised: one flush at a time). */
  flush(): Promise<void> {
    return this.pending.flush();
  }

  /** One transaction per deployment; returns the deployments whose write failed (kept for the next flush). */
  private async write(batch: Map<string, Pending>): Promise<Map<string, Pending>> {
    const levels = await this.repo.levelsOf([...batch.keys()]);
    const failed = new Map<string, Pending>();
    const retention = this.options.monitoringRetention;
    for (const [id, p] of batch) {
      const level = levels.get(id);
      if (!level) continue; // not a deployment: nothing to attach the events to
      this.noteLevel(id, level);
      try {
        await this.repo.accumulate(
          id,
          (row) => addToTotals(row, p, level, retention),
          level === 'high' ? p.logs : [],
          retention,
        );
      } catch (e) {
        failed.set(id, p);
        this.logger.warn(`monitoring flush of deployment ${id} failed, kept for the next one: ${(e as Error).message}`);
      }
    }
    return failed;
  }

  /** GET /deployments/{id}/monitoring, after flushing this process's buffer. */
  async report(deployment: Deployment, recent: number) {
    await this.flush().catch(() => undefined);
    const totals = await this.repo.totals(deployment.id);
    if (deployment.monitoring_level !== 'high') return monitoringReport(deployment, totals, null);
    const requests = await this.repo.recentRequests(deployment.id, this.options.monitoringRetention);
    const drift = await this.loadPreprocessing(deployment.model_id, deployment.version).then(
      (pre) => driftReport(pre, requests),
      (e: Error) => driftUnavailable(requests.length, e),
    );
    return monitoringReport(deployment, totals, { requests, recent, drift });
  }

  private loadPreprocessing(modelId: string, version: string): Promise<unknown> {
    const key = `${modelId}@${version}`;
    let p = this.preprocessing.get(key);
    if (!p) {
      if (this.preprocessing.size > 500) this.preprocessing.clear();
      p = this.artifacts.readPreprocessingRecord(modelId, version);
      p.catch(() => this.preprocessing.delete(key));
      this.preprocessing.set(key, p);
    }
    return p;
  }
}
