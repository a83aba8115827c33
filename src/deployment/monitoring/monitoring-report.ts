import type { Deployment } from '../entities';
import { bucketQuantile, equalWidthHistogram, LATENCY_BUCKETS_MS, sampleQuantile } from './histogram';
import { emptyTotals, LEVEL_RANK, type MetricsTotals } from './monitoring-aggregate';
import type { StoredRequest } from './monitoring.repository';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * GET /deployments/{id}/monitoring from the stored totals: counts always; latency and the
 * prediction distribution from `medium`; the recent requests and `drift` (computed by the
 * caller) at `high`.
 */
export function monitoringReport(
  deployment: Deployment,
  stored: MetricsTotals | null,
  high: { requests: StoredRequest[]; recent: number; drift: unknown } | null,
): Record<string, unknown> {
  const t = stored ?? emptyTotals();
  const level = deployment.monitoring_level;
  const out: Record<string, unknown> = {
    deployment_id: deployment.id,
    model_id: deployment.model_id,
    version: deployment.version,
    target: deployment.target,
    status: deployment.status,
    monitoring_level: level,
    requests: t.requests,
    errors: t.errors,
    error_rate: t.requests ? t.errors / t.requests : null,
    first_request_at: iso(t.firstRequestAt),
    last_request_at: iso(t.lastRequestAt),
    latency_ms: null,
    predictions: null,
    recent_requests: null,
    drift: null,
  };
  if (LEVEL_RANK[level] >= LEVEL_RANK.medium) {
    out.latency_ms = latencySection(t);
    out.predictions = predictionSection(t);
  }
  if (level === 'high' && high) {
    out.recent_requests = high.requests.slice(0, high.recent).map((l) => ({
      at: new Date(l.at).toISOString(),
      ok: l.ok,
      latency_ms: l.latency_ms,
      inputs: l.inputs,
      outputs: l.outputs,
    }));
    out.drift = high.drift;
  }
  return out;
}

function latencySection(t: MetricsTotals) {
  const counts = Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) => t.latencyCounts[i] ?? 0);
  const n = counts.reduce((s, c) => s + c, 0);
  return {
    count: n,
    mean: n ? t.latencySumMs / n : null,
    p50: bucketQuantile(counts, 0.5),
    p90: bucketQuantile(counts, 0.9),
    p99: bucketQuantile(counts, 0.99),
    buckets: counts.map((count, i) => ({
      le: i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i] : null,
      count,
    })),
  };
}

function predictionSection(t: MetricsTotals) {
  const pc = t.predictionCount;
  const mean = pc ? t.predictionSum / pc : null;
  const sample = [...t.predictionSample].sort((a, b) => a - b);
  return {
    count: pc,
    mean,
    std: pc && mean !== null ? Math.sqrt(Math.max(0, t.predictionSumsq / pc - mean * mean)) : null,
    min: t.predictionMin,
    max: t.predictionMax,
    sample_size: sample.length,
    quantiles: Object.fromEntries(
      ([0.05, 0.25, 0.5, 0.75, 0.95] as const).map((q) => [`p${Math.round(q * 100)}`, sampleQuantile(sample, q)]),
    ),
    histogram: equalWidthHistogram(sample),
    labels: t.labelCounts,
  };
}
