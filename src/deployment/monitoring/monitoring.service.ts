import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ModelArtifacts } from '../../models/artifacts';
import type { PredictionEvent as MonitoringEvent } from '../../prediction/deployment-lookup';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../../config/deployment-options';
import type { Deployment, MonitoringLevel } from '../entities';
import {
  bucketQuantile,
  equalWidthHistogram,
  extractPredictions,
  LATENCY_BUCKETS_MS,
  latencyBucket,
  sampleQuantile,
} from './histogram';
import { binCounts, psi, psiBand, referenceBins } from './psi';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most deployments with unflushed events at once; events for more are dropped (and counted). */
const MAX_BUFFERED_DEPLOYMENTS = 10_000;

interface LoggedRequest {
  at: Date;
  ok: boolean;
  latency_ms: number;
  inputs: StoredInputs;
  outputs: unknown;
}

/** Inputs as stored: the feature values, plus symbol and timeframe when the caller sent them. */
interface StoredInputs {
  symbol?: string;
  timeframe?: string;
  features: Record<string, number[]>;
}

/** What one deployment gathered since the last flush. */
interface Pending {
  level?: MonitoringLevel;
  requests: number;
  errors: number;
  latencyCounts: number[];
  latencySum: number;
  predCount: number;
  predSum: number;
  predSumsq: number;
  predMin: number | null;
  predMax: number | null;
  /** The newest numeric predictions (at most `retention`). */
  predSample: number[];
  labels: Record<string, number>;
  logs: LoggedRequest[];
  first: Date;
  last: Date;
}

const rank = { low: 0, medium: 1, high: 2 } as const;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/**
 * Monitoring of deployments. `record` is the prediction hot path: it only updates an
 * in-memory aggregate (O(size of the event)); a timer writes the aggregates to the database
 * every MONITORING_FLUSH_MS, one short transaction per deployment. What is kept follows the
 * deployment's monitoring level: low — request and error counts; medium — plus the latency
 * histogram and the distribution of predictions; high — plus each request's inputs and
 * outputs (the last MONITORING_RETENTION) and input drift (PSI) against the training data.
 * Monitoring is best effort: a failed flush keeps its aggregates for the next one (bounded).
 */
