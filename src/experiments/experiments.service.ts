import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error';
import { assertArtifactPath, ModelArtifacts } from '../models/artifacts';
import { contentTypeFor, RunArtifactFiles } from './artifacts/run-artifact-files';
import type { Comparison } from './compare/compare-runs';
import type { Experiment } from './entities/experiment.entity';
import type { Run, RunStatus } from './entities/run.entity';
import { ExperimentCatalogService } from './experiment-catalog.service';
import type { ExperimentCondition, ExperimentOrderTerm, Lifecycle, MetricPoint, RunSearch } from './experiments.types';
import { RunLifecycleService } from './runs/run-lifecycle.service';
import { RunMetricsService } from './runs/run-metrics.service';
import { RunReaderService } from './runs/run-reader.service';
import { runView } from './views';

export { DEFAULT_EXPERIMENT } from './experiments.types';
export type { Lifecycle, MetricPoint, RunSearch } from './experiments.types';
export { LIMITS } from './validation';

/**
 * Experiment tracking, MLflow-style: experiments hold runs; runs hold params, metrics (with
 * history), tags, artifacts. The one service other modules (training, sweeps) and the
 * controllers call; the work is done by the services it delegates to, each with one job, and
 * their SQL lives in repositories/. Serving a run's artifact files is here.
 */
@Injectable()
export class ExperimentsService {
  constructor(
    private readonly catalog: ExperimentCatalogService,
    private readonly reader: RunReaderService,
    private readonly lifecycle: RunLifecycleService,
    private readonly metrics: RunMetricsService,
    private readonly artifactStore: ModelArtifacts,
    private readonly artifactFiles: RunArtifactFiles,
  ) {}

  // ---------------------------------------------------------------- experiments

  ensureExperiment(name: string, manager?: EntityManager): Promise<Experiment> {
    return this.catalog.ensureExperiment(name, manager);
  }

  createExperiment(name: string, tags: Record<string, string> = {}) {
    return this.catalog.createExperiment(name, tags);
  }

  listExperiments(lifecycle: Lifecycle = 'active', page: { limit?: number; offset?: number } = {}) {
    return this.catalog.listExperiments(lifecycle, page);
  }

  findExperiments(q: {
    lifecycle: Lifecycle;
    conditions: ExperimentCondition[];
    order: ExperimentOrderTerm[];
    limit: number;
    offset: number;
  }) {
    return this.catalog.findExperiments(q);
  }

  getExperiment(id: string): Promise<Experiment> {
    return this.catalog.getExperiment(id);
  }

  getExperimentView(id: string) {
    return this.catalog.getExperimentView(id);
  }

  getExperimentByName(name: string) {
    return this.catalog.getExperimentByName(name);
  }

  updateExperiment(id: string, changes: { name?: string; tags?: Record<string, string | null> }) {
    return this.catalog.updateExperiment(id, changes);
  }

  setExperimentArchived(id: string, archived: boolean) {
    return this.catalog.setExperimentArchived(id, archived);
  }

  // ---------------------------------------------------------------- runs: the service's own (training)

  createRun(
    fields: {
      experimentName: string;
      name: string;
      params: Record<string, unknown>;
      tags?: Record<string, string>;
      modelId?: string;
      modelVersion?: string;
      status?: RunStatus;
    },
    manager?: EntityManager,
  ): Promise<Run> {
    return this.lifecycle.createRun(fields, manager);
  }

  setStatus(runId: string, status: RunStatus, end = false): Promise<void> {
    return this.lifecycle.setStatus(runId, status, end);
  }

  /** See RunLifecycleService.startAttempt: a retry starts the run's metric history afresh. */
  startAttempt(runId: string, attempt: number): Promise<void> {
    return this.lifecycle.startAttempt(runId, attempt);
  }

  /** See RunMetricsService.logMetrics: calls for one run are applied in call order. */
  logMetrics(runId: string, values: Record<string, number | null | undefined>, step: number): Promise<void> {
    return this.metrics.logMetrics(runId, values, step);
  }

  finishRun(
    runId: string,
    status: RunStatus,
    fields: { metrics?: Record<string, number>; artifacts?: string[]; tags?: Record<string, string> } = {},
  ): Promise<void> {
    return this.lifecycle.finishRun(runId, status, fields);
  }

  // ---------------------------------------------------------------- runs logged from outside

  createExternalRun(
    experimentId: string,
    fields: { name?: string; params?: Record<string, string>; tags?: Record<string, string>; startTime?: number },
  ) {
    return this.lifecycle.createExternalRun(experimentId, fields);
  }

  logParams(runId: string, params: Record<string, string>) {
    return this.lifecycle.logParams(runId, params);
  }

  logMetricPoints(runId: string, points: MetricPoint[]): Promise<void> {
    return this.metrics.logMetricPoints(runId, points);
  }

  setTags(runId: string, tags: Record<string, string>) {
    return this.lifecycle.setTags(runId, tags);
  }

  deleteTag(runId: string, key: string) {
    return this.lifecycle.deleteTag(runId, key);
  }

  updateRun(runId: string, changes: { status?: RunStatus; endTime?: number; name?: string }) {
    return this.lifecycle.updateRun(runId, changes);
  }

  setRunDeleted(runId: string, deleted: boolean) {
    return this.lifecycle.setRunDeleted(runId, deleted);
  }

  // ---------------------------------------------------------------- reading runs

  listRuns(
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
    return this.reader.listRuns(experimentId, q);
  }

  searchRuns(q: RunSearch): Promise<{ runs: Run[]; total: number }> {
    return this.reader.searchRuns(q);
  }

  findRun(id: string): Promise<Run> {
    return this.reader.findRun(id);
  }

  /** The name of the experiment a run is recorded in; null for no run id or a run that no longer exists. */
  async experimentNameOfRun(runId: string | null): Promise<string | null> {
    if (!runId) return null;
    const run = await this.reader.findRun(runId).catch((e: unknown) => {
      if (e instanceof NotFoundError) return null;
      throw e;
    });
    if (!run) return null;
    return (await this.catalog.getExperiment(run.experiment_id)).name;
  }

  getRun(id: string) {
    return this.reader.getRun(id);
  }

  metricHistory(runId: string, key: string, page: { limit?: number; offset?: number } = {}) {
    return this.metrics.metricHistory(runId, key, page);
  }

  compare(experimentId: string, runIds: string[]): Promise<Comparison> {
    return this.reader.compare(experimentId, runIds);
  }

  runView(r: Run) {
    return runView(r);
  }

  // ---------------------------------------------------------------- artifacts

  /** The run's files (paths relative to its version folder) with sizes. */
  async listArtifacts(runId: string) {
    const run = await this.reader.findRun(runId);
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
    const run = await this.reader.findRun(runId);
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
}

function artifactRoot(run: Run): string | null {
  return run.model_id && run.model_version ? `${run.model_id}/${run.model_version}` : null;
}
