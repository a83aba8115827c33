import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error';
import { Experiment } from './entities/experiment.entity';
import { RunMetric } from './entities/run-metric.entity';
import { Run, type RunStatus } from './entities/run.entity';

export const DEFAULT_EXPERIMENT = 'Default';

/** Experiment tracking, MLflow-style: experiments hold runs; runs hold params, metrics (with history), tags, artifacts. */
@Injectable()
export class ExperimentsService {
  constructor(private readonly dataSource: DataSource) {}

  /** The experiment with this name, created if it does not exist (safe under concurrency). */
  async ensureExperiment(name: string, manager: EntityManager = this.dataSource.manager): Promise<Experiment> {
    await manager.query(`INSERT INTO experiments (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
    return manager.findOneByOrFail(Experiment, { name });
  }

  async createRun(
    fields: { experimentName: string; name: string; params: Record<string, unknown>; tags?: Record<string, string>; modelId?: string; modelVersion?: string; status?: RunStatus },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Run> {
    const experiment = await this.ensureExperiment(fields.experimentName, manager);
    const params = Object.fromEntries(Object.entries(fields.params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return manager.save(
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
      }),
    );
  }

  async setStatus(runId: string, status: RunStatus, end = false): Promise<void> {
    await this.dataSource.getRepository(Run).update({ id: runId }, { status, ...(end ? { end_time: new Date() } : {}) });
  }

  /** Append metric values (one per key, at `step`) to the history and update the latest values. */
  async logMetrics(runId: string, values: Record<string, number | null | undefined>, step: number): Promise<void> {
    const entries = Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
    if (!entries.length) return;
    const now = new Date();
    await this.dataSource.transaction(async (m) => {
      await m.insert(RunMetric, entries.map(([key, value]) => ({ run_id: runId, key, value, step: String(step), timestamp: now })));
      await m.query(`UPDATE runs SET metrics = metrics || $2::jsonb WHERE id = $1`, [runId, JSON.stringify(Object.fromEntries(entries))]);
    });
  }

  async finishRun(runId: string, status: RunStatus, fields: { metrics?: Record<string, number>; artifacts?: string[]; tags?: Record<string, string> } = {}): Promise<void> {
    await this.dataSource.query(
      `UPDATE runs SET status = $2, end_time = now(), metrics = metrics || $3::jsonb, artifacts = COALESCE($4::jsonb, artifacts), tags = tags || $5::jsonb WHERE id = $1`,
      [runId, status, JSON.stringify(fields.metrics ?? {}), fields.artifacts ? JSON.stringify(fields.artifacts) : null, JSON.stringify(fields.tags ?? {})],
    );
  }

  async listExperiments() {
    const rows = await this.dataSource.query(
      `SELECT e.id, e.name, e.tags, e.created_at, e.archived_at, count(r.id)::int AS run_count
         FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id GROUP BY e.id ORDER BY e.created_at`,
    );
    return { experiments: rows.map((r: Experiment & { run_count: number }) => ({ ...r, created_at: isoOrNull(r.created_at), archived_at: isoOrNull(r.archived_at) })) };
  }

  async getExperiment(id: string): Promise<Experiment> {
    const e = /^[0-9a-f-]{36}$/i.test(id) ? await this.dataSource.getRepository(Experiment).findOneBy({ id }) : null;
    if (!e) throw new NotFoundError(`Experiment ${id} does not exist`, { experiment_id: id }, 'EXPERIMENT_NOT_FOUND');
    return e;
  }

  async listRuns(experimentId: string) {
    await this.getExperiment(experimentId);
    const runs = await this.dataSource.getRepository(Run).find({ where: { experiment_id: experimentId }, order: { start_time: 'DESC' } });
    return { runs: runs.map((r) => this.runView(r)) };
  }

  async getRun(id: string) {
    const run = /^[0-9a-f-]{36}$/i.test(id) ? await this.dataSource.getRepository(Run).findOneBy({ id }) : null;
    if (!run) throw new NotFoundError(`Run ${id} does not exist`, { run_id: id }, 'RUN_NOT_FOUND');
    const history = await this.dataSource.getRepository(RunMetric).find({ where: { run_id: id }, order: { key: 'ASC', step: 'ASC', id: 'ASC' } });
    const metric_history: Record<string, Array<{ step: number; value: number; timestamp: string }>> = {};
    for (const m of history) (metric_history[m.key] ??= []).push({ step: Number(m.step), value: m.value, timestamp: isoOrNull(m.timestamp)! });
    return { ...this.runView(run), metric_history };
  }

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
    };
  }
}
