/**
 * Exploration schedule: epsilon falls LINEARLY from `start` to `end` over the first
 * `decaySteps` environment steps (counted across episodes), then stays at `end`.
 * Linear rather than exponential because its length is exactly `decaySteps`: a user can
 * read "explore for the first N steps" off the config, and the late episodes are then
 * almost greedy, which is what validation selects on.
 */
export interface EpsilonSchedule {
  start: number;
  end: number;
  decaySteps: number;
}

export function validateEpsilonSchedule(s: EpsilonSchedule): void {
  const inUnit = (v: number): boolean => v >= 0 && v <= 1;
  if (!inUnit(s.start)) throw new RangeError(`epsilonStart must be in [0, 1], got ${s.start}`);
  if (!inUnit(s.end)) throw new RangeError(`epsilonEnd must be in [0, 1], got ${s.end}`);
  if (!Number.isInteger(s.decaySteps) || s.decaySteps < 0)
    throw new RangeError(`epsilonDecaySteps must be an integer >= 0, got ${s.decaySteps}`);
}

/** Epsilon to use at environment step `step` (0-based, global). */
export function epsilonAt(step: number, s: EpsilonSchedule): number {
  if (s.decaySteps === 0 || step >= s.decaySteps) return s.end;
  return s.start + ((s.end - s.start) * Math.max(0, step)) / s.decaySteps;
}
