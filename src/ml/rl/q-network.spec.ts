import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../backend';
import { loadModel, saveModel } from '../io';
import { withSeed } from '../random';
import { argmaxQ, greedyActions, qValuesFor } from './policy';
import { buildQNetwork, observation, observationSize } from './q-network';
import { syntheticEnvs } from './synthetic-env';

describe('Q-network and greedy policy', () => {
  const [env] = syntheticEnvs({ parts: [40], window: 4, phi: -0.5, sigma: 1e-3, spreadPips: 1, seed: 3 });
  let network: tf.LayersModel;

  beforeAll(async () => {
    await initTfBackend('wasm');
    network = await withSeed(11, () => buildQNetwork({ window: 4, features: 1, units: 8, layers: 2 }));
  });
  afterAll(() => network.dispose());

  it('observation = the [W, F] window flattened (oldest bar first), then one-hot [short, flat, long]', () => {
    const w = new Float32Array([1, 2, 3, 4]);
    expect(Array.from(observation(w, -1))).toEqual([1, 2, 3, 4, 1, 0, 0]);
    expect(Array.from(observation(w, 0))).toEqual([1, 2, 3, 4, 0, 1, 0]);
    expect(Array.from(observation(w, 1))).toEqual([1, 2, 3, 4, 0, 0, 1]);
    expect(observationSize(30, 4)).toBe(123);
    expect(network.inputs[0].shape).toEqual([null, 7]);
    expect(network.outputs[0].shape).toEqual([null, 3]);
  });

  it('argmax sends ties to flat', () => {
    expect(argmaxQ([0, 0, 0])).toBe(1);
    expect(argmaxQ([1, 0, 1])).toBe(0);
    expect(argmaxQ([0, 0, 1])).toBe(2);
  });

  it('greedyActions (batched) equals a step-by-step loop of qValuesFor, the position feeding the next step', async () => {
    const before = tf.memory().numTensors;
    const run = await greedyActions(network, env, { chunk: 7 });
    let position: -1 | 0 | 1 = 0;
    for (let t = 0; t < 40; t++) {
      const one = await qValuesFor(network, env.states.subarray(t * 4, t * 4 + 4), position);
      Array.from(one.q_values).forEach((v, a) => expect(run.qValues[t * 3 + a]).toBeCloseTo(v, 6));
      expect(run.actions[t]).toBe(one.action);
      position = one.action;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves and reloads through src/ml/io with identical q-values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dqn-'));
    try {
      await saveModel(network, dir);
      const loaded = await loadModel(dir);
      const a = await greedyActions(network, env);
      const b = await greedyActions(loaded, env);
      expect(b.qValues).toEqual(a.qValues);
      expect(b.actions).toEqual(a.actions);
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects windows of the wrong size', async () => {
    const [other] = syntheticEnvs({ parts: [5], window: 3, phi: 0, sigma: 1e-3, spreadPips: 0, seed: 1 });
    await expect(greedyActions(network, other)).rejects.toThrow('windows of 3×1 need [batch, 6]');
    await expect(qValuesFor(network, new Float32Array(3), 0)).rejects.toThrow('takes 7 inputs');
  });
});