@Injectable()
export class MonitoringService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeploymentMonitoring');
  private buffer = new Map<string, Pending>();
  private readonly levels = new Map<string, MonitoringLevel>();
  private readonly preprocessing = new Map<string, Promise<unknown>>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Events dropped because the buffer was full (reported in the log). */
  dropped = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly artifacts: ModelArtifacts,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.options.monitoringFlushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
    this.stopped = true;
  }

  /** Remember a deployment's level so `record` keeps only what that level needs. */
  noteLevel(deploymentId: string, level: MonitoringLevel): void {
    if (this.levels.size > 50_000) this.levels.clear();
    this.levels.set(deploymentId, level);
  }

  record(deploymentId: string, event: MonitoringEvent): void {
    if (this.stopped || typeof deploymentId !== 'string' || !UUID.test(deploymentId) || !event) return;
    let p = this.buffer.get(deploymentId);
    const now = new Date();
    if (!p) {
      if (this.buffer.size >= MAX_BUFFERED_DEPLOYMENTS) {
        this.dropped++;
        return;
      }
      p = emptyPending(now);
      this.buffer.set(deploymentId, p);
    }
    const level = this.levels.get(deploymentId);
    p.level = level;
    p.requests++;
    if (!event.ok) p.errors++;
    p.last = now;
    if (level === 'low') return;
    const latency = Number(event.latency_ms);
    if (Number.isFinite(latency) && latency >= 0) {
      p.latencyCounts[latencyBucket(latency)]++;
      p.latencySum += latency;
    }
    if (event.ok) {
      const { numbers, labels } = extractPredictions(event.outputs);
      for (const v of numbers) addPrediction(p, v, this.options.monitoringRetention);
      for (const l of labels) p.labels[l] = (p.labels[l] ?? 0) + 1;
    }
    if (level === 'medium') return;
    p.logs.push({
      at: now,
      ok: !!event.ok,
      latency_ms: Number.isFinite(latency) ? latency : 0,
      inputs: sanitizeInputs(event.inputs),
      outputs: event.outputs ?? null,
    });
    if (p.logs.length > this.options.monitoringRetention)
      p.logs.splice(0, p.logs.length - this.options.monitoringRetention);
  }

  /** Write everything buffered so far (serialised: one flush at a time). */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (!this.buffer.size || !this.dataSource.isInitialized) return;
    const batch = this.buffer;
    this.buffer = new Map();
    const ids = [...batch.keys()];
    let levels: Map<string, MonitoringLevel>;
    try {
      const rows: Array<{ id: string; monitoring_level: MonitoringLevel }> = await this.dataSource.query(
        `SELECT id, monitoring_level FROM deployments WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      levels = new Map(rows.map((r) => [r.id, r.monitoring_level]));
    } catch (e) {
      this.requeue(batch);
      this.logger.warn(`monitoring flush failed, kept for the next one: ${(e as Error).message}`);
      throw e;
    }
    for (const [id, p] of batch) {
      const level = levels.get(id);
      if (!level) continue; // not a deployment: nothing to attach the events to
      this.noteLevel(id, level);
      try {
        await this.dataSource.transaction((m) => this.write(m, id, level, p));
      } catch (e) {
        this.requeue(new Map([[id, p]]));
        this.logger.warn(`monitoring flush of deployment ${id} failed, kept for the next one: ${(e as Error).message}`);
      }
    }
    if (this.dropped) {
      this.logger.warn(`monitoring buffer full: ${this.dropped} events dropped`);
      this.dropped = 0;
    }
  }

  private requeue(batch: Map<string, Pending>): void {
    for (const [id, p] of batch) {
      const now = this.buffer.get(id);
      this.buffer.set(id, now ? mergePending(p, now, this.options.monitoringRetention) : p);
    }
  }

  private async write(m: EntityManager, id: string, level: MonitoringLevel, p: Pending): Promise<void> {
    await m.query(`INSERT INTO deployment_metrics (deployment_id) VALUES ($1) ON CONFLICT (deployment_id) DO NOTHING`, [
      id,
    ]);
    const [row] = await m.query(`SELECT * FROM deployment_metrics WHERE deployment_id = $1 FOR UPDATE`, [id]);
    const medium = rank[level] >= rank.medium;
    const latency: number[] = Array.from(
      { length: LATENCY_BUCKETS_MS.length + 1 },
      (_, i) => num(row.latency_counts?.[i]) + (medium ? p.latencyCounts[i] : 0),
    );
    const sample = medium
      ? [...(row.prediction_sample ?? []), ...p.predSample].slice(-this.options.monitoringRetention)
      : (row.prediction_sample ?? []);
    const labels: Record<string, number> = { ...(row.label_counts ?? {}) };
    if (medium) for (const [k, v] of Object.entries(p.labels)) labels[k] = (labels[k] ?? 0) + v;
    const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    await m.query(
      `UPDATE deployment_metrics SET requests = requests + $2, errors = errors + $3, latency_counts = $4, latency_sum_ms = latency_sum_ms + $5,
         prediction_count = prediction_count + $6, prediction_sum = prediction_sum + $7, prediction_sumsq = prediction_sumsq + $8,
         prediction_min = $9, prediction_max = $10, prediction_sample = $11, label_counts = $12,
         first_request_at = COALESCE(first_request_at, $13), last_request_at = GREATEST(COALESCE(last_request_at, $14), $14)
       WHERE deployment_id = $1`,
      [
        id,
        p.requests,
        p.errors,
        JSON.stringify(latency),
        medium ? p.latencySum : 0,
        medium ? p.predCount : 0,
        medium ? p.predSum : 0,
        medium ? p.predSumsq : 0,
        medium ? minOf(row.prediction_min, p.predMin) : row.prediction_min,
        medium ? maxOf(row.prediction_max, p.predMax) : row.prediction_max,
        JSON.stringify(sample),
        JSON.stringify(labels),
        p.first,
        p.last,
      ],
    );
    if (level !== 'high' || !p.logs.length) return;
    const logs = p.logs.slice(-this.options.monitoringRetention);
    for (let i = 0; i < logs.length; i += 200) {
      const chunk = logs.slice(i, i + 200);
      const params: unknown[] = [];
      const values = chunk.map((l) => {
        params.push(id, l.at, l.ok, l.latency_ms, JSON.stringify(l.inputs), JSON.stringify(l.outputs ?? null));
        const b = params.length - 6;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
      });
      await m.query(
        `INSERT INTO deployment_request_logs (deployment_id, at, ok, latency_ms, inputs, outputs) VALUES ${values.join(', ')}`,
        params,
      );
    }
    // Bounded retention: keep the newest N requests of this deployment.
    await m.query(
      `DELETE FROM deployment_request_logs WHERE deployment_id = $1 AND id < (
         SELECT id FROM deployment_request_logs WHERE deployment_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [id, this.options.monitoringRetention - 1],
    );
  }

  /** GET /deployments/{id}/monitoring, after flushing this process's buffer. */
  async report(deployment: Deployment, recent: number) {
    await this.flush().catch(() => undefined);
    const level = deployment.monitoring_level;
    const [row] = await this.dataSource.query(`SELECT * FROM deployment_metrics WHERE deployment_id = $1`, [
      deployment.id,
    ]);
    const requests = num(row?.requests);
    const errors = num(row?.errors);
    const out: Record<string, unknown> = {
      deployment_id: deployment.id,
      model_id: deployment.model_id,
      version: deployment.version,
      target: deployment.target,
      status: deployment.status,
      monitoring_level: level,
      requests,
      errors,
      error_rate: requests ? errors / requests : null,
      first_request_at: row?.first_request_at ? new Date(row.first_request_at).toISOString() : null,
      last_request_at: row?.last_request_at ? new Date(row.last_request_at).toISOString() : null,
      latency_ms: null,
      predictions: null,
      recent_requests: null,
      drift: null,
    };
    if (rank[level] >= rank.medium) {
      const counts: number[] = Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) =>
        num(row?.latency_counts?.[i]),
      );
      const n = counts.reduce((s, c) => s + c, 0);
      out.latency_ms = {
        count: n,
        mean: n ? num(row?.latency_sum_ms) / n : null,
        p50: bucketQuantile(counts, 0.5),
        p90: bucketQuantile(counts, 0.9),
        p99: bucketQuantile(counts, 0.99),
        buckets: counts.map((count, i) => ({
          le: i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i] : null,
          count,
        })),
      };
      const pc = num(row?.prediction_count);
      const mean = pc ? num(row?.prediction_sum) / pc : null;
      const sample: number[] = [...(row?.prediction_sample ?? [])].sort((a, b) => a - b);
      out.predictions = {
        count: pc,
        mean,
        std: pc && mean !== null ? Math.sqrt(Math.max(0, num(row?.prediction_sumsq) / pc - mean * mean)) : null,
        min: row?.prediction_min ?? null,
        max: row?.prediction_max ?? null,
        sample_size: sample.length,
        quantiles: Object.fromEntries(
          ([0.05, 0.25, 0.5, 0.75, 0.95] as const).map((q) => [`p${Math.round(q * 100)}`, sampleQuantile(sample, q)]),
        ),
        histogram: equalWidthHistogram(sample),
        labels: row?.label_counts ?? {},
      };
    }
    if (level === 'high') {
      const logs: Array<{
        id: string;
        at: Date;
        ok: boolean;
        latency_ms: number;
        inputs: StoredInputs;
        outputs: unknown;
      }> = await this.dataSource.query(
        `SELECT id, at, ok, latency_ms, inputs, outputs FROM deployment_request_logs WHERE deployment_id = $1 ORDER BY id DESC LIMIT $2`,
        [deployment.id, this.options.monitoringRetention],
      );
      out.recent_requests = logs.slice(0, recent).map((l) => ({
        at: new Date(l.at).toISOString(),
        ok: l.ok,
        latency_ms: l.latency_ms,
        inputs: l.inputs,
        outputs: l.outputs,
      }));
      out.drift = await this.drift(deployment, logs);
    }
    return out;
  }

  /** PSI per feature between the training distribution and the retained requests' inputs. */
  private async drift(deployment: Deployment, logs: Array<{ inputs: StoredInputs }>) {
    const base = {
      method: 'psi',
      bands: { stable: '< 0.1', moderate: '0.1 – 0.25', significant: '> 0.25' },
      requests_used: logs.length,
    };
    let pre: unknown;
    try {
      pre = await this.loadPreprocessing(deployment.model_id, deployment.version);
    } catch (e) {
      return {
        ...base,
        available: false,
        reason: `training statistics unavailable: ${(e as Error).message}`,
        features: {},
        max_psi: null,
        overall_band: null,
      };
    }
    const values = new Map<string, number[]>();
    for (const l of logs) {
      for (const [f, vs] of Object.entries(l.inputs?.features ?? {})) {
        if (!Array.isArray(vs)) continue;
        let list = values.get(f);
        if (!list) values.set(f, (list = []));
        for (const v of vs) if (typeof v === 'number' && Number.isFinite(v)) list.push(v);
      }
    }
    const features: Record<string, unknown> = {};
    let max: number | null = null;
    for (const [f, vs] of values) {
      const ref = referenceBins(pre, f);
      if (!ref) {
        features[f] = {
          psi: null,
          band: null,
          n: vs.length,
          reference: null,
          reason: 'no training statistics for this feature',
        };
        continue;
      }
      if (!vs.length) {
        features[f] = { psi: null, band: null, n: 0, reference: ref.source, reason: 'no values' };
        continue;
      }
      const actual = binCounts(vs, ref.edges);
      const value = psi(ref.expected, actual);
      max = max === null ? value : Math.max(max, value);
      const total = vs.length;
      const es = ref.expected.reduce((s, v) => s + v, 0);
      features[f] = {
        psi: value,
        band: psiBand(value),
        n: total,
        reference: ref.source,
        bins: ref.edges.length + 1,
        edges: ref.edges,
        expected: ref.expected.map((e) => e / es),
        actual: actual.map((a) => a / total),
      };
    }
    return {
      ...base,
      available: true,
      note: 'Reference bins: training-set histograms when the version stored them; otherwise deciles of a normal with the training mean/std (z-score scaler) or ten equal-width bins between the training min/max (min-max scaler) — approximations. Values of every retained request window are pooled.',
      features,
      max_psi: max,
      overall_band: max === null ? null : psiBand(max),
    };
  }

  private loadPreprocessing(modelId: string, version: string): Promise<unknown> {
    const key = `${modelId}@${version}`;
    let p = this.preprocessing.get(key);
    if (!p) {
      if (this.preprocessing.size > 500) this.preprocessing.clear();
      p = this.artifacts.readPreprocessingRecord(modelId, version);
      p.catch(() => this.preprocessing.delete(key));
      this.preprocessing.set(key, p);
    }
    return p;
  }
}

