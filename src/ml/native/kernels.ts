import * as tf from '@tensorflow/tfjs';
import type { FusedCell, FusedDims, FusedRnnAddon, RecurrentActivationCode } from './addon';

/**
 * Two tfjs kernels, registered for the wasm and cpu backends: the whole recurrent forward
 * pass of one layer, and its whole backward pass through time. The addon reads and writes
 * the backends' own memory (Float32Array views onto the wasm heap, the cpu backend's typed
 * arrays), so no tensor is copied on the way in or out.
 */
export const FUSED_RNN_FORWARD = 'FusedRnnForward';
export const FUSED_RNN_BACKWARD = 'FusedRnnBackward';
export const FUSED_ADAM = 'FusedAdam';
export const FUSED_BACKENDS = ['wasm', 'cpu'] as const;

export interface FusedRnnAttrs {
  cell: FusedCell;
  act: RecurrentActivationCode;
  /** return_sequences: y is [B,T,H] (else the last step, [B,H]). */
  sequence: boolean;
}

/**
 * The forward pass's state (x, h and gates of every step, Wᵀ and Uᵀ) lives outside tfjs, in
 * a plain Float32Array the gradient closure holds: as a tensor, tfjs would copy all of it
 * (≈2 MB per LSTM(64) layer at batch 32) to keep it for the backward pass. The backward
 * kernel's only tensor input is dy.
 */
export interface FusedRnnKernelAttrs extends FusedRnnAttrs {
  /** null: inference, no state kept. */
  state: Float32Array | null;
  dims: FusedDims;
}

type TensorInfo = tf.TensorInfo;
export type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}
interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  data: { get(dataId: unknown): { values: Float32Array } };
}

/** Allocation and zero-copy views for one backend. Views are taken after every allocation: a wasm allocation may grow (and so replace) the heap. */
export interface Memory {
  alloc(shape: number[]): TensorInfo;
  view(info: TensorInfo): Float32Array;
}

export function memoryOf(backendName: string, backend: unknown): Memory {
  if (backendName === 'wasm') {
    const b = backend as WasmBackend;
    return { alloc: (shape) => b.makeOutput(shape, 'float32'), view: (info) => b.typedArrayFromHeap(info) };
  }
  const b = backend as CpuBackend;
  return {
    alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(sizeOf(shape))),
    view: (info) => b.data.get(info.dataId).values,
  };
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const gatesOf = (cell: FusedCell): number => (cell === 'lstm' ? 4 : 3);

function dimsOf(x: TensorInfo, recurrentKernel: TensorInfo): FusedDims {
  const [B, T, I] = x.shape;
  return [B, T, I, recurrentKernel.shape[0]];
}

function forwardKernel(addon: FusedRnnAddon, backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x, kernel, recurrentKernel, bias } = inputs;
    const { cell, act, sequence, state } = attrs as unknown as FusedRnnKernelAttrs;
    const dims = dimsOf(x, recurrentKernel);
    const [B, T, , H] = dims;
    const mem = memoryOf(backendName, backend);
    const y = mem.alloc(sequence ? [B, T, H] : [B, H]);
    const run = cell === 'lstm' ? addon.lstmForward : addon.gruForward;
    run(
      mem.view(x),
      mem.view(kernel),
      mem.view(recurrentKernel),
      bias ? mem.view(bias) : null,
      dims,
      act,
      sequence,
      mem.view(y),
      state,
    );
    return y;
  };
}

function backwardKernel(addon: FusedRnnAddon, backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { dy } = inputs;
    const { cell, act, sequence, state, dims } = attrs as unknown as FusedRnnKernelAttrs;
    const hasBias = Boolean((attrs as { hasBias?: boolean }).hasBias);
    const [B, T, I, H] = dims;
    const G = gatesOf(cell) * H;
    const mem = memoryOf(backendName, backend);
    const dx = mem.alloc([B, T, I]);
    const dW = mem.alloc([I, G]);
    const dU = mem.alloc([H, G]);
    const db = hasBias ? mem.alloc([G]) : undefined;
    if (!state) throw new Error(`${FUSED_RNN_BACKWARD} needs the state of its forward pass`);
    const run = cell === 'lstm' ? addon.lstmBackward : addon.gruBackward;
    run(state, mem.view(dy), dims, act, sequence, mem.view(dx), mem.view(dW), mem.view(dU), db ? mem.view(db) : null);
    return db ? [dx, dW, dU, db] : [dx, dW, dU];
  };
}

