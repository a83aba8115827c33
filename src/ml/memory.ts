import { autoencoderWidths, resolveHeads, type AutoencoderSpec, type NetworkSpec } from './architectures/network-spec';

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
// Per time step and unit, intermediates an unrolled cell keeps for backprop (gates,
// pre-activations, states): generous on purpose.
const LSTM_VALUES_PER_UNIT_STEP = 10;
const GRU_VALUES_PER_UNIT_STEP = 8;

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

const dense = (inputs: number, units: number): number => inputs * units + units;
const lstm = (inputs: number, units: number): number => 4 * (inputs * units + units * units + units);
// tfjs' GRU is the reset_after=false variant: one bias vector.
const gru = (inputs: number, units: number): number => 3 * (inputs * units + units * units + units);

/** Trainable + non-trainable parameter count, equal to model.countParams() of the built model. */
export function countParameters(spec: AnySpec): number {
  if (isAutoencoder(spec)) return countAutoencoderParameters(spec);
  const { window: w, numFeatures: f, units: u, layers: n, outputUnits: out } = spec;
  switch (spec.architecture) {
    case 'lstm':
    case 'gru': {
      const cell = spec.architecture === 'lstm' ? lstm : gru;
      let total = cell(f, u);
      for (let i = 1; i < n; i++) total += cell(u, u);
      return total + dense(u, out);
    }
    case 'dense': {
      let total = dense(w * f, u);
      for (let i = 1; i < n; i++) total += dense(u, u);
      return total + dense(u, out);
    }
    case 'transformer': {
      const ff = spec.feedForwardUnits ?? 4 * u;
      const block = dense(u, 3 * u) + dense(u, u) + dense(u, ff) + dense(ff, u) + 2 * (2 * u);
      const positions = spec.positionalEncoding === 'learned' ? w * u : 0;
      return dense(f, u) + positions + n * block + dense(u, out);
    }
  }
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
  const { window: w, numFeatures: f, units: u } = spec;
  if (isAutoencoder(spec)) {
    const widths = autoencoderWidths(spec);
    const sum = widths.reduce((a, b) => a + b, 0) * 2;
    return spec.architecture === 'dense' ? 2 * w * f + sum : 2 * w * f + w * sum * LSTM_VALUES_PER_UNIT_STEP;
  }
  const n = spec.layers;
  switch (spec.architecture) {
    case 'lstm':
      return w * f + n * w * u * LSTM_VALUES_PER_UNIT_STEP + spec.outputUnits;
    case 'gru':
      return w * f + n * w * u * GRU_VALUES_PER_UNIT_STEP + spec.outputUnits;
    case 'dense':
      return w * f + n * u * 2 + spec.outputUnits;
    case 'transformer': {
      const ff = spec.feedForwardUnits ?? 4 * u;
      const heads = resolveHeads(spec);
      // per block: qkv (3u), context + projection (2u), 2 residual sums, 2 norms (~3u each),
      // ff hidden (2·ff with relu), attention scores + softmax (2·heads·w²)
      const block = w * (3 * u + 2 * u + 2 * u + 6 * u + 2 * ff) + 2 * heads * w * w;
      return w * f + 2 * w * u + n * block + spec.outputUnits;
    }
  }
}

export function estimateTrainingMemory(spec: AnySpec, samples: number, batchSize: number): TrainingMemoryEstimate {
  const parameters = countParameters(spec);
  const outputsPerSample = isAutoencoder(spec) ? spec.window * spec.numFeatures : spec.outputUnits;
  const parameterBytes = parameters * PARAMETER_COPIES * FLOAT;
  const activationBytes = activationsPerSample(spec) * Math.min(batchSize, Math.max(samples, 1)) * 2 * FLOAT;
  const datasetBytes = samples * (spec.window * spec.numFeatures + outputsPerSample) * 2 * FLOAT;
  const totalBytes = parameterBytes + activationBytes + datasetBytes + RUNTIME_OVERHEAD_BYTES;
  return { parameters, parameterBytes, activationBytes, datasetBytes, runtimeBytes: RUNTIME_OVERHEAD_BYTES, totalBytes };
}

/** Total of {@link estimateTrainingMemory}, in bytes. */
export function estimateTrainingBytes(spec: AnySpec, samples: number, batchSize: number): number {
  return estimateTrainingMemory(spec, samples, batchSize).totalBytes;
}
