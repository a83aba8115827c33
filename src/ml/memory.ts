import { autoencoderWidths, type AutoencoderSpec, type NetworkSpec } from './architectures/network-spec';
import {
  denseParameters as dense,
  LSTM_VALUES_PER_UNIT_STEP,
  lstmParameters as lstm,
} from './architectures/parameter-counts';
import { getArchitecture } from './architectures/registry';

/**
 * A rough *upper* estimate of the memory one training run needs, computed from the spec
 * alone (building a model to count would allocate the very memory we want to check), so
 * the service can refuse a request above MAX_TRAINING_MEMORY before it is queued.
 *
 *   parameters × 5   weights, gradients, Adam's two moments, best-weights snapshot
 *   activations      per-sample intermediates kept for backprop × batch × 2 (their gradients)
 *   dataset × 2      the JS Float32Array and the tensor made from it
 *   runtime          tfjs/wasm heap and kernels' scratch space
 */
const FLOAT = 4;
const PARAMETER_COPIES = 5;
const RUNTIME_OVERHEAD_BYTES = 64 * 1024 * 1024;

export interface TrainingMemoryEstimate {
  parameters: number;
  parameterBytes: number;
  activationBytes: number;
  datasetBytes: number;
  runtimeBytes: number;
  totalBytes: number;
}

type AnySpec = NetworkSpec | AutoencoderSpec;
const isAutoencoder = (spec: AnySpec): spec is AutoencoderSpec => !('outputUnits' in spec);

/** Trainable + non-trainable parameter count, equal to model.countParams() of the built model. */
export function countParameters(spec: AnySpec): number {
  if (isAutoencoder(spec)) return countAutoencoderParameters(spec);
  // A supervised network: its architecture's own count (registry.ts).
  return getArchitecture(spec.architecture).countParameters(spec);
}

function countAutoencoderParameters(spec: AutoencoderSpec): number {
  const widths = autoencoderWidths(spec);
  const f = spec.numFeatures;
  let total = 0;
  if (spec.architecture === 'dense') {
    const flat = spec.window * f;
    const chain = [flat, ...widths, ...widths.slice(0, -1).reverse(), flat];
    for (let i = 1; i < chain.length; i++) total += dense(chain[i - 1], chain[i]);
    return total;
  }
  const chain = [f, ...widths, ...[...widths].reverse()];
  for (let i = 1; i < chain.length; i++) total += lstm(chain[i - 1], chain[i]);
  return total + dense(widths[0], f);
}

/** Floats of intermediate values one sample produces in a forward pass. */
function activationsPerSample(spec: AnySpec): number {
  if (isAutoencoder(spec)) {
    const { window: w, numFeatures: f } = spec;
    const widths = autoencoderWidths(spec);
    const sum = widths.reduce((a, b) => a + b, 0) * 2;
    return spec.architecture === 'dense' ? 2 * w * f + sum : 2 * w * f + w * sum * LSTM_VALUES_PER_UNIT_STEP;
  }
  return getArchitecture(spec.architecture).activationsPerSample(spec);
}

export function estimateTrainingMemory(spec: AnySpec, samples: number, batchSize: number): TrainingMemoryEstimate {
  const parameters = countParameters(spec);
  const outputsPerSample = isAutoencoder(spec) ? spec.window * spec.numFeatures : spec.outputUnits;
  const parameterBytes = parameters * PARAMETER_COPIES * FLOAT;
  const activationBytes = activationsPerSample(spec) * Math.min(batchSize, Math.max(samples, 1)) * 2 * FLOAT;
  const datasetBytes = samples * (spec.window * spec.numFeatures + outputsPerSample) * 2 * FLOAT;
  const totalBytes = parameterBytes + activationBytes + datasetBytes + RUNTIME_OVERHEAD_BYTES;
  return {
    parameters,
    parameterBytes,
    activationBytes,
    datasetBytes,
    runtimeBytes: RUNTIME_OVERHEAD_BYTES,
    totalBytes,
  };
}

/** Total of {@link estimateTrainingMemory}, in bytes. */
export function estimateTrainingBytes(spec: AnySpec, samples: number, batchSize: number): number {
  return estimateTrainingMemory(spec, samples, batchSize).totalBytes;
}
