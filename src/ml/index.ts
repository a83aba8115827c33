// Public surface of the ml module: tensors in, tensors out — no HTTP, no database.
export * from './backend';
export * from './layers';
export * from './architectures';
export * from './training';
export * from './io';
export { predictBatch, type PredictOptions } from './predict';
export { countParameters, estimateTrainingBytes, estimateTrainingMemory, type TrainingMemoryEstimate } from './memory';
export { createPrng, restoreNativeRandom, seedGlobalRandom, withSeed } from './random';
