import * as tf from '@tensorflow/tfjs';
import { LayerNorm, MultiHeadSelfAttention } from '../layers';
import { transformerKernelsRegistered } from './transformer-kernels';
import { fusedAttention, fusedLayerNorm } from './transformer-ops';

/**
 * Routes the service's MultiHeadSelfAttention and LayerNorm `call` to the addon: the
 * attention's projections stay tfjs matmuls (on the addon's GEMM through BatchMatMul), the
 * core between them — split into heads, Q·Kᵀ, scale, softmax, ·V, merge — is one fused op,
 * and layer norm is one. Weights, config and artifacts stay the layers' own; a call the
 * fused ops do not cover (causal attention, a backend without the kernels, other ranks or
 * dtypes) runs the original code.
 */
type CallFn = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;
interface LayerVar {
  read(): tf.Tensor;
}
/** The layers' private fields, read by name as recurrent-hook reads tfjs-layers' cells. */
interface AttentionFields {
  units: number;
  heads: number;
  causal: boolean;
  qkvKernel: LayerVar;
  qkvBias: LayerVar;
  outKernel: LayerVar;
  outBias: LayerVar;
}
interface LayerNormFields {
  epsilon: number;
  gamma: LayerVar;
  beta: LayerVar;
}

const attentionProto = MultiHeadSelfAttention.prototype as unknown as { call: CallFn };
const layerNormProto = LayerNorm.prototype as unknown as { call: CallFn };
let originals: { attention: CallFn; layerNorm: CallFn } | undefined;
let calls = { fused: 0, fallback: 0 };

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  return x instanceof tf.Tensor && x.dtype === 'float32' && x.size > 0 ? x : undefined;
}

export function installTransformerHook(): void {
  if (originals) return;
  const stock = { attention: attentionProto.call, layerNorm: layerNormProto.call };
  originals = stock;
  attentionProto.call = function fusedAttentionCall(inputs, kwargs) {
    const layer = this as AttentionFields;
    const x = single(inputs);
    if (!x || x.rank !== 3 || layer.causal || !transformerKernelsRegistered(tf.getBackend())) {
      calls.fallback++;
      return stock.attention.call(this, inputs, kwargs);
    }
    calls.fused++;
    return tf.tidy(() => {
      const [batch, time, dModel] = x.shape;
      const flat = tf.reshape(x, [batch * time, dModel]);
      const qkv = tf.add(tf.matMul(flat, layer.qkvKernel.read() as tf.Tensor2D), layer.qkvBias.read());
      const merged = fusedAttention(qkv as tf.Tensor2D, [batch, time, layer.heads, layer.units / layer.heads]);
      const out = tf.add(tf.matMul(merged, layer.outKernel.read() as tf.Tensor2D), layer.outBias.read());
      return tf.reshape(out, [batch, time, dModel]);
    });
  };
  layerNormProto.call = function fusedLayerNormCall(inputs, kwargs) {
    const layer = this as LayerNormFields;
    const x = single(inputs);
    if (!x || !transformerKernelsRegistered(tf.getBackend())) {
      calls.fallback++;
      return stock.layerNorm.call(this, inputs, kwargs);
    }
    calls.fused++;
    return fusedLayerNorm(x, layer.gamma.read(), layer.beta.read(), layer.epsilon);
  };
}

export function uninstallTransformerHook(): void {
  if (!originals) return;
  attentionProto.call = originals.attention;
  layerNormProto.call = originals.layerNorm;
  originals = undefined;
}

/** How many attention and layer-norm calls took the fused path and how many the original (tests, benchmarks). */
export function transformerHookCalls(reset = false): { fused: number; fallback: number } {
  const out = { ...calls };
  if (reset) calls = { fused: 0, fallback: 0 };
  return out;
}
