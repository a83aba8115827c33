import * as tf from '@tensorflow/tfjs';
import type { ArchitectureDefinition } from './architecture';
import type { NetworkSpec } from './network-spec';
import { denseParameters } from './parameter-counts';

/** Multilayer perceptron over the flattened window: the cheapest baseline network. */
export function buildDense(spec: NetworkSpec): tf.LayersModel {
  const input = tf.input({ shape: [spec.window, spec.numFeatures], name: 'window' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
  for (let i = 0; i < spec.layers; i++) {
    x = tf.layers
      .dense({ units: spec.units, activation: 'relu', name: `dense_${i + 1}` })
      .apply(x) as tf.SymbolicTensor;
    if (spec.dropout > 0)
      x = tf.layers.dropout({ rate: spec.dropout, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor;
  }
  const output = tf.layers
    .dense({ units: spec.outputUnits, activation: spec.outputActivation, name: 'output' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'dense' });
}

export const DENSE_ARCHITECTURE: ArchitectureDefinition = {
  name: 'dense',
  summary: 'multilayer perceptron (relu) over the flattened window',
  // anomaly_detection builds it as an autoencoder (autoencoder.ts), not this network.
  offeredFor: ['classification', 'anomaly_detection'],
  nativeEngine: false,
  onnx: { exported: true },
  build: buildDense,
  countParameters: ({ window: w, numFeatures: f, units: u, layers: n, outputUnits: out }) => {
    let total = denseParameters(w * f, u);
    for (let i = 1; i < n; i++) total += denseParameters(u, u);
    return total + denseParameters(u, out);
  },
  activationsPerSample: ({ window: w, numFeatures: f, units: u, layers: n, outputUnits: out }) =>
    w * f + n * u * 2 + out,
};
