import * as tf from '@tensorflow/tfjs';

/**
 * The wasm BatchMatMul kernel is fast only when neither operand is transposed: with
 * transposeA/transposeB (which is what the gradient of every matMul asks for) XNNPACK is
 * not used and it falls back to a scalar loop — 661 µs vs 130 µs for one LSTM shape here,
 * which halves training throughput (LSTM(64), 30×4 windows, batch 32: 370 → ~680
 * samples/s). Transposing the operand first (one cheap memory pass) and then running the
 * plain matmul gives the same numbers on the fast path.
 *
 * Kernels are registered per backend name in a global registry; `setupFunc` of the
 * original kernel (which binds the wasm function) runs when the backend initialises, so
 * the replacement keeps it and calls the original `kernelFunc` for the actual product.
 */

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];
type TensorInfo = tf.TensorInfo;

const BATCH_MAT_MUL = 'BatchMatMul';
const TRANSPOSE = 'Transpose';
const WASM = 'wasm';

let original: KernelConfig | undefined;

/**
 * A faster product the patched kernel tries first (the native engine's, on the fused-rnn
 * addon): returns the output, or undefined for what it does not cover.
 */
export type NativeBatchMatMul = (args: KernelArgs) => TensorInfo | undefined;
let native: NativeBatchMatMul | undefined;

/** Install (or with undefined remove) the native product behind the patched kernel. */
export function setNativeBatchMatMul(fn: NativeBatchMatMul | undefined): void {
  native = fn;
}

export function isWasmBatchMatMulPatched(): boolean {
  return original !== undefined;
}

/** Replace wasm's BatchMatMul by the transpose-first variant. Idempotent. */
export function patchWasmBatchMatMul(): void {
  if (original) return;
  const stock = tf.getKernel(BATCH_MAT_MUL, WASM);
  const transpose = tf.getKernel(TRANSPOSE, WASM);
  if (!stock || !transpose) {
    throw new Error('wasm kernels are not registered: import @tensorflow/tfjs-backend-wasm first');
  }
  const patched: KernelConfig = {
    ...stock,
    kernelFunc: (args: KernelArgs) => {
      const fast = native?.(args);
      if (fast) return fast;
      const { inputs, backend, attrs } = args;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return stock.kernelFunc(args);

      const temporaries: TensorInfo[] = [];
      const swapLastTwo = (x: TensorInfo): TensorInfo => {
        const rank = x.shape.length;
        const perm = Array.from({ length: rank }, (_, i) => i);
        perm[rank - 1] = rank - 2;
        perm[rank - 2] = rank - 1;
        const out = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
        temporaries.push(out);
        return out;
      };
      try {
        const a = transposeA ? swapLastTwo(inputs['a'] as TensorInfo) : inputs['a'];
        const b = transposeB ? swapLastTwo(inputs['b'] as TensorInfo) : inputs['b'];
        return stock.kernelFunc({
          inputs: { a, b },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
      } finally {
        // Kernel outputs created here are not tracked by the engine: free them by hand.
        const owner = backend as { disposeData(dataId: object): void };
        for (const t of temporaries) owner.disposeData(t.dataId);
      }
    },
  };
  tf.unregisterKernel(BATCH_MAT_MUL, WASM);
  tf.registerKernel(patched);
  original = stock;
}

/** Put the stock kernel back (benchmarks compare both). Idempotent. */
export function unpatchWasmBatchMatMul(): void {
  if (!original) return;
  tf.unregisterKernel(BATCH_MAT_MUL, WASM);
  tf.registerKernel(original);
  original = undefined;
}
