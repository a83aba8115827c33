import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, ConflictError, NotFoundError } from '../common/errors/app-error';
import { ArtifactCorruptError, artifactRefusal, ModelArtifacts } from '../models/artifacts';
import { ModelLock } from '../models/model-lock';
import { ModelsService } from '../models/models.service';
import { AliasesService } from '../models/aliases/aliases.service';
import { ActiveDeploymentCache } from './active-deployment.cache';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from './deployment-options';
import { DeploymentRepository, type DeploymentTx } from './deployments/deployment.repository';
import { deploymentView } from './deployments/deployment-view';
import type { DeploymentDto, DeploymentListDto, DeployRequestDto, ListDeploymentsQuery } from './dto/deployment.dto';
import { Deployment, type MonitoringLevel } from './entities';
import { MonitoringService } from './monitoring/monitoring.service';
import { NotificationRepository } from './notifications/notification.repository';
import type { AppliedChange } from './targets/target-driver';
import { TargetDrivers } from './targets/target-drivers.service';
import { DomainEventBus } from '../common/events';
import { deployOptionErrors, fieldsError } from './validation/deploy-field-errors';

const DEPLOYABLE = ['experimental', 'deployed'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A new row (an entity instance, as the drivers and the insert expect). */
const newDeployment = (fields: Omit<Deployment, 'performance_status' | 'performance_changed_at' | ChallengerField>) =>
  Object.assign(new Deployment(), fields);
type ChallengerField = 'challenger_version' | 'challenger_mode' | 'canary_share' | 'challenger_since';

/**
 * Deployments of model versions to targets. Every change runs in one transaction that first
 * locks the model's row (the models module's ModelLock — the lock ModelsService.archive
 * takes), so concurrent deploys, rollbacks and undeploys of a model serialise, and archiving
 * cannot interleave with a deploy. The partial unique index on (model_id, target) WHERE
 * status = 'active' makes "one active deployment per model and target" hold in the database
 * too. The versions' statuses (deployed ↔ experimental) change in the same transaction.
 */
@Injectable()
export class DeploymentService {
  constructor(
    private readonly repo: DeploymentRepository,
    private readonly notifications: NotificationRepository,
    private readonly modelLock: ModelLock,
    private readonly models: ModelsService,
    private readonly artifacts: ModelArtifacts,
    private readonly drivers: TargetDrivers,
    private readonly monitoring: MonitoringService,
    private readonly cache: ActiveDeploymentCache,
    private readonly events: DomainEventBus,
    private readonly aliases: AliasesService,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  get targets(): string[] {
    return this.options.targets;
  }

  /** POST /models/{id}/deploy: make `version` the active deployment on the target, replacing the one there. */
  async deploy(modelId: string, req: DeployRequestDto): Promise<DeploymentDto> {
    const invalid = deployOptionErrors(req, this.options);
    if (invalid.length) throw fieldsError(invalid);
    const target = req.deployment_target;
    const scaling = req.scaling_factor ?? 1;
    const level: MonitoringLevel = req.monitoring_level ?? 'medium';
    // "@champion": the version the alias points at now is what gets deployed (moving the alias later does not redeploy).
    if (req.version.startsWith('@'))
      req = { ...req, version: await this.aliases.resolve(modelId, req.version.slice(1)) };
    await this.checkDeployable(modelId, req.version, 'deployed');
    // The target's drivers stage what they need (e.g. files) before anything is recorded.
    await this.drivers.prepare({ modelId, version: req.version, target });

    return this.change(async (tx, applied) => {
      await this.lockModel(tx, modelId, true);
      const current = await tx.lockActive(modelId, target);
      const now = new Date();
      const deployment = newDeployment({
        id: randomUUID(),
        model_id: modelId,
        version: req.version,
        target,
        scaling_factor: scaling,
        monitoring_level: level,
        status: 'active',
        deployed_at: now,
        ended_at: null,
        ended_by_deployment_id: null,
        replaced_deployment_id: current?.id ?? null,
        replaced_version: current?.version ?? null,
        rollback_to_deployment_id: current?.id ?? null,
        restored_deployment_id: null,
      });
      if (current)
        await tx.update(current.id, { status: 'replaced', ended_at: now, ended_by_deployment_id: deployment.id });
      await tx.insert(deployment);
      await this.models.updateVersion(modelId, req.version, { status: 'deployed' }, tx.manager);
      if (current && current.version !== req.version) await this.releaseIfIdle(tx, modelId, current.version);
      await this.drivers.apply(
        { event: current ? 'replace' : 'deploy', deployment, previous: current, at: now },
        tx.manager,
        applied,
      );
      return deployment;
    });
  }

  /** POST /models/{id}/rollback: back to the version the active deployment replaced (with that deployment's settings). */
  async rollback(modelId: string, targetName: string): Promise<DeploymentDto> {
    const target = this.checkTarget(targetName);
    await this.models.getModel(modelId);
    // Read outside the transaction what the rollback would restore, to check that version with
    // the registry; inside, the active deployment must still be the same one.
    const seen = await this.repo.findActive(modelId, target);
    if (!seen)
      throw new ConflictError(
        `Model ${modelId} has no active deployment on ${target}`,
        { model_id: modelId, target },
        'NOT_DEPLOYED',
      );
    if (!seen.rollback_to_deployment_id) {
      throw new ConflictError(
        `Nothing to roll back to: version ${seen.version} did not replace another deployment on ${target}`,
        { model_id: modelId, target, deployment_id: seen.id },
        'NOTHING_TO_ROLL_BACK',
      );
    }
    const previous = await this.repo.findById(seen.rollback_to_deployment_id);
    if (!previous) throw new Error(`deployment ${seen.rollback_to_deployment_id} (to roll back to) is missing`);
    await this.checkDeployable(modelId, previous.version, 'rolled back to');
    await this.drivers.prepare({ modelId, version: previous.version, target });

    return this.change(async (tx, applied) => {
      await this.lockModel(tx, modelId, true);
      const current = await tx.lockActive(modelId, target);
      if (current?.id !== seen.id)
        throw new ConflictError(
          `The deployment of ${modelId} on ${target} changed while rolling back; retry`,
          { model_id: modelId, target },
          'DEPLOYMENT_CHANGED',
        );
      const now = new Date();
      const deployment = newDeployment({
        id: randomUUID(),
        model_id: modelId,
        version: previous.version,
        target,
        scaling_factor: previous.scaling_factor,
        monitoring_level: previous.monitoring_level,
        status: 'active',
        deployed_at: now,
        ended_at: null,
        ended_by_deployment_id: null,
        replaced_deployment_id: current.id,
        replaced_version: current.version,
        rollback_to_deployment_id: previous.rollback_to_deployment_id,
        restored_deployment_id: previous.id,
      });
      await tx.update(current.id, { status: 'rolled_back', ended_at: now, ended_by_deployment_id: deployment.id });
      await tx.insert(deployment);
      await this.models.updateVersion(modelId, previous.version, { status: 'deployed' }, tx.manager);
      if (current.version !== previous.version) await this.releaseIfIdle(tx, modelId, current.version);
      await this.drivers.apply({ event: 'rollback', deployment, previous: current, at: now }, tx.manager, applied);
      return deployment;
    });
  }

  /** POST /deployments/{id}/undeploy: the target has no active version of the model any more. */
  async undeploy(id: string): Promise<DeploymentDto> {
    const found = await this.get(id);
    return this.change(async (tx, applied) => {
      await this.lockModel(tx, found.model_id, false);
      const deployment = await tx.lockById(id);
      if (!deployment) throw new Error(`deployment ${id} vanished`);
      if (deployment.status !== 'active')
        throw new ConflictError(
          `Deployment ${id} is ${deployment.status}, not active`,
          { deployment_id: id, status: deployment.status },
          'DEPLOYMENT_NOT_ACTIVE',
        );
      const now = new Date();
      await tx.update(id, { status: 'undeployed', ended_at: now });
      Object.assign(deployment, { status: 'undeployed', ended_at: now });
      await this.releaseIfIdle(tx, deployment.model_id, deployment.version);
      await this.drivers.apply({ event: 'undeploy', deployment, previous: null, at: now }, tx.manager, applied);
      return deployment;
    });
  }

  async list(q: ListDeploymentsQuery): Promise<DeploymentListDto> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const [rows, total] = await this.repo.list(
      { target: q.target, model_id: q.model_id, status: q.status },
      limit,
      offset,
    );
    return { deployments: await this.views(rows), total, limit, offset };
  }

  async describe(id: string): Promise<DeploymentDto> {
    return (await this.views([await this.get(id)]))[0];
  }

  async get(id: string): Promise<Deployment> {
    const d = UUID.test(id) ? await this.repo.findById(id) : null;
    if (!d) throw new NotFoundError(`Deployment ${id} does not exist`, { deployment_id: id }, 'DEPLOYMENT_NOT_FOUND');
    return d;
  }

  async monitoringReport(id: string, recent = 20) {
    return this.monitoring.report(await this.get(id), recent);
  }

  /** The active deployment of a model on a target (for the lookup), straight from the database. */
  findActive(modelId: string, target: string): Promise<Deployment | null> {
    return this.repo.findActive(modelId, target);
  }

  activeVersions(modelId: string): Promise<string[]> {
    return this.repo.activeVersions(modelId);
  }

  // ---------------------------------------------------------------------------------------

  private checkTarget(target: string): string {
    const invalid = deployOptionErrors({ deployment_target: target }, this.options);
    if (invalid.length) throw fieldsError(invalid);
    return target;
  }

  /**
   * 404 for an unknown model or version; 409 unless the version is trained and its artifacts
   * are there and intact. Verified before the transaction (hashing the weights while holding
   * the model's row lock would stall every other change of the model, and on the embedded
   * database the only connection), so a deployment never becomes active on files that every
   * predict would then refuse with a 500.
   */
  async checkDeployable(modelId: string, version: string, action: string): Promise<void> {
    const model = await this.models.getModel(modelId);
    if (model.archived_at)
      throw new ConflictError(
        `Model ${modelId} is archived and cannot be deployed`,
        { model_id: modelId },
        'MODEL_ARCHIVED',
      );
    // A version that does not exist is a 404 VERSION_NOT_FOUND, as everywhere else.
    const v = await this.models.getVersion(modelId, version);
    if (!DEPLOYABLE.includes(v.status)) {
      throw new ConflictError(
        `Version ${version} of ${modelId} is ${v.status}; only a trained version (experimental or deployed) can be deployed`,
        { model_id: modelId, version, status: v.status },
        'VERSION_NOT_DEPLOYABLE',
      );
    }
    if (!(await this.artifacts.exists(modelId, version))) {
      throw new ConflictError(
        `Version ${version} of ${modelId} has no stored artifacts`,
        { model_id: modelId, version },
        'ARTIFACTS_MISSING',
      );
    }
    try {
      // Every listed file's size and sha256 against the manifest, and the manifest's own hash
      // against the one recorded when the version was registered (a rewritten manifest).
      await this.artifacts.verify(modelId, version, v.artifact_checksum);
    } catch (e) {
      if (e instanceof ArtifactCorruptError) throw artifactRefusal(e, action);
      throw e;
    }
  }

  /** Lock the model's row for the rest of the transaction (404 when it is gone, 409 when archived and asked). */
  private async lockModel(tx: DeploymentTx, modelId: string, refuseArchived: boolean): Promise<void> {
    const model = await this.modelLock.lock(tx.manager, modelId);
    if (refuseArchived && model.archived_at)
      throw new ConflictError(
        `Model ${modelId} is archived and cannot be deployed`,
        { model_id: modelId },
        'MODEL_ARCHIVED',
      );
  }

  /** A version deployed nowhere any more goes back to `experimental`. */
  private async releaseIfIdle(tx: DeploymentTx, modelId: string, version: string): Promise<void> {
    const still = await tx.countActive(modelId, version);
    if (!still) await this.models.updateVersion(modelId, version, { status: 'experimental' }, tx.manager);
  }

  /**
   * One change in one transaction, run through the target's drivers (targets/target-driver.ts):
   * if the transaction fails after a driver applied its part, that part is undone.
   */
  private async change(
    work: (tx: DeploymentTx, applied: AppliedChange[]) => Promise<Deployment>,
  ): Promise<DeploymentDto> {
    const applied: AppliedChange[] = [];
    let deployment: Deployment;
    try {
      deployment = await this.inTransaction((tx) => work(tx, applied));
    } catch (e) {
      await this.drivers.undo(applied);
      throw e;
    }
    return this.afterChange(deployment, applied);
  }

  private async inTransaction<T>(work: (tx: DeploymentTx) => Promise<T>): Promise<T> {
    try {
      return await this.repo.transaction(work);
    } catch (e) {
      if (e instanceof AppError) throw e;
      // The partial unique index: only reachable if something bypassed the model lock.
      const code =
        (e as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (e as { code?: string }).code;
      if (code === '23505')
        throw new ConflictError(
          'Another deployment of this model on this target happened at the same time; retry',
          null,
          'CONCURRENT_DEPLOYMENT',
        );
      throw e;
    }
  }

  private async afterChange(deployment: Deployment, applied: AppliedChange[]): Promise<DeploymentDto> {
    this.cache.invalidate(deployment.model_id);
    // Predictions resolve the new version at once (awaited: the response must not go out before),
    // and its model is loaded before traffic arrives (prediction warms it in the background).
    const active = deployment.status === 'active';
    await this.events.publish('deployment.changed', {
      modelId: deployment.model_id,
      deploymentId: deployment.id,
      change: !active ? 'undeployed' : deployment.restored_deployment_id ? 'rolled_back' : 'deployed',
      activeVersion: active ? deployment.version : null,
      challengerVersion: null,
    });
    this.monitoring.noteLevel(deployment.id, deployment.monitoring_level);
    this.drivers.afterCommit(applied);
    return this.views([deployment]).then((v) => v[0]);
  }

  private async views(rows: Deployment[]): Promise<DeploymentDto[]> {
    if (!rows.length) return [];
    const notes = await this.notifications.forDeployments(rows.map((r) => r.id));
    const versionOf = await this.repo.versionsOf(
      rows.map((r) => r.rollback_to_deployment_id).filter((x): x is string => !!x),
    );
    return rows.map((d) =>
      deploymentView(
        d,
        notes.filter((n) => n.deployment_id === d.id),
        d.rollback_to_deployment_id ? (versionOf.get(d.rollback_to_deployment_id) ?? null) : null,
      ),
    );
  }
}
