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
