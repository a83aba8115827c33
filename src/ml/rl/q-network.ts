/**
 * The Q-network and the one observation layout that training and serving share.
 *
 * Observation (length window × features + 3), float32:
 *   [0, W·F)      the scaled feature window, row-major: bar 0 (oldest) features 0..F−1,
 *                 bar 1 …, bar W−1 (= time t) last — exactly the [W, F] window flattened;
 *   [W·F + 0]     1 if the current position is short, else 0
 *   [W·F + 1]     1 if flat, else 0
 *   [W·F + 2]     1 if long, else 0
 * The current position is the one held BEFORE acting at t (the previous step's action;
 * flat at the start), so the network can learn that leaving it costs the spread. A one-hot
 * rather than a scalar −1/0/+1 lets the three positions have unrelated effects.
 *
 * The network is a single-input MLP (one input is simplest to serve and save) of standard
 * tf.layers only, so saveModel/loadModel round-trip it without custom layer classes.
 * Output: 3 linear Q-values for the actions short, flat, long, in the agent's reward units
 * (returns × rewardScale, see dqn.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_ACTIONS, positionToAction } from './trading-env';

export const POSITION_FEATURES = 3;

export function observationSize(window: number, features: number): number {
  return window * features + POSITION_FEATURES;
}

/** The observation for one window ([W, F] flattened, oldest bar first) and the current position. */
export function observation(window: Float32Array, position: -1 | 0 | 1): Float32Array {
  const out = new Float32Array(window.length + POSITION_FEATURES);
  writeObservation(out, 0, window, 0, window.length, position);
  return out;
}

/**
 * Write the observation of window `index` of `states` (windows of `windowSize` = W·F values
 * each) with `position` into `out` at `offset`: the batched form of {@link observation}.
 */
export function writeObservation(
  out: Float32Array,
  offset: number,
  states: Float32Array,
  index: number,
  windowSize: number,
  position: number,
): void {
  if (position !== -1 && position !== 0 && position !== 1)
    throw new RangeError(`position must be -1, 0 or 1, got ${position}`);
  out.set(states.subarray(index * windowSize, (index + 1) * windowSize), offset);
  const p = offset + windowSize;
  out[p] = 0;
  out[p + 1] = 0;
  out[p + 2] = 0;
  out[p + positionToAction(position)] = 1;
}

export interface QNetworkSpec {
  window: number;
  features: number;
  /** Hidden units per dense layer. */
  units: number;
  /** Number of hidden dense (ReLU) layers; 0 gives a linear Q-function. */
  layers: number;
}

export function validateQNetworkSpec(spec: QNetworkSpec): void {
  const posInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
  if (!posInt(spec.window)) throw new RangeError(`window must be an integer >= 1, got ${spec.window}`);
  if (!posInt(spec.features)) throw new RangeError(`features must be an integer >= 1, got ${spec.features}`);
  if (!posInt(spec.units)) throw new RangeError(`units must be an integer >= 1, got ${spec.units}`);
  if (!Number.isInteger(spec.layers) || spec.layers < 0)
    throw new RangeError(`layers must be an integer >= 0, got ${spec.layers}`);
}

/**
 * Build an (uncompiled) Q-network [batch, W·F + 3] → [batch, 3]. Weights are initialised
 * from Math.random: seed it for repeatable runs (see random.ts).
 */
export function buildQNetwork(spec: QNetworkSpec): tf.LayersModel {
  validateQNetworkSpec(spec);
  const input = tf.input({ shape: [observationSize(spec.window, spec.features)], name: 'observation' });
  let x: tf.SymbolicTensor = input;
  for (let i = 0; i < spec.layers; i++) {
    x = tf.layers
      .dense({ units: spec.units, activation: 'relu', name: `q_dense_${i + 1}` })
      .apply(x) as tf.SymbolicTensor;
  }
  const output = tf.layers
    .dense({ units: NUM_ACTIONS, activation: 'linear', name: 'q_values' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'dqn_q_network' });
}

/** The (window, features) a Q-network was built for, checked against an environment. */
export function assertNetworkFits(network: tf.LayersModel, window: number, features: number): void {
  const shape = network.inputs[0].shape;
  const expected = observationSize(window, features);
  if (shape.length !== 2 || shape[1] !== expected) {
    throw new RangeError(
      `the Q-network takes observations of shape [${shape.map((d) => d ?? 'batch').join(', ')}]; windows of ${window}×${features} need [batch, ${expected}]`,
    );
  }
  const out = network.outputs[0].shape;
  if (out.length !== 2 || out[1] !== NUM_ACTIONS)
    throw new RangeError(`the Q-network must output [batch, ${NUM_ACTIONS}], got [${out.join(', ')}]`);
}
