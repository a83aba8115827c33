import * as tf from '@tensorflow/tfjs';
import type { AttentionDims, FusedRnnAddon } from './addon';
import { FUSED_BACKENDS, memoryOf, type KernelArgs } from './kernels';

/**
 * The transformer's attention core and layer norm as four tfjs kernels on the wasm and cpu
 * backends, computed by the addon in the backends' own memory (no copies). What a backward
 * pass needs besides its tensor inputs (the softmax probabilities, each row's mean and
 * rsqrt) lives in a plain Float32Array passed as an attribute, as the recurrent kernels'
 * state does: tfjs would otherwise copy it to keep it on the tape.
 */
export const FUSED_ATTENTION = 'FusedAttention';
export const FUSED_ATTENTION_GRAD = 'FusedAttentionGrad';
export const FUSED_LAYER_NORM = 'FusedLayerNorm';
export const FUSED_LAYER_NORM_GRAD = 'FusedLayerNormGrad';

type TensorInfo = tf.TensorInfo;

export interface AttentionAttrs {
  dims: AttentionDims;
  /** [B·heads·T·T], written by the forward kernel; null for inference. */
  probs: Float32Array | null;
}
export interface LayerNormAttrs {
  epsilon: number;
  /** [2·rows], written by the forward kernel; null for inference. */
  stats: Float32Array | null;
}

const lastDim = (t: TensorInfo): number => t.shape[t.shape.length - 1];
const rowsOf = (t: TensorInfo): number => t.shape.slice(0, -1).reduce((a, b) => a * b, 1);

function kernelsFor(addon: FusedRnnAddon, backendName: string): Record<string, tf.KernelFunc> {
  const attention = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { dims, probs } = attrs as unknown as AttentionAttrs;
    const mem = memoryOf(backendName, backend);
    const ctx = mem.alloc([dims[0] * dims[1], dims[2] * dims[3]]);
    addon.attentionForward(mem.view(inputs['qkv']), dims, mem.view(ctx), probs);
    return ctx;
  };
  const attentionGrad = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { dims, probs } = attrs as unknown as AttentionAttrs;
    if (!probs) throw new Error(`${FUSED_ATTENTION_GRAD} needs the probabilities of its forward pass`);
    const mem = memoryOf(backendName, backend);
    const dqkv = mem.alloc(inputs['qkv'].shape);
    addon.attentionBackward(mem.view(inputs['qkv']), probs, mem.view(inputs['dy']), dims, mem.view(dqkv));
    return dqkv;
  };
  const layerNorm = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x, gamma, beta } = inputs;
    const { epsilon, stats } = attrs as unknown as LayerNormAttrs;
    const mem = memoryOf(backendName, backend);
    const y = mem.alloc(x.shape);
    const dims: [number, number] = [rowsOf(x), lastDim(x)];
    addon.layerNormForward(mem.view(x), mem.view(gamma), mem.view(beta), dims, epsilon, mem.view(y), stats);
    return y;
  };
  const layerNormGrad = ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { x, gamma, dy } = inputs;
    const { stats } = attrs as unknown as LayerNormAttrs;
    if (!stats) throw new Error(`${FUSED_LAYER_NORM_GRAD} needs the statistics of its forward pass`);
    const mem = memoryOf(backendName, backend);
    const out = [mem.alloc(x.shape), mem.alloc(gamma.shape), mem.alloc(gamma.shape)];
    const dims: [number, number] = [rowsOf(x), lastDim(x)];
    addon.layerNormBackward(
      mem.view(x),
      mem.view(gamma),
      stats,
      mem.view(dy),
      dims,
      mem.view(out[0]),
      mem.view(out[1]),
      mem.view(out[2]),
    );
    return out;
  };
  return {
    [FUSED_ATTENTION]: attention as unknown as tf.KernelFunc,
    [FUSED_ATTENTION_GRAD]: attentionGrad as unknown as tf.KernelFunc,
    [FUSED_LAYER_NORM]: layerNorm as unknown as tf.KernelFunc,
    [FUSED_LAYER_NORM_GRAD]: layerNormGrad as unknown as tf.KernelFunc,
  };
}

/** Registers the four kernels for wasm and cpu (once per process / worker thread). */
export function registerTransformerKernels(addon: FusedRnnAddon): void {
  for (const backendName of FUSED_BACKENDS) {
    for (const [kernelName, kernelFunc] of Object.entries(kernelsFor(addon, backendName)))
      if (!tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}

export function transformerKernelsRegistered(backendName: string): boolean {
  return [FUSED_ATTENTION, FUSED_ATTENTION_GRAD, FUSED_LAYER_NORM, FUSED_LAYER_NORM_GRAD].every((k) =>
    Boolean(tf.getKernel(k, backendName)),
  );
}
