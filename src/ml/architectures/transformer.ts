import * as tf from '@tensorflow/tfjs';
import { LayerNorm, MultiHeadSelfAttention, PositionalEncoding, SequencePooling } from '../layers';
import type { ArchitectureDefinition, ArchitectureProblem } from './architecture';
import { positiveInt, resolveHeads, type NetworkSpec } from './network-spec';
import { denseParameters as dense } from './parameter-counts';

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
  x = new PositionalEncoding({ mode: spec.positionalEncoding ?? 'sinusoidal', name: 'positional_encoding' }).apply(
    x,
  ) as Sym;
  x = dropout(x, 'embedding_dropout');

  for (let i = 1; i <= spec.layers; i++) {
    const attention = new MultiHeadSelfAttention({ units: spec.units, heads, name: `block${i}_attention` }).apply(
      x,
    ) as Sym;
    x = tf.layers
      .add({ name: `block${i}_attention_residual` })
      .apply([x, dropout(attention, `block${i}_attention_dropout`)]) as Sym;
    x = new LayerNorm({ name: `block${i}_attention_norm` }).apply(x) as Sym;

    let ff = tf.layers.dense({ units: ffUnits, activation: 'relu', name: `block${i}_ff_hidden` }).apply(x) as Sym;
    ff = tf.layers.dense({ units: spec.units, name: `block${i}_ff_output` }).apply(ff) as Sym;
    x = tf.layers.add({ name: `block${i}_ff_residual` }).apply([x, dropout(ff, `block${i}_ff_dropout`)]) as Sym;
    x = new LayerNorm({ name: `block${i}_ff_norm` }).apply(x) as Sym;
  }

  x = new SequencePooling({ mode: spec.pooling ?? 'last', name: 'pooling' }).apply(x) as Sym;
  const output = tf.layers
    .dense({ units: spec.outputUnits, activation: spec.outputActivation, name: 'output' })
    .apply(x) as Sym;
  return tf.model({ inputs: input, outputs: output, name: 'transformer' });
}

export const TRANSFORMER_ARCHITECTURE: ArchitectureDefinition = {
  name: 'transformer',
  summary:
    'transformer encoder (post-norm): input projection, sinusoidal or learned positions, N × (multi-head self-attention + feed-forward), last or mean pooling',
  offeredFor: ['time_series'],
  nativeEngine: true,
  onnx: { exported: true },
  build: buildTransformer,
  countParameters: ({
    window: w,
    numFeatures: f,
    units: u,
    layers: n,
    outputUnits: out,
    feedForwardUnits,
    positionalEncoding,
  }) => {
    const ff = feedForwardUnits ?? 4 * u;
    const block = dense(u, 3 * u) + dense(u, u) + dense(u, ff) + dense(ff, u) + 2 * (2 * u);
    const positions = positionalEncoding === 'learned' ? w * u : 0;
    return dense(f, u) + positions + n * block + dense(u, out);
  },
  activationsPerSample: (spec) => {
    const { window: w, numFeatures: f, units: u, layers: n } = spec;
    const ff = spec.feedForwardUnits ?? 4 * u;
    const heads = resolveHeads(spec);
    // per block: qkv (3u), context + projection (2u), 2 residual sums, 2 norms (~3u each),
    // ff hidden (2·ff with relu), attention scores + softmax (2·heads·w²)
    const block = w * (3 * u + 2 * u + 2 * u + 6 * u + 2 * ff) + 2 * heads * w * w;
    return w * f + 2 * w * u + n * block + spec.outputUnits;
  },
  validate: (spec) => {
    const problems: ArchitectureProblem[] = [];
    const heads = resolveHeads(spec);
    if (!positiveInt(heads))
      problems.push({
        field: 'heads',
        message: `heads must be a positive integer (got ${String(spec.heads)})`,
        error: 'must be a positive integer',
      });
    else if (positiveInt(spec.units) && spec.units % heads !== 0)
      problems.push({
        field: 'heads',
        message: `units (${spec.units}) must be divisible by heads (${heads})`,
        error: 'units must be divisible by heads',
      });
    if (spec.feedForwardUnits !== undefined && !positiveInt(spec.feedForwardUnits)) {
      problems.push({
        field: 'feedForwardUnits',
        message: `feedForwardUnits must be a positive integer (got ${String(spec.feedForwardUnits)})`,
        error: 'must be a positive integer',
      });
    }
    return problems;
  },
};
