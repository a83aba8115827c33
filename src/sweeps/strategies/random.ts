import { dimensions, type SearchSpace, type TrialParams } from '../space';
import { trialRng } from './rng';
import { sampleDimension, type ProposeContext, type Strategy } from './strategy';

/** Independent draws from each dimension's prior; trial i's draw depends on (seed, i) only. */
export function randomParams(space: SearchSpace, seed: number, index: number): TrialParams {
  const rng = trialRng(seed, index);
  return Object.fromEntries(dimensions(space).map(([k, dim]) => [k, sampleDimension(dim, rng)]));
}

export const randomStrategy: Strategy = {
  name: 'random',
  description: 'independent draws (uniform, or log-uniform with log) per parameter, seeded per trial',
  capacity: () => Number.POSITIVE_INFINITY,
  propose: ({ space, seed, index }: ProposeContext) => randomParams(space, seed, index),
};
