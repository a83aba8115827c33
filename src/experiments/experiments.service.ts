import * as path from 'node:path';
import { updatedRows } from '../database/updated-rows';
import { Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, DataValidationError, NotFoundError } from '../common/errors/app-error';
import { isoOrNull } from '../common/iso-time';
import { assertArtifactPath, ModelArtifacts } from '../models/artifacts';
import { contentTypeFor, RunArtifactFiles } from './artifacts/run-artifact-files';
import { compareRuns, type Comparison } from './compare/compare-runs';
import { Experiment } from './entities/experiment.entity';
import { RunMetric } from './entities/run-metric.entity';
import { Run, RUN_STATUSES, TERMINAL_RUN_STATUSES, type RunStatus } from './entities/run.entity';
import { MlflowMirror } from './mlflow/mlflow-mirror';
import { filterToSql, FilterSyntaxError, orderToSql, parseFilter, parseOrderBy } from './search/run-filter';

export const DEFAULT_EXPERIMENT = 'Default';

export type Lifecycle = 'active' | 'deleted' | 'all';

/** Keys of params, metrics and tags: MLflow's alphabet (letters, digits, _ - . space / :), 1–250 characters. */
const KEY_PATTERN = /^[A-Za-z0-9_\-. /:]{1,250}$/;
export const LIMITS = {
  paramValue: 6000,
  tagValue: 8000,
  name: 200,
  compareRuns: 20,
  metricsPerCall: 1000,
  paramsPerCall: 100,
  tagsPerCall: 100,
} as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MetricPoint {
  key: string;
  value: number;
  step?: number;
  /** ms since epoch; default now. */
  timestamp?: number;
}

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string | string[];
  lifecycle?: Lifecycle;
  statuses?: RunStatus[];
  limit: number;
  offset: number;
}

