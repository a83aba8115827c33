/**
 * A version's `signature`: what a caller (or the ONNX file's user outside this service) needs
 * to feed model.onnx and read its output, derived from the stored preprocessing.json. The same
 * JSON is accepted by POST /api/v1/models/import, so an exported version imports as it is.
 *
 * Preprocessing is NOT inside the graph: model.onnx takes the window already scaled with
 * `scaler` ([batch, window, features], float32, oldest bar first), and its raw output is mapped
 * with `target_scaler` (regression: value = raw × std + mean), `classes` (probabilities in that
 * order), `threshold` (anomaly score above it = anomalous) or `actions` (Q-values in that order).
 */
import { ARTIFACT_FILES } from './artifacts/artifact-layout';
import type { ModelVersion } from './entities/model-version.entity';

export const SIGNATURE_PREPROCESSING_NOTE =
  'The scaler is outside the ONNX graph: feed model.onnx the window scaled per feature with `scaler` (zscore: (x − mean) / std, std 0 = unscaled; minmax: (x − min) / (max − min)), oldest bar first; ' +
  'map its raw output with target_scaler (value = raw × std + mean), classes, threshold or actions. scaler null = the graph takes raw values.';

const ONNX_FILE = ARTIFACT_FILES.onnx;

export function versionSignature(
  pre: Record<string, unknown>,
  row: Pick<ModelVersion, 'symbols' | 'target' | 'model_id' | 'version'>,
  files: string[],
): Record<string, unknown> {
  const target =
    pre.target && typeof pre.target === 'object'
      ? ((pre.target as { name?: string }).name ?? row.target)
      : ((pre.target as string | null | undefined) ?? row.target);
  const classes =
    pre.classes ??
    (pre.target && typeof pre.target === 'object' ? (pre.target as { classes?: unknown }).classes : undefined);
  const features = pre.features as string[];
  const window = pre.window as number;
  const onnx = (pre.onnx ?? {}) as {
    input?: string | null;
    output?: string | null;
    input_shape?: Array<string | number>;
  };
  const sig: Record<string, unknown> = {
    model_type: pre.model_type,
    features,
    window,
    timeframe: pre.timeframe,
    symbols: row.symbols,
    target,
    horizon: pre.horizon ?? null,
    output: pre.output ?? 'regression',
    scaler: pre.scaler_identity ? null : pre.scaler,
    target_scaler: pre.target_scaler
      ? { mean: (pre.target_scaler as { mean: number }).mean, std: (pre.target_scaler as { std: number }).std }
      : null,
  };
  if (classes !== undefined) sig.classes = classes;
  for (const k of ['threshold', 'actions', 'position', 'reward_scale', 'training_histograms', 'drift'] as const)
    if (pre[k] !== undefined) sig[k] = pre[k];
  sig.onnx = files.includes(ONNX_FILE)
    ? {
        file: `/api/v1/models/${row.model_id}/versions/${row.version}/model.onnx`,
        input: onnx.input ?? 'window',
        output: onnx.output ?? 'output',
        input_shape: onnx.input_shape ?? ['batch', window, features?.length],
        preprocessing_in_graph: false,
      }
    : null;
  sig.preprocessing = SIGNATURE_PREPROCESSING_NOTE;
  return sig;
}