/** Adam: new value, first and second moment of one variable in one pass (attrs: the float32 scalars; accBeta1/2 inputs). */
function adamKernel(addon: FusedRnnAddon, backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { value, m, v, gradient, accBeta1, accBeta2 } = inputs;
    const mem = memoryOf(backendName, backend);
    const out = [mem.alloc(value.shape), mem.alloc(value.shape), mem.alloc(value.shape)];
    const scalars = (attrs as { scalars: Float32Array }).scalars;
    // sub(1, accBeta) of tfjs: a float32 subtraction of float32 values, i.e. fround of the exact difference.
    scalars[4] = Math.fround(1 - mem.view(accBeta1)[0]);
    scalars[5] = Math.fround(1 - mem.view(accBeta2)[0]);
    addon.adamStep(
      mem.view(value),
      mem.view(m),
      mem.view(v),
      mem.view(gradient),
      mem.view(out[0]),
      mem.view(out[1]),
      mem.view(out[2]),
      scalars,
    );
    return out;
  };
}

/**
 * tfjs's BatchMatMul (same shapes, transposes and batch broadcasting as the wasm kernel) on
 * the addon's GEMM, for the wasm backend's transpose-first kernel to try first: undefined for
 * what it does not cover (other dtypes, batch dims broadcast other than against 1), which the
 * wasm kernel then computes.
 */
let matMuls = 0;
/** Products the addon computed since the last reset (tests, benchmarks). */
export function nativeMatMulCalls(reset = false): number {
  const n = matMuls;
  if (reset) matMuls = 0;
  return n;
}

export function nativeBatchMatMul(addon: FusedRnnAddon) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if ((transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) !== K) return undefined;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    const batch = Math.max(batchA, batchB);
    if (
      !(M > 0 && N > 0 && K > 0 && batch > 0) ||
      (batchA !== 1 && batchA !== batch) ||
      (batchB !== 1 && batchB !== batch)
    )
      return undefined;
    if (batchA !== 1 && batchB !== 1 && outerA.join() !== outerB.join()) return undefined;
    // The broadcast batch dims: the side with more than one matrix, else the longer one (all 1s).
    const outer = batchA !== 1 ? outerA : batchB !== 1 ? outerB : outerA.length >= outerB.length ? outerA : outerB;
    if (batchA !== 1 && batchB === 1 && outerB.length > outerA.length) return undefined;
    if (batchB !== 1 && batchA === 1 && outerA.length > outerB.length) return undefined;
    const mem = memoryOf('wasm', backend);
    const out = mem.alloc([...outer, M, N]);
    addon.matMul(mem.view(a), mem.view(b), [batch, batchA, batchB, M, N, K], transposeA, transposeB, mem.view(out));
    matMuls++;
    return out;
  };
}

/** Registers the kernels for wasm and cpu (once per process / worker thread). */
export function registerFusedKernels(addon: FusedRnnAddon): void {
  for (const backendName of FUSED_BACKENDS) {
    if (!tf.getKernel(FUSED_ADAM, backendName)) {
      tf.registerKernel({
        kernelName: FUSED_ADAM,
        backendName,
        kernelFunc: adamKernel(addon, backendName) as unknown as tf.KernelFunc,
      });
    }
    if (!tf.getKernel(FUSED_RNN_FORWARD, backendName)) {
      tf.registerKernel({
        kernelName: FUSED_RNN_FORWARD,
        backendName,
        kernelFunc: forwardKernel(addon, backendName) as unknown as tf.KernelFunc,
      });
    }
    if (!tf.getKernel(FUSED_RNN_BACKWARD, backendName)) {
      tf.registerKernel({
        kernelName: FUSED_RNN_BACKWARD,
        backendName,
        kernelFunc: backwardKernel(addon, backendName) as unknown as tf.KernelFunc,
      });
    }
  }
}

export function fusedKernelsRegistered(backendName: string): boolean {
  return Boolean(
    tf.getKernel(FUSED_RNN_FORWARD, backendName) &&
    tf.getKernel(FUSED_RNN_BACKWARD, backendName) &&
    tf.getKernel(FUSED_ADAM, backendName),
  );
}
