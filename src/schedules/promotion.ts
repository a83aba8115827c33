import { Injectable, Logger } from '@nestjs/common';
import { DeploymentService } from '../deployment/deployment.service';
import { ModelArtifacts } from '../models/artifacts';
import { ModelsService } from '../models/models.service';

export interface CompareOn {
  metric: 'val_loss' | 'val_return';
  direction: 'minimize' | 'maximize';
}

/**
 * The validation metric deploy_if_better compares: a network's validation loss at its kept
 * weights (early stopping restores the best epoch, so the lowest of the curve), an agent's
 * validation return at its kept episode (the highest). Null where there is none to compare.
 */
export function compareOn(modelType: string): CompareOn | null {
  if (modelType === 'reinforcement_learning') return { metric: 'val_return', direction: 'maximize' };
  if (['time_series', 'classification', 'anomaly_detection'].includes(modelType))
    return { metric: 'val_loss', direction: 'minimize' };
  return null;
}

/** One target's comparison, as kept in the run's `comparison.targets`. */
interface TargetComparison {
  target: string;
  active_version: string;
  active_value: number | null;
  deployed: boolean;
  error?: string;
}

export interface PromotionResult {
  outcome: 'registered' | 'deployed' | 'not_deployed';
  reason: string;
  comparison: Record<string, unknown> | null;
}

/**
 * deploy_if_better: on each target where the model has an active deployment, the new version
 * replaces it (same scaling factor and monitoring level) only when its validation metric is
 * strictly better than the active version's. Each version's value is on its own validation
 * part (a rolling window moves it): the comparison says which values were compared.
 */
@Injectable()
export class Promotion {
  private readonly logger = new Logger('SchedulePromotion');

  constructor(
    private readonly deployments: DeploymentService,
    private readonly models: ModelsService,
    private readonly artifacts: ModelArtifacts,
  ) {}

  async run(modelId: string, version: string, on: CompareOn): Promise<PromotionResult> {
    const active = (await this.deployments.list({ model_id: modelId, status: 'active', limit: 500 })).deployments;
    const newValue = await this.validationValue(modelId, version, on);
    const comparison: Record<string, unknown> = {
      metric: on.metric,
      direction: on.direction,
      new: { version, value: newValue },
      targets: [] as unknown[],
    };
    if (!active.length)
      return {
        outcome: 'registered',
        reason: `no active deployment of ${modelId} to compare with: registered only`,
        comparison,
      };
    const targets: TargetComparison[] = [];
    for (const d of active) {
      const activeValue = await this.validationValue(modelId, d.version, on);
      const better =
        newValue !== null &&
        activeValue !== null &&
        (on.direction === 'minimize' ? newValue < activeValue : newValue > activeValue);
      const entry: TargetComparison = {
        target: d.target,
        active_version: d.version,
        active_value: activeValue,
        deployed: false,
      };
      if (better) {
        try {
          await this.deployments.deploy(modelId, {
            version,
            deployment_target: d.target,
            scaling_factor: d.scaling_factor,
            monitoring_level: d.monitoring_level as 'medium',
          });
          entry.deployed = true;
        } catch (e) {
          entry.error = (e as Error).message;
          this.logger.warn(
            { model_id: modelId, version, target: d.target, err: { message: (e as Error).message } },
            'deploy_if_better: the deployment failed',
          );
        }
      }
      targets.push(entry);
    }
    comparison.targets = targets;
    const deployed = targets.filter((t) => t.deployed).map((t) => t.target);
    const fmt = (v: unknown) => (typeof v === 'number' ? v.toPrecision(6) : 'none');
    const summary = targets
      .map(
        (t) =>
          `${t.target}: active ${t.active_version} ${fmt(t.active_value)}${t.deployed ? ' (replaced)' : t.error ? ` (deploy failed: ${t.error})` : ''}`,
      )
      .join('; ');
    const head = `${on.metric} of ${version} is ${fmt(newValue)} (${on.direction === 'minimize' ? 'lower' : 'higher'} is better)`;
    return deployed.length
      ? { outcome: 'deployed', reason: `${head}; deployed on ${deployed.join(', ')}. ${summary}`, comparison }
      : {
          outcome: 'not_deployed',
          reason: `${head}; not better than the active version anywhere, nothing deployed. ${summary}`,
          comparison,
        };
  }

  /** The best of the version's validation curve (metrics.json's history; an agent's validation returns are stored there as val_loss). */
  private async validationValue(modelId: string, version: string, on: CompareOn): Promise<number | null> {
    try {
      const v = await this.models.getVersion(modelId, version);
      const stored = await this.artifacts.readMetrics(modelId, version, v.artifact_checksum);
      const curve = (stored.history?.val_loss ?? []).filter((x) => typeof x === 'number' && Number.isFinite(x));
      if (!curve.length) return null;
      return on.direction === 'minimize' ? Math.min(...curve) : Math.max(...curve);
    } catch {
      return null; // no artifacts (an imported model), or unreadable: nothing to compare
    }
  }
}
