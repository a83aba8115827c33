import { Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConflictError, DataValidationError, NotFoundError } from '../../common/errors/app-error';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES, type Run, type RunStatus } from '../entities/run.entity';
import { ExperimentCatalogService } from '../experiment-catalog.service';
import { MlflowMirror } from '../mlflow/mlflow-mirror';
import { RunsRepository } from '../repositories/runs.repository';
import { checkMap, checkMillis, checkName, LIMITS } from '../validation';
import { RunReaderService } from './run-reader.service';

/**
 * A run's life: created (by training, or from outside), started, retried, finished; its params,
 * tags, name and status changed; deleted and restored. Every change tells the MLflow mirror.
 */
@Injectable()
export class RunLifecycleService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly reader: RunReaderService,
    private readonly catalog: ExperimentCatalogService,
    @Optional() private readonly mirror?: MlflowMirror,
  ) {}

  // ---------------------------------------------------------------- the service's own runs (training)

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
    tx?: EntityManager,
  ): Promise<Run> {
    const experiment = await this.catalog.ensureExperiment(fields.experimentName, tx);
    const params = Object.fromEntries(
      Object.entries(fields.params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    const run = await this.runs.create(
      {
        experimentId: experiment.id,
        name: fields.name,
        status: fields.status ?? 'SCHEDULED',
        params,
        tags: fields.tags ?? {},
        modelId: fields.modelId ?? null,
        modelVersion: fields.modelVersion ?? null,
        mlflowSyncState: this.mirror?.enabled ? 'pending' : null,
      },
      tx,
    );
    this.mirror?.notify(run.id, false);
    return run;
  }

  async setStatus(runId: string, status: RunStatus, end = false): Promise<void> {
    await this.runs.setStatus(runId, status, end);
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
    await this.runs.startAttempt(runId, attempt, attempt > 1);
    this.mirror?.notify(runId);
  }

  async finishRun(
    runId: string,
    status: RunStatus,
    fields: { metrics?: Record<string, number>; artifacts?: string[]; tags?: Record<string, string> } = {},
  ): Promise<void> {
    await this.runs.finish(runId, status, {
      metrics: fields.metrics ?? {},
      artifacts: fields.artifacts ?? null,
      tags: fields.tags ?? {},
    });
    this.mirror?.notify(runId);
  }

  // ---------------------------------------------------------------- runs logged from outside

  /** A run tracked elsewhere: RUNNING from now (or `startTime`, ms) until finished. */
  async createExternalRun(
    experimentId: string,
    fields: { name?: string; params?: Record<string, string>; tags?: Record<string, string>; startTime?: number },
  ) {
    const experiment = await this.catalog.getExperiment(experimentId);
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
    const startTime = fields.startTime !== undefined ? checkMillis(fields.startTime, 'start_time') : new Date();
    const id = await this.runs.createExternal({
      experimentId,
      name,
      params,
      tags,
      startTime,
      mlflowSyncState: this.mirror?.enabled ? 'pending' : null,
    });
    this.mirror?.notify(id, false);
    return this.reader.getRun(id);
  }

  /**
   * Params are immutable, as in MLflow: a key already set with another value is a 409
   * PARAM_IMMUTABLE (nothing of the call is stored); the same value again is fine.
   */
  async logParams(runId: string, params: Record<string, string>) {
    await this.reader.activeRun(runId);
    checkMap(params, 'params', LIMITS.paramValue);
    if (!Object.keys(params).length) return this.reader.getRun(runId);
    if (!(await this.runs.addParams(runId, params))) {
      const run = await this.reader.findRun(runId);
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
    return this.reader.getRun(runId);
  }

  /** Set (merge) tags; a tag may be overwritten, unlike a param. */
  async setTags(runId: string, tags: Record<string, string>) {
    await this.reader.activeRun(runId);
    checkMap(tags, 'tags', LIMITS.tagValue);
    await this.runs.mergeTags(runId, tags);
    this.mirror?.notify(runId);
    return this.reader.getRun(runId);
  }

  /** 404 TAG_NOT_FOUND when the run has no such tag. */
  async deleteTag(runId: string, key: string) {
    const run = await this.reader.activeRun(runId);
    // Own keys only: `constructor` or `__proto__` are not tags, though run.tags[key] finds them on the prototype.
    if (!Object.hasOwn(run.tags, key))
      throw new NotFoundError(
        `Run ${runId} has no tag "${String(key).slice(0, 250)}"`,
        { run_id: runId, key },
        'TAG_NOT_FOUND',
      );
    await this.runs.deleteTag(runId, key);
    this.mirror?.notify(runId);
    return this.reader.getRun(runId);
  }

  /** Status (a final one sets end_time: the given one, ms, or now), name, end time. */
  async updateRun(runId: string, changes: { status?: RunStatus; endTime?: number; name?: string }) {
    const run = await this.reader.activeRun(runId);
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
    await this.runs.update(runId, { status, name, endTime: end });
    this.mirror?.notify(runId);
    return this.reader.getRun(runId);
  }

  /** Soft delete / restore (MLflow's lifecycle_stage). */
  async setRunDeleted(runId: string, deleted: boolean) {
    await this.reader.findRun(runId);
    await this.runs.setDeleted(runId, deleted);
    return this.reader.getRun(runId);
  }
}
