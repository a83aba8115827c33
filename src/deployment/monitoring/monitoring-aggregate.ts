import type { PredictionEvent as MonitoringEvent } from '../../prediction/deployment-lookup';
import type { MonitoringLevel } from '../entities';
import { extractPredictions, LATENCY_BUCKETS_MS, latencyBucket } from './histogram';

/** Inputs as stored: the feature values, plus symbol and timeframe when the caller sent them. */
export interface StoredInputs {
  symbol?: string;
  timeframe?: string;
  features: Record<string, number[]>;
}

/** One request as kept at level `high`. */
export interface LoggedRequest {
  at: Date;
  ok: boolean;
  latency_ms: number;
  inputs: StoredInputs;
  outputs: unknown;
}

/** What one deployment gathered since the last flush. */
export interface Pending {
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

/** A deployment's stored counters (deployment_metrics), as numbers. */
export interface MetricsTotals {
  requests: number;
  errors: number;
  /** One count per LATENCY_BUCKETS_MS bucket plus the overflow bucket. */
  latencyCounts: number[];
  latencySumMs: number;
  predictionCount: number;
  predictionSum: number;
  predictionSumsq: number;
  predictionMin: number | null;
  predictionMax: number | null;
  predictionSample: number[];
  labelCounts: Record<string, number>;
  firstRequestAt: Date | null;
  lastRequestAt: Date | null;
}

export const LEVEL_RANK = { low: 0, medium: 1, high: 2 } as const;

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

export function emptyPending(now: Date): Pending {
  return {
    requests: 0,
    errors: 0,
    latencyCounts: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
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

export function emptyTotals(): MetricsTotals {
  return {
    requests: 0,
    errors: 0,
    latencyCounts: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
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

/**
 * Adds one event to the deployment's aggregate, keeping only what its level needs: low —
 * counts; medium — plus latency and predictions; high — plus the request itself.
 */
export function addEvent(
  p: Pending,
  event: MonitoringEvent,
  level: MonitoringLevel | undefined,
  now: Date,
  retention: number,
): void {
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
    for (const v of numbers) addPrediction(p, v, retention);
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
  if (p.logs.length > retention) p.logs.splice(0, p.logs.length - retention);
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
export function mergePending(a: Pending, b: Pending, retention: number): Pending {
  const out = emptyPending(a.first < b.first ? a.first : b.first);
  out.level = b.level ?? a.level;
  out.requests = a.requests + b.requests;
  out.errors = a.errors + b.errors;
  out.latencyCounts = a.latencyCounts.map((c, i) => c + b.latencyCounts[i]);
  out.latencySum = a.latencySum + b.latencySum;
  out.predCount = a.predCount + b.predCount;
  out.predSum = a.predSum + b.predSum;
  out.predSumsq = a.predSumsq + b.predSumsq;
  out.predMin = minOf(a.predMin, b.predMin);
  out.predMax = maxOf(a.predMax, b.predMax);
  out.predSample = [...a.predSample, ...b.predSample].slice(-retention);
  out.labels = { ...a.labels };
  for (const [k, v] of Object.entries(b.labels)) out.labels[k] = (out.labels[k] ?? 0) + v;
  out.logs = [...a.logs, ...b.logs].slice(-retention);
  out.last = a.last > b.last ? a.last : b.last;
  return out;
}

/**
 * The stored totals after adding a flushed aggregate, at the deployment's level as stored
 * (a level lowered since the events arrived keeps only the counts).
 */
export function addToTotals(row: MetricsTotals, p: Pending, level: MonitoringLevel, retention: number): MetricsTotals {
  const counts = {
    requests: row.requests + p.requests,
    errors: row.errors + p.errors,
    firstRequestAt: row.firstRequestAt ?? p.first,
    lastRequestAt: row.lastRequestAt && row.lastRequestAt > p.last ? row.lastRequestAt : p.last,
  };
  const latencyCounts = Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) => row.latencyCounts[i] ?? 0);
  if (LEVEL_RANK[level] < LEVEL_RANK.medium) return { ...row, ...counts, latencyCounts };
  const labelCounts = { ...row.labelCounts };
  for (const [k, v] of Object.entries(p.labels)) labelCounts[k] = (labelCounts[k] ?? 0) + v;
  return {
    ...counts,
    latencyCounts: latencyCounts.map((c, i) => c + p.latencyCounts[i]),
    latencySumMs: row.latencySumMs + p.latencySum,
    predictionCount: row.predictionCount + p.predCount,
    predictionSum: row.predictionSum + p.predSum,
    predictionSumsq: row.predictionSumsq + p.predSumsq,
    predictionMin: minOf(row.predictionMin, p.predMin),
    predictionMax: maxOf(row.predictionMax, p.predMax),
    predictionSample: [...row.predictionSample, ...p.predSample].slice(-retention),
    labelCounts,
  };
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
