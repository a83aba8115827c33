export type FloatArray = Float32Array | Float64Array;
/** [batch, timeSteps, inputFeatures, units] */
export type Dims = [number, number, number, number];
/** 0: sigmoid, 1: hardSigmoid (tfjs-layers' clip(0.2·x + 0.5, 0, 1)). */
export type RecurrentActivationCode = 0 | 1;

export interface FusedRnnAddon {
  /** Floats the `state` array of a forward call must hold (the gates, h, x and Wᵀ/Uᵀ its backward pass needs). */
  stateSize(cell: 'lstm' | 'gru', dims: Dims): number;
  /** Writes y ([B,T,H] when `sequence`, else the last step [B,H]) and `state` (null: inference, only the previous step is kept). */
  lstmForward(
    x: FloatArray,
    kernel: FloatArray,
    recurrentKernel: FloatArray,
    bias: FloatArray | null,
    dims: Dims,
    act: RecurrentActivationCode,
    sequence: boolean,
    y: FloatArray,
    state: FloatArray | null,
  ): void;
  /** dy: [B,T,H] when `sequence`, else [B,H]. Writes dx, dKernel, dRecurrentKernel, dBias. */
  lstmBackward(
    state: FloatArray,
    dy: FloatArray,
    dims: Dims,
    act: RecurrentActivationCode,
    sequence: boolean,
    dx: FloatArray,
    dKernel: FloatArray,
    dRecurrentKernel: FloatArray,
    dBias: FloatArray | null,
  ): void;
  gruForward: FusedRnnAddon['lstmForward'];
  gruBackward: FusedRnnAddon['lstmBackward'];
  /** One tfjs-core AdamOptimizer step; scalars = [beta1, 1−beta1, beta2, 1−beta2, 1−accBeta1, 1−accBeta2, epsilon, −lr]. */
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
  /** tfjs BatchMatMul on rank-3 views (float32): c[i] = op(a[i or 0])·op(b[i or 0]); dims [batch, batchA, batchB, M, N, K]. */
  matMul(
    a: Float32Array,
    b: Float32Array,
    dims: [number, number, number, number, number, number],
    transposeA: boolean,
    transposeB: boolean,
    c: Float32Array,
  ): void;
  /** softmax(Q·Kᵀ/√dk)·V per head, Q, K, V read from qkv [B·T, 3·heads·dk]; ctx [B·T, heads·dk]; probs [B·heads·T·T] (null: inference). dims [B, T, heads, dk]. */
  attentionForward(
    qkv: FloatArray,
    dims: [number, number, number, number],
    ctx: FloatArray,
    probs: FloatArray | null,
  ): void;
  /** dqkv [B·T, 3·heads·dk] from dctx and the probs of the forward call. */
  attentionBackward(
    qkv: FloatArray,
    probs: FloatArray,
    dctx: FloatArray,
    dims: [number, number, number, number],
    dqkv: FloatArray,
  ): void;
  /** (x − mean)·rsqrt(var + ε)·γ + β over rows of d (dims [rows, d]); stats [2·rows] kept for the backward (null: inference). */
  layerNormForward(
    x: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    dims: [number, number],
    epsilon: number,
    y: FloatArray,
    stats: FloatArray | null,
  ): void;
  layerNormBackward(
    x: FloatArray,
    gamma: FloatArray,
    stats: FloatArray,
    dy: FloatArray,
    dims: [number, number],
    dx: FloatArray,
    dGamma: FloatArray,
    dBeta: FloatArray,
  ): void;
  /** kernels: "avx512", "avx2-fma" or "portable" (FUSED_RNN_SIMD=avx2 / off caps them); threads: FUSED_RNN_THREADS or the CPU count (≤ 8). */
  info(): {
    kernels: 'avx512' | 'avx2-fma' | 'portable';
    cpuHasAvx2Fma: boolean;
    cpuHasAvx512: boolean;
    threads: number;
  };
}

export const addon: FusedRnnAddon | null;
export const loadError: string | null;
