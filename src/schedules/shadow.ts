import { Injectable, Logger } from '@nestjs/common';
import { ChallengerService } from '../deployment/challengers/challenger.service';
import { DeploymentService } from '../deployment/deployment.service';

/** One target's outcome, as kept in the run's `comparison.targets`. */
interface ShadowTarget {
  target: string;
  deployment_id: string;
  active_version: string;
  replaced_challenger: string | null;
  shadowed: boolean;
  error?: string;
}

export interface ShadowResult {
  outcome: 'registered' | 'shadowed' | 'not_shadowed';
  reason: string;
  /** Kept in the run's `comparison`: what happened on each target (none compared: a shadow is deployed unconditionally). */
  comparison: { mode: 'shadow'; version: string; targets: ShadowTarget[] };
}

/**
 * on_success "shadow": on each target where the model has an active deployment, the new
 * version becomes that deployment's shadow challenger (replacing any challenger there), through
 * the same ChallengerService as POST /models/{id}/deploy with "mode": "shadow". The live paired
 * losses then decide whether to promote it (POST /deployments/{id}/promote): nothing is
 * replaced on validation figures alone.
 */
@Injectable()
export class ShadowDeploy {
  private readonly logger = new Logger('ScheduleShadow');

  constructor(
    private readonly deployments: DeploymentService,
    private readonly challengers: ChallengerService,
  ) {}

  async run(modelId: string, version: string): Promise<ShadowResult> {
    const active = (await this.deployments.list({ model_id: modelId, status: 'active', limit: 500 })).deployments;
    const comparison: ShadowResult['comparison'] = { mode: 'shadow', version, targets: [] };
    if (!active.length)
      return {
        outcome: 'registered',
        reason: `shadow: skipped, no active deployment of ${modelId} to shadow: registered only`,
        comparison,
      };
    for (const d of active) {
      const entry: ShadowTarget = {
        target: d.target,
        deployment_id: d.id,
        active_version: d.version,
        replaced_challenger: d.challenger?.version ?? null,
        shadowed: false,
      };
      try {
        await this.challengers.start(modelId, {
          version,
          deployment_target: d.target,
          scaling_factor: d.scaling_factor,
          monitoring_level: d.monitoring_level as 'medium',
          mode: 'shadow',
        });
        entry.shadowed = true;
      } catch (e) {
        // e.g. undeployed meanwhile (409 NOT_DEPLOYED): recorded on the run, the other targets still get theirs.
        entry.error = (e as Error).message;
        this.logger.warn(
          { model_id: modelId, version, target: d.target, err: { message: (e as Error).message } },
          'shadow: deploying the challenger failed',
        );
      }
      comparison.targets.push(entry);
    }
    const shadowed = comparison.targets.filter((t) => t.shadowed);
    const summary = comparison.targets
      .map(
        (t) =>
          `${t.target}: active ${t.active_version}${t.shadowed ? `, shadow ${version}${t.replaced_challenger ? ` (replaced challenger ${t.replaced_challenger})` : ''}` : ` (failed: ${t.error})`}`,
      )
      .join('; ');
    return shadowed.length
      ? {
          outcome: 'shadowed',
          reason: `shadow: ${version} deployed as the shadow challenger on ${shadowed.map((t) => t.target).join(', ')}. ${summary}`,
          comparison,
        }
      : {
          outcome: 'not_shadowed',
          reason: `shadow: ${version} could not be deployed as a shadow challenger anywhere. ${summary}`,
          comparison,
        };
  }
}
