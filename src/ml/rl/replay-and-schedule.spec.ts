import { createPrng } from '../random';
import { DQN_DEFAULTS, resolveDqnConfig } from './dqn-config';
import { epsilonAt } from './epsilon';
import { ReplayBuffer } from './replay-buffer';

const obs = (v: number): Float32Array => new Float32Array([v, v + 0.5]);

describe('replay buffer', () => {
  it('keeps the last `capacity` transitions, overwriting the oldest (wraps)', () => {
    const buf = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buf.push(obs(i), i % 3, i * 10, obs(i + 1), i === 4);
    expect(buf.size).toBe(3);
    const stored = [0, 1, 2].map((i) => buf.get(i));
    expect(stored.map((s) => s.reward)).toEqual([20, 30, 40]);
    expect(stored.map((s) => s.action)).toEqual([2, 0, 1]);
    expect(Array.from(stored[0].obs)).toEqual([2, 2.5]);
    expect(Array.from(stored[0].nextObs)).toEqual([3, 3.5]);
    expect(stored.map((s) => s.done)).toEqual([false, false, true]);
    expect(Array.from(stored[2].nextObs)).toEqual([0, 0]); // terminal: nothing to bootstrap from
  });

  it('samples stored transitions only, reproducibly from the given PRNG', () => {
    const buf = new ReplayBuffer(4, 2);
    for (let i = 0; i < 6; i++) buf.push(obs(i), 1, i, obs(i + 1), false);
    const a = buf.sample(50, createPrng(7));
    const b = buf.sample(50, createPrng(7));
    expect(a).toEqual(b);
    expect(new Set(a.rewards)).toEqual(new Set([2, 3, 4, 5]));
    for (let k = 0; k < 50; k++) {
      expect(a.obs[k * 2]).toBe(a.rewards[k]); // rows stay aligned
      expect(a.nextObs[k * 2]).toBe(a.rewards[k] + 1);
    }
  });

  it('rejects bad sizes', () => {
    expect(() => new ReplayBuffer(0, 2)).toThrow('capacity');
    expect(() => new ReplayBuffer(2, 2).sample(1, Math.random)).toThrow('empty');
    expect(() => new ReplayBuffer(2, 2).push(new Float32Array(3), 0, 0, null, true)).toThrow('obs has 3 values');
  });
});

describe('epsilon schedule and config', () => {
  it('falls linearly from start to end over decaySteps, then stays at end', () => {
    const s = { start: 1, end: 0.1, decaySteps: 100 };
    expect(epsilonAt(0, s)).toBe(1);
    expect(epsilonAt(50, s)).toBeCloseTo(0.55, 12);
    expect(epsilonAt(99, s)).toBeCloseTo(0.109, 12);
    expect(epsilonAt(100, s)).toBe(0.1);
    expect(epsilonAt(10_000, s)).toBe(0.1);
    expect(epsilonAt(5, { start: 1, end: 0.2, decaySteps: 0 })).toBe(0.2);
  });

  it('fills defaults and rejects bad hyperparameters', () => {
    expect(resolveDqnConfig({ gamma: 0.5, episodes: undefined })).toEqual({ ...DQN_DEFAULTS, gamma: 0.5 });
    expect(() => resolveDqnConfig({ gamma: 1 })).toThrow('gamma must be in [0, 1)');
    expect(() => resolveDqnConfig({ epsilonEnd: 1.5 })).toThrow('epsilonEnd');
    expect(() => resolveDqnConfig({ replaySize: 0 })).toThrow('replaySize');
    expect(() => resolveDqnConfig({ targetUpdateInterval: 2.5 })).toThrow('targetUpdateInterval');
    expect(() => resolveDqnConfig({ learningRate: -1 })).toThrow('learningRate');
  });
});
