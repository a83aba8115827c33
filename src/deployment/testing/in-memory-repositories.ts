import type { EntityManager } from 'typeorm';
import {
  type ActivePerformance,
  type DeploymentFilter,
  type DeploymentPatch,
  DeploymentRepository,
  type DeploymentTx,
} from '../deployments/deployment.repository';
import { type Deployment, DeploymentNotification, type MonitoringLevel } from '../entities';
import type { LoggedRequest, MetricsTotals } from '../monitoring/monitoring-aggregate';
import { MonitoringRepository, type StoredRequest } from '../monitoring/monitoring.repository';
import {
  type DeliveryAttempt,
  type NewNotification,
  NotificationRepository,
} from '../notifications/notification.repository';

/**
 * In-memory implementations of the deployment module's repositories, for unit tests of the
 * services. They keep the contracts the services rely on: a transaction's writes disappear
 * when its work throws; at most one active deployment per (model, target); copies go in and out
 * (a caller mutating a returned row does not change what is stored).
 */

const copy = <T extends object>(row: T): T =>
  Object.assign(Object.create(Object.getPrototypeOf(row) as object), row) as T;

/** Stands for the transaction's EntityManager: the services only hand it on to their collaborators. */
export const FAKE_MANAGER = Object.freeze({ fake: 'entity manager' }) as unknown as EntityManager;

export class InMemoryDeploymentRepository extends DeploymentRepository {
  rows = new Map<string, Deployment>();
  transactions = 0;

  async transaction<T>(work: (tx: DeploymentTx) => Promise<T>): Promise<T> {
    this.transactions++;
    const before = new Map([...this.rows].map(([id, d]) => [id, copy(d)]));
    try {
      return await work(this.tx());
    } catch (e) {
      this.rows = before;
      throw e;
    }
  }

  private tx(): DeploymentTx {
    return {
      manager: FAKE_MANAGER,
      lockActive: (modelId, target) => this.findActive(modelId, target),
      lockById: (id) => this.findById(id),
      insert: (d) => {
        if (this.rows.has(d.id)) throw new Error(`duplicate deployment id ${d.id}`);
        if (d.status === 'active' && this.active(d.model_id, d.target))
          throw Object.assign(new Error('unique violation'), { code: '23505' });
        this.rows.set(d.id, copy(d));
        return Promise.resolve();
      },
      update: (id, patch: DeploymentPatch) => {
        const row = this.rows.get(id);
        if (row) Object.assign(row, patch);
        return Promise.resolve();
      },
      countActive: (modelId, version) =>
        Promise.resolve(
          [...this.rows.values()].filter(
            (d) => d.model_id === modelId && d.version === version && d.status === 'active',
          ).length,
        ),
    };
  }

  private active(modelId: string, target: string): Deployment | undefined {
    return [...this.rows.values()].find((d) => d.model_id === modelId && d.target === target && d.status === 'active');
  }

  findById(id: string): Promise<Deployment | null> {
    const d = this.rows.get(id);
    return Promise.resolve(d ? copy(d) : null);
  }

  findActive(modelId: string, target: string): Promise<Deployment | null> {
    const d = this.active(modelId, target);
    return Promise.resolve(d ? copy(d) : null);
  }

  list(filter: DeploymentFilter, limit: number, offset: number): Promise<[Deployment[], number]> {
    const all = [...this.rows.values()]
      .filter(
        (d) =>
          (!filter.target || d.target === filter.target) &&
          (!filter.model_id || d.model_id === filter.model_id) &&
          (!filter.status || d.status === filter.status),
      )
      .sort((a, b) => b.deployed_at.getTime() - a.deployed_at.getTime() || a.id.localeCompare(b.id));
    return Promise.resolve([all.slice(offset, offset + limit).map(copy), all.length]);
  }

  activeVersions(modelId: string): Promise<string[]> {
    const versions = [...this.rows.values()]
      .filter((d) => d.model_id === modelId && d.status === 'active')
      .map((d) => d.version);
    return Promise.resolve([...new Set(versions)].sort());
  }

