import * as tf from '@tensorflow/tfjs';
import { FUSED_RNN_BACKWARD, FUSED_RNN_FORWARD, type FusedRnnAttrs } from './kernels';

/**
 * One recurrent layer as a single differentiable op: y = fused forward over all time steps;
 * its gradient is one fused backward pass through time, fed by the state (h and gates) the
 * forward kept. tf.customGrad records one tape node for the whole sequence instead of the
 * ~10 ops per step tfjs-layers' cell would.
 */
type FusedFn = (x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

const ops = new Map<string, FusedFn>();

export function fusedRecurrent(attrs: FusedRnnAttrs, x: tf.Tensor3D, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const key = `${attrs.cell}:${attrs.act}:${attrs.sequence}`;
  let op = ops.get(key);
  if (!op) {
    op = makeOp(attrs);
    ops.set(key, op);
  }
  return op(x, kernel, recurrentKernel, bias);
}

function makeOp(attrs: FusedRnnAttrs): FusedFn {
  const kernelAttrs = { ...attrs } as unknown as tf.NamedAttrMap;
  const backwardAttrs = { ...attrs, hasBias: true } as unknown as tf.NamedAttrMap;
  // customGrad's typing wants (...inputs: Array<Tensor | GradSaveFunc>): unpack by position.
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, kernel, recurrentKernel, bias] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const [y, state] = tf.engine().runKernel(FUSED_RNN_FORWARD, { x, kernel, recurrentKernel, bias }, kernelAttrs) as tf.Tensor[];
    save([x, kernel, recurrentKernel, state]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sk, srk, sState] = saved;
        return tf.engine().runKernel(FUSED_RNN_BACKWARD, { x: sx, kernel: sk, recurrentKernel: srk, state: sState, dy }, backwardAttrs) as tf.Tensor[];
      },
    };
  }) as unknown as FusedFn;
}
