import { Inject, Injectable } from '@nestjs/common';
import { ConflictError } from '../../common/errors/app-error';
import { AliasesService } from '../../models/aliases/aliases.service';
import { ModelLock } from '../../models/model-lock';
import { DomainEventBus } from '../../common/events';
import { ActiveDeploymentCache } from '../active-deployment.cache';
import { DeploymentService } from '../deployment.service';
import type { DeploymentDto, DeployRequestDto } from '../dto/deployment.dto';
import { DeploymentRepository } from '../deployments/deployment.repository';
import type { ChallengerMode, Deployment } from '../entities';
import { PerformanceScorer } from '../performance/performance-scorer';
import { PredictionRecorder } from '../performance/prediction-recorder';
import { PredictionRepository } from '../performance/prediction.repository';
import { nullIfNotFound, VersionTargets } from '../performance/version-targets';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { deployOptionErrors, fieldsError } from '../validation/deploy-field-errors';
import { type PromotionEvidence, promotionEvidence } from './promotion-evidence';

export interface PromotionResult {
  promoted: true;
  /** True when `force` made the promotion although the evidence alone did not support it. */
  forced: boolean;
  evidence: PromotionEvidence;
  /** The new active deployment (the challenger's version, with the old one's settings); rollback restores the old one. */
  deployment: DeploymentDto;
}

/**
 * Challengers beside a target's active version, kept on the active deployment's row
 * (challenger_version/mode, canary_share, since): POST /models/{id}/deploy with "mode"
 * "shadow" or "canary" sets one (replacing any challenger there), and promote makes it the
 * active version through an ordinary deploy (so rollback works as for any replacement).
 * A plain deploy, a rollback or an undeploy ends the active row and its challenger with it.
 */
@Injectable()
export class ChallengerService {
  constructor(
    private readonly repo: DeploymentRepository,
    private readonly modelLock: ModelLock,
    private readonly deployments: DeploymentService,
    private readonly aliases: AliasesService,
    private readonly cache: ActiveDeploymentCache,
    private readonly events: DomainEventBus,
    private readonly recorder: PredictionRecorder,
    private readonly scorer: PerformanceScorer,
    private readonly predictions: PredictionRepository,
    private readonly targets: VersionTargets,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  /** Deploy `req.version` as the target's shadow or canary challenger; answers the active deployment, now carrying it. */
  async start(modelId: string, req: DeployRequestDto & { mode: ChallengerMode }): Promise<DeploymentDto> {
    const invalid = deployOptionErrors(req, this.options);
    if (invalid.length) throw fieldsError(invalid);
    const target = req.deployment_target;
    const version = req.version.startsWith('@')
      ? await this.aliases.resolve(modelId, req.version.slice(1))
      : req.version;
    await this.deployments.checkDeployable(modelId, version, `deployed as a ${req.mode} challenger`);
    const id = await this.repo.transaction(async (tx) => {
      await this.modelLock.lock(tx.manager, modelId);
      const active = await tx.lockActive(modelId, target);
      if (!active) {
        throw new ConflictError(
          `Model ${modelId} has no active deployment on ${target}: a ${req.mode} challenger runs beside an active version; deploy one first (without "mode")`,
          { model_id: modelId, target },
          'NOT_DEPLOYED',
        );
      }
      if (active.version === version) {
        throw new ConflictError(
          `Version ${version} is already the active version on ${target}; a challenger must be another version`,
          { model_id: modelId, target, active_version: version },
          'CHALLENGER_IS_ACTIVE',
        );
      }
      await tx.update(active.id, {
        challenger_version: version,
        challenger_mode: req.mode,
        canary_share: req.mode === 'canary' ? req.canary_share! : null,
        challenger_since: new Date(),
      });
      return active.id;
    });
    const view = await this.deployments.describe(id);
    await this.changed(modelId, id, view.version, version);
    return view;
  }

  /**
   * POST /deployments/{id}/promote (the active deployment that carries the challenger): the
   * challenger becomes the active version when the paired live losses say so, or with `force`.
   */
  async promote(id: string, force: boolean): Promise<PromotionResult> {
    const d = await this.deployments.get(id);
    if (d.status !== 'active')
      throw new ConflictError(
        `Deployment ${id} is ${d.status}, not active; promote the challenger of the target's active deployment`,
        { deployment_id: id, status: d.status },
        'DEPLOYMENT_NOT_ACTIVE',
      );
    if (!d.challenger_version)
      throw new ConflictError(
        `Deployment ${id} has no challenger to promote; deploy one with "mode": "shadow" or "canary" first`,
        { deployment_id: id },
        'NO_CHALLENGER',
      );
    const evidence = await this.evidence(d);
    if (!evidence.supports_promotion && !force) {
      throw new ConflictError(
        `The live evidence does not support promoting ${d.challenger_version} over ${d.version}: n = ${evidence.n} paired predictions (minimum ${evidence.min_samples}), mean loss difference ${fmt(evidence.mean_loss_difference)}, DM statistic ${fmt(evidence.dm_statistic)}, p-value ${fmt(evidence.p_value)}; wait for more evidence or send "force": true`,
        { deployment_id: id, active_version: d.version, challenger_version: d.challenger_version, ...evidence },
        'PROMOTION_NOT_SUPPORTED',
      );
    }
    const deployment = await this.deployments.deploy(d.model_id, {
      version: d.challenger_version,
      deployment_target: d.target,
      scaling_factor: d.scaling_factor,
      monitoring_level: d.monitoring_level,
    });
    return { promoted: true, forced: !evidence.supports_promotion, evidence, deployment };
  }

  /** The paired realised losses of the active version and the challenger on this deployment (scored first, so they are current). */
  private async evidence(d: Deployment): Promise<PromotionEvidence> {
    await this.recorder.flush().catch(() => undefined);
    for (const s of await this.predictions.pendingSeries(d.id)) await this.scorer.score(s.symbol, s.timeframe, d.id);
    const target = await this.targets.get(d.model_id, d.challenger_version!).catch(nullIfNotFound);
    const [active, challenger] = await Promise.all([
      this.predictions.scored(d.id, d.version, { kind: 'all' }),
      this.predictions.scored(d.id, d.challenger_version!, { kind: 'all' }),
    ]);
    return promotionEvidence(active, challenger, target?.spec.horizonBars ?? 1);
  }

  /** Awaited: prediction drops its resolutions before the response goes out (and warms the challenger in the background). */
  private async changed(modelId: string, deploymentId: string, active: string, challenger: string): Promise<void> {
    this.cache.invalidate(modelId);
    await this.events.publish('deployment.changed', {
      modelId,
      deploymentId,
      change: 'challenger_added',
      activeVersion: active,
      challengerVersion: challenger,
    });
  }
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Number(v.toPrecision(4)).toString());