  versionsOf(ids: string[]): Promise<Map<string, string>> {
    return Promise.resolve(new Map(ids.flatMap((id) => (this.rows.has(id) ? [[id, this.rows.get(id)!.version]] : []))));
  }

  modelsOf(ids: string[]): Promise<Map<string, string>> {
    return Promise.resolve(
      new Map(ids.flatMap((id) => (this.rows.has(id) ? [[id, this.rows.get(id)!.model_id]] : []))),
    );
  }

  activePerformance(): Promise<ActivePerformance[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((d) => d.status === 'active')
        .map((d) => ({
          model_id: d.model_id,
          target: d.target,
          version: d.version,
          performance_status: d.performance_status ?? null,
        })),
    );
  }

  ready(): boolean {
    return true;
  }
}

export class InMemoryNotificationRepository extends NotificationRepository {
  readonly rows: DeploymentNotification[] = [];

  insertPending(_m: EntityManager, f: NewNotification): Promise<DeploymentNotification> {
    const id = `n${this.rows.length + 1}`;
    const note = Object.assign(new DeploymentNotification(), {
      id,
      deployment_id: f.deploymentId,
      event: f.event,
      target: f.target,
      url: f.url,
      state: 'pending' as const,
      attempts: 0,
      payload: { event_id: id, event: f.event, ...f.payload },
      last_error: null,
      last_status_code: null,
      created_at: new Date(),
      last_attempt_at: null,
      delivered_at: null,
    });
    this.rows.push(note);
    return Promise.resolve(copy(note));
  }

  forDeployments(ids: string[]): Promise<DeploymentNotification[]> {
    return Promise.resolve(this.rows.filter((n) => ids.includes(n.deployment_id)).map(copy));
  }

  recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void> {
    const n = this.rows.find((r) => r.id === id);
    if (n) Object.assign(n, attempt);
    return Promise.resolve();
  }
}

export class InMemoryMonitoringRepository extends MonitoringRepository {
  readonly levels = new Map<string, MonitoringLevel>();
  readonly stored = new Map<string, MetricsTotals>();
  readonly logs = new Map<string, StoredRequest[]>();
  /** Set to make the next `accumulate` calls fail (a database hiccup). */
  failures = 0;
  private nextLogId = 1;

  levelsOf(ids: string[]): Promise<Map<string, MonitoringLevel>> {
    return Promise.resolve(
      new Map(ids.flatMap((id) => (this.levels.has(id) ? [[id, this.levels.get(id)!] as const] : []))),
    );
  }

  accumulate(
    id: string,
    next: (current: MetricsTotals) => MetricsTotals,
    logs: LoggedRequest[],
    retention: number,
  ): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('connection reset'));
    }
    const current = this.stored.get(id);
    this.stored.set(id, next(current ? structuredClone(current) : emptyTotalsLike()));
    const kept = [...(this.logs.get(id) ?? [])];
    for (const l of logs) kept.unshift({ ...l, id: String(this.nextLogId++) });
    this.logs.set(id, kept.slice(0, retention));
    return Promise.resolve();
  }

  totals(id: string): Promise<MetricsTotals | null> {
    const t = this.stored.get(id);
    return Promise.resolve(t ? structuredClone(t) : null);
  }

  recentRequests(id: string, limit: number): Promise<StoredRequest[]> {
    return Promise.resolve((this.logs.get(id) ?? []).slice(0, limit));
  }

  ready(): boolean {
    return true;
  }
}

/** A row as the database creates it (INSERT … DEFAULT): the column defaults, not emptyTotals (kept independent). */
function emptyTotalsLike(): MetricsTotals {
  return {
    requests: 0,
    errors: 0,
    latencyCounts: [],
    latencySumMs: 0,
    predictionCount: 0,
    predictionSum: 0,
    predictionSumsq: 0,
    predictionMin: null,
    predictionMax: null,
    predictionSample: [],
    labelCounts: {},
    firstRequestAt: null,
    lastRequestAt: null,
  };
}
