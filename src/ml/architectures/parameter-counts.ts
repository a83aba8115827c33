/**
 * Parameter counts of the building blocks, shared by the architectures' countParameters and
 * the autoencoder estimate in memory.ts (each must equal tfjs' model.countParams()).
 */
export const denseParameters = (inputs: number, units: number): number => inputs * units + units;
export const lstmParameters = (inputs: number, units: number): number => 4 * (inputs * units + units * units + units);
// tfjs' GRU is the reset_after=false variant: one bias vector.
export const gruParameters = (inputs: number, units: number): number => 3 * (inputs * units + units * units + units);

// Per time step and unit, intermediates an unrolled cell keeps for backprop (gates,
// pre-activations, states): generous on purpose.
export const LSTM_VALUES_PER_UNIT_STEP = 10;
export const GRU_VALUES_PER_UNIT_STEP = 8;
