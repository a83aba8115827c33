import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../backend';
import { chosenQ, doubleDqnTargets } from './double-dqn';

describe('double-DQN target', () => {
  beforeAll(async () => {
    await initTfBackend('wasm');
  });

  it('the online net picks the next action, the target net values it; terminal steps do not bootstrap', async () => {
    const before = tf.memory().numTensors;
    const qNextOnline = tf.tensor2d([
      [1, 5, 2], // online prefers action 1 (flat)
      [3, 0, 1], // action 0 (short)
      [0, 1, 9], // action 2 (long)
    ]);
    const qNextTarget = tf.tensor2d([
      [10, 20, 30],
      [40, 50, 60],
      [-1, -2, -3],
    ]);
    const rewards = tf.tensor1d([0.5, -1, 2]);
    const dones = tf.tensor1d([0, 1, 0]);
    const y = doubleDqnTargets(qNextOnline, qNextTarget, rewards, dones, 0.9);
    // 0.5 + 0.9·20 (target's value of the ONLINE choice, not the target's own max 30);
    // −1 (terminal); 2 + 0.9·(−3).
    const values = Array.from(await y.data());
    [18.5, -1, -0.7].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 5));

    const actions = tf.tensor1d([2, 0, 1], 'int32');
    const q = chosenQ(qNextTarget, actions);
    expect(Array.from(await q.data())).toEqual([30, 40, -2]);
    tf.dispose([qNextOnline, qNextTarget, rewards, dones, y, q, actions]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