/** Experiment tracking, MLflow-style: experiments hold runs; runs hold params, metrics (with history), tags, artifacts. */
@Injectable()
export class ExperimentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly artifactStore: ModelArtifacts,
    private readonly artifactFiles: RunArtifactFiles,
    @Optional() private readonly mirror?: MlflowMirror,
  ) {}

  // ---------------------------------------------------------------- experiments

  /** The experiment with this name, created if it does not exist (safe under concurrency). */
  async ensureExperiment(name: string, manager: EntityManager = this.dataSource.manager): Promise<Experiment> {
    await manager.query(`INSERT INTO experiments (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
    return manager.findOneByOrFail(Experiment, { name });
  }

  /** 409 EXPERIMENT_EXISTS when the name is taken (archived experiments keep their name). */
  async createExperiment(name: string, tags: Record<string, string> = {}) {
    const cleanName = checkName(name, 'name');
    checkMap(tags, 'tags', LIMITS.tagValue);
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO experiments (name, tags) VALUES ($1, $2::jsonb) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [cleanName, JSON.stringify(tags)],
    );
    if (!rows.length)
      throw new ConflictError(
        `An experiment named "${cleanName}" already exists`,
        { name: cleanName },
        'EXPERIMENT_EXISTS',
      );
    return this.getExperimentView(rows[0].id);
  }

  /**
   * One page of experiments, oldest first (as before pagination; `e.id` breaks ties so pages
   * never overlap), with `total` over all pages like every other list route.
   */
  async listExperiments(lifecycle: Lifecycle = 'active', page: { limit?: number; offset?: number } = {}) {
    const limit = page.limit ?? 50;
    const offset = page.offset ?? 0;
    const where =
      lifecycle === 'active'
        ? 'WHERE e.archived_at IS NULL'
        : lifecycle === 'deleted'
          ? 'WHERE e.archived_at IS NOT NULL'
          : '';
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM experiments e ${where}`);
    const rows = await this.dataSource.query(
      `${EXPERIMENT_SELECT} ${where} GROUP BY e.id ORDER BY e.created_at, e.name, e.id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return { experiments: rows.map(experimentView), total: Number(total), limit, offset };
  }

  /** Experiments for MLflow's experiments/search: by lifecycle, optional name/tag conditions, paged. */
  async findExperiments(q: {
    lifecycle: Lifecycle;
    conditions: Array<{ column: 'name' | 'tag'; key?: string; op: '=' | '!=' | 'LIKE' | 'ILIKE'; value: string }>;
    orderBy: string;
    limit: number;
    offset: number;
  }) {
    const params: unknown[] = [];
    const bind = (v: unknown) => (params.push(v), `$${params.length}`);
    const where: string[] = [];
    if (q.lifecycle === 'active') where.push('e.archived_at IS NULL');
    if (q.lifecycle === 'deleted') where.push('e.archived_at IS NOT NULL');
    for (const c of q.conditions) {
      const op = c.op === '!=' ? '<>' : c.op;
      where.push(
        c.column === 'name'
          ? `e.name ${op} ${bind(c.value)}::text`
          : `(e.tags ->> ${bind(c.key)}) ${op} ${bind(c.value)}::text`,
      );
    }
    const rows = await this.dataSource.query(
      `${EXPERIMENT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY e.id ORDER BY ${q.orderBy} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      params,
    );
    return { experiments: rows.slice(0, q.limit).map(experimentView), more: rows.length > q.limit };
  }

  async getExperiment(id: string): Promise<Experiment> {
    const e = UUID.test(id) ? await this.dataSource.getRepository(Experiment).findOneBy({ id }) : null;
    if (!e) throw new NotFoundError(`Experiment ${id} does not exist`, { experiment_id: id }, 'EXPERIMENT_NOT_FOUND');
    return e;
  }

  async getExperimentView(id: string) {
    await this.getExperiment(id);
    const [row] = await this.dataSource.query(`${EXPERIMENT_SELECT} WHERE e.id = $1 GROUP BY e.id`, [id]);
    return experimentView(row);
  }

  async getExperimentByName(name: string) {
    const [row] =
      typeof name === 'string'
        ? await this.dataSource.query(`${EXPERIMENT_SELECT} WHERE e.name = $1 GROUP BY e.id`, [name])
        : [];
    if (!row)
      throw new NotFoundError(`No experiment named "${String(name).slice(0, 200)}"`, { name }, 'EXPERIMENT_NOT_FOUND');
    return experimentView(row);
  }

  /** Rename and/or merge tags (a tag set to null is removed). 409 EXPERIMENT_EXISTS when the new name is taken. */
  async updateExperiment(id: string, changes: { name?: string; tags?: Record<string, string | null> }) {
    await this.getExperiment(id);
    // Everything is checked before anything is written, and both writes are one transaction:
    // invalid tags used to be refused (422) after the rename had already been stored.
    const name = changes.name !== undefined ? checkName(changes.name, 'name') : undefined;
    const tags = changes.tags !== undefined ? splitTagChanges(changes.tags) : undefined;
    await this.dataSource.transaction(async (m) => {
      if (name !== undefined) {
        const [clash] = await m.query(`SELECT id FROM experiments WHERE name = $1 AND id <> $2`, [name, id]);
        if (clash)
          throw new ConflictError(`An experiment named "${name}" already exists`, { name }, 'EXPERIMENT_EXISTS');
        try {
          await m.query(`UPDATE experiments SET name = $2 WHERE id = $1`, [id, name]);
        } catch (e) {
          if ((e as { code?: string }).code === '23505')
            throw new ConflictError(`An experiment named "${name}" already exists`, { name }, 'EXPERIMENT_EXISTS');
          throw e;
        }
      }
      if (tags !== undefined) {
        const minus = tags.remove.map((_, i) => ` - $${i + 3}::text`).join('');
        await m.query(`UPDATE experiments SET tags = (tags${minus}) || $2::jsonb WHERE id = $1`, [
          id,
          JSON.stringify(tags.set),
          ...tags.remove,
        ]);
      }
    });
    return this.getExperimentView(id);
  }

  async setExperimentArchived(id: string, archived: boolean) {
    await this.getExperiment(id);
    await this.dataSource.query(
      `UPDATE experiments SET archived_at = ${archived ? 'COALESCE(archived_at, now())' : 'NULL'} WHERE id = $1`,
      [id],
    );
    return this.getExperimentView(id);
  }

  // ---------------------------------------------------------------- runs: the service's own (training)

  async createRun(
    fields: {
      experimentName: string;
      name: string;
      params: Record<string, unknown>;
      tags?: Record<string, string>;
      modelId?: string;
      modelVersion?: string;
      status?: RunStatus;
    },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Run> {
    const experiment = await this.ensureExperiment(fields.experimentName, manager);
    const params = Object.fromEntries(
      Object.entries(fields.params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    const run = await manager.save(
      Run,
      manager.create(Run, {
        experiment_id: experiment.id,
        name: fields.name,
        status: fields.status ?? 'SCHEDULED',
        params,
        tags: fields.tags ?? {},
        model_id: fields.modelId ?? null,
        model_version: fields.modelVersion ?? null,
        start_time: new Date(),
        mlflow_sync_state: this.mirror?.enabled ? 'pending' : null,
      }),
    );
    this.mirror?.notify(run.id, false);
    return run;
  }

  async setStatus(runId: string, status: RunStatus, end = false): Promise<void> {
    await this.dataSource
      .getRepository(Run)
      .update({ id: runId }, { status, ...(end ? { end_time: new Date() } : {}) });
    this.mirror?.notify(runId);
  }

  /**
   * A training job's attempt begins: the run is RUNNING and tagged `attempt`. A retry (attempt
   * 2, 3, …) first drops what the interrupted attempt logged (metric history and latest values),
   * so the history holds one point per step, starting at 0 again. MLflow cannot delete metric
   * history, so the mirror logs the new attempt to a new MLflow run and ends the interrupted
   * attempt's MLflow run KILLED (`mlflow_superseded_run_ids`).
   */
  async startAttempt(runId: string, attempt: number): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (attempt > 1) {
        await m.query(`DELETE FROM run_metrics WHERE run_id = $1`, [runId]);
        await m.query(
          `UPDATE runs SET metrics = '{}'::jsonb, mlflow_metric_cursor = 0, mlflow_run_id = NULL,
                  mlflow_superseded_run_ids = CASE WHEN mlflow_run_id IS NULL THEN mlflow_superseded_run_ids ELSE mlflow_superseded_run_ids || to_jsonb(mlflow_run_id::text) END
            WHERE id = $1`,
          [runId],
        );
      }
      await m.query(`UPDATE runs SET status = 'RUNNING', tags = tags || $2::jsonb WHERE id = $1`, [
        runId,
        JSON.stringify({ attempt: String(attempt) }),
      ]);
    });
    this.mirror?.notify(runId);
  }

  /**
   * Append metric values (one per key, at `step`) to the history and update the latest values.
   * Calls for one run are applied one after another, in call order: the MLflow mirror reads the
   * history by id after a cursor, so a row must never commit after a row with a higher id (two
   * overlapping transactions did that when a fast engine's epochs came in quick succession: an
   * epoch skipped by the mirror, and steps sent out of order).
   */
  logMetrics(runId: string, values: Record<string, number | null | undefined>, step: number): Promise<void> {
    const previous = this.metricWrites.get(runId) ?? Promise.resolve();
    const write = previous.catch(() => undefined).then(() => this.appendMetrics(runId, values, step));
    const tail = write.catch(() => undefined);
    this.metricWrites.set(runId, tail);
    void tail.then(() => {
      if (this.metricWrites.get(runId) === tail) this.metricWrites.delete(runId);
    });
    return write;
  }

  private readonly metricWrites = new Map<string, Promise<void>>();

  private async appendMetrics(
    runId: string,
    values: Record<string, number | null | undefined>,
    step: number,
  ): Promise<void> {
    const entries = Object.entries(values).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    );
    if (!entries.length) return;
    const now = new Date();
    await this.dataSource.transaction(async (m) => {
      await m.insert(
        RunMetric,
        entries.map(([key, value]) => ({ run_id: runId, key, value, step: String(step), timestamp: now })),
      );
      await m.query(`UPDATE runs SET metrics = metrics || $2::jsonb WHERE id = $1`, [
        runId,
        JSON.stringify(Object.fromEntries(entries)),
      ]);
    });
    this.mirror?.notify(runId);
  }

  async finishRun(
    runId: string,
    status: RunStatus,
    fields: { metrics?: Record<string, number>; artifacts?: string[]; tags?: Record<string, string> } = {},
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE runs SET status = $2, end_time = now(), metrics = metrics || $3::jsonb, artifacts = COALESCE($4::jsonb, artifacts), tags = tags || $5::jsonb WHERE id = $1`,
      [
        runId,
        status,
        JSON.stringify(fields.metrics ?? {}),
        fields.artifacts ? JSON.stringify(fields.artifacts) : null,
        JSON.stringify(fields.tags ?? {}),
      ],
    );
    this.mirror?.notify(runId);
  }

  // ---------------------------------------------------------------- runs logged from outside

  /** A run tracked elsewhere: RUNNING from now (or `startTime`, ms) until finished. */
  async createExternalRun(
    experimentId: string,
    fields: { name?: string; params?: Record<string, string>; tags?: Record<string, string>; startTime?: number },
  ) {
    const experiment = await this.getExperiment(experimentId);
    if (experiment.archived_at)
      throw new ConflictError(
        `Experiment ${experimentId} is archived: restore it before logging runs to it`,
        { experiment_id: experimentId },
        'EXPERIMENT_ARCHIVED',
      );
    const params = fields.params ?? {};
    const tags = fields.tags ?? {};
    checkMap(params, 'params', LIMITS.paramValue);
    checkMap(tags, 'tags', LIMITS.tagValue);
    const name =
      fields.name === undefined || fields.name === ''
        ? `run-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`
        : checkName(fields.name, 'name');
    const start = fields.startTime !== undefined ? checkMillis(fields.startTime, 'start_time') : new Date();
    const [row] = await this.dataSource.query(
      `INSERT INTO runs (experiment_id, name, status, params, tags, start_time, mlflow_sync_state) VALUES ($1, $2, 'RUNNING', $3::jsonb, $4::jsonb, $5, $6) RETURNING id`,
      [
        experimentId,
        name,
        JSON.stringify(params),
        JSON.stringify(tags),
        start,
        this.mirror?.enabled ? 'pending' : null,
      ],
    );
    this.mirror?.notify(row.id, false);
    return this.getRun(row.id);
  }

  /**
   * Params are immutable, as in MLflow: a key already set with another value is a 409
   * PARAM_IMMUTABLE (nothing of the call is stored); the same value again is fine.
   */
  async logParams(runId: string, params: Record<string, string>) {
    await this.activeRun(runId);
    checkMap(params, 'params', LIMITS.paramValue);
    if (!Object.keys(params).length) return this.getRun(runId);
    const updated = await this.dataSource.query(
      `UPDATE runs SET params = $2::jsonb || params WHERE id = $1
          AND NOT EXISTS (SELECT 1 FROM jsonb_each_text($2::jsonb) n WHERE (runs.params ->> n.key) IS NOT NULL AND (runs.params ->> n.key) <> n.value) RETURNING id`,
      [runId, JSON.stringify(params)],
    );
    if (!rowCount(updated)) {
      const run = await this.findRun(runId);
      const clashes = Object.entries(params)
        .filter(([k, v]) => Object.hasOwn(run.params, k) && run.params[k] !== v)
        .map(([key, value]) => ({ key, existing: run.params[key], new: value }));
      throw new ConflictError(
        `Param${clashes.length > 1 ? 's' : ''} ${clashes.map((c) => `"${c.key}"`).join(', ')} already logged with a different value (params are immutable; log a new key or start a new run)`,
        { run_id: runId, params: clashes },
        'PARAM_IMMUTABLE',
      );
    }
    this.mirror?.notify(runId);
    return this.getRun(runId);
  }

  /** Metric points with step (default 0) and timestamp (ms, default now); the latest value per key is the one at the highest step, then the newest timestamp (MLflow's rule). */
  async logMetricPoints(runId: string, points: MetricPoint[]): Promise<void> {
    await this.activeRun(runId);
    if (!Array.isArray(points))
      throw new DataValidationError(
        'metrics must be a list of {key, value, step?, timestamp?}',
        { field: 'metrics' },
        'INVALID_METRIC',
      );
    if (points.length > LIMITS.metricsPerCall)
      throw new DataValidationError(
        `At most ${LIMITS.metricsPerCall} metric values per call`,
        { field: 'metrics', count: points.length },
        'INVALID_METRIC',
      );
    if (!points.length) return;
    const now = Date.now();
    const rows = points.map((p, i) => {
      const field = `metrics[${i}]`;
      if (!p || typeof p !== 'object')
        throw new DataValidationError(
          `${field} must be an object {key, value, step?, timestamp?}`,
          { field },
          'INVALID_METRIC',
        );
      checkKey(p.key, `${field}.key`);
      if (typeof p.value !== 'number' || !Number.isFinite(p.value))
        throw new DataValidationError(
          `${field}.value must be a finite number`,
          { field: `${field}.value` },
          'INVALID_METRIC',
        );
      const step = p.step === undefined || p.step === null ? 0 : p.step;
      if (!Number.isSafeInteger(step))
        throw new DataValidationError(`${field}.step must be an integer`, { field: `${field}.step` }, 'INVALID_METRIC');
      const ts =
        p.timestamp === undefined || p.timestamp === null
          ? new Date(now)
          : checkMillis(p.timestamp, `${field}.timestamp`);
      return { run_id: runId, key: p.key, value: p.value, step: String(step), timestamp: ts };
    });
    const keys = [...new Set(rows.map((r) => r.key))];
    await this.dataSource.transaction(async (m) => {
      await m.insert(RunMetric, rows);
      const latest: Array<{ key: string; value: number }> = await m.query(
        `SELECT DISTINCT ON (key) key, value FROM run_metrics WHERE run_id = $1 AND key IN (${keys.map((_, i) => `$${i + 2}`).join(', ')})
          ORDER BY key, step DESC, timestamp DESC, id DESC`,
        [runId, ...keys],
      );
      await m.query(`UPDATE runs SET metrics = metrics || $2::jsonb WHERE id = $1`, [
        runId,
        JSON.stringify(Object.fromEntries(latest.map((l) => [l.key, Number(l.value)]))),
      ]);
    });
    this.mirror?.notify(runId);
  }

  /** Set (merge) tags; a tag may be overwritten, unlike a param. */
  async setTags(runId: string, tags: Record<string, string>) {
    await this.activeRun(runId);
    checkMap(tags, 'tags', LIMITS.tagValue);
    await this.dataSource.query(`UPDATE runs SET tags = tags || $2::jsonb WHERE id = $1`, [
      runId,
      JSON.stringify(tags),
    ]);
    this.mirror?.notify(runId);
    return this.getRun(runId);
  }

  /** 404 TAG_NOT_FOUND when the run has no such tag. */
  async deleteTag(runId: string, key: string) {
    const run = await this.activeRun(runId);
    // Own keys only: `constructor` or `__proto__` are not tags, though run.tags[key] finds them on the prototype.
    if (!Object.hasOwn(run.tags, key))
      throw new NotFoundError(
        `Run ${runId} has no tag "${String(key).slice(0, 250)}"`,
        { run_id: runId, key },
        'TAG_NOT_FOUND',
      );
    await this.dataSource.query(`UPDATE runs SET tags = tags - $2::text WHERE id = $1`, [runId, key]);
    this.mirror?.notify(runId);
    return this.getRun(runId);
  }

  /** Status (a final one sets end_time: the given one, ms, or now), name, end time. */
  async updateRun(runId: string, changes: { status?: RunStatus; endTime?: number; name?: string }) {
    const run = await this.activeRun(runId);
    if (changes.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(changes.status)) {
      throw new DataValidationError(
        `status must be one of ${RUN_STATUSES.join(', ')}`,
        { field: 'status' },
        'INVALID_STATUS',
      );
    }
    const status = changes.status ?? run.status;
    const name = changes.name !== undefined ? checkName(changes.name, 'name') : run.name;
    let end: Date | null = run.end_time;
    if (changes.endTime !== undefined && changes.endTime !== null) end = checkMillis(changes.endTime, 'end_time');
    else if (changes.status !== undefined)
      end = TERMINAL_RUN_STATUSES.includes(status) ? (run.end_time ?? new Date()) : null;
    await this.dataSource.query(`UPDATE runs SET status = $2, name = $3, end_time = $4 WHERE id = $1`, [
      runId,
      status,
      name,
      end,
    ]);
    this.mirror?.notify(runId);
    return this.getRun(runId);
  }

  /** Soft delete / restore (MLflow's lifecycle_stage). */
  async setRunDeleted(runId: string, deleted: boolean) {
    await this.findRun(runId);
    await this.dataSource.query(
      `UPDATE runs SET deleted_at = ${deleted ? 'COALESCE(deleted_at, now())' : 'NULL'} WHERE id = $1`,
      [runId],
    );
    return this.getRun(runId);
  }

  // ---------------------------------------------------------------- reading runs

  /** An experiment's runs, filtered (MLflow's grammar, see search/run-filter.ts) and ordered; newest first by default. */
  async listRuns(
    experimentId: string,
    q: {
      filter?: string;
      orderBy?: string;
      lifecycle?: Lifecycle;
      status?: string;
      limit?: number;
      offset?: number;
    } = {},
  ) {
    await this.getExperiment(experimentId);
    const statuses = q.status
      ? q.status
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean)
      : [];
    const unknown = statuses.filter((s) => !(RUN_STATUSES as readonly string[]).includes(s));
    if (unknown.length)
      throw new DataValidationError(
        `Unknown status ${unknown.map((u) => JSON.stringify(u.slice(0, 20))).join(', ')}: use ${RUN_STATUSES.join(', ')}`,
        { field: 'status' },
        'VALIDATION_FAILED',
      );
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { runs, total } = await this.searchRuns({
      experimentIds: [experimentId],
      filter: q.filter,
      orderBy: q.orderBy,
      lifecycle: q.lifecycle,
      statuses: statuses as RunStatus[],
      limit,
      offset,
    });
    return { runs: runs.map((r) => this.runView(r)), total, limit, offset };
  }

  /** 422 INVALID_FILTER (details: field, position) on a filter or order_by it cannot read. */
  async searchRuns(q: RunSearch): Promise<{ runs: Run[]; total: number }> {
    let clauses;
    let order;
    try {
      clauses = parseFilter(q.filter);
      order = parseOrderBy(q.orderBy);
    } catch (e) {
      if (e instanceof FilterSyntaxError)
        throw new DataValidationError(
          e.message,
          { field: e.field, position: e.position, reason: e.reason },
          'INVALID_FILTER',
        );
      throw e;
    }
    const ids = q.experimentIds.filter((id) => UUID.test(id));
    if (!ids.length) return { runs: [], total: 0 };
    const params: unknown[] = [...ids];
    const where = [`r.experiment_id IN (${ids.map((_, i) => `$${i + 1}::uuid`).join(', ')})`];
    const lifecycle = q.lifecycle ?? 'active';
    if (lifecycle === 'active') where.push('r.deleted_at IS NULL');
    if (lifecycle === 'deleted') where.push('r.deleted_at IS NOT NULL');
    if (q.statuses?.length) {
      where.push(`r.status IN (${q.statuses.map((s) => (params.push(s), `$${params.length}::text`)).join(', ')})`);
    }
    where.push(...filterToSql(clauses, params));
    const countParams = [...params];
    const orderSql = orderToSql(order, params);
    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query(
        `SELECT r.* FROM runs r WHERE ${where.join(' AND ')} ORDER BY ${orderSql} LIMIT ${Math.floor(q.limit)} OFFSET ${Math.floor(q.offset)}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS total FROM runs r WHERE ${where.join(' AND ')}`, countParams),
    ]);
    return { runs: rows as Run[], total };
  }

  /** 404 RUN_NOT_FOUND. */
  async findRun(id: string): Promise<Run> {
    const run =
      typeof id === 'string' && UUID.test(id) ? await this.dataSource.getRepository(Run).findOneBy({ id }) : null;
    if (!run)
      throw new NotFoundError(`Run ${String(id).slice(0, 100)} does not exist`, { run_id: id }, 'RUN_NOT_FOUND');
    return run;
  }

  async getRun(id: string) {
    const run = await this.findRun(id);
    const history = await this.dataSource
      .getRepository(RunMetric)
      .find({ where: { run_id: id }, order: { key: 'ASC', step: 'ASC', id: 'ASC' } });
    // No prototype: a metric named `toString` or `constructor` found the inherited member and
    // `.push` failed, so a run with such a metric could no longer be read (500).
    const metric_history: Record<string, Array<{ step: number; value: number; timestamp: string }>> = Object.create(
      null,
    );
    for (const m of history)
      (metric_history[m.key] ??= []).push({ step: Number(m.step), value: m.value, timestamp: isoOrNull(m.timestamp)! });
    return { ...this.runView(run), metric_history };
  }

  /** One metric's history, in step order (a final metric without history answers its latest value once). */
  async metricHistory(runId: string, key: string, page: { limit?: number; offset?: number } = {}) {
    const run = await this.findRun(runId);
    const limit = page.limit ?? 10000;
    const offset = page.offset ?? 0;
    const rows: Array<{ step: string; value: number; timestamp: Date }> = await this.dataSource.query(
      `SELECT step, value, timestamp FROM run_metrics WHERE run_id = $1 AND key = $2 ORDER BY step, timestamp, id LIMIT ${limit + 1} OFFSET ${offset}`,
      [runId, key],
    );
    let history = rows
      .slice(0, limit)
      .map((r) => ({ step: Number(r.step), value: Number(r.value), timestamp: isoOrNull(r.timestamp)! }));
    if (!history.length && offset === 0 && typeof run.metrics[key] === 'number') {
      history = [{ step: 0, value: run.metrics[key], timestamp: isoOrNull(run.end_time ?? run.start_time)! }];
    } else if (!history.length && offset === 0) {
      throw new NotFoundError(
        `Run ${runId} has no metric "${String(key).slice(0, 250)}"`,
        { run_id: runId, key },
        'METRIC_NOT_FOUND',
      );
    }
    return { run_id: runId, key, history, more: rows.length > limit };
  }

  /** Runs of one experiment side by side (the dashboard's contract; see compare/compare-runs.ts). */
  async compare(experimentId: string, runIds: string[]): Promise<Comparison> {
    await this.getExperiment(experimentId);
    const ids = [...new Set(runIds.map((s) => s.trim()).filter(Boolean))];
    if (!ids.length)
      throw new DataValidationError(
        'run_ids must name at least one run (comma-separated)',
        { field: 'run_ids' },
        'VALIDATION_FAILED',
      );
    if (ids.length > LIMITS.compareRuns)
      throw new DataValidationError(
        `At most ${LIMITS.compareRuns} runs can be compared at once`,
        { field: 'run_ids', count: ids.length },
        'VALIDATION_FAILED',
      );
    const runs: Run[] = [];
    for (const id of ids) {
      const run = await this.findRun(id);
      if (run.experiment_id !== experimentId)
        throw new DataValidationError(
          `Run ${id} belongs to another experiment`,
          { field: 'run_ids', run_id: id, experiment_id: run.experiment_id },
          'RUN_NOT_IN_EXPERIMENT',
        );
      runs.push(run);
    }
    const history: Array<{ run_id: string; key: string; step: string; value: number }> = await this.dataSource.query(
      `SELECT run_id, key, step, value FROM run_metrics WHERE run_id IN (${ids.map((_, i) => `$${i + 1}::uuid`).join(', ')}) ORDER BY id`,
      ids,
    );
    return compareRuns(
      experimentId,
      runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        start_time: isoOrNull(r.start_time),
        end_time: isoOrNull(r.end_time),
        params: r.params ?? {},
        metrics: r.metrics ?? {},
      })),
      history.map((h) => ({ run_id: h.run_id, key: h.key, step: Number(h.step), value: Number(h.value) })),
    );
  }

  // ---------------------------------------------------------------- artifacts

  /** The run's files (paths relative to its version folder) with sizes. */
  async listArtifacts(runId: string) {
    const run = await this.findRun(runId);
    const root = artifactRoot(run);
    const files = [];
    for (const full of run.artifacts ?? []) {
      if (!root || !full.startsWith(`${root}/`)) continue;
      const rel = full.slice(root.length + 1);
      files.push({
        path: rel,
        size: await this.artifactFiles.size(
          this.artifactStore.rootDir,
          this.artifactStore.versionDir(run.model_id!, run.model_version!),
          rel,
        ),
        content_type: contentTypeFor(rel),
      });
    }
    return { run_id: run.id, root, files };
  }

  /**
   * Open one listed file for download. `requested` is relative to the run's version folder
   * (`model/weights.bin`) or the listed registry-relative path (`<model>/<version>/model/weights.bin`).
   * 422 INVALID_ARTIFACT_PATH for `..`, absolute or otherwise malformed paths; 404 ARTIFACT_NOT_FOUND
   * for anything the run does not list or that is not a regular file inside its folder — also
   * when the folder (or its model folder) is a symlink that leaves its place in the registry:
   * 404 rather than 403, so the answer does not confirm that something exists out there.
   */
  async openArtifact(runId: string, requested: string) {
    const run = await this.findRun(runId);
    const root = artifactRoot(run);
    const notFound = () =>
      new NotFoundError(
        `Run ${runId} has no artifact "${String(requested).slice(0, 200)}"`,
        { run_id: runId, path: String(requested).slice(0, 200) },
        'ARTIFACT_NOT_FOUND',
      );
    if (typeof requested !== 'string' || !requested) throw notFound();
    const rel = root && requested.startsWith(`${root}/`) ? requested.slice(root.length + 1) : requested;
    assertArtifactPath(rel);
    if (!root || !(run.artifacts ?? []).includes(`${root}/${rel}`)) throw notFound();
    const opened = await this.artifactFiles.open(
      this.artifactStore.rootDir,
      this.artifactStore.versionDir(run.model_id!, run.model_version!),
      rel,
    );
    if (!opened) throw notFound();
    return { ...opened, filename: path.posix.basename(rel), contentType: contentTypeFor(rel) };
  }

  // ---------------------------------------------------------------- views

  runView(r: Run) {
    return {
      id: r.id,
      experiment_id: r.experiment_id,
      name: r.name,
      status: r.status,
      params: r.params,
      metrics: r.metrics,
      tags: r.tags,
      artifacts: r.artifacts,
      model_id: r.model_id,
      model_version: r.model_version,
      start_time: isoOrNull(r.start_time),
      end_time: isoOrNull(r.end_time),
      lifecycle_stage: r.deleted_at ? 'deleted' : 'active',
      deleted_at: isoOrNull(r.deleted_at ?? null),
      mlflow_run_id: r.mlflow_run_id ?? null,
      mlflow_sync_state: r.mlflow_sync_state ?? null,
      mlflow_error: r.mlflow_error ?? null,
    };
  }

  /** A run that may be logged to: 404 when absent, 409 RUN_DELETED when deleted. */
  private async activeRun(runId: string): Promise<Run> {
    const run = await this.findRun(runId);
    if (run.deleted_at)
      throw new ConflictError(
        `Run ${runId} is deleted: restore it before logging to it`,
        { run_id: runId },
        'RUN_DELETED',
      );
    return run;
  }
}

const EXPERIMENT_SELECT = `SELECT e.id, e.name, e.tags, e.created_at, e.archived_at, count(r.id)::int AS run_count, max(r.start_time) AS last_run_at
  FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL`;

function experimentView(r: {
  id: string;
  name: string;
  tags: Record<string, string>;
  created_at: Date;
  archived_at: Date | null;
  run_count: number;
  last_run_at: Date | null;
}) {
  return {
    id: r.id,
    name: r.name,
    tags: r.tags,
    run_count: Number(r.run_count),
    created_at: isoOrNull(r.created_at),
    archived_at: isoOrNull(r.archived_at),
    last_run_at: isoOrNull(r.last_run_at),
    lifecycle_stage: r.archived_at ? 'deleted' : 'active',
  };
}

function artifactRoot(run: Run): string | null {
  return run.model_id && run.model_version ? `${run.model_id}/${run.model_version}` : null;
}

function rowCount(result: unknown): number {
  return updatedRows(result).length;
}

function checkKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key) || key.includes('..') || key.startsWith('/')) {
    throw new DataValidationError(
      `${field} ${JSON.stringify(String(key).slice(0, 60))} is not a valid key: 1-250 characters of letters, digits, '_', '-', '.', ' ', '/' or ':' (no '..', not starting with '/')`,
      { field },
      'INVALID_KEY',
    );
  }
  return key;
}

function checkMap(map: unknown, field: string, maxValue: number): asserts map is Record<string, string> {
  if (!map || typeof map !== 'object' || Array.isArray(map))
    throw new DataValidationError(`${field} must be an object of string values`, { field }, 'VALIDATION_FAILED');
  const entries = Object.entries(map);
  const max = field === 'params' ? LIMITS.paramsPerCall : LIMITS.tagsPerCall;
  if (entries.length > max * 10)
    throw new DataValidationError(`At most ${max * 10} ${field} per call`, { field }, 'VALIDATION_FAILED');
  for (const [k, v] of entries) {
    checkKey(k, `${field}.${k.slice(0, 60)}`);
    if (typeof v !== 'string')
      throw new DataValidationError(`${field}.${k} must be a string`, { field: `${field}.${k}` }, 'VALIDATION_FAILED');
    if (v.length > maxValue)
      throw new DataValidationError(
        `${field}.${k} is longer than ${maxValue} characters`,
        { field: `${field}.${k}` },
        'VALIDATION_FAILED',
      );
  }
}

function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !name.trim() || name.length > LIMITS.name)
    throw new DataValidationError(`${field} must be 1-${LIMITS.name} characters`, { field }, 'VALIDATION_FAILED');
  return name.trim();
}

function checkMillis(value: unknown, field: string): Date {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 253402300799999) {
    throw new DataValidationError(
      `${field} must be milliseconds since the epoch (an integer)`,
      { field },
      'VALIDATION_FAILED',
    );
  }
  return new Date(value);
}

function splitTagChanges(tags: Record<string, string | null>) {
  if (!tags || typeof tags !== 'object' || Array.isArray(tags))
    throw new DataValidationError('tags must be an object', { field: 'tags' }, 'VALIDATION_FAILED');
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const [k, v] of Object.entries(tags)) {
    if (v === null) remove.push(k);
    else set[k] = v;
  }
  checkMap(set, 'tags', LIMITS.tagValue);
  return { set, remove };
}
