import * as tf from '@tensorflow/tfjs';
import type { BaseLayerArgs } from '../layers/layer-args';

/** [batch, d] → [batch, d + values.length]: appends the same constant vector to every row. */
export class AppendConstant extends tf.layers.Layer {
  static readonly className = 'WorkbenchAppendConstant';
  readonly values: number[];

  constructor(args: BaseLayerArgs & { values: number[] }) {
    super(args);
    this.values = [...args.values];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], (shape[1] as number) + this.values.length];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const tail = tf.tile(tf.tensor2d([this.values], [1, this.values.length]), [x.shape[0], 1]);
      return tf.concat([x, tail], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), values: this.values };
  }
}

tf.serialization.registerClass(AppendConstant);

/**
 * The Q-network as served: input one window [W, F] (what the predict API sends), the
 * observation's position one-hot fixed to flat ([short, flat, long] = [0, 1, 0]), output the
 * three Q-values. So a served answer is "what to do now, coming from flat".
 */
export function servingQNetwork(qNetwork: tf.LayersModel, window: number, features: number): tf.LayersModel {
  const input = tf.input({ shape: [window, features], name: 'window' });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const obs = new AppendConstant({ values: [0, 1, 0], name: 'position_flat' }).apply(flat) as tf.SymbolicTensor;
  const q = qNetwork.apply(obs) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: q, name: 'dqn_serving' });
}
