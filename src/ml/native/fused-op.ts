import * as tf from '@tensorflow/tfjs';
import type { FusedRnnAddon } from './addon';
import { FUSED_RNN_BACKWARD, FUSED_RNN_FORWARD, type FusedRnnAttrs } from './kernels';

/**
 * One recurrent layer as a single differentiable op: y = fused forward over all time steps;
 * its gradient is one fused backward pass through time, fed by the state (h and gates) the
 * forward kept. tf.customGrad records one tape node for the whole sequence instead of the
 * ~10 ops per step tfjs-layers' cell would.
 */
type FusedFn = (x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

const ops = new Map<string, FusedFn>();

/**
 * State buffers by size, reused: taken by a forward pass, given back after its backward pass.
 * A buffer whose backward never runs (the tape was dropped) is left to the garbage collector.
 */
const pool = new Map<number, Float32Array[]>();
const POOL_DEPTH = 8;
function takeState(size: number): Float32Array {
  return pool.get(size)?.pop() ?? new Float32Array(size);
}
function giveState(state: Float32Array): void {
  const free = pool.get(state.length) ?? [];
  if (free.length < POOL_DEPTH) free.push(state);
  pool.set(state.length, free);
}

/** True while tfjs records a tape (inside tf.grads / an optimizer's minimize). */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

export function fusedRecurrent(
  addon: FusedRnnAddon,
  attrs: FusedRnnAttrs,
  x: tf.Tensor3D,
  kernel: tf.Tensor,
  recurrentKernel: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor {
  // Predictions (no tape): the forward pass without a state, keeping only the previous step.
  if (!recordingGradients())
    return tf.engine().runKernel<tf.Tensor>(FUSED_RNN_FORWARD, { x, kernel, recurrentKernel, bias }, {
      ...attrs,
      state: null,
    } as unknown as tf.NamedAttrMap);
  const [B, T, I] = x.shape;
  const state = takeState(addon.stateSize(attrs.cell, [B, T, I, recurrentKernel.shape[0]]));
  const key = `${attrs.cell}:${attrs.act}:${attrs.sequence}`;
  let op = ops.get(key);
  if (!op) {
    op = makeOp(attrs);
    ops.set(key, op);
  }
  current = state;
  return op(x, kernel, recurrentKernel, bias);
}

// The state buffer of the call in progress (customGrad passes tensors only).
let current: Float32Array | undefined;

function makeOp(attrs: FusedRnnAttrs): FusedFn {
  // customGrad's typing wants (...inputs: Array<Tensor | GradSaveFunc>): unpack by position.
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, kernel, recurrentKernel, bias] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const state = current!;
    current = undefined;
    const [B, T, I] = x.shape;
    const kernelAttrs = {
      ...attrs,
      state,
      hasBias: true,
      dims: [B, T, I, recurrentKernel.shape[0]],
    } as unknown as tf.NamedAttrMap;
    const y = tf.engine().runKernel<tf.Tensor>(FUSED_RNN_FORWARD, { x, kernel, recurrentKernel, bias }, kernelAttrs);
    // Nothing to save: the state holds x, W, Uᵀ, h and the gates.
    void save;
    return {
      value: y,
      gradFunc: (dy: tf.Tensor) => {
        try {
          return tf.engine().runKernel<tf.Tensor[]>(FUSED_RNN_BACKWARD, { dy }, kernelAttrs);
        } finally {
          giveState(state);
        }
      },
    };
  });
}
