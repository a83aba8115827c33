import type { Dimension, SearchSpace, TrialParams } from '../space';

/** A finished trial as a strategy sees it: `loss` is the objective oriented so that lower is better. */
export interface Observation {
  index: number;
  params: TrialParams;
  loss: number;
}

export interface ProposeContext {
  space: SearchSpace;
  seed: number;
  /** The trial's number (0-based): proposals are a function of (seed, index, observations). */
  index: number;
  /** Finished trials with an objective value (the model-based strategy learns from them). */
  observations: Observation[];
  /** The sweep's trial budget (TPE sizes its random start-up from it). */
  maxTrials: number;
}

/** A search strategy: one file, registered in STRATEGIES (strategies/index.ts). */
export interface Strategy {
  readonly name: string;
  readonly description: string;
  /** The most distinct trials it can propose for this space (a grid's size; Infinity for samplers). 0: it cannot search this space. */
  capacity(space: SearchSpace): number;
  /** Why it cannot search this space (when capacity is 0). */
  unsupported?(space: SearchSpace): string | undefined;
  propose(ctx: ProposeContext): TrialParams;
}

/** One draw from a dimension's prior: uniform over choices, uniform or log-uniform over ranges. */
export function sampleDimension(dim: Dimension, rng: () => number): string | number | boolean {
  if (dim.type === 'choice') return dim.values[Math.min(dim.values.length - 1, Math.floor(rng() * dim.values.length))];
  if (dim.type === 'int') {
    if (dim.log) {
      // Log-uniform over [min - 0.5, max + 0.5] in log space, rounded: each integer gets its share of log width.
      const lo = Math.log(Math.max(dim.min - 0.5, 1e-12));
      const hi = Math.log(dim.max + 0.5);
      return clampInt(Math.round(Math.exp(lo + rng() * (hi - lo))), dim.min, dim.max);
    }
    return clampInt(dim.min + Math.floor(rng() * (dim.max - dim.min + 1)), dim.min, dim.max);
  }
  if (dim.log) {
    const lo = Math.log(dim.min);
    const hi = Math.log(dim.max);
    return Math.min(dim.max, Math.max(dim.min, Math.exp(lo + rng() * (hi - lo))));
  }
  return dim.min + rng() * (dim.max - dim.min);
}

export function clampInt(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(v)));
}
