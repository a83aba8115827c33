import * as tf from '@tensorflow/tfjs';
import type { FusedRnnAddon } from './addon';
import { memoryOf, type KernelArgs } from './kernels';

/**
 * Two more wasm kernels on the addon, tried first and falling back to the stock ones for what
 * they do not cover: `_FusedMatMul` (tf.layers.dense: product, bias, linear/relu — XNNPACK ran
 * the transformer's 960×256·256×64 at a quarter of the addon's GEMM speed) and `Sum` over the
 * leading axes (every dense layer's bias gradient, which the wasm kernel computes by
 * transposing the whole gradient first), as ones[1×rows]·x on the GEMM: the same sequential
 * sum per column.
 */
type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type TensorInfo = tf.TensorInfo;
const WASM = 'wasm';
const stock = new Map<string, KernelConfig>();

function fusedMatMul(addon: FusedRnnAddon, args: KernelArgs): TensorInfo | undefined {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const { transposeA, transposeB, activation } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
  };
  if (preluActivationWeights || (activation !== undefined && activation !== 'linear' && activation !== 'relu'))
    return undefined;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== 3 || b.shape.length !== 3) return undefined;
  if (a.shape[0] !== 1 || b.shape[0] !== 1) return undefined;
  const [, aRows, aCols] = a.shape;
  const [, bRows, bCols] = b.shape;
  const M = transposeA ? aCols : aRows;
  const K = transposeA ? aRows : aCols;
  const N = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== K || !(M > 0 && N > 0 && K > 0)) return undefined;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== N)) return undefined;
  const mem = memoryOf(WASM, args.backend);
  const out = mem.alloc([1, M, N]);
  const c = mem.view(out);
  addon.matMul(mem.view(a), mem.view(b), [1, 1, 1, M, N, K], transposeA, transposeB, c);
  const beta = bias ? mem.view(bias) : undefined;
  const relu = activation === 'relu';
  if (beta || relu)
    for (let r = 0, i = 0; r < M; r++)
      for (let j = 0; j < N; j++, i++) {
        const v = beta ? c[i] + beta[j] : c[i];
        c[i] = relu && v < 0 ? 0 : v;
      }
  return out;
}

let ones = new Float32Array(0);

function leadingSum(addon: FusedRnnAddon, args: KernelArgs): TensorInfo | undefined {
  const { x } = args.inputs;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return undefined;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((d) => (d < 0 ? d + rank : d)).sort((p, q) => p - q);
  // Only the leading axes 0..k−1 (k < rank): rows × columns.
  if (axes.length === 0 || axes.length >= rank || axes.some((d, i) => d !== i)) return undefined;
  const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
  const cols = x.shape.slice(axes.length).reduce((p, q) => p * q, 1);
  if (!(rows > 0 && cols > 0)) return undefined;
  if (ones.length < rows) ones = new Float32Array(rows).fill(1);
  const mem = memoryOf(WASM, args.backend);
  const shape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  const out = mem.alloc(shape);
  addon.matMul(ones.subarray(0, rows), mem.view(x), [1, 1, 1, 1, cols, rows], false, false, mem.view(out));
  return out;
}

const routes: Record<string, (addon: FusedRnnAddon, args: KernelArgs) => TensorInfo | undefined> = {
  _FusedMatMul: fusedMatMul,
  Sum: leadingSum,
};

/** Put the addon in front of wasm's _FusedMatMul and Sum. Idempotent. */
export function installWasmKernels(addon: FusedRnnAddon): void {
  for (const [name, route] of Object.entries(routes)) {
    if (stock.has(name)) continue;
    const original = tf.getKernel(name, WASM);
    if (!original) continue;
    stock.set(name, original);
    tf.unregisterKernel(name, WASM);
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => route(addon, args as unknown as KernelArgs) ?? original.kernelFunc(args),
    });
  }
}

/** The stock kernels back. Idempotent. */
export function uninstallWasmKernels(): void {
  for (const [name, original] of stock) {
    tf.unregisterKernel(name, WASM);
    tf.registerKernel(original);
  }
  stock.clear();
}
