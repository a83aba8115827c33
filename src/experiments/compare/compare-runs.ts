import { metricDirection, type MetricDirection } from './metric-direction';

export interface ComparedRun {
  id: string;
  name: string;
  status: string;
  start_time: string | null;
  end_time: string | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
}

export interface HistoryPoint {
  run_id: string;
  key: string;
  step: number;
  value: number;
}

/** The comparison contract of GET /api/v1/experiments/{id}/compare (the dashboard relies on it). */
export interface Comparison {
  experiment_id: string;
  runs: Array<{ id: string; name: string; status: string; start_time: string | null; end_time: string | null }>;
  params: Record<string, { values: Record<string, string | null>; differs: boolean }>;
  metrics: Record<
    string,
    {
      values: Record<string, number | null>;
      best_run_id: string | null;
      direction: MetricDirection;
      lower_is_better: boolean | null;
    }
  >;
  histories: Record<string, { steps: number[]; values: Record<string, Array<number | null>> }>;
}

/**
 * Pure: runs side by side. A param differs when its values (a missing one counts as null) are
 * not all equal. The best run per metric is the one with the lowest/highest final value, only for
 * metrics with a known direction (metric-direction.ts); ties go to the first run in the order
 * given; null when no run has it or the metric has no direction (`direction: 'none'`).
 * Histories are aligned on the union of steps: a run without a value at a step has null there
 * (when a step was logged twice, the last value logged counts).
 */
export function compareRuns(experimentId: string, runs: ComparedRun[], history: HistoryPoint[]): Comparison {
  const ids = runs.map((r) => r.id);
  const sortedKeys = (sets: Array<Record<string, unknown>>) => [...new Set(sets.flatMap((s) => Object.keys(s)))].sort();

  const params: Comparison['params'] = {};
  for (const key of sortedKeys(runs.map((r) => r.params))) {
    const values = Object.fromEntries(runs.map((r) => [r.id, r.params[key] ?? null]));
    params[key] = { values, differs: new Set(Object.values(values)).size > 1 };
  }

  const metrics: Comparison['metrics'] = {};
  for (const key of sortedKeys(runs.map((r) => r.metrics))) {
    const direction = metricDirection(key);
    const lower = direction === 'lower';
    const values: Record<string, number | null> = {};
    let best: string | null = null;
    let bestValue = 0;
    for (const r of runs) {
      const v = typeof r.metrics[key] === 'number' && Number.isFinite(r.metrics[key]) ? r.metrics[key] : null;
      values[r.id] = v;
      if (v !== null && direction !== 'none' && (best === null || (lower ? v < bestValue : v > bestValue))) {
        best = r.id;
        bestValue = v;
      }
    }
    metrics[key] = { values, best_run_id: best, direction, lower_is_better: direction === 'none' ? null : lower };
  }

  const byKey = new Map<string, Map<string, Map<number, number>>>();
  for (const p of history) {
    if (!ids.includes(p.run_id)) continue;
    const perRun = byKey.get(p.key) ?? new Map<string, Map<number, number>>();
    byKey.set(p.key, perRun);
    const steps = perRun.get(p.run_id) ?? new Map<number, number>();
    perRun.set(p.run_id, steps);
    steps.set(p.step, p.value);
  }
  const histories: Comparison['histories'] = {};
  for (const key of [...byKey.keys()].sort()) {
    const perRun = byKey.get(key)!;
    const steps = [...new Set([...perRun.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    histories[key] = {
      steps,
      values: Object.fromEntries(ids.map((id) => [id, steps.map((s) => perRun.get(id)?.get(s) ?? null)])),
    };
  }

  return {
    experiment_id: experimentId,
    runs: runs.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      start_time: r.start_time,
      end_time: r.end_time,
    })),
    params,
    metrics,
    histories,
  };
}
