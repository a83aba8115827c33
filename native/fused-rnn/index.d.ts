export type FloatArray = Float32Array | Float64Array;
/** [batch, timeSteps, inputFeatures, units] */
export type Dims = [number, number, number, number];
/** 0: sigmoid, 1: hardSigmoid (tfjs-layers' clip(0.2·x + 0.5, 0, 1)). */
export type RecurrentActivationCode = 0 | 1;

export interface FusedRnnAddon {
  /** Writes h [B,T,H] (every step) and `saved` (savedSize floats) for the backward pass. */
  lstmForward(x: FloatArray, kernel: FloatArray, recurrentKernel: FloatArray, bias: FloatArray | null, dims: Dims, act: RecurrentActivationCode, h: FloatArray, saved: FloatArray): void;
  /** dh: [B,T,H] when `sequence`, else [B,H] (last step). Writes dx, dKernel, dRecurrentKernel, dBias. */
  lstmBackward(x: FloatArray, kernel: FloatArray, recurrentKernel: FloatArray, h: FloatArray, saved: FloatArray, dh: FloatArray, dims: Dims, act: RecurrentActivationCode, sequence: boolean, dx: FloatArray, dKernel: FloatArray, dRecurrentKernel: FloatArray, dBias: FloatArray | null): void;
  gruForward(x: FloatArray, kernel: FloatArray, recurrentKernel: FloatArray, bias: FloatArray | null, dims: Dims, act: RecurrentActivationCode, h: FloatArray, saved: FloatArray): void;
  gruBackward(x: FloatArray, kernel: FloatArray, recurrentKernel: FloatArray, h: FloatArray, saved: FloatArray, dh: FloatArray, dims: Dims, act: RecurrentActivationCode, sequence: boolean, dx: FloatArray, dKernel: FloatArray, dRecurrentKernel: FloatArray, dBias: FloatArray | null): void;
  /** kernels: "avx2-fma" or "portable" (FUSED_RNN_SIMD=off forces portable). */
  info(): { kernels: 'avx2-fma' | 'portable'; cpuHasAvx2Fma: boolean };
}

export const addon: FusedRnnAddon | null;
export const loadError: string | null;
export function savedSize(cell: 'lstm' | 'gru', batch: number, timeSteps: number, units: number): number;
