import { Injectable } from '@nestjs/common';
import { RUN_STATUSES, type Run, type RunStatus } from '../entities/run.entity';
import { ExperimentsService } from '../experiments.service';
import { RunMetricsRepository } from '../repositories/run-metrics.repository';
import type { ExperimentView } from '../views';
import {
  experimentOrder,
  invalid,
  kvList,
  list,
  optionalInt,
  optionalString,
  pageOffset,
  pageToken,
  parseExperimentFilter,
  requiredString,
  runId,
  stringValue,
  viewType,
  type Body,
  type KV,
} from './mlflow-request';

/**
 * MLflow's tracking REST API 2.0 (the common part) over this service's own store: translates
 * MLflow's request and response shapes to ExperimentsService calls. Ids are our uuids (MLflow
 * treats ids as opaque strings); times are milliseconds since the epoch. Errors thrown here are
 * the service's AppErrors; MlflowExceptionFilter turns them into MLflow's error format.
 */

const RUNS_MAX_RESULTS = 50000;
const EXPERIMENTS_MAX_RESULTS = 50000;

@Injectable()
export class MlflowApiService {
  constructor(
    private readonly experiments: ExperimentsService,
    private readonly metrics: RunMetricsRepository,
  ) {}

  // ------------------------------------------------------------ experiments

  async createExperiment(body: Body) {
    const name = requiredString(body, 'name');
    const tags = kvList(body.tags, 'tags');
    const created = await this.experiments.createExperiment(
      name,
      Object.fromEntries(tags.map((t) => [t.key, t.value])),
    );
    return { experiment_id: created.id };
  }

  async getExperiment(q: Body) {
    return { experiment: toExperiment(await this.experiments.getExperimentView(requiredString(q, 'experiment_id'))) };
  }

  async getExperimentByName(q: Body) {
    return {
      experiment: toExperiment(await this.experiments.getExperimentByName(requiredString(q, 'experiment_name'))),
    };
  }

  async searchExperiments(body: Body) {
    const limit = optionalInt(body, 'max_results', 1000, 1, EXPERIMENTS_MAX_RESULTS);
    const offset = pageOffset(body.page_token);
    const lifecycle = viewType(body.view_type);
    const conditions = parseExperimentFilter(optionalString(body, 'filter'));
    const order = experimentOrder(body.order_by);
    const { experiments, more } = await this.experiments.findExperiments({
      lifecycle,
      conditions,
      order,
      limit,
      offset,
    });
    return {
      experiments: experiments.map(toExperiment),
      ...(more ? { next_page_token: pageToken(offset + limit) } : {}),
    };
  }

  async updateExperiment(body: Body) {
    await this.experiments.updateExperiment(requiredString(body, 'experiment_id'), {
      name: requiredString(body, 'new_name'),
    });
    return {};
  }

  async setExperimentLifecycle(body: Body, archived: boolean) {
    await this.experiments.setExperimentArchived(requiredString(body, 'experiment_id'), archived);
    return {};
  }

  async setExperimentTag(body: Body) {
    await this.experiments.updateExperiment(requiredString(body, 'experiment_id'), {
      tags: { [requiredString(body, 'key')]: stringValue(body, 'value') },
    });
    return {};
  }

  // ------------------------------------------------------------ runs

  async createRun(body: Body) {
    const experimentId = requiredString(body, 'experiment_id');
    const tags = Object.fromEntries(kvList(body.tags, 'tags').map((t) => [t.key, t.value]));
    const userId = optionalString(body, 'user_id');
    if (userId && tags['mlflow.user'] === undefined) tags['mlflow.user'] = userId;
    const name = optionalString(body, 'run_name') ?? tags['mlflow.runName'];
    const startTime = optionalInt(body, 'start_time', undefined, 0, Number.MAX_SAFE_INTEGER);
    const run = await this.experiments.createExternalRun(experimentId, { name, tags, startTime });
    return { run: await this.toRun(await this.experiments.findRun(run.id)) };
  }

  async getRun(q: Body) {
    return { run: await this.toRun(await this.experiments.findRun(runId(q))) };
  }

