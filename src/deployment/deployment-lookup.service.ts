import { Inject, Injectable } from '@nestjs/common';
import { ActiveDeploymentCache } from './active-deployment.cache';
import type {
  ActiveDeployment,
  DeploymentLookup,
  PredictionEvent as MonitoringEvent,
} from '../prediction/deployment-lookup';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from './deployment-options';
import { DeploymentService } from './deployment.service';
import { MonitoringService } from './monitoring/monitoring.service';
import { PredictionRecorder } from './performance/prediction-recorder';

/**
 * What the prediction module asks the deployment module: which version is deployed on a
 * target (with its scaling factor and monitoring level), and where to report each request.
 * Bind it to the prediction module's DEPLOYMENT_LOOKUP token.
 */
@Injectable()
export class DeploymentLookupService implements DeploymentLookup {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly monitoring: MonitoringService,
    private readonly recorder: PredictionRecorder,
    private readonly cache: ActiveDeploymentCache,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  async activeVersion(modelId: string, target: string): Promise<ActiveDeployment | null> {
    const key = `${modelId}\u0000${target}`;
    const cached = this.cache.get<ActiveDeployment | null>(key);
    if (cached !== undefined) return cached;
    const d = await this.deployments.findActive(modelId, target);
    const challenger =
      d?.challenger_version && d.challenger_mode
        ? { version: d.challenger_version, mode: d.challenger_mode, canary_share: d.canary_share }
        : null;
    const value = d
      ? {
          version: d.version,
          scaling_factor: d.scaling_factor,
          deployment_id: d.id,
          monitoring_level: d.monitoring_level,
          ...(challenger ? { challenger } : {}),
        }
      : null;
    if (d) this.monitoring.noteLevel(d.id, d.monitoring_level);
    this.cache.set(key, value, this.options.lookupCacheMs);
    return value;
  }

  async deployedVersions(modelId: string): Promise<string[]> {
    return this.deployments.activeVersions(modelId);
  }

  /**
   * Cheap: buffered in memory, written in batches (MONITORING_FLUSH_MS) — the monitoring
   * aggregates (filtered by the deployment's level) and the served predictions live
   * performance scores.
   */
  record(deploymentId: string, event: MonitoringEvent): void {
    // A shadow prediction is not a request (the caller never saw it): only live performance keeps it.
    const role = event.role ?? 'active';
    if (role !== 'shadow') this.monitoring.record(deploymentId, event);
    this.recorder.record(deploymentId, event, role);
  }

  /** Write buffered monitoring events and served predictions now (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([this.monitoring.flush(), this.recorder.flush()]);
  }
}
