import * as tf from '@tensorflow/tfjs';
import { anomalyScorer, buildAutoencoder, buildNetwork, initTfBackend, type NetworkSpec } from '..';
import { buildQNetwork, servingQNetwork } from '../rl';
import { createPrng } from '../random';
import { exportLayersModel, readLayerWeights, ONNX_INPUT, ONNX_OUTPUT, OnnxExportError } from './export-layers';
import { OrtPool } from './runtime/ort-pool';

const W = 8;
const F = 3;
const N = 6;

/**
 * Parity: ONNX Runtime (in its worker thread, as served) against tfjs on the same windows,
 * for every architecture this service trains. Every weight — biases, layer-norm gains, the
 * learned position table — is set to random values first, so a mis-mapped bias or gate order
 * cannot hide behind zero initialisation.
 */
describe('ONNX export: ONNX Runtime output equals the tfjs output (≤ 1e-5)', () => {
  let pool: OrtPool;
  const rand = createPrng(3);
  const windows = Float32Array.from({ length: N * W * F }, () => (rand() - 0.5) * 4);

  beforeAll(async () => {
    await initTfBackend('wasm');
    pool = new OrtPool({ threads: 1, intraOpThreads: 1 });
    await pool.ready();
  });
  afterAll(() => pool.close());

  function randomise(model: tf.LayersModel): void {
    model.setWeights(
      model.getWeights().map((w) =>
        tf.tensor(
          Float32Array.from({ length: w.size }, () => (rand() - 0.5) * 0.8),
          w.shape,
        ),
      ),
    );
  }

  async function parity(name: string, model: tf.LayersModel): Promise<number> {
    randomise(model);
    const expected = (model.predict(tf.tensor(windows, [N, W, F])) as tf.Tensor).dataSync();
    const bytes = exportLayersModel(model, await readLayerWeights(model));
    const info = await pool.load(name, bytes);
    expect(info.inputs).toEqual([{ name: ONNX_INPUT, type: 'float32', shape: ['batch', W, F] }]);
    expect(info.outputs.map((o) => o.name)).toEqual([ONNX_OUTPUT]);
    const out = await pool.run(name, ONNX_INPUT, ONNX_OUTPUT, windows, [N, W, F]);
    pool.unload(name);
    expect(out.data.length).toBe(expected.length);
    let max = 0;
    for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - out.data[i]));
    model.dispose();
    return max;
  }

  const base = {
    window: W,
    numFeatures: F,
    units: 8,
    layers: 2,
    dropout: 0.1,
    outputUnits: 3,
    outputActivation: 'softmax',
  } as const;
  const networks: Array<[string, NetworkSpec]> = [
    ['dense classifier', { ...base, architecture: 'dense' }],
    ['LSTM classifier', { ...base, architecture: 'lstm' }],
    ['GRU regressor', { ...base, architecture: 'gru', outputUnits: 1, outputActivation: 'linear' }],
    [
      'LSTM regressor, 3 layers',
      { ...base, architecture: 'lstm', layers: 3, outputUnits: 1, outputActivation: 'linear' },
    ],
    ['transformer, last pooling, sinusoidal positions', { ...base, architecture: 'transformer', heads: 2 }],
    [
      'transformer, mean pooling, learned positions',
      {
        ...base,
        architecture: 'transformer',
        heads: 4,
        pooling: 'mean',
        positionalEncoding: 'learned',
        outputUnits: 1,
        outputActivation: 'linear',
      },
    ],
  ];
  it.each(networks)('%s', async (name, spec) => {
    expect(await parity(name, buildNetwork(spec))).toBeLessThanOrEqual(1e-5);
  });

  it.each(['dense', 'lstm'] as const)('%s autoencoder anomaly scorer', async (architecture) => {
    expect(
      await parity(
        `ae-${architecture}`,
        anomalyScorer(buildAutoencoder({ architecture, window: W, numFeatures: F, units: 8, layers: 2 })),
      ),
    ).toBeLessThanOrEqual(1e-5);
  });

  it('DQN serving network (window + flat position one-hot → Q-values)', async () => {
    expect(
      await parity('dqn', servingQNetwork(buildQNetwork({ window: W, features: F, units: 16, layers: 2 }), W, F)),
    ).toBeLessThanOrEqual(1e-5);
  });

  it('a layer without an ONNX mapping is refused by name, not exported wrongly', async () => {
    const input = tf.input({ shape: [W, F] });
    const conv = tf.layers.conv1d({ filters: 2, kernelSize: 2, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(conv)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const weights = await readLayerWeights(model);
    expect(() => exportLayersModel(model, weights)).toThrow(OnnxExportError);
    expect(() => exportLayersModel(model, weights)).toThrow(/conv of class Conv1D/);
    model.dispose();
  });
});
