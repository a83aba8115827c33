import { gridStrategy } from './grid';
import { randomStrategy } from './random';
import type { Strategy } from './strategy';
import { tpeStrategy } from './tpe';

/** Every search strategy; the DTO's allowed values and the docs derive from this list. */
export const STRATEGIES: Record<string, Strategy> = { grid: gridStrategy, random: randomStrategy, tpe: tpeStrategy };
export const STRATEGY_NAMES = Object.keys(STRATEGIES);
export type { Observation, Strategy } from './strategy';
