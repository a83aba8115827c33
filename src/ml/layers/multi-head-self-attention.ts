import * as tf from '@tensorflow/tfjs';
import { lastDim, singleShape, singleTensor, type BaseLayerArgs } from './layer-args';

export interface MultiHeadSelfAttentionArgs extends BaseLayerArgs {
  /** Width of the attention (heads × key size); must be divisible by `heads`. */
  units: number;
  heads: number;
  /** Each position attends only to itself and earlier ones (for autoregressive use). */
  causal?: boolean;
}

/**
 * Scaled dot-product multi-head self-attention (Vaswani et al. 2017), because tfjs-layers
 * has no MultiHeadAttention. Input and output are [batch, time, dModel]; the output
 * projection maps back to the input width so the encoder block can add a residual.
 *
 * Q, K and V come from one fused [dModel, 3·units] matmul: on wasm/cpu one larger matmul
 * is markedly cheaper than three small ones, forwards and backwards.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static readonly className = 'WorkbenchMultiHeadSelfAttention';
  readonly units: number;
  readonly heads: number;
  readonly causal: boolean;
  private qkvKernel!: tf.LayerVariable;
  private qkvBias!: tf.LayerVariable;
  private outKernel!: tf.LayerVariable;
  private outBias!: tf.LayerVariable;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    if (!Number.isInteger(args.units) || !Number.isInteger(args.heads) || args.units <= 0 || args.heads <= 0) {
      throw new Error(
        `MultiHeadSelfAttention: units and heads must be positive integers (got ${args.units}, ${args.heads})`,
      );
    }
    if (args.units % args.heads !== 0) {
      throw new Error(`MultiHeadSelfAttention: units (${args.units}) must be divisible by heads (${args.heads})`);
    }
    this.units = args.units;
    this.heads = args.heads;
    this.causal = args.causal ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dModel = lastDim(singleShape(inputShape), MultiHeadSelfAttention.className);
    const glorot = tf.initializers.glorotUniform({});
    this.qkvKernel = this.addWeight('qkv_kernel', [dModel, 3 * this.units], 'float32', glorot);
    this.qkvBias = this.addWeight('qkv_bias', [3 * this.units], 'float32', tf.initializers.zeros());
    this.outKernel = this.addWeight('output_kernel', [this.units, dModel], 'float32', glorot);
    this.outBias = this.addWeight('output_bias', [dModel], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs) as tf.Tensor3D;
      const [batch, time, dModel] = x.shape;
      const h = this.heads;
      const dk = this.units / h;

      const flat = tf.reshape(x, [batch * time, dModel]);
      const qkv = tf.add(tf.matMul(flat, this.qkvKernel.read() as tf.Tensor2D), this.qkvBias.read());
      // [B·T, 3·units] → three [B, h, T, dk] tensors.
      const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.transpose(tf.reshape(t, [batch, time, h, dk]), [0, 2, 1, 3]));

      let scores = tf.mul(tf.matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true), 1 / Math.sqrt(dk));
      if (this.causal) {
        // 0 on and below the diagonal, −1e9 above: softmax gives future steps weight 0.
        const allowed = tf.linalg.bandPart(tf.ones([time, time]), -1, 0);
        scores = tf.add(scores, tf.mul(tf.sub(1, allowed), -1e9));
      }
      const weights = tf.softmax(scores, -1);
      const context = tf.transpose(tf.matMul(weights as tf.Tensor4D, v as tf.Tensor4D), [0, 2, 1, 3]);
      const merged = tf.reshape(context, [batch * time, this.units]);
      const out = tf.add(tf.matMul(merged as tf.Tensor2D, this.outKernel.read() as tf.Tensor2D), this.outBias.read());
      return tf.reshape(out, [batch, time, dModel]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, heads: this.heads, causal: this.causal };
  }
}

tf.serialization.registerClass(MultiHeadSelfAttention);
