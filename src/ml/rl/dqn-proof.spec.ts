/**
 * The proof, with the default hyperparameters: trained on the train part, selected
 * on validation, judged on the held-out test part against buy-and-hold and always-flat.
 * Data: hourly-like returns (σ = 10 pips per bar at 1.10), spread 1 pip (half a pip per
 * unit of position change), windows of the last 8 returns.
 *
 * Noise scale: σ_period = sd(test returns) × √n, the volatility of buy-and-hold's return over
 * the test period (≈ 2.2% here). Criteria:
 *   - planted pattern (AR(1), φ = −0.7: the last return's sign predicts the next one): the
 *     agent beats both baselines by more than 3 σ_period;
 *   - random walk: the agent does not beat always-flat (0) by more than 2 σ_period, and its
 *     return is within 3 σ_period of 0 either way (its cost drag stays bounded).
 */
import { initTfBackend } from '../backend';
import { withSeed } from '../random';
import { trainDqn } from './dqn';
import { greedyActions } from './policy';
import { syntheticEnvs } from './synthetic-env';
import { compareWithBaselines, type TradingComparison } from './trading-metrics';
import type { TradingEnvData } from './trading-env';

const HOURS_PER_YEAR = 252 * 24;

async function trainAndTest(phi: number, seed: number): Promise<{ cmp: TradingComparison; noise: number; ms: number }> {
  const [train, validation, test] = syntheticEnvs({
    parts: [1000, 300, 500],
    window: 8,
    phi,
    sigma: 1e-3,
    spreadPips: 1,
    seed: 100 + seed,
  });
  const started = Date.now();
  const result = await withSeed(seed, () => trainDqn({ train, validation, config: { seed } }));
  const ms = Date.now() - started;
  try {
    const { actions } = await greedyActions(result.network, test);
    return { cmp: compareWithBaselines(test, actions, HOURS_PER_YEAR), noise: periodVolatility(test), ms };
  } finally {
    result.network.dispose();
  }
}

function periodVolatility(env: TradingEnvData): number {
  const r = env.nextReturns;
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
  return sd * Math.sqrt(r.length);
}

const summary = (name: string, o: { cmp: TradingComparison; noise: number; ms: number }): string =>
  `${name}: trained in ${o.ms} ms; σ_period ${o.noise.toFixed(4)}; ` +
  (['agent', 'buy_and_hold', 'always_flat'] as const)
    .map(
      (k) =>
        `${k} return ${o.cmp[k].total_return.toFixed(4)} sharpe ${o.cmp[k].sharpe?.toFixed(2) ?? '–'} trades ${o.cmp[k].trades} exposure ${o.cmp[k].exposure.toFixed(2)}`,
    )
    .join('; ');

describe('DQN agent: the proof', () => {
  beforeAll(async () => {
    await initTfBackend('wasm');
  });

  it('on a planted pattern it beats buy-and-hold and always-flat after costs, clearly', async () => {
    const o = await trainAndTest(-0.7, 1);
    console.log(summary('planted pattern', o));
    const { agent, buy_and_hold, always_flat } = o.cmp;
    expect(agent.total_return).toBeGreaterThan(
      Math.max(buy_and_hold.total_return, always_flat.total_return) + 3 * o.noise,
    );
    expect(agent.sharpe!).toBeGreaterThan(buy_and_hold.sharpe ?? 0);
    expect(agent.trades).toBeGreaterThan(0);
  });

  it('on a random walk it does not beat always-flat beyond noise', async () => {
    const o = await trainAndTest(0, 1);
    console.log(summary('random walk', o));
    const { agent, always_flat } = o.cmp;
    expect(agent.total_return).toBeLessThan(always_flat.total_return + 2 * o.noise);
    expect(Math.abs(agent.total_return - always_flat.total_return)).toBeLessThan(3 * o.noise);
  });
});
