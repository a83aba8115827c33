import * as tf from '@tensorflow/tfjs';
import { LayerNorm, MultiHeadSelfAttention, PositionalEncoding, SequencePooling } from '../layers';
import { resolveHeads, type NetworkSpec } from './network-spec';

type Sym = tf.SymbolicTensor;

/**
 * Transformer encoder for windows (post-norm, as in Vaswani et al.):
 *   input → dense projection to `units` → positional encoding → N × block → pooling → output
 *   block: x = LN(x + Dropout(MHSA(x))); x = LN(x + Dropout(FFN(x)))
 * The projection gives the attention a width independent of the feature count (often 4–20).
 */
export function buildTransformer(spec: NetworkSpec): tf.LayersModel {
  const heads = resolveHeads(spec);
  const ffUnits = spec.feedForwardUnits ?? 4 * spec.units;
  const dropout = (x: Sym, name: string): Sym =>
    spec.dropout > 0 ? (tf.layers.dropout({ rate: spec.dropout, name }).apply(x) as Sym) : x;

  const input = tf.input({ shape: [spec.window, spec.numFeatures], name: 'window' });
  let x = tf.layers.dense({ units: spec.units, name: 'input_projection' }).apply(input) as Sym;
  x = new PositionalEncoding({ mode: spec.positionalEncoding ?? 'sinusoidal', name: 'positional_encoding' }).apply(x) as Sym;
  x = dropout(x, 'embedding_dropout');

  for (let i = 1; i <= spec.layers; i++) {
    const attention = new MultiHeadSelfAttention({ units: spec.units, heads, name: `block${i}_attention` }).apply(x) as Sym;
    x = tf.layers.add({ name: `block${i}_attention_residual` }).apply([x, dropout(attention, `block${i}_attention_dropout`)]) as Sym;
    x = new LayerNorm({ name: `block${i}_attention_norm` }).apply(x) as Sym;

    let ff = tf.layers.dense({ units: ffUnits, activation: 'relu', name: `block${i}_ff_hidden` }).apply(x) as Sym;
    ff = tf.layers.dense({ units: spec.units, name: `block${i}_ff_output` }).apply(ff) as Sym;
    x = tf.layers.add({ name: `block${i}_ff_residual` }).apply([x, dropout(ff, `block${i}_ff_dropout`)]) as Sym;
    x = new LayerNorm({ name: `block${i}_ff_norm` }).apply(x) as Sym;
  }

  x = new SequencePooling({ mode: spec.pooling ?? 'last', name: 'pooling' }).apply(x) as Sym;
  const output = tf.layers.dense({ units: spec.outputUnits, activation: spec.outputActivation, name: 'output' }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: output, name: 'transformer' });
}
