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
export const FUSED_BACKENDS = ['wasm', 'cpu'] as const;

export interface FusedRnnAttrs {
  cell: FusedCell;
  act: RecurrentActivationCode;
  /** return_sequences: y is [B,T,H] (else the last step, [B,H]). */
  sequence: boolean;
}

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}
interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  data: { get(dataId: unknown): { values: Float32Array } };
}

/** Allocation and zero-copy views for one backend. Views are taken after every allocation: a wasm allocation may grow (and so replace) the heap. */
interface Memory {
  alloc(shape: number[]): TensorInfo;
  view(info: TensorInfo): Float32Array;
}

function memoryOf(backendName: string, backend: unknown): Memory {
  if (backendName === 'wasm') {
    const b = backend as WasmBackend;
    return { alloc: (shape) => b.makeOutput(shape, 'float32'), view: (info) => b.typedArrayFromHeap(info) };
  }
  const b = backend as CpuBackend;
  return { alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(sizeOf(shape))), view: (info) => b.data.get(info.dataId).values };
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const gatesOf = (cell: FusedCell): number => (cell === 'lstm' ? 4 : 3);

/** Floats of the state tensor the forward pass leaves for the backward: h for every step, then the addon's saved gates. */
export function stateSize(cell: FusedCell, dims: FusedDims): number {
  const [B, T, , H] = dims;
  return B * T * H * (cell === 'lstm' ? 7 : 5);
}

function dimsOf(x: TensorInfo, recurrentKernel: TensorInfo): FusedDims {
  const [B, T, I] = x.shape;
  return [B, T, I, recurrentKernel.shape[0]];
}

function forwardKernel(addon: FusedRnnAddon, backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { x, kernel, recurrentKernel, bias } = inputs;
    const { cell, act, sequence } = attrs as unknown as FusedRnnAttrs;
    const dims = dimsOf(x, recurrentKernel);
    const [B, T, , H] = dims;
    const mem = memoryOf(backendName, backend);
    const y = mem.alloc(sequence ? [B, T, H] : [B, H]);
    const state = mem.alloc([stateSize(cell, dims)]);
    const stateView = mem.view(state);
    const h = stateView.subarray(0, B * T * H);
    const saved = stateView.subarray(B * T * H);
    const run = cell === 'lstm' ? addon.lstmForward : addon.gruForward;
    run(mem.view(x), mem.view(kernel), mem.view(recurrentKernel), bias ? mem.view(bias) : null, dims, act, h, saved);
    const out = mem.view(y);
    if (sequence) out.set(h);
    else for (let b = 0; b < B; b++) out.set(h.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
    return [y, state];
  };
}

function backwardKernel(addon: FusedRnnAddon, backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { x, kernel, recurrentKernel, state, dy } = inputs;
    const { cell, act, sequence } = attrs as unknown as FusedRnnAttrs & { hasBias: boolean };
    const hasBias = Boolean((attrs as { hasBias?: boolean }).hasBias);
    const dims = dimsOf(x, recurrentKernel);
    const [B, T, I, H] = dims;
    const G = gatesOf(cell) * H;
    const mem = memoryOf(backendName, backend);
    const dx = mem.alloc([B, T, I]);
    const dW = mem.alloc([I, G]);
    const dU = mem.alloc([H, G]);
    const db = hasBias ? mem.alloc([G]) : undefined;
    const stateView = mem.view(state);
    const run = cell === 'lstm' ? addon.lstmBackward : addon.gruBackward;
    run(
      mem.view(x),
      mem.view(kernel),
      mem.view(recurrentKernel),
      stateView.subarray(0, B * T * H),
      stateView.subarray(B * T * H),
      mem.view(dy),
      dims,
      act,
      sequence,
      mem.view(dx),
      mem.view(dW),
      mem.view(dU),
      db ? mem.view(db) : null,
    );
    return db ? [dx, dW, dU, db] : [dx, dW, dU];
  };
}

/** Registers both kernels for wasm and cpu (once per process / worker thread). */
export function registerFusedKernels(addon: FusedRnnAddon): void {
  for (const backendName of FUSED_BACKENDS) {
    if (!tf.getKernel(FUSED_RNN_FORWARD, backendName)) {
      tf.registerKernel({ kernelName: FUSED_RNN_FORWARD, backendName, kernelFunc: forwardKernel(addon, backendName) as unknown as tf.KernelFunc });
    }
    if (!tf.getKernel(FUSED_RNN_BACKWARD, backendName)) {
      tf.registerKernel({ kernelName: FUSED_RNN_BACKWARD, backendName, kernelFunc: backwardKernel(addon, backendName) as unknown as tf.KernelFunc });
    }
  }
}

export function fusedKernelsRegistered(backendName: string): boolean {
  return Boolean(tf.getKernel(FUSED_RNN_FORWARD, backendName) && tf.getKernel(FUSED_RNN_BACKWARD, backendName));
}
