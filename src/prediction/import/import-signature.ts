/**
 * The `signature` of an imported ONNX model — the same JSON a version's `signature` shows
 * (GET …/versions/{version}), so a version exported here can be imported again as it is —
 * checked field by field and turned into the preprocessing.json the serving path reads.
 *
 * The ONNX graph takes the window already scaled with `scaler` (null: the graph takes raw
 * feature values); every problem is listed at once, each with the field it concerns.
 */
import { isTimeframe, TIMEFRAMES } from '../../market-data/timeframes';

export const IMPORTABLE_MODEL_TYPES = [
  'time_series',
  'classification',
  'anomaly_detection',
  'reinforcement_learning',
] as const;
export type ImportableModelType = (typeof IMPORTABLE_MODEL_TYPES)[number];

const OUTPUT_OF: Record<ImportableModelType, 'regression' | 'classification' | 'anomaly' | 'rl'> = {
  time_series: 'regression',
  classification: 'classification',
  anomaly_detection: 'anomaly',
  reinforcement_learning: 'rl',
};
const DEFAULT_TARGET: Record<ImportableModelType, string> = {
  time_series: 'value',
  classification: 'class',
  anomaly_detection: 'anomaly_score',
  reinforcement_learning: 'action',
};

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_FEATURES = 1024;
const MAX_WINDOW = 4096;

export interface FieldProblem {
  field: string;
  errors: string[];
}

