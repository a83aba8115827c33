import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, In } from 'typeorm';
import { Deployment, type DeploymentStatus, type PerformanceStatus } from '../entities';

/** The filters of GET /deployments (each optional). */
export interface DeploymentFilter {
  target?: string;
  model_id?: string;
  status?: DeploymentStatus;
}

/** An active deployment's live-performance status, for the Prometheus gauge. */
export interface ActivePerformance {
  model_id: string;
  target: string;
  version: string;
  performance_status: PerformanceStatus | null;
}

/** The fields a change may write on a deployment row. */
export type DeploymentPatch = Partial<Omit<Deployment, 'id'>>;

/**
 * The deployments table inside one transaction. `manager` is the transaction itself, for what
 * other modules (the models module's lock and version statuses) and the target drivers do in it.
 */
export interface DeploymentTx {
  readonly manager: EntityManager;
  /** The active deployment of the model on the target, its row locked until the transaction ends. */
  lockActive(modelId: string, target: string): Promise<Deployment | null>;
  /** A deployment by id, its row locked until the transaction ends. */
  lockById(id: string): Promise<Deployment | null>;
  insert(deployment: Deployment): Promise<void>;
  update(id: string, patch: DeploymentPatch): Promise<void>;
  /** How many active deployments serve this version of the model (on any target). */
  countActive(modelId: string, version: string): Promise<number>;
}

/**
 * Deployments and their history (rows are never deleted). An abstract class so that it is
 * both the injection token and the interface an in-memory implementation fills in tests.
 */
export abstract class DeploymentRepository {
  /** Runs `work` in one transaction: everything it writes commits together or not at all. */
  abstract transaction<T>(work: (tx: DeploymentTx) => Promise<T>): Promise<T>;
  abstract findById(id: string): Promise<Deployment | null>;
  abstract findActive(modelId: string, target: string): Promise<Deployment | null>;
  /** A page of deployments, newest first, and how many match. */
  abstract list(filter: DeploymentFilter, limit: number, offset: number): Promise<[Deployment[], number]>;
  /** The versions of a model active on some target, sorted. */
  abstract activeVersions(modelId: string): Promise<string[]>;
  /** id → version of these deployments (those that exist). */
  abstract versionsOf(ids: string[]): Promise<Map<string, string>>;
  /** id → model id of these deployments (those that exist). */
  abstract modelsOf(ids: string[]): Promise<Map<string, string>>;
  abstract activePerformance(): Promise<ActivePerformance[]>;
  /** Whether the database is open (a flush before start or after shutdown has nowhere to go). */
  abstract ready(): boolean;
}

/** The SQL implementation (TypeORM's repository API over `deployments`). */
@Injectable()
export class SqlDeploymentRepository extends DeploymentRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  transaction<T>(work: (tx: DeploymentTx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((m) => work(sqlTx(m)));
  }

  findById(id: string): Promise<Deployment | null> {
    return this.dataSource.getRepository(Deployment).findOneBy({ id });
  }

  findActive(modelId: string, target: string): Promise<Deployment | null> {
    return this.dataSource.getRepository(Deployment).findOneBy({ model_id: modelId, target, status: 'active' });
  }

  list(filter: DeploymentFilter, limit: number, offset: number): Promise<[Deployment[], number]> {
    const where: DeploymentFilter = {};
    if (filter.target) where.target = filter.target;
    if (filter.model_id) where.model_id = filter.model_id;
    if (filter.status) where.status = filter.status;
    return this.dataSource
      .getRepository(Deployment)
      .findAndCount({ where, order: { deployed_at: 'DESC', id: 'ASC' }, take: limit, skip: offset });
  }

  async activeVersions(modelId: string): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ version: string }>>(
      `SELECT DISTINCT version FROM deployments WHERE model_id = $1 AND status = 'active' ORDER BY version`,
      [modelId],
    );
    return rows.map((r) => r.version);
  }

  async versionsOf(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.dataSource
      .getRepository(Deployment)
      .find({ where: { id: In(ids) }, select: { id: true, version: true } });
    return new Map(rows.map((r) => [r.id, r.version]));
  }

  async modelsOf(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.dataSource.query<Array<{ id: string; model_id: string }>>(
      `SELECT id, model_id FROM deployments WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.model_id]));
  }

  activePerformance(): Promise<ActivePerformance[]> {
    return this.dataSource.query<ActivePerformance[]>(
      `SELECT model_id, target, version, performance_status FROM deployments WHERE status = 'active'`,
    );
  }

  ready(): boolean {
    return this.dataSource.isInitialized;
  }
}

function sqlTx(m: EntityManager): DeploymentTx {
  return {
    manager: m,
    lockActive: (modelId, target) =>
      m.findOne(Deployment, {
        where: { model_id: modelId, target, status: 'active' },
        lock: { mode: 'pessimistic_write' },
      }),
    lockById: (id) => m.findOne(Deployment, { where: { id }, lock: { mode: 'pessimistic_write' } }),
    insert: async (deployment) => {
      await m.insert(Deployment, deployment);
    },
    update: async (id, patch) => {
      await m.update(Deployment, { id }, patch);
    },
    countActive: (modelId, version) => m.count(Deployment, { where: { model_id: modelId, version, status: 'active' } }),
  };
}