  async updateRun(body: Body) {
    const status = optionalString(body, 'status');
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status))
      throw invalid(`Invalid value '${status}' for parameter 'status': use one of ${RUN_STATUSES.join(', ')}`);
    const endTime = optionalInt(body, 'end_time', undefined, 0, Number.MAX_SAFE_INTEGER);
    const run = await this.experiments.updateRun(runId(body), {
      status: status as RunStatus | undefined,
      endTime,
      name: optionalString(body, 'run_name'),
    });
    return { run_info: (await this.toRun(await this.experiments.findRun(run.id))).info };
  }

  async setRunLifecycle(body: Body, deleted: boolean) {
    await this.experiments.setRunDeleted(runId(body), deleted);
    return {};
  }

  async logMetric(body: Body) {
    const value = body.value;
    if (typeof value !== 'number') throw invalid(`Missing value for required parameter 'value' (a number)`);
    await this.experiments.logMetricPoints(runId(body), [
      {
        key: requiredString(body, 'key'),
        value,
        timestamp: optionalInt(body, 'timestamp', Date.now(), 0, Number.MAX_SAFE_INTEGER),
        step: optionalInt(body, 'step', 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      },
    ]);
    return {};
  }

  async logParam(body: Body) {
    await this.experiments.logParams(runId(body), { [requiredString(body, 'key')]: stringValue(body, 'value') });
    return {};
  }

  async setTag(body: Body) {
    await this.experiments.setTags(runId(body), { [requiredString(body, 'key')]: stringValue(body, 'value') });
    return {};
  }

  async deleteTag(body: Body) {
    await this.experiments.deleteTag(runId(body), requiredString(body, 'key'));
    return {};
  }

  /** MLflow's limits: at most 1000 metrics, 100 params, 100 tags, 1000 items in all. */
  async logBatch(body: Body) {
    const id = runId(body);
    const metrics = list(body.metrics, 'metrics');
    const params = kvList(body.params, 'params');
    const tags = kvList(body.tags, 'tags');
    if (metrics.length > 1000)
      throw invalid(`A batch logging request can contain at most 1000 metrics. Got ${metrics.length} metrics.`);
    if (params.length > 100)
      throw invalid(`A batch logging request can contain at most 100 params. Got ${params.length} params.`);
    if (tags.length > 100)
      throw invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`);
    if (metrics.length + params.length + tags.length > 1000)
      throw invalid('A batch logging request can contain at most 1000 metrics, params and tags in total.');
    const points = metrics.map((m, i) => {
      if (!m || typeof m !== 'object') throw invalid(`metrics[${i}] must be an object`);
      const o = m as Body;
      if (typeof o.value !== 'number')
        throw invalid(`Missing value for required parameter 'metrics[${i}].value' (a number)`);
      return {
        key: requiredString(o, 'key', `metrics[${i}].key`),
        value: o.value,
        timestamp: optionalInt(o, 'timestamp', Date.now(), 0, Number.MAX_SAFE_INTEGER),
        step: optionalInt(o, 'step', 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      };
    });
    // No prototype: a param named `constructor` was taken for a duplicate (and `__proto__` was lost).
    const paramMap = Object.create(null) as Record<string, string>;
    for (const p of params) {
      if (paramMap[p.key] !== undefined && paramMap[p.key] !== p.value)
        throw invalid(`Duplicate parameter keys have been submitted: ${p.key}`);
      paramMap[p.key] = p.value;
    }
    // Params first: an immutable-param conflict rejects the batch before anything else is stored.
    if (params.length) await this.experiments.logParams(id, paramMap);
    if (points.length) await this.experiments.logMetricPoints(id, points);
    if (tags.length) await this.experiments.setTags(id, Object.fromEntries(tags.map((t) => [t.key, t.value])));
    return {};
  }

  async searchRuns(body: Body) {
    const ids = body.experiment_ids;
    if (!Array.isArray(ids) || !ids.length || !ids.every((x) => typeof x === 'string' || typeof x === 'number'))
      throw invalid("Missing value for required parameter 'experiment_ids' (a list of experiment ids)");
    const limit = optionalInt(body, 'max_results', 1000, 1, RUNS_MAX_RESULTS);
    const offset = pageOffset(body.page_token);
    const orderBy: unknown[] | undefined =
      body.order_by === undefined ? undefined : Array.isArray(body.order_by) ? body.order_by : [body.order_by];
    if (orderBy && !orderBy.every((o): o is string => typeof o === 'string'))
      throw invalid("Invalid value for parameter 'order_by': a list of strings");
    const { runs, total } = await this.experiments.searchRuns({
      experimentIds: ids.map(String),
      filter: optionalString(body, 'filter'),
      orderBy,
      lifecycle: viewType(body.run_view_type),
      limit,
      offset,
    });
    const latest = await this.latestMetrics(runs.map((r) => r.id));
    return {
      runs: runs.map((r) => this.runJson(r, latest.get(r.id) ?? [])),
      ...(offset + runs.length < total ? { next_page_token: pageToken(offset + limit) } : {}),
    };
  }

  async metricHistory(q: Body) {
    const id = runId(q);
    const key = requiredString(q, 'metric_key');
    const limit = optionalInt(q, 'max_results', 25000, 1, 25000);
    const offset = pageOffset(q.page_token);
    const { history, more } = await this.experiments
      .metricHistory(id, key, { limit, offset })
      .catch((e: { errorCode?: string }) => {
        // MLflow answers an empty history for a metric the run never logged.
        if (e?.errorCode === 'METRIC_NOT_FOUND') return { history: [], more: false };
        throw e;
      });
    return {
      metrics: history.map((h) => ({ key, value: h.value, timestamp: Date.parse(h.timestamp), step: h.step })),
      ...(more ? { next_page_token: pageToken(offset + limit) } : {}),
    };
  }

  // ------------------------------------------------------------ shapes

  private async toRun(run: Run) {
    const latest = await this.latestMetrics([run.id]);
    return this.runJson(run, latest.get(run.id) ?? []);
  }

  /** Latest value per metric key with its step and timestamp (MLflow's rule: highest step, then newest). */
  private async latestMetrics(
    runIds: string[],
  ): Promise<Map<string, Array<{ key: string; value: number; timestamp: number; step: number }>>> {
    const out = new Map<string, Array<{ key: string; value: number; timestamp: number; step: number }>>();
    if (!runIds.length) return out;
    const rows = await this.metrics.latestOfRuns(runIds);
    for (const r of rows) {
      const list = out.get(r.run_id) ?? [];
      list.push({ key: r.key, value: r.value, timestamp: r.timestamp.getTime(), step: r.step });
      out.set(r.run_id, list);
    }
    return out;
  }

  private runJson(run: Run, history: Array<{ key: string; value: number; timestamp: number; step: number }>) {
    const seen = new Set(history.map((h) => h.key));
    const at = new Date(run.end_time ?? run.start_time).getTime();
    // Final metrics without history (evaluation results of the service's own runs) at step 0.
    const summary = Object.entries(run.metrics ?? {})
      .filter(([k, v]) => !seen.has(k) && typeof v === 'number')
      .map(([key, value]) => ({ key, value, timestamp: at, step: 0 }));
    const tags: KV[] = Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value }));
    if (run.tags?.['mlflow.runName'] === undefined) tags.push({ key: 'mlflow.runName', value: run.name });
    return {
      info: {
        run_id: run.id,
        run_uuid: run.id,
        run_name: run.name,
        experiment_id: run.experiment_id,
        user_id: run.tags?.['mlflow.user'] ?? '',
        status: run.status,
        start_time: new Date(run.start_time).getTime(),
        ...(run.end_time ? { end_time: new Date(run.end_time).getTime() } : {}),
        artifact_uri: run.model_id && run.model_version ? `/api/v1/runs/${run.id}/artifacts` : '',
        lifecycle_stage: run.deleted_at ? 'deleted' : 'active',
      },
      data: {
        metrics: [...history, ...summary].map(({ key, value, timestamp, step }) => ({ key, value, timestamp, step })),
        params: Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value })),
        tags,
      },
      inputs: {},
    };
  }
}

function toExperiment(e: ExperimentView) {
  const created = e.created_at ? Date.parse(e.created_at) : 0;
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: '',
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: Math.max(created, e.last_run_at ? Date.parse(e.last_run_at) : 0),
    creation_time: created,
    tags: Object.entries(e.tags ?? {}).map(([key, value]) => ({ key, value })),
  };
}
