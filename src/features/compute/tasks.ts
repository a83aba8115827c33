/**
 * The work a compute thread does, as plain functions (tests call them directly). Inputs and
 * outputs are typed arrays so that they move between threads without a copy.
 */
import { buildDataset, computeFeatures, planDataset, toBarSeries, type Dataset, type DatasetPart } from '../core';
import { FeatureCoreError } from '../core/errors';
import type { ColumnarSeries } from '../core/types';
import type { ComputeFailure, ComputeResult, ComputeTask, PackedDataset, PackedPart } from './protocol';

export function runTask(task: ComputeTask): ComputeResult {
  switch (task.kind) {
    case 'feature-values':
      return { kind: 'feature-values', body: featureValuesBody(task) };
    case 'dataset-plan':
      return { kind: 'dataset-plan', plan: planDataset({ ...task.options, series: task.series.map(toBarSeries) }) };
    case 'dataset':
      return {
        kind: 'dataset',
        dataset: packDataset(
          buildDataset({ ...task.options, series: task.series.map(toBarSeries) }, { sharedWindows: true }),
        ),
        series: task.series,
      };
  }
}

/**
 * The GET /features/values answer as UTF-8 JSON, built the way the controller used to build
 * it (the same object through JSON.stringify), so the main thread only writes bytes.
 */
export function featureValuesBody(task: Extract<ComputeTask, { kind: 'feature-values' }>): Uint8Array {
  const series = toBarSeries(task.series);
  const columns = computeFeatures(series, task.features);
  const rows = [];
  const to = Math.min(series.timestamps.length, task.skip + task.rows);
  for (let i = task.skip; i < to; i++) {
    const values: Record<string, number | null> = {};
    for (const name of task.features) values[name] = columns[name][i];
    rows.push({ timestamp: new Date(series.timestamps[i]).toISOString(), values });
  }
  const body = {
    symbol: series.symbol,
    timeframe: series.timeframe,
    features: task.features,
    feature_source: 'local',
    rows,
    next_start: task.nextStart === null ? null : new Date(task.nextStart).toISOString(),
  };
  // TextEncoder, not Buffer.from: a small Buffer lives in a shared pool that cannot be transferred.
  return new TextEncoder().encode(JSON.stringify(body));
}

function packPart(part: DatasetPart, symbols: string[]): PackedPart {
  const index = new Map(symbols.map((s, i) => [s, i]));
  return {
    count: part.count,
    windows: part.windows,
    targets: part.targets,
    timestamps: Float64Array.from(part.timestamps),
    windowStart: Float64Array.from(part.windowStart),
    targetEnd: Float64Array.from(part.targetEnd),
    symbolIndex: Uint16Array.from(part.symbols, (s) => index.get(s)!),
  };
}

export function packDataset(d: Dataset): PackedDataset {
  const symbols = [...new Set([...d.train.symbols, ...d.validation.symbols, ...d.test.symbols])].sort();
  const { train, validation, test, ...rest } = d;
  return {
    ...rest,
    symbols,
    train: packPart(train, symbols),
    validation: packPart(validation, symbols),
    test: packPart(test, symbols),
  };
}

/** The buffers of a result, for the transfer list (each is moved, not copied). */
export function resultBuffers(result: ComputeResult): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | undefined) => a && a.buffer instanceof ArrayBuffer && out.add(a.buffer);
  if (result.kind === 'feature-values') add(result.body);
  if (result.kind === 'dataset') {
    for (const p of [result.dataset.train, result.dataset.validation, result.dataset.test])
      [p.windows, p.targets, p.timestamps, p.windowStart, p.targetEnd, p.symbolIndex].forEach(add);
    for (const s of result.series) seriesArrays(s).forEach(add);
  }
  return [...out];
}

export function seriesArrays(s: ColumnarSeries): Float64Array[] {
  return [s.timestamps, s.close, s.open, s.high, s.low, s.volume].filter((a): a is Float64Array => a !== undefined);
}

export function describeFailure(e: unknown): ComputeFailure {
  if (e instanceof FeatureCoreError)
    return { name: e.name, message: e.message, feature: true, code: e.code, details: e.details };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, feature: false };
}
