import * as tf from '@tensorflow/tfjs';
import type { ArchitectureDefinition } from './architecture';
import type { NetworkSpec } from './network-spec';
import {
  denseParameters,
  GRU_VALUES_PER_UNIT_STEP,
  gruParameters,
  LSTM_VALUES_PER_UNIT_STEP,
  lstmParameters,
} from './parameter-counts';

/**
 * Options shared by every LSTM/GRU we build, so training here matches Keras 3 / PyTorch:
 * tfjs defaults `recurrentActivation` to hardSigmoid and the LSTM forget-gate bias to 0;
 * Keras uses sigmoid and a forget bias of 1 (which keeps early gradients flowing).
 */
export function recurrentLayer(
  kind: 'lstm' | 'gru',
  units: number,
  returnSequences: boolean,
  name: string,
): tf.layers.Layer {
  return kind === 'lstm'
    ? tf.layers.lstm({ units, returnSequences, recurrentActivation: 'sigmoid', unitForgetBias: true, name })
    : tf.layers.gru({ units, returnSequences, recurrentActivation: 'sigmoid', name });
}

/** Stacked LSTM/GRU: every layer but the last returns sequences; dropout between layers. */
export function buildRecurrent(spec: NetworkSpec & { architecture: 'lstm' | 'gru' }): tf.LayersModel {
  const input = tf.input({ shape: [spec.window, spec.numFeatures], name: 'window' });
  let x = input;
  for (let i = 0; i < spec.layers; i++) {
    x = recurrentLayer(spec.architecture, spec.units, i < spec.layers - 1, `${spec.architecture}_${i + 1}`).apply(
      x,
    ) as tf.SymbolicTensor;
    if (spec.dropout > 0)
      x = tf.layers.dropout({ rate: spec.dropout, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor;
  }
  const output = tf.layers
    .dense({ units: spec.outputUnits, activation: spec.outputActivation, name: 'output' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: spec.architecture });
}

function recurrentArchitecture(kind: 'lstm' | 'gru', summary: string): ArchitectureDefinition {
  const cell = kind === 'lstm' ? lstmParameters : gruParameters;
  const valuesPerUnitStep = kind === 'lstm' ? LSTM_VALUES_PER_UNIT_STEP : GRU_VALUES_PER_UNIT_STEP;
  return {
    name: kind,
    summary,
    // anomaly_detection builds the LSTM as an autoencoder (autoencoder.ts), not this network.
    offeredFor:
      kind === 'lstm' ? ['time_series', 'classification', 'anomaly_detection'] : ['time_series', 'classification'],
    nativeEngine: true,
    onnx: { exported: true },
    build: (spec) => buildRecurrent({ ...spec, architecture: kind }),
    countParameters: ({ numFeatures: f, units: u, layers: n, outputUnits: out }) => {
      let total = cell(f, u);
      for (let i = 1; i < n; i++) total += cell(u, u);
      return total + denseParameters(u, out);
    },
    activationsPerSample: ({ window: w, numFeatures: f, units: u, layers: n, outputUnits: out }) =>
      w * f + n * w * u * valuesPerUnitStep + out,
  };
}

export const LSTM_ARCHITECTURE = recurrentArchitecture(
  'lstm',
  'stacked LSTM layers (sigmoid gates, forget bias 1, as Keras), dropout between them, dense output',
);
export const GRU_ARCHITECTURE = recurrentArchitecture(
  'gru',
  'stacked GRU layers (sigmoid gates, as Keras), dropout between them, dense output',
);
