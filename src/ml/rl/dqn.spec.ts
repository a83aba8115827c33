import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../backend';
import { withSeed } from '../random';
import { trainDqn, type DqnEpisodeLog, type TrainDqnResult } from './dqn';
import type { DqnConfig } from './dqn-config';
import { greedyActions } from './policy';
import { syntheticEnvs } from './synthetic-env';
import { totalReturn } from './trading-metrics';

// Tiny and fast: 300 training steps × 3 episodes.
const [train, validation, test] = syntheticEnvs({
  parts: [300, 100, 100],
  window: 4,
  phi: -0.6,
  sigma: 1e-3,
  spreadPips: 1,
  seed: 5,
});
const config: Partial<DqnConfig> = {
  episodes: 3,
  epsilonDecaySteps: 600,
  warmupSteps: 64,
  batchSize: 32,
  targetUpdateInterval: 100,
  units: 16,
  seed: 9,
};

async function run(
  seed: number,
  extra: Partial<DqnConfig> = {},
): Promise<{ result: TrainDqnResult; actions: Int8Array; qValues: Float32Array }> {
  const result = await withSeed(seed, () => trainDqn({ train, validation, config: { ...config, ...extra } }));
  const { actions, qValues } = await greedyActions(result.network, test);
  return { result, actions, qValues };
}

describe('trainDqn', () => {
  beforeAll(async () => {
    await initTfBackend('wasm');
  });

  it('is reproducible: same seeds → identical history, policy and q-values; another seed differs', async () => {
    const a = await run(1);
    const b = await run(1);
    const c = await run(2, { seed: 10 });
    try {
      expect(b.result.history).toEqual(a.result.history);
      expect(b.result.bestEpisode).toBe(a.result.bestEpisode);
      expect(b.actions).toEqual(a.actions);
      expect(b.qValues).toEqual(a.qValues);
      expect(c.result.history.train_reward).not.toEqual(a.result.history.train_reward);
      expect(a.result.history.episode).toEqual([0, 1, 2]);
      expect(a.result.steps).toBe(900);
      expect(a.result.gradientSteps).toBeGreaterThan(150);
    } finally {
      for (const r of [a, b, c]) r.result.network.dispose();
    }
  });

  it('returns the best validation episode’s weights, and leaves no tensor behind once the network is disposed', async () => {
    const before = tf.memory().numTensors;
    const logs: DqnEpisodeLog[] = [];
    const result = await withSeed(3, () =>
      trainDqn({ train, validation, config, onEpisode: (log) => void logs.push(log) }),
    );
    const { history, bestEpisode } = result;
    expect(logs.map((l) => l.val_return)).toEqual(history.val_return);
    expect(history.val_return[bestEpisode]).toBe(Math.max(...history.val_return));
    // The network really holds that episode's weights: its greedy validation return matches.
    const { actions } = await greedyActions(result.network, validation);
    expect(totalReturn(validation, actions)).toBe(history.val_return[bestEpisode]);
    expect(history.epsilon[2]).toBe(0.05);
    expect(history.epsilon[0]).toBeCloseTo(1 - (0.95 * 299) / 600, 12);
    result.network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops when asked (cancelled, keeps the completed episodes, no leaks)', async () => {
    const before = tf.memory().numTensors;
    let polls = 0;
    const result = await withSeed(4, () => trainDqn({ train, validation, config, shouldStop: () => ++polls > 100 }));
    // 300 steps / trainEvery 4 = 75 polls per episode: episode 0 completes, episode 1 is cut.
    expect(result.cancelled).toBe(true);
    expect(result.history.episode).toEqual([0]);
    expect(result.bestEpisode).toBe(0);
    result.network.dispose();

    const aborted = new AbortController();
    aborted.abort();
    const none = await trainDqn({ train, validation, config, signal: aborted.signal });
    expect(none).toMatchObject({ cancelled: true, bestEpisode: -1, steps: 0 });
    none.network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched parts', async () => {
    const [other] = syntheticEnvs({ parts: [10], window: 3, phi: 0, sigma: 1e-3, spreadPips: 0, seed: 1 });
    await expect(trainDqn({ train, validation: other, config })).rejects.toThrow(
      'validation windows are 3×1, train windows 4×1',
    );
  });
});
