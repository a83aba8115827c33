/**
 * The trading environment the DQN agent acts in: one chronological part (train, validation
 * or test) of a windowed dataset, stepped one sample (= one bar, H = 1) at a time.
 *
 * Timing: at step t the agent sees the window ending at bar t (and its current position),
 * chooses a position, and then the move from bar t to bar t+1 is realised. The reward can
 * therefore never contain information the agent had when it acted.
 *
 * Cost convention (identical to src/training/evaluation/backtest.ts): changing the position
 * by |Δ| units at step t costs |Δ| × costs[t], where costs[t] is HALF the quoted spread as
 * a fraction of the price at t (spreadPips × pipSize / 2 / price_t; see halfSpreadCosts).
 * So opening from flat or closing to flat costs half a spread, a reversal long → short
 * (|Δ| = 2) a full spread, a round trip flat → long → flat one spread. Episodes start flat
 * and the last position is marked to market, not closed (no closing cost), as in the
 * backtest.
 */

/** Action index 0, 1, 2 = short, flat, long. */
export type Action = 0 | 1 | 2;
export type Position = -1 | 0 | 1;
export const NUM_ACTIONS = 3;

export function actionToPosition(action: number): Position {
  return (action - 1) as Position;
}

export function positionToAction(position: number): Action {
  return (position + 1) as Action;
}

/** One chronological part of a dataset as the agent sees it. */
export interface TradingEnvData {
  /** Scaled feature windows, flat [n, window, features], oldest bar first; the last bar is t. */
  states: Float32Array;
  window: number;
  features: number;
  /** Simple return from bar t to bar t+1, realised after the action at t. */
  nextReturns: Float64Array;
  /** Cost, in return units, of one unit of position change at step t (half spread / price_t). */
  costs: Float64Array;
}

/** Number of steps (samples) in an environment. */
export function envLength(env: TradingEnvData): number {
  return env.nextReturns.length;
}

/** Throws a RangeError naming the first inconsistency; returns the number of steps. */
export function validateEnvData(env: TradingEnvData, name = 'env'): number {
  const { window, features } = env;
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`${name}.window must be an integer >= 1, got ${window}`);
  if (!Number.isInteger(features) || features < 1)
    throw new RangeError(`${name}.features must be an integer >= 1, got ${features}`);
  const n = env.nextReturns.length;
  if (n < 1) throw new RangeError(`${name} has no steps`);
  if (env.states.length !== n * window * features) {
    throw new RangeError(
      `${name}.states has ${env.states.length} values; [${n}, ${window}, ${features}] needs ${n * window * features}`,
    );
  }
  if (env.costs.length !== n)
    throw new RangeError(`${name}.costs has ${env.costs.length} values but there are ${n} steps`);
  // One NaN in a window turns every weight into NaN within a minibatch; check up front.
  for (let i = 0; i < env.states.length; i++) {
    if (!Number.isFinite(env.states[i])) throw new RangeError(`${name}.states[${i}] is not finite (${env.states[i]})`);
  }
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(env.nextReturns[t]))
      throw new RangeError(`${name}.nextReturns[${t}] is not finite (${env.nextReturns[t]})`);
    if (!(env.costs[t] >= 0) || !Number.isFinite(env.costs[t]))
      throw new RangeError(`${name}.costs[${t}] must be a finite number >= 0 (${env.costs[t]})`);
  }
  return n;
}

/** reward_t = position_t × nextReturn_t − cost_t × |position_t − position_{t−1}|. */
export function stepReward(previous: number, position: number, nextReturn: number, cost: number): number {
  const change = Math.abs(position - previous);
  // (Flat earns exactly +0, not −0 × a negative return.)
  const pnl = position === 0 ? 0 : position * nextReturn;
  return change === 0 ? pnl : pnl - change * cost;
}

/**
 * Per-unit cost in return units from a quoted spread: half the spread over the price at
 * each step (the price at decision time t; one number for a constant typical price).
 */
export function halfSpreadCosts(
  price: number | ArrayLike<number>,
  n: number,
  spreadPips: number,
  pipSize: number,
): Float64Array {
  if (!(spreadPips >= 0) || !Number.isFinite(spreadPips))
    throw new RangeError(`spreadPips must be a finite number >= 0, got ${spreadPips}`);
  if (!(pipSize > 0) || !Number.isFinite(pipSize))
    throw new RangeError(`pipSize must be a finite number > 0, got ${pipSize}`);
  const costs = new Float64Array(n);
  if (spreadPips === 0) return costs;
  if (typeof price !== 'number' && price.length !== n)
    throw new RangeError(`price has ${price.length} values but there are ${n} steps`);
  const half = (spreadPips * pipSize) / 2;
  for (let t = 0; t < n; t++) {
    const p = typeof price === 'number' ? price : price[t];
    if (!(p > 0) || !Number.isFinite(p))
      throw new RangeError(`price${typeof price === 'number' ? '' : `[${t}]`} must be a finite number > 0, got ${p}`);
    costs[t] = half / p;
  }
  return costs;
}

/** Rewards of following `positions` (−1/0/+1 per step) from flat; the additive episode reward. */
export function positionRewards(env: TradingEnvData, positions: ArrayLike<number>): Float64Array {
  const n = envLength(env);
  if (positions.length !== n)
    throw new RangeError(`positions has ${positions.length} values but the env has ${n} steps`);
  const rewards = new Float64Array(n);
  let previous = 0;
  for (let t = 0; t < n; t++) {
    const p = positions[t];
    if (p !== -1 && p !== 0 && p !== 1) throw new RangeError(`positions[${t}] must be -1, 0 or 1, got ${p}`);
    rewards[t] = stepReward(previous, p, env.nextReturns[t], env.costs[t]);
    previous = p;
  }
  return rewards;
}
