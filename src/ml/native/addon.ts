/**
 * The fused LSTM/GRU addon (native/fused-rnn, an optional dependency built by node-gyp at
 * `npm ci`). Loaded with `require` inside try/catch: on a machine where it did not build
 * (no compiler) npm drops the package and training stays on the TensorFlow.js path.
 * The types are declared here, not imported from the package, so the service type-checks
 * without it.
 */
export type FusedCell = 'lstm' | 'gru';
/** [batch, timeSteps, inputFeatures, units] */
export type FusedDims = [number, number, number, number];
/** 0: sigmoid, 1: hardSigmoid (tfjs-layers' clip(0.2·x + 0.5, 0, 1)). */
export type RecurrentActivationCode = 0 | 1;

export interface FusedRnnAddon {
  lstmForward(x: Float32Array, kernel: Float32Array, recurrentKernel: Float32Array, bias: Float32Array | null, dims: FusedDims, act: RecurrentActivationCode, h: Float32Array, saved: Float32Array): void;
  lstmBackward(
    x: Float32Array,
    kernel: Float32Array,
    recurrentKernel: Float32Array,
    h: Float32Array,
    saved: Float32Array,
    dh: Float32Array,
    dims: FusedDims,
    act: RecurrentActivationCode,
    sequence: boolean,
    dx: Float32Array,
    dKernel: Float32Array,
    dRecurrentKernel: Float32Array,
    dBias: Float32Array | null,
  ): void;
  gruForward: FusedRnnAddon['lstmForward'];
  gruBackward: FusedRnnAddon['lstmBackward'];
  info(): { kernels: string; cpuHasAvx2Fma: boolean; threads?: number };
}

interface FusedRnnPackage {
  addon: FusedRnnAddon | null;
  loadError: string | null;
  savedSize(cell: FusedCell, batch: number, timeSteps: number, units: number): number;
}

export type AddonLoad = { ok: true; addon: FusedRnnAddon; savedSize: FusedRnnPackage['savedSize'] } | { ok: false; reason: string };

/** Loads a package by name; `require` in production, a fake in tests. */
export type AddonLoader = (name: string) => unknown;

let cached: AddonLoad | undefined;

export function loadFusedRnnAddon(load?: AddonLoader): AddonLoad {
  if (!load && cached) return cached;
  let result: AddonLoad;
  try {
    const pkg = (load ?? require)('fused-rnn') as FusedRnnPackage;
    result = pkg.addon ? { ok: true, addon: pkg.addon, savedSize: pkg.savedSize } : { ok: false, reason: `fused-rnn is installed but its addon does not load (${pkg.loadError ?? 'unknown reason'})` };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    result = { ok: false, reason: `cannot load fused-rnn (${why}): it was not built at install (no C++ compiler?)` };
  }
  if (!load) cached = result;
  return result;
}
