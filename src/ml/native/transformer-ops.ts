import * as tf from '@tensorflow/tfjs';
import type { AttentionDims } from './addon';
import { FUSED_ATTENTION, FUSED_ATTENTION_GRAD, FUSED_LAYER_NORM, FUSED_LAYER_NORM_GRAD } from './transformer-kernels';

/**
 * The attention core and layer norm as differentiable ops: one tape node each (tf.customGrad),
 * whose gradient is one addon call. Outside a tape (predictions) only the forward kernel runs,
 * keeping nothing.
 */
type Attrs = tf.NamedAttrMap;

/** True while tfjs records a tape (inside tf.grads / an optimizer's minimize). */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

// Probability buffers by size, reused: taken by a forward pass, given back after its backward.
const pool = new Map<number, Float32Array[]>();
function take(size: number): Float32Array {
  return pool.get(size)?.pop() ?? new Float32Array(size);
}
function give(buffer: Float32Array): void {
  const free = pool.get(buffer.length) ?? [];
  if (free.length < 8) free.push(buffer);
  pool.set(buffer.length, free);
}

// The buffer of the call in progress (customGrad passes tensors only).
let pending: Float32Array | undefined;
let pendingDims: AttentionDims | undefined;
let pendingEpsilon = 0;

const attentionOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const qkv = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const attrs = { dims: pendingDims!, probs: pending! } as unknown as Attrs;
  pending = undefined;
  const ctx = tf.engine().runKernel<tf.Tensor>(FUSED_ATTENTION, { qkv }, attrs);
  save([qkv]);
  return {
    value: ctx,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      try {
        return [tf.engine().runKernel<tf.Tensor>(FUSED_ATTENTION_GRAD, { qkv: saved[0], dy }, attrs)];
      } finally {
        give((attrs as unknown as { probs: Float32Array }).probs);
      }
    },
  };
});

/** softmax(Q·Kᵀ/√dk)·V per head from qkv [B·T, 3·heads·dk] (Q, K, V side by side): [B·T, heads·dk]. */
export function fusedAttention(qkv: tf.Tensor2D, dims: AttentionDims): tf.Tensor2D {
  if (!recordingGradients())
    return tf.engine().runKernel<tf.Tensor2D>(FUSED_ATTENTION, { qkv }, { dims, probs: null } as unknown as Attrs);
  const [B, T, H] = dims;
  pending = take(B * H * T * T);
  pendingDims = dims;
  return attentionOp(qkv) as tf.Tensor2D;
}

const layerNormOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, gamma, beta] = args as tf.Tensor[];
  const save = args[3] as tf.GradSaveFunc;
  const attrs = { epsilon: pendingEpsilon, stats: new Float32Array(2 * (x.size / gamma.size)) } as unknown as Attrs;
  const y = tf.engine().runKernel<tf.Tensor>(FUSED_LAYER_NORM, { x, gamma, beta }, attrs);
  save([x, gamma]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.engine().runKernel<tf.Tensor[]>(FUSED_LAYER_NORM_GRAD, { x: saved[0], gamma: saved[1], dy }, attrs),
  };
});

/** (x − mean)·rsqrt(var + ε)·γ + β over the last axis. */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  if (!recordingGradients())
    return tf.engine().runKernel<tf.Tensor>(FUSED_LAYER_NORM, { x, gamma, beta }, {
      epsilon,
      stats: null,
    } as unknown as Attrs);
  pendingEpsilon = epsilon;
  return layerNormOp(x, gamma, beta);
}
