import { buildAutoencoder, buildNetwork, type AutoencoderSpec, type NetworkSpec } from './architectures';
import { initTfBackend } from './backend';
import { countParameters, estimateTrainingBytes, estimateTrainingMemory } from './memory';

const GB = 1024 ** 3;
const lstm: NetworkSpec = {
  architecture: 'lstm',
  window: 30,
  numFeatures: 4,
  units: 64,
  layers: 2,
  dropout: 0.2,
  outputUnits: 1,
  outputActivation: 'linear',
};

beforeAll(async () => {
  await initTfBackend('wasm'); // cpu needs ~15 s here for LSTM(64)'s orthogonal initialiser
});

describe('countParameters', () => {
  const networks: NetworkSpec[] = [
    lstm,
    { ...lstm, architecture: 'gru', layers: 3, units: 7 },
    { ...lstm, architecture: 'dense', layers: 3, units: 32, outputUnits: 3, outputActivation: 'softmax' },
    { ...lstm, architecture: 'transformer', units: 16, heads: 4, layers: 2 },
    {
      ...lstm,
      architecture: 'transformer',
      units: 12,
      heads: 3,
      layers: 1,
      feedForwardUnits: 20,
      positionalEncoding: 'learned',
    },
    { ...lstm, architecture: 'tcn', units: 16, layers: 3 },
  ];
  it.each(networks.map((s) => [`${s.architecture} ${s.units}×${s.layers}`, s] as const))(
    '%s equals the built model’s countParams()',
    (_, spec) => {
      const model = buildNetwork(spec);
      expect(countParameters(spec)).toBe(model.countParams());
      model.dispose();
    },
  );

  const autoencoders: AutoencoderSpec[] = [
    { architecture: 'dense', window: 20, numFeatures: 5, units: 32, layers: 3 },
    { architecture: 'lstm', window: 10, numFeatures: 3, units: 16 },
  ];
  it.each(autoencoders.map((s) => [s.architecture, s] as const))('%s autoencoder equals countParams()', (_, spec) => {
    const model = buildAutoencoder(spec);
    expect(countParameters(spec)).toBe(model.countParams());
    model.dispose();
  });
});

describe('estimateTrainingBytes', () => {
  it('grows with samples and batch size and adds up its parts', () => {
    const small = estimateTrainingMemory(lstm, 10_000, 32);
    expect(small.totalBytes).toBe(
      small.parameterBytes + small.activationBytes + small.datasetBytes + small.runtimeBytes,
    );
    expect(estimateTrainingBytes(lstm, 100_000, 32)).toBeGreaterThan(small.totalBytes);
    expect(estimateTrainingBytes(lstm, 10_000, 256)).toBeGreaterThan(small.totalBytes);
    // Dataset alone: 10k × (30×4 + 1) floats, stored twice.
    expect(small.datasetBytes).toBe(10_000 * 121 * 4 * 2);
  });

  it('keeps an ordinary request far below 16 GB and flags an absurd one', () => {
    expect(estimateTrainingBytes(lstm, 50_000, 64)).toBeLessThan(1 * GB);
    const huge: NetworkSpec = { ...lstm, architecture: 'transformer', units: 1024, layers: 24, heads: 16, window: 512 };
    expect(estimateTrainingBytes(huge, 2_000_000, 512)).toBeGreaterThan(16 * GB);
  });
});