function emptyPending(now: Date): Pending {
  return {
    requests: 0,
    errors: 0,
    latencyCounts: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
    latencySum: 0,
    predCount: 0,
    predSum: 0,
    predSumsq: 0,
    predMin: null,
    predMax: null,
    predSample: [],
    labels: {},
    logs: [],
    first: now,
    last: now,
  };
}

function addPrediction(p: Pending, v: number, retention: number): void {
  p.predCount++;
  p.predSum += v;
  p.predSumsq += v * v;
  p.predMin = p.predMin === null ? v : Math.min(p.predMin, v);
  p.predMax = p.predMax === null ? v : Math.max(p.predMax, v);
  p.predSample.push(v);
  if (p.predSample.length > retention * 2) p.predSample.splice(0, p.predSample.length - retention);
}

/** Older aggregate `a` followed by newer `b`. */
function mergePending(a: Pending, b: Pending, retention: number): Pending {
  const out = emptyPending(a.first < b.first ? a.first : b.first);
  out.level = b.level ?? a.level;
  out.requests = a.requests + b.requests;
  out.errors = a.errors + b.errors;
  out.latencyCounts = a.latencyCounts.map((c, i) => c + b.latencyCounts[i]);
  out.latencySum = a.latencySum + b.latencySum;
  out.predCount = a.predCount + b.predCount;
  out.predSum = a.predSum + b.predSum;
  out.predSumsq = a.predSumsq + b.predSumsq;
  out.predMin = a.predMin === null ? b.predMin : b.predMin === null ? a.predMin : Math.min(a.predMin, b.predMin);
  out.predMax = a.predMax === null ? b.predMax : b.predMax === null ? a.predMax : Math.max(a.predMax, b.predMax);
  out.predSample = [...a.predSample, ...b.predSample].slice(-retention);
  out.labels = { ...a.labels };
  for (const [k, v] of Object.entries(b.labels)) out.labels[k] = (out.labels[k] ?? 0) + v;
  out.logs = [...a.logs, ...b.logs].slice(-retention);
  out.last = a.last > b.last ? a.last : b.last;
  return out;
}

/**
 * Normalises what the caller sent — `{ symbol?, timeframe?, features: { name: number[] } }` or
 * `{ name: number[] }` — to StoredInputs, keeping only finite numbers, at most 64 features ×
 * 4096 values (a log row stays bounded).
 */
export function sanitizeInputs(inputs: unknown): StoredInputs {
  const out: StoredInputs = { features: {} };
  if (!inputs || typeof inputs !== 'object') return out;
  const raw = inputs as Record<string, unknown>;
  if (typeof raw.symbol === 'string') out.symbol = raw.symbol.slice(0, 32);
  if (typeof raw.timeframe === 'string') out.timeframe = raw.timeframe.slice(0, 8);
  const source =
    raw.features && typeof raw.features === 'object' && !Array.isArray(raw.features)
      ? (raw.features as Record<string, unknown>)
      : raw;
  let n = 0;
  for (const [k, vs] of Object.entries(source)) {
    if (!Array.isArray(vs)) continue;
    if (n++ >= 64) break;
    out.features[k.slice(0, 64)] = vs
      .slice(-4096)
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  }
  return out;
}
