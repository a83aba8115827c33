/**
 * The greedy policy of a trained Q-network: what validation, test evaluation and serving
 * run. Reads are asynchronous (`await data()`), never dataSync, and every tensor created
 * here is disposed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { assertNetworkFits, observation, writeObservation } from './q-network';
import { NUM_ACTIONS, positionToAction, validateEnvData, type Position, type TradingEnvData } from './trading-env';

/**
 * Argmax over the 3 Q-values at `offset`. Ties go to flat (then short before long): with no
 * preference, holding no position is the cautious choice, and an untrained all-equal
 * output then means "do nothing".
 */
export function argmaxQ(q: ArrayLike<number>, offset = 0): 0 | 1 | 2 {
  let best: 0 | 1 | 2 = 1;
  if (q[offset] > q[offset + best]) best = 0;
  if (q[offset + 2] > q[offset + best]) best = 2;
  return best;
}

/**
 * Q-values of every step under each of the 3 possible current positions, from batched
 * forward passes: out[(t·3 + a_prev)·3 + a] = Q(window_t, position a_prev − 1, action a)
 * for t in [from, to). The network is fixed during the call, so all of them can be
 * computed up front even though the realised position path depends on earlier choices.
 */
export async function qValuesAllPositions(
  network: tf.LayersModel,
  env: TradingEnvData,
  from: number,
  to: number,
  chunk = 1024,
): Promise<Float32Array> {
  const stride = env.window * env.features;
  const d = stride + 3;
  const count = to - from;
  const out = new Float32Array(count * NUM_ACTIONS * NUM_ACTIONS);
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const c1 = Math.min(count, c0 + chunk);
    const rows = (c1 - c0) * NUM_ACTIONS;
    const x = new Float32Array(rows * d);
    for (let t = c0; t < c1; t++) {
      for (let a = 0; a < NUM_ACTIONS; a++)
        writeObservation(x, ((t - c0) * NUM_ACTIONS + a) * d, env.states, from + t, stride, a - 1);
    }
    const input = tf.tensor2d(x, [rows, d]);
    // apply (one eager pass) rather than predict: predict re-splits into batches of 32 and
    // costs ~2× as much per call, which matters when training calls this every few steps.
    const output = tf.tidy(() => network.apply(input, { training: false }) as tf.Tensor);
    try {
      out.set(await output.data(), c0 * NUM_ACTIONS * NUM_ACTIONS);
    } finally {
      tf.dispose([input, output]);
    }
  }
  return out;
}

export interface GreedyRun {
  /** Position held at each step, −1/0/+1, starting from flat before step 0. */
  actions: Int8Array;
  /** [n, 3] Q-values (short, flat, long) at each step, given the position actually held. */
  qValues: Float32Array;
}

/**
 * Run the greedy policy over an environment from flat. Step by step in logic (the position
 * chosen at t is part of the observation at t+1) but batched in computation: one forward
 * pass per chunk of steps covers all three possible incoming positions.
 */
export async function greedyActions(
  network: tf.LayersModel,
  env: TradingEnvData,
  options: { chunk?: number } = {},
): Promise<GreedyRun> {
  const n = validateEnvData(env);
  assertNetworkFits(network, env.window, env.features);
  const all = await qValuesAllPositions(network, env, 0, n, options.chunk ?? 1024);
  const actions = new Int8Array(n);
  const qValues = new Float32Array(n * NUM_ACTIONS);
  let position = 0;
  for (let t = 0; t < n; t++) {
    const at = (t * NUM_ACTIONS + positionToAction(position)) * NUM_ACTIONS;
    qValues.set(all.subarray(at, at + NUM_ACTIONS), t * NUM_ACTIONS);
    position = argmaxQ(all, at) - 1;
    actions[t] = position;
  }
  return { actions, qValues };
}

/** Serving one window ([W, F] flattened, oldest bar first) with the current position. */
export async function qValuesFor(
  network: tf.LayersModel,
  window: Float32Array,
  position: Position,
): Promise<{ action: Position; q_values: [number, number, number] }> {
  const obs = observation(window, position);
  const inputShape = network.inputs[0].shape;
  if (inputShape[1] !== obs.length)
    throw new RangeError(`the Q-network takes ${inputShape[1]} inputs; this window + position gives ${obs.length}`);
  const input = tf.tensor2d(obs, [1, obs.length]);
  const output = network.predict(input) as tf.Tensor;
  try {
    const q = await output.data();
    return { action: (argmaxQ(q) - 1) as Position, q_values: [q[0], q[1], q[2]] };
  } finally {
    tf.dispose([input, output]);
  }
}
