import { parseSpace } from '../space';
import { gridStrategy } from './grid';
import { randomStrategy } from './random';
import { startupTrials, tpeStrategy } from './tpe';
import type { Observation, Strategy } from './strategy';

const space = parseSpace({
  'hyperparameters.units': { type: 'choice', values: [16, 32, 64] },
  'hyperparameters.learning_rate': { type: 'float', min: 1e-4, max: 1e-2, log: true },
  'hyperparameters.layers': { type: 'int', min: 1, max: 3 },
  window: { type: 'int', min: 5, max: 500, log: true },
});

function proposals(strategy: Strategy, seed: number, n: number, score?: (p: Record<string, unknown>) => number) {
  const obs: Observation[] = [];
  const out = [];
  for (let i = 0; i < n; i++) {
    const params = strategy.propose({ space, seed, index: i, observations: obs, maxTrials: n });
    out.push(params);
    if (score) obs.push({ index: i, params, loss: score(params) });
  }
  return out;
}

describe('sweep strategies', () => {
  it('grid enumerates every combination once, in order (last key fastest), float ranges by steps (log-spaced)', () => {
    const s = parseSpace({
      a: { type: 'choice', values: ['x', 'y'] },
      b: { type: 'int', min: 1, max: 3 },
      c: { type: 'float', min: 0.001, max: 0.1, log: true, steps: 3 },
    });
    expect(gridStrategy.capacity(s)).toBe(18);
    const all = Array.from({ length: 18 }, (_, i) =>
      gridStrategy.propose({ space: s, seed: 0, index: i, observations: [], maxTrials: 18 }),
    );
    expect(new Set(all.map((p) => JSON.stringify(p))).size).toBe(18);
    expect(all[0]).toEqual({ a: 'x', b: 1, c: 0.001 });
    expect(all[1].c).toBeCloseTo(0.01, 12);
    expect(all[17]).toEqual({ a: 'y', b: 3, c: expect.closeTo(0.1, 12) });
  });

  it('grid cannot enumerate a continuous float range (capacity 0 and a reason)', () => {
    const s = parseSpace({ lr: { type: 'float', min: 0, max: 1 } });
    expect(gridStrategy.capacity(s)).toBe(0);
    expect(gridStrategy.unsupported!(s)).toMatch(/continuous float range/);
  });

  it.each([randomStrategy, tpeStrategy])(
    '$name: the same seed proposes the same trials; another seed others',
    (strategy) => {
      const score = (p: Record<string, unknown>) =>
        Math.abs(Math.log10(p['hyperparameters.learning_rate'] as number) + 3) +
        (p['hyperparameters.units'] === 32 ? 0 : 0.5);
      const a = proposals(strategy, 42, 12, score);
      const b = proposals(strategy, 42, 12, score);
      const c = proposals(strategy, 43, 12, score);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    },
  );

  it.each([randomStrategy, tpeStrategy])(
    '$name: every proposal lies within its bounds (log ranges included), ints are integers',
    (strategy) => {
      const score = (p: Record<string, unknown>) => (p.window as number) / 500;
      for (const p of proposals(strategy, 7, 40, score)) {
        expect([16, 32, 64]).toContain(p['hyperparameters.units']);
        const lr = p['hyperparameters.learning_rate'] as number;
        expect(lr).toBeGreaterThanOrEqual(1e-4);
        expect(lr).toBeLessThanOrEqual(1e-2);
        expect(Number.isInteger(p.window)).toBe(true);
        expect(p.window).toBeGreaterThanOrEqual(5);
        expect(p.window).toBeLessThanOrEqual(500);
        expect([1, 2, 3]).toContain(p['hyperparameters.layers']);
      }
    },
  );

  it('random: a log range spreads over decades (about as many draws below 1e-3 as above)', () => {
    const lrs = Array.from(
      { length: 400 },
      (_, i) =>
        randomStrategy.propose({ space, seed: 1, index: i, observations: [], maxTrials: 400 })[
          'hyperparameters.learning_rate'
        ] as number,
    );
    const below = lrs.filter((v) => v < 1e-3).length;
    expect(below).toBeGreaterThan(150);
    expect(below).toBeLessThan(250);
  });

  it('tpe: random for its start-up trials, then concentrates where the objective is good', () => {
    const n = 40;
    const best = 2e-3;
    const score = (p: Record<string, unknown>) =>
      Math.abs(Math.log10(p['hyperparameters.learning_rate'] as number) - Math.log10(best));
    const tpe = proposals(tpeStrategy, 3, n, score);
    const rnd = proposals(randomStrategy, 3, n, score);
    const k = startupTrials(n);
    expect(tpe.slice(0, k)).toEqual(rnd.slice(0, k));
    const meanErr = (ps: Array<Record<string, unknown>>) => ps.slice(k).reduce((a, p) => a + score(p), 0) / (n - k);
    expect(meanErr(tpe)).toBeLessThan(meanErr(rnd) * 0.7);
  });

  it('tpe: the proposal depends on the finished trials, not on the order they finished in', () => {
    const obs: Observation[] = [0, 1, 2, 3, 4].map((i) => ({
      index: i,
      params: randomStrategy.propose({ space, seed: 5, index: i, observations: [], maxTrials: 8 }),
      loss: i * 0.1,
    }));
    const a = tpeStrategy.propose({ space, seed: 5, index: 5, observations: obs, maxTrials: 8 });
    const b = tpeStrategy.propose({ space, seed: 5, index: 5, observations: [...obs].reverse(), maxTrials: 8 });
    expect(b).toEqual(a);
  });
});

describe('key order', () => {
  it.each([gridStrategy, randomStrategy, tpeStrategy])(
    '$name: a space whose keys come back in another order (jsonb) proposes the same trials',
    (strategy) => {
      const s = parseSpace({
        'hyperparameters.units': { type: 'choice', values: [4, 8] },
        'hyperparameters.learning_rate': { type: 'float', min: 0.001, max: 0.01, log: true, steps: 3 },
        window: { type: 'int', min: 5, max: 7 },
      });
      const reordered = Object.fromEntries(Object.entries(s).reverse());
      for (let i = 0; i < 6; i++)
        expect(strategy.propose({ space: reordered, seed: 9, index: i, observations: [], maxTrials: 6 })).toEqual(
          strategy.propose({ space: s, seed: 9, index: i, observations: [], maxTrials: 6 }),
        );
    },
  );
});
