import { dimensions, type Dimension, type SearchSpace, type TrialParams } from '../space';
import type { ProposeContext, Strategy } from './strategy';

/** Grid points of a dimension: choices, every integer of an int range, `steps` points of a float range (log-spaced with log). */
export function gridValues(dim: Dimension): Array<string | number | boolean> | undefined {
  if (dim.type === 'choice') return dim.values;
  if (dim.type === 'int') {
    if (dim.max - dim.min + 1 > 1000) return undefined;
    return Array.from({ length: dim.max - dim.min + 1 }, (_, i) => dim.min + i);
  }
  if (!dim.steps) return undefined;
  const n = dim.steps;
  return Array.from({ length: n }, (_, i) => {
    // The ends exactly as given (exp(log(x)) is not always x).
    if (i === 0) return dim.min;
    if (i === n - 1) return dim.max;
    const f = i / (n - 1);
    return dim.log
      ? Math.exp(Math.log(dim.min) + f * (Math.log(dim.max) - Math.log(dim.min)))
      : dim.min + f * (dim.max - dim.min);
  });
}

/**
 * Every combination, in a fixed order (keys sorted, the last key varying fastest): trial i is
 * the i-th combination. Float ranges need `steps`; an int range at most 1000 values.
 */
export const gridStrategy: Strategy = {
  name: 'grid',
  description: 'every combination of the choices, int values and float steps, in order',
  capacity(space: SearchSpace): number {
    let n = 1;
    for (const [, dim] of dimensions(space)) {
      const values = gridValues(dim);
      if (!values) return 0;
      n *= values.length;
      if (n > 1e9) return 1e9;
    }
    return n;
  },
  unsupported(space: SearchSpace): string | undefined {
    for (const [key, dim] of dimensions(space)) {
      if (!gridValues(dim))
        return `${key}: a grid cannot enumerate ${dim.type === 'float' ? 'a continuous float range: give "steps" or use random or tpe' : 'an int range of more than 1000 values: use random or tpe'}`;
    }
    return undefined;
  },
  propose({ space, index }: ProposeContext): TrialParams {
    const keys = dimensions(space).map(([k]) => k);
    const out: TrialParams = {};
    let rest = index;
    for (let k = keys.length - 1; k >= 0; k--) {
      const values = gridValues(space[keys[k]])!;
      out[keys[k]] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    return Object.fromEntries(keys.map((k) => [k, out[k]]));
  },
};
