/**
 * The preprocessing record of a version (preprocessing.json): its schema as a type, and the one
 * parser that checks what is read from disk against it. Training writes the record; the import
 * writes one from a signature; prediction serves by the parsed record; the version's
 * `signature` and drift monitoring read it too.
 */
import { dataRulesFromRecord, type DataRules, type Scaler } from '../../features/core';
import { ARTIFACT_FILES } from './artifact-layout';

const FILE = ARTIFACT_FILES.preprocessing;
const ONNX_NAME = ARTIFACT_FILES.onnx.slice(ARTIFACT_FILES.onnx.lastIndexOf('/') + 1);

export type OutputKind = 'regression' | 'classification' | 'anomaly' | 'rl';
export const OUTPUT_KINDS: readonly OutputKind[] = ['regression', 'classification', 'anomaly', 'rl'];

export interface Preprocessing {
  model_type: string;
  features: string[];
  window: number;
  horizon: number | null;
  timeframe: string | null;
  /** The target's name (price_change_1d…), when the model has one. */
  target: string | null;
  scaler: Scaler;
  target_scaler: { mean: number; std: number } | null;
  output: OutputKind;
  classes?: string[];
  threshold?: number;
  actions?: string[];
  /** Model outputs per window. */
  output_units: number;
  /** ONNX input/output names to use (imported models with several); else the only float ones. */
  onnx?: { input: string | null; output: string | null };
  /** How training treated the series (features/core/dataset/as-trained.ts); absent: every bar, no restart. */
  data_rules?: DataRules;
}

/**
 * What a trainer (or the import) writes as the record: the fields of {@link Preprocessing}
 * plus what other readers use (training_histograms and drift for monitoring, scaler_identity,
 * position, reward_scale, onnx input_shape for the signature). Checked when read, not when written.
 */
export type PreprocessingRecord = Record<string, unknown>;

/** metrics.json: the evaluation beside the naive baselines, and the training curve. */
export interface StoredMetrics {
  metrics: Record<string, unknown>;
  baselines: Record<string, unknown>;
  history: { val_loss?: number[]; [curve: string]: unknown } | null;
  walk_forward?: unknown;
  note?: string;
}

export class PreprocessingError extends Error {
  override readonly name = 'PreprocessingError';
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string');

/** Validate a parsed preprocessing record (data from disk: checked, never trusted). The one parser of it. */
export function parsePreprocessing(raw: unknown, fallbackModelType: string): Preprocessing {
  if (raw === null || typeof raw !== 'object') throw new PreprocessingError(`${FILE} is not an object`);
  const p = raw as Record<string, unknown>;
  if (!isStrings(p.features)) throw new PreprocessingError(`${FILE} has no feature list`);
  if (!Number.isInteger(p.window) || (p.window as number) < 1)
    throw new PreprocessingError(`${FILE} has no valid window`);
  const scaler = p.scaler as Scaler | undefined;
  if (
    !scaler ||
    typeof scaler !== 'object' ||
    !Array.isArray(scaler.features) ||
    scaler.features.join('\u0000') !== p.features.join('\u0000')
  ) {
    throw new PreprocessingError(`${FILE} has no scaler for its features`);
  }
  const output = (p.output ?? 'regression') as OutputKind;
  if (!OUTPUT_KINDS.includes(output))
    throw new PreprocessingError(`${FILE} names an unknown output kind '${String(p.output)}'`);
  const ts = p.target_scaler as { mean?: unknown; std?: unknown } | undefined;
  const targetScaler = ts && isNum(ts.mean) && isNum(ts.std) ? { mean: ts.mean, std: ts.std } : null;
  const target =
    typeof p.target === 'string'
      ? p.target
      : p.target && typeof (p.target as { name?: unknown }).name === 'string'
        ? (p.target as { name: string }).name
        : null;
  const base = {
    model_type: typeof p.model_type === 'string' ? p.model_type : fallbackModelType,
    features: p.features,
    window: p.window as number,
    horizon: Number.isInteger(p.horizon) ? (p.horizon as number) : null,
    timeframe: typeof p.timeframe === 'string' ? p.timeframe : null,
    target,
    scaler,
    target_scaler: targetScaler,
    output,
    ...(p.onnx && typeof p.onnx === 'object'
      ? {
          onnx: {
            input:
              typeof (p.onnx as { input?: unknown }).input === 'string' ? (p.onnx as { input: string }).input : null,
            output:
              typeof (p.onnx as { output?: unknown }).output === 'string'
                ? (p.onnx as { output: string }).output
                : null,
          },
        }
      : {}),
    // The training start and gap rule serving rebuilds windows with (absent before they were recorded).
    ...(p.data_rules !== undefined ? { data_rules: dataRulesFromRecord(p.data_rules) } : {}),
  };
  switch (output) {
    case 'regression':
      return { ...base, output_units: 1 };
    case 'classification': {
      const classes = isStrings(p.classes)
        ? p.classes
        : isStrings((p.target as { classes?: unknown } | undefined)?.classes)
          ? (p.target as { classes: string[] }).classes
          : null;
      if (!classes) throw new PreprocessingError(`a classification model needs its classes in ${FILE}`);
      return { ...base, classes, output_units: classes.length };
    }
    case 'anomaly':
      if (!isNum(p.threshold)) throw new PreprocessingError(`an anomaly model needs a threshold in ${FILE}`);
      return { ...base, threshold: p.threshold, output_units: 1 };
    case 'rl':
      if (!isStrings(p.actions)) throw new PreprocessingError(`an RL model needs its actions in ${FILE}`);
      return { ...base, actions: p.actions, output_units: p.actions.length };
  }
}

/** Why a version has no model.onnx: what training recorded (its architecture has no export), else its age. */
export function noOnnxReason(record: unknown): string {
  return recordedOnnxUnavailable(record) ?? `no ${ONNX_NAME} in the artifact (trained before ONNX export)`;
}

/** The `onnx_unavailable` training records when it skipped the ONNX export, or null. */
export function recordedOnnxUnavailable(record: unknown): string | null {
  const recorded = (record as { onnx_unavailable?: unknown } | null)?.onnx_unavailable;
  return typeof recorded === 'string' ? recorded : null;
}
