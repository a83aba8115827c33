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
/** [batch, timeSteps, heads, keySize] */
export type AttentionDims = [number, number, number, number];

export interface FusedRnnAddon {
  /** Floats the `state` array of a forward call must hold (what its backward pass needs). */
  stateSize(cell: FusedCell, dims: FusedDims): number;
  /** Writes y ([B,T,H] when `sequence`, else the last step [B,H]) and `state` (null: inference, nothing kept). */
  lstmForward(
    this: void,
    x: Float32Array,
    kernel: Float32Array,
    recurrentKernel: Float32Array,
    bias: Float32Array | null,
    dims: FusedDims,
    act: RecurrentActivationCode,
    sequence: boolean,
    y: Float32Array,
    state: Float32Array | null,
  ): void;
  /** dy: [B,T,H] when `sequence`, else [B,H]; `state` as its forward call left it. */
  lstmBackward(
    this: void,
    state: Float32Array,
    dy: Float32Array,
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
  /** One Adam step: scalars = [beta1, 1−beta1, beta2, 1−beta2, 1−accBeta1, 1−accBeta2, epsilon, −lr], float32. */
  adamStep(
    value: Float32Array,
    m: Float32Array,
    v: Float32Array,
    gradient: Float32Array,
    outValue: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    scalars: Float32Array,
  ): void;
  /** tfjs BatchMatMul on rank-3 views: c[i] = op(a[i or 0])·op(b[i or 0]); dims [batch, batchA, batchB, M, N, K]. */
  matMul(
    a: Float32Array,
    b: Float32Array,
    dims: [number, number, number, number, number, number],
    transposeA: boolean,
    transposeB: boolean,
    c: Float32Array,
  ): void;
  /** softmax(Q·Kᵀ/√dk)·V per head, read from qkv [B·T, 3·heads·dk]; ctx [B·T, heads·dk]; probs [B·heads·T·T] kept for the backward (null: inference). */
  attentionForward(qkv: Float32Array, dims: AttentionDims, ctx: Float32Array, probs: Float32Array | null): void;
  /** dqkv [B·T, 3·heads·dk] from dctx, with the probs its forward call kept. */
  attentionBackward(
    qkv: Float32Array,
    probs: Float32Array,
    dctx: Float32Array,
    dims: AttentionDims,
    dqkv: Float32Array,
  ): void;
  /** (x − mean)·rsqrt(var + ε)·γ + β over rows of d; stats [2·rows] (mean, rsqrt) kept for the backward (null: inference). */
  layerNormForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    dims: [number, number],
    epsilon: number,
    y: Float32Array,
    stats: Float32Array | null,
  ): void;
  layerNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    stats: Float32Array,
    dy: Float32Array,
    dims: [number, number],
    dx: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array,
  ): void;
  /** kernels: avx512, avx2-fma or portable; threads one layer call may use. */
  info(): { kernels: string; cpuHasAvx2Fma: boolean; cpuHasAvx512?: boolean; threads?: number };
}

interface FusedRnnPackage {
  addon: FusedRnnAddon | null;
  loadError: string | null;
}

export type AddonLoad = { ok: true; addon: FusedRnnAddon } | { ok: false; reason: string };

/** Loads a package by name; `require` in production, a fake in tests. */
export type AddonLoader = (name: string) => unknown;

let cached: AddonLoad | undefined;

export function loadFusedRnnAddon(load?: AddonLoader): AddonLoad {
  if (!load && cached) return cached;
  let result: AddonLoad;
  try {
    const pkg = (load ?? require)('fused-rnn') as FusedRnnPackage;
    result =
      pkg.addon &&
      typeof pkg.addon.stateSize === 'function' &&
      typeof pkg.addon.matMul === 'function' &&
      typeof pkg.addon.attentionForward === 'function'
        ? { ok: true, addon: pkg.addon }
        : {
            ok: false,
            reason: `fused-rnn is installed but its addon does not load (${pkg.loadError ?? 'an older build: run npm ci again'})`,
          };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    result = { ok: false, reason: `cannot load fused-rnn (${why}): it was not built at install (no C++ compiler?)` };
  }
  if (!load) cached = result;
  return result;
}