export interface ImportSignature {
  modelType: ImportableModelType;
  symbols: string[];
  /** What preprocessing.json will hold. */
  preprocessing: Record<string, unknown>;
  window: number;
  features: string[];
  timeframe: string;
  target: string;
  horizon: number | null;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const finiteArray = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every(finite);
const names = (v: unknown): v is string[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((s) => typeof s === 'string' && NAME.test(s)) &&
  new Set(v).size === v.length;

/** Validate a parsed signature; returns it normalised, or the list of problems. */
export function parseImportSignature(
  raw: unknown,
  canonicalSymbol: (s: string) => string,
): { ok: true; value: ImportSignature } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const bad = (field: string, error: string) => problems.push({ field: `signature.${field}`, errors: [error] });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return {
      ok: false,
      problems: [{ field: 'signature', errors: ["must be a JSON object (the same shape as a version's signature)"] }],
    };
  const s = raw as Record<string, unknown>;

  const modelType = s.model_type as ImportableModelType;
  if (!(IMPORTABLE_MODEL_TYPES as readonly string[]).includes(modelType))
    bad('model_type', `must be one of ${IMPORTABLE_MODEL_TYPES.join(', ')}`);
  const features = s.features;
  if (!names(features) || features.length > MAX_FEATURES)
    bad(
      'features',
      `must be a non-empty list of at most ${MAX_FEATURES} distinct names (letters, digits, _ . : -; at most 64 characters each), in the order of the model's input columns`,
    );
  const window = s.window === undefined ? 1 : s.window;
  if (!Number.isInteger(window) || (window as number) < 1 || (window as number) > MAX_WINDOW)
    bad('window', `must be an integer from 1 to ${MAX_WINDOW} (bars per sample; 1 for a model of one feature row)`);
  if (!isTimeframe(s.timeframe))
    bad('timeframe', `must be one of ${TIMEFRAMES.join(', ')}: the bars the features are computed on`);
  const horizon = s.horizon === undefined || s.horizon === null ? null : s.horizon;
  if (horizon !== null && (!Number.isInteger(horizon) || (horizon as number) < 1))
    bad('horizon', 'must be a positive integer (bars ahead) or null');

  const targetRaw = s.target;
  const targetName =
    typeof targetRaw === 'string'
      ? targetRaw
      : targetRaw && typeof targetRaw === 'object' && typeof (targetRaw as { name?: unknown }).name === 'string'
        ? (targetRaw as { name: string }).name
        : targetRaw == null
          ? null
          : undefined;
  if (targetName === undefined || (targetName !== null && !NAME.test(targetName)))
    bad('target', "must be the target's name (e.g. price_change_1d) or null");

  let symbols: string[] = [];
  if (s.symbols !== undefined && s.symbols !== null) {
    if (!Array.isArray(s.symbols) || s.symbols.some((x) => typeof x !== 'string'))
      bad('symbols', 'must be a list of currency pairs (e.g. ["EUR/USD"]), or left out to accept any symbol');
    else {
      for (const [i, x] of (s.symbols as string[]).entries()) {
        try {
          symbols.push(canonicalSymbol(x));
        } catch {
          bad(
            `symbols[${i}]`,
            `${JSON.stringify(x.slice(0, 32))} is not a currency pair; write it as EUR/USD, EURUSD or eur_usd`,
          );
        }
      }
      symbols = [...new Set(symbols)];
    }
  }

  const F = Array.isArray(features) ? features.length : 0;
  let scaler: Record<string, unknown> | null = null;
  if (s.scaler === undefined || s.scaler === null) {
    // The graph takes raw values. Stored as a z-score scaler with mean 0 and std 0, which the
    // window builder applies as the identity (and drift monitoring does not mistake for N(0, 1)).
    scaler = names(features)
      ? { kind: 'zscore', features, mean: new Array(F).fill(0), std: new Array(F).fill(0), identity: true }
      : null;
  } else if (typeof s.scaler !== 'object')
    bad(
      'scaler',
      'must be {"kind":"zscore","mean":[…],"std":[…]} or {"kind":"minmax","min":[…],"max":[…]} (one value per feature), or null',
    );
  else {
    const sc = s.scaler as Record<string, unknown>;
    if (
      sc.features !== undefined &&
      (!Array.isArray(sc.features) ||
        sc.features.join('\u0000') !== (Array.isArray(features) ? features.join('\u0000') : ''))
    )
      bad('scaler.features', 'when given, must equal features (same names, same order)');
    if (sc.kind === 'zscore') {
      if (!finiteArray(sc.mean, F)) bad('scaler.mean', `must be ${F} finite numbers, one per feature`);
      if (!finiteArray(sc.std, F) || sc.std.some((v) => v < 0))
        bad(
          'scaler.std',
          `must be ${F} finite numbers ≥ 0, one per feature (0: the feature is passed through unscaled)`,
        );
      scaler = { kind: 'zscore', features, mean: sc.mean, std: sc.std };
    } else if (sc.kind === 'minmax') {
      if (!finiteArray(sc.min, F)) bad('scaler.min', `must be ${F} finite numbers, one per feature`);
      if (!finiteArray(sc.max, F)) bad('scaler.max', `must be ${F} finite numbers, one per feature`);
      scaler = { kind: 'minmax', features, min: sc.min, max: sc.max };
    } else bad('scaler.kind', 'must be zscore or minmax');
  }

  const ts = s.target_scaler;
  let targetScaler: { mean: number; std: number } | null = null;
  if (ts !== undefined && ts !== null) {
    const t = ts as { mean?: unknown; std?: unknown };
    if (typeof ts !== 'object' || !finite(t.mean) || !finite(t.std))
      bad('target_scaler', 'must be {"mean": m, "std": s} (value = raw output × std + mean) or null');
    else if (modelType !== 'time_series')
      bad('target_scaler', 'only a time_series (regression) model has a target scaler');
    else targetScaler = { mean: t.mean, std: t.std };
  }

  const output = OUTPUT_OF[modelType];
  if (s.output !== undefined && output && s.output !== output)
    bad('output', `a ${modelType} model's output is '${output}'`);
  const extra: Record<string, unknown> = {};
  const classes =
    s.classes ??
    (targetRaw && typeof targetRaw === 'object' ? (targetRaw as { classes?: unknown }).classes : undefined);
  if (modelType === 'classification') {
    if (!names(classes) || classes.length < 2)
      bad(
        'classes',
        'a classification model needs its class names (at least 2), in the order of its probability outputs',
      );
    else extra.classes = classes;
  }
  if (modelType === 'anomaly_detection') {
    if (!finite(s.threshold))
      bad('threshold', 'an anomaly_detection model needs the score threshold above which a window is anomalous');
    else extra.threshold = s.threshold;
  }
  if (modelType === 'reinforcement_learning') {
    if (!names(s.actions))
      bad(
        'actions',
        'a reinforcement_learning model needs its action names, in the order of its Q-value outputs (e.g. ["sell", "hold", "buy"])',
      );
    else extra.actions = s.actions;
  }

  let histograms: Record<string, unknown> | undefined;
  if (s.training_histograms !== undefined && s.training_histograms !== null) {
    const h = s.training_histograms as Record<string, unknown>;
    if (typeof h !== 'object' || Array.isArray(h))
      bad('training_histograms', 'must be {feature: {"edges": [9 cut points], "proportions": [10 shares]}}');
    else {
      for (const [f, v] of Object.entries(h)) {
        const e = v as { edges?: unknown; proportions?: unknown };
        if (!Array.isArray(features) || !features.includes(f))
          bad(`training_histograms.${f.slice(0, 64)}`, 'is not one of the features');
        else if (
          !e ||
          !Array.isArray(e.edges) ||
          !e.edges.every(finite) ||
          !Array.isArray(e.proportions) ||
          e.proportions.length !== e.edges.length + 1 ||
          !e.proportions.every((p) => finite(p) && p >= 0)
        ) {
          bad(
            `training_histograms.${f}`,
            'must be {"edges": [k ascending cut points], "proportions": [k + 1 shares ≥ 0]}',
          );
        }
      }
      histograms = h;
    }
  }
  if (s.onnx !== undefined && s.onnx !== null) {
    const o = s.onnx as { input?: unknown; output?: unknown };
    if (
      typeof o !== 'object' ||
      (o.input !== undefined && typeof o.input !== 'string') ||
      (o.output !== undefined && typeof o.output !== 'string')
    )
      bad(
        'onnx',
        'must be {"input": name, "output": name} (both optional: by default the only float input and output)',
      );
  }
  if (problems.length) return { ok: false, problems };

  const onnx = (s.onnx ?? {}) as { input?: string; output?: string };
  const target = targetName ?? DEFAULT_TARGET[modelType];
  const hasHistograms = histograms !== undefined && Object.keys(histograms).length > 0;
  const identity = (scaler as { identity?: boolean }).identity === true;
  delete (scaler as { identity?: boolean }).identity;
  const preprocessing: Record<string, unknown> = {
    model_type: modelType,
    features,
    window,
    horizon,
    timeframe: s.timeframe,
    target,
    scaler,
    scaler_identity: identity,
    target_scaler: targetScaler,
    output,
    ...extra,
    ...(s.position !== undefined && modelType === 'reinforcement_learning' ? { position: s.position } : {}),
    ...(hasHistograms ? { training_histograms: histograms } : {}),
    drift: hasHistograms
      ? { enabled: true, reason: 'training histograms supplied in the signature' }
      : identity
        ? {
            enabled: false,
            reason:
              'no training_histograms and no scaler in the signature: nothing describes the training distribution',
          }
        : {
            enabled: true,
            reason:
              'no training_histograms in the signature: reference bins approximated from the scaler (normal for zscore, uniform for minmax)',
          },
    onnx: { input: onnx.input ?? null, output: onnx.output ?? null },
    source: 'onnx_import',
  };
  return {
    ok: true,
    value: {
      modelType,
      symbols,
      preprocessing,
      window: window as number,
      features: features as string[],
      timeframe: s.timeframe as string,
      target,
      horizon: horizon as number | null,
    },
  };
}
