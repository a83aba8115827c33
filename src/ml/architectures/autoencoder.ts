import * as tf from '@tensorflow/tfjs';
import { autoencoderWidths, validateAutoencoderSpec, type AutoencoderSpec } from './network-spec';
import { recurrentLayer } from './recurrent';

type Sym = tf.SymbolicTensor;

/**
 * Autoencoder that reconstructs its input window [window, numFeatures] through a narrow
 * code — for anomaly detection, the reconstruction error of a window is its score.
 * Output is linear (inputs are scaled features, not probabilities); train with MSE and
 * x as both input and target.
 */
export function buildAutoencoder(spec: AutoencoderSpec): tf.LayersModel {
  validateAutoencoderSpec(spec);
  const widths = autoencoderWidths(spec);
  const rate = spec.dropout ?? 0;
  const dropout = (x: Sym, name: string): Sym => (rate > 0 ? (tf.layers.dropout({ rate, name }).apply(x) as Sym) : x);
  const input = tf.input({ shape: [spec.window, spec.numFeatures], name: 'window' });
  const decoderWidths = widths.slice(0, -1).reverse();

  if (spec.architecture === 'dense') {
    let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as Sym;
    widths.forEach((w, i) => {
      const last = i === widths.length - 1;
      x = tf.layers.dense({ units: w, activation: 'relu', name: last ? 'code' : `encoder_${i + 1}` }).apply(x) as Sym;
      if (!last) x = dropout(x, `encoder_dropout_${i + 1}`);
    });
    decoderWidths.forEach((w, i) => {
      x = tf.layers.dense({ units: w, activation: 'relu', name: `decoder_${i + 1}` }).apply(x) as Sym;
      x = dropout(x, `decoder_dropout_${i + 1}`);
    });
    x = tf.layers.dense({ units: spec.window * spec.numFeatures, name: 'reconstruction_flat' }).apply(x) as Sym;
    const output = tf.layers
      .reshape({ targetShape: [spec.window, spec.numFeatures], name: 'reconstruction' })
      .apply(x) as Sym;
    return tf.model({ inputs: input, outputs: output, name: 'dense_autoencoder' });
  }

  // LSTM: encoder squeezes the sequence into its last hidden state; the decoder unrolls
  // that code over `window` steps and a per-step dense maps back to the features.
  let x: Sym = input;
  widths.forEach((w, i) => {
    const last = i === widths.length - 1;
    x = recurrentLayer('lstm', w, !last, last ? 'code' : `encoder_${i + 1}`).apply(x) as Sym;
    if (!last) x = dropout(x, `encoder_dropout_${i + 1}`);
  });
  x = tf.layers.repeatVector({ n: spec.window, name: 'repeat_code' }).apply(x) as Sym;
  // Decoder mirrors the encoder, code width included: 32→16 | repeat | 16→32 → dense.
  [...widths].reverse().forEach((w, i) => {
    x = recurrentLayer('lstm', w, true, `decoder_${i + 1}`).apply(x) as Sym;
    x = dropout(x, `decoder_dropout_${i + 1}`);
  });
  const output = tf.layers.dense({ units: spec.numFeatures, name: 'reconstruction' }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: output, name: 'lstm_autoencoder' });
}
