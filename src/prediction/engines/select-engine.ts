/**
 * Choosing the engine of a version that both engines can run (a version trained here has its
 * tfjs files and its model.onnx): both forward the same probe windows; if their outputs agree
 * (max |difference| ≤ PARITY_TOLERANCE × max(1, |value|)) the one with the lower median
 * single-window latency, as the caller waits for it, serves, and the other is disposed.
 * Disagreeing outputs keep tfjs (the engine the version was trained and evaluated with).
 */
import { createPrng } from '../../ml/random';
import type { EngineName, ForwardEngine } from './forward-engine';

export const PARITY_TOLERANCE = 1e-4;
const WARMUP = 2;
const TIMED = 7;

export interface EngineReport {
  engine: EngineName;
  /** Why this engine: measured, only one available, PREDICTION_ENGINE, or a fallback. */
  reason: string;
  measured?: { onnxruntime_ms: number; tfjs_ms: number; parity_max_abs_diff: number };
}

export function probeWindows(n: number, windowSize: number, seed = 12345): Float32Array {
  const rand = createPrng(seed);
  return Float32Array.from({ length: n * windowSize }, () => (rand() - 0.5) * 4);
}

async function medianMs(engine: ForwardEngine, x: Float32Array): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await engine.forward(x, 1);
  const times: number[] = [];
  for (let i = 0; i < TIMED; i++) {
    const t0 = performance.now();
    await engine.forward(x, 1);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Measure both; returns the winner (the loser is disposed) and the report. */
export async function selectByMeasurement(
  ort: ForwardEngine,
  tfjs: ForwardEngine,
  windowSize: number,
): Promise<{ engine: ForwardEngine; report: EngineReport }> {
  const n = 4;
  const probe = probeWindows(n, windowSize);
  const [a, b] = [await ort.forward(probe, n), await tfjs.forward(probe, n)];
  let diff = a.length === b.length ? 0 : Infinity;
  let scale = 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (!(diff <= PARITY_TOLERANCE * scale)) {
    await ort.dispose();
    return {
      engine: tfjs,
      report: {
        engine: 'tfjs',
        reason: `ONNX Runtime's output differs from tfjs by ${diff} on the probe windows: tfjs serves`,
      },
    };
  }
  const one = probe.subarray(0, windowSize);
  const ortMs = await medianMs(ort, one);
  const tfjsMs = await medianMs(tfjs, one);
  const measured = { onnxruntime_ms: round(ortMs), tfjs_ms: round(tfjsMs), parity_max_abs_diff: diff };
  if (ortMs <= tfjsMs) {
    await tfjs.dispose();
    return {
      engine: ort,
      report: { engine: 'onnxruntime', reason: 'measured: lower single-window latency', measured },
    };
  }
  await ort.dispose();
  return { engine: tfjs, report: { engine: 'tfjs', reason: 'measured: lower single-window latency', measured } };
}
