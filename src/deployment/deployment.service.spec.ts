import type { EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors/app-error';
import type { ModelArtifacts } from '../models/artifacts';
import type { AliasesService } from '../models/aliases/aliases.service';
import type { LockedModel, ModelLock } from '../models/model-lock';
import type { ModelsService } from '../models/models.service';
import type { DomainEventBus, DomainEvents } from '../common/events';
import { ActiveDeploymentCache } from './active-deployment.cache';
import { parseDeploymentOptions } from './deployment-options';
import { DeploymentService } from './deployment.service';
import type { MonitoringService } from './monitoring/monitoring.service';
import type { TargetChange } from './targets/target-driver';
import type { TargetDrivers } from './targets/target-drivers.service';
import {
  FAKE_MANAGER,
  InMemoryDeploymentRepository,
  InMemoryNotificationRepository,
} from './testing/in-memory-repositories';

/** The registry as the deployment service sees it: models, their versions' statuses, the row lock. */
class FakeRegistry {
  readonly archived = new Set<string>();
  readonly statuses = new Map<string, string>();
  readonly locked: string[] = [];

  add(modelId: string, ...versions: string[]) {
    for (const v of versions) this.statuses.set(`${modelId}@${v}`, 'experimental');
  }

  private has(modelId: string) {
    return [...this.statuses.keys()].some((k) => k.startsWith(`${modelId}@`));
  }

  readonly models = {
    getModel: (id: string) => {
      if (!this.has(id))
        return Promise.reject(new NotFoundError(`Model ${id} does not exist`, null, 'MODEL_NOT_FOUND'));
      return Promise.resolve({ id, archived_at: this.archived.has(id) ? new Date() : null });
    },
    getVersion: (id: string, version: string) => {
      const status = this.statuses.get(`${id}@${version}`);
      if (!status) return Promise.reject(new NotFoundError(`no version ${version}`, null, 'VERSION_NOT_FOUND'));
      return Promise.resolve({ model_id: id, version, status, artifact_checksum: null });
    },
    updateVersion: (id: string, version: string, fields: { status?: string }, m: EntityManager) => {
      // The change must be part of the deployment's transaction.
      expect(m).toBe(FAKE_MANAGER);
      if (fields.status) this.statuses.set(`${id}@${version}`, fields.status);
      return Promise.resolve();
    },
  } as unknown as ModelsService;

  readonly lock: ModelLock = {
    lock: (m: EntityManager, id: string): Promise<LockedModel> => {
      expect(m).toBe(FAKE_MANAGER);
      this.locked.push(id);
      if (!this.has(id))
        return Promise.reject(new NotFoundError(`Model ${id} does not exist`, null, 'MODEL_NOT_FOUND'));
      return Promise.resolve({ id, archived_at: this.archived.has(id) ? new Date() : null });
    },
  };
}

function setup() {
  const repo = new InMemoryDeploymentRepository();
  const registry = new FakeRegistry();
  registry.add('m1', 'v1', 'v2', 'v3');
  const applied: TargetChange[] = [];
  const drivers = {
    prepare: () => Promise.resolve(),
    apply: (change: TargetChange) => {
      applied.push(change);
      return Promise.resolve();
    },
    undo: () => Promise.resolve(),
    afterCommit: () => undefined,
  } as unknown as TargetDrivers;
  const levels = new Map<string, string>();
  const monitoring = {
    noteLevel: (id: string, level: string) => levels.set(id, level),
  } as unknown as MonitoringService;
  const artifacts = {
    exists: () => Promise.resolve(true),
    verify: () => Promise.resolve(),
  } as unknown as ModelArtifacts;
  const published: Array<DomainEvents['deployment.changed']> = [];
  const events = {
    publish: (_name: string, payload: DomainEvents['deployment.changed']) => {
      published.push(payload);
      return Promise.resolve();
    },
  } as unknown as DomainEventBus;
  const aliases = { resolve: () => Promise.resolve('v2') } as unknown as AliasesService;
  const service = new DeploymentService(
    repo,
    new InMemoryNotificationRepository(),
    registry.lock,
    registry.models,
    artifacts,
    drivers,
    monitoring,
    new ActiveDeploymentCache(),
    events,
    aliases,
    parseDeploymentOptions({}),
  );
  const deploy = (version: string, extra: Record<string, unknown> = {}) =>
    service.deploy('m1', { version, deployment_target: 'strategy_engine', ...extra });
  return { service, repo, registry, applied, levels, deploy, published };
}

const status = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: Error) => (e instanceof ConflictError || e instanceof NotFoundError ? e.errorCode : e.message),
  );

