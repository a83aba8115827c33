import { Sweep, SweepTrial } from './sweep.entity';

/** The sweeps module's tables, composed with the other modules' in src/app.entities.ts. */
export const SWEEPS_ENTITIES = [Sweep, SweepTrial];
