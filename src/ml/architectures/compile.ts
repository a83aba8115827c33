import * as tf from '@tensorflow/tfjs';

export const LOSSES = [
  'mse',
  'mae',
  'huber',
  'binaryCrossentropy',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
] as const;
export type LossName = (typeof LOSSES)[number];

export interface CompileOptions {
  learningRate: number;
  loss: LossName;
}

// Huber is not in tfjs-layers' loss table; a function works for training (we never save
// the training config, so it need not serialise). δ = 1 as in Keras.
const huber = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
  tf.losses.huberLoss(yTrue, yPred, undefined, 1, tf.Reduction.MEAN);

function lossFor(loss: LossName): string | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) {
  switch (loss) {
    case 'mse':
      return 'meanSquaredError';
    case 'mae':
      return 'meanAbsoluteError';
    case 'huber':
      return huber;
    default:
      return loss;
  }
}

/** Compile with Adam (the default optimiser of every architecture here). */
export function compileNetwork(model: tf.LayersModel, options: CompileOptions): tf.LayersModel {
  if (!(options.learningRate > 0) || !Number.isFinite(options.learningRate)) {
    throw new RangeError(`learningRate must be a positive number (got ${options.learningRate})`);
  }
  if (!(LOSSES as readonly string[]).includes(options.loss)) {
    throw new RangeError(`loss must be one of ${LOSSES.join(', ')} (got ${String(options.loss)})`);
  }
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: lossFor(options.loss) });
  return model;
}
