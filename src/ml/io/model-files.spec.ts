import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder, buildNetwork, compileNetwork, type NetworkSpec } from '../architectures';
import { initTfBackend } from '../backend';
import { predictBatch } from '../predict';
import { withSeed } from '../random';
import { regressionData } from '../testing/synthetic-data';
import { fitNetwork } from '../training';
import { loadModel, ModelFilesError, MODEL_JSON, saveModel, WEIGHTS_BIN } from './index';

const W = 6;
const F = 3;
const data = regressionData(40, W, F, 4);
let dir: string;

beforeAll(async () => {
  await initTfBackend('wasm');
});
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ml-io-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function roundTrip(model: tf.LayersModel): Promise<void> {
  const before = await predictBatch(model, data.x.values, data.x.shape);
  await saveModel(model, dir);
  const loaded = await loadModel(dir);
  const after = await predictBatch(loaded, data.x.values, data.x.shape);
  expect(
    Buffer.from(after.buffer, after.byteOffset, after.byteLength).equals(
      Buffer.from(before.buffer, before.byteOffset, before.byteLength),
    ),
  ).toBe(true);
  expect(loaded.countParams()).toBe(model.countParams());
  loaded.dispose();
}

describe('saveModel / loadModel', () => {
  const specs: [string, NetworkSpec][] = [
    [
      'transformer (sinusoidal, last pooling)',
      {
        architecture: 'transformer',
        window: W,
        numFeatures: F,
        units: 8,
        layers: 2,
        heads: 2,
        dropout: 0.1,
        outputUnits: 1,
        outputActivation: 'linear',
      },
    ],
    [
      'transformer (learned positions, mean pooling)',
      {
        architecture: 'transformer',
        window: W,
        numFeatures: F,
        units: 8,
        layers: 1,
        heads: 4,
        dropout: 0,
        outputUnits: 3,
        outputActivation: 'softmax',
        positionalEncoding: 'learned',
        pooling: 'mean',
      },
    ],
    [
      'lstm',
      {
        architecture: 'lstm',
        window: W,
        numFeatures: F,
        units: 5,
        layers: 2,
        dropout: 0.1,
        outputUnits: 1,
        outputActivation: 'linear',
      },
    ],
    [
      'gru',
      {
        architecture: 'gru',
        window: W,
        numFeatures: F,
        units: 5,
        layers: 1,
        dropout: 0,
        outputUnits: 1,
        outputActivation: 'sigmoid',
      },
    ],
  ];

  it.each(specs)('%s: a trained model reloads with bit-identical predictions', async (_, spec) => {
    await withSeed(3, async () => {
      const model = compileNetwork(buildNetwork(spec), { learningRate: 0.01, loss: 'mse' });
      // Train a little so weights differ from any initialiser output.
      const y =
        spec.outputUnits === 1
          ? data.y
          : {
              values: new Float32Array(40 * spec.outputUnits).fill(1 / spec.outputUnits),
              shape: [40, spec.outputUnits],
            };
      await fitNetwork(model, { xTrain: data.x, yTrain: y, epochs: 2, batchSize: 8 });
      await roundTrip(model);
      model.dispose();
    });
  });

  it('round-trips the LSTM autoencoder', async () => {
    const model = buildAutoencoder({ architecture: 'lstm', window: W, numFeatures: F, units: 4 });
    await roundTrip(model);
    model.dispose();
  });

  it('writes model.json (topology + manifest) and weights.bin of the right size', async () => {
    const model = buildNetwork(specs[0][1]);
    await saveModel(model, path.join(dir, 'nested', 'v1'));
    const files = (await fs.readdir(path.join(dir, 'nested', 'v1'))).sort();
    expect(files).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'nested', 'v1', MODEL_JSON), 'utf8'));
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    const bytes = (await fs.stat(path.join(dir, 'nested', 'v1', WEIGHTS_BIN))).size;
    expect(bytes).toBe(model.countParams() * 4);
    model.dispose();
  });

  it('fails clearly for a missing directory and for a manifest that points outside it', async () => {
    await expect(loadModel(path.join(dir, 'absent'))).rejects.toThrow(ModelFilesError);
    const model = buildNetwork(specs[2][1]);
    await saveModel(model, dir);
    model.dispose();
    const jsonPath = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    await fs.writeFile(jsonPath, JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow('must be a file name inside the model directory');
  });

  it('leaves no tensors behind when saving', async () => {
    const model = buildNetwork(specs[0][1]);
    const before = tf.memory().numTensors;
    await saveModel(model, dir);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