describe('DeploymentService (in-memory repositories)', () => {
  it('deploys a version: active on the target, the version marked deployed, under the model lock', async () => {
    const { service, registry, applied, levels, deploy } = setup();
    const d = await deploy('v1', { monitoring_level: 'high', scaling_factor: 2 });
    expect(d).toMatchObject({ version: 'v1', status: 'active', scaling_factor: 2, monitoring_level: 'high' });
    expect(await service.findActive('m1', 'strategy_engine')).toMatchObject({ id: d.id, version: 'v1' });
    expect(registry.statuses.get('m1@v1')).toBe('deployed');
    expect(registry.locked).toEqual(['m1']);
    expect(applied.map((c) => c.event)).toEqual(['deploy']);
    expect(levels.get(d.id)).toBe('high');
  });

  it('a second deploy replaces the first, whose version goes back to experimental', async () => {
    const { service, registry, applied, deploy } = setup();
    const first = await deploy('v1');
    const second = await deploy('v2');
    expect(second).toMatchObject({ version: 'v2', replaced_version: 'v1', rollback_version: 'v1' });
    expect(await service.describe(first.id)).toMatchObject({ status: 'replaced', ended_by_deployment_id: second.id });
    expect(registry.statuses.get('m1@v1')).toBe('experimental');
    expect(registry.statuses.get('m1@v2')).toBe('deployed');
    expect(applied.map((c) => c.event)).toEqual(['deploy', 'replace']);
    expect(await service.activeVersions('m1')).toEqual(['v2']);
  });

  it('rollback restores the previous version with its settings', async () => {
    const { service, registry, deploy } = setup();
    const first = await deploy('v1', { scaling_factor: 3, monitoring_level: 'low' });
    const second = await deploy('v2', { scaling_factor: 1 });
    const back = await service.rollback('m1', 'strategy_engine');
    expect(back).toMatchObject({
      version: 'v1',
      status: 'active',
      scaling_factor: 3,
      monitoring_level: 'low',
      restored_deployment_id: first.id,
      replaced_version: 'v2',
    });
    expect((await service.findActive('m1', 'strategy_engine'))?.version).toBe('v1');
    expect(await service.describe(second.id)).toMatchObject({ status: 'rolled_back', ended_by_deployment_id: back.id });
    expect(registry.statuses.get('m1@v1')).toBe('deployed');
    expect(registry.statuses.get('m1@v2')).toBe('experimental');
    // Nothing older than v1 on the target: a second rollback has nowhere to go.
    expect(await status(service.rollback('m1', 'strategy_engine'))).toBe('NOTHING_TO_ROLL_BACK');
  });

  it('a rollback of a rollback goes further back (the stack)', async () => {
    const { service, deploy } = setup();
    await deploy('v1');
    await deploy('v2');
    await deploy('v3');
    expect((await service.rollback('m1', 'strategy_engine')).version).toBe('v2');
    expect((await service.rollback('m1', 'strategy_engine')).version).toBe('v1');
  });

  it('refuses to roll back a target with nothing deployed', async () => {
    const { service } = setup();
    expect(await status(service.rollback('m1', 'strategy_engine'))).toBe('NOT_DEPLOYED');
  });

  it('undeploy leaves the target without an active version; the version is experimental again', async () => {
    const { service, registry, applied, deploy } = setup();
    const d = await deploy('v1');
    const ended = await service.undeploy(d.id);
    expect(ended).toMatchObject({ id: d.id, status: 'undeployed' });
    expect(ended.ended_at).not.toBeNull();
    expect(await service.findActive('m1', 'strategy_engine')).toBeNull();
    expect(registry.statuses.get('m1@v1')).toBe('experimental');
    expect(applied.map((c) => c.event)).toEqual(['deploy', 'undeploy']);
    expect(await status(service.undeploy(d.id))).toBe('DEPLOYMENT_NOT_ACTIVE');
  });

  it('tells prediction what changed, after each change: deployed, rolled back, undeployed', async () => {
    const { service, deploy, published } = setup();
    const first = await deploy('v1');
    await deploy('v2');
    await service.rollback('m1', 'strategy_engine');
    const active = await service.findActive('m1', 'strategy_engine');
    await service.undeploy(active!.id);
    expect(published.map((e) => [e.change, e.activeVersion])).toEqual([
      ['deployed', 'v1'],
      ['deployed', 'v2'],
      ['rolled_back', 'v1'],
      ['undeployed', null],
    ]);
    expect(published.every((e) => e.modelId === 'm1')).toBe(true);
    expect(published[0].deploymentId).toBe(first.id);
  });

  it('a version still active on another target stays deployed when one target undeploys it', async () => {
    const { service, registry, deploy } = setup();
    const a = await deploy('v1');
    await service.deploy('m1', { version: 'v1', deployment_target: 'analysis_engine' });
    await service.undeploy(a.id);
    expect(registry.statuses.get('m1@v1')).toBe('deployed');
  });

  it('a change that fails inside the transaction leaves nothing behind', async () => {
    const { service, repo, applied, deploy } = setup();
    const first = await deploy('v1');
    applied.length = 0;
    const failing = (service as unknown as { drivers: { apply: () => Promise<void> } }).drivers;
    failing.apply = () => Promise.reject(new Error('target down'));
    expect(await status(deploy('v2'))).toBe('target down');
    expect((await service.findActive('m1', 'strategy_engine'))?.id).toBe(first.id);
    expect(repo.rows.size).toBe(1);
  });

  it('refuses an archived model, an unknown model, a version that is not trained, an unknown target', async () => {
    const { service, registry, deploy } = setup();
    registry.statuses.set('m1@v3', 'training');
    expect(await status(deploy('v3'))).toBe('VERSION_NOT_DEPLOYABLE');
    expect(await status(service.deploy('nope', { version: 'v1', deployment_target: 'strategy_engine' }))).toBe(
      'MODEL_NOT_FOUND',
    );
    expect(await status(deploy('v1', { deployment_target: 'elsewhere' }))).not.toBe('resolved');
    registry.archived.add('m1');
    expect(await status(deploy('v1'))).toBe('MODEL_ARCHIVED');
    expect(await service.findActive('m1', 'strategy_engine')).toBeNull();
  });

  it('lists newest first with the total, and filters', async () => {
    const { service, repo, deploy } = setup();
    const first = await deploy('v1');
    repo.rows.get(first.id)!.deployed_at = new Date(Date.now() - 60_000); // older, however fast the two deploys ran
    await deploy('v2');
    const page = await service.list({ model_id: 'm1', limit: 1, offset: 0 });
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(page.deployments.map((d) => d.version)).toEqual(['v2']);
    expect((await service.list({ status: 'replaced' })).deployments.map((d) => d.version)).toEqual(['v1']);
    expect(await status(service.describe('not-a-uuid'))).toBe('DEPLOYMENT_NOT_FOUND');
  });
});
